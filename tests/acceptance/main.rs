//! `make testacc`: the Terraform-driven acceptance scenarios of every
//! resource and data source (tests/acceptance/scenarios.rs), written once
//! and run either against a clerk-emulator this binary starts on loopback
//! (the default, part of `make test`) or, with `--live` and
//! `CLERK_ACC_SECRET_KEY=sk_test_…`, against a real Clerk development
//! instance (`CLERK_ACC_API_URL` for any Clerk-compatible server).
//!
//! Both modes make out-of-band changes through the Backend API with the
//! same key, as a dashboard user would; scenarios that need the emulator's
//! faults are skipped by name in live mode, which never starts an emulator
//! nor calls a control endpoint. A live run refuses production keys and
//! instances, records every singleton's readable settings first and writes
//! back the ones it touched at the end (also after a failure or Ctrl-C),
//! deletes only objects named with its run prefix, and with `--dry-run`
//! lists what it would change. The safety rules are in `safety.rs`, unit
//! tested by tests/acceptance_safety.rs.
//!
//! Output: one line per scenario, what the Frontend API read-back showed
//! about cache lag, and a closing `N passed, M failed` line.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod safety;
mod scenarios;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;
use terraform_provider_clerk::resources::singleton::setting::Source;
use terraform_provider_clerk::resources::singleton::Singleton;

use api::Http;
use safety::{Finish, Mode, Session, Snapshot, Sources};
use support::{Emulator, Workspace};

/// The emulator's Frontend API lag in emulator mode, so that the read-back
/// polling and the lag report are exercised as a live run needs them.
const EMULATOR_LAG_MS: u64 = 400;
/// The provider's default `drift_grace_seconds`, for the lag report.
const DEFAULT_GRACE_SECONDS: u64 = 120;

/// Why a scenario did not pass.
pub enum Fail {
    Failed(String),
    /// Could not run here (a plan Clerk refuses, a step before it failed).
    Skipped(String),
}

pub type Step = Result<(), Fail>;

pub struct Scenario {
    pub name: String,
    /// Why it needs clerk-emulator (faults), when it does.
    pub emulator_only: Option<&'static str>,
    pub run: Box<dyn Fn(&mut Acc) -> Step + Send + Sync>,
}

/// One observation of how long a write took to show where it is read back.
struct Lag {
    after: &'static str,
    source: Source,
    elapsed: Duration,
    seen: bool,
}

/// What every group of scenarios shares.
struct Target {
    emulator: Option<Emulator>,
    api_url: String,
    key: String,
    session: Arc<Mutex<Session>>,
    frontend_api_url: String,
    /// Longest wait for a write to show.
    bound: Duration,
}

/// What one group of scenarios works with: the target, its Terraform
/// working directories and what it has applied.
pub struct Acc {
    target: Arc<Target>,
    pub http: Http,
    lags: Vec<Lag>,
    workspaces: HashMap<&'static str, Workspace>,
    /// The values each resource's configuration holds now.
    pub applied: HashMap<&'static str, Vec<(&'static str, Json)>>,
}

impl Acc {
    fn new(target: &Arc<Target>) -> Result<Acc, String> {
        Ok(Acc {
            target: target.clone(),
            http: Http::new(&target.api_url, &target.key)?,
            lags: Vec::new(),
            workspaces: HashMap::new(),
            applied: HashMap::new(),
        })
    }

    fn redact(&self, text: &str) -> String {
        safety::redact(text, &self.target.key)
    }

    /// The last lines of Terraform's output, enough to see the error.
    fn tail(&self, text: &str) -> String {
        let text = self.redact(text);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let start = lines.len().saturating_sub(25);
        lines[start..].join("\n")
    }

    pub fn emulator(&self) -> Result<&Emulator, Fail> {
        self.target
            .emulator
            .as_ref()
            .ok_or_else(|| Fail::Skipped("needs clerk-emulator".into()))
    }

    pub fn new_workspace(&mut self, key: &'static str, config: &str) -> Step {
        let mut ws = Workspace::bare();
        ws.set_env("CLERK_API_URL", &self.target.api_url);
        ws.set_env("CLERK_SECRET_KEY", &self.target.key);
        ws.write_config(config);
        let init = ws.run(&["init", "-input=false", "-no-color"]);
        if !init.ok() {
            return Err(Fail::Failed(format!(
                "terraform init failed:\n{}",
                self.tail(&init.combined())
            )));
        }
        self.workspaces.insert(key, ws);
        Ok(())
    }

