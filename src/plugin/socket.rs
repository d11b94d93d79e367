//! The plugin's listening socket: a unix socket inside a private directory.
//!
//! The directory is created with mode 0700, so only the user running
//! Terraform can reach the socket, and it is removed with the socket when
//! the process ends. Accepted connections are wrapped in TLS when AutoMTLS
//! is on; before that, the kernel's record of who connected (the peer's
//! credentials) tells whether it is the process that started the plugin.

use std::io;
use std::os::unix::fs::PermissionsExt;
#[cfg(test)]
use std::path::Path;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};

/// A private temporary directory holding the socket; removed on drop.
pub struct SocketDir {
    dir: tempfile::TempDir,
}

impl SocketDir {
    /// Creates the directory under `parent` (or the system temporary
    /// directory) and restricts it to its owner.
    pub fn create(parent: Option<&str>) -> io::Result<SocketDir> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("tf-provider-clerk-");
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        Ok(SocketDir { dir })
    }

    pub fn socket_path(&self) -> PathBuf {
        self.dir.path().join("plugin.sock")
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn bind(&self) -> io::Result<UnixListener> {
        UnixListener::bind(self.socket_path())
    }
}

/// Whether the peer of `stream` is the process `parent` that started this
/// one. The kernel records the connecting process with the socket
/// (`SO_PEERCRED`), so this cannot be forged.
pub fn peer_is_parent(stream: &UnixStream, parent: u32) -> bool {
    // Read the peer first, then check the parent: if `parent` is still our
    // parent afterwards, it has been alive all along, so its process ID
    // cannot have been reused by whoever connected.
    let peer = stream.peer_cred().ok().and_then(|cred| cred.pid());
    is_parent(peer, parent, std::os::unix::process::parent_id())
}

/// `peer` (from the socket) is the process that started us, `parent`, which
/// is still our parent (`current_parent`), i.e. not exited and replaced by
/// whichever process adopts orphans. A parent ID of 0 means our parent is
/// outside our PID namespace, where the kernel also reports unknown peers
/// as 0; that never counts.
fn is_parent(peer: Option<i32>, parent: u32, current_parent: u32) -> bool {
    parent != 0
        && current_parent == parent
        && peer.and_then(|pid| u32::try_from(pid).ok()) == Some(parent)
}

/// One accepted connection, plain (debug mode) or TLS (AutoMTLS).
pub enum Connection {
    Plain(UnixStream),
    Tls(Box<tokio_rustls::server::TlsStream<UnixStream>>),
}

impl tonic::transport::server::Connected for Connection {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Connection::Plain(stream) => stream.is_write_vectored(),
            Connection::Tls(stream) => stream.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_living_parent_counts_as_the_parent() {
        assert!(is_parent(Some(4242), 4242, 4242));
        // Someone else connected.
        assert!(!is_parent(Some(4243), 4242, 4242));
        // The parent exited and we were adopted: its ID may be reused.
        assert!(!is_parent(Some(4242), 4242, 1));
        // No process ID from the kernel, or one from another namespace.
        assert!(!is_parent(None, 4242, 4242));
        assert!(!is_parent(Some(0), 0, 0));
        assert!(!is_parent(Some(-1), 4242, 4242));
    }

    #[tokio::test]
    async fn a_socket_peer_is_identified_by_the_kernel() {
        // Both ends of a pair belong to this process, which is not its own
        // parent; its parent did not connect.
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let me = std::process::id();
        assert_eq!(ours.peer_cred().unwrap().pid(), Some(me as i32));
        assert!(!peer_is_parent(&ours, me));
        assert!(!peer_is_parent(&ours, std::os::unix::process::parent_id()));
    }

    #[test]
    fn directory_is_private_and_removed_on_drop() {
        let dir = SocketDir::create(None).unwrap();
        let path = dir.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(dir.socket_path().starts_with(&path));
        drop(dir);
        assert!(!path.exists());
    }
}
