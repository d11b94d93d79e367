//! Unit tests of the tfplugin5 service with a fake provider whose every
//! handler panics: each RPC must answer with an error diagnostic naming the
//! RPC (never a gRPC error, never a crashed process), keep Terraform's data
//! where the RPC hands state back, keep key-shaped text out of the message,
//! and go on serving afterwards.

use std::collections::BTreeMap;
use std::sync::Once;

use tonic::Request;

use super::provider_server::Provider as _;
use super::tfplugin5 as pb;
use super::ProviderService;
use crate::framework::{
    ApplyRequest, ApplyResponse, Attribute, Block, Diagnostic, Diagnostics, ImportedResource,
    MoveRequest, MoveResponse, PlanRequest, PlanResponse, Provider, ProviderSchemas, ReadRequest,
    ReadResponse, Schema,
};
use crate::value::{msgpack, Type, Value};

/// Every panic message carries this key-shaped text, which must never reach
/// a diagnostic.
const PANIC_SECRET: &str = "sk_test_PanicSecret0123456789";
/// Marks the panics these tests cause on purpose.
const PANIC_MARKER: &str = "deliberate test panic";

fn boom(handler: &str) -> ! {
    panic!("{PANIC_MARKER} in {handler} holding {PANIC_SECRET}")
}

/// Keeps the deliberate panics out of the test output (they carry the fake
/// key); any other panic is reported by the hook that was there before.
fn silence_deliberate_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !message.starts_with(PANIC_MARKER) {
                previous(info);
            }
        }));
    });
}

struct PanickingProvider {
    schemas: ProviderSchemas,
}

fn thing_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            attributes: vec![Attribute::optional("name", Type::String, "A name.")],
            ..Block::default()
        },
    }
}

impl PanickingProvider {
    fn new() -> PanickingProvider {
        let mut resources = BTreeMap::new();
        resources.insert("fake_thing".to_string(), thing_schema());
        let mut data_sources = BTreeMap::new();
        data_sources.insert("fake_data".to_string(), thing_schema());
        PanickingProvider {
            schemas: ProviderSchemas {
                provider: thing_schema(),
                resources,
                data_sources,
                plan_destroy: false,
            },
        }
    }
}

impl Provider for PanickingProvider {
    fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }

    fn validate_provider_config(&self, _config: &Value) -> Diagnostics {
        boom("validate_provider_config")
    }

    async fn configure(&self, _terraform_version: String, _config: Value) -> Diagnostics {
        // Panic after a suspension point, as a failing request would.
        tokio::task::yield_now().await;
        boom("configure")
    }

    fn validate_resource_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        boom("validate_resource_config")
    }

    fn validate_data_source_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        boom("validate_data_source_config")
    }

    fn upgrade_resource_state(
        &self,
        _type_name: &str,
        _version: i64,
        _raw_json: &[u8],
    ) -> (Value, Diagnostics) {
        boom("upgrade_resource_state")
    }

    async fn read_resource(&self, _request: ReadRequest) -> ReadResponse {
        tokio::task::yield_now().await;
        boom("read_resource")
    }

    fn plan_resource_change(&self, _request: PlanRequest) -> PlanResponse {
        boom("plan_resource_change")
    }

    async fn apply_resource_change(&self, _request: ApplyRequest) -> ApplyResponse {
        tokio::task::yield_now().await;
        boom("apply_resource_change")
    }

    async fn import_resource_state(
        &self,
        _type_name: String,
        _id: String,
    ) -> (Vec<ImportedResource>, Diagnostics) {
        boom("import_resource_state")
    }

    async fn read_data_source(&self, _type_name: String, _config: Value) -> (Value, Diagnostics) {
        boom("read_data_source")
    }

    fn stop(&self) {
        boom("stop")
    }

    fn implements_moves(&self) -> bool {
        true
    }

    async fn move_resource_state(&self, _request: MoveRequest) -> MoveResponse {
        tokio::task::yield_now().await;
        boom("move_resource_state")
    }
}

/// Moves `old_thing` state of one source provider into `fake_thing`; every
/// other handler is the panicking provider's.
struct MovingProvider(PanickingProvider);

