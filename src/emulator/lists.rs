//! The instance's configuration lists, as strict as Clerk's spec (bapi
//! 2026-05-12): redirect URLs (`/v1/redirect_urls`: list, create, get,
//! delete), allow-list identifiers (`/v1/allowlist_identifiers`: list,
//! create, delete) and block-list identifiers (`/v1/blocklist_identifiers`:
//! list, create, delete).
//!
//! Values are checked with the same rules the provider plans with
//! (`resources::collection::rules`); a duplicate is refused with 422
//! `form_identifier_exists`; the allow-list and redirect-URL listings are
//! bare arrays paged with `limit` (1–500, default 10) and `offset`, the
//! block-list listing is `{data, total_count}` without paging parameters;
//! unknown query parameters are refused. Bodies of the identifier endpoints
//! are `additionalProperties: false`. The control API creates and deletes
//! objects out of band, as the Clerk Dashboard would.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::errors::{self, ClerkError};
use super::keys::{self, SecretKey};
use super::routes::{lock, method_not_allowed, not_found, App, Incoming};
use crate::resources::collection::rules;

/// One stored object of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    /// The URL or the identifier.
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    pub created_at: u64,
}

/// An instance's lists, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lists {
    #[serde(default)]
    pub redirect_urls: Vec<Entry>,
    #[serde(default)]
    pub allowlist_identifiers: Vec<Entry>,
    #[serde(default)]
    pub blocklist_identifiers: Vec<Entry>,
}

/// The three kinds of list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RedirectUrls,
    Allowlist,
    Blocklist,
}

impl Kind {
    /// The kind whose collection path segment is `segment`.
    pub fn from_segment(segment: &str) -> Option<Kind> {
        match segment {
            "redirect_urls" => Some(Kind::RedirectUrls),
            "allowlist_identifiers" => Some(Kind::Allowlist),
            "blocklist_identifiers" => Some(Kind::Blocklist),
            _ => None,
        }
    }

    fn object(self) -> &'static str {
        match self {
            Kind::RedirectUrls => "redirect_url",
            Kind::Allowlist => "allowlist_identifier",
            Kind::Blocklist => "blocklist_identifier",
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            Kind::RedirectUrls => "ru_",
            Kind::Allowlist => "alid_",
            Kind::Blocklist => "blid_",
        }
    }

    /// The body field holding the value.
    fn field(self) -> &'static str {
        match self {
            Kind::RedirectUrls => "url",
            Kind::Allowlist | Kind::Blocklist => "identifier",
        }
    }

    fn paged(self) -> bool {
        self != Kind::Blocklist
    }

    fn entries(self, lists: &Lists) -> &Vec<Entry> {
        match self {
            Kind::RedirectUrls => &lists.redirect_urls,
            Kind::Allowlist => &lists.allowlist_identifiers,
            Kind::Blocklist => &lists.blocklist_identifiers,
        }
    }

    fn entries_mut(self, lists: &mut Lists) -> &mut Vec<Entry> {
        match self {
            Kind::RedirectUrls => &mut lists.redirect_urls,
            Kind::Allowlist => &mut lists.allowlist_identifiers,
            Kind::Blocklist => &mut lists.blocklist_identifiers,
        }
    }

    /// The object as the Backend API answers it.
    fn to_json(self, entry: &Entry, instance_id: &str) -> Value {
        let mut object = Map::new();
        object.insert("object".into(), self.object().into());
        object.insert("id".into(), entry.id.clone().into());
        object.insert(self.field().into(), entry.value.clone().into());
        if self != Kind::RedirectUrls {
            if let Some(invitation) = &entry.invitation_id {
                object.insert("invitation_id".into(), invitation.clone().into());
            }
            object.insert(
                "identifier_type".into(),
                entry.identifier_type.clone().into(),
            );
            object.insert("instance_id".into(), instance_id.into());
        }
        object.insert("created_at".into(), entry.created_at.into());
        object.insert("updated_at".into(), entry.created_at.into());
        Value::Object(object)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn new_id(prefix: &str) -> String {
    let mut rng = fastrand::Rng::new();
    let tail: String = (0..27).map(|_| rng.alphanumeric()).collect();
    format!("{prefix}{tail}")
}

fn invalid(code: &str, message: &str, long: String, param: &str) -> ClerkError {
    ClerkError::new(code, message, keys::redact(&long, None)).param(param)
}

/// A checked create body: the value, its identifier type and `notify`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub value: String,
    pub identifier_type: Option<&'static str>,
    pub notify: bool,
}

