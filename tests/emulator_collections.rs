//! End-to-end tests of clerk-emulator's collection endpoints over real HTTP
//! on 127.0.0.1: `/v1/jwt_templates` (validation, duplicates, paging, 404s,
//! the signing key kept out of answers, the request log and the state
//! file) and `/v1/domains` with satellites (validation, duplicates, the
//! primary that cannot be deleted), plus their control-API edits.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use terraform_provider_clerk::emulator::{self, Handle, Options};

const DEV_KEY: &str = "sk_test_CollectionsTestKeyDev01";
const LIVE_KEY: &str = "sk_live_CollectionsTestKeyLive2";
/// Stands in for a private key; must never come back from the emulator.
const SIGNING_KEY: &str =
    "-----BEGIN PRIVATE KEY-----\nSIGNINGKEYMATERIAL42\n-----END PRIVATE KEY-----";
const SIGNING_MARKER: &str = "SIGNINGKEYMATERIAL42";

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
    let (_, handle) = emulator::serve(options).await.expect("emulator starts");
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
    /// Sends a request; the status and the body as JSON (`Null` if none).
    async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, String) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, value, text)
    }

    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, value, _) = self.call(method, path, Some(DEV_KEY), body).await;
        (status, value)
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.api(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{value}");
        value
    }

    /// A request expected to fail with `status`; its errors' `code:param`.
    async fn refused(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Vec<String> {
        let (got, value, _) = self.call(method, path, Some(key), body).await;
        assert_eq!(got, status, "{value}");
        assert!(value["clerk_trace_id"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        value["errors"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                assert!(
                    e["message"].is_string() && e["long_message"].is_string(),
                    "{e}"
                );
                format!(
                    "{}:{}",
                    e["code"].as_str().unwrap_or_default(),
                    e["meta"]["param_name"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    async fn control(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, value, _) = self
            .call(method, &format!("/__emulator{path}"), None, body)
            .await;
        (status, value)
    }

    async fn instance_id(&self, key: &str) -> String {
        let (_, value, _) = self
            .call(Method::GET, "/v1/instance", Some(key), None)
            .await;
        value["id"].as_str().unwrap_or_default().to_string()
    }

    async fn log(&self) -> Vec<Value> {
        let (_, value) = self.control(Method::GET, "/requests", None).await;
        value.as_array().cloned().unwrap_or_default()
    }
}

fn one(code: &str, param: &str) -> Vec<String> {
    vec![format!("{code}:{param}")]
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
async fn jwt_templates_round_trip_with_the_spec_shape() {
    let emu = start(quiet()).await;
    let created = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "hasura", "claims": { "aud": "x", "role": "{{user.id}}" } })),
        )
        .await;
    let keys: Vec<&String> = created
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "allowed_clock_skew",
            "claims",
            "created_at",
            "custom_signing_key",
            "id",
            "lifetime",
            "name",
            "object",
            "signing_algorithm",
            "updated_at"
        ],
        "exactly the spec's JWTTemplate properties"
    );
    assert_eq!(created["object"], "jwt_template");
    assert_eq!(created["lifetime"], 60);
    assert_eq!(created["allowed_clock_skew"], 5);
    assert_eq!(created["custom_signing_key"], false);
    assert_eq!(created["signing_algorithm"], "RS256");
    assert_eq!(
        created["claims"],
        json!({ "aud": "x", "role": "{{user.id}}" })
    );
    let id = created["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("jtmp_"));
    let path = format!("/v1/jwt_templates/{id}");

    assert_eq!(emu.ok(Method::GET, &path, None).await, created);
    let updated = emu
        .ok(
            Method::PATCH,
            &path,
            Some(json!({ "name": "hasura", "claims": { "aud": "y" }, "lifetime": 3600, "allowed_clock_skew": 0 })),
        )
        .await;
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["claims"], json!({ "aud": "y" }));
    assert_eq!(updated["lifetime"], 3600);
    assert_eq!(updated["allowed_clock_skew"], 0);
    assert_eq!(updated["created_at"], created["created_at"]);
    assert!(updated["updated_at"].as_i64() >= created["updated_at"].as_i64());
    // Omitted optional fields keep their values on PATCH.
    let again = emu
        .ok(
            Method::PATCH,
            &path,
            Some(json!({ "name": "renamed", "claims": {} })),
        )
        .await;
    assert_eq!(again["lifetime"], 3600);
    assert_eq!(again["name"], "renamed");

    let list = emu.ok(Method::GET, "/v1/jwt_templates", None).await;
    assert_eq!(list, json!([again]));

    let deleted = emu.ok(Method::DELETE, &path, None).await;
    assert_eq!(
        deleted,
        json!({ "object": "jwt_template", "id": id, "deleted": true })
    );
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({ "name": "n", "claims": {} }));
        assert_eq!(
            emu.refused(DEV_KEY, method, &path, body, StatusCode::NOT_FOUND)
                .await,
            one("resource_not_found", "")
        );
    }
    assert_eq!(
        emu.ok(Method::GET, "/v1/jwt_templates", None).await,
        json!([])
    );
    // Other methods are refused with Allow.
    let (status, _, _) = emu
        .call(Method::PUT, "/v1/jwt_templates", Some(DEV_KEY), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    // Templates belong to one instance.
    let (status, value, _) = emu
        .call(Method::GET, "/v1/jwt_templates", Some(LIVE_KEY), None)
        .await;
    assert_eq!((status, value), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn jwt_template_bodies_are_checked_like_clerk() {
    let emu = start(quiet()).await;
    let post = |body: Value, status: StatusCode| {
        emu.refused(
            DEV_KEY,
            Method::POST,
            "/v1/jwt_templates",
            Some(body),
            status,
        )
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let with = |extra: Value| {
        let mut body = json!({ "name": "t", "claims": {} });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    assert_eq!(
        post(json!({ "claims": {} }), unprocessable).await,
        one("form_param_missing", "name")
    );
    assert_eq!(
        post(json!({ "name": "t" }), unprocessable).await,
        one("form_param_missing", "claims")
    );
    assert_eq!(
        post(with(json!({ "name": 3 })), unprocessable).await,
        one("form_param_type_invalid", "name")
    );
    assert_eq!(
        post(with(json!({ "claims": null })), unprocessable).await,
        one("form_param_nil", "claims")
    );
    // Claims must be an object: not JSON text, not an array.
    for claims in [
        json!("{\"aud\": \"x\"}"),
        json!("not json"),
        json!(["aud"]),
        json!(1),
    ] {
        assert_eq!(
            post(with(json!({ "claims": claims })), unprocessable).await,
            one("form_param_type_invalid", "claims")
        );
    }
    // Reserved claims: 400 with Clerk's code, one error per claim.
    for claim in [
        "sub", "iss", "exp", "iat", "nbf", "jti", "azp", "sid", "fva",
    ] {
        assert_eq!(
            post(
                with(json!({ "claims": { claim: "x", "fine": 1 } })),
                StatusCode::BAD_REQUEST
            )
            .await,
            one("jwt_template_reserved_claim", "claims"),
            "{claim}"
        );
    }
    // Nested keys with reserved names are ordinary data.
    emu.ok(
        Method::POST,
        "/v1/jwt_templates",
        Some(json!({ "name": "nested", "claims": { "meta": { "sub": "x" }, "aud": "a" } })),
    )
    .await;
    for (field, value, code) in [
        ("lifetime", json!(29), "form_param_value_invalid"),
        ("lifetime", json!(315_360_001), "form_param_value_too_large"),
        ("lifetime", json!("60"), "form_param_type_invalid"),
        ("lifetime", json!(60.5), "form_param_type_invalid"),
        ("allowed_clock_skew", json!(-1), "form_param_value_invalid"),
        (
            "allowed_clock_skew",
            json!(301),
            "form_param_value_too_large",
        ),
        (
            "custom_signing_key",
            json!("true"),
            "form_param_type_invalid",
        ),
        ("custom_signing_key", Value::Null, "form_param_nil"),
        ("signing_algorithm", json!(256), "form_param_type_invalid"),
        ("signing_key", json!(1), "form_param_type_invalid"),
        ("template", json!({}), "form_param_unknown"),
    ] {
        assert_eq!(
            post(with(json!({ field: value })), unprocessable).await,
            one(code, field),
            "{field}"
        );
    }
    // The edges of the ranges are accepted, and null means the default.
    let edge = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(with(
                json!({ "name": "edge", "lifetime": 315_360_000, "allowed_clock_skew": 300 }),
            )),
        )
        .await;
    assert_eq!(
        (edge["lifetime"].clone(), edge["allowed_clock_skew"].clone()),
        (json!(315_360_000), json!(300))
    );
    let low = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(with(
                json!({ "name": "low", "lifetime": 30, "allowed_clock_skew": null }),
            )),
        )
        .await;
    assert_eq!(
        (low["lifetime"].clone(), low["allowed_clock_skew"].clone()),
        (json!(30), json!(5))
    );
    // Custom signing: both the algorithm and the key, an algorithm from the list.
    assert_eq!(
        post(with(json!({ "custom_signing_key": true })), unprocessable).await,
        vec![
            "form_conditional_param_missing:signing_algorithm".to_string(),
            "form_conditional_param_missing:signing_key".to_string()
        ]
    );
    assert_eq!(
        post(
            with(json!({ "custom_signing_key": true, "signing_algorithm": "none", "signing_key": SIGNING_KEY })),
            unprocessable
        )
        .await,
        one("form_param_value_invalid", "signing_algorithm")
    );
    assert_eq!(
        post(with(json!({ "signing_algorithm": "HS256" })), unprocessable).await,
        one("form_conditional_param_disallowed", "signing_algorithm")
    );
    assert_eq!(
        post(with(json!({ "signing_key": SIGNING_KEY })), unprocessable).await,
        one("form_conditional_param_disallowed", "signing_key")
    );
    // Several problems are reported together.
    assert_eq!(
        post(json!({ "lifetime": 1, "x": 1 }), unprocessable)
            .await
            .len(),
        4
    );
    // Bodies that are not a JSON object.
    let (status, value, _) = emu
        .call(
            Method::POST,
            "/v1/jwt_templates",
            Some(DEV_KEY),
            Some(json!([1])),
        )
        .await;
    assert_eq!(status, unprocessable);
    assert_eq!(value["errors"][0]["code"], "request_body_invalid");
    let response = emu
        .client
        .post(format!("{}/v1/jwt_templates", emu.base))
        .bearer_auth(DEV_KEY)
        .header("content-type", "application/json")
        .body("{\"name\": \"broken\", \"claims\": {")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let value: Value = response.json().await.expect("JSON");
    assert_eq!(value["errors"][0]["code"], "malformed_request_body");
    // Nothing refused was stored.
    let names: Vec<Value> = emu
        .ok(Method::GET, "/v1/jwt_templates", None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("nested"), json!("edge"), json!("low")]);
}

#[tokio::test]
async fn jwt_template_names_are_unique_and_patch_needs_name_and_claims() {
    let emu = start(quiet()).await;
    let first = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "one", "claims": {} })),
        )
        .await;
    let second = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "two", "claims": {} })),
        )
        .await;
    assert_ne!(first["id"], second["id"]);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "one", "claims": {} })),
            unprocessable
        )
        .await,
        one("form_identifier_exists", "name")
    );
    // Names are per instance.
    let (status, _, _) = emu
        .call(
            Method::POST,
            "/v1/jwt_templates",
            Some(LIVE_KEY),
            Some(json!({ "name": "one", "claims": {} })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let second_path = format!(
        "/v1/jwt_templates/{}",
        second["id"].as_str().unwrap_or_default()
    );
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::PATCH,
            &second_path,
            Some(json!({ "name": "one", "claims": {} })),
            unprocessable
        )
        .await,
        one("form_identifier_exists", "name")
    );
    // Keeping its own name is fine.
    emu.ok(
        Method::PATCH,
        &second_path,
        Some(json!({ "name": "two", "claims": { "a": 1 } })),
    )
    .await;
    // PATCH requires name and claims every time, as the spec's `required` says.
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::PATCH,
            &second_path,
            Some(json!({ "lifetime": 90 })),
            unprocessable
        )
        .await,
        vec![
            "form_param_missing:name".to_string(),
            "form_param_missing:claims".to_string()
        ]
    );
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::PATCH,
            &second_path,
            Some(json!({ "name": "two" })),
            unprocessable
        )
        .await,
        one("form_param_missing", "claims")
    );
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::PATCH,
            &second_path,
            Some(json!({ "name": "two", "claims": { "sub": 1 } })),
            StatusCode::BAD_REQUEST
        )
        .await,
        one("jwt_template_reserved_claim", "claims")
    );
    let unchanged = emu.ok(Method::GET, &second_path, None).await;
    assert_eq!(unchanged["claims"], json!({ "a": 1 }));
    assert_eq!(unchanged["lifetime"], 60);
}

