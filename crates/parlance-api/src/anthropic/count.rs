//! `POST /v1/messages/count_tokens`: an estimate of the request's input tokens, counted with
//! a real BPE tokenizer (OpenAI's `o200k_base`, shipped inside the `tiktoken-rs` crate, no
//! download) over what the upstream would read — the system prompt, every message's text,
//! tool calls and results, and the tools' names, descriptions and schemas — plus a few tokens
//! of framing per message and per tool. It is an estimate for every component: another
//! provider's tokenizer (Claude's among them) counts the same text differently, typically
//! within a few tens of percent. The request is decoded exactly as `/v1/messages` decodes it,
//! so what that door refuses, this one refuses too.

use parlance_core::ConverseRequest;
use parlance_core::request::Message;
use parlance_core::{AnthropicPart, ThinkingBlock};

/// Tokens of framing around each message (role and separators), as OpenAI counts chat turns.
const PER_MESSAGE: usize = 4;

/// Tokens of framing around each tool definition.
const PER_TOOL: usize = 8;

/// Tokens that prime the reply.
const PRIMING: usize = 3;

/// The estimated input tokens of `req`.
pub fn input_tokens(req: &ConverseRequest) -> u64 {
    let bpe = tiktoken_rs::o200k_base_singleton();
    let count = |s: &str| bpe.encode_ordinary(s).len();
    let mut n = PRIMING;
    for m in req.inputs.iter().flat_map(|i| &i.messages) {
        n += PER_MESSAGE + message_tokens(m, &count);
    }
    for f in req.tools.iter().filter_map(|t| t.function.as_ref()) {
        n += PER_TOOL + count(&f.name);
        n += f.description.as_deref().map_or(0, count);
        n += f
            .parameters
            .as_ref()
            .map_or(0, |p| count(&serde_json::Value::Object(p.clone()).to_string()));
    }
    n as u64
}

fn message_tokens(m: &Message, count: &impl Fn(&str) -> usize) -> usize {
    let texts = |t: &[String]| t.iter().map(|s| count(s)).sum::<usize>();
    match m {
        Message::System(t) | Message::User(t) | Message::Developer(t) => texts(t),
        Message::Assistant { content, tool_calls } => {
            let calls = tool_calls.iter().filter_map(|c| c.function.as_ref());
            texts(content) + calls.map(|f| count(&f.name) + count(&f.arguments)).sum::<usize>()
        }
        Message::Tool { name, content, .. } => count(name) + texts(content),
        Message::Legacy { content, .. } => count(content),
        Message::Anthropic { part, .. } => match part {
            AnthropicPart::Thinking(ThinkingBlock::Thinking { thinking, .. }) => count(thinking),
            _ => 0,
        },
        // Only the Responses door makes these; they carry no countable text.
        Message::Unset | Message::Opaque(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::request::Input;

    fn user(text: &str) -> ConverseRequest {
        let messages = vec![Message::User(vec![text.to_string()])];
        ConverseRequest { inputs: vec![Input { messages, scrub_pii: false }], ..Default::default() }
    }

    #[test]
    fn counts_with_a_real_tokenizer() {
        // "hello world" is two o200k tokens; a run of one letter is far fewer tokens than
        // characters ÷ 4 would say.
        assert_eq!(input_tokens(&user("hello world")), (PRIMING + PER_MESSAGE + 2) as u64);
        let long = input_tokens(&user(&"a".repeat(400)));
        assert!(long < (PRIMING + PER_MESSAGE + 100) as u64, "{long}");
        assert!(
            input_tokens(&user("the cat sat on the mat, and then it slept"))
                > input_tokens(&user("the cat"))
        );
    }
}
