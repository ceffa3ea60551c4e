use std::sync::Arc;

use super::*;
use crate::responses::decode::Echo;
use crate::responses::store::{Backend, Limits, Store};
use parlance_core::request::Message;
use parlance_core::{ApiError, ErrorCode, Usage};
use serde_json::{Value, json};

fn head() -> Head {
    Head {
        id: "resp_1".into(),
        hex: "1".into(),
        created_at: 7,
        model: "m".into(),
        echo: Echo {
            tool_choice: json!("auto"),
            text: Some(json!({"format": {"type": "text"}})),
            ..Echo::default()
        },
        previous: None,
        store: true,
    }
}

/// `(event, data)` of every frame, checking each `data.type` names its event.
fn frames(bytes: &[u8]) -> Vec<(String, Value)> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
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

fn run(enc: &mut Encoder, events: Vec<StreamEvent>) -> Vec<(String, Value)> {
    let mut out = enc.opening().to_vec();
    for e in events {
        out.extend_from_slice(&enc.event(&e));
    }
    frames(&out)
}

fn text(t: &str) -> StreamEvent {
    StreamEvent::Delta(Delta::Text { choice: 0, text: t.into() })
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

fn finish(reason: &str) -> StreamEvent {
    StreamEvent::Delta(Delta::Finish { choice: 0, reason: reason.into() })
}

fn complete() -> StreamEvent {
    let usage =
        Usage { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, ..Default::default() };
    StreamEvent::Complete(Summary { usage: Some(usage), ..Default::default() })
}

#[test]
fn text_then_a_call_in_openais_order() {
    let store = Arc::new(Store::new(Limits::default()));
    let pending = Pending {
        store: Backend::Memory(store.clone()),
        owner: None,
        history: vec![Message::User(vec!["hi".into()])],
        telemetry: Default::default(),
    };
    let mut enc = Encoder::new(head(), Some(pending));
    let ev = run(
        &mut enc,
        vec![
            text("Let me "),
            text("look."),
            call(0, Some("call_a"), Some("exec"), ""),
            call(0, None, None, "{\"cmd\":"),
            call(0, None, None, "\"ls\"}"),
            finish("tool_calls"),
            complete(),
        ],
    );
    let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let seqs: Vec<u64> = ev.iter().map(|(_, d)| d["sequence_number"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (0..ev.len() as u64).collect::<Vec<_>>());
    assert_eq!(ev[0].1["response"]["status"], "in_progress");
    assert_eq!(ev[6].1["text"], "Let me look.");
    assert_eq!(ev[9].1["item"]["call_id"], "call_a");
    assert_eq!(ev[12].1["arguments"], "{\"cmd\":\"ls\"}");
    let done = &ev[14].1["response"];
    assert_eq!(done["status"], "completed");
    assert_eq!(done["usage"]["total_tokens"], 5);
    assert_eq!(done["output"][0]["content"][0]["text"], "Let me look.");
    assert_eq!(done["output"][1]["arguments"], "{\"cmd\":\"ls\"}");
    assert_eq!(done["output"][1]["id"], ev[9].1["item"]["id"], "item ids agree");
    let stored = store.get("resp_1", None).expect("stored at completion");
    let body: Value = serde_json::from_slice(&stored.body).unwrap();
    assert_eq!(&body, done);
    assert_eq!(stored.conversation.len(), 2, "history + the assistant turn");
}

#[test]
fn a_cut_reply_ends_incomplete() {
    let mut enc = Encoder::new(head(), None);
    let ev = run(&mut enc, vec![text("one two"), finish("length"), complete()]);
    let (name, last) = ev.last().unwrap();
    assert_eq!(name, "response.incomplete");
    assert_eq!(last["response"]["incomplete_details"]["reason"], "max_output_tokens");
    let done = ev.iter().find(|(n, _)| n == "response.output_item.done").unwrap();
    assert_eq!(done.1["item"]["status"], "incomplete", "the cut message is incomplete");
}

#[test]
fn the_last_event_carries_the_cost_when_the_model_has_a_price() {
    let mut enc = Encoder::new(head(), None);
    let usage =
        Usage { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, ..Default::default() };
    let priced = StreamEvent::Complete(Summary {
        usage: Some(usage),
        cost_usd: Some(0.0015),
        ..Default::default()
    });
    let ev = run(&mut enc, vec![text("hi"), finish("stop"), priced]);
    let (name, last) = ev.last().unwrap();
    assert_eq!((name.as_str(), last["cost_usd"].as_f64()), ("response.completed", Some(0.0015)));
    assert!(ev[..ev.len() - 1].iter().all(|(_, e)| e.get("cost_usd").is_none()));
    let mut enc = Encoder::new(head(), None);
    let ev = run(&mut enc, vec![text("hi"), finish("stop"), complete()]);
    assert!(ev.last().unwrap().1.get("cost_usd").is_none(), "an unpriced reply has no cost");
}

#[test]
fn a_failure_after_the_start_is_an_error_and_response_failed() {
    let store = Arc::new(Store::new(Limits::default()));
    let pending = Pending {
        store: Backend::Memory(store.clone()),
        owner: None,
        history: vec![],
        telemetry: Default::default(),
    };
    let mut enc = Encoder::new(head(), Some(pending));
    let err = ApiError::new(ErrorCode::Overloaded, "busy");
    let ev = run(&mut enc, vec![text("par"), StreamEvent::Error(err)]);
    let n = ev.len();
    assert_eq!(ev[n - 2].0, "error");
    assert_eq!(ev[n - 2].1["code"], "server_error");
    assert_eq!(ev[n - 1].0, "response.failed");
    assert_eq!(ev[n - 1].1["response"]["status"], "failed");
    assert_eq!(ev[n - 1].1["response"]["error"]["code"], "server_error");
    assert!(store.get("resp_1", None).is_none(), "a failed answer is not stored");
}