/// Checks a create body as the spec describes it; all problems at once.
pub fn validate_create(kind: Kind, body: &Value) -> Result<NewEntry, Vec<ClerkError>> {
    let Value::Object(map) = body else {
        return Err(vec![ClerkError::new(
            "request_body_invalid",
            "is invalid",
            "The request body must be a JSON object.",
        )]);
    };
    let mut problems = Vec::new();
    let field = kind.field();
    let allowed: &[&str] = match kind {
        // No `additionalProperties: false` for redirect URLs: extra fields
        // are ignored.
        Kind::RedirectUrls => &[],
        Kind::Allowlist => &["identifier", "notify"],
        Kind::Blocklist => &["identifier"],
    };
    if kind != Kind::RedirectUrls {
        for name in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
            let name = keys::redact(name, None);
            problems.push(invalid(
                "form_param_unknown",
                "is unknown",
                format!("{name} is not a valid parameter for this request."),
                &name,
            ));
        }
    }
    let notify = match map.get("notify") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) if kind == Kind::Allowlist => *flag,
        Some(_) if kind == Kind::Allowlist => {
            problems.push(invalid(
                "form_param_type_invalid",
                "is invalid",
                "notify must be a boolean.".into(),
                "notify",
            ));
            false
        }
        Some(_) => false,
    };
    let mut new = None;
    match map.get(field) {
        None | Some(Value::Null) => problems.push(invalid(
            "form_param_missing",
            "is missing",
            format!("{field} must be included."),
            field,
        )),
        Some(Value::String(value)) => {
            let checked = match kind {
                Kind::RedirectUrls => rules::redirect_url(value).map(|()| None),
                Kind::Allowlist => rules::identifier_type(value, false).map(Some),
                Kind::Blocklist => rules::identifier_type(value, true).map(Some),
            };
            match checked {
                Ok(identifier_type) => {
                    new = Some(NewEntry {
                        value: value.clone(),
                        identifier_type,
                        notify,
                    })
                }
                Err(why) => problems.push(invalid(
                    "form_param_format_invalid",
                    "is invalid",
                    format!("{why}."),
                    field,
                )),
            }
        }
        Some(_) => problems.push(invalid(
            "form_param_type_invalid",
            "is invalid",
            format!("{field} must be a string."),
            field,
        )),
    }
    match new {
        Some(new) if problems.is_empty() => Ok(new),
        _ => Err(problems),
    }
}

/// Page bounds from the query: `limit` 1–500 (default 10), `offset` ≥ 0,
/// `paginated` a boolean; for the block-list, no parameters at all.
pub fn page(kind: Kind, query: &[(&str, &str)]) -> Result<(usize, usize), Vec<ClerkError>> {
    let mut limit = 10usize;
    let mut offset = 0usize;
    let mut problems = Vec::new();
    for (name, value) in query {
        match (*name, kind.paged()) {
            ("__clerk_api_version", _) => {}
            ("limit", true) => match value.parse::<usize>() {
                Ok(n) if (1..=500).contains(&n) => limit = n,
                _ => problems.push(invalid(
                    "form_param_value_invalid",
                    "is invalid",
                    "limit must be a whole number from 1 to 500.".into(),
                    "limit",
                )),
            },
            ("offset", true) => match value.parse::<usize>() {
                Ok(n) => offset = n,
                _ => problems.push(invalid(
                    "form_param_value_invalid",
                    "is invalid",
                    "offset must be a whole number of at least 0.".into(),
                    "offset",
                )),
            },
            ("paginated", true) if matches!(*value, "true" | "false") => {}
            _ => {
                let name = keys::redact(name, None);
                problems.push(invalid(
                    "form_param_unknown",
                    "is unknown",
                    format!("{name} is not a valid parameter for this request."),
                    &name,
                ))
            }
        }
    }
    if problems.is_empty() {
        Ok((limit, offset))
    } else {
        Err(problems)
    }
}

