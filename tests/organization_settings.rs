//! `clerk_organization_settings` under real Terraform against
//! clerk-emulator: create sends exactly the configured settings, an update
//! exactly the changed one, omitted settings are never sent, drift shows on
//! every refresh (Clerk's own GET, no opt-in) including a role id changed
//! behind Terraform's back (seen through the reported role key), import
//! and destroy behave like every singleton, Clerk's 402/403/404 and 422
//! read well, enrollment modes are checked at plan, and plan, refresh,
//! import and the data source send only GETs.

mod support;

use serde_json::{json, Value};
use support::{http, Emulator, Workspace};

const RESOURCE: &str = "clerk_organization_settings.this";
const PATH: &str = "/v1/instance/organization_settings";

fn config(body: &str) -> String {
    format!(
        "provider \"clerk\" {{}}\n\nresource \"clerk_organization_settings\" \"this\" {{\n{body}\n}}\n"
    )
}

fn ready(emulator: &Emulator, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&config(body));
    ws.init();
    ws
}

/// The bodies of the PATCH requests to the organization settings.
fn patches(emulator: &Emulator) -> Vec<Value> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH" && r["path"] == PATH)
        .map(|r| r["body"].clone())
        .collect()
}

/// The queries of the `GET /v1/organization_roles` requests.
fn role_listings(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/v1/organization_roles")
        .map(|r| r["query"].as_str().unwrap_or("").to_string())
        .collect()
}

fn stored(emulator: &Emulator) -> Value {
    emulator.instance()["organization_settings"].clone()
}

/// The id of the instance's role with `key`, from the emulator.
fn role_id(emulator: &Emulator, key: &str) -> String {
    emulator.instance()["organization_roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("no role {key}"))
        .to_string()
}

fn control(emulator: &Emulator, method: &str, what: &str, body: Option<&Value>) {
    let id = emulator.instance_id();
    let (status, answer) = http::request(
        &emulator.addr,
        method,
        &format!("/__emulator/instances/{id}/{what}"),
        body,
    );
    assert!(status < 300, "{method} {what}: {status} {answer}");
}

fn change_out_of_band(emulator: &Emulator, settings: Value) {
    control(emulator, "PATCH", "organization_settings", Some(&settings));
}

/// Makes the emulator create the instance (first authenticated request).
fn touch(emulator: &Emulator) {
    let ws = Workspace::instance_data_source(emulator);
    ws.apply().assert_ok();
}

#[test]
fn create_update_and_omission_send_exactly_what_the_plan_shows() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "  enabled                  = true\n  max_allowed_memberships  = 0\n  domains_enrollment_modes = []",
    );
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator),
        [json!({"enabled": true, "max_allowed_memberships": 0, "domains_enrollment_modes": []})]
    );
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["enabled"], true);
    assert_eq!(values["max_allowed_memberships"], 0);
    assert_eq!(values["creator_role"], "org:admin", "reported key");
    assert_eq!(values["max_allowed_roles"], 10);
    assert_eq!(values["slug_disabled"], Value::Null, "not managed");
    assert_eq!(values["creator_role_id"], Value::Null, "not managed");
    assert!(values["id"].as_str().unwrap().starts_with("ins_"));
    ws.assert_no_changes();
    // No role id is managed: the roles are never listed.
    assert!(role_listings(&emulator).is_empty());

    // One setting changed, the others removed from the configuration:
    // exactly the changed one is sent, the removed ones stay in Clerk.
    emulator.clear_requests();
    ws.write_config(&config("  max_allowed_memberships = 3"));
    ws.apply().assert_ok();
    assert_eq!(patches(&emulator), [json!({"max_allowed_memberships": 3})]);
    assert_eq!(stored(&emulator)["enabled"], true);
    assert_eq!(stored(&emulator)["max_allowed_memberships"], 3);
    ws.assert_no_changes();
    assert_eq!(emulator.writes().len(), 1, "{:?}", emulator.writes());
}