impl Provider for MovingProvider {
    fn schemas(&self) -> &ProviderSchemas {
        self.0.schemas()
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        self.0.validate_provider_config(config)
    }

    async fn configure(&self, terraform_version: String, config: Value) -> Diagnostics {
        self.0.configure(terraform_version, config).await
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        self.0.validate_resource_config(type_name, config)
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        self.0.validate_data_source_config(type_name, config)
    }

    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> (Value, Diagnostics) {
        self.0.upgrade_resource_state(type_name, version, raw_json)
    }

    async fn read_resource(&self, request: ReadRequest) -> ReadResponse {
        self.0.read_resource(request).await
    }

    fn plan_resource_change(&self, request: PlanRequest) -> PlanResponse {
        self.0.plan_resource_change(request)
    }

    async fn apply_resource_change(&self, request: ApplyRequest) -> ApplyResponse {
        self.0.apply_resource_change(request).await
    }

    async fn import_resource_state(
        &self,
        type_name: String,
        id: String,
    ) -> (Vec<ImportedResource>, Diagnostics) {
        self.0.import_resource_state(type_name, id).await
    }

    async fn read_data_source(&self, type_name: String, config: Value) -> (Value, Diagnostics) {
        self.0.read_data_source(type_name, config).await
    }

    fn stop(&self) {
        self.0.stop()
    }

    fn implements_moves(&self) -> bool {
        true
    }

    async fn move_resource_state(&self, request: MoveRequest) -> MoveResponse {
        if request.source_provider_address != "providers.example/example/old"
            || request.source_type_name != "old_thing"
        {
            return MoveResponse {
                diagnostics: Diagnostics::from(crate::framework::unsupported_move(&request)),
                ..MoveResponse::default()
            };
        }
        let old: serde_json::Value =
            serde_json::from_slice(&request.source_state_json).expect("source state is JSON");
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(Diagnostic::warning("Moved", "from old_thing"));
        MoveResponse {
            target_state: Value::object([(
                "name",
                Value::string(old["title"].as_str().unwrap_or_default()),
            )]),
            target_private: request.source_private,
            diagnostics,
        }
    }
}

fn thing(name: &str) -> Option<pb::DynamicValue> {
    let ty = thing_schema().value_type();
    let value = Value::object([("name", Value::string(name))]);
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(&value, &ty).expect("encodes"),
        json: Vec::new(),
    })
}

/// Exactly one diagnostic: an error that names the RPC, says it is a bug
/// and carries no key-shaped text.
#[track_caller]
fn assert_internal_error(rpc: &str, diagnostics: &[pb::Diagnostic]) {
    assert_eq!(diagnostics.len(), 1, "{rpc}: {diagnostics:?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(
        diagnostic.severity,
        pb::diagnostic::Severity::Error as i32,
        "{rpc}"
    );
    assert_eq!(
        diagnostic.summary,
        format!("Provider internal error in {rpc}")
    );
    assert!(diagnostic.detail.contains(rpc), "{}", diagnostic.detail);
    assert!(diagnostic.detail.contains("bug"), "{}", diagnostic.detail);
    // The panic message is passed on, with the key masked.
    assert!(
        diagnostic.detail.contains(PANIC_MARKER),
        "{}",
        diagnostic.detail
    );
    assert!(
        diagnostic.detail.contains("sk_test_[redacted]"),
        "{}",
        diagnostic.detail
    );
    assert!(
        !diagnostic.detail.contains("PanicSecret"),
        "{}",
        diagnostic.detail
    );
}

