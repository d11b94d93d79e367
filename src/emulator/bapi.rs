//! The Backend API subset: `GET`/`PATCH /v1/instance`, `/v1/domains` and
//! `/v1/jwt_templates` (in their own modules),
//! behind `Authorization: Bearer sk_…`.

use std::time::Instant;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::errors::{self, ClerkError};
use super::keys::{self, SecretKey};
use super::routes::{lock, method_not_allowed, not_found, strip_bearer, App, Incoming};
use super::singletons::Object;
use super::{domains, jwt_templates, organizations, restrictions, validate};

/// Dated API versions Clerk publishes; anything else is refused like Clerk does.
const API_VERSIONS: &[&str] = &[
    "2021-02-05",
    "2024-10-01",
    "2025-04-10",
    "2025-11-10",
    "2026-05-12",
];

/// Checks the `Authorization: Bearer sk_…` header.
fn authenticate(app: &App, headers: &HeaderMap) -> Result<SecretKey, ClerkError> {
    let format_invalid = || {
        ClerkError::new(
            "authorization_header_format_invalid",
            "Invalid Authorization header format",
            "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
        )
    };
    let key_invalid = || {
        ClerkError::new(
            "clerk_key_invalid",
            "Secret Key is invalid",
            "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
        )
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(errors::unauthenticated());
    };
    let text = value.to_str().map_err(|_| format_invalid())?.trim();
    let token = strip_bearer(text)
        .filter(|t| !t.is_empty())
        .ok_or_else(format_invalid)?;
    let key = SecretKey::parse(token).ok_or_else(key_invalid)?;
    if app.is_allowed(&key) {
        Ok(key)
    } else {
        Err(key_invalid())
    }
}

/// Clerk accepts the dated version as a header or a query parameter, not
/// both, and refuses unknown versions.
fn check_api_version(request: &Incoming) -> Result<(), ClerkError> {
    let header = request.header("clerk-api-version");
    let query = request
        .query_params()
        .find(|(name, _)| *name == "__clerk_api_version")
        .map(|(_, value)| value);
    let invalid = |detail: String| {
        ClerkError::new(
            "api_version_invalid",
            "Invalid API version",
            keys::redact(&detail, None),
        )
        .param("Clerk-API-Version")
    };
    match (header, query) {
        (Some(_), Some(_)) => Err(invalid(
            "Specify the API version with either the Clerk-API-Version header or the __clerk_api_version query parameter, not both.".into(),
        )),
        (Some(version), None) | (None, Some(version)) if !API_VERSIONS.contains(&version) => Err(invalid(format!(
            "{version:?} is not a supported API version; use one of {}.",
            API_VERSIONS.join(", ")
        ))),
        _ if request.headers.get("clerk-api-version").is_some() && header.is_none() => {
            Err(invalid("The Clerk-API-Version header is not valid text.".into()))
        }
        _ => Ok(()),
    }
}

pub(super) async fn handle(
    app: &App,
    request: &Incoming,
    trace: &str,
) -> (Response, Option<String>) {
    let key = match authenticate(app, &request.headers) {
        Ok(key) => key,
        Err(error) => {
            return (
                errors::error_response(StatusCode::UNAUTHORIZED, &[error], trace),
                None,
            )
        }
    };
    let (id, created) = {
        let mut store = lock(&app.store);
        let (instance, created) = store.ensure(&key, Instant::now());
        (instance.id.clone(), created)
    };
    if created {
        app.save_or_warn().await;
    }
    if let Err(error) = check_api_version(request) {
        return (
            errors::error_response(StatusCode::BAD_REQUEST, &[error], trace),
            Some(id),
        );
    }
    if let Some(response) = super::lists::handle(app, &key, request, trace).await {
        return (response, Some(id));
    }
    let response = match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/v1/instance") => get_instance(app, &key, trace),
        ("PATCH", "/v1/instance") => patch_instance(app, &key, request, trace).await,
        ("PATCH", "/v1/instance/restrictions") => {
            patch_restrictions(app, &key, request, trace).await
        }
        (_, "/v1/instance/restrictions") => method_not_allowed(&request.method, "PATCH", trace),
        ("GET", "/v1/instance/organization_settings") => {
            organizations::get_settings(app, &key, trace)
        }
        ("PATCH", "/v1/instance/organization_settings") => {
            organizations::patch_settings(app, &key, request, trace).await
        }
        (_, "/v1/instance/organization_settings") => {
            method_not_allowed(&request.method, "GET, PATCH", trace)
        }
        ("GET", "/v1/organization_roles") => organizations::list_roles(app, &key, request, trace),
        (_, "/v1/organization_roles") => method_not_allowed(&request.method, "GET", trace),
        (_, "/v1/instance") => method_not_allowed(&request.method, "GET, PATCH", trace),
        (_, path) if path == "/v1/domains" || path.starts_with("/v1/domains/") => {
            domains::handle(app, &key, request, trace).await
        }
        (_, path) if path == "/v1/jwt_templates" || path.starts_with("/v1/jwt_templates/") => {
            jwt_templates::handle(app, &key, request, trace).await
        }
        (method, path) if Object::from_bapi_path(path).is_some() => {
            let object = Object::from_bapi_path(path).unwrap_or(Object::Protect);
            match method {
                "GET" => get_singleton(app, &key, object, trace),
                "PATCH" => patch_singleton(app, &key, object, request, trace).await,
                _ => method_not_allowed(&request.method, "GET, PATCH", trace),
            }
        }
        _ => not_found(trace),
    };
    (response, Some(id))
}

