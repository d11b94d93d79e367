//! Reading what Clerk reports for a singleton's settings, from the sources
//! its table names: always the instance itself (`GET /v1/instance`, which
//! also identifies the key's instance) and the resource's own endpoint;
//! with drift detection also the primary domain and the Frontend API
//! environment. Sources are read concurrently and shared through the
//! context, so several resources refreshed together ask each once.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::clerk::{ApiError, Instance};
use crate::framework::{Diagnostic, Diagnostics};

use super::context::Configured;
use super::singleton::model::SettingValue;
use super::singleton::setting::{Read, Source, Transform};
use super::singleton::Singleton;

/// What Clerk reported, by setting name. A setting with no entry could not
/// be read (write-only, not asked for, or its source was unavailable).
pub struct Observed {
    pub instance: Instance,
    pub settings: BTreeMap<&'static str, SettingValue>,
}

/// Who is reading, which decides how an unavailable optional source is
/// explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A resource refresh or import: unread settings keep their state.
    Resource,
    /// A data source: unread settings are null.
    DataSource,
}

/// Picks one setting's value out of a source's answer. `None` when the
/// field is absent or has another type.
pub fn extract(
    kind: super::singleton::setting::Kind,
    read: Read,
    answer: &Json,
) -> Option<SettingValue> {
    let Read::From {
        pointer, transform, ..
    } = read
    else {
        return None;
    };
    let value = SettingValue::from_json(kind, answer.pointer(pointer)?)?;
    match (transform, value) {
        (Transform::Not, SettingValue::Bool(b)) => Some(SettingValue::Bool(!b)),
        (Transform::Not, _) => None,
        (Transform::Same, value) => Some(value),
    }
}

/// Reads the instance and every source the table needs; with `extended`
/// also the sources that need drift detection. An optional source that
/// fails is a warning, never an error: its settings are left out.
/// `needed` names the settings the caller needs, for the singleton's
/// `adjust` hook (which may skip extra reads for settings nobody needs).
pub async fn observe(
    cx: &Configured,
    singleton: &Singleton,
    extended: bool,
    purpose: Purpose,
    needed: &BTreeSet<&'static str>,
) -> Result<(Observed, Diagnostics), ApiError> {
    let wanted: BTreeSet<Source> = singleton
        .settings
        .iter()
        .filter_map(|s| s.source())
        .filter(|s| extended || !s.needs_drift_detection())
        .collect();
    let want = |source| wanted.contains(&source);
    let own = async {
        if want(Source::Own) {
            cx.get(singleton.path).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let domain = async {
        if want(Source::PrimaryDomain) {
            Some(cx.primary_domain().await)
        } else {
            None
        }
    };
    let environment = async {
        if want(Source::Environment) {
            Some(cx.environment().await.map(|e| Json::clone(&e)))
        } else {
            None
        }
    };
    let (instance, own, domain, environment) =
        tokio::join!(cx.get("/instance"), own, domain, environment);
    let instance_json = instance?;
    let instance: Instance = serde_json::from_value(Json::clone(&instance_json)).map_err(|e| {
        ApiError::InvalidResponse {
            status: 200,
            detail: format!("expected an instance object: {e}"),
        }
    })?;
    let own = own?;

    let mut answers: BTreeMap<Source, Json> = BTreeMap::new();
    answers.insert(Source::Instance, Json::clone(&instance_json));
    if let Some(own) = own {
        answers.insert(Source::Own, Json::clone(&own));
    }
    let mut failures = Vec::new();
    for (source, outcome) in [
        (Source::PrimaryDomain, domain),
        (Source::Environment, environment),
    ] {
        match outcome {
            Some(Ok(answer)) => {
                answers.insert(source, answer);
            }
            Some(Err(error)) => failures.push((source, error)),
            None => {}
        }
    }

    let mut settings = BTreeMap::new();
    for setting in singleton.settings {
        let Some(source) = setting.source() else {
            continue;
        };
        if let Some(value) = answers
            .get(&source)
            .and_then(|answer| extract(setting.kind, setting.read, answer))
        {
            settings.insert(setting.name, value);
        }
    }

    let mut diags = Diagnostics::new();
    if let Some((_, error)) = failures.first() {
        let unread: Vec<&str> = singleton
            .settings
            .iter()
            .filter(|s| {
                s.source()
                    .is_some_and(|src| failures.iter().any(|(f, _)| *f == src))
            })
            .map(|s| s.name)
            .collect();
        diags.push(unavailable_warning(purpose, &unread, error));
    }
    if let Some(adjust) = singleton.adjust {
        diags.extend(adjust(cx, needed, &mut settings).await);
    }
    Ok((Observed { instance, settings }, diags))
}

fn unavailable_warning(purpose: Purpose, unread: &[&str], error: &ApiError) -> Diagnostic {
    let names = unread.join(", ");
    match purpose {
        Purpose::Resource => Diagnostic::warning(
            "Could not read settings for drift detection",
            format!(
                "Reading the instance's domain or its Frontend API environment failed: \
                 {error}.\n\nThese settings keep the values in state for this run, so changes \
                 made outside Terraform may not show: {names}. Nothing else is affected; the next \
                 refresh tries again."
            ),
        ),
        Purpose::DataSource => Diagnostic::warning(
            "Some instance settings could not be read",
            format!(
                "Reading the instance's domain or its Frontend API environment failed: \
                 {error}.\n\nThese attributes are null in this read: {names}. Everything else was \
                 read; the next read tries again."
            ),
        ),
    }
}
