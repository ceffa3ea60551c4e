//! Loaded resources → a [`Plan`] (validated, no I/O) → a running [`ConversationService`].
//!
//! Validation collects every problem of every component, each naming the file and YAML path,
//! so that a bad resources folder never half-starts. `ignoreErrors: true` turns a component's
//! own problems into warnings and drops it.

use std::collections::HashSet;
use std::sync::Arc;

use parlance_config::{ComponentSpec, ConfigProblem, Resources};
use parlance_pii::Scrubber;
use parlance_providers::{ProviderConfig, ProviderKind, registry};

use crate::cache::redis::{self as redis_store, STATE_REDIS};
use crate::cache::{CacheStats, Caches, DEFAULT_MAX_BYTES, RedisConfig};
use crate::service::{Component, ConversationService};
use crate::settings::{self, Settings};
use crate::stage::DynStage;
use crate::stages::cache::CacheStage;
use crate::stages::pii::PiiStage;
use crate::stages::provider::ProviderStage;
use crate::stages::resiliency::ResiliencyStage;
use crate::telemetry::ProviderCall;
use crate::telemetry::{ResiliencyList, StatsCollector, Telemetry};
use crate::{fallback, resiliency};

/// A conversation component that passed validation.
#[derive(Debug, Clone)]
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

/// Everything the server will build, validated.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Conversation components.
    pub conversation: Vec<ComponentPlan>,
    /// Other components (secret stores, state stores), listed by the metadata endpoint.
    pub others: Vec<(String, String, String)>,
    /// The `state.redis` components named by some `responseCacheStore`, validated.
    pub stores: Vec<RedisConfig>,
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
    });
    let echo = ComponentPlan {
        name: "echo".into(),
        kind: ProviderKind::Echo,
        provider: ProviderConfig::Echo,
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
    let mut plan = Plan { warnings: resources.warnings.clone(), ..Plan::default() };
    let mut errors = Vec::new();
    for spec in &resources.components {
        if !spec.type_name.starts_with("conversation.") {
            plan.others.push((spec.name.clone(), spec.type_name.clone(), spec.version.clone()));
            continue;
        }
        match plan_component(spec, resources, env) {
            Ok(c) => plan.conversation.push(c),
            Err(problems) if spec.ignore_errors => {
                plan.warnings.extend(problems.into_iter().map(|mut p| {
                    p.message.push_str(&format!(
                        " (component {:?} skipped: ignoreErrors is true)",
                        spec.name
                    ));
                    p
                }))
            }
            Err(problems) => errors.extend(problems),
        }
    }
    plan.stores = plan_stores(resources, &plan.conversation, &mut errors);
    plan_resiliency(resources, &mut plan, &mut errors);
    errors.extend(fallback::check(resources, &plan.conversation));
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
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
    conversation: &[ComponentPlan],
    errors: &mut Vec<ConfigProblem>,
) -> Vec<RedisConfig> {
    let mut seen = HashSet::new();
    let names = conversation.iter().filter_map(|c| c.settings.cache_store.as_deref());
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
fn metadata_problem(spec: &ComponentSpec, message: &str) -> ConfigProblem {
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

/// What building needs besides the plan: shared resources and process-wide limits.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The one pooled HTTP client of every provider.
    pub client: reqwest::Client,
    /// The bound of the in-memory response cache (`--cache-max-bytes`).
    pub cache_max_bytes: u64,
    /// The cache counters; keep a clone to read them.
    pub cache_stats: Arc<CacheStats>,
}

impl BuildOptions {
    /// Defaults around `client`: a 256 MiB cache and fresh counters.
    pub fn new(client: reqwest::Client) -> BuildOptions {
        BuildOptions { client, cache_max_bytes: DEFAULT_MAX_BYTES, cache_stats: Arc::default() }
    }
}

impl Plan {
    /// Builds every component's pipeline (no network I/O: Redis stores connect lazily). Must
    /// run inside a Tokio runtime when the plan has cache stores.
    pub fn build(self, opts: &BuildOptions) -> ConversationService {
        let caches = Caches::build(opts.cache_max_bytes, &self.stores, opts.cache_stats.clone());
        let resiliency = ResiliencyList::default();
        let mut telemetry = Telemetry::new();
        telemetry.register_stats(StatsCollector::new(opts.cache_stats.clone(), resiliency.clone()));
        let telemetry = Arc::new(telemetry);
        let build = |c| build_one(c, &opts.client, &caches, &telemetry);
        let mut components: Vec<Component> = self.conversation.into_iter().map(build).collect();
        let stats = components.iter().filter_map(|c| Some((c.name.clone(), c.resiliency.clone()?)));
        let _ = resiliency.set(stats.collect());
        components.extend(self.others.into_iter().map(|(name, type_name, version)| Component {
            name,
            type_name,
            version,
            chain: None,
            resiliency: None,
            fallback: None,
            gen_ai_provider: "",
            model: String::new(),
            meters: None,
        }));
        ConversationService::new(components, telemetry)
    }
}

/// One component's chain, innermost first; each step says why it sits where it does.
fn build_one(
    c: ComponentPlan,
    client: &reqwest::Client,
    caches: &Caches,
    telemetry: &Arc<Telemetry>,
) -> Component {
    let model = c.provider.model().map(str::to_string);
    let gen_ai_provider = c.provider.gen_ai_provider();
    let provider = registry::build(c.provider, client);
    let meters = telemetry.provider_meters(&ProviderCall {
        component: &c.name,
        provider: gen_ai_provider,
        model: model.as_deref().unwrap_or_default(),
    });
    // The provider call itself (timed for the overhead metric, usage counted), plus the
    // "required tools but empty reply" check.
    let mut chain: DynStage = Arc::new(ProviderStage::new(provider, meters));
    // Right above the provider: retry ∘ breaker ∘ per-attempt timeout wraps only the upstream
    // call (as daprd wraps only the component call); a cache hit above never waits on it.
    let mut stats = None;
    if !c.resiliency.is_empty() {
        let stage = ResiliencyStage::new(chain, &c.name, c.resiliency);
        stats = Some(stage.stats());
        chain = Arc::new(stage);
    }
    // Inside PII (keys from scrubbed inputs, hits scrubbed on the way out), outside resiliency
    // and the provider (a hit skips both).
    if let Some(ttl) = c.settings.cache_ttl {
        let store = c.settings.cache_store.as_ref().and_then(|s| caches.stores.get(s)).cloned();
        chain = Arc::new(CacheStage::new(chain, &c.name, model.as_deref(), ttl, caches, store));
    }
    // Outermost: scrub inputs before anything below can see or store them; scrub and restore
    // outputs after, so cache hits are scrubbed too.
    let scrubber = Scrubber::new(c.settings.pii_entities);
    chain = Arc::new(PiiStage::new(chain, scrubber, c.settings.pii_mode, telemetry.clone()));
    let meters = telemetry.component_meters(&c.name);
    Component {
        name: c.name,
        type_name: c.kind.type_name().to_string(),
        version: "v1".into(),
        chain: Some(chain),
        resiliency: stats,
        fallback: c.settings.fallback_component,
        gen_ai_provider,
        model: model.unwrap_or_default(),
        meters: Some(meters),
    }
}
