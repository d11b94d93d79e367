//! Clerk resources and data sources.
//!
//! Each lives in its own module as plain Rust: typed settings, pure
//! functions from prior state and configuration to a plan and a request
//! body, and the small async parts that call the Clerk client. Nothing here
//! knows about gRPC or msgpack.

pub mod data_instance;
mod errors;
pub mod instance_settings;
mod readback;
pub mod validate;

use crate::framework::Attribute;
use crate::value::Type;

/// The computed attributes that identify the key's instance, shared by the
/// resource and the data source.
fn identity_attributes() -> Vec<Attribute> {
    vec![
        Attribute::computed(
            "id",
            Type::String,
            "The ID of the Clerk instance the secret key belongs to (`ins_…`).",
        ),
        Attribute::computed(
            "environment_type",
            Type::String,
            "The instance's environment: `development` or `production`.",
        ),
    ]
}
