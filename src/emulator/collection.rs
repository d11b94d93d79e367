//! What the collection endpoints (`/v1/jwt_templates`, `/v1/domains`)
//! share: Clerk's form errors, object ids and timestamps, list paging, the
//! request-log redaction of secret fields, and the control-API routes that
//! change the collections out of band.
//!
//! Control routes (not authenticated, not logged, like the rest of
//! `/__emulator/`):
//!
//! - `GET|POST /__emulator/instances/{id}/jwt_templates`,
//!   `GET|PATCH|DELETE /__emulator/instances/{id}/jwt_templates/{template_id}`
//! - `GET|POST /__emulator/instances/{id}/domains` (satellites),
//!   `PATCH|DELETE /__emulator/instances/{id}/domains/{domain_id}`
//!
//! A control edit is checked for types and values like the API, but needs no
//! required field and ignores which environment the instance is in, as a
//! dashboard edit would.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::errors::{self, ClerkError};
use super::keys;
use super::routes::{not_found, App, Incoming};
use super::{domains, jwt_templates};

/// Request body fields whose values the request log never shows.
pub const SECRET_FIELDS: &[&str] = &["signing_key"];

/// What replaces a secret value in the request log.
pub const REDACTED: &str = "[redacted]";

/// `form_param_missing`: a required parameter is absent (or empty).
pub fn missing(name: &str) -> ClerkError {
    ClerkError::new(
        "form_param_missing",
        "is missing",
        format!("{name} must be included."),
    )
    .param(name)
}

/// `form_param_nil`: `null` for a parameter the spec marks not nullable.
pub fn nil(name: &str) -> ClerkError {
    ClerkError::new(
        "form_param_nil",
        "cannot be null",
        format!("{name} cannot be null."),
    )
    .param(name)
}

/// `form_param_type_invalid`.
pub fn type_invalid(name: &str, expected: &str) -> ClerkError {
    ClerkError::new(
        "form_param_type_invalid",
        "is invalid",
        format!("`{name}` must be {expected}."),
    )
    .param(name)
}

/// `form_param_value_invalid` with a reason (never the value itself when the
/// caller says it may be secret).
pub fn value_invalid(name: &str, reason: &str) -> ClerkError {
    let reason = keys::redact(reason, None);
    ClerkError::new(
        "form_param_value_invalid",
        "is invalid",
        format!("{name} is invalid: {reason}"),
    )
    .param(name)
}

/// `form_param_format_invalid` with a reason.
pub fn format_invalid(name: &str, reason: &str) -> ClerkError {
    let reason = keys::redact(reason, None);
    ClerkError::new(
        "form_param_format_invalid",
        "is invalid",
        format!("{name} is invalid: {reason}"),
    )
    .param(name)
}

/// `form_identifier_exists`: a value that must be unique is taken.
pub fn taken(name: &str, what: &str) -> ClerkError {
    ClerkError::new(
        "form_identifier_exists",
        &format!("That {what} is taken. Please try another."),
        format!("That {what} is taken. Please try another."),
    )
    .param(name)
}

/// `form_conditional_param_missing`.
pub fn conditional_missing(name: &str, condition: &str) -> ClerkError {
    ClerkError::new(
        "form_conditional_param_missing",
        "is missing",
        format!("`{name}` is required when {condition}."),
    )
    .param(name)
}

/// `form_conditional_param_disallowed`.
pub fn conditional_disallowed(name: &str, condition: &str) -> ClerkError {
    ClerkError::new(
        "form_conditional_param_disallowed",
        "is not allowed",
        format!("`{name}` isn't allowed when {condition}."),
    )
    .param(name)
}

/// `request_body_invalid`: the body is not a JSON object.
pub fn body_not_object() -> ClerkError {
    ClerkError::new(
        "request_body_invalid",
        "is invalid",
        "The request body must be a JSON object.",
    )
}

/// Clerk's 404 for a missing object of a collection.
pub fn object_not_found(what: &str, id: &str) -> ClerkError {
    let id = keys::redact(id, None);
    ClerkError::new(
        "resource_not_found",
        &format!("{what} not found"),
        format!("No {what} was found with id {id}"),
    )
}

/// `prefix` + 24 hex digits, stable for an instance and a counter, so ids
/// survive a restart and never repeat within an instance.
pub fn object_id(prefix: &str, instance_id: &str, seq: u64) -> String {
    let first = keys::fnv1a64(format!("{prefix}:{instance_id}:{seq}").as_bytes());
    let second = keys::fnv1a64(format!("{seq}:{instance_id}:{prefix}").as_bytes());
    format!("{prefix}{first:016x}{:08x}", second >> 32)
}

/// Unix time in milliseconds, as Clerk's `created_at`/`updated_at`.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Paging as the spec's `paginated`, `limit` (1–500, default 10) and
/// `offset` (≥ 0, default 0) query parameters ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub paginated: bool,
    pub limit: usize,
    pub offset: usize,
}

