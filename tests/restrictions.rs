//! `clerk_instance_restrictions` under real Terraform against
//! clerk-emulator: create sends exactly the configured flags, an update
//! sends exactly the changed one, omitted flags are never sent, drift shows
//! with drift detection, import and destroy behave like every singleton,
//! Clerk's 402 and 422 read well, and plan, refresh, import and the data
//! source send only GETs (never an empty PATCH used as a read).

mod support;

use serde_json::json;
use support::{Emulator, Workspace};

const RESOURCE: &str = "clerk_instance_restrictions.this";

fn config(provider: &str, body: &str) -> String {
    format!(
        "provider \"clerk\" {{\n{provider}\n}}\n\nresource \"clerk_instance_restrictions\" \"this\" {{\n{body}\n}}\n"
    )
}

fn ready(emulator: &Emulator, provider: &str, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&config(provider, body));
    ws.init();
    ws
}

/// The bodies of the `PATCH /v1/instance/restrictions` requests received.
fn restriction_patches(emulator: &Emulator) -> Vec<serde_json::Value> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH" && r["path"] == "/v1/instance/restrictions")
        .map(|r| r["body"].clone())
        .collect()
}

fn stored(emulator: &Emulator) -> serde_json::Value {
    emulator.instance()["restrictions"].clone()
}

#[test]
fn create_update_and_omission_send_exactly_what_the_plan_shows() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "",
        "  blocklist                = true\n  block_email_subaddresses = false",
    );
    ws.apply().assert_ok();
    assert_eq!(
        restriction_patches(&emulator),
        [json!({"blocklist": true, "block_email_subaddresses": false})]
    );
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["blocklist"], true);
    assert_eq!(values["block_email_subaddresses"], false);
    assert_eq!(values["allowlist"], serde_json::Value::Null, "not managed");
    assert!(values["id"].as_str().unwrap().starts_with("ins_"));
    ws.assert_no_changes();

    // One flag changed, one removed from the configuration: exactly the
    // changed one is sent, and the removed one stays as it is in Clerk.
    emulator.clear_requests();
    ws.write_config(&config("", "  blocklist = false"));
    ws.apply().assert_ok();
    assert_eq!(
        restriction_patches(&emulator),
        [json!({"blocklist": false})]
    );
    assert_eq!(stored(&emulator)["blocklist"], false);
    ws.assert_no_changes();
    // Every request other than the one PATCH was a GET.
    let writes = emulator.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
}

#[test]
fn plan_refresh_import_and_the_data_source_only_read() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  drift_detection = true", "  allowlist = false");
    ws.apply().assert_ok();
    let id = ws.resource_values(RESOURCE)["id"]
        .as_str()
        .unwrap()
        .to_string();
    emulator.clear_requests();

    ws.assert_no_changes();
    ws.run(&["refresh", "-input=false", "-no-color"])
        .assert_ok();
    ws.run(&["state", "rm", RESOURCE]).assert_ok();
    ws.run(&["import", "-input=false", "-no-color", RESOURCE, &id])
        .assert_ok();
    let data = Workspace::new(&emulator);
    data.write_config(
        "provider \"clerk\" {}\n\ndata \"clerk_instance_restrictions\" \"this\" {}\n\noutput \"r\" {\n  value = data.clerk_instance_restrictions.this\n}\n",
    );
    data.init();
    data.apply().assert_ok();
    let output = data.output("r");
    assert_eq!(output["allowlist"], false);
    assert_eq!(output["id"], id.as_str());

    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert!(!emulator.requests().is_empty());
}

