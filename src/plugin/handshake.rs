//! The go-plugin handshake: what Terraform tells the plugin through its
//! environment, and the one line the plugin answers on stdout.

use base64::Engine;

/// The cookie Terraform sets so a provider knows it was started by
/// Terraform. Its value is fixed by Terraform and never changes.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The only application protocol this plugin speaks.
pub const PROTOCOL_VERSION: u32 = 5;

/// go-plugin's own protocol version, the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;

/// What the environment asks of this plugin process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// PEM of Terraform's client certificate when AutoMTLS is on.
    pub client_cert_pem: Option<String>,
    /// Where to create the socket directory, if Terraform says.
    pub socket_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    NotLaunchedByTerraform,
    NoCommonVersion(String),
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeError::NotLaunchedByTerraform => write!(
                f,
                "This binary is a Terraform plugin. It is started by Terraform or OpenTofu, \
                 not run directly.\n\
                 To use it, install it where `terraform init` finds it (see the README), \
                 or run it with --debug to attach Terraform to it by hand.\n\
                 Run it with --version to print its version."
            ),
            HandshakeError::NoCommonVersion(offered) => write!(
                f,
                "This provider speaks Terraform plugin protocol {PROTOCOL_VERSION}, but the \
                 client offered only {offered:?}. Use Terraform 0.12 or later, or OpenTofu."
            ),
        }
    }
}

impl Handshake {
    /// Reads the handshake environment through `var`, so tests can pass
    /// their own.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Handshake, HandshakeError> {
        if var(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotLaunchedByTerraform);
        }
        if let Some(offered) = var("PLUGIN_PROTOCOL_VERSIONS") {
            negotiate(&offered)?;
        }
        Ok(Handshake {
            client_cert_pem: var("PLUGIN_CLIENT_CERT").filter(|pem| !pem.trim().is_empty()),
            socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").filter(|dir| !dir.is_empty()),
        })
    }
}

/// Picks protocol 5 from the client's comma-separated list, which Terraform
/// builds from a map and so sends in any order ("5,6" or "6,5"). An empty
/// list comes from clients that predate negotiation; they all speak 5.
pub fn negotiate(offered: &str) -> Result<u32, HandshakeError> {
    let mut any = false;
    for item in offered.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        any = true;
        if item.parse::<u32>() == Ok(PROTOCOL_VERSION) {
            return Ok(PROTOCOL_VERSION);
        }
    }
    if any {
        Err(HandshakeError::NoCommonVersion(offered.to_string()))
    } else {
        Ok(PROTOCOL_VERSION)
    }
}

/// The handshake line: `1|5|unix|<socket path>|grpc|<server certificate>`.
///
/// The certificate is the DER bytes in standard base64 without padding,
/// because the line cannot hold PEM's newlines.
pub fn line(socket_path: &str, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{socket_path}|grpc|{cert}")
}

/// The `TF_REATTACH_PROVIDERS` value for debug mode: Terraform connects to
/// an already running provider instead of starting one.
pub fn reattach_json(provider_address: &str, socket_path: &str) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "unix", "String": socket_path },
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn negotiation_finds_five_in_any_order() {
        assert_eq!(negotiate("5,6"), Ok(5));
        assert_eq!(negotiate("6,5"), Ok(5));
        assert_eq!(negotiate(" 6 , 5 ,4"), Ok(5));
        assert_eq!(negotiate(""), Ok(5));
        assert!(matches!(
            negotiate("6"),
            Err(HandshakeError::NoCommonVersion(_))
        ));
        assert!(matches!(
            negotiate("50,x"),
            Err(HandshakeError::NoCommonVersion(_))
        ));
    }

    #[test]
    fn missing_or_wrong_cookie_is_refused() {
        assert_eq!(
            Handshake::from_env(env(&[])),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        assert_eq!(
            Handshake::from_env(env(&[(MAGIC_COOKIE_KEY, "nope")])),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
    }

    #[test]
    fn environment_is_read() {
        let handshake = Handshake::from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "6,5"),
            ("PLUGIN_CLIENT_CERT", "-----BEGIN CERTIFICATE-----"),
        ]))
        .unwrap();
        assert!(handshake.client_cert_pem.is_some());
        assert_eq!(handshake.socket_dir, None);
        let refused = Handshake::from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "6"),
        ]));
        assert!(refused.is_err());
    }

    #[test]
    fn line_has_six_fields_and_unpadded_base64() {
        let text = line("/tmp/x/plugin.sock", Some(&[1, 2, 3, 4]));
        assert_eq!(text, "1|5|unix|/tmp/x/plugin.sock|grpc|AQIDBA");
        assert_eq!(line("/s", None), "1|5|unix|/s|grpc|");
    }

    #[test]
    fn reattach_names_the_provider_and_socket() {
        let json: serde_json::Value =
            serde_json::from_str(&reattach_json("example.test/acme/clerk", "/tmp/s")).unwrap();
        let entry = &json["example.test/acme/clerk"];
        assert_eq!(entry["ProtocolVersion"], 5);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/s");
    }
}
