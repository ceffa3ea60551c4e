//! Fake LLM upstreams for tests and benchmarks: one HTTP server on 127.0.0.1 that speaks three
//! wire protocols, chosen by path:
//!
//! | path | protocol | auth |
//! | --- | --- | --- |
//! | `…/chat/completions` (any prefix) | OpenAI Chat Completions | `Authorization: Bearer` |
//! | `/openai/deployments/{d}/chat/completions?api-version=…` | Azure OpenAI | `api-key` |
//! | `…/messages` | Anthropic Messages | `x-api-key` + `anthropic-version` |
//! | `/model/{modelId}/converse` | Bedrock Converse | SigV4-shaped `Authorization` + `x-amz-date` |
//!
//! Each protocol validates requests as the real API does and answers in its exact error shape.
//! Valid requests get deterministic replies: `"echo: " + <last message text>`, a tool call when
//! the tool choice forces one or the user names a tool, a schema sample for structured output,
//! truncation at `max_tokens`, word-count usage, and simulated prompt caching (rules in
//! `reply.rs` and `cache.rs`).
//!
//! Every request is recorded ([`FakeUpstream::requests`]). A fault is picked per request from,
//! in order: the scripted queue ([`FakeUpstream::push_fault`]), the `x-fake-fault` header, a
//! model named `fault:<spec>`, the default fault. Specs: `status=500`,
//! `status=429,retry-after=2`, `delay=200ms`, `malformed`, `slow-body=50ms`, `drop`, `hang`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use parlance_fake::{FakeOptions, FakeUpstream, Fault};
//! let fake = FakeUpstream::start(FakeOptions::default()).await?;
//! fake.push_fault(Fault::Status { code: 429, retry_after: Some(1) });
//! let base_url = format!("{}/v1", fake.url()); // POST {base_url}/chat/completions
//! # let _ = base_url; Ok(()) }
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod anthropic;
mod bedrock;
mod cache;
mod fault;
mod openai;
mod record;
mod reply;
pub mod schema;
mod server;
mod state;
mod stream;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use fault::{FAULT_HEADER, FAULT_MODEL_PREFIX, Fault, FaultParseError};
pub use record::RecordedRequest;
pub use stream::{StreamState, StreamStats};

use state::State;

/// How a fake upstream behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOptions {
    /// When set, requests must carry this key (bearer, `api-key`, `x-api-key`, or the SigV4
    /// access key id). When unset, any non-empty credential is accepted.
    pub api_key: Option<String>,
    /// Benchmark mode: no validation beyond "the body is JSON", no recording, a precomputed
    /// reply per protocol. Scripted and header faults still apply.
    pub fixed_reply: bool,
    /// Record every request (default `true`; ignored in fixed mode).
    pub record: bool,
    /// Port to bind on 127.0.0.1 (default 0: any free port).
    pub port: u16,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions { api_key: None, fixed_reply: false, record: true, port: 0 }
    }
}

/// A running fake upstream. Dropping it shuts the server down.
#[derive(Debug)]
pub struct FakeUpstream {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: watch::Sender<bool>,
}

impl FakeUpstream {
    /// Binds 127.0.0.1 on `opts.port` and serves on the current Tokio runtime.
    pub async fn start(opts: FakeOptions) -> std::io::Result<FakeUpstream> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(opts));
        let (shutdown, rx) = watch::channel(false);
        tokio::spawn(server::serve(listener, state.clone(), rx));
        Ok(FakeUpstream { addr, state, shutdown })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all()
    }

    /// The newest request received.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.state.recorder.last()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.state.recorder.len()
    }

    /// The live stream counters of every recorded request that was answered with a stream,
    /// oldest first (each also sits on its [`RecordedRequest::stream`]).
    pub fn stream_stats(&self) -> Vec<StreamStats> {
        self.state
            .recorder
            .all()
            .into_iter()
            .map(|r| r.stream)
            .filter(StreamStats::is_stream)
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear(&self) {
        self.state.recorder.clear();
    }

    /// Queues a fault for the next request (FIFO; each queued fault is used once).
    pub fn push_fault(&self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// Sets the fault applied to requests that no other source gives one (`None` clears it).
    pub fn set_default_fault(&self, fault: Option<Fault>) {
        self.state.faults.set_default(fault);
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
