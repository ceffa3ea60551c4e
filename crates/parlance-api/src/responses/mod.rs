//! The OpenAI Responses door (`POST /v1/responses`, `GET` and `DELETE /v1/responses/{id}`,
//! the choices in `agent-doors.md`): what Codex and the OpenAI SDKs' `responses` API speak,
//! as a thin adapter over the same [`parlance_pipeline::ConversationService`] as every other
//! door — decode the body ([`decode`]), continue a stored conversation when
//! `previous_response_id` names one ([`store`]; an unknown id is a 400, never ignored), route
//! `model` ([`crate::door::model`]: a component, `<component>/<model>`, or a component's
//! `modelAliases`), call `converse` or `converse_stream`, encode the Response object
//! ([`encode`]) or its event stream ([`stream`]), and store the answer unless `store: false`.
//! Errors in OpenAI's shape ([`error`]). The caller's key comes as `Authorization: Bearer`
//! (or `x-api-key`, `dapr-api-token`: [`crate::door::auth`]); every reply has an
//! `x-request-id`. Metrics count its requests under `api="responses"`; the reply's `model` is
//! the name the client sent.

pub mod decode;
pub mod encode;
pub mod error;
pub mod shared;
pub mod store;
pub mod stream;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use bytes::Bytes;
use parlance_core::ApiVersion;
use parlance_pipeline::Principal;

use crate::door::{self, SCRUB_NAME, body, request_id};
use crate::sidecar::Sidecar;
use encode::{Head, Reply, Status, response};
use error::ResponsesError;
use store::{Backend, Limits, Pending};

/// Response header with the request's id (the client's own, when it sent one).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// [`REQUEST_ID_HEADER`] as a header name, made at compile time.
const REQUEST_ID_NAME: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);

/// The door's routes over the sidecar's store ([`Sidecar::responses`]), to merge into the
/// HTTP app; with API keys or a token, they check the caller themselves and answer 401 in
/// OpenAI's shape.
pub fn routes(sidecar: &Sidecar) -> Router<Sidecar> {
    with_store(sidecar, sidecar.responses.clone())
}

/// [`routes`] over a fresh in-memory store of these limits.
pub fn routes_with(sidecar: &Sidecar, limits: Limits) -> Router<Sidecar> {
    with_store(sidecar, Backend::memory(limits))
}

fn with_store(sidecar: &Sidecar, backend: Backend) -> Router<Sidecar> {
    let routes = Router::new()
        .route("/v1/responses", post(create))
        .route("/v1/responses/{id}", axum::routing::get(retrieve).delete(delete))
        .layer(Extension(backend));
    match door::auth::checks(sidecar) {
        true => routes.layer(axum::middleware::from_fn_with_state(sidecar.clone(), gate)),
        false => routes,
    }
}

