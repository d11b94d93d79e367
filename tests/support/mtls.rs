//! Terraform's side of AutoMTLS, for anything that talks to a provider the
//! way Terraform does: the test harness (`tests/support/plugin.rs`) and the
//! benchmark (`benches/providers/`), which includes this file by path.
//!
//! Terraform makes a P-521 client certificate, passes it to the provider in
//! `PLUGIN_CLIENT_CERT`, trusts exactly the server certificate from the
//! handshake line, and connects over the unix socket with ALPN h2. This file
//! stands alone (no other harness module) so both users can include it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint};

/// A client certificate made as Terraform's plugin client makes its own:
/// ECDSA P-521, self-signed with SHA-512, CA-flagged, CN and SAN localhost,
/// O HashiCorp, valid from 30 seconds ago for 30 years. Returns the PEM
/// (for `PLUGIN_CLIENT_CERT`), the DER and the key.
pub fn terraform_style_client_cert() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("a P-521 key pair");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("certificate parameters for localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let cert = params.self_signed(&key).expect("a self-signed certificate");
    let key_der = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    (cert.pem(), cert.der().clone(), key_der)
}

/// The client TLS configuration: trusts only `server_cert`, presents
/// `client` (or no certificate, to test refusal), offers ALPN h2.
pub fn client_tls(
    server_cert: &CertificateDer<'static>,
    client: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer {
        expected: server_cert.clone(),
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(vec![cert], key)
            .expect("client certificate and key match"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// Trusts exactly the certificate from the handshake line, as Terraform's
/// client does by putting it in its root pool (Go accepts a leaf that is
/// itself a trusted root, CA flag and all; webpki does not).
#[derive(Debug)]
struct PinnedServer {
    expected: CertificateDer<'static>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        // Terraform's client always names the server "localhost".
        if server_name.to_str() != "localhost" {
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName,
            ));
        }
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Connects to the provider's unix socket, with TLS when `tls` is given
/// (plaintext otherwise, as with `TF_DISABLE_PLUGIN_TLS` or reattach).
pub async fn connect(
    socket: PathBuf,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Channel, tonic::transport::Error> {
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            let tls = tls.clone();
            async move {
                let stream = UnixStream::connect(socket).await?;
                let io: Box<dyn IoStream> = match tls {
                    Some(config) => {
                        let connector = tokio_rustls::TlsConnector::from(config);
                        let name = ServerName::try_from("localhost").expect("a valid name");
                        Box::new(connector.connect(name, stream).await?)
                    }
                    None => Box::new(stream),
                };
                Ok::<_, std::io::Error>(TokioIo::new(io))
            }
        }))
        .await
}

trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> IoStream for T {}
