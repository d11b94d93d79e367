//! Shipping the provider: `scripts/install.sh` puts it where `terraform init`
//! finds it with no configuration at all, `dev_overrides` work as the README
//! says, and `scripts/release.sh` writes artefacts that real Terraform
//! installs from a registry (signature and checksums verified) and from a
//! packed filesystem mirror, recording their hashes in the lock file.
//!
//! Both scripts package the debug binary of this build (`--no-build`):
//! release builds are left to `make install` and `make release`.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value as Json};
use support::{Run, Workspace, PROVIDER_BIN, SOURCE, VERSION};

const NAME: &str = "terraform-provider-clerk";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Terraform's name for this machine's platform, e.g. `linux_amd64`.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

fn script(name: &str) -> Command {
    let mut command = Command::new(repo().join("scripts").join(name));
    command
        .env_remove("BINARY")
        .env_remove("DIST")
        .env_remove("PLATFORM")
        .env_remove("TARGETS")
        .env_remove("GPG_FINGERPRINT");
    command
}

#[track_caller]
fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run(command: &mut Command) -> Run {
    let output = command.output().expect("run terraform");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Terraform's `h1:` hash of a package directory holding only `file`,
/// installed under the name `name` (the "dirhash" of its contents).
fn h1_hash(file: &Path, name: &str) -> String {
    let output = Command::new("python3")
        .args([
            "-c",
            "import base64, hashlib, sys\n\
             digest = hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()\n\
             summary = f'{digest}  {sys.argv[2]}\\n'.encode()\n\
             print('h1:' + base64.b64encode(hashlib.sha256(summary).digest()).decode())",
        ])
        .arg(file)
        .arg(name)
        .output()
        .expect("run python3");
    assert_success(&output, "computing an h1 hash");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn lock_file(ws: &Workspace) -> String {
    std::fs::read_to_string(ws.path().join(".terraform.lock.hcl")).expect("a lock file")
}

fn write_cli_config(ws: &Workspace, text: &str) -> PathBuf {
    let path = ws.path().join("release.tfrc");
    std::fs::write(&path, text).unwrap();
    path
}

/// A private copy of the provider binary: a build running alongside the
/// tests may replace the file at `PROVIDER_BIN` between two steps.
fn snapshot_binary(dir: &Path) -> PathBuf {
    let path = dir.join(NAME);
    if std::fs::hard_link(PROVIDER_BIN, &path).is_err() {
        std::fs::copy(PROVIDER_BIN, &path).unwrap();
    }
    path
}

const CONFIG: &str = "resource \"clerk_instance_settings\" \"this\" {\n  hibp = true\n}";

// ---------------------------------------------------------------------------
// make install, and the README's dev_overrides.

#[test]
fn install_puts_the_provider_where_terraform_init_finds_it_unconfigured() {
    let home = tempfile::tempdir().unwrap();
    let binary = snapshot_binary(home.path());
    let output = script("install.sh")
        .arg("--no-build")
        .env("HOME", home.path())
        .env("BINARY", &binary)
        .output()
        .unwrap();
    assert_success(&output, "scripts/install.sh --no-build");
    let installed = home.path().join(format!(
        ".terraform.d/plugins/{SOURCE}/{VERSION}/{}/{NAME}_v{VERSION}",
        platform()
    ));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&installed.display().to_string()),
        "install.sh should say where it put the provider"
    );
    let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o755,
        "the installed provider must be executable"
    );
    assert!(
        std::fs::read(&installed).unwrap() == std::fs::read(&binary).unwrap(),
        "the installed file is not the binary given"
    );

    // No CLI configuration at all: only HOME says where to look.
    let ws = Workspace::bare();
    ws.write_config(CONFIG);
    let unconfigured = |args: &[&str]| {
        let mut command = ws.command(args);
        command
            .env_remove("TF_CLI_CONFIG_FILE")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("XDG_DATA_HOME")
            .env("XDG_DATA_DIRS", home.path().join("no-such-dir"))
            .env("HOME", home.path());
        run(&mut command)
    };
    let init = unconfigured(&["init", "-input=false", "-no-color"]);
    init.assert_ok();
    assert!(
        init.stdout
            .contains(&format!("Installed {SOURCE} v{VERSION} (unauthenticated)")),
        "{}",
        init.stdout
    );
    let lock = lock_file(&ws);
    let h1 = h1_hash(&binary, &format!("{NAME}_v{VERSION}"));
    assert!(lock.contains(&format!("\"{h1}\"")), "{h1} not in\n{lock}");
    unconfigured(&["validate", "-no-color"]).assert_ok();
}

