//! The safety rules of the acceptance run, kept free of I/O so that they are
//! unit-tested (tests/acceptance_safety.rs): which key and instance a live
//! run accepts, how objects it creates are named and recognised, what it
//! records before it starts, and how it puts the instance back afterwards —
//! also when a scenario failed or the run was interrupted.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use serde_json::{Map, Value as Json};
use terraform_provider_clerk::resources::singleton::setting::{
    Kind, Read, Setting, Source, Transform,
};
use terraform_provider_clerk::resources::singleton::Singleton;

/// Environment variable holding a development instance's secret key.
pub const KEY_ENV: &str = "CLERK_ACC_SECRET_KEY";
/// Optional Backend API base for a live run (any Clerk-compatible server).
pub const URL_ENV: &str = "CLERK_ACC_API_URL";
/// Clerk's Backend API, the default target of a live run.
pub const DEFAULT_LIVE_URL: &str = "https://api.clerk.com";

/// Where the scenarios run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// A clerk-emulator the run starts itself, on loopback.
    Emulator,
    /// A real Clerk development instance (or a compatible server).
    Live { key: String, api_url: String },
}

/// Checks a key for a live run: only a development instance's `sk_test_`
/// key is accepted; production keys are refused outright. The message never
/// repeats the key.
pub fn check_live_key(key: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err(format!("{KEY_ENV} is empty"));
    }
    if key.starts_with("sk_live_") || key.starts_with("live_") {
        return Err(format!(
            "{KEY_ENV} is a production key (sk_live_…): the acceptance tests change the \
             instance's settings, so they only run against a development instance's \
             sk_test_ key"
        ));
    }
    if !key.starts_with("sk_test_") || key.len() <= "sk_test_".len() {
        return Err(format!(
            "{KEY_ENV} must be a development instance's secret key, starting with sk_test_"
        ));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{KEY_ENV} contains whitespace"));
    }
    Ok(())
}

/// Checks the instance a live key belongs to, as `GET /v1/instance` reports
/// it: only development instances are touched, whatever the key looks like.
pub fn check_environment(environment_type: &str) -> Result<(), String> {
    if environment_type == "development" {
        Ok(())
    } else {
        Err(format!(
            "the key belongs to a {environment_type:?} instance; the acceptance tests only \
             run against development instances"
        ))
    }
}

/// Chooses the mode. A live run needs both the explicit `--live` switch
/// (`make testacc`) and a key, so `make test` never leaves loopback even
/// when the variable happens to be set.
pub fn choose_mode(
    allow_live: bool,
    key: Option<&str>,
    api_url: Option<&str>,
) -> Result<Mode, String> {
    let key = key.filter(|k| !k.is_empty());
    match (allow_live, key) {
        (true, Some(key)) => {
            check_live_key(key)?;
            let api_url = api_url
                .filter(|u| !u.trim().is_empty())
                .unwrap_or(DEFAULT_LIVE_URL)
                .trim()
                .to_string();
            Ok(Mode::Live {
                key: key.to_string(),
                api_url,
            })
        }
        _ => Ok(Mode::Emulator),
    }
}

/// The prefix of every object name one run creates, unique per run:
/// `tfacc-<seconds since the epoch, base 36>-<4 hex digits>`.
pub fn run_prefix(now_secs: u64, random: u16) -> String {
    let mut digits = Vec::new();
    let mut n = now_secs;
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap());
        n /= 36;
        if n == 0 {
            break;
        }
    }
    let stamp: String = digits.into_iter().rev().collect();
    format!("tfacc-{stamp}-{random:04x}")
}

/// The name of an object this run creates: `<prefix>-<what>`. For the
/// scenarios of resources that create objects.
#[allow(dead_code)]
pub fn object_name(prefix: &str, what: &str) -> String {
    format!("{prefix}-{what}")
}

/// Whether `name` was made by [`object_name`] with this run's prefix.
pub fn is_run_object(prefix: &str, name: &str) -> bool {
    !prefix.is_empty()
        && name
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|what| !what.is_empty())
}

/// Replaces every occurrence of the key in `text`.
pub fn redact(text: &str, key: &str) -> String {
    if key.len() < 8 {
        return text.to_string();
    }
    text.replace(key, "sk_test_[REDACTED]")
}

/// The answers of the places Clerk reports settings in, as far as they
/// were fetched.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    pub instance: Option<Json>,
    pub primary_domain: Option<Json>,
    pub environment: Option<Json>,
    /// `GET /v1{path}` answers, by path.
    pub own: BTreeMap<String, Json>,
}