/// Reads the paging parameters; anything else in the query is ignored.
pub fn paging(request: &Incoming) -> Result<Paging, ClerkError> {
    let mut paging = Paging {
        paginated: false,
        limit: 10,
        offset: 0,
    };
    for (name, value) in request.query_params() {
        match name {
            "paginated" => {
                paging.paginated = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(query_invalid(name, "true or false")),
                }
            }
            "limit" => match value.parse::<usize>() {
                Ok(limit) if (1..=500).contains(&limit) => paging.limit = limit,
                _ => return Err(query_invalid(name, "an integer from 1 to 500")),
            },
            "offset" => match value.parse::<usize>() {
                Ok(offset) => paging.offset = offset,
                _ => return Err(query_invalid(name, "an integer of 0 or more")),
            },
            _ => {}
        }
    }
    Ok(paging)
}

fn query_invalid(name: &str, expected: &str) -> ClerkError {
    ClerkError::new(
        "form_param_value_invalid",
        "is invalid",
        format!("{name} must be {expected}."),
    )
    .param(name)
}

/// One page of a collection: a plain array, or with `paginated=true` the
/// `{data, total_count}` envelope.
pub fn page(items: Vec<Value>, paging: Paging) -> Value {
    let total = items.len();
    let data: Vec<Value> = items
        .into_iter()
        .skip(paging.offset)
        .take(paging.limit)
        .collect();
    if paging.paginated {
        serde_json::json!({ "data": data, "total_count": total })
    } else {
        Value::Array(data)
    }
}

/// Replaces the value of every secret field (at any depth) with
/// [`REDACTED`], for the request log.
pub fn redact_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, item) in map.iter_mut() {
                if SECRET_FIELDS.contains(&name.as_str()) && !item.is_null() {
                    *item = Value::String(REDACTED.to_string());
                } else {
                    redact_secrets(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

/// For a body that is not JSON: whether it may hold a secret field, in which
/// case the log keeps only its size.
pub fn raw_holds_secret(text: &str) -> bool {
    SECRET_FIELDS.iter().any(|name| text.contains(name))
}

/// The request's path split after `prefix`: `Some(None)` for the collection
/// itself, `Some(Some(id))` for one member, `None` for anything else.
pub fn member<'a>(path: &'a str, prefix: &str) -> Option<Option<&'a str>> {
    let rest = path.strip_prefix(prefix)?;
    if rest.is_empty() {
        return Some(None);
    }
    let id = rest.strip_prefix('/')?;
    (!id.is_empty() && !id.contains('/')).then_some(Some(id))
}

/// Routes a control request for a collection, or `None` when the path is
/// not one of them.
pub(super) async fn control(
    app: &App,
    method: &str,
    subpath: &str,
    body: &[u8],
    trace: &str,
) -> Option<Response> {
    let rest = subpath.strip_prefix("/instances/")?;
    let (instance_id, rest) = rest.split_once('/')?;
    if let Some(target) = member(rest, "jwt_templates") {
        return Some(jwt_templates::control(app, method, instance_id, target, body, trace).await);
    }
    if let Some(target) = member(rest, "domains") {
        return Some(domains::control(app, method, instance_id, target, body, trace).await);
    }
    None
}

/// Parses a control body: empty means `{}`.
pub fn control_body(body: &[u8]) -> Result<Value, ClerkError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| {
        ClerkError::new(
            "emulator_request_invalid",
            "invalid control request",
            format!("body is not JSON: {}", keys::redact(&e.to_string(), None)),
        )
    })
}

/// A control-API 404 for an unknown instance.
pub fn no_instance(trace: &str) -> Response {
    not_found(trace)
}

/// The error answer for a refused change.
pub fn refused(status: StatusCode, errors: &[ClerkError], trace: &str) -> Response {
    errors::error_response(status, errors, trace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let mut body = json!({
            "name": "n",
            "signing_key": "-----BEGIN PRIVATE KEY-----",
            "nested": [{"signing_key": "x"}],
            "other": {"signing_key": null},
        });
        redact_secrets(&mut body);
        assert_eq!(body["signing_key"], REDACTED);
        assert_eq!(body["nested"][0]["signing_key"], REDACTED);
        assert_eq!(body["other"]["signing_key"], Value::Null);
        assert_eq!(body["name"], "n");
        assert!(raw_holds_secret("{\"signing_key\": \"x\""));
        assert!(!raw_holds_secret("{\"name\": 1"));
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = object_id("jtmp_", "ins_1", 1);
        assert_eq!(a, object_id("jtmp_", "ins_1", 1));
        assert_ne!(a, object_id("jtmp_", "ins_1", 2));
        assert_ne!(a, object_id("jtmp_", "ins_2", 1));
        assert_eq!(a.len(), "jtmp_".len() + 24);
    }

    #[test]
    fn pages_are_sliced_and_enveloped() {
        let items: Vec<Value> = (0..5).map(|n| json!(n)).collect();
        let plain = Paging {
            paginated: false,
            limit: 2,
            offset: 1,
        };
        assert_eq!(page(items.clone(), plain), json!([1, 2]));
        let enveloped = Paging {
            paginated: true,
            ..plain
        };
        assert_eq!(
            page(items, enveloped),
            json!({"data": [1, 2], "total_count": 5})
        );
    }

    #[test]
    fn member_paths() {
        assert_eq!(member("jwt_templates", "jwt_templates"), Some(None));
        assert_eq!(member("jwt_templates/x", "jwt_templates"), Some(Some("x")));
        assert_eq!(member("jwt_templates/", "jwt_templates"), None);
        assert_eq!(member("jwt_templates/x/y", "jwt_templates"), None);
        assert_eq!(member("jwt_templatesx", "jwt_templates"), None);
    }
}
