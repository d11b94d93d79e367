//! Unit tests of the acceptance run's safety rules (tests/acceptance/safety.rs):
//! live keys and production instances are refused, `make test` never goes
//! live, object names carry the run prefix and only such objects are
//! deleted, and the instance's recorded settings are written back at the
//! end, also after a scenario failed.

#[allow(dead_code)]
#[path = "acceptance/safety.rs"]
mod safety;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde_json::{json, Map, Value as Json};
use terraform_provider_clerk::resources::instance_restrictions::INSTANCE_RESTRICTIONS;
use terraform_provider_clerk::resources::instance_settings::INSTANCE_SETTINGS;
use terraform_provider_clerk::resources::singleton::setting::{Kind, Setting, Source};
use terraform_provider_clerk::resources::singleton::{Answer, Singleton};

use safety::*;

#[test]
fn live_keys_are_refused_and_only_sk_test_keys_accepted() {
    let refused = check_live_key("sk_live_abcdefXyzzy42").unwrap_err();
    assert!(refused.contains("production key"), "{refused}");
    assert!(
        !refused.contains("Xyzzy42"),
        "never repeats the key: {refused}"
    );
    assert!(check_live_key("live_abcdef").is_err());
    assert!(check_live_key("").is_err());
    assert!(check_live_key("   ").is_err());
    assert!(check_live_key("sk_test_").is_err());
    assert!(check_live_key("pk_test_abc").is_err());
    assert!(check_live_key("ak_abcdef").is_err());
    assert!(check_live_key("sk_test_abc def").is_err());
    assert!(check_live_key("sk_test_abcdef123").is_ok());
}

#[test]
fn only_development_instances_are_touched() {
    assert!(check_environment("development").is_ok());
    assert!(check_environment("production").is_err());
    assert!(check_environment("staging").is_err());
    assert!(check_environment("").is_err());
}

#[test]
fn make_test_never_goes_live_and_testacc_needs_a_key() {
    // Without --live (make test), a key in the environment changes nothing.
    assert_eq!(
        choose_mode(false, Some("sk_test_abcdef123"), None),
        Ok(Mode::Emulator)
    );
    assert_eq!(choose_mode(true, None, None), Ok(Mode::Emulator));
    assert_eq!(choose_mode(true, Some(""), None), Ok(Mode::Emulator));
    assert_eq!(
        choose_mode(true, Some("sk_test_abcdef123"), None),
        Ok(Mode::Live {
            key: "sk_test_abcdef123".into(),
            api_url: DEFAULT_LIVE_URL.into()
        })
    );
    assert_eq!(
        choose_mode(
            true,
            Some("sk_test_abcdef123"),
            Some("https://clerk.internal")
        ),
        Ok(Mode::Live {
            key: "sk_test_abcdef123".into(),
            api_url: "https://clerk.internal".into()
        })
    );
    assert!(choose_mode(true, Some("sk_live_abcdef123"), None).is_err());
    // A production key is harmless without --live: it is never used.
    assert_eq!(
        choose_mode(false, Some("sk_live_abcdef123"), None),
        Ok(Mode::Emulator)
    );
}

#[test]
fn run_prefixes_are_distinct_and_names_are_recognised() {
    let a = run_prefix(1_790_000_000, 0x1a2b);
    let b = run_prefix(1_790_000_000, 0x1a2c);
    let c = run_prefix(1_790_000_001, 0x1a2b);
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert!(a.starts_with("tfacc-") && a.ends_with("-1a2b"), "{a}");
    assert_eq!(run_prefix(0, 0), "tfacc-0-0000");
    let name = object_name(&a, "redirect");
    assert!(is_run_object(&a, &name));
    assert!(!is_run_object(&b, &name), "another run's object");
    assert!(!is_run_object(&a, &a), "the bare prefix names nothing");
    assert!(!is_run_object(&a, &format!("{a}x-redirect")));
    assert!(!is_run_object("", "-redirect"));
    assert!(!is_run_object(&a, "https://app.example.com/callback"));
}

