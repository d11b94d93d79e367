//! Tables for the engine's pure logic (plan, body, refresh, validation),
//! run on the `clerk_instance_settings` and `clerk_instance_restrictions`
//! tables.

use std::collections::BTreeMap;

use super::model::{
    self, AppliedChanges, Field, SettingValue, State, DEFAULT_STALE_READ_GRACE_MS as GRACE,
};
use super::setting::Kind;
use super::*;
use crate::framework::{PathStep, PlanRequest, Severity};
use crate::resources::instance_restrictions::INSTANCE_RESTRICTIONS;
use crate::resources::instance_settings::{INSTANCE_SETTINGS as R, SETTINGS};

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

/// An object with every attribute of the schema: given ones set, the rest null.
fn object(pairs: &[(&str, Value)]) -> Value {
    let mut attributes: BTreeMap<String, Value> = BTreeMap::new();
    attributes.insert("id".into(), Value::Null);
    attributes.insert("environment_type".into(), Value::Null);
    for setting in SETTINGS {
        attributes.insert(setting.name.into(), Value::Null);
    }
    for (name, value) in pairs {
        attributes.insert((*name).to_string(), value.clone());
    }
    Value::Object(attributes)
}

fn settings(pairs: &[(&str, Value)]) -> State {
    State::from_value(SETTINGS, &object(pairs)).unwrap()
}

fn state(pairs: &[(&str, Value)]) -> State {
    let mut all = vec![("id", s("ins_1")), ("environment_type", s("development"))];
    all.extend(pairs.iter().cloned());
    settings(&all)
}

fn origins(items: &[&str]) -> Value {
    Value::Set(items.iter().map(|i| s(i)).collect())
}

#[test]
fn create_plans_config_values_and_unknown_identity() {
    let config = settings(&[("test_mode", Value::Bool(false)), ("support_email", s(""))]);
    let planned = model::plan(SETTINGS, None, &config);
    assert_eq!(planned.id, Field::Unknown(Value::Unknown));
    assert_eq!(planned.environment_type, Field::Unknown(Value::Unknown));
    assert_eq!(
        planned.get("test_mode"),
        &Field::Known(SettingValue::Bool(false))
    );
    assert_eq!(
        planned.get("support_email"),
        &Field::Known(SettingValue::String(String::new()))
    );
    // Not in the config: not managed, stays null, shows no change.
    assert_eq!(planned.get("hibp"), &Field::Null);
    assert_eq!(planned.get("allowed_origins"), &Field::Null);
}

#[test]
fn create_body_holds_exactly_the_configured_settings() {
    let config = settings(&[
        ("test_mode", Value::Bool(false)),
        ("support_email", s("")),
        (
            "allowed_origins",
            origins(&["https://b.example", "https://a.example"]),
        ),
    ]);
    let planned = model::plan(SETTINGS, None, &config);
    let body = model::patch_body(SETTINGS, None, &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        serde_json::json!({
            "test_mode": false,
            "support_email": "",
            "allowed_origins": ["https://a.example", "https://b.example"],
        })
    );
}

#[test]
fn update_sends_only_what_differs_and_keeps_omitted_values() {
    let prior = state(&[
        ("test_mode", Value::Bool(true)),
        ("hibp", Value::Bool(true)),
        ("clerk_js_version", s("5")),
    ]);
    // hibp removed from the config; test_mode unchanged; version changed.
    let config = settings(&[
        ("test_mode", Value::Bool(true)),
        ("clerk_js_version", s("^5.1")),
    ]);
    let planned = model::plan(SETTINGS, Some(&prior), &config);
    assert_eq!(planned.id, prior.id);
    assert_eq!(planned.get("hibp"), &Field::Known(SettingValue::Bool(true)));
    let body = model::patch_body(SETTINGS, Some(&prior), &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        serde_json::json!({"clerk_js_version": "^5.1"})
    );
}

#[test]
fn removing_everything_from_config_plans_no_change() {
    let prior = state(&[
        ("test_mode", Value::Bool(true)),
        ("support_email", s("a@b.co")),
    ]);
    let planned = model::plan(SETTINGS, Some(&prior), &settings(&[]));
    assert_eq!(planned, prior);
    assert!(model::patch_body(SETTINGS, Some(&prior), &planned)
        .unwrap()
        .is_empty());
}

#[test]
fn set_order_does_not_make_a_change() {
    let prior = state(&[(
        "allowed_origins",
        origins(&["https://a.example", "https://b.example"]),
    )]);
    let config = settings(&[(
        "allowed_origins",
        origins(&["https://b.example", "https://a.example"]),
    )]);
    let planned = model::plan(SETTINGS, Some(&prior), &config);
    assert!(model::patch_body(SETTINGS, Some(&prior), &planned)
        .unwrap()
        .is_empty());
}

