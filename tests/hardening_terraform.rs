//! Hardening under real Terraform: Clerk API faults, interrupts, secret
//! handling and hand-edited state, with `terraform` driving the provider
//! against `clerk-emulator` (`support`). The gRPC-driven half is in
//! `hardening_protocol.rs`; docs/hardening.md describes what each test
//! shows. Everything stays on loopback.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use support::{Emulator, Run, Workspace};

const RESOURCE: &str = "clerk_instance_settings";

/// Waits until every queued fault has been consumed (the request it hit is
/// in flight or done).
fn wait_for_faults_consumed(emulator: &Emulator, within: Duration) {
    let started = Instant::now();
    while !emulator
        .get("/__emulator/faults")
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(
            started.elapsed() < within,
            "the faulted request never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The resource's attributes as stored in terraform.tfstate (read directly,
/// without running Terraform), or null when it is not in state.
fn stored_attributes(ws: &Workspace, name: &str) -> Json {
    let Ok(text) = std::fs::read_to_string(ws.path().join("terraform.tfstate")) else {
        return Json::Null;
    };
    let state: Json = serde_json::from_str(&text).unwrap();
    state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == RESOURCE && r["name"] == name)
        .map(|r| r["instances"][0]["attributes"].clone())
        .unwrap_or(Json::Null)
}

/// Small retry limits so every fault resolves in seconds. The timeout is
/// short only where a case is about slowness, so that a busy machine does
/// not turn an ordinary request into a retry and upset the counts.
fn fault_config(email: &str, request_timeout_seconds: u32) -> String {
    format!(
        r#"provider "clerk" {{
  max_retries             = 2
  request_timeout_seconds = {request_timeout_seconds}
  retry_budget_seconds    = 15
}}

resource "clerk_instance_settings" "this" {{
  support_email = "{email}"
}}
"#
    )
}

/// One scripted API fault and what must come of it.
struct FaultCase {
    name: &'static str,
    /// Queued in order before the apply.
    faults: Vec<Json>,
    /// The faulted endpoint, whose requests are counted.
    method: &'static str,
    path: &'static str,
    /// Retries absorb the faults and the apply succeeds.
    recovers: bool,
    /// Requests the endpoint gets during the faulty apply: the bound.
    attempts: u64,
    /// What the failure says (checked in Terraform's output).
    says: &'static [&'static str],
}

fn fault(method: &str, extra: Json) -> Json {
    let mut fault = json!({"method": method, "path": "/v1/instance"});
    fault
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    fault
}

/// Requests that reached (`method`, `path`): those a fault consumed plus
/// those handled normally.
fn requests_to(emulator: &Emulator, queued: u64, method: &str, path: &str) -> u64 {
    let left: u64 = emulator
        .get("/__emulator/faults")
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["times"].as_u64().unwrap())
        .sum();
    let handled = emulator
        .requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"] == path && r["fault"] == false)
        .count() as u64;
    queued - left + handled
}

/// Bodies of the PATCHes the emulator accepted.
fn accepted_patches(emulator: &Emulator) -> Vec<Json> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH" && r["fault"] == false && r["status"] == 204)
        .map(|r| r["body"].clone())
        .collect()
}

fn run_fault_cases(emulator: &Emulator, ws: &Workspace, cases: &[FaultCase]) {
    for (n, case) in cases.iter().enumerate() {
        let name = case.name;
        let before = stored_attributes(ws, "this")["support_email"].clone();
        let email = format!("case{n}@example.com");
        let slow = case.faults.iter().any(|f| f.get("delay_ms").is_some());
        ws.write_config(&fault_config(&email, if slow { 1 } else { 10 }));
        emulator.clear_faults();
        emulator.clear_requests();
        let (status, _) = support::http::request(
            &emulator.addr,
            "POST",
            "/__emulator/faults",
            Some(&json!({ "faults": case.faults })),
        );
        assert_eq!(status, 200, "{name}: faults queued");
        let queued: u64 = case
            .faults
            .iter()
            .map(|f| f["times"].as_u64().unwrap_or(1))
            .sum();

        let run = ws.apply();
        let attempts = requests_to(emulator, queued, case.method, case.path);
        assert_eq!(
            attempts,
            case.attempts,
            "{name}: requests sent\n{}",
            run.combined()
        );
        if case.recovers {
            run.assert_ok();
            assert_eq!(
                stored_attributes(ws, "this")["support_email"],
                email,
                "{name}"
            );
            assert_eq!(emulator.instance()["support_email"], email, "{name}");
            continue;
        }
        run.assert_failed();
        let text = run.flat();
        for needle in case.says {
            assert!(
                text.to_lowercase().contains(&needle.to_lowercase()),
                "{name}: {needle:?} missing from:\n{text}"
            );
        }
        assert!(!text.contains("Provider internal error"), "{name}: {text}");
        assert!(!text.contains("rpc error"), "{name}: {text}");
        // Nothing lost: Terraform's state and Clerk's settings are as before.
        assert_eq!(
            stored_attributes(ws, "this")["support_email"],
            before,
            "{name}: state changed by a failed apply"
        );
        assert_eq!(emulator.instance()["support_email"], before, "{name}");

        // Healthy again: the next apply sends the change once and records it.
        emulator.clear_faults();
        emulator.clear_requests();
        ws.apply().assert_ok();
        assert_eq!(
            accepted_patches(emulator),
            vec![json!({ "support_email": email })],
            "{name}: the retried apply"
        );
        assert_eq!(
            stored_attributes(ws, "this")["support_email"],
            email,
            "{name}"
        );
    }
}

