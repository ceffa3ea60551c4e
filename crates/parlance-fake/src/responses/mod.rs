//! The OpenAI Responses API (`POST …/responses`, bearer auth; on Azure's v1 API
//! `POST /openai/v1/responses` with an `api-key` header) as an upstream, answered by the
//! fake's usual reply rules (`reply.rs`).
//!
//! The reply's `output` is a `reasoning` item (the fake plays a reasoning model; its
//! `encrypted_content` only when `include` asks for `reasoning.encrypted_content`, as the
//! real API does — see `reasoning.rs`), then the answer: a `message` with one `output_text`,
//! or a `function_call`. `status` is `incomplete` (`max_output_tokens`) when the text was cut.
//! Usage counts the reasoning tokens in `output_tokens` and reports them in
//! `output_tokens_details`, and the simulated prompt cache in `input_tokens_details`.
//! Errors are OpenAI's `{"error":{…}}` shape. `"stream": true` answers the events of
//! `stream.rs`.

mod reasoning;
mod request;
pub(crate) mod stream;

use http::StatusCode;
use serde_json::{Value, json};

use crate::reply::{self, Finish, Output, Reply};
use crate::state::{State, unix_now};
use crate::stream::StreamAnswer;
use crate::wire::{Answer, Call, Outcome, Protocol, WireError};

use request::Parsed;

/// Validates and answers one request.
pub(crate) fn handle(call: &Call<'_>) -> Result<Outcome, WireError> {
    check_auth(call)?;
    let body = call.json.ok_or_else(crate::openai::invalid_json)?;
    let parsed = request::parse(body)?;
    let pace = call.pace.filter(|_| parsed.stream);
    let reply = reply::generate_paced(&parsed.conv, pace);
    let cached = if parsed.cache { call.state.cache.observe(&parsed.segments).read } else { 0 };
    let body = encode(call.state, &parsed, &reply, cached);
    let answer = Answer::ok(&body).header("x-request-id", &call.state.next_id("req_", 32));
    if !parsed.stream {
        return Ok(answer.into());
    }
    Ok(Outcome::Stream(StreamAnswer {
        protocol: Protocol::Responses,
        headers: answer.headers,
        pieces: stream::pieces(&body, pace.is_some()),
    }))
}

/// Azure's v1 path takes an `api-key`; every other path a bearer token.
fn check_auth(call: &Call<'_>) -> Result<(), WireError> {
    let given = if call.path.starts_with("/openai/") {
        call.header("api-key")
    } else {
        call.header("authorization").and_then(|h| h.strip_prefix("Bearer "))
    };
    let given = given.map(str::trim).filter(|k| !k.is_empty());
    let ok = match (&call.state.opts.api_key, given) {
        (_, None) => false,
        (Some(want), Some(got)) => want == got,
        (None, Some(_)) => true,
    };
    if ok {
        return Ok(());
    }
    Err(WireError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        "Incorrect API key provided.",
    )
    .code("invalid_api_key"))
}

/// The Response object of a finished reply.
fn encode(state: &State, parsed: &Parsed, reply: &Reply, cached: u64) -> Value {
    let mut output =
        vec![reasoning::item(&state.next_id("rs_", 24), &parsed.conv.last_text, parsed.encrypted)];
    output.push(answer_item(state, reply));
    let (status, incomplete) = match reply.finish {
        Finish::Length => ("incomplete", json!({"reason": "max_output_tokens"})),
        _ => ("completed", Value::Null),
    };
    let prompt = parsed.conv.prompt_tokens;
    let completion = reply.completion_tokens + reasoning::TOKENS;
    let mut body = json!({
        "id": state.next_id("resp_", 24),
        "object": "response",
        "created_at": unix_now(),
        "status": status,
        "error": null,
        "incomplete_details": incomplete,
        "model": parsed.model,
        "output": output,
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {"effort": "medium", "summary": null},
        "store": parsed.store,
        "truncation": "disabled",
        "usage": {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": reasoning::TOKENS},
            "total_tokens": prompt + completion,
        },
        "user": null,
    });
    if let Some(o) = body.as_object_mut() {
        for (k, v) in &parsed.echo {
            o.insert(k.clone(), v.clone());
        }
    }
    body
}

fn answer_item(state: &State, reply: &Reply) -> Value {
    match &reply.output {
        Output::Text(text) => json!({
            "type": "message",
            "id": state.next_id("msg_", 24),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }),
        Output::ToolCall { name, input } => json!({
            "type": "function_call",
            "id": state.next_id("fc_", 24),
            "call_id": state.next_id("call_", 24),
            "name": name,
            "arguments": input.to_string(),
            "status": "completed",
        }),
    }
}

/// The fixed-mode reply.
pub(crate) fn fixed_body() -> Value {
    fixed_body_with("echo: fixed", 2)
}

fn fixed_body_with(text: &str, tokens: u64) -> Value {
    json!({
        "id": "resp_fixed000000000000000000",
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "error": null,
        "incomplete_details": null,
        "model": "fake-fixed",
        "output": [{
            "type": "message", "id": "msg_fixed", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }],
        "usage": {"input_tokens": 1, "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens": tokens, "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": 1 + tokens},
    })
}

/// The fixed-mode stream of this text.
pub(crate) fn fixed_stream(text: &str, tokens: u64, paced: bool) -> crate::stream::Pieces {
    stream::pieces(&fixed_body_with(text, tokens), paced)
}
