//! `GET`/`PATCH /v1/instance/protect`, `/v1/instance/communication` and
//! `/v1/instance/oauth_application_settings`, as strict as Clerk's spec:
//! a JSON object of the documented keys and nothing else
//! (`additionalProperties: false`), each of its type (nullable), the
//! country codes matching `^[A-Z]{2}$`, at most 250 and unique. A refused
//! body changes nothing and is answered with Clerk's 422 `errors[]`, one per
//! problem, naming the parameter. Each `PATCH` answers 200 with the whole
//! object, like the `GET`.
//!
//! Semantics Clerk documents and this models:
//! - `null` leaves a boolean unchanged; a `null` (or omitted)
//!   `blocked_country_codes` is a no-op; a `null` `default_scopes` resets
//!   the scopes to Clerk's defaults ([`DEFAULT_SCOPES`] here).
//! - `blocked_country_codes` replaces the whole list, and codes Clerk does
//!   not treat as SMS countries are silently dropped: here the fixed list
//!   [`NON_SMS_COUNTRY_CODES`].
//! - `checks_bypassed` (protect) is reported but not accepted by the API;
//!   the control API (`PATCH /__emulator/instances/<id>/<name>`, `<name>`
//!   being `protect`, `communication` or `oauth_application_settings`) can
//!   change it, as the dashboard would, along with everything else.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::errors::ClerkError;
use super::errors::{param_type_invalid, param_unknown};
use super::keys;
use super::store::Settings;

/// Pattern-valid codes the emulator treats as non-SMS countries and drops
/// from `blocked_country_codes`, as Clerk does with codes it does not
/// serve SMS to: uninhabited territories and a user-assigned code.
pub const NON_SMS_COUNTRY_CODES: &[&str] = &["AQ", "BV", "HM", "TF", "UM", "ZZ"];

/// The most codes `blocked_country_codes` accepts.
pub const MAX_BLOCKED_COUNTRY_CODES: usize = 250;

/// The scopes an instance has until `default_scopes` is set, and again
/// after it is sent as `null`.
pub const DEFAULT_SCOPES: &[&str] = &["email", "profile"];

/// One of the three endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Protect,
    Communication,
    OAuthApplicationSettings,
}

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Bool,
    CountryCodes,
    Strings,
}

impl Object {
    /// The object named by the last segment of its path
    /// (`/v1/instance/<name>`, `/__emulator/instances/<id>/<name>`).
    pub fn from_name(name: &str) -> Option<Object> {
        match name {
            "protect" => Some(Object::Protect),
            "communication" => Some(Object::Communication),
            "oauth_application_settings" => Some(Object::OAuthApplicationSettings),
            _ => None,
        }
    }

    /// The object a Backend API path addresses, if any.
    pub fn from_bapi_path(path: &str) -> Option<Object> {
        path.strip_prefix("/v1/instance/")
            .and_then(Object::from_name)
    }

