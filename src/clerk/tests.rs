//! Loopback tests of the client: in-process axum servers on 127.0.0.1:0 (and
//! raw TCP listeners for broken connections) stand in for Clerk. No other
//! network traffic.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::client::log_capture;
use super::*;

const KEY: &str = "sk_test_SECRETSECRET";
const SECRET_PART: &str = "SECRETSECRET";
const UA: &str = "terraform-provider-clerk/0.0.0-test";

const INSTANCE: &str = r#"{"object":"instance","id":"ins_123","environment_type":"development","allowed_origins":["http://localhost:3000"],"workspace_id":null}"#;

// ---------------------------------------------------------------- servers

/// A request as the test server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn header_names(&self) -> BTreeSet<String> {
        self.headers.keys().map(|k| k.as_str().to_owned()).collect()
    }
}

/// What the test server answers.
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Canned {
    fn new(status: u16, body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    fn json(status: u16, body: &str) -> Canned {
        Canned::new(status, body).header("content-type", "application/json")
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Canned {
        self.headers.push((name, value.into()));
        self
    }
    fn delay(mut self, d: Duration) -> Canned {
        self.delay = d;
        self
    }
}

type Responder = dyn Fn(usize, &Seen) -> Canned + Send + Sync;
type ServerState = (Arc<Mutex<Vec<Seen>>>, Arc<Responder>);

struct TestServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts an axum server whose every request is answered by `f(index, request)`.
async fn serve<F>(f: F) -> TestServer
where
    F: Fn(usize, &Seen) -> Canned + Send + Sync + 'static,
{
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state: ServerState = (seen.clone(), Arc::new(f));
    let app = axum::Router::new().fallback(handle).with_state(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    TestServer { addr, seen }
}

async fn handle(State((seen, responder)): State<ServerState>, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let s = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let index = {
        let mut all = seen.lock().unwrap();
        all.push(s.clone());
        all.len() - 1
    };
    let canned = responder(index, &s);
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    let mut b = Response::builder().status(canned.status);
    for (k, v) in canned.headers {
        b = b.header(k, v);
    }
    b.body(Body::from(canned.body)).unwrap()
}

/// A raw TCP server: counts connections and runs `answer` on each request
/// head it reads (bodies are not expected). `answer` returns the bytes to
/// write and whether to keep the connection open afterwards.
async fn raw_server(
    answer: fn(&[u8]) -> (Vec<u8>, bool),
) -> (SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let (c, r) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head: Vec<u8> = buf.drain(..end + 4).collect();
                        r.fetch_add(1, Ordering::SeqCst);
                        let (bytes, keep) = answer(&head);
                        if sock.write_all(&bytes).await.is_err() {
                            return;
                        }
                        if !keep {
                            // Dropping the socket closes the connection mid-body.
                            return;
                        }
                    }
                }
            });
        }
    });
    (addr, connections, requests)
}

/// A loopback port with nothing listening.
async fn dead_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

// ---------------------------------------------------------------- clients

fn policy(max_attempts: u32, max_elapsed_ms: u64, timeout_ms: u64) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_elapsed: Duration::from_millis(max_elapsed_ms),
        request_timeout: Duration::from_millis(timeout_ms),
    }
}

fn quick() -> RetryPolicy {
    policy(3, 5_000, 2_000)
}

fn client_with(base: &str, retry: RetryPolicy, cancel: CancellationToken) -> Client {
    // Keep test output readable; log lines are still captured for checks.
    crate::logging::set_min_level(crate::logging::Level::Error);
    Client::new(
        ClientConfig {
            api_url: ApiUrl::parse(base).unwrap(),
            secret_key: SecretKey::new(KEY.into()),
            user_agent: UA.into(),
            retry,
        },
        cancel,
    )
    .unwrap()
}

fn client(base: &str, retry: RetryPolicy) -> Client {
    client_with(base, retry, CancellationToken::new())
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET_PART), "secret leaked: {text}");
}

// ---------------------------------------------------------------- headers

