//! The one trait behind which every upstream lives.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use crate::chat::{ChatRequest, ChatResponse};
use crate::error::ProviderError;
use crate::stream::DeltaStream;

/// What a provider call may need besides the request itself.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// W3C `traceparent` to pass to the upstream, when tracing is on.
    pub traceparent: Option<String>,
    /// Time spent waiting on upstreams, summed over attempts (shared with the caller, so the
    /// time spent inside parlance itself can be told apart).
    pub upstream: UpstreamClock,
    /// A resiliency policy's per-attempt timeout; when set it replaces the provider's own
    /// default bound, so that the policy (not a hidden client timeout) decides.
    pub attempt_timeout: Option<Duration>,
}

impl CallContext {
    /// The bound for one upstream call: the policy's when there is one, else `default`.
    pub fn attempt_timeout_or(&self, default: Duration) -> Duration {
        self.attempt_timeout.unwrap_or(default)
    }
}

/// A shared sum of upstream wait time.
#[derive(Debug, Clone, Default)]
pub struct UpstreamClock(Arc<AtomicU64>);

impl UpstreamClock {
    /// Adds one upstream call's duration.
    pub fn add(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The total so far.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

/// A configured upstream: echo, an OpenAI-protocol endpoint, Anthropic, Bedrock, …
///
/// Built once at start-up from a component file; shared by all requests.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Calls the model once. No retries here: the resiliency layer owns those.
    async fn converse(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError>;

    /// Calls the model once, streaming: `Ok` once the upstream has accepted the request (its
    /// status is a success), then the deltas as they arrive. Assembled, the deltas equal what
    /// [`Provider::converse`] returns for the same upstream answer. The stream owns what it
    /// needs; dropping it cancels the upstream call. No retries here either.
    async fn converse_stream(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<DeltaStream, ProviderError>;

    /// Counts the input tokens of `request` at the upstream, for providers whose API has a
    /// count endpoint (Anthropic's `count_tokens`); `None` (the default): the caller
    /// estimates.
    async fn count_tokens(
        &self,
        _request: &ChatRequest,
        _ctx: &CallContext,
    ) -> Option<Result<u64, ProviderError>> {
        None
    }

    /// The resolved model name reported in responses (`None` for echo).
    fn model(&self) -> Option<&str>;

    /// Whether [`crate::Opaque`] items of `wire` reach the upstream (else the provider leaves
    /// them out, and a door may count them as dropped). None by default.
    fn keeps_opaque(&self, wire: &str) -> bool {
        let _ = wire;
        false
    }

    /// Whether a part of the reasoning parameter (`"effort"`, `"summary"`:
    /// [`crate::GenerationParams::reasoning_effort`], `reasoning_summary`) reaches the
    /// upstream (else it is left out, and a door may count it as dropped). None by default.
    fn takes_reasoning(&self, part: &str) -> bool {
        let _ = part;
        false
    }

    /// What of the Anthropic door's own fields ([`crate::anthropic`]: thinking, `cache_control`,
    /// `anthropic-beta` values) reaches the upstream when the request calls `model` (its own
    /// choice; `None`: the configured model). The provider leaves out the rest itself; the door
    /// asks this to count what it drops. Nothing by default.
    fn takes_anthropic(&self, model: Option<&str>) -> crate::anthropic::Reach {
        let _ = model;
        crate::anthropic::Reach::NONE
    }
}