#[test]
fn the_key_is_redacted_from_output() {
    let key = "sk_test_abcdef123456";
    let text = format!("Authorization: Bearer {key} and again {key}");
    let clean = redact(&text, key);
    assert!(!clean.contains(key), "{clean}");
    assert_eq!(clean.matches("[REDACTED]").count(), 2);
}

fn sources() -> Sources {
    Sources {
        instance: Some(json!({"id": "ins_1", "allowed_origins": null})),
        primary_domain: Some(json!({"development_origin": "http://localhost:3000"})),
        environment: Some(json!({
            "auth_config": {"test_mode": true, "url_based_session_syncing": false,
                            "enhanced_email_deliverability": false},
            "display_config": {"support_email": null, "clerk_js_version": "5"},
            "user_settings": {
                "password_settings": {"disable_hibp": true},
                "restrictions": {
                    "allowlist": {"enabled": false},
                    "blocklist": {"enabled": true},
                    "allowlist_blocklist_disabled_on_sign_in": {"enabled": false},
                    "block_email_subaddresses": {"enabled": false},
                    "block_disposable_email_domains": {"enabled": true}
                }
            }
        })),
        own: BTreeMap::new(),
    }
}

#[test]
fn the_snapshot_holds_every_readable_setting_in_write_form() {
    let snapshot = Snapshot::take(&[&INSTANCE_SETTINGS, &INSTANCE_RESTRICTIONS], &sources());
    let settings = &snapshot.singletons["/instance"];
    assert_eq!(settings["hibp"], false, "disable_hibp inverted back");
    assert_eq!(settings["support_email"], "", "null becomes \"\"");
    assert_eq!(settings["allowed_origins"], json!([]));
    assert_eq!(settings["development_origin"], "http://localhost:3000");
    assert_eq!(settings["clerk_js_version"], "5");
    assert_eq!(settings["test_mode"], true);
    assert!(
        !settings.contains_key("enhanced_email_deliverability"),
        "deprecated"
    );
    assert!(
        !settings.contains_key("preferred_sign_in_strategy_when_password_required"),
        "write-only"
    );
    let restrictions = &snapshot.singletons["/instance/restrictions"];
    assert_eq!(restrictions.len(), 5);
    assert_eq!(restrictions["blocklist"], true);
    assert_eq!(restrictions["block_email_subaddresses"], false);

    // A source that could not be fetched records nothing rather than a guess.
    let partial = Sources {
        environment: None,
        ..sources()
    };
    let snapshot = Snapshot::take(&[&INSTANCE_SETTINGS], &partial);
    assert!(!snapshot.singletons["/instance"].contains_key("hibp"));
}

/// A singleton read through its own GET, like the ones still to come.
static OWN: Singleton = Singleton {
    type_name: "clerk_example_settings",
    path: "/instance/example",
    answer: Answer::Object,
    subject: "example settings",
    description: "",
    settings: &[
        Setting::new("enabled", Kind::Bool, "").read(Source::Own, "/enabled"),
        Setting::new("max", Kind::Int, "").read(Source::Own, "/max"),
        Setting::new("modes", Kind::StringSet, "").read(Source::Own, "/modes"),
        Setting::new("role_id", Kind::String, ""),
    ],
    data_source: None,
    payment_required: "",
    refusals: &[],
    adjust: None,
};

