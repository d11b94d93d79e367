//! `/v1/domains`: the instance's primary domain plus satellite domains, as
//! the 2026-05-12 spec and Clerk's documented errors describe them.
//!
//! - `GET /v1/domains`: `{data, total_count}`, the primary first.
//! - `POST /v1/domains`: a satellite. `name` and `is_satellite` are
//!   required and `is_satellite` must be `true` (else
//!   `primary_domain_already_exists`); `proxy_url` applies to production
//!   instances only. Satellites are allowed on development instances too,
//!   as Clerk's satellite guide shows (`localhost:3001`).
//! - `PATCH /v1/domains/{id}` (`additionalProperties: false`): `name`,
//!   `proxy_url` (production only: `domain_update_forbidden`, 400),
//!   `is_secondary`; `null` leaves a field alone except `proxy_url`, where
//!   it removes the proxy (the spec's way back to DNS). Both primary and
//!   satellite domains can be changed.
//! - `DELETE /v1/domains/{id}`: satellites only; the primary answers 403
//!   `operation_not_allowed_on_primary_domain`.
//! - Names are unique within the instance (`form_identifier_exists`),
//!   lowercased, without scheme or path; development names may carry a
//!   port. Unknown fields are refused on `POST` too.
//!
//! Whether a proxy really forwards to the Frontend API (Clerk's
//! `invalid_proxy_configuration`) is not checked: nothing here can reach it.

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::bapi::json_body;
use super::collection::{self, member};
use super::errors::{self, ClerkError};
use super::keys::{self, Environment, SecretKey};
use super::routes::{lock, method_not_allowed, not_found, App, Incoming};
use super::store::Instance;

const ID_PREFIX: &str = "dmn_";
/// Where a production satellite's `clerk.` CNAME points.
const CNAME_TARGET: &str = "frontend-api.clerk.services";

/// The primary domain's changes and the satellites, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domains {
    #[serde(default)]
    pub next: u64,
    /// The primary's name once changed by `PATCH`; else the generated one.
    #[serde(default)]
    pub primary_name: Option<String>,
    #[serde(default)]
    pub primary_proxy_url: Option<String>,
    #[serde(default)]
    pub primary_is_secondary: bool,
    #[serde(default)]
    pub satellites: Vec<Satellite>,
}

/// One satellite domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Satellite {
    pub id: String,
    pub name: String,
    pub proxy_url: Option<String>,
    pub is_secondary: bool,
}

/// A domain as the handlers see it, primary or satellite.
struct View<'a> {
    id: String,
    name: String,
    satellite: bool,
    proxy_url: Option<&'a str>,
}

/// The primary's generated name.
fn default_primary_name(instance: &Instance) -> String {
    match instance.environment {
        Environment::Development => format!(
            "emulated-{}.clerk.accounts.dev",
            instance.id.get(4..12).unwrap_or("instance")
        ),
        Environment::Production => "example.com".to_string(),
    }
}

fn primary_name(instance: &Instance) -> String {
    instance
        .settings
        .domains
        .primary_name
        .clone()
        .unwrap_or_else(|| default_primary_name(instance))
}

fn views(instance: &Instance) -> Vec<View<'_>> {
    let domains = &instance.settings.domains;
    let primary = View {
        id: keys::domain_id(&instance.id),
        name: primary_name(instance),
        satellite: false,
        proxy_url: domains.primary_proxy_url.as_deref(),
    };
    std::iter::once(primary)
        .chain(domains.satellites.iter().map(|s| View {
            id: s.id.clone(),
            name: s.name.clone(),
            satellite: true,
            proxy_url: s.proxy_url.as_deref(),
        }))
        .collect()
}

/// The spec's `Domain` object.
fn to_bapi_json(app: &App, instance: &Instance, view: &View<'_>) -> Value {
    // The emulator's own Frontend API serves the primary (and development
    // satellites, which share it); a production satellite gets Clerk's
    // `clerk.` subdomain or its proxy.
    let own_fapi = format!("{}/fapi/{}", app.base_url, instance.id);
    let production = instance.environment == Environment::Production;
    let frontend_api_url = match (view.satellite && production, view.proxy_url) {
        (true, Some(proxy)) => proxy.to_string(),
        (true, None) => format!("https://clerk.{}", view.name),
        (false, _) => own_fapi,
    };
    let cname_targets = if view.satellite && production {
        json!([{ "host": format!("clerk.{}", view.name), "value": CNAME_TARGET, "required": true }])
    } else {
        Value::Null
    };
    let development_origin = if view.satellite {
        String::new()
    } else {
        // Clerk reports a NULL development origin as "".
        instance
            .settings
            .development_origin
            .clone()
            .unwrap_or_default()
    };
    json!({
        "object": "domain",
        "id": view.id,
        "name": view.name,
        "is_satellite": view.satellite,
        "frontend_api_url": frontend_api_url,
        "accounts_portal_url": null,
        "proxy_url": view.proxy_url,
        "development_origin": development_origin,
        "cname_targets": cname_targets,
    })
}

