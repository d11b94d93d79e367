//! What every resource gets from the configured provider: the Clerk client,
//! the read options, and one per-process store of shared reads.
//!
//! A source needed by several resources in one run (`GET /v1/instance`,
//! `GET /v1/domains`, the Frontend API environment) is fetched once while
//! it is fresh: concurrent callers share one request (single-flight), and
//! every write clears the store so nothing read before a write is used
//! after it. The key ↔ instance rule lives here too, so that every
//! resource checks it the same way before it writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tokio::sync::OnceCell;

use crate::clerk::{ApiError, Client, Instance};
use crate::framework::{Diagnostic, Diagnostics};

use super::errors::{api_error, shorten};

/// Provider-level choices that shape how resources read Clerk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Also read settings exposed through the domain and the Frontend
    /// API, not only authoritative Backend API reads.
    pub drift_detection: bool,
    /// How long after an apply a read of the replaced value from an
    /// edge-cached source is taken as stale; 0 turns the rule off.
    pub stale_read_grace_ms: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            drift_detection: false,
            stale_read_grace_ms: super::singleton::model::DEFAULT_STALE_READ_GRACE_MS,
        }
    }
}

/// How long a shared read is reused within one provider process. One
/// Terraform command finishes its reads well inside it; a long-running
/// process (a debugger session) still sees changes.
const FRESH_FOR: Duration = Duration::from_secs(30);

type Cell = Arc<OnceCell<(Instant, Arc<Json>)>>;

/// Single-flight, time-limited store of GET answers, by key.
#[derive(Default)]
struct SharedReads {
    cells: Mutex<HashMap<String, Cell>>,
}

impl SharedReads {
    fn cell(&self, key: &str) -> Cell {
        let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        let cell = cells.entry(key.to_string()).or_default();
        if cell
            .get()
            .is_some_and(|(fetched, _)| fetched.elapsed() >= FRESH_FOR)
        {
            *cell = Cell::default();
        }
        cell.clone()
    }

    /// The answer for `key`, fetching it with `fetch` unless a fresh one is
    /// stored or another caller is already fetching it. Failures are not
    /// stored: the next caller asks again.
    async fn get<F>(&self, key: &str, fetch: F) -> Result<Arc<Json>, ApiError>
    where
        F: std::future::Future<Output = Result<Json, ApiError>>,
    {
        let cell = self.cell(key);
        let (_, value) = cell
            .get_or_try_init(|| async {
                Ok::<_, ApiError>((Instant::now(), Arc::new(fetch.await?)))
            })
            .await?;
        Ok(value.clone())
    }

    fn clear(&self) {
        self.cells.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A configured provider, as resources see it.
pub struct Configured {
    pub client: Client,
    pub options: ReadOptions,
    /// Where the secret key came from, for messages: `secret_key` or
    /// `CLERK_SECRET_KEY`. Never the key itself.
    pub key_source: &'static str,
    reads: SharedReads,
}

/// The provider's state for one RPC: configured or not yet.
pub struct Context {
    configured: Option<Configured>,
}

impl Context {
    pub fn unconfigured() -> Context {
        Context { configured: None }
    }

    pub fn new(client: Client, options: ReadOptions, key_source: &'static str) -> Context {
        Context {
            configured: Some(Configured {
                client,
                options,
                key_source,
                reads: SharedReads::default(),
            }),
        }
    }

    /// The configured provider, or the error that explains why there is
    /// none yet.
    pub fn configured(&self) -> Result<&Configured, Diagnostics> {
        self.configured.as_ref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The Clerk provider has no usable configuration yet, usually because \
                 `secret_key` or `api_url` depends on values only known after apply. \
                 Make them known at plan time (for example from variables), or apply the \
                 resources they depend on first with `-target`.",
            )
            .into()
        })
    }
}

impl Configured {
    /// `GET /v1{path}`, shared by every caller in this process while fresh.
    pub async fn get(&self, path: &str) -> Result<Arc<Json>, ApiError> {
        self.reads.get(path, self.client.get_json(path)).await
    }

