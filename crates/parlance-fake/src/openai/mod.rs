//! OpenAI Chat Completions (`POST …/chat/completions`), also as Azure OpenAI
//! (`POST /openai/deployments/{deployment}/chat/completions?api-version=…`, `api-key` header).
//!
//! Errors use `{"error":{"message","type","param","code"}}`. `"stream": true` answers
//! Server-Sent Events (`stream.rs`).

pub(crate) mod request;
pub(crate) mod stream;

use http::StatusCode;
use serde_json::{Value, json};

use crate::reply::{self, Finish, Output, Reply};
use crate::state::{State, unix_now};
use crate::stream::StreamAnswer;
use crate::wire::{Answer, Call, Outcome, Protocol, WireError};

use request::{Parsed, invalid};
use stream::{Cut, Flavour};

/// The `system_fingerprint` the fake reports.
const FINGERPRINT: &str = "fp_fake0001";

/// Validates and answers one request.
pub(crate) fn handle(protocol: Protocol, call: &Call<'_>) -> Result<Outcome, WireError> {
    let azure = protocol == Protocol::Azure;
    if azure {
        check_azure(call)?;
    } else {
        check_bearer(call)?;
    }
    let body = call.json.ok_or_else(invalid_json)?;
    let parsed = request::parse(body, azure)?;
    let model = match (parsed.model.as_str(), call.path_model) {
        ("", Some(deployment)) => deployment.to_owned(),
        (m, _) => m.to_owned(),
    };
    let flavour = Flavour::of(call)?;
    let pace = call.pace.filter(|_| parsed.stream.is_some());
    let reply = reply::generate_paced(&parsed.conv, pace);
    let cached = if parsed.cache { call.state.cache.observe(&parsed.segments).read } else { 0 };
    let body = encode(call.state, &model, &parsed, &reply, cached, flavour);
    let request_id = call.state.next_id("req_", 32);
    let answer = Answer::ok(&body).header("x-request-id", &request_id);
    let Some(streamed) = parsed.stream else { return Ok(answer.into()) };
    let cut = Cut {
        include_usage: streamed.include_usage,
        obfuscation: streamed.obfuscation,
        paced: pace.is_some(),
        flavour,
    };
    Ok(Outcome::Stream(StreamAnswer {
        protocol,
        headers: answer.headers,
        pieces: stream::pieces(&body, cut),
    }))
}

fn encode(
    state: &State,
    model: &str,
    parsed: &Parsed,
    reply: &Reply,
    cached: u64,
    flavour: Flavour,
) -> Value {
    let message = |state: &State| {
        let mut m = message(state, reply);
        if flavour == Flavour::DeepSeek && matches!(reply.output, Output::Text(_)) {
            m["reasoning_content"] = json!(stream::REASONING);
        }
        m
    };
    let choices: Vec<Value> = (0..parsed.n)
        .map(|i| json!({"index": i, "message": message(state), "logprobs": null, "finish_reason": finish(&reply.finish)}))
        .collect();
    let prompt = parsed.conv.prompt_tokens;
    let completion = reply.completion_tokens * parsed.n;
    json!({
        "id": state.next_id("chatcmpl-", 29),
        "object": "chat.completion",
        "created": unix_now(),
        "model": model,
        "choices": choices,
        "usage": usage(prompt, completion, cached),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    })
}

fn message(state: &State, reply: &Reply) -> Value {
    match &reply.output {
        Output::Text(text) => {
            json!({"role": "assistant", "content": text, "refusal": null, "annotations": []})
        }
        Output::ToolCall { name, input } => json!({
            "role": "assistant",
            "content": null,
            "tool_calls": [{
                "id": state.next_id("call_", 24),
                "type": "function",
                "function": {"name": name, "arguments": input.to_string()},
            }],
            "refusal": null,
            "annotations": [],
        }),
    }
}

fn finish(f: &Finish) -> &'static str {
    match f {
        Finish::Stop | Finish::StopSequence(_) => "stop",
        Finish::Length => "length",
        Finish::ToolCall => "tool_calls",
    }
}

fn usage(prompt: u64, completion: u64, cached: u64) -> Value {
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    })
}

