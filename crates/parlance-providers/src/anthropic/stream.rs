//! A streamed Messages reply → deltas. The named events map onto the shared
//! [`BlockStream`] (see `crate::turns::stream` for how it stays equal to the plain reply):
//! `content_block_start` (text, or `tool_use` with id and name), `content_block_delta`
//! (`text_delta`, `input_json_delta`), `content_block_stop`; thinking blocks
//! (`thinking_delta`, `signature_delta`, `redacted_thinking`) pass as `Delta::Thinking`; `message_delta` brings the stop
//! reason and the cumulative usage; `message_stop` ends the stream (finish, then usage: the
//! input and cache counts of `message_start` with the latest counts of `message_delta`,
//! summed as the plain path sums them). `ping` and unknown events are skipped; an `error`
//! event ends the stream with that error (retryable for `overloaded_error` and the like); a
//! body that ends before `message_stop` is a retryable malformed reply.

use std::collections::VecDeque;

use parlance_core::{ChatRequest, Delta, ProviderError, ThinkingDelta};

use super::error;
use super::wire::{BlockDelta, StartBlock, StreamEvent, StreamUsage};
use crate::sse;
use crate::streaming::{OnEvent, malformed};
use crate::turns::{self, stream::BlockStream};

/// The events of one streamed message.
#[derive(Debug)]
pub(crate) struct Events {
    key: String,
    blocks: BlockStream,
    stop_reason: Option<String>,
    usage: Option<StreamUsage>,
}

impl Events {
    /// A decoder for the reply to `req`; `key` is kept out of error messages.
    pub(crate) fn new(req: &ChatRequest, key: &str) -> Events {
        Events {
            key: key.to_string(),
            blocks: BlockStream::new(req),
            stop_reason: None,
            usage: None,
        }
    }

    fn merge_usage(&mut self, later: Option<StreamUsage>) {
        let Some(u) = later else { return };
        let old = self.usage.unwrap_or_default();
        self.usage = Some(StreamUsage {
            input_tokens: u.input_tokens.or(old.input_tokens),
            output_tokens: u.output_tokens.or(old.output_tokens),
            cache_creation_input_tokens: u
                .cache_creation_input_tokens
                .or(old.cache_creation_input_tokens),
            cache_read_input_tokens: u.cache_read_input_tokens.or(old.cache_read_input_tokens),
        });
    }

    fn stop(&mut self, out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        self.blocks.stop(self.stop_reason.take(), out)?;
        if let Some(u) = self.usage {
            out.push_back(Delta::Usage(turns::usage(
                u.input_tokens.unwrap_or(0),
                u.output_tokens.unwrap_or(0),
                u.cache_read_input_tokens,
                u.cache_creation_input_tokens,
            )));
        }
        Ok(())
    }
}

/// A piece of a thinking block, passed on as it came (choice 0: Messages has one).
fn thought(delta: ThinkingDelta, out: &mut VecDeque<Delta>) {
    out.push_back(Delta::Thinking { choice: 0, delta });
}

