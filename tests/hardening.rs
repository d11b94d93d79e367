//! Hardening: malformed input to every RPC, state upgrades, concurrent RPCs,
//! Stop and a plugin outliving its Terraform, driven through the provider
//! binary over gRPC as Terraform drives it (`support::plugin`); and Clerk
//! API faults, interrupts, secret handling and hand-edited state under real
//! Terraform against `clerk-emulator` (`support`). Everything stays on
//! loopback. docs/hardening.md describes what each test shows.

mod support;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value as Json};
use terraform_provider_clerk::protocol::tfplugin5 as pb;
use terraform_provider_clerk::value::{json as cty_json, msgpack, Type, Value};

use support::plugin::{
    configure, dv, has_error, object, raw_msgpack, schema_types, start_connected, ProviderClient,
    Types,
};
use support::{Emulator, Run, Workspace, TEST_KEY};

const RESOURCE: &str = "clerk_instance_settings";
const DATA_SOURCE: &str = "clerk_instance";

fn null_value() -> Option<pb::DynamicValue> {
    raw_msgpack(vec![0xc0])
}

fn json_value(text: &[u8]) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: Vec::new(),
        json: text.to_vec(),
    })
}

/// `ty` with `name` removed, or with `name` added or retyped.
fn with_attribute(ty: &Type, name: &str, attribute: Option<Type>) -> Type {
    let Type::Object(attributes) = ty else {
        panic!("not an object type")
    };
    let mut attributes = attributes.clone();
    match attribute {
        Some(attribute) => attributes.insert(name.to_string(), attribute),
        None => attributes.remove(name),
    };
    Type::Object(attributes)
}

