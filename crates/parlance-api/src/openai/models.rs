//! `GET /v1/models` and `GET /v1/models/{id}` (contract §2): every conversation component
//! (`id` = its name, `owned_by` = its `spec.type`) and every `<component>/<model>` its
//! `allowedModels` writes out (`*` allows any model but lists none), all `created` at the
//! process's start. An unknown id is 404 `model_not_found`; ids may contain `/`. A caller with
//! an API key sees only what the key may use ([`crate::keys::may_use`]).

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use parlance_pipeline::{Component, Principal};
use serde::Serialize;

use super::error::OpenAiError;
use crate::door::body::json as json_response;
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

/// The models of one component: itself, then its explicitly allowed models (those `key`
/// may use, when there is a key).
fn of<'a>(
    c: &'a Component,
    created: u64,
    key: Option<&'a Principal>,
) -> impl Iterator<Item = Model> + 'a {
    let model =
        move |id: String| Model { id, object: "model", created, owned_by: c.type_name.clone() };
    let may = move |chosen: Option<&str>| key.is_none_or(|p| crate::keys::may_use(p, c, chosen));
    let own = may(None).then(|| model(c.name.clone()));
    let chosen = c.allowed_models.ids().filter(move |m| may(Some(m)));
    own.into_iter().chain(chosen.map(move |m| model(format!("{}/{m}", c.name))))
}

/// Every model the door serves (to `key`, when there is one), in load order.
pub fn all(s: &Sidecar, created: u64, key: Option<&Principal>) -> Vec<Model> {
    let live = s.service.live();
    let components = live.components().filter(|c| c.chain.is_some());
    components.flat_map(|c| of(c, created, key)).collect()
}

/// `GET /v1/models`.
pub async fn list(State(s): State<Sidecar>, key: Option<Extension<Principal>>) -> Response {
    #[derive(Serialize)]
    struct List {
        object: &'static str,
        data: Vec<Model>,
    }
    let list = List { object: "list", data: all(&s, super::started(), key.as_deref()) };
    json_response(StatusCode::OK, &list)
}

/// `GET /v1/models/{id}`: a component, or one of its allowed models (with `*`, any id).
pub async fn get(
    State(s): State<Sidecar>,
    Path(id): Path<String>,
    key: Option<Extension<Principal>>,
) -> Result<Response, OpenAiError> {
    let not_found = || OpenAiError::model_not_found(&id);
    let (component, chosen) = crate::door::model::split(&id).map_err(|_| not_found())?;
    let live = s.service.live();
    let c = live.components().find(|c| c.name == component && c.chain.is_some());
    let c = c.ok_or_else(not_found)?;
    if chosen.is_some_and(|m| !c.allowed_models.allows(m)) {
        return Err(not_found());
    }
    if key.is_some_and(|p| !crate::keys::may_use(&p, c, chosen)) {
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
