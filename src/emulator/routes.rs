//! Request handling: one fallback handler that applies queued faults, routes
//! to the Backend API, Frontend API or control API by hand, and records the
//! request log.
//!
//! Routing by hand (rather than axum extractors) keeps every answer, even for
//! malformed requests, a Clerk-shaped error rather than an axum rejection,
//! and lets one place see the final status for the log.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};

use super::errors::{self, ClerkError, TraceIds};
use super::faults::FaultQueue;
use super::keys::{self, SecretKey};
use super::reqlog::RequestLog;
use super::store::{StateFile, Store};
use super::{bapi, collection, control, fapi};

/// Largest request body read; Clerk's own bodies are tiny.
const BODY_LIMIT: usize = 1 << 20;
pub(super) const CONTROL_PREFIX: &str = "/__emulator";

/// Locks a mutex, recovering from poisoning: every critical section leaves
/// its data consistent, and a request must never panic the server.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Shared server state.
pub(crate) struct App {
    pub store: Mutex<Store>,
    /// With `--key`, only these keys authenticate; otherwise any well-formed key.
    pub allowed_keys: Option<Vec<SecretKey>>,
    pub log: Mutex<RequestLog>,
    pub faults: Mutex<FaultQueue>,
    pub lag_ms: AtomicU64,
    /// Added to every API request; see `Options::latency`.
    pub latency_ms: AtomicU64,
    /// `http://ip:port` of the bound socket, for `frontend_api_url`.
    pub base_url: String,
    pub quiet: bool,
    pub state_file: Option<StateFile>,
    pub traces: TraceIds,
}

impl App {
    /// Writes the state file, if any. Serialised by the file's lock so the
    /// last writer always carries the newest state.
    pub async fn save(&self) -> io::Result<()> {
        let Some(file) = &self.state_file else {
            return Ok(());
        };
        let _guard = file.lock.lock().await;
        let contents = lock(&self.store).to_state();
        file.write(&contents.map_err(io::Error::other)?).await
    }

    /// Saves after a change; a failure is reported on stderr rather than
    /// failing a request whose change already took effect in memory.
    pub async fn save_or_warn(&self) {
        if let Err(e) = self.save().await {
            if let Some(file) = &self.state_file {
                let mut stderr = io::stderr().lock();
                let _ = writeln!(
                    stderr,
                    "clerk-emulator: could not save state to {}: {e}",
                    file.path().display()
                );
            }
        }
    }

    pub fn lag(&self) -> Duration {
        Duration::from_millis(self.lag_ms.load(Ordering::Relaxed))
    }

    pub fn is_allowed(&self, key: &SecretKey) -> bool {
        self.allowed_keys
            .as_ref()
            .is_none_or(|allowed| allowed.contains(key))
    }
}

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

/// A request with its body read.
pub(super) struct Incoming {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query
            .as_deref()
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
    }
}

/// The credential a request presents: the bearer token, or the whole header
/// if it is not in Bearer form. Used to fingerprint and redact, not to auth.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let text = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let token = strip_bearer(text).unwrap_or(text);
    (!token.is_empty()).then_some(token)
}