fn get_instance(app: &App, key: &SecretKey, trace: &str) -> Response {
    let store = lock(&app.store);
    let Some(instance) = store.by_fingerprint(&key.fingerprint()) else {
        return not_found(trace);
    };
    // Real Clerk returns the origins in arbitrary order; rotating them makes
    // sure a client never relies on insertion order.
    let mut origins = instance.allowed_origins.clone();
    if origins.len() > 1 {
        origins.rotate_left(1);
    }
    // An instance without origins reports null (the field is nullable).
    let allowed_origins = if origins.is_empty() {
        Value::Null
    } else {
        json!(origins)
    };
    let body = json!({
        "object": "instance",
        "id": instance.id,
        "environment_type": instance.environment.as_str(),
        "allowed_origins": allowed_origins,
        "workspace_id": null,
    });
    errors::json_response(StatusCode::OK, &body, trace)
}

/// Parses a request body as JSON; an empty body is `{}` (the spec does not
/// require one).
pub(super) fn json_body(request: &Incoming) -> Result<Value, (StatusCode, ClerkError)> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let content_type = request
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if mime != "application/json" && !mime.ends_with("+json") {
        let error = ClerkError::new(
            "unsupported_content_type",
            "Unsupported content type",
            "The request body must be sent with Content-Type: application/json.",
        );
        return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, error));
    }
    serde_json::from_slice(&request.body).map_err(|e| {
        let error = ClerkError::new(
            "malformed_request_body",
            "Malformed request body",
            format!(
                "The request body is not valid JSON: {}",
                keys::redact(&e.to_string(), None)
            ),
        );
        (StatusCode::BAD_REQUEST, error)
    })
}

async fn patch_instance(app: &App, key: &SecretKey, request: &Incoming, trace: &str) -> Response {
    let body = match json_body(request) {
        Ok(body) => body,
        Err((status, error)) => return errors::error_response(status, &[error], trace),
    };
    // Validate and apply under one lock: a refused body changes nothing.
    let outcome = {
        let mut store = lock(&app.store);
        match store.by_fingerprint_mut(&key.fingerprint()) {
            None => Err((StatusCode::NOT_FOUND, vec![errors::not_found()])),
            Some(instance) => match validate::validate_patch(&body, instance.environment) {
                Err(errors) => Err((StatusCode::UNPROCESSABLE_ENTITY, errors)),
                Ok(patch) => {
                    let changed = patch.apply(instance);
                    instance.record(Instant::now());
                    Ok(changed)
                }
            },
        }
    };
    match outcome {
        Ok(changed) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::empty_response(StatusCode::NO_CONTENT, trace)
        }
        Err((status, errors)) => errors::error_response(status, &errors, trace),
    }
}

/// `PATCH /v1/instance/restrictions`: 200 with the whole object.
async fn patch_restrictions(
    app: &App,
    key: &SecretKey,
    request: &Incoming,
    trace: &str,
) -> Response {
    let body = match json_body(request) {
        Ok(body) => body,
        Err((status, error)) => return errors::error_response(status, &[error], trace),
    };
    let change = match restrictions::validate(&body) {
        Ok(change) => change,
        Err(errors) => {
            return errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &errors, trace)
        }
    };
    let outcome = {
        let mut store = lock(&app.store);
        store
            .by_fingerprint_mut(&key.fingerprint())
            .map(|instance| {
                let changed = instance.settings.restrictions.apply(&change);
                instance.record(Instant::now());
                (changed, instance.settings.restrictions.to_bapi_json())
            })
    };
    match outcome {
        Some((changed, answer)) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::json_response(StatusCode::OK, &answer, trace)
        }
        None => not_found(trace),
    }
}

/// `GET /v1/instance/{protect,communication,oauth_application_settings}`.
fn get_singleton(app: &App, key: &SecretKey, object: Object, trace: &str) -> Response {
    let store = lock(&app.store);
    match store.by_fingerprint(&key.fingerprint()) {
        Some(instance) => {
            errors::json_response(StatusCode::OK, &object.to_json(&instance.settings), trace)
        }
        None => not_found(trace),
    }
}

/// `PATCH` of the same: 200 with the whole object, 422 for a body the
/// spec refuses (nothing is changed then).
async fn patch_singleton(
    app: &App,
    key: &SecretKey,
    object: Object,
    request: &Incoming,
    trace: &str,
) -> Response {
    let body = match json_body(request) {
        Ok(body) => body,
        Err((status, error)) => return errors::error_response(status, &[error], trace),
    };
    let change = match object.validate(&body, false) {
        Ok(change) => change,
        Err(errors) => {
            return errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &errors, trace)
        }
    };
    let outcome = {
        let mut store = lock(&app.store);
        store
            .by_fingerprint_mut(&key.fingerprint())
            .map(|instance| {
                let changed = object.apply(&mut instance.settings, &change);
                instance.record(Instant::now());
                (changed, object.to_json(&instance.settings))
            })
    };
    match outcome {
        Some((changed, answer)) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::json_response(StatusCode::OK, &answer, trace)
        }
        None => not_found(trace),
    }
}
