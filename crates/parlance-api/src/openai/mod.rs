//! The OpenAI-compatible door (`/v1`, the contract in `openai-door.md`): a third thin adapter
//! over the same [`parlance_pipeline::ConversationService`] as the Dapr doors — decode the
//! Chat Completions body into the alpha2 [`parlance_core::ConverseRequest`] ([`decode`]), call
//! `converse` or `converse_stream`, encode OpenAI's JSON ([`encode`]) or chunks ([`stream`]);
//! errors in OpenAI's form with statuses that mean what they say ([`error`]); the model list
//! ([`models`]); what it shares with the other doors (body, key, request id, SSE, `model`)
//! comes from [`crate::door`]. The same question through any door is one cache entry, and
//! metrics count it under `api="openai"`.

pub mod decode;
pub mod encode;
pub mod error;
pub mod models;
pub mod stream;
pub mod usage;

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use parlance_core::ApiVersion;

use crate::door::{self, SCRUB_NAME, body, request_id};
use crate::sidecar::Sidecar;
use error::OpenAiError;

/// Response header with the request's id (the client's own, when it sent one).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// [`REQUEST_ID_HEADER`] as a header name, made at compile time.
const REQUEST_ID_NAME: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);

/// The `/v1` routes, to merge into the HTTP app; with API keys or a token, they check the
/// caller themselves ([`door::auth`]) and answer 401 in OpenAI's form.
pub fn routes(sidecar: &Sidecar) -> Router<Sidecar> {
    started(); // the models' `created`: fixed when the app is built
    let routes = Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(list_models))
        .route("/v1/models/{*id}", get(get_model))
        .route("/v1/usage", get(usage::usage));
    match door::auth::checks(sidecar) {
        true => routes.layer(axum::middleware::from_fn_with_state(sidecar.clone(), gate)),
        false => routes,
    }
}

/// Middleware: a key or the master token, else OpenAI's 401.
async fn gate(State(s): State<Sidecar>, mut req: Request<Body>, next: Next) -> Response {
    if door::auth::admit(&s, &mut req).is_err() {
        let resp = OpenAiError::unauthenticated().into_response();
        return with_request_id(resp, req.headers());
    }
    next.run(req).await
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
    let hex = request_id::fresh_hex();
    let id = request_id::from_client(&head.headers, REQUEST_ID_NAME)
        .unwrap_or_else(|| request_id::header_value(&hex));
    let mut component = None;
    let answer = complete(&s, head, body, &hex, &mut component).await;
    door::reply(answer, component.as_deref(), (REQUEST_ID_NAME, id))
}

/// decode → service → encode; `component` is set as soon as the body names one.
async fn complete(
    s: &Sidecar,
    head: Parts,
    body: Body,
    hex: &str,
    component: &mut Option<String>,
) -> Result<Response, OpenAiError> {
    let bytes = body::read(body, s.max_body).await?;
    let scrub = head.headers.get(SCRUB_NAME).and_then(|v| v.to_str().ok());
    let mut d = decode::request(&bytes, scrub)?;
    route(s, &mut d);
    *component = Some(d.component.clone());
    let mut opts = door::call_options(ApiVersion::OpenAi, &head.headers);
    opts.principal = crate::keys::principal(&head.extensions);
    body::release(head, bytes);
    let permit = s.admit()?;
    let id = request_id::prefixed("chatcmpl-", hex);
    let created = now();
    if let Some(include_usage) = d.stream {
        let st = s.service.converse_stream(&d.component, d.request, opts).await?;
        let (cache, answered_by, quota) = (st.cache, st.answered_by.clone(), st.quota);
        let mut resp = stream::answer(st, &id, created, &d.model, include_usage, permit);
        answer_headers(&mut resp, cache, &answered_by.unwrap_or(d.component));
        crate::keys::quota_headers(resp.headers_mut(), quota);
        return Ok(resp);
    }
    let done = s.service.converse(&d.component, d.request, opts).await?;
    drop(permit); // not held while the reply is encoded
    let model = done.chat.model.as_deref().filter(|m| !m.is_empty()).unwrap_or(&d.model);
    let mut resp = body::json(StatusCode::OK, &encode::completion(&id, created, model, &done.chat));
    answer_headers(&mut resp, done.cache, &done.answered_by.unwrap_or(d.component));
    crate::keys::quota_headers(resp.headers_mut(), done.quota);
    crate::keys::cost_header(resp.headers_mut(), done.cost_usd);
    Ok(resp)
}

/// A `model` that names no component but matches a component's `modelAliases` goes there.
fn route(s: &Sidecar, d: &mut decode::Decoded) {
    let Ok(Some(r)) = door::model::resolve(&s.service, &d.model) else { return };
    d.component = r.component;
    match r.chosen {
        Some(m) => d.request.metadata.insert(door::model::MODEL_KEY.to_string(), m),
        None => d.request.metadata.remove(door::model::MODEL_KEY),
    };
}

/// `x-parlance-cache` (`none` when the component has no cache) and `x-parlance-component`
/// (the component that answered: a fallback's name when it did).
fn answer_headers(
    resp: &mut Response,
    cache: Option<parlance_pipeline::CacheStatus>,
    component: &str,
) {
    door::cache_header(resp.headers_mut(), cache);
    door::component_header(resp.headers_mut(), component);
}

/// Adds `x-request-id` (the client's, else a fresh one) to a response.
pub(crate) fn with_request_id(resp: Response, headers: &HeaderMap) -> Response {
    request_id::stamp(resp, headers, REQUEST_ID_HEADER)
}
