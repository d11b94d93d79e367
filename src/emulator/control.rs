//! The control API under `/__emulator/`: request log, fault queue,
//! out-of-band instance edits and runtime configuration. Not authenticated
//! and not logged, since only tests and CI scripts on loopback use it.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::errors::{self, ClerkError};
use super::faults;
use super::keys;
use super::routes::{lock, not_found, App, CONTROL_PREFIX};
use super::singletons::Object;
use super::store::Instance;
use super::{collection, organizations, restrictions, validate};

/// Largest environment lag accepted at runtime (one hour).
const MAX_LAG_MS: u64 = 3_600_000;
/// A minute per request is already far past any real network.
const MAX_LATENCY_MS: u64 = 60_000;

fn config_view(app: &App) -> Value {
    json!({
        "environment_lag_ms": app.lag_ms.load(Ordering::Relaxed),
        "latency_ms": app.latency_ms.load(Ordering::Relaxed),
    })
}

fn control_error(status: StatusCode, message: String, trace: &str) -> Response {
    // serde messages can quote the input; keep anything key-shaped out.
    let message = keys::redact(&message, None);
    let error = ClerkError::new(
        "emulator_request_invalid",
        "invalid control request",
        message,
    );
    errors::error_response(status, &[error], trace)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigBody {
    environment_lag_ms: Option<u64>,
    latency_ms: Option<u64>,
}

pub(super) async fn handle(
    app: &App,
    method: &str,
    path: &str,
    body: &[u8],
    trace: &str,
) -> Response {
    let subpath = path.strip_prefix(CONTROL_PREFIX).unwrap_or("");
    let ok = |value: Value| errors::json_response(StatusCode::OK, &value, trace);
    if let Some(response) = collection::control(app, method, subpath, body, trace).await {
        return response;
    }
    if let Some(response) = super::lists::control(app, method, subpath, body, trace).await {
        return response;
    }
    match (method, subpath) {
        ("GET", "/requests") => ok(Value::Array(lock(&app.log).entries())),
        ("DELETE", "/requests") => {
            lock(&app.log).clear();
            errors::empty_response(StatusCode::NO_CONTENT, trace)
        }
        ("GET", "/faults") => {
            ok(serde_json::to_value(lock(&app.faults).pending()).unwrap_or(Value::Null))
        }
        ("POST", "/faults") => match faults::parse_request(body) {
            Ok(new_faults) => {
                let queued = new_faults.len();
                let mut queue = lock(&app.faults);
                queue.push(new_faults);
                ok(json!({ "queued": queued, "pending": queue.pending().len() }))
            }
            Err(message) => control_error(StatusCode::BAD_REQUEST, message, trace),
        },
        ("DELETE", "/faults") => {
            lock(&app.faults).clear();
            errors::empty_response(StatusCode::NO_CONTENT, trace)
        }
        ("GET", "/instances") => {
            let store = lock(&app.store);
            let all: Map<String, Value> = store
                .iter()
                .map(|i| (i.id.clone(), i.to_control_json()))
                .collect();
            ok(Value::Object(all))
        }
        ("GET", _) if subpath.starts_with("/instances/") => {
            let id = subpath.trim_start_matches("/instances/");
            match lock(&app.store).by_id(id) {
                Some(instance) => ok(instance.to_control_json()),
                None => not_found(trace),
            }
        }
        (_, _) if subpath.starts_with("/instances/") && subpath.contains("/organization_") => {
            organizations::control(app, method, subpath, body, trace).await
        }
        ("PATCH", _)
            if subpath.starts_with("/instances/") && subpath.ends_with("/restrictions") =>
        {
            let id = subpath
                .trim_start_matches("/instances/")
                .trim_end_matches("/restrictions");
            control_patch_restrictions(app, id, body, trace).await
        }
        ("PATCH", _)
            if subpath.starts_with("/instances/")
                && subpath
                    .rsplit_once('/')
                    .and_then(|(_, name)| Object::from_name(name))
                    .is_some() =>
        {
            let (rest, name) = subpath.rsplit_once('/').unwrap_or_default();
            let id = rest.trim_start_matches("/instances/");
            let object = Object::from_name(name).unwrap_or(Object::Protect);
            control_patch_singleton(app, id, object, body, trace).await
        }
        ("PATCH", _) if subpath.starts_with("/instances/") => {
            control_patch_instance(app, subpath.trim_start_matches("/instances/"), body, trace)
                .await
        }
        ("GET", "/config") => ok(config_view(app)),
        ("PUT", "/config") => match serde_json::from_slice::<ConfigBody>(body) {
            Ok(config) => {
                if let Some(lag) = config.environment_lag_ms {
                    if lag > MAX_LAG_MS {
                        let message = format!("environment_lag_ms must be at most {MAX_LAG_MS}");
                        return control_error(StatusCode::BAD_REQUEST, message, trace);
                    }
                    app.lag_ms.store(lag, Ordering::Relaxed);
                }
                if let Some(latency) = config.latency_ms {
                    if latency > MAX_LATENCY_MS {
                        let message = format!("latency_ms must be at most {MAX_LATENCY_MS}");
                        return control_error(StatusCode::BAD_REQUEST, message, trace);
                    }
                    app.latency_ms.store(latency, Ordering::Relaxed);
                }
                ok(config_view(app))
            }
            Err(e) => control_error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"environment_lag_ms\": N, \"latency_ms\": N}}: {e}"),
                trace,
            ),
        },
        (_, "/requests" | "/faults" | "/instances" | "/config") => errors::error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &[errors::method_not_allowed(method)],
            trace,
        ),
        _ => not_found(trace),
    }
}

