//! The go-plugin side services: controller, stdio and health.
//!
//! Terraform's plugin client calls `GRPCController.Shutdown` when it is done
//! with a provider and then waits up to two seconds before killing it, so
//! answering it promptly saves those seconds on every provider start.
//! `GRPCStdio` is opened at connect; a stream that stays open until shutdown
//! keeps the client from logging that it is missing.

use std::pin::Pin;

use futures_util::Stream;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

/// Code generated from `proto/goplugin.proto`.
#[allow(clippy::all, missing_docs)]
pub mod proto {
    tonic::include_proto!("plugin");
}

use proto::grpc_controller_server::{GrpcController, GrpcControllerServer};
use proto::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};

/// Answers Shutdown by signalling the serve loop.
pub struct Controller {
    shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<proto::Empty>,
    ) -> Result<Response<proto::Empty>, Status> {
        crate::logging::debug("plugin", "shutdown requested by the client", &[]);
        let _ = self.shutdown.send(true);
        Ok(Response::new(proto::Empty {}))
    }
}

/// A stdio stream that carries nothing: the provider logs to stderr
/// directly and never writes to stdout after the handshake.
pub struct Stdio {
    shutdown: watch::Receiver<bool>,
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<proto::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(&self, _request: Request<()>) -> Result<Response<StdioStream>, Status> {
        let mut shutdown = self.shutdown.clone();
        // Ends when the process shuts down, so graceful shutdown is not held
        // up by an endless stream.
        let stream = futures_util::stream::once(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
            None
        })
        .filter_map(|item: Option<Result<proto::StdioData, Status>>| async move { item });
        Ok(Response::new(Box::pin(stream)))
    }
}

use futures_util::StreamExt;

/// The services to register beside the provider, and the shutdown signal.
pub fn go_plugin_services(
    shutdown: watch::Sender<bool>,
) -> (GrpcControllerServer<Controller>, GrpcStdioServer<Stdio>) {
    let stdio = Stdio {
        shutdown: shutdown.subscribe(),
    };
    (
        GrpcControllerServer::new(Controller { shutdown }),
        GrpcStdioServer::new(stdio),
    )
}
