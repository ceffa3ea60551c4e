//! The reply fold both block protocols use: text blocks join into the content, tool-use
//! blocks become tool calls — except the structured-output tool's, whose input *is* the
//! content — and the finish reason follows one rule ([`finish_reason`]).

use parlance_core::{ChatRequest, Choice, ThinkingBlock, ToolCall};
use serde_json::Value;

use super::forced_tool::format_tool_name;

/// A reply being folded from its blocks, in order.
pub(crate) struct ReplyFold {
    format: Option<String>,
    content: String,
    structured: Option<String>,
    tool_calls: Vec<ToolCall>,
    thinking: Vec<ThinkingBlock>,
}

impl ReplyFold {
    /// A fold for the reply to `req` (which says whether a structured-output tool was sent).
    pub(crate) fn new(req: &ChatRequest) -> ReplyFold {
        ReplyFold {
            format: format_tool_name(req),
            content: String::new(),
            structured: None,
            tool_calls: Vec::new(),
            thinking: Vec::new(),
        }
    }

    /// A text block.
    pub(crate) fn text(&mut self, text: &str) {
        self.content.push_str(text);
    }

    /// A thinking or redacted thinking block, kept as it came.
    pub(crate) fn thinking(&mut self, block: ThinkingBlock) {
        self.thinking.push(block);
    }

    /// A tool-use block; its input becomes compact JSON text.
    pub(crate) fn tool_use(&mut self, id: String, name: String, input: &Value) {
        if self.format.as_ref() == Some(&name) {
            self.structured = Some(input.to_string());
        } else {
            self.tool_calls.push(ToolCall { id: Some(id), name, arguments: input.to_string() });
        }
    }

    /// The one choice, given the API's stop reason. A structured-output document replaces
    /// whatever text came with it.
    pub(crate) fn finish(self, stop_reason: Option<String>) -> Choice {
        let structured = self.structured.is_some();
        let finish_reason = finish_reason(stop_reason, structured, !self.tool_calls.is_empty());
        let content = self.structured.unwrap_or(self.content);
        Choice {
            index: 0,
            finish_reason,
            content,
            tool_calls: self.tool_calls,
            thinking: self.thinking,
            opaque: Vec::new(),
        }
    }
}

/// The finish reason a reply reports: the API's stop reason (`unknown` when it gave none),
/// except that a structured-output reply with no other tool call ended its turn (the model
/// "used" the format tool only because it was made to): `tool_use` → `end_turn`.
pub(crate) fn finish_reason(stop: Option<String>, structured: bool, tool_calls: bool) -> String {
    let reason = stop.filter(|s| !s.is_empty()).unwrap_or_else(|| "unknown".into());
    if structured && !tool_calls && reason == "tool_use" { "end_turn".into() } else { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::ResponseFormat;
    use serde_json::json;

    fn structured_request() -> ChatRequest {
        ChatRequest {
            response_format: Some(ResponseFormat {
                name: "answer".into(),
                description: None,
                strict: false,
                schema: Default::default(),
            }),
            ..ChatRequest::default()
        }
    }

    #[test]
    fn the_format_tool_is_the_content_and_ends_the_turn() {
        let mut fold = ReplyFold::new(&structured_request());
        fold.text("Here it is.");
        fold.tool_use("t1".into(), "answer".into(), &json!({"a": 1}));
        let c = fold.finish(Some("tool_use".into()));
        assert_eq!((c.content.as_str(), c.finish_reason.as_str()), (r#"{"a":1}"#, "end_turn"));
        assert!(c.tool_calls.is_empty());
    }

    #[test]
    fn other_tool_calls_keep_tool_use() {
        let mut fold = ReplyFold::new(&structured_request());
        fold.tool_use("t1".into(), "answer".into(), &json!({}));
        fold.tool_use("t2".into(), "get".into(), &json!({"x": "y"}));
        let c = fold.finish(Some("tool_use".into()));
        assert_eq!((c.finish_reason.as_str(), c.tool_calls.len()), ("tool_use", 1));
        assert_eq!(c.tool_calls[0].arguments, r#"{"x":"y"}"#);
        assert_eq!(finish_reason(None, false, false), "unknown");
        assert_eq!(finish_reason(Some(String::new()), true, false), "unknown");
    }
}
