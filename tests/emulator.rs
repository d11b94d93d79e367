//! End-to-end tests of clerk-emulator over real HTTP on 127.0.0.1: strict
//! PATCH validation, read-back through GET /v1/instance, /v1/domains and the
//! Frontend API, edge-cache lag, faults, the request log, persistence, and
//! the binary's command line.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use terraform_provider_clerk::emulator::{self, Handle, Options};

const DEV_KEY: &str = "sk_test_EmulatorTestKeyDev0001";
const LIVE_KEY: &str = "sk_live_EmulatorTestKeyLive002";

/// A client pointed at one running emulator.
struct Emu {
    client: Client,
    base: String,
    handle: Handle,
}

fn quiet() -> Options {
    Options {
        quiet: true,
        ..Options::default()
    }
}

async fn start(options: Options) -> Emu {
    let (addr, handle) = emulator::serve(options).await.expect("emulator starts");
    assert!(addr.ip().is_loopback());
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    Emu {
        client,
        base: handle.url(),
        handle,
    }
}

impl Emu {
    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    async fn patch(&self, key: &str, body: Value) -> reqwest::Response {
        self.send(Method::PATCH, "/v1/instance", Some(key), Some(body))
            .await
    }

    async fn patch_ok(&self, key: &str, body: Value) {
        let response = self.patch(key, body).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
        assert!(text.is_empty());
    }

