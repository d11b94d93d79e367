//! Hardening, driven over gRPC: the provider binary started and spoken to
//! as Terraform does it (`support::plugin`), with hand-built requests
//! (`support::requests`). Malformed input to every RPC, state upgrades,
//! concurrent RPCs, Stop, and a plugin outliving its Terraform. The
//! Terraform-driven half is in `hardening_terraform.rs`; docs/hardening.md
//! describes what each test shows. Everything stays on loopback.

mod support;

use std::collections::BTreeSet;
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
use support::requests;
use support::{Emulator, TEST_KEY};

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
    let json = |text: &[u8]| requests::json_state(text);
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
            .prepare_provider_config(requests::prepare_provider_config(bad.clone()))
            .await
            .expect("PrepareProviderConfig answers");
        assert_refused(what, "PrepareProviderConfig", &r.into_inner().diagnostics);
        let r = c
            .validate_resource_type_config(requests::validate_resource_type_config(
                RESOURCE,
                bad.clone(),
            ))
            .await
            .expect("ValidateResourceTypeConfig answers");
        assert_refused(
            what,
            "ValidateResourceTypeConfig",
            &r.into_inner().diagnostics,
        );
        let r = c
            .validate_data_source_config(requests::validate_data_source_config(
                DATA_SOURCE,
                bad.clone(),
            ))
            .await
            .expect("ValidateDataSourceConfig answers");
        assert_refused(
            what,
            "ValidateDataSourceConfig",
            &r.into_inner().diagnostics,
        );
        let r = c
            .configure(requests::configure(bad.clone()))
            .await
            .expect("Configure answers");
        assert_refused(what, "Configure", &r.into_inner().diagnostics);
        let r = c
            .read_resource(requests::read_resource(RESOURCE, bad.clone()))
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
                .plan_resource_change(requests::plan_resource_change(
                    RESOURCE,
                    pick(0, &prior),
                    pick(1, &planned),
                    pick(2, &config),
                ))
                .await
                .expect("PlanResourceChange answers");
            assert_refused(what, "PlanResourceChange", &r.into_inner().diagnostics);
            let r = c
                .apply_resource_change(requests::apply_resource_change(
                    RESOURCE,
                    pick(0, &prior),
                    pick(1, &planned),
                    pick(2, &config),
                ))
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
            .read_data_source(requests::read_data_source(DATA_SOURCE, bad.clone()))
            .await
            .expect("ReadDataSource answers");
        assert_refused(what, "ReadDataSource", &r.into_inner().diagnostics);
        calls += 11;
    }

    for (what, raw, _) in unreadable_states() {
        let r = client
            .upgrade_resource_state(requests::upgrade_resource_state(RESOURCE, 0, raw))
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
            .import_resource_state(requests::import_resource_state(RESOURCE, id))
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
        .validate_resource_type_config(requests::validate_resource_type_config(
            nothing,
            config.clone(),
        ))
        .await
        .unwrap();
    assert_refused(
        nothing,
        "ValidateResourceTypeConfig",
        &r.into_inner().diagnostics,
    );
    let r = client
        .validate_data_source_config(requests::validate_data_source_config(
            nothing,
            config.clone(),
        ))
        .await
        .unwrap();
    assert_refused(
        nothing,
        "ValidateDataSourceConfig",
        &r.into_inner().diagnostics,
    );
    let r = client
        .read_resource(requests::read_resource(nothing, prior.clone()))
        .await
        .unwrap();
    assert_refused(nothing, "ReadResource", &r.into_inner().diagnostics);
    let r = client
        .plan_resource_change(requests::plan_resource_change(
            nothing,
            prior.clone(),
            planned.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    assert_refused(nothing, "PlanResourceChange", &r.into_inner().diagnostics);
    let r = client
        .apply_resource_change(requests::apply_resource_change(
            nothing,
            prior.clone(),
            planned.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    assert_refused(nothing, "ApplyResourceChange", &r.into_inner().diagnostics);
    let r = client
        .import_resource_state(requests::import_resource_state(nothing, "ins_1"))
        .await
        .unwrap();
    assert_refused(nothing, "ImportResourceState", &r.into_inner().diagnostics);
    let r = client
        .upgrade_resource_state(requests::upgrade_resource_state(
            nothing,
            0,
            requests::json_state(b"{}".to_vec()),
        ))
        .await
        .unwrap();
    assert_refused(nothing, "UpgradeResourceState", &r.into_inner().diagnostics);
    let r = client
        .read_data_source(requests::read_data_source(nothing, config.clone()))
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
        .plan_resource_change(requests::plan_resource_change(
            RESOURCE,
            prior.clone(),
            planned.clone(),
            config.clone(),
        ))
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
                .upgrade_resource_state(requests::upgrade_resource_state(
                    RESOURCE,
                    version,
                    requests::json_state(json),
                ))
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
    let newer_version = terraform_provider_clerk::resources::STATE_VERSION + 1;
    let answer = upgrade(written, newer_version).await;
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
            .upgrade_resource_state(requests::upgrade_resource_state(RESOURCE, 0, raw))
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
                        .plan_resource_change(requests::plan_resource_change(
                            RESOURCE,
                            null_value(),
                            dv(&config, ty),
                            dv(&config, ty),
                        ))
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
                        .apply_resource_change(requests::apply_resource_change(
                            RESOURCE,
                            null_value(),
                            dv(&planned, ty),
                            dv(&config, ty),
                        ))
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
            .apply_resource_change(requests::apply_resource_change(
                RESOURCE, prior, planned, config,
            ))
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
        .read_data_source(requests::read_data_source(
            DATA_SOURCE,
            dv(&object(&[], &types.data), &types.data),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!has_error(&answer.diagnostics), "{:?}", answer.diagnostics);
    let state = msgpack::decode(&answer.state.unwrap().msgpack, &types.data).unwrap();
    state.get("id").and_then(Value::as_str).unwrap().to_string()
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
