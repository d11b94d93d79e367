//! Tables for the resource's pure logic: plan, body, refresh, validation.

use std::collections::BTreeMap;

use super::model::{
    self, AppliedChanges, Field, InstanceSettings, SettingValue,
    DEFAULT_STALE_READ_GRACE_MS as GRACE,
};
use super::settings::{Kind, SETTINGS};
use super::*;
use crate::framework::{PathStep, PlanRequest, Severity};

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

fn settings(pairs: &[(&str, Value)]) -> InstanceSettings {
    InstanceSettings::from_value(&object(pairs)).unwrap()
}

fn state(pairs: &[(&str, Value)]) -> InstanceSettings {
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
    let planned = model::plan(None, &config);
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
    let planned = model::plan(None, &config);
    let body = model::patch_body(None, &planned).unwrap();
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
    let planned = model::plan(Some(&prior), &config);
    assert_eq!(planned.id, prior.id);
    assert_eq!(planned.get("hibp"), &Field::Known(SettingValue::Bool(true)));
    let body = model::patch_body(Some(&prior), &planned).unwrap();
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
    let planned = model::plan(Some(&prior), &settings(&[]));
    assert_eq!(planned, prior);
    assert!(model::patch_body(Some(&prior), &planned)
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
    let planned = model::plan(Some(&prior), &config);
    assert!(model::patch_body(Some(&prior), &planned)
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
    let planned = model::plan(Some(&prior), &config);
    let body = model::patch_body(Some(&prior), &planned).unwrap();
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
    let planned = model::plan(None, &config);
    let value = planned.to_value();
    assert_eq!(value.get("allowed_origins"), Some(&partly));
    assert_eq!(value.get("support_email"), Some(&Value::Unknown));
    assert!(model::patch_body(None, &planned).is_err());
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
    let decoded = InstanceSettings::from_value(&original).unwrap();
    assert_eq!(decoded.to_value(), original);
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    assert!(InstanceSettings::from_value(&object(&[("hibp", s("yes"))])).is_err());
    assert!(InstanceSettings::from_value(&object(&[(
        "allowed_origins",
        Value::Set(vec![Value::Null])
    )]))
    .is_err());
    assert!(
        InstanceSettings::from_value(&object(&[("support_email", Value::Bool(true))])).is_err()
    );
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
    let refreshed = model::refresh(&current, &report, &AppliedChanges::default(), 1_000, GRACE);
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
        Some(&prior),
        &settings(&[("test_mode", Value::Bool(false))]),
    );
    let applied = model::applied_changes(Some(&prior), &planned, 10_000);
    let report = observed(&[("test_mode", SettingValue::Bool(true))]);

    let soon = model::refresh(&planned, &report, &applied, 10_000 + 5_000, GRACE);
    assert!(soon.drifted.is_empty());
    assert_eq!(soon.stale, ["test_mode"]);
    assert_eq!(soon.state, planned);
    // Still waiting for the cache: remembered for the next refresh.
    assert!(soon.applied.replaced.contains_key("test_mode"));

    let later = model::refresh(&planned, &report, &applied, 10_000 + GRACE + 1, GRACE);
    assert_eq!(later.drifted, ["test_mode"]);

    // A window of zero turns the rule off.
    let off = model::refresh(&planned, &report, &applied, 10_000 + 5_000, 0);
    assert_eq!(off.drifted, ["test_mode"]);
}

#[test]
fn a_third_value_soon_after_apply_is_real_drift() {
    let prior = state(&[("clerk_js_version", s("5"))]);
    let planned = model::plan(Some(&prior), &settings(&[("clerk_js_version", s("5.1.0"))]));
    let applied = model::applied_changes(Some(&prior), &planned, 0);
    let report = observed(&[("clerk_js_version", SettingValue::String("4".into()))]);
    let refreshed = model::refresh(&planned, &report, &applied, 1_000, GRACE);
    assert_eq!(refreshed.drifted, ["clerk_js_version"]);
}

#[test]
fn converged_settings_are_forgotten() {
    let prior = state(&[("hibp", Value::Bool(true))]);
    let planned = model::plan(Some(&prior), &settings(&[("hibp", Value::Bool(false))]));
    let applied = model::applied_changes(Some(&prior), &planned, 0);
    let report = observed(&[("hibp", SettingValue::Bool(false))]);
    let refreshed = model::refresh(&planned, &report, &applied, 1_000, GRACE);
    assert!(refreshed.drifted.is_empty() && refreshed.stale.is_empty());
    assert!(refreshed.applied.replaced.is_empty());
    assert!(refreshed.applied.to_private().is_empty());
}

#[test]
fn after_create_any_disagreement_in_the_window_is_stale() {
    let planned = model::plan(None, &settings(&[("support_email", s("help@example.com"))]));
    let applied = model::applied_changes(None, &planned, 0);
    assert_eq!(applied.replaced.get("support_email"), Some(&None));
    let report = observed(&[(
        "support_email",
        SettingValue::String("old@example.com".into()),
    )]);
    assert_eq!(
        model::refresh(&planned, &report, &applied, 1_000, GRACE).stale,
        ["support_email"]
    );
}

#[test]
fn private_state_round_trips_and_tolerates_garbage() {
    let applied = AppliedChanges {
        applied_at_ms: 42,
        replaced: [("hibp".to_string(), Some(serde_json::json!(true)))].into(),
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
        type_name: TYPE_NAME.into(),
        proposed_new_state: config.clone(),
        prior_state: prior,
        config,
        prior_private: b"keep".to_vec(),
    }
}

#[test]
fn destroy_plan_stays_null_and_warns() {
    let response = plan(&PlanRequest {
        proposed_new_state: Value::Null,
        ..plan_request(object(&[("id", s("ins_1"))]), Value::Null)
    });
    assert_eq!(response.planned_state, Value::Null);
    assert_eq!(response.diagnostics.0.len(), 1);
    assert_eq!(response.diagnostics.0[0].severity, Severity::Warning);
}

#[test]
fn plan_passes_private_state_through() {
    let response = plan(&plan_request(
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
        errors_at(&validate(&config)),
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
    assert!(validate(&config).is_empty(), "{:?}", validate(&config));
}

#[test]
fn deprecated_setting_warns_when_set() {
    let diags = validate(&object(&[(
        "enhanced_email_deliverability",
        Value::Bool(false),
    )]));
    assert_eq!(diags.0.len(), 1);
    assert_eq!(diags.0[0].severity, Severity::Warning);
    assert!(validate(&object(&[])).is_empty());
}

#[test]
fn schema_lists_every_setting_as_optional_computed() {
    let schema = schema();
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
    let (value, diags) = upgrade(0, json);
    assert_eq!(value.get("hibp"), Some(&Value::Bool(true)));
    assert_eq!(value.get("test_mode"), Some(&Value::Null));
    assert_eq!(diags.0.len(), 1);
    assert_eq!(diags.0[0].severity, Severity::Warning);
    assert!(diags.0[0].detail.contains("from_the_future"));

    let (_, diags) = upgrade(0, b"{not json");
    assert!(diags.has_errors());
    let (_, diags) = upgrade(0, br#"{"hibp":"yes"}"#);
    assert!(diags.has_errors());
    let (_, diags) = upgrade(SCHEMA_VERSION + 1, b"{}");
    assert!(diags.has_errors());
}