    pub fn workspace(&self, key: &str) -> Result<&Workspace, Fail> {
        self.workspaces
            .get(key)
            .ok_or_else(|| Fail::Skipped(format!("{key} was not created by an earlier scenario")))
    }

    pub fn drop_workspace(&mut self, key: &str) {
        self.workspaces.remove(key);
    }

    /// Registers settings about to be written, for the restore at the end.
    pub fn touch<'a>(&self, path: &str, names: impl IntoIterator<Item = &'a str>) {
        self.target
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .touch(path, names);
    }

    /// A name for an object this run creates: `<run prefix>-<what>`.
    #[allow(dead_code)]
    pub fn object_name(&self, what: &str) -> String {
        let session = self.target.session.lock();
        safety::object_name(
            &session.unwrap_or_else(PoisonError::into_inner).prefix,
            what,
        )
    }

    /// Registers an object this run created (its id from state or Clerk's
    /// answer), to be deleted at the end.
    #[allow(dead_code)]
    pub fn created(&self, collection: &str, id: &str, name: &str) {
        self.target
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .created(safety::Created {
                collection: collection.to_string(),
                id: id.to_string(),
                name: name.to_string(),
            });
    }

    /// Forgets settings registered by [`Acc::touch`] whose write Clerk
    /// refused as a whole, so the restore does not try them again.
    pub fn untouch<'a>(&self, path: &str, names: impl IntoIterator<Item = &'a str>) {
        self.target
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .untouch(path, names);
    }

    /// Runs a Terraform command that must succeed.
    pub fn terraform(&self, key: &str, args: &[&str]) -> Step {
        let run = self.workspace(key)?.run(args);
        if run.ok() {
            return Ok(());
        }
        let flat = run.flat();
        if flat.contains("needs a paid Clerk plan") {
            return Err(Fail::Skipped(
                "the instance's Clerk plan does not include it".into(),
            ));
        }
        Err(Fail::Failed(format!(
            "terraform {} failed:\n{}",
            args[0],
            self.tail(&run.combined())
        )))
    }

    pub fn apply(&self, key: &str) -> Step {
        self.terraform(
            key,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
    }

    pub fn plan_is_empty(&self, key: &str) -> Step {
        let (code, run) = self.workspace(key)?.plan_exit_code();
        if code == 0 {
            Ok(())
        } else {
            Err(Fail::Failed(format!(
                "expected an empty plan, got exit code {code}:\n{}",
                self.tail(&run.combined())
            )))
        }
    }

    /// The attributes of a managed resource in the working directory's
    /// state file (read directly: a `terraform show` per check is slow).
    pub fn state_values(&self, key: &str, address: &str) -> Result<Json, Fail> {
        let path = self.workspace(key)?.path().join("terraform.tfstate");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Fail::Failed(format!("no state file: {e}")))?;
        let state: Json = serde_json::from_str(&text)
            .map_err(|e| Fail::Failed(format!("state file is not JSON: {e}")))?;
        let (kind, name) = address.split_once('.').unwrap_or((address, ""));
        state["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["mode"] == "managed" && r["type"] == kind && r["name"] == name)
            .map(|r| r["instances"][0]["attributes"].clone())
            .ok_or_else(|| Fail::Failed(format!("{address} is not in state")))
    }

    /// An output's value from the working directory's state file.
    pub fn state_output(&self, key: &str, name: &str) -> Result<Json, Fail> {
        let path = self.workspace(key)?.path().join("terraform.tfstate");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Fail::Failed(format!("no state file: {e}")))?;
        let state: Json = serde_json::from_str(&text)
            .map_err(|e| Fail::Failed(format!("state file is not JSON: {e}")))?;
        let value = state["outputs"][name]["value"].clone();
        if value.is_null() {
            return Err(Fail::Failed(format!("output {name} is not in state")));
        }
        Ok(value)
    }

    pub fn check_state(&self, key: &str, address: &str, expected: &[(&str, Json)]) -> Step {
        let values = self.state_values(key, address)?;
        for (name, want) in expected {
            if &values[*name] != want {
                return Err(Fail::Failed(format!(
                    "state of {address}: {name} = {}, expected {want}",
                    values[*name]
                )));
            }
        }
        Ok(())
    }

    /// Fetches the places the given settings are read back from.
    fn fetch(&self, singleton: &Singleton, needed: &BTreeSet<Source>) -> Result<Sources, String> {
        fetch_sources(
            &self.http,
            &self.target.frontend_api_url,
            &[singleton],
            needed,
        )
    }

    /// Reads the settings once and compares.
    pub fn check_values(&self, singleton: &Singleton, expected: &[(&str, Json)]) -> Step {
        let (needed, settings) = settings_of(singleton, expected)?;
        let sources = self.fetch(singleton, &needed).map_err(Fail::Failed)?;
        match mismatches(singleton, &settings, expected, &sources).first() {
            None => Ok(()),
            Some(problem) => Err(Fail::Failed(format!("Clerk shows {problem}"))),
        }
    }

    pub fn await_values(
        &mut self,
        singleton: &Singleton,
        expected: &[(&str, Json)],
        after: &'static str,
    ) -> Step {
        self.await_values_since(singleton, expected, after, Instant::now())
    }

    /// Polls the read-back sources until they show `expected` (at most
    /// [`Acc::bound`]), and records how long that took from `since`.
    pub fn await_values_since(
        &mut self,
        singleton: &Singleton,
        expected: &[(&str, Json)],
        after: &'static str,
        since: Instant,
    ) -> Step {
        let (needed, settings) = settings_of(singleton, expected)?;
        let mut pause = Duration::from_millis(100);
        loop {
            let sources = self.fetch(singleton, &needed).map_err(Fail::Failed)?;
            let problems = mismatches(singleton, &settings, expected, &sources);
            let elapsed = since.elapsed();
            if problems.is_empty() || elapsed >= self.target.bound {
                for source in &needed {
                    self.lags.push(Lag {
                        after,
                        source: *source,
                        elapsed,
                        seen: problems.is_empty(),
                    });
                }
                if problems.is_empty() {
                    return Ok(());
                }
                return Err(Fail::Failed(format!(
                    "{:.1} s after {after}, Clerk still shows {}",
                    elapsed.as_secs_f64(),
                    problems.join("; ")
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 3 / 2).min(Duration::from_secs(1));
        }
    }
}

/// The readable settings among `expected`, and the sources they need.
fn settings_of(
    singleton: &Singleton,
    expected: &[(&str, Json)],
) -> Result<
    (
        BTreeSet<Source>,
        Vec<&'static terraform_provider_clerk::resources::singleton::setting::Setting>,
    ),
    Fail,
> {
    let mut settings = Vec::new();
    for (name, _) in expected {
        let setting = singleton
            .setting(name)
            .filter(|s| s.source().is_some())
            .ok_or_else(|| Fail::Failed(format!("{name} cannot be read back")))?;
        settings.push(setting);
    }
    Ok((safety::sources_needed(settings.iter().copied()), settings))
}

fn mismatches(
    singleton: &Singleton,
    settings: &[&'static terraform_provider_clerk::resources::singleton::setting::Setting],
    expected: &[(&str, Json)],
    sources: &Sources,
) -> Vec<String> {
    settings
        .iter()
        .zip(expected)
        .filter_map(|(setting, (name, want))| {
            let got = safety::extract(singleton, setting, sources);
            (got.as_ref() != Some(want)).then(|| {
                let got = got.map_or("nothing".to_string(), |g| g.to_string());
                format!("{name} = {got} (expected {want})")
            })
        })
        .collect()
}

/// Fetches the given sources (and the own `GET` of each singleton whose
/// settings need it).
fn fetch_sources(
    http: &Http,
    frontend_api_url: &str,
    singletons: &[&Singleton],
    needed: &BTreeSet<Source>,
) -> Result<Sources, String> {
    let mut sources = Sources::default();
    for source in needed {
        match source {
            Source::Instance => sources.instance = Some(http.get("/instance")?),
            Source::PrimaryDomain => sources.primary_domain = Some(http.primary_domain()?),
            Source::Environment => sources.environment = Some(http.environment(frontend_api_url)?),
            Source::Own => {
                for singleton in singletons {
                    if singleton
                        .settings
                        .iter()
                        .any(|s| s.source() == Some(Source::Own))
                    {
                        sources
                            .own
                            .insert(singleton.path.to_string(), http.get(singleton.path)?);
                    }
                }
            }
        }
    }
    Ok(sources)
}

thread_local! {
    /// What the last panic on this thread said and where, for the
    /// scenario's failure line.
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    let recorded = LAST_PANIC.with(|p| std::mem::take(&mut *p.borrow_mut()));
    if !recorded.is_empty() {
        return recorded;
    }
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panicked".into())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}\n")).collect()
}

#[derive(Default, Clone, Copy)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Runs the scenarios, printing one line each.
fn run_all(acc: &mut Acc, scenarios: &[Scenario], live: bool) -> Tally {
    let mut tally = Tally::default();
    for scenario in scenarios {
        if let (true, Some(why)) = (live, scenario.emulator_only) {
            println!("skip  {}  (emulator only: {why})", scenario.name);
            tally.skipped += 1;
            continue;
        }
        let started = Instant::now();
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (scenario.run)(acc)))
                .unwrap_or_else(|payload| Err(Fail::Failed(panic_text(payload))));
        let took = started.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => {
                println!("ok    {}  {took:.1}s", scenario.name);
                tally.passed += 1;
            }
            Err(Fail::Skipped(why)) => {
                println!("skip  {}  ({why})", scenario.name);
                tally.skipped += 1;
            }
            Err(Fail::Failed(why)) => {
                print!(
                    "FAIL  {}  {took:.1}s\n{}",
                    scenario.name,
                    indent(&acc.redact(&why))
                );
                tally.failed += 1;
            }
        }
    }
    tally
}

