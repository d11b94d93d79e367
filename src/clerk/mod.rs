//! Clerk HTTP client: authentication, headers, retries, timeouts,
//! cancellation and Clerk's error bodies.
//!
//! The provider reads and writes instance settings through the Backend API
//! (`/v1/instance`, `/v1/domains`, with the secret key) and reads the settings
//! that the Backend API cannot return from the Frontend API's public
//! `/v1/environment` (no credentials).
//!
//! Layout: `key` (the secret key newtype), `api_url` (base URL rules),
//! `retry` (the pure retry policy), `error` (errors and Clerk's error body),
//! `types` (response types), `client` (the request loop).

mod api_url;
mod client;
mod error;
mod key;
mod retry;
mod types;

#[cfg(test)]
mod tests;

pub use api_url::{ApiUrl, DEFAULT_API_URL};
pub use client::{Client, ClientConfig, API_VERSION};
pub use error::{parse_error_body, ApiError, ClerkError, ErrorBody};
pub use key::{KeyKind, SecretKey};
pub use retry::RetryPolicy;
pub use types::{Domain, Environment, Instance};
