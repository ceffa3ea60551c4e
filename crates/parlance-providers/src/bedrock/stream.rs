//! A ConverseStream body (`application/vnd.amazon.eventstream`) → deltas.
//!
//! Framing is `aws-smithy-eventstream`'s frame decoder, which checks the prelude CRC and the
//! message CRC of every frame; a frame that fails either, or is longer than [`MAX_FRAME`],
//! ends the stream with a retryable malformed reply. Event frames (`:message-type: event`)
//! map by `:event-type` onto the shared [`BlockStream`] (see `crate::turns::stream`):
//! `contentBlockStart` (a tool call's id and name), `contentBlockDelta` (`text`, or
//! `toolUse.input` fragments; for Claude, `reasoningContent` `text` and `signature` pieces,
//! passed on as thinking deltas, a block's first opening a thinking block, and
//! `redactedContent` pieces, joined into one redacted block at the block's stop),
//! `contentBlockStop`, `messageStop` (the finish), then
//! `metadata` (the usage, summed as the plain path sums it), which ends the stream; a body
//! that ends after `messageStop` without `metadata` ends cleanly, one that ends before it, or
//! inside a frame, is cut short (retryable). `messageStart` and unknown events are skipped. Exception frames
//! (`:message-type: exception`, `:exception-type`) and error frames (`:error-code`) end the
//! stream with that error: throttling, internal, service-unavailable and model-stream errors
//! are retryable.

use std::collections::VecDeque;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::Message;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::BytesMut;
use parlance_core::{ChatRequest, Delta, FailureKind, ProviderError, ThinkingDelta};
use serde::de::DeserializeOwned;

use super::convert;
use super::error;
use super::wire::{BlockDelta, BlockStart, BlockStop, MessageStop, Metadata, ReasoningDelta};
use crate::streaming::{Decode, malformed};
use crate::turns::stream::BlockStream;

/// The longest frame accepted (Bedrock's events are a few hundred bytes).
pub const MAX_FRAME: usize = 1 << 20;

/// The frames of one streamed reply.
pub(crate) struct Frames {
    decoder: MessageFrameDecoder,
    /// Bytes received and not yet decoded.
    buffer: BytesMut,
    blocks: BlockStream,
    /// Claude's reasoning, when the call is to a Claude model (else it is skipped).
    reasoning: Option<ReasoningBlocks>,
    /// The credentials' parts, kept out of error messages.
    secrets: [String; 2],
    done: bool,
}

impl Frames {
    /// A decoder for the reply to `req`; `claude`: its reasoning is passed on.
    pub(crate) fn new(req: &ChatRequest, claude: bool, secrets: [String; 2]) -> Frames {
        Frames {
            decoder: MessageFrameDecoder::new(),
            buffer: BytesMut::new(),
            blocks: BlockStream::new(req),
            reasoning: claude.then(ReasoningBlocks::default),
            secrets,
            done: false,
        }
    }

    fn message(&mut self, m: &Message, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let secrets = [self.secrets[0].as_str(), self.secrets[1].as_str()];
        match header(m, ":message-type") {
            Some("event") => self.event(header(m, ":event-type").unwrap_or_default(), m, out),
            Some("exception") => {
                let kind = header(m, ":exception-type").unwrap_or_default();
                Err(error::from_stream_exception(kind, m.payload(), &secrets))
            }
            Some("error") => {
                let kind = header(m, ":error-code").unwrap_or_default();
                let text = header(m, ":error-message").unwrap_or_default();
                Err(error::from_stream_exception(kind, text.as_bytes(), &secrets))
            }
            _ => Err(ProviderError::transient(
                FailureKind::MalformedReply,
                "upstream event-stream frame without a known :message-type",
            )),
        }
    }

    fn event(
        &mut self,
        name: &str,
        m: &Message,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        match name {
            "contentBlockStart" => {
                let e: BlockStart = payload(name, m)?;
                if let Some(t) = e.start.tool_use {
                    self.blocks.tool_start(e.content_block_index, t.tool_use_id, t.name, out);
                }
            }
            "contentBlockDelta" => {
                let e: BlockDelta = payload(name, m)?;
                if let Some(text) = e.delta.text {
                    self.blocks.text(text, out)?;
                }
                if let Some(t) = e.delta.tool_use {
                    self.blocks.tool_input(e.content_block_index, &t.input)?;
                }
                if let (Some(r), Some(d)) = (&mut self.reasoning, e.delta.reasoning_content) {
                    r.delta(e.content_block_index, d, out)?;
                }
            }
            "contentBlockStop" => {
                let e: BlockStop = payload(name, m)?;
                self.blocks.block_stop(e.content_block_index, out)?;
                if let Some(r) = &mut self.reasoning {
                    r.stop(out)?;
                }
            }
            "messageStop" => {
                if let Some(r) = &mut self.reasoning {
                    r.stop(out)?;
                }
                let e: MessageStop = payload(name, m)?;
                self.blocks.stop(e.stop_reason, out)?;
            }
            "metadata" => {
                let e: Metadata = payload(name, m)?;
                out.extend(e.usage.map(|u| Delta::Usage(convert::usage(u))));
                self.done = self.blocks.stopped();
            }
            _ => {}
        }
        Ok(())
    }
}

