//! The Dapr runtime API as parlance serves it, generated from `proto/` by `build.rs`:
//! the conversation messages (`ai.proto`), `GetMetadata` (`metadata.proto`), parlance's
//! streaming messages (`parlance_stream.proto`) and the `Dapr` service with its tonic server and
//! client (`dapr.proto`). Nothing here is written by hand.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Package `dapr.proto.runtime.v1`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod runtime {
    tonic::include_proto!("dapr.proto.runtime.v1");
}

/// The encoded `FileDescriptorSet` of every file in `proto/`, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("dapr_descriptor");

/// The fully qualified name of the served service.
pub const DAPR_SERVICE: &str = "dapr.proto.runtime.v1.Dapr";