#[tokio::test]
async fn bapi_requests_carry_exact_headers_and_body() {
    let server = serve(|_, s| match (s.method.as_str(), s.path.as_str()) {
        ("GET", "/v1/instance") => Canned::json(200, INSTANCE),
        ("PATCH", "/v1/instance") => Canned::new(204, ""),
        ("GET", "/v1/domains") => Canned::json(
            200,
            r#"{"data":[{"object":"domain","id":"dmn_1","name":"x.dev","is_satellite":false,
                "frontend_api_url":"https://clerk.x.dev","development_origin":"http://localhost:3000"}],"total_count":1}"#,
        ),
        _ => Canned::new(404, "no route"),
    })
    .await;
    let c = client(&server.url(), quick());

    let instance = c.get_instance().await.unwrap();
    assert_eq!(
        instance,
        Instance {
            id: "ins_123".into(),
            environment_type: "development".into(),
            allowed_origins: Some(vec!["http://localhost:3000".into()]),
        }
    );

    let mut body = Map::new();
    body.insert("hibp".into(), json!(true));
    body.insert("support_email".into(), Value::Null);
    body.insert(
        "allowed_origins".into(),
        json!(["https://a.example", "capacitor://localhost"]),
    );
    body.insert("clerk_js_version".into(), json!("5.1.0"));
    c.update_instance(&body).await.unwrap();

    let domains = c.list_domains().await.unwrap();
    assert_eq!(domains.len(), 1);
    assert_eq!(domains[0].frontend_api_url, "https://clerk.x.dev");
    assert_eq!(
        domains[0].development_origin.as_deref(),
        Some("http://localhost:3000")
    );

    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let get_names: BTreeSet<String> = [
        "host",
        "accept",
        "authorization",
        "clerk-api-version",
        "user-agent",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for (s, method, path) in [
        (&seen[0], "GET", "/v1/instance"),
        (&seen[1], "PATCH", "/v1/instance"),
        (&seen[2], "GET", "/v1/domains"),
    ] {
        assert_eq!(s.method, method);
        assert_eq!(s.path, path);
        assert_eq!(s.query, None);
        assert_eq!(
            s.header("authorization"),
            Some("Bearer sk_test_SECRETSECRET")
        );
        assert_eq!(s.header("clerk-api-version"), Some("2026-05-12"));
        assert_eq!(s.header("user-agent"), Some(UA));
        assert_eq!(s.header("accept"), Some("application/json"));
        assert_eq!(s.headers.get_all("authorization").iter().count(), 1);
    }
    assert_eq!(seen[0].header_names(), get_names);
    assert_eq!(seen[2].header_names(), get_names);
    let mut patch_names = get_names.clone();
    patch_names.insert("content-type".into());
    patch_names.insert("content-length".into());
    assert_eq!(seen[1].header_names(), patch_names);
    assert_eq!(seen[1].header("content-type"), Some("application/json"));
    assert_eq!(seen[1].body, serde_json::to_vec(&body).unwrap());
    let echoed: Map<String, Value> = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(echoed, body);
    assert!(seen[0].body.is_empty());
}

#[tokio::test]
async fn path_prefix_of_the_base_url_is_kept() {
    let server = serve(|_, _| Canned::json(200, INSTANCE)).await;
    let c = client(&format!("{}/proxy/clerk/", server.url()), quick());
    c.get_instance().await.unwrap();
    assert_eq!(server.seen()[0].path, "/proxy/clerk/v1/instance");
}

const FAPI_ENV: &str = r#"{
    "auth_config": {"object":"auth_config","test_mode":true,"url_based_session_syncing":true,
                    "cookieless_dev":true,"enhanced_email_deliverability":false},
    "display_config": {"support_email":null,"clerk_js_version":"5","preferred_sign_in_strategy":"otp"},
    "user_settings": {"password_settings":{"disable_hibp":true,"min_length":8}},
    "maintenance_mode": false
}"#;

