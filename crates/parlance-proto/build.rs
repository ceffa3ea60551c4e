//! Generates the Rust types, the tonic server and client, and the file descriptor set (for
//! gRPC reflection) from `proto/`, with the vendored `protoc` so no system protoc is needed.

use std::path::PathBuf;

const PROTOS: [&str; 4] = [
    "proto/dapr/proto/runtime/v1/ai.proto",
    "proto/dapr/proto/runtime/v1/metadata.proto",
    "proto/dapr/proto/runtime/v1/parlance_stream.proto",
    "proto/dapr/proto/runtime/v1/dapr.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let wkt = protoc_bin_vendored::include_path()?;
    let includes = [PathBuf::from("proto"), wkt];
    let protos = PROTOS.map(PathBuf::from);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out.join("dapr_descriptor.bin"))
        .btree_map(".")
        .compile_with_config(config, &protos, &includes)?;
    Ok(())
}
