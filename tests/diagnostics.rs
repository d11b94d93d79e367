//! The wording of the diagnostics users meet most, as Terraform renders
//! them, guarded by a snapshot. Each says what happened, which attribute it
//! concerns and what to do next, in Terraform's summary/detail split.
//!
//! Terraform's `-json` output gives each diagnostic's severity, summary,
//! detail and the configuration line it points at; the snapshot lays them
//! out the way `terraform plan` shows them. Run with `UPDATE_SNAPSHOTS=1`
//! to accept a deliberate change of wording.

mod support;

use std::fmt::Write;

use serde_json::{json, Value as Json};
use support::{Emulator, Run, Workspace, LIVE_KEY};

fn settings(body: &str) -> String {
    format!("provider \"clerk\" {{\n  max_retries = 1\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{body}\n}}\n")
}

/// The diagnostics of one `-json` run, rendered as Terraform lays them out.
fn render(run: &Run) -> String {
    let mut out = String::new();
    for line in run.stdout.lines() {
        let Ok(message) = serde_json::from_str::<Json>(line) else {
            continue;
        };
        let Some(diag) = message.get("diagnostic") else {
            continue;
        };
        let severity = if diag["severity"] == "error" {
            "Error"
        } else {
            "Warning"
        };
        writeln!(
            out,
            "{severity}: {}",
            diag["summary"].as_str().unwrap_or_default()
        )
        .unwrap();
        if let Some(code) = diag["snippet"]["code"].as_str() {
            let line_no = diag["range"]["start"]["line"].as_i64().unwrap_or_default();
            writeln!(out, "  on main.tf line {line_no}: {}", code.trim()).unwrap();
        }
        writeln!(out).unwrap();
        for paragraph in diag["detail"].as_str().unwrap_or_default().lines() {
            writeln!(out, "  {paragraph}").unwrap();
        }
        writeln!(out).unwrap();
    }
    normalise(&out)
}

/// Replaces what changes from run to run: trace and instance IDs, ports.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix("ins_") {
            let len = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            out.push_str("ins_<id>");
            rest = &tail[len..];
        } else if let Some(tail) = rest.strip_prefix("127.0.0.1:") {
            let len = tail.chars().take_while(|c| c.is_ascii_digit()).count();
            out.push_str("127.0.0.1:<port>");
            rest = &tail[len..];
        } else if rest
            .bytes()
            .take(32)
            .filter(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count()
            == 32
        {
            out.push_str("<trace-id>");
            rest = &rest[32..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[test]
fn common_mistakes_read_well() {
    let emulator = Emulator::start();
    let mut snapshot = String::new();
    let mut case = |title: &str, ws: &Workspace, args: &[&str]| {
        let mut full = args.to_vec();
        full.extend(["-json", "-input=false", "-no-color"]);
        let run = ws.run(&full);
        let rendered = render(&run);
        assert!(
            !rendered.is_empty(),
            "{title}: no diagnostics in\n{}",
            run.flat()
        );
        writeln!(snapshot, "=== {title} ===\n\n{rendered}").unwrap();
    };

    let mut ws = Workspace::new(&emulator);
    ws.write_config(&settings("  hibp = true"));
    ws.init();

    ws.remove_env("CLERK_SECRET_KEY");
    case("no secret key anywhere", &ws, &["plan"]);
    ws.set_env("CLERK_SECRET_KEY", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k");
    case("a publishable key instead of a secret key", &ws, &["plan"]);
    ws.set_env("CLERK_SECRET_KEY", support::TEST_KEY);

    ws.set_env("CLERK_API_URL", "http://clerk.internal.example:8080");
    case("plain http to a remote API URL", &ws, &["plan"]);
    ws.set_env("CLERK_API_URL", &format!("{}/v2", emulator.url));
    case(
        "a wrong base path in the API URL",
        &ws,
        &["apply", "-auto-approve"],
    );
    ws.set_env("CLERK_API_URL", &emulator.url);

    ws.write_config(&settings("  hibp = true").replace(
        "max_retries = 1",
        "max_retries = 1\n  drift_grace_seconds = -1\n  request_timeout_seconds = 0",
    ));
    case("provider arguments out of range", &ws, &["plan"]);

    ws.write_config(&settings(
        r#"  support_email      = "support.example.com"
  preferred_sign_in_strategy_when_password_required = "passkey"
  allowed_origins    = ["https://app.example.com/"]
  development_origin = "localhost:3000"
  clerk_js_version   = "latest version"
  enhanced_email_deliverability = true"#,
    ));
    case("invalid values", &ws, &["plan"]);

    ws.write_config(&settings("  hibp = true"));
    ws.set_env("CLERK_SECRET_KEY", "sk_test_revokedKey000000000");
    let rejecting = Emulator::start_with(&["--key", support::TEST_KEY]);
    ws.set_env("CLERK_API_URL", &rejecting.url);
    case("a key Clerk rejects", &ws, &["apply", "-auto-approve"]);
    ws.set_env("CLERK_API_URL", &emulator.url);

    ws.set_env("CLERK_SECRET_KEY", LIVE_KEY);
    ws.write_config(&settings(
        "  development_origin = \"http://localhost:3000\"",
    ));
    case(
        "a setting Clerk refuses for this instance",
        &ws,
        &["apply", "-auto-approve"],
    );

    ws.set_env("CLERK_SECRET_KEY", support::TEST_KEY);
    ws.write_config(&settings("  hibp = true"));
    emulator.fault(json!({"method": "PATCH", "path": "/v1/instance", "times": 100, "status": 503}));
    case("Clerk unavailable", &ws, &["apply", "-auto-approve"]);
    emulator.clear_faults();

    ws.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .assert_ok();
    case("destroy", &ws, &["apply", "-destroy", "-auto-approve"]);

    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/diagnostics.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &snapshot).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != snapshot {
        let first_difference = expected
            .lines()
            .zip(snapshot.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(snapshot.lines().count()));
        panic!(
            "diagnostic wording changed (first difference at line {}); review and run \
             `UPDATE_SNAPSHOTS=1 cargo test --test diagnostics` to accept.\n\n{snapshot}",
            first_difference + 1
        );
    }
    assert!(
        !snapshot.contains("e2eSecretValue"),
        "a key leaked into a diagnostic"
    );
}
