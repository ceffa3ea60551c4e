//! The innermost stage: one call to the provider, plus the one check Dapr makes on every
//! reply (a `required` tool choice that got neither content nor a tool call is an error, so
//! that a retry policy can try again). Its stream behaviour is in
//! [`super::provider_stream`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use parlance_core::{ChatResponse, Provider, ProviderError};

use super::provider_stream::{empty_reply, metered, required_tools};
use crate::stage::{Call, Reply, Stage, StreamReply, prime};
use crate::telemetry::ProviderMeters;

/// Calls the component's provider.
pub struct ProviderStage {
    provider: Arc<dyn Provider>,
    meters: ProviderMeters,
    /// The longest silence allowed between a stream's deltas.
    idle: Duration,
}

impl ProviderStage {
    /// Wraps a provider; its calls are recorded in `meters`; a stream that sends nothing for
    /// `idle` ends with an error.
    pub fn new(
        provider: Arc<dyn Provider>,
        meters: ProviderMeters,
        idle: Duration,
    ) -> ProviderStage {
        ProviderStage { provider, meters, idle }
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

    async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
        let started = Instant::now();
        let opened = self.provider.converse_stream(&call.chat, &call.ctx).await;
        let deltas = match opened {
            Ok(deltas) => deltas,
            Err(e) => {
                let elapsed = started.elapsed();
                call.ctx.upstream.add(elapsed);
                self.meters.record(elapsed, None);
                return Err(e);
            }
        };
        call.ctx.upstream.add(started.elapsed());
        let required = required_tools(call.chat.tools.len(), call.chat.tool_choice.as_ref());
        let deltas = metered(deltas, &call.ctx, self.idle, self.meters.clone(), started, required);
        // The request's own model when it chose one (echo has none and reports none).
        let model = self.provider.model().map(|m| call.chat.model_or(m).to_string());
        Ok(StreamReply { deltas: prime(deltas).await?, model, cache: None })
    }
}

fn check_required_tools(call: &Call, chat: &ChatResponse) -> Result<(), ProviderError> {
    let Some(tools) = required_tools(call.chat.tools.len(), call.chat.tool_choice.as_ref()) else {
        return Ok(());
    };
    let answered = chat.choices.iter().any(|c| !c.content.is_empty() || !c.tool_calls.is_empty());
    if answered { Ok(()) } else { Err(empty_reply(tools)) }
}
