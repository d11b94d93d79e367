//! `GET`/`PATCH /v1/instance/organization_settings` and `GET
//! /v1/organization_roles`, as strict as Clerk's spec: the PATCH takes only
//! the spec's nullable fields (`additionalProperties: false`), with their
//! types, the enrollment-mode enum and role ids of the instance, and is
//! answered with the whole `organization_settings` object, which names
//! roles by *key*. Each instance starts with the roles `org:admin` and
//! `org:member`, whose ids are stable per instance. The control API
//! changes settings and adds or deletes roles out of band, as the
//! dashboard would.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::bapi::json_body;
use super::errors::{self, ClerkError};
use super::errors::{param_type_invalid, param_unknown};
use super::keys::{self, SecretKey};
use super::routes::{lock, not_found, App, Incoming};

/// The PATCH body's properties, in the spec's order.
pub const FIELDS: &[&str] = &[
    "enabled",
    "max_allowed_memberships",
    "admin_delete_enabled",
    "domains_enabled",
    "slug_disabled",
    "domains_enrollment_modes",
    "creator_role_id",
    "domains_default_role_id",
];

/// The enrollment modes of the spec's `OrganizationSettings`.
pub const ENROLLMENT_MODES: &[&str] = &[
    "manual_invitation",
    "automatic_invitation",
    "automatic_suggestion",
];

/// Limits the emulated plan reports (not settable through the API).
const MAX_ALLOWED_ROLES: i64 = 10;
const MAX_ALLOWED_DOMAINS: i64 = 10;

/// Most roles one listing page may ask for, and its default size.
const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 10;

/// One organization role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub key: String,
    pub name: String,
    /// Milliseconds since the Unix epoch; listings sort by it.
    pub created_at: i64,
}

impl Role {
    fn new(instance_id: &str, key: &str, name: &str, created_at: i64) -> Role {
        let hash = keys::fnv1a64(format!("{instance_id}/{key}").as_bytes());
        Role {
            id: format!("role_{hash:016x}"),
            key: key.to_string(),
            name: name.to_string(),
            created_at,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "object": "role",
            "id": self.id,
            "name": self.name,
            "key": self.key,
            "description": null,
            "is_creator_eligible": true,
            "permissions": [],
            "created_at": self.created_at,
            "updated_at": self.created_at,
        })
    }
}

/// When the seeded roles were created (any fixed time will do).
const SEEDED_AT: i64 = 1_700_000_000_000;

/// An instance's organization settings and roles. Roles are `None` until
/// first changed: then the seeded pair, whose ids need the instance id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organizations {
    pub enabled: bool,
    pub max_allowed_memberships: i64,
    pub admin_delete_enabled: bool,
    pub domains_enabled: bool,
    pub slug_disabled: bool,
    pub domains_enrollment_modes: Vec<String>,
    /// Role keys, as Clerk reports them.
    pub creator_role: String,
    pub domains_default_role: String,
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
}

impl Default for Organizations {
    /// What a new Clerk instance reports: organizations off.
    fn default() -> Organizations {
        Organizations {
            enabled: false,
            max_allowed_memberships: 5,
            admin_delete_enabled: true,
            domains_enabled: false,
            slug_disabled: false,
            domains_enrollment_modes: Vec::new(),
            creator_role: "org:admin".to_string(),
            domains_default_role: "org:member".to_string(),
            roles: None,
        }
    }
}

/// A checked change. Role ids are already turned into keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub enabled: Option<bool>,
    pub max_allowed_memberships: Option<i64>,
    pub admin_delete_enabled: Option<bool>,
    pub domains_enabled: Option<bool>,
    pub slug_disabled: Option<bool>,
    pub domains_enrollment_modes: Option<Vec<String>>,
    pub creator_role: Option<String>,
    pub domains_default_role: Option<String>,
}

impl Organizations {
    /// The roles, oldest first.
    pub fn roles(&self, instance_id: &str) -> Vec<Role> {
        match &self.roles {
            Some(roles) => roles.clone(),
            None => vec![
                Role::new(instance_id, "org:admin", "Admin", SEEDED_AT),
                Role::new(instance_id, "org:member", "Member", SEEDED_AT + 1),
            ],
        }
    }