/// An out-of-band edit, as the Clerk dashboard would make it: the body is
/// parsed, checked by `check` (400 with Clerk-shaped errors when refused),
/// applied to the instance by `apply` under one lock, and recorded for
/// lagged reads; not logged as an API request. Answers the instance's
/// control view.
async fn edit_out_of_band<C>(
    app: &App,
    id: &str,
    body: &[u8],
    trace: &str,
    check: impl FnOnce(&Value) -> Result<C, Vec<ClerkError>>,
    apply: impl FnOnce(&mut Instance, &C) -> bool,
) -> Response {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                format!("body is not JSON: {e}"),
                trace,
            )
        }
    };
    let change = match check(&value) {
        Ok(change) => change,
        Err(errors) => return errors::error_response(StatusCode::BAD_REQUEST, &errors, trace),
    };
    let outcome = {
        let mut store = lock(&app.store);
        store.by_id_mut(id).map(|instance| {
            let changed = apply(instance, &change);
            instance.record(Instant::now());
            (changed, instance.to_control_json())
        })
    };
    match outcome {
        Some((changed, view)) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::json_response(StatusCode::OK, &view, trace)
        }
        None => not_found(trace),
    }
}

/// Out-of-band change of the restrictions.
async fn control_patch_restrictions(app: &App, id: &str, body: &[u8], trace: &str) -> Response {
    edit_out_of_band(
        app,
        id,
        body,
        trace,
        restrictions::validate,
        |instance, change| instance.settings.restrictions.apply(change),
    )
    .await
}

/// Out-of-band change of protect, communication or OAuth application
/// settings (protect's `checks_bypassed` too).
async fn control_patch_singleton(
    app: &App,
    id: &str,
    object: Object,
    body: &[u8],
    trace: &str,
) -> Response {
    edit_out_of_band(
        app,
        id,
        body,
        trace,
        |value| object.validate(value, true),
        |instance, change| object.apply(&mut instance.settings, change),
    )
    .await
}

/// Out-of-band settings change: type checks only.
async fn control_patch_instance(app: &App, id: &str, body: &[u8], trace: &str) -> Response {
    edit_out_of_band(
        app,
        id,
        body,
        trace,
        validate::validate_control,
        |instance, patch| patch.apply(instance),
    )
    .await
}
