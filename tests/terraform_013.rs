//! End-to-end smoke tests under Terraform v0.13.5, the oldest version that
//! installs a provider by source address: init from the filesystem mirror,
//! create, an empty second plan, the data source, import, destroy and a
//! refused value, each checked against the emulator's request log. The full
//! suite runs v1.0.3 (`tests/terraform.rs`); 0.13 has no lock file and no
//! `dev_overrides`, so neither is used here.

mod support;

use serde_json::json;
use support::{terraform_0_13_bin, Emulator, Workspace};

const RESOURCE: &str = "clerk_instance_settings.this";

fn settings_config(body: &str) -> String {
    format!("provider \"clerk\" {{\n  max_retries = 1\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{body}\n}}\n")
}

/// A workspace run by v0.13.5, checked to really be that version.
fn workspace(emulator: &Emulator) -> Workspace {
    let ws = Workspace::new(emulator).with_terraform(terraform_0_13_bin());
    let version = ws.run(&["version"]);
    version.assert_ok();
    assert!(
        version.stdout.starts_with("Terraform v0.13.5"),
        "{}",
        version.stdout
    );
    ws
}

fn ready(emulator: &Emulator, body: &str) -> Workspace {
    let ws = workspace(emulator);
    ws.write_config(&settings_config(body));
    let init = ws.init();
    assert!(
        init.stdout
            .contains("Installing terraform.local/clerk/clerk"),
        "{}",
        init.stdout
    );
    // 0.13 records no provider checksums.
    assert!(!ws.path().join(".terraform.lock.hcl").exists());
    ws
}

#[test]
fn create_sends_exactly_the_configured_settings_and_then_plans_nothing() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        r#"  test_mode       = false
  support_email   = ""
  allowed_origins = ["https://app.example.com", "chrome-extension://abcdefghijklmnop"]"#,
    );
    let plan = ws.plan();
    plan.assert_ok();
    assert!(
        plan.stdout
            .contains("clerk_instance_settings.this will be created"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("hibp"), "{}", plan.stdout);
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());

    ws.apply().assert_ok();
    assert_eq!(
        emulator.patches(),
        vec![json!({
            "test_mode": false,
            "support_email": "",
            "allowed_origins": ["chrome-extension://abcdefghijklmnop", "https://app.example.com"],
        })]
    );
    let values = ws.resource_values(RESOURCE);
    assert!(
        values["id"].as_str().unwrap().starts_with("ins_"),
        "{values}"
    );
    assert_eq!(values["test_mode"], false);
    assert_eq!(values["support_email"], "");
    assert_eq!(values["hibp"], serde_json::Value::Null);

    emulator.clear_requests();
    ws.assert_no_changes();
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
}

#[test]
fn the_data_source_reads_and_import_adopts_the_instance() {
    let emulator = Emulator::start();
    let data = workspace(&emulator);
    data.write_config(
        "provider \"clerk\" {}\n\ndata \"clerk_instance\" \"this\" {}\n\noutput \"instance\" {\n  value = data.clerk_instance.this\n}\n",
    );
    data.init();
    data.apply().assert_ok();
    let instance = data.output("instance");
    let id = instance["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ins_"), "{instance}");
    assert_eq!(instance["environment_type"], "development");
    assert!(instance["allowed_origins"].is_array(), "{instance}");
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());

    let ws = ready(&emulator, r#"  support_email = "help@example.com""#);
    let refused = ws.run(&[
        "import",
        "-input=false",
        "-no-color",
        RESOURCE,
        "ins_somebody_else",
    ]);
    refused.assert_failed();
    assert!(
        refused.flat().contains("does not match"),
        "{}",
        refused.flat()
    );

    emulator.clear_requests();
    ws.run(&["import", "-input=false", "-no-color", RESOURCE, &id])
        .assert_ok();
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["id"], id.as_str());
    assert_eq!(values["support_email"], serde_json::Value::Null);

    ws.apply().assert_ok();
    assert_eq!(
        emulator.patches(),
        vec![json!({"support_email": "help@example.com"})]
    );
    ws.assert_no_changes();
}

#[test]
fn destroy_forgets_the_settings_without_writing() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  test_mode = false");
    ws.apply().assert_ok();
    let before = emulator.instance();
    emulator.clear_requests();

    let run = ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    run.assert_ok();
    assert!(
        run.flat().contains("only removed from Terraform state"),
        "{}",
        run.flat()
    );
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert_eq!(emulator.instance(), before);
    assert_eq!(ws.resource_values(RESOURCE), serde_json::Value::Null);
}

#[test]
fn an_invalid_value_is_refused_at_plan_naming_the_attribute() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, r#"  support_email = "not-an-email""#);
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("Invalid support_email"), "{text}");
    assert!(text.contains("not-an-email"), "{text}");
    assert!(
        emulator.requests().is_empty(),
        "nothing may reach Clerk: {:?}",
        emulator.requests()
    );
}