/// Adds a checked entry; `Err` with the existing entry's id for a duplicate.
pub fn insert(lists: &mut Lists, kind: Kind, new: NewEntry) -> Result<Entry, String> {
    let entries = kind.entries_mut(lists);
    if let Some(existing) = entries
        .iter()
        .find(|e| e.value.eq_ignore_ascii_case(&new.value))
    {
        return Err(existing.id.clone());
    }
    let invites = new.notify && new.identifier_type.is_some_and(|t| t != rules::WEB3);
    let entry = Entry {
        id: new_id(kind.id_prefix()),
        value: new.value,
        identifier_type: new.identifier_type.map(str::to_string),
        invitation_id: invites.then(|| new_id("inv_")),
        created_at: now_ms(),
    };
    entries.push(entry.clone());
    Ok(entry)
}

/// Removes the entry with `id`; whether there was one.
pub fn remove(lists: &mut Lists, kind: Kind, id: &str) -> bool {
    let entries = kind.entries_mut(lists);
    let before = entries.len();
    entries.retain(|e| e.id != id);
    entries.len() != before
}

fn duplicate(kind: Kind) -> ClerkError {
    let what = match kind {
        Kind::RedirectUrls => "redirect URL",
        Kind::Allowlist | Kind::Blocklist => "identifier",
    };
    ClerkError::new(
        "form_identifier_exists",
        "already exists",
        format!("That {what} already exists."),
    )
    .param(kind.field())
}

fn deleted(kind: Kind, id: &str) -> Value {
    json!({ "object": kind.object(), "id": id, "deleted": true })
}

/// Splits `/v1/<segment>[/<id>]` into the kind and the id.
fn route(path: &str) -> Option<(Kind, Option<&str>)> {
    let rest = path.strip_prefix("/v1/")?;
    let (segment, id) = match rest.split_once('/') {
        Some((segment, id)) => (segment, Some(id)),
        None => (rest, None),
    };
    let kind = Kind::from_segment(segment)?;
    match id {
        Some(id) if id.is_empty() || id.contains('/') => None,
        _ => Some((kind, id)),
    }
}

/// Answers a Backend API request for one of the lists, or `None` when the
/// path is not theirs.
pub(super) async fn handle(
    app: &App,
    key: &SecretKey,
    request: &Incoming,
    trace: &str,
) -> Option<Response> {
    let (kind, id) = route(&request.path)?;
    let method = request.method.as_str();
    let response = match (method, id) {
        ("GET", None) => {
            let query: Vec<(&str, &str)> = request.query_params().collect();
            match page(kind, &query) {
                Err(problems) => {
                    errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &problems, trace)
                }
                Ok((limit, offset)) => list(app, key, kind, limit, offset, trace),
            }
        }
        ("POST", None) => create(app, key, kind, request, trace).await,
        ("GET", Some(id)) if kind == Kind::RedirectUrls => {
            let store = lock(&app.store);
            let instance = store.by_fingerprint(&key.fingerprint())?;
            match kind
                .entries(&instance.settings.lists)
                .iter()
                .find(|e| e.id == id)
            {
                Some(entry) => {
                    errors::json_response(StatusCode::OK, &kind.to_json(entry, &instance.id), trace)
                }
                None => not_found(trace),
            }
        }
        ("DELETE", Some(id)) => {
            let removed = {
                let mut store = lock(&app.store);
                store
                    .by_fingerprint_mut(&key.fingerprint())
                    .is_some_and(|instance| remove(&mut instance.settings.lists, kind, id))
            };
            if removed {
                app.save_or_warn().await;
                errors::json_response(StatusCode::OK, &deleted(kind, id), trace)
            } else {
                not_found(trace)
            }
        }
        (_, None) => method_not_allowed(&request.method, "GET, POST", trace),
        (_, Some(_)) if kind == Kind::RedirectUrls => {
            method_not_allowed(&request.method, "GET, DELETE", trace)
        }
        (_, Some(_)) => method_not_allowed(&request.method, "DELETE", trace),
    };
    Some(response)
}

