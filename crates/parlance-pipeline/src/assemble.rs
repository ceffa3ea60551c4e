//! A validated [`Plan`] → a running [`ConversationService`]: the providers on one shared HTTP
//! client, the caches, the metrics registry, and each component's chain of stages, built once
//! at start-up (no network I/O: Redis stores connect lazily).

use std::collections::HashMap;
use std::sync::Arc;

use parlance_pii::Scrubber;
use parlance_providers::{HttpClient, registry};

use crate::cache::{CacheStats, Caches, DEFAULT_MAX_BYTES};
use crate::cost::Pricing;
use crate::plan::{ComponentPlan, Plan, PoolPlan};
use crate::pool::config::POOL_TYPE;
use crate::pool::{PoolMember, PoolStage};
use crate::resiliency::ResiliencyStats;
use crate::service::{Component, ConversationService};
use crate::settings::Settings;
use crate::stage::DynStage;
use crate::stages::cache::CacheStage;
use crate::stages::pii::PiiStage;
use crate::stages::provider::ProviderStage;
use crate::stages::resiliency::ResiliencyStage;
use crate::telemetry::ProviderCall;
use crate::telemetry::{PoolList, ResiliencyList, StatsCollector, Telemetry};

/// What building needs besides the plan: shared resources and process-wide limits.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The one pooled HTTP client of every provider.
    pub client: HttpClient,
    /// The bound of the in-memory response cache (`--cache-max-bytes`).
    pub cache_max_bytes: u64,
    /// The cache counters; keep a clone to read them.
    pub cache_stats: Arc<CacheStats>,
}

impl BuildOptions {
    /// Defaults around `client`: a 256 MiB cache and fresh counters.
    pub fn new(client: HttpClient) -> BuildOptions {
        BuildOptions { client, cache_max_bytes: DEFAULT_MAX_BYTES, cache_stats: Arc::default() }
    }
}

impl Plan {
    /// Builds every component's pipeline (no network I/O: Redis stores connect lazily). Must
    /// run inside a Tokio runtime when the plan has cache stores.
    pub fn build(self, opts: &BuildOptions) -> ConversationService {
        let caches = Caches::build(opts.cache_max_bytes, &self.stores, opts.cache_stats.clone());
        let (resiliency, pool_stats) = (ResiliencyList::default(), PoolList::default());
        let mut telemetry = Telemetry::new();
        let stats = StatsCollector::new(opts.cache_stats.clone(), resiliency.clone());
        telemetry.register_stats(stats.with_pools(pool_stats.clone()));
        let telemetry = Arc::new(telemetry);
        let build = |c| build_one(c, &opts.client, &caches, &telemetry);
        let mut components: Vec<Component> = self.conversation.into_iter().map(build).collect();
        let (pools, stats) = build_pools(self.pools, &components, &caches, &telemetry);
        components.extend(pools);
        let _ = pool_stats.set(stats);
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
            allowed_models: Default::default(),
            model_aliases: Default::default(),
            meters: None,
            pricing: Default::default(),
        }));
        ConversationService::new(components, telemetry)
    }
}

/// The stages every component has above its calls: the response cache and PII.
fn cache_and_pii(
    mut chain: DynStage,
    name: &str,
    model: Option<&str>,
    settings: &Settings,
    caches: &Caches,
    telemetry: &Arc<Telemetry>,
) -> DynStage {
    // Inside PII (keys from scrubbed inputs, hits scrubbed on the way out), outside resiliency
    // and the provider (a hit skips both).
    if let Some(ttl) = settings.cache_ttl {
        let store = settings.cache_store.as_ref().and_then(|s| caches.stores.get(s)).cloned();
        chain = Arc::new(CacheStage::new(chain, name, model, ttl, caches, store));
    }
    // Outermost: scrub inputs before anything below can see or store them; scrub and restore
    // outputs after, so cache hits are scrubbed too. `scrubPii` is enforced here, for every
    // caller on every door.
    let scrubber = Scrubber::new(settings.pii_entities);
    let pii = PiiStage::new(chain, scrubber, settings.pii_mode, telemetry.clone());
    Arc::new(pii.with_policy(settings.scrub_pii))
}

/// A built component's chain and resiliency state, by name.
type Built = HashMap<String, (DynStage, Option<ResiliencyStats>)>;

/// The pools, each built once all its members are (pools of pools: validation refused
/// cycles, so every round builds at least one until none is left), with their counters.
fn build_pools(
    mut pending: Vec<PoolPlan>,
    built: &[Component],
    caches: &Caches,
    telemetry: &Arc<Telemetry>,
) -> (Vec<Component>, Vec<crate::pool::PoolStats>) {
    let mut chains: Built = built
        .iter()
        .filter_map(|c| Some((c.name.clone(), (c.chain.clone()?, c.resiliency.clone()))))
        .collect();
    let (mut pools, mut stats) = (Vec::new(), Vec::new());
    while !pending.is_empty() {
        let ready = |p: &PoolPlan| p.pool.members.iter().all(|m| chains.contains_key(&m.name));
        let Some(at) = pending.iter().position(ready) else {
            tracing::error!("pools left unbuilt: a member is missing (validation should refuse)");
            break;
        };
        let p = pending.swap_remove(at);
        let members = p.pool.members.iter().filter_map(|m| {
            let (chain, breaker) = chains.get(&m.name)?.clone();
            Some(PoolMember { name: m.name.clone(), chain, breaker })
        });
        let stage = PoolStage::new(&p.name, &p.pool, members.collect());
        stats.push(stage.stats());
        // The pool's own cache and PII policy sit above the choice of member.
        let chain = cache_and_pii(Arc::new(stage), &p.name, None, &p.settings, caches, telemetry);
        chains.insert(p.name.clone(), (chain.clone(), None));
        pools.push(Component {
            meters: Some(telemetry.component_meters(&p.name, "")),
            name: p.name,
            type_name: POOL_TYPE.to_string(),
            version: "v1".into(),
            chain: Some(chain),
            resiliency: None,
            fallback: p.settings.fallback_component,
            gen_ai_provider: "",
            model: String::new(),
            allowed_models: p.settings.allowed_models,
            model_aliases: p.settings.model_aliases,
            pricing: Default::default(),
        });
    }
    (pools, stats)
}

/// One component's chain, innermost first; each step says why it sits where it does.
fn build_one(
    c: ComponentPlan,
    client: &HttpClient,
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
    let mut chain: DynStage =
        Arc::new(ProviderStage::new(provider, meters, c.settings.stream_idle));
    // Right above the provider: retry ∘ breaker ∘ per-attempt timeout wraps only the upstream
    // call (as daprd wraps only the component call); a cache hit above never waits on it.
    let mut stats = None;
    if !c.resiliency.is_empty() {
        let stage = ResiliencyStage::new(chain, &c.name, c.resiliency);
        stats = Some(stage.stats());
        chain = Arc::new(stage);
    }
    let chain = cache_and_pii(chain, &c.name, model.as_deref(), &c.settings, caches, telemetry);
    let meters = telemetry.component_meters(&c.name, model.as_deref().unwrap_or_default());
    Component {
        name: c.name,
        type_name: c.kind.type_name().to_string(),
        version: "v1".into(),
        chain: Some(chain),
        resiliency: stats,
        fallback: c.settings.fallback_component,
        gen_ai_provider,
        model: model.unwrap_or_default(),
        allowed_models: c.settings.allowed_models,
        model_aliases: c.settings.model_aliases,
        meters: Some(meters),
        pricing: Pricing::new(gen_ai_provider, c.settings.prices),
    }
}
