//! Clerk resources and data sources, and the registry that lists them.
//!
//! The provider knows resources only through [`Resource`] and
//! [`DataSource`], found by type name in [`RESOURCES`] and
//! [`DATA_SOURCES`]: schemas, validation, plan, apply, read, import,
//! upgrade and docs all come from those two lists. Each Clerk object is a
//! small module holding its description (a settings table for a singleton)
//! and is run by a shared engine, so adding one is a module and a line
//! here. Everything is plain Rust: nothing here knows about gRPC or msgpack.

pub mod allowlist_identifier;
pub mod blocklist_identifier;
pub mod collection;
pub mod context;
pub mod domain;
mod errors;
pub mod instance_communication;
pub mod instance_protect;
pub mod instance_restrictions;
pub mod instance_settings;
pub mod jwt_template;
pub mod migrate;
pub mod oauth_application_settings;
pub mod organization_settings;
mod readback;
pub mod redirect_url;
pub mod singleton;
pub mod validate;

use futures_util::future::BoxFuture;

use crate::framework::{
    ApplyRequest, ApplyResponse, Attribute, Block, Diagnostic, Diagnostics, ImportedResource,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema,
};
use crate::value::Value;

pub use context::{Context, ReadOptions};
use singleton::SingletonData;

/// The schema version of every resource's stored state.
///
/// - 0: the first layout.
/// - 1: the same layout. Terraform drops attributes the schema lacks from
///   state whose version equals the schema's before asking the provider to
///   upgrade it, so at version 0 this provider could never see, nor name,
///   the attributes another provider's state holds (see [`migrate`]). At 1,
///   state of version 0, ours or theirs, reaches [`upgrade_state`] whole.
pub const STATE_VERSION: i64 = 1;

/// One managed resource type, as the provider sees it.
pub trait Resource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Checks the known values of a configuration (`terraform validate`).
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Pure: no I/O happens at plan time.
    fn plan(&self, request: &PlanRequest) -> PlanResponse;
    fn apply<'a>(&'a self, cx: &'a Context, request: ApplyRequest) -> BoxFuture<'a, ApplyResponse>;
    /// Refresh: GETs only.
    fn read<'a>(&'a self, cx: &'a Context, request: ReadRequest) -> BoxFuture<'a, ReadResponse>;
    /// `terraform import`: GETs only.
    fn import<'a>(
        &'a self,
        cx: &'a Context,
        id: String,
    ) -> BoxFuture<'a, (Vec<ImportedResource>, Diagnostics)>;
    /// Turns stored state (JSON, written by `version` of the schema) into
    /// a value of the current schema.
    fn upgrade(&self, version: i64, raw_json: &[u8]) -> (Value, Diagnostics) {
        upgrade_state(
            self.type_name(),
            STATE_VERSION,
            &self.schema(),
            version,
            raw_json,
        )
    }
    /// For the docs: each setting, when refresh reads it back, and from
    /// where.
    fn readback_rows(&self) -> Vec<(&'static str, &'static str, String)> {
        Vec::new()
    }
}

/// One data source type.
pub trait DataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// GETs only.
    fn read<'a>(&'a self, cx: &'a Context, config: Value) -> BoxFuture<'a, (Value, Diagnostics)>;
}

/// Every resource this provider has.
pub static RESOURCES: &[&dyn Resource] = &[
    &instance_settings::INSTANCE_SETTINGS,
    &instance_restrictions::INSTANCE_RESTRICTIONS,
    &organization_settings::ORGANIZATION_SETTINGS,
    &redirect_url::REDIRECT_URL,
    &allowlist_identifier::ALLOWLIST_IDENTIFIER,
    &blocklist_identifier::BLOCKLIST_IDENTIFIER,
    &jwt_template::JWT_TEMPLATE,
    &domain::DOMAIN,
    &instance_protect::INSTANCE_PROTECT,
    &instance_communication::INSTANCE_COMMUNICATION,
    &oauth_application_settings::OAUTH_APPLICATION_SETTINGS,
];

/// Every data source this provider has.
pub static DATA_SOURCES: &[&dyn DataSource] = &[
    &SingletonData(&instance_settings::INSTANCE_SETTINGS),
    &SingletonData(&instance_restrictions::INSTANCE_RESTRICTIONS),
    &SingletonData(&organization_settings::ORGANIZATION_SETTINGS),
    &SingletonData(&instance_protect::INSTANCE_PROTECT),
    &SingletonData(&instance_communication::INSTANCE_COMMUNICATION),
    &SingletonData(&oauth_application_settings::OAUTH_APPLICATION_SETTINGS),
];

pub fn resource(type_name: &str) -> Option<&'static dyn Resource> {
    RESOURCES
        .iter()
        .copied()
        .find(|r| r.type_name() == type_name)
}

pub fn data_source(type_name: &str) -> Option<&'static dyn DataSource> {
    DATA_SOURCES
        .iter()
        .copied()
        .find(|d| d.type_name() == type_name)
}

/// A resource's schema at [`STATE_VERSION`]: its attributes, no blocks.
fn resource_schema(description: &str, attributes: Vec<Attribute>) -> Schema {
    Schema {
        version: STATE_VERSION,
        block: Block {
            attributes,
            blocks: Vec::new(),
            description: description.to_string(),
            deprecated: false,
        },
    }
}

/// Reads stored state of a resource whose layout has only ever had
/// version `current`; attributes this version does not know (written by a
/// newer provider) are dropped with a warning. A future layout change bumps
/// the resource's version and converts older JSON before this.
pub fn upgrade_state(
    type_name: &str,
    current: i64,
    schema: &Schema,
    version: i64,
    raw_json: &[u8],
) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    if version > current {
        diags.push(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "This state was written with schema version {version} of {type_name}, but this \
                 provider only knows versions up to {current}. Upgrade the provider."
            ),
        ));
        return (Value::Null, diags);
    }
    match crate::value::json::decode_lenient(raw_json, &schema.value_type()) {
        Ok((Value::Null, _)) => {
            diags.push(Diagnostic::error(
                "Stored state is empty",
                format!(
                    "The stored state of {type_name} is null, which this provider never writes. \
                     Remove the resource from state with `terraform state rm` and import it again."
                ),
            ));
            (Value::Null, diags)
        }
        Ok((value, dropped)) => {
            if !dropped.is_empty() {
                diags.push(Diagnostic::warning(
                    "Unknown attributes dropped from state",
                    format!(
                        "The stored state of {type_name} has attributes this provider version does \
                         not know: {}. They were probably written by a newer version of the \
                         provider, and are dropped. Upgrade the provider to keep them.",
                        dropped.join(", ")
                    ),
                ));
            }
            (value, diags)
        }
        Err(error) => {
            diags.push(Diagnostic::error(
                "Stored state could not be read",
                format!(
                    "The stored state of {type_name} is not valid for this provider: {error}. \
                     Remove the resource from state with `terraform state rm` and import it again."
                ),
            ));
            (Value::Null, diags)
        }
    }
}
