//! Injected failures: a queue of faults that the next matching requests
//! consume, so tests can script rate limits, outages, slow answers, broken
//! bodies and dropped connections in a given order.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::{self, TRACE_HEADER};

/// Longest delay a fault may ask for, so a typo cannot hang a test run.
const MAX_DELAY_MS: u64 = 600_000;

/// One queued fault, as given to `POST /__emulator/faults` (normalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// Upper-case method to match, or any.
    pub method: Option<String>,
    /// Path (no query) to match exactly, or by prefix if it ends in `*`
    /// (e.g. `/fapi/*`), or any.
    pub path: Option<String>,
    /// Requests left to hit.
    pub times: u32,
    /// Status to answer with instead of handling the request.
    pub status: Option<u16>,
    /// `Retry-After` header value.
    pub retry_after: Option<String>,
    /// Sleep before answering.
    pub delay_ms: u64,
    /// Raw body to send instead of a Clerk error (need not be JSON).
    pub body: Option<String>,
    /// Content type for `body`; defaults to `application/json` so clients
    /// that trust the header meet a body that does not parse.
    pub content_type: Option<String>,
    /// Send headers and part of a body, then drop the connection.
    pub reset: bool,
    /// Handle the request for real first (its changes apply), then answer
    /// with the fault: imitates a response lost after the server acted.
    pub after_handling: bool,
}

/// The wire shape; `retry_after` may be a string or a number.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    retry_after: Option<Value>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    reset: Option<bool>,
    #[serde(default)]
    after_handling: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsRequest {
    faults: Vec<FaultSpec>,
}

/// Parses and checks a `{"faults":[...]}` body.
pub fn parse_request(bytes: &[u8]) -> Result<Vec<Fault>, String> {
    let request: FaultsRequest =
        serde_json::from_slice(bytes).map_err(|e| format!("expected {{\"faults\":[...]}}: {e}"))?;
    request.faults.into_iter().map(Fault::from_spec).collect()
}

impl Fault {
    fn from_spec(spec: FaultSpec) -> Result<Fault, String> {
        let retry_after = match spec.retry_after {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err("retry_after must be a string or a number".into()),
        };
        if retry_after
            .as_deref()
            .is_some_and(|v| HeaderValue::from_str(v).is_err())
        {
            return Err("retry_after is not a valid header value".into());
        }
        if spec
            .content_type
            .as_deref()
            .is_some_and(|v| HeaderValue::from_str(v).is_err())
        {
            return Err("content_type is not a valid header value".into());
        }
        if let Some(status) = spec.status {
            if !(200..=599).contains(&status) {
                return Err(format!("status {status} is outside 200..=599"));
            }
        }
        let method = spec.method.map(|m| m.to_ascii_uppercase());
        if method
            .as_deref()
            .is_some_and(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err("method must be an HTTP method name such as PATCH".into());
        }
        if spec.path.as_deref().is_some_and(|p| !p.starts_with('/')) {
            return Err("path must start with /".into());
        }
        let times = spec.times.unwrap_or(1);
        if times == 0 {
            return Err("times must be at least 1".into());
        }
        let delay_ms = spec.delay_ms.unwrap_or(0);
        if delay_ms > MAX_DELAY_MS {
            return Err(format!("delay_ms must be at most {MAX_DELAY_MS}"));
        }
        Ok(Fault {
            method,
            path: spec.path,
            times,
            status: spec.status,
            retry_after,
            delay_ms,
            body: spec.body,
            content_type: spec.content_type,
            reset: spec.reset.unwrap_or(false),
            after_handling: spec.after_handling.unwrap_or(false),
        })
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let path_matches = |wanted: &str| match wanted.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => wanted == path,
        };
        self.method.as_deref().is_none_or(|m| m == method)
            && self.path.as_deref().is_none_or(path_matches)
    }

    /// Whether the fault replaces the response (a delay-only fault does not).
    pub fn intercepts(&self) -> bool {
        self.status.is_some() || self.body.is_some() || self.reset
    }

    /// The response this fault sends in place of the real one.
    pub fn response(&self, trace_id: &str) -> Response {
        let status = self
            .status
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::OK);
        let mut response = if self.reset {
            reset_response(status, trace_id)
        } else if let Some(body) = &self.body {
            let content_type = self
                .content_type
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
                .unwrap_or(HeaderValue::from_static("application/json"));
            errors::raw_response(status, content_type, body, trace_id)
        } else if status.is_client_error() || status.is_server_error() {
            errors::error_response(status, &[errors::default_error(status)], trace_id)
        } else {
            errors::empty_response(status, trace_id)
        };
        if let Some(value) = self
            .retry_after
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Headers, a first chunk of JSON, a pause (so hyper flushes both), then a
/// body error: hyper aborts the connection mid-body and the client sees an
/// incomplete chunked message.
fn reset_response(status: StatusCode, trace_id: &str) -> Response {
    let chunks = futures_util::stream::unfold(0u8, |step| async move {
        match step {
            0 => Some((
                Ok(Bytes::from_static(
                    b"{\"object\":\"instance\",\"id\":\"ins_",
                )),
                1,
            )),
            1 => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some((
                    Err(io::Error::other(
                        "clerk-emulator: emulated connection reset",
                    )),
                    2,
                ))
            }
            _ => None,
        }
    });
    let mut response = Response::new(Body::from_stream(chunks));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        response.headers_mut().insert(TRACE_HEADER, value);
    }
    response
}

