//! A streamed chat completion → deltas: `data:` events carrying `chat.completion.chunk`s,
//! ended by `data: [DONE]`.
//!
//! Per chunk and choice: `delta.content` is text; `delta.tool_calls[]` fragments are keyed by
//! `index` (a fragment with no index continues the last call, or starts one when it brings
//! an id), their id and name are passed on the call's first fragment only (so a flavour that
//! repeats them — or Ollama, which sends whole calls at once — assembles the same), and an
//! empty id is no id, as in the plain reply; `finish_reason` finishes the choice. `role` and
//! DeepSeek's `reasoning_content` are ignored, as the plain reply ignores them. Usage may come
//! on a last `choices: []` chunk (`include_usage`) or on any chunk (Gemini sends it on every
//! one, Mistral on the last): the last one seen is sent, once, when `[DONE]` arrives, after
//! every choice is finished (a choice that never got a finish reason gets `unknown`, as the
//! plain reply reports it). A `data: {"error": …}` event ends the stream with that error;
//! a body that ends before `[DONE]` is a retryable malformed reply.

use std::collections::VecDeque;

use parlance_core::{Delta, ProviderError, ToolCallDelta, Usage};

use super::convert;
use super::error;
use super::wire::{StreamChoice, StreamChunk, ToolCallFragment};
use crate::sse;
use crate::streaming::{OnEvent, malformed};

/// The events of one streamed completion.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    /// The key, redacted from error texts.
    key: String,
    /// What was seen of each choice, by index.
    choices: Vec<Seen>,
    /// The last usage reported.
    usage: Option<Usage>,
}

/// What was seen of one choice.
#[derive(Debug, Default, Clone)]
struct Seen {
    present: bool,
    finished: bool,
    /// The wire index and id of each tool call, in the order the calls began.
    calls: Vec<(u32, Option<String>)>,
}

impl Chunks {
    /// A decoder for one stream; `key` is kept out of error messages.
    pub(crate) fn new(key: &str) -> Chunks {
        Chunks { key: key.to_string(), ..Chunks::default() }
    }

    fn chunk(&mut self, chunk: StreamChunk, out: &mut VecDeque<Delta>) {
        for choice in chunk.choices {
            self.choice(choice, out);
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(convert::usage(u));
        }
    }

    fn choice(&mut self, c: StreamChoice, out: &mut VecDeque<Delta>) {
        let index = c.index;
        self.seen(index).present = true;
        if let Some(delta) = c.delta {
            if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                out.push_back(Delta::Text { choice: index, text });
            }
            for fragment in delta.tool_calls.unwrap_or_default() {
                if let Some(d) = self.fragment(index, fragment) {
                    out.push_back(Delta::ToolCall(d));
                }
            }
        }
        if let Some(reason) = c.finish_reason.filter(|r| !r.is_empty()) {
            self.seen(index).finished = true;
            out.push_back(Delta::Finish { choice: index, reason });
        }
    }

    /// One tool-call fragment as a delta (`None` when it adds nothing). A fragment whose id
    /// differs from the call's at its index starts a new call (flavours that number every
    /// call 0).
    fn fragment(&mut self, choice: u32, f: ToolCallFragment) -> Option<ToolCallDelta> {
        let id = f.id.filter(|id| !id.is_empty());
        let calls = &mut self.seen(choice).calls;
        let wire = match f.index {
            Some(i) => i,
            None if id.is_some() || calls.is_empty() => calls.len() as u32,
            None => calls.last()?.0,
        };
        let same = |(w, known): &(u32, Option<String>)| {
            *w == wire && (id.is_none() || known.is_none() || *known == id)
        };
        let (position, first) = match calls.iter().rposition(same) {
            Some(p) => (p, false),
            None => {
                calls.push((wire, id.clone()));
                (calls.len() - 1, true)
            }
        };
        let (name, arguments) = match f.function {
            Some(f) => (f.name, f.arguments.unwrap_or_default()),
            None => (None, String::new()),
        };
        if !first && arguments.is_empty() {
            return None;
        }
        Some(ToolCallDelta {
            choice,
            index: position as u32,
            id: if first { id } else { None },
            name: first.then(|| name.unwrap_or_default()),
            arguments,
        })
    }

    fn seen(&mut self, index: u32) -> &mut Seen {
        let i = index as usize;
        if self.choices.len() <= i {
            self.choices.resize(i + 1, Seen::default());
        }
        &mut self.choices[i]
    }

    /// `[DONE]`: unfinished choices, then the usage.
    fn done(&mut self, out: &mut VecDeque<Delta>) {
        for (i, seen) in self.choices.iter().enumerate() {
            if seen.present && !seen.finished {
                out.push_back(Delta::Finish { choice: i as u32, reason: "unknown".into() });
            }
        }
        out.extend(self.usage.take().map(Delta::Usage));
    }
}