/// The settings of a singleton a run records and can put back. Write-only
/// and deprecated settings are left out: they cannot be read, or writing
/// them is pointless.
pub fn readable(singleton: &Singleton) -> impl Iterator<Item = &'static Setting> {
    singleton
        .settings
        .iter()
        .filter(|s| s.deprecated.is_none() && matches!(s.read, Read::From { .. }))
}

/// Sources a set of settings needs.
pub fn sources_needed<'a>(settings: impl IntoIterator<Item = &'a Setting>) -> BTreeSet<Source> {
    settings.into_iter().filter_map(Setting::source).collect()
}

/// One setting's current value from fetched sources, in a form a PATCH can
/// send again (`null` strings become `""`, a `null` list `[]`, an inverted
/// flag is inverted back), or `None` when its source was not fetched or the
/// value has the wrong type.
pub fn extract(singleton: &Singleton, setting: &Setting, sources: &Sources) -> Option<Json> {
    let Read::From {
        source,
        pointer,
        transform,
    } = setting.read
    else {
        return None;
    };
    let answer = match source {
        Source::Instance => sources.instance.as_ref()?,
        Source::PrimaryDomain => sources.primary_domain.as_ref()?,
        Source::Environment => sources.environment.as_ref()?,
        Source::Own => sources.own.get(singleton.path)?,
    };
    let raw = answer.pointer(pointer).cloned().unwrap_or(Json::Null);
    let value = match (setting.kind, raw) {
        (Kind::Bool, Json::Bool(b)) => Json::Bool(if transform == Transform::Not { !b } else { b }),
        (Kind::String, Json::Null) => Json::String(String::new()),
        (Kind::String, s @ Json::String(_)) => s,
        (Kind::StringSet, Json::Null) => Json::Array(Vec::new()),
        (Kind::StringSet, Json::Array(items)) => {
            let mut items: Vec<Json> = items;
            items.sort_by_key(Json::to_string);
            Json::Array(items)
        }
        (Kind::Int, n @ Json::Number(_)) => n,
        _ => return None,
    };
    Some(value)
}

/// What a run recorded before it started: for each singleton (by its path
/// under `/v1`), every readable setting's value.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    pub singletons: BTreeMap<String, BTreeMap<String, Json>>,
}

impl Snapshot {
    /// Records every readable setting of `singletons` from `sources`.
    pub fn take(singletons: &[&Singleton], sources: &Sources) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for singleton in singletons {
            let values = snapshot
                .singletons
                .entry(singleton.path.to_string())
                .or_default();
            for setting in readable(singleton) {
                if let Some(value) = extract(singleton, setting, sources) {
                    values.insert(setting.name.to_string(), value);
                }
            }
        }
        snapshot
    }
}

/// One object a run created, to be deleted at the end.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Created {
    /// The collection under `/v1`, such as `/redirect_urls`.
    pub collection: String,
    pub id: String,
    /// The name, URL or identifier it was created with.
    pub name: String,
}

/// The writes a run has to undo: settings it may have changed and objects
/// it created. Everything is registered *before* the write it covers, so an
/// interruption in the middle of a write is still undone.
#[derive(Debug, Default, Clone)]
pub struct Session {
    pub prefix: String,
    pub snapshot: Snapshot,
    /// Setting names per singleton path.
    pub touched: BTreeMap<String, BTreeSet<String>>,
    pub created: BTreeSet<Created>,
    /// Set once [`Session::finish`] has run; a second call does nothing.
    pub finished: bool,
}

/// What [`restore_plan`] decided.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RestorePlan {
    /// `PATCH /v1{path}` bodies.
    pub patches: Vec<(String, Map<String, Json>)>,
    /// Settings that were touched but could not be read before the run, so
    /// there is nothing to put back (reported, never guessed).
    pub unknown: Vec<String>,
}

/// The PATCH bodies that put back every touched setting's recorded value.
/// Every touched setting is written, whatever it reads now: a read of an
/// edge-cached source may lag behind the last write.
pub fn restore_plan(
    snapshot: &Snapshot,
    touched: &BTreeMap<String, BTreeSet<String>>,
) -> RestorePlan {
    let mut plan = RestorePlan::default();
    for (path, names) in touched {
        let recorded = snapshot.singletons.get(path);
        let mut body = Map::new();
        for name in names {
            match recorded.and_then(|values| values.get(name)) {
                Some(value) => {
                    body.insert(name.clone(), value.clone());
                }
                None => plan.unknown.push(format!("{path} {name}")),
            }
        }
        if !body.is_empty() {
            plan.patches.push((path.clone(), body));
        }
    }
    plan
}

