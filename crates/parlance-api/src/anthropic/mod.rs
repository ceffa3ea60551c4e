//! The Anthropic Messages door (`POST /v1/messages`, `POST /v1/messages/count_tokens`, the
//! choices in `agent-doors.md`): what Claude Code and the Anthropic SDKs speak, as a thin
//! adapter over the same [`parlance_pipeline::ConversationService`] as every other door —
//! decode the Messages body ([`decode`]), route `model` ([`crate::door::model`]: a component,
//! `<component>/<model>`, or a component's `modelAliases`), call `converse` or
//! `converse_stream`, encode Anthropic's reply ([`encode`]) or event stream ([`stream`]);
//! errors in Anthropic's shape and status table ([`error`]); token counts estimated with a
//! real tokenizer ([`count`]) unless the component's upstream counts them itself (an
//! Anthropic component: `count_tokens` passed on). A query string (Claude Code's
//! `?beta=true`) and `anthropic-version` are ignored. The door is faithful as far as the
//! component's provider declares (`Provider::takes_anthropic`): towards an Anthropic
//! component thinking blocks with their signatures, `cache_control`, the `thinking` option
//! and the `anthropic-beta` header travel on unchanged, towards Claude on Bedrock the same
//! with the betas Bedrock knows, and the thinking the upstream returns comes back as it
//! came; what a provider does not take is left out here and counted in
//! `parlance_dropped_fields_total`. The caller's key comes as `x-api-key` or
//! `Authorization: Bearer` ([`crate::door::auth`]); every reply has a `request-id`. Metrics
//! count its requests under `api="anthropic"`; the reply's `model` is the name the client
//! sent.

pub mod count;
pub mod decode;
pub mod encode;
pub mod error;
pub mod stream;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use parlance_core::ApiVersion;
use parlance_core::anthropic::{AnthropicPart, Reach};
use parlance_core::request::Message;
use serde::Serialize;

use crate::door::{self, SCRUB_NAME, body, request_id};
use crate::sidecar::Sidecar;
use error::AnthropicError;

/// Response header with the request's id (`req_…`).
pub const REQUEST_ID_HEADER: &str = "request-id";

/// [`REQUEST_ID_HEADER`] as a header name, made at compile time.
const REQUEST_ID_NAME: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);

/// The door's routes, to merge into the HTTP app; with API keys or a token, they check the
/// caller themselves and answer 401 in Anthropic's shape.
pub fn routes(sidecar: &Sidecar) -> Router<Sidecar> {
    let routes = Router::new()
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens));
    match door::auth::checks(sidecar) {
        true => routes.layer(axum::middleware::from_fn_with_state(sidecar.clone(), gate)),
        false => routes,
    }
}

/// Middleware: a key or the master token, else Anthropic's 401.
async fn gate(State(s): State<Sidecar>, mut req: Request<Body>, next: Next) -> Response {
    if door::auth::admit(&s, &mut req).is_err() {
        return with_request_id(AnthropicError::unauthenticated().into_response());
    }
    next.run(req).await
}

fn with_request_id(mut resp: Response) -> Response {
    let id = request_id::header_value(&format!("req_{}", request_id::fresh_hex()));
    resp.headers_mut().insert(REQUEST_ID_NAME, id);
    resp
}

async fn messages(State(s): State<Sidecar>, req: Request) -> Response {
    let (head, body) = req.into_parts();
    let hex = request_id::fresh_hex();
    let mut resp = match answer(&s, head, body, &hex).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    };
    let id = request_id::header_value(&request_id::prefixed("req_", &hex));
    resp.headers_mut().insert(REQUEST_ID_NAME, id);
    resp
}

/// Decodes a body and routes its `model`: the component and the request for the service.
async fn decoded(
    s: &Sidecar,
    head: &Parts,
    body: Body,
    count_only: bool,
) -> Result<(String, decode::Decoded), AnthropicError> {
    let bytes = body::read(body, s.max_body).await?;
    let scrub = head.headers.get(SCRUB_NAME).and_then(|v| v.to_str().ok());
    let scrub = door::scrub_flags(scrub).map_err(AnthropicError::invalid)?;
    let mut d = decode::request(&bytes, scrub, count_only)?;
    d.request.anthropic.betas = betas(&head.headers);
    let route = door::model::resolve(&s.service, &d.model).ok().flatten();
    let route = route.ok_or_else(AnthropicError::model_not_found)?;
    let chosen = route.chosen.as_deref();
    if let Some(m) = chosen {
        d.request.metadata.insert(door::model::MODEL_KEY.to_string(), m.to_string());
    }
    let mut dropped = std::mem::take(&mut d.dropped);
    let reach = s.service.live().component(&route.component).map(|c| c.takes_anthropic(chosen));
    dropped.extend(strip_native(&mut d, reach.unwrap_or_default()));
    // Counted for requests that go upstream (not for token counts).
    for field in dropped.into_iter().filter(|_| !count_only) {
        s.service.telemetry().dropped(ApiVersion::Anthropic, field);
    }
    Ok((route.component, d))
}

