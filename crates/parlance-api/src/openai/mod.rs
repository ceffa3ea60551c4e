//! The OpenAI-compatible door (`/v1`, the contract in `openai-door.md`): a third thin adapter
//! over the same [`parlance_pipeline::ConversationService`] as the Dapr doors — decode the
//! Chat Completions body into the alpha2 [`parlance_core::ConverseRequest`] ([`decode`]), call
//! `converse` or `converse_stream`, encode OpenAI's JSON ([`encode`]) or chunks ([`stream`]);
//! errors in OpenAI's form with statuses that mean what they say ([`error`]); the model list
//! ([`models`]); the API token as a bearer key ([`auth`]). The same question through any door
//! is one cache entry, and metrics count it under `api="openai"`.

pub mod auth;
pub mod decode;
pub mod encode;
pub mod error;
pub mod models;
pub mod stream;
pub mod usage;

use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use parlance_core::ApiVersion;
use parlance_pipeline::CallOptions;

use crate::http::{CACHE_HEADER, COMPONENT_HEADER, json_response, read_body, release_request};
use crate::sidecar::Sidecar;
use error::OpenAiError;

/// Request header asking for more PII scrubbing than the component enforces:
/// `inputs`, `outputs` or `both`.
pub const SCRUB_HEADER: &str = "x-parlance-scrub-pii";

/// Response header with the request's id (the client's own, when it sent one).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The `/v1` routes, to merge into the HTTP app; with an API token, they check it themselves
/// (as a bearer key or `dapr-api-token`) and answer 401 in OpenAI's form.
pub fn routes(sidecar: &Sidecar) -> Router<Sidecar> {
    started(); // the models' `created`: fixed when the app is built
    let routes = Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(list_models))
        .route("/v1/models/{*id}", get(get_model))
        .route("/v1/usage", get(usage::usage));
    match (&sidecar.keys, &sidecar.api_token) {
        (Some(_), _) => routes
            .layer(axum::middleware::from_fn_with_state(sidecar.clone(), crate::keys::openai_gate)),
        (None, Some(_)) => {
            routes.layer(axum::middleware::from_fn_with_state(sidecar.clone(), auth::require_token))
        }
        (None, None) => routes,
    }
}

