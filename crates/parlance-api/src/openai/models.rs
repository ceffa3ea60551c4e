//! `GET /v1/models` and `GET /v1/models/{id}` (contract §2): every conversation component
//! (`id` = its name, `owned_by` = its `spec.type`) and every `<component>/<model>` its
//! `allowedModels` writes out (`*` allows any model but lists none), all `created` at the
//! process's start. An unknown id is 404 `model_not_found`; ids may contain `/`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use parlance_pipeline::Component;
use serde::Serialize;

use super::error::OpenAiError;
use crate::http::json_response;
use crate::sidecar::Sidecar;

/// One model object.
#[derive(Serialize, Debug, PartialEq)]
pub struct Model {
    /// `component` or `component/model`.
    pub id: String,
    /// Always `model`.
    pub object: &'static str,
    /// Unix seconds of the process's start.
    pub created: u64,
    /// The component's `spec.type`.
    pub owned_by: String,
}

/// The models of one component: itself, then its explicitly allowed models.
fn of(c: &Component, created: u64) -> impl Iterator<Item = Model> + '_ {
    let model =
        move |id: String| Model { id, object: "model", created, owned_by: c.type_name.clone() };
    let own = std::iter::once(model(c.name.clone()));
    own.chain(c.allowed_models.ids().map(move |m| model(format!("{}/{m}", c.name))))
}

/// Every model the door serves, in load order.
pub fn all(s: &Sidecar, created: u64) -> Vec<Model> {
    s.service.components().filter(|c| c.chain.is_some()).flat_map(|c| of(c, created)).collect()
}

/// `GET /v1/models`.
pub async fn list(State(s): State<Sidecar>) -> Response {
    #[derive(Serialize)]
    struct List {
        object: &'static str,
        data: Vec<Model>,
    }
    let list = List { object: "list", data: all(&s, super::started()) };
    json_response(StatusCode::OK, &list)
}

/// `GET /v1/models/{id}`: a component, or one of its allowed models (with `*`, any id).
pub async fn get(
    State(s): State<Sidecar>,
    Path(id): Path<String>,
) -> Result<Response, OpenAiError> {
    let not_found = || OpenAiError::model_not_found(&id);
    let (component, chosen) = super::decode::split_model(&id).map_err(|_| not_found())?;
    let c = s.service.components().find(|c| c.name == component && c.chain.is_some());
    let c = c.ok_or_else(not_found)?;
    if chosen.is_some_and(|m| !c.allowed_models.allows(m)) {
        return Err(not_found());
    }
    let model = Model {
        id: id.clone(),
        object: "model",
        created: super::started(),
        owned_by: c.type_name.clone(),
    };
    Ok(json_response(StatusCode::OK, &model))
}
