//! The `clerk_instance_settings` resource: Clerk's `PATCH /v1/instance`
//! as a Terraform resource.
//!
//! There is nothing to create or delete remotely: the instance exists as
//! long as its key does. Create adopts the instance and applies the
//! configured settings; destroy only forgets them. Settings left out of the
//! configuration are never sent and never planned as changes.

pub mod model;
pub mod settings;
#[cfg(test)]
mod tests;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::clerk::Client;
use crate::framework::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Diagnostic, Diagnostics,
    ImportedResource, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema,
};
use crate::logging;
use crate::value::Value;

use super::errors::{api_error, shorten};
use super::readback;
use model::{AppliedChanges, Field, InstanceSettings};
use settings::SETTINGS;

pub const TYPE_NAME: &str = "clerk_instance_settings";

/// Provider-level choices that shape how the resource reads Clerk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Also read the settings exposed through the domain and the Frontend
    /// API, not only `GET /v1/instance`.
    pub drift_detection: bool,
    /// See [`model::AppliedChanges::is_stale_read`].
    pub stale_read_grace_ms: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            drift_detection: false,
            stale_read_grace_ms: model::DEFAULT_STALE_READ_GRACE_MS,
        }
    }
}

/// Bumped when the stored state's layout changes; see `upgrade`.
pub const SCHEMA_VERSION: i64 = 0;

pub fn schema() -> Schema {
    let mut attributes = super::identity_attributes();
    for setting in SETTINGS {
        let ty = setting.kind.value_type();
        let mut description = setting.description.to_string();
        if let Some(why) = setting.deprecated {
            description.push_str(&format!(" **Deprecated:** {why}"));
        }
        let mut attribute = Attribute::optional_computed(setting.name, ty, &description);
        if setting.deprecated.is_some() {
            attribute = attribute.deprecated();
        }
        attributes.push(attribute);
    }
    Schema {
        version: SCHEMA_VERSION,
        block: Block {
            attributes,
            blocks: Vec::new(),
            description:
                "Manages the settings of the Clerk instance that the provider's secret key \
                belongs to, through Clerk's `PATCH /v1/instance`. Only the settings written in the \
                configuration are managed: a setting left out is never sent and never shows as a \
                change, and `terraform plan` shows exactly what apply sends.\n\n\
                Destroying this resource only removes it from Terraform state; the instance keeps \
                its settings."
                    .to_string(),
            deprecated: false,
        },
    }
}

/// Checks known configured values; unknown ones are checked once known.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for setting in SETTINGS {
        let Some(value) = config.get(setting.name) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        if let Some(why) = setting.deprecated {
            diags.push(
                Diagnostic::warning(
                    format!("Deprecated setting: {}", setting.name),
                    format!("{why} Until then, it is still sent to Clerk as written."),
                )
                .at(AttributePath::root(setting.name)),
            );
        }
        let Some(check) = setting.validate else {
            continue;
        };
        let strings: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Set(items) | Value::List(items) => {
                items.iter().filter_map(Value::as_str).collect()
            }
            _ => Vec::new(),
        };
        for text in strings {
            if let Err(problem) = check(text) {
                diags.push(
                    Diagnostic::error(
                        format!("Invalid {}", setting.name),
                        format!("{problem}.\n\n{}", setting.fix),
                    )
                    .at(AttributePath::root(setting.name)),
                );
            }
        }
    }
    diags
}

fn destroy_warning() -> Diagnostic {
    Diagnostic::warning(
        "Clerk instance settings are only removed from Terraform state",
        "Clerk instances cannot be deleted through this resource, and their settings have no \
         \"unset\" state to return to. Destroying clerk_instance_settings forgets the settings \
         in Terraform state and leaves the instance exactly as it is. To change a setting, \
         set it in the configuration instead.",
    )
}

fn decode(value: &Value, what: &str) -> Result<InstanceSettings, Diagnostics> {
    InstanceSettings::from_value(value).map_err(|problem| {
        Diagnostic::error(
            format!("Invalid {what}"),
            format!("The {what} does not match the resource schema: {problem}."),
        )
        .into()
    })
}

