//! Shared harness for the end-to-end tests: the real `terraform` binary,
//! the provider binary in a filesystem mirror, and `clerk-emulator` on
//! loopback, each test in its own directory with its own emulator.
#![allow(dead_code)]

pub mod http;
pub mod mtls;
pub mod plugin;
pub mod requests;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value as Json;

pub const SOURCE: &str = "terraform.local/clerk/clerk";
pub const PROVIDER_BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-clerk");
pub const EMULATOR_BIN: &str = env!("CARGO_BIN_EXE_clerk-emulator");
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The key every test uses unless it needs another: made up, and only ever
/// sent to the emulator on loopback.
pub const TEST_KEY: &str = "sk_test_e2eSecretValue123456";
pub const LIVE_KEY: &str = "sk_live_e2eSecretValue987654";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Terraform v1.0.3: `$TERRAFORM`, or installed into `.tools/` on first use.
pub fn terraform_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(path) = std::env::var("TERRAFORM") {
            if Path::new(&path).is_file() {
                return PathBuf::from(path);
            }
        }
        let path = repo().join(".tools/venv/bin/terraform");
        if !path.is_file() {
            let status = Command::new(repo().join("scripts/install-tools.sh"))
                .status()
                .expect("run scripts/install-tools.sh");
            assert!(status.success(), "installing Terraform failed");
        }
        path
    })
}

/// Terraform v0.13.5, the oldest version the smoke tests run:
/// `$TERRAFORM_0_13`, or `.tools/bin/terraform-0.13.5`, installed by
/// `scripts/install-tools.sh` on first use.
pub fn terraform_0_13_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(path) = std::env::var("TERRAFORM_0_13") {
            if Path::new(&path).is_file() {
                return PathBuf::from(path);
            }
        }
        let path = repo().join(".tools/bin/terraform-0.13.5");
        if !path.is_file() {
            let status = Command::new(repo().join("scripts/install-tools.sh"))
                .status()
                .expect("run scripts/install-tools.sh");
            assert!(status.success(), "installing Terraform failed");
        }
        path
    })
}

/// A filesystem mirror holding the freshly built provider, shared by the
/// tests of one run.
pub fn mirror() -> &'static Path {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("mirror-{}", std::process::id()));
        let platform = dir.join(format!("{SOURCE}/{VERSION}/linux_amd64"));
        std::fs::create_dir_all(&platform).unwrap();
        let target = platform.join(format!("terraform-provider-clerk_v{VERSION}"));
        // A hard link is instant and survives the build replacing the file.
        if std::fs::hard_link(PROVIDER_BIN, &target).is_err() {
            std::fs::copy(PROVIDER_BIN, &target).unwrap();
        }
        dir
    })
}

/// A running `clerk-emulator`; killed on drop.
pub struct Emulator {
    child: Child,
    pub url: String,
    pub addr: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Emulator {
        let mut all = vec!["--quiet"];
        all.extend_from_slice(args);
        Emulator::spawn(&all, Stdio::null())
    }

    /// Without `--quiet`: the emulator echoes its request log to `stderr`.
    pub fn start_logging(args: &[&str], stderr: std::fs::File) -> Emulator {
        Emulator::spawn(args, Stdio::from(stderr))
    }

    fn spawn(args: &[&str], stderr: Stdio) -> Emulator {
        let mut child = Command::new(EMULATOR_BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start clerk-emulator");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .expect("emulator announces its URL")
            .to_string();
        let addr = url.trim_start_matches("http://").to_string();
        Emulator { child, url, addr }
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn get(&self, path: &str) -> Json {
        http::request(&self.addr, "GET", path, None).1
    }

    /// Every request the emulator received, in order.
    pub fn requests(&self) -> Vec<Json> {
        self.get("/__emulator/requests")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The bodies of the `PATCH /v1/instance` requests received.
    pub fn patches(&self) -> Vec<Json> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] == "PATCH" && r["path"] == "/v1/instance")
            .map(|r| r["body"].clone())
            .collect()
    }

