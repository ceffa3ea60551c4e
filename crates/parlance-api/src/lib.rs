//! The two doors of parlance — the Dapr HTTP API ([`http`]) and gRPC API ([`grpc`]) — as thin
//! adapters over one [`parlance_pipeline::ConversationService`]: decode → service → encode, and
//! errors turned into responses in one place per door ([`http::error`], [`grpc::error`]), both
//! reading the core's one mapping table.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod conn;
pub mod grpc;
pub mod http;
pub mod sidecar;

pub use sidecar::{Health, Sidecar, SidecarInfo};
