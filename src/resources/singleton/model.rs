//! The pure functions of the singleton engine: from Terraform values to
//! typed settings, from prior state and configuration to a plan, from a
//! plan to the PATCH body, and from what Clerk reports to a refreshed
//! state. Every function takes the resource's settings table.
//!
//! The rules, in one place:
//! - A setting that is null in the configuration is not managed: it is
//!   never sent, and its planned value is its prior one (null on create).
//! - The PATCH body holds exactly the settings whose planned value differs
//!   from the prior state (every non-null one on create). `""`, `false`,
//!   `0` and `[]` are values and are sent.
//! - Refresh only updates settings that are managed (non-null in state),
//!   and computed-only settings (reported by Clerk, never sent), which are
//!   unknown in a plan that writes and always take what Clerk reports.
//! - A read from an edge-cached source that shows exactly the value an
//!   apply replaced, within the grace period, is stale, not drift. Nothing
//!   else is ever explained away.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::setting::{Kind, Setting};
use crate::value::Value;

/// A known value of one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Bool(bool),
    Int(i64),
    String(String),
    StringSet(BTreeSet<String>),
}

impl SettingValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            SettingValue::Bool(b) => serde_json::Value::Bool(*b),
            SettingValue::Int(i) => serde_json::Value::from(*i),
            SettingValue::String(s) => serde_json::Value::String(s.clone()),
            SettingValue::StringSet(set) => set.iter().cloned().collect(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            SettingValue::Bool(b) => Value::Bool(*b),
            SettingValue::Int(i) => Value::int(*i),
            SettingValue::String(s) => Value::String(s.clone()),
            SettingValue::StringSet(set) => {
                Value::Set(set.iter().map(|s| Value::String(s.clone())).collect())
            }
        }
    }

    /// Reads a value of `kind` from JSON, as Clerk answers it or as kept in
    /// private state. `null` is no value for booleans and integers, and
    /// the empty value for strings and sets: Clerk stores `""` and `[]` as
    /// nothing and reports them as null.
    pub fn from_json(kind: Kind, json: &serde_json::Value) -> Option<SettingValue> {
        use serde_json::Value as J;
        match (kind, json) {
            (Kind::Bool, J::Bool(b)) => Some(SettingValue::Bool(*b)),
            (Kind::Int, J::Number(n)) => n.as_i64().map(SettingValue::Int),
            (Kind::String, J::String(s)) => Some(SettingValue::String(s.clone())),
            (Kind::String, J::Null) => Some(SettingValue::String(String::new())),
            (Kind::StringSet, J::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<BTreeSet<_>>>()
                .map(SettingValue::StringSet),
            (Kind::StringSet, J::Null) => Some(SettingValue::StringSet(BTreeSet::new())),
            _ => None,
        }
    }

    /// The value in a plan's words, for warnings.
    pub fn display(&self) -> String {
        match self {
            SettingValue::Bool(b) => b.to_string(),
            SettingValue::Int(i) => i.to_string(),
            SettingValue::String(s) => format!("{s:?}"),
            SettingValue::StringSet(set) => format!("{set:?}"),
        }
    }
}