/// The msgpack string header and bytes of `s` (short strings only).
fn msgpack_str(s: &str) -> Vec<u8> {
    assert!(s.len() < 32);
    let mut out = vec![0xa0 | s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

/// Inputs that no schema of this provider accepts, in every shape a broken
/// or hostile client could send. Each must be answered with an error.
fn malformed_values(types: &Types) -> Vec<(&'static str, Option<pb::DynamicValue>)> {
    let ty = &types.resource;
    let valid = object(
        &[
            ("support_email", Value::string("XY@example.com")),
            ("hibp", Value::Bool(true)),
        ],
        ty,
    );
    let valid_bytes = msgpack::encode(&valid, ty).unwrap();

    let mut truncated = valid_bytes.clone();
    truncated.truncate(valid_bytes.len() / 2);
    let mut trailing = valid_bytes.clone();
    trailing.push(0xc0);
    let wrong_type = msgpack::encode(
        &object(&[("hibp", Value::string("yes"))], ty),
        &with_attribute(ty, "hibp", Some(Type::String)),
    )
    .unwrap();
    let missing_ty = with_attribute(ty, "hibp", None);
    let missing = msgpack::encode(&object(&[], &missing_ty), &missing_ty).unwrap();
    let extra_ty = with_attribute(ty, "surprise", Some(Type::String));
    let extra = msgpack::encode(&object(&[], &extra_ty), &extra_ty).unwrap();
    // Swap the two ASCII letters of the email for bytes that are not UTF-8.
    let mut bad_utf8 = valid_bytes.clone();
    let at = bad_utf8
        .windows(2)
        .position(|w| w == b"XY")
        .expect("the email is in the encoding");
    bad_utf8[at] = 0xff;
    bad_utf8[at + 1] = 0xfe;

    let mut huge_set = vec![0x81];
    huge_set.extend(msgpack_str("allowed_origins"));
    huge_set.extend([0xdd, 0xff, 0xff, 0xff, 0xff]);
    let mut million = vec![0xdd, 0x00, 0x10, 0x00, 0x00];
    million.extend([0xc0; 64]);
    let mut deep_arrays = vec![0x91; 100_000];
    deep_arrays.push(0xc0);
    let mut deep_set = vec![0x81];
    deep_set.extend(msgpack_str("allowed_origins"));
    deep_set.extend(vec![0x91; 100_000]);
    deep_set.push(0xc0);

    vec![
        ("truncated msgpack", raw_msgpack(truncated)),
        ("a lone map header", raw_msgpack(vec![0x8b])),
        ("trailing bytes", raw_msgpack(trailing)),
        (
            "a string instead of an object",
            raw_msgpack(msgpack_str("hello")),
        ),
        ("a number instead of an object", raw_msgpack(vec![0x2a])),
        ("the reserved byte 0xc1", raw_msgpack(vec![0xc1])),
        ("an attribute of the wrong type", raw_msgpack(wrong_type)),
        ("a missing attribute", raw_msgpack(missing)),
        ("an extra attribute", raw_msgpack(extra)),
        ("a string that is not UTF-8", raw_msgpack(bad_utf8)),
        (
            "an array claiming 4 billion elements",
            raw_msgpack(vec![0xdd, 0xff, 0xff, 0xff, 0xff]),
        ),
        (
            "a map claiming 4 billion entries",
            raw_msgpack(vec![0xdf, 0xff, 0xff, 0xff, 0xff]),
        ),
        (
            "a string claiming 4 GiB",
            raw_msgpack(vec![0xdb, 0xff, 0xff, 0xff, 0xff]),
        ),
        (
            "binary claiming 4 GiB",
            raw_msgpack(vec![0xc6, 0xff, 0xff, 0xff, 0xff]),
        ),
        (
            "a set attribute claiming 4 billion elements",
            raw_msgpack(huge_set),
        ),
        ("an array claiming a million elements", raw_msgpack(million)),
        ("arrays nested 100000 deep", raw_msgpack(deep_arrays)),
        ("a set attribute nested 100000 deep", raw_msgpack(deep_set)),
        ("JSON that is not JSON", json_value(br#"{"hibp": tru"#)),
        (
            "JSON nested 100000 deep",
            json_value("[".repeat(100_000).as_bytes()),
        ),
        ("JSON of the wrong shape", json_value(b"[1,2,3]")),
        (
            "JSON with an extra attribute",
            json_value(br#"{"surprise":1}"#),
        ),
        (
            "JSON with an attribute of the wrong type",
            json_value(br#"{"hibp":"yes","test_mode":[],"max_retries":"many"}"#),
        ),
    ]
}

/// Stored states that cannot be read, with what the error must say.
fn unreadable_states() -> Vec<(&'static str, pb::RawState, &'static str)> {
    let json = |text: &[u8]| pb::RawState {
        json: text.to_vec(),
        flatmap: Default::default(),
    };
    let mut flatmap = pb::RawState::default();
    flatmap.flatmap.insert("id".into(), "ins_1".into());
    flatmap.flatmap.insert("hibp".into(), "true".into());
    vec![
        ("not JSON", json(b"id = ins_1"), "could not be read"),
        (
            "truncated JSON",
            json(br#"{"id":"ins_1","hib"#),
            "could not be read",
        ),
        (
            "JSON nested 100000 deep",
            json("{\"a\":".repeat(100_000).as_bytes()),
            "could not be read",
        ),
        ("an array", json(b"[]"), "could not be read"),
        ("a string", json(br#""ins_1""#), "could not be read"),
        (
            "an attribute of the wrong type",
            json(br#"{"id":"ins_1","hibp":"yes"}"#),
            "could not be read",
        ),
        (
            "a set that is an object",
            json(br#"{"allowed_origins":{"a":1}}"#),
            "could not be read",
        ),
        (
            "the flat format of Terraform 0.11",
            flatmap,
            "Unsupported state format",
        ),
        (
            "no state at all",
            pb::RawState::default(),
            "could not be read",
        ),
    ]
}

#[track_caller]
fn assert_refused(what: &str, rpc: &str, diagnostics: &[pb::Diagnostic]) {
    assert!(
        has_error(diagnostics),
        "{rpc} accepted {what}: {diagnostics:?}"
    );
    assert!(
        !diagnostics
            .iter()
            .any(|d| d.summary.starts_with("Provider internal error")),
        "{rpc} panicked on {what}: {diagnostics:?}"
    );
}

/// Peak resident memory of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

fn known_state(types: &Types, id: &str, email: &str) -> Value {
    object(
        &[
            ("id", Value::string(id)),
            ("environment_type", Value::string("development")),
            ("support_email", Value::string(email)),
        ],
        &types.resource,
    )
}

#[tokio::test]
async fn malformed_input_to_every_rpc_is_an_error_diagnostic_and_serving_goes_on() {
    let emulator = Emulator::start();
    let (mut plugin, channel) = start_connected(&[
        ("CLERK_SECRET_KEY", TEST_KEY),
        ("CLERK_API_URL", &emulator.url),
    ])
    .await;
    let mut client = ProviderClient::new(channel);
    let types = schema_types(&mut client).await;
    configure(&mut client, &types, &[("max_retries", Value::int(0))]).await;
    let pid = plugin.child.id();
    let baseline_kib = peak_rss_kib(pid);

    let prior = known_state(&types, "ins_prior", "prior@example.com");
    let planned = known_state(&types, "ins_prior", "planned@example.com");
    let config = object(
        &[("support_email", Value::string("planned@example.com"))],
        &types.resource,
    );
    let (prior, planned, config) = (
        dv(&prior, &types.resource),
        dv(&planned, &types.resource),
        dv(&config, &types.resource),
    );

    let mut calls = 0;
    for (what, bad) in malformed_values(&types) {
        let c = &mut client;
        let r = c
            .prepare_provider_config(pb::prepare_provider_config::Request {
                config: bad.clone(),
            })
            .await
            .expect("PrepareProviderConfig answers");
        assert_refused(what, "PrepareProviderConfig", &r.into_inner().diagnostics);
        let r = c
            .validate_resource_type_config(pb::validate_resource_type_config::Request {
                type_name: RESOURCE.into(),
                config: bad.clone(),
            })
            .await
            .expect("ValidateResourceTypeConfig answers");
        assert_refused(
            what,
            "ValidateResourceTypeConfig",
            &r.into_inner().diagnostics,
        );
        let r = c
            .validate_data_source_config(pb::validate_data_source_config::Request {
                type_name: DATA_SOURCE.into(),
                config: bad.clone(),
            })
            .await
            .expect("ValidateDataSourceConfig answers");
        assert_refused(
            what,
            "ValidateDataSourceConfig",
            &r.into_inner().diagnostics,
        );
        let r = c
            .configure(pb::configure::Request {
                terraform_version: "1.0.3".into(),
                config: bad.clone(),
            })
            .await
            .expect("Configure answers");
        assert_refused(what, "Configure", &r.into_inner().diagnostics);
        let r = c
            .read_resource(pb::read_resource::Request {
                type_name: RESOURCE.into(),
                current_state: bad.clone(),
                private: Vec::new(),
                provider_meta: None,
            })
            .await
            .expect("ReadResource answers")
            .into_inner();
        assert_refused(what, "ReadResource", &r.diagnostics);
        assert_eq!(r.new_state, bad, "ReadResource keeps what it was given");
        for slot in 0..3 {
            let pick = |i: usize, good: &Option<pb::DynamicValue>| {
                if i == slot {
                    bad.clone()
                } else {
                    good.clone()
                }
            };
            let r = c
                .plan_resource_change(pb::plan_resource_change::Request {
                    type_name: RESOURCE.into(),
                    prior_state: pick(0, &prior),
                    proposed_new_state: pick(1, &planned),
                    config: pick(2, &config),
                    prior_private: Vec::new(),
                    provider_meta: None,
                })
                .await
                .expect("PlanResourceChange answers");
            assert_refused(what, "PlanResourceChange", &r.into_inner().diagnostics);
            let r = c
                .apply_resource_change(pb::apply_resource_change::Request {
                    type_name: RESOURCE.into(),
                    prior_state: pick(0, &prior),
                    planned_state: pick(1, &planned),
                    config: pick(2, &config),
                    planned_private: Vec::new(),
                    provider_meta: None,
                })
                .await
                .expect("ApplyResourceChange answers")
                .into_inner();
            assert_refused(what, "ApplyResourceChange", &r.diagnostics);
            assert_eq!(
                r.new_state,
                pick(0, &prior),
                "a failed apply hands back the prior state"
            );
        }
        let r = c
            .read_data_source(pb::read_data_source::Request {
                type_name: DATA_SOURCE.into(),
                config: bad.clone(),
                provider_meta: None,
            })
            .await
            .expect("ReadDataSource answers");
        assert_refused(what, "ReadDataSource", &r.into_inner().diagnostics);
        calls += 11;
    }

    for (what, raw, _) in unreadable_states() {
        let r = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: RESOURCE.into(),
                version: 0,
                raw_state: Some(raw),
            })
            .await
            .expect("UpgradeResourceState answers")
            .into_inner();
        assert_refused(what, "UpgradeResourceState", &r.diagnostics);
        assert_eq!(r.upgraded_state, None);
        calls += 1;
    }

    // Import IDs are free text: empty, terminal escapes, a megabyte.
    for id in [
        String::new(),
        "ins_\n\u{1b}[31mred".to_string(),
        "i".repeat(1 << 20),
    ] {
        let r = client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: RESOURCE.into(),
                id,
            })
            .await
            .expect("ImportResourceState answers")
            .into_inner();
        assert_refused("an odd import ID", "ImportResourceState", &r.diagnostics);
        assert!(r.imported_resources.is_empty());
        calls += 1;
    }

    // Unknown type names, for every RPC that takes one.
    let nothing = "clerk_nothing";
    let r = client
        .validate_resource_type_config(pb::validate_resource_type_config::Request {
            type_name: nothing.into(),
            config: config.clone(),
        })
        .await
        .unwrap();
    assert_refused(
        nothing,
        "ValidateResourceTypeConfig",
        &r.into_inner().diagnostics,
    );
    let r = client
        .validate_data_source_config(pb::validate_data_source_config::Request {
            type_name: nothing.into(),
            config: config.clone(),
        })
        .await
        .unwrap();
    assert_refused(
        nothing,
        "ValidateDataSourceConfig",
        &r.into_inner().diagnostics,
    );
    let r = client
        .read_resource(pb::read_resource::Request {
            type_name: nothing.into(),
            current_state: prior.clone(),
            private: Vec::new(),
            provider_meta: None,
        })
        .await
        .unwrap();
    assert_refused(nothing, "ReadResource", &r.into_inner().diagnostics);
    let r = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: nothing.into(),
            prior_state: prior.clone(),
            proposed_new_state: planned.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
            provider_meta: None,
        })
        .await
        .unwrap();
    assert_refused(nothing, "PlanResourceChange", &r.into_inner().diagnostics);
    let r = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: nothing.into(),
            prior_state: prior.clone(),
            planned_state: planned.clone(),
            config: config.clone(),
            planned_private: Vec::new(),
            provider_meta: None,
        })
        .await
        .unwrap();
    assert_refused(nothing, "ApplyResourceChange", &r.into_inner().diagnostics);
    let r = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: nothing.into(),
            id: "ins_1".into(),
        })
        .await
        .unwrap();
    assert_refused(nothing, "ImportResourceState", &r.into_inner().diagnostics);
    let r = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: nothing.into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap();
    assert_refused(nothing, "UpgradeResourceState", &r.into_inner().diagnostics);
    let r = client
        .read_data_source(pb::read_data_source::Request {
            type_name: nothing.into(),
            config: config.clone(),
            provider_meta: None,
        })
        .await
        .unwrap();
    assert_refused(nothing, "ReadDataSource", &r.into_inner().diagnostics);
    calls += 8;
    assert!(calls > 250, "the barrage was {calls} calls");

    // Still the same process, still serving, and no allocation followed the
    // claims: a 4-billion-element reservation would have ended the process,
    // and everything else stayed within a few megabytes.
    assert!(
        plugin.child.try_wait().unwrap().is_none(),
        "the plugin exited"
    );
    let schema = client
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetSchema after the barrage")
        .into_inner();
    assert!(schema.resource_schemas.contains_key(RESOURCE));
    let r = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: RESOURCE.into(),
            prior_state: prior.clone(),
            proposed_new_state: planned.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.planned_state, planned);
    let grown_kib = peak_rss_kib(pid).saturating_sub(baseline_kib);
    assert!(
        grown_kib < 64 * 1024,
        "peak memory grew by {grown_kib} KiB during the barrage"
    );
    // Nothing malformed was ever sent on to Clerk.
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
}

