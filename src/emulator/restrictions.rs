//! `PATCH /v1/instance/restrictions`, as strict as Clerk's spec: a JSON
//! object of the five nullable booleans and nothing else
//! (`additionalProperties: false`), answered with the whole
//! `instance_restrictions` object. Clerk has no `GET` for it; the flags
//! show in the Frontend API environment (`user_settings.restrictions`).
//! The control API changes them out of band, as the dashboard would.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::errors::param_unknown;
use super::errors::ClerkError;

/// The flags, in the spec's order.
pub const FIELDS: &[&str] = &[
    "allowlist",
    "blocklist",
    "allowlist_blocklist_disabled_on_sign_in",
    "block_email_subaddresses",
    "block_disposable_email_domains",
];

/// An instance's restrictions; a new instance has none on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    pub allowlist: bool,
    pub blocklist: bool,
    pub allowlist_blocklist_disabled_on_sign_in: bool,
    pub block_email_subaddresses: bool,
    pub block_disposable_email_domains: bool,
}

impl Restrictions {
    fn slot(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "allowlist" => Some(&mut self.allowlist),
            "blocklist" => Some(&mut self.blocklist),
            "allowlist_blocklist_disabled_on_sign_in" => {
                Some(&mut self.allowlist_blocklist_disabled_on_sign_in)
            }
            "block_email_subaddresses" => Some(&mut self.block_email_subaddresses),
            "block_disposable_email_domains" => Some(&mut self.block_disposable_email_domains),
            _ => None,
        }
    }

    /// Sets each flag of a checked change; whether anything changed.
    pub fn apply(&mut self, change: &[(String, bool)]) -> bool {
        let before = self.clone();
        for (name, flag) in change {
            if let Some(slot) = self.slot(name) {
                *slot = *flag;
            }
        }
        *self != before
    }

    /// The Backend API's `InstanceRestrictions` object.
    pub fn to_bapi_json(&self) -> Value {
        json!({
            "object": "instance_restrictions",
            "allowlist": self.allowlist,
            "blocklist": self.blocklist,
            "allowlist_blocklist_disabled_on_sign_in": self.allowlist_blocklist_disabled_on_sign_in,
            "block_email_subaddresses": self.block_email_subaddresses,
            "block_disposable_email_domains": self.block_disposable_email_domains,
        })
    }

    /// The Frontend API's `user_settings.restrictions`: each flag as
    /// `{"enabled": …}`.
    pub fn to_fapi_json(&self) -> Value {
        let mut copy = self.clone();
        let map: Map<String, Value> = FIELDS
            .iter()
            .map(|name| {
                let enabled = copy.slot(name).map(|s| *s).unwrap_or(false);
                (name.to_string(), json!({ "enabled": enabled }))
            })
            .collect();
        Value::Object(map)
    }
}

fn not_boolean(name: &str) -> ClerkError {
    ClerkError::new(
        "form_param_type_invalid",
        "is invalid",
        format!("{name} must be a boolean."),
    )
    .param(name)
}

/// Checks a PATCH body (or a control edit): known flags, booleans or null
/// (null leaves a flag unchanged). All problems are reported at once.
pub fn validate(body: &Value) -> Result<Vec<(String, bool)>, Vec<ClerkError>> {
    let Value::Object(map) = body else {
        return Err(vec![ClerkError::new(
            "request_body_invalid",
            "is invalid",
            "The request body must be a JSON object.",
        )]);
    };
    let mut change = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in map {
        if !FIELDS.contains(&name.as_str()) {
            errors.push(param_unknown(name));
            continue;
        }
        match value {
            Value::Null => {}
            Value::Bool(flag) => change.push((name.clone(), *flag)),
            _ => errors.push(not_boolean(name)),
        }
    }
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_five_booleans_are_accepted() {
        let ok = validate(&json!({"allowlist": true, "blocklist": null})).unwrap();
        assert_eq!(ok, [("allowlist".to_string(), true)]);
        let errors =
            validate(&json!({"allowlist": "yes", "ignore_dots_for_gmail_addresses": true}))
                .unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["form_param_type_invalid", "form_param_unknown"]);
        assert!(validate(&json!([true])).is_err());
    }

    #[test]
    fn apply_reports_changes_and_both_views_agree() {
        let mut r = Restrictions::default();
        assert!(r.apply(&[("blocklist".into(), true)]));
        assert!(!r.apply(&[("blocklist".into(), true)]));
        assert_eq!(r.to_bapi_json()["blocklist"], true);
        assert_eq!(r.to_fapi_json()["blocklist"]["enabled"], true);
        assert_eq!(r.to_fapi_json()["allowlist"]["enabled"], false);
    }
}
