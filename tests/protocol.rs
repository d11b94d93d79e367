//! Protocol tests: the release-shaped binary started the way Terraform
//! starts it (magic cookie, version list, a P-521/SHA-512 CA-flagged client
//! certificate), driven through generated gRPC clients over its unix
//! socket with TLS (helpers in `support::plugin`). This test process is the
//! provider's parent, as Terraform is, except behind a wrapper.

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use terraform_provider_clerk::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use terraform_provider_clerk::protocol::tfplugin5 as pb;
use terraform_provider_clerk::value::{msgpack, Type, Value};

use support::plugin::{
    client_tls, connect, dv, goplugin, object, schema_type, start_connected, start_plugin,
    start_plugin_behind_wrapper, terraform_style_client_cert, Plugin,
};
use support::{Emulator, PROVIDER_BIN, TEST_KEY};

#[tokio::test]
async fn every_rpc_over_tls_as_terraform_connects() {
    let emulator = Emulator::start();
    let (pem, cert, key) = terraform_style_client_cert();
    let plugin = start_plugin(Some(&pem), "6,5", &emulator);
    let server_cert = plugin
        .server_cert
        .clone()
        .expect("AutoMTLS returns a certificate");
    let channel = connect(
        plugin.socket.clone(),
        Some(client_tls(&server_cert, Some((cert, key)))),
    )
    .await
    .expect("the provider serves its parent");
    let mut client = pb::provider_client::ProviderClient::new(channel.clone());

    // GetSchema: the full schema, with descriptions and capabilities.
    let schema = client
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    assert!(schema.server_capabilities.unwrap().plan_destroy);
    let resource = &schema.resource_schemas["clerk_instance_settings"];
    let names: Vec<&str> = resource
        .block
        .as_ref()
        .unwrap()
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for expected in [
        "id",
        "environment_type",
        "allowed_origins",
        "clerk_js_version",
        "development_origin",
        "enhanced_email_deliverability",
        "hibp",
        "preferred_sign_in_strategy_when_password_required",
        "support_email",
        "test_mode",
        "url_based_session_syncing",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for attribute in &resource.block.as_ref().unwrap().attributes {
        assert!(
            !attribute.description.is_empty(),
            "{} has no description",
            attribute.name
        );
        assert_eq!(attribute.description_kind, pb::StringKind::Markdown as i32);
    }
    let provider_schema = schema.provider.as_ref().unwrap();
    let secret = provider_schema
        .block
        .as_ref()
        .unwrap()
        .attributes
        .iter()
        .find(|a| a.name == "secret_key")
        .unwrap();
    assert!(secret.sensitive && secret.optional);
    let provider_ty = schema_type(provider_schema);
    let resource_ty = schema_type(resource);
    let data_ty = schema_type(&schema.data_source_schemas["clerk_instance"]);

    // PrepareProviderConfig flags a publishable key at the attribute.
    let bad = object(
        &[("secret_key", Value::string("pk_test_abc"))],
        &provider_ty,
    );
    let prepared = client
        .prepare_provider_config(pb::prepare_provider_config::Request {
            config: dv(&bad, &provider_ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(prepared.diagnostics.len(), 1);
    assert!(prepared.diagnostics[0].attribute.is_some());

    // Configure from the environment (key and emulator URL).
    let configured = client
        .configure(pb::configure::Request {
            terraform_version: "1.0.3".into(),
            config: dv(&object(&[], &provider_ty), &provider_ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );

    // ValidateResourceTypeConfig names the bad attribute.
    let config = object(&[("support_email", Value::string("nope"))], &resource_ty);
    let validated = client
        .validate_resource_type_config(pb::validate_resource_type_config::Request {
            type_name: "clerk_instance_settings".into(),
            config: dv(&config, &resource_ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(validated.diagnostics.len(), 1);
    let step = &validated.diagnostics[0].attribute.as_ref().unwrap().steps[0];
    assert_eq!(
        step.selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "support_email".into()
        ))
    );

    let validated = client
        .validate_data_source_config(pb::validate_data_source_config::Request {
            type_name: "clerk_instance".into(),
            config: dv(&object(&[], &data_ty), &data_ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(validated.diagnostics.is_empty());

    // PlanResourceChange on create: configured values kept, identity unknown.
    let config = object(&[("test_mode", Value::Bool(false))], &resource_ty);
    let planned = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "clerk_instance_settings".into(),
            prior_state: Some(pb::DynamicValue {
                msgpack: vec![0xc0],
                json: vec![],
            }),
            proposed_new_state: dv(&config, &resource_ty),
            config: dv(&config, &resource_ty),
            prior_private: vec![],
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
    let planned_value = msgpack::decode(
        &planned.planned_state.as_ref().unwrap().msgpack,
        &resource_ty,
    )
    .unwrap();
    assert_eq!(planned_value.get("test_mode"), Some(&Value::Bool(false)));
    assert_eq!(planned_value.get("id"), Some(&Value::Unknown));
    assert!(emulator.writes().is_empty(), "planning must not write");

    // ApplyResourceChange: one PATCH with exactly the configured setting.
    let final_plan = object(
        &[
            ("test_mode", Value::Bool(false)),
            ("id", Value::Unknown),
            ("environment_type", Value::Unknown),
        ],
        &resource_ty,
    );
    let applied = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "clerk_instance_settings".into(),
            prior_state: Some(pb::DynamicValue {
                msgpack: vec![0xc0],
                json: vec![],
            }),
            planned_state: dv(&final_plan, &resource_ty),
            config: dv(&config, &resource_ty),
            planned_private: vec![],
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    let new_state =
        msgpack::decode(&applied.new_state.as_ref().unwrap().msgpack, &resource_ty).unwrap();
    let id = new_state
        .get("id")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    assert!(id.starts_with("ins_"));
    assert_eq!(
        emulator.patches(),
        vec![serde_json::json!({"test_mode": false})]
    );

    // ReadResource keeps the state and returns the identity.
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "clerk_instance_settings".into(),
            current_state: applied.new_state.clone(),
            private: applied.private.clone(),
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let read_value = msgpack::decode(&read.new_state.unwrap().msgpack, &resource_ty).unwrap();
    assert_eq!(
        read_value.get("id").and_then(Value::as_str),
        Some(id.as_str())
    );

    // UpgradeResourceState from JSON state.
    let upgraded = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "clerk_instance_settings".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: format!(
                    r#"{{"id":"{id}","environment_type":"development","test_mode":false}}"#
                )
                .into_bytes(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    let upgraded_value =
        msgpack::decode(&upgraded.upgraded_state.unwrap().msgpack, &resource_ty).unwrap();
    assert_eq!(upgraded_value.get("test_mode"), Some(&Value::Bool(false)));

    // ImportResourceState: the right ID works, a wrong one is refused.
    let imported = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "clerk_instance_settings".into(),
            id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    assert_eq!(imported.imported_resources.len(), 1);
    assert_eq!(
        imported.imported_resources[0].type_name,
        "clerk_instance_settings"
    );
    let refused = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "clerk_instance_settings".into(),
            id: "ins_not_this_one".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(refused.imported_resources.is_empty());
    assert!(refused.diagnostics[0].detail.contains("ins_not_this_one"));

    // ReadDataSource.
    let data = client
        .read_data_source(pb::read_data_source::Request {
            type_name: "clerk_instance".into(),
            config: dv(&object(&[], &data_ty), &data_ty),
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        !data
            .diagnostics
            .iter()
            .any(|d| d.severity == pb::diagnostic::Severity::Error as i32),
        "{:?}",
        data.diagnostics
    );
    let data_value = msgpack::decode(&data.state.unwrap().msgpack, &data_ty).unwrap();
    assert_eq!(
        data_value.get("id").and_then(Value::as_str),
        Some(id.as_str())
    );

    // Destroy: planned null, warning, nothing sent.
    emulator.clear_requests();
    let destroyed = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "clerk_instance_settings".into(),
            prior_state: applied.new_state.clone(),
            planned_state: Some(pb::DynamicValue {
                msgpack: vec![0xc0],
                json: vec![],
            }),
            config: None,
            planned_private: vec![],
            provider_meta: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(destroyed.diagnostics.len(), 1);
    assert_eq!(
        destroyed.diagnostics[0].severity,
        pb::diagnostic::Severity::Warning as i32
    );
    assert_eq!(destroyed.new_state.unwrap().msgpack, vec![0xc0]);
    assert!(emulator.writes().is_empty());

    // Malformed input is a diagnostic, and the process keeps serving.
    let garbage = client
        .validate_resource_type_config(pb::validate_resource_type_config::Request {
            type_name: "clerk_instance_settings".into(),
            config: Some(pb::DynamicValue {
                msgpack: vec![0xdd, 0xff, 0xff, 0xff, 0xff],
                json: vec![],
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        garbage.diagnostics[0].severity,
        pb::diagnostic::Severity::Error as i32
    );
    let unknown_type = client
        .validate_resource_type_config(pb::validate_resource_type_config::Request {
            type_name: "clerk_nothing".into(),
            config: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(unknown_type.diagnostics[0].detail.contains("clerk_nothing"));

    // Health reports the plugin as serving; stdio stays open.
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let mut stdio = goplugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let mut stream = stdio.stream_stdio(()).await.unwrap().into_inner();
    let nothing = tokio::time::timeout(Duration::from_millis(200), stream.message()).await;
    assert!(nothing.is_err(), "stdio stream should stay open and quiet");

    // Stop answers with no error.
    let stopped = client
        .stop(pb::stop::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stopped.error, "");

    // Shutdown ends the process promptly and removes the socket directory.
    let mut controller = goplugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(goplugin::Empty {}).await.unwrap();
    let mut plugin = plugin;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = plugin.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "plugin did not exit after Shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success());
    assert!(!plugin.socket.exists());
    assert!(!plugin.socket.parent().unwrap().exists());
}

/// Whether a gRPC call over `tls` (plaintext when `None`) is served.
async fn served(plugin: &Plugin, tls: Option<Arc<rustls::ClientConfig>>) -> bool {
    match connect(plugin.socket.clone(), tls).await {
        Err(_) => false,
        Ok(channel) => pb::provider_client::ProviderClient::new(channel)
            .get_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok(),
    }
}

#[tokio::test]
async fn other_processes_must_present_terraforms_certificate() {
    // Behind a wrapper shell, this test process is not the provider's
    // parent, so the provider asks for Terraform's certificate.
    let emulator = Emulator::start();
    let (pem, cert, key) = terraform_style_client_cert();
    let plugin = start_plugin_behind_wrapper(Some(&pem), &emulator);
    let server_cert = plugin.server_cert.clone().unwrap();

    assert!(
        !served(&plugin, Some(client_tls(&server_cert, None))).await,
        "a client without a certificate was served"
    );
    let (_, other_cert, other_key) = terraform_style_client_cert();
    assert!(
        !served(
            &plugin,
            Some(client_tls(&server_cert, Some((other_cert, other_key))))
        )
        .await,
        "a client with another certificate was served"
    );
    assert!(
        !served(&plugin, None).await,
        "a plaintext client was served"
    );
    // Terraform's own certificate, proven by its key, is served.
    assert!(
        served(&plugin, Some(client_tls(&server_cert, Some((cert, key))))).await,
        "the client with Terraform's certificate was refused"
    );

    // The socket directory is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(plugin.socket.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[tokio::test]
async fn the_parent_process_is_known_by_its_peer_credentials() {
    // Started directly, this test process is the provider's parent, as
    // Terraform is: the kernel vouches for it, so no client certificate is
    // asked (and Terraform's is not needed), but TLS still is.
    let emulator = Emulator::start();
    let (pem, _, _) = terraform_style_client_cert();
    let plugin = start_plugin(Some(&pem), "5", &emulator);
    let server_cert = plugin.server_cert.clone().unwrap();
    assert!(
        served(&plugin, Some(client_tls(&server_cert, None))).await,
        "the parent process was refused without a certificate"
    );
    assert!(
        !served(&plugin, None).await,
        "a plaintext client was served"
    );
}

#[test]
fn without_the_magic_cookie_it_explains_and_exits() {
    let output = Command::new(PROVIDER_BIN)
        .env_remove(MAGIC_COOKIE_KEY)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Terraform plugin"), "{stderr}");
}

#[test]
fn refuses_clients_that_do_not_offer_protocol_five() {
    let output = Command::new(PROVIDER_BIN)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("protocol 5"));
}

#[test]
fn version_flag_prints_the_cargo_version() {
    let output = Command::new(PROVIDER_BIN)
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}

#[tokio::test]
async fn plaintext_when_no_client_certificate_is_given() {
    // TF_DISABLE_PLUGIN_TLS: Terraform passes no certificate and speaks
    // plaintext; the handshake's certificate field is then empty.
    let emulator = Emulator::start();
    let plugin = start_plugin(None, "5,6", &emulator);
    assert!(plugin.server_cert.is_none());
    let channel = connect(plugin.socket.clone(), None).await.unwrap();
    let schema = pb::provider_client::ProviderClient::new(channel)
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap();
    assert!(schema.into_inner().provider.is_some());
}

#[tokio::test]
async fn debug_mode_prints_a_reattach_value_and_serves() {
    let mut child = Command::new(PROVIDER_BIN)
        .arg("--debug")
        .env_remove(MAGIC_COOKIE_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(json) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(json.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach: serde_json::Value =
        serde_json::from_str(&reattach.expect("a TF_REATTACH_PROVIDERS line")).unwrap();
    let entry = &reattach[support::SOURCE];
    assert_eq!(entry["ProtocolVersion"], 5);
    let socket = PathBuf::from(entry["Addr"]["String"].as_str().unwrap());
    let channel = connect(socket.clone(), None).await.unwrap();
    let schema = pb::provider_client::ProviderClient::new(channel)
        .get_schema(pb::get_provider_schema::Request {})
        .await;
    assert!(schema.is_ok());

    // Ctrl-C ends a debug session cleanly, socket directory and all.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("debug mode did not exit on SIGINT");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");
    assert!(!socket.parent().unwrap().exists());
}

#[tokio::test]
async fn later_protocol_methods_answer_unimplemented() {
    let emulator = Emulator::start();
    let plugin = start_plugin(None, "5", &emulator);
    let channel = connect(plugin.socket.clone(), None).await.unwrap();
    // Methods of protocol 5.4 to 5.10 the provider does not implement.
    for method in [
        "/tfplugin5.Provider/GetMetadata",
        "/tfplugin5.Provider/UpgradeResourceIdentity",
        "/tfplugin5.Provider/GenerateResourceConfig",
        "/tfplugin5.Provider/ValidateEphemeralResourceConfig",
        "/tfplugin5.Provider/OpenEphemeralResource",
        "/tfplugin5.Provider/RenewEphemeralResource",
        "/tfplugin5.Provider/CloseEphemeralResource",
        "/tfplugin5.Provider/ListResource",
        "/tfplugin5.Provider/ValidateListResourceConfig",
        "/tfplugin5.Provider/PlanAction",
        "/tfplugin5.Provider/InvokeAction",
        "/tfplugin5.Provider/ValidateActionConfig",
    ] {
        let mut grpc = tonic::client::Grpc::new(channel.clone());
        grpc.ready().await.unwrap();
        let status = grpc
            .unary::<(), (), _>(
                tonic::Request::new(()),
                tonic::codegen::http::uri::PathAndQuery::from_static(method),
                tonic_prost::ProstCodec::default(),
            )
            .await
            .expect_err(method);
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{method}");
    }
}

/// Terraform 1.12 and later and OpenTofu ask for identity schemas within
/// every schema load, and fail the load on an error diagnostic there
/// (Terraform since 1.12.1): the answer must be UNIMPLEMENTED, or an empty
/// map without diagnostics. The schema itself offers no functions and no
/// moves.
#[tokio::test]
async fn a_schema_load_as_terraform_1_12_and_opentofu_do_it_succeeds() {
    let emulator = Emulator::start();
    let (_plugin, channel) = start_connected(&[
        ("CLERK_SECRET_KEY", TEST_KEY),
        ("CLERK_API_URL", &emulator.url),
    ])
    .await;
    let mut client = pb::provider_client::ProviderClient::new(channel);
    let schema = client
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    assert!(schema.functions.is_empty());
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.plan_destroy);
    // Terraform refuses `moved` blocks across types before asking unless
    // this is advertised; the one move is in tests/migration.rs.
    assert!(capabilities.move_resource_state);

    match client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
    {
        Err(status) => assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}"),
        Ok(response) => {
            let response = response.into_inner();
            assert!(response.identity_schemas.is_empty());
            assert!(
                response.diagnostics.is_empty(),
                "{:?}",
                response.diagnostics
            );
        }
    }
    // Nothing about loading a schema reaches Clerk.
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

/// OpenTofu 1.7 and later ask for the provider's functions when a
/// configuration calls `provider::clerk::<name>`: an empty list (not an
/// unsupported method) lets it say the function does not exist.
#[tokio::test]
async fn functions_are_listed_as_none_and_calls_are_refused_by_name() {
    let emulator = Emulator::start();
    let (_plugin, channel) = start_connected(&[
        ("CLERK_SECRET_KEY", TEST_KEY),
        ("CLERK_API_URL", &emulator.url),
    ])
    .await;
    let mut client = pb::provider_client::ProviderClient::new(channel);
    let functions = client
        .get_functions(pb::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(functions.functions.is_empty());
    assert!(
        functions.diagnostics.is_empty(),
        "{:?}",
        functions.diagnostics
    );

    let called = client
        .call_function(pb::call_function::Request {
            name: "parse_key".into(),
            arguments: vec![pb::DynamicValue {
                msgpack: msgpack::encode(&Value::string("x"), &Type::String).unwrap(),
                json: Vec::new(),
            }],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(called.result, None);
    let error = called.error.expect("an error");
    assert!(error.text.contains("no functions"), "{}", error.text);
    assert!(error.text.contains("\"parse_key\""), "{}", error.text);
    assert_eq!(error.function_argument, None);
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

/// Terraform 1.8 and later and OpenTofu 1.10 and later call
/// MoveResourceState for `moved` blocks across resource types or
/// providers (OpenTofu without checking the capability first). Every move
/// but vanillauys/clerk's organization settings (tests/migration.rs) is
/// refused, naming what was asked, and nothing reaches Clerk. The provider
/// may not even be configured yet.
#[tokio::test]
async fn moves_across_types_and_providers_are_refused_naming_both_ends() {
    let emulator = Emulator::start();
    let (_plugin, channel) = start_connected(&[
        ("CLERK_SECRET_KEY", TEST_KEY),
        ("CLERK_API_URL", &emulator.url),
    ])
    .await;
    let mut client = pb::provider_client::ProviderClient::new(channel);
    let request = pb::move_resource_state::Request {
        source_provider_address: "providers.example/someone/clerk".into(),
        source_type_name: "clerk_instance_organization_settings".into(),
        source_schema_version: 0,
        source_state: Some(pb::RawState {
            json: br#"{"id":"ins_1","enabled":true}"#.to_vec(),
            flatmap: Default::default(),
        }),
        target_type_name: "clerk_instance_settings".into(),
        source_private: Vec::new(),
        source_identity: None,
        source_identity_schema_version: 0,
    };
    let moved = client
        .move_resource_state(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.target_state, None);
    assert!(moved.target_private.is_empty());
    assert_eq!(moved.diagnostics.len(), 1, "{:?}", moved.diagnostics);
    let diagnostic = &moved.diagnostics[0];
    assert_eq!(diagnostic.severity, pb::diagnostic::Severity::Error as i32);
    assert_eq!(diagnostic.summary, "Unsupported resource move");
    for named in [
        "\"providers.example/someone/clerk\"",
        "\"clerk_instance_organization_settings\"",
        "\"clerk_instance_settings\"",
    ] {
        assert!(
            diagnostic.detail.contains(named),
            "{named}: {}",
            diagnostic.detail
        );
    }

    // A target type this provider does not have is named as such.
    let moved = client
        .move_resource_state(pb::move_resource_state::Request {
            target_type_name: "clerk_nothing".into(),
            ..request
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.target_state, None);
    assert_eq!(moved.diagnostics[0].summary, "Unsupported resource type");
    assert!(moved.diagnostics[0].detail.contains("\"clerk_nothing\""));
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

#[tokio::test]
async fn interrupts_are_ignored_because_terraform_sends_stop() {
    let emulator = Emulator::start();
    let plugin = start_plugin(None, "5", &emulator);
    let pid = plugin.child.id() as i32;
    // Ctrl-C in a terminal reaches the whole process group; Terraform then
    // calls Stop itself. The provider must survive the signal.
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let channel = connect(plugin.socket.clone(), None).await.unwrap();
    let schema = pb::provider_client::ProviderClient::new(channel)
        .get_schema(pb::get_provider_schema::Request {})
        .await;
    assert!(schema.is_ok(), "the provider died on SIGINT");
}

#[test]
fn sigterm_ends_the_plugin_and_removes_its_socket() {
    let emulator = Emulator::start();
    let mut plugin = start_plugin(None, "5", &emulator);
    let pid = plugin.child.id();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    while plugin.child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !plugin.socket.parent().unwrap().exists(),
        "socket directory left behind"
    );
}