#[tokio::test]
async fn upgrade_resource_state_keeps_drops_unknown_attributes_or_explains() {
    let (_plugin, channel) = start_connected(&[]).await;
    let mut client = ProviderClient::new(channel);
    let types = schema_types(&mut client).await;
    let upgrade = |json: Vec<u8>, version: i64| {
        let mut client = client.clone();
        async move {
            client
                .upgrade_resource_state(pb::upgrade_resource_state::Request {
                    type_name: RESOURCE.into(),
                    version,
                    raw_state: Some(pb::RawState {
                        json,
                        flatmap: Default::default(),
                    }),
                })
                .await
                .expect("UpgradeResourceState answers")
                .into_inner()
        }
    };

    // State as this version writes it: every attribute, set or null.
    let state = object(
        &[
            ("id", Value::string("ins_2abc")),
            ("environment_type", Value::string("production")),
            (
                "allowed_origins",
                Value::Set(vec![
                    Value::string("https://a.example.com"),
                    Value::string("https://b.example.com"),
                ]),
            ),
            ("hibp", Value::Bool(false)),
            ("support_email", Value::string("")),
        ],
        &types.resource,
    );
    let written = cty_json::encode(&state, &types.resource).unwrap();
    let answer = upgrade(written.clone(), 0).await;
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    let upgraded = msgpack::decode(&answer.upgraded_state.unwrap().msgpack, &types.resource)
        .expect("the upgraded state has the schema's type");
    assert_eq!(upgraded, state);

    // Attributes from a newer version: dropped, with a warning naming them.
    let mut newer: serde_json::Map<String, Json> = serde_json::from_slice(&written).unwrap();
    newer.insert("future_setting".into(), json!("on"));
    newer.insert("future_block".into(), json!([{"x": 1}]));
    let answer = upgrade(serde_json::to_vec(&newer).unwrap(), 0).await;
    assert_eq!(answer.diagnostics.len(), 1, "{:?}", answer.diagnostics);
    let warning = &answer.diagnostics[0];
    assert_eq!(warning.severity, pb::diagnostic::Severity::Warning as i32);
    assert!(
        warning.detail.contains(".future_setting") && warning.detail.contains(".future_block"),
        "{}",
        warning.detail
    );
    let upgraded =
        msgpack::decode(&answer.upgraded_state.unwrap().msgpack, &types.resource).unwrap();
    assert_eq!(upgraded, state, "everything known is kept");

    // Attributes this version has, missing from older state: null.
    let answer = upgrade(br#"{"id":"ins_2abc","hibp":true}"#.to_vec(), 0).await;
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    let upgraded =
        msgpack::decode(&answer.upgraded_state.unwrap().msgpack, &types.resource).unwrap();
    assert_eq!(upgraded.get("hibp"), Some(&Value::Bool(true)));
    assert_eq!(upgraded.get("support_email"), Some(&Value::Null));

    // A schema version from the future is refused, not guessed at.
    let answer = upgrade(written, 1).await;
    assert!(has_error(&answer.diagnostics));
    assert!(
        answer.diagnostics[0].summary.contains("newer provider"),
        "{:?}",
        answer.diagnostics
    );
    assert_eq!(answer.upgraded_state, None);

    // State that cannot be understood: a clear error, no value.
    for (what, raw, says) in unreadable_states() {
        let answer = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: RESOURCE.into(),
                version: 0,
                raw_state: Some(raw),
            })
            .await
            .unwrap()
            .into_inner();
        assert_refused(what, "UpgradeResourceState", &answer.diagnostics);
        let text = format!(
            "{} {}",
            answer.diagnostics[0].summary, answer.diagnostics[0].detail
        );
        assert!(text.contains(says), "{what}: {text}");
        assert!(
            text.contains("terraform state rm"),
            "{what}: says what to do: {text}"
        );
        assert_eq!(answer.upgraded_state, None);
    }
}

