//! `/v1/jwt_templates`: list, create, read, update and delete JWT templates,
//! as strict as the 2026-05-12 spec and Clerk's documented errors.
//!
//! - `name` and `claims` are required on `POST` and on every `PATCH` (the
//!   spec's `required` for both bodies); `name` is unique per instance
//!   (`form_identifier_exists`, 422; Clerk documents no template-specific
//!   code for this).
//! - `claims` must be a JSON object; a claim Clerk sets itself is refused
//!   with `jwt_template_reserved_claim` (400), as Clerk's error index
//!   documents: the default claims of custom JWTs (`azp`, `exp`, `iat`,
//!   `iss`, `jti`, `nbf`, `sub`) and the session-only ones its docs say a
//!   template cannot carry (`sid`, `v`, `pla`, `fea`, `fva`).
//! - `lifetime` is 30–315360000 (default 60), `allowed_clock_skew` 0–300
//!   (default 5); `null` keeps the default (or, on `PATCH`, the value).
//! - `custom_signing_key: true` needs `signing_algorithm` (one of
//!   [`ALGORITHMS`]; the spec gives no list) and `signing_key`; both are
//!   refused while the template has no custom key. The key is never
//!   stored, answered or logged (the request log shows `[redacted]`).
//! - Unknown fields are refused (`form_param_unknown`): the spec does not
//!   mark these bodies `additionalProperties: false`, but a client sending
//!   anything else has a bug worth failing on.
//! - The list is a plain array, or `{data, total_count}` with
//!   `paginated=true`; `limit`/`offset` apply either way.

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::bapi::json_body;
use super::collection::{self, member};
use super::errors::{self, ClerkError};
use super::keys::SecretKey;
use super::routes::{lock, method_not_allowed, not_found, App, Incoming};
use super::store::Instance;

/// Claims Clerk sets itself, refused in a template.
pub const RESERVED_CLAIMS: &[&str] = &[
    "azp", "exp", "fea", "fva", "iat", "iss", "jti", "nbf", "pla", "sid", "sub", "v",
];

/// Signing algorithms accepted with a custom signing key.
pub const ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512",
];

/// What a template without a custom key reports (the instance's own key).
const DEFAULT_ALGORITHM: &str = "RS256";
const DEFAULT_LIFETIME: i64 = 60;
const DEFAULT_CLOCK_SKEW: i64 = 5;
const LIFETIME: (i64, i64) = (30, 315_360_000);
const CLOCK_SKEW: (i64, i64) = (0, 300);
const ID_PREFIX: &str = "jtmp_";

/// An instance's templates, in creation order, and the id counter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtTemplates {
    #[serde(default)]
    pub next: u64,
    #[serde(default)]
    pub items: Vec<JwtTemplate>,
}

