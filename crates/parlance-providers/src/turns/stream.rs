//! The streamed twin of [`super::reply::ReplyFold`], shared by the Anthropic and Bedrock
//! stream parsers: they turn their events into calls on [`BlockStream`] (a block starts,
//! text, a tool-input fragment, a block stops, the message stops, usage), and it emits the
//! deltas that assemble to exactly what the plain fold returns.
//!
//! How it stays equal to the plain reply:
//! - Tool calls: id and name go out when the block starts; the input fragments are held
//!   until the block stops, then parsed and sent as compact JSON in one fragment — the plain
//!   path serialises the parsed input object, so the model's own spacing in `partial_json`
//!   (`{"city": "Paris"}`) would otherwise differ from the plain `{"city":"Paris"}`. An empty
//!   input is `{}`; input that is not JSON is a retryable malformed reply.
//! - Structured output (the forced format tool): its input is the content, as in the plain
//!   reply, where it also *replaces* any text. So when the request has a format tool, text is
//!   held too, and at the message stop either the document or the text is sent. Such replies
//!   arrive whole at the end; every other reply streams text as it comes.
//! - The finish reason is [`super::reply::finish_reason`] (`tool_use` → `end_turn` for a
//!   structured reply with no other call), sent at the message stop.

use std::collections::VecDeque;

use parlance_core::{ChatRequest, Delta, ProviderError, ToolCallDelta};
use serde_json::Value;

use parlance_core::FailureKind;

use super::forced_tool::format_tool_name;
use super::reply::finish_reason;
use crate::streaming::malformed;

/// The most bytes held back at once (tool inputs and held text): a hostile upstream cannot
/// make parlance buffer without bound.
pub(crate) const MAX_HELD: usize = 16 << 20;

/// One streamed message of a block protocol being turned into deltas.
#[derive(Debug)]
pub(crate) struct BlockStream {
    /// The structured-output tool's name, when the request has one.
    format: Option<String>,
    /// Open tool blocks: the API's block index and what is gathered for it.
    open: Vec<(u32, ToolBlock)>,
    /// Tool calls started so far (the index of the next one).
    calls: u32,
    /// Text held back while a format tool may still replace it.
    held: String,
    /// The last structured-output document.
    structured: Option<String>,
    /// Whether the message has stopped (the finish was sent).
    stopped: bool,
}

/// A tool block between its start and its stop.
#[derive(Debug)]
struct ToolBlock {
    /// `None` for the format tool; else the call's index among the choice's calls.
    call: Option<u32>,
    /// The input fragments so far.
    input: String,
}

impl BlockStream {
    /// The stream of the reply to `req` (which says whether a format tool was sent).
    pub(crate) fn new(req: &ChatRequest) -> BlockStream {
        BlockStream {
            format: format_tool_name(req),
            open: Vec::new(),
            calls: 0,
            held: String::new(),
            structured: None,
            stopped: false,
        }
    }

    /// Text of a text block.
    pub(crate) fn text(
        &mut self,
        text: String,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        if text.is_empty() {
            return Ok(());
        }
        if self.format.is_some() {
            self.held.push_str(&text);
            self.bound()?;
        } else {
            out.push_back(Delta::Text { choice: 0, text });
        }
        Ok(())
    }

    fn bound(&self) -> Result<(), ProviderError> {
        let held = self.held.len() + self.open.iter().map(|(_, t)| t.input.len()).sum::<usize>();
        if held > MAX_HELD {
            return Err(ProviderError::transient(
                FailureKind::MalformedReply,
                format!("upstream reply holds more than {MAX_HELD} bytes of tool input"),
            ));
        }
        Ok(())
    }

    /// A tool-use block starts: its id and name go out now (the format tool's do not).
    pub(crate) fn tool_start(
        &mut self,
        block: u32,
        id: String,
        name: String,
        out: &mut VecDeque<Delta>,
    ) {
        let call = if self.format.as_ref() == Some(&name) {
            None
        } else {
            let index = self.calls;
            self.calls += 1;
            out.push_back(Delta::ToolCall(ToolCallDelta {
                choice: 0,
                index,
                id: Some(id),
                name: Some(name),
                arguments: String::new(),
            }));
            Some(index)
        };
        self.open.retain(|(b, _)| *b != block);
        self.open.push((block, ToolBlock { call, input: String::new() }));
    }

    /// A fragment of a tool block's input (ignored for blocks that are not tool calls, such
    /// as server tools, which the plain reply skips as well).
    pub(crate) fn tool_input(&mut self, block: u32, fragment: &str) -> Result<(), ProviderError> {
        if let Some((_, t)) = self.open.iter_mut().find(|(b, _)| *b == block) {
            t.input.push_str(fragment);
            self.bound()?;
        }
        Ok(())
    }