    /// The request body's properties; `control` adds what only the
    /// dashboard can change.
    fn fields(self, control: bool) -> &'static [(&'static str, FieldKind)] {
        match (self, control) {
            (Object::Protect, false) => &[
                ("rules_enabled", FieldKind::Bool),
                ("specter_enabled", FieldKind::Bool),
            ],
            (Object::Protect, true) => &[
                ("rules_enabled", FieldKind::Bool),
                ("specter_enabled", FieldKind::Bool),
                ("checks_bypassed", FieldKind::Bool),
            ],
            (Object::Communication, _) => &[("blocked_country_codes", FieldKind::CountryCodes)],
            (Object::OAuthApplicationSettings, _) => &[
                ("dynamic_oauth_client_registration", FieldKind::Bool),
                ("default_scopes", FieldKind::Strings),
                ("oauth_jwt_access_tokens", FieldKind::Bool),
                ("client_id_metadata_documents_advertised", FieldKind::Bool),
                (
                    "client_id_metadata_documents_only_allow_pre_registered_clients",
                    FieldKind::Bool,
                ),
                (
                    "client_id_metadata_documents_block_implicitly_allowed_clients",
                    FieldKind::Bool,
                ),
            ],
        }
    }

    /// Checks a body: every problem is reported at once, and the checked
    /// change is the body's keys with their (possibly null) values.
    pub fn validate(self, body: &Value, control: bool) -> Result<Change, Vec<ClerkError>> {
        let Value::Object(map) = body else {
            return Err(vec![ClerkError::new(
                "request_body_invalid",
                "is invalid",
                "The request body must be a JSON object.",
            )]);
        };
        let fields = self.fields(control);
        let mut errors = Vec::new();
        for (name, value) in map {
            let Some((_, kind)) = fields.iter().find(|(n, _)| n == name) else {
                errors.push(param_unknown(name));
                continue;
            };
            if value.is_null() {
                continue;
            }
            match kind {
                FieldKind::Bool if !value.is_boolean() => {
                    errors.push(param_type_invalid(name, "a boolean"))
                }
                FieldKind::Bool => {}
                FieldKind::Strings | FieldKind::CountryCodes => {
                    let Some(items) = value
                        .as_array()
                        .filter(|items| items.iter().all(Value::is_string))
                    else {
                        errors.push(param_type_invalid(name, "an array of strings"));
                        continue;
                    };
                    if items
                        .iter()
                        .any(|i| keys::looks_like_key(i.as_str().unwrap_or("")))
                    {
                        errors.push(value_invalid(
                            name,
                            "holds something shaped like a Clerk secret key; clerk-emulator refuses to store it",
                        ));
                        continue;
                    }
                    if *kind == FieldKind::CountryCodes {
                        errors.extend(check_country_codes(name, items));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Change(map.clone()))
        } else {
            Err(errors)
        }
    }

    /// The object as the Backend API answers it.
    pub fn to_json(self, settings: &Settings) -> Value {
        match self {
            Object::Protect => settings.protect.to_json(),
            Object::Communication => settings.communication.to_json(),
            Object::OAuthApplicationSettings => settings.oauth_application_settings.to_json(),
        }
    }

    /// Applies a checked change; whether anything changed.
    pub fn apply(self, settings: &mut Settings, change: &Change) -> bool {
        let before = settings.clone();
        for (name, value) in &change.0 {
            match self {
                Object::Protect => settings.protect.set(name, value),
                Object::Communication => settings.communication.set(name, value),
                Object::OAuthApplicationSettings => {
                    settings.oauth_application_settings.set(name, value)
                }
            }
        }
        *settings != before
    }
}

/// A checked body.
#[derive(Debug, Clone, PartialEq)]
pub struct Change(Map<String, Value>);

fn check_country_codes(name: &str, items: &[Value]) -> Vec<ClerkError> {
    let mut errors = Vec::new();
    if items.len() > MAX_BLOCKED_COUNTRY_CODES {
        errors.push(value_invalid(
            name,
            &format!(
                "must contain at most {MAX_BLOCKED_COUNTRY_CODES} items, but has {}",
                items.len()
            ),
        ));
    }
    let codes: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
    if let Some(bad) = codes
        .iter()
        .find(|c| !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())))
    {
        errors.push(
            ClerkError::new(
                "form_param_format_invalid",
                "is invalid",
                format!(
                    "{name} contains {:?}, which does not match ^[A-Z]{{2}}$.",
                    keys::redact(bad, None)
                ),
            )
            .param(name),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(duplicate) = codes.iter().find(|c| !seen.insert(**c)) {
        errors.push(value_invalid(
            name,
            &format!("must contain unique items, but {duplicate:?} appears more than once"),
        ));
    }
    errors
}

fn value_invalid(name: &str, problem: &str) -> ClerkError {
    ClerkError::new(
        "form_param_value_invalid",
        "is invalid",
        format!("{name} {problem}."),
    )
    .param(name)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `/v1/instance/protect`; everything off on a new instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protect {
    pub rules_enabled: bool,
    pub specter_enabled: bool,
    pub checks_bypassed: bool,
}

impl Protect {
    fn set(&mut self, name: &str, value: &Value) {
        let Some(flag) = value.as_bool() else { return };
        match name {
            "rules_enabled" => self.rules_enabled = flag,
            "specter_enabled" => self.specter_enabled = flag,
            "checks_bypassed" => self.checks_bypassed = flag,
            _ => {}
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "object": "instance_protect",
            "rules_enabled": self.rules_enabled,
            "specter_enabled": self.specter_enabled,
            "checks_bypassed": self.checks_bypassed,
        })
    }
}

/// `/v1/instance/communication`; nothing blocked on a new instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Communication {
    /// In the order sent, without the dropped codes.
    pub blocked_country_codes: Vec<String>,
}

impl Communication {
    fn set(&mut self, name: &str, value: &Value) {
        if name == "blocked_country_codes" && !value.is_null() {
            self.blocked_country_codes = strings(value)
                .into_iter()
                .filter(|c| !NON_SMS_COUNTRY_CODES.contains(&c.as_str()))
                .collect();
        }
    }

