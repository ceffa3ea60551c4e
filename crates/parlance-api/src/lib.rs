//! The doors of parlance — the Dapr HTTP API ([`http`]), the Dapr gRPC API ([`grpc`]) and the
//! OpenAI-compatible `/v1` API ([`openai`], on the HTTP listener) — as thin adapters over one
//! [`parlance_pipeline::ConversationService`]: decode → service → encode, and errors turned
//! into responses in one place per door ([`http::error`], [`grpc::error`], [`openai::error`]).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod conn;
pub mod grpc;
pub mod http;
pub mod keys;
pub mod openai;
pub mod sidecar;

pub use sidecar::{Health, Sidecar, SidecarInfo};
