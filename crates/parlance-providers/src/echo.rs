//! `conversation.echo`: Dapr's test component, reproduced byte for byte (spec §3.3).
//!
//! It answers with the texts it was sent, offers one tool call per tool (arguments: the sorted
//! property names of the tool's schema), replays history tool calls, and counts words as usage.
//! Streamed, the same reply comes word by word: one text delta per word with the whitespace
//! after it (text before the first word is a delta of its own), so the join is the plain
//! content byte for byte; then each tool call whole, the finish, and the usage.

use async_trait::async_trait;
use parlance_core::{
    CallContext, ChatRequest, ChatResponse, Choice, Delta, DeltaStream, FailureKind, Part,
    Provider, ProviderError, ToolCall, ToolCallDelta, ToolDef, Usage,
};
use serde_json::Value;

/// The echo provider. Its one setting is the `maxTokens` metadata: the cap on the reply's
/// words when the request sets none (as Dapr's echo reads it, components-contrib #4501).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    /// `maxTokens`: the default output cap, in words.
    pub default_max_tokens: Option<u64>,
}

impl Echo {
    /// Validates echo's metadata: `maxTokens`, a non-negative integer, when set.
    pub fn validate(meta: &parlance_config::Metadata) -> Result<Echo, Vec<String>> {
        meta.u64("maxTokens")
            .map(|default_max_tokens| Echo { default_max_tokens })
            .map_err(|e| vec![format!("maxTokens: {e}")])
    }

    /// The echo reply, capped at the component's `maxTokens` when the request sets no cap.
    fn answer(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        match (request.params.max_tokens, self.default_max_tokens) {
            (None, Some(max)) => {
                let mut capped = request.clone();
                capped.params.max_tokens = Some(max);
                echo(&capped)
            }
            _ => echo(request),
        }
    }
}

#[async_trait]
impl Provider for Echo {
    async fn converse(
        &self,
        request: &ChatRequest,
        _ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError> {
        self.answer(request)
    }

    async fn converse_stream(
        &self,
        request: &ChatRequest,
        _ctx: &CallContext,
    ) -> Result<DeltaStream, ProviderError> {
        Ok(parlance_core::replay(stream_deltas(self.answer(request)?)))
    }

    fn model(&self) -> Option<&str> {
        None
    }
}

/// The echo reply to a request; pure, so tests and benchmarks can call it directly.
pub fn echo(request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
    let mut tool_calls = tool_offers(&request.tools)?;
    let mut texts: Vec<String> = Vec::new();
    for part in request.messages.iter().flat_map(|m| &m.parts) {
        match part {
            Part::Text(t) => texts.push(t.clone()),
            Part::ToolCall(call) => tool_calls.push(call.clone()),
            Part::ToolResult(r) => texts.push(format!(
                "Tool Response for tool ID '{}' with name '{}': {}",
                r.id, r.name, r.content
            )),
            // Thinking blocks and cache breakpoints are Anthropic's alone; provider items
            // (Responses reasoning) are their wire's alone.
            Part::Anthropic(_) | Part::Opaque(_) => {}
        }
    }
    let mut content = texts.join("\n");
    let words = content.split_whitespace().count() as u64;
    // `max_tokens` (a word is a token here): the reply stops after that many words; the
    // prompt still counts every word it had.
    let capped = request.params.max_tokens.filter(|&max| words > max);
    let mut answered = words;
    if let Some(max) = capped {
        content = first_words(&content, max).to_string();
        answered = max;
    }
    let finish_reason = match (capped, tool_calls.is_empty()) {
        (Some(_), _) => "length",
        (None, true) => "stop",
        (None, false) => "tool_calls",
    };
    let finish_reason = finish_reason.into();
    let choice = Choice { index: 0, finish_reason, content, tool_calls, ..Choice::default() };
    let usage = Usage {
        completion_tokens: answered,
        prompt_tokens: words,
        total_tokens: words + answered,
        ..Usage::default()
    };
    Ok(ChatResponse { choices: vec![choice], usage: Some(usage), model: None })
}

/// `text` up to the end of its `n`-th word.
fn first_words(text: &str, n: u64) -> &str {
    let mut seen = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word && seen == n {
                return &text[..i];
            }
            in_word = false;
        } else if !in_word {
            in_word = true;
            seen += 1;
        }
    }
    text
}