/// One RPC of the concurrency test and what it must answer.
enum Expect {
    Plan { email: String },
    Apply { email: String },
}

#[tokio::test]
async fn sixty_four_concurrent_rpcs_across_four_configurations_land_right() {
    let emulator = Emulator::start();
    let keys: Vec<String> = (0..4)
        .map(|p| format!("sk_test_concurrency{p}Key0123456"))
        .collect();
    let mut plugins = Vec::new();
    let mut clients = Vec::new();
    let mut types = None;
    for key in &keys {
        let (plugin, channel) =
            start_connected(&[("CLERK_SECRET_KEY", key), ("CLERK_API_URL", &emulator.url)]).await;
        let mut client = ProviderClient::new(channel);
        let t = schema_types(&mut client).await;
        configure(&mut client, &t, &[("max_retries", Value::int(0))]).await;
        plugins.push(plugin);
        clients.push(client);
        types = Some(t);
    }
    let types = types.unwrap();
    let ty = &types.resource;

    // 16 RPCs into each process at once: plans and create-applies of as
    // many different resource instances, 64 in flight together.
    let mut calls = Vec::new();
    for (p, client) in clients.iter().enumerate() {
        for i in 0..16 {
            let mut client = client.clone();
            let call = async move {
                if i % 2 == 0 {
                    let email = format!("p{p}-plan{i}@example.com");
                    let config = object(
                        &[
                            ("support_email", Value::string(&email)),
                            ("hibp", Value::Bool(i % 4 == 0)),
                        ],
                        ty,
                    );
                    let answer = client
                        .plan_resource_change(pb::plan_resource_change::Request {
                            type_name: RESOURCE.into(),
                            prior_state: null_value(),
                            proposed_new_state: dv(&config, ty),
                            config: dv(&config, ty),
                            prior_private: Vec::new(),
                            provider_meta: None,
                        })
                        .await
                        .expect("PlanResourceChange answers")
                        .into_inner();
                    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
                    let planned = answer.planned_state.expect("a planned state");
                    (p, Expect::Plan { email }, planned)
                } else {
                    let email = format!("p{p}-apply{i}@example.com");
                    let config = object(&[("support_email", Value::string(&email))], ty);
                    let planned = object(
                        &[
                            ("support_email", Value::string(&email)),
                            ("id", Value::Unknown),
                            ("environment_type", Value::Unknown),
                        ],
                        ty,
                    );
                    let answer = client
                        .apply_resource_change(pb::apply_resource_change::Request {
                            type_name: RESOURCE.into(),
                            prior_state: null_value(),
                            planned_state: dv(&planned, ty),
                            config: dv(&config, ty),
                            planned_private: Vec::new(),
                            provider_meta: None,
                        })
                        .await
                        .expect("ApplyResourceChange answers")
                        .into_inner();
                    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
                    let new_state = answer.new_state.expect("a new state");
                    (p, Expect::Apply { email }, new_state)
                }
            };
            calls.push(call);
        }
    }
    assert_eq!(calls.len(), 64);
    let answers = join_all(calls).await;

    let mut ids: Vec<BTreeSet<String>> = vec![BTreeSet::new(); 4];
    for (p, expect, state) in answers {
        let value = msgpack::decode(&state.msgpack, ty).unwrap();
        match expect {
            Expect::Plan { email } => {
                assert_eq!(
                    value.get("support_email").and_then(Value::as_str),
                    Some(&*email)
                );
                assert_eq!(value.get("id"), Some(&Value::Unknown));
            }
            Expect::Apply { email } => {
                assert_eq!(
                    value.get("support_email").and_then(Value::as_str),
                    Some(&*email)
                );
                ids[p].insert(value.get("id").and_then(Value::as_str).unwrap().to_string());
            }
        }
    }
    // Each configuration reached its own instance, and only that one.
    for set in &ids {
        assert_eq!(set.len(), 1, "{ids:?}");
    }
    let distinct: BTreeSet<&String> = ids.iter().flatten().collect();
    assert_eq!(distinct.len(), 4, "{ids:?}");

    // Every PATCH body landed on the instance of the key that sent it.
    let patches: Vec<Json> = emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH")
        .collect();
    assert_eq!(patches.len(), 32);
    let mut seen = BTreeSet::new();
    for patch in &patches {
        assert_eq!(patch["status"], 204, "{patch}");
        let email = patch["body"]["support_email"].as_str().unwrap().to_string();
        let p: usize = email[1..2].parse().unwrap();
        assert_eq!(
            patch["key"].as_str().unwrap(),
            terraform_provider_clerk::emulator::fingerprint(&keys[p]),
            "{email} was sent with another process's key"
        );
        assert_eq!(
            patch["instance"].as_str(),
            ids[p].iter().next().map(String::as_str),
            "{email} landed on another instance"
        );
        assert!(seen.insert(email), "a PATCH was sent twice");
    }
    drop(plugins);
}