/// Middleware: a key or the master token, else OpenAI's 401.
async fn gate(State(s): State<Sidecar>, mut req: Request<Body>, next: Next) -> Response {
    if door::auth::admit(&s, &mut req).is_err() {
        let resp = ResponsesError::unauthenticated().into_response();
        return request_id::stamp(resp, req.headers(), REQUEST_ID_HEADER);
    }
    next.run(req).await
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The key a stored response belongs to.
fn owner(key: Option<&Principal>) -> Option<String> {
    key.map(|p| p.name().to_string())
}

async fn create(
    State(s): State<Sidecar>,
    Extension(store): Extension<Backend>,
    req: Request,
) -> Response {
    let (head, body) = req.into_parts();
    let hex = request_id::fresh_hex();
    let id = request_id::from_client(&head.headers, REQUEST_ID_NAME)
        .unwrap_or_else(|| request_id::header_value(&request_id::prefixed("req_", &hex)));
    let mut component = None;
    let answer = answer(&s, store, head, body, hex, &mut component).await;
    door::reply(answer, component.as_deref(), (REQUEST_ID_NAME, id))
}

/// decode → stored history → route → service → encode (and store); `component` is set as
/// soon as the body names one.
async fn answer(
    s: &Sidecar,
    store: Backend,
    head: Parts,
    body: Body,
    hex: String,
    component: &mut Option<String>,
) -> Result<Response, ResponsesError> {
    let bytes = body::read(body, s.max_body).await?;
    let scrub = head.headers.get(SCRUB_NAME).and_then(|v| v.to_str().ok());
    let scrub = door::scrub_flags(scrub).map_err(|e| ResponsesError::invalid(e, None))?;
    let mut d = decode::request(&bytes, scrub)?;
    for field in std::mem::take(&mut d.dropped) {
        s.service.telemetry().dropped(ApiVersion::Responses, field);
    }
    let principal = crate::keys::principal(&head.extensions);
    let owner = owner(principal.as_ref());
    let history = match &d.previous {
        None => Vec::new(),
        Some(id) => match store.get(id, owner.as_deref()).await {
            Ok(Some(stored)) => stored.conversation.clone(),
            Ok(None) => return Err(ResponsesError::previous_not_found(id)),
            Err(_) => {
                s.service.telemetry().responses_store_error("get");
                return Err(ResponsesError::store_unavailable());
            }
        },
    };
    let route = match door::model::resolve(&s.service, &d.model) {
        Ok(Some(route)) => route,
        Ok(None) => return Err(ResponsesError::model_not_found(&d.model)),
        Err(_) => {
            let m = "invalid model: expected \"<component>\" or \"<component>/<model>\"";
            return Err(ResponsesError::invalid(m, Some("model")));
        }
    };
    *component = Some(route.component.clone());
    let keeps =
        s.service.live().component(&route.component).is_some_and(|c| c.keeps_responses_items);
    let earlier =
        history.iter().filter(|m| matches!(m, parlance_core::request::Message::Opaque(_)));
    if (d.reasoning_items > 0 || earlier.count() > 0) && !keeps {
        s.service.telemetry().dropped(ApiVersion::Responses, "input.reasoning");
    }
    let takes = s.service.live().component(&route.component).map(|c| c.takes_reasoning);
    if let Some(field) = reasoning_dropped(d.reasoning, takes.unwrap_or_default()) {
        s.service.telemetry().dropped(ApiVersion::Responses, field);
    }
    let mut opts = door::call_options(ApiVersion::Responses, &head.headers);
    opts.principal = principal;
    body::release(head, bytes);
    let h = Head {
        id: request_id::prefixed("resp_", &hex),
        hex,
        created_at: now(),
        model: std::mem::take(&mut d.model),
        echo: std::mem::take(&mut d.echo),
        previous: d.previous.take(),
        store: d.store,
    };
    let (stream, keep) = (d.stream, d.store);
    let (mut request, input) = match keep {
        true => d.into_request(&history),
        false => (d.into_unkept_request(&history), Vec::new()),
    };
    if let Some(m) = route.chosen {
        request.metadata.insert(door::model::MODEL_KEY.to_string(), m);
    }
    let pending = keep.then(|| {
        let mut history = history;
        history.extend(input);
        Pending { store, owner, history, telemetry: s.service.telemetry().clone() }
    });
    let permit = s.admit()?;
    let name = route.component;
    if stream {
        let st = s.service.converse_stream(&name, request, opts).await?;
        let (cache, answered_by, quota) = (st.cache, st.answered_by.clone(), st.quota);
        let mut encoder = stream::Encoder::new(h, pending);
        let first = encoder.opening();
        let mut resp = door::sse::response(encoder, first, st.events, permit);
        door::cache_header(resp.headers_mut(), cache);
        door::component_header(resp.headers_mut(), &answered_by.unwrap_or(name));
        crate::keys::quota_headers(resp.headers_mut(), quota);
        return Ok(resp);
    }
    let done = s.service.converse(&name, request, opts).await?;
    drop(permit); // not held while the reply is encoded
    let reply = Reply::of(&h, &done.chat);
    let json = Bytes::from(response(&h, &reply, Status::Done, None).to_json());
    if let Some(write) = pending.and_then(|p| p.save(&h.id, json.clone(), reply.as_messages())) {
        write.await;
    }
    let mut resp = json_response(json);
    door::cache_header(resp.headers_mut(), done.cache);
    door::component_header(resp.headers_mut(), &done.answered_by.unwrap_or(name));
    crate::keys::quota_headers(resp.headers_mut(), done.quota);
    crate::keys::cost_header(resp.headers_mut(), done.cost_usd);
    Ok(resp)
}

/// The part of the `reasoning` parameter (`given`: `[effort, summary]`) a component that
/// `takes` these parts leaves out, as a dropped-field label: `reasoning` when nothing of it
/// goes upstream.
fn reasoning_dropped(given: [bool; 2], takes: [bool; 2]) -> Option<&'static str> {
    let lost = [given[0] && !takes[0], given[1] && !takes[1]];
    let kept = (given[0] && takes[0]) || (given[1] && takes[1]);
    match lost {
        [false, false] => None,
        _ if !kept => Some("reasoning"),
        [true, _] => Some("reasoning.effort"),
        [false, true] => Some("reasoning.summary"),
    }
}