#[tokio::test]
async fn frontend_environment_sends_no_credentials() {
    let server = serve(|_, _| Canned::json(200, FAPI_ENV)).await;
    let c = client("https://api.clerk.com", quick());
    for base in [
        server.url(),
        format!("{}/", server.url()),
        format!("{}/v1", server.url()),
    ] {
        let env = c.frontend_environment(&base).await.unwrap();
        assert_eq!(
            env,
            Environment {
                test_mode: Some(true),
                hibp: Some(false),
                support_email: None,
                clerk_js_version: Some("5".into()),
                url_based_session_syncing: Some(true),
                enhanced_email_deliverability: Some(false),
            }
        );
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let names: BTreeSet<String> = ["host", "accept", "user-agent"]
        .into_iter()
        .map(String::from)
        .collect();
    for s in &seen {
        assert_eq!(s.method, "GET");
        assert_eq!(s.path, "/v1/environment");
        assert_eq!(s.query.as_deref(), Some("__clerk_api_version=2026-05-12"));
        assert!(!s
            .query
            .as_deref()
            .unwrap_or("")
            .contains("_clerk_js_version"));
        for banned in [
            "authorization",
            "origin",
            "referer",
            "cookie",
            "clerk-api-version",
        ] {
            assert!(s.header(banned).is_none(), "{banned} sent");
        }
        assert_eq!(s.header_names(), names);
        assert_eq!(s.header("user-agent"), Some(UA));
    }
}

#[tokio::test]
async fn domains_lead_to_frontend_environment() {
    // One server plays both APIs: /v1/domains names itself as the FAPI host.
    let server_cell: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
    let cell = server_cell.clone();
    let server = serve(move |_, s| match s.path.as_str() {
        "/v1/domains" => Canned::json(
            200,
            &format!(
                r#"{{"data":[{{"id":"d","name":"n","is_satellite":false,"frontend_api_url":"{}","development_origin":""}}],"total_count":1}}"#,
                cell.lock().unwrap()
            ),
        ),
        "/v1/environment" => Canned::json(200, FAPI_ENV),
        _ => Canned::new(404, ""),
    })
    .await;
    *server_cell.lock().unwrap() = server.url();
    let c = client(&server.url(), quick());
    let domains = c.list_domains().await.unwrap();
    let env = c
        .frontend_environment(&domains[0].frontend_api_url)
        .await
        .unwrap();
    assert_eq!(env.test_mode, Some(true));
    let seen = server.seen();
    assert!(seen[0].header("authorization").is_some());
    assert!(seen[1].header("authorization").is_none());
}

#[tokio::test]
async fn frontend_url_rules_match_api_url_rules() {
    let c = client("https://api.clerk.com", quick());
    for (url, needle) in [
        ("http://clerk.example.com", "clear text"),
        ("ftp://clerk.example.com", "scheme"),
        ("https://clerk.example.com?x=1", "query"),
        ("", "empty"),
    ] {
        match c.frontend_environment(url).await {
            Err(ApiError::Config(msg)) => assert!(msg.contains(needle), "{url}: {msg}"),
            other => panic!("{url}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- retries

#[tokio::test]
async fn rate_limit_with_retry_after_waits_then_succeeds() {
    let server = serve(|n, _| {
        if n == 0 {
            Canned::json(
                429,
                r#"{"errors":[{"code":"too_many_requests","message":"Too many requests"}]}"#,
            )
            .header("retry-after", "1")
        } else {
            Canned::json(200, INSTANCE)
        }
    })
    .await;
    let c = client(&server.url(), policy(5, 10_000, 2_000));
    let start = Instant::now();
    c.get_instance().await.unwrap();
    let took = start.elapsed();
    assert_eq!(server.count(), 2);
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn rate_limit_without_retry_after_backs_off() {
    let server = serve(|n, _| {
        if n < 2 {
            Canned::new(429, "")
        } else {
            Canned::json(200, INSTANCE)
        }
    })
    .await;
    let c = client(&server.url(), policy(5, 10_000, 2_000));
    let start = Instant::now();
    c.get_instance().await.unwrap();
    let took = start.elapsed();
    assert_eq!(server.count(), 3);
    // Equal jitter: at least 125 ms then 250 ms.
    assert!(took >= Duration::from_millis(370), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn rate_limit_beyond_budget_gives_up_at_once() {
    let server = serve(|_, _| Canned::new(429, "").header("retry-after", "30")).await;
    let c = client(&server.url(), policy(5, 5_000, 2_000));
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
            attempts: 1,
            maybe_applied: false,
        }
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn rate_limit_forever_exhausts_attempts() {
    let server = serve(|_, _| Canned::new(429, "").header("retry-after", "0")).await;
    let c = client(&server.url(), policy(3, 5_000, 2_000));
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::RateLimited {
            retry_after: Some(Duration::ZERO),
            attempts: 3,
            maybe_applied: false,
        }
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn unavailable_twice_then_no_content_succeeds() {
    let server = serve(|n, _| {
        if n < 2 {
            Canned::new(503, "upstream unavailable")
        } else {
            Canned::new(204, "")
        }
    })
    .await;
    let c = client(&server.url(), policy(5, 10_000, 2_000));
    let mut body = Map::new();
    body.insert("test_mode".into(), json!(false));
    c.update_instance(&body).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_eq!(s.method, "PATCH");
        assert_eq!(s.body, br#"{"test_mode":false}"#);
    }
}

#[tokio::test]
async fn server_error_forever_stops_after_max_attempts() {
    let server = serve(|_, _| {
        Canned::json(
            500,
            r#"{"errors":[{"code":"internal_clerk_error","message":"Oops"}],"clerk_trace_id":"tr_500"}"#,
        )
    })
    .await;
    let c = client(&server.url(), policy(3, 10_000, 2_000));
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Server {
            status: 500,
            attempts: 3,
            trace_id: Some("tr_500".into()),
            maybe_applied: false,
        }
    );
    assert_eq!(server.count(), 3);
    assert_eq!(err.trace_id(), Some("tr_500"));
}

#[tokio::test]
async fn other_server_errors_are_not_retried_and_trace_header_is_used() {
    let server =
        serve(|_, _| Canned::new(501, "not implemented").header("clerk-trace-id", "hdr_trace"))
            .await;
    let c = client(&server.url(), policy(5, 10_000, 2_000));
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Server {
            status: 501,
            attempts: 1,
            trace_id: Some("hdr_trace".into()),
            maybe_applied: false,
        }
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn max_elapsed_bounds_total_time() {
    let server = serve(|_, _| Canned::new(502, "bad gateway")).await;
    let c = client(&server.url(), policy(100, 700, 2_000));
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(err, ApiError::Server { status: 502, .. }),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(1_100), "{took:?}");
    assert!(server.count() >= 2, "{}", server.count());
    assert!(server.count() < 100);

    // A hanging server: the budget, not request_timeout, ends the call.
    let slow = serve(|_, _| Canned::json(200, INSTANCE).delay(Duration::from_secs(5))).await;
    let c = client(&slow.url(), policy(5, 300, 10_000));
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Timeout {
            attempts: 1,
            maybe_applied: false
        }
    );
    assert!(start.elapsed() < Duration::from_millis(1_000));
}

// ---------------------------------------------------------------- transport

#[tokio::test]
async fn connection_refused_is_transport_after_retries() {
    let addr = dead_port().await;
    let c = client(&format!("http://{addr}"), policy(3, 10_000, 2_000));
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    match &err {
        ApiError::Transport {
            detail,
            attempts,
            maybe_applied,
        } => {
            assert_eq!(*attempts, 3);
            assert!(!maybe_applied);
            assert!(detail.to_lowercase().contains("connect"), "{detail}");
            assert!(detail.starts_with("127.0.0.1: "), "{detail}");
            assert!(!detail.contains("/v1/instance"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    // Two backoff waits of at least 125 ms and 250 ms.
    assert!(start.elapsed() >= Duration::from_millis(370));
}

fn partial_response(_head: &[u8]) -> (Vec<u8>, bool) {
    (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\":"
            .to_vec(),
        false,
    )
}

#[tokio::test]
async fn connection_dropped_mid_response_is_retried_then_transport() {
    let (addr, connections, requests) = raw_server(partial_response).await;
    let c = client(&format!("http://{addr}"), policy(3, 10_000, 2_000));
    let err = c.get_instance().await.unwrap_err();
    assert!(
        matches!(err, ApiError::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

fn patch_body() -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("hibp".into(), json!(true));
    body
}

#[tokio::test]
async fn a_write_whose_answer_is_lost_may_have_been_applied() {
    let (addr, _, requests) = raw_server(partial_response).await;
    let c = client(&format!("http://{addr}"), policy(2, 10_000, 2_000));
    let err = c.update_instance(&patch_body()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                maybe_applied: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("may already have been applied"),
        "{err}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 2);

    // The same lost answer to a read changes nothing.
    let err = c.get_instance().await.unwrap_err();
    assert!(!err.maybe_applied(), "{err:?}");

    // A server error to a write: Clerk may have acted before failing.
    let server = serve(|_, _| Canned::new(503, "unavailable")).await;
    let c = client(&server.url(), policy(2, 10_000, 2_000));
    let err = c.update_instance(&patch_body()).await.unwrap_err();
    assert!(err.maybe_applied(), "{err:?}");
}

#[tokio::test]
async fn a_write_that_never_connected_was_not_applied() {
    let addr = dead_port().await;
    let c = client(&format!("http://{addr}"), policy(2, 10_000, 2_000));
    let err = c.update_instance(&patch_body()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                maybe_applied: false,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_earlier_lost_answer_is_remembered_after_a_rate_limit() {
    let server = serve(|n, _| {
        if n == 0 {
            Canned::new(502, "bad gateway")
        } else {
            Canned::new(429, "").header("retry-after", "0")
        }
    })
    .await;
    let c = client(&server.url(), policy(3, 10_000, 2_000));
    let err = c.update_instance(&patch_body()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::RateLimited {
                maybe_applied: true,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_instance_path_means_a_wrong_api_url() {
    for (status, body) in [
        (404, "404 page not found"),
        (
            404,
            r#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#,
        ),
    ] {
        let server = serve(move |_, _| Canned::json(status, body)).await;
        let base = format!("{}/v2", server.url());
        let c = client(&base, quick());
        let err = c.get_instance().await.unwrap_err();
        let ApiError::WrongApiUrl { tried } = &err else {
            panic!("{err:?}");
        };
        assert!(tried.starts_with("127.0.0.1:"), "{tried}");
        assert!(tried.ends_with("/v2/v1/instance"), "{tried}");
        assert!(!err.to_string().contains("sk_"), "{err}");
        let err = c.update_instance(&patch_body()).await.unwrap_err();
        assert!(matches!(err, ApiError::WrongApiUrl { .. }), "{err:?}");
    }
}

fn keep_alive_instance(_head: &[u8]) -> (Vec<u8>, bool) {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        INSTANCE.len()
    )
    .into_bytes();
    out.extend_from_slice(INSTANCE.as_bytes());
    (out, true)
}

#[tokio::test]
async fn connections_are_reused_across_calls_and_clones() {
    let (addr, connections, requests) = raw_server(keep_alive_instance).await;
    let c = client(&format!("http://{addr}"), quick());
    let clone = c.clone();
    c.get_instance().await.unwrap();
    clone.get_instance().await.unwrap();
    c.get_instance().await.unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn slow_response_times_out() {
    let server = serve(|_, _| Canned::json(200, INSTANCE).delay(Duration::from_secs(3))).await;
    let c = client(&server.url(), policy(2, 10_000, 150));
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Timeout {
            attempts: 2,
            maybe_applied: false
        }
    );
    assert!(
        start.elapsed() < Duration::from_millis(1_200),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.count(), 2);
}

// ---------------------------------------------------------------- bodies and statuses

#[tokio::test]
async fn non_json_success_is_invalid_response_without_retry() {
    let server = serve(|_, s| match s.path.as_str() {
        "/v1/instance" => Canned::new(200, "<html>hello</html>"),
        "/v1/domains" => Canned::json(200, r#"{"data":"nope"}"#),
        _ => Canned::json(200, "[1,2]"),
    })
    .await;
    let c = client(&server.url(), quick());
    let err = c.get_instance().await.unwrap_err();
    assert!(
        matches!(err, ApiError::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("instance object"), "{err}");
    let err = c.list_domains().await.unwrap_err();
    assert!(
        matches!(err, ApiError::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    let err = c.frontend_environment(&server.url()).await.unwrap_err();
    assert!(
        matches!(err, ApiError::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn oversized_success_body_is_refused() {
    let big = vec![b' '; 9 << 20];
    let server = serve(move |_, _| Canned::new(200, big.clone())).await;
    let c = client(&server.url(), quick());
    let err = c.get_instance().await.unwrap_err();
    match &err {
        ApiError::InvalidResponse {
            status: 200,
            detail,
        } => {
            assert!(detail.contains("8 MiB"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn unprocessable_entity_maps_to_api_with_param_name() {
    let server = serve(|_, _| {
        Canned::json(
            422,
            r#"{"errors":[{"message":"is invalid","long_message":"support_email must be a valid email address.",
                "code":"form_param_format_invalid","meta":{"param_name":"support_email"}}],"clerk_trace_id":"tr_422"}"#,
        )
    })
    .await;
    let c = client(&server.url(), quick());
    let mut body = Map::new();
    body.insert("support_email".into(), json!("nope"));
    let err = c.update_instance(&body).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Api {
            status: 422,
            errors: vec![ClerkError {
                code: "form_param_format_invalid".into(),
                message: "is invalid".into(),
                long_message: "support_email must be a valid email address.".into(),
                param_name: Some("support_email".into()),
            }],
            trace_id: Some("tr_422".into()),
        }
    );
    assert_eq!(err.errors()[0].param_name.as_deref(), Some("support_email"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn unauthorized_and_forbidden() {
    let server = serve(|_, s| match s.path.as_str() {
        "/v1/instance" => Canned::json(
            401,
            r#"{"errors":[{"code":"clerk_key_invalid","message":"Secret Key is invalid"}],"clerk_trace_id":"tr_401"}"#,
        ),
        "/v1/domains" => Canned::json(
            403,
            r#"{"errors":[{"code":"authorization_invalid","message":"Unauthorized request","long_message":"You are not authorized to perform this request"}]}"#,
        ),
        // The Frontend API path: a 401 there is not about the key.
        _ => Canned::new(401, "nope"),
    })
    .await;
    let c = client(&server.url(), quick());
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Unauthorized {
            trace_id: Some("tr_401".into())
        }
    );
    assert!(err
        .to_string()
        .starts_with("the secret key was rejected by Clerk (HTTP 401): check that it is a current secret key of this instance"));
    let err = c.list_domains().await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Forbidden { errors, trace_id: None } if errors[0].code == "authorization_invalid"),
        "{err:?}"
    );
    let err = c.frontend_environment(&server.url()).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Http {
            status: 401,
            body_snippet: "nope".into()
        }
    );
    assert_eq!(server.count(), 3);

    let plain = serve(|_, _| Canned::new(401, "Unauthorized")).await;
    let err = client(&plain.url(), quick())
        .get_instance()
        .await
        .unwrap_err();
    assert_eq!(err, ApiError::Unauthorized { trace_id: None });
}

#[tokio::test]
async fn non_clerk_error_body_becomes_a_clean_snippet() {
    let html = format!(
        "<html>\r\n<body>\u{1b}[31m{}</body></html>",
        "é".repeat(400)
    );
    let server = serve(move |_, _| Canned::new(400, html.clone())).await;
    let c = client(&server.url(), quick());
    let err = c.get_instance().await.unwrap_err();
    match &err {
        ApiError::Http {
            status: 400,
            body_snippet,
        } => {
            assert_eq!(body_snippet.chars().count(), 200);
            assert!(
                body_snippet.starts_with("<html>  <body> [31mé"),
                "{body_snippet}"
            );
            assert!(!body_snippet.chars().any(char::is_control));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = serve(|_, _| Canned::json(200, INSTANCE)).await;
    let location = format!("{}/v1/instance", target.url());
    let server = serve(move |_, _| Canned::new(302, "").header("location", location.clone())).await;
    let c = client(&server.url(), quick());
    let err = c.get_instance().await.unwrap_err();
    assert!(matches!(err, ApiError::Http { status: 302, .. }), "{err:?}");
    assert_eq!(target.count(), 0);
}

// ---------------------------------------------------------------- secrecy

/// A server that echoes the `Authorization` header into its answer, to prove
/// the key is scrubbed from everything built from server text.
async fn echo_server(status: u16, template: &'static str) -> TestServer {
    serve(move |_, s| {
        let auth = s.header("authorization").unwrap_or("").to_owned();
        Canned::json(status, &template.replace("{auth}", &auth)).header("clerk-trace-id", auth)
    })
    .await
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_logs() {
    const CLERK_ECHO: &str = r#"{"errors":[{"code":"{auth}","message":"{auth}","long_message":"key {auth} is bad",
        "meta":{"param_name":"{auth}"}}],"clerk_trace_id":"{auth}"}"#;
    let mut errors: Vec<ApiError> = Vec::new();
    for (status, template) in [
        (422, CLERK_ECHO),
        (403, CLERK_ECHO),
        (401, CLERK_ECHO),
        (400, "plain {auth}"),
        (500, CLERK_ECHO),
        (503, "{auth}"),
        (429, CLERK_ECHO),
        (
            200,
            r#"{"id":"x","environment_type":"development","allowed_origins":"{auth}"}"#,
        ),
    ] {
        let server = echo_server(status, template).await;
        let c = client(&server.url(), policy(2, 5_000, 2_000));
        let err = c.get_instance().await.unwrap_err();
        // The server really did see (and echo) the key.
        assert!(server.seen()[0]
            .header("authorization")
            .unwrap()
            .contains(SECRET_PART));
        errors.push(err);
    }
    assert!(matches!(errors[0], ApiError::Api { status: 422, .. }));
    assert!(matches!(errors[1], ApiError::Forbidden { .. }));
    assert!(matches!(errors[2], ApiError::Unauthorized { .. }));
    assert!(matches!(errors[3], ApiError::Http { status: 400, .. }));
    assert!(matches!(errors[4], ApiError::Server { status: 500, .. }));
    assert!(matches!(errors[5], ApiError::Server { status: 503, .. }));
    assert!(matches!(errors[6], ApiError::RateLimited { .. }));
    assert!(matches!(errors[7], ApiError::InvalidResponse { .. }));
    assert!(
        errors[0].to_string().contains("[redacted]"),
        "{}",
        errors[0]
    );
    assert!(
        errors[7].to_string().contains("[redacted]"),
        "{}",
        errors[7]
    );

    // The variants no server text can reach.
    let dead = dead_port().await;
    errors.push(
        client(&format!("http://{dead}"), policy(1, 5_000, 2_000))
            .get_instance()
            .await
            .unwrap_err(),
    );
    let slow = serve(|_, _| Canned::new(200, "").delay(Duration::from_secs(2))).await;
    errors.push(
        client(&slow.url(), policy(1, 5_000, 50))
            .get_instance()
            .await
            .unwrap_err(),
    );
    let cancel = CancellationToken::new();
    cancel.cancel();
    errors.push(
        client_with(&slow.url(), quick(), cancel)
            .get_instance()
            .await
            .unwrap_err(),
    );
    let bad_key = Client::new(
        ClientConfig {
            api_url: ApiUrl::default(),
            secret_key: SecretKey::new("sk_test_SECRET\nSECRET_SECRETSECRET".into()),
            user_agent: UA.into(),
            retry: quick(),
        },
        CancellationToken::new(),
    )
    .unwrap_err();
    assert!(matches!(bad_key, ApiError::Config(_)));
    errors.push(bad_key);
    assert!(matches!(errors[8], ApiError::Transport { .. }));
    assert!(matches!(errors[9], ApiError::Timeout { .. }));
    assert!(matches!(errors[10], ApiError::Cancelled));

    for err in &errors {
        assert_no_secret(&err.to_string());
        assert_no_secret(&format!("{err:?}"));
        assert_no_secret(&format!("{err:#?}"));
        for e in err.errors() {
            assert_no_secret(&format!("{e:?}"));
        }
        if let Some(t) = err.trace_id() {
            assert_no_secret(t);
        }
    }

    let c = client("https://api.clerk.com", quick());
    assert_no_secret(&format!("{c:?}"));
    let config = ClientConfig {
        api_url: ApiUrl::default(),
        secret_key: SecretKey::new(KEY.into()),
        user_agent: UA.into(),
        retry: quick(),
    };
    assert_no_secret(&format!("{config:?}"));
    assert!(format!("{config:?}").contains("sk_test_…"));

    let lines = log_capture::lines();
    assert!(
        lines.iter().any(|l| l.contains("[redacted]")),
        "expected echoed errors in the log"
    );
    for line in &lines {
        assert_no_secret(line);
    }
}

// ---------------------------------------------------------------- cancellation

#[tokio::test]
async fn cancel_during_request_returns_promptly() {
    let server = serve(|_, _| Canned::json(200, INSTANCE).delay(Duration::from_secs(5))).await;
    let cancel = CancellationToken::new();
    let c = client_with(&server.url(), policy(5, 30_000, 20_000), cancel.clone());
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.cancel();
    });
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    let took = start.elapsed();
    assert_eq!(err, ApiError::Cancelled);
    assert!(took >= Duration::from_millis(90), "{took:?}");
    assert!(took < Duration::from_millis(1_000), "{took:?}");
}

#[tokio::test]
async fn cancel_during_retry_wait_returns_promptly() {
    let server = serve(|_, _| Canned::new(429, "").header("retry-after", "10")).await;
    let cancel = CancellationToken::new();
    let c = client_with(&server.url(), policy(5, 30_000, 20_000), cancel.clone());
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.cancel();
    });
    let start = Instant::now();
    let err = c.get_instance().await.unwrap_err();
    assert_eq!(err, ApiError::Cancelled);
    assert!(start.elapsed() < Duration::from_millis(1_000));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn cancelled_token_sends_nothing_and_is_shared_by_clones() {
    let server = serve(|_, _| Canned::json(200, INSTANCE)).await;
    let cancel = CancellationToken::new();
    let c = client_with(&server.url(), quick(), cancel.clone());
    let clone = c.clone();
    c.get_instance().await.unwrap();
    cancel.cancel();
    assert_eq!(clone.get_instance().await.unwrap_err(), ApiError::Cancelled);
    assert_eq!(
        c.frontend_environment(&server.url()).await.unwrap_err(),
        ApiError::Cancelled
    );
    assert_eq!(server.count(), 1);
}

// ---------------------------------------------------------------- misc

#[test]
fn client_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let c = client("https://api.clerk.com", quick());
    let body = Map::new();
    assert_send(&c.get_instance());
    assert_send(&c.update_instance(&body));
    assert_send(&c.list_domains());
    assert_send(&c.frontend_environment("https://clerk.example.com"));
    fn assert_sync_clone<T: Send + Sync + Clone>() {}
    assert_sync_clone::<Client>();
}

#[test]
fn client_new_rejects_bad_user_agent() {
    let err = Client::new(
        ClientConfig {
            api_url: ApiUrl::default(),
            secret_key: SecretKey::new(KEY.into()),
            user_agent: "bad\nagent".into(),
            retry: quick(),
        },
        CancellationToken::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ApiError::Config(ref m) if m.contains("user agent")),
        "{err:?}"
    );
}

#[test]
fn accessors_report_configuration() {
    let c = client("https://api.clerk.com/", quick());
    assert_eq!(c.api_url().as_str(), "https://api.clerk.com/v1");
    assert_eq!(c.key_kind(), KeyKind::Test);
    assert_eq!(API_VERSION, "2026-05-12");
}
