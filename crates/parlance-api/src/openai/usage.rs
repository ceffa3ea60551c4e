//! `GET /v1/usage`: the calling key's own usage — its all-time spend, and each limit and
//! budget of the key and its group, with what is used and when it resets (the shape is
//! [`parlance_pipeline::keys::UsageReport`]). It counts against no limit. Without a key (no
//! keys configured, or the operator's master token) there is nothing to report: 404.

use axum::Extension;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parlance_pipeline::Principal;

use super::error::OpenAiError;
use crate::door::body::json;

/// `GET /v1/usage`.
pub async fn usage(key: Option<Extension<Principal>>) -> Response {
    match key {
        Some(Extension(p)) => json(StatusCode::OK, &p.usage().await),
        None => {
            let m = "GET /v1/usage reports on the API key that calls it; this request has none";
            OpenAiError::new(StatusCode::NOT_FOUND, "invalid_request_error", m).into_response()
        }
    }
}
