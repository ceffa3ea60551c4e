//! The protocol-neutral "model": what the fake answers, given a normalized conversation.
//!
//! Each protocol module decodes its request into a [`Conversation`], calls [`generate`], and
//! encodes the [`Reply`] in its own wire format. The rules, in order:
//! 1. Tools present and the tool choice forces one (required/any/named) → call that tool
//!    (for required/any: the first tool named in the last text, else the first tool).
//! 2. Tool choice auto, the last message is user text, and it mentions a tool's name
//!    (case-insensitive) → call the first such tool.
//!
//!    A called tool's arguments are sampled from its schema, except a shell command: when the
//!    schema has a string property `command` or `cmd` and the last text holds a span in
//!    backticks ("run `echo $((6*7))-ok`"), that span is the command — so a coding agent
//!    (Claude Code's `Bash`, Codex's `exec_command`) runs what the test asked for, and the
//!    echoed tool result proves the round trip.
//! 3. Structured output requested → a JSON document (sampled from the schema).
//! 4. Otherwise text: `"echo: " + <text of the last message>`, cut at the first stop sequence,
//!    then truncated to `max_tokens` words (finish = length).
//!
//! Tokens are approximated by whitespace-separated words.

use serde_json::Value;

use crate::schema;
use crate::stream::split::paced_text;

/// A tool the client offered.
#[derive(Debug, Clone)]
pub(crate) struct ToolDef {
    /// The tool's name.
    pub name: String,
    /// JSON Schema of the tool's input.
    pub schema: Value,
}

/// How the client constrained tool use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// No tool may be called.
    None,
    /// Some tool must be called.
    Required,
    /// This tool must be called.
    Named(String),
}

/// What form the answer must take.
#[derive(Debug, Clone, Default)]
pub(crate) enum OutputFormat {
    /// Free text.
    #[default]
    Text,
    /// Any JSON object.
    JsonObject,
    /// A JSON document conforming to this schema.
    JsonSchema(Value),
}

/// The protocol-neutral view of a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Conversation {
    /// Text of the last message (user text or tool result).
    pub last_text: String,
    /// Whether the last message is user-written text (not a tool result).
    pub last_is_user_text: bool,
    /// Prompt size, in tokens (words).
    pub prompt_tokens: u64,
    /// Offered tools, in request order.
    pub tools: Vec<ToolDef>,
    /// Tool choice.
    pub choice: ToolChoice,
    /// Output token limit.
    pub max_tokens: Option<u64>,
    /// Stop sequences.
    pub stop: Vec<String>,
    /// Output format.
    pub format: OutputFormat,
}

/// The generated answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    /// Text (or a JSON document for structured output).
    Text(String),
    /// One tool call.
    ToolCall {
        /// Tool name.
        name: String,
        /// Arguments, an object sampled from the tool's schema.
        input: Value,
    },
}

/// Why generation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finish {
    /// Natural end.
    Stop,
    /// `max_tokens` reached.
    Length,
    /// A stop sequence was generated (not included in the text).
    StopSequence(String),
    /// The answer is a tool call.
    ToolCall,
}

/// The answer and its cost.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// What was generated.
    pub output: Output,
    /// Why it stopped.
    pub finish: Finish,
    /// Output size, in tokens.
    pub completion_tokens: u64,
}

/// Computes the deterministic answer to `conv`.
pub(crate) fn generate(conv: &Conversation) -> Reply {
    if let Some(tool) = chosen_tool(conv) {
        let input = with_command(schema::sample(&tool.schema), &tool.schema, &conv.last_text);
        let completion_tokens = json_tokens(&input);
        let output = Output::ToolCall { name: tool.name.clone(), input };
        return Reply { output, finish: Finish::ToolCall, completion_tokens };
    }
    match &conv.format {
        OutputFormat::JsonSchema(s) => json_reply(&schema::sample(s)),
        OutputFormat::JsonObject => json_reply(&serde_json::json!({ "echo": conv.last_text })),
        OutputFormat::Text => text_reply(conv),
    }
}