#[test]
fn empty_set_and_false_are_sent() {
    let prior = state(&[
        ("allowed_origins", origins(&["https://a.example"])),
        ("hibp", Value::Bool(true)),
    ]);
    let config = settings(&[
        ("allowed_origins", Value::Set(vec![])),
        ("hibp", Value::Bool(false)),
    ]);
    let planned = model::plan(SETTINGS, Some(&prior), &config);
    let body = model::patch_body(SETTINGS, Some(&prior), &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        serde_json::json!({"allowed_origins": [], "hibp": false})
    );
}

#[test]
fn unknown_config_is_planned_verbatim_and_refused_at_apply() {
    let partly = Value::Set(vec![s("https://a.example"), Value::Unknown]);
    let config = settings(&[
        ("allowed_origins", partly.clone()),
        ("support_email", Value::Unknown),
    ]);
    let planned = model::plan(SETTINGS, None, &config);
    let value = planned.to_value(SETTINGS);
    assert_eq!(value.get("allowed_origins"), Some(&partly));
    assert_eq!(value.get("support_email"), Some(&Value::Unknown));
    assert!(model::patch_body(SETTINGS, None, &planned).is_err());
}

#[test]
fn values_round_trip_through_terraform_values() {
    let original = object(&[
        ("id", s("ins_1")),
        ("environment_type", s("production")),
        ("allowed_origins", origins(&["https://a.example"])),
        ("hibp", Value::Bool(false)),
        ("support_email", s("")),
    ]);
    let decoded = State::from_value(SETTINGS, &original).unwrap();
    assert_eq!(decoded.to_value(SETTINGS), original);
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    assert!(State::from_value(SETTINGS, &object(&[("hibp", s("yes"))])).is_err());
    assert!(State::from_value(
        SETTINGS,
        &object(&[("allowed_origins", Value::Set(vec![Value::Null]))])
    )
    .is_err());
    assert!(State::from_value(SETTINGS, &object(&[("support_email", Value::Bool(true))])).is_err());
}