/// Unix seconds when the door was first built (the process's start, in practice).
pub fn started() -> u64 {
    static STARTED: OnceLock<u64> = OnceLock::new();
    *STARTED.get_or_init(now)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

async fn list_models(
    s: State<Sidecar>,
    key: Option<axum::Extension<parlance_pipeline::Principal>>,
    headers: HeaderMap,
) -> Response {
    with_request_id(models::list(s, key).await, &headers)
}

async fn get_model(
    s: State<Sidecar>,
    id: axum::extract::Path<String>,
    key: Option<axum::Extension<parlance_pipeline::Principal>>,
    headers: HeaderMap,
) -> Response {
    with_request_id(models::get(s, id, key).await.into_response(), &headers)
}

async fn chat_completions(State(s): State<Sidecar>, req: Request) -> Response {
    let (head, body) = req.into_parts();
    let hex = fresh_hex();
    let id = client_request_id(&head.headers).unwrap_or_else(|| header_value(&hex));
    let mut component = None;
    let mut resp = match complete(&s, head, body, &hex, &mut component).await {
        Ok(resp) => resp,
        Err(e) => {
            let mut resp = e.into_response();
            if let Some(v) = component.and_then(|c| HeaderValue::from_str(&c).ok()) {
                resp.headers_mut().insert(COMPONENT_HEADER, v);
            }
            resp
        }
    };
    resp.headers_mut().insert(REQUEST_ID_HEADER, id);
    resp
}

/// decode → service → encode; `component` is set as soon as the body names one.
async fn complete(
    s: &Sidecar,
    head: Parts,
    body: Body,
    hex: &str,
    component: &mut Option<String>,
) -> Result<Response, OpenAiError> {
    let bytes = read_body(body, s.max_body).await?;
    let scrub = head.headers.get(SCRUB_HEADER).and_then(|v| v.to_str().ok());
    let d = decode::request(&bytes, scrub)?;
    *component = Some(d.component.clone());
    let mut opts = options(&head.headers);
    opts.principal = crate::keys::principal(&head.extensions);
    release_request(head, bytes);
    let permit = s.admit()?;
    let id = format!("chatcmpl-{hex}");
    let created = now();
    if let Some(include_usage) = d.stream {
        let st = s.service.converse_stream(&d.component, d.request, opts).await?;
        let (cache, answered_by, quota) = (st.cache, st.answered_by.clone(), st.quota);
        let mut resp = stream::answer(st, &id, created, &d.model, include_usage, permit);
        answer_headers(&mut resp, cache, answered_by.unwrap_or(d.component));
        crate::keys::quota_headers(resp.headers_mut(), quota);
        return Ok(resp);
    }
    let done = s.service.converse(&d.component, d.request, opts).await?;
    drop(permit); // not held while the reply is encoded
    let model = done.chat.model.as_deref().filter(|m| !m.is_empty()).unwrap_or(&d.model);
    let mut resp =
        json_response(StatusCode::OK, &encode::completion(&id, created, model, &done.chat));
    answer_headers(&mut resp, done.cache, done.answered_by.unwrap_or(d.component));
    crate::keys::quota_headers(resp.headers_mut(), done.quota);
    crate::keys::cost_header(resp.headers_mut(), done.cost_usd);
    Ok(resp)
}

/// `x-parlance-cache` (`none` when the component has no cache) and `x-parlance-component`
/// (the component that answered: a fallback's name when it did).
fn answer_headers(
    resp: &mut Response,
    cache: Option<parlance_pipeline::CacheStatus>,
    component: String,
) {
    let h = resp.headers_mut();
    h.insert(CACHE_HEADER, HeaderValue::from_static(cache.map(|c| c.as_str()).unwrap_or("none")));
    if let Ok(v) = HeaderValue::from_str(&component) {
        h.insert(COMPONENT_HEADER, v);
    }
}

/// `Cache-Control` and `traceparent`, as on the Dapr doors; metrics label `openai`.
fn options(headers: &HeaderMap) -> CallOptions {
    let text = |k| headers.get(k).and_then(|v: &HeaderValue| v.to_str().ok());
    crate::sidecar::call_options(
        ApiVersion::OpenAi,
        text(header::CACHE_CONTROL.as_str()),
        text("traceparent"),
    )
}

/// Adds `x-request-id` (the client's, else a fresh one) to a response.
pub(crate) fn with_request_id(mut resp: Response, headers: &HeaderMap) -> Response {
    let id = client_request_id(headers).unwrap_or_else(|| header_value(&fresh_hex()));
    resp.headers_mut().insert(REQUEST_ID_HEADER, id);
    resp
}

/// The client's `x-request-id`, when it is a short printable value: a copy, not a slice of
/// the connection's read buffer (see [`release_request`]).
fn client_request_id(headers: &HeaderMap) -> Option<HeaderValue> {
    let v = headers.get(REQUEST_ID_HEADER)?;
    let ok = !v.is_empty() && v.len() <= 128 && v.as_bytes().iter().all(u8::is_ascii_graphic);
    if !ok {
        return None;
    }
    HeaderValue::from_bytes(v.as_bytes()).ok()
}

fn header_value(hex: &str) -> HeaderValue {
    HeaderValue::from_str(hex).unwrap_or(HeaderValue::from_static("unknown"))
}

/// 24 hex digits, unique within the process (a counter through a bijective mix, seeded at
/// random per process) and unpredictable across processes.
fn fresh_hex() -> String {
    static SEED: OnceLock<(u64, u64)> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (a, b) = *SEED.get_or_init(|| {
        let s = std::collections::hash_map::RandomState::new();
        (s.hash_one(1u64), s.hash_one(2u64))
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:08x}", mix(a.wrapping_add(n)), b as u32)
}

/// splitmix64's finaliser: a bijection on u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_hex() {
        let (a, b) = (fresh_hex(), fresh_hex());
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_clients_request_id_is_kept_when_printable() {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID_HEADER, HeaderValue::from_static("abc-123"));
        assert_eq!(client_request_id(&h).unwrap(), "abc-123");
        h.insert(REQUEST_ID_HEADER, HeaderValue::from_static("a b"));
        assert!(client_request_id(&h).is_none());
    }
}
