//! What every HTTP provider shares: its endpoint, parsed once ([`Target`]), and the helpers its
//! `error.rs` uses (a short, secret-free reason and `Retry-After`).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use parlance_core::{FailureKind, ProviderError};

use crate::client::{Body, HttpClient, transport_error};

/// `Content-Type: application/json`, shared rather than parsed per request.
pub(crate) const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");

/// One upstream exchange: status, what `pick` takes from the reply's headers, and the whole
/// body, all within `limit` (one timer around the exchange). An expired limit is a retryable
/// timeout.
pub(crate) async fn exchange<T>(
    client: &HttpClient,
    request: http::Request<Body>,
    limit: Duration,
    pick: impl FnOnce(&http::HeaderMap) -> T,
) -> Result<(u16, T, Bytes), ProviderError> {
    let call = async {
        let resp = client.send(request).await?;
        let status = resp.status().as_u16();
        let picked = pick(resp.headers());
        let body = resp.into_body().collect().await.map_err(|e| transport_error(&e))?;
        Ok((status, picked, body.to_bytes()))
    };
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => {
            Err(ProviderError::transient(FailureKind::Timeout, "upstream did not answer in time"))
        }
    }
}

/// An upstream URL parsed once, when the component is built, so that no request pays for URL
/// parsing. A URL that is not an absolute `http(s)://` one is kept as its error, so that each
/// call fails with it (a component with a bad endpoint still starts, as before).
pub(crate) struct Target {
    uri: Result<http::Uri, String>,
}

impl Target {
    /// Parses `raw`.
    pub(crate) fn new(raw: &str) -> Target {
        Target { uri: parse(raw) }
    }

    /// A `POST` to this URL, or the reason the URL cannot be called (never the URL itself:
    /// it may carry a key).
    pub(crate) fn post(&self) -> Result<http::request::Builder, ProviderError> {
        match &self.uri {
            Ok(uri) => Ok(http::Request::post(uri.clone())),
            Err(e) => Err(ProviderError::transient(
                FailureKind::Connect,
                format!("upstream connection failed: invalid upstream URL: {e}"),
            )),
        }
    }
}

fn parse(raw: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = raw.parse().map_err(|e: http::uri::InvalidUri| e.to_string())?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err("the scheme must be http:// or https://".into());
    }
    match uri.authority() {
        None => Err("no host".into()),
        Some(a) if a.host().is_empty() => Err("no host".into()),
        Some(a) if a.as_str().contains('@') => {
            Err("credentials in the URL are not supported".into())
        }
        Some(_) => Ok(uri),
    }
}

/// The request built by `builder` with `body`, or why it cannot be sent (a header value that
/// is not one).
pub(crate) fn request(
    builder: http::request::Builder,
    body: Vec<u8>,
) -> Result<http::Request<Body>, ProviderError> {
    builder.body(Body::new(Bytes::from(body))).map_err(|e| crate::client::request_error(&e))
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
        let good = Target::new("https://127.0.0.1:9/v1/chat/completions?api-version=1");
        let request = request(good.post().unwrap(), b"{}".to_vec()).unwrap();
        assert_eq!(request.uri(), "https://127.0.0.1:9/v1/chat/completions?api-version=1");
        assert_eq!(request.method(), http::Method::POST);
        for (bad, why) in [
            ("not a url", "invalid uri character"),
            ("/v1/chat/completions", "the scheme must be"),
            ("ftp://host/x", "the scheme must be"),
            ("https://user:sk-secret@host/x", "credentials in the URL"),
        ] {
            let e = Target::new(bad).post().unwrap_err();
            assert_eq!(e.kind, FailureKind::Connect);
            assert!(e.message.contains(why), "{bad}: {}", e.message);
            assert!(!e.message.contains("sk-secret"), "{}", e.message);
        }
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
