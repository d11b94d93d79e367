//! `terraform plan` with each provider, installed from a filesystem mirror,
//! and with no provider at all (Terraform's own floor).
//!
//! Peak memory uses a second mirror in which each provider binary is a
//! small shell script that runs the real binary under this program's
//! `--wrap-peak` mode: it waits for the provider to exit and appends the
//! provider's peak resident set (`ru_maxrss` from `getrusage`, the same
//! figure as `VmHWM`) to a log, one line per provider process. The timed
//! plans do not use the wrapper.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// A provider as Terraform installs it.
pub struct Installed {
    /// The local name in `required_providers`, e.g. `null`.
    pub local_name: &'static str,
    /// Its source address, e.g. `hashicorp/null`.
    pub source: &'static str,
    /// The address's hostname, for the mirror layout.
    pub hostname: &'static str,
    pub namespace: &'static str,
    pub type_name: &'static str,
    pub version: String,
    /// The file name inside the mirror's platform directory.
    pub file_name: String,
    pub binary: PathBuf,
    /// The configuration body after the `terraform` block.
    pub body: &'static str,
}

impl Installed {
    fn platform_dir(&self, mirror: &Path) -> PathBuf {
        mirror
            .join(self.hostname)
            .join(self.namespace)
            .join(self.type_name)
            .join(&self.version)
            .join("linux_amd64")
    }

    fn config(&self) -> String {
        format!(
            "terraform {{\n  required_providers {{\n    {} = {{\n      source  = \"{}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n\n{}\n",
            self.local_name, self.source, self.version, self.body
        )
    }
}

/// Where everything lives: two mirrors, their CLI configurations and the
/// working directories.
pub struct Bench {
    terraform: PathBuf,
    root: PathBuf,
    env: Vec<(String, String)>,
}

/// One working directory, initialised.
pub struct Workspace {
    dir: PathBuf,
    cli_config: PathBuf,
    /// The peak-memory log its wrapped providers write, if wrapped.
    pub peak_log: Option<PathBuf>,
}

impl Bench {
    /// `env` is added to every Terraform run (and so reaches providers).
    pub fn new(terraform: &Path, root: &Path, env: Vec<(String, String)>) -> Bench {
        Bench {
            terraform: terraform.to_path_buf(),
            root: root.to_path_buf(),
            env,
        }
    }

