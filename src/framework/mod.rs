//! The contract between the tfplugin5 service and a provider implementation.
//!
//! Everything here is plain Rust: values, schemas, diagnostics and the
//! [`Provider`] trait. The gRPC layer (`protocol`) turns wire messages into
//! these types and back, and a provider implements the trait without knowing
//! anything about gRPC or msgpack. This mirrors the split between
//! terraform-plugin-go's protocol types and a provider's own logic.

pub mod diag;
pub mod schema;

use std::future::Future;

pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use schema::{Attribute, Block, NestedBlock, Nesting, ProviderSchemas, Schema};

use crate::value::Value;

/// A refresh of one managed resource instance.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub type_name: String,
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// `Value::Null` tells Terraform the remote object is gone.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub type_name: String,
    /// `Value::Null` when the instance is being created.
    pub prior_state: Value,
    /// `Value::Null` when the instance is being destroyed.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ApplyRequest {
    pub type_name: String,
    pub prior_state: Value,
    /// `Value::Null` when the instance is being destroyed.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyResponse {
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

/// A `moved` block's request to turn another resource type's state (often
/// another provider's) into the state of one of this provider's types.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    /// The source provider's address, e.g.
    /// `providers.example/example/other`.
    pub source_provider_address: String,
    pub source_type_name: String,
    /// Schema version the source state was written with.
    pub source_schema_version: i64,
    /// The source state as stored: JSON in the source type's schema.
    pub source_state_json: Vec<u8>,
    pub source_private: Vec<u8>,
    /// One of this provider's resource types.
    pub target_type_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct MoveResponse {
    /// A value of the target type's schema; ignored when `diagnostics`
    /// hold an error.
    pub target_state: Value,
    pub target_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// The refusal every move gets from a provider that implements none.
pub fn unsupported_move(request: &MoveRequest) -> Diagnostic {
    Diagnostic::error(
        "Unsupported resource move",
        format!(
            "This provider cannot move a {source_type:?} resource of provider {source:?} \
             into a {target_type:?} resource: it implements no move from that resource type. \
             Remove the `moved` block and import the object as {target_type:?} instead.",
            source_type = request.source_type_name,
            source = request.source_provider_address,
            target_type = request.target_type_name,
        ),
    )
}

/// What the tfplugin5 service needs from a provider.
///
/// Values passed in have already been decoded against the schema the
/// provider declared, so implementations can rely on their shape. Async
/// methods return `Send` futures because the service runs them on tokio.
pub trait Provider: Send + Sync + 'static {
    /// All schemas, built once; called for every RPC that decodes values.
    fn schemas(&self) -> &ProviderSchemas;

    fn validate_provider_config(&self, config: &Value) -> Diagnostics;

    fn configure(
        &self,
        terraform_version: String,
        config: Value,
    ) -> impl Future<Output = Diagnostics> + Send;

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    /// Turns stored state (JSON, written by `version` of the resource's
    /// schema) into a value of the current schema.
    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> (Value, Diagnostics);

    fn read_resource(&self, request: ReadRequest) -> impl Future<Output = ReadResponse> + Send;

    fn plan_resource_change(&self, request: PlanRequest) -> PlanResponse;

    fn apply_resource_change(
        &self,
        request: ApplyRequest,
    ) -> impl Future<Output = ApplyResponse> + Send;

    fn import_resource_state(
        &self,
        type_name: String,
        id: String,
    ) -> impl Future<Output = (Vec<ImportedResource>, Diagnostics)> + Send;

    fn read_data_source(
        &self,
        type_name: String,
        config: Value,
    ) -> impl Future<Output = (Value, Diagnostics)> + Send;

    /// Terraform's Stop: cancel work in flight, promptly.
    fn stop(&self);

    /// Whether [`Provider::move_resource_state`] accepts any move. When
    /// true the schema response advertises the `move_resource_state`
    /// capability, without which Terraform refuses `moved` blocks across
    /// resource types or providers before ever asking.
    fn implements_moves(&self) -> bool {
        false
    }

    /// A `moved` block from another resource type or provider into
    /// `request.target_type_name` (already checked to be one of this
    /// provider's types). By default every move is refused with
    /// [`unsupported_move`].
    fn move_resource_state(
        &self,
        request: MoveRequest,
    ) -> impl Future<Output = MoveResponse> + Send {
        std::future::ready(MoveResponse {
            diagnostics: Diagnostics::from(unsupported_move(&request)),
            ..MoveResponse::default()
        })
    }
}
