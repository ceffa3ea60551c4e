//! The doors of parlance — the Dapr HTTP API ([`http`]), the Dapr gRPC API ([`grpc`]), the
//! OpenAI-compatible `/v1` API ([`openai`]), the Anthropic Messages API ([`anthropic`]) and the
//! OpenAI Responses API ([`responses`]), all three on the HTTP listener — as thin adapters over
//! one [`parlance_pipeline::ConversationService`]: decode → service → encode, and errors turned
//! into responses in one place per door ([`http::error`], [`grpc::error`], [`openai::error`],
//! [`anthropic::error`], [`responses::error`]).
//! What the HTTP doors share lives in [`door`]; no door imports another.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod anthropic;
pub mod conn;
pub mod door;
pub mod grpc;
pub mod http;
pub mod keys;
pub mod openai;
pub mod responses;
pub mod sidecar;

pub use sidecar::{Health, Sidecar, SidecarInfo};

/// The whole HTTP app: the Dapr routes (with daprd's fallback for every other path) and the
/// `/v1` doors beside them, each door checking the caller its own way. Tests call it without
/// a socket.
pub fn router(sidecar: Sidecar) -> axum::Router {
    let v1 = openai::routes(&sidecar)
        .merge(anthropic::routes(&sidecar))
        .merge(responses::routes(&sidecar));
    http::routes(&sidecar).merge(v1).with_state(sidecar)
}
