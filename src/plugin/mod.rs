//! The go-plugin transport: everything between Terraform starting the
//! process and the first RPC, and the clean exit at the end.
//!
//! Terraform starts the provider with a magic cookie and a protocol version
//! list in its environment, reads one handshake line from its stdout, and
//! connects to the unix socket named there over gRPC, with mutual TLS when
//! `PLUGIN_CLIENT_CERT` is set. This module knows nothing of the services it
//! carries beyond the go-plugin ones (controller, stdio, health): the
//! provider service arrives as ready-made [`Routes`].

pub mod handshake;
mod services;
mod socket;
mod tls;

use std::io::Write;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::service::Routes;

use crate::logging;
pub use handshake::{Handshake, HandshakeError};
use socket::{Connection, SocketDir};

/// How the process was asked to run.
pub enum Mode {
    /// Started by Terraform, after a successful handshake check.
    Managed(Handshake),
    /// Started by a developer with `--debug`: plaintext, no cookie, and a
    /// `TF_REATTACH_PROVIDERS` value printed for Terraform.
    Debug { provider_address: String },
}

/// How long TLS may take to establish before a connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight RPCs get to finish once shutdown is requested; the
/// client kills the process after two seconds anyway.
const GRACEFUL_SHUTDOWN: Duration = Duration::from_millis(1500);
/// How often a managed plugin checks that Terraform is still its parent.
const PARENT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Serves `app` until the client asks for shutdown (or, in debug mode, until
/// interrupted). Removes the socket and its directory before returning.
pub async fn serve(mode: Mode, app: Routes) -> Result<(), String> {
    // Before the handshake line, so whoever reads it knows it was recorded.
    let parent = std::os::unix::process::parent_id();
    let socket_dir = match &mode {
        Mode::Managed(handshake) => SocketDir::create(handshake.socket_dir.as_deref()),
        Mode::Debug { .. } => SocketDir::create(None),
    }
    .map_err(|e| format!("could not create the plugin socket directory: {e}"))?;
    let listener = socket_dir
        .bind()
        .map_err(|e| format!("could not listen on the plugin socket: {e}"))?;
    let socket_path = socket_dir.socket_path().display().to_string();

    let tls = match &mode {
        Mode::Managed(Handshake {
            client_cert_pem: Some(pem),
            ..
        }) => Some(tls::server_tls(pem).map_err(|e| format!("AutoMTLS setup failed: {e}"))?),
        _ => None,
    };

    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let (controller, stdio) = services::go_plugin_services(shutdown_tx.clone());
    let (health_reporter, health) = tonic_health::server::health_reporter();
    // go-plugin's health check names the service "plugin".
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let routes = app
        .add_service(controller)
        .add_service(stdio)
        .add_service(health);

    // Signal dispositions first: once the handshake line is out, Terraform
    // may forward a Ctrl-C at any moment, and the default action would kill
    // the plugin.
    spawn_signal_handlers(shutdown_tx.clone(), matches!(mode, Mode::Managed(_)));
    if matches!(mode, Mode::Managed(_)) {
        spawn_orphan_watch(shutdown_tx.clone(), parent);
    }

    // Announce ourselves only once everything is ready to accept calls.
    match &mode {
        Mode::Managed(_) => {
            let line = handshake::line(&socket_path, tls.as_ref().map(|t| t.cert_der.as_slice()));
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{line}")
                .and_then(|()| stdout.flush())
                .map_err(|e| format!("could not write the handshake line: {e}"))?;
        }
        Mode::Debug { provider_address } => {
            println!(
                "Provider started in debug mode. To attach Terraform, set in its environment:\n\n\
                 \tTF_REATTACH_PROVIDERS='{}'\n\nPress Ctrl-C to stop.",
                handshake::reattach_json(provider_address, &socket_path)
            );
            spawn_debug_interrupt(shutdown_tx.clone());
        }
    }
    logging::debug(
        "plugin",
        "plugin address",
        &[
            ("network", &"unix"),
            ("address", &socket_path),
            ("tls", &tls.is_some()),
        ],
    );

    let incoming = accept_loop(listener, tls, parent, shutdown_rx.clone());
    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, async move {
            let _ = shutdown_rx.wait_for(|stop| *stop).await;
        });

    let mut deadline_rx = shutdown_tx.subscribe();
    let deadline = async move {
        let _ = deadline_rx.wait_for(|stop| *stop).await;
        tokio::time::sleep(GRACEFUL_SHUTDOWN).await;
    };
    tokio::select! {
        result = server => result.map_err(|e| format!("gRPC server failed: {e}"))?,
        () = deadline => logging::warn("plugin", "requests still running at shutdown were abandoned", &[]),
    }
    drop(socket_dir);
    logging::debug("plugin", "plugin exited", &[]);
    Ok(())
}