/// One template. The signing key itself is deliberately not a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtTemplate {
    pub id: String,
    pub name: String,
    pub claims: Value,
    pub lifetime: i64,
    pub allowed_clock_skew: i64,
    pub custom_signing_key: bool,
    pub signing_algorithm: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl JwtTemplate {
    /// The spec's `JWTTemplate` object (`additionalProperties: false`).
    pub fn to_bapi_json(&self) -> Value {
        json!({
            "object": "jwt_template",
            "id": self.id,
            "name": self.name,
            "claims": self.claims,
            "lifetime": self.lifetime,
            "allowed_clock_skew": self.allowed_clock_skew,
            "custom_signing_key": self.custom_signing_key,
            "signing_algorithm": self.signing_algorithm,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// Applies a checked change; whether anything changed.
    fn apply(&mut self, change: &Change, now: i64) -> bool {
        let before = self.clone();
        if let Some(name) = &change.name {
            self.name.clone_from(name);
        }
        if let Some(claims) = &change.claims {
            self.claims.clone_from(claims);
        }
        if let Some(lifetime) = change.lifetime {
            self.lifetime = lifetime;
        }
        if let Some(skew) = change.allowed_clock_skew {
            self.allowed_clock_skew = skew;
        }
        if let Some(custom) = change.custom_signing_key {
            self.custom_signing_key = custom;
            if !custom {
                self.signing_algorithm = DEFAULT_ALGORITHM.to_string();
            }
        }
        if let Some(algorithm) = &change.signing_algorithm {
            self.signing_algorithm.clone_from(algorithm);
        }
        // A new key (even for the same algorithm) is a change.
        let changed = *self != before || change.signing_key_given;
        if changed {
            self.updated_at = now.max(before.updated_at);
        }
        changed
    }
}

/// How strictly a body is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `POST`: `name` and `claims` required.
    Create,
    /// `PATCH`: `name` and `claims` required again.
    Update,
    /// Control API: nothing required.
    Control,
}

/// A checked body. `None` leaves a field as it is (or at its default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub name: Option<String>,
    pub claims: Option<Value>,
    pub lifetime: Option<i64>,
    pub allowed_clock_skew: Option<i64>,
    pub custom_signing_key: Option<bool>,
    pub signing_algorithm: Option<String>,
    /// Whether a signing key came with the body; its value is dropped.
    pub signing_key_given: bool,
}

fn integer(name: &str, value: &Value, (low, high): (i64, i64)) -> Result<Option<i64>, ClerkError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => match number.as_i64() {
            Some(n) if n > high => Err(ClerkError::new(
                "form_param_value_too_large",
                "Value too large",
                format!("The value of {name} can't be greater than {high}"),
            )
            .param(name)),
            Some(n) if n < low => Err(collection::value_invalid(
                name,
                &format!("it must be at least {low}."),
            )),
            Some(n) => Ok(Some(n)),
            None => Err(collection::type_invalid(name, "an integer")),
        },
        _ => Err(collection::type_invalid(name, "an integer")),
    }
}

