//! The Dapr HTTP API (spec §1, §5): the two converse routes, health, metadata, and daprd's
//! answer for everything else ([`routes`]; [`crate::router`] merges them with the `/v1`
//! doors into the whole app).

pub mod auth;
pub mod decode;
pub mod encode;
pub mod error;
mod sidecar_routes;
pub mod sse;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post, put};
use parlance_core::{ApiError, ApiVersion, ErrorCode};

use crate::door::{CACHE_HEADER, body};
use crate::sidecar::Sidecar;
use error::HttpError;

/// The Dapr routes, with daprd's answer for every other path (the `/v1` doors are merged
/// beside them by [`crate::router`]).
pub fn routes(sidecar: &Sidecar) -> Router<Sidecar> {
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
    // The token check is a layer only when a token or keys are configured (a reload that
    // changes that rebuilds the app), so requests without one skip the middleware's boxing
    // and state clone.
    match (sidecar.gates || sidecar.keys().is_some(), &sidecar.api_token) {
        // API keys (the master token included) are checked by the keys gate.
        (true, _) => routes
            .layer(axum::middleware::from_fn_with_state(sidecar.clone(), crate::keys::dapr_gate)),
        (false, Some(_)) => {
            routes.layer(axum::middleware::from_fn_with_state(sidecar.clone(), auth::require_token))
        }
        (false, None) => routes,
    }
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
    let bytes = body::read(body, s.max_body).await?;
    let alpha1 = api == ApiVersion::Alpha1; // else alpha2: the only two this door serves
    let mut req = if alpha1 { decode::alpha1(&bytes)? } else { decode::alpha2(&bytes)? };
    let context_id = req.context_id.clone().filter(|c| !c.is_empty());
    let parameters = if alpha1 { std::mem::take(&mut req.parameters) } else { Default::default() };
    let mut options = crate::door::call_options(api, &head.headers);
    options.principal = crate::keys::principal(&head.extensions);
    let stream = api == ApiVersion::Alpha2 && sse::wants_stream(head.headers.get(header::ACCEPT));
    body::release(head, bytes);
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
        body::json(StatusCode::OK, &encode::alpha1(context_id.as_deref(), &done.chat, &parameters))
    } else {
        body::json(StatusCode::OK, &encode::alpha2(context_id.as_deref(), &done.chat))
    };
    crate::keys::quota_headers(resp.headers_mut(), done.quota);
    crate::keys::cost_header(resp.headers_mut(), done.cost_usd);
    if let Some(c) = done.cache {
        resp.headers_mut().insert(CACHE_HEADER, HeaderValue::from_static(c.as_str()));
    }
    if let Some(n) = done.answered_by {
        crate::door::component_header(resp.headers_mut(), &n);
    }
    Ok(resp)
}

/// daprd sends unknown routes to service invocation, which without an app id answers this.
async fn fallback() -> HttpError {
    HttpError(ApiError::new(
        ErrorCode::DirectInvoke,
        "failed getting app id either from the URL path or the header dapr-app-id",
    ))
}
