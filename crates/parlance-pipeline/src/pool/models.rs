//! What a pool lets a request choose (`metadata.model`, or `"<pool>/<model>"` on the OpenAI
//! door): only models every member serves, a member serving its `allowedModels` and its
//! configured model (a member pool: what it offers itself). A pool without `allowedModels` of
//! its own offers that intersection; one with a list offers the list, and each entry that some
//! member does not serve is a problem. Pure; pools of pools are settled members first.

use std::collections::HashMap;

use parlance_config::{ConfigProblem, Resources};

use super::config::Member;
use crate::models::{ALLOWED_MODELS_KEY, AllowedModels};
use crate::plan::{Plan, metadata_problem};

/// Sets every pool's `allowed_models` to what it may offer; returns the problems of the pools
/// whose own list names a model not all members serve.
pub fn settle(resources: &Resources, plan: &mut Plan) -> Vec<ConfigProblem> {
    let mut offers: HashMap<String, AllowedModels> = plan
        .conversation
        .iter()
        .map(|c| {
            let own = c.settings.allowed_models.clone();
            (c.name.clone(), own.with(c.provider.model().unwrap_or_default()))
        })
        .collect();
    let mut problems = Vec::new();
    let mut pending: Vec<usize> = (0..plan.pools.len()).collect();
    let ready = |i: usize, offers: &HashMap<String, AllowedModels>, plan: &Plan| {
        plan.pools[i].pool.members.iter().all(|m| offers.contains_key(&m.name))
    };
    while let Some(at) = pending.iter().position(|&i| ready(i, &offers, plan)) {
        let pool = &mut plan.pools[pending.swap_remove(at)];
        let served = served(&pool.pool.members, &offers);
        let own = &pool.settings.allowed_models;
        let msgs = if own.is_empty() {
            Vec::new()
        } else {
            unserved(own, &pool.pool.members, &offers, &served)
        };
        if let Some(spec) = resources.component(&pool.name) {
            problems.extend(msgs.iter().map(|m| metadata_problem(spec, m)));
        }
        let offer = if own.is_empty() { served } else { own.intersect(&served) };
        pool.settings.allowed_models = offer.clone();
        offers.insert(pool.name.clone(), offer);
    }
    problems
}

/// What every member serves.
fn served(members: &[Member], offers: &HashMap<String, AllowedModels>) -> AllowedModels {
    let mut each = members.iter().filter_map(|m| offers.get(&m.name));
    let first = each.next().cloned().unwrap_or_default();
    each.fold(first, |both, next| both.intersect(next))
}

/// A problem for each entry of the pool's own list that some member does not serve.
fn unserved(
    own: &AllowedModels,
    members: &[Member],
    offers: &HashMap<String, AllowedModels>,
    served: &AllowedModels,
) -> Vec<String> {
    let refusing = |allows: &dyn Fn(&AllowedModels) -> bool| -> String {
        let names = members.iter().filter(|m| offers.get(&m.name).is_some_and(|o| !allows(o)));
        names.map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
    };
    let problem = |entry: &str, by: String| {
        format!(
            "{ALLOWED_MODELS_KEY}: {entry:?} is not allowed by member(s) {by}; a pool offers only models all its members allow ({served})"
        )
    };
    let mut msgs: Vec<String> = own
        .ids()
        .filter(|id| !served.allows(id))
        .map(|id| problem(id, refusing(&|o| o.allows(id))))
        .collect();
    if own.allows_any() && !served.allows_any() {
        msgs.push(problem("*", refusing(&|o| o.allows_any())));
    }
    msgs
}