fn list(
    app: &App,
    key: &SecretKey,
    kind: Kind,
    limit: usize,
    offset: usize,
    trace: &str,
) -> Response {
    let store = lock(&app.store);
    let Some(instance) = store.by_fingerprint(&key.fingerprint()) else {
        return not_found(trace);
    };
    let entries = kind.entries(&instance.settings.lists);
    let body = if kind.paged() {
        let page: Vec<Value> = entries
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| kind.to_json(e, &instance.id))
            .collect();
        Value::Array(page)
    } else {
        let all: Vec<Value> = entries
            .iter()
            .map(|e| kind.to_json(e, &instance.id))
            .collect();
        json!({ "data": all, "total_count": entries.len() })
    };
    errors::json_response(StatusCode::OK, &body, trace)
}

async fn create(
    app: &App,
    key: &SecretKey,
    kind: Kind,
    request: &Incoming,
    trace: &str,
) -> Response {
    let body = match super::bapi::json_body(request) {
        Ok(body) => body,
        Err((status, error)) => return errors::error_response(status, &[error], trace),
    };
    let new = match validate_create(kind, &body) {
        Ok(new) => new,
        Err(problems) => {
            return errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &problems, trace)
        }
    };
    let outcome = {
        let mut store = lock(&app.store);
        store
            .by_fingerprint_mut(&key.fingerprint())
            .map(|instance| {
                insert(&mut instance.settings.lists, kind, new)
                    .map(|entry| kind.to_json(&entry, &instance.id))
            })
    };
    match outcome {
        None => not_found(trace),
        Some(Err(_existing)) => {
            errors::error_response(StatusCode::UNPROCESSABLE_ENTITY, &[duplicate(kind)], trace)
        }
        Some(Ok(answer)) => {
            app.save_or_warn().await;
            errors::json_response(StatusCode::OK, &answer, trace)
        }
    }
}