/// The echo reply as a stream: per choice, a text delta per word (with the whitespace after
/// it), each tool call in one fragment, the finish; then the usage.
pub fn stream_deltas(reply: ChatResponse) -> Vec<Delta> {
    let mut out = Vec::new();
    for (i, c) in reply.choices.into_iter().enumerate() {
        let choice = i as u32;
        out.extend(words(&c.content).map(|w| Delta::Text { choice, text: w.to_string() }));
        for (index, call) in c.tool_calls.into_iter().enumerate() {
            out.push(Delta::ToolCall(ToolCallDelta {
                choice,
                index: index as u32,
                id: call.id,
                name: Some(call.name),
                arguments: call.arguments,
            }));
        }
        out.push(Delta::Finish { choice, reason: c.finish_reason });
    }
    out.extend(reply.usage.map(Delta::Usage));
    out
}

/// `text` cut after each run of whitespace that follows a word: `"a b\nc"` → `"a "`, `"b\n"`,
/// `"c"`. Leading whitespace is a piece of its own.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let lead = rest.len() - rest.trim_start().len();
        let end = if lead > 0 {
            lead
        } else {
            let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
            word + (rest[word..].len() - rest[word..].trim_start().len())
        };
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// One tool call per tool: id = position, arguments = sorted property names joined by `,`.
fn tool_offers(tools: &[ToolDef]) -> Result<Vec<ToolCall>, ProviderError> {
    tools.iter().enumerate().map(|(i, tool)| offer(i, tool)).collect()
}

