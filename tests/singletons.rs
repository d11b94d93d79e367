//! `clerk_instance_protect`, `clerk_instance_communication` and
//! `clerk_oauth_application_settings` under real Terraform against
//! clerk-emulator: create sends exactly the configured settings, an update
//! exactly the changed one, omitted settings stay as they are, drift shows
//! without `drift_detection` (each has an authoritative GET), import and
//! destroy behave like every singleton, plan, refresh, import and the data
//! sources send only GETs, and each resource's own errors read well.

mod support;

use serde_json::{json, Value as Json};
use support::{Emulator, Workspace};

fn config(resource: &str, body: &str) -> String {
    format!("provider \"clerk\" {{}}\n\nresource \"{resource}\" \"this\" {{\n{body}\n}}\n")
}

fn ready(emulator: &Emulator, resource: &str, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&config(resource, body));
    ws.init();
    ws
}

/// The bodies of the `PATCH` requests to `path` received.
fn patches(emulator: &Emulator, path: &str) -> Vec<Json> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH" && r["path"] == path)
        .map(|r| r["body"].clone())
        .collect()
}

/// Changes one object behind Terraform's back, as the dashboard would.
fn change_out_of_band(emulator: &Emulator, object: &str, change: Json) {
    let id = emulator.instance_id();
    let (status, body) = support::http::request(
        &emulator.addr,
        "PATCH",
        &format!("/__emulator/instances/{id}/{object}"),
        Some(&change),
    );
    assert!(status < 300, "{status} {body}");
}

fn sorted(value: &Json) -> Vec<String> {
    let mut items: Vec<String> = value
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    items.sort();
    items
}

const PROTECT: &str = "clerk_instance_protect.this";
const PROTECT_PATH: &str = "/v1/instance/protect";

#[test]
fn protect_sends_exactly_the_plan_and_shows_drift_without_opt_in() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_instance_protect",
        "  rules_enabled = true",
    );
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, PROTECT_PATH),
        [json!({"rules_enabled": true})]
    );
    let values = ws.resource_values(PROTECT);
    assert_eq!(values["rules_enabled"], true);
    assert_eq!(values["specter_enabled"], Json::Null, "not managed");
    assert_eq!(values["checks_bypassed"], false, "read-only, from Clerk");
    assert!(values["id"].as_str().unwrap().starts_with("ins_"));
    ws.assert_no_changes();

    // One setting added, the other removed from the configuration: exactly
    // the new one is sent, and the removed one stays as Clerk has it.
    emulator.clear_requests();
    ws.write_config(&config(
        "clerk_instance_protect",
        "  specter_enabled = false",
    ));
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, PROTECT_PATH),
        [json!({"specter_enabled": false})]
    );
    assert_eq!(emulator.writes().len(), 1, "{:?}", emulator.writes());
    assert_eq!(emulator.instance()["protect"]["rules_enabled"], true);
    ws.assert_no_changes();

    // Changed in the dashboard: shows without drift_detection, and the
    // read-only checks_bypassed follows Clerk without planning a change.
    ws.write_config(&config(
        "clerk_instance_protect",
        "  rules_enabled   = true\n  specter_enabled = false",
    ));
    change_out_of_band(
        &emulator,
        "protect",
        json!({"specter_enabled": true, "checks_bypassed": true}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(
        plan.flat().contains("specter_enabled = true -> false"),
        "{}",
        plan.flat()
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, PROTECT_PATH),
        [json!({"specter_enabled": false})]
    );
    assert_eq!(ws.resource_values(PROTECT)["checks_bypassed"], true);
    ws.assert_no_changes();

    change_out_of_band(&emulator, "protect", json!({"checks_bypassed": false}));
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_ok();
    assert_eq!(ws.resource_values(PROTECT)["checks_bypassed"], false);

    // Destroy forgets, with a warning, and sends nothing.
    emulator.clear_requests();
    let run = ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    run.assert_ok();
    assert!(
        run.flat()
            .contains("Clerk instance protect settings are only removed from Terraform state"),
        "{}",
        run.flat()
    );
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert_eq!(emulator.instance()["protect"]["specter_enabled"], false);
}