/// The control API's out-of-band edits, under `/instances/{id}/`:
/// `POST <list>` with the create body, `DELETE <list>/{object id}`.
/// `None` when the path is not one of these.
pub(super) async fn control(
    app: &App,
    method: &str,
    subpath: &str,
    body: &[u8],
    trace: &str,
) -> Option<Response> {
    let rest = subpath.strip_prefix("/instances/")?;
    let mut parts = rest.splitn(3, '/');
    let instance_id = parts.next()?;
    let kind = Kind::from_segment(parts.next()?)?;
    let object_id = parts.next();
    let response = match (method, object_id) {
        ("POST", None) => {
            let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let new = match validate_create(kind, &value) {
                Ok(new) => new,
                Err(problems) => {
                    return Some(errors::error_response(
                        StatusCode::BAD_REQUEST,
                        &problems,
                        trace,
                    ))
                }
            };
            let outcome = {
                let mut store = lock(&app.store);
                store.by_id_mut(instance_id).map(|instance| {
                    insert(&mut instance.settings.lists, kind, new)
                        .map(|entry| kind.to_json(&entry, &instance.id))
                })
            };
            match outcome {
                None => not_found(trace),
                Some(Err(_)) => {
                    errors::error_response(StatusCode::BAD_REQUEST, &[duplicate(kind)], trace)
                }
                Some(Ok(answer)) => {
                    app.save_or_warn().await;
                    errors::json_response(StatusCode::OK, &answer, trace)
                }
            }
        }
        ("DELETE", Some(object_id)) => {
            let removed = {
                let mut store = lock(&app.store);
                store
                    .by_id_mut(instance_id)
                    .is_some_and(|instance| remove(&mut instance.settings.lists, kind, object_id))
            };
            if removed {
                app.save_or_warn().await;
                errors::json_response(StatusCode::OK, &deleted(kind, object_id), trace)
            } else {
                not_found(trace)
            }
        }
        _ => errors::error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &[errors::method_not_allowed(method)],
            trace,
        ),
    };
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked_as_the_spec_says() {
        let ok = validate_create(
            Kind::Allowlist,
            &json!({"identifier": "a@example.com", "notify": true}),
        )
        .unwrap();
        assert_eq!(ok.identifier_type, Some(rules::EMAIL));
        assert!(ok.notify);
        let errors = validate_create(
            Kind::Blocklist,
            &json!({"identifier": "a@example.com", "notify": true}),
        )
        .unwrap_err();
        assert_eq!(errors[0].code, "form_param_unknown");
        let errors =
            validate_create(Kind::Allowlist, &json!({"identifier": "*@example.com"})).unwrap_err();
        assert_eq!(errors[0].code, "form_param_format_invalid");
        assert!(validate_create(Kind::Blocklist, &json!({"identifier": "*@example.com"})).is_ok());
        let errors = validate_create(Kind::RedirectUrls, &json!({"other": 1})).unwrap_err();
        assert_eq!(errors[0].code, "form_param_missing");
        assert!(
            validate_create(Kind::RedirectUrls, &json!({"url": "my-app://cb", "x": 1})).is_ok()
        );
        assert!(validate_create(Kind::RedirectUrls, &json!({"url": "example.com"})).is_err());
    }

    #[test]
    fn paging_follows_the_spec() {
        assert_eq!(page(Kind::Allowlist, &[]), Ok((10, 0)));
        assert_eq!(
            page(Kind::RedirectUrls, &[("limit", "500"), ("offset", "20")]),
            Ok((500, 20))
        );
        assert!(page(Kind::Allowlist, &[("limit", "501")]).is_err());
        assert!(page(Kind::Allowlist, &[("limit", "0")]).is_err());
        assert!(page(Kind::Allowlist, &[("offset", "-1")]).is_err());
        assert!(page(Kind::Blocklist, &[("limit", "10")]).is_err());
        assert!(page(Kind::Allowlist, &[("sort", "x")]).is_err());
    }

    #[test]
    fn duplicates_are_refused_and_deletes_find_the_id() {
        let mut lists = Lists::default();
        let new = |value: &str| NewEntry {
            value: value.into(),
            identifier_type: Some(rules::EMAIL),
            notify: false,
        };
        let first = insert(&mut lists, Kind::Allowlist, new("a@example.com")).unwrap();
        assert!(first.id.starts_with("alid_"));
        assert_eq!(
            insert(&mut lists, Kind::Allowlist, new("A@example.com")),
            Err(first.id.clone())
        );
        // Lists are separate.
        assert!(insert(&mut lists, Kind::Blocklist, new("a@example.com")).is_ok());
        assert!(remove(&mut lists, Kind::Allowlist, &first.id));
        assert!(!remove(&mut lists, Kind::Allowlist, &first.id));
    }

    #[test]
    fn routes() {
        assert_eq!(route("/v1/redirect_urls"), Some((Kind::RedirectUrls, None)));
        assert_eq!(
            route("/v1/allowlist_identifiers/alid_1"),
            Some((Kind::Allowlist, Some("alid_1")))
        );
        assert_eq!(route("/v1/blocklist_identifiers/a/b"), None);
        assert_eq!(route("/v1/instance"), None);
    }
}
