//! The singleton engine: every resource that is one instance-wide object
//! Clerk configures with `PATCH` (`/v1/instance`, `/v1/instance/restrictions`,
//! …) is a [`Singleton`] description run by this one engine.
//!
//! There is nothing to create or delete remotely: the object exists as long
//! as the instance does. Create adopts the key's instance and applies the
//! configured settings; destroy only forgets them, with a warning. The
//! engine owns every rule once: the plan is the PATCH body (only changed
//! settings, `""`/`false`/`0`/`[]` sent), omitted settings are never sent,
//! a planned `""` is called out in a warning, the key must belong to the
//! instance in state before anything is written, reads are GETs only, and
//! the stale-read rule covers edge-cached sources only.
//!
//! A description may also hold settings Clerk only reports (computed,
//! never sent), an [`Adjust`] hook that works out derived values from what
//! was read, and [`Refusal`]s: statuses with a meaning of their own.

pub mod model;
pub mod setting;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;

use crate::clerk::ApiError;
use crate::framework::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Diagnostic, Diagnostics,
    ImportedResource, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema,
};
use crate::logging;
use crate::value::Value;

use super::context::{Configured, Context};
use super::errors::{api_error, api_error_at, shorten};
use super::readback::{self, Purpose};
use super::{DataSource, Resource};
use model::{AppliedChanges, Field, SettingValue, State};
use setting::Setting;

/// What Clerk answers to a successful PATCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// No body (204): state is the plan.
    NoContent,
    /// The whole object, keyed by setting name: it becomes state, and a
    /// value that contradicts what was sent is an error.
    Object,
}

/// A singleton's hook over what was read: given the settings the caller
/// needs (`wanted`), it may add or correct values in `observed` (for
/// example resolve a key Clerk reports into the id it takes), using the
/// context's shared reads. Its diagnostics are warnings: a value it cannot
/// work out is left out, so state keeps it.
pub type Adjust = for<'a> fn(
    cx: &'a Configured,
    wanted: &'a BTreeSet<&'static str>,
    observed: &'a mut BTreeMap<&'static str, SettingValue>,
) -> BoxFuture<'a, Diagnostics>;

/// What one refusal status of Clerk means for a singleton, and what to do
/// about it.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub status: u16,
    /// Completes "HTTP 404: …", e.g. "organizations are not enabled".
    pub meaning: &'static str,
    pub advice: &'static str,
}

/// A data source that reads a singleton's readable settings.
#[derive(Debug, Clone, Copy)]
pub struct DataSourceInfo {
    pub type_name: &'static str,
    pub description: &'static str,
}

/// One singleton resource, described.
pub struct Singleton {
    pub type_name: &'static str,
    /// The Backend API path under `/v1`, e.g. `/instance/restrictions`.
    pub path: &'static str,
    pub answer: Answer,
    /// What the resource manages, in words: "instance settings".
    pub subject: &'static str,
    /// Markdown description of the resource.
    pub description: &'static str,
    pub settings: &'static [Setting],
    /// The matching data source, if the resource has one.
    pub data_source: Option<DataSourceInfo>,
    /// Advice for Clerk's 402 (the instance's plan lacks a feature).
    pub payment_required: &'static str,
    /// Other statuses with a meaning of their own for this singleton
    /// (403, 404, …), on reads and writes.
    pub refusals: &'static [Refusal],
    /// Optional hook over what was read; see [`Adjust`].
    pub adjust: Option<Adjust>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The computed attributes that identify the key's instance, shared by
/// every singleton resource and data source.
fn identity_attributes() -> Vec<Attribute> {
    vec![
        Attribute::computed(
            "id",
            crate::value::Type::String,
            "The ID of the Clerk instance the secret key belongs to (`ins_…`).",
        ),
        Attribute::computed(
            "environment_type",
            crate::value::Type::String,
            "The instance's environment: `development` or `production`.",
        ),
    ]
}

impl Singleton {
    pub fn setting(&self, name: &str) -> Option<&'static Setting> {
        self.settings.iter().find(|s| s.name == name)
    }