#[test]
fn checks_bypassed_cannot_be_configured() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_instance_protect",
        "  checks_bypassed = true",
    );
    let run = ws.plan();
    run.assert_failed();
    assert!(run.flat().contains("checks_bypassed"), "{}", run.flat());
    assert!(emulator.writes().is_empty());
}

#[test]
fn a_refusal_from_clerk_names_the_attribute_and_keeps_state() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_instance_protect",
        "  specter_enabled = true",
    );
    emulator.fault(json!({
        "method": "PATCH",
        "path": PROTECT_PATH,
        "status": 422,
        "body": "{\"errors\":[{\"code\":\"form_param_value_invalid\",\"message\":\"is invalid\",\"long_message\":\"Specter cannot be enabled for this instance.\",\"meta\":{\"param_name\":\"specter_enabled\"}}]}"
    }));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Specter cannot be enabled for this instance"),
        "{text}"
    );
    assert!(
        text.contains("specter_enabled = true"),
        "points at the attribute: {text}"
    );
    // Nothing in state: the next apply tries again and succeeds.
    assert_eq!(ws.resource_values(PROTECT), Json::Null);
    ws.apply().assert_ok();
    assert_eq!(emulator.instance()["protect"]["specter_enabled"], true);
}

const COMMUNICATION: &str = "clerk_instance_communication.this";
const COMMUNICATION_PATH: &str = "/v1/instance/communication";

#[test]
fn communication_replaces_the_list_and_shows_drift_without_opt_in() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_instance_communication",
        "  blocked_country_codes = [\"RU\", \"KP\"]",
    );
    ws.apply().assert_ok();
    let sent = patches(&emulator, COMMUNICATION_PATH);
    assert_eq!(sent.len(), 1);
    assert_eq!(sorted(&sent[0]["blocked_country_codes"]), ["KP", "RU"]);
    ws.assert_no_changes();

    emulator.clear_requests();
    ws.write_config(&config(
        "clerk_instance_communication",
        "  blocked_country_codes = []",
    ));
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, COMMUNICATION_PATH),
        [json!({"blocked_country_codes": []})]
    );
    ws.assert_no_changes();

    change_out_of_band(
        &emulator,
        "communication",
        json!({"blocked_country_codes": ["IR"]}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(plan.flat().contains("\"IR\""), "{}", plan.flat());
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, COMMUNICATION_PATH),
        [json!({"blocked_country_codes": []})]
    );

    // Omitted: never sent, and Clerk keeps its list.
    change_out_of_band(
        &emulator,
        "communication",
        json!({"blocked_country_codes": ["IR"]}),
    );
    ws.write_config(&config("clerk_instance_communication", ""));
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    assert_eq!(
        emulator.instance()["communication"]["blocked_country_codes"],
        json!(["IR"])
    );
}

#[test]
fn dropped_country_codes_fail_the_apply_by_name_and_state_keeps_what_clerk_kept() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_instance_communication",
        "  blocked_country_codes = [\"RU\", \"AQ\", \"ZZ\"]",
    );
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Clerk did not keep blocked_country_codes"),
        "{text}"
    );
    assert!(text.contains(r#"Clerk dropped "AQ", "ZZ"."#), "{text}");
    assert!(
        !text.contains("Provider produced inconsistent result"),
        "{text}"
    );
    assert_eq!(
        sorted(&ws.resource_values(COMMUNICATION)["blocked_country_codes"]),
        ["RU"]
    );
    // The next plan offers to send the dropped codes again.
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(plan.flat().contains("\"AQ\""), "{}", plan.flat());
}

#[test]
fn country_codes_are_checked_at_plan() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_instance_communication",
        "  blocked_country_codes = [\"ru\"]",
    );
    let run = ws.plan();
    run.assert_failed();
    assert!(
        run.flat().contains("Invalid blocked_country_codes"),
        "{}",
        run.flat()
    );

    let many: Vec<String> = (0..251)
        .map(|i| {
            format!(
                "\"{}{}\"",
                (b'A' + (i / 26) as u8) as char,
                (b'A' + (i % 26) as u8) as char
            )
        })
        .collect();
    ws.write_config(&config(
        "clerk_instance_communication",
        &format!("  blocked_country_codes = [{}]", many.join(", ")),
    ));
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Too many elements in blocked_country_codes"),
        "{text}"
    );
    assert!(text.contains("at most 250"), "{text}");
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
}

