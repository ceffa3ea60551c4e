//! The checks of a pool against the other components, once every component is planned: each
//! member must be a conversation component (or pool) that passed validation, and no pool may
//! be among its own members, directly or through other pools. Pure; every problem reported,
//! also for pools whose own metadata has problems (their well-formed members are checked).

use parlance_config::{ConfigProblem, Resources};

use super::config::{MEMBERS_KEY, Member};
use crate::plan::metadata_problem;

/// A pool's name and its members, as far as they could be read.
pub type Listed<'a> = (&'a str, &'a [Member]);

/// Every problem of every pool's member list (`planned`: the names that passed validation).
pub fn members(
    resources: &Resources,
    pools: &[Listed<'_>],
    planned: &[&str],
) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    for &(name, listed) in pools {
        let Some(spec) = resources.component(name) else { continue };
        let mut msgs: Vec<String> =
            listed.iter().filter_map(|m| missing(resources, planned, name, &m.name)).collect();
        msgs.extend(cycle(pools, name));
        problems
            .extend(msgs.iter().map(|m| metadata_problem(spec, &format!("{MEMBERS_KEY}: {m}"))));
    }
    problems
}

/// Why `member` cannot serve, when it cannot.
fn missing(resources: &Resources, planned: &[&str], pool: &str, member: &str) -> Option<String> {
    if member == pool {
        return Some(format!("a pool cannot be its own member ({member:?})"));
    }
    if planned.contains(&member) {
        return None;
    }
    let what = match resources.component(member) {
        Some(s) if s.type_name.starts_with("conversation.") => {
            format!("component {member:?} did not pass validation (or was skipped by ignoreErrors)")
        }
        Some(s) => format!("component {member:?} has type {:?}", s.type_display),
        None => format!("no component named {member:?}"),
    };
    let others: Vec<&str> = planned.iter().copied().filter(|n| *n != pool).collect();
    Some(format!(
        "{what}; a member must be a conversation component (found: [{}])",
        others.join(", ")
    ))
}

/// The path by which `start` reaches itself through other pools, when it does.
fn cycle(pools: &[Listed<'_>], start: &str) -> Option<String> {
    let mut path = vec![start.to_string()];
    let found = walk(pools, start, start, &mut path);
    found.then(|| format!("pool {start:?} is among its own members through {}", path.join(" → ")))
}

/// Depth-first through the pools below `at`, with `path` the names so far; stops at the first
/// way back to `start` (the direct case is reported by [`missing`]).
fn walk(pools: &[Listed<'_>], start: &str, at: &str, path: &mut Vec<String>) -> bool {
    let Some(&(_, listed)) = pools.iter().find(|p| p.0 == at) else { return false };
    for m in listed {
        if m.name == start && path.len() > 1 {
            path.push(m.name.clone());
            return true;
        }
        if m.name == start || path.contains(&m.name) {
            continue;
        }
        path.push(m.name.clone());
        if walk(pools, start, &m.name, path) {
            return true;
        }
        path.pop();
    }
    false
}
