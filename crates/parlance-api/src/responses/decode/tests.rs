use super::*;
use serde_json::json;

fn decode(v: Value) -> Decoded {
    request(v.to_string().as_bytes(), (false, false)).unwrap_or_else(|e| panic!("{e:?}"))
}

fn refused(v: Value) -> ResponsesError {
    request(v.to_string().as_bytes(), (false, false)).expect_err("refused")
}

fn messages(d: Decoded) -> Vec<Message> {
    d.into_request(&[]).0.inputs.remove(0).messages
}

#[test]
fn a_string_input_is_one_user_message_after_the_instructions() {
    let d = decode(json!({"model": "m", "instructions": "be brief", "input": "hi"}));
    assert!(!d.stream && d.store, "stream off and store on by default");
    assert_eq!(d.echo.instructions.as_deref(), Some("be brief"));
    assert_eq!(
        messages(d),
        vec![Message::System(vec!["be brief".into()]), Message::User(vec!["hi".into()])]
    );
}

#[test]
fn codex_items_map_to_turns() {
    let d = decode(json!({"model": "gpt-5-codex", "store": false, "stream": true,
    "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "You are Codex."}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running ls."}]},
        {"type": "function_call", "id": "fc_1", "status": "completed", "call_id": "call_1", "name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"},
        {"type": "function_call_output", "id": "fco_1", "call_id": "call_1", "output": "a.txt"}
    ]}));
    assert!(d.stream && !d.store);
    assert!(d.dropped.is_empty(), "{:?}", d.dropped);
    assert_eq!(d.reasoning_items, 1);
    let m = messages(d);
    assert_eq!(m[0], Message::System(vec!["You are Codex.".into()]), "developer → system");
    let Message::Opaque(item) = &m[2] else { panic!("{:?}", m[2]) };
    assert_eq!(item.wire, parlance_core::Opaque::RESPONSES);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&item.json).unwrap(),
        json!({"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"}),
        "the item passes whole"
    );
    assert_eq!(
        m[3],
        Message::Assistant {
            content: vec!["Running ls.".into()],
            tool_calls: vec![ToolCallIn {
                id: Some("call_1".into()),
                function: Some(FunctionCallIn {
                    name: "exec_command".into(),
                    arguments: "{\"cmd\":\"ls\"}".into()
                }),
            }],
        },
        "the call joins the assistant turn it follows"
    );
    assert_eq!(
        m[4],
        Message::Tool {
            tool_id: Some("call_1".into()),
            name: "exec_command".into(),
            content: vec!["a.txt".into()]
        }
    );
    assert_eq!(m.len(), 5);
}

#[test]
fn a_result_is_named_from_the_stored_history() {
    let d = decode(json!({"model": "m", "input": [
        {"type": "function_call_output", "call_id": "call_7", "output": [{"type": "input_text", "text": "42"}]}]}));
    let history = vec![Message::Assistant {
        content: vec![],
        tool_calls: vec![ToolCallIn {
            id: Some("call_7".into()),
            function: Some(FunctionCallIn { name: "calc".into(), arguments: "{}".into() }),
        }],
    }];
    let (req, input) = d.into_request(&history);
    let m = &req.inputs[0].messages;
    assert_eq!(m.len(), 2);
    assert!(matches!(&m[1], Message::Tool { name, .. } if name == "calc"), "{m:?}");
    assert_eq!(input.len(), 1, "the new turn alone is returned for the store");
}