fn print_finish(report: &Finish) {
    if !report.restored.is_empty() {
        println!("      wrote back: {}", report.restored.join(", "));
    }
    if !report.deleted.is_empty() {
        println!("      deleted: {}", report.deleted.join(", "));
    }
    for problem in &report.problems {
        println!("      problem: {problem}");
    }
}

/// On Ctrl-C or SIGTERM: restore and clean up, then exit. The main thread
/// only holds the session for a moment, so this waits at most that long.
fn install_signal_handler(
    session: Arc<Mutex<Session>>,
    api_url: String,
    key: String,
    emulator_pid: Option<u32>,
) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let signalled = rt.block_on(async {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return false;
            };
            tokio::select! {
                result = tokio::signal::ctrl_c() => result.is_ok(),
                _ = term.recv() => true,
            }
        });
        drop(rt);
        if !signalled {
            return;
        }
        println!("interrupted: writing back touched settings and deleting this run's objects");
        let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
        match Http::new(&api_url, &key) {
            Ok(mut http) => print_finish(&session.finish(&mut http)),
            Err(e) => println!("      problem: {e}"),
        }
        if let Some(pid) = emulator_pid {
            // SAFETY: kill(2) on the emulator child this run started.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGTERM);
            }
        }
        println!("0 passed, 1 failed (interrupted)");
        std::process::exit(130);
    });
}