    /// Applies a checked change; whether anything changed.
    pub fn apply(&mut self, change: &Change) -> bool {
        let before = self.clone();
        let bools = [
            (change.enabled, &mut self.enabled),
            (change.admin_delete_enabled, &mut self.admin_delete_enabled),
            (change.domains_enabled, &mut self.domains_enabled),
            (change.slug_disabled, &mut self.slug_disabled),
        ];
        for (value, slot) in bools {
            if let Some(value) = value {
                *slot = value;
            }
        }
        if let Some(max) = change.max_allowed_memberships {
            self.max_allowed_memberships = max;
        }
        if let Some(modes) = &change.domains_enrollment_modes {
            self.domains_enrollment_modes.clone_from(modes);
        }
        if let Some(key) = &change.creator_role {
            self.creator_role.clone_from(key);
        }
        if let Some(key) = &change.domains_default_role {
            self.domains_default_role.clone_from(key);
        }
        *self != before
    }

    /// Adds a role (control API). Keys are unique and start with `org:`.
    pub fn add_role(&mut self, instance_id: &str, key: &str, name: &str) -> Result<Role, String> {
        let valid = key.strip_prefix("org:").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
        if !valid {
            return Err(format!(
                "role key {:?} must be org: followed by lowercase letters, digits or _",
                keys::redact(key, None)
            ));
        }
        let mut roles = self.roles(instance_id);
        if roles.iter().any(|r| r.key == key) {
            return Err(format!("a role with key {key} already exists"));
        }
        let newest = roles
            .iter()
            .map(|r| r.created_at)
            .max()
            .unwrap_or(SEEDED_AT);
        let role = Role::new(instance_id, key, name, newest + 1);
        roles.push(role.clone());
        self.roles = Some(roles);
        Ok(role)
    }

    /// Deletes a role by key (control API). Settings naming it keep the key,
    /// which then resolves to no role.
    pub fn delete_role(&mut self, instance_id: &str, key: &str) -> bool {
        let mut roles = self.roles(instance_id);
        let before = roles.len();
        roles.retain(|r| r.key != key);
        let deleted = roles.len() != before;
        self.roles = Some(roles);
        deleted
    }

    /// The Backend API's `OrganizationSettings` object.
    pub fn to_json(&self) -> Value {
        json!({
            "object": "organization_settings",
            "enabled": self.enabled,
            "max_allowed_memberships": self.max_allowed_memberships,
            "max_allowed_roles": MAX_ALLOWED_ROLES,
            "max_allowed_domains": MAX_ALLOWED_DOMAINS,
            "max_allowed_permissions": 50,
            "creator_role": self.creator_role,
            "admin_delete_enabled": self.admin_delete_enabled,
            "domains_enabled": self.domains_enabled,
            "slug_disabled": self.slug_disabled,
            "domains_enrollment_modes": self.domains_enrollment_modes,
            "domains_default_role": self.domains_default_role,
            "initial_role_set_key": null,
        })
    }

    /// `GET /v1/organization_roles` for these query parameters.
    pub fn list_roles<'a>(
        &self,
        instance_id: &str,
        params: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Value, Vec<ClerkError>> {
        let query = ListQuery::parse(params)?;
        let mut roles = self.roles(instance_id);
        if let Some(text) = &query.query {
            roles.retain(|r| r.id == *text || r.key.contains(text) || r.name.contains(text));
        }
        let (descending, field) = match query.order_by.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, query.order_by.trim_start_matches('+')),
        };
        let sort: fn(&Role, &Role) -> std::cmp::Ordering = match field {
            "created_at" => |a, b| a.created_at.cmp(&b.created_at),
            "name" => |a, b| a.name.cmp(&b.name),
            "key" => |a, b| a.key.cmp(&b.key),
            _ => {
                return Err(vec![ClerkError::new(
                    "form_param_value_invalid",
                    "is invalid",
                    "order_by can be created_at, name or key, with an optional + or - prefix.",
                )
                .param("order_by")])
            }
        };
        roles.sort_by(sort);
        if descending {
            roles.reverse();
        }
        let total = roles.len();
        let data: Vec<Value> = roles
            .iter()
            .skip(query.offset)
            .take(query.limit)
            .map(Role::to_json)
            .collect();
        Ok(json!({ "data": data, "total_count": total }))
    }
}