    /// Requests that could change something (anything but GET).
    pub fn writes(&self) -> Vec<Json> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] != "GET")
            .collect()
    }

    /// `(method, path)` of every request received.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.requests()
            .into_iter()
            .map(|r| (text(&r["method"]), text(&r["path"])))
            .collect()
    }

    /// `(method, path, body)` of every write received.
    pub fn write_log(&self) -> Vec<(String, String, Json)> {
        self.writes()
            .into_iter()
            .map(|r| (text(&r["method"]), text(&r["path"]), r["body"].clone()))
            .collect()
    }

    /// Something was read, and nothing was written.
    #[track_caller]
    pub fn assert_only_gets(&self) {
        let calls = self.calls();
        assert!(!calls.is_empty(), "nothing was read");
        assert!(calls.iter().all(|(method, _)| method == "GET"), "{calls:?}");
    }

    pub fn clear_requests(&self) {
        http::request(&self.addr, "DELETE", "/__emulator/requests", None);
    }

    pub fn fault(&self, fault: Json) {
        let (status, _) = http::request(
            &self.addr,
            "POST",
            "/__emulator/faults",
            Some(&serde_json::json!({ "faults": [fault] })),
        );
        assert!(status < 300, "adding a fault failed: {status}");
    }

    pub fn clear_faults(&self) {
        http::request(&self.addr, "DELETE", "/__emulator/faults", None);
    }

    /// The stored instance (the first one, or the only one).
    pub fn instance(&self) -> Json {
        let all = self.get("/__emulator/instances");
        match &all {
            Json::Object(map) => map.values().next().cloned().unwrap_or(Json::Null),
            Json::Array(items) => items.first().cloned().unwrap_or(Json::Null),
            _ => Json::Null,
        }
    }

    pub fn instance_id(&self) -> String {
        self.instance()["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Changes settings behind Terraform's back, as the Clerk Dashboard would.
    pub fn change_out_of_band(&self, id: &str, settings: Json) {
        let (status, body) = http::request(
            &self.addr,
            "PATCH",
            &format!("/__emulator/instances/{id}"),
            Some(&settings),
        );
        assert!(status < 300, "out-of-band change failed: {status} {body}");
    }

    pub fn set_environment_lag_ms(&self, lag: u64) {
        http::request(
            &self.addr,
            "PUT",
            "/__emulator/config",
            Some(&serde_json::json!({ "environment_lag_ms": lag })),
        );
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One Terraform working directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
    /// `None` runs [`terraform_bin`] (v1.0.3).
    terraform: Option<PathBuf>,
}

/// The result of one Terraform command.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.status == 0
    }

    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Stdout and stderr with Terraform's line wrapping undone, for
    /// matching sentences.
    pub fn flat(&self) -> String {
        self.combined()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Run {
        assert!(
            self.ok(),
            "terraform failed ({}):\n{}",
            self.status,
            self.combined()
        );
        self
    }

    #[track_caller]
    pub fn assert_failed(&self) -> &Run {
        assert!(
            !self.ok(),
            "terraform unexpectedly succeeded:\n{}",
            self.combined()
        );
        self
    }
}

impl Workspace {
    /// A directory wired to the mirror, with the emulator's URL and the
    /// test key in the provider's environment.
    pub fn new(emulator: &Emulator) -> Workspace {
        let mut ws = Workspace::bare();
        ws.set_env("CLERK_API_URL", &emulator.url);
        ws.set_env("CLERK_SECRET_KEY", TEST_KEY);
        ws
    }

    /// A directory with no Clerk environment at all.
    pub fn bare() -> Workspace {
        let dir = tempfile::Builder::new()
            .prefix("tf-e2e-")
            .tempdir()
            .unwrap();
        let cli_config = dir.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"terraform.local/*/*\"]\n  }}\n}}\n",
                mirror().display()
            ),
        )
        .unwrap();
        Workspace {
            dir,
            cli_config,
            env: Vec::new(),
            terraform: None,
        }
    }

    /// The same workspace, run by another Terraform binary.
    pub fn with_terraform(mut self, path: &Path) -> Workspace {
        self.terraform = Some(path.to_path_buf());
        self
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    pub fn remove_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.tf`, with the required_providers block prepended.
    pub fn write_config(&self, body: &str) {
        let config = format!(
            "terraform {{\n  required_providers {{\n    clerk = {{\n      source = \"{SOURCE}\"\n    }}\n  }}\n}}\n\n{body}\n"
        );
        std::fs::write(self.path().join("main.tf"), config).unwrap();
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = match &self.terraform {
            Some(bin) => Command::new(bin),
            None => Command::new(terraform_bin()),
        };
        cmd.args(args)
            .current_dir(self.path())
            .env_remove("CLERK_SECRET_KEY")
            .env_remove("CLERK_API_URL")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("TF_DISABLE_PLUGIN_TLS")
            .env_remove("TF_REATTACH_PROVIDERS")
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let output: Output = self.command(args).output().expect("run terraform");
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn init(&self) -> Run {
        let run = self.run(&["init", "-input=false", "-no-color"]);
        run.assert_ok();
        run
    }

    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn plan(&self) -> Run {
        self.run(&["plan", "-input=false", "-no-color"])
    }

    /// `plan -detailed-exitcode`: 0 means no changes, 2 means changes.
    pub fn plan_exit_code(&self) -> (i32, Run) {
        let run = self.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
        (run.status, run)
    }

    #[track_caller]
    pub fn assert_no_changes(&self) {
        let (code, run) = self.plan_exit_code();
        assert_eq!(code, 0, "expected an empty plan:\n{}", run.combined());
    }

    /// The current state as `terraform show -json` prints it.
    pub fn state(&self) -> Json {
        let run = self.run(&["show", "-json", "-no-color"]);
        run.assert_ok();
        serde_json::from_str(&run.stdout).expect("show -json output")
    }

    /// The attribute values of the one resource instance at `address`.
    pub fn resource_values(&self, address: &str) -> Json {
        let state = self.state();
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or(Json::Null)
    }

    /// A workspace holding only the `clerk_instance` data source, exposed
    /// as the output `instance`; initialised and applied once.
    pub fn instance_data_source(emulator: &Emulator) -> Workspace {
        let ws = Workspace::new(emulator);
        ws.write_config(
            "provider \"clerk\" {}\n\ndata \"clerk_instance\" \"this\" {}\n\noutput \"instance\" {\n  value = data.clerk_instance.this\n}\n",
        );
        ws.init();
        ws.apply().assert_ok();
        ws
    }

    /// An output's value, as `terraform output -json` prints it.
    pub fn output(&self, name: &str) -> Json {
        let run = self.run(&["output", "-json", name]);
        run.assert_ok();
        serde_json::from_str(&run.stdout).expect("output -json prints JSON")
    }

    pub fn import(&self, address: &str, id: &str) -> Run {
        self.run(&["import", "-input=false", "-no-color", address, id])
    }

    /// The planned actions of one resource, from `plan -json`.
    pub fn planned_actions(&self, address: &str) -> Vec<String> {
        self.plan_json()["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .map(|c| {
                c["change"]["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn plan_json(&self) -> Json {
        self.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .assert_ok();
        let run = self.run(&["show", "-json", "-no-color", "tfplan"]);
        run.assert_ok();
        serde_json::from_str(&run.stdout).expect("plan json")
    }
}

fn text(value: &Json) -> String {
    value.as_str().unwrap_or_default().to_string()
}