#[test]
fn install_refuses_a_binary_of_another_version() {
    let home = tempfile::tempdir().unwrap();
    let fake = fake_binary(home.path(), "9.9.9");
    let output = script("install.sh")
        .arg("--no-build")
        .env("HOME", home.path())
        .env("BINARY", &fake)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("expected {NAME} {VERSION}")),
        "{stderr}"
    );
    assert!(!home.path().join(".terraform.d").exists());
}

#[test]
fn dev_overrides_use_the_build_output_without_init() {
    let ws = Workspace::bare();
    ws.write_config(CONFIG);
    let build_dir = Path::new(PROVIDER_BIN).parent().unwrap();
    let config = write_cli_config(
        &ws,
        &format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            build_dir.display()
        ),
    );
    let validate = run(ws
        .command(&["validate", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", &config));
    validate.assert_ok();
    assert!(
        validate
            .flat()
            .contains("Provider development overrides are in effect"),
        "{}",
        validate.combined()
    );
    assert!(!ws.path().join(".terraform").exists(), "no init was needed");
}

// ---------------------------------------------------------------------------
// make release.

/// A stand-in "binary" reporting `version`, for checks of the scripts
/// themselves that need no real provider.
fn fake_binary(dir: &Path, version: &str) -> PathBuf {
    let path = dir.join(format!("fake-{version}"));
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho '{NAME} {version} (plugin protocol 5)'\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn release(binary: &Path, dist: &Path, extra_env: &[(&str, &str)]) -> Output {
    let mut command = script("release.sh");
    command
        .arg("--no-build")
        .env("BINARY", binary)
        .env("DIST", dist);
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn zip_name() -> String {
    format!("{NAME}_{VERSION}_{}.zip", platform())
}

fn sums_name() -> String {
    format!("{NAME}_{VERSION}_SHA256SUMS")
}

fn manifest_name() -> String {
    format!("{NAME}_{VERSION}_manifest.json")
}

/// SHA256SUMS as file name → hex digest, checking its format on the way.
fn read_sums(dist: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dist.join(sums_name())).unwrap();
    let mut sums = BTreeMap::new();
    let mut names = Vec::new();
    for line in text.lines() {
        let (digest, name) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("not a sha256sum line: {line:?}"));
        assert_eq!(digest.len(), 64, "{line:?}");
        assert!(digest
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        names.push(name.to_string());
        sums.insert(name.to_string(), digest.to_string());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "SHA256SUMS lines should be sorted by name");
    sums
}

/// The one entry of a zip written by release.sh: its name, DOS date and
/// time fields, Unix mode, and whether it is deflated.
struct ZipEntry {
    name: String,
    dos_time: u16,
    dos_date: u16,
    mode: u32,
    deflated: bool,
    entries: u16,
}

fn read_zip(path: &Path) -> ZipEntry {
    let bytes = std::fs::read(path).unwrap();
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(
        &bytes[..4],
        b"PK\x03\x04",
        "a zip starts with a local header"
    );
    // End of central directory: the last 22 bytes when there is no comment.
    let end = bytes.len() - 22;
    assert_eq!(
        &bytes[end..end + 4],
        b"PK\x05\x06",
        "no zip comment expected"
    );
    let entries = u16_at(end + 10);
    let central = u32_at(end + 16) as usize;
    assert_eq!(&bytes[central..central + 4], b"PK\x01\x02");
    assert_eq!(bytes[central + 5], 3, "made on Unix, so the mode counts");
    let name_len = u16_at(central + 28) as usize;
    ZipEntry {
        name: String::from_utf8(bytes[central + 46..central + 46 + name_len].to_vec()).unwrap(),
        dos_time: u16_at(central + 12),
        dos_date: u16_at(central + 14),
        mode: u32_at(central + 38) >> 16,
        deflated: u16_at(central + 10) == 8,
        entries,
    }
}

#[test]
fn packaging_is_reproducible_and_complete() {
    let work = tempfile::tempdir().unwrap();
    let binary = fake_binary(work.path(), VERSION);
    let first = work.path().join("first");
    let second = work.path().join("second");
    std::fs::create_dir_all(&first).unwrap();
    // Left over from an earlier release: must not survive or be listed.
    let stale = first.join(format!("{NAME}_{VERSION}_plan9_amd64.zip"));
    std::fs::write(&stale, "stale").unwrap();

    // 2023-11-14 22:13:20 UTC.
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    assert_success(&release(&binary, &first, &env), "release.sh");
    // The binary's own timestamps must not matter.
    let file = std::fs::File::options().write(true).open(&binary).unwrap();
    file.set_modified(std::time::SystemTime::now()).unwrap();
    drop(file);
    assert_success(&release(&binary, &second, &env), "release.sh again");

    let mut listing: Vec<String> = std::fs::read_dir(&first)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listing.sort();
    let mut expected = vec![zip_name(), sums_name(), manifest_name()];
    expected.sort();
    assert_eq!(listing, expected);
    for name in &listing {
        assert_eq!(
            std::fs::read(first.join(name)).unwrap(),
            std::fs::read(second.join(name)).unwrap(),
            "{name} differs between two runs on the same binary"
        );
    }

    let manifest: Json =
        serde_json::from_str(&std::fs::read_to_string(first.join(manifest_name())).unwrap())
            .unwrap();
    assert_eq!(
        manifest,
        json!({"version": 1, "metadata": {"protocol_versions": ["5.0"]}})
    );
    let sums = read_sums(&first);
    assert_eq!(
        sums.keys().cloned().collect::<Vec<_>>(),
        vec![zip_name(), manifest_name()]
    );
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", &sums_name()])
        .current_dir(&first)
        .output()
        .unwrap();
    assert_success(&check, "sha256sum --check");

    let entry = read_zip(&first.join(zip_name()));
    assert_eq!(entry.entries, 1);
    assert_eq!(entry.name, format!("{NAME}_v{VERSION}"));
    assert_eq!(entry.mode, 0o100755);
    assert!(entry.deflated);
    // DOS fields: (year - 1980) << 9 | month << 5 | day; hour << 11 | min << 5 | sec / 2.
    assert_eq!(entry.dos_date, (43 << 9) | (11 << 5) | 14);
    assert_eq!(entry.dos_time, (22 << 11) | (13 << 5) | 10);
}

#[test]
fn release_refuses_a_binary_of_another_version() {
    let work = tempfile::tempdir().unwrap();
    let binary = fake_binary(work.path(), "0.0.0-other");
    let dist = work.path().join("dist");
    let output = release(&binary, &dist, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("expected {NAME} {VERSION}")),
        "{stderr}"
    );
    assert!(!dist.join(zip_name()).exists());
}

/// A throwaway GPG key in its own home, like a release signing key.
struct Gpg {
    home: tempfile::TempDir,
    fingerprint: String,
    key_id: String,
    armor: String,
}

impl Gpg {
    fn gpg(home: &Path) -> Command {
        let mut command = Command::new("gpg");
        command.env("GNUPGHOME", home).args(["--batch", "--quiet"]);
        command
    }

    /// `None` when gpg is not installed.
    fn new() -> Option<Gpg> {
        Command::new("gpg").arg("--version").output().ok()?;
        let home = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        // RSA: Terraform 1.0's OpenPGP library does not take EdDSA keys.
        let generate = Gpg::gpg(home.path())
            .args(["--passphrase", "", "--quick-gen-key"])
            .args([
                "terraform-provider-clerk release test <release-test@example.invalid>",
                "rsa2048",
                "sign",
                "never",
            ])
            .output()
            .unwrap();
        assert_success(&generate, "gpg --quick-gen-key");
        let listing = Gpg::gpg(home.path())
            .args(["--with-colons", "--list-keys"])
            .output()
            .unwrap();
        let listing = String::from_utf8(listing.stdout).unwrap();
        let field = |prefix: &str, index: usize| {
            listing
                .lines()
                .find(|l| l.starts_with(prefix))
                .and_then(|l| l.split(':').nth(index))
                .unwrap_or_else(|| panic!("no {prefix} line in\n{listing}"))
                .to_string()
        };
        let key_id = field("pub:", 4);
        let fingerprint = field("fpr:", 9);
        let export = Gpg::gpg(home.path())
            .args(["--armor", "--export", &fingerprint])
            .output()
            .unwrap();
        let armor = String::from_utf8(export.stdout).unwrap();
        assert!(armor.contains("BEGIN PGP PUBLIC KEY BLOCK"));
        Some(Gpg {
            home,
            fingerprint,
            key_id,
            armor,
        })
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        // Only the agent of this throwaway home.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// A provider registry (protocol v1) on loopback, serving what a registry
/// derives from the release artefacts: versions and protocols from the
/// manifest, checksums from SHA256SUMS and its signature, and the zips.
struct Registry {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    fn serve(dist: &Path, gpg: &Gpg) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let manifest: Json =
            serde_json::from_str(&std::fs::read_to_string(dist.join(manifest_name())).unwrap())
                .unwrap();
        let protocols = manifest["metadata"]["protocol_versions"].clone();
        let sums = read_sums(dist);
        let (os, arch) = platform()
            .split_once('_')
            .map(|(o, a)| (o.to_string(), a.to_string()))
            .unwrap();
        let mut routes: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        routes.insert(
            "/v1/providers/clerk/clerk/versions".to_string(),
            json!({"versions": [{
                "version": VERSION,
                "protocols": protocols,
                "platforms": [{"os": os, "arch": arch}],
            }]})
            .to_string()
            .into_bytes(),
        );
        routes.insert(
            format!("/v1/providers/clerk/clerk/{VERSION}/download/{os}/{arch}"),
            json!({
                "protocols": protocols,
                "os": os,
                "arch": arch,
                "filename": zip_name(),
                "download_url": format!("{base}/files/{}", zip_name()),
                "shasums_url": format!("{base}/files/{}", sums_name()),
                "shasums_signature_url": format!("{base}/files/{}.sig", sums_name()),
                "shasum": sums[&zip_name()],
                "signing_keys": {"gpg_public_keys": [{
                    "key_id": gpg.key_id,
                    "ascii_armor": gpg.armor,
                }]},
            })
            .to_string()
            .into_bytes(),
        );
        for entry in std::fs::read_dir(dist).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            routes.insert(format!("/files/{name}"), std::fs::read(&path).unwrap());
        }
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                Registry::answer(stream, &routes, &log);
            }
        });
        Registry { base, requests }
    }

    fn answer(mut stream: TcpStream, routes: &BTreeMap<String, Vec<u8>>, log: &Mutex<Vec<String>>) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        loop {
            let mut header = String::new();
            match reader.read_line(&mut header) {
                Ok(0) | Err(_) => break,
                Ok(_) if header.trim().is_empty() => break,
                Ok(_) => {}
            }
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .split('?')
            .next()
            .unwrap_or("/")
            .to_string();
        log.lock().unwrap().push(path.clone());
        let (status, body) = match routes.get(&path) {
            Some(body) => ("200 OK", body.as_slice()),
            None => ("404 Not Found", &b"{\"errors\":[\"Not Found\"]}"[..]),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    }

    fn requested(&self, path: &str) -> bool {
        self.requests.lock().unwrap().iter().any(|p| p == path)
    }
}