/// `{data, total_count}` with every domain, the primary first.
fn list_json(app: &App, instance: &Instance) -> Value {
    let data: Vec<Value> = views(instance)
        .iter()
        .map(|view| to_bapi_json(app, instance, view))
        .collect();
    let total = data.len();
    json!({ "data": data, "total_count": total })
}

fn one_json(app: &App, instance: &Instance, id: &str) -> Option<Value> {
    views(instance)
        .iter()
        .find(|view| view.id == id)
        .map(|view| to_bapi_json(app, instance, view))
}

/// Checks a domain name and returns it lowercased.
pub fn check_name(name: &str, environment: Environment) -> Result<String, ClerkError> {
    let invalid = |reason: &str| collection::format_invalid("name", reason);
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err(collection::missing("name"));
    }
    if name.contains("://") || name.contains('/') {
        return Err(invalid(
            "give the host name only, without a scheme or path.",
        ));
    }
    let (host, port) = match name.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (name.as_str(), None),
    };
    match (port, environment) {
        (Some(_), Environment::Production) => {
            return Err(invalid(
                "production domains must be a fully qualified domain name such as example.com, without a port.",
            ))
        }
        (Some(port), Environment::Development)
            if !port.parse::<u16>().is_ok_and(|p| p > 0) =>
        {
            return Err(invalid("the port must be a number from 1 to 65535."));
        }
        _ => {}
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(invalid(
            "it must be a valid domain name such as example.com.",
        ));
    }
    if environment == Environment::Production && !host.contains('.') {
        return Err(invalid(
            "production domains must be a fully qualified domain name such as example.com.",
        ));
    }
    Ok(name)
}

/// Checks a proxy URL: an absolute `https` URL without query or fragment.
pub fn check_proxy_url(url: &str) -> Result<(), ClerkError> {
    let invalid = || {
        collection::format_invalid(
            "proxy_url",
            "it must be an absolute https URL such as https://example.com/__clerk, without query or fragment.",
        )
    };
    let rest = url.strip_prefix("https://").ok_or_else(invalid)?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || url.contains('?')
        || url.contains('#')
        || url.chars().any(char::is_whitespace)
    {
        return Err(invalid());
    }
    Ok(())
}

/// How a body is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The Backend API, for an instance of this environment.
    Api(Environment),
    /// The control API: no environment rules, nothing required.
    Control,
}

/// A checked `POST` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSatellite {
    pub name: String,
    pub proxy_url: Option<String>,
}

/// A checked `PATCH` body. `proxy_url: Some(None)` removes the proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub name: Option<String>,
    pub proxy_url: Option<Option<String>>,
    pub is_secondary: Option<bool>,
}

fn environment_of(mode: Mode, instance_environment: Environment) -> Environment {
    match mode {
        Mode::Api(environment) => environment,
        Mode::Control => instance_environment,
    }
}

