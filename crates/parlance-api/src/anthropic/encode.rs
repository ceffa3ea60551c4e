//! The Messages reply (`{"type":"message", …}`), serialised from the service's answer:
//! `content` as the thinking blocks an Anthropic upstream returned (as they came), a text block (when there is text) then one `tool_use` block per call (its
//! `input` the call's JSON arguments as an object), `stop_reason` in Anthropic's vocabulary
//! whatever the provider said, `usage` split Anthropic's way (`input_tokens` without the
//! cached ones, which are `cache_read_input_tokens`); all zero when the provider gave none.

use crate::door::finish::Finish;
use crate::door::json::Json;
use parlance_core::{ChatResponse, Choice, ThinkingBlock, ToolCall, Usage};
use serde::Serialize;
use serde_json::{Map, Value};

/// A provider's finish reason in Anthropic's vocabulary: `end_turn`, `max_tokens`,
/// `stop_sequence`, `tool_use`, `pause_turn` or `refusal`. A plain stop with tool calls is
/// `tool_use` (agents loop on it).
pub fn stop_reason(reason: &str, has_calls: bool) -> &'static str {
    match crate::door::finish::classify(reason) {
        Finish::Length => "max_tokens",
        Finish::StopSequence => "stop_sequence",
        Finish::PauseTurn => "pause_turn",
        Finish::ToolCalls => "tool_use",
        Finish::Filtered => "refusal",
        Finish::Stop if has_calls => "tool_use",
        Finish::Stop => "end_turn",
    }
}

/// A tool call's id; `toolu_<position>` when the provider gave none (the client answers
/// the call by it).
pub fn call_id(t_id: Option<&str>, position: usize) -> String {
    match t_id {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => format!("toolu_{position}"),
    }
}

/// A call's arguments as the `input` object (empty or non-object arguments are `{}`).
pub fn input(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::Object(Map::new()),
    }
}

/// The body of a plain answer.
#[derive(Serialize)]
pub struct Message<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: Vec<Block<'a>>,
    stop_reason: &'static str,
    stop_sequence: Option<()>,
    usage: UsageOut,
}

/// One content block of a reply.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Block<'a> {
    /// A thinking or redacted thinking block, as the upstream returned it.
    Thinking(&'a ThinkingBlock),
    /// Text or a tool call.
    Plain(PlainBlock<'a>),
}

/// A text or tool-use block of a reply.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlainBlock<'a> {
    /// Text.
    Text {
        /// The text.
        text: &'a str,
    },
    /// A tool call.
    ToolUse {
        /// Its id.
        id: String,
        /// The tool's name.
        name: &'a str,
        /// Its arguments.
        input: Value,
    },
}

/// The reply for `chat`; `model` is the name the client sent.
pub fn message<'a>(id: &'a str, model: &'a str, chat: &'a ChatResponse) -> Message<'a> {
    static EMPTY: Choice = Choice {
        index: 0,
        finish_reason: String::new(),
        content: String::new(),
        tool_calls: Vec::new(),
        thinking: Vec::new(),
        opaque: Vec::new(),
    };
    let c = chat.choices.first().unwrap_or(&EMPTY);
    let mut content: Vec<Block<'_>> = c.thinking.iter().map(Block::Thinking).collect();
    if !c.content.is_empty() {
        content.push(Block::Plain(PlainBlock::Text { text: &c.content }));
    }
    content.extend(c.tool_calls.iter().enumerate().map(|(i, t)| tool_use(i, t)));
    Message {
        id,
        kind: "message",
        role: "assistant",
        model,
        content,
        stop_reason: stop_reason(&c.finish_reason, !c.tool_calls.is_empty()),
        stop_sequence: None,
        usage: UsageOut::of(chat.usage.as_ref()),
    }
}

