//! The one place where an [`ApiError`] becomes an HTTP response: status and `errorCode` from
//! the core table, Dapr's JSON body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parlance_core::ApiError;

/// Newtype so axum handlers can return `Result<_, HttpError>`.
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> HttpError {
        HttpError(e)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::warn!(code = self.0.code.as_str(), message = %self.0.message, "request failed");
        } else {
            tracing::debug!(code = self.0.code.as_str(), message = %self.0.message, "request rejected");
        }
        let mut resp = (status, self.0.to_json()).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        crate::keys::refusal_headers(&self.0, resp.headers_mut());
        resp
    }
}
