//! Typed instance settings and the pure functions of the resource: from
//! Terraform values to settings, from prior state and configuration to a
//! plan, from a plan to the PATCH body, and from what Clerk reports to a
//! refreshed state.
//!
//! The rules, in one place:
//! - A setting that is null in the configuration is not managed: it is
//!   never sent, and its planned value is its prior one (null on create).
//! - The PATCH body holds exactly the settings whose planned value differs
//!   from the prior state (every non-null one on create). `""` and `false`
//!   are values and are sent.
//! - Refresh only updates settings that are managed (non-null in state).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::settings::{Kind, SETTINGS};
use crate::value::Value;

/// A known value of one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Bool(bool),
    String(String),
    StringSet(BTreeSet<String>),
}

impl SettingValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            SettingValue::Bool(b) => serde_json::Value::Bool(*b),
            SettingValue::String(s) => serde_json::Value::String(s.clone()),
            SettingValue::StringSet(set) => set.iter().cloned().collect(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            SettingValue::Bool(b) => Value::Bool(*b),
            SettingValue::String(s) => Value::String(s.clone()),
            SettingValue::StringSet(set) => {
                Value::Set(set.iter().map(|s| Value::String(s.clone())).collect())
            }
        }
    }

    /// Reads a value of `kind` back from JSON, as kept in private state.
    pub fn from_json(kind: Kind, json: &serde_json::Value) -> Option<SettingValue> {
        match (kind, json) {
            (Kind::Bool, serde_json::Value::Bool(b)) => Some(SettingValue::Bool(*b)),
            (Kind::String, serde_json::Value::String(s)) => Some(SettingValue::String(s.clone())),
            (Kind::StringSet, serde_json::Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<BTreeSet<_>>>()
                .map(SettingValue::StringSet),
            _ => None,
        }
    }
}

/// One attribute as Terraform holds it: null, (partly) unknown, or known.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Null,
    /// Kept verbatim, because a plan must repeat an unknown config value
    /// exactly (a set may be known with unknown elements).
    Unknown(Value),
    Known(SettingValue),
}

impl Field {
    fn to_value(&self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown(value) => value.clone(),
            Field::Known(value) => value.to_value(),
        }
    }

    pub fn known(&self) -> Option<&SettingValue> {
        match self {
            Field::Known(value) => Some(value),
            _ => None,
        }
    }

    fn from_value(kind: Kind, value: Option<&Value>, name: &str) -> Result<Field, String> {
        let value = value.unwrap_or(&Value::Null);
        if value.is_null() {
            return Ok(Field::Null);
        }
        if !value.is_wholly_known() {
            return Ok(Field::Unknown(value.clone()));
        }
        let wrong = || format!("{name} has an unexpected type");
        match kind {
            Kind::Bool => value.as_bool().map(SettingValue::Bool).ok_or_else(wrong),
            Kind::String => value
                .as_str()
                .map(|s| SettingValue::String(s.to_string()))
                .ok_or_else(wrong),
            Kind::StringSet => match value {
                Value::Set(items) | Value::List(items) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect::<Option<BTreeSet<_>>>()
                    .map(SettingValue::StringSet)
                    .ok_or_else(|| format!("{name} must not contain null elements")),
                _ => Err(wrong()),
            },
        }
        .map(Field::Known)
    }
}

/// The whole resource: its computed identity and the nine settings.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSettings {
    pub id: Field,
    pub environment_type: Field,
    pub settings: BTreeMap<&'static str, Field>,
}

impl InstanceSettings {
    /// Decodes an object value that conforms to the resource schema.
    pub fn from_value(value: &Value) -> Result<InstanceSettings, String> {
        let mut settings = BTreeMap::new();
        for setting in SETTINGS {
            settings.insert(
                setting.name,
                Field::from_value(setting.kind, value.get(setting.name), setting.name)?,
            );
        }
        Ok(InstanceSettings {
            id: Field::from_value(Kind::String, value.get("id"), "id")?,
            environment_type: Field::from_value(
                Kind::String,
                value.get("environment_type"),
                "environment_type",
            )?,
            settings,
        })
    }

    pub fn to_value(&self) -> Value {
        let mut attributes: Vec<(String, Value)> = vec![
            ("id".to_string(), self.id.to_value()),
            (
                "environment_type".to_string(),
                self.environment_type.to_value(),
            ),
        ];
        for setting in SETTINGS {
            attributes.push((setting.name.to_string(), self.get(setting.name).to_value()));
        }
        Value::object(attributes)
    }

    pub fn get(&self, name: &str) -> &Field {
        self.settings.get(name).unwrap_or(&Field::Null)
    }

    pub fn id(&self) -> Option<&str> {
        match &self.id {
            Field::Known(SettingValue::String(id)) => Some(id),
            _ => None,
        }
    }
}

/// The planned state. On create every setting is the config's (null stays
/// null: not managed) and the identity is unknown until apply; on update a
/// setting left out of the config keeps its prior value.
pub fn plan(prior: Option<&InstanceSettings>, config: &InstanceSettings) -> InstanceSettings {
    let unknown = || Field::Unknown(Value::Unknown);
    let mut settings = BTreeMap::new();
    for setting in SETTINGS {
        let configured = config.get(setting.name);
        let planned = match (configured, prior) {
            (Field::Null, Some(prior)) => prior.get(setting.name).clone(),
            _ => configured.clone(),
        };
        settings.insert(setting.name, planned);
    }
    match prior {
        Some(prior) => InstanceSettings {
            id: prior.id.clone(),
            environment_type: prior.environment_type.clone(),
            settings,
        },
        None => InstanceSettings {
            id: unknown(),
            environment_type: unknown(),
            settings,
        },
    }
}

