//! The stage abstraction: a component's pipeline is a chain of [`Stage`]s built once at
//! start-up, each wrapping the next (PII → cache → resiliency → provider).

use std::sync::Arc;

use async_trait::async_trait;
use parlance_core::{CallContext, ChatRequest, ChatResponse, ProviderError};

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
    /// The request for the model.
    pub chat: ChatRequest,
    /// Request-level `scrubPii`: scrub what comes back.
    pub scrub_output: bool,
    /// The client's cache wishes.
    pub cache: CacheMode,
    /// Trace context and the like.
    pub ctx: CallContext,
}

impl Call {
    /// A call with default options.
    pub fn new(chat: ChatRequest) -> Call {
        Call { chat, scrub_output: false, cache: CacheMode::Normal, ctx: CallContext::default() }
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

/// One link of a component's pipeline.
#[async_trait]
pub trait Stage: Send + Sync + 'static {
    /// Handles the call, usually by delegating to the next stage.
    async fn call(&self, call: Call) -> Result<Reply, ProviderError>;
}

/// A shared, type-erased stage: what each builder step wraps.
pub type DynStage = Arc<dyn Stage>;
