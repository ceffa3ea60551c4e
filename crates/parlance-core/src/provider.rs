//! The one trait behind which every upstream lives.

use async_trait::async_trait;

use crate::chat::{ChatRequest, ChatResponse};
use crate::error::ProviderError;

/// What a provider call may need besides the request itself.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// W3C `traceparent` to pass to the upstream, when tracing is on.
    pub traceparent: Option<String>,
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

    /// The resolved model name reported in responses (`None` for echo).
    fn model(&self) -> Option<&str>;
}
