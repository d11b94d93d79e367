//! Drift detection under real Terraform: with `drift_detection` on, a
//! change made outside Terraform (the emulator's out-of-band edits stand in
//! for the Clerk Dashboard) to any readable setting shows in the next plan
//! and apply corrects it; with it off, only `allowed_origins` is read back.
//! Also: no false drift from a lagging cache right after an apply, and an
//! unreachable Frontend API only warns.

mod support;

use serde_json::json;
use support::{http, Emulator, Workspace};

const RESOURCE: &str = "clerk_instance_settings.this";

/// Every readable setting except allowed_origins (always read), set to a
/// value different from a new instance's defaults.
const MANAGED: &str = r#"  test_mode                     = false
  hibp                          = false
  support_email                 = "help@example.com"
  clerk_js_version              = "5.14.0"
  url_based_session_syncing     = false
  enhanced_email_deliverability = true
  development_origin            = "http://localhost:3000"
  preferred_sign_in_strategy_when_password_required = "otp""#;

/// Out-of-band values: different from both the applied values and the
/// instance's defaults, so the stale-read rule cannot explain them.
fn dashboard_changes() -> serde_json::Value {
    json!({
        "support_email": "other@example.com",
        "clerk_js_version": "4",
        "development_origin": "http://localhost:4000",
    })
}

fn workspace(emulator: &Emulator, provider: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&format!(
        "provider \"clerk\" {{\n{provider}\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{MANAGED}\n}}\n"
    ));
    ws.init();
    ws
}

fn instance_id(ws: &Workspace) -> String {
    ws.resource_values(RESOURCE)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_readable_setting_drifts_visibly_with_detection_on() {
    let emulator = Emulator::start();
    // A zero window: the booleans can only flip back to the value the
    // apply replaced, which the stale-read rule would otherwise absorb.
    let ws = workspace(
        &emulator,
        "  drift_detection = true\n  drift_grace_seconds = 0",
    );
    ws.apply().assert_ok();
    ws.assert_no_changes();
    let id = instance_id(&ws);

    let mut changes = dashboard_changes();
    for (name, value) in [
        ("test_mode", true),
        ("hibp", true),
        ("url_based_session_syncing", true),
        ("enhanced_email_deliverability", false),
    ] {
        changes[name] = json!(value);
    }
    emulator.change_out_of_band(&id, changes.clone());

    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    let text = plan.flat();
    for name in changes.as_object().unwrap().keys() {
        assert!(
            text.contains(name.as_str()),
            "{name} drift not shown:\n{text}"
        );
    }
    assert!(
        !text.contains("preferred_sign_in_strategy_when_password_required"),
        "the strategy override cannot be read and must not show: {text}"
    );

    emulator.clear_requests();
    ws.apply().assert_ok();
    let patches = emulator.patches();
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0],
        json!({
            "test_mode": false,
            "hibp": false,
            "support_email": "help@example.com",
            "clerk_js_version": "5.14.0",
            "url_based_session_syncing": false,
            "enhanced_email_deliverability": true,
            "development_origin": "http://localhost:3000",
        })
    );
    ws.assert_no_changes();
}

#[test]
fn with_detection_off_only_allowed_origins_is_read_back() {
    let emulator = Emulator::start();
    let ws = workspace(&emulator, "");
    ws.apply().assert_ok();
    let id = instance_id(&ws);
    emulator.clear_requests();

    emulator.change_out_of_band(&id, dashboard_changes());
    ws.assert_no_changes();
    let paths: Vec<String> = emulator
        .requests()
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        paths.iter().all(|p| p == "/v1/instance"),
        "only GET /v1/instance: {paths:?}"
    );
}

