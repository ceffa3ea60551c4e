//! Every upstream parlance can talk to, behind the one [`parlance_core::Provider`] trait.
//!
//! [`registry`] is the explicit table `spec.type → (validate, build)`: a closed set of kinds,
//! matched exhaustively, so adding a provider makes the compiler list every decision.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod anthropic;
pub mod bedrock;
pub mod client;
pub mod echo;
pub mod openai;
pub mod registry;
pub mod sse;
mod streaming;
mod turns;
mod upstream;

pub use client::{ClientError, HttpClient, HttpClientBuilder, Proxies};
pub use registry::{ProviderConfig, ProviderKind};

/// The one pooled HTTP client every component shares (keep-alive, rustls, HTTP/1.1 and h2 by
/// ALPN, proxies from the environment); its policy is in [`client`].
pub fn http_client() -> Result<HttpClient, ClientError> {
    HttpClient::new()
}
