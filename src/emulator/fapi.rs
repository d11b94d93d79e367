//! The Frontend API subset: `GET /fapi/<instance id>/v1/environment`,
//! unauthenticated like Clerk's, optionally lagging behind like its edge cache.

use std::time::Instant;

use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::errors::{self, ClerkError};
use super::keys;
use super::routes::{lock, method_not_allowed, not_found, App, Incoming};
use super::store::{Instance, Settings};

/// `GET /fapi/<instance id>/v1/environment`, unauthenticated like Clerk's.
pub(super) fn environment(
    app: &App,
    request: &Incoming,
    rest: &str,
    trace: &str,
) -> (Response, Option<String>) {
    let (id, subpath) = rest.split_once('/').unwrap_or((rest, ""));
    let now = Instant::now();
    let lag = app.lag();
    let store = lock(&app.store);
    let Some(instance) = store.by_id(id) else {
        return (not_found(trace), None);
    };
    let id = Some(instance.id.clone());
    if subpath != "v1/environment" {
        return (not_found(trace), id);
    }
    if request.method != Method::GET {
        return (method_not_allowed(&request.method, "GET", trace), id);
    }
    if let Some(error) = refuse_browser_markers(request) {
        return (
            errors::error_response(StatusCode::BAD_REQUEST, &[error], trace),
            id,
        );
    }
    let body = environment_body(instance, instance.settings_as_of(now, lag));
    (errors::json_response(StatusCode::OK, &body, trace), id)
}

/// A server-side reader must look like a native client: browser markers
/// switch real FAPI into dev-browser/origin checks, `Authorization` would
/// hand a secret to the public API, and `_clerk_js_version` is recorded into
/// the instance's clerk-js telemetry.
fn refuse_browser_markers(request: &Incoming) -> Option<ClerkError> {
    for (name, label) in [
        (header::ORIGIN, "Origin"),
        (header::REFERER, "Referer"),
        (header::COOKIE, "Cookie"),
        (header::AUTHORIZATION, "Authorization"),
    ] {
        if request.headers.contains_key(&name) {
            return Some(
                ClerkError::new(
                    "request_header_not_allowed",
                    "header not allowed",
                    format!(
                        "clerk-emulator refuses {label} on the Frontend API: a server-side read of /v1/environment \
                         must not send browser headers or credentials."
                    ),
                )
                .param(label),
            );
        }
    }
    for (name, _) in request.query_params() {
        match name {
            "__clerk_api_version" => {}
            "_clerk_js_version" => {
                return Some(
                    ClerkError::new(
                        "query_param_not_allowed",
                        "is not allowed",
                        "_clerk_js_version is recorded into the instance's clerk-js version telemetry; \
                         a server-side reader must not send it.",
                    )
                    .param(name),
                )
            }
            other => {
                let other = keys::redact(other, None);
                return Some(
                    ClerkError::new(
                        "form_param_unknown",
                        "is unknown",
                        format!("{other} is not a valid parameter for this request."),
                    )
                    .param(&other),
                );
            }
        }
    }
    None
}

/// The subset of FAPI's `Client.Environment` that mirrors BAPI settings.
fn environment_body(instance: &Instance, settings: &Settings) -> Value {
    json!({
        "auth_config": {
            "object": "auth_config",
            "test_mode": settings.test_mode,
            "url_based_session_syncing": settings.url_based_session_syncing,
            "cookieless_dev": settings.url_based_session_syncing,
            "enhanced_email_deliverability": settings.enhanced_email_deliverability,
        },
        "display_config": {
            "object": "display_config",
            "instance_environment_type": instance.environment.as_str(),
            "support_email": settings.support_email,
            "clerk_js_version": settings.clerk_js_version,
            // The emulated instance requires passwords, so the override (or
            // Clerk's default, "password") is what FAPI shows.
            "preferred_sign_in_strategy": settings
                .preferred_sign_in_strategy_when_password_required
                .as_deref()
                .unwrap_or("password"),
        },
        "user_settings": {
            "password_settings": { "disable_hibp": !settings.hibp },
            "restrictions": settings.restrictions.to_fapi_json(),
        },
        "maintenance_mode": false,
        "client_debug_mode": false,
    })
}
