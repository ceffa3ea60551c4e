//! Fake LLM upstreams for tests and benchmarks: one HTTP server on 127.0.0.1 that speaks three
//! wire protocols, chosen by path:
//!
//! | path | protocol | auth |
//! | --- | --- | --- |
//! | `…/chat/completions` (any prefix) | OpenAI Chat Completions | `Authorization: Bearer` |
//! | `/openai/deployments/{d}/chat/completions?api-version=…` | Azure OpenAI | `api-key` |
//! | `…/responses` (any prefix) | OpenAI Responses | `Authorization: Bearer` |
//! | `/openai/v1/responses` | Azure OpenAI Responses (v1 API) | `api-key` |
//! | `…/messages` | Anthropic Messages | `x-api-key` + `anthropic-version` |
//! | `/model/{modelId}/converse` | Bedrock Converse | SigV4-shaped `Authorization` + `x-amz-date` |
//! | `/model/{modelId}/converse-stream` | Bedrock ConverseStream | as Converse |
//!
//! Each protocol validates requests as the real API does and answers in its exact error shape.
//! Valid requests get deterministic replies: `"echo: " + <last message text>`, a tool call when
//! the tool choice forces one or the user names a tool, a schema sample for structured output,
//! truncation at `max_tokens`, word-count usage, and simulated prompt caching (rules in
//! `reply.rs` and `cache.rs`).
//!
//! ## Streams
//! The Responses API answers with a `reasoning` item (its `encrypted_content` when `include`
//! asks, verified when it comes back: a changed item is a 400) before the answer's `message` or
//! `function_call` item, and refuses Chat Completions fields (`messages`, `max_tokens`, `stop`, …)
//! as unknown parameters, as OpenAI does.
//!
//! `"stream": true` (OpenAI, Responses, Anthropic) or the `converse-stream` path (Bedrock) answers the
//! same reply as a stream, cut from the finished reply so that the assembled stream equals the
//! plain answer: OpenAI `data:` chunks then `data: [DONE]` (usage in a last `choices: []`
//! chunk only with `stream_options.include_usage`); Anthropic's named events; Bedrock's binary
//! event stream. Text is cut into word-ish pieces, tool arguments into fragments; the exact
//! event order of each protocol is in its `stream.rs`. Stream fields are validated as the real
//! APIs do; failures before the stream (validation, auth, `status=…`) are plain JSON errors.
//! The `x-fake-flavour` header picks an OpenAI-compatible flavour: `deepseek`
//! (`reasoning_content` deltas, `: keep-alive` comments) or `ollama` (whole tool calls in one
//! delta). Bodies are written one event at a time: [`RecordedRequest::stream`] (also
//! [`FakeUpstream::stream_stats`]) counts, live, the events handed to the HTTP layer and says
//! whether the client went away first ([`StreamStats`]). Fixed-reply mode streams too: it reads
//! only `stream` (a boolean) and `stream_options.include_usage` of the body, or the
//! `converse-stream` path, and cuts the fixed reply (in the paced mode, N words) into events.
//!
//! ## HTTPS
//! [`FakeOptions::tls`] (`--tls`) serves HTTPS with a certificate for `localhost` and
//! `127.0.0.1` issued by a CA generated at start-up ([`FakeUpstream::ca_pem`]; the binary
//! writes it to `--ca-out PATH`), ALPN offering `h2` then `http/1.1`;
//! [`RecordedRequest::version`] says which one a request came over.
//!
//! ## Faults
//! Every request is recorded ([`FakeUpstream::requests`]). A fault is picked per request from,
//! in order: the scripted queue ([`FakeUpstream::push_fault`]), the `x-fake-fault` header, a
//! model named `fault:<spec>`, the default fault. "After N" counts events already written
//! (keep-alives excluded); a stream with N events or fewer ends normally.
//!
//! | spec | plain answer | stream |
//! | --- | --- | --- |
//! | `status=500`, `status=429,retry-after=2` | error in the protocol's shape | the same (before any event) |
//! | `delay=200ms` | wait, then answer | wait, then stream |
//! | `malformed` | 200 with half the JSON body | as `stream-malformed-after=0` |
//! | `slow-body=50ms` | body in 8 slow pieces | every event 50 ms late |
//! | `drop`, `hang` | close at once, never answer | the same (before the headers) |
//! | `stream-error-after=N[,kind=T]` | ignored | N events, then the error event, body ends |
//! | `stream-drop-after=N` | ignored | N events, then the TCP connection closes |
//! | `stream-stall-after=N[,keepalive=1s]` | ignored | N events, then silence (or keep-alives) |
//! | `stream-malformed-after=N` | ignored | N events, then one unparseable event, body ends |
//! | `stream-bad-crc-after=N` | ignored | Bedrock: N frames, then a frame with a bad message CRC; SSE: as malformed |
//! | `pace=64x20ms` | ignored | text of exactly 64 words, 64 content deltas (per choice) 20 ms apart |
//!
//! Mid-stream errors: OpenAI `data: {"error":{…,"type":"server_error"}}` (no `[DONE]`), the
//! Responses API `event: response.failed` (its `error.code` `server_error`),
//! Anthropic `event: error` with `overloaded_error`, Bedrock an exception frame
//! (`:message-type: exception`, `:exception-type: modelStreamErrorException`); `kind=` sets the
//! type. Keep-alives during a stall: `: keep-alive` (OpenAI family), `ping` (Anthropic), none
//! (Bedrock).
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
mod responses;
pub mod schema;
mod server;
mod state;
mod stream;
mod tls;
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
    /// Serve HTTPS (HTTP/2 or HTTP/1.1 by ALPN) with a certificate for `localhost` and
    /// `127.0.0.1` issued by a CA generated at start-up ([`FakeUpstream::ca_pem`]).
    pub tls: bool,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions { api_key: None, fixed_reply: false, record: true, port: 0, tls: false }
    }
}

/// A running fake upstream. Dropping it shuts the server down.
#[derive(Debug)]
pub struct FakeUpstream {
    addr: SocketAddr,
    /// The test CA's certificate (PEM), when serving HTTPS.
    ca_pem: Option<String>,
    state: Arc<State>,
    shutdown: watch::Sender<bool>,
}

impl FakeUpstream {
    /// Binds 127.0.0.1 on `opts.port` and serves on the current Tokio runtime.
    pub async fn start(opts: FakeOptions) -> std::io::Result<FakeUpstream> {
        let tls = if opts.tls { Some(tls::generate()?) } else { None };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(opts));
        let (shutdown, rx) = watch::channel(false);
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        tokio::spawn(server::serve(listener, state.clone(), tls.map(|t| t.acceptor), rx));
        Ok(FakeUpstream { addr, ca_pem, state, shutdown })
    }

    /// The PEM certificate of the CA that issued the served certificate (`None` over plain
    /// HTTP): what a client must trust to call [`FakeUpstream::url`].
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`FakeOptions::tls`]), no trailing slash.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
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
