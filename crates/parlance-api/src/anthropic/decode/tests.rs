use super::*;
use serde_json::json;

fn decode(v: Value) -> Result<Decoded, AnthropicError> {
    request(v.to_string().as_bytes(), (false, false), false)
}

fn messages(d: &Decoded) -> &[Message] {
    &d.request.inputs[0].messages
}

#[test]
fn a_claude_code_turn_decodes() {
    let body = json!({
        "model": "claude-opus-4-5", "max_tokens": 32000, "stream": true,
        "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
        "thinking": {"type": "adaptive"}, "context_management": {}, "output_config": {}, "metadata": {"user_id": "u"},
        "messages": [
            {"role": "user", "content": "list files"},
            {"role": "system", "content": [{"type": "text", "text": "env notes"}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "text", "text": "Running ls."},
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.txt\n<system-reminder>x</system-reminder>", "is_error": false, "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "go on"}]}
        ],
        "tools": [
            {"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
        ],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
        "temperature": 0.5, "top_p": 0.9, "top_k": 40, "stop_sequences": ["END"]
    });
    let d = decode(body).unwrap();
    assert!(d.stream);
    assert_eq!(d.model, "claude-opus-4-5");
    let call = ToolCallIn {
        id: Some("toolu_1".into()),
        function: Some(FunctionCallIn {
            name: "Bash".into(),
            arguments: r#"{"command":"ls"}"#.into(),
        }),
    };
    let ephemeral = |role| Message::Anthropic {
        role,
        part: AnthropicPart::CacheControl(r#"{"type":"ephemeral"}"#.into()),
    };
    let thinking = ThinkingBlock::Thinking { thinking: "hmm".into(), signature: "sig".into() };
    assert_eq!(
        messages(&d),
        &[
            Message::System(vec!["You are Claude Code.".into()]),
            ephemeral(Role::System),
            Message::User(vec!["list files".into()]),
            Message::System(vec!["env notes".into()]),
            Message::Anthropic { role: Role::Assistant, part: AnthropicPart::Thinking(thinking) },
            Message::Assistant { content: vec!["Running ls.".into()], tool_calls: vec![call] },
            Message::Tool {
                tool_id: Some("toolu_1".into()),
                name: "Bash".into(),
                content: vec!["a.txt\n<system-reminder>x</system-reminder>".into()],
            },
            ephemeral(Role::Tool),
            Message::User(vec!["go on".into()]),
        ]
    );
    assert_eq!(d.request.anthropic.thinking.as_deref(), Some(r#"{"type":"adaptive"}"#));
    assert_eq!(d.request.tools.len(), 1, "the server tool is left out");
    assert_eq!(d.request.tool_choice.as_deref(), Some("required"));
    assert_eq!(d.request.temperature, Some(0.5));
    let keys: Vec<&str> = d.request.parameters.keys().map(String::as_str).collect();
    assert_eq!(keys, ["max_tokens", "stop", "top_p"]);
    assert_eq!(
        d.dropped,
        ["top_k", "metadata.user_id", "tool_choice.disable_parallel_tool_use", "tools.server_tool",]
    );
    assert_eq!(d.native, ["thinking", "cache_control"]);
}

#[test]
fn a_thinking_block_needs_its_fields() {
    let body = |block: Value| {
        json!({"model": "m", "max_tokens": 5, "messages": [
            {"role": "user", "content": "q"}, {"role": "assistant", "content": [block]}]})
    };
    let e = decode(body(json!({"type": "thinking", "thinking": "x"}))).unwrap_err();
    assert!(e.message.contains("thinking block"), "{}", e.message);
    let ok = decode(body(json!({"type": "redacted_thinking", "data": "d"}))).unwrap();
    let part = AnthropicPart::Thinking(ThinkingBlock::RedactedThinking { data: "d".into() });
    assert_eq!(messages(&ok)[1], Message::Anthropic { role: Role::Assistant, part });
}

#[test]
fn the_same_question_is_the_openai_doors_request() {
    let a = decode(json!({"model": "llm", "max_tokens": 50, "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}))
    .unwrap();
    let o = crate::openai::decode::request(
        json!({"model": "llm", "max_tokens": 50, "messages": [
            {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]})
        .to_string()
        .as_bytes(),
        None,
    )
    .unwrap();
    assert_eq!(a.request, o.request);
}

#[test]
fn tool_choices() {
    let choice = |c: Value| {
        decode(json!({"model": "m", "max_tokens": 1, "messages": [], "tool_choice": c}))
            .map(|d| d.request.tool_choice)
    };
    assert_eq!(choice(json!({"type": "auto"})).unwrap().as_deref(), Some("auto"));
    assert_eq!(choice(json!({"type": "none"})).unwrap().as_deref(), Some("none"));
    assert_eq!(choice(json!({"type": "tool", "name": "Bash"})).unwrap().as_deref(), Some("Bash"));
    assert!(choice(json!({"type": "tool"})).is_err());
    assert!(choice(json!("auto")).is_err());
}

#[test]
fn bad_input_is_a_400_with_a_bounded_message() {
    let cases = [
        json!({"max_tokens": 1, "messages": []}),
        json!({"model": "m", "messages": []}),
        json!({"model": "m", "max_tokens": 0, "messages": []}),
        json!({"model": "m", "max_tokens": "1", "messages": []}),
        json!({"model": "m", "max_tokens": 1}),
        json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}),
        json!({"model": "m", "max_tokens": 1, "messages": [{"role": "tool", "content": "x"}]}),
        json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": 3}]}),
        json!({"model": "m", "max_tokens": 1, "messages": [], "tools": [{"name": "f"}]}),
        json!({"model": "m", "max_tokens": 1, "messages": [], "stop_sequences": "END"}),
        json!({"model": "m", "max_tokens": 1, "messages": [], "stream": "yes"}),
        json!({"model": "m", "max_tokens": 1, "messages": [{"role": "x".repeat(10_000), "content": "hi"}]}),
    ];
    for body in cases {
        let e = decode(body.clone()).unwrap_err();
        assert_eq!((e.status.as_u16(), e.kind), (400, "invalid_request_error"), "{body}");
        assert!(e.message.len() < 300, "{}", e.message.len());
    }
    assert!(request(b"{", (false, false), false).is_err());
}

#[test]
fn count_tokens_needs_no_max_tokens() {
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).to_string();
    assert!(request(body.as_bytes(), (false, false), true).is_ok());
}
