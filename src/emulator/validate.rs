//! Strict validation of `PATCH /v1/instance` bodies, modelled on the
//! published spec (`UpdateInstance`: `additionalProperties: false`) and the
//! error codes Clerk documents, plus the looser type-only check the control
//! API uses for out-of-band ("dashboard") edits.
//!
//! Validation is a pure function from a JSON value to a [`Patch`], so a body
//! with any error is refused as a whole and nothing is half-applied.

use serde_json::Value;

use super::errors::ClerkError;
use super::errors::{param_type_invalid, param_unknown};
use super::keys::{self, Environment};
use super::store::Instance;
use crate::rules;

/// The request body properties of `UpdateInstance` in the 2026-05-12 spec.
pub const SPEC_FIELDS: &[&str] = &[
    "test_mode",
    "hibp",
    "support_email",
    "clerk_js_version",
    "development_origin",
    "allowed_origins",
    "cookieless_dev",
    "url_based_session_syncing",
    "preferred_sign_in_strategy_when_password_required",
];

/// Accepted although not in the spec: `enhanced_email_deliverability` was
/// removed from it on 2025-11-11, yet both the JS and Go SDKs still send it,
/// so refusing it would break every SDK-built request that sets it.
pub const LEGACY_FIELDS: &[&str] = &["enhanced_email_deliverability"];

/// Every key `PATCH /v1/instance` accepts.
pub fn accepted_fields() -> Vec<&'static str> {
    SPEC_FIELDS.iter().chain(LEGACY_FIELDS).copied().collect()
}

/// The JSON type each field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Text,
    TextList,
}

fn kind_of(name: &str) -> Option<Kind> {
    match name {
        "test_mode"
        | "hibp"
        | "cookieless_dev"
        | "url_based_session_syncing"
        | "enhanced_email_deliverability" => Some(Kind::Bool),
        "support_email"
        | "clerk_js_version"
        | "development_origin"
        | "preferred_sign_in_strategy_when_password_required" => Some(Kind::Text),
        "allowed_origins" => Some(Kind::TextList),
        _ => None,
    }
}

/// A validated change. `None` leaves a setting alone; for text settings
/// `Some(None)` clears it (Clerk stores `""` as NULL).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Patch {
    pub test_mode: Option<bool>,
    pub hibp: Option<bool>,
    pub cookieless_dev: Option<bool>,
    pub url_based_session_syncing: Option<bool>,
    pub enhanced_email_deliverability: Option<bool>,
    pub support_email: Option<Option<String>>,
    pub clerk_js_version: Option<Option<String>>,
    pub development_origin: Option<Option<String>>,
    pub preferred_sign_in_strategy: Option<Option<String>>,
    pub allowed_origins: Option<Vec<String>>,
}

impl Patch {
    fn set_bool(&mut self, name: &str, value: bool) {
        let slot = match name {
            "test_mode" => &mut self.test_mode,
            "hibp" => &mut self.hibp,
            "cookieless_dev" => &mut self.cookieless_dev,
            "url_based_session_syncing" => &mut self.url_based_session_syncing,
            _ => &mut self.enhanced_email_deliverability,
        };
        *slot = Some(value);
    }

    fn set_text(&mut self, name: &str, value: Option<String>) {
        let slot = match name {
            "support_email" => &mut self.support_email,
            "clerk_js_version" => &mut self.clerk_js_version,
            "development_origin" => &mut self.development_origin,
            _ => &mut self.preferred_sign_in_strategy,
        };
        *slot = Some(value);
    }

    /// Applies the change; returns whether anything actually changed.
    pub fn apply(&self, instance: &mut Instance) -> bool {
        let before = (instance.settings.clone(), instance.allowed_origins.clone());
        let settings = &mut instance.settings;
        let bools = [
            (self.test_mode, &mut settings.test_mode),
            (self.hibp, &mut settings.hibp),
            (
                // Like Clerk, the deprecated name only counts when the new one is absent.
                self.url_based_session_syncing.or(self.cookieless_dev),
                &mut settings.url_based_session_syncing,
            ),
            (
                self.enhanced_email_deliverability,
                &mut settings.enhanced_email_deliverability,
            ),
        ];
        for (value, slot) in bools {
            if let Some(value) = value {
                *slot = value;
            }
        }
        let texts = [
            (&self.support_email, &mut settings.support_email),
            (&self.clerk_js_version, &mut settings.clerk_js_version),
            (&self.development_origin, &mut settings.development_origin),
            (
                &self.preferred_sign_in_strategy,
                &mut settings.preferred_sign_in_strategy_when_password_required,
            ),
        ];
        for (value, slot) in texts {
            if let Some(value) = value {
                slot.clone_from(value);
            }
        }
        if let Some(origins) = &self.allowed_origins {
            instance.allowed_origins.clone_from(origins);
        }
        before != (instance.settings.clone(), instance.allowed_origins.clone())
    }
}

