//! Starting the provider binary the way Terraform starts it (magic cookie,
//! version list, a P-521/SHA-512 CA-flagged client certificate) and talking
//! to it through generated gRPC clients over its unix socket with mutual
//! TLS. Shared by the protocol and hardening tests.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use rustls::pki_types::CertificateDer;
use terraform_provider_clerk::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use terraform_provider_clerk::protocol::tfplugin5 as pb;
use terraform_provider_clerk::value::{msgpack, Type, Value};
use tonic::transport::Channel;

pub use super::mtls::{client_tls, connect, terraform_style_client_cert};
use super::{Emulator, PROVIDER_BIN, TEST_KEY};

/// go-plugin's own services (controller, stdio).
pub mod goplugin {
    tonic::include_proto!("plugin");
}

pub type ProviderClient = pb::provider_client::ProviderClient<Channel>;

/// A running provider process; killed on drop.
pub struct Plugin {
    /// The provider, or the wrapper shell it runs under.
    pub child: Child,
    pub socket: PathBuf,
    pub server_cert: Option<CertificateDer<'static>>,
    /// Started behind a wrapper, in a process group of its own.
    wrapped: bool,
}

impl Drop for Plugin {
    /// SIGTERM first, so the plugin removes its socket directory as it does
    /// when Terraform ends it; SIGKILL only if it lingers.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // A wrapped plugin's process group holds the wrapper and the
            // plugin; a negative ID signals the whole group.
            let pid = self.child.id() as libc::pid_t;
            let target = if self.wrapped { -pid } else { pid };
            // SAFETY: kill(2) only sends a signal; `target` is our child or
            // the process group it leads.
            unsafe {
                libc::kill(target, libc::SIGTERM);
            }
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(3) {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider with the test key and the emulator's URL.
pub fn start_plugin(client_cert_pem: Option<&str>, versions: &str, emulator: &Emulator) -> Plugin {
    start_plugin_with_env(
        client_cert_pem,
        versions,
        &[
            ("CLERK_SECRET_KEY", TEST_KEY),
            ("CLERK_API_URL", &emulator.url),
        ],
    )
}

/// Starts the provider with exactly the given Clerk environment, reads its
/// handshake line and checks its shape.
pub fn start_plugin_with_env(
    client_cert_pem: Option<&str>,
    versions: &str,
    env: &[(&str, &str)],
) -> Plugin {
    spawn_plugin(
        Command::new(PROVIDER_BIN),
        client_cert_pem,
        versions,
        env,
        false,
    )
}

/// Starts the provider under a shell that waits for it instead of
/// replacing itself, as some wrapper scripts do: the process that connects
/// (this one) is then not the provider's parent, only its grandparent.
pub fn start_plugin_behind_wrapper(client_cert_pem: Option<&str>, emulator: &Emulator) -> Plugin {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("sh");
    // Two commands, so the shell cannot simply exec the provider.
    cmd.args(["-c", "\"$0\"; exit $?", PROVIDER_BIN])
        .process_group(0);
    spawn_plugin(
        cmd,
        client_cert_pem,
        "5",
        &[
            ("CLERK_SECRET_KEY", TEST_KEY),
            ("CLERK_API_URL", &emulator.url),
        ],
        true,
    )
}

fn spawn_plugin(
    mut cmd: Command,
    client_cert_pem: Option<&str>,
    versions: &str,
    env: &[(&str, &str)],
    wrapped: bool,
) -> Plugin {
    cmd.env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", versions)
        .env_remove("CLERK_SECRET_KEY")
        .env_remove("CLERK_API_URL")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (key, value) in env {
        cmd.env(key, value);
    }
    if let Some(pem) = client_cert_pem {
        cmd.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line: {line:?}");
    assert_eq!(&fields[..3], ["1", "5", "unix"]);
    assert_eq!(fields[4], "grpc");
    let server_cert = (!fields[5].is_empty()).then(|| {
        assert!(!fields[5].ends_with('='), "base64 must be unpadded");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .unwrap();
        CertificateDer::from(der)
    });
    Plugin {
        child,
        socket: PathBuf::from(fields[3]),
        server_cert,
        wrapped,
    }
}

/// Starts the provider with AutoMTLS and connects as Terraform would: as its
/// parent, offering Terraform's certificate (which the parent is not asked
/// for).
pub async fn start_connected(env: &[(&str, &str)]) -> (Plugin, Channel) {
    let (pem, cert, key) = terraform_style_client_cert();
    let plugin = start_plugin_with_env(Some(&pem), "5", env);
    let server_cert = plugin
        .server_cert
        .clone()
        .expect("AutoMTLS returns a certificate");
    let channel = connect(
        plugin.socket.clone(),
        Some(client_tls(&server_cert, Some((cert, key)))),
    )
    .await
    .expect("the provider serves its parent");
    (plugin, channel)
}

/// A `DynamicValue` holding `value` in msgpack.
pub fn dv(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap(),
        json: Vec::new(),
    })
}

/// A `DynamicValue` holding raw msgpack bytes.
pub fn raw_msgpack(bytes: Vec<u8>) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

/// An object of type `ty` with the given attributes and null elsewhere.
pub fn object(pairs: &[(&str, Value)], ty: &Type) -> Value {
    let Type::Object(attributes) = ty else {
        panic!("not an object type")
    };
    let mut map: BTreeMap<String, Value> = attributes
        .keys()
        .map(|k| (k.clone(), Value::Null))
        .collect();
    for (k, v) in pairs {
        map.insert((*k).to_string(), v.clone());
    }
    Value::Object(map)
}

/// The object type of a schema's block, from the wire form.
pub fn schema_type(schema: &pb::Schema) -> Type {
    let block = schema.block.as_ref().unwrap();
    Type::Object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Type::from_json(&a.r#type).unwrap()))
            .collect(),
    )
}

/// The provider, resource and data source types from GetSchema.
pub struct Types {
    pub provider: Type,
    pub resource: Type,
    pub data: Type,
}

pub async fn schema_types(client: &mut ProviderClient) -> Types {
    let schema = client
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    Types {
        provider: schema_type(schema.provider.as_ref().unwrap()),
        resource: schema_type(&schema.resource_schemas["clerk_instance_settings"]),
        data: schema_type(&schema.data_source_schemas["clerk_instance"]),
    }
}

/// Configures the provider with an empty block (the environment supplies
/// the key and URL) plus `pairs`; panics on error diagnostics.
pub async fn configure(client: &mut ProviderClient, types: &Types, pairs: &[(&str, Value)]) {
    let configured = client
        .configure(pb::configure::Request {
            terraform_version: "1.0.3".into(),
            config: dv(&object(pairs, &types.provider), &types.provider),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );
}

/// Whether any diagnostic is an error.
pub fn has_error(diagnostics: &[pb::Diagnostic]) -> bool {
    diagnostics
        .iter()
        .any(|d| d.severity == pb::diagnostic::Severity::Error as i32)
}