    pub fn to_json(&self) -> Value {
        // Clerk returns the list in its own order; reversing makes sure a
        // client never relies on the order it sent.
        let codes: Vec<&String> = self.blocked_country_codes.iter().rev().collect();
        json!({
            "object": "instance_communication",
            "blocked_country_codes": codes,
        })
    }
}

/// `/v1/instance/oauth_application_settings`; everything off and Clerk's
/// default scopes on a new instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthApplicationSettings {
    pub dynamic_oauth_client_registration: bool,
    pub oauth_jwt_access_tokens: bool,
    pub client_id_metadata_documents_advertised: bool,
    pub client_id_metadata_documents_only_allow_pre_registered_clients: bool,
    pub client_id_metadata_documents_block_implicitly_allowed_clients: bool,
    /// `None`: Clerk's defaults.
    pub default_scopes: Option<Vec<String>>,
}

impl OAuthApplicationSettings {
    fn set(&mut self, name: &str, value: &Value) {
        if name == "default_scopes" {
            self.default_scopes = if value.is_null() {
                None
            } else {
                let mut scopes = strings(value);
                let mut seen = std::collections::BTreeSet::new();
                scopes.retain(|s| seen.insert(s.clone()));
                Some(scopes)
            };
            return;
        }
        let Some(flag) = value.as_bool() else { return };
        let slot = match name {
            "dynamic_oauth_client_registration" => &mut self.dynamic_oauth_client_registration,
            "oauth_jwt_access_tokens" => &mut self.oauth_jwt_access_tokens,
            "client_id_metadata_documents_advertised" => {
                &mut self.client_id_metadata_documents_advertised
            }
            "client_id_metadata_documents_only_allow_pre_registered_clients" => {
                &mut self.client_id_metadata_documents_only_allow_pre_registered_clients
            }
            "client_id_metadata_documents_block_implicitly_allowed_clients" => {
                &mut self.client_id_metadata_documents_block_implicitly_allowed_clients
            }
            _ => return,
        };
        *slot = flag;
    }