    fn names(&self) -> Vec<&'static str> {
        self.settings.iter().map(|s| s.name).collect()
    }

    /// The meaning and advice of a refusal `error` from Clerk, if this
    /// singleton has its own words for its status. Only Clerk's answers
    /// count, not a wrong base URL.
    fn refusal(&self, error: &ApiError) -> Option<(u16, &'static str, &'static str)> {
        let status = match error {
            ApiError::Forbidden { .. } => 403,
            ApiError::Api { status, .. } | ApiError::Http { status, .. } => *status,
            _ => return None,
        };
        if let Some(r) = self.refusals.iter().find(|r| r.status == status) {
            return Some((status, r.meaning, r.advice));
        }
        (status == 402).then_some((
            402,
            "the instance's plan does not include this feature",
            self.payment_required,
        ))
    }

    /// Clerk's own words for an error, as a sentence to quote, if any.
    fn clerk_says(error: &ApiError) -> String {
        error
            .errors()
            .iter()
            .map(|e| {
                let text = if e.long_message.is_empty() {
                    &e.message
                } else {
                    &e.long_message
                };
                format!(
                    " Clerk said: {} (`{}`).",
                    text.trim_end_matches('.'),
                    e.code
                )
            })
            .collect()
    }

    fn trace(error: &ApiError) -> String {
        error
            .trace_id()
            .map(|id| format!("\n\nClerk trace ID: {id}."))
            .unwrap_or_default()
    }

    /// The diagnostics for a failed read of the instance or this
    /// singleton's sources.
    fn read_error(&self, error: &ApiError) -> Diagnostics {
        match self.refusal(error) {
            Some((status, meaning, advice)) => Diagnostic::error(
                format!("Could not read the Clerk {}", self.subject),
                format!(
                    "Clerk refused to report the {subject} (HTTP {status}: {meaning}).{said}                      Nothing was changed.\n\n{advice}{trace}",
                    subject = self.subject,
                    said = Self::clerk_says(error),
                    trace = Self::trace(error),
                ),
            )
            .into(),
            None => api_error("read the Clerk instance", error),
        }
    }

    /// The settings a caller reading for `state` needs: the managed ones.
    fn managed(state: &State) -> BTreeSet<&'static str> {
        state
            .settings
            .iter()
            .filter(|(_, field)| **field != Field::Null)
            .map(|(name, _)| *name)
            .collect()
    }

    fn every_name(&self) -> BTreeSet<&'static str> {
        self.settings.iter().map(|s| s.name).collect()
    }

    fn decode(&self, value: &Value, what: &str) -> Result<State, Diagnostics> {
        State::from_value(self.settings, value).map_err(|problem| {
            Diagnostic::error(
                format!("Invalid {what}"),
                format!("The {what} does not match the resource schema: {problem}."),
            )
            .into()
        })
    }

    fn destroy_warning(&self) -> Diagnostic {
        Diagnostic::warning(
            format!(
                "Clerk {} are only removed from Terraform state",
                self.subject
            ),
            format!(
                "Clerk instances cannot be deleted through this resource, and their settings have \
                 no \"unset\" state to return to. Destroying {type_name} forgets the settings in \
                 Terraform state and leaves the instance exactly as it is. To change a setting, set \
                 it in the configuration instead.",
                type_name = self.type_name,
            ),
        )
    }

    fn forget(&self) -> ApplyResponse {
        ApplyResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: self.destroy_warning().into(),
        }
    }

    /// Checks known configured values; unknown ones are checked once known.
    pub fn validate_config(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for setting in self.settings.iter().filter(|s| !s.computed_only) {
            let Some(value) = config.get(setting.name) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let at = AttributePath::root(setting.name);
            if let Some(why) = setting.deprecated {
                diags.push(
                    Diagnostic::warning(
                        format!("Deprecated setting: {}", setting.name),
                        format!("{why} Until then, it is still sent to Clerk as written."),
                    )
                    .at(at.clone()),
                );
            }
            if let (Some(min), Some(number)) = (setting.min, value.as_number()) {
                match number.as_i64() {
                    Some(n) if n >= min => {}
                    _ => diags.push(
                        Diagnostic::error(
                            format!("Invalid {}", setting.name),
                            format!(
                                "{} must be a whole number of at least {min}.\n\n{}",
                                setting.name, setting.fix
                            ),
                        )
                        .at(at.clone()),
                    ),
                }
            }
            if let (Some(max), Value::Set(items) | Value::List(items)) = (setting.max_items, value)
            {
                if items.len() > max && value.is_wholly_known() {
                    diags.push(
                        Diagnostic::error(
                            format!("Too many elements in {}", setting.name),
                            format!(
                                "{} has {} elements, but Clerk accepts at most {max}.\n\n{}",
                                setting.name,
                                items.len(),
                                setting.fix
                            ),
                        )
                        .at(at.clone()),
                    );
                }
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
                        .at(at.clone()),
                    );
                }
            }
        }
        diags
    }

    /// Settings Clerk refuses on production, configured for an instance
    /// known to be production.
    fn production_refusals(&self, environment: Option<&str>, config: &State) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if environment != Some("production") {
            return diags;
        }
        for setting in self.settings.iter().filter(|s| s.development_only) {
            if config.get(setting.name) == &Field::Null {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    format!("{} is for development instances only", setting.name),
                    format!(
                        "The instance in state is a production instance, and Clerk refuses \
                         {name} there (form_param_not_allowed_conditionally). Remove {name} from \
                         this resource's configuration.",
                        name = setting.name
                    ),
                )
                .at(AttributePath::root(setting.name)),
            );
        }
        diags
    }

    /// Warnings for the `""` a plan sends, which Terraform before 1.3 does
    /// not show: on create a planned `""` is not printed at all, and on
    /// update it reads as `-> null`.
    fn clearing_warnings(&self, prior: Option<&State>, planned: &State) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for (name, cleared) in model::cleared_strings(self.settings, prior, planned) {
            let what = match cleared {
                Some(value) => format!("the value {} in state", value.display()),
                None => "whatever value Clerk has stored".to_string(),
            };
            diags.push(
                Diagnostic::warning(
                    format!("Apply will clear {name}"),
                    format!(
                        "Apply sends {name} = \"\" to Clerk, which clears {what}. Terraform before \
                         1.3 may show this as no value or as `-> null` in the plan; this warning \
                         says what will really be sent."
                    ),
                )
                .at(AttributePath::root(name)),
            );
        }
        diags
    }

    fn plan_change(&self, request: &PlanRequest) -> PlanResponse {
        let fail = |diagnostics| PlanResponse {
            diagnostics,
            ..Default::default()
        };
        if request.proposed_new_state.is_null() {
            // Destroy, planned through the provider on Terraform 1.3 and later.
            return PlanResponse {
                planned_state: Value::Null,
                diagnostics: self.destroy_warning().into(),
                ..Default::default()
            };
        }
        let prior = if request.prior_state.is_null() {
            None
        } else {
            match self.decode(&request.prior_state, "prior state") {
                Ok(prior) => Some(prior),
                Err(diagnostics) => return fail(diagnostics),
            }
        };
        let config = match self.decode(&request.config, "configuration") {
            Ok(config) => config,
            Err(diagnostics) => return fail(diagnostics),
        };
        let refusals =
            self.production_refusals(prior.as_ref().and_then(State::environment), &config);
        if refusals.has_errors() {
            return fail(refusals);
        }
        let planned = model::plan(self.settings, prior.as_ref(), &config);
        PlanResponse {
            planned_state: planned.to_value(self.settings),
            requires_replace: Vec::new(),
            planned_private: request.prior_private.clone(),
            diagnostics: self.clearing_warnings(prior.as_ref(), &planned),
        }
    }

    /// The 402 of a feature the instance's Clerk plan lacks, on each
    /// attribute that was sent.
    fn payment_required(&self, error: &ApiError, sent: &[&str]) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let trace = error
            .trace_id()
            .map(|id| format!("\n\nClerk trace ID: {id}."))
            .unwrap_or_default();
        for name in sent {
            diags.push(
                Diagnostic::error(
                    format!("{name} needs a paid Clerk plan"),
                    format!(
                        "Clerk refused to change the {subject} (HTTP 402: the instance's plan does \
                         not include this feature). Nothing was changed. {advice}{trace}",
                        subject = self.subject,
                        advice = self.payment_required,
                    ),
                )
                .at(AttributePath::root(name)),
            );
        }
        diags
    }

    /// A refusal with its own meaning (403, 404, …) of a write.
    fn write_refused(&self, error: &ApiError) -> Diagnostics {
        let Some((status, meaning, advice)) = self.refusal(error) else {
            return Diagnostics::new();
        };
        Diagnostic::error(
            format!("Could not update the Clerk {}", self.subject),
            format!(
                "Clerk refused to change the {subject} (HTTP {status}: {meaning}).{said} Nothing                  was changed.\n\n{advice}{trace}",
                subject = self.subject,
                said = Self::clerk_says(error),
                trace = Self::trace(error),
            ),
        )
        .into()
    }

    async fn apply_change(&self, cx: &Context, request: ApplyRequest) -> ApplyResponse {
        if request.planned_state.is_null() {
            // Destroy needs no client: nothing is sent to Clerk.
            return self.forget();
        }
        // On failure Terraform keeps whatever we return: the prior state
        // for an update, nothing for a create.
        let failed = |diagnostics: Diagnostics| ApplyResponse {
            new_state: request.prior_state.clone(),
            private: request.planned_private.clone(),
            diagnostics,
        };
        let cx = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return failed(diags),
        };
        let prior = if request.prior_state.is_null() {
            None
        } else {
            match self.decode(&request.prior_state, "prior state") {
                Ok(prior) => Some(prior),
                Err(diags) => return failed(diags),
            }
        };
        let mut planned = match self.decode(&request.planned_state, "planned state") {
            Ok(planned) => planned,
            Err(diags) => return failed(diags),
        };
        let body = match model::patch_body(self.settings, prior.as_ref(), &planned) {
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
        let pending = AppliedChanges::from_private(&request.planned_private);
        if body.is_empty() && prior.is_some() {
            logging::debug("resource", "no settings changed; nothing to send", &[]);
            model::settle_computed(self.settings, &mut planned, prior.as_ref());
            return ApplyResponse {
                new_state: planned.to_value(self.settings),
                private: pending.to_private(),
                diagnostics: Diagnostics::new(),
            };
        }

        // The key must belong to the instance in state before anything is
        // written; on create this adopts the key's instance.
        let instance = match cx
            .confirm_instance(
                prior.as_ref().and_then(State::id),
                prior.as_ref().and_then(State::environment),
            )
            .await
        {
            Ok(instance) => instance,
            Err(diags) => return failed(diags),
        };
        let refusals = self.production_refusals(Some(&instance.environment_type), &{
            let mut sent = State {
                id: Field::Null,
                environment_type: Field::Null,
                settings: Default::default(),
            };
            for name in body.keys() {
                if let Some(setting) = self.setting(name) {
                    sent.settings
                        .insert(setting.name, planned.get(name).clone());
                }
            }
            sent
        });
        if refusals.has_errors() {
            return failed(refusals);
        }

        // What the PATCH replaces, which the stale-read rule needs: the
        // prior state, or on create what Clerk reports now.
        let before = match &prior {
            Some(prior) => prior.clone(),
            None => {
                match readback::observe(
                    cx,
                    self,
                    cx.options.drift_detection,
                    Purpose::Resource,
                    &BTreeSet::new(),
                )
                .await
                {
                    Ok((observed, _)) => {
                        planned.id = Field::string(observed.instance.id.clone());
                        planned.environment_type =
                            Field::string(observed.instance.environment_type.clone());
                        self.fill_computed(&mut planned, &observed.settings);
                        State {
                            id: planned.id.clone(),
                            environment_type: planned.environment_type.clone(),
                            settings: self
                                .settings
                                .iter()
                                .map(|s| {
                                    let value = observed.settings.get(s.name).cloned();
                                    (s.name, value.map_or(Field::Null, Field::Known))
                                })
                                .collect(),
                        }
                    }
                    Err(error) => return failed(self.read_error(&error)),
                }
            }
        };

        let sent: Vec<&str> = body.keys().map(String::as_str).collect();
        let mut diagnostics = Diagnostics::new();
        if body.is_empty() {
            logging::debug("resource", "no settings configured; nothing to send", &[]);
        } else {
            logging::info(
                "resource",
                "updating settings",
                &[("resource", &self.type_name), ("settings", &sent.join(","))],
            );
            let result = cx.client.patch_json(self.path, &body).await;
            cx.invalidate();
            match result {
                Err(error) if self.refusal(&error).is_some_and(|r| r.0 == 402) => {
                    return failed(self.payment_required(&error, &sent))
                }
                Err(error) if self.refusal(&error).is_some() => {
                    return failed(self.write_refused(&error))
                }
                Err(error) => {
                    return failed(api_error_at(
                        &format!("update the Clerk {}", self.subject),
                        &error,
                        &self.names(),
                    ))
                }
                Ok(answer) => {
                    if self.answer == Answer::Object {
                        diagnostics = self.take_answer(&mut planned, &sent, answer.as_ref());
                    }
                }
            }
        }
        if prior.is_none() {
            // On create, `before` was read just now: what Clerk reports.
            model::settle_computed(self.settings, &mut planned, Some(&before));
        }
        if self.unresolved_computed(&planned) {
            // Clerk's answer did not say (no body): read it, GETs only.
            match readback::observe(cx, self, false, Purpose::Resource, &BTreeSet::new()).await {
                Ok((observed, _)) => self.fill_computed(&mut planned, &observed.settings),
                Err(error) => diagnostics.push(Diagnostic::warning(
                    format!("Could not read the {} back", self.subject),
                    format!(
                        "The update was applied, but reading the read-only attributes back \
                         failed: {error}. They stay empty until the next refresh."
                    ),
                )),
            }
            for setting in self.settings.iter().filter(|s| s.computed_only) {
                if !matches!(planned.get(setting.name), Field::Known(_)) {
                    planned.settings.insert(setting.name, Field::Null);
                }
            }
        }
        let applied = model::record_applied(
            self.settings,
            &pending,
            Some(&before),
            &planned,
            now_ms(),
            cx.options.stale_read_grace_ms,
        );
        ApplyResponse {
            new_state: planned.to_value(self.settings),
            private: applied.to_private(),
            diagnostics,
        }
    }

    /// Whether a computed setting is still unknown (it must be known, or
    /// null, in the state apply returns).
    fn unresolved_computed(&self, planned: &State) -> bool {
        self.settings
            .iter()
            .any(|s| s.computed_only && !matches!(planned.get(s.name), Field::Known(_)))
    }

    /// Sets every computed setting Clerk reported.
    fn fill_computed(
        &self,
        planned: &mut State,
        observed: &std::collections::BTreeMap<&'static str, SettingValue>,
    ) {
        for setting in self.settings.iter().filter(|s| s.computed_only) {
            if let Some(value) = observed.get(setting.name) {
                planned
                    .settings
                    .insert(setting.name, Field::Known(value.clone()));
            }
        }
    }

    /// Makes Clerk's answer to a PATCH the state of every managed setting;
    /// a sent value the answer contradicts is an error naming it (state then
    /// says what Clerk kept, so the next plan shows the difference).
    fn take_answer(
        &self,
        planned: &mut State,
        sent: &[&str],
        answer: Option<&serde_json::Value>,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let Some(answer) = answer else {
            diags.push(Diagnostic::warning(
                format!("Clerk did not return the {}", self.subject),
                "Clerk answered the update without a body, so state holds the planned values.",
            ));
            return diags;
        };
        for setting in self.settings {
            if planned.get(setting.name) == &Field::Null {
                continue;
            }
            let Some(reported) = answer
                .get(setting.name)
                .and_then(|v| SettingValue::from_json(setting.kind, v))
            else {
                continue;
            };
            if setting.computed_only {
                planned
                    .settings
                    .insert(setting.name, Field::Known(reported));
                continue;
            }
            let Field::Known(wanted) = planned.get(setting.name).clone() else {
                continue;
            };
            if reported != wanted && sent.contains(&setting.name) {
                diags.push(
                    Diagnostic::error(
                        format!("Clerk did not keep {}", setting.name),
                        format!(
                            "Apply sent {name} = {sent}, but Clerk answered with {name} = \
                             {kept}.{difference} State now holds what Clerk kept, so the next \
                             plan shows the difference.",
                            name = setting.name,
                            sent = wanted.display(),
                            kept = reported.display(),
                            difference = model::set_difference(&wanted, &reported),
                        ),
                    )
                    .at(AttributePath::root(setting.name)),
                );
            }
            planned
                .settings
                .insert(setting.name, Field::Known(reported));
        }
        diags
    }

    async fn read_state(&self, cx: &Context, request: ReadRequest) -> ReadResponse {
        let keep = |diagnostics: Diagnostics| ReadResponse {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            diagnostics,
        };
        let cx = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return keep(diags),
        };
        let state = match self.decode(&request.current_state, "state") {
            Ok(state) => state,
            Err(diags) => return keep(diags),
        };
        let (observed, diags) = match readback::observe(
            cx,
            self,
            cx.options.drift_detection,
            Purpose::Resource,
            &Self::managed(&state),
        )
        .await
        {
            Ok(result) => result,
            Err(error) => return keep(self.read_error(&error)),
        };
        if let Some(id) = state.id() {
            if id != observed.instance.id {
                return keep(cx.mismatch(id, state.environment(), &observed.instance));
            }
        }
        let applied = AppliedChanges::from_private(&request.private);
        let refreshed = model::refresh(
            self.settings,
            &state,
            &observed.settings,
            &applied,
            now_ms(),
            cx.options.stale_read_grace_ms,
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
        next.environment_type = Field::string(observed.instance.environment_type);
        next.id = Field::string(observed.instance.id);
        ReadResponse {
            new_state: next.to_value(self.settings),
            private: refreshed.applied.to_private(),
            diagnostics: diags,
        }
    }

    async fn import_state(&self, cx: &Context, id: String) -> (Vec<ImportedResource>, Diagnostics) {
        let cx = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return (Vec::new(), diags),
        };
        let (observed, diags) = match readback::observe(
            cx,
            self,
            cx.options.drift_detection,
            Purpose::Resource,
            &self.every_name(),
        )
        .await
        {
            Ok(result) => result,
            Err(error) => return (Vec::new(), self.read_error(&error)),
        };
        if id != observed.instance.id {
            let id = shorten(&id);
            return (
                Vec::new(),
                Diagnostic::error(
                    "Import ID does not match the secret key's instance",
                    format!(
                        "The import ID is {id:?}, but the secret key configured in {} belongs to \
                         instance {}. Import with that ID, or configure the provider with the secret \
                         key of instance {id:?}.",
                        cx.key_source, observed.instance.id
                    ),
                )
                .into(),
            );
        }
        // Everything Clerk lets us read becomes managed state; the rest
        // stays null, so the next plan shows configured write-only settings
        // as changes.
        let mut state = State {
            id: Field::string(observed.instance.id.clone()),
            environment_type: Field::string(observed.instance.environment_type.clone()),
            settings: self
                .settings
                .iter()
                .map(|s| (s.name, Field::Null))
                .collect(),
        };
        for (name, value) in observed.settings {
            state.settings.insert(name, Field::Known(value));
        }
        (
            vec![ImportedResource {
                type_name: self.type_name.to_string(),
                state: state.to_value(self.settings),
                private: Vec::new(),
            }],
            diags,
        )
    }
}