/// The emulator never stores a secret key, so a setting value that holds
/// one is refused; a client sending one has a leak worth failing on.
fn holds_key(value: &Value) -> bool {
    match value {
        Value::String(text) => keys::looks_like_key(text),
        Value::Array(items) => items.iter().any(holds_key),
        _ => false,
    }
}

fn key_refused(name: &str) -> ClerkError {
    ClerkError::new(
        "form_param_value_invalid",
        "is invalid",
        format!("{name} holds something shaped like a Clerk secret key; clerk-emulator refuses to store it."),
    )
    .param(name)
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "a boolean",
        Kind::Text => "a string",
        Kind::TextList => "an array of strings",
    }
}

/// Validates a `PATCH /v1/instance` body for an instance of `environment`.
/// All errors are collected, in key order, so a client sees every problem.
pub fn validate_patch(body: &Value, environment: Environment) -> Result<Patch, Vec<ClerkError>> {
    let Value::Object(map) = body else {
        return Err(vec![ClerkError::new(
            "request_body_invalid",
            "is invalid",
            "The request body must be a JSON object.",
        )]);
    };
    let mut patch = Patch::default();
    let mut errors = Vec::new();
    for (name, value) in map {
        let Some(kind) = kind_of(name) else {
            errors.push(param_unknown(name));
            continue;
        };
        if holds_key(value) {
            errors.push(key_refused(name));
            continue;
        }
        let result = match (kind, value) {
            // The spec marks allowed_origins alone as not nullable.
            (Kind::TextList, Value::Null) => {
                Err(param_type_invalid(name, "an array of strings, not null"))
            }
            // For nullable fields null means "leave unchanged".
            (_, Value::Null) => Ok(()),
            (Kind::Bool, Value::Bool(flag)) => {
                patch.set_bool(name, *flag);
                Ok(())
            }
            (Kind::Text, Value::String(text)) => check_text(name, text, environment).map(|()| {
                patch.set_text(name, (!text.is_empty()).then(|| text.clone()));
            }),
            (Kind::TextList, Value::Array(items)) => check_origins(items).map(|origins| {
                patch.allowed_origins = Some(origins);
            }),
            (kind, _) => Err(param_type_invalid(name, expected(kind))),
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

/// Value rules for the text settings; `""` always means "clear" where allowed.
/// The rules are the provider's own ([`crate::rules`]), and the message says
/// which one the value broke.
fn check_text(name: &str, text: &str, environment: Environment) -> Result<(), ClerkError> {
    let invalid = |code: &str, reason: String| {
        let reason = keys::redact(&reason, None);
        ClerkError::new(code, "is invalid", format!("{name} is invalid: {reason}.")).param(name)
    };
    match name {
        "support_email" if !text.is_empty() => {
            rules::email(text).map_err(|reason| invalid("form_param_format_invalid", reason))
        }
        // Clerk refuses the parameter itself on production, even to clear it.
        "development_origin" if environment == Environment::Production => Err(ClerkError::new(
            "form_param_not_allowed_conditionally",
            "is not allowed",
            "development_origin can only be set on development instances.",
        )
        .param(name)),
        "development_origin" if !text.is_empty() => rules::http_origin(text).map_err(|reason| {
            invalid(
                "form_param_format_invalid",
                format!(
                    "{reason}; use an http or https origin such as http://localhost:3000, or empty to clear it"
                ),
            )
        }),
        "preferred_sign_in_strategy_when_password_required" => {
            rules::sign_in_strategy(text).map_err(|reason| {
                invalid(
                    "form_param_value_invalid",
                    format!("{reason}; use password, otp, or an empty string"),
                )
            })
        }
        _ => Ok(()),
    }
}

/// Checks every entry is a string and an origin; returns them deduplicated
/// in first-seen order (Clerk stores unique origins).
fn check_origins(items: &[Value]) -> Result<Vec<String>, ClerkError> {
    let mut origins: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(origin) = item else {
            return Err(param_type_invalid("allowed_origins", "an array of strings"));
        };
        if let Err(reason) = rules::origin(origin) {
            let reason = keys::redact(&reason, None);
            return Err(ClerkError::new(
                "form_invalid_origin",
                "is invalid",
                format!(
                    "allowed_origins must be a valid origin such as my-app://localhost, \
                     chrome-extension://mnhbilbfebpbokpjjamapdecdgieldho, or capacitor://localhost:3000 \
                     ({reason})."
                ),
            )
            .param("allowed_origins"));
        }
        if !origins.contains(origin) {
            origins.push(origin.clone());
        }
    }
    Ok(origins)
}

/// Validates an out-of-band edit from the control API: known keys and JSON
/// types only, like a dashboard that trusts its own forms. Here `null`
/// clears a text setting or the origin list.
pub fn validate_control(body: &Value) -> Result<Patch, Vec<ClerkError>> {
    let Value::Object(map) = body else {
        return Err(vec![ClerkError::new(
            "request_body_invalid",
            "is invalid",
            "The request body must be a JSON object of settings.",
        )]);
    };
    let mut patch = Patch::default();
    let mut errors = Vec::new();
    for (name, value) in map {
        match (kind_of(name), value) {
            (None, _) => errors.push(param_unknown(name)),
            (Some(_), value) if holds_key(value) => errors.push(key_refused(name)),
            (Some(Kind::Bool), Value::Bool(flag)) => patch.set_bool(name, *flag),
            (Some(Kind::Text), Value::Null) => patch.set_text(name, None),
            (Some(Kind::Text), Value::String(text)) => {
                patch.set_text(name, (!text.is_empty()).then(|| text.clone()))
            }
            (Some(Kind::TextList), Value::Null) => patch.allowed_origins = Some(Vec::new()),
            (Some(Kind::TextList), Value::Array(items)) => match strings(items) {
                Some(origins) => patch.allowed_origins = Some(origins),
                None => errors.push(param_type_invalid(name, "an array of strings")),
            },
            (Some(kind), _) => errors.push(param_type_invalid(name, expected(kind))),
        }
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

fn strings(items: &[Value]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|item| item.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(result: Result<Patch, Vec<ClerkError>>) -> Vec<(String, Option<String>)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.code, e.param_name))
            .collect()
    }

    fn one(code: &str, param: &str) -> Vec<(String, Option<String>)> {
        vec![(code.to_string(), Some(param.to_string()))]
    }

    /// The emulator accepts exactly what the provider's plan-time check
    /// accepts, and its message gives the same reason.
    #[test]
    fn agrees_with_the_shared_rules() {
        use crate::rules::{Rule, CASES};
        for (rule, value, refusal) in CASES {
            let body = match rule {
                Rule::Origin => json!({ "allowed_origins": [value] }),
                Rule::HttpOrigin => json!({ "development_origin": value }),
                Rule::Email => json!({ "support_email": value }),
                Rule::SignInStrategy => {
                    json!({ "preferred_sign_in_strategy_when_password_required": value })
                }
            };
            match (validate_patch(&body, Environment::Development), refusal) {
                (Ok(_), None) => {}
                (Err(errors), Some(words)) => {
                    assert_eq!(errors.len(), 1, "{value}");
                    assert!(
                        errors[0].long_message.contains(words),
                        "{rule:?} {value:?}: {}",
                        errors[0].long_message
                    );
                }
                (result, _) => panic!("{rule:?} {value:?}: {result:?}, expected {refusal:?}"),
            }
        }
    }

    #[test]
    fn accepts_a_full_valid_body() {
        let body = json!({
            "test_mode": false, "hibp": true, "support_email": "help@example.com",
            "clerk_js_version": "5.2.1", "development_origin": "http://localhost:3000",
            "allowed_origins": ["https://a.example", "capacitor://localhost", "https://a.example"],
            "cookieless_dev": false, "url_based_session_syncing": true,
            "preferred_sign_in_strategy_when_password_required": "otp",
            "enhanced_email_deliverability": true,
        });
        let patch = validate_patch(&body, Environment::Development).expect("valid");
        assert_eq!(patch.support_email, Some(Some("help@example.com".into())));
        assert_eq!(
            patch.allowed_origins,
            Some(vec![
                "https://a.example".into(),
                "capacitor://localhost".into()
            ])
        );
        assert_eq!(patch.url_based_session_syncing, Some(true));
    }

    #[test]
    fn refuses_each_rule() {
        let dev = Environment::Development;
        assert_eq!(
            codes(validate_patch(&json!({"nope": 1}), dev)),
            one("form_param_unknown", "nope")
        );
        assert_eq!(
            codes(validate_patch(&json!({"hibp": "yes"}), dev)),
            one("form_param_type_invalid", "hibp")
        );
        assert_eq!(
            codes(validate_patch(&json!({"support_email": 3}), dev)),
            one("form_param_type_invalid", "support_email")
        );
        assert_eq!(
            codes(validate_patch(&json!({"allowed_origins": null}), dev)),
            one("form_param_type_invalid", "allowed_origins")
        );
        assert_eq!(
            codes(validate_patch(&json!({"allowed_origins": [1]}), dev)),
            one("form_param_type_invalid", "allowed_origins")
        );
        assert_eq!(
            codes(validate_patch(
                &json!({"allowed_origins": ["https://a.example/"]}),
                dev
            )),
            one("form_invalid_origin", "allowed_origins")
        );
        assert_eq!(
            codes(validate_patch(
                &json!({"preferred_sign_in_strategy_when_password_required": "sms"}),
                dev
            )),
            one(
                "form_param_value_invalid",
                "preferred_sign_in_strategy_when_password_required"
            )
        );
        assert_eq!(
            codes(validate_patch(
                &json!({"support_email": "not-an-email"}),
                dev
            )),
            one("form_param_format_invalid", "support_email")
        );
        assert_eq!(
            codes(validate_patch(
                &json!({"development_origin": "ftp://x.example"}),
                dev
            )),
            one("form_param_format_invalid", "development_origin")
        );
        assert_eq!(
            codes(validate_patch(
                &json!({"development_origin": ""}),
                Environment::Production
            )),
            one("form_param_not_allowed_conditionally", "development_origin")
        );
        assert_eq!(
            codes(validate_patch(&json!([]), dev))[0].0,
            "request_body_invalid"
        );
        assert_eq!(
            codes(validate_patch(
                &json!({"clerk_js_version": "sk_live_abcdefgh12"}),
                dev
            )),
            one("form_param_value_invalid", "clerk_js_version")
        );
        // A key used as a field name is not echoed back.
        let refused = validate_patch(&json!({"sk_test_abcdefgh12": true}), dev)
            .err()
            .unwrap_or_default();
        assert_eq!(refused.len(), 1);
        assert!(!format!("{refused:?}").contains("abcdefgh12"));
        assert!(validate_control(&json!({"allowed_origins": ["sk_test_abcdefgh12"]})).is_err());
        // Several problems are all reported.
        assert_eq!(
            codes(validate_patch(&json!({"a": 1, "hibp": 1}), dev)).len(),
            2
        );
    }

    #[test]
    fn null_and_empty_semantics() {
        let dev = Environment::Development;
        let patch =
            validate_patch(&json!({"support_email": null, "hibp": null}), dev).expect("valid");
        assert_eq!(patch, Patch::default());
        let patch = validate_patch(&json!({"support_email": "", "clerk_js_version": ""}), dev)
            .expect("valid");
        assert_eq!(patch.support_email, Some(None));
        assert_eq!(patch.clerk_js_version, Some(None));
        let patch = validate_patch(&json!({"allowed_origins": []}), dev).expect("valid");
        assert_eq!(patch.allowed_origins, Some(vec![]));
        let patch = validate_control(&json!({"support_email": null, "allowed_origins": null}))
            .expect("valid");
        assert_eq!(patch.support_email, Some(None));
        assert_eq!(patch.allowed_origins, Some(vec![]));
        assert!(validate_control(&json!({"hibp": null})).is_err());
        assert!(validate_control(&json!({"whatever": true})).is_err());
    }

    #[test]
    fn field_list_is_the_spec_plus_legacy() {
        let fields = accepted_fields();
        assert_eq!(fields.len(), 10);
        for field in fields {
            assert!(kind_of(field).is_some(), "{field}");
        }
    }
}
