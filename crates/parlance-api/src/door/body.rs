//! Reading a request body up to the sidecar's limit, letting go of the connection's read
//! buffer once decoded, and writing a JSON reply.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parlance_core::{ApiError, ErrorCode};

/// Reads the body up to the limit; a larger or broken body is `ERR_BODY_READ`.
pub async fn read(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let detail = match std::error::Error::source(&e) {
            Some(src) if src.to_string().contains("length limit") => {
                format!("http: request body too large (limit {limit} bytes)")
            }
            _ => e.to_string(),
        };
        ApiError::new(ErrorCode::BodyRead, format!("failed to read request body: {detail}"))
    })
}

/// Drops a request's head and body once they are decoded, before the provider is called.
/// hyper hands both out as slices of the connection's read buffer (8 KiB), and by then it
/// reads the connection into a fresh buffer of its own; the old one lives as long as any
/// slice of it, so dropped here a request waiting on its provider holds one buffer, not two.
pub fn release(head: http::request::Parts, body: bytes::Bytes) {
    drop((head, body));
}

/// A JSON response (`application/json`).
pub fn json(status: StatusCode, json: &impl serde::Serialize) -> Response {
    let mut body = Vec::with_capacity(512);
    if serde_json::to_writer(&mut body, json).is_err() {
        body.clear();
    }
    json_bytes(status, body)
}

/// A JSON response (`application/json`) of JSON already written.
pub fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