/// `anthropic-beta` values (the header may repeat; each is a comma list), in order.
fn betas(headers: &axum::http::HeaderMap) -> Vec<String> {
    let values = headers.get_all("anthropic-beta").into_iter().filter_map(|v| v.to_str().ok());
    let items = values.flat_map(|v| v.split(',')).map(str::trim).filter(|b| !b.is_empty());
    items.map(str::to_string).collect()
}

/// Leaves out what only Anthropic takes and the component's provider does not
/// (`Provider::takes_anthropic`: all of it for Anthropic, Claude's share for Bedrock, none for
/// any other — one question, one cache entry, whichever door asked it); the names of the
/// fields left out.
fn strip_native(d: &mut decode::Decoded, reach: Reach) -> Vec<&'static str> {
    let native = std::mem::take(&mut d.native);
    let mut out: Vec<&'static str> = native
        .into_iter()
        .filter(|f| match *f {
            "thinking" => !reach.thinking,
            "cache_control" => !reach.cache_control,
            _ => true,
        })
        .collect();
    let options = &mut d.request.anthropic;
    let before = options.betas.len();
    options.betas.retain(|b| reach.betas.takes(b));
    if options.betas.len() < before {
        out.push("anthropic-beta");
    }
    if !reach.thinking {
        options.thinking = None;
    }
    if !reach.cache_control {
        options.tool_cache_control.clear();
    }
    for input in &mut d.request.inputs {
        input.messages.retain(|m| match m {
            Message::Anthropic { part: AnthropicPart::Thinking(_), .. } => reach.thinking,
            Message::Anthropic { part: AnthropicPart::CacheControl(_), .. } => reach.cache_control,
            _ => true,
        });
    }
    out
}

/// decode → service → encode.
async fn answer(
    s: &Sidecar,
    head: Parts,
    body: Body,
    hex: &str,
) -> Result<Response, AnthropicError> {
    let (component, d) = decoded(s, &head, body, false).await?;
    let mut opts = door::call_options(ApiVersion::Anthropic, &head.headers);
    opts.principal = crate::keys::principal(&head.extensions);
    drop(head);
    let permit = s.admit()?;
    let id = request_id::prefixed("msg_", hex);
    if d.stream {
        let st = s.service.converse_stream(&component, d.request, opts).await?;
        let (cache, answered_by, quota) = (st.cache, st.answered_by.clone(), st.quota);
        let first = stream::opening(&id, &d.model);
        let mut resp = door::sse::response(stream::Encoder::new(), first, st.events, permit);
        door::cache_header(resp.headers_mut(), cache);
        door::component_header(resp.headers_mut(), &answered_by.unwrap_or(component));
        crate::keys::quota_headers(resp.headers_mut(), quota);
        return Ok(resp);
    }
    let done = s.service.converse(&component, d.request, opts).await?;
    drop(permit); // not held while the reply is encoded
    let json = encode::message(&id, &d.model, &done.chat).to_json();
    let mut resp = body::json_bytes(StatusCode::OK, json);
    door::cache_header(resp.headers_mut(), done.cache);
    door::component_header(resp.headers_mut(), &done.answered_by.unwrap_or(component));
    crate::keys::quota_headers(resp.headers_mut(), done.quota);
    crate::keys::cost_header(resp.headers_mut(), done.cost_usd);
    Ok(resp)
}

async fn count_tokens(State(s): State<Sidecar>, req: Request) -> Response {
    let (head, body) = req.into_parts();
    let resp = match counted(&s, &head, body).await {
        Ok(input_tokens) => {
            #[derive(Serialize)]
            struct Count {
                input_tokens: u64,
            }
            body::json(StatusCode::OK, &Count { input_tokens })
        }
        Err(e) => e.into_response(),
    };
    with_request_id(resp)
}

/// The upstream's count when the component has a count endpoint (Anthropic), else the
/// local estimate ([`count`]).
async fn counted(s: &Sidecar, head: &Parts, body: Body) -> Result<u64, AnthropicError> {
    let (component, d) = decoded(s, head, body, true).await?;
    let opts = door::call_options(ApiVersion::Anthropic, &head.headers);
    let estimate = count::input_tokens(&d.request);
    let principal = crate::keys::principal(&head.extensions);
    let service = &s.service;
    let upstream =
        service.count_tokens(&component, d.request, opts.ctx, principal.as_ref()).await?;
    Ok(upstream.unwrap_or(estimate))
}
