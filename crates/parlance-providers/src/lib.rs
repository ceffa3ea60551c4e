//! Every upstream parlance can talk to, behind the one [`parlance_core::Provider`] trait.
//!
//! [`registry`] is the explicit table `spec.type → (validate, build)`: a closed set of kinds,
//! matched exhaustively, so adding a provider makes the compiler list every decision.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod anthropic;
pub mod bedrock;
pub mod echo;
pub mod openai;
pub mod registry;
pub mod sse;
mod streaming;
mod turns;
mod upstream;

use std::time::Duration;

use parlance_core::{FailureKind, ProviderError};

pub use registry::{ProviderConfig, ProviderKind};

/// The one pooled HTTP client every component shares (keep-alive, rustls, HTTP/1.1 and h2).
///
/// Redirects are not followed: no LLM API answers a `POST` with one, and following it would
/// send the prompt (and, to the same host, the key) somewhere the operator did not configure;
/// a 3xx is reported as an upstream error instead. reqwest's own retries are off too: the
/// resiliency policy decides what is retried.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .user_agent(concat!("parlance/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A transport failure → [`ProviderError`]. The error text is reqwest's without the URL
/// (URLs may carry an Azure key in the query in some deployments).
pub(crate) fn http_error(e: reqwest::Error) -> ProviderError {
    let e = e.without_url();
    if e.is_timeout() {
        ProviderError::transient(FailureKind::Timeout, "upstream did not answer in time")
    } else if e.is_connect() {
        ProviderError::transient(
            FailureKind::Connect,
            format!("upstream unreachable: {}", source_text(&e)),
        )
    } else {
        ProviderError::transient(
            FailureKind::Connect,
            format!("upstream connection failed: {}", source_text(&e)),
        )
    }
}

/// The innermost cause of an error, which is the useful part of reqwest's chain.
fn source_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
