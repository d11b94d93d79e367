//! Clerk-shaped responses: the `ClerkErrors` body, trace ids, and small
//! helpers for JSON and empty responses.
//!
//! Every error carries `clerk_trace_id` in the body (what the JS SDK reads)
//! and a `Clerk-Trace-Id` header (what the Go SDK reads), so clients written
//! against either habit find one.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

/// Header the Go SDK reads the trace id from.
pub const TRACE_HEADER: HeaderName = HeaderName::from_static("clerk-trace-id");

/// One entry of `errors[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClerkError {
    pub code: String,
    pub message: String,
    pub long_message: String,
    pub param_name: Option<String>,
}

impl ClerkError {
    pub fn new(code: &str, message: &str, long_message: impl Into<String>) -> ClerkError {
        ClerkError {
            code: code.to_string(),
            message: message.to_string(),
            long_message: long_message.into(),
            param_name: None,
        }
    }

    /// Sets `meta.param_name`, the field Clerk clients use to point at input.
    pub fn param(mut self, name: &str) -> ClerkError {
        self.param_name = Some(name.to_string());
        self
    }

    fn to_json(&self) -> Value {
        let mut meta = Map::new();
        if let Some(name) = &self.param_name {
            meta.insert("param_name".into(), name.clone().into());
        }
        json!({
            "message": self.message,
            "long_message": self.long_message,
            "code": self.code,
            "meta": meta,
        })
    }
}

/// The `ClerkErrors` body.
pub fn body(errors: &[ClerkError], trace_id: &str) -> Value {
    let errors: Vec<Value> = errors.iter().map(ClerkError::to_json).collect();
    json!({ "errors": errors, "clerk_trace_id": trace_id })
}

/// A response with the trace header set and the given body bytes.
fn response(
    status: StatusCode,
    content_type: Option<&'static str>,
    bytes: Vec<u8>,
    trace_id: &str,
) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        response.headers_mut().insert(TRACE_HEADER, value);
    }
    response
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &Value, trace_id: &str) -> Response {
    // Serialising a `Value` cannot fail; fall back to `{}` rather than panic.
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    response(status, Some("application/json"), bytes, trace_id)
}

/// A Clerk error response.
pub fn error_response(status: StatusCode, errors: &[ClerkError], trace_id: &str) -> Response {
    json_response(status, &body(errors, trace_id), trace_id)
}

/// A response without a body (204 and friends).
pub fn empty_response(status: StatusCode, trace_id: &str) -> Response {
    response(status, None, Vec::new(), trace_id)
}

/// A raw, possibly non-JSON body, for faults that imitate broken proxies.
pub fn raw_response(
    status: StatusCode,
    content_type: HeaderValue,
    text: &str,
    trace_id: &str,
) -> Response {
    let mut response = response(status, None, text.as_bytes().to_vec(), trace_id);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// The generic error a status code gets when a fault does not bring a body.
pub fn default_error(status: StatusCode) -> ClerkError {
    match status.as_u16() {
        400 => ClerkError::new("request_invalid", "Bad request", "The request was invalid."),
        401 => unauthenticated(),
        403 => ClerkError::new(
            "authorization_invalid",
            "Unauthorized request",
            "You are not authorized to perform this request",
        ),
        404 => not_found(),
        429 => ClerkError::new(
            "too_many_requests",
            "Too many requests",
            "Too many requests, retry later",
        ),
        500 => ClerkError::new(
            "internal_clerk_error",
            "Oops, an unexpected error occurred",
            "There was an internal error on our servers. We've been notified and are working on fixing it.",
        ),
        503 => ClerkError::new(
            "maintenance_mode",
            "System under maintenance",
            "We are currently undergoing maintenance and only essential operations are permitted. We will be back shortly.",
        ),
        code => ClerkError::new(
            "emulated_fault",
            "Emulated failure",
            format!("clerk-emulator answered {code} because a fault was queued."),
        ),
    }
}

/// `form_param_unknown`: a parameter the endpoint does not take. The name
/// is echoed, so anything key-shaped in it is redacted first.
pub fn param_unknown(name: &str) -> ClerkError {
    let name = super::keys::redact(name, None);
    ClerkError::new(
        "form_param_unknown",
        "is unknown",
        format!("{name} is not a valid parameter for this request."),
    )
    .param(&name)
}

/// `form_param_type_invalid`, naming the type the parameter must have.
pub fn param_type_invalid(name: &str, expected: &str) -> ClerkError {
    ClerkError::new(
        "form_param_type_invalid",
        "is invalid",
        format!("{name} must be {expected}."),
    )
    .param(name)
}

/// 401 for a missing `Authorization` header.
pub fn unauthenticated() -> ClerkError {
    ClerkError::new(
        "authentication_invalid",
        "Invalid authentication",
        "Unable to authenticate the request, you need to supply an active API key",
    )
}

pub fn not_found() -> ClerkError {
    ClerkError::new(
        "resource_not_found",
        "not found",
        "The requested resource was not found.",
    )
}

pub fn method_not_allowed(method: &str) -> ClerkError {
    ClerkError::new(
        "method_not_allowed",
        "method not allowed",
        format!("{method} is not supported on this path."),
    )
}

/// Random-looking hex ids. `RandomState` gives per-process random keys, which
/// is all the randomness a trace id needs without pulling in a RNG crate.
pub struct TraceIds {
    state: RandomState,
    counter: AtomicU64,
}

impl TraceIds {
    pub fn new() -> TraceIds {
        TraceIds {
            state: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }

    /// 32 lowercase hex digits, different for every call.
    pub fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let high = self.state.hash_one(n);
        let low = self.state.hash_one(!n);
        format!("{high:016x}{low:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_clerk_shape() {
        let error =
            ClerkError::new("form_param_unknown", "is unknown", "x is not valid").param("x");
        let value = body(&[error], "abc");
        assert_eq!(value["errors"][0]["code"], "form_param_unknown");
        assert_eq!(value["errors"][0]["meta"]["param_name"], "x");
        assert_eq!(value["clerk_trace_id"], "abc");
        let bare = body(&[not_found()], "t");
        assert_eq!(bare["errors"][0]["meta"], json!({}));
    }

    #[test]
    fn trace_ids_differ() {
        let ids = TraceIds::new();
        let (a, b) = (ids.next(), ids.next());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
