//! What the fake received: one [`RecordedRequest`] per request, kept in arrival order.

use std::sync::Mutex;

use bytes::Bytes;
use serde_json::Value;

use crate::fault::lock;
use crate::stream::StreamStats;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// The HTTP version the request came over (`HTTP/1.1`, or `HTTP/2.0` when ALPN chose h2).
    pub version: http::Version,
    /// Path, without the query string (still percent-encoded).
    pub path: String,
    /// Raw query string, without the `?`.
    pub query: Option<String>,
    /// Headers in arrival order; names are lowercase, values lossily decoded as UTF-8.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Bytes,
    /// The body parsed as JSON, when it parses.
    pub json: Option<Value>,
    /// Live counters of the answer's stream (state `NotStream` when it was not streamed).
    pub stream: StreamStats,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Builds a record from request parts and the already-parsed body.
    pub(crate) fn from_parts(
        parts: &http::request::Parts,
        body: Bytes,
        json: Option<Value>,
    ) -> Self {
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
            .collect();
        RecordedRequest {
            method: parts.method.as_str().to_owned(),
            version: parts.version,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body,
            json,
            stream: StreamStats::default(),
        }
    }
}

/// The requests received so far.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
}

impl Recorder {
    /// Appends one request.
    pub(crate) fn push(&self, request: RecordedRequest) {
        lock(&self.requests).push(request);
    }

    /// A copy of every request, oldest first.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// A copy of the newest request.
    pub(crate) fn last(&self) -> Option<RecordedRequest> {
        lock(&self.requests).last().cloned()
    }

    /// How many requests were recorded.
    pub(crate) fn len(&self) -> usize {
        lock(&self.requests).len()
    }

    /// Forgets every request.
    pub(crate) fn clear(&self) {
        lock(&self.requests).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &str) -> RecordedRequest {
        let req = http::Request::builder()
            .method("POST")
            .uri(format!("{path}?a=1"))
            .header("X-Api-Key", "k")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        RecordedRequest::from_parts(&parts, Bytes::from_static(b"{}"), Some(serde_json::json!({})))
    }

    #[test]
    fn header_lookup_is_case_insensitive() {
        let r = sample("/v1/messages");
        assert_eq!(r.headers, vec![("x-api-key".to_owned(), "k".to_owned())]);
        assert_eq!(r.header("X-API-KEY"), Some("k"));
        assert_eq!(r.header("missing"), None);
        assert_eq!(r.query.as_deref(), Some("a=1"));
        assert_eq!(r.path, "/v1/messages");
    }

    #[test]
    fn recorder_keeps_order_and_clears() {
        let rec = Recorder::default();
        rec.push(sample("/a"));
        rec.push(sample("/b"));
        assert_eq!(rec.len(), 2);
        assert_eq!(rec.last().map(|r| r.path), Some("/b".to_owned()));
        assert_eq!(rec.all()[0].path, "/a");
        rec.clear();
        assert_eq!(rec.len(), 0);
        assert!(rec.last().is_none());
    }
}