/// Prints what the read-back polling saw, grouped by what preceded it.
/// In emulator mode, checks that out-of-band changes were seen no sooner
/// than the emulator's configured lag (the measurement can fail).
fn lag_report(all: &[Lag], bound: Duration, emulator_mode: bool) -> bool {
    let mut groups: BTreeMap<(Source, &str), Vec<&Lag>> = BTreeMap::new();
    for lag in all {
        groups.entry((lag.source, lag.after)).or_default().push(lag);
    }
    println!(
        "read-back (each write polled until Clerk shows it, at most {} s; the provider's default drift_grace_seconds is {DEFAULT_GRACE_SECONDS} s):",
        bound.as_secs()
    );
    if groups.is_empty() {
        println!("  no writes were polled");
    }
    if let Some(longest) = all
        .iter()
        .filter(|l| l.source == Source::Environment)
        .map(|l| l.elapsed)
        .max()
    {
        let within = longest < Duration::from_secs(DEFAULT_GRACE_SECONDS);
        println!(
            "  longest Frontend API lag seen: {:.2} s, {} the default drift_grace_seconds",
            longest.as_secs_f64(),
            if within { "within" } else { "beyond" }
        );
    }
    let mut ok = true;
    for ((source, after), lags) in &groups {
        let mut times: Vec<f64> = lags.iter().map(|l| l.elapsed.as_secs_f64()).collect();
        times.sort_by(f64::total_cmp);
        let unseen = lags.iter().filter(|l| !l.seen).count();
        let where_ = source.describe("<own path>");
        println!(
            "  {where_}, after {after}: {} writes, shown after {:.2}–{:.2} s (median {:.2} s){}",
            lags.len(),
            times[0],
            times[times.len() - 1],
            times[times.len() / 2],
            if unseen > 0 {
                format!(", {unseen} never shown")
            } else {
                String::new()
            }
        );
        if emulator_mode && *source == Source::Environment && *after == "out-of-band PATCH" {
            let floor = Duration::from_millis(EMULATOR_LAG_MS).as_secs_f64();
            if times[0] < floor {
                println!("FAIL  lag measurement: shown after {:.2} s, before the emulator's {floor} s lag", times[0]);
                ok = false;
            }
        }
    }
    ok
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = text);
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let allow_live = args.iter().any(|a| a == "--live");
    let dry = args.iter().any(|a| a == "--dry-run");
    // Anything else that is not a flag narrows the run by scenario name;
    // the flags test harnesses are given are ignored, with their values.
    let mut filters: Vec<&String> = Vec::new();
    let mut args_iter = args.iter();
    while let Some(arg) = args_iter.next() {
        if [
            "--test-threads",
            "--skip",
            "--format",
            "--color",
            "--logfile",
            "-Z",
        ]
        .contains(&arg.as_str())
        {
            args_iter.next();
        } else if !arg.starts_with('-') {
            filters.push(arg);
        }
    }
    if args.iter().any(|a| a == "--list") {
        for scenario in scenarios::groups().iter().flatten() {
            println!("{}: test", scenario.name);
        }
        return ExitCode::SUCCESS;
    }

    let key_env = std::env::var(safety::KEY_ENV).ok();
    let mode = match safety::choose_mode(
        allow_live,
        key_env.as_deref(),
        std::env::var(safety::URL_ENV).ok().as_deref(),
    ) {
        Ok(mode) => mode,
        Err(refusal) => {
            println!("acceptance: refused: {refusal}");
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    if !allow_live && key_env.as_deref().is_some_and(|k| !k.is_empty()) {
        println!(
            "acceptance: {} is set, but only `make testacc` (--live) uses it; this run stays on clerk-emulator",
            safety::KEY_ENV
        );
    }
    match run(mode, dry, &filters) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(problem) => {
            println!("acceptance: {problem}");
            println!("0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}

fn run(mode: Mode, dry: bool, filters: &[&String]) -> Result<bool, String> {
    let live = matches!(mode, Mode::Live { .. });
    let (emulator, api_url, key) = match mode {
        Mode::Emulator => {
            let lag = EMULATOR_LAG_MS.to_string();
            let emulator = Emulator::start_with(&["--environment-lag-ms", &lag]);
            let url = emulator.url.clone();
            (Some(emulator), url, support::TEST_KEY.to_string())
        }
        Mode::Live { key, api_url } => (None, api_url, key),
    };
    let redact = |text: String| safety::redact(&text, &key);
    let http = Http::new(&api_url, &key).map_err(redact)?;
    let instance = http.get("/instance").map_err(redact)?;
    let id = instance["id"].as_str().unwrap_or("?").to_string();
    let environment = instance["environment_type"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    if live {
        safety::check_environment(&environment)?;
    }
    let frontend_api_url = http.primary_domain().map_err(redact)?["frontend_api_url"]
        .as_str()
        .ok_or("the primary domain has no frontend_api_url")?
        .to_string();

    let singletons: Vec<&Singleton> = scenarios::SINGLETONS.iter().map(|c| c.resource).collect();
    let needed = singletons
        .iter()
        .flat_map(|s| safety::sources_needed(safety::readable(s)))
        .collect();
    let sources = fetch_sources(&http, &frontend_api_url, &singletons, &needed).map_err(redact)?;
    let snapshot = Snapshot::take(&singletons, &sources);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let prefix = safety::run_prefix(now, fastrand::u16(..));
    if live {
        println!(
            "acceptance: live, instance {id} ({environment}) at {api_url}, run prefix {prefix}"
        );
    } else {
        println!(
            "acceptance: clerk-emulator at {api_url} (Frontend API lag {EMULATOR_LAG_MS} ms), instance {id} ({environment}), run prefix {prefix}"
        );
    }
    let groups: Vec<Vec<Scenario>> = scenarios::groups()
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .filter(|s| {
                    filters.is_empty() || filters.iter().any(|f| s.name.contains(f.as_str()))
                })
                .collect::<Vec<_>>()
        })
        .filter(|group| !group.is_empty())
        .collect();

    if dry {
        println!("dry run: nothing is written. The scenarios would:");
        for case in scenarios::SINGLETONS {
            let recorded = &snapshot.singletons[case.resource.path];
            let now: Vec<String> = case
                .values
                .iter()
                .map(|(name, _, _)| {
                    format!(
                        "{name} = {}",
                        recorded
                            .get(*name)
                            .map_or("unreadable".into(), Json::to_string)
                    )
                })
                .collect();
            println!(
                "  {} (now {}), then write these values back",
                case.describe(),
                now.join(", ")
            );
        }
        for case in scenarios::COLLECTIONS {
            println!(
                "  {}: create, delete out of band and create again, delete at the end",
                case.describe()
            );
        }
        for scenario in groups.iter().flatten() {
            let note = match (live, scenario.emulator_only) {
                (true, Some(why)) => format!("  (skipped: emulator only, {why})"),
                _ => String::new(),
            };
            println!("  run {}{note}", scenario.name);
        }
        println!(
            "0 passed, 0 failed (dry run, {} scenarios listed)",
            groups.iter().map(Vec::len).sum::<usize>()
        );
        return Ok(true);
    }

    let session = Arc::new(Mutex::new(Session::new(prefix, snapshot.clone())));
    install_signal_handler(
        session.clone(),
        api_url.clone(),
        key.clone(),
        emulator.as_ref().map(Emulator::pid),
    );
    let target = Arc::new(Target {
        emulator,
        api_url: api_url.clone(),
        key: key.clone(),
        session: session.clone(),
        frontend_api_url,
        bound: Duration::from_secs(if live { 120 } else { 15 }),
    });
    let mut backend = Http::new(&api_url, &key).map_err(redact)?;
    let started = Instant::now();
    let (result, report) = safety::run_then_finish(&session, &mut backend, || {
        std::thread::scope(|scope| {
            let handles: Vec<_> = groups
                .iter()
                .map(|group| {
                    let target = &target;
                    scope.spawn(move || {
                        let mut acc = match Acc::new(target) {
                            Ok(acc) => acc,
                            Err(e) => {
                                println!("FAIL  {}\n{}", group[0].name, indent(&e));
                                return (
                                    Tally {
                                        failed: 1,
                                        ..Tally::default()
                                    },
                                    Vec::new(),
                                );
                            }
                        };
                        let tally = run_all(&mut acc, group, live);
                        (tally, std::mem::take(&mut acc.lags))
                    })
                })
                .collect();
            let mut total = Tally::default();
            let mut lags = Vec::new();
            for handle in handles {
                let (tally, group_lags) = handle.join().unwrap_or_else(|_| {
                    (
                        Tally {
                            failed: 1,
                            ..Tally::default()
                        },
                        Vec::new(),
                    )
                });
                total.passed += tally.passed;
                total.failed += tally.failed;
                total.skipped += tally.skipped;
                lags.extend(group_lags);
            }
            (total, lags)
        })
    });
    let (mut tally, lags) = result.unwrap_or_else(|payload| {
        println!("FAIL  scenarios\n{}", indent(&panic_text(payload)));
        (
            Tally {
                failed: 1,
                ..Tally::default()
            },
            Vec::new(),
        )
    });

    // The instance is as it was found: every touched setting reads back
    // its recorded value.
    let mut acc = Acc::new(&target).map_err(redact)?;
    acc.lags = lags;
    let restore_started = Instant::now();
    let touched = session
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .touched
        .clone();
    let mut problems: Vec<String> = report.problems.iter().map(|p| acc.redact(p)).collect();
    for (path, names) in &touched {
        let Some(singleton) = singletons.iter().find(|s| s.path == path) else {
            continue;
        };
        let expected: Vec<(&str, Json)> = names
            .iter()
            .filter_map(|n| Some((n.as_str(), snapshot.singletons.get(path)?.get(n)?.clone())))
            .collect();
        if let Err(Fail::Failed(why) | Fail::Skipped(why)) =
            acc.await_values_since(singleton, &expected, "the restore", restore_started)
        {
            problems.push(why);
        }
    }
    let count: usize = touched.values().map(BTreeSet::len).sum();
    if problems.is_empty() {
        println!(
            "ok    restore: {count} touched settings written back and read back  {:.1}s",
            restore_started.elapsed().as_secs_f64()
        );
        tally.passed += 1;
    } else {
        println!("FAIL  restore");
        print_finish(&Finish { problems, ..report });
        tally.failed += 1;
    }
    if !lag_report(&acc.lags, target.bound, !live) {
        tally.failed += 1;
    }
    if live {
        println!("ran against instance {id} ({environment}) at {api_url}");
    }
    println!(
        "{} passed, {} failed, {} skipped  ({:.0}s)",
        tally.passed,
        tally.failed,
        tally.skipped,
        started.elapsed().as_secs_f64()
    );
    Ok(tally.failed == 0)
}