/// Checks a `POST /v1/domains` body.
pub fn validate_new(
    body: &Value,
    mode: Mode,
    environment: Environment,
) -> Result<NewSatellite, (StatusCode, Vec<ClerkError>)> {
    let unprocessable = |errors| (StatusCode::UNPROCESSABLE_ENTITY, errors);
    let Value::Object(map) = body else {
        return Err(unprocessable(vec![collection::body_not_object()]));
    };
    let environment = environment_of(mode, environment);
    let mut name = None;
    let mut proxy_url = None;
    let mut errors = Vec::new();
    for (field, value) in map {
        let result = match (field.as_str(), value) {
            ("name", Value::String(text)) => {
                check_name(text, environment).map(|checked| name = Some(checked))
            }
            ("name" | "is_satellite", Value::Null) => Err(collection::nil(field)),
            ("name", _) => Err(collection::type_invalid(field, "a string")),
            ("is_satellite", Value::Bool(true)) => Ok(()),
            ("is_satellite", Value::Bool(false)) => Err(ClerkError::new(
                "primary_domain_already_exists",
                "primary domain already exists",
                "Currently, only a single primary domain is supported and the current instance already has one. All new domains need to be set a satellites.",
            )
            .param("is_satellite")),
            ("is_satellite", _) => Err(collection::type_invalid(field, "a boolean")),
            ("proxy_url", Value::Null) => Ok(()),
            ("proxy_url", Value::String(_))
                if mode == Mode::Api(Environment::Development) =>
            {
                Err(collection::conditional_disallowed(
                    "proxy_url",
                    "the instance is a development instance",
                ))
            }
            ("proxy_url", Value::String(url)) => {
                check_proxy_url(url).map(|()| proxy_url = Some(url.clone()))
            }
            ("proxy_url", _) => Err(collection::type_invalid(field, "a string")),
            _ => Err(errors::param_unknown(field)),
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    if mode != Mode::Control && !map.contains_key("is_satellite") {
        errors.push(collection::missing("is_satellite"));
    }
    if !map.contains_key("name") {
        errors.push(collection::missing("name"));
    }
    match name {
        Some(name) if errors.is_empty() => Ok(NewSatellite { name, proxy_url }),
        _ => Err(unprocessable(errors)),
    }
}

/// Checks a `PATCH /v1/domains/{id}` body.
pub fn validate_change(
    body: &Value,
    mode: Mode,
    environment: Environment,
) -> Result<Change, (StatusCode, Vec<ClerkError>)> {
    let unprocessable = |errors| (StatusCode::UNPROCESSABLE_ENTITY, errors);
    let Value::Object(map) = body else {
        return Err(unprocessable(vec![collection::body_not_object()]));
    };
    let environment = environment_of(mode, environment);
    let mut change = Change::default();
    let mut errors = Vec::new();
    for (field, value) in map {
        let result = match (field.as_str(), value) {
            ("name" | "is_secondary", Value::Null) => Ok(()),
            ("name", Value::String(text)) => {
                check_name(text, environment).map(|checked| change.name = Some(checked))
            }
            ("name", _) => Err(collection::type_invalid(field, "a string")),
            ("proxy_url", Value::String(_)) if mode == Mode::Api(Environment::Development) => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    vec![ClerkError::new(
                        "domain_update_forbidden",
                        "Domain update was forbidden",
                        "Domain can be only updated for production instances",
                    )],
                ));
            }
            ("proxy_url", Value::Null) => {
                change.proxy_url = Some(None);
                Ok(())
            }
            ("proxy_url", Value::String(url)) => {
                check_proxy_url(url).map(|()| change.proxy_url = Some(Some(url.clone())))
            }
            ("proxy_url", _) => Err(collection::type_invalid(field, "a string")),
            ("is_secondary", Value::Bool(flag)) => {
                change.is_secondary = Some(*flag);
                Ok(())
            }
            ("is_secondary", _) => Err(collection::type_invalid(field, "a boolean")),
            _ => Err(errors::param_unknown(field)),
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(unprocessable(errors))
    }
}

/// Whether `name` is used by a domain other than `except`.
fn name_taken(instance: &Instance, name: &str, except: Option<&str>) -> bool {
    views(instance)
        .iter()
        .any(|view| view.name == name && Some(view.id.as_str()) != except)
}

fn taken() -> (StatusCode, Vec<ClerkError>) {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![collection::taken("name", "domain")],
    )
}

fn not_found_error(id: &str) -> (StatusCode, Vec<ClerkError>) {
    (
        StatusCode::NOT_FOUND,
        vec![collection::object_not_found("domain", id)],
    )
}

type Outcome = Result<(Value, bool), (StatusCode, Vec<ClerkError>)>;

fn add(app: &App, instance: &mut Instance, new: NewSatellite) -> Outcome {
    if name_taken(instance, &new.name, None) {
        return Err(taken());
    }
    let domains = &mut instance.settings.domains;
    domains.next += 1;
    let id = collection::object_id(ID_PREFIX, &instance.id, domains.next);
    domains.satellites.push(Satellite {
        id: id.clone(),
        name: new.name,
        proxy_url: new.proxy_url,
        is_secondary: false,
    });
    let answer = one_json(app, instance, &id).unwrap_or(Value::Null);
    Ok((answer, true))
}