impl OnEvent for Chunks {
    fn event(&mut self, ev: sse::Event, out: &mut VecDeque<Delta>) -> Result<bool, ProviderError> {
        let data = ev.data.trim();
        if data == "[DONE]" {
            self.done(out);
            return Ok(true);
        }
        let chunk: StreamChunk =
            serde_json::from_str(data).map_err(|e| malformed("chat.completion.chunk", &e))?;
        if let Some(e) = &chunk.error {
            return Err(error::from_stream_error(e, &self.key));
        }
        self.chunk(chunk, out);
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::OpenAiProvider;
    use crate::openai::config::{Auth, Flavor, OpenAiConfig};
    use crate::sse::splits;
    use crate::streaming::Sse;
    use crate::streaming::testing::{assemble, run};
    use parlance_core::FailureKind;
    use std::time::Duration;

    fn provider(flavor: Flavor) -> OpenAiProvider {
        let cfg = OpenAiConfig {
            flavor,
            model: "gpt-4o-mini".into(),
            url: "http://127.0.0.1:9/v1/chat/completions".into(),
            wire: crate::openai::config::WireApi::Chat,
            url_template: None,
            auth: Auth::Bearer("sk-test-key".into()),
            default_max_tokens: None,
            timeout: Duration::from_secs(1),
        };
        OpenAiProvider::new(cfg, crate::client::tests::client())
    }

    fn decode(pieces: &[&[u8]]) -> Result<Vec<Delta>, ProviderError> {
        run(Sse::new(Chunks::new("sk-test-key")), pieces)
    }

    /// Asserts that every split of `stream` assembles to what the plain path makes of `plain`.
    fn same_answer(flavor: Flavor, stream: &str, plain: &str) {
        let p = provider(flavor);
        let want = p.parse_reply(plain.as_bytes()).unwrap();
        for pieces in splits::all(stream.as_bytes()) {
            let deltas = decode(&pieces).unwrap();
            assert_eq!(assemble(&deltas, "gpt-4o-mini"), want, "{pieces:?}");
        }
    }

    /// OpenAI: role chunk, text in pieces, finish, then the `include_usage` chunk.
    const TEXT: &str = concat!(
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo, caf\u{e9}!\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":61,\"completion_tokens\":5,\"total_tokens\":66,\"prompt_tokens_details\":{\"cached_tokens\":32,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":2,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n",
        "data: [DONE]\n\n",
    );

    const TEXT_PLAIN: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello, café!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":61,"completion_tokens":5,"total_tokens":66,"prompt_tokens_details":{"cached_tokens":32,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#;

    #[test]
    fn text_and_usage_with_details() {
        same_answer(Flavor::OpenAi, TEXT, TEXT_PLAIN);
    }

    /// Two parallel tool calls, their arguments interleaved, CRLF line ends.
    const TOOLS: &str = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\r\n\r\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]},\"finish_reason\":null}]}\r\n\r\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{\\\"zone\\\":\"}}]},\"finish_reason\":null}]}\r\n\r\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\": \\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}\r\n\r\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"CET\\\"}\"}}]},\"finish_reason\":null}]}\r\n\r\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\r\n\r\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":80,\"completion_tokens\":30,\"total_tokens\":110}}\r\n\r\n",
        "data: [DONE]\r\n\r\n",
    );

    const TOOLS_PLAIN: &str = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}},{"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"zone\":\"CET\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":80,"completion_tokens":30,"total_tokens":110}}"#;

    #[test]
    fn interleaved_tool_call_fragments() {
        same_answer(Flavor::OpenAi, TOOLS, TOOLS_PLAIN);
    }

    /// Ollama: the whole call in one delta, no index, finish and usage on the last chunk.
    const OLLAMA: &str = concat!(
        "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_x1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}\n\n",
        "data: [DONE]\n\n",
    );

    const OLLAMA_PLAIN: &str = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_x1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29}}"#;

    #[test]
    fn ollama_whole_tool_calls() {
        same_answer(Flavor::Ollama, OLLAMA, OLLAMA_PLAIN);
    }

    /// Gemini: usage on every chunk (the last wins), no `choices: []` chunk.
    const GEMINI: &str = concat!(
        "data: {\"choices\":[{\"delta\":{\"content\":\"Bonjour\",\"role\":\"assistant\"},\"index\":0}],\"created\":1,\"model\":\"gemini-2.5-flash-lite\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":1,\"prompt_tokens\":7,\"total_tokens\":8}}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\" le monde\",\"role\":\"assistant\"},\"finish_reason\":\"stop\",\"index\":0}],\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":4,\"prompt_tokens\":7,\"total_tokens\":11}}\n\n",
        "data: [DONE]\n\n",
    );

    const GEMINI_PLAIN: &str = r#"{"choices":[{"finish_reason":"stop","index":0,"message":{"content":"Bonjour le monde","role":"assistant"}}],"usage":{"completion_tokens":4,"prompt_tokens":7,"total_tokens":11}}"#;

    /// Mistral: no `stream_options`, usage on the finish chunk unasked.
    const MISTRAL: &str = concat!(
        "data: {\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"mistral-small-latest\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Salut\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":6,\"total_tokens\":8,\"completion_tokens\":2}}\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn mistral_usage_on_the_finish_chunk() {
        let plain = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Salut"},"finish_reason":"stop"}],"usage":{"prompt_tokens":6,"total_tokens":8,"completion_tokens":2}}"#;
        same_answer(Flavor::Mistral, MISTRAL, plain);
    }

    #[test]
    fn gemini_usage_on_every_chunk() {
        same_answer(Flavor::GoogleAi, GEMINI, GEMINI_PLAIN);
    }

    /// DeepSeek: keep-alive comments and reasoning deltas, which the plain reply drops too.
    const DEEPSEEK: &str = concat!(
        ": keep-alive\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Think\"},\"finish_reason\":null}]}\n\n",
        ": keep-alive\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\",\"reasoning_content\":null},\"finish_reason\":null}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":12,\"total_tokens\":22,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":11},\"prompt_cache_hit_tokens\":0,\"prompt_cache_miss_tokens\":10}}\n\n",
        "data: [DONE]\n\n",
    );

    const DEEPSEEK_PLAIN: &str = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"42","reasoning_content":"Think"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":12,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":11},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":10}}"#;

    #[test]
    fn deepseek_reasoning_and_keep_alives() {
        same_answer(Flavor::DeepSeek, DEEPSEEK, DEEPSEEK_PLAIN);
    }

    #[test]
    fn two_choices_and_a_choice_without_finish() {
        let stream = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"b\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        let plain = r#"{"choices":[{"index":0,"message":{"content":"a"}},{"index":1,"message":{"content":"b"},"finish_reason":"length"}]}"#;
        same_answer(Flavor::OpenAi, stream, plain);
    }

    #[test]
    fn mid_stream_error_event() {
        let stream = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\n",
            "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
        );
        let e = decode(&[stream.as_bytes()]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::UpstreamStatus, "{e:?}");
        assert!(e.message.contains("server_error"), "{e:?}");
    }

    #[test]
    fn a_stream_without_done_or_with_bad_json_fails_retryably() {
        let cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\n";
        let e = decode(&[cut.as_bytes()]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::MalformedReply, "{e:?}");
        let bad = "data: {\"choices\":[{\"index\":0,\n\n";
        let e = decode(&[bad.as_bytes()]).unwrap_err();
        assert!(e.retryable && e.message.contains("malformed upstream stream event"), "{e:?}");
    }

    #[test]
    fn nothing_after_done_is_read() {
        let stream = "data: [DONE]\n\ndata: {oops\n\n";
        assert_eq!(decode(&[stream.as_bytes()]).unwrap(), vec![]);
    }

    #[test]
    fn stream_bodies_ask_for_usage_where_the_flavour_takes_it() {
        let req = parlance_core::ChatRequest {
            messages: vec![parlance_core::ChatMessage::text(parlance_core::Role::User, "hi")],
            ..Default::default()
        };
        let body = |f| -> serde_json::Value {
            serde_json::from_slice(&provider(f).stream_request_body(&req).unwrap()).unwrap()
        };
        let openai = body(Flavor::OpenAi);
        assert_eq!(openai["stream"], true);
        assert_eq!(openai["stream_options"], serde_json::json!({"include_usage": true}));
        let mistral = body(Flavor::Mistral);
        assert_eq!(mistral["stream"], true);
        assert!(mistral.get("stream_options").is_none());
        let plain: serde_json::Value =
            serde_json::from_slice(&provider(Flavor::OpenAi).request_body(&req).unwrap()).unwrap();
        assert!(plain.get("stream").is_none() && plain.get("stream_options").is_none());
    }
}