/// Checks a body against the spec; `existing` is the template a `PATCH`
/// changes. Errors come back with their status (422, or 400 for reserved
/// claims, as Clerk documents).
pub fn validate(
    body: &Value,
    mode: Mode,
    existing: Option<&JwtTemplate>,
) -> Result<Change, (StatusCode, Vec<ClerkError>)> {
    let unprocessable = |errors| (StatusCode::UNPROCESSABLE_ENTITY, errors);
    let Value::Object(map) = body else {
        return Err(unprocessable(vec![collection::body_not_object()]));
    };
    let mut change = Change::default();
    let mut errors = Vec::new();
    let mut algorithm_given = false;
    for (name, value) in map {
        let result = match (name.as_str(), value) {
            ("name", Value::String(text)) if text.trim().is_empty() => {
                Err(collection::missing(name))
            }
            ("name", Value::String(text)) => {
                change.name = Some(text.clone());
                Ok(())
            }
            ("name" | "claims" | "custom_signing_key", Value::Null) => Err(collection::nil(name)),
            ("name", _) => Err(collection::type_invalid(name, "a string")),
            ("claims", Value::Object(_)) => {
                change.claims = Some(value.clone());
                Ok(())
            }
            ("claims", Value::String(_)) => Err(collection::type_invalid(
                name,
                "a JSON object (not a string holding JSON)",
            )),
            ("claims", _) => Err(collection::type_invalid(name, "a JSON object")),
            ("lifetime", _) => integer(name, value, LIFETIME).map(|n| change.lifetime = n),
            ("allowed_clock_skew", _) => {
                integer(name, value, CLOCK_SKEW).map(|n| change.allowed_clock_skew = n)
            }
            ("custom_signing_key", Value::Bool(flag)) => {
                change.custom_signing_key = Some(*flag);
                Ok(())
            }
            ("custom_signing_key", _) => Err(collection::type_invalid(name, "a boolean")),
            ("signing_algorithm", Value::Null) => Ok(()),
            ("signing_algorithm", Value::String(text)) => {
                algorithm_given = true;
                if ALGORITHMS.contains(&text.as_str()) {
                    change.signing_algorithm = Some(text.clone());
                    Ok(())
                } else {
                    Err(ClerkError::new(
                        "form_param_value_invalid",
                        "is invalid",
                        format!(
                            "The value does not match the allowed values for parameter signing_algorithm. Allowed values: {}",
                            ALGORITHMS.join(", ")
                        ),
                    )
                    .param(name))
                }
            }
            ("signing_algorithm", _) => Err(collection::type_invalid(name, "a string")),
            ("signing_key", Value::Null) => Ok(()),
            ("signing_key", Value::String(text)) if text.trim().is_empty() => {
                Err(collection::missing(name))
            }
            ("signing_key", Value::String(_)) => {
                change.signing_key_given = true;
                Ok(())
            }
            ("signing_key", _) => Err(collection::type_invalid(name, "a string")),
            _ => Err(errors::param_unknown(name)),
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    if mode != Mode::Control {
        for required in ["name", "claims"] {
            if !map.contains_key(required) {
                errors.push(collection::missing(required));
            }
        }
    }
    check_signing(&change, algorithm_given, existing, &mut errors);
    if !errors.is_empty() {
        return Err(unprocessable(errors));
    }
    let reserved: Vec<ClerkError> = change
        .claims
        .iter()
        .filter_map(Value::as_object)
        .flat_map(Map::keys)
        .filter(|claim| RESERVED_CLAIMS.contains(&claim.as_str()))
        .map(|claim| {
            ClerkError::new(
                "jwt_template_reserved_claim",
                "reserved claim used",
                format!("You can't use the reserved claim: '{claim}'"),
            )
            .param("claims")
        })
        .collect();
    if !reserved.is_empty() {
        return Err((StatusCode::BAD_REQUEST, reserved));
    }
    Ok(change)
}

/// The signing rules: a key and an algorithm go together, and only with a
/// custom signing key.
fn check_signing(
    change: &Change,
    algorithm_given: bool,
    existing: Option<&JwtTemplate>,
    errors: &mut Vec<ClerkError>,
) {
    let custom = change
        .custom_signing_key
        .or(existing.map(|t| t.custom_signing_key))
        .unwrap_or(false);
    if !custom {
        let condition = "`custom_signing_key` is `false`";
        if algorithm_given {
            errors.push(collection::conditional_disallowed(
                "signing_algorithm",
                condition,
            ));
        }
        if change.signing_key_given {
            errors.push(collection::conditional_disallowed("signing_key", condition));
        }
        return;
    }
    let turned_on = change.custom_signing_key == Some(true);
    let condition = "`custom_signing_key` is `true`";
    if turned_on && !algorithm_given {
        errors.push(collection::conditional_missing(
            "signing_algorithm",
            condition,
        ));
    }
    if (turned_on || algorithm_given) && !change.signing_key_given {
        let condition = if turned_on {
            condition
        } else {
            "`signing_algorithm` is present"
        };
        errors.push(collection::conditional_missing("signing_key", condition));
    }
}

/// A template named `name` other than `except`.
fn name_taken(templates: &JwtTemplates, name: &str, except: Option<&str>) -> bool {
    templates
        .items
        .iter()
        .any(|t| t.name == name && Some(t.id.as_str()) != except)
}

fn not_found_error(id: &str) -> ClerkError {
    collection::object_not_found("JWT template", id)
}

/// Creates a template from a checked change, refusing a taken name.
fn create(instance: &mut Instance, change: &Change, now: i64) -> Result<JwtTemplate, ClerkError> {
    let templates = &mut instance.settings.jwt_templates;
    let name = change.name.clone().unwrap_or_default();
    if name_taken(templates, &name, None) {
        return Err(collection::taken("name", "name"));
    }
    templates.next += 1;
    let template = JwtTemplate {
        id: collection::object_id(ID_PREFIX, &instance.id, templates.next),
        name,
        claims: change.claims.clone().unwrap_or_else(|| json!({})),
        lifetime: change.lifetime.unwrap_or(DEFAULT_LIFETIME),
        allowed_clock_skew: change.allowed_clock_skew.unwrap_or(DEFAULT_CLOCK_SKEW),
        custom_signing_key: change.custom_signing_key.unwrap_or(false),
        signing_algorithm: change
            .signing_algorithm
            .clone()
            .unwrap_or_else(|| DEFAULT_ALGORITHM.to_string()),
        created_at: now,
        updated_at: now,
    };
    templates.items.push(template.clone());
    Ok(template)
}

/// Checks and applies a change to template `id` under one lock: the answer
/// (the template and whether it changed), or the refusal.
fn update(
    instance: &mut Instance,
    id: &str,
    body: &Value,
    mode: Mode,
) -> Result<(JwtTemplate, bool), (StatusCode, Vec<ClerkError>)> {
    let templates = &mut instance.settings.jwt_templates;
    let Some(index) = templates.items.iter().position(|t| t.id == id) else {
        return Err((StatusCode::NOT_FOUND, vec![not_found_error(id)]));
    };
    let change = validate(body, mode, templates.items.get(index))?;
    if let Some(name) = &change.name {
        if name_taken(templates, name, Some(id)) {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![collection::taken("name", "name")],
            ));
        }
    }
    let template = &mut templates.items[index];
    let changed = template.apply(&change, collection::now_ms());
    Ok((template.clone(), changed))
}

