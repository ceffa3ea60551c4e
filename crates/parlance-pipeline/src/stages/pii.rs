//! PII obfuscation around everything below it, so neither the cache nor the provider ever
//! holds raw personal data from a scrubbed input.
//!
//! Inputs: every message whose input asked for `scrubPii` is scrubbed — text, tool results and
//! assistant tool-call arguments (kept valid JSON). Dapr leaves tool-call arguments alone; that
//! leaks, so we don't. Outputs: with the request-level flag, every choice's content and its
//! tool-call arguments are scrubbed. In reversible mode the provider sees numbered placeholders
//! (`<PERSON_1>`), and the originals are put back into the reply before output scrubbing; the
//! mapping lives in this call's memory only.
//!
//! The operator's policy (component metadata `scrubPii`, [`ScrubPolicy`]) is applied to the
//! call first, for plain and streamed calls alike: it can only turn scrubbing on, so a request
//! may ask for more than the component enforces, never less.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// What a component scrubs for every caller (metadata `scrubPii`), whatever the request's
/// own flags say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScrubPolicy {
    /// Every message of every input is scrubbed before it goes on.
    pub inputs: bool,
    /// Every output is scrubbed on the way back.
    pub outputs: bool,
}

impl ScrubPolicy {
    /// `none` (or empty), `inputs`, `outputs` or `both`, in any case.
    pub fn parse(value: &str) -> Result<ScrubPolicy, String> {
        let (inputs, outputs) = match value.trim().to_ascii_lowercase().as_str() {
            "" | "none" => (false, false),
            "inputs" => (true, false),
            "outputs" => (false, true),
            "both" => (true, true),
            other => {
                return Err(format!(
                    "unknown value {other:?} (expected none, inputs, outputs or both)"
                ));
            }
        };
        Ok(ScrubPolicy { inputs, outputs })
    }

    /// Turns on what the policy enforces; what the request asked for stays on.
    fn apply(self, call: &mut Call) {
        if self.inputs && call.chat.messages.iter().any(|m| !m.scrub) {
            call.chat_mut().messages.iter_mut().for_each(|m| m.scrub = true);
        }
        call.scrub_output |= self.outputs;
    }
}

