//! Starting a provider the way Terraform does, and talking gRPC to it.
//!
//! Terraform's plugin client sets the magic cookie, offers protocol 5 and
//! passes its own client certificate in `PLUGIN_CLIENT_CERT` (AutoMTLS); the
//! provider answers with one line on stdout naming its unix socket and its
//! server certificate, and Terraform then connects with TLS, trusting
//! exactly that certificate. Everything here does the same, for any
//! provider binary; Terraform's side of the TLS is shared with the tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
#[path = "../../tests/support/mtls.rs"]
mod mtls;

use terraform_provider_clerk::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use tonic::transport::Channel;

/// Terraform's side of AutoMTLS: a certificate made as Terraform makes its
/// own (ECDSA P-521, self-signed with SHA-512, CA-flagged, CN and SAN
/// localhost, O HashiCorp), and its key.
pub struct ClientIdentity {
    pub pem: String,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

impl ClientIdentity {
    pub fn terraform_style() -> Result<ClientIdentity, String> {
        let (pem, cert, key) = mtls::terraform_style_client_cert();
        Ok(ClientIdentity { pem, cert, key })
    }
}

/// A provider process after its handshake; killed on drop.
pub struct Plugin {
    child: Child,
    /// Kept open: a provider may write to stdout later, and a closed pipe
    /// would kill it with SIGPIPE.
    _stdout: BufReader<ChildStdout>,
    pub socket: PathBuf,
    pub server_cert: Option<CertificateDer<'static>>,
    /// From just before exec to the handshake line read in full.
    pub handshake: Duration,
}

impl Plugin {
    /// Starts `binary` as Terraform would, with `env` added (and the
    /// temporary directory, where Go providers put their socket, set to
    /// `tmp`), and waits for its handshake line.
    pub fn start(
        binary: &Path,
        client: &ClientIdentity,
        tmp: &Path,
        env: &[(&str, &str)],
    ) -> Result<Plugin, String> {
        let mut cmd = Command::new(binary);
        cmd.env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5")
            .env("PLUGIN_CLIENT_CERT", &client.pem)
            .env("TMPDIR", tmp)
            .env_remove("PLUGIN_UNIX_SOCKET_DIR")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let handshake = started.elapsed();
        let mut plugin = Plugin {
            child,
            _stdout: stdout,
            socket: PathBuf::new(),
            server_cert: None,
            handshake,
        };
        read.map_err(|e| format!("reading the handshake line: {e}"))?;
        let fields: Vec<&str> = line.trim_end().split('|').collect();
        if fields.len() < 5 || fields[1] != "5" || fields[2] != "unix" || fields[4] != "grpc" {
            return Err(format!(
                "{} answered an unexpected handshake line: {line:?}",
                binary.display()
            ));
        }
        plugin.socket = PathBuf::from(fields[3]);
        if let Some(encoded) = fields.get(5).filter(|f| !f.is_empty()) {
            let der = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(encoded.trim_end_matches('='))
                .map_err(|e| format!("server certificate in the handshake line: {e}"))?;
            plugin.server_cert = Some(CertificateDer::from(der));
        }
        Ok(plugin)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A `kB` field of `/proc/<pid>/status`, e.g. `VmRSS` or `VmHWM`.
    pub fn status_kb(&self, field: &str) -> Option<u64> {
        status_kb(self.pid(), field)
    }

    /// Connects over the socket with TLS, offering Terraform's certificate,
    /// as Terraform does.
    pub async fn connect(&self, client: &ClientIdentity) -> Result<Channel, String> {
        let server_cert = self
            .server_cert
            .clone()
            .ok_or("the provider did not turn AutoMTLS on (no certificate in its handshake)")?;
        let tls = mtls::client_tls(
            &server_cert,
            Some((client.cert.clone(), client.key.clone_key())),
        );
        mtls::connect(self.socket.clone(), Some(tls))
            .await
            .map_err(|e| format!("could not connect to the provider: {e:?}"))
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of `/proc/<pid>/status`.
pub fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}