#[test]
fn hosted_tools_are_left_out_and_counted() {
    let d = decode(json!({"model": "m", "input": "hi", "parallel_tool_calls": false,
        "tools": [
            {"type": "function", "name": "exec_command", "description": "Run", "parameters": {"type": "object"}, "strict": false},
            {"type": "web_search"},
            {"type": "namespace", "name": "mcp", "tools": []},
            {"type": "local_shell"},
            {"type": "custom", "name": "apply_patch"},
            {"type": "image_generation"}
        ],
        "tool_choice": "auto", "reasoning": {"summary": "auto"}, "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "k", "service_tier": "auto", "client_metadata": {"a": "b"}}));
    assert_eq!(d.request.tools.len(), 1);
    assert_eq!(d.echo.tools.len(), 1);
    assert_eq!(d.request.tool_choice.as_deref(), Some("auto"));
    assert!(!d.echo.parallel_tool_calls);
    let mut dropped = d.dropped.clone();
    dropped.sort();
    assert_eq!(
        dropped,
        vec![
            "parallel_tool_calls",
            "reasoning",
            "tools.custom",
            "tools.hosted",
            "tools.local_shell",
            "tools.namespace",
            "tools.web_search"
        ]
    );
}

#[test]
fn parameters_and_structured_output() {
    let d =
        decode(json!({"model": "m", "input": "hi", "max_output_tokens": 50, "temperature": 0.5,
        "top_p": 0.9, "text": {"format": {"type": "json_schema", "name": "city", "strict": true,
            "schema": {"type": "object", "properties": {"name": {"type": "string"}}}}},
        "tool_choice": {"type": "function", "name": "f"}, "metadata": {"k": "v"}, "user": "u1"}));
    let r = &d.request;
    assert!(r.parameters.contains_key("max_tokens") && r.parameters.contains_key("top_p"));
    assert_eq!(r.temperature, Some(0.5));
    assert_eq!(r.tool_choice.as_deref(), Some("f"));
    let schema = r.response_format.as_ref().unwrap();
    assert_eq!(schema["name"], "city");
    assert_eq!(schema["strict"], true);
    assert_eq!(d.echo.metadata["k"], "v");
    assert_eq!(d.echo.user.as_deref(), Some("u1"));
    assert_eq!(d.dropped, vec!["user"]);
    let d =
        decode(json!({"model": "m", "input": "hi", "text": {"format": {"type": "json_object"}}}));
    assert_eq!(d.request.response_format.unwrap()["type"], "object");
}

#[test]
fn what_has_no_counterpart_is_refused() {
    let cases = [
        json!({"input": "hi"}),
        json!({"model": "m"}),
        json!({"model": "m", "input": 5}),
        json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}),
        json!({"model": "m", "input": [{"type": "item_reference", "id": "msg_1"}]}),
        json!({"model": "m", "input": [{"type": "computer_call"}]}),
        json!({"model": "m", "input": [{"type": "function_call", "name": "f"}]}),
        json!({"model": "m", "input": [{"type": "function_call_output", "call_id": "c", "output": 3}]}),
        json!({"model": "m", "input": [{"role": "tool", "content": "x"}]}),
        json!({"model": "m", "input": "hi", "background": true}),
        json!({"model": "m", "input": "hi", "conversation": "conv_1"}),
        json!({"model": "m", "input": "hi", "prompt": {"id": "p"}}),
        json!({"model": "m", "input": "hi", "tool_choice": {"type": "web_search_preview"}}),
        json!({"model": "m", "input": "hi", "tool_choice": "sometimes"}),
        json!({"model": "m", "input": "hi", "max_output_tokens": 0}),
        json!({"model": "m", "input": "hi", "max_output_tokens": "9"}),
        json!({"model": "m", "input": "hi", "text": {"format": {"type": "json_schema", "name": "x"}}}),
        json!({"model": "m", "input": "hi", "tools": [{"name": "f"}]}),
        json!({"model": "m", "input": "hi", "metadata": {"k": 1}}),
        json!({"model": "m", "input": "hi", "previous_response_id": 5}),
        json!({"model": "m", "input": "hi", "store": "yes"}),
    ];
    for c in cases {
        let e = refused(c.clone());
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST, "{c}");
        assert!(e.message.len() <= 310, "{c}: {}", e.message);
    }
}

#[test]
fn item_errors_name_the_item() {
    let e = refused(json!({"model": "m", "input": ["x", {"role": "user", "content": 1}]}));
    assert_eq!(e.param.as_deref(), Some("input[0]"));
    let e = refused(json!({"model": "m", "input": [{"role": "user", "content": 1}]}));
    assert!(e.message.starts_with("input[0]: content"), "{}", e.message);
}