/// Claude's streamed reasoning blocks → thinking deltas.
#[derive(Debug, Default)]
struct ReasoningBlocks {
    /// The block index of the thinking block open now.
    open: Option<u32>,
    /// Redacted content gathered for the block being streamed (each piece as it came).
    redacted: Vec<String>,
}

impl ReasoningBlocks {
    fn delta(
        &mut self,
        block: u32,
        d: ReasoningDelta,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        let mut thought = |delta| out.push_back(Delta::Thinking { choice: 0, delta });
        for (piece, signed) in [(d.text, false), (d.signature, true)] {
            let Some(piece) = piece else { continue };
            if self.open != Some(block) {
                self.open = Some(block);
                thought(ThinkingDelta::Begin);
            }
            match signed {
                false if !piece.is_empty() => thought(ThinkingDelta::Text(piece)),
                true => thought(ThinkingDelta::Signature(piece)),
                false => {}
            }
        }
        if let Some(piece) = d.redacted_content {
            self.redacted.push(piece);
            let held: usize = self.redacted.iter().map(String::len).sum();
            if held > MAX_FRAME {
                return Err(ProviderError::transient(
                    FailureKind::MalformedReply,
                    format!("upstream redacted reasoning longer than {MAX_FRAME} bytes"),
                ));
            }
        }
        Ok(())
    }

    /// A block stopped (or the message): redacted content gathered goes out as one block
    /// (one piece as it came; several as the base64 of their bytes joined).
    fn stop(&mut self, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        self.open = None;
        let data = match self.redacted.len() {
            0 => return Ok(()),
            1 => self.redacted.remove(0),
            _ => {
                let mut bytes = Vec::new();
                for piece in self.redacted.drain(..) {
                    bytes.extend(
                        STANDARD.decode(piece).map_err(|e| malformed("redactedContent", &e))?,
                    );
                }
                STANDARD.encode(bytes)
            }
        };
        out.push_back(Delta::Thinking { choice: 0, delta: ThinkingDelta::Redacted(data) });
        Ok(())
    }
}

impl Decode for Frames {
    fn feed(&mut self, bytes: &[u8], out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        self.buffer.extend_from_slice(bytes);
        while !self.done {
            match self.decoder.decode_frame(&mut self.buffer) {
                Ok(DecodedFrame::Complete(m)) => self.message(&m, out)?,
                Ok(DecodedFrame::Incomplete) => break,
                Err(e) => return Err(malformed("event-stream frame", &e)),
            }
        }
        if self.buffer.len() > MAX_FRAME {
            return Err(ProviderError::transient(
                FailureKind::MalformedReply,
                format!("upstream event-stream frame longer than {MAX_FRAME} bytes"),
            ));
        }
        Ok(())
    }

    fn end(&mut self, _out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        let cut = |what: &str| {
            ProviderError::transient(FailureKind::MalformedReply, format!("upstream stream {what}"))
        };
        if !self.buffer.is_empty() {
            return Err(cut("ended inside a frame"));
        }
        if !self.blocks.stopped() {
            return Err(cut("ended before messageStop"));
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.done
    }
}

/// A string header's value.
fn header<'m>(m: &'m Message, name: &str) -> Option<&'m str> {
    let h = m.headers().iter().find(|h| h.name().as_str() == name)?;
    h.value().as_string().ok().map(|s| s.as_str())
}

