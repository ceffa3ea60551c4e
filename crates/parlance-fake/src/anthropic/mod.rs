//! Anthropic Messages (`POST …/messages`, and `POST …/messages/count_tokens`, validated the
//! same way, answering `{"input_tokens"}`): `x-api-key` and `anthropic-version` headers.
//! Extended thinking (`thinking.rs`): the reply opens with a signed thinking block when the
//! request turns it on, and thinking blocks sent back must carry a signature the fake issued.
//!
//! Errors use `{"type":"error","error":{"type","message"},"request_id"}` and every answer
//! carries a `request-id` header. `"stream": true` answers named SSE events (`stream.rs`).

mod request;
pub(crate) mod stream;
pub(crate) mod thinking;

use http::StatusCode;
use serde_json::{Value, json};

use crate::cache::CacheUse;
use crate::reply::{self, Finish, Output, Reply};
use crate::state::State;
use crate::stream::StreamAnswer;
use crate::wire::{Answer, Call, Outcome, Protocol, WireError};

use request::invalid;

/// `anthropic-version` values the real API accepts.
const VERSIONS: [&str; 2] = ["2023-06-01", "2023-01-01"];

/// Validates and answers one request.
pub(crate) fn handle(call: &Call<'_>) -> Result<Outcome, WireError> {
    check_headers(call)?;
    let body = call.json.ok_or_else(invalid_json)?;
    if call.path.trim_end_matches('/').ends_with("/count_tokens") {
        let parsed = request::parse_as(body, true)?;
        let answer = Answer::ok(&json!({"input_tokens": parsed.conv.prompt_tokens}));
        return Ok(answer.header("request-id", &call.state.next_id("req_01", 22)).into());
    }
    let parsed = request::parse(body)?;
    let pace = call.pace.filter(|_| parsed.stream);
    let reply = reply::generate_paced(&parsed.conv, pace);
    let cache = call.state.cache.observe(&parsed.segments);
    let mut body = encode(call.state, &parsed.model, &reply, parsed.conv.prompt_tokens, cache);
    if parsed.thinking {
        if let Some(content) = body["content"].as_array_mut() {
            content.insert(0, thinking::block(&parsed.conv.last_text));
        }
    }
    let answer = Answer::ok(&body).header("request-id", &call.state.next_id("req_01", 22));
    if !parsed.stream {
        return Ok(answer.into());
    }
    Ok(Outcome::Stream(StreamAnswer {
        protocol: Protocol::Anthropic,
        headers: answer.headers,
        pieces: stream::pieces(&body, pace.is_some()),
    }))
}

fn encode(state: &State, model: &str, reply: &Reply, prompt: u64, cache: CacheUse) -> Value {
    let content = match &reply.output {
        Output::Text(t) if t.is_empty() => json!([]),
        Output::Text(t) => json!([{"type": "text", "text": t}]),
        Output::ToolCall { name, input } => json!([{
            "type": "tool_use",
            "id": state.next_id("toolu_01", 22),
            "name": name,
            "input": input,
        }]),
    };
    let (stop_reason, stop_sequence) = match &reply.finish {
        Finish::Stop => ("end_turn", None),
        Finish::Length => ("max_tokens", None),
        Finish::StopSequence(s) => ("stop_sequence", Some(s.as_str())),
        Finish::ToolCall => ("tool_use", None),
    };
    json!({
        "id": state.next_id("msg_01", 22),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": usage(prompt, reply.completion_tokens, cache),
    })
}

fn usage(prompt: u64, output: u64, cache: CacheUse) -> Value {
    json!({
        "input_tokens": prompt.saturating_sub(cache.read + cache.write),
        "cache_creation_input_tokens": cache.write,
        "cache_read_input_tokens": cache.read,
        "cache_creation": {"ephemeral_5m_input_tokens": cache.write, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output,
        "service_tier": "standard",
    })
}

fn check_headers(call: &Call<'_>) -> Result<(), WireError> {
    let unauthorized =
        |m: &str| WireError::new(StatusCode::UNAUTHORIZED, "authentication_error", m);
    let Some(key) = call.header("x-api-key").filter(|k| !k.is_empty()) else {
        return Err(unauthorized("x-api-key header is required"));
    };
    if call.state.opts.api_key.as_deref().is_some_and(|want| want != key) {
        return Err(unauthorized("invalid x-api-key"));
    }
    match call.header("anthropic-version") {
        None => Err(invalid("anthropic-version: header is required")),
        Some(v) if VERSIONS.contains(&v) => Ok(()),
        Some(v) => Err(invalid(format!("anthropic-version: invalid version '{v}'"))),
    }
}

/// Renders `{"type":"error","error":{"type","message"},"request_id"}`.
pub(crate) fn error(err: &WireError, state: &State) -> Answer {
    let request_id = state.next_id("req_01", 22);
    let body = json!({
        "type": "error",
        "error": {"type": err.kind, "message": err.message},
        "request_id": request_id,
    });
    let mut answer = Answer::ok(&body).header("request-id", &request_id);
    answer.status = err.status;
    answer
}

/// The error Anthropic sends with a given status.
pub(crate) fn status_error(status: StatusCode) -> WireError {
    let (kind, message) = match status.as_u16() {
        400 => (
            "invalid_request_error",
            "There was an issue with the format or content of your request.",
        ),
        401 => ("authentication_error", "invalid x-api-key"),
        403 => (
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
        ),
        404 => ("not_found_error", "The requested resource could not be found."),
        413 => ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
        429 => (
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit.",
        ),
        500 => ("api_error", "Internal server error"),
        504 => ("timeout_error", "Request timed out"),
        529 => ("overloaded_error", "Overloaded"),
        c if c < 500 => ("invalid_request_error", "The request was rejected."),
        _ => ("api_error", "Internal server error"),
    };
    WireError::new(status, kind, message)
}

/// The error for a body that is not JSON.
pub(crate) fn invalid_json() -> WireError {
    invalid("There was an error parsing the body of your request: it is not valid JSON.")
}

/// The fixed-mode reply.
pub(crate) fn fixed_body() -> Value {
    fixed_body_with("echo: fixed", 2)
}

/// The fixed-mode reply with this text of `tokens` tokens.
fn fixed_body_with(text: &str, tokens: u64) -> Value {
    json!({
        "id": "msg_01Fixed00000000000000",
        "type": "message",
        "role": "assistant",
        "model": "fake-fixed",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": usage(1, tokens, CacheUse::default()),
    })
}

/// The fixed-mode stream of this text.
pub(crate) fn fixed_stream(text: &str, tokens: u64, paced: bool) -> crate::stream::Pieces {
    stream::pieces(&fixed_body_with(text, tokens), paced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_use_anthropic_types() {
        assert_eq!(status_error(StatusCode::TOO_MANY_REQUESTS).kind, "rate_limit_error");
        let overloaded = StatusCode::from_u16(529).unwrap();
        assert_eq!(status_error(overloaded).kind, "overloaded_error");
        assert_eq!(status_error(StatusCode::BAD_GATEWAY).kind, "api_error");
    }

    #[test]
    fn usage_splits_cache() {
        let u = usage(10, 3, CacheUse { read: 4, write: 2 });
        assert_eq!(u["input_tokens"], 4);
        assert_eq!(u["cache_read_input_tokens"], 4);
        assert_eq!(u["cache_creation_input_tokens"], 2);
    }
}