fn change(app: &App, instance: &mut Instance, id: &str, body: &Value, mode: Mode) -> Outcome {
    let primary = keys::domain_id(&instance.id) == id;
    if !primary
        && !instance
            .settings
            .domains
            .satellites
            .iter()
            .any(|s| s.id == id)
    {
        return Err(not_found_error(id));
    }
    let change = validate_change(body, mode, instance.environment)?;
    if let Some(name) = &change.name {
        if name_taken(instance, name, Some(id)) {
            return Err(taken());
        }
    }
    let before = instance.settings.domains.clone();
    let domains = &mut instance.settings.domains;
    if primary {
        if let Some(name) = &change.name {
            domains.primary_name = Some(name.clone());
        }
        if let Some(proxy) = &change.proxy_url {
            domains.primary_proxy_url.clone_from(proxy);
        }
        if let Some(flag) = change.is_secondary {
            domains.primary_is_secondary = flag;
        }
    } else if let Some(satellite) = domains.satellites.iter_mut().find(|s| s.id == id) {
        if let Some(name) = &change.name {
            satellite.name.clone_from(name);
        }
        if let Some(proxy) = &change.proxy_url {
            satellite.proxy_url.clone_from(proxy);
        }
        if let Some(flag) = change.is_secondary {
            satellite.is_secondary = flag;
        }
    }
    let changed = instance.settings.domains != before;
    let answer = one_json(app, instance, id).unwrap_or(Value::Null);
    Ok((answer, changed))
}

fn remove(instance: &mut Instance, id: &str) -> Outcome {
    if keys::domain_id(&instance.id) == id {
        return Err((
            StatusCode::FORBIDDEN,
            vec![ClerkError::new(
                "operation_not_allowed_on_primary_domain",
                "operation not allowed",
                "This operation is not allowed on a primary domain. Try again with a satellite domain of the instance.",
            )],
        ));
    }
    let satellites = &mut instance.settings.domains.satellites;
    let index = satellites
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| not_found_error(id))?;
    satellites.remove(index);
    Ok((
        json!({ "object": "domain", "id": id, "deleted": true }),
        true,
    ))
}

async fn respond(app: &App, outcome: Outcome, trace: &str) -> Response {
    match outcome {
        Ok((answer, changed)) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::json_response(StatusCode::OK, &answer, trace)
        }
        Err((status, errors)) => collection::refused(status, &errors, trace),
    }
}

/// `/v1/domains[/{domain_id}]`.
pub(super) async fn handle(
    app: &App,
    key: &SecretKey,
    request: &Incoming,
    trace: &str,
) -> Response {
    let Some(target) = member(&request.path, "/v1/domains") else {
        return not_found(trace);
    };
    let method = request.method.as_str();
    let body = match (method, target) {
        ("POST", None) | ("PATCH", Some(_)) => match json_body(request) {
            Ok(body) => body,
            Err((status, error)) => return collection::refused(status, &[error], trace),
        },
        ("GET", None) | ("DELETE", Some(_)) => Value::Null,
        (_, None) => return method_not_allowed(&request.method, "GET, POST", trace),
        (_, Some(_)) => return method_not_allowed(&request.method, "PATCH, DELETE", trace),
    };
    let outcome = {
        let mut store = lock(&app.store);
        let Some(instance) = store.by_fingerprint_mut(&key.fingerprint()) else {
            return not_found(trace);
        };
        let mode = Mode::Api(instance.environment);
        match (method, target) {
            ("GET", None) => Ok((list_json(app, instance), false)),
            ("POST", None) => validate_new(&body, mode, instance.environment)
                .and_then(|new| add(app, instance, new)),
            ("PATCH", Some(id)) => change(app, instance, id, &body, mode),
            (_, Some(id)) => remove(instance, id),
            (_, None) => return not_found(trace),
        }
    };
    respond(app, outcome, trace).await
}

