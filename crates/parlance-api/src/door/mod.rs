//! What every HTTP door shares, in one place so no door imports another: reading a bounded
//! body ([`body`]), finding the caller's key ([`auth`]), request ids ([`request_id`]), the
//! failure classes every door's error table is written against ([`error`]), SSE framing
//! ([`sse`]), resolving `model` to a component ([`model`]), generation parameters in the
//! alpha2 form ([`params`]), the PII header ([`scrub_flags`]), and the headers and per-request
//! options every answer carries (here), and replies' JSON written by hand ([`json`]).

pub mod auth;
pub mod body;
pub mod error;
pub mod finish;
pub mod json;
pub mod model;
pub mod openai_error;
pub mod params;
pub mod request_id;
pub mod sse;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use parlance_core::ApiVersion;
use parlance_pipeline::{CacheStatus, CallOptions};

/// Response header naming how the response cache answered (`hit`, `miss`, `bypass`).
pub const CACHE_HEADER: &str = "x-parlance-cache";

/// Response header naming the component that answered.
pub const COMPONENT_HEADER: &str = "x-parlance-component";

/// Request header asking for more PII scrubbing than the component enforces:
/// `inputs`, `outputs` or `both` (the `/v1` doors).
pub const SCRUB_HEADER: &str = "x-parlance-scrub-pii";

/// The longest component name written back in [`COMPONENT_HEADER`] (a DNS-1123 subdomain):
/// a longer name is not a component, and a reflected value stays bounded.
pub const MAX_COMPONENT_NAME: usize = 253;

/// Per-request options from headers: `Cache-Control` and `traceparent`; `api` is the door's
/// metrics label.
pub fn call_options(api: ApiVersion, headers: &HeaderMap) -> CallOptions {
    let text = |k| headers.get(k).and_then(|v: &HeaderValue| v.to_str().ok());
    crate::sidecar::call_options(api, text(header::CACHE_CONTROL.as_str()), text("traceparent"))
}

/// [`COMPONENT_HEADER`] and [`CACHE_HEADER`] as header names, made at compile time (a
/// `&str` name is parsed again on every insert).
const COMPONENT_NAME: HeaderName = HeaderName::from_static(COMPONENT_HEADER);
const CACHE_NAME: HeaderName = HeaderName::from_static(CACHE_HEADER);

/// [`SCRUB_HEADER`] as a header name, made at compile time (a `&str` name is parsed again
/// on every lookup).
pub const SCRUB_NAME: HeaderName = HeaderName::from_static(SCRUB_HEADER);

/// Sets [`COMPONENT_HEADER`] to `name` when it can be a component's name (bounded, a valid
/// header value); otherwise leaves it out.
pub fn component_header(headers: &mut HeaderMap, name: &str) {
    if name.len() > MAX_COMPONENT_NAME {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(name) {
        headers.insert(COMPONENT_NAME, v);
    }
}

/// A door handler's reply: the answer, or the error in the door's own shape carrying
/// [`COMPONENT_HEADER`] when the body named a component; then the request id under the door's
/// header name.
pub fn reply<E: axum::response::IntoResponse>(
    answer: Result<axum::response::Response, E>,
    component: Option<&str>,
    (id_header, id): (HeaderName, HeaderValue),
) -> axum::response::Response {
    let mut resp = answer.unwrap_or_else(|e| {
        let mut resp = e.into_response();
        if let Some(c) = component {
            component_header(resp.headers_mut(), c);
        }
        resp
    });
    resp.headers_mut().insert(id_header, id);
    resp
}

/// Sets [`CACHE_HEADER`]; `none` when the component has no cache.
pub fn cache_header(headers: &mut HeaderMap, cache: Option<CacheStatus>) {
    let v = cache.map(|c| c.as_str()).unwrap_or("none");
    headers.insert(CACHE_NAME, HeaderValue::from_static(v));
}

/// The [`SCRUB_HEADER`]'s `inputs|outputs|both` → (scrub inputs, scrub outputs).
pub fn scrub_flags(header: Option<&str>) -> Result<(bool, bool), String> {
    match header.map(|h| h.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => Ok((false, false)),
        Some("inputs") => Ok((true, false)),
        Some("outputs") => Ok((false, true)),
        Some("both") => Ok((true, true)),
        Some(_) => Err(format!("{SCRUB_HEADER} must be inputs, outputs or both")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflected_component_names_are_bounded() {
        let mut h = HeaderMap::new();
        component_header(&mut h, &"a".repeat(100_000));
        assert!(h.get(COMPONENT_HEADER).is_none());
        component_header(&mut h, "bad\nname");
        assert!(h.get(COMPONENT_HEADER).is_none());
        component_header(&mut h, "llm");
        assert_eq!(h[COMPONENT_HEADER], "llm");
    }
}
