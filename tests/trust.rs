//! What a reviewer approves is what happens, to the instance they approved
//! it for, under real Terraform against clerk-emulator: a key of another
//! instance writes nothing, a planned `""` is announced, the stale-read
//! rule never hides a change to an authoritative source, two applies in one
//! grace period keep each other's pending values, and what Clerk would
//! refuse on a production instance is refused at plan.

mod support;

use serde_json::json;
use support::{Emulator, Workspace, LIVE_KEY, TEST_KEY};

const RESOURCE: &str = "clerk_instance_settings.this";

fn ready(emulator: &Emulator, provider: &str, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&format!(
        "provider \"clerk\" {{\n{provider}\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{body}\n}}\n"
    ));
    ws.init();
    ws
}

/// Another development instance's key: the emulator gives every key its
/// own instance.
const OTHER_TEST_KEY: &str = "sk_test_e2eOtherInstance424242";

#[test]
fn a_saved_plan_applied_with_another_instances_key_sends_nothing() {
    let emulator = Emulator::start();
    let mut ws = ready(&emulator, "", "  hibp = true");
    ws.apply().assert_ok();
    let id = ws.resource_values(RESOURCE)["id"]
        .as_str()
        .unwrap()
        .to_string();

    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = false\n}\n",
    );
    ws.run(&["plan", "-input=false", "-no-color", "-out=p"])
        .assert_ok();
    emulator.clear_requests();

    // The saved plan, applied with a production instance's key.
    ws.set_env("CLERK_SECRET_KEY", LIVE_KEY);
    let run = ws.run(&["apply", "-input=false", "-no-color", "p"]);
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Secret key belongs to a different Clerk instance"),
        "{text}"
    );
    assert!(text.contains(&id), "names the instance in state: {text}");
    assert!(
        text.contains("(development)") && text.contains("(production)"),
        "names both environments: {text}"
    );
    assert!(
        text.contains("CLERK_SECRET_KEY"),
        "names the key's source: {text}"
    );
    assert!(!text.contains("e2eSecretValue"), "never the key: {text}");
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());

    // -refresh=false with a key given in the provider block: same rule,
    // naming that source.
    ws.remove_env("CLERK_SECRET_KEY");
    ws.write_config(&format!(
        "provider \"clerk\" {{\n  secret_key = \"{OTHER_TEST_KEY}\"\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n  hibp = false\n}}\n"
    ));
    let run = ws.run(&[
        "apply",
        "-refresh=false",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("configured in secret_key"), "{text}");
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());

    // State is unchanged: the right key still sees hibp = true planned away.
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = false\n}\n",
    );
    ws.set_env("CLERK_SECRET_KEY", TEST_KEY);
    assert_eq!(ws.resource_values(RESOURCE)["hibp"], true);
    ws.apply().assert_ok();
    assert_eq!(emulator.patches(), [json!({"hibp": false})]);
}

#[test]
fn a_planned_empty_string_is_announced_in_the_plan() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "",
        "  support_email    = \"help@example.com\"\n  clerk_js_version = \"5\"",
    );
    ws.apply().assert_ok();
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  support_email    = \"\"\n  clerk_js_version = \"5\"\n}\n",
    );
    let plan = ws.plan();
    plan.assert_ok();
    let text = plan.flat();
    assert!(text.contains("Apply will clear support_email"), "{text}");
    assert!(text.contains("\"help@example.com\""), "{text}");
    assert!(!text.contains("clear clerk_js_version"), "{text}");
    ws.apply().assert_ok();
    assert_eq!(
        emulator.patches().last(),
        Some(&json!({"support_email": ""}))
    );
    // Nothing more to send: no warning.
    let plan = ws.plan();
    assert!(!plan.flat().contains("Apply will clear"), "{}", plan.flat());

    // On create too, where Terraform shows nothing for the "".
    let fresh = Emulator::start();
    let ws = ready(&fresh, "", "  clerk_js_version = \"\"");
    let plan = ws.plan();
    assert!(
        plan.flat().contains("Apply will clear clerk_js_version"),
        "{}",
        plan.flat()
    );
}

#[test]
fn a_dashboard_revert_of_allowed_origins_is_never_taken_as_a_stale_read() {
    let emulator = Emulator::start();
    // The default grace period: the rule is on, but must not cover
    // allowed_origins, which GET /v1/instance reads without any cache.
    let ws = ready(
        &emulator,
        "",
        "  allowed_origins = [\"https://one.example\"]",
    );
    ws.apply().assert_ok();
    let id = emulator.instance_id();
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  allowed_origins = [\"https://two.example\"]\n}\n",
    );
    ws.apply().assert_ok();
    // Someone puts back exactly the value the last apply replaced.
    emulator.change_out_of_band(&id, json!({"allowed_origins": ["https://one.example"]}));
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "the revert must show: {}", plan.flat());
    assert!(
        plan.flat().contains("https://one.example"),
        "{}",
        plan.flat()
    );
}

#[test]
fn two_applies_in_one_grace_period_keep_both_pending_values() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "  drift_detection = true",
        "  hibp      = true\n  test_mode = true",
    );
    ws.apply().assert_ok();
    // From now on the Frontend API serves what it had a minute ago.
    emulator.set_environment_lag_ms(60_000);
    ws.write_config(
        "provider \"clerk\" {\n  drift_detection = true\n}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp      = false\n  test_mode = true\n}\n",
    );
    ws.apply().assert_ok();
    ws.write_config(
        "provider \"clerk\" {\n  drift_detection = true\n}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp      = false\n  test_mode = false\n}\n",
    );
    ws.apply().assert_ok();
    // The lagging cache still shows hibp and test_mode as before both
    // applies: both are stale reads, not drift.
    ws.assert_no_changes();
}

#[test]
fn development_origin_on_a_production_instance_is_refused_at_plan() {
    let emulator = Emulator::start();
    let mut ws = ready(&emulator, "", "  hibp = true");
    ws.set_env("CLERK_SECRET_KEY", LIVE_KEY);
    ws.apply().assert_ok();
    assert_eq!(
        ws.resource_values(RESOURCE)["environment_type"],
        "production"
    );
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp               = true\n  development_origin = \"http://localhost:3000\"\n}\n",
    );
    emulator.clear_requests();
    let plan = ws.plan();
    plan.assert_failed();
    let text = plan.flat();
    assert!(
        text.contains("development_origin is for development instances only"),
        "{text}"
    );
    assert!(text.contains("development_origin"), "{text}");
    assert!(emulator.writes().is_empty());
}

#[test]
fn the_data_source_explains_an_unreadable_frontend_api_in_its_own_words() {
    let emulator = Emulator::start();
    emulator.fault(json!({"path": "/fapi/*", "status": 503, "times": 20}));
    let ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {\n  max_retries = 0\n}\n\ndata \"clerk_instance\" \"this\" {}\n\noutput \"hibp\" {\n  value = data.clerk_instance.this.hibp\n}\n",
    );
    ws.init();
    let run = ws.apply();
    run.assert_ok();
    let text = run.flat();
    assert!(
        text.contains("Some instance settings could not be read"),
        "{text}"
    );
    assert!(text.contains("null in this read"), "{text}");
    assert!(!text.contains("keep the values in state"), "{text}");
}
