//! Compiles the plugin protocol definitions in `proto/` into Rust, and
//! records which commit the binary is built from (for `--version`).
//!
//! The proto files are parsed by `protox`, a pure-Rust compiler, so a fresh
//! machine builds with cargo alone and needs no system `protoc`.
//!
//! The commit comes from `git` when the source is a git checkout,
//! `BUILD_COMMIT` overrides it (for a build from a source tarball), and
//! without either it is "unknown": the build never fails for want of git.
//! Only the commit id and whether the files the binary is built from
//! ([`SOURCES`]) differ from it are recorded, never a path or a time, so
//! builds stay reproducible. Changes elsewhere (tests, docs, scripts) do
//! not change the binary, so they neither count nor trigger a rebuild.

use std::path::Path;
use std::process::Command;

/// What the binary is built from: edits here make a build "dirty".
const SOURCES: [&str; 6] = [
    "src",
    "proto",
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
];

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8(output.stdout).ok()?.trim().to_string())
}

/// `<commit>` or `<commit>-dirty`, or `None` outside a git checkout.
fn commit() -> Option<String> {
    println!("cargo:rerun-if-env-changed=BUILD_COMMIT");
    if let Ok(commit) = std::env::var("BUILD_COMMIT") {
        if !commit.is_empty() {
            return Some(commit);
        }
    }
    // Only a checkout of this very package counts, not a repository the
    // unpacked source happens to sit in.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let here = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    if Path::new(&top).canonicalize().ok()? != Path::new(&here).canonicalize().ok()? {
        return None;
    }
    let commit = git(&["rev-parse", "HEAD"])?;
    // Rerun when HEAD moves (a checkout, or a commit to the current
    // branch); edits to the sources rerun this through the paths watched in
    // main. Paths that do not exist (a packed ref) would rerun it on every
    // build, so they are left out.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for file in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &file]) {
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    let mut status_args = vec!["status", "--porcelain", "--untracked-files=no", "--"];
    status_args.extend(SOURCES);
    let status = git(&status_args)?;
    Some(if status.is_empty() {
        commit
    } else {
        format!("{commit}-dirty")
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/tfplugin5.proto", "proto/goplugin.proto"];
    for source in SOURCES {
        // A path that does not exist would make cargo rerun this each time.
        if Path::new(source).exists() {
            println!("cargo:rerun-if-changed={source}");
        }
    }
    let commit = commit().unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=BUILD_COMMIT={commit}");

    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        // Tests drive the real binary through generated clients.
        .build_client(true)
        // Generated clients stay generic over the transport: the release
        // binary carries no client-side channel code.
        .build_transport(false)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