#[tokio::test]
async fn a_panic_in_any_handler_is_a_diagnostic_naming_the_rpc() {
    silence_deliberate_panics();
    let service = ProviderService::new(PanickingProvider::new());

    // Twice over: a panic leaves nothing behind that breaks the next call.
    for _ in 0..2 {
        let response = service
            .prepare_provider_config(Request::new(pb::prepare_provider_config::Request {
                config: thing("p"),
            }))
            .await
            .expect("PrepareProviderConfig answers")
            .into_inner();
        assert_internal_error("PrepareProviderConfig", &response.diagnostics);

        let response = service
            .validate_resource_type_config(Request::new(
                pb::validate_resource_type_config::Request {
                    type_name: "fake_thing".into(),
                    config: thing("r"),
                },
            ))
            .await
            .expect("ValidateResourceTypeConfig answers")
            .into_inner();
        assert_internal_error("ValidateResourceTypeConfig", &response.diagnostics);

        let response = service
            .validate_data_source_config(Request::new(pb::validate_data_source_config::Request {
                type_name: "fake_data".into(),
                config: thing("d"),
            }))
            .await
            .expect("ValidateDataSourceConfig answers")
            .into_inner();
        assert_internal_error("ValidateDataSourceConfig", &response.diagnostics);

        let response = service
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "fake_thing".into(),
                version: 0,
                raw_state: Some(pb::RawState {
                    json: br#"{"name":"u"}"#.to_vec(),
                    flatmap: Default::default(),
                }),
            }))
            .await
            .expect("UpgradeResourceState answers")
            .into_inner();
        assert_internal_error("UpgradeResourceState", &response.diagnostics);
        assert_eq!(response.upgraded_state, None);

        let response = service
            .configure(Request::new(pb::configure::Request {
                terraform_version: "1.0.3".into(),
                config: thing("c"),
            }))
            .await
            .expect("Configure answers")
            .into_inner();
        assert_internal_error("Configure", &response.diagnostics);

        // Reads keep what Terraform had.
        let response = service
            .read_resource(Request::new(pb::read_resource::Request {
                type_name: "fake_thing".into(),
                current_state: thing("current"),
                private: b"private".to_vec(),
                provider_meta: None,
            }))
            .await
            .expect("ReadResource answers")
            .into_inner();
        assert_internal_error("ReadResource", &response.diagnostics);
        assert_eq!(response.new_state, thing("current"));
        assert_eq!(response.private, b"private");

        let response = service
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: "fake_thing".into(),
                prior_state: thing("prior"),
                proposed_new_state: thing("new"),
                config: thing("new"),
                prior_private: Vec::new(),
                provider_meta: None,
            }))
            .await
            .expect("PlanResourceChange answers")
            .into_inner();
        assert_internal_error("PlanResourceChange", &response.diagnostics);

        // A failed apply hands back the prior state, so nothing is lost.
        let response = service
            .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "fake_thing".into(),
                prior_state: thing("prior"),
                planned_state: thing("new"),
                config: thing("new"),
                planned_private: b"planned".to_vec(),
                provider_meta: None,
            }))
            .await
            .expect("ApplyResourceChange answers")
            .into_inner();
        assert_internal_error("ApplyResourceChange", &response.diagnostics);
        assert_eq!(response.new_state, thing("prior"));

        let response = service
            .import_resource_state(Request::new(pb::import_resource_state::Request {
                type_name: "fake_thing".into(),
                id: "x".into(),
            }))
            .await
            .expect("ImportResourceState answers")
            .into_inner();
        assert_internal_error("ImportResourceState", &response.diagnostics);
        assert!(response.imported_resources.is_empty());

        let response = service
            .read_data_source(Request::new(pb::read_data_source::Request {
                type_name: "fake_data".into(),
                config: thing("d"),
                provider_meta: None,
            }))
            .await
            .expect("ReadDataSource answers")
            .into_inner();
        assert_internal_error("ReadDataSource", &response.diagnostics);
        assert_eq!(response.state, None);

        let response = service
            .move_resource_state(Request::new(pb::move_resource_state::Request {
                source_provider_address: "providers.example/example/old".into(),
                source_type_name: "old_thing".into(),
                source_state: Some(pb::RawState {
                    json: br#"{"title":"m"}"#.to_vec(),
                    flatmap: Default::default(),
                }),
                target_type_name: "fake_thing".into(),
                ..Default::default()
            }))
            .await
            .expect("MoveResourceState answers")
            .into_inner();
        assert_internal_error("MoveResourceState", &response.diagnostics);
        assert_eq!(response.target_state, None);

        // Stop has no diagnostics, only an error string.
        let response = service
            .stop(Request::new(pb::stop::Request {}))
            .await
            .expect("Stop answers")
            .into_inner();
        assert_eq!(response.error, "Provider internal error in Stop");
    }

    // And the service still serves.
    let schema = service
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .expect("GetSchema answers")
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    assert!(schema.resource_schemas.contains_key("fake_thing"));
}