/// Pending faults, consumed first-match-first.
#[derive(Debug, Default)]
pub struct FaultQueue {
    faults: VecDeque<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, faults: Vec<Fault>) {
        self.faults.extend(faults);
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    pub fn pending(&self) -> Vec<Fault> {
        self.faults.iter().cloned().collect()
    }

    /// Consumes one use of the first fault matching the request.
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = self.faults.get_mut(index)?;
        fault.times = fault.times.saturating_sub(1);
        let taken = fault.clone();
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let body = br#"{"faults":[{"method":"patch","path":"/v1/instance","times":2,"status":429,"retry_after":1},{"delay_ms":5}]}"#;
        let faults = parse_request(body).expect("valid");
        assert_eq!(faults[0].method.as_deref(), Some("PATCH"));
        assert_eq!(faults[0].retry_after.as_deref(), Some("1"));
        assert!(faults[0].intercepts());
        assert_eq!(faults[1].times, 1);
        assert!(!faults[1].intercepts());
        for bad in [
            r#"{"faults":[{"status":99}]}"#,
            r#"{"faults":[{"times":0}]}"#,
            r#"{"faults":[{"path":"v1"}]}"#,
            r#"{"faults":[{"surprise":true}]}"#,
            r#"{"faults":[{"retry_after":"a\nb"}]}"#,
            r#"[]"#,
        ] {
            assert!(parse_request(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn queue_takes_first_match_and_counts_down() {
        let mut queue = FaultQueue::default();
        let faults = parse_request(
            br#"{"faults":[{"method":"PATCH","times":2,"status":503},{"path":"/v1/domains","status":500}]}"#,
        )
        .expect("valid");
        queue.push(faults);
        assert_eq!(queue.take("GET", "/v1/instance"), None);
        assert_eq!(
            queue.take("GET", "/v1/domains").and_then(|f| f.status),
            Some(500)
        );
        assert_eq!(
            queue.take("PATCH", "/v1/instance").and_then(|f| f.status),
            Some(503)
        );
        assert_eq!(queue.pending().len(), 1);
        assert_eq!(queue.take("PATCH", "/x").and_then(|f| f.status), Some(503));
        assert!(queue.pending().is_empty());
        queue.push(
            parse_request(br#"{"faults":[{"path":"/fapi/*","status":502}]}"#).expect("valid"),
        );
        assert_eq!(queue.take("GET", "/v1/instance"), None);
        assert_eq!(
            queue
                .take("GET", "/fapi/ins_1/v1/environment")
                .and_then(|f| f.status),
            Some(502)
        );
    }
}