/// Waits until every queued fault has been consumed (the request it hit is
/// in flight or done).
fn wait_for_faults_consumed(emulator: &Emulator, within: Duration) {
    let started = Instant::now();
    while !emulator
        .get("/__emulator/faults")
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(
            started.elapsed() < within,
            "the faulted request never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn stop_cancels_a_request_in_flight_promptly() {
    let emulator = Emulator::start();
    let (_plugin, channel) = start_connected(&[
        ("CLERK_SECRET_KEY", TEST_KEY),
        ("CLERK_API_URL", &emulator.url),
    ])
    .await;
    let mut client = ProviderClient::new(channel);
    let types = schema_types(&mut client).await;
    configure(&mut client, &types, &[("max_retries", Value::int(0))]).await;
    let ty = &types.resource;
    let id = instance_id_via_data_source(&mut client, &types).await;
    let prior = dv(&known_state(&types, &id, "before@example.com"), ty);
    let planned = dv(&known_state(&types, &id, "after@example.com"), ty);
    let config = dv(
        &object(&[("support_email", Value::string("after@example.com"))], ty),
        ty,
    );

    // Clerk takes 20 s to answer the PATCH.
    emulator.fault(
        json!({"method": "PATCH", "path": "/v1/instance", "delay_ms": 20_000, "status": 503}),
    );
    let mut apply_client = client.clone();
    let apply = tokio::spawn(async move {
        apply_client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: RESOURCE.into(),
                prior_state: prior,
                planned_state: planned,
                config,
                planned_private: Vec::new(),
                provider_meta: None,
            })
            .await
    });
    let started = Instant::now();
    while !emulator
        .get("/__emulator/faults")
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no PATCH arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let stopping = Instant::now();
    let stopped = client
        .stop(pb::stop::Request {})
        .await
        .expect("Stop answers")
        .into_inner();
    assert_eq!(stopped.error, "");
    let answer = tokio::time::timeout(Duration::from_secs(5), apply)
        .await
        .expect("the apply returns within 5 s of Stop, not after Clerk's 20 s")
        .unwrap()
        .expect("a response, not a transport error")
        .into_inner();
    assert!(stopping.elapsed() < Duration::from_secs(5));
    assert!(has_error(&answer.diagnostics), "{:?}", answer.diagnostics);
    let text = format!(
        "{} {}",
        answer.diagnostics[0].summary, answer.diagnostics[0].detail
    );
    assert!(text.contains("cancelled"), "{text}");
    assert!(text.contains("interrupted"), "{text}");
    let state = msgpack::decode(&answer.new_state.unwrap().msgpack, ty).unwrap();
    assert_eq!(
        state.get("support_email").and_then(Value::as_str),
        Some("before@example.com"),
        "the prior state is handed back"
    );
}

/// The instance the provider's key belongs to, via the data source.
async fn instance_id_via_data_source(client: &mut ProviderClient, types: &Types) -> String {
    let answer = client
        .read_data_source(pb::read_data_source::Request {
            type_name: DATA_SOURCE.into(),
            config: dv(&object(&[], &types.data), &types.data),
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!has_error(&answer.diagnostics), "{:?}", answer.diagnostics);
    let state = msgpack::decode(&answer.state.unwrap().msgpack, &types.data).unwrap();
    state.get("id").and_then(Value::as_str).unwrap().to_string()
}

// ---------------------------------------------------------------------------
// Under real Terraform.

/// The resource's attributes as stored in terraform.tfstate (read directly,
/// without running Terraform), or null when it is not in state.
fn stored_attributes(ws: &Workspace, name: &str) -> Json {
    let Ok(text) = std::fs::read_to_string(ws.path().join("terraform.tfstate")) else {
        return Json::Null;
    };
    let state: Json = serde_json::from_str(&text).unwrap();
    state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == RESOURCE && r["name"] == name)
        .map(|r| r["instances"][0]["attributes"].clone())
        .unwrap_or(Json::Null)
}

/// Small retry limits so every fault resolves in seconds. The timeout is
/// short only where a case is about slowness, so that a busy machine does
/// not turn an ordinary request into a retry and upset the counts.
fn fault_config(email: &str, request_timeout_seconds: u32) -> String {
    format!(
        r#"provider "clerk" {{
  max_retries             = 2
  request_timeout_seconds = {request_timeout_seconds}
  retry_budget_seconds    = 15
}}

resource "clerk_instance_settings" "this" {{
  support_email = "{email}"
}}
"#
    )
}

/// One scripted API fault and what must come of it.
struct FaultCase {
    name: &'static str,
    /// Queued in order before the apply.
    faults: Vec<Json>,
    /// The faulted endpoint, whose requests are counted.
    method: &'static str,
    path: &'static str,
    /// Retries absorb the faults and the apply succeeds.
    recovers: bool,
    /// Requests the endpoint gets during the faulty apply: the bound.
    attempts: u64,
    /// What the failure says (checked in Terraform's output).
    says: &'static [&'static str],
}

fn fault(method: &str, extra: Json) -> Json {
    let mut fault = json!({"method": method, "path": "/v1/instance"});
    fault
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    fault
}

/// Requests that reached (`method`, `path`): those a fault consumed plus
/// those handled normally.
fn requests_to(emulator: &Emulator, queued: u64, method: &str, path: &str) -> u64 {
    let left: u64 = emulator
        .get("/__emulator/faults")
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["times"].as_u64().unwrap())
        .sum();
    let handled = emulator
        .requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"] == path && r["fault"] == false)
        .count() as u64;
    queued - left + handled
}

/// Bodies of the PATCHes the emulator accepted.
fn accepted_patches(emulator: &Emulator) -> Vec<Json> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "PATCH" && r["fault"] == false && r["status"] == 204)
        .map(|r| r["body"].clone())
        .collect()
}

fn run_fault_cases(emulator: &Emulator, ws: &Workspace, cases: &[FaultCase]) {
    for (n, case) in cases.iter().enumerate() {
        let name = case.name;
        let before = stored_attributes(ws, "this")["support_email"].clone();
        let email = format!("case{n}@example.com");
        let slow = case.faults.iter().any(|f| f.get("delay_ms").is_some());
        ws.write_config(&fault_config(&email, if slow { 1 } else { 10 }));
        emulator.clear_faults();
        emulator.clear_requests();
        let (status, _) = support::http::request(
            &emulator.addr,
            "POST",
            "/__emulator/faults",
            Some(&json!({ "faults": case.faults })),
        );
        assert_eq!(status, 200, "{name}: faults queued");
        let queued: u64 = case
            .faults
            .iter()
            .map(|f| f["times"].as_u64().unwrap_or(1))
            .sum();

        let run = ws.apply();
        let attempts = requests_to(emulator, queued, case.method, case.path);
        assert_eq!(
            attempts,
            case.attempts,
            "{name}: requests sent\n{}",
            run.combined()
        );
        if case.recovers {
            run.assert_ok();
            assert_eq!(
                stored_attributes(ws, "this")["support_email"],
                email,
                "{name}"
            );
            assert_eq!(emulator.instance()["support_email"], email, "{name}");
            continue;
        }
        run.assert_failed();
        let text = run.flat();
        for needle in case.says {
            assert!(
                text.to_lowercase().contains(&needle.to_lowercase()),
                "{name}: {needle:?} missing from:\n{text}"
            );
        }
        assert!(!text.contains("Provider internal error"), "{name}: {text}");
        assert!(!text.contains("rpc error"), "{name}: {text}");
        // Nothing lost: Terraform's state and Clerk's settings are as before.
        assert_eq!(
            stored_attributes(ws, "this")["support_email"],
            before,
            "{name}: state changed by a failed apply"
        );
        assert_eq!(emulator.instance()["support_email"], before, "{name}");

        // Healthy again: the next apply sends the change once and records it.
        emulator.clear_faults();
        emulator.clear_requests();
        ws.apply().assert_ok();
        assert_eq!(
            accepted_patches(emulator),
            vec![json!({ "support_email": email })],
            "{name}: the retried apply"
        );
        assert_eq!(
            stored_attributes(ws, "this")["support_email"],
            email,
            "{name}"
        );
    }
}