/// Control API: out-of-band changes of the satellites and the primary.
pub(super) async fn control(
    app: &App,
    method: &str,
    instance_id: &str,
    target: Option<&str>,
    body: &[u8],
    trace: &str,
) -> Response {
    let body = match collection::control_body(body) {
        Ok(body) => body,
        Err(error) => return collection::refused(StatusCode::BAD_REQUEST, &[error], trace),
    };
    let outcome = {
        let mut store = lock(&app.store);
        let Some(instance) = store.by_id_mut(instance_id) else {
            return collection::no_instance(trace);
        };
        match (method, target) {
            ("GET", None) => Ok((list_json(app, instance), false)),
            ("POST", None) => validate_new(&body, Mode::Control, instance.environment)
                .and_then(|new| add(app, instance, new)),
            ("PATCH", Some(id)) => change(app, instance, id, &body, Mode::Control),
            ("DELETE", Some(id)) => remove(instance, id),
            _ => Err((
                StatusCode::METHOD_NOT_ALLOWED,
                vec![errors::method_not_allowed(method)],
            )),
        }
    };
    respond(app, outcome, trace).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: Environment = Environment::Development;
    const PROD: Environment = Environment::Production;

    fn codes<T>(result: Result<T, (StatusCode, Vec<ClerkError>)>) -> (u16, Vec<String>) {
        match result {
            Ok(_) => (200, Vec::new()),
            Err((status, errors)) => (
                status.as_u16(),
                errors
                    .into_iter()
                    .map(|e| format!("{}:{}", e.code, e.param_name.unwrap_or_default()))
                    .collect(),
            ),
        }
    }

    #[test]
    fn names_follow_the_environment() {
        assert_eq!(
            check_name("Sat.Example.COM", PROD).ok(),
            Some("sat.example.com".into())
        );
        assert_eq!(
            check_name("localhost:3001", DEV).ok(),
            Some("localhost:3001".into())
        );
        assert!(check_name("localhost:3001", PROD).is_err());
        assert!(check_name("localhost", PROD).is_err());
        assert!(check_name("localhost:0", DEV).is_err());
        assert!(check_name("https://example.com", PROD).is_err());
        assert!(check_name("example.com/app", PROD).is_err());
        assert!(check_name("-bad.example.com", PROD).is_err());
        assert!(check_name("under_score.example.com", PROD).is_err());
        assert_eq!(
            check_name(" ", PROD).unwrap_err().code,
            "form_param_missing"
        );
    }

    #[test]
    fn proxy_urls() {
        assert!(check_proxy_url("https://example.com/__clerk").is_ok());
        assert!(check_proxy_url("http://example.com/__clerk").is_err());
        assert!(check_proxy_url("https:///x").is_err());
        assert!(check_proxy_url("https://example.com/x?y=1").is_err());
    }

    #[test]
    fn new_satellite_rules() {
        let api = |body: Value, env| codes(validate_new(&body, Mode::Api(env), env));
        assert_eq!(
            api(
                json!({"name": "sat.example.com", "is_satellite": true}),
                PROD
            )
            .0,
            200
        );
        assert_eq!(
            api(json!({"name": "sat.example.com"}), PROD),
            (422, vec!["form_param_missing:is_satellite".into()])
        );
        assert_eq!(
            api(
                json!({"name": "sat.example.com", "is_satellite": false}),
                PROD
            ),
            (
                422,
                vec!["primary_domain_already_exists:is_satellite".into()]
            )
        );
        assert_eq!(
            api(json!({"is_satellite": true}), PROD),
            (422, vec!["form_param_missing:name".into()])
        );
        assert_eq!(
            api(
                json!({"name": "localhost:3001", "is_satellite": true, "proxy_url": "https://x.dev/p"}),
                DEV
            ),
            (
                422,
                vec!["form_conditional_param_disallowed:proxy_url".into()]
            )
        );
        assert_eq!(
            api(
                json!({"name": "sat.example.com", "is_satellite": true, "proxy_url": "ftp://x"}),
                PROD
            ),
            (422, vec!["form_param_format_invalid:proxy_url".into()])
        );
        assert_eq!(
            api(
                json!({"name": "s.example.com", "is_satellite": true, "x": 1}),
                PROD
            ),
            (422, vec!["form_param_unknown:x".into()])
        );
        assert_eq!(
            codes(validate_new(
                &json!({"name": "localhost:3001"}),
                Mode::Control,
                DEV
            ))
            .0,
            200
        );
    }

    #[test]
    fn change_rules() {
        let api = |body: Value, env| codes(validate_change(&body, Mode::Api(env), env));
        assert_eq!(api(json!({}), DEV).0, 200);
        assert_eq!(
            api(json!({"name": "localhost:4000", "is_secondary": true}), DEV).0,
            200
        );
        assert_eq!(
            api(json!({"proxy_url": "https://example.com/p"}), DEV),
            (400, vec!["domain_update_forbidden:".into()])
        );
        assert_eq!(api(json!({"proxy_url": null}), DEV).0, 200);
        assert_eq!(
            validate_change(&json!({"proxy_url": null}), Mode::Api(PROD), PROD)
                .map(|c| c.proxy_url)
                .ok(),
            Some(Some(None))
        );
        assert_eq!(
            api(json!({"is_secondary": "yes", "nope": 1}), PROD).1,
            vec![
                "form_param_type_invalid:is_secondary".to_string(),
                "form_param_unknown:nope".to_string()
            ]
        );
    }
}