pub fn plan(request: &PlanRequest) -> PlanResponse {
    if request.proposed_new_state.is_null() {
        // Destroy, planned through the provider on Terraform 1.3 and later.
        return PlanResponse {
            planned_state: Value::Null,
            diagnostics: destroy_warning().into(),
            ..Default::default()
        };
    }
    let prior = if request.prior_state.is_null() {
        None
    } else {
        match decode(&request.prior_state, "prior state") {
            Ok(prior) => Some(prior),
            Err(diagnostics) => {
                return PlanResponse {
                    diagnostics,
                    ..Default::default()
                }
            }
        }
    };
    let config = match decode(&request.config, "configuration") {
        Ok(config) => config,
        Err(diagnostics) => {
            return PlanResponse {
                diagnostics,
                ..Default::default()
            }
        }
    };
    let planned = model::plan(prior.as_ref(), &config);
    PlanResponse {
        planned_state: planned.to_value(),
        requires_replace: Vec::new(),
        planned_private: request.prior_private.clone(),
        diagnostics: Diagnostics::new(),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Destroy: forget the settings, change nothing in Clerk.
pub fn forget() -> ApplyResponse {
    ApplyResponse {
        new_state: Value::Null,
        private: Vec::new(),
        diagnostics: destroy_warning().into(),
    }
}

pub async fn apply(client: &Client, options: ReadOptions, request: ApplyRequest) -> ApplyResponse {
    if request.planned_state.is_null() {
        return forget();
    }
    // On failure Terraform keeps whatever we return: the prior state for an
    // update, nothing for a create.
    let failed = |diagnostics: Diagnostics| ApplyResponse {
        new_state: request.prior_state.clone(),
        private: request.planned_private.clone(),
        diagnostics,
    };
    let prior = if request.prior_state.is_null() {
        None
    } else {
        match decode(&request.prior_state, "prior state") {
            Ok(prior) => Some(prior),
            Err(diags) => return failed(diags),
        }
    };
    let mut planned = match decode(&request.planned_state, "planned state") {
        Ok(planned) => planned,
        Err(diags) => return failed(diags),
    };
    let body = match model::patch_body(prior.as_ref(), &planned) {
        Ok(body) => body,
        Err(problem) => {
            return failed(
                Diagnostic::error(
                    "Planned value still unknown at apply",
                    format!(
                        "{problem}. This is a bug in the provider or Terraform; please report it."
                    ),
                )
                .into(),
            )
        }
    };

    // On create, adopt the instance first: a key that does not work fails
    // here, before anything is changed. What Clerk reports now is also what
    // the PATCH replaces, which the stale-read rule needs to know.
    let before = match &prior {
        Some(prior) => prior.clone(),
        None => match readback::observe(client, options.drift_detection).await {
            Ok((observed, _)) => {
                planned.id =
                    Field::Known(model::SettingValue::String(observed.instance.id.clone()));
                planned.environment_type = Field::Known(model::SettingValue::String(
                    observed.instance.environment_type.clone(),
                ));
                InstanceSettings {
                    id: planned.id.clone(),
                    environment_type: planned.environment_type.clone(),
                    settings: SETTINGS
                        .iter()
                        .map(|s| {
                            let value = observed.settings.get(s.name).cloned();
                            (s.name, value.map_or(Field::Null, Field::Known))
                        })
                        .collect(),
                }
            }
            Err(error) => return failed(api_error("read the Clerk instance", &error)),
        },
    };
    if body.is_empty() {
        logging::debug("resource", "no settings changed; nothing to send", &[]);
    } else {
        let keys: Vec<&str> = body.keys().map(String::as_str).collect();
        logging::info(
            "resource",
            "updating instance settings",
            &[("settings", &keys.join(","))],
        );
        if let Err(error) = client.update_instance(&body).await {
            return failed(api_error("update the Clerk instance settings", &error));
        }
    }
    // Clerk may serve the old values for a while after a PATCH, so the new
    // state is the plan, not a read-back.
    let applied = model::applied_changes(Some(&before), &planned, now_ms());
    ApplyResponse {
        new_state: planned.to_value(),
        private: applied.to_private(),
        diagnostics: Diagnostics::new(),
    }
}

pub async fn read(client: &Client, options: ReadOptions, request: ReadRequest) -> ReadResponse {
    let keep = |diagnostics: Diagnostics| ReadResponse {
        new_state: request.current_state.clone(),
        private: request.private.clone(),
        diagnostics,
    };
    let state = match decode(&request.current_state, "state") {
        Ok(state) => state,
        Err(diags) => return keep(diags),
    };
    let (observed, diags) = match readback::observe(client, options.drift_detection).await {
        Ok(result) => result,
        Err(error) => return keep(api_error("read the Clerk instance", &error)),
    };
    if let Some(id) = state.id() {
        if id != observed.instance.id {
            let id = shorten(id);
            return keep(
                Diagnostic::error(
                    "Secret key belongs to a different Clerk instance",
                    format!(
                        "The state manages instance {id}, but the provider's secret key belongs to \
                         instance {}. Use the key of instance {id}, or remove the resource from \
                         state (`terraform state rm`) and import the other instance.",
                        observed.instance.id
                    ),
                )
                .into(),
            );
        }
    }
    let applied = AppliedChanges::from_private(&request.private);
    let refreshed = model::refresh(
        &state,
        &observed.settings,
        &applied,
        now_ms(),
        options.stale_read_grace_ms,
    );
    for name in &refreshed.drifted {
        logging::info(
            "resource",
            "setting changed outside Terraform",
            &[("setting", name)],
        );
    }
    for name in &refreshed.stale {
        logging::debug(
            "resource",
            "ignoring a read that still shows the value the last apply replaced",
            &[("setting", name)],
        );
    }
    let mut next = refreshed.state;
    next.environment_type = Field::Known(model::SettingValue::String(
        observed.instance.environment_type,
    ));
    next.id = Field::Known(model::SettingValue::String(observed.instance.id));
    ReadResponse {
        new_state: next.to_value(),
        private: refreshed.applied.to_private(),
        diagnostics: diags,
    }
}

pub async fn import(
    client: &Client,
    options: ReadOptions,
    id: String,
) -> (Vec<ImportedResource>, Diagnostics) {
    let (observed, diags) = match readback::observe(client, options.drift_detection).await {
        Ok(result) => result,
        Err(error) => return (Vec::new(), api_error("read the Clerk instance", &error)),
    };
    if id != observed.instance.id {
        let id = shorten(&id);
        return (
            Vec::new(),
            Diagnostic::error(
                "Import ID does not match the secret key's instance",
                format!(
                    "The import ID is {id:?}, but the provider's secret key belongs to instance \
                     {}. Import with that ID, or configure the provider with the secret key of \
                     instance {id:?}.",
                    observed.instance.id
                ),
            )
            .into(),
        );
    }
    // Everything Clerk lets us read becomes managed state; the rest stays
    // null, so the next plan shows configured write-only settings as changes.
    let mut state = InstanceSettings {
        id: Field::Known(model::SettingValue::String(observed.instance.id.clone())),
        environment_type: Field::Known(model::SettingValue::String(
            observed.instance.environment_type.clone(),
        )),
        settings: SETTINGS.iter().map(|s| (s.name, Field::Null)).collect(),
    };
    for (name, value) in observed.settings {
        state.settings.insert(name, Field::Known(value));
    }
    (
        vec![ImportedResource {
            type_name: TYPE_NAME.to_string(),
            state: state.to_value(),
            private: Vec::new(),
        }],
        diags,
    )
}

/// Reads stored state. Version 0 is the only layout so far; attributes this
/// version does not know (written by a newer provider) are dropped with a
/// warning. A future layout change bumps `SCHEMA_VERSION` and converts
/// older JSON here before decoding.
pub fn upgrade(version: i64, raw_json: &[u8]) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    if version > SCHEMA_VERSION {
        diags.push(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "This state was written with schema version {version} of {TYPE_NAME}, but this \
                 provider only knows versions up to {SCHEMA_VERSION}. Upgrade the provider."
            ),
        ));
        return (Value::Null, diags);
    }
    match crate::value::json::decode_lenient(raw_json, &schema().value_type()) {
        Ok((Value::Null, _)) => {
            diags.push(Diagnostic::error(
                "Stored state is empty",
                format!(
                    "The stored state of {TYPE_NAME} is null, which this provider never writes. \
                     Remove the resource from state with `terraform state rm` and import it again."
                ),
            ));
            (Value::Null, diags)
        }
        Ok((value, dropped)) => {
            if !dropped.is_empty() {
                diags.push(Diagnostic::warning(
                    "Unknown attributes dropped from state",
                    format!(
                        "The stored state of {TYPE_NAME} has attributes this provider version does \
                         not know: {}. They were probably written by a newer version of the \
                         provider, and are dropped. Upgrade the provider to keep them.",
                        dropped.join(", ")
                    ),
                ));
            }
            (value, diags)
        }
        Err(error) => {
            diags.push(Diagnostic::error(
                "Stored state could not be read",
                format!(
                    "The stored state of {TYPE_NAME} is not valid for this provider: {error}. \
                     Remove the resource from state with `terraform state rm` and import it again."
                ),
            ));
            (Value::Null, diags)
        }
    }
}