#[test]
fn drift_shows_on_every_refresh_without_drift_detection() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "  admin_delete_enabled     = true\n  domains_enrollment_modes = [\"automatic_invitation\"]",
    );
    ws.apply().assert_ok();
    ws.assert_no_changes();
    change_out_of_band(
        &emulator,
        json!({"admin_delete_enabled": false, "domains_enrollment_modes": ["automatic_suggestion"]}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(
        plan.flat().contains("admin_delete_enabled = false -> true"),
        "{}",
        plan.flat()
    );
    assert!(
        plan.flat().contains("\"automatic_suggestion\""),
        "{}",
        plan.flat()
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator),
        [
            json!({"admin_delete_enabled": true, "domains_enrollment_modes": ["automatic_invitation"]})
        ]
    );
    ws.assert_no_changes();
}

#[test]
fn a_role_id_changed_elsewhere_shows_through_the_reported_key() {
    let emulator = Emulator::start();
    touch(&emulator);
    let admin = role_id(&emulator, "org:admin");
    let member = role_id(&emulator, "org:member");
    let ws = ready(&emulator, &format!("  creator_role_id = \"{member}\""));
    ws.apply().assert_ok();
    assert_eq!(patches(&emulator), [json!({"creator_role_id": member})]);
    assert_eq!(stored(&emulator)["creator_role"], "org:member");
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["creator_role"], "org:member");
    assert_eq!(values["creator_role_id"], member.as_str());
    ws.assert_no_changes();
    assert!(!role_listings(&emulator).is_empty(), "ids are checked");

    change_out_of_band(&emulator, json!({"creator_role_id": admin}));
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(
        plan.flat()
            .contains(&format!("creator_role_id = \"{admin}\" -> \"{member}\"")),
        "{}",
        plan.flat()
    );
    ws.apply().assert_ok();
    ws.assert_no_changes();

    // A role the setting names is deleted: the id cannot be checked, which
    // is a warning, and state keeps it.
    control(
        &emulator,
        "POST",
        "organization_roles",
        Some(&json!({"key": "org:temp", "name": "Temp"})),
    );
    let temp = role_id(&emulator, "org:temp");
    change_out_of_band(&emulator, json!({"creator_role_id": temp}));
    control(&emulator, "DELETE", "organization_roles/org:temp", None);
    let refresh = ws.run(&["refresh", "-input=false", "-no-color"]);
    refresh.assert_ok();
    assert!(
        refresh.flat().contains("Could not check creator_role_id"),
        "{}",
        refresh.flat()
    );
    assert!(
        refresh.flat().contains("\"org:temp\""),
        "{}",
        refresh.flat()
    );
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["creator_role_id"], member.as_str());
    assert_eq!(values["creator_role"], "org:temp");
}

