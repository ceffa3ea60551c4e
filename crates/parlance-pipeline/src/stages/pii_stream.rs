//! The PII stage on a stream's way back: reversible placeholders are restored and (with the
//! request-level flag) outputs are scrubbed, exactly as the plain path does to the whole
//! reply. Text goes through a [`StreamRestorer`] then a [`StreamScrubber`] per choice, which
//! hold back only what the engine needs to decide ([`parlance_pii::HOLD_BACK`] bytes), so the
//! joined output equals the plain path's for every way the upstream cut the text. Tool-call
//! arguments are held until their choice finishes, then restored and scrubbed as JSON; a
//! call's id and name go out at once.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::StreamExt;
use parlance_core::{Delta, DeltaStream, ProviderError, ToolCallDelta};
use parlance_pii::{EntityCounts, Scrubber, StreamRestorer, StreamScrubber, Vault};

use crate::telemetry::Telemetry;

/// What the output side does.
pub(crate) struct Outputs {
    /// The call's placeholders, when reversible mode made any.
    pub(crate) vault: Option<Arc<Vault>>,
    /// Scrub outputs (the request-level flag).
    pub(crate) scrubber: Option<Scrubber>,
    pub(crate) telemetry: Arc<Telemetry>,
}

/// One choice's text and tool calls in flight.
struct ChoiceState {
    restorer: Option<StreamRestorer<Arc<Vault>>>,
    scrubber: Option<StreamScrubber>,
    /// Tool calls' arguments so far, by call index.
    calls: Vec<(u32, String)>,
}

/// The adapter's state.
struct Rewrite {
    inner: DeltaStream,
    outputs: Outputs,
    choices: Vec<ChoiceState>,
    ready: VecDeque<Result<Delta, ProviderError>>,
    counts: EntityCounts,
    ended: bool,
}

/// `deltas` with outputs restored and scrubbed.
pub(crate) fn rewritten(inner: DeltaStream, outputs: Outputs) -> DeltaStream {
    let state = Rewrite {
        inner,
        outputs,
        choices: Vec::new(),
        ready: VecDeque::new(),
        counts: EntityCounts::default(),
        ended: false,
    };
    Box::pin(futures::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(item) = s.ready.pop_front() {
                return Some((item, s));
            }
            if s.ended {
                return None;
            }
            match s.inner.next().await {
                Some(Ok(delta)) => s.take(delta),
                Some(Err(e)) => {
                    s.ended = true;
                    s.ready.push_back(Err(e));
                }
                None => {
                    s.ended = true;
                    s.flush_all();
                }
            }
        }
    }))
}

impl Rewrite {
    fn take(&mut self, delta: Delta) {
        match delta {
            Delta::Text { choice, text } => {
                let mut counts = std::mem::take(&mut self.counts);
                let text = self.choice(choice).text(&text, &mut counts);
                self.counts = counts;
                self.emit_text(choice, text);
            }
            Delta::ToolCall(d) => self.tool_call(d),
            Delta::Finish { choice, reason } => {
                self.flush(choice);
                self.ready.push_back(Ok(Delta::Finish { choice, reason }));
            }
            Delta::Usage(u) => self.ready.push_back(Ok(Delta::Usage(u))),
            // Signed by the model: passed as it came (see `parlance_core::anthropic`).
            d @ Delta::Thinking { .. } => self.ready.push_back(Ok(d)),
            // Opaque (encrypted) provider items: nothing to scrub.
            d @ Delta::Opaque { .. } => self.ready.push_back(Ok(d)),
        }
    }

    fn tool_call(&mut self, mut d: ToolCallDelta) {
        let state = self.choice(d.choice);
        let args = std::mem::take(&mut d.arguments);
        match state.calls.iter_mut().find(|(i, _)| *i == d.index) {
            Some((_, held)) => held.push_str(&args),
            None => state.calls.push((d.index, args)),
        }
        if d.id.is_some() || d.name.is_some() {
            self.ready.push_back(Ok(Delta::ToolCall(d)));
        }
    }

    /// A choice is complete: the rest of its text, then its tool calls' arguments.
    fn flush(&mut self, choice: u32) {
        let Some(state) = self.choices.get_mut(choice as usize) else { return };
        let text = state.finish_text(&mut self.counts);
        let calls = std::mem::take(&mut state.calls);
        self.emit_text(choice, text);
        for (index, args) in calls {
            let arguments = self.arguments(args);
            let d = ToolCallDelta { choice, index, arguments, ..ToolCallDelta::default() };
            self.ready.push_back(Ok(Delta::ToolCall(d)));
        }
    }

    fn flush_all(&mut self) {
        for choice in 0..self.choices.len() {
            self.flush(choice as u32);
        }
        self.outputs.telemetry.pii(&self.counts);
        self.counts = EntityCounts::default();
    }

    fn arguments(&mut self, args: String) -> String {
        let args = match &self.outputs.vault {
            Some(vault) => vault.restore_json(&args).into_owned(),
            None => args,
        };
        match &self.outputs.scrubber {
            Some(s) => s.scrub_json(&args, &mut self.counts).into_owned(),
            None => args,
        }
    }

    fn emit_text(&mut self, choice: u32, text: String) {
        if !text.is_empty() {
            self.ready.push_back(Ok(Delta::Text { choice, text }));
        }
    }

    fn choice(&mut self, choice: u32) -> &mut ChoiceState {
        let i = choice as usize;
        while self.choices.len() <= i {
            let restorer = self.outputs.vault.clone().map(StreamRestorer::new);
            let scrubber = self.outputs.scrubber.map(StreamScrubber::new);
            self.choices.push(ChoiceState { restorer, scrubber, calls: Vec::new() });
        }
        &mut self.choices[i]
    }
}

impl ChoiceState {
    fn text(&mut self, text: &str, counts: &mut EntityCounts) -> String {
        let restored = match &mut self.restorer {
            Some(r) => r.push(text),
            None => text.to_string(),
        };
        match &mut self.scrubber {
            Some(s) => s.push(&restored, counts),
            None => restored,
        }
    }

    fn finish_text(&mut self, counts: &mut EntityCounts) -> String {
        let restored = self.restorer.as_mut().map(StreamRestorer::finish).unwrap_or_default();
        match &mut self.scrubber {
            Some(s) => {
                let mut out = s.push(&restored, counts);
                out.push_str(&s.finish(counts));
                out
            }
            None => restored,
        }
    }
}