fn payload<T: DeserializeOwned>(name: &str, m: &Message) -> Result<T, ProviderError> {
    serde_json::from_slice(m.payload()).map_err(|e| malformed(name, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bedrock::BedrockProvider;
    use crate::bedrock::config::{BedrockConfig, Credentials, Keys};
    use crate::sse::splits;
    use crate::streaming::testing::{assemble, run};
    use aws_smithy_eventstream::frame::write_message_to;
    use aws_smithy_types::event_stream::{Header, HeaderValue};
    use bytes::Bytes;
    use parlance_core::{ResponseFormat, ThinkingDelta};
    use serde_json::{Value, json};

    const MODEL: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

    fn provider() -> BedrockProvider {
        let cfg = BedrockConfig {
            region: "us-east-1".into(),
            model: MODEL.into(),
            url: "http://127.0.0.1:9/model/m/converse".into(),
            credentials: Credentials::Keys(Keys {
                access_key: "AKIDTEST".into(),
                secret_key: "secret/test".into(),
                session_token: None,
            }),
            default_max_tokens: None,
            timeout: std::time::Duration::from_secs(1),
        };
        BedrockProvider::new(cfg, crate::client::tests::client())
    }

    fn frame(headers: &[(&str, &str)], payload: &Value) -> Vec<u8> {
        let mut m = Message::new(Bytes::from(payload.to_string()));
        for (k, v) in headers {
            m = m.add_header(Header::new(k.to_string(), HeaderValue::String(v.to_string().into())));
        }
        let mut out = Vec::new();
        write_message_to(&m, &mut out).unwrap();
        out
    }

    fn event(name: &str, payload: Value) -> Vec<u8> {
        let headers = [
            (":event-type", name),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ];
        frame(&headers, &payload)
    }

    fn decode(req: &ChatRequest, pieces: &[&[u8]]) -> Result<Vec<Delta>, ProviderError> {
        run(Frames::new(req, true, ["AKIDTEST".into(), "secret/test".into()]), pieces)
    }

    /// Text, then a tool call whose input arrives in pieces; reasoning skipped; cache usage.
    fn tools_stream() -> Vec<u8> {
        [
            event("messageStart", json!({"role": "assistant", "p": "abc"})),
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "hmm"}}})),
            event("contentBlockStop", json!({"contentBlockIndex": 0})),
            event("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"text": "Check"}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"text": "ing."}})),
            event("contentBlockStop", json!({"contentBlockIndex": 1})),
            event("contentBlockStart", json!({"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "tooluse_kZJ", "name": "get_weather"}}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 2, "delta": {"toolUse": {"input": "{\"city\": "}}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 2, "delta": {"toolUse": {"input": "\"Paris\"}"}}})),
            event("contentBlockStop", json!({"contentBlockIndex": 2})),
            event("messageStop", json!({"stopReason": "tool_use"})),
            event("metadata", json!({"usage": {"inputTokens": 12, "outputTokens": 8, "totalTokens": 170, "cacheReadInputTokens": 100, "cacheWriteInputTokens": 50}, "metrics": {"latencyMs": 300}})),
        ]
        .concat()
    }

    const TOOLS_PLAIN: &str = r#"{"output":{"message":{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"hmm"}}},{"text":"Checking."},{"toolUse":{"toolUseId":"tooluse_kZJ","name":"get_weather","input":{"city":"Paris"}}}]}},"stopReason":"tool_use","usage":{"inputTokens":12,"outputTokens":8,"totalTokens":170,"cacheReadInputTokens":100,"cacheWriteInputTokens":50},"metrics":{"latencyMs":300}}"#;

    fn same_answer(req: &ChatRequest, stream: &[u8], plain: &str) {
        let want = provider().parse_reply(req, plain.as_bytes()).unwrap();
        for pieces in splits::all(stream) {
            let deltas = decode(req, &pieces).unwrap();
            assert_eq!(assemble(&deltas, MODEL), want);
        }
    }

    #[test]
    fn text_tool_use_and_cache_usage_at_every_split() {
        same_answer(&ChatRequest::default(), &tools_stream(), TOOLS_PLAIN);
    }

    /// Claude's signed reasoning (text in pieces, then the signature) and redacted reasoning
    /// in two base64 pieces: thinking deltas that assemble to the plain reply's blocks.
    #[test]
    fn claude_reasoning_streams_as_thinking_at_every_split() {
        let stream = [
            event("messageStart", json!({"role": "assistant"})),
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "two and "}}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "two"}}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "EqQB"}}})),
            event("contentBlockStop", json!({"contentBlockIndex": 0})),
            event("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"reasoningContent": {"redactedContent": "Zm9v"}}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"reasoningContent": {"redactedContent": "YmFy"}}})),
            event("contentBlockStop", json!({"contentBlockIndex": 1})),
            event("contentBlockDelta", json!({"contentBlockIndex": 2, "delta": {"text": "Four."}})),
            event("contentBlockStop", json!({"contentBlockIndex": 2})),
            event("messageStop", json!({"stopReason": "end_turn"})),
            event("metadata", json!({"usage": {"inputTokens": 5, "outputTokens": 9, "totalTokens": 14}})),
        ]
        .concat();
        let plain = r#"{"output":{"message":{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"two and two","signature":"EqQB"}}},{"reasoningContent":{"redactedContent":"Zm9vYmFy"}},{"text":"Four."}]}},"stopReason":"end_turn","usage":{"inputTokens":5,"outputTokens":9,"totalTokens":14}}"#;
        let req = ChatRequest::default();
        same_answer(&req, &stream, plain);
        let deltas = decode(&req, &[&stream]).unwrap();
        let thinking: Vec<&ThinkingDelta> = deltas
            .iter()
            .filter_map(|d| match d {
                Delta::Thinking { delta, .. } => Some(delta),
                _ => None,
            })
            .collect();
        assert_eq!(thinking.len(), 5, "{thinking:?}");
        assert_eq!(thinking[0], &ThinkingDelta::Begin);
        assert_eq!(thinking[3], &ThinkingDelta::Signature("EqQB".into()));
        // Another model family's reasoning is skipped.
        let secrets = || ["AKIDTEST".to_string(), "secret/test".to_string()];
        let other = run(Frames::new(&req, false, secrets()), &[&stream]).unwrap();
        assert!(!other.iter().any(|d| matches!(d, Delta::Thinking { .. })));
        let garbage = event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"reasoningContent": {"redactedContent": "!!"}}}),
        );
        let bad =
            [garbage.clone(), garbage, event("contentBlockStop", json!({"contentBlockIndex": 1}))]
                .concat();
        assert!(decode(&req, &[&bad]).is_err(), "redacted pieces that are not base64");
    }

    #[test]
    fn structured_output_streams_as_content() {
        let req = ChatRequest {
            response_format: Some(ResponseFormat {
                name: "response".into(),
                description: None,
                strict: false,
                schema: Default::default(),
            }),
            ..ChatRequest::default()
        };
        let stream = [
            event("messageStart", json!({"role": "assistant"})),
            event("contentBlockStart", json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "tooluse_x", "name": "response"}}})),
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"n\": 1}"}}})),
            event("contentBlockStop", json!({"contentBlockIndex": 0})),
            event("messageStop", json!({"stopReason": "tool_use"})),
            event("metadata", json!({"usage": {"inputTokens": 10, "outputTokens": 4, "totalTokens": 14}})),
        ]
        .concat();
        let plain = r#"{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_x","name":"response","input":{"n":1}}}]}},"stopReason":"tool_use","usage":{"inputTokens":10,"outputTokens":4,"totalTokens":14}}"#;
        same_answer(&req, &stream, plain);
        let c = &assemble(&decode(&req, &[&stream]).unwrap(), MODEL).choices[0];
        assert_eq!((c.content.as_str(), c.finish_reason.as_str()), (r#"{"n":1}"#, "end_turn"));
    }

    #[test]
    fn exception_frames_end_the_stream() {
        let exception = |kind: &str| {
            let headers = [
                (":exception-type", kind),
                (":content-type", "application/json"),
                (":message-type", "exception"),
            ];
            frame(&headers, &json!({"message": "The model stream failed. key AKIDTEST"}))
        };
        let head =
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "a"}}));
        for (kind, retryable) in [
            ("modelStreamErrorException", true),
            ("throttlingException", true),
            ("internalServerException", true),
            ("serviceUnavailableException", true),
            ("validationException", false),
        ] {
            let e = decode(&ChatRequest::default(), &[&head, &exception(kind)]).unwrap_err();
            assert_eq!(e.retryable, retryable, "{kind}: {e:?}");
            assert!(e.message.contains(kind) && !e.message.contains("AKIDTEST"), "{e:?}");
        }
    }

    #[test]
    fn bad_crcs_cut_streams_and_huge_frames_are_malformed() {
        let mut bad = tools_stream();
        let first = event("messageStart", json!({"role": "assistant", "p": "abc"})).len();
        bad[first - 1] ^= 0xff;
        let e = decode(&ChatRequest::default(), &[&bad]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::MalformedReply, "{e:?}");
        let mut bad_prelude = tools_stream();
        bad_prelude[9] ^= 0xff;
        assert!(decode(&ChatRequest::default(), &[&bad_prelude]).is_err());
        let whole = tools_stream();
        let cut = &whole[..whole.len() / 2];
        let e = decode(&ChatRequest::default(), &[cut]).unwrap_err();
        assert!(e.retryable && e.message.contains("ended"), "{e:?}");
        let mut huge = vec![0u8; 12];
        huge[..4].copy_from_slice(&(64u32 << 20).to_be_bytes());
        let e = decode(&ChatRequest::default(), &[&huge, &vec![0; MAX_FRAME + 1]]).unwrap_err();
        assert!(e.retryable, "{e:?}");
    }

    /// Flipping any one byte of a recorded stream never panics and never passes unnoticed
    /// (every byte is covered by a CRC).
    #[test]
    fn every_corrupted_byte_is_caught() {
        let good = tools_stream();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            assert!(decode(&ChatRequest::default(), &[&bad]).is_err(), "byte {i}");
        }
    }

    #[test]
    fn a_stream_may_end_after_message_stop_without_metadata() {
        let stream = [
            event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "hi"}})),
            event("messageStop", json!({"stopReason": "end_turn"})),
        ]
        .concat();
        let got = decode(&ChatRequest::default(), &[&stream]).unwrap();
        assert_eq!(got.last(), Some(&Delta::Finish { choice: 0, reason: "end_turn".into() }));
    }
}