    /// A block stops: a tool call's arguments go out, compact.
    pub(crate) fn block_stop(
        &mut self,
        block: u32,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        let Some(at) = self.open.iter().position(|(b, _)| *b == block) else { return Ok(()) };
        let (_, tool) = self.open.remove(at);
        let arguments = compact(&tool.input)?;
        match tool.call {
            None => self.structured = Some(arguments),
            Some(index) => out.push_back(Delta::ToolCall(ToolCallDelta {
                choice: 0,
                index,
                id: None,
                name: None,
                arguments,
            })),
        }
        Ok(())
    }

    /// The message stops with `stop_reason`: blocks still open are closed, held content goes
    /// out, then the finish.
    pub(crate) fn stop(
        &mut self,
        stop_reason: Option<String>,
        out: &mut VecDeque<Delta>,
    ) -> Result<(), ProviderError> {
        while let Some((block, _)) = self.open.first() {
            let block = *block;
            self.block_stop(block, out)?;
        }
        let structured = self.structured.is_some();
        let content = self.structured.take().unwrap_or_else(|| std::mem::take(&mut self.held));
        if !content.is_empty() {
            out.push_back(Delta::Text { choice: 0, text: content });
        }
        let reason = finish_reason(stop_reason, structured, self.calls > 0);
        out.push_back(Delta::Finish { choice: 0, reason });
        self.stopped = true;
        Ok(())
    }

    /// Whether the message has stopped.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }
}

/// Tool input text → the compact JSON the plain path makes of the same input.
fn compact(input: &str) -> Result<String, ProviderError> {
    if input.trim().is_empty() {
        return Ok("{}".to_string());
    }
    let value: Value = serde_json::from_str(input).map_err(|e| malformed("tool input", &e))?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::ResponseFormat;

    fn run(
        req: &ChatRequest,
        steps: impl FnOnce(&mut BlockStream, &mut VecDeque<Delta>),
    ) -> Vec<Delta> {
        let mut s = BlockStream::new(req);
        let mut out = VecDeque::new();
        steps(&mut s, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn tool_arguments_are_sent_compact_at_the_block_stop() {
        let got = run(&ChatRequest::default(), |s, out| {
            s.text("Let me check.".into(), out).unwrap();
            s.tool_start(1, "toolu_1".into(), "get".into(), out);
            s.tool_input(1, "{\"city\": ").unwrap();
            s.tool_input(1, "\"Paris\"}").unwrap();
            s.block_stop(1, out).unwrap();
            s.tool_start(2, "toolu_2".into(), "noargs".into(), out);
            s.stop(Some("tool_use".into()), out).unwrap();
        });
        let frag = |index, id: Option<&str>, name: Option<&str>, arguments: &str| {
            Delta::ToolCall(ToolCallDelta {
                choice: 0,
                index,
                id: id.map(Into::into),
                name: name.map(Into::into),
                arguments: arguments.into(),
            })
        };
        assert_eq!(
            got,
            vec![
                Delta::Text { choice: 0, text: "Let me check.".into() },
                frag(0, Some("toolu_1"), Some("get"), ""),
                frag(0, None, None, r#"{"city":"Paris"}"#),
                frag(1, Some("toolu_2"), Some("noargs"), ""),
                frag(1, None, None, "{}"),
                Delta::Finish { choice: 0, reason: "tool_use".into() },
            ]
        );
    }

    #[test]
    fn structured_output_replaces_held_text() {
        let req = ChatRequest {
            response_format: Some(ResponseFormat {
                name: "answer".into(),
                description: None,
                strict: false,
                schema: Default::default(),
            }),
            ..ChatRequest::default()
        };
        let got = run(&req, |s, out| {
            s.text("Sure:".into(), out).unwrap();
            s.tool_start(1, "t".into(), "answer".into(), out);
            s.tool_input(1, "{ \"a\" : 1 }").unwrap();
            s.stop(Some("tool_use".into()), out).unwrap();
        });
        assert_eq!(
            got,
            vec![
                Delta::Text { choice: 0, text: r#"{"a":1}"#.into() },
                Delta::Finish { choice: 0, reason: "end_turn".into() },
            ]
        );
        let text_only = run(&req, |s, out| {
            s.text("no tool".into(), out).unwrap();
            s.stop(Some("end_turn".into()), out).unwrap();
        });
        assert_eq!(text_only[0], Delta::Text { choice: 0, text: "no tool".into() });
    }

    #[test]
    fn input_that_is_not_json_is_malformed() {
        let mut s = BlockStream::new(&ChatRequest::default());
        let mut out = VecDeque::new();
        s.tool_start(0, "t".into(), "f".into(), &mut out);
        s.tool_input(0, "{\"a\":").unwrap();
        let e = s.block_stop(0, &mut out).unwrap_err();
        assert!(e.retryable, "{e:?}");
        s.tool_start(1, "t".into(), "f".into(), &mut out);
        let big = "x".repeat(MAX_HELD / 2 + 1);
        s.tool_input(1, &big).unwrap();
        assert!(s.tool_input(1, &big).unwrap_err().message.contains("more than"));
    }
}
