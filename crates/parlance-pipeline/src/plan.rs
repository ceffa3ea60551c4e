//! Loaded resources → a [`Plan`]: every conversation component validated against the provider
//! registry, the pipeline settings, the cache stores, the Resiliency documents and the
//! `fallbackComponent` names, and every pool ([`crate::pool`]) against its members, without
//! I/O. [`crate::assemble`] builds the plan.
//!
//! Validation collects every problem of every component, each naming the file and YAML path,
//! so that a bad resources folder never half-starts. `ignoreErrors: true` turns a component's
//! own problems into warnings and drops it.

use std::collections::HashSet;

use parlance_config::{ComponentSpec, ConfigProblem, Resources};
use parlance_providers::{ProviderConfig, ProviderKind, registry};

use crate::cache::RedisConfig;
use crate::cache::redis::{self as redis_store, STATE_REDIS};
use crate::pool::config::{self as pool_config, POOL_TYPE, PoolConfig};
use crate::resiliency;
use crate::settings::{self, Settings};

/// A conversation component that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentPlan {
    /// `metadata.name`.
    pub name: String,
    /// The provider kind.
    pub kind: ProviderKind,
    /// Typed provider settings.
    pub provider: ProviderConfig,
    /// Pipeline settings.
    pub settings: Settings,
    /// The resiliency policy its calls run under (spec §6); empty: none.
    pub resiliency: resiliency::OutboundPolicy,
}

/// A pool (`conversation.pool`) that passed validation, members included.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPlan {
    /// `metadata.name`.
    pub name: String,
    /// Members, strategy and affinity key.
    pub pool: PoolConfig,
    /// Pipeline settings (cache, PII, allowed models) of the pool itself.
    pub settings: Settings,
}

/// Everything the server will build, validated.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Conversation components.
    pub conversation: Vec<ComponentPlan>,
    /// Pools over conversation components (and other pools).
    pub pools: Vec<PoolPlan>,
    /// Other components (secret stores, state stores), listed by the metadata endpoint.
    pub others: Vec<(String, String, String)>,
    /// The `state.redis` components named by some `responseCacheStore`, validated.
    pub stores: Vec<RedisConfig>,
    /// `kind: APIKey` resources (secrets as digests).
    pub keys: Vec<parlance_config::keys::KeySpec>,
    /// `kind: APIKeyGroup` resources.
    pub groups: Vec<parlance_config::keys::GroupSpec>,
    /// Problems that did not stop start-up.
    pub warnings: Vec<ConfigProblem>,
}

/// The built-in plan used when no resources path is given: one `echo` component.
pub fn builtin_echo() -> Plan {
    let settings = settings::validate(&parlance_config::Metadata::from_pairs(&[]));
    let settings = settings.unwrap_or_else(|_| Settings {
        cache_ttl: None,
        cache_store: None,
        pii_entities: parlance_pii::EntitySet::all(),
        pii_mode: Default::default(),
        fallback_component: None,
        stream_idle: settings::DEFAULT_STREAM_IDLE,
        allowed_models: Default::default(),
        model_aliases: Default::default(),
        scrub_pii: Default::default(),
        prices: Default::default(),
    });
    let echo = ComponentPlan {
        name: "echo".into(),
        kind: ProviderKind::Echo,
        provider: ProviderConfig::Echo(Default::default()),
        settings,
        resiliency: Default::default(),
    };
    Plan { conversation: vec![echo], ..Plan::default() }
}