/// Which created objects to delete: only those named with this run's
/// prefix. Anything else in the registry is refused and reported, never
/// deleted.
pub fn cleanup_plan(prefix: &str, created: &BTreeSet<Created>) -> (Vec<String>, Vec<String>) {
    let mut deletes = Vec::new();
    let mut refused = Vec::new();
    for object in created {
        if is_run_object(prefix, &object.name) && !object.id.is_empty() && !object.id.contains('/')
        {
            deletes.push(format!("{}/{}", object.collection, object.id));
        } else {
            refused.push(format!(
                "{} {} ({})",
                object.collection, object.id, object.name
            ));
        }
    }
    (deletes, refused)
}

/// Whether a Backend API error says the object does not exist (404).
pub fn is_not_found(error: &str) -> bool {
    error.starts_with("404 ") || error.contains(": 404 ")
}

/// The Backend API calls [`Session::finish`] needs.
pub trait Backend {
    fn patch(&mut self, path: &str, body: &Map<String, Json>) -> Result<(), String>;
    fn delete(&mut self, path: &str) -> Result<(), String>;
}

/// What [`Session::finish`] did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Finish {
    pub restored: Vec<String>,
    pub deleted: Vec<String>,
    pub problems: Vec<String>,
}

impl Session {
    pub fn new(prefix: String, snapshot: Snapshot) -> Session {
        Session {
            prefix,
            snapshot,
            ..Session::default()
        }
    }

    /// Registers settings about to be written.
    pub fn touch<'a>(&mut self, path: &str, names: impl IntoIterator<Item = &'a str>) {
        let entry = self.touched.entry(path.to_string()).or_default();
        entry.extend(names.into_iter().map(str::to_string));
    }

    /// Forgets touched settings whose write Clerk refused as a whole
    /// (a 402: the plan lacks the feature), so that the restore does not
    /// send them again.
    pub fn untouch<'a>(&mut self, path: &str, names: impl IntoIterator<Item = &'a str>) {
        if let Some(entry) = self.touched.get_mut(path) {
            for name in names {
                entry.remove(name);
            }
            if entry.is_empty() {
                self.touched.remove(path);
            }
        }
    }

    /// Registers an object the run is about to create (with its id once
    /// known). For the scenarios of resources that create objects.
    #[allow(dead_code)]
    pub fn created(&mut self, object: Created) {
        self.created.insert(object);
    }

    /// Restores every touched setting and deletes every object of this run,
    /// carrying on past failures so one refusal does not leave the rest.
    /// Runs once: a second call (the normal end after a signal's clean-up)
    /// does nothing.
    pub fn finish(&mut self, backend: &mut dyn Backend) -> Finish {
        let mut report = Finish::default();
        if self.finished {
            return report;
        }
        self.finished = true;
        let (deletes, refused) = cleanup_plan(&self.prefix, &self.created);
        for path in deletes {
            match backend.delete(&path) {
                Ok(()) => report.deleted.push(path),
                // Destroyed by its scenario, or deleted out of band and
                // created again under a new id: nothing left to do.
                Err(e) if is_not_found(&e) => report.deleted.push(format!("{path} (already gone)")),
                Err(e) => report.problems.push(format!("DELETE /v1{path}: {e}")),
            }
        }
        for object in refused {
            report
                .problems
                .push(format!("not deleted, not named by this run: {object}"));
        }
        let plan = restore_plan(&self.snapshot, &self.touched);
        for (path, body) in &plan.patches {
            match backend.patch(path, body) {
                Ok(()) => report
                    .restored
                    .extend(body.keys().map(|k| format!("{path} {k}"))),
                Err(e) => report.problems.push(format!("PATCH /v1{path}: {e}")),
            }
        }
        for name in plan.unknown {
            report
                .problems
                .push(format!("not restored, unreadable before the run: {name}"));
        }
        report
    }
}

/// Runs `body` (the scenarios), then [`Session::finish`], even when `body`
/// panicked: a failed assertion or a bug in a scenario still leaves the
/// instance as it was found.
pub fn run_then_finish<T>(
    session: &Mutex<Session>,
    backend: &mut dyn Backend,
    body: impl FnOnce() -> T,
) -> (std::thread::Result<T>, Finish) {
    let result = catch_unwind(AssertUnwindSafe(body));
    let mut session = session
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let report = session.finish(backend);
    (result, report)
}