    /// Puts `providers` into a mirror, plain or wrapped, and writes a CLI
    /// configuration that installs only from it.
    pub fn mirror(
        &self,
        name: &str,
        providers: &[&Installed],
        wrap: bool,
    ) -> Result<PathBuf, String> {
        let mirror = self.root.join(name);
        let mut includes = Vec::new();
        for provider in providers {
            let dir = provider.platform_dir(&mirror);
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            let target = dir.join(&provider.file_name);
            if wrap {
                let log = self.root.join(format!("peak-{}.log", provider.type_name));
                let script = format!(
                    "#!/bin/sh\nexec '{}' --wrap-peak '{}' '{}'\n",
                    std::env::current_exe()
                        .map_err(|e| format!("locating this program: {e}"))?
                        .display(),
                    log.display(),
                    provider.binary.display()
                );
                std::fs::write(&target, script)
                    .map_err(|e| format!("writing {}: {e}", target.display()))?;
                set_executable(&target)?;
            } else {
                std::fs::copy(&provider.binary, &target)
                    .map_err(|e| format!("copying {}: {e}", provider.binary.display()))?;
            }
            includes.push(format!(
                "\"{}/{}/{}\"",
                provider.hostname, provider.namespace, provider.type_name
            ));
        }
        let cli_config = self.root.join(format!("{name}.tfrc"));
        let text = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [{}]\n  }}\n}}\n",
            mirror.display(),
            includes.join(", ")
        );
        std::fs::write(&cli_config, text)
            .map_err(|e| format!("writing {}: {e}", cli_config.display()))?;
        Ok(cli_config)
    }

    /// A working directory with `config` as `main.tf`, initialised once.
    pub fn workspace(
        &self,
        name: &str,
        config: &str,
        cli_config: &Path,
        peak_log: Option<PathBuf>,
    ) -> Result<Workspace, String> {
        let dir = self.root.join("ws").join(name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        std::fs::write(dir.join("main.tf"), config).map_err(|e| format!("writing main.tf: {e}"))?;
        let workspace = Workspace {
            dir,
            cli_config: cli_config.to_path_buf(),
            peak_log,
        };
        self.run(&workspace, &["init", "-input=false", "-no-color"])?;
        Ok(workspace)
    }

    pub fn provider_workspace(
        &self,
        name: &str,
        provider: &Installed,
        cli_config: &Path,
        peak_log: bool,
    ) -> Result<Workspace, String> {
        let log = peak_log.then(|| self.root.join(format!("peak-{}.log", provider.type_name)));
        self.workspace(name, &provider.config(), cli_config, log)
    }

    /// Runs one Terraform command to completion; its wall time.
    pub fn run(&self, workspace: &Workspace, args: &[&str]) -> Result<Duration, String> {
        self.run_with(workspace, args, &[])
    }

    fn run_with(
        &self,
        workspace: &Workspace,
        args: &[&str],
        env: &[(&str, &Path)],
    ) -> Result<Duration, String> {
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args)
            .current_dir(&workspace.dir)
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_REATTACH_PROVIDERS")
            .env_remove("TF_DISABLE_PLUGIN_TLS")
            .env("TF_CLI_CONFIG_FILE", &workspace.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let output = cmd
            .output()
            .map_err(|e| format!("running {}: {e}", self.terraform.display()))?;
        let elapsed = started.elapsed();
        if !output.status.success() {
            return Err(format!(
                "terraform {} in {} failed ({}):\n{}{}",
                args.join(" "),
                workspace.dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(elapsed)
    }

    pub fn plan(&self, workspace: &Workspace) -> Result<Duration, String> {
        self.run(workspace, &["plan", "-input=false", "-no-color"])
    }

    /// One plan with Terraform's trace log on, read for the time Terraform
    /// spends before each provider start making the client key and
    /// certificate for AutoMTLS (from "configuring client automatic mTLS"
    /// to "starting plugin"), added up over the plan's provider starts.
    pub fn plan_mtls_setup(&self, workspace: &Workspace) -> Result<Duration, String> {
        let log = workspace.dir.join("trace.log");
        let _ = std::fs::remove_file(&log);
        self.run_with(
            workspace,
            &["plan", "-input=false", "-no-color"],
            &[("TF_LOG", Path::new("trace")), ("TF_LOG_PATH", &log)],
        )?;
        let text = std::fs::read_to_string(&log)
            .map_err(|e| format!("reading Terraform's trace log {}: {e}", log.display()))?;
        let mut total = Duration::ZERO;
        let mut pending = None;
        for line in text.lines() {
            if line.contains("configuring client automatic mTLS") {
                pending = log_time(line);
            } else if line.contains("provider: starting plugin:") {
                if let (Some(from), Some(to)) = (pending.take(), log_time(line)) {
                    total += to.saturating_sub(from);
                }
            }
        }
        if total.is_zero() {
            return Err(format!(
                "no AutoMTLS set-up found in Terraform's trace log {}",
                log.display()
            ));
        }
        Ok(total)
    }

    /// One plan under the wrapper: what its provider processes used.
    pub fn plan_peak(&self, workspace: &Workspace) -> Result<PlanUsage, String> {
        let log = workspace
            .peak_log
            .as_ref()
            .ok_or("not a wrapped workspace")?;
        let _ = std::fs::remove_file(log);
        self.plan(workspace)?;
        let text = std::fs::read_to_string(log).map_err(|e| {
            format!(
                "no peak-memory log at {} (did the wrapper run?): {e}",
                log.display()
            )
        })?;
        let mut usage = PlanUsage::default();
        for line in text.lines() {
            let mut fields = line.split_whitespace().map(str::parse::<u64>);
            let (Some(Ok(peak_kb)), Some(Ok(cpu_us))) = (fields.next(), fields.next()) else {
                return Err(format!("unreadable line in {}: {line:?}", log.display()));
            };
            usage.processes += 1;
            usage.peak_kb = usage.peak_kb.max(peak_kb);
            usage.cpu += Duration::from_micros(cpu_us);
        }
        if usage.processes == 0 {
            return Err(format!("empty peak-memory log {}", log.display()));
        }
        Ok(usage)
    }
}

/// What the provider processes of one plan used.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlanUsage {
    /// How many times Terraform started the provider.
    pub processes: usize,
    /// The largest peak resident set among them (VmHWM), in kB.
    pub peak_kb: u64,
    /// Their CPU time, user and system, added up.
    pub cpu: Duration,
}

/// The time of day of a trace log line, from its leading timestamp
/// (`2021-07-28T10:00:00.123Z [DEBUG] ...`).
fn log_time(line: &str) -> Option<Duration> {
    let stamp = line.split_whitespace().next()?;
    let clock = stamp.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = clock.split(':');
    let hours: u64 = parts.next()?.parse().ok()?;
    let minutes: u64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some(Duration::from_secs(hours * 3600 + minutes * 60) + Duration::from_secs_f64(seconds))
}

fn set_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

/// `--wrap-peak LOG BINARY`: runs BINARY with this process's environment
/// and standard streams (Terraform reads the handshake line straight from
/// it), then appends a line to LOG with BINARY's peak resident set in kB
/// and its CPU time (user and system) in microseconds, and exits as BINARY
/// did.
pub fn wrap_peak(log: &Path, binary: &Path) -> ExitCode {
    let status = match Command::new(binary).status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!("wrap-peak: could not run {}: {error}", binary.display());
            return ExitCode::FAILURE;
        }
    };
    // SAFETY: getrusage only writes into the struct it is given, which is
    // plain old data for which all-zero bytes are a valid value.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    // On Linux ru_maxrss is in kilobytes. The only child is the provider.
    let micros = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    let cpu_us = micros(usage.ru_utime) + micros(usage.ru_stime);
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .and_then(|mut file| writeln!(file, "{} {cpu_us}", usage.ru_maxrss));
    if let Err(error) = written {
        eprintln!("wrap-peak: could not write {}: {error}", log.display());
    }
    match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    }
}