fn fault_workspace(emulator: &Emulator) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&fault_config("initial@example.com", 10));
    ws.init();
    ws.apply().assert_ok();
    assert_eq!(
        stored_attributes(&ws, "this")["support_email"],
        "initial@example.com"
    );
    ws
}

#[test]
fn server_errors_rate_limits_and_timeouts_are_retried_within_bounds() {
    let emulator = Emulator::start();
    let ws = fault_workspace(&emulator);
    let patch = |extra| fault("PATCH", extra);
    let cases = [
        FaultCase {
            name: "500, persistent",
            faults: vec![patch(json!({"status": 500, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &[
                "server error",
                "HTTP 500",
                "3 attempts",
                "may already have been applied",
            ],
        },
        FaultCase {
            name: "502, once",
            faults: vec![patch(json!({"status": 502}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: true,
            attempts: 2,
            says: &[],
        },
        FaultCase {
            name: "503, persistent",
            faults: vec![patch(json!({"status": 503, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["server error", "HTTP 503", "3 attempts"],
        },
        FaultCase {
            name: "429 without Retry-After, persistent",
            faults: vec![patch(json!({"status": 429, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["rate limit", "HTTP 429", "3 attempts"],
        },
        FaultCase {
            name: "429 with Retry-After: 1, once",
            faults: vec![patch(json!({"status": 429, "retry_after": 1}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: true,
            attempts: 2,
            says: &[],
        },
        FaultCase {
            name: "429 with a Retry-After beyond the budget",
            faults: vec![patch(
                json!({"status": 429, "retry_after": 3600, "times": 10}),
            )],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 1,
            says: &["rate limit", "HTTP 429", "wait 3600 s"],
        },
        FaultCase {
            name: "slower than request_timeout_seconds",
            faults: vec![patch(json!({"delay_ms": 3000, "status": 503, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["time", "3 attempts"],
        },
    ];
    run_fault_cases(&emulator, &ws, &cases);
}

#[test]
fn broken_connections_bad_bodies_and_rejections_are_handled() {
    let emulator = Emulator::start();
    let mut ws = fault_workspace(&emulator);
    let cases = [
        FaultCase {
            name: "connection reset mid-response, persistent",
            faults: vec![fault("PATCH", json!({"reset": true, "times": 10}))],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 3,
            says: &["could not", "reach", "3 attempts"],
        },
        FaultCase {
            // The change took effect, the answer was lost: the retry
            // (PATCH sets absolute values) makes the outcome certain.
            name: "connection reset after Clerk applied the change",
            faults: vec![fault(
                "PATCH",
                json!({"reset": true, "after_handling": true}),
            )],
            method: "PATCH",
            path: "/v1/instance",
            recovers: true,
            attempts: 2,
            says: &[],
        },
        FaultCase {
            name: "200 whose body is not JSON",
            faults: vec![fault(
                "GET",
                json!({"status": 200, "body": "<html>maintenance</html>", "times": 10}),
            )],
            method: "GET",
            path: "/v1/instance",
            recovers: false,
            attempts: 1,
            says: &["HTTP 200", "could not be understood"],
        },
        FaultCase {
            name: "422 naming a parameter",
            faults: vec![fault(
                "PATCH",
                json!({"status": 422, "times": 10, "body": json!({
                    "errors": [{
                        "code": "form_param_format_invalid",
                        "message": "is invalid",
                        "long_message": "support_email is not deliverable",
                        "meta": {"param_name": "support_email"}
                    }],
                    "clerk_trace_id": "trace-422"
                }).to_string()}),
            )],
            method: "PATCH",
            path: "/v1/instance",
            recovers: false,
            attempts: 1,
            says: &[
                "support_email is not deliverable (Clerk error code `form_param_format_invalid`)",
                "trace-422",
                // Terraform points at the attribute in the configuration.
                "in resource \"clerk_instance_settings\" \"this\"",
                "support_email = \"case3@example.com\"",
            ],
        },
    ];
    run_fault_cases(&emulator, &ws, &cases);

    // Connection refused: nothing listens at the API URL.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let before = stored_attributes(&ws, "this");
    ws.write_config(&fault_config("refused@example.com", 10));
    ws.set_env("CLERK_API_URL", &format!("http://{closed}"));
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(
        text.contains("reach") && text.contains("3 attempts"),
        "{text}"
    );
    assert!(text.contains("Nothing was changed"), "{text}");
    assert_eq!(stored_attributes(&ws, "this"), before, "state unchanged");
    ws.set_env("CLERK_API_URL", &emulator.url);
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        accepted_patches(&emulator),
        vec![json!({"support_email": "refused@example.com"})]
    );
}

/// How the interrupt reaches Terraform.
#[derive(Debug, Clone, Copy)]
enum Interrupt {
    /// SIGINT to the Terraform process alone (`TF_FORK=0` keeps Terraform
    /// 1.0's panic-wrapper parent, which ignores SIGINT, out of the way).
    TerraformOnly,
    /// SIGINT to Terraform's whole process group, the provider included,
    /// as Ctrl-C in a terminal sends it.
    ProcessGroup,
}

#[test]
fn interrupting_terraform_mid_apply_stops_cleanly_and_keeps_state() {
    use std::os::unix::process::CommandExt;

    // Patient settings: only the interrupt can end the wait for Clerk.
    let config = |email: &str| {
        format!(
            "provider \"clerk\" {{\n  max_retries = 0\n  request_timeout_seconds = 60\n}}\n\n\
             resource \"clerk_instance_settings\" \"this\" {{\n  support_email = \"{email}\"\n}}\n"
        )
    };
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(&config("initial@example.com"));
    ws.init();
    ws.apply().assert_ok();

    for (n, interrupt) in [Interrupt::TerraformOnly, Interrupt::ProcessGroup]
        .into_iter()
        .enumerate()
    {
        let before = stored_attributes(&ws, "this")["support_email"].clone();
        let email = format!("interrupted{n}@example.com");
        ws.write_config(&config(&email));
        match interrupt {
            Interrupt::TerraformOnly => ws.set_env("TF_FORK", "0"),
            Interrupt::ProcessGroup => ws.remove_env("TF_FORK"),
        }
        // Clerk would take 20 s to answer the PATCH.
        emulator.fault(
            json!({"method": "PATCH", "path": "/v1/instance", "delay_ms": 20_000, "status": 503}),
        );
        let out = ws.path().join(format!("apply-{n}.out"));
        let err = ws.path().join(format!("apply-{n}.err"));
        let mut child = ws
            .command(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .process_group(0)
            .spawn()
            .unwrap();
        wait_for_faults_consumed(&emulator, Duration::from_secs(30));

        let target = match interrupt {
            Interrupt::TerraformOnly => child.id().to_string(),
            Interrupt::ProcessGroup => format!("-{}", child.id()),
        };
        let interrupted = Instant::now();
        let kill = std::process::Command::new("kill")
            .args(["-INT", "--", &target])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if interrupted.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{interrupt:?}: terraform was still running 10 s after the interrupt");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let run = Run {
            status: status.code().unwrap_or(-1),
            stdout: std::fs::read_to_string(&out).unwrap(),
            stderr: std::fs::read_to_string(&err).unwrap(),
        };
        run.assert_failed();
        let text = run.flat();
        assert!(text.contains("Interrupt received"), "{interrupt:?}: {text}");
        assert!(text.contains("cancelled"), "{interrupt:?}: {text}");
        assert!(text.contains("interrupted"), "{interrupt:?}: {text}");
        for bad in [
            "panic",
            "Provider internal error",
            "rpc error",
            "plugin crashed",
        ] {
            assert!(!text.contains(bad), "{interrupt:?}: {bad:?} in {text}");
        }
        assert_eq!(
            stored_attributes(&ws, "this")["support_email"],
            before,
            "{interrupt:?}: state unchanged by the interrupted apply"
        );
        assert_eq!(emulator.instance()["support_email"], before);

        // Clerk healthy, nothing queued: the next apply goes through.
        emulator.clear_faults();
        ws.apply().assert_ok();
        assert_eq!(stored_attributes(&ws, "this")["support_email"], email);
    }
}

/// Whether a process has ended (gone, or a zombie nobody reaped yet).
fn has_exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Err(_) => true,
        Ok(status) => status
            .lines()
            .any(|line| line.starts_with("State:") && line.contains('Z')),
    }
}

#[tokio::test]
async fn a_plugin_whose_terraform_died_shuts_down_and_cleans_up() {
    use std::io::{BufRead, BufReader};
    use terraform_provider_clerk::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

    // A stand-in for Terraform: a shell that starts the plugin, reports its
    // pid, and dies when told to, leaving the plugin without its client
    // (as when Terraform is killed or crashes).
    let mut client = std::process::Command::new("sh")
        .args([
            "-c",
            "\"$0\" & echo \"pid $!\"; read -r _",
            support::PROVIDER_BIN,
        ])
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(client.stdout.take().unwrap()).lines();
    let pid: u32 = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("pid ")
        .unwrap()
        .parse()
        .unwrap();
    let handshake = lines.next().unwrap().unwrap();
    let socket = PathBuf::from(handshake.split('|').nth(3).expect("a handshake line"));
    let channel = support::plugin::connect(socket.clone(), None)
        .await
        .expect("the plugin serves");
    ProviderClient::new(channel)
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetSchema answers");

    // The client dies without a word.
    drop(client.stdin.take());
    client.wait().unwrap();
    let orphaned = Instant::now();
    while !has_exited(pid) {
        if orphaned.elapsed() > Duration::from_secs(10) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the orphaned plugin was still running 10 s after its client died");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !socket.parent().unwrap().exists(),
        "the orphaned plugin left its socket directory behind"
    );
}

/// A key only this test uses, and a distinctive run of its middle that a
/// partial leak (a truncated or re-encoded copy) would still contain.
const SECRET_KEY: &str = "sk_test_hardenQx7Vw3Mz9Tp2Lk5Rs8";
const SECRET_MIDDLE: &str = "Qx7Vw3Mz9Tp2";
const WRONG_KEY: &str = "sk_test_wrongYb4Nc6Hd1Jf5Gm8";
const WRONG_MIDDLE: &str = "Yb4Nc6Hd1Jf5";

fn secret_config(support_email: &str, with_other: bool) -> String {
    let other = if with_other {
        "\nresource \"clerk_instance_settings\" \"other\" {}\n"
    } else {
        ""
    };
    format!(
        r#"variable "clerk_secret_key" {{
  type      = string
  sensitive = true
}}

provider "clerk" {{
  secret_key  = var.clerk_secret_key
  max_retries = 1
}}

resource "clerk_instance_settings" "this" {{
  support_email = "{support_email}"
  test_mode     = false
}}
{other}"#
    )
}

#[test]
fn the_secret_key_never_appears_in_any_output_log_or_record() {
    let scratch = tempfile::tempdir().unwrap();
    let emulator_log = scratch.path().join("emulator.stderr");
    let emulator = Emulator::start_logging(
        &["--key", SECRET_KEY],
        std::fs::File::create(&emulator_log).unwrap(),
    );
    let mut ws = Workspace::new(&emulator);
    ws.remove_env("CLERK_SECRET_KEY");
    ws.set_env("TF_VAR_clerk_secret_key", SECRET_KEY);
    ws.write_config(&secret_config("one@example.com", false));
    ws.init();

    let mut captured: Vec<(String, String)> = Vec::new();
    let mut traces: Vec<PathBuf> = Vec::new();
    let mut traced = |ws: &mut Workspace, step: &str, args: &[&str]| -> Run {
        let log = ws.path().join(format!("trace-{step}.log"));
        ws.set_env("TF_LOG", "TRACE");
        ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
        let run = ws.run(args);
        traces.push(log);
        captured.push((format!("terraform {step} output"), run.combined()));
        run
    };
    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let plan = ["plan", "-input=false", "-no-color", "-detailed-exitcode"];

    // A create, and a plan with nothing to do.
    traced(&mut ws, "create", &apply).assert_ok();
    let run = traced(&mut ws, "plan", &plan);
    assert_eq!(run.status, 0, "{}", run.combined());

    // A failing apply whose error bodies echo the key back, as a
    // misbehaving proxy might: a 503 (retried), then a 422.
    ws.write_config(&secret_config("two@example.com", false));
    let echo = format!("Authorization: Bearer {SECRET_KEY}");
    emulator
        .fault(json!({"method": "PATCH", "status": 503, "body": format!("<html>{echo}</html>")}));
    emulator.fault(json!({"method": "PATCH", "status": 422, "body": json!({
        "errors": [{"code": "echo", "message": echo, "long_message": format!("rejected {echo}"),
                    "meta": {"param_name": "support_email"}}],
        "clerk_trace_id": SECRET_KEY,
    }).to_string()}));
    let run = traced(&mut ws, "failing-apply", &apply);
    run.assert_failed();
    assert!(
        run.flat()
            .contains("rejected Authorization: Bearer [redacted]"),
        "the echoed key was fed through and scrubbed: {}",
        run.flat()
    );
    emulator.clear_faults();

    // Import with an ID of another instance.
    ws.write_config(&secret_config("two@example.com", true));
    let run = traced(
        &mut ws,
        "import",
        &[
            "import",
            "-input=false",
            "-no-color",
            "clerk_instance_settings.other",
            "ins_someoneelse",
        ],
    );
    run.assert_failed();
    assert!(run.flat().contains("does not match"), "{}", run.flat());
    ws.write_config(&secret_config("two@example.com", false));

    // A key Clerk does not accept: 401.
    ws.set_env("TF_VAR_clerk_secret_key", WRONG_KEY);
    let run = traced(&mut ws, "wrong-key", &plan);
    assert_eq!(run.status, 1, "{}", run.combined());
    assert!(run.flat().contains("HTTP 401"), "{}", run.flat());

    // Everything the run produced.
    for log in &traces {
        let text = std::fs::read_to_string(log).unwrap();
        captured.push((log.display().to_string(), text));
    }
    let requests = emulator.requests();
    assert!(requests.iter().any(|r| r["status"] == 401));
    assert!(requests.iter().any(|r| r["method"] == "PATCH"));
    captured.push((
        "the emulator's request log".into(),
        serde_json::to_string(&requests).unwrap(),
    ));
    for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
        if let Ok(text) = std::fs::read_to_string(ws.path().join(file)) {
            captured.push((file.into(), text));
        }
    }
    drop(emulator);
    let emulator_stderr = std::fs::read_to_string(&emulator_log).unwrap();
    assert!(
        emulator_stderr.contains("/v1/instance"),
        "the emulator echoed its request log"
    );
    captured.push(("the emulator's stderr".into(), emulator_stderr));

    // The captures are real: the provider's own log lines are in the traces.
    let all_traces: String = captured
        .iter()
        .filter(|(name, _)| name.ends_with(".log"))
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(
        all_traces.contains("Clerk API request"),
        "no provider log lines captured"
    );
    assert!(all_traces.contains("Clerk API error response body"));

    for (source, text) in &captured {
        for needle in [SECRET_KEY, SECRET_MIDDLE, WRONG_KEY, WRONG_MIDDLE] {
            // Report the place, never the text around it (it would print
            // the secret).
            if let Some(at) = text.find(needle) {
                panic!(
                    "a secret key (or part of it) appears in {source} at byte {at} of {}",
                    text.len()
                );
            }
        }
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_connection() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {\n  max_retries = 0\n}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}\n",
    );
    ws.init();
    // Any attempt to reach example.com would have to go through this
    // loopback listener, which counts connections: traffic never leaves
    // the machine, and an attempt would show.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let proxy = format!("http://{}", trap.local_addr().unwrap());
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        ws.set_env(var, &proxy);
    }
    for var in ["NO_PROXY", "no_proxy"] {
        ws.set_env(var, "");
    }

    ws.set_env("CLERK_API_URL", "http://example.com");
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("Invalid api_url"), "{text}");
    assert!(
        text.contains("http:// for a host that is not loopback"),
        "{text}"
    );
    assert!(text.contains("from CLERK_API_URL"), "{text}");

    // The same in the provider block, pointed at the attribute.
    ws.set_env("CLERK_API_URL", &emulator.url);
    ws.write_config(
        "provider \"clerk\" {\n  api_url = \"http://example.com/v1\"\n}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}\n",
    );
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("clear text"), "{text}");
    assert!(
        text.contains("api_url = \"http://example.com/v1\""),
        "{text}"
    );

    match trap.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("something tried to connect out (from {from})"),
        Err(e) => panic!("{e}"),
    }
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

/// Edits the attributes of the one resource instance in terraform.tfstate.
fn edit_stored_attributes(ws: &Workspace, edit: impl FnOnce(&mut serde_json::Map<String, Json>)) {
    let path = ws.path().join("terraform.tfstate");
    let mut state: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(
        state["resources"][0]["instances"][0]["attributes"]
            .as_object_mut()
            .unwrap(),
    );
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
}

#[test]
fn hand_edited_state_is_upgraded_or_refused_clearly() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}\n",
    );
    ws.init();
    ws.apply().assert_ok();

    // An attribute this version does not know, as a newer provider would
    // write it. With the schema version unchanged, Terraform 1.0.3 strips
    // such attributes itself before UpgradeResourceState (it logs that at
    // DEBUG), so the provider's own warning for them (tested over gRPC
    // above) is never reached here: what matters is that nothing fails.
    edit_stored_attributes(&ws, |attributes| {
        attributes.insert("future_setting".into(), json!("from a newer provider"));
    });
    let log = ws.path().join("plan.log");
    ws.set_env("TF_LOG", "DEBUG");
    ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
    let (code, run) = ws.plan_exit_code();
    assert_eq!(code, 0, "no failure and no changes:\n{}", run.combined());
    assert!(!run.flat().contains("Error"), "{}", run.flat());
    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(
        trace.contains("attribute \"future_setting\" no longer present in schema"),
        "Terraform dropped the attribute"
    );
    ws.remove_env("TF_LOG");
    ws.remove_env("TF_LOG_PATH");
    // The next apply writes state without it.
    ws.apply().assert_ok();
    assert!(stored_attributes(&ws, "this")
        .get("future_setting")
        .is_none());
    assert_eq!(stored_attributes(&ws, "this")["hibp"], true);

    // State this version cannot understand: a clear error naming the
    // attribute and the way out, and the state file left alone.
    edit_stored_attributes(&ws, |attributes| {
        attributes.insert("hibp".into(), json!("yes"));
    });
    let saved = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap();
    let run = ws.plan();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("Stored state could not be read"), "{text}");
    assert!(
        text.contains("at .hibp: expected a bool, found a string"),
        "{text}"
    );
    assert!(text.contains("terraform state rm"), "{text}");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap(),
        saved
    );
}
