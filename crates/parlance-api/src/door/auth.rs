//! Who is calling, for the `/v1` doors: the key comes as `Authorization: Bearer <key>` (what
//! the OpenAI SDKs and `ANTHROPIC_AUTH_TOKEN` send), `x-api-key` (the Anthropic SDKs) or
//! Dapr's `dapr-api-token`. With API keys configured the keys seam ([`crate::keys`]) decides;
//! with only `DAPR_API_TOKEN` the token must match (constant time). Credentials are stripped
//! before handling; a refusal is the door's own 401.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq;

use crate::keys::{API_KEY_HEADER, Unauthenticated};
use crate::sidecar::Sidecar;

/// The header Dapr clients send the token in.
pub const TOKEN_HEADER: &str = "dapr-api-token";

/// Constant-time equality (lengths are compared first, which reveals only the length).
pub fn token_matches(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len() && bool::from(given.ct_eq(expected))
}

/// Whether a door with this sidecar checks callers at all (the app is rebuilt when a reload
/// changes the answer; [`Sidecar::gates`] asks for the checks ahead of the keys).
pub fn checks(s: &Sidecar) -> bool {
    s.gates || s.keys().is_some() || s.api_token.is_some()
}

/// Admits a request: on success the key's principal (if any) is in its extensions and the
/// credentials are stripped.
pub fn admit(s: &Sidecar, req: &mut Request<Body>) -> Result<(), Unauthenticated> {
    match (s.keys(), s.api_token.as_deref()) {
        (Some(ring), _) => crate::keys::admit_http(s, &ring, req),
        (None, Some(token)) => {
            let given = crate::keys::presented(req.headers());
            // Every candidate is compared (no early exit on which header matched).
            let hits = given.iter().filter(|g| token_matches(g, token.as_bytes())).count();
            if hits == 0 {
                return Err(Unauthenticated);
            }
            strip(req.headers_mut());
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// Removes every header a credential may come in.
pub fn strip(headers: &mut HeaderMap) {
    for h in [header::AUTHORIZATION.as_str(), API_KEY_HEADER, TOKEN_HEADER] {
        headers.remove(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn gates_ahead_of_the_keys_let_everything_through() {
        use tower::ServiceExt;
        let telemetry = std::sync::Arc::new(parlance_pipeline::telemetry::Telemetry::new());
        let mut s =
            Sidecar::new(parlance_pipeline::ConversationService::new(Vec::new(), telemetry));
        assert!(!checks(&s), "nothing configured, nothing checked");
        s.gates = true;
        assert!(checks(&s), "the gates are asked for ahead of the keys");
        let app = crate::router(s).with_state(());
        for path in ["/v1/models", "/v1.0/metadata"] {
            let req = Request::get(path).body(Body::empty()).unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), 200, "{path} passes the gate while no key is configured");
        }
    }

    #[test]
    fn tokens() {
        assert!(token_matches(b"abc", b"abc"));
        assert!(!token_matches(b"abd", b"abc"));
        assert!(!token_matches(b"", b"abc"));
    }
}
