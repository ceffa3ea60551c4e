//! `DAPR_API_TOKEN` on HTTP (spec §5.4): every route but the two health checks needs the
//! `dapr-api-token` header; a missing or wrong token is 401 `invalid api token` (text/plain).
//! The comparison takes the same time whatever the token's content.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub use crate::door::auth::{TOKEN_HEADER, token_matches};
use crate::sidecar::Sidecar;

/// Middleware: checks the token when one is configured, and strips it before handling.
pub async fn require_token(
    State(s): State<Sidecar>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let Some(expected) = s.api_token.as_deref() else {
        return next.run(req).await;
    };
    if is_exempt(&req) {
        return next.run(req).await;
    }
    let given = req.headers().get(TOKEN_HEADER).map(|v| v.as_bytes()).unwrap_or(b"");
    if !token_matches(given, expected.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, "invalid api token").into_response();
    }
    req.headers_mut().remove(TOKEN_HEADER);
    next.run(req).await
}

fn is_exempt(req: &Request<Body>) -> bool {
    req.method() == Method::GET
        && matches!(req.uri().path(), "/v1.0/healthz" | "/v1.0/healthz/outbound")
}
