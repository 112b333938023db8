//! Generates the RemoteExecutionService messages, client and server from `proto/`
//! (pure Rust: protox parses the .proto files, no system protoc).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Read at run time, not baked in with env!: a cached build script must not point at
    // the checkout it was first compiled in.
    let dir = format!("{}/../../proto", std::env::var("CARGO_MANIFEST_DIR")?);
    let files = [
        format!("{dir}/execution.proto"),
        format!("{dir}/types.proto"),
    ];
    for file in &files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(&files, [&dir])?;
    // `bytes` fields as `bytes::Bytes`: payloads move between client, server and nodes without copies.
    tonic_prost_build::configure()
        .bytes(".")
        .compile_fds(descriptors)?;
    Ok(())
}
