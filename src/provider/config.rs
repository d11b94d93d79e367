//! The provider block: its schema, and turning its value into a client
//! configuration. Pure functions; the environment is passed in.

use std::time::Duration;

use crate::clerk::{ApiUrl, KeyKind, RetryPolicy, SecretKey, DEFAULT_API_URL};
use crate::framework::{Attribute, AttributePath, Block, Diagnostic, Diagnostics, Schema};
use crate::value::{Number, Type, Value};

pub const DEFAULT_MAX_RETRIES: u64 = 4;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_RETRY_BUDGET_SECONDS: u64 = 60;
pub const DEFAULT_DRIFT_GRACE_SECONDS: u64 = 120;

/// The numeric arguments and the values each accepts, checked by
/// `terraform validate` and again when the provider is configured. A zero
/// timeout or budget would fail every request, so it is an error rather
/// than quietly raised to one second.
pub const NUMBER_RANGES: [(&str, u64, u64); 4] = [
    ("max_retries", 0, 10),
    ("request_timeout_seconds", 1, 3600),
    ("retry_budget_seconds", 1, 86_400),
    ("drift_grace_seconds", 0, 86_400),
];

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            attributes: vec![
                Attribute::optional(
                    "secret_key",
                    Type::String,
                    "The secret key of the Clerk instance to manage (`sk_test_…` for development, \
                     `sk_live_…` for production), from the API Keys page of the Clerk Dashboard. \
                     Falls back to the `CLERK_SECRET_KEY` environment variable. Each key belongs \
                     to one instance: use one provider alias per instance.",
                )
                .sensitive(),
                Attribute::optional(
                    "api_url",
                    Type::String,
                    &format!(
                        "The base URL of Clerk's Backend API, with or without the trailing \
                         `/v1`. Falls back to the `CLERK_API_URL` environment variable, then to \
                         `{DEFAULT_API_URL}`. Plain `http://` is accepted only for loopback \
                         addresses, such as a local `clerk-emulator`, so the key never travels \
                         in clear text over a network."
                    ),
                ),
                Attribute::optional(
                    "max_retries",
                    Type::Number,
                    "How many times a request is retried after a rate limit (429), a server \
                     error (5xx), a timeout or a connection failure, with exponential backoff. \
                     Defaults to 4; at most 10. Rejected requests (4xx) are never retried.",
                ),
                Attribute::optional(
                    "request_timeout_seconds",
                    Type::Number,
                    "How long one HTTP request may take, in seconds, from 1 to 3600. Defaults to 30.",
                ),
                Attribute::optional(
                    "retry_budget_seconds",
                    Type::Number,
                    "The most time one operation may spend on a request and its retries, \
                     waits included, in seconds, from 1 to 86400. Defaults to 60.",
                ),
                Attribute::optional(
                    "drift_detection",
                    Type::Bool,
                    "Whether refresh also reads back the settings Clerk exposes outside \
                     `GET /v1/instance` (through the primary domain and the Frontend API's \
                     environment), so that changes made in the Clerk Dashboard show in \
                     `terraform plan`. Off by default. `allowed_origins` is always read back; \
                     `preferred_sign_in_strategy_when_password_required` never can be.",
                ),
                Attribute::optional(
                    "drift_grace_seconds",
                    Type::Number,
                    "For how many seconds after an apply a refresh that still reads the value \
                     the apply replaced is taken as Clerk's caches lagging behind, not as a \
                     change made elsewhere: the state keeps the applied value. Defaults to 120; \
                     0 turns the rule off; at most 86400. A change to any other value always \
                     shows.",
                ),
            ],
            blocks: Vec::new(),
            description: "Manages the settings of a Clerk instance through Clerk's Backend API."
                .to_string(),
            deprecated: false,
        },
    }
}

/// A configuration ready to build a client from.
pub struct ProviderConfig {
    pub secret_key: SecretKey,
    /// Where the key came from, for messages: `secret_key` or
    /// `CLERK_SECRET_KEY`.
    pub key_source: &'static str,
    pub api_url: ApiUrl,
    pub retry: RetryPolicy,
    pub drift_detection: bool,
    pub drift_grace: Duration,
}

pub enum Parsed {
    Ready(ProviderConfig),
    /// Some values are not known yet (they come from other resources).
    Deferred,
}

/// Static checks of the values that are set and known.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(Value::String(key)) = config.get("secret_key") {
        if let Err(diag) = check_key(key, "secret_key") {
            diags.push(diag.at(AttributePath::root("secret_key")));
        }
    }
    if let Some(Value::String(url)) = config.get("api_url") {
        if let Err(problem) = ApiUrl::parse(url) {
            diags.push(invalid("api_url", &problem).at(AttributePath::root("api_url")));
        }
    }
    for (name, _, _) in NUMBER_RANGES {
        if let Err(diag) = whole_number(config, name, 0) {
            diags.push(diag);
        }
    }
    diags
}

/// `problem` may or may not end in a period already; the detail has one.
fn invalid(name: &str, problem: &str) -> Diagnostic {
    let problem = problem.trim_end_matches('.');
    Diagnostic::error(format!("Invalid {name}"), format!("{problem}."))
}