#[test]
fn release_artefacts_install_from_a_registry_and_a_packed_mirror_and_lock_their_hashes() {
    let work = tempfile::tempdir().unwrap();
    let binary = snapshot_binary(work.path());
    let dist = work.path().join("dist");
    let gpg = Gpg::new();
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some(gpg) = &gpg {
        env.push(("GNUPGHOME", gpg.home.path().to_str().unwrap()));
        env.push(("GPG_FINGERPRINT", &gpg.fingerprint));
    }
    assert_success(&release(&binary, &dist, &env), "release.sh --no-build");
    let sums = read_sums(&dist);
    let zip_sha = &sums[&zip_name()];
    let zh = format!("\"zh:{zip_sha}\"");
    let h1 = format!("\"{}\"", h1_hash(&binary, &format!("{NAME}_v{VERSION}")));

    // 1. Through the registry protocol, as from the Terraform Registry:
    //    Terraform checks the signature of SHA256SUMS and the zip against
    //    it, and only then trusts (and locks) the zh: hash it lists.
    match &gpg {
        None => eprintln!("gpg is not installed: skipping the signed registry install"),
        Some(gpg) => {
            assert!(dist.join(format!("{}.sig", sums_name())).is_file());
            let registry = Registry::serve(&dist, gpg);
            let ws = Workspace::bare();
            ws.write_config(CONFIG);
            let config = write_cli_config(
                &ws,
                &format!(
                    "host \"terraform.local\" {{\n  services = {{\n    \"providers.v1\" = \"{}/v1/providers/\"\n  }}\n}}\n\nprovider_installation {{\n  direct {{}}\n}}\n",
                    registry.base
                ),
            );
            let init = run(ws
                .command(&["init", "-input=false", "-no-color"])
                .env("TF_CLI_CONFIG_FILE", &config));
            init.assert_ok();
            assert!(
                init.stdout.contains(&format!(
                    "Installed {SOURCE} v{VERSION} (self-signed, key ID {})",
                    gpg.key_id
                )),
                "{}",
                init.stdout
            );
            assert!(registry.requested(&format!("/files/{}.sig", sums_name())));
            let lock = lock_file(&ws);
            assert!(lock.contains(&zh), "{zh} not in\n{lock}");
            assert!(lock.contains(&h1), "{h1} not in\n{lock}");
            run(ws
                .command(&["validate", "-no-color"])
                .env("TF_CLI_CONFIG_FILE", &config))
            .assert_ok();
        }
    }

    // 2. From a packed filesystem mirror, with the lock file pinned to the
    //    zh: hash SHA256SUMS lists: Terraform accepts the zip only if it is
    //    the one SHA256SUMS describes, and adds the h1: hash it computes.
    let mirror = work.path().join("mirror");
    let packed = mirror.join(SOURCE).join(zip_name());
    std::fs::create_dir_all(packed.parent().unwrap()).unwrap();
    std::fs::copy(dist.join(zip_name()), &packed).unwrap();
    let mirror_config = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"terraform.local/*/*\"]\n  }}\n}}\n",
        mirror.display()
    );
    let pinned = |hash: &str| {
        let ws = Workspace::bare();
        ws.write_config(CONFIG);
        std::fs::write(
            ws.path().join(".terraform.lock.hcl"),
            format!(
                "provider \"{SOURCE}\" {{\n  version = \"{VERSION}\"\n  hashes = [\n    {hash},\n  ]\n}}\n"
            ),
        )
        .unwrap();
        let config = write_cli_config(&ws, &mirror_config);
        let init = run(ws
            .command(&["init", "-input=false", "-no-color"])
            .env("TF_CLI_CONFIG_FILE", &config));
        (ws, config, init)
    };
    let (ws, config, init) = pinned(&zh);
    init.assert_ok();
    let lock = lock_file(&ws);
    assert!(lock.contains(&zh) && lock.contains(&h1), "{lock}");
    run(ws
        .command(&["validate", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", &config))
    .assert_ok();

    // A zip that does not match the locked hash is refused.
    let wrong = format!("\"zh:{}\"", "0".repeat(64));
    let (_ws, _config, init) = pinned(&wrong);
    init.assert_failed();
    assert!(
        init.flat()
            .contains("doesn't match any of the checksums previously recorded"),
        "{}",
        init.combined()
    );

    // 3. `terraform providers lock` from the same mirror records the same h1:.
    let ws = Workspace::bare();
    ws.write_config(CONFIG);
    let config = write_cli_config(&ws, &mirror_config);
    let mirror_arg = format!("-fs-mirror={}", mirror.display());
    let platform_arg = format!("-platform={}", platform());
    let lock_run = run(ws
        .command(&["providers", "lock", "-no-color", &mirror_arg, &platform_arg])
        .env("TF_CLI_CONFIG_FILE", &config));
    lock_run.assert_ok();
    let lock = lock_file(&ws);
    assert!(lock.contains(&h1), "{h1} not in\n{lock}");
}

#[test]
fn the_changelog_has_a_section_for_this_version() {
    let text = std::fs::read_to_string(repo().join("CHANGELOG.md")).unwrap();
    let unreleased = text
        .find("\n## [Unreleased]\n")
        .expect("CHANGELOG.md should open with an Unreleased section");
    let this = text.find(&format!("\n## [{VERSION}]")).unwrap_or_else(|| {
        panic!("CHANGELOG.md has no section for {VERSION}, the version in Cargo.toml")
    });
    assert!(unreleased < this, "Unreleased comes before {VERSION}");
    let section = &text[this..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |i| i + 1)];
    assert!(
        section.contains("\n### Added\n"),
        "the {VERSION} section should say what was added:\n{section}"
    );
}