const OAUTH: &str = "clerk_oauth_application_settings.this";
const OAUTH_PATH: &str = "/v1/instance/oauth_application_settings";

#[test]
fn oauth_settings_send_exactly_the_plan_and_show_drift_without_opt_in() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_oauth_application_settings",
        "  dynamic_oauth_client_registration = false\n  default_scopes = [\"openid\", \"email\"]",
    );
    ws.apply().assert_ok();
    let sent = patches(&emulator, OAUTH_PATH);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["dynamic_oauth_client_registration"], false);
    assert_eq!(sorted(&sent[0]["default_scopes"]), ["email", "openid"]);
    assert_eq!(sent[0].as_object().unwrap().len(), 2, "{sent:?}");
    let values = ws.resource_values(OAUTH);
    assert_eq!(values["oauth_jwt_access_tokens"], Json::Null, "not managed");
    ws.assert_no_changes();

    emulator.clear_requests();
    ws.write_config(&config(
        "clerk_oauth_application_settings",
        "  dynamic_oauth_client_registration = false\n  default_scopes = [\"openid\", \"email\"]\n  oauth_jwt_access_tokens = true",
    ));
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, OAUTH_PATH),
        [json!({"oauth_jwt_access_tokens": true})]
    );
    ws.assert_no_changes();

    change_out_of_band(
        &emulator,
        "oauth_application_settings",
        json!({"dynamic_oauth_client_registration": true, "client_id_metadata_documents_advertised": true}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    let text = plan.flat();
    assert!(
        text.contains("dynamic_oauth_client_registration = true -> false"),
        "{text}"
    );
    assert!(
        !text.contains("client_id_metadata_documents_advertised"),
        "not managed: {text}"
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        patches(&emulator, OAUTH_PATH),
        [json!({"dynamic_oauth_client_registration": false})]
    );
    let stored = &emulator.instance()["oauth_application_settings"];
    assert_eq!(stored["client_id_metadata_documents_advertised"], true);
    assert_eq!(sorted(&stored["default_scopes"]), ["email", "openid"]);
}

#[test]
fn plan_refresh_import_and_the_data_sources_only_read() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {}\n\n\
         resource \"clerk_instance_protect\" \"this\" {\n  rules_enabled = true\n}\n\n\
         resource \"clerk_instance_communication\" \"this\" {\n  blocked_country_codes = [\"RU\"]\n}\n\n\
         resource \"clerk_oauth_application_settings\" \"this\" {\n  oauth_jwt_access_tokens = true\n}\n",
    );
    ws.init();
    ws.apply().assert_ok();
    let id = emulator.instance_id();
    change_out_of_band(&emulator, "protect", json!({"checks_bypassed": true}));
    emulator.clear_requests();

    ws.assert_no_changes();
    ws.run(&["refresh", "-input=false", "-no-color"])
        .assert_ok();
    for address in [PROTECT, COMMUNICATION, OAUTH] {
        ws.run(&["state", "rm", address]).assert_ok();
        ws.run(&["import", "-input=false", "-no-color", address, &id])
            .assert_ok();
    }
    // Import takes everything Clerk reports.
    let protect = ws.resource_values(PROTECT);
    assert_eq!(protect["rules_enabled"], true);
    assert_eq!(protect["specter_enabled"], false);
    assert_eq!(protect["checks_bypassed"], true);
    assert_eq!(
        ws.resource_values(COMMUNICATION)["blocked_country_codes"],
        json!(["RU"])
    );
    let oauth = ws.resource_values(OAUTH);
    assert_eq!(oauth["oauth_jwt_access_tokens"], true);
    assert_eq!(sorted(&oauth["default_scopes"]), ["email", "profile"]);
    ws.assert_no_changes();
    let run = ws.run(&[
        "import",
        "-input=false",
        "-no-color",
        PROTECT,
        "ins_someoneElse",
    ]);
    run.assert_failed();

    let data = Workspace::new(&emulator);
    data.write_config(
        "provider \"clerk\" {}\n\n\
         data \"clerk_instance_protect\" \"this\" {}\n\
         data \"clerk_instance_communication\" \"this\" {}\n\
         data \"clerk_oauth_application_settings\" \"this\" {}\n\n\
         output \"protect\" {\n  value = data.clerk_instance_protect.this\n}\n\
         output \"communication\" {\n  value = data.clerk_instance_communication.this\n}\n\
         output \"oauth\" {\n  value = data.clerk_oauth_application_settings.this\n}\n",
    );
    data.init();
    data.apply().assert_ok();
    let protect = data.output("protect");
    assert_eq!(protect["id"], id.as_str());
    assert_eq!(protect["rules_enabled"], true);
    assert_eq!(protect["checks_bypassed"], true);
    assert_eq!(
        data.output("communication")["blocked_country_codes"],
        json!(["RU"])
    );
    let oauth = data.output("oauth");
    assert_eq!(oauth["oauth_jwt_access_tokens"], true);
    assert_eq!(oauth["client_id_metadata_documents_advertised"], false);
    assert_eq!(sorted(&oauth["default_scopes"]), ["email", "profile"]);

    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
    let paths: Vec<String> = emulator
        .requests()
        .iter()
        .map(|r| r["path"].as_str().unwrap_or("").to_string())
        .collect();
    for path in [PROTECT_PATH, COMMUNICATION_PATH, OAUTH_PATH] {
        assert!(
            paths.iter().any(|p| p == path),
            "{path} was read: {paths:?}"
        );
    }
}