#[test]
fn settings_read_through_the_resources_own_get_are_recorded() {
    let mut sources = Sources::default();
    assert_eq!(
        safety::sources_needed(safety::readable(&OWN)),
        [Source::Own].into_iter().collect()
    );
    sources.own.insert(
        "/instance/example".into(),
        json!({"enabled": true, "max": 5, "modes": ["b", "a"], "role_id": "role_1"}),
    );
    let snapshot = Snapshot::take(&[&OWN], &sources);
    let values = &snapshot.singletons["/instance/example"];
    assert_eq!(values["enabled"], true);
    assert_eq!(values["max"], 5);
    assert_eq!(values["modes"], json!(["a", "b"]), "a set, in sorted order");
    assert!(!values.contains_key("role_id"), "write-only");
    // Another singleton's GET is not this one's.
    let mut elsewhere = Sources::default();
    elsewhere
        .own
        .insert("/instance/other".into(), json!({"enabled": true}));
    assert!(Snapshot::take(&[&OWN], &elsewhere).singletons["/instance/example"].is_empty());
}

fn touched(entries: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
    entries
        .iter()
        .map(|(path, names)| {
            (
                path.to_string(),
                names.iter().map(|n| n.to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn the_restore_plan_writes_back_exactly_the_touched_settings() {
    let snapshot = Snapshot::take(&[&INSTANCE_SETTINGS, &INSTANCE_RESTRICTIONS], &sources());
    let plan = restore_plan(
        &snapshot,
        &touched(&[
            ("/instance", &["hibp", "support_email"]),
            ("/instance/restrictions", &["blocklist"]),
            ("/instance/protect", &["rules_enabled"]),
        ]),
    );
    let mut expected_settings = Map::new();
    expected_settings.insert("hibp".into(), json!(false));
    expected_settings.insert("support_email".into(), json!(""));
    let mut expected_restrictions = Map::new();
    expected_restrictions.insert("blocklist".into(), json!(true));
    assert_eq!(
        plan.patches,
        vec![
            ("/instance".to_string(), expected_settings),
            ("/instance/restrictions".to_string(), expected_restrictions),
        ]
    );
    assert_eq!(plan.unknown, ["/instance/protect rules_enabled"]);
    assert_eq!(
        restore_plan(&snapshot, &BTreeMap::new()),
        RestorePlan::default()
    );
}

#[test]
fn cleanup_deletes_only_objects_named_by_this_run() {
    let prefix = run_prefix(1_790_000_000, 7);
    let mut created = BTreeSet::new();
    created.insert(Created {
        collection: "/redirect_urls".into(),
        id: "ru_1".into(),
        name: format!("https://{}.example.com/cb", object_name(&prefix, "a")),
    });
    created.insert(Created {
        collection: "/redirect_urls".into(),
        id: "ru_2".into(),
        name: object_name(&prefix, "b"),
    });
    created.insert(Created {
        collection: "/allowlist_identifiers".into(),
        id: "alid_3".into(),
        name: "someone@example.com".into(),
    });
    created.insert(Created {
        collection: "/redirect_urls".into(),
        id: "../instance".into(),
        name: object_name(&prefix, "c"),
    });
    let (deletes, refused) = cleanup_plan(&prefix, &created);
    assert_eq!(deletes, ["/redirect_urls/ru_2"]);
    assert_eq!(refused.len(), 3, "{refused:?}");
}

/// A Backend API that records calls and can refuse some.
#[derive(Default)]
struct Recorder {
    calls: Vec<(String, String, Json)>,
    refuse: Option<String>,
}

impl Backend for Recorder {
    fn patch(&mut self, path: &str, body: &Map<String, Json>) -> Result<(), String> {
        self.calls
            .push(("PATCH".into(), path.into(), Json::Object(body.clone())));
        if self.refuse.as_deref() == Some(path) {
            return Err("422 refused".into());
        }
        Ok(())
    }

    fn delete(&mut self, path: &str) -> Result<(), String> {
        self.calls.push(("DELETE".into(), path.into(), Json::Null));
        if self.refuse.as_deref() == Some(path) {
            return Err("404 gone".into());
        }
        Ok(())
    }
}

#[test]
fn an_object_already_gone_is_not_a_problem() {
    let prefix = run_prefix(1_700_000_000, 7);
    let mut session = Session::new(prefix.clone(), Snapshot::default());
    session.created(Created {
        collection: "/redirect_urls".into(),
        id: "ru_1".into(),
        name: object_name(&prefix, "gone"),
    });
    let mut backend = Recorder {
        refuse: Some("/redirect_urls/ru_1".into()),
        ..Recorder::default()
    };
    let report = session.finish(&mut backend);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.deleted, ["/redirect_urls/ru_1 (already gone)"]);
    assert!(!is_not_found("DELETE /v1/x: 500 Internal"));
}

#[test]
fn a_failed_scenario_still_restores_and_cleans_up_once() {
    let snapshot = Snapshot::take(&[&INSTANCE_SETTINGS, &INSTANCE_RESTRICTIONS], &sources());
    let prefix = run_prefix(1_790_000_000, 1);
    let session = Mutex::new(Session::new(prefix.clone(), snapshot));
    let mut backend = Recorder::default();
    let (result, report) = run_then_finish(&session, &mut backend, || {
        let mut s = session.lock().unwrap();
        s.touch("/instance", ["hibp"]);
        s.touch("/instance/restrictions", ["block_email_subaddresses"]);
        s.created(Created {
            collection: "/redirect_urls".into(),
            id: "ru_9".into(),
            name: object_name(&prefix, "cb"),
        });
        drop(s);
        panic!("scenario failed half-way");
    });
    assert!(result.is_err(), "the failure is reported, not swallowed");
    assert_eq!(
        backend.calls,
        [
            (
                "DELETE".to_string(),
                "/redirect_urls/ru_9".to_string(),
                Json::Null
            ),
            (
                "PATCH".to_string(),
                "/instance".to_string(),
                json!({"hibp": false})
            ),
            (
                "PATCH".to_string(),
                "/instance/restrictions".to_string(),
                json!({"block_email_subaddresses": false})
            ),
        ]
    );
    assert_eq!(report.deleted, ["/redirect_urls/ru_9"]);
    assert_eq!(
        report.restored,
        [
            "/instance hibp",
            "/instance/restrictions block_email_subaddresses"
        ]
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // The normal end after a Ctrl-C clean-up writes nothing more.
    let again = session.lock().unwrap().finish(&mut backend);
    assert_eq!(again, Finish::default());
    assert_eq!(backend.calls.len(), 3);
}

#[test]
fn a_write_refused_as_a_whole_is_not_restored() {
    let snapshot = Snapshot::take(&[&INSTANCE_RESTRICTIONS], &sources());
    let mut session = Session::new(run_prefix(1, 1), snapshot);
    session.touch("/instance/restrictions", ["allowlist", "blocklist"]);
    session.untouch("/instance/restrictions", ["allowlist"]);
    let mut backend = Recorder::default();
    session.finish(&mut backend);
    assert_eq!(
        backend.calls,
        [(
            "PATCH".to_string(),
            "/instance/restrictions".to_string(),
            json!({"blocklist": true})
        )]
    );
    let mut session = Session::new(run_prefix(1, 1), Snapshot::default());
    session.touch("/instance", ["hibp"]);
    session.untouch("/instance", ["hibp"]);
    assert!(session.touched.is_empty());
}

#[test]
fn one_refused_restore_does_not_stop_the_others() {
    let snapshot = Snapshot::take(&[&INSTANCE_SETTINGS, &INSTANCE_RESTRICTIONS], &sources());
    let mut session = Session::new(run_prefix(1, 1), snapshot);
    session.touch("/instance", ["test_mode"]);
    session.touch("/instance/restrictions", ["allowlist"]);
    let mut backend = Recorder {
        refuse: Some("/instance".into()),
        ..Recorder::default()
    };
    let report = session.finish(&mut backend);
    assert_eq!(backend.calls.len(), 2);
    assert_eq!(report.restored, ["/instance/restrictions allowlist"]);
    assert_eq!(report.problems, ["PATCH /v1/instance: 422 refused"]);
}