#[tokio::test]
async fn decoding_failures_never_reach_the_provider() {
    silence_deliberate_panics();
    // The provider would panic if called: malformed values must be refused
    // by the protocol layer first, as an error diagnostic.
    let service = ProviderService::new(PanickingProvider::new());
    let truncated = Some(pb::DynamicValue {
        msgpack: vec![0x81, 0xa4, b'n', b'a'],
        json: Vec::new(),
    });
    let response = service
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "fake_thing".into(),
            config: truncated.clone(),
        }))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1);
    assert_eq!(
        response.diagnostics[0].summary,
        "Invalid resource configuration received from Terraform"
    );
    let response = service
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: thing("prior"),
            planned_state: truncated,
            config: thing("new"),
            planned_private: Vec::new(),
            provider_meta: None,
        }))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(
        response.diagnostics[0].summary,
        "Invalid planned state received from Terraform"
    );
    assert_eq!(response.new_state, thing("prior"));
    let response = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "no_such_type".into(),
            prior_state: None,
            proposed_new_state: thing("new"),
            config: thing("new"),
            prior_private: Vec::new(),
            provider_meta: None,
        }))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(response.diagnostics[0].summary, "Unsupported resource type");
}

fn move_request(source_type: &str, target_type: &str) -> pb::move_resource_state::Request {
    pb::move_resource_state::Request {
        source_provider_address: "providers.example/example/old".into(),
        source_type_name: source_type.into(),
        source_schema_version: 3,
        source_state: Some(pb::RawState {
            json: br#"{"title":"moved here"}"#.to_vec(),
            flatmap: Default::default(),
        }),
        target_type_name: target_type.into(),
        source_private: b"private".to_vec(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_provider_that_moves_state_says_so_and_gets_its_state_encoded() {
    let service = ProviderService::new(MovingProvider(PanickingProvider::new()));
    let schema = service
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .expect("GetSchema answers")
        .into_inner();
    assert!(schema.server_capabilities.unwrap().move_resource_state);

    let response = service
        .move_resource_state(Request::new(move_request("old_thing", "fake_thing")))
        .await
        .expect("MoveResourceState answers")
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(
        response.diagnostics[0].severity,
        pb::diagnostic::Severity::Warning as i32
    );
    assert_eq!(
        response.target_state,
        Some(pb::DynamicValue {
            msgpack: msgpack::encode(
                &Value::object([("name", Value::string("moved here"))]),
                &thing_schema().value_type()
            )
            .expect("encodes"),
            json: Vec::new(),
        })
    );
    assert_eq!(response.target_private, b"private");

    // Any other source is refused by name, with no state.
    let response = service
        .move_resource_state(Request::new(move_request("other_thing", "fake_thing")))
        .await
        .expect("MoveResourceState answers")
        .into_inner();
    assert_eq!(response.target_state, None);
    assert_eq!(response.diagnostics[0].summary, "Unsupported resource move");
    assert!(response.diagnostics[0].detail.contains("\"other_thing\""));

    // A target type the provider does not have never reaches it.
    let response = service
        .move_resource_state(Request::new(move_request("old_thing", "no_such_type")))
        .await
        .expect("MoveResourceState answers")
        .into_inner();
    assert_eq!(response.target_state, None);
    assert_eq!(response.diagnostics[0].summary, "Unsupported resource type");

    // Flat (0.11-era) state is refused before the provider sees it.
    let mut flat = move_request("old_thing", "fake_thing");
    flat.source_state = Some(pb::RawState {
        json: Vec::new(),
        flatmap: [("title".to_string(), "x".to_string())].into(),
    });
    let response = service
        .move_resource_state(Request::new(flat))
        .await
        .expect("MoveResourceState answers")
        .into_inner();
    assert_eq!(response.target_state, None);
    assert_eq!(response.diagnostics[0].summary, "Unsupported state format");
}