fn fault_workspace(emulator: &Emulator) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&fault_config("initial@example.com", 10));
    ws.init();
    ws.apply().assert_ok();
    assert_eq!(
        stored_attributes(&ws, "this")["support_email"],
        "initial@example.com"
    );
    ws
}

#[test]
fn server_errors_rate_limits_and_timeouts_are_retried_within_bounds() {
    let emulator = Emulator::start();
    let ws = fault_workspace(&emulator);
    let patch = |extra| fault("PATCH", extra);
    let cases = [
        FaultCase {
            name: "500, persistent",
            faults: vec![patch(json!({"status": 500, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &[
                "server error",
                "HTTP 500",
                "3 attempts",
                "may already have been applied",
            ],
        },
        FaultCase {
            name: "502, once",
            faults: vec![patch(json!({"status": 502}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: true,
            attempts: 2,
            says: &[],
        },
        FaultCase {
            name: "503, persistent",
            faults: vec![patch(json!({"status": 503, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["server error", "HTTP 503", "3 attempts"],
        },
        FaultCase {
            name: "429 without Retry-After, persistent",
            faults: vec![patch(json!({"status": 429, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["rate limit", "HTTP 429", "3 attempts"],
        },
        FaultCase {
            name: "429 with Retry-After: 1, once",
            faults: vec![patch(json!({"status": 429, "retry_after": 1}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: true,
            attempts: 2,
            says: &[],
        },
        FaultCase {
            name: "429 with a Retry-After beyond the budget",
            faults: vec![patch(
                json!({"status": 429, "retry_after": 3600, "times": 10}),
            )],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 1,
            says: &["rate limit", "HTTP 429", "wait 3600 s"],
        },
        FaultCase {
            name: "slower than request_timeout_seconds",
            faults: vec![patch(json!({"delay_ms": 3000, "status": 503, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["time", "3 attempts"],
        },
    ];
    run_fault_cases(&emulator, &ws, &cases);
}

#[test]
fn broken_connections_bad_bodies_and_rejections_are_handled() {
    let emulator = Emulator::start();
    let mut ws = fault_workspace(&emulator);
    let cases = [
        FaultCase {
            name: "connection reset mid-response, persistent",
            faults: vec![fault("PATCH", json!({"reset": true, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["could not", "reach", "3 attempts"],
        },
        FaultCase {
            // The change took effect, the answer was lost: the retry
            // (PATCH sets absolute values) makes the outcome certain.
            name: "connection reset after Clerk applied the change",
            faults: vec![fault(
                "PATCH",
                json!({"reset": true, "after_handling": true}),
            )],
            method: "PATCH",
            path: "/v1/instance",
            recovers: true,
            attempts: 2,
            says: &[],
        },
        FaultCase {
            name: "200 whose body is not JSON",
            faults: vec![fault(
                "GET",
                json!({"status": 200, "body": "<html>maintenance</html>", "times": 10}),
            )],
            method: "GET",
            path: "/v1/instance",
            recovers: false,
            attempts: 1,
            says: &["HTTP 200", "could not be understood"],
        },
        FaultCase {
            name: "422 naming a parameter",
            faults: vec![fault(
                "PATCH",
                json!({"status": 422, "times": 10, "body": json!({
                    "errors": [{
                        "code": "form_param_format_invalid",
                        "message": "is invalid",
                        "long_message": "support_email is not deliverable",
                        "meta": {"param_name": "support_email"}
                    }],
                    "clerk_trace_id": "trace-422"
                }).to_string()}),
            )],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 1,
            says: &[
                "support_email is not deliverable (Clerk error code `form_param_format_invalid`)",
                "trace-422",
                // Terraform points at the attribute in the configuration.
                "in resource \"clerk_instance_settings\" \"this\"",
                "support_email = \"case3@example.com\"",
            ],
        },
    ];
    run_fault_cases(&emulator, &ws, &cases);

    // Connection refused: nothing listens at the API URL.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let before = stored_attributes(&ws, "this");
    ws.write_config(&fault_config("refused@example.com", 10));
    ws.set_env("CLERK_API_URL", &format!("http://{closed}"));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("reach") && text.contains("3 attempts"),
        "{text}"
    );
    assert!(text.contains("Nothing was changed"), "{text}");
    assert_eq!(stored_attributes(&ws, "this"), before, "state unchanged");
    ws.set_env("CLERK_API_URL", &emulator.url);
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        accepted_patches(&emulator),
        vec![json!({"support_email": "refused@example.com"})]
    );
}

/// How the interrupt reaches Terraform.
#[derive(Debug, Clone, Copy)]
enum Interrupt {
    /// SIGINT to the Terraform process alone (`TF_FORK=0` keeps Terraform
    /// 1.0's panic-wrapper parent, which ignores SIGINT, out of the way).
    TerraformOnly,
    /// SIGINT to Terraform's whole process group, the provider included,
    /// as Ctrl-C in a terminal sends it.
    ProcessGroup,
}

#[test]
fn interrupting_terraform_mid_apply_stops_cleanly_and_keeps_state() {
    use std::os::unix::process::CommandExt;

    // Patient settings: only the interrupt can end the wait for Clerk.
    let config = |email: &str| {
        format!(
            "provider \"clerk\" {{\n  max_retries = 0\n  request_timeout_seconds = 60\n}}\n\n\
             resource \"clerk_instance_settings\" \"this\" {{\n  support_email = \"{email}\"\n}}\n"
        )
    };
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(&config("initial@example.com"));
    ws.init();
    ws.apply().assert_ok();

    for (n, interrupt) in [Interrupt::TerraformOnly, Interrupt::ProcessGroup]
        .into_iter()
        .enumerate()
    {
        let before = stored_attributes(&ws, "this")["support_email"].clone();
        let email = format!("interrupted{n}@example.com");
        ws.write_config(&config(&email));
        match interrupt {
            Interrupt::TerraformOnly => ws.set_env("TF_FORK", "0"),
            Interrupt::ProcessGroup => ws.remove_env("TF_FORK"),
        }
        // Clerk would take 20 s to answer the PATCH.
        emulator.fault(
            json!({"method": "PATCH", "path": "/v1/instance", "delay_ms": 20_000, "status": 503}),
        );
        let out = ws.path().join(format!("apply-{n}.out"));
        let err = ws.path().join(format!("apply-{n}.err"));
        let mut child = ws
            .command(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .process_group(0)
            .spawn()
            .unwrap();
        wait_for_faults_consumed(&emulator, Duration::from_secs(30));

        let target = match interrupt {
            Interrupt::TerraformOnly => child.id().to_string(),
            Interrupt::ProcessGroup => format!("-{}", child.id()),
        };
        let interrupted = Instant::now();
        let kill = std::process::Command::new("kill")
            .args(["-INT", "--", &target])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if interrupted.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{interrupt:?}: terraform was still running 10 s after the interrupt");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let run = Run {
            status: status.code().unwrap_or(-1),
            stdout: std::fs::read_to_string(&out).unwrap(),
            stderr: std::fs::read_to_string(&err).unwrap(),
        };
        run.assert_failed();
        let text = run.flat();
        assert!(text.contains("Interrupt received"), "{interrupt:?}: {text}");
        assert!(text.contains("cancelled"), "{interrupt:?}: {text}");
        assert!(text.contains("interrupted"), "{interrupt:?}: {text}");
        for bad in [
            "panic",
            "Provider internal error",
            "rpc error",
            "plugin crashed",
        ] {
            assert!(!text.contains(bad), "{interrupt:?}: {bad:?} in {text}");
        }
        assert_eq!(
            stored_attributes(&ws, "this")["support_email"],
            before,
            "{interrupt:?}: state unchanged by the interrupted apply"
        );
        assert_eq!(emulator.instance()["support_email"], before);

        // Clerk healthy, nothing queued: the next apply goes through.
        emulator.clear_faults();
        ws.apply().assert_ok();
        assert_eq!(stored_attributes(&ws, "this")["support_email"], email);
    }
}

/// A key only this test uses, and a distinctive run of its middle that a
/// partial leak (a truncated or re-encoded copy) would still contain.
const SECRET_KEY: &str = "sk_test_hardenQx7Vw3Mz9Tp2Lk5Rs8";
const SECRET_MIDDLE: &str = "Qx7Vw3Mz9Tp2";
const WRONG_KEY: &str = "sk_test_wrongYb4Nc6Hd1Jf5Gm8";
const WRONG_MIDDLE: &str = "Yb4Nc6Hd1Jf5";

fn secret_config(support_email: &str, with_other: bool) -> String {
    let other = if with_other {
        "\nresource \"clerk_instance_settings\" \"other\" {}\n"
    } else {
        ""
    };
    format!(
        r#"variable "clerk_secret_key" {{
  type      = string
  sensitive = true
}}

provider "clerk" {{
  secret_key  = var.clerk_secret_key
  max_retries = 1
}}

resource "clerk_instance_settings" "this" {{
  support_email = "{support_email}"
  test_mode     = false
}}
{other}"#
    )
}

#[test]
fn the_secret_key_never_appears_in_any_output_log_or_record() {
    let scratch = tempfile::tempdir().unwrap();
    let emulator_log = scratch.path().join("emulator.stderr");
    let emulator = Emulator::start_logging(
        &["--key", SECRET_KEY],
        std::fs::File::create(&emulator_log).unwrap(),
    );
    let mut ws = Workspace::new(&emulator);
    ws.remove_env("CLERK_SECRET_KEY");
    ws.set_env("TF_VAR_clerk_secret_key", SECRET_KEY);
    ws.write_config(&secret_config("one@example.com", false));
    ws.init();

    let mut captured: Vec<(String, String)> = Vec::new();
    let mut traces: Vec<PathBuf> = Vec::new();
    let mut traced = |ws: &mut Workspace, step: &str, args: &[&str]| -> Run {
        let log = ws.path().join(format!("trace-{step}.log"));
        ws.set_env("TF_LOG", "TRACE");
        ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
        let run = ws.run(args);
        traces.push(log);
        captured.push((format!("terraform {step} output"), run.combined()));
        run
    };
    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let plan = ["plan", "-input=false", "-no-color", "-detailed-exitcode"];

    // A create, and a plan with nothing to do.
    traced(&mut ws, "create", &apply).assert_ok();
    let run = traced(&mut ws, "plan", &plan);
    assert_eq!(run.status, 0, "{}", run.combined());

    // A failing apply whose error bodies echo the key back, as a
    // misbehaving proxy might: a 503 (retried), then a 422.
    ws.write_config(&secret_config("two@example.com", false));
    let echo = format!("Authorization: Bearer {SECRET_KEY}");
    emulator
        .fault(json!({"method": "PATCH", "status": 503, "body": format!("<html>{echo}</html>")}));
    emulator.fault(json!({"method": "PATCH", "status": 422, "body": json!({
        "errors": [{"code": "echo", "message": echo, "long_message": format!("rejected {echo}"),
                    "meta": {"param_name": "support_email"}}],
        "clerk_trace_id": SECRET_KEY,
    }).to_string()}));
    let run = traced(&mut ws, "failing-apply", &apply);
    run.assert_failed();
    assert!(
        run.flat()
            .contains("rejected Authorization: Bearer [redacted]"),
        "the echoed key was fed through and scrubbed: {}",
        run.flat()
    );
    emulator.clear_faults();

    // Import with an ID of another instance.
    ws.write_config(&secret_config("two@example.com", true));
    let run = traced(
        &mut ws,
        "import",
        &[
            "import",
            "-input=false",
            "-no-color",
            "clerk_instance_settings.other",
            "ins_someoneelse",
        ],
    );
    run.assert_failed();
    assert!(run.flat().contains("does not match"), "{}", run.flat());
    ws.write_config(&secret_config("two@example.com", false));

    // A key Clerk does not accept: 401.
    ws.set_env("TF_VAR_clerk_secret_key", WRONG_KEY);
    let run = traced(&mut ws, "wrong-key", &plan);
    assert_eq!(run.status, 1, "{}", run.combined());
    assert!(run.flat().contains("HTTP 401"), "{}", run.flat());

    // Everything the run produced.
    for log in &traces {
        let text = std::fs::read_to_string(log).unwrap();
        captured.push((log.display().to_string(), text));
    }
    let requests = emulator.requests();
    assert!(requests.iter().any(|r| r["status"] == 401));
    assert!(requests.iter().any(|r| r["method"] == "PATCH"));
    captured.push((
        "the emulator's request log".into(),
        serde_json::to_string(&requests).unwrap(),
    ));
    for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
        if let Ok(text) = std::fs::read_to_string(ws.path().join(file)) {
            captured.push((file.into(), text));
        }
    }
    drop(emulator);
    let emulator_stderr = std::fs::read_to_string(&emulator_log).unwrap();
    assert!(
        emulator_stderr.contains("/v1/instance"),
        "the emulator echoed its request log"
    );
    captured.push(("the emulator's stderr".into(), emulator_stderr));

    // The captures are real: the provider's own log lines are in the traces.
    let all_traces: String = captured
        .iter()
        .filter(|(name, _)| name.ends_with(".log"))
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(
        all_traces.contains("Clerk API request"),
        "no provider log lines captured"
    );
    assert!(all_traces.contains("Clerk API error response body"));

    for (source, text) in &captured {
        for needle in [SECRET_KEY, SECRET_MIDDLE, WRONG_KEY, WRONG_MIDDLE] {
            // Report the place, never the text around it (it would print
            // the secret).
            if let Some(at) = text.find(needle) {
                panic!(
                    "a secret key (or part of it) appears in {source} at byte {at} of {}",
                    text.len()
                );
            }
        }
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_connection() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {\n  max_retries = 0\n}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}\n",
    );
    ws.init();
    // Any attempt to reach example.com would have to go through this
    // loopback listener, which counts connections: traffic never leaves
    // the machine, and an attempt would show.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let proxy = format!("http://{}", trap.local_addr().unwrap());
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        ws.set_env(var, &proxy);
    }
    for var in ["NO_PROXY", "no_proxy"] {
        ws.set_env(var, "");
    }

    ws.set_env("CLERK_API_URL", "http://example.com");
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("Invalid api_url"), "{text}");
    assert!(
        text.contains("http:// for a host that is not loopback"),
        "{text}"
    );
    assert!(text.contains("from CLERK_API_URL"), "{text}");

    // The same in the provider block, pointed at the attribute.
    ws.set_env("CLERK_API_URL", &emulator.url);
    ws.write_config(
        "provider \"clerk\" {\n  api_url = \"http://example.com/v1\"\n}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}\n",
    );
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("clear text"), "{text}");
    assert!(
        text.contains("api_url = \"http://example.com/v1\""),
        "{text}"
    );

    match trap.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("something tried to connect out (from {from})"),
        Err(e) => panic!("{e}"),
    }
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

/// Edits the attributes of the one resource instance in terraform.tfstate.
fn edit_stored_attributes(ws: &Workspace, edit: impl FnOnce(&mut serde_json::Map<String, Json>)) {
    let path = ws.path().join("terraform.tfstate");
    let mut state: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(
        state["resources"][0]["instances"][0]["attributes"]
            .as_object_mut()
            .unwrap(),
    );
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
}

#[test]
fn hand_edited_state_is_upgraded_or_refused_clearly() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}\n",
    );
    ws.init();
    ws.apply().assert_ok();

    // An attribute this version does not know, as a newer provider would
    // write it. With the schema version unchanged, Terraform 1.0.3 strips
    // such attributes itself before UpgradeResourceState (it logs that at
    // DEBUG), so the provider's own warning for them (tested over gRPC
    // above) is never reached here: what matters is that nothing fails.
    edit_stored_attributes(&ws, |attributes| {
        attributes.insert("future_setting".into(), json!("from a newer provider"));
    });
    let log = ws.path().join("plan.log");
    ws.set_env("TF_LOG", "DEBUG");
    ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
    let (code, run) = ws.plan_exit_code();
    assert_eq!(code, 0, "no failure and no changes:\n{}", run.combined());
    assert!(!run.flat().contains("Error"), "{}", run.flat());
    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(
        trace.contains("attribute \"future_setting\" no longer present in schema"),
        "Terraform dropped the attribute"
    );
    ws.remove_env("TF_LOG");
    ws.remove_env("TF_LOG_PATH");
    // The next apply writes state without it.
    ws.apply().assert_ok();
    assert!(stored_attributes(&ws, "this")
        .get("future_setting")
        .is_none());
    assert_eq!(stored_attributes(&ws, "this")["hibp"], true);

    // State this version cannot understand: a clear error naming the
    // attribute and the way out, and the state file left alone.
    edit_stored_attributes(&ws, |attributes| {
        attributes.insert("hibp".into(), json!("yes"));
    });
    let saved = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap();
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("Stored state could not be read"), "{text}");
    assert!(
        text.contains("at .hibp: expected a bool, found a string"),
        "{text}"
    );
    assert!(text.contains("terraform state rm"), "{text}");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap(),
        saved
    );
}
