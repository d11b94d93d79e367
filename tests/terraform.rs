//! End-to-end: real Terraform v1.0.3 drives the provider binary (AutoMTLS
//! on) against `clerk-emulator` on loopback. Each test asserts on the
//! requests the emulator received, so "the plan is the request" is checked
//! byte for byte.

mod support;

use serde_json::json;
use support::{Emulator, Workspace, LIVE_KEY, TEST_KEY};

const RESOURCE: &str = "clerk_instance_settings.this";

fn settings_config(body: &str) -> String {
    format!("provider \"clerk\" {{\n  max_retries = 1\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{body}\n}}\n")
}

fn ready(emulator: &Emulator, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&settings_config(body));
    ws.init();
    ws
}

#[test]
fn terraform_loads_the_provider_and_reads_its_full_schema() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  test_mode = true");
    ws.run(&["validate", "-no-color"]).assert_ok();
    assert!(ws.path().join(".terraform.lock.hcl").exists());

    let run = ws.run(&["providers", "schema", "-json"]);
    run.assert_ok();
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let provider = &schema["provider_schemas"][support::SOURCE];
    let secret = &provider["provider"]["block"]["attributes"]["secret_key"];
    assert_eq!(secret["sensitive"], true);
    assert_eq!(secret["optional"], true);
    assert_eq!(secret["description_kind"], "markdown");
    let resource = &provider["resource_schemas"]["clerk_instance_settings"]["block"];
    let attributes = resource["attributes"].as_object().unwrap();
    assert_eq!(attributes.len(), 11, "{attributes:?}");
    for (name, attribute) in attributes {
        assert!(
            attribute["description"]
                .as_str()
                .is_some_and(|d| d.len() > 20),
            "{name} lacks a description"
        );
        if name != "id" && name != "environment_type" {
            assert_eq!(attribute["optional"], true, "{name}");
            assert_eq!(attribute["computed"], true, "{name}");
        }
    }
    assert_eq!(
        attributes["allowed_origins"]["type"],
        json!(["set", "string"])
    );
    assert_eq!(
        attributes["enhanced_email_deliverability"]["deprecated"],
        true
    );
    assert!(resource["description"]
        .as_str()
        .unwrap()
        .contains("PATCH /v1/instance"));
    let data = &provider["data_source_schemas"]["clerk_instance"]["block"]["attributes"];
    assert_eq!(data["allowed_origins"]["computed"], true);

    let run = ws.plan();
    run.assert_ok();
    assert!(
        run.stdout
            .contains("clerk_instance_settings.this will be created"),
        "{}",
        run.stdout
    );
    assert!(
        emulator.writes().is_empty(),
        "plan must not write: {:?}",
        emulator.writes()
    );
}

#[test]
fn create_sends_exactly_the_configured_settings() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        r#"  test_mode       = false
  support_email   = ""
  allowed_origins = ["https://app.example.com", "chrome-extension://abcdefghijklmnop"]"#,
    );
    let plan = ws.plan();
    plan.assert_ok();
    // Settings left out are not shown at all: they are not managed.
    assert!(!plan.stdout.contains("hibp"), "{}", plan.stdout);
    assert!(plan.stdout.contains("id ") && plan.stdout.contains("(known after apply)"));
    assert!(emulator.writes().is_empty());

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
    assert!(values["id"].as_str().unwrap().starts_with("ins_"));
    assert_eq!(values["environment_type"], "development");
    assert_eq!(values["test_mode"], false);
    assert_eq!(values["support_email"], "");
    assert_eq!(values["hibp"], serde_json::Value::Null);

    emulator.clear_requests();
    ws.assert_no_changes();
    assert!(emulator.writes().is_empty(), "a second plan must not write");
}

