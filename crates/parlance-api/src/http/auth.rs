//! `DAPR_API_TOKEN` on HTTP (spec §5.4): every route but the two health checks needs the
//! `dapr-api-token` header; a missing or wrong token is 401 `invalid api token` (text/plain).
//! The comparison takes the same time whatever the token's content.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::sidecar::Sidecar;

/// The header clients send the token in.
pub const TOKEN_HEADER: &str = "dapr-api-token";

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

/// Constant-time equality (lengths are compared first, which reveals only the length).
pub fn token_matches(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len() && bool::from(given.ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(token_matches(b"abc", b"abc"));
        assert!(!token_matches(b"abd", b"abc"));
        assert!(!token_matches(b"", b"abc"));
    }
}
