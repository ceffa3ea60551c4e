//! What every HTTP provider shares: its endpoint, parsed once ([`Target`]), and the helpers its
//! `error.rs` uses (a short, secret-free reason and `Retry-After`).

use std::time::Duration;

use parlance_core::{FailureKind, ProviderError};

use crate::http_error;

/// `Content-Type: application/json`, shared rather than parsed per request.
pub(crate) const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");

/// One upstream exchange: status, what `pick` takes from the reply's headers, and the whole
/// body, all within `limit` (one timer around the exchange; reqwest's per-request timeout
/// would cost a boxed timer and a request extension each time). An expired limit is a
/// retryable timeout.
pub(crate) async fn exchange<T>(
    request: reqwest::RequestBuilder,
    limit: Duration,
    pick: impl FnOnce(&http::HeaderMap) -> T,
) -> Result<(u16, T, bytes::Bytes), ProviderError> {
    let call = async {
        let resp = request.send().await.map_err(http_error)?;
        let status = resp.status().as_u16();
        let picked = pick(resp.headers());
        let body = resp.bytes().await.map_err(http_error)?;
        Ok((status, picked, body))
    };
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => {
            Err(ProviderError::transient(FailureKind::Timeout, "upstream did not answer in time"))
        }
    }
}

/// An upstream URL parsed once, when the component is built, so that no request pays for URL
/// parsing (with IDNA host checks, a few microseconds each time).
pub(crate) struct Target {
    url: Option<reqwest::Url>,
    raw: String,
}

impl Target {
    /// Parses `raw`. A URL that does not parse is kept as text, so that each call fails with
    /// reqwest's own error for it, as before.
    pub(crate) fn new(raw: &str) -> Target {
        Target { url: reqwest::Url::parse(raw).ok(), raw: raw.to_string() }
    }

    /// A `POST` to this URL on `client`.
    pub(crate) fn post(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        match &self.url {
            Some(url) => client.post(url.clone()),
            None => client.post(&self.raw),
        }
    }
}

/// A request body as JSON (serialising a wire struct only fails on a bug: internal error).
pub(crate) fn to_json(wire: &impl serde::Serialize) -> Result<Vec<u8>, ProviderError> {
    serde_json::to_vec(wire)
        .map_err(|e| ProviderError::permanent(FailureKind::Internal, e.to_string()))
}

/// A reply body parsed as the JSON its protocol promises; anything else (a proxy's error page, a
/// truncated body) is a retryable malformed reply.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| {
        ProviderError::transient(
            FailureKind::MalformedReply,
            format!("malformed upstream reply: {e}"),
        )
    })
}

/// A header value that must not appear in debug output (API keys), built once; `None` when the
/// text is not a valid header value (the request builder then reports it, as for any header).
pub(crate) fn secret_header(text: &str) -> Option<http::HeaderValue> {
    let mut v = http::HeaderValue::from_str(text).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Longest upstream reason kept, in characters.
const MAX_REASON: usize = 200;

/// Cuts an upstream reason short and replaces every secret in it with `[redacted]`
/// (secrets shorter than 4 characters are left alone: replacing them would mangle the text).
pub(crate) fn short_reason(text: &str, secrets: &[&str]) -> String {
    let mut text = text.trim().to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    let short: String = text.chars().take(MAX_REASON).collect();
    if short.is_empty() { "no error detail".to_string() } else { short }
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is rare for LLM APIs), capped at
/// an hour.
pub(crate) fn retry_after(value: Option<&http::HeaderValue>) -> Option<Duration> {
    let secs: f64 = value?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_redacted_and_short() {
        assert_eq!(short_reason(" bad key sk-1234 ", &["sk-1234", ""]), "bad key [redacted]");
        assert_eq!(short_reason("", &[]), "no error detail");
        assert_eq!(short_reason(&"x".repeat(500), &[]).len(), 200);
    }

    #[test]
    fn targets_parse_once_and_keep_bad_urls_for_the_error() {
        let client = reqwest::Client::new();
        let good = Target::new("http://127.0.0.1:9/v1/chat/completions");
        let request = good.post(&client).build().unwrap();
        assert_eq!(request.url().as_str(), "http://127.0.0.1:9/v1/chat/completions");
        assert_eq!(request.method(), http::Method::POST);
        let bad = Target::new("not a url");
        assert!(bad.post(&client).build().is_err(), "the builder reports the bad URL");
    }

    #[test]
    fn secret_headers_are_sensitive() {
        assert!(secret_header("Bearer sk-1").unwrap().is_sensitive());
        assert!(secret_header("bad\nvalue").is_none());
    }

    #[test]
    fn retry_after_in_seconds() {
        let v = http::HeaderValue::from_static("1.5");
        assert_eq!(retry_after(Some(&v)), Some(Duration::from_millis(1500)));
        assert_eq!(retry_after(Some(&http::HeaderValue::from_static("-1"))), None);
        assert_eq!(retry_after(None), None);
    }
}