fn observed(pairs: &[(&'static str, SettingValue)]) -> BTreeMap<&'static str, SettingValue> {
    pairs.iter().cloned().collect()
}

#[test]
fn refresh_updates_only_managed_settings() {
    let current = state(&[("allowed_origins", origins(&["https://a.example"]))]);
    let report = observed(&[
        (
            "allowed_origins",
            SettingValue::StringSet(["https://evil.example".to_string()].into()),
        ),
        ("test_mode", SettingValue::Bool(true)),
    ]);
    let refreshed = model::refresh(
        SETTINGS,
        &current,
        &report,
        &AppliedChanges::default(),
        1_000,
        GRACE,
    );
    assert_eq!(refreshed.drifted, ["allowed_origins"]);
    assert_eq!(
        refreshed.state.get("allowed_origins"),
        &Field::Known(SettingValue::StringSet(
            ["https://evil.example".to_string()].into()
        ))
    );
    // test_mode is not managed: it stays null although Clerk reported it.
    assert_eq!(refreshed.state.get("test_mode"), &Field::Null);
}

#[test]
fn a_read_of_the_replaced_value_soon_after_apply_is_stale_not_drift() {
    let prior = state(&[("test_mode", Value::Bool(true))]);
    let planned = model::plan(
        SETTINGS,
        Some(&prior),
        &settings(&[("test_mode", Value::Bool(false))]),
    );
    let applied = model::record_applied(
        SETTINGS,
        &AppliedChanges::default(),
        Some(&prior),
        &planned,
        10_000,
        GRACE,
    );
    let report = observed(&[("test_mode", SettingValue::Bool(true))]);

    let soon = model::refresh(SETTINGS, &planned, &report, &applied, 10_000 + 5_000, GRACE);
    assert!(soon.drifted.is_empty());
    assert_eq!(soon.stale, ["test_mode"]);
    assert_eq!(soon.state, planned);
    // Still waiting for the cache: remembered for the next refresh.
    assert!(soon
        .applied
        .replaced
        .iter()
        .any(|e| e.setting == "test_mode"));

    let later = model::refresh(
        SETTINGS,
        &planned,
        &report,
        &applied,
        10_000 + GRACE + 1,
        GRACE,
    );
    assert_eq!(later.drifted, ["test_mode"]);

    // A window of zero turns the rule off.
    let off = model::refresh(SETTINGS, &planned, &report, &applied, 10_000 + 5_000, 0);
    assert_eq!(off.drifted, ["test_mode"]);
}

#[test]
fn a_third_value_soon_after_apply_is_real_drift() {
    let prior = state(&[("clerk_js_version", s("5"))]);
    let planned = model::plan(
        SETTINGS,
        Some(&prior),
        &settings(&[("clerk_js_version", s("5.1.0"))]),
    );
    let applied = model::record_applied(
        SETTINGS,
        &AppliedChanges::default(),
        Some(&prior),
        &planned,
        0,
        GRACE,
    );
    let report = observed(&[("clerk_js_version", SettingValue::String("4".into()))]);
    let refreshed = model::refresh(SETTINGS, &planned, &report, &applied, 1_000, GRACE);
    assert_eq!(refreshed.drifted, ["clerk_js_version"]);
}

#[test]
fn converged_settings_are_forgotten() {
    let prior = state(&[("hibp", Value::Bool(true))]);
    let planned = model::plan(
        SETTINGS,
        Some(&prior),
        &settings(&[("hibp", Value::Bool(false))]),
    );
    let applied = model::record_applied(
        SETTINGS,
        &AppliedChanges::default(),
        Some(&prior),
        &planned,
        0,
        GRACE,
    );
    let report = observed(&[("hibp", SettingValue::Bool(false))]);
    let refreshed = model::refresh(SETTINGS, &planned, &report, &applied, 1_000, GRACE);
    assert!(refreshed.drifted.is_empty() && refreshed.stale.is_empty());
    assert!(refreshed.applied.replaced.is_empty());
    assert!(refreshed.applied.to_private().is_empty());
}

#[test]
fn after_create_any_disagreement_in_the_window_is_stale() {
    let planned = model::plan(
        SETTINGS,
        None,
        &settings(&[("support_email", s("help@example.com"))]),
    );
    let applied = model::record_applied(
        SETTINGS,
        &AppliedChanges::default(),
        None,
        &planned,
        0,
        GRACE,
    );
    assert_eq!(applied.replaced.len(), 1);
    assert_eq!(applied.replaced[0].setting, "support_email");
    assert_eq!(applied.replaced[0].previous, None);
    let report = observed(&[(
        "support_email",
        SettingValue::String("old@example.com".into()),
    )]);
    assert_eq!(
        model::refresh(SETTINGS, &planned, &report, &applied, 1_000, GRACE).stale,
        ["support_email"]
    );
}

#[test]
fn private_state_round_trips_and_tolerates_garbage() {
    let applied = AppliedChanges {
        replaced: vec![model::Replaced {
            setting: "hibp".to_string(),
            previous: Some(serde_json::json!(true)),
            at_ms: 42,
        }],
    };
    assert_eq!(AppliedChanges::from_private(&applied.to_private()), applied);
    assert_eq!(
        AppliedChanges::from_private(b"\xff not json"),
        AppliedChanges::default()
    );
    assert!(SettingValue::from_json(Kind::Bool, &serde_json::json!("true")).is_none());
}

fn plan_request(prior: Value, config: Value) -> PlanRequest {
    PlanRequest {
        type_name: R.type_name.into(),
        proposed_new_state: config.clone(),
        prior_state: prior,
        config,
        prior_private: b"keep".to_vec(),
    }
}

#[test]
fn destroy_plan_stays_null_and_warns() {
    let response = R.plan_change(&PlanRequest {
        proposed_new_state: Value::Null,
        ..plan_request(object(&[("id", s("ins_1"))]), Value::Null)
    });
    assert_eq!(response.planned_state, Value::Null);
    assert_eq!(response.diagnostics.0.len(), 1);
    assert_eq!(response.diagnostics.0[0].severity, Severity::Warning);
}

#[test]
fn plan_passes_private_state_through() {
    let response = R.plan_change(&plan_request(
        Value::Null,
        object(&[("hibp", Value::Bool(true))]),
    ));
    assert!(response.diagnostics.is_empty());
    assert_eq!(response.planned_private, b"keep");
}

fn errors_at(diags: &Diagnostics) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| match d.attribute.as_ref().map(|p| &p.0[..]) {
            Some([PathStep::Attribute(name)]) => name.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn validation_names_each_bad_attribute() {
    let config = object(&[
        ("support_email", s("not-an-email")),
        (
            "preferred_sign_in_strategy_when_password_required",
            s("passkey"),
        ),
        (
            "allowed_origins",
            origins(&["https://ok.example", "https://bad.example/path"]),
        ),
        ("development_origin", s("capacitor://localhost")),
        ("clerk_js_version", s("five!")),
    ]);
    assert_eq!(
        errors_at(&R.validate_config(&config)),
        [
            "allowed_origins",
            "clerk_js_version",
            "development_origin",
            "preferred_sign_in_strategy_when_password_required",
            "support_email",
        ]
    );
}

#[test]
fn validation_accepts_clearing_values_and_skips_unknowns() {
    let config = object(&[
        ("support_email", s("")),
        ("preferred_sign_in_strategy_when_password_required", s("")),
        ("clerk_js_version", s("")),
        ("development_origin", Value::Unknown),
        (
            "allowed_origins",
            Value::Set(vec![s("capacitor://localhost"), Value::Unknown]),
        ),
    ]);
    assert!(
        R.validate_config(&config).is_empty(),
        "{:?}",
        R.validate_config(&config)
    );
}

#[test]
fn deprecated_setting_warns_when_set() {
    let diags = R.validate_config(&object(&[(
        "enhanced_email_deliverability",
        Value::Bool(false),
    )]));
    assert_eq!(diags.0.len(), 1);
    assert_eq!(diags.0[0].severity, Severity::Warning);
    assert!(R.validate_config(&object(&[])).is_empty());
}

#[test]
fn schema_lists_every_setting_as_optional_computed() {
    let schema = Resource::schema(&R);
    for setting in SETTINGS {
        let attribute = schema.block.attribute(setting.name).unwrap();
        assert!(attribute.optional && attribute.computed, "{}", setting.name);
        assert!(!attribute.description.is_empty());
    }
    assert!(
        schema
            .block
            .attribute("enhanced_email_deliverability")
            .unwrap()
            .deprecated
    );
    let id = schema.block.attribute("id").unwrap();
    assert!(id.computed && !id.optional);
}

#[test]
fn upgrade_drops_unknown_attributes_with_a_warning() {
    let json =
        br#"{"id":"ins_1","environment_type":"development","hibp":true,"from_the_future":1}"#;
    let (value, diags) = R.upgrade(0, json);
    assert_eq!(value.get("hibp"), Some(&Value::Bool(true)));
    assert_eq!(value.get("test_mode"), Some(&Value::Null));
    assert_eq!(diags.0.len(), 1);
    assert_eq!(diags.0[0].severity, Severity::Warning);
    assert!(diags.0[0].detail.contains("from_the_future"));

    let (_, diags) = R.upgrade(0, b"{not json");
    assert!(diags.has_errors());
    let (_, diags) = R.upgrade(0, br#"{"hibp":"yes"}"#);
    assert!(diags.has_errors());
    let (_, diags) = R.upgrade(crate::resources::STATE_VERSION + 1, b"{}");
    assert!(diags.has_errors());
}

#[test]
fn authoritative_sources_are_never_explained_away_as_stale() {
    // allowed_origins is read from GET /v1/instance, which has no edge
    // cache: a read of exactly the replaced value right after an apply is
    // a real change (someone put it back), never a stale read.
    let prior = state(&[("allowed_origins", origins(&["https://old.example"]))]);
    let planned = model::plan(
        SETTINGS,
        Some(&prior),
        &settings(&[("allowed_origins", origins(&["https://new.example"]))]),
    );
    let applied = model::record_applied(
        SETTINGS,
        &AppliedChanges::default(),
        Some(&prior),
        &planned,
        0,
        GRACE,
    );
    assert!(applied.replaced.is_empty(), "{applied:?}");
    let report = observed(&[(
        "allowed_origins",
        SettingValue::StringSet(["https://old.example".to_string()].into()),
    )]);
    let refreshed = model::refresh(SETTINGS, &planned, &report, &applied, 1_000, GRACE);
    assert_eq!(refreshed.drifted, ["allowed_origins"]);
    // Even with an entry forged into private state, the rule ignores it.
    let forged = AppliedChanges {
        replaced: vec![model::Replaced {
            setting: "allowed_origins".into(),
            previous: None,
            at_ms: 0,
        }],
    };
    let refreshed = model::refresh(SETTINGS, &planned, &report, &forged, 1_000, GRACE);
    assert_eq!(refreshed.drifted, ["allowed_origins"]);
}

#[test]
fn a_second_apply_in_the_window_keeps_what_the_first_replaced() {
    let first_prior = state(&[
        ("hibp", Value::Bool(true)),
        ("test_mode", Value::Bool(true)),
    ]);
    let first = model::plan(
        SETTINGS,
        Some(&first_prior),
        &settings(&[("hibp", Value::Bool(false))]),
    );
    let after_first = model::record_applied(
        SETTINGS,
        &AppliedChanges::default(),
        Some(&first_prior),
        &first,
        0,
        GRACE,
    );
    let second = model::plan(
        SETTINGS,
        Some(&first),
        &settings(&[("test_mode", Value::Bool(false))]),
    );
    let after_second =
        model::record_applied(SETTINGS, &after_first, Some(&first), &second, 30_000, GRACE);
    // The cache still shows both old values: both are stale, not drift.
    let report = observed(&[
        ("hibp", SettingValue::Bool(true)),
        ("test_mode", SettingValue::Bool(true)),
    ]);
    let soon = model::refresh(SETTINGS, &second, &report, &after_second, 40_000, GRACE);
    assert!(soon.drifted.is_empty(), "{soon:?}");
    assert_eq!(soon.stale, ["hibp", "test_mode"]);
    // Each entry ends with its own grace period: hibp's (from t=0) is over
    // at GRACE + 1, test_mode's (from t=30 s) is not.
    let later = model::refresh(SETTINGS, &second, &report, &after_second, GRACE + 1, GRACE);
    assert_eq!(later.drifted, ["hibp"]);
    assert_eq!(later.stale, ["test_mode"]);
    // Old private state (one clock for all entries) is still understood.
    let v1 = br#"{"applied_at_ms":5,"replaced":{"hibp":true}}"#;
    let read = AppliedChanges::from_private(v1);
    assert_eq!(read.replaced.len(), 1);
    assert_eq!(read.replaced[0].at_ms, 5);
    assert_eq!(read.replaced[0].previous, Some(serde_json::json!(true)));
}

fn warnings_at(diags: &Diagnostics) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| match d.attribute.as_ref().map(|p| &p.0[..]) {
            Some([PathStep::Attribute(name)]) => format!("{name}: {}", d.detail),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_planned_empty_string_is_announced_with_what_it_clears() {
    let prior = object(&[
        ("id", s("ins_1")),
        ("environment_type", s("development")),
        ("support_email", s("help@example.com")),
        ("clerk_js_version", s("5")),
    ]);
    let response = R.plan_change(&plan_request(
        prior.clone(),
        object(&[("support_email", s("")), ("clerk_js_version", s("5"))]),
    ));
    let warnings = warnings_at(&response.diagnostics);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("support_email: "), "{warnings:?}");
    assert!(warnings[0].contains("\"help@example.com\""), "{warnings:?}");
    // On create the value is not known: the warning says so.
    let response = R.plan_change(&plan_request(
        Value::Null,
        object(&[("clerk_js_version", s(""))]),
    ));
    let warnings = warnings_at(&response.diagnostics);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("whatever value Clerk has stored"));
    // Nothing sent, nothing said: "" already in state.
    let cleared = object(&[
        ("id", s("ins_1")),
        ("environment_type", s("development")),
        ("support_email", s("")),
    ]);
    let response = R.plan_change(&plan_request(cleared, object(&[("support_email", s(""))])));
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
}

#[test]
fn development_origin_is_refused_at_plan_for_a_production_instance() {
    let production = object(&[("id", s("ins_1")), ("environment_type", s("production"))]);
    let response = R.plan_change(&plan_request(
        production.clone(),
        object(&[("development_origin", s("http://localhost:3000"))]),
    ));
    assert_eq!(errors_at(&response.diagnostics), ["development_origin"]);
    let response = R.plan_change(&plan_request(
        production,
        object(&[("hibp", Value::Bool(true))]),
    ));
    assert!(!response.diagnostics.has_errors());
    let development = object(&[("id", s("ins_1")), ("environment_type", s("development"))]);
    let response = R.plan_change(&plan_request(
        development,
        object(&[("development_origin", s("http://localhost:3000"))]),
    ));
    assert!(!response.diagnostics.has_errors());
}

fn restrictions(pairs: &[(&str, Value)]) -> State {
    let mut attributes: BTreeMap<String, Value> = BTreeMap::new();
    for setting in INSTANCE_RESTRICTIONS.settings {
        attributes.insert(setting.name.into(), Value::Null);
    }
    attributes.insert("id".into(), s("ins_1"));
    attributes.insert("environment_type".into(), s("development"));
    for (name, value) in pairs {
        attributes.insert((*name).to_string(), value.clone());
    }
    State::from_value(INSTANCE_RESTRICTIONS.settings, &Value::Object(attributes)).unwrap()
}

#[test]
fn the_patch_answer_becomes_state_and_contradictions_are_errors() {
    let mut planned = restrictions(&[
        ("allowlist", Value::Bool(true)),
        ("blocklist", Value::Bool(false)),
    ]);
    let answer = serde_json::json!({
        "object": "instance_restrictions",
        "allowlist": false,
        "blocklist": false,
        "block_email_subaddresses": true,
        "block_disposable_email_domains": false,
        "allowlist_blocklist_disabled_on_sign_in": false,
    });
    let diags = INSTANCE_RESTRICTIONS.take_answer(&mut planned, &["allowlist"], Some(&answer));
    assert_eq!(errors_at(&diags), ["allowlist"]);
    // State says what Clerk kept; unmanaged flags stay null.
    assert_eq!(
        planned.get("allowlist"),
        &Field::Known(SettingValue::Bool(false))
    );
    assert_eq!(planned.get("block_email_subaddresses"), &Field::Null);

    let mut planned = restrictions(&[("blocklist", Value::Bool(true))]);
    let answer = serde_json::json!({"blocklist": true, "allowlist": true});
    let diags = INSTANCE_RESTRICTIONS.take_answer(&mut planned, &["blocklist"], Some(&answer));
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn integers_are_whole_numbers_with_a_floor() {
    use super::setting::Setting;
    static TABLE: &[Setting] = &[Setting::new("max", Kind::Int, "A number.").min(0)];
    let value = Value::object([
        ("id", Value::Null),
        ("environment_type", Value::Null),
        ("max", Value::int(0)),
    ]);
    let state = State::from_value(TABLE, &value).unwrap();
    assert_eq!(state.get("max"), &Field::Known(SettingValue::Int(0)));
    let body = model::patch_body(TABLE, None, &state).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        serde_json::json!({"max": 0})
    );
    assert_eq!(
        SettingValue::from_json(Kind::Int, &serde_json::json!(7)),
        Some(SettingValue::Int(7))
    );
    assert_eq!(
        SettingValue::from_json(Kind::Int, &serde_json::json!(1.5)),
        None
    );
}

mod computed_and_refusals {
    //! Computed-only settings and per-status refusals, on the
    //! `clerk_organization_settings` table.

    use super::*;
    use crate::clerk::ClerkError as ApiClerkError;
    use crate::resources::organization_settings::{ORGANIZATION_SETTINGS as O, SETTINGS};

    fn org(pairs: &[(&str, Value)]) -> State {
        let mut attributes: BTreeMap<String, Value> = BTreeMap::new();
        attributes.insert("id".into(), Value::Null);
        attributes.insert("environment_type".into(), Value::Null);
        for setting in SETTINGS {
            attributes.insert(setting.name.into(), Value::Null);
        }
        for (name, value) in pairs {
            attributes.insert((*name).to_string(), value.clone());
        }
        State::from_value(SETTINGS, &Value::Object(attributes)).unwrap()
    }

    fn known(text: &str) -> Field {
        Field::Known(SettingValue::String(text.into()))
    }

    #[test]
    fn computed_only_settings_are_never_sent_and_unknown_only_when_apply_writes() {
        let unknown = Field::Unknown(Value::Unknown);
        let config = org(&[("enabled", Value::Bool(true))]);
        let created = model::plan(SETTINGS, None, &config);
        assert_eq!(created.get("creator_role"), &unknown);
        let body = model::patch_body(SETTINGS, None, &created).unwrap();
        assert_eq!(
            serde_json::Value::Object(body),
            serde_json::json!({"enabled": true})
        );

        let prior = org(&[
            ("id", s("ins_1")),
            ("environment_type", s("development")),
            ("enabled", Value::Bool(true)),
            ("creator_role", s("org:admin")),
        ]);
        // Nothing to send: the reported value stays.
        let same = model::plan(SETTINGS, Some(&prior), &config);
        assert_eq!(same.get("creator_role"), &known("org:admin"));
        // A write may change what Clerk reports.
        let change = org(&[("creator_role_id", s("role_2"))]);
        let writes = model::plan(SETTINGS, Some(&prior), &change);
        assert_eq!(writes.get("creator_role"), &unknown);
        let body = model::patch_body(SETTINGS, Some(&prior), &writes).unwrap();
        assert_eq!(
            serde_json::Value::Object(body),
            serde_json::json!({"creator_role_id": "role_2"})
        );

        // What no answer settled is what was reported before, or null.
        let mut settled = writes.clone();
        model::settle_computed(SETTINGS, &mut settled, Some(&prior));
        assert_eq!(settled.get("creator_role"), &known("org:admin"));
        assert_eq!(settled.get("max_allowed_roles"), &Field::Null);
    }

    #[test]
    fn refresh_always_takes_reported_computed_values_and_manages_the_rest() {
        let state = org(&[
            ("id", s("ins_1")),
            ("creator_role_id", s("role_1")),
            ("creator_role", s("org:admin")),
        ]);
        let seen: BTreeMap<&'static str, SettingValue> = [
            ("creator_role", SettingValue::String("org:member".into())),
            ("creator_role_id", SettingValue::String("role_2".into())),
            ("max_allowed_roles", SettingValue::Int(10)),
            ("enabled", SettingValue::Bool(true)),
        ]
        .into();
        let refreshed = model::refresh(
            SETTINGS,
            &state,
            &seen,
            &AppliedChanges::default(),
            0,
            GRACE,
        );
        assert_eq!(refreshed.drifted, ["creator_role_id"]);
        assert_eq!(refreshed.state.get("creator_role_id"), &known("role_2"));
        assert_eq!(refreshed.state.get("creator_role"), &known("org:member"));
        assert_eq!(
            refreshed.state.get("max_allowed_roles"),
            &Field::Known(SettingValue::Int(10))
        );
        // Not managed: not taken.
        assert_eq!(refreshed.state.get("enabled"), &Field::Null);
    }

    #[test]
    fn computed_only_settings_are_computed_in_the_schema_and_never_validated() {
        let schema = Resource::schema(&O);
        let attribute = |name: &str| {
            schema
                .block
                .attributes
                .iter()
                .find(|a| a.name == name)
                .unwrap()
                .clone()
        };
        let key = attribute("creator_role");
        assert!(key.computed && !key.optional);
        let id = attribute("creator_role_id");
        assert!(id.computed && id.optional);
        let data = DataSource::schema(&SingletonData(&O));
        assert!(data
            .block
            .attributes
            .iter()
            .any(|a| a.name == "creator_role_id"));
        let diags = O.validate_config(&Value::object(vec![(
            "domains_enrollment_modes".to_string(),
            Value::Set(vec![s("automatic_invitation"), s("sometimes")]),
        )]));
        assert_eq!(diags.0.len(), 1, "{:?}", diags.0);
        assert!(diags.0[0].detail.contains("\"sometimes\""));
    }

    #[test]
    fn refusals_get_their_own_words_but_a_wrong_base_url_does_not() {
        let forbidden = ApiError::Forbidden {
            errors: vec![ApiClerkError {
                code: "organization_not_enabled_in_instance".into(),
                message: "not enabled".into(),
                long_message: "Organizations are not enabled.".into(),
                param_name: None,
            }],
            trace_id: Some("t1".into()),
        };
        let diags = O.write_refused(&forbidden);
        let detail = &diags.0[0].detail;
        assert!(detail.contains("HTTP 403"), "{detail}");
        assert!(detail.contains("Organizations are not enabled"), "{detail}");
        assert!(detail.contains("Configure → Organizations"), "{detail}");
        assert!(detail.contains("t1"), "{detail}");

        let missing = ApiError::Api {
            status: 404,
            errors: Vec::new(),
            trace_id: None,
        };
        let read = O.read_error(&missing);
        assert_eq!(
            read.0[0].summary,
            "Could not read the Clerk organization settings"
        );
        assert!(read.0[0].detail.contains("HTTP 404"));

        let wrong_url = ApiError::WrongApiUrl {
            tried: "127.0.0.1/v1/instance".into(),
        };
        assert!(O.refusal(&wrong_url).is_none());
        assert!(O.read_error(&wrong_url).0[0].detail.contains("api_url"));

        let payment = ApiError::Api {
            status: 402,
            errors: Vec::new(),
            trace_id: None,
        };
        assert_eq!(O.refusal(&payment).map(|r| r.0), Some(402));
        // Without a table entry, only 402 has words of its own.
        assert!(R.refusal(&missing).is_none());
        assert_eq!(R.refusal(&payment).map(|r| r.0), Some(402));
    }
}

// ---------------------------------------------------------------------------
// Computed (read-only) settings, set sizes, and what a set answer dropped.

use crate::resources::instance_communication::INSTANCE_COMMUNICATION;
use crate::resources::instance_protect::{
    INSTANCE_PROTECT as PROTECT, SETTINGS as PROTECT_SETTINGS,
};

fn protect(pairs: &[(&str, Value)]) -> State {
    let mut attributes: BTreeMap<String, Value> = BTreeMap::new();
    for setting in PROTECT_SETTINGS {
        attributes.insert(setting.name.into(), Value::Null);
    }
    attributes.insert("id".into(), Value::Null);
    attributes.insert("environment_type".into(), Value::Null);
    for (name, value) in pairs {
        attributes.insert((*name).to_string(), value.clone());
    }
    State::from_value(PROTECT_SETTINGS, &Value::Object(attributes)).unwrap()
}

#[test]
fn a_computed_setting_is_read_only_in_the_schema() {
    let schema = Resource::schema(&PROTECT);
    let attribute = |name: &str| {
        schema
            .block
            .attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .clone()
    };
    let bypassed = attribute("checks_bypassed");
    assert!(bypassed.computed && !bypassed.optional && !bypassed.required);
    let rules = attribute("rules_enabled");
    assert!(rules.computed && rules.optional);
}

#[test]
fn a_computed_setting_is_never_sent_and_unknown_whenever_apply_writes() {
    // Create: unknown, not in the body.
    let config = protect(&[("rules_enabled", Value::Bool(true))]);
    let planned = model::plan(PROTECT_SETTINGS, None, &config);
    assert_eq!(
        planned.get("checks_bypassed"),
        &Field::Unknown(Value::Unknown)
    );
    let body = model::patch_body(PROTECT_SETTINGS, None, &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        serde_json::json!({"rules_enabled": true})
    );

    // Nothing changes: it keeps its prior value, so the plan is empty.
    let mut prior = protect(&[
        ("id", s("ins_1")),
        ("environment_type", s("development")),
        ("rules_enabled", Value::Bool(true)),
        ("checks_bypassed", Value::Bool(true)),
    ]);
    let planned = model::plan(PROTECT_SETTINGS, Some(&prior), &config);
    assert_eq!(planned, prior);

    // A write: unknown until Clerk answers, and the answer fills it even
    // though it was never sent.
    let config = protect(&[("rules_enabled", Value::Bool(false))]);
    let mut planned = model::plan(PROTECT_SETTINGS, Some(&prior), &config);
    assert_eq!(
        planned.get("checks_bypassed"),
        &Field::Unknown(Value::Unknown)
    );
    let body = model::patch_body(PROTECT_SETTINGS, Some(&prior), &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        serde_json::json!({"rules_enabled": false})
    );
    let answer = serde_json::json!({
        "object": "instance_protect",
        "rules_enabled": false,
        "specter_enabled": true,
        "checks_bypassed": false,
    });
    let diags = PROTECT.take_answer(&mut planned, &["rules_enabled"], Some(&answer));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        planned.get("checks_bypassed"),
        &Field::Known(SettingValue::Bool(false))
    );
    assert_eq!(planned.get("specter_enabled"), &Field::Null, "not managed");

    // Refresh always takes what Clerk reports for it, even when null in state.
    prior.settings.insert("checks_bypassed", Field::Null);
    let report = observed(&[("checks_bypassed", SettingValue::Bool(true))]);
    let refreshed = model::refresh(
        PROTECT_SETTINGS,
        &prior,
        &report,
        &AppliedChanges::default(),
        1_000,
        GRACE,
    );
    assert_eq!(
        refreshed.state.get("checks_bypassed"),
        &Field::Known(SettingValue::Bool(true))
    );
    assert!(refreshed.drifted.is_empty());
}

fn codes(items: &[&str]) -> Value {
    Value::Set(items.iter().map(|i| s(i)).collect())
}

fn communication(value: Value) -> Value {
    Value::object([
        ("id", Value::Null),
        ("environment_type", Value::Null),
        ("blocked_country_codes", value),
    ])
}

#[test]
fn a_set_longer_than_its_maximum_is_refused_at_plan() {
    let many: Vec<String> = (0..251)
        .map(|i| {
            format!(
                "{}{}",
                (b'A' + (i / 26) as u8) as char,
                (b'A' + (i % 26) as u8) as char
            )
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let diags = INSTANCE_COMMUNICATION.validate_config(&communication(codes(&refs)));
    assert_eq!(errors_at(&diags), ["blocked_country_codes"]);
    assert!(format!("{diags:?}").contains("at most 250"));
    let diags = INSTANCE_COMMUNICATION.validate_config(&communication(codes(&refs[..250])));
    assert!(diags.is_empty(), "{diags:?}");
    // With unknown elements the size is not known yet.
    let mut partly: Vec<Value> = refs.iter().map(|r| s(r)).collect();
    partly.push(Value::Unknown);
    assert!(INSTANCE_COMMUNICATION
        .validate_config(&communication(Value::Set(partly)))
        .is_empty());
    let diags = INSTANCE_COMMUNICATION.validate_config(&communication(codes(&["us"])));
    assert_eq!(errors_at(&diags), ["blocked_country_codes"]);
}

#[test]
fn a_set_clerk_did_not_keep_names_the_dropped_and_added_elements() {
    let state = State::from_value(
        INSTANCE_COMMUNICATION.settings,
        &communication(codes(&["AQ", "RU", "ZZ"])),
    )
    .unwrap();
    let mut planned = state.clone();
    let answer = serde_json::json!({
        "object": "instance_communication",
        "blocked_country_codes": ["RU", "KP"],
    });
    let diags =
        INSTANCE_COMMUNICATION.take_answer(&mut planned, &["blocked_country_codes"], Some(&answer));
    assert_eq!(errors_at(&diags), ["blocked_country_codes"]);
    let text = format!("{diags:?}");
    assert!(text.contains(r#"Clerk dropped \"AQ\", \"ZZ\"."#), "{text}");
    assert!(text.contains(r#"Clerk added \"KP\"."#), "{text}");
    assert_eq!(
        planned.get("blocked_country_codes"),
        &Field::Known(SettingValue::StringSet(
            ["KP".to_string(), "RU".to_string()].into()
        ))
    );
    assert_eq!(
        model::set_difference(&SettingValue::Bool(true), &SettingValue::Bool(false)),
        ""
    );
}