impl Resource for Singleton {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        let mut attributes = identity_attributes();
        for setting in self.settings {
            let mut description = setting.description.to_string();
            if let Some(why) = setting.deprecated {
                description.push_str(&format!(" **Deprecated:** {why}"));
            }
            if setting.computed_only {
                attributes.push(Attribute::computed(
                    setting.name,
                    setting.kind.value_type(),
                    &description,
                ));
                continue;
            }
            let mut attribute =
                Attribute::optional_computed(setting.name, setting.kind.value_type(), &description);
            if setting.deprecated.is_some() {
                attribute = attribute.deprecated();
            }
            attributes.push(attribute);
        }
        super::resource_schema(self.description, attributes)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        self.validate_config(config)
    }

    fn plan(&self, request: &PlanRequest) -> PlanResponse {
        self.plan_change(request)
    }

    fn apply<'a>(&'a self, cx: &'a Context, request: ApplyRequest) -> BoxFuture<'a, ApplyResponse> {
        Box::pin(self.apply_change(cx, request))
    }

    fn read<'a>(&'a self, cx: &'a Context, request: ReadRequest) -> BoxFuture<'a, ReadResponse> {
        Box::pin(self.read_state(cx, request))
    }

    fn import<'a>(
        &'a self,
        cx: &'a Context,
        id: String,
    ) -> BoxFuture<'a, (Vec<ImportedResource>, Diagnostics)> {
        Box::pin(self.import_state(cx, id))
    }

    fn readback_rows(&self) -> Vec<(&'static str, &'static str, String)> {
        self.settings
            .iter()
            .map(|s| {
                let when = match s.source() {
                    None => "never",
                    Some(source) if source.needs_drift_detection() => {
                        "with `drift_detection = true`"
                    }
                    Some(_) => "on every refresh",
                };
                (s.name, when, s.readback_source(self.path))
            })
            .collect()
    }
}