fn offer(index: usize, tool: &ToolDef) -> Result<ToolCall, ProviderError> {
    let names = match tool.parameters.get("properties") {
        None => Vec::new(),
        Some(Value::Object(props)) => {
            let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
            names.sort_unstable();
            names
        }
        Some(_) => {
            return Err(ProviderError::permanent(
                FailureKind::InvalidRequest,
                format!("tool {:?}: parameters.properties is not an object", tool.name),
            ));
        }
    };
    Ok(ToolCall {
        id: Some(index.to_string()),
        name: tool.name.clone(),
        arguments: names.join(","),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::{ChatMessage, Role, ToolResult};
    use serde_json::json;

    fn tool(name: &str, params: Value) -> ToolDef {
        let parameters = params.as_object().cloned().unwrap_or_default();
        ToolDef { name: name.into(), description: None, parameters }
    }

    #[test]
    fn joins_texts_and_counts_words() {
        let req = ChatRequest {
            messages: vec![
                ChatMessage {
                    role: Role::User,
                    parts: vec![
                        Part::Text("first message".into()),
                        Part::Text("second message".into()),
                    ],
                    scrub: false,
                },
                ChatMessage::text(Role::User, "third message"),
            ],
            ..ChatRequest::default()
        };
        let resp = echo(&req).unwrap();
        assert_eq!(resp.choices[0].content, "first message\nsecond message\nthird message");
        assert_eq!(resp.choices[0].finish_reason, "stop");
        assert_eq!(resp.usage.unwrap().total_tokens, 12);
    }

    #[test]
    fn offers_tools_with_sorted_argument_names() {
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "hello echo")],
            tools: vec![tool(
                "myfunc",
                json!({"properties": {"unit": {}, "name": {}, "location": {}}}),
            )],
            ..ChatRequest::default()
        };
        let resp = echo(&req).unwrap();
        let call = &resp.choices[0].tool_calls[0];
        assert_eq!(
            (call.id.as_deref(), call.name.as_str(), call.arguments.as_str()),
            (Some("0"), "myfunc", "location,name,unit")
        );
        assert_eq!(resp.choices[0].finish_reason, "tool_calls");
    }

    #[test]
    fn tool_results_become_text() {
        let result =
            ToolResult { id: "myid".into(), name: "myfunc".into(), content: "Dapr".into() };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::User, "hello echo"),
                ChatMessage {
                    role: Role::Tool,
                    parts: vec![Part::ToolResult(result)],
                    scrub: false,
                },
            ],
            ..ChatRequest::default()
        };
        let resp = echo(&req).unwrap();
        assert_eq!(
            resp.choices[0].content,
            "hello echo\nTool Response for tool ID 'myid' with name 'myfunc': Dapr"
        );
        assert!(resp.choices[0].tool_calls.is_empty());
    }

    #[test]
    fn streams_word_by_word_and_assembles_to_the_plain_reply() {
        let texts = ["  lead  and trail\n", "first message\nsecond\t\tmessage", "", "one"];
        for text in texts {
            let req = ChatRequest {
                messages: vec![ChatMessage::text(Role::User, text)],
                tools: vec![tool("f", json!({"properties": {"b": {}, "a": {}}}))],
                ..ChatRequest::default()
            };
            let plain = echo(&req).unwrap();
            let deltas = stream_deltas(plain.clone());
            let mut a = parlance_core::Assembler::default();
            deltas.iter().for_each(|d| a.push(d));
            assert_eq!(a.finish(None), plain, "{text:?}");
        }
        let pieces: Vec<&str> = words("  a b\n\nc ").collect();
        assert_eq!(pieces, ["  ", "a ", "b\n\n", "c "]);
    }

    #[tokio::test]
    async fn the_provider_streams() {
        use futures::StreamExt;
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "hello echo")],
            ..ChatRequest::default()
        };
        let got: Vec<Delta> = Echo::default()
            .converse_stream(&req, &CallContext::default())
            .await
            .unwrap()
            .map(|d| d.unwrap())
            .collect()
            .await;
        assert_eq!(
            got[..2],
            [
                Delta::Text { choice: 0, text: "hello ".into() },
                Delta::Text { choice: 0, text: "echo".into() },
            ]
        );
    }

    #[test]
    fn properties_that_are_not_an_object_fail() {
        let req = ChatRequest {
            tools: vec![tool("f", json!({"properties": [1]}))],
            ..ChatRequest::default()
        };
        assert_eq!(echo(&req).unwrap_err().kind, FailureKind::InvalidRequest);
    }

    #[test]
    fn max_tokens_caps_the_words_and_says_length() {
        let mut req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "one two  three\nfour")],
            ..ChatRequest::default()
        };
        req.params.max_tokens = Some(3);
        let resp = echo(&req).unwrap();
        assert_eq!(resp.choices[0].content, "one two  three");
        assert_eq!(resp.choices[0].finish_reason, "length");
        let usage = resp.usage.unwrap();
        assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (4, 3, 7));
        req.params.max_tokens = Some(4);
        assert_eq!(echo(&req).unwrap().choices[0].finish_reason, "stop");
    }

    #[tokio::test]
    async fn the_maxtokens_metadata_caps_a_request_that_sets_no_cap() {
        let meta = |v: &str| parlance_config::Metadata::from_pairs(&[("maxTokens", v)]);
        let echo = Echo::validate(&meta("2")).unwrap();
        assert_eq!(echo.default_max_tokens, Some(2));
        assert!(Echo::validate(&meta("lots")).unwrap_err()[0].contains("maxTokens"));
        let mut req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "one two three")],
            ..ChatRequest::default()
        };
        let ctx = CallContext::default();
        let capped = echo.converse(&req, &ctx).await.unwrap();
        assert_eq!(
            (capped.choices[0].content.as_str(), capped.choices[0].finish_reason.as_str()),
            ("one two", "length")
        );
        // The request's own cap wins over the component's.
        req.params.max_tokens = Some(3);
        assert_eq!(echo.converse(&req, &ctx).await.unwrap().choices[0].finish_reason, "stop");
    }
}