/// Validates every component of the resources.
pub fn plan(
    resources: &Resources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Vec<ConfigProblem>> {
    let mut plan = Plan {
        keys: resources.keys.clone(),
        groups: resources.groups.clone(),
        warnings: resources.warnings.clone(),
        ..Plan::default()
    };
    let mut errors = Vec::new();
    let mut unplanned_pools = Vec::new();
    for spec in &resources.components {
        if !spec.type_name.starts_with("conversation.") {
            plan.others.push((spec.name.clone(), spec.type_name.clone(), spec.version.clone()));
            continue;
        }
        let planned = if spec.type_name == POOL_TYPE {
            plan_pool(spec, resources).map(|p| plan.pools.push(p))
        } else {
            plan_component(spec, resources, env).map(|c| plan.conversation.push(c))
        };
        match planned {
            Ok(()) => {}
            Err(problems) if spec.ignore_errors => {
                plan.warnings.extend(problems.into_iter().map(|mut p| {
                    p.message.push_str(&format!(
                        " (component {:?} skipped: ignoreErrors is true)",
                        spec.name
                    ));
                    p
                }))
            }
            Err(problems) => {
                if spec.type_name == POOL_TYPE {
                    // Its members are still checked, so that every problem is listed at once.
                    let listed = pool_config::listed_members(&spec.metadata);
                    unplanned_pools.push((spec.name.clone(), listed));
                }
                errors.extend(problems)
            }
        }
    }
    plan.stores = plan_stores(resources, &plan, &mut errors);
    plan_resiliency(resources, &mut plan, &mut errors);
    let names = planned_names(&plan);
    errors.extend(check_fallbacks(resources, &plan, &names));
    let pools = plan.pools.iter().map(|p| (p.name.as_str(), p.pool.members.as_slice()));
    let unplanned = unplanned_pools.iter().map(|(n, m)| (n.as_str(), m.as_slice()));
    let pools: Vec<_> = pools.chain(unplanned).collect();
    errors.extend(crate::pool::check::members(resources, &pools, &names));
    errors.extend(crate::pool::models::settle(resources, &mut plan));
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// The names of every conversation component and pool that passed validation.
fn planned_names(plan: &Plan) -> Vec<&str> {
    let components = plan.conversation.iter().map(|c| c.name.as_str());
    components.chain(plan.pools.iter().map(|p| p.name.as_str())).collect()
}

/// Validates a pool's own metadata and pipeline settings (its members are checked once every
/// component is planned).
fn plan_pool(spec: &ComponentSpec, resources: &Resources) -> Result<PoolPlan, Vec<ConfigProblem>> {
    let pool = pool_config::validate(&spec.metadata);
    let settings = settings::validate(&spec.metadata).and_then(|s| {
        let store = s.cache_store.as_deref().map(|store| check_store(resources, store));
        store.transpose().map(|_| s).map_err(|e| vec![e])
    });
    match (pool, settings) {
        (Ok(pool), Ok(settings)) => Ok(PoolPlan { name: spec.name.clone(), pool, settings }),
        (p, s) => {
            let msgs = p.err().into_iter().flatten().chain(s.err().into_iter().flatten());
            Err(msgs.map(|m| metadata_problem(spec, &m)).collect())
        }
    }
}

/// Parses the Resiliency documents (targets must name components of the resources) and gives
/// each conversation component its policies.
fn plan_resiliency(resources: &Resources, plan: &mut Plan, errors: &mut Vec<ConfigProblem>) {
    let parsed = resiliency::load(&resources.resiliencies, &|n| resources.component(n).is_some());
    errors.extend(parsed.errors);
    plan.warnings.extend(parsed.warnings);
    for c in &mut plan.conversation {
        c.resiliency = resiliency::outbound(&parsed.spec, &c.name);
    }
}

/// Validates each `state.redis` component that a planned component uses as its cache store
/// (once, however many use it); its problems point into its own file.
fn plan_stores(
    resources: &Resources,
    plan: &Plan,
    errors: &mut Vec<ConfigProblem>,
) -> Vec<RedisConfig> {
    let mut seen = HashSet::new();
    let settings = plan.conversation.iter().map(|c| &c.settings);
    let settings = settings.chain(plan.pools.iter().map(|p| &p.settings));
    let names = settings.filter_map(|s| s.cache_store.as_deref());
    let names = names.chain(resources.keys.iter().filter_map(|k| k.store.as_deref()));
    let names = names.chain(resources.groups.iter().filter_map(|g| g.store.as_deref()));
    let specs = names.filter(|n| seen.insert(*n)).filter_map(|n| resources.component(n));
    let mut stores = Vec::new();
    for spec in specs {
        match redis_store::validate(&spec.name, &spec.metadata) {
            Ok(config) => stores.push(config),
            Err(problems) => errors.extend(problems.iter().map(|m| metadata_problem(spec, m))),
        }
    }
    stores
}

/// The `state.redis` component named by `--responses-store` (the Responses door's shared
/// store), validated like a cache store; problems name its file, or the resources folder
/// when no such component exists.
pub fn responses_store(
    resources: &Resources,
    name: &str,
    folder: &std::path::Path,
) -> Result<RedisConfig, Vec<ConfigProblem>> {
    match resources.component(name) {
        Some(spec) if spec.type_name == STATE_REDIS => {
            redis_store::validate(&spec.name, &spec.metadata)
                .map_err(|p| p.iter().map(|m| metadata_problem(spec, m)).collect())
        }
        Some(spec) => Err(vec![problem(
            spec,
            "spec.type",
            format!(
                "--responses-store names {name:?}, a {}; it must be a {STATE_REDIS}",
                spec.type_display
            ),
        )]),
        None => Err(vec![ConfigProblem::new(
            folder,
            "",
            format!(
                "--responses-store: no {STATE_REDIS} component named {name:?} in the resources"
            ),
        )]),
    }
}

/// `responseCacheStore` must name a `state.redis` component of the resources.
fn check_store(resources: &Resources, store: &str) -> Result<(), String> {
    let found = resources.component(store);
    if found.is_some_and(|s| s.type_name == STATE_REDIS) {
        return Ok(());
    }
    let redis: Vec<&str> = resources
        .components
        .iter()
        .filter(|c| c.type_name == STATE_REDIS)
        .map(|c| c.name.as_str())
        .collect();
    let what = match found {
        Some(s) => format!("component {store:?} has type {:?}", s.type_display),
        None => format!("no component named {store:?}"),
    };
    Err(format!(
        "responseCacheStore: {what}; it must name a {STATE_REDIS} component (found: [{}])",
        redis.join(", ")
    ))
}

fn plan_component(
    spec: &ComponentSpec,
    resources: &Resources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ComponentPlan, Vec<ConfigProblem>> {
    let Some(kind) = ProviderKind::from_type(&spec.type_name) else {
        let known: Vec<&str> = ProviderKind::all_types().collect();
        let msg = format!(
            "unknown conversation type {:?} (known: {})",
            spec.type_display,
            known.join(", ")
        );
        return Err(vec![problem(spec, "spec.type", msg)]);
    };
    let provider = registry::validate(kind, &spec.metadata, env);
    let settings = settings::validate(&spec.metadata).and_then(|s| {
        let store = s.cache_store.as_deref().map(|store| check_store(resources, store));
        store.transpose().map(|_| s).map_err(|e| vec![e])
    });
    match (provider, settings) {
        (Ok(provider), Ok(settings)) => {
            let resiliency = Default::default(); // filled in by plan_resiliency
            Ok(ComponentPlan { name: spec.name.clone(), kind, provider, settings, resiliency })
        }
        (p, s) => {
            let msgs = p.err().into_iter().flatten().chain(s.err().into_iter().flatten());
            Err(msgs.map(|m| metadata_problem(spec, &m)).collect())
        }
    }
}

/// A `"<key>: <message>"` problem, placed at that key's YAML path when the key is present.
pub(crate) fn metadata_problem(spec: &ComponentSpec, message: &str) -> ConfigProblem {
    let key = message.split_once(':').map(|(k, _)| k.trim()).unwrap_or("");
    let path = spec
        .metadata
        .path_of(key)
        .map(str::to_string)
        .unwrap_or_else(|| "spec.metadata".to_string());
    problem(spec, &path, message.to_string())
}

fn problem(spec: &ComponentSpec, path: &str, message: String) -> ConfigProblem {
    spec.source.problem(path, message).with_component(Some(&spec.name))
}

/// Checks every planned component's `fallbackComponent`: it must name another conversation
/// component (or pool) that passed validation.
fn check_fallbacks(resources: &Resources, plan: &Plan, planned: &[&str]) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let components = plan.conversation.iter().map(|c| (&c.name, &c.settings));
    let pools = plan.pools.iter().map(|p| (&p.name, &p.settings));
    for (name, settings) in components.chain(pools) {
        let Some(target) = settings.fallback_component.as_deref() else { continue };
        let Err(msg) = check_one(resources, planned, name, target) else { continue };
        let Some(spec) = resources.component(name) else { continue };
        let path = spec.metadata.path_of(settings::FALLBACK_KEY).unwrap_or("spec.metadata");
        problems.push(
            spec.source
                .problem(path, format!("{}: {msg}", settings::FALLBACK_KEY))
                .with_component(Some(name)),
        );
    }
    problems
}

fn check_one(
    resources: &Resources,
    planned: &[&str],
    name: &str,
    target: &str,
) -> Result<(), String> {
    if target == name {
        return Err("a component cannot fall back to itself".to_string());
    }
    if planned.contains(&target) {
        return Ok(());
    }
    let names: Vec<&str> = planned.iter().copied().filter(|n| *n != name).collect();
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
