//! AWS Bedrock Runtime Converse (`POST /model/{modelId}/converse`) and ConverseStream
//! (`POST /model/{modelId}/converse-stream`, binary event stream: `stream.rs`), SigV4-shaped
//! auth.
//!
//! Claude's extended thinking (`claude.rs`): `additionalModelRequestFields` `thinking` and
//! `anthropic_beta` checked, a signed `reasoningContent` block first in the reply when
//! thinking is on, reasoning blocks sent back checked.
//!
//! Errors use `{"message"}` with the `x-amzn-ErrorType` header; every answer carries
//! `x-amzn-RequestId`.

mod auth;
mod claude;
mod request;
pub(crate) mod stream;

use std::hash::{DefaultHasher, Hash, Hasher};

use http::StatusCode;
use serde_json::{Value, json};

use crate::cache::CacheUse;
use crate::reply::{self, Finish, Output, Reply};
use crate::state::State;
use crate::stream::StreamAnswer;
use crate::wire::{Answer, Call, Outcome, Protocol, WireError};

/// Validates and answers one request.
pub(crate) fn handle(call: &Call<'_>) -> Result<Outcome, WireError> {
    auth::check(call)?;
    if call.path_model.is_none_or(str::is_empty) {
        return Err(request::invalid(
            "1 validation error detected: Value '' at 'modelId' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let body = call.json.ok_or_else(invalid_json)?;
    let parsed = request::parse(body, call.path_model.unwrap_or_default())?;
    let pace = call.pace.filter(|_| call.path_stream);
    let reply = reply::generate_paced(&parsed.conv, pace);
    let cache = call.state.cache.observe(&parsed.segments);
    let mut body = encode(call.state, &reply, parsed.conv.prompt_tokens, cache);
    if parsed.thinking {
        if let Some(content) = body["output"]["message"]["content"].as_array_mut() {
            content.insert(0, claude::block(&parsed.conv.last_text));
        }
    }
    let answer = Answer::ok(&body).header("x-amzn-requestid", &request_id(call.state));
    if !call.path_stream {
        return Ok(answer.into());
    }
    Ok(Outcome::Stream(StreamAnswer {
        protocol: Protocol::Bedrock,
        headers: answer.headers,
        pieces: stream::pieces(&body, pace.is_some()),
    }))
}

fn encode(state: &State, reply: &Reply, prompt: u64, cache: CacheUse) -> Value {
    let content = match &reply.output {
        Output::Text(t) => json!([{"text": t}]),
        Output::ToolCall { name, input } => json!([{"toolUse": {
            "toolUseId": state.next_id("tooluse_", 22),
            "name": name,
            "input": input,
        }}]),
    };
    let stop_reason = match &reply.finish {
        Finish::Stop => "end_turn",
        Finish::Length => "max_tokens",
        Finish::StopSequence(_) => "stop_sequence",
        Finish::ToolCall => "tool_use",
    };
    json!({
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop_reason,
        "usage": usage(prompt, reply.completion_tokens, cache),
        "metrics": {"latencyMs": 10 + reply.completion_tokens},
    })
}

fn usage(prompt: u64, output: u64, cache: CacheUse) -> Value {
    let input = prompt.saturating_sub(cache.read + cache.write);
    json!({
        "inputTokens": input,
        "outputTokens": output,
        "totalTokens": input + output + cache.read + cache.write,
        "cacheReadInputTokens": cache.read,
        "cacheWriteInputTokens": cache.write,
    })
}

/// A UUID-shaped request id.
fn request_id(state: &State) -> String {
    let seed = state.next_id("", 8);
    let word = |salt: u8| {
        let mut h = DefaultHasher::new();
        (&seed, salt).hash(&mut h);
        h.finish()
    };
    let (a, b) = (word(0), word(1));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// Renders `{"message"}` plus `x-amzn-ErrorType`.
pub(crate) fn error(err: &WireError, state: &State) -> Answer {
    let namespace = match err.kind.as_str() {
        "MissingAuthenticationTokenException"
        | "IncompleteSignatureException"
        | "InvalidSignatureException"
        | "UnrecognizedClientException"
        | "SerializationException" => "com.amazon.coral.service",
        _ => "com.amazon.bedrock",
    };
    let error_type = format!("{}:http://internal.amazon.com/coral/{namespace}/", err.kind);
    let mut answer = Answer::ok(&json!({"message": err.message}))
        .header("x-amzn-requestid", &request_id(state))
        .header("x-amzn-errortype", &error_type);
    answer.status = err.status;
    answer
}

/// The error Bedrock sends with a given status.
pub(crate) fn status_error(status: StatusCode) -> WireError {
    let (kind, message) = match status.as_u16() {
        400 => ("ValidationException", "Input validation failed."),
        403 => (
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        ),
        404 => ("ResourceNotFoundException", "The specified resource could not be found."),
        408 => ("ModelTimeoutException", "The request took too long to process."),
        424 => ("ModelErrorException", "The model returned an error."),
        429 => ("ThrottlingException", "Too many requests, please wait before trying again."),
        500 => ("InternalServerException", "The server encountered an internal error."),
        503 => ("ServiceUnavailableException", "The service is unavailable. Try again later."),
        c if c < 500 => ("ValidationException", "The request was rejected."),
        _ => ("InternalServerException", "The server encountered an internal error."),
    };
    WireError::new(status, kind, message)
}

/// The error for a body that is not JSON.
pub(crate) fn invalid_json() -> WireError {
    WireError::new(
        StatusCode::BAD_REQUEST,
        "SerializationException",
        "Could not parse the request body as JSON.",
    )
}

/// The fixed-mode reply.
pub(crate) fn fixed_body() -> Value {
    fixed_body_with("echo: fixed", 2)
}

/// The fixed-mode reply with this text of `tokens` tokens.
fn fixed_body_with(text: &str, tokens: u64) -> Value {
    json!({
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": usage(1, tokens, CacheUse::default()),
        "metrics": {"latencyMs": 10 + tokens},
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
    fn status_errors_use_exception_names() {
        assert_eq!(status_error(StatusCode::TOO_MANY_REQUESTS).kind, "ThrottlingException");
        assert_eq!(
            status_error(StatusCode::SERVICE_UNAVAILABLE).kind,
            "ServiceUnavailableException"
        );
    }

    #[test]
    fn usage_totals_include_cache() {
        let u = usage(10, 3, CacheUse { read: 4, write: 2 });
        assert_eq!((u["inputTokens"].as_u64(), u["totalTokens"].as_u64()), (Some(4), Some(13)));
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = request_id(&State::new(crate::FakeOptions::default()));
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4);
    }
}
