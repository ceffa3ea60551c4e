//! API keys at the doors: the one seam between the doors and [`parlance_pipeline::keys`].
//!
//! A door finds the key string where its clients put it — `Authorization: Bearer`,
//! `x-api-key`, `dapr-api-token`, gRPC metadata `authorization` / `dapr-api-token` — and
//! [`authenticate`] says who is calling: the operator's master token (`DAPR_API_TOKEN`, no
//! limits), a key (its [`Principal`] travels in the request's extensions to the service), or
//! nobody (the door's own 401, the same whatever part was wrong). This module also writes
//! what every door adds for keys: `retry-after` / `x-should-retry` on refusals and the
//! `x-ratelimit-*` headers on allowed replies.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parlance_core::{ApiError, ErrorCode};
use parlance_pipeline::cost::usd_text;
use parlance_pipeline::keys::write_duration;
use parlance_pipeline::{Component, KeyRing, Principal, Quota};
use tonic::metadata::{MetadataMap, MetadataValue};

use crate::door::auth::{TOKEN_HEADER, token_matches};
use crate::sidecar::Sidecar;

/// The header Anthropic-style clients send their key in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The caller was not recognised (the door answers its own 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unauthenticated;

/// Who is calling: `Ok(None)` for the master token, `Ok(Some(key))` for a key.
pub fn authenticate(
    master: Option<&str>,
    ring: &KeyRing,
    presented: &[&[u8]],
) -> Result<Option<Principal>, Unauthenticated> {
    if let Some(token) = master {
        // Every candidate is compared (no early exit on which header matched).
        let hits = presented.iter().filter(|p| token_matches(p, token.as_bytes())).count();
        if hits > 0 {
            return Ok(None);
        }
    }
    ring.authenticate(presented.iter().copied()).map(Some).ok_or(Unauthenticated)
}

/// The key strings an HTTP request presents.
pub fn presented(headers: &HeaderMap) -> Vec<&[u8]> {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
    let others = [API_KEY_HEADER, TOKEN_HEADER].into_iter().filter_map(|h| headers.get(h));
    bearer.into_iter().chain(others.map(HeaderValue::as_bytes)).collect()
}

/// Authenticates an HTTP request; on success the key's [`Principal`] is in its extensions
/// and the credentials are stripped.
pub(crate) fn admit_http(
    s: &Sidecar,
    ring: &KeyRing,
    req: &mut Request<Body>,
) -> Result<(), Unauthenticated> {
    let caller = authenticate(s.api_token.as_deref(), ring, &presented(req.headers()))?;
    crate::door::auth::strip(req.headers_mut());
    if let Some(p) = caller {
        req.extensions_mut().insert(p);
    }
    Ok(())
}

/// Middleware for the Dapr HTTP door: every route but the two health checks needs a key or
/// the master token; otherwise exactly what an invalid `dapr-api-token` gets (401
/// `invalid api token`, text/plain). When a reload has just removed every key (the app is
/// rebuilt right after), only the master token is checked, as without keys.
pub async fn dapr_gate(State(s): State<Sidecar>, mut req: Request<Body>, next: Next) -> Response {
    let health = req.method() == Method::GET
        && matches!(req.uri().path(), "/v1.0/healthz" | "/v1.0/healthz/outbound");
    let Some(ring) = s.keys() else {
        return crate::http::auth::require_token(State(s), req, next).await;
    };
    if !health && admit_http(&s, &ring, &mut req).is_err() {
        return (StatusCode::UNAUTHORIZED, "invalid api token").into_response();
    }
    next.run(req).await
}

/// The key a request was authenticated with, if any.
pub fn principal(extensions: &http::Extensions) -> Option<Principal> {
    extensions.get::<Principal>().cloned()
}

/// Whether `p` may use component `c` (with `chosen` model, else its configured one): what
/// `/v1/models` lists for a key.
pub fn may_use(p: &Principal, c: &Component, chosen: Option<&str>) -> bool {
    let model = chosen.unwrap_or(&c.model);
    p.allows_component(&c.name) && (model.is_empty() || p.allows_model(model))
}

/// The `x-ratelimit-*` names: limit, remaining, reset; for requests, then for tokens.
const QUOTA_NAMES: [[HeaderName; 3]; 2] = [
    [
        HeaderName::from_static("x-ratelimit-limit-requests"),
        HeaderName::from_static("x-ratelimit-remaining-requests"),
        HeaderName::from_static("x-ratelimit-reset-requests"),
    ],
    [
        HeaderName::from_static("x-ratelimit-limit-tokens"),
        HeaderName::from_static("x-ratelimit-remaining-tokens"),
        HeaderName::from_static("x-ratelimit-reset-tokens"),
    ],
];

