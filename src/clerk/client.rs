//! The HTTP client for Clerk's Backend API (and the one public Frontend API
//! read the provider needs).
//!
//! One call = a loop of attempts. Each attempt races its timeout and the
//! cancellation token; its outcome is classified as done (success or a final
//! error) or retryable, and `retry::next_delay` decides whether and how long
//! to wait. Server-provided text is scrubbed of the secret key before it can
//! reach an error or a log line.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::api_url::{is_loopback, parse_base, ApiUrl};
use super::error::{parse_error_body, sanitize, ApiError};
use super::key::{KeyKind, SecretKey};
use super::retry::{next_delay, parse_retry_after, RetryPolicy, RetryReason};
use super::types::{Domain, DomainList, Environment, Instance};

/// The dated Clerk API version sent with every request.
pub const API_VERSION: &str = "2026-05-12";

/// Largest 2xx body read; anything bigger is not a response we expect.
const MAX_SUCCESS_BODY: usize = 8 << 20;
/// Largest error body read; only a snippet and Clerk's messages are used.
const MAX_ERROR_BODY: usize = 1 << 20;
/// Characters of a non-Clerk error body kept in `ApiError::Http`.
const SNIPPET_CHARS: usize = 200;
/// `@module` suffix of this module's log lines.
const LOG_MODULE: &str = "api";

/// The shape of `crate::logging::{debug, warn, trace}`.
type LogSink = fn(&str, &str, &[(&str, &dyn fmt::Display)]);

/// Everything needed to build a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_url: ApiUrl,
    pub secret_key: SecretKey,
    /// Sent as `User-Agent`, e.g. `terraform-provider-clerk/0.1.0`.
    pub user_agent: String,
    pub retry: RetryPolicy,
}

/// A Clerk API client. Cloning is cheap and clones share the connection pool
/// and the cancellation token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// Honours the usual proxy environment variables, for remote hosts.
    /// Built on first use, like `direct`: building one loads and parses the
    /// system's root certificates (milliseconds), and many provider
    /// processes never call Clerk at all.
    http: OnceLock<Result<reqwest::Client, ApiError>>,
    /// Never uses a proxy: a loopback URL over plain http must not send the
    /// key to a proxy named in `HTTP_PROXY`.
    direct: OnceLock<Result<reqwest::Client, ApiError>>,
    user_agent: HeaderValue,
    api_url: ApiUrl,
    /// `Bearer <key>`, marked sensitive so `http` never prints it.
    auth: HeaderValue,
    key: SecretKey,
    retry: RetryPolicy,
    cancel: CancellationToken,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("secret_key", &self.inner.key)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// One logical request, before retries.
struct Call {
    method: Method,
    url: String,
    /// Backend API calls carry the key and the version header; the Frontend
    /// API call carries neither.
    bapi: bool,
    body: Option<Vec<u8>>,
    /// Host and path for log lines (never the query).
    host: String,
    /// An explicit port, if the URL has one.
    port: Option<u16>,
    path: String,
    direct: bool,
}

impl Call {
    /// Host, port and path: what a message may say was requested.
    fn tried(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}{}", self.host, self.path),
            None => format!("{}{}", self.host, self.path),
        }
    }

    /// Whether the request can change something on the server.
    fn writes(&self) -> bool {
        self.method != Method::GET
    }
}

/// A 404 for `/instance` itself, without a Clerk body or with Clerk's
/// `resource_not_found`, means the base URL is not Clerk's Backend API: the
/// instance a working key belongs to always exists.
/// [`wrong_api_url`] for the instance itself, which always exists: a 404
/// for `/v1/instance` can only mean the base URL is wrong. Other paths may
/// answer 404 for their own reasons and are left as they are.
fn instance_not_found(path: &str, error: ApiError, tried: String) -> ApiError {
    if path == "/instance" {
        wrong_api_url(error, tried)
    } else {
        error
    }
}

fn wrong_api_url(error: ApiError, tried: String) -> ApiError {
    let wrong = match &error {
        ApiError::Http { status: 404, .. } => true,
        ApiError::Api {
            status: 404,
            errors,
            ..
        } => errors.is_empty() || errors.iter().any(|e| e.code == "resource_not_found"),
        _ => false,
    };
    if wrong {
        ApiError::WrongApiUrl { tried }
    } else {
        error
    }
}

/// A successful (2xx) response.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