#[test]
fn every_page_of_roles_is_read() {
    let emulator = Emulator::start();
    touch(&emulator);
    let member = role_id(&emulator, "org:member");
    // Newest first: the seeded roles end up past the first page of 100.
    for i in 0..100 {
        control(
            &emulator,
            "POST",
            "organization_roles",
            Some(&json!({"key": format!("org:extra_{i}"), "name": format!("Extra {i}")})),
        );
    }
    let ws = ready(
        &emulator,
        &format!("  domains_default_role_id = \"{member}\""),
    );
    ws.apply().assert_ok();
    emulator.clear_requests();
    ws.assert_no_changes();
    let listings = role_listings(&emulator);
    assert!(
        listings.iter().any(|q| q.contains("offset=100")),
        "{listings:?}"
    );
    // A change to another role on page 2 shows as drift.
    emulator.clear_requests();
    change_out_of_band(
        &emulator,
        json!({"domains_default_role_id": role_id(&emulator, "org:admin")}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
}

#[test]
fn plan_refresh_import_and_the_data_source_only_read() {
    let emulator = Emulator::start();
    touch(&emulator);
    let admin = role_id(&emulator, "org:admin");
    let ws = ready(
        &emulator,
        &format!("  enabled         = true\n  creator_role_id = \"{admin}\""),
    );
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
    let imported = ws.resource_values(RESOURCE);
    assert_eq!(imported["enabled"], true);
    assert_eq!(imported["creator_role_id"], admin.as_str());
    assert_eq!(
        imported["domains_default_role_id"],
        role_id(&emulator, "org:member").as_str()
    );
    assert_eq!(imported["max_allowed_memberships"], 5);
    ws.assert_no_changes();

    let data = Workspace::new(&emulator);
    data.write_config(
        "provider \"clerk\" {}\n\ndata \"clerk_organization_settings\" \"this\" {}\n\noutput \"o\" {\n  value = data.clerk_organization_settings.this\n}\n",
    );
    data.init();
    data.apply().assert_ok();
    let output = data.output("o");
    assert_eq!(output["id"], id.as_str());
    assert_eq!(output["enabled"], true);
    assert_eq!(output["creator_role"], "org:admin");
    assert_eq!(output["creator_role_id"], admin.as_str());
    assert_eq!(output["domains_default_role"], "org:member");
    assert_eq!(output["max_allowed_domains"], 10);

    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert!(!emulator.requests().is_empty());

    // An import with another instance's id is refused.
    ws.run(&["state", "rm", RESOURCE]).assert_ok();
    let wrong = ws.run(&["import", "-input=false", "-no-color", RESOURCE, "ins_other"]);
    wrong.assert_failed();
    assert!(
        wrong
            .flat()
            .contains("Import ID does not match the secret key's instance"),
        "{}",
        wrong.flat()
    );
}

#[test]
fn destroy_forgets_and_changes_nothing() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  slug_disabled = true");
    ws.apply().assert_ok();
    emulator.clear_requests();
    let run = ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    run.assert_ok();
    assert!(
        run.flat()
            .contains("Clerk organization settings are only removed from Terraform state"),
        "{}",
        run.flat()
    );
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert_eq!(stored(&emulator)["slug_disabled"], true);
}

#[test]
fn refusals_read_well_and_keep_state() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  max_allowed_memberships = 500");

    emulator.fault(json!({"method": "PATCH", "path": PATH, "status": 402}));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("max_allowed_memberships needs a paid Clerk plan"),
        "{text}"
    );
    assert!(text.contains("organization feature"), "{text}");

    emulator.fault(json!({
        "method": "PATCH",
        "path": PATH,
        "status": 403,
        "body": "{\"errors\":[{\"code\":\"organization_not_enabled_in_instance\",\"message\":\"not enabled\",\"long_message\":\"Organizations are not enabled for this instance.\"}]}"
    }));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Could not update the Clerk organization settings"),
        "{text}"
    );
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(
        text.contains("Organizations are not enabled for this instance"),
        "{text}"
    );
    assert!(text.contains("Configure → Organizations"), "{text}");

    // Nothing in state: the next apply tries again and succeeds.
    ws.apply().assert_ok();
    assert_eq!(stored(&emulator)["max_allowed_memberships"], 500);

    // A read Clerk refuses (organizations not available) fails the plan
    // with its own words and leaves state alone.
    emulator.fault(json!({"method": "GET", "path": PATH, "status": 404, "times": 5}));
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 1, "{}", plan.flat());
    assert!(
        plan.flat()
            .contains("Could not read the Clerk organization settings"),
        "{}",
        plan.flat()
    );
    assert!(plan.flat().contains("HTTP 404"), "{}", plan.flat());
    assert!(
        plan.flat().contains("organizations are not available"),
        "{}",
        plan.flat()
    );
    emulator.clear_faults();
    assert_eq!(ws.resource_values(RESOURCE)["max_allowed_memberships"], 500);
    ws.assert_no_changes();
}

#[test]
fn values_are_checked_at_plan_and_clerk_422s_point_at_the_attribute() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "  domains_enrollment_modes = [\"sometimes\"]\n  max_allowed_memberships = -1",
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 1, "{}", plan.flat());
    assert!(
        plan.flat().contains("Invalid domains_enrollment_modes"),
        "{}",
        plan.flat()
    );
    assert!(
        plan.flat().contains("Invalid max_allowed_memberships"),
        "{}",
        plan.flat()
    );
    assert!(emulator.writes().is_empty());

    // A role id Clerk does not know: its 422 lands on the attribute.
    ws.write_config(&config("  creator_role_id = \"role_missing\""));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("form_param_value_invalid"), "{text}");
    assert!(
        text.contains("creator_role_id = \"role_missing\""),
        "{text}"
    );
}