    /// PATCH expected to fail with 422 and exactly one error; returns it.
    async fn patch_error(&self, key: &str, body: Value) -> Value {
        let response = self.patch(key, body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.expect("JSON error body");
        assert!(body["clerk_trace_id"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{body}");
        errors[0].clone()
    }

    async fn get_json(&self, path: &str, key: Option<&str>) -> Value {
        let response = self.send(Method::GET, path, key, None).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON body")
    }

    async fn instance(&self, key: &str) -> Value {
        self.get_json("/v1/instance", Some(key)).await
    }

    /// The Frontend API base found the way the provider finds it.
    async fn frontend_api_url(&self, key: &str) -> String {
        let domains = self.get_json("/v1/domains", Some(key)).await;
        domains["data"][0]["frontend_api_url"]
            .as_str()
            .expect("frontend_api_url")
            .to_string()
    }

    /// `/v1/environment`, with no auth and no browser headers.
    async fn environment(&self, key: &str) -> Value {
        let url = format!("{}/v1/environment", self.frontend_api_url(key).await);
        let response = self.client.get(url).send().await.expect("environment");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("environment JSON")
    }

    async fn control(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        self.send(method, &format!("/__emulator{path}"), None, body)
            .await
    }

    async fn faults(&self, faults: Value) {
        let response = self
            .control(Method::POST, "/faults", Some(json!({ "faults": faults })))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    async fn log(&self) -> Vec<Value> {
        let response = self.control(Method::GET, "/requests", None).await;
        response.json().await.expect("log JSON")
    }
}

fn assert_error(error: &Value, code: &str, param: &str) {
    assert_eq!(error["code"], code, "{error}");
    assert_eq!(error["meta"]["param_name"], param, "{error}");
    assert!(error["message"].is_string() && error["long_message"].is_string());
}

fn temp_path(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "clerk-emulator-{name}-{}-{nanos}.json",
        std::process::id()
    ))
}

#[tokio::test]
async fn unknown_field_is_refused_with_param_name() {
    let emu = start(quiet()).await;
    let error = emu
        .patch_error(DEV_KEY, json!({ "email_address": "x" }))
        .await;
    assert_error(&error, "form_param_unknown", "email_address");
    assert_eq!(
        error["long_message"],
        "email_address is not a valid parameter for this request."
    );
}

#[tokio::test]
async fn wrong_types_are_refused() {
    let emu = start(quiet()).await;
    for (field, value) in [
        ("hibp", json!("yes")),
        ("test_mode", json!(1)),
        ("support_email", json!(true)),
        ("allowed_origins", json!("https://a.example")),
        ("allowed_origins", json!([1])),
        ("allowed_origins", Value::Null),
        ("enhanced_email_deliverability", json!("false")),
    ] {
        let error = emu.patch_error(DEV_KEY, json!({ field: value })).await;
        assert_error(&error, "form_param_type_invalid", field);
    }
}

#[tokio::test]
async fn value_rules_are_enforced() {
    let emu = start(quiet()).await;
    let field = "preferred_sign_in_strategy_when_password_required";
    let error = emu.patch_error(DEV_KEY, json!({ field: "sms" })).await;
    assert_error(&error, "form_param_value_invalid", field);

    for origin in [
        "https://app.example.com/",
        "https://app.example.com/login",
        "app.example.com",
        "https://a.example?x=1",
    ] {
        let error = emu
            .patch_error(
                DEV_KEY,
                json!({ "allowed_origins": ["http://localhost:3000", origin] }),
            )
            .await;
        assert_error(&error, "form_invalid_origin", "allowed_origins");
    }
    emu.patch_ok(
        DEV_KEY,
        json!({ "allowed_origins": ["chrome-extension://mnhbilbfebpbokpjjamapdecdgieldho", "capacitor://localhost", "http://localhost:3000"] }),
    )
    .await;

    let error = emu
        .patch_error(DEV_KEY, json!({ "support_email": "not an email" }))
        .await;
    assert_error(&error, "form_param_format_invalid", "support_email");
    let error = emu
        .patch_error(
            DEV_KEY,
            json!({ "development_origin": "ftp://files.example" }),
        )
        .await;
    assert_eq!(error["meta"]["param_name"], "development_origin");
    let error = emu
        .patch_error(
            DEV_KEY,
            json!({ "development_origin": "http://localhost:3000/app" }),
        )
        .await;
    assert_eq!(error["meta"]["param_name"], "development_origin");

    // Production instances refuse development_origin outright.
    let error = emu
        .patch_error(
            LIVE_KEY,
            json!({ "development_origin": "http://localhost:3000" }),
        )
        .await;
    assert_error(
        &error,
        "form_param_not_allowed_conditionally",
        "development_origin",
    );
    emu.patch_ok(
        LIVE_KEY,
        json!({ "hibp": false, "development_origin": null }),
    )
    .await;

    // Every accepted field at once, including the legacy one.
    emu.patch_ok(
        DEV_KEY,
        json!({
            "test_mode": false, "hibp": false, "support_email": "help@example.com",
            "clerk_js_version": "5.60.0", "development_origin": "http://localhost:3000",
            "allowed_origins": [], "cookieless_dev": false, "url_based_session_syncing": false,
            "preferred_sign_in_strategy_when_password_required": "otp",
            "enhanced_email_deliverability": true,
        }),
    )
    .await;
}

#[tokio::test]
async fn malformed_bodies_are_refused() {
    let emu = start(quiet()).await;
    let url = format!("{}/v1/instance", emu.base);
    let send = |body: &'static str, content_type: &'static str| {
        emu.client
            .patch(&url)
            .bearer_auth(DEV_KEY)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let response = send("{not json", "application/json").await.expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = send("[1,2]", "application/json").await.expect("sent");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = send("{\"hibp\":false}", "text/plain").await.expect("sent");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = response.json().await.expect("Clerk error");
    assert!(body["errors"][0]["code"].is_string());
    // An empty body changes nothing and succeeds.
    let response = emu
        .client
        .patch(&url)
        .bearer_auth(DEV_KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn authentication_is_required_and_checked() {
    let emu = start(Options {
        keys: vec![DEV_KEY.to_string()],
        ..quiet()
    })
    .await;
    for (key, code) in [
        (None, "authentication_invalid"),
        (Some("sk_test_NotTheConfiguredKey1"), "clerk_key_invalid"),
        (Some("sk_test_x"), "clerk_key_invalid"),
        (Some("nonsense"), "clerk_key_invalid"),
    ] {
        let response = emu.send(Method::GET, "/v1/instance", key, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key("clerk-trace-id"));
        let body: Value = response.json().await.expect("Clerk error");
        assert_eq!(body["errors"][0]["code"], code);
        assert!(body["errors"][0]["meta"].is_object());
        let trace = body["clerk_trace_id"].as_str().unwrap_or_default();
        assert!(trace.len() >= 16 && trace.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let response = emu
        .client
        .get(format!("{}/v1/instance", emu.base))
        .header("authorization", format!("Basic {DEV_KEY}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("Clerk error");
    assert_eq!(
        body["errors"][0]["code"],
        "authorization_header_format_invalid"
    );
    // Unauthenticated PATCH changes nothing and is not a 2xx.
    let response = emu
        .send(
            Method::PATCH,
            "/v1/instance",
            None,
            Some(json!({ "hibp": false })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(emu.instance(DEV_KEY).await["object"], "instance");
    assert_eq!(
        emu.environment(DEV_KEY).await["user_settings"]["password_settings"]["disable_hibp"],
        false
    );
}

#[tokio::test]
async fn any_well_formed_key_gets_its_own_instance() {
    let emu = start(quiet()).await;
    let dev = emu.instance(DEV_KEY).await;
    let live = emu.instance(LIVE_KEY).await;
    assert_eq!(dev["environment_type"], "development");
    assert_eq!(live["environment_type"], "production");
    assert_eq!(dev["workspace_id"], Value::Null);
    let id = dev["id"].as_str().unwrap_or_default();
    assert!(id.starts_with("ins_") && id.len() == 28, "{id}");
    assert_ne!(dev["id"], live["id"]);
    assert_eq!(emu.instance(DEV_KEY).await["id"], dev["id"]);
    // Production defaults differ.
    let env = emu.environment(LIVE_KEY).await;
    assert_eq!(env["auth_config"]["test_mode"], false);
    assert_eq!(
        emu.environment(DEV_KEY).await["auth_config"]["test_mode"],
        true
    );
}

#[tokio::test]
async fn refused_patch_changes_nothing() {
    let emu = start(quiet()).await;
    emu.patch_ok(
        DEV_KEY,
        json!({ "allowed_origins": ["https://kept.example"], "support_email": "a@example.com" }),
    )
    .await;
    let response = emu
        .patch(
            DEV_KEY,
            json!({ "hibp": false, "allowed_origins": ["https://new.example"], "support_email": "still bad" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = emu
        .patch(DEV_KEY, json!({ "test_mode": false, "bogus": 1 }))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        emu.instance(DEV_KEY).await["allowed_origins"],
        json!(["https://kept.example"])
    );
    let env = emu.environment(DEV_KEY).await;
    assert_eq!(
        env["user_settings"]["password_settings"]["disable_hibp"],
        false
    );
    assert_eq!(env["auth_config"]["test_mode"], true);
    assert_eq!(env["display_config"]["support_email"], "a@example.com");
}

#[tokio::test]
async fn get_reflects_patch_in_scrambled_order() {
    let emu = start(quiet()).await;
    assert_eq!(emu.instance(DEV_KEY).await["allowed_origins"], Value::Null);
    let origins = [
        "https://a.example",
        "https://b.example",
        "capacitor://localhost",
    ];
    emu.patch_ok(DEV_KEY, json!({ "allowed_origins": origins }))
        .await;
    let returned: Vec<String> =
        serde_json::from_value(emu.instance(DEV_KEY).await["allowed_origins"].clone())
            .expect("array of strings");
    assert_ne!(returned, origins, "must not come back in insertion order");
    let mut sorted = returned.clone();
    sorted.sort();
    let mut expected = origins.map(String::from).to_vec();
    expected.sort();
    assert_eq!(sorted, expected);
    // null leaves the list alone for nullable fields; other fields untouched.
    emu.patch_ok(DEV_KEY, json!({ "hibp": null })).await;
    assert_eq!(
        emu.instance(DEV_KEY).await["allowed_origins"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    // [] clears the whole list.
    emu.patch_ok(DEV_KEY, json!({ "allowed_origins": [] }))
        .await;
    assert_eq!(emu.instance(DEV_KEY).await["allowed_origins"], Value::Null);
}

#[tokio::test]
async fn domains_and_environment_reflect_settings() {
    let emu = start(quiet()).await;
    let domains = emu.get_json("/v1/domains", Some(DEV_KEY)).await;
    assert_eq!(domains["total_count"], 1);
    let domain = &domains["data"][0];
    assert_eq!(domain["object"], "domain");
    assert_eq!(domain["is_satellite"], false);
    assert_eq!(domain["development_origin"], "");
    let id = emu.instance(DEV_KEY).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        domain["frontend_api_url"],
        format!("{}/fapi/{id}", emu.base)
    );
    assert!(domain["name"]
        .as_str()
        .is_some_and(|n| n.ends_with(".clerk.accounts.dev")));

    let env = emu.environment(DEV_KEY).await;
    assert_eq!(env["display_config"]["clerk_js_version"], "5");
    assert_eq!(env["display_config"]["support_email"], Value::Null);
    assert_eq!(
        env["display_config"]["preferred_sign_in_strategy"],
        "password"
    );
    assert_eq!(env["auth_config"]["url_based_session_syncing"], true);

    emu.patch_ok(
        DEV_KEY,
        json!({
            "hibp": false, "test_mode": false, "support_email": "help@example.com",
            "clerk_js_version": "", "cookieless_dev": false, "enhanced_email_deliverability": true,
            "preferred_sign_in_strategy_when_password_required": "otp",
            "development_origin": "http://localhost:3000",
        }),
    )
    .await;
    let env = emu.environment(DEV_KEY).await;
    assert_eq!(
        env["user_settings"]["password_settings"]["disable_hibp"],
        true
    );
    assert_eq!(env["auth_config"]["test_mode"], false);
    assert_eq!(env["auth_config"]["url_based_session_syncing"], false);
    assert_eq!(env["auth_config"]["cookieless_dev"], false);
    assert_eq!(env["auth_config"]["enhanced_email_deliverability"], true);
    assert_eq!(env["display_config"]["support_email"], "help@example.com");
    assert_eq!(env["display_config"]["clerk_js_version"], Value::Null);
    assert_eq!(env["display_config"]["preferred_sign_in_strategy"], "otp");
    assert_eq!(env["maintenance_mode"], false);
    let domains = emu.get_json("/v1/domains", Some(DEV_KEY)).await;
    assert_eq!(
        domains["data"][0]["development_origin"],
        "http://localhost:3000"
    );

    // "" clears back to null.
    emu.patch_ok(
        DEV_KEY,
        json!({ "support_email": "", "development_origin": "" }),
    )
    .await;
    assert_eq!(
        emu.environment(DEV_KEY).await["display_config"]["support_email"],
        Value::Null
    );
    let domains = emu.get_json("/v1/domains", Some(DEV_KEY)).await;
    assert_eq!(domains["data"][0]["development_origin"], "");
}

#[tokio::test]
async fn environment_refuses_browser_markers() {
    let emu = start(quiet()).await;
    let url = format!("{}/v1/environment", emu.frontend_api_url(DEV_KEY).await);
    for (name, value) in [
        ("origin", "http://localhost:3000"),
        ("referer", "http://localhost:3000/"),
        ("cookie", "__session=x"),
        ("authorization", "Bearer sk_test_EmulatorTestKeyDev0001"),
    ] {
        let response = emu
            .client
            .get(&url)
            .header(name, value)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        let body: Value = response.json().await.expect("Clerk error");
        assert!(body["errors"][0]["code"].is_string());
    }
    let response = emu
        .client
        .get(format!("{url}?_clerk_js_version=5"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = emu
        .client
        .get(format!("{url}?__clerk_api_version=2026-05-12"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let response = emu
        .client
        .get(format!("{}/fapi/ins_unknown/v1/environment", emu.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The refused requests are logged with their markers.
    let log = emu.log().await;
    assert!(log
        .iter()
        .any(|e| e["headers"]["has_origin"] == true && e["status"] == 400));
}

#[tokio::test]
async fn environment_lags_behind_patches() {
    let emu = start(Options {
        environment_lag: Duration::from_millis(300),
        ..quiet()
    })
    .await;
    let fapi = emu.frontend_api_url(DEV_KEY).await;
    let read = || async {
        let env: Value = emu
            .client
            .get(format!("{fapi}/v1/environment"))
            .send()
            .await
            .expect("environment")
            .json()
            .await
            .expect("JSON");
        env["user_settings"]["password_settings"]["disable_hibp"].clone()
    };
    let patched_at = Instant::now();
    emu.patch_ok(DEV_KEY, json!({ "hibp": false })).await;
    let stale = read().await;
    if patched_at.elapsed() < Duration::from_millis(250) {
        assert_eq!(
            stale, false,
            "right after PATCH the cached (old) value is served"
        );
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(read().await, true);

    // The lag can be switched off at runtime.
    let response = emu
        .control(
            Method::PUT,
            "/config",
            Some(json!({ "environment_lag_ms": 0 })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    emu.patch_ok(DEV_KEY, json!({ "hibp": true })).await;
    assert_eq!(read().await, false);
}

#[tokio::test]
async fn added_latency_delays_api_requests_only() {
    let emu = start(quiet()).await;
    let response = emu
        .control(Method::PUT, "/config", Some(json!({ "latency_ms": 120 })))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let config: Value = response.json().await.expect("JSON");
    assert_eq!(config["latency_ms"], 120);
    // A deliberate sleep: the answer can come no sooner.
    let sent = Instant::now();
    emu.patch_ok(DEV_KEY, json!({ "hibp": false })).await;
    assert!(sent.elapsed() >= Duration::from_millis(120));
    // Out of range is refused, and the setting is kept.
    let response = emu
        .control(
            Method::PUT,
            "/config",
            Some(json!({ "latency_ms": 3_600_000 })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = emu.control(Method::GET, "/config", None).await;
    let config: Value = response.json().await.expect("JSON");
    assert_eq!(config["latency_ms"], 120);
}

#[tokio::test]
async fn faults_rate_limit_and_outage() {
    let emu = start(quiet()).await;
    emu.faults(json!([
        { "method": "PATCH", "path": "/v1/instance", "status": 429, "retry_after": "1" },
        { "method": "PATCH", "path": "/v1/instance", "status": 503 },
    ]))
    .await;
    // A GET is not matched by PATCH faults.
    emu.instance(DEV_KEY).await;
    let response = emu.patch(DEV_KEY, json!({ "hibp": false })).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: Value = response.json().await.expect("Clerk error");
    assert_eq!(body["errors"][0]["code"], "too_many_requests");
    let response = emu.patch(DEV_KEY, json!({ "hibp": false })).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("Clerk error");
    assert!(body["errors"][0]["code"].is_string());
    // Faulted requests were not applied; the queue is now empty.
    assert_eq!(
        emu.environment(DEV_KEY).await["user_settings"]["password_settings"]["disable_hibp"],
        false
    );
    emu.patch_ok(DEV_KEY, json!({ "hibp": false })).await;
    let log = emu.log().await;
    let statuses: Vec<Value> = log
        .iter()
        .filter(|e| e["method"] == "PATCH")
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(429), json!(503), json!(204)]);
    assert_eq!(log.iter().filter(|e| e["fault"] == true).count(), 2);
}

#[tokio::test]
async fn faults_delay_bad_body_and_reset() {
    let emu = start(quiet()).await;
    emu.instance(DEV_KEY).await;
    emu.faults(json!([{ "path": "/v1/instance", "method": "GET", "delay_ms": 300 }]))
        .await;
    let started = Instant::now();
    let instance = emu.instance(DEV_KEY).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        instance["object"], "instance",
        "a delay-only fault still answers normally"
    );

    emu.faults(json!([{ "path": "/v1/instance", "status": 200, "body": "not json" }]))
        .await;
    let response = emu
        .send(Method::GET, "/v1/instance", Some(DEV_KEY), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.json::<Value>().await.is_err(),
        "a non-JSON body must fail to parse"
    );

    emu.faults(json!([{ "path": "/v1/instance", "reset": true }]))
        .await;
    let outcome = async {
        let response = emu
            .client
            .get(format!("{}/v1/instance", emu.base))
            .bearer_auth(DEV_KEY)
            .send()
            .await?;
        response.bytes().await
    }
    .await;
    assert!(
        outcome.is_err(),
        "a reset mid-response must surface as a client error"
    );

    // after_handling: the change lands, the answer is lost.
    emu.faults(json!([{ "method": "PATCH", "status": 500, "after_handling": true }]))
        .await;
    let response = emu.patch(DEV_KEY, json!({ "hibp": false })).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        emu.environment(DEV_KEY).await["user_settings"]["password_settings"]["disable_hibp"],
        true
    );

    // Bad fault definitions are refused; DELETE clears the queue.
    let response = emu
        .control(
            Method::POST,
            "/faults",
            Some(json!({ "faults": [{ "status": 42 }] })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    emu.faults(json!([{ "status": 500, "times": 5 }])).await;
    let response = emu.control(Method::DELETE, "/faults", None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    emu.instance(DEV_KEY).await;
}

#[tokio::test]
async fn request_log_records_bodies_but_never_the_key() {
    let emu = start(quiet()).await;
    let response = emu
        .client
        .patch(format!("{}/v1/instance", emu.base))
        .bearer_auth(DEV_KEY)
        .header("user-agent", "terraform-provider-clerk/test")
        .header("clerk-api-version", "2026-05-12")
        .json(&json!({ "support_email": "ops@example.com", "allowed_origins": ["https://a.example"] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let trace = response
        .headers()
        .get("clerk-trace-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // A key smuggled into a setting is refused (never stored) and redacted in the log.
    let error = emu
        .patch_error(DEV_KEY, json!({ "clerk_js_version": DEV_KEY }))
        .await;
    assert_error(&error, "form_param_value_invalid", "clerk_js_version");
    emu.control(Method::GET, "/instances", None).await;

    let log = emu.log().await;
    let text = serde_json::to_string(&log).expect("serialises");
    assert!(
        !text.contains(DEV_KEY) && !text.contains("EmulatorTestKeyDev0001"),
        "{text}"
    );
    assert_eq!(log.len(), 2, "control requests are not logged: {text}");
    let first = &log[0];
    assert_eq!(first["trace_id"], trace.as_str());
    assert_eq!(first["method"], "PATCH");
    assert_eq!(first["path"], "/v1/instance");
    assert_eq!(first["status"], 204);
    assert_eq!(first["key"], emulator::fingerprint(DEV_KEY));
    assert!(first["instance"]
        .as_str()
        .is_some_and(|i| i.starts_with("ins_")));
    assert_eq!(first["body"]["support_email"], "ops@example.com");
    assert_eq!(
        first["body"]["allowed_origins"],
        json!(["https://a.example"])
    );
    assert_eq!(
        first["headers"]["user-agent"],
        "terraform-provider-clerk/test"
    );
    assert_eq!(first["headers"]["clerk-api-version"], "2026-05-12");
    assert_eq!(first["headers"]["content-type"], "application/json");
    assert_eq!(first["headers"]["has_authorization"], true);
    assert_eq!(first["headers"]["has_cookie"], false);
    assert!(first["seq"].as_u64() < log[1]["seq"].as_u64());
    assert_eq!(log[1]["status"], 422);
    assert_eq!(
        log[1]["body"]["clerk_js_version"],
        emulator::fingerprint(DEV_KEY)
    );

    let response = emu.control(Method::DELETE, "/requests", None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(emu.log().await.is_empty());
}

#[tokio::test]
async fn out_of_band_changes_act_like_the_dashboard() {
    let emu = start(quiet()).await;
    let id = emu.instance(DEV_KEY).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let response = emu
        .control(
            Method::PATCH,
            &format!("/instances/{id}"),
            Some(json!({ "hibp": false, "support_email": "drift@example.com", "allowed_origins": ["https://drift.example"] })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let env = emu.environment(DEV_KEY).await;
    assert_eq!(
        env["user_settings"]["password_settings"]["disable_hibp"],
        true
    );
    assert_eq!(env["display_config"]["support_email"], "drift@example.com");
    assert_eq!(
        emu.instance(DEV_KEY).await["allowed_origins"],
        json!(["https://drift.example"])
    );
    let all: Value = emu
        .control(Method::GET, "/instances", None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(all[&id]["hibp"], false);
    assert_eq!(all[&id]["environment_type"], "development");
    assert_eq!(all[&id]["key"], emulator::fingerprint(DEV_KEY));
    // Types are still checked; unknown ids are 404.
    let response = emu
        .control(
            Method::PATCH,
            &format!("/instances/{id}"),
            Some(json!({ "hibp": "no" })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = emu
        .control(
            Method::PATCH,
            "/instances/ins_nope",
            Some(json!({ "hibp": true })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Out-of-band edits are not BAPI requests.
    assert!(emu.log().await.iter().all(|e| e["method"] != "PATCH"));
}

#[tokio::test]
async fn api_version_header_is_checked() {
    let emu = start(quiet()).await;
    let get = |version: &'static str| {
        emu.client
            .get(format!("{}/v1/instance", emu.base))
            .bearer_auth(DEV_KEY)
            .header("clerk-api-version", version)
            .send()
    };
    assert_eq!(
        get("2026-05-12").await.expect("sent").status(),
        StatusCode::OK
    );
    assert_eq!(
        get("2099-01-01").await.expect("sent").status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn state_file_survives_restart_without_keys() {
    let path = temp_path("state");
    let options = Options {
        state_file: Some(path.clone()),
        ..quiet()
    };
    let emu = start(options.clone()).await;
    emu.patch_ok(
        DEV_KEY,
        json!({ "hibp": false, "support_email": "kept@example.com", "allowed_origins": ["https://kept.example"] }),
    )
    .await;
    emu.patch_ok(LIVE_KEY, json!({ "test_mode": true })).await;
    let id = emu.instance(DEV_KEY).await["id"].clone();
    emu.handle.shutdown().await.expect("clean shutdown");

    let text = std::fs::read_to_string(&path).expect("state file written");
    assert!(
        !text.contains(DEV_KEY) && !text.contains("EmulatorTestKey"),
        "{text}"
    );
    assert!(text.contains(&emulator::fingerprint(DEV_KEY)));

    let emu = start(options).await;
    assert_eq!(emu.instance(DEV_KEY).await["id"], id);
    assert_eq!(
        emu.instance(DEV_KEY).await["allowed_origins"],
        json!(["https://kept.example"])
    );
    let env = emu.environment(DEV_KEY).await;
    assert_eq!(
        env["user_settings"]["password_settings"]["disable_hibp"],
        true
    );
    assert_eq!(env["display_config"]["support_email"], "kept@example.com");
    assert_eq!(
        emu.environment(LIVE_KEY).await["auth_config"]["test_mode"],
        true
    );
    emu.handle.shutdown().await.expect("clean shutdown");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn refuses_non_loopback_and_bad_keys() {
    let error = emulator::serve(Options {
        listen: "0.0.0.0:0".parse().expect("addr"),
        ..quiet()
    })
    .await
    .err()
    .expect("non-loopback refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    let error = emulator::serve(Options {
        keys: vec!["sk_test_no".to_string()],
        ..quiet()
    })
    .await
    .err()
    .expect("malformed key refused");
    assert!(!error.to_string().contains("sk_test_no"));
}

/// Scans the published spec for `UpdateInstance`'s request body property
/// names (plain text, no YAML parser) and compares with what the emulator
/// accepts.
#[test]
fn accepted_fields_match_published_spec() {
    // Vendored (see tests/fixtures/README.md) so the comparison always runs.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/clerk-openapi/bapi-2026-05-12.yml"
    );
    let spec = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the vendored Clerk spec {path} must be readable: {e}"));
    let lines: Vec<&str> = spec.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let find = |from: usize, wanted: &str| {
        lines[from..]
            .iter()
            .position(|l| l.trim() == wanted)
            .map(|i| from + i)
    };
    let operation = find(0, "operationId: UpdateInstance").expect("UpdateInstance in spec");
    let request_body = find(operation, "requestBody:").expect("request body");
    let properties = find(request_body, "properties:").expect("properties");
    let parent = indent(lines[properties]);
    let mut child: Option<usize> = None;
    let mut spec_fields = Vec::new();
    for line in &lines[properties + 1..] {
        if line.trim().is_empty() {
            continue;
        }
        let depth = indent(line);
        if depth <= parent {
            break;
        }
        if *child.get_or_insert(depth) == depth {
            if let Some(name) = line.trim().strip_suffix(':') {
                spec_fields.push(name.trim_matches(|c| c == '\'' || c == '"').to_string());
            }
        }
    }
    let mut expected = spec_fields.clone();
    expected.push("enhanced_email_deliverability".to_string());
    expected.sort();
    let mut accepted: Vec<String> = emulator::accepted_fields()
        .iter()
        .map(|f| f.to_string())
        .collect();
    accepted.sort();
    assert_eq!(accepted, expected, "spec fields: {spec_fields:?}");
    assert_eq!(spec_fields.len(), emulator::SPEC_FIELDS.len());
}

/// The binary: announces its URL on one stdout line, serves keys given via
/// the environment, logs requests to stderr without the key, and exits
/// cleanly on SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn binary_announces_serves_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
        .args(["--listen", "127.0.0.1:0"])
        .env("CLERK_EMULATOR_KEYS", DEV_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("announcement");
    let url = line
        .trim()
        .strip_prefix("clerk-emulator listening on ")
        .expect("announcement format")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let ok = client
        .get(format!("{url}/v1/instance"))
        .bearer_auth(DEV_KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), StatusCode::OK);
    let other = client
        .get(format!("{url}/v1/instance"))
        .bearer_auth(LIVE_KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        other.status(),
        StatusCode::UNAUTHORIZED,
        "only configured keys are accepted"
    );
    drop(client);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout");
    assert!(rest.is_empty(), "exactly one stdout line, got more: {rest}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert!(
        !stderr.contains(DEV_KEY) && !stderr.contains("EmulatorTestKey"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .filter(|l| l.contains("\"path\":\"/v1/instance\""))
            .count()
            >= 2,
        "{stderr}"
    );
}