/// The data source of a singleton: every setting Clerk lets a client read,
/// read now.
pub struct SingletonData(pub &'static Singleton);

impl SingletonData {
    fn info(&self) -> DataSourceInfo {
        self.0.data_source.unwrap_or(DataSourceInfo {
            type_name: self.0.type_name,
            description: self.0.description,
        })
    }

    fn readable(&self) -> impl Iterator<Item = &'static Setting> {
        self.0.settings.iter().filter(|s| s.source().is_some())
    }

    async fn read_now(&self, cx: &Context) -> (Value, Diagnostics) {
        let cx: &Configured = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return (Value::Null, diags),
        };
        let wanted = self.readable().map(|s| s.name).collect();
        let (observed, diags) =
            match readback::observe(cx, self.0, true, Purpose::DataSource, &wanted).await {
                Ok(result) => result,
                Err(error) => return (Value::Null, self.0.read_error(&error)),
            };
        let mut attributes = vec![
            (
                "id".to_string(),
                Value::String(observed.instance.id.clone()),
            ),
            (
                "environment_type".to_string(),
                Value::String(observed.instance.environment_type.clone()),
            ),
        ];
        for setting in self.readable() {
            let value = observed
                .settings
                .get(setting.name)
                .map_or(Value::Null, SettingValue::to_value);
            attributes.push((setting.name.to_string(), value));
        }
        (Value::object(attributes), diags)
    }
}

impl DataSource for SingletonData {
    fn type_name(&self) -> &'static str {
        self.info().type_name
    }

    fn schema(&self) -> Schema {
        let mut attributes = identity_attributes();
        for setting in self.readable() {
            let description = format!(
                "The instance's current `{}`, as Clerk reports it (read from {}). Null when Clerk \
                 could not be asked; a warning then says why.",
                setting.name,
                setting.readback_source(self.0.path)
            );
            attributes.push(Attribute::computed(
                setting.name,
                setting.kind.value_type(),
                &description,
            ));
        }
        Schema {
            version: 0,
            block: Block {
                attributes,
                blocks: Vec::new(),
                description: self.info().description.to_string(),
                deprecated: false,
            },
        }
    }

    fn read<'a>(&'a self, cx: &'a Context, _config: Value) -> BoxFuture<'a, (Value, Diagnostics)> {
        Box::pin(self.read_now(cx))
    }
}