/// [`generate`], then the paced mode (`pace`: the number of content deltas): a free-text reply
/// becomes exactly that many words, the words of the echo repeated, whatever `max_tokens` and
/// the stop sequences say. Tool calls and structured output are left as they are.
pub(crate) fn generate_paced(conv: &Conversation, pace: Option<u32>) -> Reply {
    let reply = generate(conv);
    let Some(count) = pace else { return reply };
    match (&reply.output, &conv.format) {
        (Output::Text(_), OutputFormat::Text) => {
            let text = paced_text(&format!("echo: {}", conv.last_text), count);
            Reply {
                output: Output::Text(text),
                finish: Finish::Stop,
                completion_tokens: count.into(),
            }
        }
        _ => reply,
    }
}

/// `input` with its `command` (or `cmd`) string set to the last backticked span of `text`,
/// when the tool's schema has such a property and the text such a span.
fn with_command(mut input: Value, schema: &Value, text: &str) -> Value {
    let props = schema.get("properties").and_then(Value::as_object);
    let key = ["command", "cmd"].into_iter().find(|k| {
        props.and_then(|p| p.get(*k)).and_then(|p| p.get("type")).and_then(Value::as_str)
            == Some("string")
    });
    let span = text.rsplit('`').nth(1).filter(|s| !s.is_empty() && text.matches('`').count() >= 2);
    if let (Some(key), Some(span), Some(obj)) = (key, span, input.as_object_mut()) {
        obj.insert(key.to_string(), Value::String(span.to_string()));
    }
    input
}

fn chosen_tool(conv: &Conversation) -> Option<&ToolDef> {
    let mentioned = || {
        let text = conv.last_text.to_lowercase();
        conv.tools.iter().find(|t| !t.name.is_empty() && text.contains(&t.name.to_lowercase()))
    };
    match &conv.choice {
        ToolChoice::None => None,
        ToolChoice::Named(name) => conv.tools.iter().find(|t| &t.name == name),
        ToolChoice::Required => mentioned().or_else(|| conv.tools.first()),
        ToolChoice::Auto if conv.last_is_user_text => mentioned(),
        ToolChoice::Auto => None,
    }
}

fn json_reply(doc: &Value) -> Reply {
    let text = doc.to_string();
    Reply { completion_tokens: json_tokens(doc), output: Output::Text(text), finish: Finish::Stop }
}

fn text_reply(conv: &Conversation) -> Reply {
    let mut text = format!("echo: {}", conv.last_text);
    let mut finish = Finish::Stop;
    if let Some((at, seq)) = first_stop(&text, &conv.stop) {
        text.truncate(at);
        finish = Finish::StopSequence(seq.to_owned());
    }
    let words = count_words(&text);
    if let Some(max) = conv.max_tokens.filter(|m| *m < words) {
        text = text.split_whitespace().take(max as usize).collect::<Vec<_>>().join(" ");
        finish = Finish::Length;
    }
    Reply { completion_tokens: count_words(&text), output: Output::Text(text), finish }
}

fn first_stop<'s>(text: &str, stops: &'s [String]) -> Option<(usize, &'s str)> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()).map(|at| (at, s.as_str())))
        .min_by_key(|(at, _)| *at)
}

/// Tokens of a text: its whitespace-separated words.
pub(crate) fn count_words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// Tokens of a JSON document: its words once JSON punctuation is treated as space.
pub(crate) fn json_tokens(doc: &Value) -> u64 {
    let text = doc.to_string().replace(['{', '}', '[', ']', ':', ',', '"'], " ");
    count_words(&text).max(1)
}