impl OnEvent for Events {
    fn event(&mut self, ev: sse::Event, out: &mut VecDeque<Delta>) -> Result<bool, ProviderError> {
        let event: StreamEvent =
            serde_json::from_str(&ev.data).map_err(|e| malformed("Messages event", &e))?;
        match event {
            StreamEvent::MessageStart { message } => self.merge_usage(message.usage),
            StreamEvent::ContentBlockStart { index, content_block } => match content_block {
                StartBlock::Text { text } => self.blocks.text(text, out)?,
                StartBlock::ToolUse { id, name } => self.blocks.tool_start(index, id, name, out),
                StartBlock::Thinking { thinking, signature } => {
                    thought(ThinkingDelta::Begin, out);
                    if !thinking.is_empty() {
                        thought(ThinkingDelta::Text(thinking), out);
                    }
                    if !signature.is_empty() {
                        thought(ThinkingDelta::Signature(signature), out);
                    }
                }
                StartBlock::RedactedThinking { data } => {
                    thought(ThinkingDelta::Redacted(data), out)
                }
                StartBlock::Other => {}
            },
            StreamEvent::ContentBlockDelta { index, delta } => match delta {
                BlockDelta::TextDelta { text } => self.blocks.text(text, out)?,
                BlockDelta::InputJsonDelta { partial_json } => {
                    self.blocks.tool_input(index, &partial_json)?
                }
                BlockDelta::ThinkingDelta { thinking } => {
                    thought(ThinkingDelta::Text(thinking), out)
                }
                BlockDelta::SignatureDelta { signature } => {
                    thought(ThinkingDelta::Signature(signature), out)
                }
                BlockDelta::Other => {}
            },
            StreamEvent::ContentBlockStop { index } => self.blocks.block_stop(index, out)?,
            StreamEvent::MessageDelta { delta, usage } => {
                self.stop_reason = delta.stop_reason.or(self.stop_reason.take());
                self.merge_usage(usage);
            }
            StreamEvent::MessageStop {} => {
                self.stop(out)?;
                return Ok(true);
            }
            StreamEvent::Error { error } => {
                return Err(error::from_stream_error(&error, &self.key));
            }
            StreamEvent::Ping {} | StreamEvent::Other => {}
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anthropic::AnthropicProvider;
    use crate::anthropic::config::{AnthropicConfig, ApiType};
    use crate::sse::splits;
    use crate::streaming::Sse;
    use crate::streaming::testing::{assemble, run};
    use parlance_core::{FailureKind, ResponseFormat};
    use std::time::Duration;

    const MODEL: &str = "claude-sonnet-4-20250514";

    fn provider() -> AnthropicProvider {
        let cfg = AnthropicConfig {
            api_type: ApiType::Anthropic,
            model: MODEL.into(),
            url: "http://127.0.0.1:9/v1/messages".into(),
            key: "sk-ant-test".into(),
            default_max_tokens: 4096,
            timeout: Duration::from_secs(1),
        };
        AnthropicProvider::new(cfg, crate::client::tests::client())
    }

    fn decode(req: &ChatRequest, pieces: &[&[u8]]) -> Result<Vec<Delta>, ProviderError> {
        run(Sse::new(Events::new(req, "sk-ant-test")), pieces)
    }

    fn same_answer(req: &ChatRequest, stream: &str, plain: &str) {
        let want = provider().parse_reply(req, plain.as_bytes()).unwrap();
        for pieces in splits::all(stream.as_bytes()) {
            let deltas = decode(req, &pieces).unwrap();
            assert_eq!(assemble(&deltas, MODEL), want, "{pieces:?}");
        }
    }

    /// A signed thinking block (passed on as it came), text, then a tool call whose input
    /// streams with the model's own spacing; cache usage on `message_start`, output on `message_delta`.
    const TOOLS: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQB\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":9,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"Zm9v\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":9}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"I'll \"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"check.\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01A\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Pa\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"ris\\\", \\\"days\\\": 2}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":30}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );

    const TOOLS_PLAIN: &str = r#"{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"thinking","thinking":"hmm","signature":"EqQB"},{"type":"redacted_thinking","data":"Zm9v"},{"type":"text","text":"I'll check."},{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris","days":2}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":30}}"#;

    #[test]
    fn text_tool_use_and_cache_usage() {
        same_answer(&ChatRequest::default(), TOOLS, TOOLS_PLAIN);
    }

    /// Structured output: the forced tool's input is the content; `tool_use` → `end_turn`.
    const STRUCTURED: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"content\":[],\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"response\",\"input\":{}}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"n\\\": 3}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":5}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );

    const STRUCTURED_PLAIN: &str = r#"{"content":[{"type":"tool_use","id":"toolu_9","name":"response","input":{"n":3}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5}}"#;

    #[test]
    fn structured_output_streams_as_content() {
        let req = ChatRequest {
            response_format: Some(ResponseFormat {
                name: "response".into(),
                description: None,
                strict: true,
                schema: Default::default(),
            }),
            ..ChatRequest::default()
        };
        same_answer(&req, STRUCTURED, STRUCTURED_PLAIN);
        let c = &assemble(&decode(&req, &[STRUCTURED.as_bytes()]).unwrap(), MODEL).choices[0];
        assert_eq!((c.content.as_str(), c.finish_reason.as_str()), (r#"{"n":3}"#, "end_turn"));
    }

    #[test]
    fn overloaded_mid_stream_is_retryable() {
        let stream = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1}}}\n\n",
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        );
        let e = decode(&ChatRequest::default(), &[stream.as_bytes()]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::UpstreamStatus, "{e:?}");
        assert_eq!(e.message, "upstream stream failed: overloaded_error: Overloaded");
        let bad = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"no\"}}\n\n";
        assert!(!decode(&ChatRequest::default(), &[bad.as_bytes()]).unwrap_err().retryable);
    }

    #[test]
    fn a_cut_stream_and_a_truncated_event_are_retryable() {
        let cut = &TOOLS[..TOOLS.find("event: message_delta").unwrap()];
        let e = decode(&ChatRequest::default(), &[cut.as_bytes()]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::MalformedReply, "{e:?}");
        let bad = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"trunc\n\n";
        let e = decode(&ChatRequest::default(), &[bad.as_bytes()]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::MalformedReply, "{e:?}");
    }

    #[test]
    fn stream_requests_say_stream_true() {
        let req = ChatRequest {
            messages: vec![parlance_core::ChatMessage::text(parlance_core::Role::User, "hi")],
            ..ChatRequest::default()
        };
        let body: serde_json::Value =
            serde_json::from_slice(&provider().stream_request_body(&req).unwrap()).unwrap();
        assert_eq!(body["stream"], true);
        let plain: serde_json::Value =
            serde_json::from_slice(&provider().request_body(&req).unwrap()).unwrap();
        assert!(plain.get("stream").is_none());
    }
}
