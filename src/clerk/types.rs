//! Response types for the endpoints the provider reads.
//!
//! They keep only the fields the provider uses and ignore the rest, so new
//! fields in Clerk's responses do not break the provider.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `GET /v1/instance`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Instance {
    pub id: String,
    /// `development` or `production`.
    pub environment_type: String,
    /// `null` and a missing field both read as `None`.
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
}

/// One entry of `GET /v1/domains`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Domain {
    pub id: String,
    pub name: String,
    /// `false` for the instance's primary domain.
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_satellite: bool,
    /// Base URL of this domain's Frontend API, e.g. `https://clerk.example.com`.
    pub frontend_api_url: String,
    /// Set on development instances; Clerk sends `""` when unset.
    #[serde(default)]
    pub development_origin: Option<String>,
}

fn null_as_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// `GET /v1/domains` envelope.
#[derive(Deserialize)]
pub(crate) struct DomainList {
    pub data: Vec<Domain>,
}

/// The instance settings visible in the Frontend API's `GET /v1/environment`.
///
/// Each field is `None` when the payload lacks it (or has the wrong type), so
/// one missing field does not hide the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Environment {
    /// `auth_config.test_mode`.
    pub test_mode: Option<bool>,
    /// `!user_settings.password_settings.disable_hibp`.
    pub hibp: Option<bool>,
    /// `display_config.support_email`; `null` (cleared) reads as `None`.
    pub support_email: Option<String>,
    /// `display_config.clerk_js_version`; `null` reads as `None`.
    pub clerk_js_version: Option<String>,
    /// `auth_config.url_based_session_syncing`.
    pub url_based_session_syncing: Option<bool>,
    /// `auth_config.enhanced_email_deliverability`.
    pub enhanced_email_deliverability: Option<bool>,
}

impl Environment {
    /// Picks the settings out of a decoded `/v1/environment` body.
    pub fn from_fapi_json(body: &Value) -> Environment {
        let bool_at = |p: &str| body.pointer(p).and_then(Value::as_bool);
        let str_at = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_owned);
        Environment {
            test_mode: bool_at("/auth_config/test_mode"),
            hibp: bool_at("/user_settings/password_settings/disable_hibp").map(|d| !d),
            support_email: str_at("/display_config/support_email"),
            clerk_js_version: str_at("/display_config/clerk_js_version"),
            url_based_session_syncing: bool_at("/auth_config/url_based_session_syncing"),
            enhanced_email_deliverability: bool_at("/auth_config/enhanced_email_deliverability"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{
        "object": "environment",
        "auth_config": {
            "object": "auth_config", "id": "aac_1", "single_session_mode": true,
            "test_mode": true, "cookieless_dev": true, "url_based_session_syncing": true,
            "enhanced_email_deliverability": false, "claimed_at": null, "reverification": true
        },
        "display_config": {
            "object": "display_config", "id": "display_config_1", "instance_environment_type": "development",
            "application_name": "demo", "support_email": null, "clerk_js_version": "5",
            "preferred_sign_in_strategy": "password", "branded": true
        },
        "user_settings": {
            "attributes": {"email_address": {"enabled": true}},
            "password_settings": {"disable_hibp": false, "min_length": 8, "enforce_hibp_on_sign_in": false}
        },
        "organization_settings": {"enabled": false},
        "maintenance_mode": false
    }"#;

    #[test]
    fn full_body() {
        let v: Value = serde_json::from_str(FULL).unwrap();
        assert_eq!(
            Environment::from_fapi_json(&v),
            Environment {
                test_mode: Some(true),
                hibp: Some(true),
                support_email: None,
                clerk_js_version: Some("5".into()),
                url_based_session_syncing: Some(true),
                enhanced_email_deliverability: Some(false),
            }
        );
    }

    #[test]
    fn other_values_and_inversion() {
        let v: Value = serde_json::from_str(
            r#"{"auth_config":{"test_mode":false,"url_based_session_syncing":false,"enhanced_email_deliverability":true},
                "display_config":{"support_email":"help@example.com","clerk_js_version":null},
                "user_settings":{"password_settings":{"disable_hibp":true}}}"#,
        )
        .unwrap();
        assert_eq!(
            Environment::from_fapi_json(&v),
            Environment {
                test_mode: Some(false),
                hibp: Some(false),
                support_email: Some("help@example.com".into()),
                clerk_js_version: None,
                url_based_session_syncing: Some(false),
                enhanced_email_deliverability: Some(true),
            }
        );
    }

    #[test]
    fn missing_and_mistyped_fields_are_none_individually() {
        let v: Value = serde_json::from_str(
            r#"{"auth_config":{"test_mode":"yes"},
                "display_config":{"support_email":5},
                "user_settings":{"password_settings":null}}"#,
        )
        .unwrap();
        assert_eq!(Environment::from_fapi_json(&v), Environment::default());

        let v: Value =
            serde_json::from_str(r#"{"auth_config":{"enhanced_email_deliverability":true}}"#)
                .unwrap();
        assert_eq!(
            Environment::from_fapi_json(&v),
            Environment {
                enhanced_email_deliverability: Some(true),
                ..Environment::default()
            }
        );
        assert_eq!(
            Environment::from_fapi_json(&Value::Array(vec![])),
            Environment::default()
        );
    }

    #[test]
    fn instance_and_domain_tolerate_extra_and_null_fields() {
        let i: Instance = serde_json::from_str(
            r#"{"object":"instance","id":"ins_1","environment_type":"development","allowed_origins":null,"workspace_id":null}"#,
        )
        .unwrap();
        assert_eq!(i.allowed_origins, None);
        let i: Instance = serde_json::from_str(
            r#"{"id":"ins_1","environment_type":"production","allowed_origins":["https://a","https://b"]}"#,
        )
        .unwrap();
        assert_eq!(
            i.allowed_origins,
            Some(vec!["https://a".to_string(), "https://b".to_string()])
        );
        assert!(serde_json::from_str::<Instance>(r#"{"id":"ins_1"}"#).is_err());

        let d: DomainList = serde_json::from_str(
            r#"{"data":[{"object":"domain","id":"dmn_1","name":"example.com","is_satellite":null,
                 "frontend_api_url":"https://clerk.example.com","development_origin":"",
                 "cname_targets":null,"proxy_url":null}],"total_count":1}"#,
        )
        .unwrap();
        assert_eq!(
            d.data,
            vec![Domain {
                id: "dmn_1".into(),
                name: "example.com".into(),
                is_satellite: false,
                frontend_api_url: "https://clerk.example.com".into(),
                development_origin: Some(String::new()),
            }]
        );
    }
}
