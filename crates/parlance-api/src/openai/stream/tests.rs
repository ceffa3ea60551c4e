//! Chunk format: the same head on every chunk, role first, tool-call fragments by index,
//! finish last, the usage chunk, `[DONE]`; an error event ends the stream without it.

use super::*;
use parlance_core::ApiError;
use parlance_pipeline::Summary;
use serde_json::{Value, json};

fn head(include_usage: bool) -> Encoder {
    Encoder::new(&Head { id: "chatcmpl-1", created: 9, model: "m\"x", include_usage })
}

/// The JSON of each `data:` event in a frame (`[DONE]` as a string).
fn events(b: Bytes) -> Vec<Value> {
    let text = String::from_utf8(b.to_vec()).unwrap();
    text.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let data = e.strip_prefix("data: ").unwrap();
            serde_json::from_str(data).unwrap_or(Value::String(data.into()))
        })
        .collect()
}

fn one(e: &mut Encoder, d: Delta) -> Value {
    let mut v = events(e.event(&StreamEvent::Delta(d)));
    assert_eq!(v.len(), 1);
    v.remove(0)
}

#[test]
fn text_then_finish_then_usage_then_done() {
    let mut e = head(true);
    let first = one(&mut e, Delta::Text { choice: 0, text: "Hel".into() });
    assert_eq!(
        first,
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 9, "model": "m\"x",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "logprobs": null, "finish_reason": null}],
            "usage": null})
    );
    let next = one(&mut e, Delta::Text { choice: 0, text: "lo".into() });
    assert_eq!(next["choices"][0]["delta"], json!({"content": "lo"}));
    let fin = one(&mut e, Delta::Finish { choice: 0, reason: "end_turn".into() });
    assert_eq!(fin["choices"][0]["delta"], json!({}));
    assert_eq!(fin["choices"][0]["finish_reason"], "stop");
    let usage = parlance_core::Usage {
        prompt_tokens: 2,
        completion_tokens: 1,
        total_tokens: 3,
        ..Default::default()
    };
    let end = events(e.event(&StreamEvent::Complete(Summary {
        model: None,
        usage: Some(usage),
        cost_usd: Some(0.0015),
    })));
    assert_eq!(end.len(), 2);
    assert_eq!(end[0]["choices"], json!([]));
    assert_eq!(
        end[0]["usage"],
        json!({"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3, "cost": 0.0015})
    );
    assert_eq!(end[0]["id"], "chatcmpl-1");
    assert_eq!(end[1], "[DONE]");
}

#[test]
fn without_include_usage_no_usage_key_and_no_usage_chunk() {
    let mut e = head(false);
    let first = one(&mut e, Delta::Text { choice: 0, text: "a".into() });
    assert!(first.get("usage").is_none());
    let end = events(e.event(&StreamEvent::Complete(Summary::default())));
    assert_eq!(end, vec![Value::String("[DONE]".into())]);
}

#[test]
fn tool_call_fragments_by_index_with_id_type_and_name_first() {
    let mut e = head(false);
    let call = |index, id: Option<&str>, name: Option<&str>, args: &str| {
        Delta::ToolCall(ToolCallDelta {
            choice: 0,
            index,
            id: id.map(Into::into),
            name: name.map(Into::into),
            arguments: args.into(),
        })
    };
    let first = one(&mut e, call(0, Some("call_a"), Some("f"), ""));
    assert_eq!(
        first["choices"][0]["delta"],
        json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}}]})
    );
    let frag = one(&mut e, call(0, None, None, "{\"x\":1}"));
    assert_eq!(
        frag["choices"][0]["delta"],
        json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"x\":1}"}}]})
    );
    let second = one(&mut e, call(1, None, Some("g"), "{}"));
    assert_eq!(second["choices"][0]["delta"]["tool_calls"][0]["id"], "call_1");
    let fin = one(&mut e, Delta::Finish { choice: 0, reason: "tool_use".into() });
    assert_eq!(fin["choices"][0]["finish_reason"], "tool_calls");
}

#[test]
fn a_finish_first_still_carries_the_role() {
    let mut e = head(false);
    let fin = one(&mut e, Delta::Finish { choice: 0, reason: "max_tokens".into() });
    assert_eq!(fin["choices"][0]["delta"], json!({"role": "assistant", "content": ""}));
    assert_eq!(fin["choices"][0]["finish_reason"], "length");
}

#[test]
fn an_error_is_an_error_event_without_done() {
    let mut e = head(true);
    let err = ApiError::new(parlance_core::ErrorCode::ConversationInvoke, "boom");
    let out = events(e.event(&StreamEvent::Error(err)));
    assert_eq!(
        out,
        vec![
            json!({"error": {"message": "boom", "type": "api_error", "param": null, "code": null}})
        ]
    );
}