/// What one attempt produced, as read off the wire.
struct RawReply {
    status: u16,
    body: Vec<u8>,
    truncated: bool,
    retry_after: Option<Duration>,
    trace_header: Option<String>,
}

/// How one attempt ended.
enum Step {
    Done(Result<Reply, ApiError>),
    /// Retryable; the error is what the caller gets if no retry follows.
    Retry(RetryReason, ApiError),
}

impl Client {
    /// Builds the client. Fails only on a key or user agent that cannot be
    /// sent in a header, or if the TLS stack cannot be set up.
    pub fn new(config: ClientConfig, cancel: CancellationToken) -> Result<Client, ApiError> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.secret_key.expose()))
            .map_err(|_| {
                // The `http` error does not echo the value, but say nothing of it anyway.
                ApiError::Config(
                    "the secret key contains characters that cannot be sent in an HTTP header"
                        .into(),
                )
            })?;
        auth.set_sensitive(true);
        let user_agent = HeaderValue::from_str(&config.user_agent).map_err(|_| {
            ApiError::Config(
                "the user agent contains characters that cannot be sent in an HTTP header".into(),
            )
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http: OnceLock::new(),
                direct: OnceLock::new(),
                user_agent,
                api_url: config.api_url,
                auth,
                key: config.secret_key,
                retry: config.retry,
                cancel,
            }),
        })
    }

    /// The HTTP client for a call, built the first time it is needed.
    fn http(&self, direct: bool) -> Result<&reqwest::Client, ApiError> {
        let cell = if direct {
            &self.inner.direct
        } else {
            &self.inner.http
        };
        cell.get_or_init(|| build_http(&self.inner.user_agent, !direct))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The Backend API base this client talks to.
    pub fn api_url(&self) -> &ApiUrl {
        &self.inner.api_url
    }

    /// The kind of the configured secret key.
    pub fn key_kind(&self) -> KeyKind {
        self.inner.key.kind()
    }

    /// `GET /v1{path}` on the Backend API, decoded as JSON.
    pub async fn get_json(&self, path: &str) -> Result<Value, ApiError> {
        let reply = self.get_raw(path).await?;
        decode_json(&reply, "a JSON object")
    }

    /// `PATCH /v1{path}` with a JSON object. Returns the answer's JSON, or
    /// `None` when Clerk answers without a body (204).
    ///
    /// Retrying is safe for the endpoints the provider patches: they set
    /// absolute values, so sending the same body twice leaves the instance
    /// as sending it once does.
    pub async fn patch_json(
        &self,
        path: &str,
        body: &Map<String, Value>,
    ) -> Result<Option<Value>, ApiError> {
        let reply = self.patch(path, body).await?;
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode_json(&reply, "a JSON object").map(Some)
    }

    async fn patch(&self, path: &str, body: &Map<String, Value>) -> Result<Reply, ApiError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| ApiError::Config(format!("the request body could not be encoded: {e}")))?;
        let call = self.bapi_call(Method::PATCH, path, Some(bytes))?;
        self.log_trace(
            "Clerk API request body",
            &[
                ("method", &call.method),
                ("path", &call.path),
                ("body", &loggable_body(body)),
            ],
        );
        let tried = call.tried();
        self.run(call)
            .await
            .map_err(|e| instance_not_found(path, e, tried))
    }

    /// `POST /v1{path}` with a JSON object, for creating an object; the
    /// answer's JSON (the object created).
    pub async fn post_json(
        &self,
        path: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let reply = self.write(Method::POST, path, Some(body)).await?;
        decode_json(&reply, "a JSON object")
    }

    /// `DELETE /v1{path}`; any 2xx is success and the body is ignored.
    pub async fn delete(&self, path: &str) -> Result<(), ApiError> {
        self.write(Method::DELETE, path, None).await.map(|_| ())
    }

    async fn write(
        &self,
        method: Method,
        path: &str,
        body: Option<&Map<String, Value>>,
    ) -> Result<Reply, ApiError> {
        let bytes = match body {
            Some(body) => Some(serde_json::to_vec(body).map_err(|e| {
                ApiError::Config(format!("the request body could not be encoded: {e}"))
            })?),
            None => None,
        };
        let call = self.bapi_call(method, path, bytes)?;
        if let Some(body) = body {
            self.log_trace(
                "Clerk API request body",
                &[
                    ("method", &call.method),
                    ("path", &call.path),
                    ("body", &loggable_body(body)),
                ],
            );
        }
        self.run(call).await
    }

    /// `GET /v1/instance`.
    pub async fn get_instance(&self) -> Result<Instance, ApiError> {
        let reply = self.get_raw("/instance").await?;
        decode_json(&reply, "an instance object")
    }

    async fn get_raw(&self, path: &str) -> Result<Reply, ApiError> {
        let call = self.bapi_call(Method::GET, path, None)?;
        let tried = call.tried();
        self.run(call)
            .await
            .map_err(|e| instance_not_found(path, e, tried))
    }

    /// `PATCH /v1/instance` with the given fields; 2xx (Clerk sends 204) is
    /// success and any body is ignored.
    pub async fn update_instance(&self, body: &Map<String, Value>) -> Result<(), ApiError> {
        self.patch("/instance", body).await.map(|_| ())
    }

    /// `GET /v1/domains`: the primary domain and any satellites.
    pub async fn list_domains(&self) -> Result<Vec<Domain>, ApiError> {
        let reply = self
            .run(self.bapi_call(Method::GET, "/domains", None)?)
            .await?;
        decode_json::<DomainList>(&reply, "a list of domains").map(|l| l.data)
    }

    /// The Frontend API's public `GET /v1/environment` for the instance whose
    /// Frontend API lives at `frontend_api_url` (e.g. a domain's
    /// `frontend_api_url`), as JSON. Sent without key, `Origin`, `Referer` or
    /// cookies: those would make Clerk treat the request as a browser's and
    /// refuse it on development instances. The API version goes in the
    /// query, as clerk-js sends it (the header and the query together are
    /// refused).
    pub async fn frontend_environment_json(
        &self,
        frontend_api_url: &str,
    ) -> Result<Value, ApiError> {
        let base = parse_base(frontend_api_url, "Frontend API URL").map_err(ApiError::Config)?;
        let url = format!("{base}/environment?__clerk_api_version={API_VERSION}");
        let call = self.call(Method::GET, url, false, None)?;
        let reply = self.run(call).await?;
        let value: Value = decode_json(&reply, "an environment object")?;
        if !value.is_object() {
            return Err(ApiError::InvalidResponse {
                status: reply.status,
                detail: "expected an environment object, got another JSON value".into(),
            });
        }
        Ok(value)
    }

    /// [`Client::frontend_environment_json`], with the instance settings
    /// picked out.
    pub async fn frontend_environment(
        &self,
        frontend_api_url: &str,
    ) -> Result<Environment, ApiError> {
        let value = self.frontend_environment_json(frontend_api_url).await?;
        Ok(Environment::from_fapi_json(&value))
    }

    fn bapi_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Call, ApiError> {
        let url = format!("{}{path}", self.inner.api_url.as_str());
        self.call(method, url, true, body)
    }

    fn call(
        &self,
        method: Method,
        url: String,
        bapi: bool,
        body: Option<Vec<u8>>,
    ) -> Result<Call, ApiError> {
        let parsed = Url::parse(&url)
            .map_err(|e| ApiError::Config(format!("the request URL is not valid ({e})")))?;
        Ok(Call {
            method,
            bapi,
            body,
            port: parsed.port(),
            host: parsed.host_str().unwrap_or_default().to_owned(),
            path: parsed.path().to_owned(),
            direct: is_loopback(&parsed),
            url,
        })
    }

    /// Sends `call` until it succeeds, fails for good, or the policy or the
    /// cancellation token stops it.
    async fn run(&self, call: Call) -> Result<Reply, ApiError> {
        let client = self.http(call.direct)?;
        let policy = self.inner.retry;
        let cancel = &self.inner.cancel;
        let start = Instant::now();
        let mut attempt: u32 = 0;
        // Whether an earlier attempt of a write may have been applied.
        let mut maybe_applied = false;
        loop {
            attempt += 1;
            if cancel.is_cancelled() {
                return Err(ApiError::Cancelled);
            }
            // The last attempt may get less than `request_timeout` so that the
            // whole call stays within `max_elapsed`.
            let budget = policy.max_elapsed.saturating_sub(start.elapsed());
            let limit = policy.request_timeout.min(budget);
            let sent = Instant::now();
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    self.log_debug_cancelled(&call, attempt, sent);
                    return Err(ApiError::Cancelled);
                }
                r = tokio::time::timeout(limit, self.send_once(client, &call)) => r,
            };
            let step = match outcome {
                // The request may have been sent before time ran out.
                Err(_elapsed) => Step::Retry(
                    RetryReason::Timeout,
                    ApiError::Timeout {
                        attempts: attempt,
                        maybe_applied: call.writes(),
                    },
                ),
                Ok(Err(e)) => self.classify_transport(&call, e, attempt),
                Ok(Ok(raw)) => self.classify_reply(&call, raw, attempt),
            };
            self.log_attempt(&call, &step, attempt, sent);
            let (reason, final_error) = match step {
                Step::Done(result) => return result.map_err(|e| e.or_maybe_applied(maybe_applied)),
                Step::Retry(reason, err) => (reason, err.or_maybe_applied(maybe_applied)),
            };
            maybe_applied = final_error.maybe_applied();
            // A create is not idempotent: sent again after it may have
            // reached Clerk, it could make a second object or meet the first
            // as a duplicate. Only what surely was not applied (429, no
            // connection) is retried; the caller looks for the object.
            if call.method == Method::POST && maybe_applied {
                return Err(final_error);
            }
            let elapsed = start.elapsed();
            let delay = next_delay(attempt, reason, elapsed, &policy, &mut fastrand::Rng::new());
            let Some(delay) = delay else {
                return Err(final_error);
            };
            self.log_warn(
                "retrying Clerk API request",
                &[
                    ("method", &call.method),
                    ("host", &call.host),
                    ("path", &call.path),
                    ("attempt", &attempt),
                    ("reason", &describe_reason(reason)),
                    ("delay_ms", &delay.as_millis()),
                ],
            );
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(ApiError::Cancelled),
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One HTTP exchange, body included (capped).
    async fn send_once(
        &self,
        client: &reqwest::Client,
        call: &Call,
    ) -> Result<RawReply, reqwest::Error> {
        let mut req = client
            .request(call.method.clone(), &call.url)
            .header(ACCEPT, "application/json");
        if call.bapi {
            req = req
                .header(AUTHORIZATION, self.inner.auth.clone())
                .header("Clerk-API-Version", API_VERSION);
        }
        if let Some(body) = &call.body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut resp = req.send().await?;
        let status = resp.status().as_u16();
        let retry_after = header_str(resp.headers(), RETRY_AFTER.as_str())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let trace_header = header_str(resp.headers(), "clerk-trace-id")
            .filter(|v| !v.is_empty())
            .map(|v| sanitize(&redact_str(v, &self.inner.key), 100));
        let cap = if (200..300).contains(&status) {
            MAX_SUCCESS_BODY
        } else {
            MAX_ERROR_BODY
        };
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > cap {
                body.extend_from_slice(&chunk[..cap - body.len()]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        redact(&mut body, self.inner.key.expose());
        Ok(RawReply {
            status,
            body,
            truncated,
            retry_after,
            trace_header,
        })
    }

    fn classify_transport(&self, call: &Call, e: reqwest::Error, attempt: u32) -> Step {
        let (builder, timeout) = (e.is_builder(), e.is_timeout());
        // A connect error means nothing was sent; after that (a reset, a
        // body cut short) the server may have acted on the request.
        let maybe_applied = call.writes() && !e.is_connect();
        // Name the host (a wrong `api_url` is a common cause) but not the
        // full URL, which reqwest would otherwise print.
        let chain = error_chain(&e.without_url());
        let detail = sanitize(
            &redact_str(&format!("{}: {chain}", call.host), &self.inner.key),
            300,
        );
        if builder {
            return Step::Done(Err(ApiError::Config(detail)));
        }
        if timeout {
            return Step::Retry(
                RetryReason::Timeout,
                ApiError::Timeout {
                    attempts: attempt,
                    maybe_applied,
                },
            );
        }
        Step::Retry(
            RetryReason::Transport,
            ApiError::Transport {
                detail,
                attempts: attempt,
                maybe_applied,
            },
        )
    }

    fn classify_reply(&self, call: &Call, raw: RawReply, attempt: u32) -> Step {
        let status = raw.status;
        if (200..300).contains(&status) {
            if raw.truncated {
                return Step::Done(Err(ApiError::InvalidResponse {
                    status,
                    detail: format!("the body is larger than {} MiB", MAX_SUCCESS_BODY >> 20),
                }));
            }
            return Step::Done(Ok(Reply {
                status,
                body: raw.body,
            }));
        }
        self.log_trace(
            "Clerk API error response body",
            &[
                ("method", &call.method),
                ("path", &call.path),
                ("status", &status),
                ("body", &sanitize(&String::from_utf8_lossy(&raw.body), 2000)),
            ],
        );
        let parsed = if raw.truncated {
            None
        } else {
            parse_error_body(&raw.body)
        };
        let trace_id = parsed
            .as_ref()
            .and_then(|p| p.trace_id.clone())
            .or(raw.trace_header);
        match (status, parsed) {
            // A 401 from the Frontend API is not about our key (none was sent).
            (401, _) if call.bapi => Step::Done(Err(ApiError::Unauthorized { trace_id })),
            (429, _) => Step::Retry(
                RetryReason::RateLimited {
                    retry_after: raw.retry_after,
                },
                ApiError::RateLimited {
                    retry_after: raw.retry_after,
                    attempts: attempt,
                    maybe_applied: false,
                },
            ),
            (500 | 502 | 503 | 504, _) => Step::Retry(
                RetryReason::Server(status),
                ApiError::Server {
                    status,
                    attempts: attempt,
                    trace_id,
                    maybe_applied: call.writes(),
                },
            ),
            // Other 5xx (501, 505, …) will not get better by retrying.
            (500..=599, _) => Step::Done(Err(ApiError::Server {
                status,
                attempts: attempt,
                trace_id,
                maybe_applied: call.writes(),
            })),
            (403, Some(p)) => Step::Done(Err(ApiError::Forbidden {
                errors: p.errors,
                trace_id,
            })),
            (_, Some(p)) => Step::Done(Err(ApiError::Api {
                status,
                errors: p.errors,
                trace_id,
            })),
            (_, None) => Step::Done(Err(ApiError::Http {
                status,
                body_snippet: sanitize(&String::from_utf8_lossy(&raw.body), SNIPPET_CHARS)
                    .trim_end_matches('…')
                    .to_owned(),
            })),
        }
    }

    fn log_attempt(&self, call: &Call, step: &Step, attempt: u32, sent: Instant) {
        let elapsed_ms = sent.elapsed().as_millis();
        let (status, outcome): (String, String) = match step {
            Step::Done(Ok(r)) => (r.status.to_string(), "ok".into()),
            Step::Done(Err(e)) | Step::Retry(_, e) => (
                e.status().map_or_else(|| "-".to_owned(), |s| s.to_string()),
                e.to_string(),
            ),
        };
        self.log_debug(
            "Clerk API request",
            &[
                ("method", &call.method),
                ("host", &call.host),
                ("path", &call.path),
                ("status", &status),
                ("attempt", &attempt),
                ("elapsed_ms", &elapsed_ms),
                ("outcome", &outcome),
            ],
        );
    }

    fn log_debug_cancelled(&self, call: &Call, attempt: u32, sent: Instant) {
        self.log_debug(
            "Clerk API request cancelled",
            &[
                ("method", &call.method),
                ("host", &call.host),
                ("path", &call.path),
                ("attempt", &attempt),
                ("elapsed_ms", &sent.elapsed().as_millis()),
            ],
        );
    }

    // Every log line of this module goes through these three, which scrub the
    // key as a last line of defence and let tests see what was logged.
    fn log_debug(&self, message: &str, fields: &[(&str, &dyn fmt::Display)]) {
        self.log_with(crate::logging::debug, message, fields)
    }
    fn log_warn(&self, message: &str, fields: &[(&str, &dyn fmt::Display)]) {
        self.log_with(crate::logging::warn, message, fields)
    }
    fn log_trace(&self, message: &str, fields: &[(&str, &dyn fmt::Display)]) {
        self.log_with(crate::logging::trace, message, fields)
    }

    fn log_with(&self, sink: LogSink, message: &str, fields: &[(&str, &dyn fmt::Display)]) {
        let rendered: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (*k, redact_str(&v.to_string(), &self.inner.key)))
            .collect();
        #[cfg(test)]
        log_capture::record(message, &rendered);
        let refs: Vec<(&str, &dyn fmt::Display)> = rendered
            .iter()
            .map(|(k, v)| (*k, v as &dyn fmt::Display))
            .collect();
        sink(LOG_MODULE, message, &refs);
    }
}

