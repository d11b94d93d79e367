//! terraform-provider-clerk: a Terraform/OpenTofu provider for Clerk instance
//! settings, and `clerk-emulator`, a local stand-in for Clerk's API to test
//! it against.
//!
//! Layers, each knowing only the one below it:
//! - [`plugin`]: the go-plugin transport (handshake, AutoMTLS, socket,
//!   controller);
//! - [`protocol`]: the tfplugin5 gRPC service, generic over any provider;
//! - [`value`]: Terraform values and their msgpack/JSON encodings;
//! - [`framework`]: the provider contract in plain Rust;
//! - [`provider`] and [`resources`]: the Clerk provider itself;
//! - [`clerk`]: the HTTP client for Clerk's APIs.
//!
//! [`rules`] holds Clerk's value rules for settings, shared by the provider's
//! plan-time checks and the emulator.

pub mod clerk;
pub mod emulator;
pub mod framework;
pub mod logging;
pub mod plugin;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod rules;
pub mod value;

use std::process::ExitCode;

/// Runs the provider plugin until Terraform shuts it down.
pub fn run(mode: plugin::Mode) -> ExitCode {
    install_panic_hook();
    // One client (Terraform) talks to this process, and the work is I/O:
    // a single-threaded runtime starts fastest and is plenty.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let service = protocol::ProviderService::new(provider::ClerkProvider::default()).into_server();
    let routes = tonic::service::Routes::new(service);
    match runtime.block_on(plugin::serve(mode, routes)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            logging::error("plugin", "plugin failed", &[("error", &error)]);
            eprintln!("terraform-provider-clerk: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Panics inside RPC handlers are caught and reported as diagnostics; this
/// hook only makes sure the text written to stderr is a log line, with any
/// key-shaped text masked, rather than Rust's default message.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        logging::error(
            "panic",
            "panic",
            &[("panic", &message), ("location", &location)],
        );
    }));
}
