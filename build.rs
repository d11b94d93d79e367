//! Compiles the plugin protocol definitions in `proto/` into Rust, and
//! records which commit the binary is built from (for `--version`).
//!
//! The proto files are parsed by `protox`, a pure-Rust compiler, so a fresh
//! machine builds with cargo alone and needs no system `protoc`.
//!
//! The commit comes from `git` when the source is a git checkout,
//! `BUILD_COMMIT` overrides it (for a build from a source tarball), and
//! without either it is "unknown": the build never fails for want of git.
//! Only the commit id and whether tracked files differ from it are
//! recorded, never a path or a time, so builds stay reproducible.

use std::path::Path;
use std::process::Command;

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
    // Rerun when HEAD moves or the index changes; edits to the sources
    // rerun this script through the directories watched below.
    for file in ["HEAD", "index"] {
        if let Some(path) = git(&["rev-parse", "--git-path", file]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(&["rev-parse", "--git-path", &head]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let status = git(&["status", "--porcelain", "--untracked-files=no"])?;
    Some(if status.is_empty() {
        commit
    } else {
        format!("{commit}-dirty")
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/tfplugin5.proto", "proto/goplugin.proto"];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    for watched in ["src", "build.rs", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={watched}");
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
