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
        .env_remove("FORCE")
        .env_remove("GPG_FINGERPRINT")
        .env_remove("GPG_PASSPHRASE")
        .env_remove("GNUPGHOME");
    command
}

/// Says that (part of) a test was skipped, in the output even of a passing
/// test: written to stderr directly, which the test harness does not
/// capture.
fn skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
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
fn install_keeps_an_installed_build_unless_forced() {
    let home = tempfile::tempdir().unwrap();
    let first = snapshot_binary(home.path());
    let install = |binary: &Path, force: bool| {
        let mut command = script("install.sh");
        command
            .arg("--no-build")
            .env("HOME", home.path())
            .env("BINARY", binary);
        if force {
            command.arg("--force");
        }
        command.output().unwrap()
    };
    let installed = home.path().join(format!(
        ".terraform.d/plugins/{SOURCE}/{VERSION}/{}/{NAME}_v{VERSION}",
        platform()
    ));
    assert_success(&install(&first, false), "the first install");
    // The same bytes again: nothing changes, so nothing to refuse.
    assert_success(&install(&first, false), "reinstalling the same build");

    // Another build of the same version (a byte appended still runs).
    // Written by a child process: a file this multi-threaded test process
    // had open for writing could be "text file busy" when run.
    let other = home.path().join("rebuilt");
    let copy = Command::new("sh")
        .args(["-c", "cp \"$1\" \"$2\" && printf '\\0' >>\"$2\"", "sh"])
        .arg(&first)
        .arg(&other)
        .output()
        .unwrap();
    assert_success(&copy, "copying the binary");
    let bytes = std::fs::read(&other).unwrap();
    assert_eq!(
        bytes.len() as u64,
        std::fs::metadata(&first).unwrap().len() + 1
    );
    let refused = install(&other, false);
    assert!(!refused.status.success(), "a different build was installed");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("a different build") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(
        std::fs::read(&installed).unwrap() == std::fs::read(&first).unwrap(),
        "the refused install changed the installed file"
    );

    assert_success(&install(&other, true), "install --force");
    assert!(std::fs::read(&installed).unwrap() == bytes);
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

/// A file with the header of an executable for `platform` (ELF, Mach-O or
/// PE with that architecture) and `label` after it: what a cross-built
/// binary looks like to release.sh, which cannot run it.
fn fake_executable(dir: &Path, platform: &str, label: &str) -> PathBuf {
    let (os, arch) = platform.split_once('_').unwrap();
    let mut bytes = vec![0u8; 0x80];
    match os {
        "darwin" => {
            bytes[..4].copy_from_slice(&[0xcf, 0xfa, 0xed, 0xfe]);
            let cpu: u32 = if arch == "arm64" {
                0x0100_000c
            } else {
                0x0100_0007
            };
            bytes[4..8].copy_from_slice(&cpu.to_le_bytes());
        }
        "windows" => {
            bytes[..2].copy_from_slice(b"MZ");
            bytes[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
            bytes[0x40..0x44].copy_from_slice(b"PE\0\0");
            let machine: u16 = match arch {
                "arm64" => 0xaa64,
                "386" => 0x14c,
                _ => 0x8664,
            };
            bytes[0x44..0x46].copy_from_slice(&machine.to_le_bytes());
        }
        _ => {
            let (machine, class): (u16, u8) = match arch {
                "arm64" => (183, 2),
                "386" => (3, 1),
                "arm" => (40, 1),
                _ => (62, 2),
            };
            bytes[..4].copy_from_slice(b"\x7fELF");
            bytes[4] = class;
            bytes[5] = 1; // little-endian
            bytes[6] = 1;
            bytes[7] = if os == "freebsd" { 9 } else { 0 };
            bytes[16] = 2; // executable
            bytes[18..20].copy_from_slice(&machine.to_le_bytes());
        }
    }
    bytes.extend_from_slice(label.as_bytes());
    let path = dir.join(format!("fake-{platform}-{label}"));
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn release(binary: &Path, dist: &Path, extra_env: &[(&str, &str)]) -> Output {
    release_with(&["--no-build"], Some(binary), dist, extra_env)
}

fn release_with(
    args: &[&str],
    binary: Option<&Path>,
    dist: &Path,
    extra_env: &[(&str, &str)],
) -> Output {
    let mut command = script("release.sh");
    command.args(args).env("DIST", dist);
    if let Some(binary) = binary {
        command.env("BINARY", binary);
    }
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn zip_name() -> String {
    zip_name_for(&platform())
}

fn zip_name_for(platform: &str) -> String {
    format!("{NAME}_{VERSION}_{platform}.zip")
}

fn sums_name() -> String {
    format!("{NAME}_{VERSION}_SHA256SUMS")
}

fn manifest_name() -> String {
    format!("{NAME}_{VERSION}_manifest.json")
}

fn key_name() -> String {
    format!("{NAME}_{VERSION}_signing_key.asc")
}

const MIRROR_DIR: &str = "terraform.local/clerk/clerk";

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

/// Every file under `dir`, relative path → contents.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, found: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, found);
            } else {
                let relative = path.strip_prefix(base).unwrap().display().to_string();
                found.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
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
    let binary = fake_executable(work.path(), "linux_arm64", "one");
    let first = work.path().join("first");
    let second = work.path().join("second");
    std::fs::create_dir_all(&first).unwrap();
    // Left over from an earlier, signed run: a signature of another
    // SHA256SUMS must not survive next to the new one.
    std::fs::write(first.join(format!("{}.sig", sums_name())), "stale").unwrap();

    // 2023-11-14 22:13:20 UTC.
    let env = [
        ("SOURCE_DATE_EPOCH", "1700000000"),
        ("PLATFORM", "linux_arm64"),
    ];
    assert_success(&release(&binary, &first, &env), "release.sh");
    // The binary's own timestamps must not matter.
    let file = std::fs::File::options().write(true).open(&binary).unwrap();
    file.set_modified(std::time::SystemTime::now()).unwrap();
    drop(file);
    assert_success(&release(&binary, &second, &env), "release.sh again");

    let zip = zip_name_for("linux_arm64");
    let listing: Vec<String> = tree(&first).into_keys().collect();
    let mut expected = vec![
        zip.clone(),
        sums_name(),
        manifest_name(),
        format!("{MIRROR_DIR}/index.json"),
        format!("{MIRROR_DIR}/{VERSION}.json"),
    ];
    expected.sort();
    assert_eq!(listing, expected);
    assert_eq!(tree(&first), tree(&second), "two runs differ");

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
        vec![zip.clone(), manifest_name()]
    );
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", &sums_name()])
        .current_dir(&first)
        .output()
        .unwrap();
    assert_success(&check, "sha256sum --check");

    let entry = read_zip(&first.join(&zip));
    assert_eq!(entry.entries, 1);
    assert_eq!(entry.name, format!("{NAME}_v{VERSION}"));
    assert_eq!(entry.mode, 0o100755);
    assert!(entry.deflated);
    // DOS fields: (year - 1980) << 9 | month << 5 | day; hour << 11 | min << 5 | sec / 2.
    assert_eq!(entry.dos_date, (43 << 9) | (11 << 5) | 14);
    assert_eq!(entry.dos_time, (22 << 11) | (13 << 5) | 10);

    // The network mirror's files: the version, and per platform the zip
    // (relative to the version file) with the h1: and zh: hashes.
    let index: Json =
        serde_json::from_slice(&tree(&first)[&expected_mirror("index.json")]).unwrap();
    assert_eq!(index, json!({"versions": {VERSION: {}}}));
    let versions: Json =
        serde_json::from_slice(&tree(&first)[&expected_mirror(&format!("{VERSION}.json"))])
            .unwrap();
    assert_eq!(
        versions,
        json!({"archives": {"linux_arm64": {
            "url": format!("../../../{zip}"),
            "hashes": [h1_hash(&binary, &format!("{NAME}_v{VERSION}")), format!("zh:{}", sums[&zip])],
        }}})
    );
}

fn expected_mirror(file: &str) -> String {
    format!("{MIRROR_DIR}/{file}")
}

#[test]
fn release_refuses_a_binary_of_another_version() {
    let work = tempfile::tempdir().unwrap();
    // A real executable of this machine that is not the provider.
    let binary = work.path().join("other");
    std::fs::copy(support::EMULATOR_BIN, &binary).unwrap();
    let dist = work.path().join("dist");
    let output = release(&binary, &dist, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("expected {NAME} {VERSION}")),
        "{stderr}"
    );
    assert!(!dist.exists());
}

#[test]
fn release_checks_each_binary_against_its_platform() {
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    let host = snapshot_binary(work.path());
    let script_file = fake_binary(work.path(), VERSION);
    let cases: Vec<(&str, PathBuf, &str)> = vec![
        ("linux_arm64", host.clone(), "for amd64, not arm64"),
        ("banana", host.clone(), "unknown platform 'banana'"),
        ("linux_amd64", script_file, "is not an executable"),
        ("windows_amd64", host.clone(), "does not run on windows"),
        (
            "darwin_arm64",
            fake_executable(work.path(), "darwin_amd64", "x"),
            "Mach-O executable for amd64, not arm64",
        ),
        (
            "linux_amd64",
            fake_executable(work.path(), "windows_amd64", "x"),
            "PE executable, which does not run on linux",
        ),
        (
            "linux_amd64",
            fake_executable(work.path(), "freebsd_amd64", "x"),
            "for freebsd, not linux",
        ),
    ];
    for (platform, binary, expected) in cases {
        let output = release(&binary, &dist, &[("PLATFORM", platform)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains(expected),
            "PLATFORM={platform} {}: expected a refusal saying {expected:?}, got:\n{stderr}",
            binary.display()
        );
        assert!(!dist.exists(), "PLATFORM={platform}: dist/ was written");
    }
    // Every platform is known and checked, not only the host's.
    for platform in ["darwin_arm64", "windows_386", "freebsd_arm64", "linux_arm"] {
        let binary = fake_executable(work.path(), platform, "ok");
        let output = release(&binary, &dist, &[("PLATFORM", platform)]);
        assert_success(&output, &format!("release.sh for {platform}"));
    }
}

#[test]
fn per_platform_runs_combine_into_one_signed_set() {
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    let arm = fake_executable(work.path(), "linux_arm64", "arm");
    let windows = fake_executable(work.path(), "windows_amd64", "win");
    let epoch = ("SOURCE_DATE_EPOCH", "1700000000");
    // Two builders, one dist/: the second keeps the first one's zip.
    let output = release(&arm, &dist, &[("PLATFORM", "linux_arm64"), epoch]);
    assert_success(&output, "release.sh for linux_arm64");
    let output = release(&windows, &dist, &[("PLATFORM", "windows_amd64"), epoch]);
    assert_success(&output, "release.sh for windows_amd64");
    let zips = [zip_name_for("linux_arm64"), zip_name_for("windows_amd64")];
    let sums = read_sums(&dist);
    assert_eq!(
        sums.keys().cloned().collect::<Vec<_>>(),
        vec![zips[0].clone(), manifest_name(), zips[1].clone()]
    );
    let entry = read_zip(&dist.join(&zips[1]));
    assert_eq!(entry.name, format!("{NAME}_v{VERSION}.exe"));
    let versions: Json = serde_json::from_str(
        &std::fs::read_to_string(dist.join(expected_mirror(&format!("{VERSION}.json")))).unwrap(),
    )
    .unwrap();
    let platforms: Vec<&String> = versions["archives"].as_object().unwrap().keys().collect();
    assert_eq!(platforms, ["linux_arm64", "windows_amd64"]);
    assert_eq!(
        versions["archives"]["windows_amd64"]["hashes"][0],
        json!(h1_hash(&windows, &format!("{NAME}_v{VERSION}.exe")))
    );

    // The gathering step: zips copied from the builders, then --combine.
    let combined = work.path().join("combined");
    std::fs::create_dir_all(&combined).unwrap();
    for zip in &zips {
        std::fs::copy(dist.join(zip), combined.join(zip)).unwrap();
    }
    let gpg = Gpg::new("rsa2048", None);
    let mut env = vec![epoch];
    if let Some(gpg) = &gpg {
        env.push(("GNUPGHOME", gpg.home()));
        env.push(("GPG_FINGERPRINT", &gpg.fingerprint));
    } else {
        skipped("gpg is not installed: skipping the signature of the combined set");
    }
    assert_success(
        &release_with(&["--combine"], None, &combined, &env),
        "release.sh --combine",
    );
    let before = tree(&dist);
    let after = tree(&combined);
    for file in [sums_name(), manifest_name(), expected_mirror("index.json")] {
        assert_eq!(
            before[&file], after[&file],
            "{file} differs after --combine"
        );
    }
    if let Some(gpg) = &gpg {
        gpg.verify(&combined);
    }

    // --clean starts over: only this run's platform is left.
    let output = release_with(
        &["--no-build", "--clean"],
        Some(&arm),
        &dist,
        &[("PLATFORM", "linux_arm64"), epoch],
    );
    assert_success(&output, "release.sh --clean");
    assert_eq!(
        read_sums(&dist).keys().cloned().collect::<Vec<_>>(),
        vec![zips[0].clone(), manifest_name()]
    );
    assert!(!dist.join(&zips[1]).exists());

    // Nothing to combine is an error, not an empty release.
    let empty = work.path().join("empty");
    let output = release_with(&["--combine"], None, &empty, &[]);
    assert!(!output.status.success());
    assert!(!empty.join(sums_name()).exists());
}

/// A throwaway GPG key in its own home, like a release signing key.
struct Gpg {
    home: tempfile::TempDir,
    fingerprint: String,
    key_id: String,
}

impl Gpg {
    fn gpg(home: &Path) -> Command {
        let mut command = Command::new("gpg");
        command.env("GNUPGHOME", home).args(["--batch", "--quiet"]);
        command
    }

    fn installed() -> bool {
        Command::new("gpg").arg("--version").output().is_ok()
    }

    /// A signing key of `algorithm` (`rsa2048`, `ed25519`, ...), protected
    /// by `passphrase` if given; `None` when gpg is not installed.
    fn new(algorithm: &str, passphrase: Option<&str>) -> Option<Gpg> {
        if !Gpg::installed() {
            return None;
        }
        let home = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        // The agent keeps no passphrase: each signature must be given one.
        std::fs::write(
            home.path().join("gpg-agent.conf"),
            "default-cache-ttl 0\nmax-cache-ttl 0\nallow-loopback-pinentry\n",
        )
        .unwrap();
        let generate = Gpg::gpg(home.path())
            .args(["--pinentry-mode", "loopback", "--passphrase"])
            .arg(passphrase.unwrap_or(""))
            .arg("--quick-gen-key")
            .args([
                "terraform-provider-clerk release test <release-test@example.invalid>",
                algorithm,
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
        Some(Gpg {
            home,
            fingerprint,
            key_id,
        })
    }

    fn home(&self) -> &str {
        self.home.path().to_str().unwrap()
    }

    /// Checks the signature in `dist` with nothing but the public key
    /// release.sh exported there, in a keyring of its own.
    fn verify(&self, dist: &Path) {
        let armor = std::fs::read_to_string(dist.join(key_name())).unwrap();
        assert!(armor.contains("BEGIN PGP PUBLIC KEY BLOCK"), "{armor}");
        let keyring = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
        std::fs::set_permissions(keyring.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let import = Gpg::gpg(keyring.path())
            .arg("--import")
            .arg(dist.join(key_name()))
            .output()
            .unwrap();
        assert_success(&import, "gpg --import of the exported key");
        let verify = Gpg::gpg(keyring.path())
            .arg("--verify")
            .arg(dist.join(format!("{}.sig", sums_name())))
            .arg(dist.join(sums_name()))
            .output()
            .unwrap();
        assert_success(&verify, "gpg --verify with the exported key");
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", keyring.path())
            .args(["--kill", "gpg-agent"])
            .output();
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

// ---------------------------------------------------------------------------
// Signing: refused up front when Terraform could not verify it, never
// interactive, and a failure leaves dist/ as it was.

/// The passphrase of the test keys; made up.
const PASSPHRASE: &str = "correct horse battery staple";

/// `None`, saying so, when gpg is not installed.
fn gpg_or_skip(algorithm: &str, passphrase: Option<&str>, test: &str) -> Option<Gpg> {
    let gpg = Gpg::new(algorithm, passphrase);
    if gpg.is_none() {
        skipped(&format!("gpg is not installed: skipping {test}"));
    }
    gpg
}

#[test]
fn signing_refuses_eddsa_keys_before_doing_anything() {
    let Some(gpg) = gpg_or_skip("ed25519", None, "the EdDSA refusal") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    let binary = fake_executable(work.path(), "linux_arm64", "x");
    let output = release(
        &binary,
        &dist,
        &[
            ("PLATFORM", "linux_arm64"),
            ("GNUPGHOME", gpg.home()),
            ("GPG_FINGERPRINT", &gpg.fingerprint),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "an EdDSA key was used");
    assert!(
        stderr.contains("EdDSA") && stderr.contains("RSA"),
        "{stderr}"
    );
    assert!(!dist.exists());
}

#[test]
fn signing_with_a_passphrase_is_non_interactive_and_failures_leave_dist_alone() {
    let Some(gpg) = gpg_or_skip("rsa2048", Some(PASSPHRASE), "the passphrase-key signing") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    // An earlier, unsigned release of another build is in dist/.
    let old = fake_executable(work.path(), "linux_arm64", "old");
    let platform = ("PLATFORM", "linux_arm64");
    assert_success(&release(&old, &dist, &[platform]), "an unsigned release");
    let before = tree(&dist);
    let new = fake_executable(work.path(), "linux_arm64", "new");
    let key = [
        platform,
        ("GNUPGHOME", gpg.home()),
        ("GPG_FINGERPRINT", &gpg.fingerprint),
    ];
    let leftovers = || {
        std::fs::read_dir(work.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".dist")
            })
            .count()
    };
    let check_failed = |output: &Output, expected: &str, what: &str| {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "{what}: succeeded:\n{text}");
        assert!(
            text.contains(expected),
            "{what}: no {expected:?} in\n{text}"
        );
        assert!(!text.contains(PASSPHRASE), "{what}: the passphrase leaked");
        assert!(tree(&dist) == before, "{what}: dist/ changed");
        assert_eq!(leftovers(), 0, "{what}: a staging directory was left");
    };

    // No passphrase given: gpg must not ask for one; nothing is written.
    let output = release(&new, &dist, &key);
    check_failed(&output, "GPG_PASSPHRASE", "without a passphrase");
    // A wrong one.
    let mut wrong = key.to_vec();
    wrong.push(("GPG_PASSPHRASE", "not the passphrase"));
    check_failed(
        &release(&new, &dist, &wrong),
        "cannot sign",
        "a wrong passphrase",
    );

    // gpg failing at the real signature, after the up-front check passed.
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real_gpg = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v gpg"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::write(
        bin.join("gpg"),
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  *--detach-sign*)\n    if [ -e \"{count}\" ]; then echo 'gpg: signing failed: disk full' >&2; exit 2; fi\n    touch \"{count}\" ;;\nesac\nexec {real} \"$@\"\n",
            count = work.path().join("signed-once").display(),
            real = real_gpg.trim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("gpg"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut failing = key.to_vec();
    failing.push(("GPG_PASSPHRASE", PASSPHRASE));
    failing.push(("PATH", &path));
    check_failed(
        &release(&new, &dist, &failing),
        "signing failed",
        "gpg failing to sign",
    );

    // The passphrase from the environment: signed, key exported, and both
    // check out in a keyring that has nothing but the exported key.
    let mut good = key.to_vec();
    good.push(("GPG_PASSPHRASE", PASSPHRASE));
    let output = release(&new, &dist, &good);
    assert_success(&output, "release.sh with GPG_PASSPHRASE");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(PASSPHRASE));
    assert!(!String::from_utf8_lossy(&output.stderr).contains(PASSPHRASE));
    gpg.verify(&dist);
    assert!(tree(&dist) != before);
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
                    // What release.sh exported, as a registry is given it.
                    "ascii_armor": std::fs::read_to_string(dist.join(key_name())).unwrap(),
                }]},
            })
            .to_string()
            .into_bytes(),
        );
        for entry in std::fs::read_dir(dist).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
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
    let gpg = Gpg::new("rsa2048", Some(PASSPHRASE));
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some(gpg) = &gpg {
        env.push(("GNUPGHOME", gpg.home()));
        env.push(("GPG_FINGERPRINT", &gpg.fingerprint));
        env.push(("GPG_PASSPHRASE", PASSPHRASE));
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
        None => skipped("gpg is not installed: skipping the signed registry install"),
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

// ---------------------------------------------------------------------------
// dist/ as a provider network mirror on a static HTTPS host.

/// A static HTTPS file server for `root` on loopback (Python's http.server
/// behind TLS), with a certificate Terraform trusts through SSL_CERT_FILE.
struct StaticHttps {
    child: std::process::Child,
    base: String,
    cert_file: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl StaticHttps {
    fn serve(root: &Path) -> StaticHttps {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        let cert_file = dir.path().join("cert.pem");
        let key_file = dir.path().join("key.pem");
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        let log = dir.path().join("requests.log");
        let server = "import functools, http.server, ssl, sys\n\
             root, cert, key, log = sys.argv[1:5]\n\
             class Handler(http.server.SimpleHTTPRequestHandler):\n\
             \x20   def log_message(self, format, *args):\n\
             \x20       with open(log, 'a') as f:\n\
             \x20           f.write(self.path + '\\n')\n\
             handler = functools.partial(Handler, directory=root)\n\
             httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)\n\
             context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
             context.load_cert_chain(cert, key)\n\
             httpd.socket = context.wrap_socket(httpd.socket, server_side=True)\n\
             print(httpd.server_address[1], flush=True)\n\
             httpd.serve_forever()\n";
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(server)
            .arg(root)
            .arg(&cert_file)
            .arg(&key_file)
            .arg(&log)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        assert!(!port.trim().is_empty(), "the HTTPS server did not start");
        StaticHttps {
            child,
            base: format!("https://127.0.0.1:{}/", port.trim()),
            cert_file,
            log,
            _dir: dir,
        }
    }

    fn requested(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for StaticHttps {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn dist_serves_as_a_network_mirror_from_a_static_https_host() {
    let work = tempfile::tempdir().unwrap();
    let binary = snapshot_binary(work.path());
    let dist = work.path().join("dist");
    assert_success(&release(&binary, &dist, &[]), "release.sh --no-build");
    let sums = read_sums(&dist);
    let zh = format!("\"zh:{}\"", sums[&zip_name()]);
    let h1 = format!("\"{}\"", h1_hash(&binary, &format!("{NAME}_v{VERSION}")));

    let server = StaticHttps::serve(&dist);
    let ws = Workspace::bare();
    ws.write_config(CONFIG);
    let config = write_cli_config(
        &ws,
        &format!(
            "provider_installation {{\n  network_mirror {{\n    url = \"{}\"\n  }}\n}}\n",
            server.base
        ),
    );
    let init = run(ws
        .command(&["init", "-input=false", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", &config)
        .env("SSL_CERT_FILE", &server.cert_file));
    init.assert_ok();
    assert!(
        init.stdout
            .contains(&format!("Installed {SOURCE} v{VERSION}")),
        "{}",
        init.stdout
    );
    let requested = server.requested();
    for path in [
        format!("/{MIRROR_DIR}/index.json"),
        format!("/{MIRROR_DIR}/{VERSION}.json"),
        format!("/{}", zip_name()),
    ] {
        assert!(requested.contains(&path), "{path} not in {requested:?}");
    }
    // Terraform records the h1: hash of what it installed (it records a
    // mirror's zh: hashes only from a signed registry).
    let lock = lock_file(&ws);
    assert!(lock.contains(&h1), "{h1} not in\n{lock}");
    run(ws
        .command(&["validate", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", &config))
    .assert_ok();

    // A lock file recorded elsewhere, holding only the zh: hash that
    // SHA256SUMS lists, accepts the mirror's zip.
    let pinned = Workspace::bare();
    pinned.write_config(CONFIG);
    std::fs::write(
        pinned.path().join(".terraform.lock.hcl"),
        format!("provider \"{SOURCE}\" {{\n  version = \"{VERSION}\"\n  hashes = [\n    {zh},\n  ]\n}}\n"),
    )
    .unwrap();
    let config = write_cli_config(&pinned, &std::fs::read_to_string(&config).unwrap());
    run(pinned
        .command(&["init", "-input=false", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", &config)
        .env("SSL_CERT_FILE", &server.cert_file))
    .assert_ok();
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

// ---------------------------------------------------------------------------
// One version, set in one step.

/// The package's version in Cargo.toml, and its entry in Cargo.lock.
fn manifest_versions(dir: &Path) -> (String, String) {
    let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let package = &toml[toml.find("[package]").expect("a [package] table")..];
    let cargo_toml = package
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("a package version")
        .to_string();
    let lock = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
    let entry = format!("[[package]]\nname = \"{NAME}\"\nversion = \"");
    let at = lock.find(&entry).expect("the package in Cargo.lock") + entry.len();
    let cargo_lock = lock[at..at + lock[at..].find('"').unwrap()].to_string();
    (cargo_toml, cargo_lock)
}

#[test]
fn cargo_toml_cargo_lock_and_the_build_agree_on_the_version() {
    let (toml, lock) = manifest_versions(&repo());
    assert_eq!(toml, VERSION);
    assert_eq!(
        lock, VERSION,
        "Cargo.lock is behind Cargo.toml: make version V={toml}"
    );
}

#[test]
fn make_version_sets_every_place_at_once() {
    let work = tempfile::tempdir().unwrap();
    for file in ["Cargo.toml", "Cargo.lock", "CHANGELOG.md", "README.md"] {
        std::fs::copy(repo().join(file), work.path().join(file)).unwrap();
    }
    let bump = |version: &str| {
        script("version.sh")
            .arg(version)
            .env("ROOT", work.path())
            .env("CHANGELOG_DATE", "2030-01-02")
            .output()
            .unwrap()
    };
    let refused = bump("1.2");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a semantic version"));

    assert_success(&bump("7.8.9-rc.1"), "version.sh 7.8.9-rc.1");
    assert_eq!(
        manifest_versions(work.path()),
        ("7.8.9-rc.1".to_string(), "7.8.9-rc.1".to_string())
    );
    let changelog = std::fs::read_to_string(work.path().join("CHANGELOG.md")).unwrap();
    let unreleased = changelog.find("\n## [Unreleased]\n").unwrap();
    let new = changelog.find("\n## [7.8.9-rc.1] - 2030-01-02\n").unwrap();
    let old = changelog.find(&format!("\n## [{VERSION}]")).unwrap();
    assert!(unreleased < new && new < old, "{changelog}");
    let readme = std::fs::read_to_string(work.path().join("README.md")).unwrap();
    assert!(
        readme.contains("version = \"~> 7.8.9-rc.1\""),
        "README.md kept the old constraint"
    );
    // Only the package's own entry in Cargo.lock changed.
    let before = std::fs::read_to_string(repo().join("Cargo.lock")).unwrap();
    let after = std::fs::read_to_string(work.path().join("Cargo.lock")).unwrap();
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            format!("version = \"{VERSION}\"").as_str(),
            "version = \"7.8.9-rc.1\""
        )]
    );
    // Twice the same version would leave two sections.
    assert!(!bump("7.8.9-rc.1").status.success());
}

// ---------------------------------------------------------------------------
// Small things: --version, argument errors, version constraints.

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(repo())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[test]
fn version_names_the_commit_and_whether_the_tree_was_dirty() {
    let output = Command::new(PROVIDER_BIN)
        .arg("--version")
        .output()
        .unwrap();
    assert_success(&output, "--version");
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("{NAME} {VERSION} (plugin protocol 5)"));
    let in_checkout = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| Path::new(&top).canonicalize().ok() == repo().canonicalize().ok());
    if !in_checkout {
        assert_eq!(lines[1], "commit unknown (not built from a git checkout)");
        return;
    }
    // The test binary was built just now, from this tree.
    let head = git(&["rev-parse", "HEAD"]).unwrap();
    // Only the files the binary is built from count (build.rs: SOURCES).
    let dirty = !git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "src",
        "proto",
        "build.rs",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo",
    ])
    .unwrap()
    .is_empty();
    let expected = if dirty {
        format!("commit {head} (with uncommitted changes to its sources)")
    } else {
        format!("commit {head}")
    };
    assert_eq!(lines[1], expected);
}

#[test]
fn unknown_arguments_are_named() {
    let output = Command::new(PROVIDER_BIN)
        .args(["--verison"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("unrecognised argument: --verison\n"),
        "{stderr}"
    );
    assert!(stderr.contains("Usage:"), "{stderr}");
}

/// Every `version = "..."` constraint on the provider in README, docs,
/// templates and examples.
fn version_constraints() -> Vec<(String, String)> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut files = vec![repo().join("README.md")];
    for dir in ["docs", "docs-templates", "examples"] {
        walk(&repo().join(dir), &mut files);
    }
    let mut constraints = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let mut in_clerk = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("clerk = {") {
                in_clerk = true;
            } else if in_clerk && line.starts_with('}') {
                in_clerk = false;
            } else if let Some(value) = line.strip_prefix("version") {
                if in_clerk {
                    let relative = file.strip_prefix(repo()).unwrap().display().to_string();
                    constraints.push((relative, value.trim().to_string()));
                }
            }
        }
    }
    constraints
}

#[test]
fn one_version_constraint_style_everywhere() {
    let constraints = version_constraints();
    assert!(
        constraints.iter().any(|(f, _)| f == "README.md"),
        "{constraints:?}"
    );
    for (file, constraint) in &constraints {
        let version = if file.starts_with("docs-templates") {
            "{{version}}"
        } else {
            VERSION
        };
        assert_eq!(
            constraint,
            &format!("= \"~> {version}\""),
            "{file}: write the provider's version constraint as \"~> {version}\""
        );
    }
}

// ---------------------------------------------------------------------------
// Reproducible release binaries: no path of the build machine inside, and
// the same bytes from any checkout directory.

/// Builds the release binary the way `make release` does (paths remapped
/// by scripts/build-env.sh), in `checkout`, with `target_dir`.
fn release_build(checkout: &Path, target_dir: &Path) -> PathBuf {
    let output = Command::new("bash")
        .args([
            "-c",
            "root=\"$PWD\"; . scripts/build-env.sh; exec cargo build --release --locked --bin terraform-provider-clerk",
        ])
        .current_dir(checkout)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CFLAGS")
        .env_remove("CXXFLAGS")
        .output()
        .unwrap();
    assert_success(&output, "the release build");
    target_dir.join("release").join(NAME)
}

/// The absolute paths of this machine a binary must not name.
fn machine_paths() -> Vec<String> {
    let mut paths = vec![repo().display().to_string()];
    if let Ok(real) = repo().canonicalize() {
        paths.push(real.display().to_string());
    }
    if let Ok(home) = std::env::var("HOME") {
        if home.len() > 1 {
            paths.push(format!("{}/", home.trim_end_matches('/')));
        }
    }
    if let Ok(cargo_home) = std::env::var("CARGO_HOME") {
        paths.push(cargo_home);
    }
    paths
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn the_release_binary_names_no_path_of_the_build_machine() {
    // The repository's own release build directory, shared with `make
    // release`, so a machine that has built a release reuses it.
    let binary = release_build(&repo(), &repo().join("target"));
    let bytes = std::fs::read(&binary).unwrap();
    for path in machine_paths() {
        if let Some(at) = find(&bytes, path.as_bytes()) {
            let end = (at + 120).min(bytes.len());
            panic!(
                "{} names {path:?}: {:?}",
                binary.display(),
                String::from_utf8_lossy(&bytes[at..end])
            );
        }
    }
    // The generated protocol code is still named, by its remapped path.
    assert!(
        find(&bytes, b"terraform-provider-clerk/target/").is_some()
            || find(&bytes, b"/cargo/registry/").is_some(),
        "no remapped path at all: is scripts/build-env.sh in effect?"
    );
}

/// Builds the committed tree in two fresh checkouts whose paths differ in
/// length and compares the binaries. Two full release builds take several
/// minutes each, so this runs only with RELEASE_REPRODUCIBILITY=1.
#[test]
fn release_builds_from_two_checkout_directories_are_identical() {
    if std::env::var("RELEASE_REPRODUCIBILITY").as_deref() != Ok("1") {
        skipped("set RELEASE_REPRODUCIBILITY=1 to build the release binary in two directories");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut binaries = Vec::new();
    for dir in ["a", "a-much-longer-checkout-directory-name"] {
        let checkout = work.path().join(dir).join(NAME);
        let clone = Command::new("git")
            .args(["clone", "--quiet", "--no-hardlinks"])
            .arg(repo())
            .arg(&checkout)
            .output()
            .unwrap();
        assert_success(&clone, "git clone");
        let binary = release_build(&checkout, &checkout.join("target"));
        binaries.push(std::fs::read(binary).unwrap());
    }
    assert!(
        binaries[0] == binaries[1],
        "release binaries built in two directories differ"
    );
}

// ---------------------------------------------------------------------------
// docs/guides/reviewing-plans.md: its claims about plan JSON, and its recipe
// against what apply then sends.

/// The guide's Python recipe, as the reader copies it.
fn plan_recipe() -> String {
    let guide = std::fs::read_to_string(repo().join("docs/guides/reviewing-plans.md")).unwrap();
    let start = guide
        .find("```python\n")
        .expect("a python block in the guide")
        + 10;
    let end = start + guide[start..].find("\n```").unwrap();
    guide[start..=end].to_string()
}

/// Saves a plan, returns its JSON and what the recipe says apply sends.
fn saved_plan(ws: &Workspace, recipe: &Path) -> (Json, Json) {
    ws.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .assert_ok();
    let show = ws.run(&["show", "-json", "-no-color", "tfplan"]);
    show.assert_ok();
    let mut child = Command::new("python3")
        .arg(recipe)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(show.stdout.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_success(&output, "the guide's recipe");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.contains(SECRET_EMAIL),
        "the recipe printed a sensitive value"
    );
    (
        serde_json::from_str(&show.stdout).unwrap(),
        serde_json::from_str(&stdout).unwrap(),
    )
}

const SECRET_EMAIL: &str = "private-support@example.com";

fn plan_config(origins: bool, hibp: bool) -> String {
    let mut config = format!(
        "provider \"clerk\" {{}}\n\nvariable \"email\" {{\n  type      = string\n  sensitive = true\n}}\n\n\
         resource \"clerk_instance_settings\" \"this\" {{\n  hibp          = {hibp}\n  support_email = var.email\n}}\n"
    );
    if origins {
        config.push_str(
            "\nresource \"clerk_instance_settings\" \"origins\" {\n  allowed_origins = [\"https://${clerk_instance_settings.this.id}.example.com\"]\n}\n",
        );
    }
    config
}

fn find_change<'a>(plan: &'a Json, address: &str) -> &'a Json {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .map(|r| &r["change"])
        .unwrap_or_else(|| panic!("no change for {address}"))
}

/// The recipe's `sends` must be exactly the PATCH body: same keys, and
/// the same values where the recipe could show them.
#[track_caller]
fn assert_sends(sends: &Json, body: &Json, placeholders: &[(&str, Json)]) {
    let sends = sends.as_object().unwrap();
    let body = body.as_object().unwrap();
    assert_eq!(
        sends.keys().collect::<Vec<_>>(),
        body.keys().collect::<Vec<_>>(),
        "recipe {sends:?}, sent {body:?}"
    );
    for (name, value) in sends {
        match placeholders.iter().find(|(n, _)| n == name) {
            Some((_, sent)) => assert_eq!(&body[name], sent, "{name}"),
            None => assert_eq!(&body[name], value, "{name}"),
        }
    }
}

#[test]
fn the_plan_review_recipe_lists_exactly_what_apply_sends() {
    let work = tempfile::tempdir().unwrap();
    let recipe = work.path().join("plan-sends.py");
    std::fs::write(&recipe, plan_recipe()).unwrap();
    let emulator = support::Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.set_env("TF_VAR_email", SECRET_EMAIL);
    ws.write_config(&plan_config(true, true));
    ws.init();

    // 1. Both created; the origin depends on an id known only at apply.
    let (plan, report) = saved_plan(&ws, &recipe);
    // The guide's claims, as Terraform prints them.
    let origins = find_change(&plan, "clerk_instance_settings.origins");
    assert_eq!(origins["after"]["allowed_origins"], json!([]));
    assert_eq!(origins["after_unknown"]["allowed_origins"], json!([true]));
    assert_eq!(plan["variables"]["email"]["value"], json!(SECRET_EMAIL));
    assert_eq!(
        report["clerk_instance_settings.origins"]["sends"],
        json!({"allowed_origins": "(known after apply)"})
    );
    assert_eq!(
        report["clerk_instance_settings.this"]["sends"],
        json!({"hibp": true, "support_email": "(sensitive)"})
    );
    emulator.clear_requests();
    ws.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_ok();
    let patches = emulator.patches();
    assert_eq!(patches.len(), 2, "{patches:?}");
    let id = emulator.instance_id();
    assert_sends(
        &report["clerk_instance_settings.this"]["sends"],
        &patches[0],
        &[("support_email", json!(SECRET_EMAIL))],
    );
    assert_sends(
        &report["clerk_instance_settings.origins"]["sends"],
        &patches[1],
        &[(
            "allowed_origins",
            json!([format!("https://{id}.example.com")]),
        )],
    );

    // 2. One setting changes: only it is sent; the other resource, nothing.
    ws.write_config(&plan_config(true, false));
    let (_, report) = saved_plan(&ws, &recipe);
    assert_eq!(
        report["clerk_instance_settings.this"],
        json!({"actions": ["update"], "sends": {"hibp": false}})
    );
    assert_eq!(
        report["clerk_instance_settings.origins"],
        json!({"actions": ["no-op"], "sends": {}})
    );
    emulator.clear_requests();
    ws.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_ok();
    let patches = emulator.patches();
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_sends(
        &report["clerk_instance_settings.this"]["sends"],
        &patches[0],
        &[],
    );

    // 3. Destroy: every attribute planned as null (Terraform < 1.3), and
    //    nothing sent.
    ws.write_config(&plan_config(false, false));
    let (plan, report) = saved_plan(&ws, &recipe);
    let origins = find_change(&plan, "clerk_instance_settings.origins");
    assert_eq!(origins["actions"], json!(["delete"]));
    assert_eq!(origins["after"], Json::Null);
    assert_eq!(
        report["clerk_instance_settings.origins"],
        json!({"actions": ["delete"], "sends": {}})
    );
    emulator.clear_requests();
    ws.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_ok();
    assert_eq!(emulator.writes(), Vec::<Json>::new());
}
