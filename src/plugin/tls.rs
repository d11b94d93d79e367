//! AutoMTLS: the TLS side of the go-plugin transport.
//!
//! Terraform passes its own client certificate in `PLUGIN_CLIENT_CERT` and
//! expects the plugin to serve TLS with a fresh self-signed certificate,
//! returned in the handshake line; Terraform then trusts exactly that
//! certificate. The plugin in turn must serve only Terraform. Two server
//! configurations share the one certificate and key:
//!
//! - for a connection whose peer the kernel identifies as the process that
//!   started this one ([`super::socket::peer_is_parent`]), no client
//!   certificate is asked: that process generated Terraform's key pair and
//!   is the only holder of its private key, so it is the very party the
//!   certificate would authenticate. Asking would cost Terraform a P-521
//!   signature on every provider start (about 7 ms in the Go release of
//!   Terraform v1.0, three times per `terraform plan`) to prove what the
//!   kernel has already told us;
//! - for any other connection, exactly Terraform's certificate is required
//!   (byte for byte), with a handshake signature proving its key. That
//!   certificate is ECDSA P-521 signed with SHA-512 and flagged as a CA,
//!   which stock webpki verification refuses (no P-521 in ring; CA
//!   certificates are not accepted as end entities), so the verifier here
//!   pins the bytes and checks the signature with aws-lc-rs, which supports
//!   P-521. This is the path taken when a wrapper process sits between
//!   Terraform and the provider.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::{Error as PemError, PemObject};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{NoServerSessionStorage, WantsServerCert};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{
    ConfigBuilder, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
    WantsVerifier,
};

#[derive(Debug)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Server-side TLS material for one plugin process.
pub struct ServerTls {
    /// For the connection from the process that started this one: no client
    /// certificate asked (see the module documentation).
    pub for_parent: Arc<ServerConfig>,
    /// For any other connection: Terraform's exact certificate required.
    pub for_others: Arc<ServerConfig>,
    /// DER of the server certificate, for the handshake line.
    pub cert_der: Vec<u8>,
}

/// Makes this process's server key and certificate and the two server
/// configurations around them, the stricter one pinned to Terraform's
/// client certificate (PEM, from `PLUGIN_CLIENT_CERT`).
pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, TlsError> {
    let client_cert = parse_single_cert(client_cert_pem)?;

    // A fresh key and certificate per process; Terraform trusts it because
    // it receives it in the handshake line. The name must be "localhost":
    // that is the server name Terraform's client verifies.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| TlsError(format!("could not generate the server key: {e}")))?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .map_err(|e| TlsError(format!("could not prepare the server certificate: {e}")))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(365);
    let cert = params
        .self_signed(&key)
        .map_err(|e| TlsError(format!("could not sign the server certificate: {e}")))?;
    let cert_der = cert.der().to_vec();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let signing_key = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| TlsError(format!("could not load the server key: {e}")))?;
    let certified = Arc::new(CertifiedKey::new(
        vec![CertificateDer::from(cert_der.clone())],
        signing_key,
    ));

    let verifier = Arc::new(ExactClientCert {
        expected: client_cert,
        algorithms: provider.signature_verification_algorithms,
    });
    let for_parent = finish(builder(&provider)?.with_no_client_auth(), &certified);
    let for_others = finish(
        builder(&provider)?.with_client_cert_verifier(verifier),
        &certified,
    );
    Ok(ServerTls {
        for_parent,
        for_others,
        cert_der,
    })
}

fn builder(
    provider: &Arc<CryptoProvider>,
) -> Result<ConfigBuilder<ServerConfig, WantsVerifier>, TlsError> {
    ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("could not configure TLS: {e}")))
}

fn finish(
    builder: ConfigBuilder<ServerConfig, WantsServerCert>,
    certified: &Arc<CertifiedKey>,
) -> Arc<ServerConfig> {
    let mut config =
        builder.with_cert_resolver(Arc::new(SingleCertAndKey::from(certified.clone())));
    // gRPC clients from grpc-go 1.67 on refuse a TLS peer without ALPN h2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    // One connection per process: nothing would ever resume a session, so
    // neither keep sessions nor send tickets after the handshake.
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Arc::new(config)
}

/// The first `CERTIFICATE` section of `pem`; other sections are skipped.
fn parse_single_cert(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| match e {
        PemError::NoItemsFound => {
            TlsError("PLUGIN_CLIENT_CERT holds no PEM certificate".to_string())
        }
        e => TlsError(format!(
            "PLUGIN_CLIENT_CERT is not a readable PEM certificate: {e}"
        )),
    })
}

/// Accepts exactly one client certificate, byte for byte.
///
/// Pinning is the right check here: the certificate was handed to us over
/// a trusted channel (our environment) by the only client we serve, so
/// there is no chain to build and no name to check; what matters is that
/// the peer holds the matching private key, which the handshake signature
/// proves.
#[derive(Debug)]
struct ExactClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ExactClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // An empty list lets the client offer its certificate whatever its
        // issuer, which is what Terraform's self-signed one needs.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p521_sha512_is_verifiable() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let schemes = provider
            .signature_verification_algorithms
            .supported_schemes();
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn garbage_client_cert_is_an_error_not_a_panic() {
        assert!(server_tls("not a certificate").is_err());
        assert!(
            server_tls("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }

    #[test]
    fn client_cert_is_the_first_certificate_section() {
        let first = rcgen::generate_simple_self_signed(vec!["first".into()]).unwrap();
        let second = rcgen::generate_simple_self_signed(vec!["second".into()]).unwrap();
        // A key before the certificates is skipped, as is a second certificate.
        let pem = format!(
            "{}{}{}",
            first.signing_key.serialize_pem(),
            first.cert.pem(),
            second.cert.pem()
        );
        let cert = parse_single_cert(&pem).unwrap();
        assert_eq!(cert.as_ref(), first.cert.der().as_ref());

        let none = parse_single_cert(&first.signing_key.serialize_pem()).unwrap_err();
        assert_eq!(none.0, "PLUGIN_CLIENT_CERT holds no PEM certificate");
        let bad =
            parse_single_cert("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
                .unwrap_err();
        assert!(
            bad.0
                .starts_with("PLUGIN_CLIENT_CERT is not a readable PEM certificate: "),
            "{}",
            bad.0
        );
    }

    #[test]
    fn server_certificate_names_localhost_and_offers_h2() {
        let client = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let tls = server_tls(&client.cert.pem()).unwrap();
        for config in [&tls.for_parent, &tls.for_others] {
            assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
            assert_eq!(config.send_tls13_tickets, 0);
        }
        // The DER carries the SAN; a cheap check that it is there.
        let needle = b"localhost";
        assert!(tls.cert_der.windows(needle.len()).any(|w| w == needle));
    }
}
