//! The Dapr HTTP API (spec §1, §5): the two converse routes, health, metadata, and daprd's
//! answer for everything else. [`router`] builds the whole app without a socket, so tests can
//! call it in-process.

pub mod auth;
pub mod decode;
pub mod encode;
pub mod error;
mod sidecar_routes;
pub mod sse;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use parlance_core::{ApiError, ApiVersion, ErrorCode};
use parlance_pipeline::CallOptions;

use crate::sidecar::Sidecar;
use error::HttpError;

/// Response header naming how the response cache answered (`hit`, `miss`, `bypass`).
pub const CACHE_HEADER: &str = "x-parlance-cache";

/// Response header naming the component that answered, set when a `fallbackComponent` did.
pub const COMPONENT_HEADER: &str = "x-parlance-component";

/// The whole HTTP app.
pub fn router(sidecar: Sidecar) -> Router {
    let routes = Router::new()
        .route("/v1.0-alpha1/conversation/{name}/converse", post(converse_alpha1))
        .route("/v1.0-alpha1/conversation/{name}/converse/", post(converse_alpha1))
        .route("/v1.0-alpha2/conversation/{name}/converse", post(converse_alpha2))
        .route("/v1.0-alpha2/conversation/{name}/converse/", post(converse_alpha2))
        .route("/v1.0/healthz", get(sidecar_routes::healthz))
        .route("/v1.0/healthz/outbound", get(sidecar_routes::healthz_outbound))
        .route("/v1.0/metadata", get(sidecar_routes::metadata))
        .route("/v1.0/metadata/{key}", put(sidecar_routes::put_metadata))
        .fallback(fallback)
        .method_not_allowed_fallback(fallback);
    // The token check is a layer only when a token is configured (it cannot change while
    // running), so requests without one skip the middleware's boxing and state clone.
    let routes = match (&sidecar.keys, &sidecar.api_token) {
        // API keys (the master token included) are checked by the keys gate.
        (Some(_), _) => routes
            .layer(axum::middleware::from_fn_with_state(sidecar.clone(), crate::keys::dapr_gate)),
        (None, Some(_)) => {
            routes.layer(axum::middleware::from_fn_with_state(sidecar.clone(), auth::require_token))
        }
        (None, None) => routes,
    };
    // The OpenAI door checks the token itself (a bearer key too) and answers in its own form.
    routes.merge(crate::openai::routes(&sidecar)).with_state(sidecar)
}

async fn converse_alpha1(
    State(s): State<Sidecar>,
    Path(name): Path<String>,
    req: Request,
) -> Result<Response, HttpError> {
    converse(s, ApiVersion::Alpha1, name, req).await
}

async fn converse_alpha2(
    State(s): State<Sidecar>,
    Path(name): Path<String>,
    req: Request,
) -> Result<Response, HttpError> {
    converse(s, ApiVersion::Alpha2, name, req).await
}

async fn converse(
    s: Sidecar,
    api: ApiVersion,
    name: String,
    request: Request,
) -> Result<Response, HttpError> {
    let (head, body) = request.into_parts();
    let bytes = read_body(body, s.max_body).await?;
    let alpha1 = api == ApiVersion::Alpha1; // else alpha2: the only two this door serves
    let mut req = if alpha1 { decode::alpha1(&bytes)? } else { decode::alpha2(&bytes)? };
    let context_id = req.context_id.clone().filter(|c| !c.is_empty());
    let parameters = if alpha1 { std::mem::take(&mut req.parameters) } else { Default::default() };
    let mut options = options(api, &head.headers);
    options.principal = crate::keys::principal(&head.extensions);
    let stream = api == ApiVersion::Alpha2 && sse::wants_stream(head.headers.get(header::ACCEPT));
    release_request(head, bytes);
    let permit = s.admit()?;
    if stream {
        let stream = s.service.converse_stream(&name, req, options).await?;
        let quota = stream.quota;
        let mut resp = sse::response(stream, permit);
        crate::keys::quota_headers(resp.headers_mut(), quota);
        return Ok(resp);
    }
    let done = s.service.converse(&name, req, options).await?;
    drop(permit); // not held while the reply is encoded
    let mut resp = if alpha1 {
        json_response(
            StatusCode::OK,
            &encode::alpha1(context_id.as_deref(), &done.chat, &parameters),
        )
    } else {
        json_response(StatusCode::OK, &encode::alpha2(context_id.as_deref(), &done.chat))
    };
    crate::keys::quota_headers(resp.headers_mut(), done.quota);
    crate::keys::cost_header(resp.headers_mut(), done.cost_usd);
    if let Some(c) = done.cache {
        resp.headers_mut().insert(CACHE_HEADER, HeaderValue::from_static(c.as_str()));
    }
    // Component names are DNS-1123 labels, so they are always valid header values.
    if let Some(v) = done.answered_by.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert(COMPONENT_HEADER, v);
    }
    Ok(resp)
}

/// Drops a request's head and body once they are decoded, before the provider is called.
/// hyper hands both out as slices of the connection's read buffer (8 KiB), and by then it
/// reads the connection into a fresh buffer of its own; the old one lives as long as any
/// slice of it, so dropped here a request waiting on its provider holds one buffer, not two.
pub(crate) fn release_request(head: http::request::Parts, body: bytes::Bytes) {
    drop((head, body));
}

/// Reads the body up to the limit; a larger or broken body is `ERR_BODY_READ`.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let detail = match std::error::Error::source(&e) {
            Some(src) if src.to_string().contains("length limit") => {
                format!("http: request body too large (limit {limit} bytes)")
            }
            _ => e.to_string(),
        };
        ApiError::new(ErrorCode::BodyRead, format!("failed to read request body: {detail}"))
    })
}

/// Per-request options from headers: `Cache-Control` and `traceparent`.
fn options(api: ApiVersion, headers: &HeaderMap) -> CallOptions {
    let text = |k| headers.get(k).and_then(|v: &HeaderValue| v.to_str().ok());
    crate::sidecar::call_options(api, text(header::CACHE_CONTROL.as_str()), text("traceparent"))
}

/// A JSON response with Dapr's content type.
pub(crate) fn json_response(status: StatusCode, json: &impl serde::Serialize) -> Response {
    let mut body = Vec::with_capacity(512);
    if serde_json::to_writer(&mut body, json).is_err() {
        body.clear();
    }
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// daprd sends unknown routes to service invocation, which without an app id answers this.
async fn fallback() -> HttpError {
    HttpError(ApiError::new(
        ErrorCode::DirectInvoke,
        "failed getting app id either from the URL path or the header dapr-app-id",
    ))
}
