//! Fallback (beyond Dapr): component metadata `fallbackComponent: <name>`.
//!
//! When a component's chain still fails after its resiliency policy, the same (already
//! validated) call goes once to the named conversation component's chain, and the reply says
//! which component answered. One hop only: the fallback's own `fallbackComponent` is not
//! followed, so no configuration can loop. [`check`] validates the names at plan time.

use parlance_config::{ConfigProblem, Resources};
use parlance_core::{ApiError, ProviderError};

use crate::assemble::ComponentPlan;
use crate::stage::{Call, DynStage, Reply};

/// The metadata key.
pub const KEY: &str = "fallbackComponent";

/// Checks every planned component's `fallbackComponent`: it must name another conversation
/// component that passed validation.
pub fn check(resources: &Resources, planned: &[ComponentPlan]) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    for c in planned {
        let Some(target) = c.settings.fallback_component.as_deref() else { continue };
        let Err(msg) = check_one(resources, planned, &c.name, target) else { continue };
        let Some(spec) = resources.component(&c.name) else { continue };
        let path = spec.metadata.path_of(KEY).unwrap_or("spec.metadata");
        problems
            .push(spec.source.problem(path, format!("{KEY}: {msg}")).with_component(Some(&c.name)));
    }
    problems
}

fn check_one(
    resources: &Resources,
    planned: &[ComponentPlan],
    name: &str,
    target: &str,
) -> Result<(), String> {
    if target == name {
        return Err("a component cannot fall back to itself".to_string());
    }
    if planned.iter().any(|c| c.name == target) {
        return Ok(());
    }
    let names: Vec<&str> = planned.iter().map(|c| c.name.as_str()).filter(|n| *n != name).collect();
    let what = match resources.component(target) {
        Some(s) if s.type_name.starts_with("conversation.") => {
            format!("component {target:?} did not pass validation (or was skipped by ignoreErrors)")
        }
        Some(s) => format!("component {target:?} has type {:?}", s.type_display),
        None => format!("no component named {target:?}"),
    };
    Err(format!(
        "{what}; it must name another conversation component (found: [{}])",
        names.join(", ")
    ))
}

/// Calls `chain`; on failure calls `fallback` (its name and chain) once with the same call.
/// Returns the reply and, when the fallback answered, its name. Errors are `ApiError::invoke`
/// of the component asked for, naming both failures when the fallback fails too.
pub async fn call(
    name: &str,
    chain: &DynStage,
    fallback: Option<(&str, &DynStage)>,
    call: Call,
) -> Result<(Reply, Option<String>), ApiError> {
    let Some((fb_name, fb_chain)) = fallback else {
        return chain.call(call).await.map(|r| (r, None)).map_err(|e| ApiError::invoke(name, &e));
    };
    let first = match chain.call(call.clone()).await {
        Ok(reply) => return Ok((reply, None)),
        Err(e) => e,
    };
    tracing::debug!(component = name, fallback = fb_name, error = %first, "falling back");
    match fb_chain.call(call).await {
        Ok(reply) => Ok((reply, Some(fb_name.to_string()))),
        Err(second) => Err(ApiError::invoke(name, &both(&first, fb_name, &second))),
    }
}

fn both(first: &ProviderError, fb_name: &str, second: &ProviderError) -> String {
    format!("{first} (fallback component {fb_name} also failed: {second})")
}
