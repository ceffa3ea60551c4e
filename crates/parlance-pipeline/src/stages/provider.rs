//! The innermost stage: one call to the provider, plus the one check Dapr makes on every
//! reply (a `required` tool choice that got neither content nor a tool call is an error, so
//! that a retry policy can try again).

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use parlance_core::{ChatResponse, FailureKind, Provider, ProviderError, ToolChoice};

use crate::stage::{Call, Reply, Stage};
use crate::telemetry::ProviderMeters;

/// Calls the component's provider.
pub struct ProviderStage {
    provider: Arc<dyn Provider>,
    meters: ProviderMeters,
}

impl ProviderStage {
    /// Wraps a provider; its calls are recorded in `meters`.
    pub fn new(provider: Arc<dyn Provider>, meters: ProviderMeters) -> ProviderStage {
        ProviderStage { provider, meters }
    }
}

#[async_trait]
impl Stage for ProviderStage {
    async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
        let started = Instant::now();
        let result = self.provider.converse(&call.chat, &call.ctx).await;
        let elapsed = started.elapsed();
        call.ctx.upstream.add(elapsed);
        self.meters.record(elapsed, result.as_ref().ok().and_then(|c| c.usage.as_ref()));
        let chat = result?;
        check_required_tools(&call, &chat)?;
        Ok(Reply { chat, cache: None })
    }
}

fn check_required_tools(call: &Call, chat: &ChatResponse) -> Result<(), ProviderError> {
    let tools = call.chat.tools.len();
    if tools == 0 || call.chat.tool_choice != Some(ToolChoice::Required) {
        return Ok(());
    }
    let answered = chat.choices.iter().any(|c| !c.content.is_empty() || !c.tool_calls.is_empty());
    if answered {
        return Ok(());
    }
    Err(ProviderError::transient(
        FailureKind::MalformedReply,
        format!(
            "LLM returned empty response with no tool calls despite {tools} tools being available"
        ),
    ))
}