/// Removes template `id`; the `DeletedObject` answer.
fn delete(instance: &mut Instance, id: &str) -> Option<Value> {
    let templates = &mut instance.settings.jwt_templates;
    let index = templates.items.iter().position(|t| t.id == id)?;
    templates.items.remove(index);
    Some(json!({ "object": "jwt_template", "id": id, "deleted": true }))
}

/// What a request did: the answer and whether the store changed.
type Outcome = Result<(StatusCode, Value, bool), (StatusCode, Vec<ClerkError>)>;

/// Runs `f` on the key's instance under the store lock.
fn with_instance(app: &App, key: &SecretKey, f: impl FnOnce(&mut Instance) -> Outcome) -> Outcome {
    let mut store = lock(&app.store);
    match store.by_fingerprint_mut(&key.fingerprint()) {
        Some(instance) => f(instance),
        None => Err((StatusCode::NOT_FOUND, vec![errors::not_found()])),
    }
}

async fn respond(app: &App, outcome: Outcome, trace: &str) -> Response {
    match outcome {
        Ok((status, answer, changed)) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::json_response(status, &answer, trace)
        }
        Err((status, errors)) => collection::refused(status, &errors, trace),
    }
}

/// `/v1/jwt_templates[/{template_id}]`.
pub(super) async fn handle(
    app: &App,
    key: &SecretKey,
    request: &Incoming,
    trace: &str,
) -> Response {
    let Some(target) = member(&request.path, "/v1/jwt_templates") else {
        return not_found(trace);
    };
    let method = request.method.as_str();
    let outcome = match (method, target) {
        ("GET", None) => match collection::paging(request) {
            Ok(paging) => with_instance(app, key, |instance| {
                let items = instance
                    .settings
                    .jwt_templates
                    .items
                    .iter()
                    .map(JwtTemplate::to_bapi_json)
                    .collect();
                Ok((StatusCode::OK, collection::page(items, paging), false))
            }),
            Err(error) => Err((StatusCode::UNPROCESSABLE_ENTITY, vec![error])),
        },
        ("POST", None) => json_body(request)
            .map_err(|(status, error)| (status, vec![error]))
            .and_then(|body| validate(&body, Mode::Create, None))
            .and_then(|change| {
                with_instance(app, key, |instance| {
                    create(instance, &change, collection::now_ms())
                        .map(|t| (StatusCode::OK, t.to_bapi_json(), true))
                        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, vec![e]))
                })
            }),
        ("GET", Some(id)) => with_instance(app, key, |instance| {
            instance
                .settings
                .jwt_templates
                .items
                .iter()
                .find(|t| t.id == id)
                .map(|t| (StatusCode::OK, t.to_bapi_json(), false))
                .ok_or_else(|| (StatusCode::NOT_FOUND, vec![not_found_error(id)]))
        }),
        ("PATCH", Some(id)) => json_body(request)
            .map_err(|(status, error)| (status, vec![error]))
            .and_then(|body| {
                with_instance(app, key, |instance| {
                    update(instance, id, &body, Mode::Update)
                        .map(|(t, changed)| (StatusCode::OK, t.to_bapi_json(), changed))
                })
            }),
        ("DELETE", Some(id)) => with_instance(app, key, |instance| {
            delete(instance, id)
                .map(|answer| (StatusCode::OK, answer, true))
                .ok_or_else(|| (StatusCode::NOT_FOUND, vec![not_found_error(id)]))
        }),
        (_, None) => return method_not_allowed(&request.method, "GET, POST", trace),
        (_, Some(_)) => return method_not_allowed(&request.method, "GET, PATCH, DELETE", trace),
    };
    respond(app, outcome, trace).await
}