/// Log lines recorded in tests, to check that none carries the key.
#[cfg(test)]
pub(crate) mod log_capture {
    use std::sync::Mutex;

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    pub(crate) fn record(message: &str, fields: &[(&str, String)]) {
        let mut line = message.to_owned();
        for (k, v) in fields {
            line.push_str(&format!(" {k}={v}"));
        }
        if let Ok(mut lines) = LINES.lock() {
            lines.push(line);
        }
    }

    pub(crate) fn lines() -> Vec<String> {
        LINES.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn describe_reason(reason: RetryReason) -> String {
    match reason {
        RetryReason::RateLimited { .. } => "rate limited (HTTP 429)".into(),
        RetryReason::Server(s) => format!("server error (HTTP {s})"),
        RetryReason::Transport => "connection error".into(),
        RetryReason::Timeout => "timeout".into(),
    }
}

/// Decodes a 2xx body; failure is `InvalidResponse` and is not retried: the
/// server did answer, and the same request would get the same answer.
fn decode_json<T: DeserializeOwned>(reply: &Reply, what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(&reply.body).map_err(|e| ApiError::InvalidResponse {
        status: reply.status,
        detail: format!("expected {what}: {e}"),
    })
}

/// A header as text, if it is valid visible ASCII.
fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// An error and its sources, joined, without repeats.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// Request fields that carry secrets of their own (a JWT template's
/// `signing_key`): logged as `[redacted]`, at any depth.
const SECRET_FIELDS: &[&str] = &["signing_key"];

/// A request body as it may be logged: secret fields redacted.
fn loggable_body(body: &Map<String, Value>) -> String {
    fn scrub(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (name, field) in map.iter_mut() {
                    if SECRET_FIELDS.contains(&name.as_str()) && !field.is_null() {
                        *field = Value::String("[redacted]".to_string());
                    } else {
                        scrub(field);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    let mut copy = Value::Object(body.clone());
    scrub(&mut copy);
    copy.to_string()
}

const REDACTED: &[u8] = b"[redacted]";

/// Replaces every occurrence of the key in `body`, in case a proxy or a
/// misbehaving server echoes the `Authorization` header back.
fn redact(body: &mut Vec<u8>, key: &str) {
    let key = key.as_bytes();
    // Very short "keys" would garble ordinary text and protect nothing.
    if key.len() < 8 || body.len() < key.len() {
        return;
    }
    if !body.windows(key.len()).any(|w| w == key) {
        return;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(key) {
            out.extend_from_slice(REDACTED);
            i += key.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    *body = out;
}

fn redact_str(text: &str, key: &SecretKey) -> String {
    let k = key.expose();
    if k.len() < 8 || !text.contains(k) {
        return text.to_owned();
    }
    text.replace(k, "[redacted]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_bodies_hide_secret_fields() {
        let body = serde_json::json!({
            "name": "t",
            "signing_key": "hs-secret-value",
            "nested": [{"signing_key": "other-secret"}],
            "claims": {"signing_key_hint": "kept"},
        });
        let logged = loggable_body(body.as_object().unwrap());
        assert!(!logged.contains("secret-value") && !logged.contains("other-secret"));
        assert!(logged.contains("[redacted]") && logged.contains("\"kept\""));
        assert!(logged.contains("\"name\":\"t\""));
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let mut body =
            b"a sk_test_SECRETSECRET b sk_test_SECRETSECRETsk_test_SECRETSECRET".to_vec();
        redact(&mut body, "sk_test_SECRETSECRET");
        assert_eq!(body, b"a [redacted] b [redacted][redacted]".to_vec());
        let mut short = b"abc".to_vec();
        redact(&mut short, "sk_test_SECRETSECRET");
        assert_eq!(short, b"abc");
        let mut tiny_key = b"a b a".to_vec();
        redact(&mut tiny_key, "a");
        assert_eq!(tiny_key, b"a b a");
    }
}

fn build_http(user_agent: &HeaderValue, proxied: bool) -> Result<reqwest::Client, ApiError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent.clone())
        // A redirect could carry the request (and key) elsewhere, and
        // Clerk's API does not redirect; report 3xx as errors instead.
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        // Retries are ours alone, so attempt counts are exact.
        .retry(reqwest::retry::never())
        .tcp_nodelay(true);
    if !proxied {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| {
        ApiError::Config(format!(
            "the HTTP client could not be built: {}",
            error_chain(&e.without_url())
        ))
    })
}