    /// The instance the key belongs to (`GET /v1/instance`, shared).
    pub async fn instance(&self) -> Result<Instance, ApiError> {
        let json = self.get("/instance").await?;
        serde_json::from_value(Json::clone(&json)).map_err(|e| ApiError::InvalidResponse {
            status: 200,
            detail: format!("expected an instance object: {e}"),
        })
    }

    /// The instance's primary domain from `GET /v1/domains` (shared).
    pub async fn primary_domain(&self) -> Result<Json, ApiError> {
        let domains = self.get("/domains").await?;
        domains
            .get("data")
            .and_then(Json::as_array)
            .and_then(|all| {
                all.iter().find(|d| {
                    !d.get("is_satellite")
                        .and_then(Json::as_bool)
                        .unwrap_or(false)
                })
            })
            .cloned()
            .ok_or_else(|| ApiError::InvalidResponse {
                status: 200,
                detail: "Clerk listed no primary domain for the instance".to_string(),
            })
    }

    /// The Frontend API's `GET /v1/environment` of the primary domain
    /// (shared).
    pub async fn environment(&self) -> Result<Arc<Json>, ApiError> {
        let domain = self.primary_domain().await?;
        let url = domain
            .get("frontend_api_url")
            .and_then(Json::as_str)
            .ok_or_else(|| ApiError::InvalidResponse {
                status: 200,
                detail: "the primary domain has no frontend_api_url".to_string(),
            })?
            .to_string();
        let key = format!("fapi:{url}/environment");
        self.reads
            .get(&key, self.client.frontend_environment_json(&url))
            .await
    }

    /// Forgets every shared read: called after each write.
    pub fn invalidate(&self) {
        self.reads.clear();
    }

    /// Confirms, before a write, that the key belongs to the instance in
    /// state (`state_id`, `state_environment` from the prior state; `None`
    /// on create, which adopts the key's instance). Returns that instance.
    pub async fn confirm_instance(
        &self,
        state_id: Option<&str>,
        state_environment: Option<&str>,
    ) -> Result<Instance, Diagnostics> {
        let instance = self
            .instance()
            .await
            .map_err(|error| api_error("read the Clerk instance", &error))?;
        match state_id {
            Some(id) if id != instance.id => Err(self.mismatch(id, state_environment, &instance)),
            _ => Ok(instance),
        }
    }

    /// The error for a key of another instance than the one in state.
    pub fn mismatch(
        &self,
        state_id: &str,
        state_environment: Option<&str>,
        key_instance: &Instance,
    ) -> Diagnostics {
        let state_id = shorten(state_id);
        let state_env = state_environment.unwrap_or("unknown");
        Diagnostic::error(
            "Secret key belongs to a different Clerk instance",
            format!(
                "The state manages instance {state_id} ({state_env}), but the secret key configured \
                 in {source} belongs to instance {key_id} ({key_env}). Nothing was sent to Clerk \
                 and the state is unchanged.\n\nUse the key of instance {state_id} in {source}, or \
                 remove the resource from state (`terraform state rm`) and import instance \
                 {key_id}.",
                source = self.key_source,
                key_id = key_instance.id,
                key_env = key_instance.environment_type,
            ),
        )
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_readers_share_one_fetch_and_writes_clear_it() {
        let reads = SharedReads::default();
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(Json::from(1))
        };
        let (a, b, c) = tokio::join!(
            reads.get("/x", fetch()),
            reads.get("/x", fetch()),
            reads.get("/x", fetch())
        );
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        reads.get("/y", fetch()).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        reads.clear();
        reads.get("/x", fetch()).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let reads = SharedReads::default();
        let failed = reads
            .get("/x", async {
                Err(ApiError::Timeout {
                    attempts: 1,
                    maybe_applied: false,
                })
            })
            .await;
        assert!(failed.is_err());
        let ok = reads.get("/x", async { Ok(Json::from(2)) }).await.unwrap();
        assert_eq!(*ok, Json::from(2));
    }
}