/// `x-ratelimit-*` on an allowed reply: the values are written into one buffer that every
/// header shares (one allocation for all six), the names are constants.
pub fn quota_headers(headers: &mut HeaderMap, quota: Option<Quota>) {
    use std::fmt::Write;
    let Some(q) = quota else { return };
    let windows = [q.requests, q.tokens];
    let mut text = String::with_capacity(64);
    let mut ends = [[0usize; 3]; 2];
    for (w, ends) in windows.iter().zip(&mut ends) {
        let Some(w) = w else { continue };
        // Writing to a `String` cannot fail.
        let _ = write!(text, "{}", w.limit);
        ends[0] = text.len();
        let _ = write!(text, "{}", w.remaining);
        ends[1] = text.len();
        write_duration(&mut text, w.reset_ms);
        ends[2] = text.len();
    }
    let shared = bytes::Bytes::from(text);
    headers.reserve(6);
    let mut start = 0;
    for ((names, ends), w) in QUOTA_NAMES.iter().zip(ends).zip(windows) {
        if w.is_none() {
            continue;
        }
        for (name, end) in names.iter().zip(ends) {
            if let Ok(v) = HeaderValue::from_maybe_shared(shared.slice(start..end)) {
                headers.insert(name.clone(), v);
            }
            start = end;
        }
    }
}

/// The header (and gRPC metadata key) that carries a plain reply's cost.
pub const COST_HEADER: &str = "x-parlance-cost-usd";

/// `x-parlance-cost-usd` on a plain reply whose model has a price.
pub fn cost_header(headers: &mut HeaderMap, cost_usd: Option<f64>) {
    // From the owned string: no copy on the hot path.
    if let Some(v) = cost_usd.and_then(|c| HeaderValue::try_from(usd_text(c)).ok()) {
        headers.insert(COST_HEADER, v);
    }
}

/// The same as gRPC response metadata.
pub fn cost_metadata(md: &mut MetadataMap, cost_usd: Option<f64>) {
    if let Some(v) = cost_usd.and_then(|c| MetadataValue::try_from(usd_text(c).as_str()).ok()) {
        md.insert(COST_HEADER, v);
    }
}

/// `x-ratelimit-*` as gRPC response metadata.
pub fn quota_metadata(md: &mut MetadataMap, quota: Option<Quota>) {
    for (name, value) in quota.map(|q| q.headers()).unwrap_or_default() {
        if let Ok(v) = MetadataValue::try_from(value.as_str()) {
            md.insert(name, v);
        }
    }
}

/// `retry-after` (whole seconds) on a refusal for a limit, and `x-should-retry: false` for
/// a spent budget.
pub fn refusal_headers(e: &ApiError, headers: &mut HeaderMap) {
    if let Some(after) = e.retry_after {
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if e.code == ErrorCode::BudgetExceeded {
        headers.insert("x-should-retry", HeaderValue::from_static("false"));
    }
}

/// The same as gRPC trailers-only metadata.
pub fn refusal_metadata(e: &ApiError, md: &mut MetadataMap) {
    if let Some(after) = e.retry_after {
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        md.insert("retry-after", MetadataValue::from(secs));
    }
    if e.code == ErrorCode::BudgetExceeded {
        md.insert("x-should-retry", MetadataValue::from_static("false"));
    }
}

/// The gRPC door's check: the master token check alone without keys; with keys, a key
/// (`authorization: Bearer …`, `dapr-api-token`, `x-api-key`) or the master token, else
/// `UNAUTHENTICATED` with daprd's message.
#[derive(Clone)]
pub struct GrpcGate {
    token: crate::grpc::auth::TokenCheck,
    master: Option<Arc<str>>,
    service: Arc<parlance_pipeline::ConversationService>,
}

impl GrpcGate {
    /// The gate of `s` (the keys are read at each call: a reload may change them).
    pub fn new(s: &Sidecar) -> GrpcGate {
        let token = crate::grpc::auth::TokenCheck::new(s.api_token.clone());
        GrpcGate { token, master: s.api_token.clone(), service: s.service.clone() }
    }
}

impl tonic::service::Interceptor for GrpcGate {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let Some(ring) = self.service.keys() else { return self.token.call(req) };
        let md = req.metadata();
        let bearer = md.get("authorization").and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        let others = [TOKEN_HEADER, API_KEY_HEADER].into_iter().filter_map(|h| md.get(h));
        let given: Vec<&[u8]> = bearer.into_iter().chain(others.map(|v| v.as_bytes())).collect();
        let message = match given.is_empty() {
            true => "missing api token in request metadata",
            false => "authentication error: api token mismatch",
        };
        let caller = authenticate(self.master.as_deref(), &ring, &given)
            .map_err(|_| tonic::Status::unauthenticated(message))?;
        for h in ["authorization", TOKEN_HEADER, API_KEY_HEADER] {
            req.metadata_mut().remove(h);
        }
        if let Some(p) = caller {
            req.extensions_mut().insert(p);
        }
        Ok(req)
    }
}