/// Prompt tokens of a piece of a request: words of every string, one per number or boolean,
/// skipping bookkeeping keys (roles, types, ids, names, cache markers).
pub(crate) fn words_in(value: &Value) -> u64 {
    const SKIP: [&str; 9] = [
        "role",
        "type",
        "id",
        "name",
        "tool_call_id",
        "tool_use_id",
        "toolUseId",
        "cache_control",
        "cachePoint",
    ];
    match value {
        Value::String(s) => count_words(s),
        Value::Array(items) => items.iter().map(words_in).sum(),
        Value::Object(map) => {
            map.iter().filter(|(k, _)| !SKIP.contains(&k.as_str())).map(|(_, v)| words_in(v)).sum()
        }
        Value::Number(_) | Value::Bool(_) => 1,
        Value::Null => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(text: &str) -> Conversation {
        Conversation { last_text: text.into(), last_is_user_text: true, ..Default::default() }
    }

    fn weather() -> ToolDef {
        ToolDef {
            name: "get_weather".into(),
            schema: json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
        }
    }

    #[test]
    fn a_shell_tool_runs_the_backticked_command() {
        let bash = ToolDef {
            name: "Bash".into(),
            schema: json!({"type": "object", "properties": {
                "command": {"type": "string"}, "description": {"type": "string"}},
                "required": ["command"]}),
        };
        let mut c = conv("Use the Bash tool to run `echo $((6*7))-ok` and report.");
        c.tools = vec![bash.clone()];
        let Output::ToolCall { input, .. } = generate(&c).output else { panic!("no tool call") };
        assert_eq!(input["command"], "echo $((6*7))-ok");
        // Without backticks the command is sampled like any other argument.
        let mut c = conv("Use Bash please");
        c.tools = vec![bash];
        let Output::ToolCall { input, .. } = generate(&c).output else { panic!("no tool call") };
        assert!(input["command"].is_string() && input["command"] != "echo $((6*7))-ok");
    }

    #[test]
    fn echoes_last_text() {
        let r = generate(&conv("hello there"));
        assert_eq!(r.output, Output::Text("echo: hello there".into()));
        assert_eq!(r.finish, Finish::Stop);
        assert_eq!(r.completion_tokens, 3);
    }

    #[test]
    fn truncates_at_max_tokens() {
        let mut c = conv("one two three four");
        c.max_tokens = Some(2);
        let r = generate(&c);
        assert_eq!(r.output, Output::Text("echo: one".into()));
        assert_eq!((r.finish, r.completion_tokens), (Finish::Length, 2));
    }

    #[test]
    fn cuts_at_first_stop_sequence() {
        let mut c = conv("alpha beta gamma");
        c.stop = vec!["gamma".into(), "beta".into()];
        let r = generate(&c);
        assert_eq!(r.output, Output::Text("echo: alpha ".into()));
        assert_eq!(r.finish, Finish::StopSequence("beta".into()));
    }

    #[test]
    fn auto_calls_a_mentioned_tool_only() {
        let mut c = conv("please call GET_WEATHER for Paris");
        c.tools = vec![weather()];
        let r = generate(&c);
        assert_eq!(
            r.output,
            Output::ToolCall { name: "get_weather".into(), input: json!({"city": "sample"}) }
        );
        assert_eq!(r.finish, Finish::ToolCall);
        c.last_text = "hello".into();
        assert_eq!(generate(&c).finish, Finish::Stop);
        c.last_text = "get_weather said 20C".into();
        c.last_is_user_text = false; // a tool result does not trigger another call
        assert_eq!(generate(&c).finish, Finish::Stop);
    }

    #[test]
    fn forced_choices() {
        let mut c = conv("hi");
        c.tools = vec![weather(), ToolDef { name: "other".into(), schema: json!({}) }];
        c.choice = ToolChoice::Required;
        assert!(
            matches!(generate(&c).output, Output::ToolCall { ref name, .. } if name == "get_weather")
        );
        c.choice = ToolChoice::Named("other".into());
        assert!(
            matches!(generate(&c).output, Output::ToolCall { ref name, .. } if name == "other")
        );
        c.choice = ToolChoice::None;
        c.last_text = "get_weather".into();
        assert_eq!(generate(&c).finish, Finish::Stop);
    }

    #[test]
    fn structured_output_follows_schema() {
        let mut c = conv("x");
        c.format = OutputFormat::JsonSchema(
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}),
        );
        assert_eq!(generate(&c).output, Output::Text(r#"{"n":1}"#.into()));
        c.format = OutputFormat::JsonObject;
        assert_eq!(generate(&c).output, Output::Text(r#"{"echo":"x"}"#.into()));
    }

    #[test]
    fn paced_text_ignores_limits_but_not_tools() {
        let mut c = conv("hi");
        c.max_tokens = Some(1);
        let r = generate_paced(&c, Some(5));
        assert_eq!(r.output, Output::Text("echo: hi echo: hi echo:".into()));
        assert_eq!((r.finish, r.completion_tokens), (Finish::Stop, 5));
        c.tools = vec![weather()];
        c.choice = ToolChoice::Required;
        assert_eq!(generate_paced(&c, Some(5)).finish, Finish::ToolCall);
    }

    #[test]
    fn prompt_words() {
        let v = json!([{"role": "user", "content": "a b c"}, {"role": "user", "content": [{"type": "text", "text": "d e"}]}]);
        assert_eq!(words_in(&v), 5);
    }
}