fn check_key(key: &str, source: &str) -> Result<(), Diagnostic> {
    if key.is_empty() {
        return Err(Diagnostic::error(
            format!("Empty Clerk secret key in {source}"),
            "The secret key is empty. Set it to the instance's secret key (`sk_test_…` or \
             `sk_live_…`) from the API Keys page of the Clerk Dashboard.",
        ));
    }
    if !key.starts_with("sk_") {
        let hint = if key.starts_with("pk_") {
            " It looks like a publishable key (`pk_…`), which cannot manage settings."
        } else {
            ""
        };
        return Err(Diagnostic::error(
            format!("Not a Clerk secret key in {source}"),
            format!(
                "Clerk secret keys start with `sk_` (`sk_test_…` or `sk_live_…`).{hint} \
                 Copy the secret key from the API Keys page of the Clerk Dashboard."
            ),
        ));
    }
    Ok(())
}

/// Reads an optional whole number attribute, within its [`NUMBER_RANGES`].
fn whole_number(config: &Value, name: &str, default: u64) -> Result<u64, Diagnostic> {
    let (min, max) = NUMBER_RANGES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or((0, u64::MAX), |(_, min, max)| (*min, *max));
    match config.get(name) {
        None | Some(Value::Null) | Some(Value::Unknown) => Ok(default),
        Some(Value::Number(Number::Int(n)))
            if u64::try_from(*n).is_ok_and(|n| (min..=max).contains(&n)) =>
        {
            Ok(*n as u64)
        }
        Some(value) => {
            let got = match value {
                Value::Number(Number::Int(n)) => format!(", not {n}"),
                _ => String::new(),
            };
            Err(invalid(
                name,
                &format!("{name} must be a whole number from {min} to {max}{got}"),
            )
            .at(AttributePath::root(name)))
        }
    }
}

/// Resolves the configuration against the environment. Unknown values
/// defer configuration: Terraform calls Configure again with known values
/// before anything is applied.
pub fn parse(config: &Value, env: impl Fn(&str) -> Option<String>) -> Result<Parsed, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(Parsed::Deferred);
    }
    let mut diags = Diagnostics::new();
    let (key, key_source) = match config.get("secret_key").and_then(Value::as_str) {
        Some(key) => {
            check_key(key, "secret_key")
                .map_err(|d| Diagnostics::from(d.at(AttributePath::root("secret_key"))))?;
            (key.to_string(), "secret_key")
        }
        None => match env("CLERK_SECRET_KEY").filter(|k| !k.is_empty()) {
            Some(key) => {
                check_key(&key, "CLERK_SECRET_KEY").map_err(Diagnostics::from)?;
                (key, "CLERK_SECRET_KEY")
            }
            None => {
                return Err(Diagnostic::error(
                    "Missing Clerk secret key",
                    "The provider needs the secret key of the Clerk instance to manage. Set \
                     `secret_key` in the provider block (for example from a variable marked \
                     sensitive), or set the CLERK_SECRET_KEY environment variable.",
                )
                .into())
            }
        },
    };
    let (url, url_source) = match config.get("api_url").and_then(Value::as_str) {
        Some(url) => (url.to_string(), "api_url"),
        None => match env("CLERK_API_URL").filter(|u| !u.is_empty()) {
            Some(url) => (url, "CLERK_API_URL"),
            None => (DEFAULT_API_URL.to_string(), "the default"),
        },
    };
    let api_url = match ApiUrl::parse(&url) {
        Ok(url) => Some(url),
        Err(problem) => {
            let problem = problem.trim_end_matches('.');
            let mut diag = invalid(
                "api_url",
                &format!("{problem} (the URL comes from {url_source})"),
            );
            if url_source == "api_url" {
                diag = diag.at(AttributePath::root("api_url"));
            }
            diags.push(diag);
            None
        }
    };
    let mut number = |name, default| match whole_number(config, name, default) {
        Ok(n) => n,
        Err(diag) => {
            diags.push(diag);
            default
        }
    };
    let max_retries = number("max_retries", DEFAULT_MAX_RETRIES);
    let request_timeout = number("request_timeout_seconds", DEFAULT_REQUEST_TIMEOUT_SECONDS);
    let retry_budget = number("retry_budget_seconds", DEFAULT_RETRY_BUDGET_SECONDS);
    let drift_grace = number("drift_grace_seconds", DEFAULT_DRIFT_GRACE_SECONDS);
    let drift_detection = config
        .get("drift_detection")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match api_url {
        Some(api_url) if !diags.has_errors() => Ok(Parsed::Ready(ProviderConfig {
            secret_key: SecretKey::new(key),
            key_source,
            api_url,
            retry: RetryPolicy {
                max_attempts: (max_retries as u32).saturating_add(1),
                max_elapsed: Duration::from_secs(retry_budget),
                request_timeout: Duration::from_secs(request_timeout),
            },
            drift_detection,
            drift_grace: Duration::from_secs(drift_grace),
        })),
        _ => Err(diags),
    }
}

pub fn describe_key(key: &SecretKey) -> &'static str {
    match key.kind() {
        KeyKind::Live => "sk_live (production instance)",
        KeyKind::Test => "sk_test (development instance)",
        KeyKind::Other => "sk_ (unrecognised environment)",
    }
}