fn json_response(json: Bytes) -> Response {
    let mut resp = (StatusCode::OK, json).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// `GET /v1/responses/{id}`: a stored response of the caller's, else 404.
async fn retrieve(
    State(s): State<Sidecar>,
    Extension(store): Extension<Backend>,
    Path(id): Path<String>,
    key: Option<Extension<Principal>>,
    headers: HeaderMap,
) -> Response {
    let owner = owner(key.as_ref().map(|k| &k.0));
    let resp = match store.get(&id, owner.as_deref()).await {
        Ok(Some(stored)) => json_response(stored.body.clone()),
        Ok(None) => ResponsesError::response_not_found(&id).into_response(),
        Err(_) => {
            s.service.telemetry().responses_store_error("get");
            ResponsesError::store_unavailable().into_response()
        }
    };
    request_id::stamp(resp, &headers, REQUEST_ID_HEADER)
}

/// `DELETE /v1/responses/{id}`: deletes a stored response of the caller's, else 404.
async fn delete(
    State(s): State<Sidecar>,
    Extension(store): Extension<Backend>,
    Path(id): Path<String>,
    key: Option<Extension<Principal>>,
    headers: HeaderMap,
) -> Response {
    let owner = owner(key.as_ref().map(|k| &k.0));
    let resp = match store.delete(&id, owner.as_deref()).await {
        Ok(true) => {
            let v = serde_json::json!({"id": id, "object": "response", "deleted": true});
            body::json(StatusCode::OK, &v)
        }
        Ok(false) => ResponsesError::response_not_found(&id).into_response(),
        Err(_) => {
            s.service.telemetry().responses_store_error("delete");
            ResponsesError::store_unavailable().into_response()
        }
    };
    request_id::stamp(resp, &headers, REQUEST_ID_HEADER)
}

#[cfg(test)]
mod tests {
    use super::reasoning_dropped;

    #[test]
    fn the_part_of_reasoning_left_out_is_named() {
        assert_eq!(reasoning_dropped([false, false], [false, false]), None);
        assert_eq!(reasoning_dropped([true, true], [true, true]), None);
        assert_eq!(reasoning_dropped([true, true], [false, false]), Some("reasoning"));
        assert_eq!(reasoning_dropped([true, false], [false, true]), Some("reasoning"));
        assert_eq!(reasoning_dropped([true, true], [true, false]), Some("reasoning.summary"));
        assert_eq!(reasoning_dropped([true, true], [false, true]), Some("reasoning.effort"));
        assert_eq!(reasoning_dropped([true, false], [true, false]), None);
    }
}