/// Control API: out-of-band changes, as the dashboard would make them.
pub(super) async fn control(
    app: &App,
    method: &str,
    instance_id: &str,
    target: Option<&str>,
    body: &[u8],
    trace: &str,
) -> Response {
    let outcome = {
        let mut store = lock(&app.store);
        let Some(instance) = store.by_id_mut(instance_id) else {
            return collection::no_instance(trace);
        };
        match (method, target) {
            ("GET", None) => {
                let items = instance
                    .settings
                    .jwt_templates
                    .items
                    .iter()
                    .map(JwtTemplate::to_bapi_json)
                    .collect();
                Ok((StatusCode::OK, Value::Array(items), false))
            }
            ("POST", None) => collection::control_body(body)
                .map_err(|e| (StatusCode::BAD_REQUEST, vec![e]))
                .and_then(|body| validate(&body, Mode::Create, None))
                .and_then(|change| {
                    create(instance, &change, collection::now_ms())
                        .map(|t| (StatusCode::OK, t.to_bapi_json(), true))
                        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, vec![e]))
                }),
            ("GET", Some(id)) => instance
                .settings
                .jwt_templates
                .items
                .iter()
                .find(|t| t.id == id)
                .map(|t| (StatusCode::OK, t.to_bapi_json(), false))
                .ok_or_else(|| (StatusCode::NOT_FOUND, vec![not_found_error(id)])),
            ("PATCH", Some(id)) => collection::control_body(body)
                .map_err(|e| (StatusCode::BAD_REQUEST, vec![e]))
                .and_then(|body| update(instance, id, &body, Mode::Control))
                .map(|(t, changed)| (StatusCode::OK, t.to_bapi_json(), changed)),
            ("DELETE", Some(id)) => delete(instance, id)
                .map(|answer| (StatusCode::OK, answer, true))
                .ok_or_else(|| (StatusCode::NOT_FOUND, vec![not_found_error(id)])),
            (_, _) => Err((
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

    fn codes(result: Result<Change, (StatusCode, Vec<ClerkError>)>) -> (u16, Vec<String>) {
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

    fn template() -> JwtTemplate {
        JwtTemplate {
            id: "jtmp_1".into(),
            name: "t".into(),
            claims: json!({}),
            lifetime: 60,
            allowed_clock_skew: 5,
            custom_signing_key: false,
            signing_algorithm: "RS256".into(),
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn accepts_a_full_body() {
        let body = json!({
            "name": "hasura", "claims": {"aud": "x", "role": "{{user.id}}"},
            "lifetime": 3600, "allowed_clock_skew": 0, "custom_signing_key": true,
            "signing_algorithm": "HS256", "signing_key": "secret-value",
        });
        let change = validate(&body, Mode::Create, None).expect("valid");
        assert_eq!(change.lifetime, Some(3600));
        assert_eq!(change.allowed_clock_skew, Some(0));
        assert!(change.signing_key_given);
        assert!(!format!("{change:?}").contains("secret-value"));
    }

    #[test]
    fn refuses_each_rule() {
        let create = |body: Value| codes(validate(&body, Mode::Create, None));
        let base = |extra: Value| {
            let mut body = json!({"name": "n", "claims": {}});
            if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
                b.extend(e);
            }
            body
        };
        assert_eq!(
            create(json!({"claims": {}})),
            (422, vec!["form_param_missing:name".into()])
        );
        assert_eq!(
            create(json!({"name": "n"})),
            (422, vec!["form_param_missing:claims".into()])
        );
        assert_eq!(
            create(base(json!({"name": ""}))),
            (422, vec!["form_param_missing:name".into()])
        );
        assert_eq!(
            create(base(json!({"name": null}))),
            (422, vec!["form_param_nil:name".into()])
        );
        for claims in [json!("{\"a\":1}"), json!([1]), json!(3)] {
            assert_eq!(
                create(base(json!({ "claims": claims }))),
                (422, vec!["form_param_type_invalid:claims".into()])
            );
        }
        assert_eq!(
            create(base(json!({"claims": {"sub": "x", "iss": "y", "ok": 1}}))),
            (
                400,
                vec![
                    "jwt_template_reserved_claim:claims".into(),
                    "jwt_template_reserved_claim:claims".into()
                ]
            )
        );
        assert_eq!(
            create(base(json!({"lifetime": 29}))),
            (422, vec!["form_param_value_invalid:lifetime".into()])
        );
        assert_eq!(
            create(base(json!({"lifetime": 315_360_001}))),
            (422, vec!["form_param_value_too_large:lifetime".into()])
        );
        assert_eq!(
            create(base(json!({"lifetime": 60.5}))),
            (422, vec!["form_param_type_invalid:lifetime".into()])
        );
        assert_eq!(
            create(base(json!({"allowed_clock_skew": 301}))),
            (
                422,
                vec!["form_param_value_too_large:allowed_clock_skew".into()]
            )
        );
        assert_eq!(
            create(base(json!({"allowed_clock_skew": -1}))),
            (
                422,
                vec!["form_param_value_invalid:allowed_clock_skew".into()]
            )
        );
        assert_eq!(
            create(base(json!({"custom_signing_key": true}))).1,
            vec![
                "form_conditional_param_missing:signing_algorithm".to_string(),
                "form_conditional_param_missing:signing_key".to_string()
            ]
        );
        assert_eq!(
            create(base(
                json!({"custom_signing_key": true, "signing_algorithm": "none", "signing_key": "k"})
            )),
            (
                422,
                vec!["form_param_value_invalid:signing_algorithm".into()]
            )
        );
        assert_eq!(
            create(base(json!({"signing_key": "k"}))),
            (
                422,
                vec!["form_conditional_param_disallowed:signing_key".into()]
            )
        );
        assert_eq!(
            create(base(json!({"extra": 1}))),
            (422, vec!["form_param_unknown:extra".into()])
        );
        assert_eq!(
            create(json!([])).1,
            vec!["request_body_invalid:".to_string()]
        );
    }

    #[test]
    fn patch_rules_follow_the_template() {
        let mut custom = template();
        custom.custom_signing_key = true;
        let update = |body: Value, existing: &JwtTemplate| {
            codes(validate(&body, Mode::Update, Some(existing)))
        };
        // name and claims are required on every PATCH.
        assert_eq!(update(json!({"lifetime": 90}), &template()).1.len(), 2);
        // A key alone rotates it on a custom template, but not on a plain one.
        let rotate = json!({"name": "t", "claims": {}, "signing_key": "k2"});
        assert_eq!(update(rotate.clone(), &custom).0, 200);
        assert_eq!(update(rotate, &template()).0, 422);
        // A new algorithm needs a new key.
        assert_eq!(
            update(
                json!({"name": "t", "claims": {}, "signing_algorithm": "ES256"}),
                &custom
            )
            .1,
            vec!["form_conditional_param_missing:signing_key".to_string()]
        );
        // The control API needs nothing.
        assert!(validate(&json!({"lifetime": 90}), Mode::Control, Some(&template())).is_ok());
    }

    #[test]
    fn apply_tracks_changes_and_resets_the_algorithm() {
        let mut t = template();
        t.custom_signing_key = true;
        t.signing_algorithm = "HS256".into();
        let change = Change {
            custom_signing_key: Some(false),
            ..Change::default()
        };
        assert!(t.apply(&change, 5));
        assert_eq!(t.signing_algorithm, "RS256");
        assert_eq!(t.updated_at, 5);
        assert!(!t.apply(&Change::default(), 9));
        assert_eq!(t.updated_at, 5);
        let answer = t.to_bapi_json();
        assert!(answer.get("signing_key").is_none());
        assert_eq!(answer.as_object().map(Map::len), Some(10));
    }
}
