//! Compiles the plugin protocol definitions in `proto/` into Rust.
//!
//! The proto files are parsed by `protox`, a pure-Rust compiler, so a fresh
//! machine builds with cargo alone and needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/tfplugin5.proto", "proto/goplugin.proto"];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
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