/// The settings an apply of `planned` over `prior` sends, by name.
pub fn changed_settings<'a>(
    prior: Option<&InstanceSettings>,
    planned: &'a InstanceSettings,
) -> Vec<&'a str> {
    SETTINGS
        .iter()
        .map(|s| s.name)
        .filter(|name| {
            let planned = planned.get(name);
            !matches!(planned, Field::Null) && prior.is_none_or(|prior| prior.get(name) != planned)
        })
        .collect()
}

/// The `PATCH /v1/instance` body: exactly the changed settings, with the
/// attribute names as keys. Fails if a value is still unknown, which
/// Terraform never allows at apply.
pub fn patch_body(
    prior: Option<&InstanceSettings>,
    planned: &InstanceSettings,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut body = serde_json::Map::new();
    for name in changed_settings(prior, planned) {
        match planned.get(name) {
            Field::Known(value) => {
                body.insert(name.to_string(), value.to_json());
            }
            _ => return Err(format!("{name} is still unknown at apply")),
        }
    }
    Ok(body)
}

/// What the last apply changed, kept in the resource's private state so a
/// refresh can tell a stale read (Clerk's caches still serving the value
/// the apply replaced) from a real change made elsewhere.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AppliedChanges {
    /// Milliseconds since the Unix epoch when the apply finished.
    pub applied_at_ms: u64,
    /// Each changed setting's value before the apply; `None` when it was
    /// not known (the setting was not managed before).
    pub replaced: BTreeMap<String, Option<serde_json::Value>>,
}

/// How long after an apply a read that still shows the replaced value is
/// taken to be stale rather than a change made elsewhere, unless the
/// provider configuration says otherwise.
pub const DEFAULT_STALE_READ_GRACE_MS: u64 = 120_000;

impl AppliedChanges {
    pub fn from_private(private: &[u8]) -> AppliedChanges {
        serde_json::from_slice(private).unwrap_or_default()
    }

    pub fn to_private(&self) -> Vec<u8> {
        if self.replaced.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Whether `observed` for `name` is explained by a cache that has not
    /// caught up with the last apply yet.
    pub fn is_stale_read(
        &self,
        name: &str,
        observed: &SettingValue,
        kind: Kind,
        now_ms: u64,
        grace_ms: u64,
    ) -> bool {
        if now_ms.saturating_sub(self.applied_at_ms) >= grace_ms {
            return false;
        }
        match self.replaced.get(name) {
            None => false,
            // The value before the apply is unknown: within the window any
            // disagreement is treated as the cache lagging.
            Some(None) => true,
            Some(Some(previous)) => {
                SettingValue::from_json(kind, previous).as_ref() == Some(observed)
            }
        }
    }
}

/// Records what an apply replaces, for [`AppliedChanges::is_stale_read`].
pub fn applied_changes(
    prior: Option<&InstanceSettings>,
    planned: &InstanceSettings,
    now_ms: u64,
) -> AppliedChanges {
    let replaced = changed_settings(prior, planned)
        .into_iter()
        .map(|name| {
            let previous = prior
                .and_then(|p| p.get(name).known())
                .map(SettingValue::to_json);
            (name.to_string(), previous)
        })
        .collect();
    AppliedChanges {
        applied_at_ms: now_ms,
        replaced,
    }
}

/// The outcome of comparing state with what Clerk reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Refreshed {
    pub state: InstanceSettings,
    /// Settings whose value changed outside Terraform.
    pub drifted: Vec<&'static str>,
    /// Settings whose reported value was taken as a stale read.
    pub stale: Vec<&'static str>,
    /// What is still worth remembering for the next refresh.
    pub applied: AppliedChanges,
}

/// Updates each managed setting (non-null in state) for which Clerk
/// reported a value, unless the report is explained as a stale read.
/// Settings Clerk did not report (`observed` has no entry) keep their state.
pub fn refresh(
    state: &InstanceSettings,
    observed: &BTreeMap<&'static str, SettingValue>,
    applied: &AppliedChanges,
    now_ms: u64,
    grace_ms: u64,
) -> Refreshed {
    let mut next = state.clone();
    let mut drifted = Vec::new();
    let mut stale = Vec::new();
    let mut still_pending = AppliedChanges {
        applied_at_ms: applied.applied_at_ms,
        replaced: BTreeMap::new(),
    };
    for setting in SETTINGS {
        let Field::Known(current) = state.get(setting.name) else {
            continue;
        };
        let Some(reported) = observed.get(setting.name) else {
            if let Some(entry) = applied.replaced.get(setting.name) {
                still_pending
                    .replaced
                    .insert(setting.name.to_string(), entry.clone());
            }
            continue;
        };
        if reported == current {
            // Converged: nothing left to wait for on this setting.
            continue;
        }
        if applied.is_stale_read(setting.name, reported, setting.kind, now_ms, grace_ms) {
            stale.push(setting.name);
            if let Some(entry) = applied.replaced.get(setting.name) {
                still_pending
                    .replaced
                    .insert(setting.name.to_string(), entry.clone());
            }
            continue;
        }
        drifted.push(setting.name);
        next.settings
            .insert(setting.name, Field::Known(reported.clone()));
    }
    Refreshed {
        state: next,
        drifted,
        stale,
        applied: still_pending,
    }
}
