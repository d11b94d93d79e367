//! Reading what Clerk reports about an instance: always the Backend API's
//! `GET /v1/instance`, and with drift detection also the primary domain
//! (`GET /v1/domains`) and the Frontend API's `GET /v1/environment`.

use std::collections::BTreeMap;

use crate::clerk::{ApiError, Client, Domain, Environment, Instance};
use crate::framework::{Diagnostic, Diagnostics};

use super::instance_settings::model::SettingValue;

/// What Clerk reported, by setting name. A setting with no entry could not
/// be read (write-only, or its source was unavailable).
pub struct Observed {
    pub instance: Instance,
    pub settings: BTreeMap<&'static str, SettingValue>,
}

/// Reads the instance, and with `extended` the domain and environment.
/// Failing to read the extended sources is a warning, never an error: the
/// caller keeps what it had for those settings.
pub async fn observe(client: &Client, extended: bool) -> Result<(Observed, Diagnostics), ApiError> {
    let instance = client.get_instance().await?;
    let mut settings = BTreeMap::new();
    // Clerk reports an empty list as null.
    let origins = instance.allowed_origins.clone().unwrap_or_default();
    settings.insert(
        "allowed_origins",
        SettingValue::StringSet(origins.into_iter().collect()),
    );
    let mut diags = Diagnostics::new();
    if extended {
        match read_extended(client).await {
            Ok((domain, environment)) => {
                settings.extend(extended_settings(&domain, &environment));
            }
            Err(error) => diags.push(Diagnostic::warning(
                "Could not read settings for drift detection",
                format!(
                    "Reading the instance's domain or its Frontend API environment failed: \
                     {error}.\n\nSettings other than allowed_origins keep the values in state \
                     for this run, so changes made outside Terraform may not show. \
                     Nothing else is affected; the next refresh tries again."
                ),
            )),
        }
    }
    Ok((Observed { instance, settings }, diags))
}

async fn read_extended(client: &Client) -> Result<(Domain, Environment), ApiError> {
    let domains = client.list_domains().await?;
    let primary = domains
        .into_iter()
        .find(|d| !d.is_satellite)
        .ok_or_else(|| ApiError::InvalidResponse {
            status: 200,
            detail: "Clerk listed no primary domain for the instance".to_string(),
        })?;
    let environment = client
        .frontend_environment(&primary.frontend_api_url)
        .await?;
    Ok((primary, environment))
}

/// Maps the domain and environment onto settings. Clerk stores `""` as no
/// value and reports it as null, so null reads back as `""`.
pub fn extended_settings(
    domain: &Domain,
    env: &Environment,
) -> BTreeMap<&'static str, SettingValue> {
    let mut settings = BTreeMap::new();
    settings.insert(
        "development_origin",
        SettingValue::String(domain.development_origin.clone().unwrap_or_default()),
    );
    settings.insert(
        "support_email",
        SettingValue::String(env.support_email.clone().unwrap_or_default()),
    );
    settings.insert(
        "clerk_js_version",
        SettingValue::String(env.clerk_js_version.clone().unwrap_or_default()),
    );
    let booleans = [
        ("test_mode", env.test_mode),
        ("hibp", env.hibp),
        ("url_based_session_syncing", env.url_based_session_syncing),
        (
            "enhanced_email_deliverability",
            env.enhanced_email_deliverability,
        ),
    ];
    for (name, value) in booleans {
        if let Some(value) = value {
            settings.insert(name, SettingValue::Bool(value));
        }
    }
    settings
}