#[test]
fn drift_shows_with_drift_detection_and_apply_corrects_it() {
    let emulator = Emulator::start();
    // No grace period: a flag can only flip back to the value the apply
    // replaced, which the stale-read rule would otherwise absorb.
    let ws = ready(
        &emulator,
        "  drift_detection     = true\n  drift_grace_seconds = 0",
        "  block_disposable_email_domains = true",
    );
    ws.apply().assert_ok();
    ws.assert_no_changes();
    let id = emulator.instance_id();
    let (status, body) = support::http::request(
        &emulator.addr,
        "PATCH",
        &format!("/__emulator/instances/{id}/restrictions"),
        Some(&json!({"block_disposable_email_domains": false})),
    );
    assert!(status < 300, "{status} {body}");

    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(
        plan.flat()
            .contains("block_disposable_email_domains = false -> true"),
        "{}",
        plan.flat()
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        restriction_patches(&emulator),
        [json!({"block_disposable_email_domains": true})]
    );

    // Without drift detection nothing is read back: state keeps what was
    // applied.
    emulator.clear_requests();
    let quiet = ready(&emulator, "", "  block_disposable_email_domains = true");
    quiet.apply().assert_ok();
    support::http::request(
        &emulator.addr,
        "PATCH",
        &format!("/__emulator/instances/{id}/restrictions"),
        Some(&json!({"block_disposable_email_domains": false})),
    );
    quiet.assert_no_changes();
    assert!(emulator
        .requests()
        .iter()
        .all(|r| !r["path"].as_str().unwrap_or("").starts_with("/fapi/")));
}

#[test]
fn destroy_forgets_and_changes_nothing() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "", "  allowlist = true");
    ws.apply().assert_ok();
    emulator.clear_requests();
    let run = ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    run.assert_ok();
    assert!(
        run.flat()
            .contains("Clerk instance restrictions are only removed from Terraform state"),
        "{}",
        run.flat()
    );
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert_eq!(stored(&emulator)["allowlist"], true);
}

#[test]
fn clerk_refusals_read_well_and_keep_state() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "", "  allowlist = true");
    emulator.fault(json!({
        "method": "PATCH",
        "path": "/v1/instance/restrictions",
        "status": 402,
        "body": "{\"errors\":[{\"code\":\"payment_required\",\"message\":\"Payment required\",\"long_message\":\"This feature is not included in your current plan.\"}]}"
    }));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("allowlist needs a paid Clerk plan"), "{text}");
    assert!(
        text.contains("with clerk_instance_restrictions.this"),
        "{text}"
    );
    assert!(
        text.contains("allowlist = true"),
        "points at the attribute: {text}"
    );
    // Nothing in state: the next apply tries again and succeeds.
    ws.apply().assert_ok();
    assert_eq!(stored(&emulator)["allowlist"], true);

    // A 422 naming a parameter lands on that attribute.
    ws.write_config(&config("", "  allowlist = false"));
    emulator.fault(json!({
        "method": "PATCH",
        "path": "/v1/instance/restrictions",
        "status": 422,
        "body": "{\"errors\":[{\"code\":\"form_param_value_invalid\",\"message\":\"is invalid\",\"long_message\":\"allowlist cannot be turned off while the allowlist is in use.\",\"meta\":{\"param_name\":\"allowlist\"}}]}"
    }));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Could not update the Clerk instance restrictions"),
        "{text}"
    );
    assert!(
        text.contains("Clerk error code `form_param_value_invalid`"),
        "{text}"
    );
    assert!(
        text.contains("allowlist = false"),
        "points at the attribute: {text}"
    );
    assert_eq!(
        ws.resource_values(RESOURCE)["allowlist"],
        true,
        "state kept"
    );
}

#[test]
fn an_answer_that_contradicts_the_request_is_an_error_and_state_tells_the_truth() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "", "  blocklist = true");
    ws.apply().assert_ok();
    // Clerk answers as if it had not kept the change.
    emulator.fault(json!({
        "method": "PATCH",
        "path": "/v1/instance/restrictions",
        "status": 200,
        "body": "{\"object\":\"instance_restrictions\",\"allowlist\":false,\"blocklist\":true,\"allowlist_blocklist_disabled_on_sign_in\":false,\"block_email_subaddresses\":false,\"block_disposable_email_domains\":false}"
    }));
    ws.write_config(&config("", "  blocklist = false"));
    let run = ws.apply();
    run.assert_failed();
    assert!(
        run.flat().contains("Clerk did not keep blocklist"),
        "{}",
        run.flat()
    );
    assert!(
        !run.flat().contains("Provider produced inconsistent result"),
        "{}",
        run.flat()
    );
    assert_eq!(ws.resource_values(RESOURCE)["blocklist"], true);
}