struct ListQuery {
    limit: usize,
    offset: usize,
    query: Option<String>,
    order_by: String,
}

impl ListQuery {
    fn parse<'a>(
        params: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ClerkError>> {
        let mut out = ListQuery {
            limit: DEFAULT_LIMIT,
            offset: 0,
            query: None,
            order_by: "-created_at".to_string(),
        };
        let mut errors = Vec::new();
        let invalid = |name: &str, detail: String| {
            ClerkError::new("form_param_value_invalid", "is invalid", detail).param(name)
        };
        for (name, value) in params {
            match name {
                "limit" => match value.parse::<usize>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => out.limit = n,
                    _ => errors.push(invalid(
                        "limit",
                        format!("limit must be a whole number from 1 to {MAX_LIMIT}."),
                    )),
                },
                "offset" => match value.parse::<usize>() {
                    Ok(n) => out.offset = n,
                    _ => errors.push(invalid(
                        "offset",
                        "offset must be a whole number of at least 0.".into(),
                    )),
                },
                "query" => out.query = Some(value.to_string()),
                "order_by" => out.order_by = value.to_string(),
                // Other parameters (the API version, say) are not this listing's.
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn value_invalid(name: &str, detail: String) -> ClerkError {
    ClerkError::new("form_param_value_invalid", "is invalid", detail).param(name)
}

/// Checks a PATCH body (or a control edit) against the instance's roles
/// (key → id): known fields of the right types, `null` leaving a field
/// unchanged (except the enrollment modes, which are not nullable). All
/// problems are reported at once and a body with any is refused whole.
pub fn validate(body: &Value, roles: &[Role]) -> Result<Change, Vec<ClerkError>> {
    let Value::Object(map) = body else {
        return Err(vec![ClerkError::new(
            "request_body_invalid",
            "is invalid",
            "The request body must be a JSON object.",
        )]);
    };
    let by_id: BTreeMap<&str, &str> = roles
        .iter()
        .map(|r| (r.id.as_str(), r.key.as_str()))
        .collect();
    let mut change = Change::default();
    let mut errors = Vec::new();
    for (name, value) in map {
        let name = name.as_str();
        if !FIELDS.contains(&name) {
            errors.push(param_unknown(name));
            continue;
        }
        match (name, value) {
            ("domains_enrollment_modes", Value::Array(items)) => {
                let mut modes = Vec::new();
                for item in items {
                    match item.as_str() {
                        Some(mode) if ENROLLMENT_MODES.contains(&mode) => {
                            if !modes.iter().any(|m| m == mode) {
                                modes.push(mode.to_string());
                            }
                        }
                        Some(mode) => errors.push(value_invalid(
                            name,
                            format!(
                                "{:?} is not a supported enrollment mode; use {}.",
                                keys::redact(mode, None),
                                ENROLLMENT_MODES.join(", ")
                            ),
                        )),
                        None => errors.push(param_type_invalid(name, "an array of strings")),
                    }
                }
                change.domains_enrollment_modes = Some(modes);
            }
            ("domains_enrollment_modes", _) => {
                errors.push(param_type_invalid(name, "an array of strings"))
            }
            (_, Value::Null) => {}
            ("max_allowed_memberships", Value::Number(n)) => match n.as_i64() {
                Some(max) if max >= 0 => change.max_allowed_memberships = Some(max),
                Some(_) => errors.push(value_invalid(
                    name,
                    "max_allowed_memberships must be 0 or greater.".into(),
                )),
                None => errors.push(param_type_invalid(name, "an integer")),
            },
            ("max_allowed_memberships", _) => errors.push(param_type_invalid(name, "an integer")),
            ("creator_role_id" | "domains_default_role_id", Value::String(id)) => {
                match by_id.get(id.as_str()) {
                    Some(key) => {
                        let key = Some(key.to_string());
                        if name == "creator_role_id" {
                            change.creator_role = key;
                        } else {
                            change.domains_default_role = key;
                        }
                    }
                    None => errors.push(value_invalid(
                        name,
                        format!(
                            "{:?} is not the id of an organization role of this instance.",
                            keys::redact(id, None)
                        ),
                    )),
                }
            }
            ("creator_role_id" | "domains_default_role_id", _) => {
                errors.push(param_type_invalid(name, "a string"))
            }
            (_, Value::Bool(flag)) => {
                let slot = match name {
                    "enabled" => &mut change.enabled,
                    "admin_delete_enabled" => &mut change.admin_delete_enabled,
                    "domains_enabled" => &mut change.domains_enabled,
                    _ => &mut change.slug_disabled,
                };
                *slot = Some(*flag);
            }
            _ => errors.push(param_type_invalid(name, "a boolean")),
        }
    }
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(errors)
    }
}

/// `GET /v1/instance/organization_settings`.
pub(super) fn get_settings(app: &App, key: &SecretKey, trace: &str) -> Response {
    let store = lock(&app.store);
    match store.by_fingerprint(&key.fingerprint()) {
        Some(instance) => errors::json_response(
            StatusCode::OK,
            &instance.settings.organizations.to_json(),
            trace,
        ),
        None => not_found(trace),
    }
}

/// `PATCH /v1/instance/organization_settings`: 200 with the whole object.
pub(super) async fn patch_settings(
    app: &App,
    key: &SecretKey,
    request: &Incoming,
    trace: &str,
) -> Response {
    let body = match json_body(request) {
        Ok(body) => body,
        Err((status, error)) => return errors::error_response(status, &[error], trace),
    };
    match change(
        app,
        |store| store.by_fingerprint_mut(&key.fingerprint()),
        &body,
    ) {
        None => not_found(trace),
        Some(Err(errors)) => {
            errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &errors, trace)
        }
        Some(Ok((changed, instance))) => {
            if changed {
                app.save_or_warn().await;
            }
            errors::json_response(StatusCode::OK, &instance["organization_settings"], trace)
        }
    }
}

/// Validates and applies a body under one lock (a refused body changes
/// nothing); answers with the instance's control view.
fn change(
    app: &App,
    find: impl FnOnce(&mut super::store::Store) -> Option<&mut super::store::Instance>,
    body: &Value,
) -> Option<Result<(bool, Value), Vec<ClerkError>>> {
    let mut store = lock(&app.store);
    let instance = find(&mut store)?;
    let roles = instance.settings.organizations.roles(&instance.id);
    Some(validate(body, &roles).map(|change| {
        let changed = instance.settings.organizations.apply(&change);
        instance.record(Instant::now());
        (changed, instance.to_control_json())
    }))
}

/// `GET /v1/organization_roles`.
pub(super) fn list_roles(app: &App, key: &SecretKey, request: &Incoming, trace: &str) -> Response {
    let store = lock(&app.store);
    let Some(instance) = store.by_fingerprint(&key.fingerprint()) else {
        return not_found(trace);
    };
    match instance
        .settings
        .organizations
        .list_roles(&instance.id, request.query_params())
    {
        Ok(page) => errors::json_response(StatusCode::OK, &page, trace),
        Err(errors) => errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &errors, trace),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRole {
    key: String,
    name: String,
}

fn control_error(status: StatusCode, message: String, trace: &str) -> Response {
    let error = ClerkError::new(
        "emulator_request_invalid",
        "invalid control request",
        keys::redact(&message, None),
    );
    errors::error_response(status, &[error], trace)
}

/// The control API's organization routes, below `/instances/{id}`:
/// `PATCH …/organization_settings` (the API's body, checked the same way),
/// `POST …/organization_roles` (`{"key": "org:…", "name": "…"}`) and
/// `DELETE …/organization_roles/{key}`. Each answers with the instance's
/// control view.
pub(super) async fn control(
    app: &App,
    method: &str,
    subpath: &str,
    body: &[u8],
    trace: &str,
) -> Response {
    let rest = subpath.trim_start_matches("/instances/");
    let Some((id, what)) = rest.split_once('/') else {
        return not_found(trace);
    };
    let outcome = match (method, what) {
        ("PATCH", "organization_settings") => {
            let value: Value = match serde_json::from_slice(body) {
                Ok(value) => value,
                Err(e) => {
                    let message = format!("body is not JSON: {e}");
                    return control_error(StatusCode::BAD_REQUEST, message, trace);
                }
            };
            match change(app, |store| store.by_id_mut(id), &value) {
                None => return not_found(trace),
                Some(Err(errors)) => {
                    return errors::error_response(StatusCode::BAD_REQUEST, &errors, trace)
                }
                Some(Ok(outcome)) => outcome,
            }
        }
        ("POST", "organization_roles") => {
            let new: NewRole = match serde_json::from_slice(body) {
                Ok(new) => new,
                Err(e) => {
                    let message = format!("expected {{\"key\": \"org:…\", \"name\": \"…\"}}: {e}");
                    return control_error(StatusCode::BAD_REQUEST, message, trace);
                }
            };
            let mut store = lock(&app.store);
            let Some(instance) = store.by_id_mut(id) else {
                return not_found(trace);
            };
            let instance_id = instance.id.clone();
            if let Err(message) =
                instance
                    .settings
                    .organizations
                    .add_role(&instance_id, &new.key, &new.name)
            {
                return control_error(StatusCode::BAD_REQUEST, message, trace);
            }
            instance.record(Instant::now());
            (true, instance.to_control_json())
        }
        ("DELETE", _) if what.starts_with("organization_roles/") => {
            let role = what.trim_start_matches("organization_roles/");
            let mut store = lock(&app.store);
            let Some(instance) = store.by_id_mut(id) else {
                return not_found(trace);
            };
            let instance_id = instance.id.clone();
            if !instance
                .settings
                .organizations
                .delete_role(&instance_id, role)
            {
                return not_found(trace);
            }
            instance.record(Instant::now());
            (true, instance.to_control_json())
        }
        _ => return not_found(trace),
    };
    let (changed, view) = outcome;
    if changed {
        app.save_or_warn().await;
    }
    errors::json_response(StatusCode::OK, &view, trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_spec_fields_with_their_types_are_accepted() {
        let orgs = Organizations::default();
        let roles = orgs.roles("ins_x");
        let member = roles.iter().find(|r| r.key == "org:member").unwrap();
        let ok = validate(
            &json!({
                "enabled": true,
                "max_allowed_memberships": 0,
                "slug_disabled": null,
                "domains_enrollment_modes": ["automatic_invitation"],
                "creator_role_id": member.id,
            }),
            &roles,
        )
        .unwrap();
        assert_eq!(ok.enabled, Some(true));
        assert_eq!(ok.max_allowed_memberships, Some(0));
        assert_eq!(ok.slug_disabled, None);
        assert_eq!(ok.creator_role.as_deref(), Some("org:member"));

        let errors = validate(
            &json!({
                "enabled": "yes",
                "max_allowed_memberships": 1.5,
                "domains_enrollment_modes": ["automatic"],
                "creator_role_id": "role_nope",
                "creator_role": "org:admin",
            }),
            &roles,
        )
        .unwrap_err();
        let params: Vec<&str> = errors
            .iter()
            .map(|e| e.param_name.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(
            params,
            [
                "creator_role",
                "creator_role_id",
                "domains_enrollment_modes",
                "enabled",
                "max_allowed_memberships"
            ]
        );
        assert!(validate(&json!({"max_allowed_memberships": -1}), &roles).is_err());
        assert!(validate(&json!({"domains_enrollment_modes": null}), &roles).is_err());
        assert!(validate(&json!([]), &roles).is_err());
    }

    #[test]
    fn role_ids_are_stable_per_instance_and_listings_page() {
        let mut orgs = Organizations::default();
        let a = orgs.roles("ins_a");
        assert_eq!(a, orgs.roles("ins_a"));
        assert_ne!(a[0].id, orgs.roles("ins_b")[0].id);
        orgs.add_role("ins_a", "org:billing", "Billing").unwrap();
        assert!(orgs.add_role("ins_a", "org:billing", "Again").is_err());
        assert!(orgs.add_role("ins_a", "billing", "No prefix").is_err());
        let page = orgs
            .list_roles("ins_a", [("limit", "2"), ("offset", "0")].into_iter())
            .unwrap();
        assert_eq!(page["total_count"], 3);
        assert_eq!(page["data"].as_array().unwrap().len(), 2);
        // Newest first by default.
        assert_eq!(page["data"][0]["key"], "org:billing");
        let rest = orgs
            .list_roles("ins_a", [("limit", "2"), ("offset", "2")].into_iter())
            .unwrap();
        assert_eq!(rest["data"][0]["key"], "org:admin");
        assert_eq!(rest["data"][0]["id"], a[0].id.as_str());
        assert!(orgs
            .list_roles("ins_a", [("limit", "0")].into_iter())
            .is_err());
        assert!(orgs.delete_role("ins_a", "org:admin"));
        assert_eq!(orgs.roles("ins_a").len(), 2);
        assert_eq!(orgs.creator_role, "org:admin", "settings keep the key");
    }

    /// The direct children of the `properties:` block found after the
    /// line `anchor` (then `after`, if given) in the vendored spec: plain
    /// text, no YAML parser.
    fn spec_properties(anchor: &str, after: Option<&str>) -> Vec<String> {
        let spec = include_str!("../../tests/fixtures/clerk-openapi/bapi-2026-05-12.yml");
        let lines: Vec<&str> = spec.lines().collect();
        let indent = |line: &str| line.len() - line.trim_start().len();
        let find = |from: usize, wanted: &str| {
            lines[from..]
                .iter()
                .position(|l| l.trim() == wanted)
                .map(|i| from + i)
                .unwrap_or_else(|| panic!("{wanted} in the spec"))
        };
        let mut at = find(0, anchor);
        if let Some(after) = after {
            at = find(at, after);
        }
        let properties = find(at, "properties:");
        let parent = indent(lines[properties]);
        let mut child = None;
        let mut names = Vec::new();
        for line in &lines[properties + 1..] {
            if line.trim().is_empty() {
                continue;
            }
            let depth = indent(line);
            if depth <= parent {
                break;
            }
            if *child.get_or_insert(depth) == depth {
                if let Some(name) = line.trim().strip_suffix(':') {
                    names.push(name.to_string());
                }
            }
        }
        names
    }

    #[test]
    fn fields_and_answer_match_the_published_spec() {
        let request = spec_properties(
            "operationId: UpdateInstanceOrganizationSettings",
            Some("requestBody:"),
        );
        assert_eq!(request, FIELDS);
        let mut answer = spec_properties("OrganizationSettings:", Some("type: object"));
        answer.sort();
        let json = Organizations::default().to_json();
        let mut keys: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        // max_role_sets_allowed is optional in the spec and not emulated.
        keys.push("max_role_sets_allowed".to_string());
        keys.sort();
        assert_eq!(keys, answer);
        let mut role = spec_properties("Role:", Some("type: object"));
        role.sort();
        let mut role_keys: Vec<String> = Organizations::default().roles("ins_x")[0]
            .to_json()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        role_keys.sort();
        assert_eq!(role_keys, role);
    }

    #[test]
    fn apply_reports_changes() {
        let mut orgs = Organizations::default();
        let change = Change {
            enabled: Some(true),
            ..Change::default()
        };
        assert!(orgs.apply(&change));
        assert!(!orgs.apply(&change));
        assert_eq!(orgs.to_json()["enabled"], true);
    }
}
