//! clerk-emulator: a small local HTTP server standing in for the parts of
//! Clerk the provider talks to (`GET`/`PATCH /v1/instance`, `/v1/domains`
//! with satellite domains, `/v1/jwt_templates` and the Frontend API's
//! `GET /v1/environment`), with a control API under `/__emulator/` for
//! request logs, injected faults, out-of-band edits (including JWT templates
//! and domains: `/__emulator/instances/{id}/jwt_templates[/{template_id}]`
//! and `/__emulator/instances/{id}/domains[/{domain_id}]`, see
//! `collection.rs`) and edge-cache lag.
//!
//! It backs the end-to-end tests (Terraform → provider → emulator) and lets
//! users run their configurations offline in CI. It binds loopback only,
//! because it accepts any well-formed key, and it never writes a secret key:
//! keys are known by fingerprint everywhere past the `Authorization` header.
//!
//! Tests start it in-process with [`serve`]; the `clerk-emulator` binary is
//! [`cli::main`].

mod bapi;
pub mod cli;
mod collection;
mod control;
mod domains;
mod errors;
mod fapi;
mod faults;
mod jwt_templates;
mod keys;
mod lists;
mod organizations;
mod reqlog;
mod restrictions;
mod routes;
mod singletons;
mod store;
mod validate;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use keys::fingerprint;
pub use validate::{accepted_fields, LEGACY_FIELDS, SPEC_FIELDS};

use errors::TraceIds;
use faults::FaultQueue;
use keys::SecretKey;
use reqlog::RequestLog;
use routes::App;
use store::{StateFile, Store};

/// How to run the emulator.
#[derive(Clone)]
pub struct Options {
    /// Must be a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Load instances from here at start and save after every change.
    pub state_file: Option<PathBuf>,
    /// If non-empty, only these secret keys authenticate; otherwise any
    /// well-formed `sk_test_…`/`sk_live_…` key gets its own instance.
    pub keys: Vec<String>,
    /// How far behind `/v1/environment` answers lag (edge-cache staleness).
    pub environment_lag: Duration,
    /// Added before answering every API request (not the control API), to
    /// stand in for the network distance to Clerk in benchmarks.
    pub latency: Duration,
    /// Do not echo the request log to stderr.
    pub quiet: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            state_file: None,
            keys: Vec::new(),
            environment_lag: Duration::ZERO,
            latency: Duration::ZERO,
            quiet: false,
        }
    }
}

// Hand-written so keys never show up in a debug print.
impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self.keys.iter().map(|k| fingerprint(k)).collect();
        f.debug_struct("Options")
            .field("listen", &self.listen)
            .field("state_file", &self.state_file)
            .field("keys", &keys)
            .field("environment_lag", &self.environment_lag)
            .field("latency", &self.latency)
            .field("quiet", &self.quiet)
            .finish()
    }
}

/// A running emulator. Dropping it also starts a graceful shutdown.
pub struct Handle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl Handle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ip:port`, the base URL to give a Clerk client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, and
    /// waits for the server to stop.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(io::Error::other(e)),
        }
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Binds, loads state and starts serving in the background. Fails on a
/// non-loopback address, a malformed key, or an unreadable state file.
pub async fn serve(options: Options) -> io::Result<(SocketAddr, Handle)> {
    if !options.listen.ip().is_loopback() {
        return Err(invalid_input(format!(
            "refusing to listen on {}: clerk-emulator accepts any key and binds loopback addresses only",
            options.listen.ip()
        )));
    }
    let allowed_keys = if options.keys.is_empty() {
        None
    } else {
        let parsed: Option<Vec<SecretKey>> = options
            .keys
            .iter()
            .map(|k| SecretKey::parse(k.trim()))
            .collect();
        Some(parsed.ok_or_else(|| {
            // Never echo the value: it may be a real key with a typo.
            invalid_input(
                "a configured key is not a well-formed Clerk secret key \
                 (sk_test_ or sk_live_ followed by at least 8 letters or digits)"
                    .into(),
            )
        })?)
    };

    let now = Instant::now();
    let state_file = options.state_file.map(StateFile::new);
    let mut store = match &state_file {
        Some(file) => match file.read().await? {
            Some(text) => Store::from_state(&text, now).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", file.path().display()),
                )
            })?,
            None => Store::default(),
        },
        None => Store::default(),
    };
    // Known keys get their instances up front, so the control API lists them.
    for key in allowed_keys.iter().flatten() {
        store.ensure(key, now);
    }

    let listener = TcpListener::bind(options.listen).await?;
    let addr = listener.local_addr()?;
    let app = Arc::new(App {
        store: Mutex::new(store),
        allowed_keys,
        log: Mutex::new(RequestLog::default()),
        faults: Mutex::new(FaultQueue::default()),
        latency_ms: AtomicU64::new(u64::try_from(options.latency.as_millis()).unwrap_or(u64::MAX)),
        lag_ms: AtomicU64::new(
            u64::try_from(options.environment_lag.as_millis()).unwrap_or(u64::MAX),
        ),
        base_url: format!("http://{addr}"),
        quiet: options.quiet,
        state_file,
        traces: TraceIds::new(),
    });
    // Writing once at start surfaces an unwritable state path immediately.
    app.save().await?;

    let (sender, receiver) = oneshot::channel::<()>();
    let router = routes::router(app);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                // Resolves on send or when the Handle is dropped.
                let _ = receiver.await;
            })
            .await
    });
    Ok((
        addr,
        Handle {
            addr,
            shutdown: Some(sender),
            task,
        },
    ))
}