/// The PII stage.
pub struct PiiStage {
    next: DynStage,
    scrubber: Scrubber,
    mode: PiiMode,
    policy: ScrubPolicy,
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
        PiiStage { next, scrubber, mode, policy: ScrubPolicy::default(), telemetry }
    }

    /// The same stage, enforcing `policy` on every call.
    pub fn with_policy(self, policy: ScrubPolicy) -> PiiStage {
        PiiStage { policy, ..self }
    }

    fn scrub_inputs(&self, call: &mut Call, vault: &mut Vault) -> EntityCounts {
        let mut counts = EntityCounts::default();
        if !call.chat.messages.iter().any(|m| m.scrub) {
            return counts;
        }
        for msg in call.chat_mut().messages.iter_mut().filter(|m| m.scrub) {
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
            // Thinking is signed by the model: rewritten, the upstream would refuse it.
            Part::Anthropic(_) => {}
            // A provider's own item (an encrypted reasoning item): nothing readable to scrub.
            Part::Opaque(_) => {}
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

/// A stage future, as `#[async_trait]` writes it.
type StageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

impl PiiStage {
    /// Whether this call has nothing to scrub or restore, either way: then the stage hands
    /// it straight to the next one (no state of its own to keep across the call).
    fn passes(&self, call: &Call) -> bool {
        let policy = self.policy;
        !policy.inputs
            && !policy.outputs
            && !call.scrub_output
            && !call.chat.messages.iter().any(|m| m.scrub)
    }

    async fn scrubbed_call(&self, mut call: Call) -> Result<Reply, ProviderError> {
        self.policy.apply(&mut call);
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
    async fn scrubbed_stream(&self, mut call: Call) -> Result<StreamReply, ProviderError> {
        self.policy.apply(&mut call);
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

// Written out rather than `async fn`s so that a call with nothing to scrub costs no future
// of its own: on the hot path (and twice in a pool: the pool's stage and the member's).
impl Stage for PiiStage {
    fn call<'life0, 'async_trait>(&'life0 self, call: Call) -> StageFuture<'async_trait, Reply>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        if self.passes(&call) {
            return self.next.call(call);
        }
        Box::pin(self.scrubbed_call(call))
    }

    fn stream<'life0, 'async_trait>(
        &'life0 self,
        call: Call,
    ) -> StageFuture<'async_trait, StreamReply>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        if self.passes(&call) {
            return self.next.stream(call);
        }
        Box::pin(self.scrubbed_stream(call))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use futures::StreamExt;
    use parlance_core::{ChatMessage, ChatRequest, Choice, Delta, Role};
    use parlance_pii::EntitySet;

    use super::*;

    /// Records what reaches it and answers with an e-mail address.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    const ANSWER: &str = "write to ann.lee@example.com";

    #[async_trait]
    impl Stage for Recorder {
        async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
            let seen = call.chat.messages.iter().map(ChatMessage::joined_text);
            self.0.lock().unwrap().extend(seen);
            let choice = Choice { content: ANSWER.into(), ..Choice::default() };
            Ok(Reply {
                chat: ChatResponse { choices: vec![choice], ..Default::default() },
                cache: None,
            })
        }

        async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
            self.call(call).await.map(StreamReply::replay)
        }
    }

    fn pii_stage(policy: &str) -> (Arc<Recorder>, PiiStage) {
        let rec = Arc::new(Recorder::default());
        let scrubber = Scrubber::new(EntitySet::all());
        let stage = PiiStage::new(rec.clone(), scrubber, PiiMode::Redact, Arc::default());
        (rec, stage.with_policy(ScrubPolicy::parse(policy).unwrap()))
    }

    fn call() -> Call {
        let text = "mail bob@example.com or call +1 415 555 0100";
        Call::new(ChatRequest {
            messages: vec![ChatMessage::text(Role::User, text)],
            ..ChatRequest::default()
        })
    }

    async fn streamed(stage: &PiiStage, call: Call) -> String {
        let mut deltas = stage.stream(call).await.unwrap().deltas;
        let mut out = String::new();
        while let Some(d) = deltas.next().await {
            if let Delta::Text { text, .. } = d.unwrap() {
                out.push_str(&text);
            }
        }
        out
    }

    #[test]
    fn policies_parse_in_any_case_and_refuse_the_rest() {
        assert_eq!(ScrubPolicy::parse("").unwrap(), ScrubPolicy::default());
        assert_eq!(ScrubPolicy::parse("None").unwrap(), ScrubPolicy::default());
        assert_eq!(
            ScrubPolicy::parse("INPUTS").unwrap(),
            ScrubPolicy { inputs: true, outputs: false }
        );
        assert_eq!(
            ScrubPolicy::parse("outputs").unwrap(),
            ScrubPolicy { inputs: false, outputs: true }
        );
        assert!(ScrubPolicy::parse("true").unwrap_err().contains("expected none"));
    }

    #[tokio::test]
    async fn both_scrubs_inputs_and_outputs_the_request_did_not_flag() {
        let (rec, stage) = pii_stage("both");
        let reply = stage.call(call()).await.unwrap();
        assert_eq!(reply.chat.choices[0].content, "write to <EMAIL_ADDRESS>");
        let seen = rec.0.lock().unwrap().clone();
        assert_eq!(seen, ["mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>"]);
        assert_eq!(streamed(&stage, call()).await, "write to <EMAIL_ADDRESS>");
        let seen = rec.0.lock().unwrap().clone();
        assert!(seen.iter().all(|s| !s.contains('@') && !s.contains("555")), "{seen:?}");
    }

    #[tokio::test]
    async fn inputs_and_outputs_each_enforce_only_their_side_and_requests_may_add() {
        let (rec, stage) = pii_stage("inputs");
        assert_eq!(stage.call(call()).await.unwrap().chat.choices[0].content, ANSWER);
        assert!(!rec.0.lock().unwrap()[0].contains('@'));
        let mut asked = call();
        asked.scrub_output = true;
        assert_eq!(streamed(&stage, asked).await, "write to <EMAIL_ADDRESS>");
        let (rec, stage) = pii_stage("outputs");
        assert_eq!(streamed(&stage, call()).await, "write to <EMAIL_ADDRESS>");
        assert!(rec.0.lock().unwrap()[0].contains("bob@example.com"));
        let (rec, stage) = pii_stage("none");
        stage.call(call()).await.unwrap();
        assert!(rec.0.lock().unwrap()[0].contains("bob@example.com"));
    }
}
