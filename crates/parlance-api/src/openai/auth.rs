//! `DAPR_API_TOKEN` on `/v1` (contract §6): the token comes as `Authorization: Bearer <token>`
//! (what the OpenAI SDKs send as their API key) or as Dapr's `dapr-api-token`; it is compared
//! in constant time and stripped before handling. Missing or wrong: 401 in OpenAI's form.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::OpenAiError;
use crate::http::auth::{TOKEN_HEADER, token_matches};
use crate::sidecar::Sidecar;

/// Middleware: checks the token when one is configured.
pub async fn require_token(
    State(s): State<Sidecar>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let Some(expected) = s.api_token.as_deref() else {
        return next.run(req).await;
    };
    if !given_matches(&req, expected.as_bytes()) {
        return super::with_request_id(
            OpenAiError::unauthenticated().into_response(),
            req.headers(),
        );
    }
    req.headers_mut().remove(TOKEN_HEADER);
    req.headers_mut().remove(header::AUTHORIZATION);
    next.run(req).await
}

/// Either header carries the right token.
fn given_matches(req: &Request<Body>, expected: &[u8]) -> bool {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .is_some_and(|t| token_matches(t, expected));
    let dapr =
        req.headers().get(TOKEN_HEADER).is_some_and(|v| token_matches(v.as_bytes(), expected));
    bearer | dapr
}
