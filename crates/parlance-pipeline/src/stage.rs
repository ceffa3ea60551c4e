//! The stage abstraction: a component's pipeline is a chain of [`Stage`]s built once at
//! start-up, each wrapping the next (PII → cache → resiliency → provider).
//!
//! A stage answers in two ways side by side: [`Stage::call`] (the whole reply) and
//! [`Stage::stream`] (deltas as they come). For a stream, the phase before the first delta
//! is an ordinary `Result` — where retries, the breaker and fallback act — and the phase after
//! is a stream adapter in the stage's own module.

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use parlance_core::{CallContext, ChatRequest, ChatResponse, DeltaStream, ProviderError};

/// What the client asked of the response cache (HTTP `Cache-Control`, gRPC metadata).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// Look up, and store on a miss.
    #[default]
    Normal,
    /// `no-cache`: skip the look-up, store the result.
    Refresh,
    /// `no-store`: neither look up nor store.
    Bypass,
}

/// How the response cache answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache.
    Hit,
    /// Computed upstream (and stored).
    Miss,
    /// The cache was skipped (asked by the client, or the store was unreachable).
    Bypass,
}

impl CacheStatus {
    /// The header / metadata value.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Bypass => "bypass",
        }
    }
}

/// One call travelling down the chain.
#[derive(Debug, Clone)]
pub struct Call {
    /// The request for the model, shared: a pool or a retry passes the call on again without
    /// copying it, and a stage that rewrites it (PII) copies it only when it is shared
    /// ([`Call::chat_mut`]).
    pub chat: Arc<ChatRequest>,
    /// Request-level `scrubPii`: scrub what comes back.
    pub scrub_output: bool,
    /// The client's cache wishes.
    pub cache: CacheMode,
    /// Trace context and the like.
    pub ctx: CallContext,
    /// Set by a pool to the member that answered (shared by the call's clones).
    pub member: MemberSlot,
}

/// Where a pool writes the name of the member that answered; the first name written stays,
/// so a pool inside a pool reports the innermost member.
#[derive(Debug, Clone, Default)]
pub struct MemberSlot(Arc<std::sync::OnceLock<Arc<str>>>);

impl MemberSlot {
    /// Records `name` unless a name is already there.
    pub fn set(&self, name: &Arc<str>) {
        let _ = self.0.set(name.clone());
    }

    /// The member that answered, when a pool answered.
    pub fn get(&self) -> Option<String> {
        self.0.get().map(|name| name.to_string())
    }
}

impl Call {
    /// A call with default options.
    pub fn new(chat: ChatRequest) -> Call {
        Call {
            chat: Arc::new(chat),
            scrub_output: false,
            cache: CacheMode::Normal,
            ctx: CallContext::default(),
            member: MemberSlot::default(),
        }
    }

    /// The request, to change: copied first when another holder shares it.
    pub fn chat_mut(&mut self) -> &mut ChatRequest {
        Arc::make_mut(&mut self.chat)
    }
}

/// What comes back up the chain.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The model's answer.
    pub chat: ChatResponse,
    /// Set by the cache stage when the component has a cache.
    pub cache: Option<CacheStatus>,
}

/// A streamed reply coming back up the chain.
pub struct StreamReply {
    /// The deltas; an `Err` item ends the stream with that failure.
    pub deltas: DeltaStream,
    /// The resolved model the `complete` event reports.
    pub model: Option<String>,
    /// Set by the cache stage when the component has a cache.
    pub cache: Option<CacheStatus>,
}

impl StreamReply {
    /// A finished reply, replayed as a stream (a cache hit, a joined flight, a test stub).
    pub fn replay(reply: Reply) -> StreamReply {
        let deltas = parlance_core::replay(parlance_core::deltas_of(&reply.chat));
        StreamReply { deltas, model: reply.chat.model, cache: reply.cache }
    }
}

impl std::fmt::Debug for StreamReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReply")
            .field("model", &self.model)
            .field("cache", &self.cache)
            .finish()
    }
}

/// One link of a component's pipeline.
#[async_trait]
pub trait Stage: Send + Sync + 'static {
    /// Handles the call, usually by delegating to the next stage.
    async fn call(&self, call: Call) -> Result<Reply, ProviderError>;

    /// Handles the call as a stream. `Ok` once the first delta is in hand (or the stream
    /// ended cleanly without one): a failure before that is this call's `Err`, so that the
    /// stages above can still retry or fall back.
    async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError>;
}

/// Waits for a stream's first item: an error before any delta becomes the call's error, a
/// delta is put back in front of the rest.
pub async fn prime(mut deltas: DeltaStream) -> Result<DeltaStream, ProviderError> {
    match deltas.next().await {
        None => Ok(Box::pin(futures::stream::empty())),
        Some(Err(e)) => Err(e),
        Some(Ok(first)) => Ok(Box::pin(futures::stream::once(async { Ok(first) }).chain(deltas))),
    }
}

/// A shared, type-erased stage: what each builder step wraps.
pub type DynStage = Arc<dyn Stage>;