impl Message<'_> {
    /// The reply as JSON: the bytes of its derived `Serialize` (the tests hold them equal),
    /// written with [`crate::door::json`] (keys and constant values as fragments) into a
    /// buffer sized for it.
    pub fn to_json(&self) -> Vec<u8> {
        let texts: usize = self.content.iter().map(Block::text_len).sum();
        let mut j = Json::with_capacity(384 + texts + self.model.len());
        j.raw(r#"{"id":"#).str(self.id).raw(r#","type":""#).raw(self.kind);
        j.raw(r#"","role":""#).raw(self.role).raw(r#"","model":"#).str(self.model);
        j.raw(r#","content":["#);
        for (i, block) in self.content.iter().enumerate() {
            if i > 0 {
                j.raw(",");
            }
            match block {
                Block::Plain(PlainBlock::Text { text }) => {
                    j.raw(r#"{"type":"text","text":"#).str(text).raw("}")
                }
                other => j.value(other),
            };
        }
        j.raw(r#"],"stop_reason":""#).raw(self.stop_reason);
        j.raw(r#"","stop_sequence":"#).value(&self.stop_sequence);
        let u = &self.usage;
        j.raw(r#","usage":{"input_tokens":"#).value(&u.input_tokens);
        j.raw(r#","cache_creation_input_tokens":"#).value(&u.cache_creation_input_tokens);
        j.raw(r#","cache_read_input_tokens":"#).value(&u.cache_read_input_tokens);
        j.raw(r#","output_tokens":"#).value(&u.output_tokens).raw("}}");
        j.into_bytes()
    }
}

impl Block<'_> {
    /// The length of the text the block carries (for sizing the buffer).
    fn text_len(&self) -> usize {
        match self {
            Block::Plain(PlainBlock::Text { text }) => text.len(),
            _ => 64,
        }
    }
}

fn tool_use(i: usize, t: &ToolCall) -> Block<'_> {
    let id = call_id(t.id.as_deref(), i);
    Block::Plain(PlainBlock::ToolUse { id, name: &t.name, input: input(&t.arguments) })
}

/// Anthropic's usage object, every key present.
#[derive(Serialize, Default, Clone, Copy, Debug, PartialEq)]
pub struct UsageOut {
    /// Prompt tokens not read from the provider's cache.
    pub input_tokens: u64,
    /// Prompt tokens written to the provider's cache.
    pub cache_creation_input_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    pub cache_read_input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
}

impl UsageOut {
    /// From the service's usage (zeros when the provider gave none).
    pub fn of(u: Option<&Usage>) -> UsageOut {
        let Some(u) = u else { return UsageOut::default() };
        let cached = u.prompt_details.as_ref().map_or(0, |d| d.cached_tokens);
        let written = u.prompt_details.as_ref().map_or(0, |d| d.cache_write_tokens);
        UsageOut {
            input_tokens: u.prompt_tokens.saturating_sub(cached + written),
            cache_creation_input_tokens: written,
            cache_read_input_tokens: cached,
            output_tokens: u.completion_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::PromptDetails;
    use serde_json::json;

    #[test]
    fn a_reply_in_anthropics_shape() {
        let chat = ChatResponse {
            choices: vec![Choice {
                finish_reason: "tool_calls".into(),
                content: "Let me look.".into(),
                tool_calls: vec![ToolCall {
                    id: Some("call_9".into()),
                    name: "Bash".into(),
                    arguments: r#"{"command":"ls"}"#.into(),
                }],
                ..Default::default()
            }],
            usage: Some(Usage {
                prompt_tokens: 30,
                completion_tokens: 5,
                total_tokens: 35,
                prompt_details: Some(PromptDetails { cached_tokens: 20, ..Default::default() }),
                completion_details: None,
            }),
            model: Some("gpt-4o".into()),
        };
        let v = serde_json::to_value(message("msg_1", "claude-opus-4-5", &chat)).unwrap();
        assert_eq!(
            v,
            json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-4-5",
                "content": [{"type": "text", "text": "Let me look."},
                    {"type": "tool_use", "id": "call_9", "name": "Bash", "input": {"command": "ls"}}],
                "stop_reason": "tool_use", "stop_sequence": null,
                "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 20, "output_tokens": 5}})
        );
    }

    /// The hand-written JSON is the derived `Serialize`'s, byte for byte.
    #[test]
    fn the_written_json_is_the_derived_one() {
        let call = |id: Option<&str>, args: &str| ToolCall {
            id: id.map(str::to_string),
            name: "Ba\"sh".into(),
            arguments: args.into(),
        };
        let thinking: ThinkingBlock = serde_json::from_value(
            json!({"type": "thinking", "thinking": "hm", "signature": "sig"}),
        )
        .unwrap();
        let choices = [
            Choice {
                finish_reason: "stop".into(),
                content: "Paris \"é\"\n\u{1}".into(),
                ..Default::default()
            },
            Choice {
                finish_reason: "tool_calls".into(),
                content: "Let me look.".into(),
                tool_calls: vec![call(Some("call_9"), r#"{"command":"ls"}"#), call(None, "[1]")],
                thinking: vec![thinking],
                ..Default::default()
            },
            Choice { finish_reason: "length".into(), ..Default::default() },
        ];
        let usage = Some(Usage {
            prompt_tokens: 30,
            completion_tokens: 5,
            total_tokens: 35,
            prompt_details: Some(PromptDetails {
                cached_tokens: 20,
                cache_write_tokens: 3,
                ..Default::default()
            }),
            completion_details: None,
        });
        for c in choices {
            for usage in [None, usage.clone()] {
                let chat = ChatResponse { choices: vec![c.clone()], usage, model: None };
                let m = message("msg_\"1", "claude-\u{7f}", &chat);
                let want = String::from_utf8(serde_json::to_vec(&m).unwrap()).unwrap();
                assert_eq!(String::from_utf8(m.to_json()).unwrap(), want);
            }
        }
        let none = ChatResponse::default();
        let m = message("msg_2", "m", &none);
        assert_eq!(m.to_json(), serde_json::to_vec(&m).unwrap());
    }

    #[test]
    fn stop_reasons_of_every_provider() {
        let cases = [
            ("stop", false, "end_turn"),
            ("end_turn", false, "end_turn"),
            ("STOP", false, "end_turn"),
            ("stop", true, "tool_use"),
            ("length", false, "max_tokens"),
            ("MAX_TOKENS", false, "max_tokens"),
            ("stop_sequence", false, "stop_sequence"),
            ("tool_calls", true, "tool_use"),
            ("SAFETY", false, "refusal"),
        ];
        for (given, calls, want) in cases {
            assert_eq!(stop_reason(given, calls), want, "{given}");
        }
    }

    #[test]
    fn inputs_are_objects() {
        assert_eq!(input(""), json!({}));
        assert_eq!(input("[1]"), json!({}));
        assert_eq!(input(r#"{"a":1}"#), json!({"a": 1}));
    }
}