/// Sends a Backend API request with the test key, as a user following the
/// docs would with `curl`.
fn bapi_patch(emulator: &Emulator, path: &str, body: &Json) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(&emulator.addr).unwrap();
    let payload = body.to_string();
    let request = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        emulator.addr,
        support::TEST_KEY,
        payload.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_documented_way_back_to_clerks_default_scopes_works() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/resources/oauth_application_settings.md"),
    )
    .unwrap();
    assert!(page.contains("send `{\"default_scopes\": null}` once"));

    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "clerk_oauth_application_settings",
        "  default_scopes = [\"openid\"]",
    );
    ws.apply().assert_ok();
    ws.write_config(&config("clerk_oauth_application_settings", ""));
    ws.assert_no_changes();
    assert_eq!(
        bapi_patch(&emulator, OAUTH_PATH, &json!({"default_scopes": null})),
        200
    );
    ws.assert_no_changes();
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_ok();
    assert_eq!(
        sorted(&ws.resource_values(OAUTH)["default_scopes"]),
        ["email", "profile"]
    );
}

#[test]
fn another_instances_key_writes_nothing_to_any_of_them() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    let resources = |protect: bool, code: &str, jwt: bool| {
        format!(
            "provider \"clerk\" {{}}\n\n\
             resource \"clerk_instance_protect\" \"this\" {{\n  rules_enabled = {protect}\n}}\n\n\
             resource \"clerk_instance_communication\" \"this\" {{\n  blocked_country_codes = [\"{code}\"]\n}}\n\n\
             resource \"clerk_oauth_application_settings\" \"this\" {{\n  oauth_jwt_access_tokens = {jwt}\n}}\n"
        )
    };
    ws.write_config(&resources(true, "RU", true));
    ws.init();
    ws.apply().assert_ok();
    let id = emulator.instance_id();

    ws.write_config(&resources(false, "KP", false));
    ws.set_env("CLERK_SECRET_KEY", "sk_test_e2eOtherInstance424242");
    emulator.clear_requests();
    let run = ws.run(&[
        "apply",
        "-refresh=false",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("Secret key belongs to a different Clerk instance"),
        "{text}"
    );
    assert!(text.contains(&id), "names the instance in state: {text}");
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
}
