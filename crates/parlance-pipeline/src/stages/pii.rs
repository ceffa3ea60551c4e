//! PII obfuscation around everything below it, so neither the cache nor the provider ever
//! holds raw personal data from a scrubbed input.
//!
//! Inputs: every message whose input asked for `scrubPii` is scrubbed — text, tool results and
//! assistant tool-call arguments (kept valid JSON). Dapr leaves tool-call arguments alone; that
//! leaks, so we don't. Outputs: with the request-level flag, every choice's content and its
//! tool-call arguments are scrubbed. In reversible mode the provider sees numbered placeholders
//! (`<PERSON_1>`), and the originals are put back into the reply before output scrubbing; the
//! mapping lives in this call's memory only.

use std::sync::Arc;

use async_trait::async_trait;
use parlance_core::{ChatResponse, Part, ProviderError};
use parlance_pii::{EntityCounts, Scrubber, Vault};

use super::pii_stream::{Outputs, rewritten};
use crate::stage::{Call, DynStage, Reply, Stage, StreamReply};
use crate::telemetry::Telemetry;

/// How input placeholders are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PiiMode {
    /// Dapr's placeholders (`<EMAIL_ADDRESS>`); the originals are gone.
    #[default]
    Redact,
    /// Numbered placeholders, restored in the reply.
    Reversible,
}

/// The PII stage.
pub struct PiiStage {
    next: DynStage,
    scrubber: Scrubber,
    mode: PiiMode,
    telemetry: Arc<Telemetry>,
}

impl PiiStage {
    /// Wraps `next`; entities found are counted in `telemetry`.
    pub fn new(
        next: DynStage,
        scrubber: Scrubber,
        mode: PiiMode,
        telemetry: Arc<Telemetry>,
    ) -> PiiStage {
        PiiStage { next, scrubber, mode, telemetry }
    }

    fn scrub_inputs(&self, call: &mut Call, vault: &mut Vault) -> EntityCounts {
        let mut counts = EntityCounts::default();
        for msg in call.chat.messages.iter_mut().filter(|m| m.scrub) {
            for part in &mut msg.parts {
                self.scrub_part(part, vault, &mut counts);
            }
        }
        counts
    }

    fn scrub_part(&self, part: &mut Part, vault: &mut Vault, counts: &mut EntityCounts) {
        match part {
            Part::Text(t) => self.scrub_text(t, vault, counts),
            Part::ToolResult(r) => self.scrub_text(&mut r.content, vault, counts),
            Part::ToolCall(c) => self.scrub_json(&mut c.arguments, vault, counts),
        }
    }

    fn scrub_text(&self, text: &mut String, vault: &mut Vault, counts: &mut EntityCounts) {
        replace(text, |t| match self.mode {
            PiiMode::Redact => self.scrubber.scrub_counted(t, counts),
            PiiMode::Reversible => self.scrubber.scrub_reversible(t, vault),
        });
    }

    fn scrub_json(&self, json: &mut String, vault: &mut Vault, counts: &mut EntityCounts) {
        replace(json, |t| match self.mode {
            PiiMode::Redact => self.scrubber.scrub_json(t, counts),
            PiiMode::Reversible => self.scrubber.scrub_json_reversible(t, vault),
        });
    }

    fn scrub_outputs(&self, chat: &mut ChatResponse) -> EntityCounts {
        let mut counts = EntityCounts::default();
        for choice in &mut chat.choices {
            replace(&mut choice.content, |t| self.scrubber.scrub_counted(t, &mut counts));
            for call in &mut choice.tool_calls {
                replace(&mut call.arguments, |t| self.scrubber.scrub_json(t, &mut counts));
            }
        }
        counts
    }
}

/// Restores the originals of a reversible call.
fn restore(chat: &mut ChatResponse, vault: &Vault) {
    for choice in &mut chat.choices {
        replace(&mut choice.content, |t| vault.restore(t));
        for call in &mut choice.tool_calls {
            replace(&mut call.arguments, |t| vault.restore_json(t));
        }
    }
}

/// Applies a `Cow`-returning rewrite in place, allocating only when it changed something.
fn replace(s: &mut String, f: impl FnOnce(&str) -> std::borrow::Cow<'_, str>) {
    let changed = match f(s) {
        std::borrow::Cow::Owned(new) => Some(new),
        std::borrow::Cow::Borrowed(_) => None,
    };
    if let Some(new) = changed {
        *s = new;
    }
}

#[async_trait]
impl Stage for PiiStage {
    async fn call(&self, mut call: Call) -> Result<Reply, ProviderError> {
        let mut vault = Vault::default();
        let found = self.scrub_inputs(&mut call, &mut vault);
        self.telemetry.pii(&found);
        let scrub_output = call.scrub_output;
        let mut reply = self.next.call(call).await?;
        if !vault.is_empty() {
            restore(&mut reply.chat, &vault);
        }
        if scrub_output {
            let found = self.scrub_outputs(&mut reply.chat);
            self.telemetry.pii(&found);
        }
        Ok(reply)
    }

    /// Inputs as for a plain call; outputs restored and scrubbed on the fly
    /// ([`super::pii_stream`]).
    async fn stream(&self, mut call: Call) -> Result<StreamReply, ProviderError> {
        let mut vault = Vault::default();
        let found = self.scrub_inputs(&mut call, &mut vault);
        self.telemetry.pii(&found);
        let scrub_output = call.scrub_output;
        let mut reply = self.next.stream(call).await?;
        if vault.is_empty() && !scrub_output {
            return Ok(reply);
        }
        let outputs = Outputs {
            vault: (!vault.is_empty()).then(|| Arc::new(vault)),
            scrubber: scrub_output.then_some(self.scrubber),
            telemetry: self.telemetry.clone(),
        };
        reply.deltas = rewritten(reply.deltas, outputs);
        Ok(reply)
    }
}