#[tokio::test]
async fn jwt_template_list_pages() {
    let emu = start(quiet()).await;
    for n in 0..12 {
        emu.ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": format!("t{n:02}"), "claims": {} })),
        )
        .await;
    }
    let names = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| t["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // The spec's plain array, limited to 10 by default.
    let plain = emu.ok(Method::GET, "/v1/jwt_templates", None).await;
    assert_eq!(names(&plain).len(), 10);
    assert_eq!(names(&plain)[0], "t00");
    let tail = emu
        .ok(Method::GET, "/v1/jwt_templates?limit=5&offset=10", None)
        .await;
    assert_eq!(names(&tail), ["t10", "t11"]);
    let paged = emu
        .ok(
            Method::GET,
            "/v1/jwt_templates?paginated=true&limit=3&offset=1",
            None,
        )
        .await;
    assert_eq!(paged["total_count"], 12);
    assert_eq!(names(&paged["data"]), ["t01", "t02", "t03"]);
    let all = emu
        .ok(Method::GET, "/v1/jwt_templates?limit=500", None)
        .await;
    assert_eq!(names(&all).len(), 12);
    let beyond = emu
        .ok(
            Method::GET,
            "/v1/jwt_templates?paginated=true&offset=50",
            None,
        )
        .await;
    assert_eq!(beyond, json!({ "data": [], "total_count": 12 }));
    for query in [
        "limit=0",
        "limit=501",
        "limit=x",
        "offset=-1",
        "paginated=yes",
    ] {
        let param = query.split('=').next().unwrap_or_default();
        assert_eq!(
            emu.refused(
                DEV_KEY,
                Method::GET,
                &format!("/v1/jwt_templates?{query}"),
                None,
                StatusCode::UNPROCESSABLE_ENTITY
            )
            .await,
            one("form_param_value_invalid", param),
            "{query}"
        );
    }
}

