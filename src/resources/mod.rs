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
