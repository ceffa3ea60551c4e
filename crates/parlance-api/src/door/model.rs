//! What a `/v1` request's `model` names (`agent-doors.md` § model): `<component>` or
//! `<component>/<model>` (split on the first `/`, since upstream ids contain `/`), else the
//! first component whose `modelAliases` matches the whole name. The chosen model travels in
//! request metadata `model`, where the service checks it against `allowedModels`.

use parlance_pipeline::ConversationService;

/// The request metadata key the per-request model travels in.
pub const MODEL_KEY: &str = "model";

/// `model` is neither `<component>` nor `<component>/<model>` (an empty side of the `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The component's name.
    pub component: String,
    /// The model to use instead of the component's configured one.
    pub chosen: Option<String>,
}

/// `component` or `component/model`, split on the first `/`.
pub fn split(model: &str) -> Result<(&str, Option<&str>), Malformed> {
    match model.split_once('/') {
        None => Ok((model, None)),
        Some((c, m)) if !c.is_empty() && !m.is_empty() => Ok((c, Some(m))),
        Some(_) => Err(Malformed),
    }
}

/// The route for `model`: a conversation component by name (`<component>[/<model>]`), else
/// the first whose `modelAliases` matches (with the client's name chosen only when its
/// `allowedModels` allows it), else `None`. A malformed name that an alias matches is routed.
pub fn resolve(service: &ConversationService, model: &str) -> Result<Option<Route>, Malformed> {
    let split = split(model);
    let live = service.live();
    if let Ok((name, chosen)) = split
        && live.component(name).is_some_and(|c| c.chain.is_some())
    {
        let chosen = chosen.map(str::to_string);
        return Ok(Some(Route { component: name.to_string(), chosen }));
    }
    let by_alias =
        live.components().filter(|c| c.chain.is_some()).find(|c| c.model_aliases.matches(model));
    if let Some(c) = by_alias {
        let chosen = c.allowed_models.allows(model).then(|| model.to_string());
        return Ok(Some(Route { component: c.name.clone(), chosen }));
    }
    split.map(|_| None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_the_first_slash() {
        assert_eq!(split("llm"), Ok(("llm", None)));
        assert_eq!(split("llm/org/model"), Ok(("llm", Some("org/model"))));
        assert_eq!(split("/m"), Err(Malformed));
        assert_eq!(split("llm/"), Err(Malformed));
    }
}