#[test]
fn a_lagging_cache_right_after_apply_is_not_reported_as_drift() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    let config = |body: &str| {
        format!(
            "provider \"clerk\" {{\n  drift_detection = true\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{body}\n}}\n"
        )
    };
    // First manage the settings at a new instance's values...
    ws.write_config(&config(
        "  test_mode = true\n  hibp = true\n  support_email = \"\"",
    ));
    ws.init();
    ws.apply().assert_ok();
    let id = instance_id(&ws);

    // ...then change them while the Frontend API serves answers a minute
    // old, that is, the values this apply replaces.
    emulator.set_environment_lag_ms(60_000);
    ws.write_config(&config(
        "  test_mode = false\n  hibp = false\n  support_email = \"new@example.com\"",
    ));
    ws.apply().assert_ok();

    // The cache really is stale: it still shows what the apply replaced.
    let (_, environment) = http::request(
        &emulator.addr,
        "GET",
        &format!("/fapi/{id}/v1/environment"),
        None,
    );
    assert_eq!(
        environment["display_config"]["support_email"],
        serde_json::Value::Null
    );
    assert_eq!(environment["auth_config"]["test_mode"], true);
    assert_eq!(
        environment["user_settings"]["password_settings"]["disable_hibp"],
        false
    );

    // Yet the next plan is empty: those reads are taken as stale.
    ws.assert_no_changes();
    let values = ws.resource_values(RESOURCE);
    assert_eq!(values["support_email"], "new@example.com");
    assert_eq!(values["test_mode"], false);
    assert_eq!(values["hibp"], false);

    // A real change to a third value still shows inside the window.
    emulator.set_environment_lag_ms(0);
    emulator.change_out_of_band(&id, json!({"support_email": "third@example.com"}));
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.flat());
    assert!(plan.flat().contains("third@example.com"));
}

#[test]
fn an_unreachable_frontend_api_warns_and_keeps_state() {
    let emulator = Emulator::start();
    let ws = workspace(&emulator, "  drift_detection = true\n  max_retries = 1");
    ws.apply().assert_ok();
    let id = instance_id(&ws);
    emulator.change_out_of_band(&id, dashboard_changes());
    emulator.fault(json!({"path": "/fapi/*", "times": 1000, "status": 503}));

    // The domain is still readable, so development_origin's drift shows;
    // the settings only the Frontend API reports keep their state, and the
    // warning names them.
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "no error, one change: {}", plan.flat());
    let text = plan.flat();
    assert!(
        text.contains("Could not read settings for drift detection"),
        "{text}"
    );
    assert!(
        text.contains(
            "development_origin = \"http://localhost:4000\" -> \"http://localhost:3000\""
        ),
        "{text}"
    );
    assert!(!text.contains("other@example.com"), "{text}");
    assert!(
        text.contains("changes made outside Terraform may not show: clerk_js_version"),
        "{text}"
    );
    assert_eq!(
        ws.resource_values(RESOURCE)["support_email"],
        "help@example.com"
    );
}

#[test]
fn the_data_source_reports_every_readable_setting() {
    let emulator = Emulator::start();
    let ws = Workspace::instance_data_source(&emulator);
    let id = ws.output("instance")["id"].as_str().unwrap().to_string();
    emulator.change_out_of_band(
        &id,
        json!({
            "test_mode": false,
            "hibp": false,
            "support_email": "audit@example.com",
            "clerk_js_version": "5.2.0",
            "url_based_session_syncing": false,
            "enhanced_email_deliverability": true,
            "development_origin": "http://localhost:5173",
            "allowed_origins": ["capacitor://localhost"],
        }),
    );
    ws.apply().assert_ok();
    let instance = ws.output("instance");
    assert_eq!(
        instance,
        json!({
            "id": id,
            "environment_type": "development",
            "allowed_origins": ["capacitor://localhost"],
            "test_mode": false,
            "hibp": false,
            "support_email": "audit@example.com",
            "clerk_js_version": "5.2.0",
            "url_based_session_syncing": false,
            "enhanced_email_deliverability": true,
            "development_origin": "http://localhost:5173",
        })
    );
    // The Frontend API was read the way a server must: no browser headers.
    let fapi: Vec<serde_json::Value> = emulator
        .requests()
        .into_iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/fapi/")))
        .collect();
    assert!(!fapi.is_empty());
    for request in fapi {
        assert_eq!(request["status"], 200, "{request}");
        assert_eq!(request["headers"]["has_authorization"], false, "{request}");
    }
}