    pub fn to_json(&self) -> Value {
        let scopes: Vec<String> = match &self.default_scopes {
            Some(scopes) => scopes.clone(),
            None => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        };
        json!({
            "object": "oauth_application_settings",
            "dynamic_oauth_client_registration": self.dynamic_oauth_client_registration,
            "default_scopes": scopes,
            "oauth_jwt_access_tokens": self.oauth_jwt_access_tokens,
            "client_id_metadata_documents_advertised": self.client_id_metadata_documents_advertised,
            "client_id_metadata_documents_only_allow_pre_registered_clients":
                self.client_id_metadata_documents_only_allow_pre_registered_clients,
            "client_id_metadata_documents_block_implicitly_allowed_clients":
                self.client_id_metadata_documents_block_implicitly_allowed_clients,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::keys::Environment;

    fn codes(errors: &[ClerkError]) -> Vec<(&str, Option<&str>)> {
        errors
            .iter()
            .map(|e| (e.code.as_str(), e.param_name.as_deref()))
            .collect()
    }

    #[test]
    fn protect_accepts_its_two_booleans_and_not_checks_bypassed() {
        let o = Object::Protect;
        assert!(o
            .validate(
                &json!({"rules_enabled": true, "specter_enabled": null}),
                false
            )
            .is_ok());
        let errors = o
            .validate(
                &json!({"rules_enabled": "yes", "checks_bypassed": true}),
                false,
            )
            .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("form_param_unknown", Some("checks_bypassed")),
                ("form_param_type_invalid", Some("rules_enabled")),
            ]
        );
        assert!(o.validate(&json!({"checks_bypassed": true}), true).is_ok());
        assert!(o.validate(&json!([true]), false).is_err());
    }

    #[test]
    fn country_codes_are_checked_like_the_spec() {
        let o = Object::Communication;
        let name = Some("blocked_country_codes");
        let errors = o
            .validate(&json!({"blocked_country_codes": ["us"]}), false)
            .unwrap_err();
        assert_eq!(codes(&errors), [("form_param_format_invalid", name)]);
        let errors = o
            .validate(&json!({"blocked_country_codes": ["US", "US"]}), false)
            .unwrap_err();
        assert_eq!(codes(&errors), [("form_param_value_invalid", name)]);
        let many: Vec<String> = (0..251)
            .map(|i| {
                format!(
                    "{}{}",
                    (b'A' + (i / 26) as u8) as char,
                    (b'A' + (i % 26) as u8) as char
                )
            })
            .collect();
        let errors = o
            .validate(&json!({"blocked_country_codes": many}), false)
            .unwrap_err();
        assert_eq!(codes(&errors), [("form_param_value_invalid", name)]);
        let errors = o
            .validate(&json!({"blocked_country_codes": "US"}), false)
            .unwrap_err();
        assert_eq!(codes(&errors), [("form_param_type_invalid", name)]);
        assert!(o
            .validate(&json!({"blocked_country_codes": []}), false)
            .is_ok());
    }

    #[test]
    fn non_sms_codes_are_dropped_and_null_is_a_no_op() {
        let o = Object::Communication;
        let mut settings = Settings::defaults(Environment::Development);
        let change = o
            .validate(&json!({"blocked_country_codes": ["RU", "AQ", "KP"]}), false)
            .unwrap();
        assert!(o.apply(&mut settings, &change));
        assert_eq!(settings.communication.blocked_country_codes, ["RU", "KP"]);
        let null = o
            .validate(&json!({"blocked_country_codes": null}), false)
            .unwrap();
        assert!(!o.apply(&mut settings, &null));
        let answer = o.to_json(&settings);
        assert_eq!(answer["object"], "instance_communication");
        assert_eq!(answer["blocked_country_codes"], json!(["KP", "RU"]));
    }

    #[test]
    fn default_scopes_reset_on_null() {
        let o = Object::OAuthApplicationSettings;
        let mut settings = Settings::defaults(Environment::Development);
        assert_eq!(
            o.to_json(&settings)["default_scopes"],
            json!(DEFAULT_SCOPES)
        );
        let change = o
            .validate(
                &json!({"default_scopes": ["openid"], "oauth_jwt_access_tokens": true}),
                false,
            )
            .unwrap();
        assert!(o.apply(&mut settings, &change));
        assert_eq!(o.to_json(&settings)["default_scopes"], json!(["openid"]));
        assert_eq!(o.to_json(&settings)["oauth_jwt_access_tokens"], true);
        let reset = o.validate(&json!({"default_scopes": null}), false).unwrap();
        assert!(o.apply(&mut settings, &reset));
        assert_eq!(
            o.to_json(&settings)["default_scopes"],
            json!(DEFAULT_SCOPES)
        );
        let errors = o
            .validate(&json!({"default_scopes": [1], "extra": true}), false)
            .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("form_param_type_invalid", Some("default_scopes")),
                ("form_param_unknown", Some("extra")),
            ]
        );
    }

    #[test]
    fn state_files_without_the_objects_load_and_new_ones_round_trip() {
        use crate::emulator::keys::SecretKey;
        use crate::emulator::store::Store;
        use std::time::Instant;

        let key = SecretKey::parse("sk_test_SingletonStateKey1").unwrap();
        let old = format!(
            r#"{{"format":"clerk-emulator-state/1","instances":{{"{}":{{"id":"ins_x","environment_type":"development","allowed_origins":[],"settings":{{"test_mode":true,"hibp":true,"support_email":null,"clerk_js_version":null,"development_origin":null,"url_based_session_syncing":true,"enhanced_email_deliverability":false,"preferred_sign_in_strategy_when_password_required":null}}}}}}}}"#,
            key.fingerprint()
        );
        let mut store = Store::from_state(&old, Instant::now()).unwrap();
        let instance = store.by_fingerprint_mut(&key.fingerprint()).unwrap();
        assert_eq!(instance.settings.protect, Protect::default());
        assert_eq!(
            instance.settings.oauth_application_settings.default_scopes,
            None
        );
        let change = Object::Communication
            .validate(&json!({"blocked_country_codes": ["RU"]}), false)
            .unwrap();
        Object::Communication.apply(&mut instance.settings, &change);
        let text = store.to_state().unwrap();
        let loaded = Store::from_state(&text, Instant::now()).unwrap();
        let instance = loaded.by_fingerprint(&key.fingerprint()).unwrap();
        assert_eq!(
            instance.settings.communication.blocked_country_codes,
            ["RU"]
        );
    }

    #[test]
    fn paths_name_the_objects() {
        assert_eq!(
            Object::from_bapi_path("/v1/instance/protect"),
            Some(Object::Protect)
        );
        assert_eq!(
            Object::from_bapi_path("/v1/instance/oauth_application_settings"),
            Some(Object::OAuthApplicationSettings)
        );
        assert_eq!(Object::from_bapi_path("/v1/instance/restrictions"), None);
        assert_eq!(Object::from_bapi_path("/v1/instance"), None);
    }
}