pub(super) fn strip_bearer(text: &str) -> Option<&str> {
    let scheme = text.get(..7)?;
    scheme
        .eq_ignore_ascii_case("bearer ")
        .then(|| text.get(7..).unwrap_or("").trim())
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let body = axum::body::to_bytes(body, BODY_LIMIT).await;
    let trace = app.traces.next();
    if path == CONTROL_PREFIX || path.starts_with("/__emulator/") {
        return match body {
            Ok(body) => control::handle(&app, parts.method.as_str(), &path, &body, &trace).await,
            Err(_) => too_large(&trace),
        };
    }
    let body_ok = body.is_ok();
    let incoming = Incoming {
        method: parts.method,
        path,
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body: body.unwrap_or_default(),
    };
    let latency = app.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let fault = lock(&app.faults).take(incoming.method.as_str(), &incoming.path);
    if let Some(delay) = fault.as_ref().map(|f| f.delay_ms).filter(|ms| *ms > 0) {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let intercepting = fault.as_ref().filter(|f| f.intercepts());
    let (response, instance) = match intercepting {
        _ if !body_ok => (too_large(&trace), None),
        Some(fault) if !fault.after_handling => {
            (fault.response(&trace), known_instance(&app, &incoming))
        }
        _ => {
            let (response, instance) = dispatch(&app, &incoming, &trace).await;
            match intercepting {
                Some(fault) => (fault.response(&trace), instance),
                None => (response, instance),
            }
        }
    };
    let outcome = Outcome {
        instance,
        status: response.status(),
        faulted: fault.is_some(),
        trace: &trace,
    };
    record(&app, &incoming, outcome);
    response
}

pub(super) fn too_large(trace: &str) -> Response {
    let error = ClerkError::new(
        "request_body_too_large",
        "Request body too large",
        format!("The request body could not be read or exceeds {BODY_LIMIT} bytes."),
    );
    errors::error_response(StatusCode::PAYLOAD_TOO_LARGE, &[error], trace)
}

pub(super) fn not_found(trace: &str) -> Response {
    errors::error_response(StatusCode::NOT_FOUND, &[errors::not_found()], trace)
}

pub(super) fn method_not_allowed(method: &Method, allow: &'static str, trace: &str) -> Response {
    let mut response = errors::error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &[errors::method_not_allowed(method.as_str())],
        trace,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// The instance a request concerns, without creating one (for requests a
/// fault answers before they reach the API).
fn known_instance(app: &App, request: &Incoming) -> Option<String> {
    let store = lock(&app.store);
    if let Some(rest) = request.path.strip_prefix("/fapi/") {
        let id = rest.split('/').next()?;
        return store.by_id(id).map(|instance| instance.id.clone());
    }
    let token = presented_token(&request.headers)?;
    let key = SecretKey::parse(token)?;
    app.is_allowed(&key)
        .then(|| {
            store
                .by_fingerprint(&key.fingerprint())
                .map(|instance| instance.id.clone())
        })
        .flatten()
}

async fn dispatch(app: &App, request: &Incoming, trace: &str) -> (Response, Option<String>) {
    if let Some(rest) = request.path.strip_prefix("/fapi/") {
        return fapi::environment(app, request, rest, trace);
    }
    if request.path == "/v1" || request.path.starts_with("/v1/") {
        return bapi::handle(app, request, trace).await;
    }
    (not_found(trace), None)
}

/// What became of a request, for its log entry.
struct Outcome<'a> {
    instance: Option<String>,
    status: StatusCode,
    faulted: bool,
    trace: &'a str,
}

fn record(app: &App, request: &Incoming, outcome: Outcome<'_>) {
    let token = presented_token(&request.headers);
    let redact = |text: &str| keys::redact(text, token).into_owned();
    let (body, body_raw) = match std::str::from_utf8(&request.body) {
        _ if request.body.is_empty() => (Value::Null, Value::Null),
        Ok(text) => {
            let text = redact(text);
            match serde_json::from_str::<Value>(&text) {
                Ok(mut value) => {
                    collection::redact_secrets(&mut value);
                    (value, Value::Null)
                }
                // A body that is not JSON but names a secret field keeps only its size.
                Err(_) if collection::raw_holds_secret(&text) => (
                    Value::Null,
                    Value::String(format!("<{} bytes, holds a secret field>", text.len())),
                ),
                Err(_) => (Value::Null, Value::String(text)),
            }
        }
        Err(_) => (
            Value::Null,
            Value::String(format!("<{} bytes, not UTF-8>", request.body.len())),
        ),
    };
    let header_text = |name: &str| request.header(name).map(redact);
    let entry = json!({
        "time": now_rfc3339(),
        "method": request.method.as_str(),
        "path": redact(&request.path),
        "query": request.query.as_deref().map(redact),
        "key": token.map(keys::fingerprint),
        "instance": outcome.instance,
        "status": outcome.status.as_u16(),
        "fault": outcome.faulted,
        "trace_id": outcome.trace,
        "body": body,
        "body_raw": body_raw,
        "headers": {
            "user-agent": header_text("user-agent"),
            "clerk-api-version": header_text("clerk-api-version"),
            "content-type": header_text("content-type"),
            "has_authorization": request.headers.contains_key(header::AUTHORIZATION),
            "has_origin": request.headers.contains_key(header::ORIGIN),
            "has_cookie": request.headers.contains_key(header::COOKIE),
            "has_referer": request.headers.contains_key(header::REFERER),
        },
    });
    let entry = lock(&app.log).push(entry);
    if !app.quiet {
        if let Ok(line) = serde_json::to_string(&entry) {
            // Ignore write errors: a closed stderr must not fail requests.
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