#[tokio::test]
async fn signing_keys_are_never_answered_logged_or_stored() {
    let path = temp_path("signing");
    let options = Options {
        state_file: Some(path.clone()),
        ..quiet()
    };
    let emu = start(options).await;
    let (status, created, text) = emu
        .call(
            Method::POST,
            "/v1/jwt_templates",
            Some(DEV_KEY),
            Some(json!({
                "name": "custom", "claims": {}, "custom_signing_key": true,
                "signing_algorithm": "RS256", "signing_key": SIGNING_KEY,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        !text.contains(SIGNING_MARKER) && !text.contains("\"signing_key\""),
        "{text}"
    );
    assert_eq!(created["custom_signing_key"], true);
    assert_eq!(created["signing_algorithm"], "RS256");
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let member = format!("/v1/jwt_templates/{id}");
    // Rotating the key and changing the algorithm together.
    let (status, rotated, text) = emu
        .call(
            Method::PATCH,
            &member,
            Some(DEV_KEY),
            Some(json!({ "name": "custom", "claims": {}, "signing_algorithm": "ES256", "signing_key": SIGNING_KEY })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(rotated["signing_algorithm"], "ES256");
    assert!(!text.contains(SIGNING_MARKER));
    // A refused body with the key, and a broken body with the key.
    let errors = emu
        .refused(
            DEV_KEY,
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "custom", "claims": {}, "signing_key": SIGNING_KEY })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        errors,
        one("form_conditional_param_disallowed", "signing_key")
    );
    let response = emu
        .client
        .post(format!("{}/v1/jwt_templates", emu.base))
        .bearer_auth(DEV_KEY)
        .header("content-type", "application/json")
        .body(format!("{{\"signing_key\": \"{SIGNING_MARKER}\", "))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(!response
        .text()
        .await
        .unwrap_or_default()
        .contains(SIGNING_MARKER));
    // Reads never show it either.
    for path in [member.as_str(), "/v1/jwt_templates"] {
        let (_, _, text) = emu.call(Method::GET, path, Some(DEV_KEY), None).await;
        assert!(
            !text.contains(SIGNING_MARKER) && !text.contains("\"signing_key\""),
            "{text}"
        );
    }
    // Switching the custom key off forgets the algorithm too.
    let plain = emu
        .ok(
            Method::PATCH,
            &member,
            Some(json!({ "name": "custom", "claims": {}, "custom_signing_key": false })),
        )
        .await;
    assert_eq!(
        (
            plain["custom_signing_key"].clone(),
            plain["signing_algorithm"].clone()
        ),
        (json!(false), json!("RS256"))
    );

    let log = emu.log().await;
    let text = serde_json::to_string(&log).expect("serialises");
    assert!(!text.contains(SIGNING_MARKER), "{text}");
    let with_key: Vec<&Value> = log
        .iter()
        .filter(|e| !e["body"]["signing_key"].is_null())
        .collect();
    assert_eq!(with_key.len(), 3, "{text}");
    assert!(with_key
        .iter()
        .all(|e| e["body"]["signing_key"] == "[redacted]"));
    let broken = log
        .iter()
        .find(|e| e["status"] == 400)
        .expect("broken body logged");
    assert!(
        broken["body_raw"]
            .as_str()
            .is_some_and(|raw| raw.contains("secret")),
        "{broken}"
    );
    emu.handle.shutdown().await.expect("clean shutdown");
    let state = std::fs::read_to_string(&path).expect("state file written");
    assert!(
        !state.contains(SIGNING_MARKER) && !state.contains("\"signing_key\""),
        "{state}"
    );
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn satellite_domains_are_added_changed_and_removed() {
    let emu = start(quiet()).await;
    let live = |method: Method, path: &str, body: Option<Value>| {
        let path = path.to_string();
        let emu = &emu;
        async move { emu.call(method, &path, Some(LIVE_KEY), body).await }
    };
    let (_, list, _) = live(Method::GET, "/v1/domains", None).await;
    assert_eq!(list["total_count"], 1);
    let primary = list["data"][0].clone();
    assert_eq!(primary["is_satellite"], false);
    assert_eq!(primary["name"], "example.com");
    let primary_id = primary["id"].as_str().unwrap_or_default().to_string();

    let (status, satellite, text) = live(
        Method::POST,
        "/v1/domains",
        Some(json!({ "name": "Satellite.Example.NET", "is_satellite": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let keys: Vec<&String> = satellite
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "accounts_portal_url",
            "cname_targets",
            "development_origin",
            "frontend_api_url",
            "id",
            "is_satellite",
            "name",
            "object",
            "proxy_url"
        ]
    );
    assert_eq!(satellite["object"], "domain");
    assert_eq!(satellite["name"], "satellite.example.net");
    assert_eq!(satellite["is_satellite"], true);
    assert_eq!(
        satellite["frontend_api_url"],
        "https://clerk.satellite.example.net"
    );
    assert_eq!(satellite["accounts_portal_url"], Value::Null);
    assert_eq!(satellite["proxy_url"], Value::Null);
    assert_eq!(satellite["development_origin"], "");
    assert_eq!(
        satellite["cname_targets"],
        json!([{ "host": "clerk.satellite.example.net", "value": "frontend-api.clerk.services", "required": true }])
    );
    let id = satellite["id"].as_str().unwrap_or_default().to_string();
    assert!(id.starts_with("dmn_") && id != primary_id);

    let (_, list, _) = live(Method::GET, "/v1/domains", None).await;
    assert_eq!(list["total_count"], 2);
    assert_eq!(
        list["data"][0]["id"],
        primary_id.as_str(),
        "the primary comes first"
    );
    assert_eq!(list["data"][1], satellite);

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let post = |body: Value| {
        emu.refused(
            LIVE_KEY,
            Method::POST,
            "/v1/domains",
            Some(body),
            unprocessable,
        )
    };
    for name in ["satellite.example.net", "EXAMPLE.com"] {
        assert_eq!(
            post(json!({ "name": name, "is_satellite": true })).await,
            one("form_identifier_exists", "name"),
            "{name}"
        );
    }
    assert_eq!(
        post(json!({ "name": "b.example.net", "is_satellite": false })).await,
        one("primary_domain_already_exists", "is_satellite")
    );
    assert_eq!(
        post(json!({ "name": "b.example.net" })).await,
        one("form_param_missing", "is_satellite")
    );
    assert_eq!(
        post(json!({ "is_satellite": true })).await,
        one("form_param_missing", "name")
    );
    for name in [
        "https://b.example.net",
        "b.example.net/x",
        "localhost:3001",
        "localhost",
        "b_c.example.net",
    ] {
        assert_eq!(
            post(json!({ "name": name, "is_satellite": true })).await,
            one("form_param_format_invalid", "name"),
            "{name}"
        );
    }
    assert_eq!(
        post(json!({ "name": "b.example.net", "is_satellite": true, "proxy_url": "http://b.example.net/p" })).await,
        one("form_param_format_invalid", "proxy_url")
    );
    assert_eq!(
        post(json!({ "name": "b.example.net", "is_satellite": true, "primary": true })).await,
        one("form_param_unknown", "primary")
    );

    // PATCH: proxy on, proxy off (null), rename, secondary flag.
    let member = format!("/v1/domains/{id}");
    let (status, proxied, _) = live(
        Method::PATCH,
        &member,
        Some(json!({ "proxy_url": "https://satellite.example.net/__clerk", "is_secondary": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        proxied["proxy_url"],
        "https://satellite.example.net/__clerk"
    );
    assert_eq!(
        proxied["frontend_api_url"],
        "https://satellite.example.net/__clerk"
    );
    let (_, renamed, _) = live(
        Method::PATCH,
        &member,
        Some(json!({ "name": "sat2.example.net", "proxy_url": null })),
    )
    .await;
    assert_eq!(renamed["name"], "sat2.example.net");
    assert_eq!(renamed["proxy_url"], Value::Null);
    let (_, same, _) = live(Method::PATCH, &member, Some(json!({}))).await;
    assert_eq!(same, renamed);
    let patch = |path: String, body: Value, status: StatusCode| {
        let emu = &emu;
        async move {
            emu.refused(LIVE_KEY, Method::PATCH, &path, Some(body), status)
                .await
        }
    };
    assert_eq!(
        patch(
            member.clone(),
            json!({ "name": "example.com" }),
            unprocessable
        )
        .await,
        one("form_identifier_exists", "name")
    );
    assert_eq!(
        patch(
            member.clone(),
            json!({ "is_satellite": false }),
            unprocessable
        )
        .await,
        one("form_param_unknown", "is_satellite")
    );
    assert_eq!(
        patch(
            member.clone(),
            json!({ "is_secondary": "yes" }),
            unprocessable
        )
        .await,
        one("form_param_type_invalid", "is_secondary")
    );
    assert_eq!(
        patch(
            "/v1/domains/dmn_missing".into(),
            json!({}),
            StatusCode::NOT_FOUND
        )
        .await,
        one("resource_not_found", "")
    );
    // The primary can be renamed.
    let (_, primary, _) = live(
        Method::PATCH,
        &format!("/v1/domains/{primary_id}"),
        Some(json!({ "name": "www.example.org" })),
    )
    .await;
    assert_eq!(
        (primary["name"].clone(), primary["is_satellite"].clone()),
        (json!("www.example.org"), json!(false))
    );

    // DELETE: never the primary; a satellite once.
    assert_eq!(
        emu.refused(
            LIVE_KEY,
            Method::DELETE,
            &format!("/v1/domains/{primary_id}"),
            None,
            StatusCode::FORBIDDEN
        )
        .await,
        one("operation_not_allowed_on_primary_domain", "")
    );
    let (status, deleted, _) = live(Method::DELETE, &member, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        deleted,
        json!({ "object": "domain", "id": id, "deleted": true })
    );
    assert_eq!(
        emu.refused(
            LIVE_KEY,
            Method::DELETE,
            &member,
            None,
            StatusCode::NOT_FOUND
        )
        .await,
        one("resource_not_found", "")
    );
    let (_, list, _) = live(Method::GET, "/v1/domains", None).await;
    assert_eq!(list["total_count"], 1);
    // No single-domain GET in the spec.
    let (status, _, _) = live(Method::GET, &member, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn development_satellites_take_ports_but_no_proxy() {
    let emu = start(quiet()).await;
    let (status, satellite) = emu
        .api(
            Method::POST,
            "/v1/domains",
            Some(json!({ "name": "localhost:3001", "is_satellite": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{satellite}");
    assert_eq!(satellite["cname_targets"], Value::Null);
    let list = emu.ok(Method::GET, "/v1/domains", None).await;
    // Development satellites share the primary's Frontend API.
    assert_eq!(
        list["data"][1]["frontend_api_url"],
        list["data"][0]["frontend_api_url"]
    );
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::POST,
            "/v1/domains",
            Some(json!({ "name": "localhost:3002", "is_satellite": true, "proxy_url": "https://p.example.com/x" })),
            StatusCode::UNPROCESSABLE_ENTITY
        )
        .await,
        one("form_conditional_param_disallowed", "proxy_url")
    );
    let member = format!(
        "/v1/domains/{}",
        satellite["id"].as_str().unwrap_or_default()
    );
    assert_eq!(
        emu.refused(
            DEV_KEY,
            Method::PATCH,
            &member,
            Some(json!({ "proxy_url": "https://p.example.com/x" })),
            StatusCode::BAD_REQUEST
        )
        .await,
        one("domain_update_forbidden", "")
    );
    let renamed = emu
        .ok(
            Method::PATCH,
            &member,
            Some(json!({ "name": "localhost:4000", "proxy_url": null })),
        )
        .await;
    assert_eq!(renamed["name"], "localhost:4000");
}

#[tokio::test]
async fn collections_change_out_of_band() {
    let emu = start(quiet()).await;
    let id = emu.instance_id(DEV_KEY).await;
    let templates = format!("/instances/{id}/jwt_templates");
    let (status, created) = emu
        .control(
            Method::POST,
            &templates,
            Some(json!({ "name": "drift", "claims": { "a": 1 } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let tid = created["id"].as_str().unwrap_or_default().to_string();
    let api_path = format!("/v1/jwt_templates/{tid}");
    assert_eq!(
        emu.ok(Method::GET, &api_path, None).await["claims"],
        json!({ "a": 1 })
    );
    // A dashboard edit needs no name or claims.
    let (status, changed) = emu
        .control(
            Method::PATCH,
            &format!("{templates}/{tid}"),
            Some(json!({ "lifetime": 120 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(emu.ok(Method::GET, &api_path, None).await["lifetime"], 120);
    // Values are still checked.
    let (status, _) = emu
        .control(
            Method::PATCH,
            &format!("{templates}/{tid}"),
            Some(json!({ "lifetime": 1 })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, listed) = emu.control(Method::GET, &templates, None).await;
    assert_eq!(
        (status, listed.as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (status, _) = emu
        .control(Method::DELETE, &format!("{templates}/{tid}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        emu.refused(DEV_KEY, Method::GET, &api_path, None, StatusCode::NOT_FOUND)
            .await,
        one("resource_not_found", "")
    );

    let domains = format!("/instances/{id}/domains");
    let (status, satellite) = emu
        .control(
            Method::POST,
            &domains,
            Some(json!({ "name": "localhost:3005" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{satellite}");
    let did = satellite["id"].as_str().unwrap_or_default().to_string();
    let (status, _) = emu
        .control(
            Method::PATCH,
            &format!("{domains}/{did}"),
            Some(json!({ "name": "localhost:3006" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = emu.ok(Method::GET, "/v1/domains", None).await;
    assert_eq!(list["data"][1]["name"], "localhost:3006");
    let primary_id = list["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, _) = emu
        .control(Method::DELETE, &format!("{domains}/{primary_id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = emu
        .control(Method::DELETE, &format!("{domains}/{did}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        emu.ok(Method::GET, "/v1/domains", None).await["total_count"],
        1
    );

    // Unknown instances are 404; control edits are not BAPI requests.
    let (status, _) = emu
        .control(Method::GET, "/instances/ins_nope/jwt_templates", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(emu
        .log()
        .await
        .iter()
        .all(|e| e["path"].as_str().is_some_and(|p| p.starts_with("/v1/"))));
    assert!(emu.log().await.iter().all(|e| e["method"] == "GET"));
}

#[tokio::test]
async fn collections_survive_a_restart() {
    let path = temp_path("collections");
    let options = Options {
        state_file: Some(path.clone()),
        ..quiet()
    };
    let emu = start(options.clone()).await;
    let template = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "kept", "claims": { "k": true }, "lifetime": 90 })),
        )
        .await;
    let (_, satellite, _) = emu
        .call(
            Method::POST,
            "/v1/domains",
            Some(LIVE_KEY),
            Some(json!({ "name": "kept.example.net", "is_satellite": true })),
        )
        .await;
    emu.handle.shutdown().await.expect("clean shutdown");

    let emu = start(options).await;
    let path_of = format!(
        "/v1/jwt_templates/{}",
        template["id"].as_str().unwrap_or_default()
    );
    assert_eq!(emu.ok(Method::GET, &path_of, None).await, template);
    let (_, list, _) = emu
        .call(Method::GET, "/v1/domains", Some(LIVE_KEY), None)
        .await;
    assert_eq!(list["data"][1], satellite);
    // New ids do not repeat old ones after the restart.
    let next = emu
        .ok(
            Method::POST,
            "/v1/jwt_templates",
            Some(json!({ "name": "next", "claims": {} })),
        )
        .await;
    assert_ne!(next["id"], template["id"]);
    emu.handle.shutdown().await.expect("clean shutdown");
    let _ = std::fs::remove_file(&path);
}
