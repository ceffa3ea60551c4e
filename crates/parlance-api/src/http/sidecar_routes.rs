//! The sidecar endpoints SDK clients call before anything else (spec §5.2, §5.3): health,
//! outbound health, and metadata.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parlance_core::{ApiError, ErrorCode};
use serde_json::{Value, json};

use super::error::HttpError;
use crate::door::body::json as json_response;
use crate::sidecar::{RUNTIME_VERSION, Sidecar};

/// `GET /v1.0/healthz[?appid=X]`: 204 when ready.
pub async fn healthz(
    State(s): State<Sidecar>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<StatusCode, HttpError> {
    if let Some(app) = q.get("appid")
        && *app != s.info.app_id
    {
        return Err(HttpError(ApiError::new(
            ErrorCode::HealthAppIdNotMatch,
            "dapr app-id does not match",
        )));
    }
    if !s.health.is_ready() {
        return Err(HttpError(ApiError::new(
            ErrorCode::HealthNotReady,
            "dapr is not ready: [parlance]",
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1.0/healthz/outbound`: 204 once components are loaded and servers listen.
pub async fn healthz_outbound(State(s): State<Sidecar>) -> Response {
    if s.health.is_ready() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let body = json!({"errorCode": "ERR_OUTBOUND_HEALTH_NOT_READY", "message": "dapr outbound is not ready"});
    json_response(StatusCode::INTERNAL_SERVER_ERROR, &body)
}

/// `GET /v1.0/metadata`: Go `encoding/json` shape with empty fields omitted.
pub async fn metadata(State(s): State<Sidecar>) -> Response {
    json_response(StatusCode::OK, &metadata_json(&s))
}

/// The metadata document, Go `encoding/json` style (empty fields omitted).
pub fn metadata_json(s: &Sidecar) -> Value {
    let view = s.metadata();
    let components: Vec<Value> = view
        .components
        .iter()
        .map(|(name, ty, version)| json!({"name": name, "type": ty, "version": version}))
        .collect();
    let mut doc = json!({"runtimeVersion": RUNTIME_VERSION, "extended": view.extended});
    if let Some(o) = doc.as_object_mut() {
        if !view.id.is_empty() {
            o.insert("id".into(), json!(view.id));
        }
        if !components.is_empty() {
            o.insert("components".into(), Value::Array(components));
        }
    }
    doc
}

/// `PUT /v1.0/metadata/{key}`: the raw body becomes an extended attribute.
pub async fn put_metadata(
    State(s): State<Sidecar>,
    Path(key): Path<String>,
    body: Bytes,
) -> StatusCode {
    let value = String::from_utf8_lossy(&body).into_owned();
    if let Ok(mut m) = s.info.extended.write() {
        m.insert(key, value);
    }
    StatusCode::NO_CONTENT
}
