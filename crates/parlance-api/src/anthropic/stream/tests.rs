use super::*;
use parlance_core::ApiError;

fn events(e: &mut Encoder, list: Vec<StreamEvent>) -> Vec<(String, Value)> {
    let mut text = String::new();
    for ev in &list {
        text.push_str(std::str::from_utf8(&e.event(ev)).unwrap());
    }
    parse(&text)
}

/// `(event name, data)` of every frame; the name must match the data's `type`.
fn parse(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|f| {
            let (name, data) = f.split_once('\n').unwrap();
            let name = name.strip_prefix("event: ").unwrap().to_string();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(data["type"], name.as_str());
            (name, data)
        })
        .collect()
}

fn call(index: u32, id: Option<&str>, name: Option<&str>, args: &str) -> StreamEvent {
    StreamEvent::Delta(Delta::ToolCall(ToolCallDelta {
        choice: 0,
        index,
        id: id.map(str::to_string),
        name: name.map(str::to_string),
        arguments: args.into(),
    }))
}

#[test]
fn the_opening_has_full_usage() {
    let frames = parse(std::str::from_utf8(&opening("msg_1", "claude-x")).unwrap());
    assert_eq!(frames[0].0, "message_start");
    let usage = &frames[0].1["message"]["usage"];
    for k in
        ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"]
    {
        assert_eq!(usage[k], 0, "{k}");
    }
    assert_eq!(frames[0].1["message"]["model"], "claude-x");
    assert_eq!(frames[1].0, "ping");
}

#[test]
fn text_then_tool_calls_arrive_intact() {
    let mut e = Encoder::new();
    let usage =
        Usage { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, ..Default::default() };
    let frames = events(
        &mut e,
        vec![
            StreamEvent::Delta(Delta::Text { choice: 0, text: "Let me ".into() }),
            StreamEvent::Delta(Delta::Text { choice: 0, text: "look.".into() }),
            call(0, Some("toolu_a"), Some("Bash"), ""),
            call(0, None, None, "{\"comm"),
            call(0, None, None, "and\":\"ls\"}"),
            call(1, Some("toolu_b"), Some("Read"), "{\"path\":\"a\"}"),
            StreamEvent::Delta(Delta::Finish { choice: 0, reason: "tool_calls".into() }),
            StreamEvent::Complete(Summary { model: None, usage: Some(usage), cost_usd: None }),
        ],
    );
    let names: Vec<&str> = frames.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    assert_eq!(
        frames[4].1["content_block"],
        serde_json::json!({"type": "tool_use", "id": "toolu_a", "name": "Bash", "input": {}})
    );
    let args: String =
        frames[5..7].iter().map(|(_, d)| d["delta"]["partial_json"].as_str().unwrap()).collect();
    assert_eq!(serde_json::from_str::<Value>(&args).unwrap(), serde_json::json!({"command": "ls"}));
    assert_eq!(frames[8].1["index"], 2);
    assert_eq!(frames[11].1["delta"]["stop_reason"], "tool_use");
    assert_eq!(frames[11].1["usage"]["output_tokens"], 4);
    assert_eq!(frames[11].1["usage"]["input_tokens"], 9);
}

#[test]
fn a_failure_is_an_error_event() {
    let mut e = Encoder::new();
    let frames = events(
        &mut e,
        vec![StreamEvent::Error(ApiError::new(parlance_core::ErrorCode::Overloaded, "busy"))],
    );
    assert_eq!(frames[0].1["error"]["type"], "overloaded_error");
    assert_eq!(&e.keep_alive()[..], b"event: ping\ndata: {\"type\":\"ping\"}\n\n");
}
