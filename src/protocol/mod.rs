//! The tfplugin5 `Provider` gRPC service.
//!
//! This layer decodes `DynamicValue`s against the provider's schemas, calls
//! the [`Provider`](crate::framework::Provider) implementation, and encodes
//! the results and diagnostics. It knows the wire protocol and nothing about
//! any particular provider. Every problem, including a panic inside a
//! handler, becomes a diagnostic: Terraform renders gRPC status errors only
//! as an opaque "Plugin error", and a crashed process loses the whole run.

mod convert;
mod service;
#[cfg(test)]
mod tests;

/// Code generated from `proto/tfplugin5.proto`.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

pub use service::{provider_server, ProviderService};

/// Terraform sends whole states in one message; tonic's 4 MiB default would
/// refuse large ones. terraform-plugin-go allows 256 MiB.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;
