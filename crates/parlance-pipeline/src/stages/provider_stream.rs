//! The provider stage on a stream: bounds the silence between upstream deltas (the component's
//! `streamIdleTimeout`), adds the time spent waiting on the upstream to the call's clock,
//! records the call's duration, usage, time to first token and time per output token when the
//! stream ends, and applies the "required tools but empty reply" check at the end.

use std::time::{Duration, Instant};

use futures::StreamExt;
use parlance_core::{
    CallContext, Delta, DeltaStream, FailureKind, ProviderError, ToolChoice, UpstreamClock, Usage,
};

use crate::telemetry::ProviderMeters;

/// What the adapter keeps between deltas.
struct Metered {
    inner: DeltaStream,
    idle: Duration,
    clock: UpstreamClock,
    meters: ProviderMeters,
    started: Instant,
    first: Option<Duration>,
    usage: Option<Usage>,
    /// `Some(n)`: a `required` tool choice over `n` tools, not yet answered.
    required: Option<usize>,
    done: bool,
}

/// Wraps a provider's stream (started at `started`) with the stage's bounds and metering.
pub(crate) fn metered(
    inner: DeltaStream,
    ctx: &CallContext,
    idle: Duration,
    meters: ProviderMeters,
    started: Instant,
    required_tools: Option<usize>,
) -> DeltaStream {
    let state = Metered {
        inner,
        idle,
        clock: ctx.upstream.clone(),
        meters,
        started,
        first: None,
        usage: None,
        required: required_tools,
        done: false,
    };
    Box::pin(futures::stream::unfold(state, step))
}

/// `Some(tools)` when the call demands a tool call (`required` with tools).
pub(crate) fn required_tools(tools: usize, choice: Option<&ToolChoice>) -> Option<usize> {
    (tools > 0 && choice == Some(&ToolChoice::Required)).then_some(tools)
}

async fn step(mut m: Metered) -> Option<(Result<Delta, ProviderError>, Metered)> {
    if m.done {
        return None;
    }
    let waited = Instant::now();
    let next = tokio::time::timeout(m.idle, m.inner.next()).await;
    m.clock.add(waited.elapsed());
    let item = match next {
        Err(_) => Err(idle_error(m.idle)),
        Ok(Some(Ok(delta))) => {
            m.saw(&delta);
            return Some((Ok(delta), m));
        }
        Ok(Some(Err(e))) => Err(e),
        Ok(None) => match m.required {
            Some(tools) => Err(empty_reply(tools)),
            None => {
                m.end();
                return None;
            }
        },
    };
    m.end();
    Some((item, m))
}

impl Metered {
    fn saw(&mut self, delta: &Delta) {
        self.first.get_or_insert_with(|| self.started.elapsed());
        match delta {
            Delta::Usage(u) => self.usage = Some(u.clone()),
            Delta::Text { text, .. } if !text.is_empty() => self.required = None,
            Delta::ToolCall(_) => self.required = None,
            _ => {}
        }
    }

    /// The stream is over (cleanly or not): record the call once.
    fn end(&mut self) {
        self.done = true;
        let total = self.started.elapsed();
        self.meters.record(total, self.usage.as_ref());
        if let Some(first) = self.first {
            let output = self.usage.as_ref().map_or(0, |u| u.completion_tokens);
            self.meters.stream_timing(first, total, output);
        }
    }
}

fn idle_error(idle: Duration) -> ProviderError {
    ProviderError::transient(
        FailureKind::Timeout,
        format!("upstream stream sent nothing for {}s", idle.as_secs_f64()),
    )
}

/// The same error the plain path gives (Dapr's wording).
pub(crate) fn empty_reply(tools: usize) -> ProviderError {
    ProviderError::transient(
        FailureKind::MalformedReply,
        format!(
            "LLM returned empty response with no tool calls despite {tools} tools being available"
        ),
    )
}