#[test]
fn update_sends_only_what_changed_and_leaves_omitted_settings_alone() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        r#"  test_mode        = false
  support_email    = "help@example.com"
  clerk_js_version = "5""#,
    );
    ws.apply().assert_ok();
    emulator.clear_requests();

    // support_email removed, test_mode changed, hibp added, version cleared.
    ws.write_config(&settings_config(
        r#"  test_mode        = true
  hibp             = false
  clerk_js_version = """#,
    ));
    let plan = ws.plan();
    plan.assert_ok();
    assert!(plan.stdout.contains("1 to change"), "{}", plan.stdout);
    assert!(
        !plan.stdout.contains("support_email"),
        "removing a setting plans nothing for it:\n{}",
        plan.stdout
    );

    ws.apply().assert_ok();
    assert_eq!(
        emulator.patches(),
        vec![json!({"test_mode": true, "hibp": false, "clerk_js_version": ""})]
    );
    let stored = emulator.instance();
    assert_eq!(stored["support_email"], "help@example.com", "{stored}");
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["support_email"], "help@example.com");
    assert_eq!(values["clerk_js_version"], "");
    ws.assert_no_changes();
}

#[test]
fn unknown_values_show_as_known_after_apply_and_aliases_use_their_own_keys() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(&format!(
        r#"provider "clerk" {{}}

provider "clerk" {{
  alias      = "production"
  secret_key = "{LIVE_KEY}"
}}

resource "clerk_instance_settings" "development" {{
  test_mode = true
}}

resource "clerk_instance_settings" "production" {{
  provider      = clerk.production
  support_email = "ops+${{clerk_instance_settings.development.environment_type}}@example.com"
}}
"#
    ));
    ws.init();
    let plan = ws.plan();
    plan.assert_ok();
    assert!(
        plan.stdout
            .contains("support_email    = (known after apply)")
            || plan.stdout.contains("support_email = (known after apply)"),
        "{}",
        plan.stdout
    );
    ws.apply().assert_ok();

    let patches: Vec<serde_json::Value> = emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH")
        .collect();
    assert_eq!(patches.len(), 2, "{patches:?}");
    let by_body = |key: &str| {
        patches
            .iter()
            .find(|p| p["body"].get(key).is_some())
            .unwrap()
            .clone()
    };
    let development = by_body("test_mode");
    let production = by_body("support_email");
    assert_eq!(
        production["body"],
        json!({"support_email": "ops+development@example.com"})
    );
    assert_ne!(
        development["instance"], production["instance"],
        "each alias reaches its own instance"
    );
    assert_ne!(development["key"], production["key"]);
    assert_eq!(
        ws.resource_values("clerk_instance_settings.production")["environment_type"],
        "production"
    );
    ws.assert_no_changes();
}

#[test]
fn allowed_origins_changed_outside_terraform_is_detected_and_corrected() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        r#"  allowed_origins = ["https://app.example.com"]"#,
    );
    ws.apply().assert_ok();
    let id = ws.resource_values(RESOURCE)["id"]
        .as_str()
        .unwrap()
        .to_string();

    emulator.change_out_of_band(
        &id,
        json!({"allowed_origins": ["https://intruder.example"]}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(
        plan.stdout.contains("https://intruder.example"),
        "{}",
        plan.stdout
    );

    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.patches(),
        vec![json!({"allowed_origins": ["https://app.example.com"]})]
    );
    ws.assert_no_changes();
}

#[test]
fn unmanaged_allowed_origins_are_not_touched_by_refresh() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  hibp = true");
    ws.apply().assert_ok();
    let id = ws.resource_values(RESOURCE)["id"]
        .as_str()
        .unwrap()
        .to_string();
    emulator.change_out_of_band(&id, json!({"allowed_origins": ["https://other.example"]}));
    ws.assert_no_changes();
}

#[test]
fn destroy_forgets_the_settings_and_changes_nothing_in_clerk() {
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

fn instance_id_via_data_source(emulator: &Emulator) -> String {
    let ws = Workspace::instance_data_source(emulator);
    ws.output("instance")["id"].as_str().unwrap().to_string()
}

#[test]
fn import_reads_what_can_be_read_and_refuses_other_instances() {
    let emulator = Emulator::start();
    let id = instance_id_via_data_source(&emulator);
    assert!(id.starts_with("ins_"), "{id}");

    let ws = ready(
        &emulator,
        r#"  support_email   = "help@example.com"
  allowed_origins = []"#,
    );
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
    assert!(emulator.writes().is_empty());
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["id"], id.as_str());
    assert_eq!(values["environment_type"], "development");
    assert_eq!(values["support_email"], serde_json::Value::Null);

    let plan = ws.plan();
    plan.assert_ok();
    assert!(plan.stdout.contains("support_email"), "{}", plan.stdout);
    assert!(plan.stdout.contains("1 to change"), "{}", plan.stdout);
    ws.apply().assert_ok();
    let patches = emulator.patches();
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0]["support_email"], "help@example.com");
    ws.assert_no_changes();
}

#[test]
fn invalid_configuration_is_refused_at_plan_naming_each_attribute() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        r#"  support_email      = "not-an-email"
  preferred_sign_in_strategy_when_password_required = "passkey"
  allowed_origins    = ["https://ok.example", "https://bad.example/path"]
  development_origin = "capacitor://localhost"
  clerk_js_version   = "five!""#,
    );
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    for attribute in [
        "support_email",
        "preferred_sign_in_strategy_when_password_required",
        "allowed_origins",
        "development_origin",
        "clerk_js_version",
    ] {
        assert!(
            text.contains(&format!("Invalid {attribute}")),
            "{attribute} not named:\n{text}"
        );
    }
    assert!(text.contains("https://bad.example/path"));
    assert!(
        emulator.requests().is_empty(),
        "nothing may reach Clerk: {:?}",
        emulator.requests()
    );
}

#[test]
fn the_deprecated_setting_warns_but_still_works() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  enhanced_email_deliverability = false");
    let run = ws.apply();
    run.assert_ok();
    assert!(run.flat().contains("Deprecated"), "{}", run.flat());
    assert_eq!(
        emulator.patches(),
        vec![json!({"enhanced_email_deliverability": false})]
    );
}

#[test]
fn provider_configuration_mistakes_are_clear() {
    let emulator = Emulator::start();
    let mut ws = ready(&emulator, "  test_mode = true");

    ws.remove_env("CLERK_SECRET_KEY");
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("secret_key") && text.contains("CLERK_SECRET_KEY"),
        "{text}"
    );

    ws.set_env("CLERK_SECRET_KEY", "pk_test_publishablekey");
    let run = ws.plan();
    run.assert_failed();
    assert!(run.flat().contains("sk_"), "{}", run.flat());
    assert!(
        !run.flat().contains("publishablekey"),
        "the key's value is never echoed"
    );

    ws.set_env("CLERK_SECRET_KEY", TEST_KEY);
    ws.set_env("CLERK_API_URL", "http://clerk.example.com");
    let run = ws.plan();
    run.assert_failed();
    assert!(run.flat().contains("clear text"), "{}", run.flat());
    assert!(emulator.requests().is_empty());
}

#[test]
fn a_wrong_key_is_reported_as_such() {
    let emulator = Emulator::start_with(&["--key", TEST_KEY]);
    let mut ws = ready(&emulator, "  test_mode = true");
    ws.set_env("CLERK_SECRET_KEY", "sk_test_notTheRightKey000");
    let run = ws.apply();
    run.assert_failed();
    assert!(run.flat().contains("secret key"), "{}", run.flat());
    assert!(run.flat().contains("401"), "{}", run.flat());
    assert!(!run.flat().contains("notTheRightKey"));
}

#[test]
fn a_failed_apply_keeps_the_prior_state_and_the_next_one_succeeds() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "  test_mode = false\n  support_email = \"a@example.com\"",
    );
    ws.apply().assert_ok();

    ws.write_config(&settings_config(
        "  test_mode = true\n  support_email = \"b@example.com\"",
    ));
    emulator.fault(json!({"method": "PATCH", "path": "/v1/instance", "times": 10, "status": 503}));
    let run = ws.apply();
    run.assert_failed();
    assert!(run.flat().contains("503"), "{}", run.flat());
    let values = ws.resource_values(RESOURCE);
    assert_eq!(
        values["test_mode"], false,
        "state must keep the prior values"
    );
    assert_eq!(values["support_email"], "a@example.com");

    emulator.clear_faults();
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.patches(),
        vec![json!({"test_mode": true, "support_email": "b@example.com"})]
    );
    ws.assert_no_changes();
}

#[test]
fn clerk_rejections_point_at_the_attribute() {
    let emulator = Emulator::start();
    let mut ws = ready(
        &emulator,
        "  development_origin = \"http://localhost:3000\"",
    );
    // Production instances refuse development_origin: on create the
    // environment is only known at apply, which refuses before sending.
    ws.set_env("CLERK_SECRET_KEY", LIVE_KEY);
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("development_origin is for development instances only"),
        "{text}"
    );
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert_eq!(
        ws.resource_values(RESOURCE),
        serde_json::Value::Null,
        "a failed create stores nothing"
    );

    // A value Clerk itself rejects: its error names the parameter, and the
    // diagnostic points at the attribute.
    ws.set_env("CLERK_SECRET_KEY", TEST_KEY);
    ws.write_config(&settings_config("  support_email = \"help@example.com\""));
    emulator.fault(serde_json::json!({
        "method": "PATCH",
        "path": "/v1/instance",
        "status": 422,
        "body": "{\"errors\":[{\"code\":\"form_param_format_invalid\",\"message\":\"is invalid\",\"long_message\":\"support_email must be a valid email address.\",\"meta\":{\"param_name\":\"support_email\"}}]}"
    }));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Clerk error code `form_param_format_invalid`"),
        "{text}"
    );
    assert!(
        text.contains("support_email = \"help@example.com\""),
        "points at the attribute: {text}"
    );
}

#[test]
fn the_data_source_describes_the_instance() {
    let emulator = Emulator::start();
    let ws = Workspace::instance_data_source(&emulator);
    let instance = ws.output("instance");
    assert!(instance["id"].as_str().unwrap().starts_with("ins_"));
    assert_eq!(instance["environment_type"], "development");
    assert!(instance["allowed_origins"].is_array());
}

#[test]
fn trace_logs_show_a_clean_tls_session_and_graceful_exits() {
    let emulator = Emulator::start();
    let mut ws = ready(&emulator, "  test_mode = true");
    let log = ws.path().join("trace.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
    ws.apply().assert_ok();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains("plugin failed to exit gracefully"),
        "forced kill seen"
    );
    assert!(
        !text.contains("authentication handshake failed"),
        "TLS error seen"
    );
    assert!(!text.contains("Unsupported plugin method"));
    assert!(!text.contains("rpc error"), "gRPC error seen");
    // The provider's own JSON lines arrive at their level, with AutoMTLS on.
    assert!(
        text.contains("plugin address") && text.contains("tls=true"),
        "no TLS handshake line in the log"
    );
    // Terraform starts the provider and connects itself, so the provider
    // knows it by its peer credentials and asks no client certificate.
    assert!(
        text.contains("connection from the process that started the plugin"),
        "Terraform's connection was not recognised as the parent's"
    );
    assert!(
        !text.contains("connection from another process"),
        "a connection went through the certificate check"
    );
    assert!(
        text.contains("sk_test (development instance)"),
        "key kind not logged"
    );
    assert!(
        !text.contains("e2eSecretValue"),
        "the secret key leaked into the log"
    );
}