/// For a set Clerk did not keep as sent, the elements it dropped and the
/// ones it added, as a sentence (with a leading space); empty otherwise.
pub fn set_difference(sent: &SettingValue, kept: &SettingValue) -> String {
    let (SettingValue::StringSet(sent), SettingValue::StringSet(kept)) = (sent, kept) else {
        return String::new();
    };
    let list = |items: Vec<&String>| {
        items
            .iter()
            .map(|i| format!("{i:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let dropped: Vec<&String> = sent.difference(kept).collect();
    let added: Vec<&String> = kept.difference(sent).collect();
    let mut text = String::new();
    if !dropped.is_empty() {
        text.push_str(&format!(" Clerk dropped {}.", list(dropped)));
    }
    if !added.is_empty() {
        text.push_str(&format!(" Clerk added {}.", list(added)));
    }
    text
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

    pub fn string(text: impl Into<String>) -> Field {
        Field::Known(SettingValue::String(text.into()))
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
            Kind::Int => match value.as_number() {
                Some(number) => number
                    .as_i64()
                    .map(SettingValue::Int)
                    .ok_or_else(|| format!("{name} must be a whole number")),
                None => Err(wrong()),
            },
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

/// A whole singleton resource: its computed identity and its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub id: Field,
    pub environment_type: Field,
    pub settings: BTreeMap<&'static str, Field>,
}

impl State {
    /// Decodes an object value that conforms to the resource schema.
    pub fn from_value(table: &'static [Setting], value: &Value) -> Result<State, String> {
        let mut settings = BTreeMap::new();
        for setting in table {
            settings.insert(
                setting.name,
                Field::from_value(setting.kind, value.get(setting.name), setting.name)?,
            );
        }
        Ok(State {
            id: Field::from_value(Kind::String, value.get("id"), "id")?,
            environment_type: Field::from_value(
                Kind::String,
                value.get("environment_type"),
                "environment_type",
            )?,
            settings,
        })
    }

    pub fn to_value(&self, table: &[Setting]) -> Value {
        let mut attributes: Vec<(String, Value)> = vec![
            ("id".to_string(), self.id.to_value()),
            (
                "environment_type".to_string(),
                self.environment_type.to_value(),
            ),
        ];
        for setting in table {
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

    pub fn environment(&self) -> Option<&str> {
        match &self.environment_type {
            Field::Known(SettingValue::String(env)) => Some(env),
            _ => None,
        }
    }
}

/// The planned state. On create every setting is the config's (null stays
/// null: not managed) and the identity is unknown until apply; on update a
/// setting left out of the config keeps its prior value.
///
/// A computed setting is never configured: it keeps its prior value when
/// nothing is sent, and is unknown (Clerk's answer decides it) on create
/// and whenever apply writes.
pub fn plan(table: &'static [Setting], prior: Option<&State>, config: &State) -> State {
    let unknown = || Field::Unknown(Value::Unknown);
    let mut settings = BTreeMap::new();
    for setting in table.iter().filter(|s| !s.computed_only) {
        let configured = config.get(setting.name);
        let planned = match (configured, prior) {
            (Field::Null, Some(prior)) => prior.get(setting.name).clone(),
            _ => configured.clone(),
        };
        settings.insert(setting.name, planned);
    }
    let mut planned = match prior {
        Some(prior) => State {
            id: prior.id.clone(),
            environment_type: prior.environment_type.clone(),
            settings,
        },
        None => State {
            id: unknown(),
            environment_type: unknown(),
            settings,
        },
    };
    // What Clerk reports but does not take is known again after an apply
    // that sends something, or that creates; otherwise it stays as it is.
    let writes = prior.is_none() || !changed_settings(table, prior, &planned).is_empty();
    for setting in table.iter().filter(|s| s.computed_only) {
        let value = match prior {
            Some(prior) if !writes => prior.get(setting.name).clone(),
            _ => unknown(),
        };
        planned.settings.insert(setting.name, value);
    }
    planned
}

/// Settles the computed-only settings an apply left unknown: the value
/// `reported` (what Clerk reported before the apply), or null.
pub fn settle_computed(table: &[Setting], planned: &mut State, reported: Option<&State>) {
    for setting in table.iter().filter(|s| s.computed_only) {
        if let Field::Unknown(_) = planned.get(setting.name) {
            let value = reported.map_or(Field::Null, |r| match r.get(setting.name) {
                Field::Known(value) => Field::Known(value.clone()),
                _ => Field::Null,
            });
            planned.settings.insert(setting.name, value);
        }
    }
}

/// The settings an apply of `planned` over `prior` sends.
pub fn changed_settings<'t>(
    table: &'t [Setting],
    prior: Option<&State>,
    planned: &State,
) -> Vec<&'t Setting> {
    table
        .iter()
        .filter(|s| !s.computed_only)
        .filter(|s| {
            let planned = planned.get(s.name);
            !matches!(planned, Field::Null)
                && prior.is_none_or(|prior| prior.get(s.name) != planned)
        })
        .collect()
}

/// The PATCH body: exactly the changed settings, with the attribute names
/// as keys. Fails if a value is still unknown, which Terraform never
/// allows at apply.
pub fn patch_body(
    table: &[Setting],
    prior: Option<&State>,
    planned: &State,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut body = serde_json::Map::new();
    for setting in changed_settings(table, prior, planned) {
        match planned.get(setting.name) {
            Field::Known(value) => {
                body.insert(setting.name.to_string(), value.to_json());
            }
            _ => return Err(format!("{} is still unknown at apply", setting.name)),
        }
    }
    Ok(body)
}

/// The `""` a plan will send, each with the value it clears when state
/// knows it: `(setting, cleared)`.
pub fn cleared_strings<'t>(
    table: &'t [Setting],
    prior: Option<&State>,
    planned: &State,
) -> Vec<(&'t str, Option<SettingValue>)> {
    changed_settings(table, prior, planned)
        .into_iter()
        .filter(|s| planned.get(s.name) == &Field::Known(SettingValue::String(String::new())))
        .map(|s| {
            let cleared = prior.and_then(|p| p.get(s.name).known()).cloned();
            (s.name, cleared)
        })
        .collect()
}

/// One value an apply replaced, remembered for the stale-read rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replaced {
    pub setting: String,
    /// The value before the apply; `None` when it was not known.
    pub previous: Option<serde_json::Value>,
    /// Milliseconds since the Unix epoch when that apply finished.
    pub at_ms: u64,
}

/// What recent applies replaced in edge-cached settings, kept in the
/// resource's private state so a refresh can tell a stale read (Clerk's
/// cache still serving a replaced value) from a real change made
/// elsewhere. Each entry has its own clock: a second apply within the
/// grace period adds to the first's entries instead of replacing them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AppliedChanges {
    pub replaced: Vec<Replaced>,
}

/// The private-state layout of version 0.1.0: one clock for all entries.
#[derive(Deserialize)]
struct AppliedChangesV1 {
    applied_at_ms: u64,
    replaced: BTreeMap<String, Option<serde_json::Value>>,
}

/// How long after an apply a read that still shows the replaced value is
/// taken to be stale rather than a change made elsewhere, unless the
/// provider configuration says otherwise.
pub const DEFAULT_STALE_READ_GRACE_MS: u64 = 120_000;

impl AppliedChanges {
    /// Reads private state; anything unreadable is no entries (at worst a
    /// stale read then shows as drift, never the other way round).
    pub fn from_private(private: &[u8]) -> AppliedChanges {
        if let Ok(changes) = serde_json::from_slice::<AppliedChanges>(private) {
            return changes;
        }
        match serde_json::from_slice::<AppliedChangesV1>(private) {
            Ok(old) => AppliedChanges {
                replaced: old
                    .replaced
                    .into_iter()
                    .map(|(setting, previous)| Replaced {
                        setting,
                        previous,
                        at_ms: old.applied_at_ms,
                    })
                    .collect(),
            },
            Err(_) => AppliedChanges::default(),
        }
    }

    pub fn to_private(&self) -> Vec<u8> {
        if self.replaced.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Keeps only the entries still inside their grace period.
    fn live(&self, now_ms: u64, grace_ms: u64) -> impl Iterator<Item = &Replaced> {
        self.replaced
            .iter()
            .filter(move |e| now_ms.saturating_sub(e.at_ms) < grace_ms)
    }

    /// Whether `observed` for `setting` is explained by a cache that has
    /// not caught up with an apply yet: the source is edge-cached and an
    /// apply inside the grace period replaced exactly that value (or a
    /// value that was not known).
    pub fn is_stale_read(
        &self,
        setting: &Setting,
        observed: &SettingValue,
        now_ms: u64,
        grace_ms: u64,
    ) -> bool {
        if !setting.source().is_some_and(|s| s.edge_cached()) {
            return false;
        }
        self.live(now_ms, grace_ms)
            .filter(|e| e.setting == setting.name)
            .any(|e| match &e.previous {
                None => true,
                Some(previous) => {
                    SettingValue::from_json(setting.kind, previous).as_ref() == Some(observed)
                }
            })
    }
}

/// Adds what an apply of `planned` over `before` replaces to `pending`
/// (the entries of earlier applies, dropped once their own grace period
/// has ended), for [`AppliedChanges::is_stale_read`]. Only edge-cached
/// settings are remembered: other sources are read as they are.
pub fn record_applied(
    table: &[Setting],
    pending: &AppliedChanges,
    before: Option<&State>,
    planned: &State,
    now_ms: u64,
    grace_ms: u64,
) -> AppliedChanges {
    let mut replaced: Vec<Replaced> = pending.live(now_ms, grace_ms).cloned().collect();
    for setting in changed_settings(table, before, planned) {
        if !setting.source().is_some_and(|s| s.edge_cached()) {
            continue;
        }
        replaced.push(Replaced {
            setting: setting.name.to_string(),
            previous: before
                .and_then(|p| p.get(setting.name).known())
                .map(SettingValue::to_json),
            at_ms: now_ms,
        });
    }
    AppliedChanges { replaced }
}

/// The outcome of comparing state with what Clerk reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Refreshed {
    pub state: State,
    /// Settings whose value changed outside Terraform.
    pub drifted: Vec<&'static str>,
    /// Settings whose reported value was taken as a stale read.
    pub stale: Vec<&'static str>,
    /// What is still worth remembering for the next refresh.
    pub applied: AppliedChanges,
}

/// Updates each managed setting (non-null in state) for which Clerk
/// reported a value, unless the report is explained as a stale read, and
/// every computed setting Clerk reported.
/// Settings Clerk did not report (`observed` has no entry) keep their state.
pub fn refresh(
    table: &'static [Setting],
    state: &State,
    observed: &BTreeMap<&'static str, SettingValue>,
    applied: &AppliedChanges,
    now_ms: u64,
    grace_ms: u64,
) -> Refreshed {
    let mut next = state.clone();
    let mut drifted = Vec::new();
    let mut stale = Vec::new();
    let mut still_pending = AppliedChanges::default();
    let mut keep = |name: &str| {
        still_pending.replaced.extend(
            applied
                .live(now_ms, grace_ms)
                .filter(|e| e.setting == name)
                .cloned(),
        );
    };
    for setting in table {
        if setting.computed_only {
            // Not managed, only reported: always what Clerk says now.
            if let Some(reported) = observed.get(setting.name) {
                next.settings
                    .insert(setting.name, Field::Known(reported.clone()));
            }
            continue;
        }
        let Field::Known(current) = state.get(setting.name) else {
            continue;
        };
        let Some(reported) = observed.get(setting.name) else {
            keep(setting.name);
            continue;
        };
        if reported == current {
            // Converged: nothing left to wait for on this setting.
            continue;
        }
        if applied.is_stale_read(setting, reported, now_ms, grace_ms) {
            stale.push(setting.name);
            keep(setting.name);
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