/// Accepts connections and, with AutoMTLS, completes each TLS handshake off
/// the accept path, so a slow or hostile client cannot block others. Which
/// TLS configuration a connection gets depends on who the kernel says is
/// at the other end: the process that started this one (`parent`), or
/// anyone else (see [`tls`]).
fn accept_loop(
    listener: tokio::net::UnixListener,
    tls: Option<tls::ServerTls>,
    parent: u32,
    mut shutdown: watch::Receiver<bool>,
) -> ReceiverStream<std::io::Result<Connection>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        logging::warn("plugin", "accept failed", &[("error", &e)]);
                        continue;
                    }
                },
                _ = shutdown.wait_for(|stop| *stop) => break,
            };
            let Some(tls) = &tls else {
                if tx.send(Ok(Connection::Plain(stream))).await.is_err() {
                    break;
                }
                continue;
            };
            let from_parent = socket::peer_is_parent(&stream, parent);
            logging::debug(
                "plugin",
                if from_parent {
                    "connection from the process that started the plugin; no client certificate asked"
                } else {
                    "connection from another process; Terraform's client certificate required"
                },
                &[],
            );
            let acceptor = tokio_rustls::TlsAcceptor::from(if from_parent {
                tls.for_parent.clone()
            } else {
                tls.for_others.clone()
            });
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls_stream)) => {
                        let _ = tx.send(Ok(Connection::Tls(Box::new(tls_stream)))).await;
                    }
                    Ok(Err(e)) => logging::warn(
                        "plugin",
                        "refused a connection: TLS handshake failed",
                        &[("error", &e)],
                    ),
                    Err(_) => logging::warn(
                        "plugin",
                        "refused a connection: TLS handshake timed out",
                        &[],
                    ),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// Terraform handles Ctrl-C itself and tells providers through the Stop
/// RPC, so a managed plugin ignores SIGINT, as go-plugin servers do. SIGTERM
/// still ends the process cleanly, removing the socket directory.
fn spawn_signal_handlers(shutdown: watch::Sender<bool>, ignore_interrupt: bool) {
    use tokio::signal::unix::{signal, SignalKind};
    if ignore_interrupt {
        if let Ok(mut interrupts) = signal(SignalKind::interrupt()) {
            tokio::spawn(async move {
                while interrupts.recv().await.is_some() {
                    logging::debug(
                        "plugin",
                        "ignoring SIGINT; Terraform sends Stop instead",
                        &[],
                    );
                }
            });
        }
    }
    if let Ok(mut terminate) = signal(SignalKind::terminate()) {
        tokio::spawn(async move {
            if terminate.recv().await.is_some() {
                let _ = shutdown.send(true);
            }
        });
    }
}

/// Terraform ends its plugins when it exits, but a Terraform that is
/// killed or crashes cannot: its plugins are re-parented and would wait for
/// calls forever, each holding a socket directory. A managed plugin checks
/// that the process that started it is still its parent, and shuts down
/// cleanly once it is not.
fn spawn_orphan_watch(shutdown: watch::Sender<bool>, parent: u32) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(PARENT_CHECK_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if std::os::unix::process::parent_id() != parent {
                logging::warn(
                    "plugin",
                    "the process that started the plugin is gone; shutting down",
                    &[("parent_pid", &parent)],
                );
                let _ = shutdown.send(true);
                break;
            }
        }
    });
}

fn spawn_debug_interrupt(shutdown: watch::Sender<bool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = shutdown.send(true);
        }
    });
}
