//! The two doors of parlance — the Dapr HTTP API and (soon) the gRPC API — as thin adapters
//! over one [`parlance_pipeline::ConversationService`]: decode → service → encode, and errors
//! turned into responses in one place ([`http::error`]).

pub mod http;
pub mod sidecar;

pub use sidecar::{Health, Sidecar, SidecarInfo};