fn unauthorized(message: impl Into<String>) -> WireError {
    WireError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", message)
}

fn check_bearer(call: &Call<'_>) -> Result<(), WireError> {
    let token = call
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(unauthorized(
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        ));
    };
    match &call.state.opts.api_key {
        Some(key) if key != token => Err(unauthorized(format!(
            "Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.",
            redact(token)
        ))
        .code("invalid_api_key")),
        _ => Ok(()),
    }
}

fn check_azure(call: &Call<'_>) -> Result<(), WireError> {
    let has_version = call.query.is_some_and(|q| {
        q.split('&').any(|kv| kv.strip_prefix("api-version=").is_some_and(|v| !v.is_empty()))
    });
    if !has_version {
        return Err(WireError::new(StatusCode::NOT_FOUND, "", "Resource not found").code("404"));
    }
    let key = call.header("api-key").filter(|k| !k.is_empty());
    let matches = match (&call.state.opts.api_key, key) {
        (_, None) => false,
        (Some(want), Some(got)) => want == got,
        (None, Some(_)) => true,
    };
    if matches {
        return Ok(());
    }
    Err(WireError::new(StatusCode::UNAUTHORIZED, "", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.").code("401"))
}

/// `sk-abc…wxyz` style: the first 3 and last 4 characters survive.
fn redact(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// Renders `{"error":{"message","type","param","code"}}` (an empty kind renders `type: null`).
pub(crate) fn error(err: &WireError, state: &State) -> Answer {
    let kind = (!err.kind.is_empty()).then_some(err.kind.as_str());
    let body = json!({"error": {"message": err.message, "type": kind, "param": err.param, "code": err.code}});
    let mut answer = Answer::ok(&body).header("x-request-id", &state.next_id("req_", 32));
    answer.status = err.status;
    answer
}

/// The error OpenAI sends with a given status.
pub(crate) fn status_error(status: StatusCode) -> WireError {
    let e = |kind: &str, msg: &str| WireError::new(status, kind, msg);
    match status.as_u16() {
        400 => e("invalid_request_error", "Bad request."),
        401 => e("invalid_request_error", "Incorrect API key provided.").code("invalid_api_key"),
        403 => e("invalid_request_error", "You are not allowed to access this resource."),
        404 => {
            e("invalid_request_error", "The model does not exist or you do not have access to it.")
                .code("model_not_found")
        }
        429 => e("requests", "Rate limit reached for requests. Please try again later.")
            .code("rate_limit_exceeded"),
        500 => e(
            "server_error",
            "The server had an error while processing your request. Sorry about that!",
        ),
        503 => e("server_error", "The engine is currently overloaded, please try again later."),
        c if c < 500 => e("invalid_request_error", "The request was rejected."),
        _ => e("server_error", "The server had an error processing your request."),
    }
}

/// The error for a body that is not JSON.
pub(crate) fn invalid_json() -> WireError {
    invalid(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    )
}

/// The fixed-mode reply.
pub(crate) fn fixed_body() -> Value {
    fixed_body_with("echo: fixed", 2)
}

/// The fixed-mode reply with this text of `tokens` tokens.
fn fixed_body_with(text: &str, tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-fixed0000000000000000000000",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-fixed",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": usage(1, tokens, 0),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    })
}

/// The fixed-mode stream of this text.
pub(crate) fn fixed_stream(
    text: &str,
    tokens: u64,
    include_usage: bool,
    paced: bool,
) -> crate::stream::Pieces {
    let cut = Cut { include_usage, obfuscation: true, paced, flavour: Flavour::OpenAi };
    stream::pieces(&fixed_body_with(text, tokens), cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_keys_like_openai() {
        assert_eq!(redact("sk-abcdefghijkl"), "sk-********ijkl");
        assert_eq!(redact("short"), "*****");
    }

    #[test]
    fn status_errors_have_kinds() {
        assert_eq!(
            status_error(StatusCode::TOO_MANY_REQUESTS).code.as_deref(),
            Some("rate_limit_exceeded")
        );
        assert_eq!(status_error(StatusCode::BAD_GATEWAY).kind, "server_error");
        assert_eq!(status_error(StatusCode::CONFLICT).kind, "invalid_request_error");
    }
}
