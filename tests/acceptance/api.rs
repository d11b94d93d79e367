//! Blocking calls to Clerk's Backend API (with the run's key) and the
//! Frontend API environment (without it), for the acceptance run's
//! snapshot, out-of-band changes, read-back polling and clean-up. The same
//! calls go to clerk-emulator or to Clerk: nothing here knows the
//! emulator's control API. Errors name the method, path and status and
//! never the key.

use std::time::Duration;

use serde_json::{Map, Value as Json};
use terraform_provider_clerk::clerk::{ApiUrl, API_VERSION};

use super::safety::Backend;

pub struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    /// Backend API base, ending in `/v1`.
    base: String,
    key: String,
}

/// Whether a URL's host never leaves the machine.
fn loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "localhost" || h.starts_with("127.") || h == "[::1]")
}

/// Clerk's own message from an error body, else the body's start.
fn message(body: &str) -> String {
    serde_json::from_str::<Json>(body)
        .ok()
        .and_then(|v| {
            v["errors"][0]["long_message"]
                .as_str()
                .or(v["errors"][0]["message"].as_str())
                .map(|m| format!("{} ({})", m, v["errors"][0]["code"].as_str().unwrap_or("?")))
        })
        .unwrap_or_else(|| body.chars().take(200).collect())
}

impl Http {
    pub fn new(api_url: &str, key: &str) -> Result<Http, String> {
        let base = ApiUrl::parse(api_url)?.as_str().to_string();
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!(
                "terraform-provider-clerk-acceptance/",
                env!("CARGO_PKG_VERSION")
            ));
        if loopback(&base) {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("runtime: {e}"))?;
        Ok(Http {
            rt,
            client,
            base,
            key: key.to_string(),
        })
    }

    /// One request; a 429 is retried after its `Retry-After` (a few times).
    fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        bapi: bool,
        body: Option<&Json>,
    ) -> Result<Json, String> {
        let shown = url.split('?').next().unwrap_or(url).to_string();
        for attempt in 0..4 {
            let mut request = self.client.request(method.clone(), url);
            if bapi {
                request = request
                    .bearer_auth(&self.key)
                    .header("Clerk-API-Version", API_VERSION);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = self.rt.block_on(async {
                let response = request.send().await?;
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                let text = response.text().await?;
                Ok::<_, reqwest::Error>((status, retry_after, text))
            });
            let (status, retry_after, text) =
                outcome.map_err(|e| format!("{method} {shown}: {}", e.without_url()))?;
            if status == 429 && attempt < 3 {
                std::thread::sleep(Duration::from_secs(retry_after.unwrap_or(2).min(30)));
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(format!("{method} {shown}: {status} {}", message(&text)));
            }
            if text.trim().is_empty() {
                return Ok(Json::Null);
            }
            return serde_json::from_str(&text).map_err(|e| {
                format!("{method} {shown}: {status} with a body that is not JSON ({e})")
            });
        }
        unreachable!("the last attempt returns")
    }

    /// `GET /v1{path}`.
    pub fn get(&self, path: &str) -> Result<Json, String> {
        self.send(
            reqwest::Method::GET,
            &format!("{}{path}", self.base),
            true,
            None,
        )
    }

    /// `PATCH /v1{path}`; `Null` for an answer without a body.
    pub fn patch_json(&self, path: &str, body: &Json) -> Result<Json, String> {
        self.send(
            reqwest::Method::PATCH,
            &format!("{}{path}", self.base),
            true,
            Some(body),
        )
    }

    /// The primary (non-satellite) domain from `GET /v1/domains`.
    pub fn primary_domain(&self) -> Result<Json, String> {
        let domains = self.get("/domains")?;
        domains["data"]
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|d| !d["is_satellite"].as_bool().unwrap_or(false))
                    .cloned()
            })
            .ok_or_else(|| "GET /v1/domains: no primary domain".to_string())
    }

    /// The Frontend API's public `GET /v1/environment`, sent as the
    /// provider sends it: no key, no cookies, the version in the query.
    pub fn environment(&self, frontend_api_url: &str) -> Result<Json, String> {
        let base = frontend_api_url.trim_end_matches('/');
        let base = if base.ends_with("/v1") {
            base.to_string()
        } else {
            format!("{base}/v1")
        };
        let url = format!("{base}/environment?__clerk_api_version={API_VERSION}");
        self.send(reqwest::Method::GET, &url, false, None)
    }
}

impl Http {
    /// `DELETE /v1{path}`.
    pub fn delete_path(&self, path: &str) -> Result<(), String> {
        self.send(
            reqwest::Method::DELETE,
            &format!("{}{path}", self.base),
            true,
            None,
        )
        .map(|_| ())
    }
}

impl Backend for Http {
    fn patch(&mut self, path: &str, body: &Map<String, Json>) -> Result<(), String> {
        self.patch_json(path, &Json::Object(body.clone()))
            .map(|_| ())
    }

    fn delete(&mut self, path: &str) -> Result<(), String> {
        self.delete_path(path)
    }
}
