//! A validated [`Plan`] → a running [`ConversationService`]: the providers on one shared HTTP
//! client, the caches, the metrics registry, and each component's chain of stages, built once
//! per configuration (no network I/O: Redis stores connect lazily).
//!
//! A [`Builder`] keeps what outlives one configuration — the metrics, the cache tiers and
//! their counters, the keys' counters — and, on a reload ([`Builder::reload`]), keeps every
//! component whose plan did not change (its chain: provider, breaker, pool health,
//! in-flight cache flights), rebuilding only what changed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parlance_pii::Scrubber;
use parlance_providers::{HttpClient, registry};

use crate::cache::{CacheStats, Caches, DEFAULT_MAX_BYTES, MemoryCache, RedisConfig, RedisStore};
use crate::cost::Pricing;
use crate::keys::{Clock, CounterHome, KeyRing};
use crate::plan::{ComponentPlan, Plan, PoolPlan};
use crate::pool::config::POOL_TYPE;
use crate::pool::{PoolMember, PoolStage, PoolStats};
use crate::resiliency::ResiliencyStats;
use crate::service::{Component, ConversationService, Live};
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
    /// run inside a Tokio runtime when the plan has cache stores or shared key counters.
    pub fn build(self, opts: &BuildOptions) -> ConversationService {
        Builder::new(opts.clone(), Clock::System).service(self)
    }
}

/// What a conversation component or pool was built from, to tell whether a reload changed it.
#[derive(Debug, PartialEq)]
enum Source {
    Component(Box<ComponentPlan>),
    Pool(Box<PoolPlan>),
}

/// A built conversation component or pool, kept for the next reload.
struct Kept {
    source: Source,
    component: Arc<Component>,
    /// A pool's member counters (pools only).
    pool_stats: Option<PoolStats>,
}

/// What a reload changed, by component name (for its log line).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Conversation components and pools that are new.
    pub added: Vec<String>,
    /// Those rebuilt because their plan (or a store or member they use) changed.
    pub changed: Vec<String>,
    /// Those no longer configured.
    pub removed: Vec<String>,
    /// Those kept as they were (chains, clients and state).
    pub kept: usize,
    /// API keys now configured.
    pub keys: usize,
}

/// Builds configurations over state that outlives each of them.
pub struct Builder {
    opts: BuildOptions,
    clock: Clock,
    telemetry: Arc<Telemetry>,
    memory: MemoryCache,
    stores: HashMap<String, (RedisConfig, Arc<RedisStore>)>,
    resiliency: ResiliencyList,
    pools: PoolList,
    counters: CounterHome,
    built: HashMap<String, Kept>,
}

impl Builder {
    /// A builder with fresh metrics, cache tiers and key counters (`clock`: the keys'
    /// windows).
    pub fn new(opts: BuildOptions, clock: Clock) -> Builder {
        let (resiliency, pools) = (ResiliencyList::default(), PoolList::default());
        let mut telemetry = Telemetry::new();
        let stats = StatsCollector::new(opts.cache_stats.clone(), resiliency.clone());
        telemetry.register_stats(stats.with_pools(pools.clone()));
        Builder {
            memory: MemoryCache::new(opts.cache_max_bytes),
            opts,
            clock,
            telemetry: Arc::new(telemetry),
            stores: HashMap::new(),
            resiliency,
            pools,
            counters: CounterHome::default(),
            built: HashMap::new(),
        }
    }

    /// The metrics every configuration records in.
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// The first configuration: a service over `plan`.
    pub fn service(&mut self, plan: Plan) -> ConversationService {
        let (live, _) = self.generation(plan);
        ConversationService::with_live(live, self.telemetry.clone())
    }

    /// A reload: builds `plan` (keeping every component it did not change) and puts it in
    /// force in `service`. Requests in flight finish on the configuration they started with.
    pub fn reload(&mut self, service: &ConversationService, plan: Plan) -> Changes {
        let (live, changes) = self.generation(plan);
        service.replace(live);
        changes
    }

    fn generation(&mut self, plan: Plan) -> (Live, Changes) {
        let (caches, moved) = self.caches(&plan.stores);
        let (keys, groups, clock) = (&plan.keys, &plan.groups, self.clock.clone());
        let ring = KeyRing::build_in(&self.counters, keys, groups, &plan.stores, clock);
        let mut round = Round {
            previous: std::mem::take(&mut self.built),
            moved,
            kept: HashSet::new(),
            changes: Changes { keys: plan.keys.len(), ..Changes::default() },
        };
        let mut built = Vec::new();
        for c in plan.conversation {
            let source = Source::Component(Box::new(c.clone()));
            let kept = round.keep(&c.name, &source, &c.settings, &[]);
            built.push(kept.unwrap_or_else(|| {
                let component = build_one(c, &self.opts.client, &caches, &self.telemetry);
                Kept { source, component: Arc::new(component), pool_stats: None }
            }));
        }
        build_pools(plan.pools, &mut built, &mut round, &caches, &self.telemetry);
        round.changes.removed = round.previous.into_keys().collect();
        round.changes.removed.sort();
        self.publish_stats(&built);
        let mut order: Vec<Arc<Component>> = built.iter().map(|k| k.component.clone()).collect();
        let others = plan.others.into_iter().map(|(n, t, v)| Arc::new(listed(n, t, v)));
        order.extend(others);
        self.built = built.into_iter().map(|k| (k.component.name.clone(), k)).collect();
        (Live::new(order, ring.map(Arc::new)), round.changes)
    }

    /// The cache tiers of a configuration: the one memory tier and the counters, and each
    /// Redis store (its connection kept while its settings are unchanged). Also returns the
    /// stores that are new or changed: components that use them are rebuilt.
    fn caches(&mut self, stores: &[RedisConfig]) -> (Caches, HashSet<String>) {
        let mut moved = HashSet::new();
        let mut now = HashMap::new();
        for config in stores {
            let store = match self.stores.remove(&config.name) {
                Some((old, store)) if old == *config => store,
                _ => {
                    moved.insert(config.name.clone());
                    let stats = self.opts.cache_stats.clone();
                    Arc::new(RedisStore::connect(config, stats))
                }
            };
            now.insert(config.name.clone(), (config.clone(), store));
        }
        self.stores = now;
        let stores = self.stores.iter().map(|(n, (_, s))| (n.clone(), s.clone())).collect();
        let stats = self.opts.cache_stats.clone();
        (Caches { memory: self.memory.clone(), stores, stats }, moved)
    }

    /// What the metrics read at scrape time: each component's resiliency counters and each
    /// pool's member counters, of this configuration.
    fn publish_stats(&self, built: &[Kept]) {
        let resiliency = built.iter().filter_map(|k| {
            let c = &k.component;
            Some((c.name.clone(), c.resiliency.clone()?))
        });
        self.resiliency.store(Arc::new(resiliency.collect()));
        let pools = built.iter().filter_map(|k| k.pool_stats.clone());
        self.pools.store(Arc::new(pools.collect()));
    }
}

/// One build's view of the previous configuration: what may be kept.
struct Round {
    /// The previous configuration's components not yet claimed.
    previous: HashMap<String, Kept>,
    /// Redis stores that are new or changed.
    moved: HashSet<String>,
    /// Components and pools kept so far (a pool is kept only when all its members are).
    kept: HashSet<String>,
    changes: Changes,
}

impl Round {
    /// The previous build of `name` when it was built from the same `source`, its cache
    /// store is unchanged and every one of its `members` (pools) was kept too.
    fn keep(
        &mut self,
        name: &str,
        source: &Source,
        settings: &Settings,
        members: &[String],
    ) -> Option<Kept> {
        let Some(previous) = self.previous.remove(name) else {
            self.changes.added.push(name.to_string());
            return None;
        };
        let store_moved = settings.cache_store.as_ref().is_some_and(|s| self.moved.contains(s));
        let members_kept = members.iter().all(|m| self.kept.contains(m));
        if previous.source == *source && !store_moved && members_kept {
            self.changes.kept += 1;
            self.kept.insert(name.to_string());
            return Some(previous);
        }
        self.changes.changed.push(name.to_string());
        None
    }
}

/// A component that is only listed (secret stores, state stores).
fn listed(name: String, type_name: String, version: String) -> Component {
    Component {
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
        counter: None,
        keeps_responses_items: false,
        takes_reasoning: [false, false],
        provider: None,
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

/// The pools, each built (or kept) once all its members are (pools of pools: validation
/// refused cycles, so every round builds at least one until none is left), with their
/// counters; appended to `built`.
fn build_pools(
    mut pending: Vec<PoolPlan>,
    built: &mut Vec<Kept>,
    round: &mut Round,
    caches: &Caches,
    telemetry: &Arc<Telemetry>,
) {
    let mut chains: Built = built
        .iter()
        .filter_map(|k| {
            let c = &k.component;
            Some((c.name.clone(), (c.chain.clone()?, c.resiliency.clone())))
        })
        .collect();
    while !pending.is_empty() {
        let ready = |p: &PoolPlan| p.pool.members.iter().all(|m| chains.contains_key(&m.name));
        let Some(at) = pending.iter().position(ready) else {
            tracing::error!("pools left unbuilt: a member is missing (validation should refuse)");
            break;
        };
        let p = pending.swap_remove(at);
        let source = Source::Pool(Box::new(p.clone()));
        let members: Vec<String> = p.pool.members.iter().map(|m| m.name.clone()).collect();
        let kept = round.keep(&p.name, &source, &p.settings, &members);
        let kept = kept.unwrap_or_else(|| build_pool(p, source, &chains, caches, telemetry));
        if let Some(chain) = kept.component.chain.clone() {
            chains.insert(kept.component.name.clone(), (chain, None));
        }
        built.push(kept);
    }
}

/// One pool over its members' chains.
fn build_pool(
    p: PoolPlan,
    source: Source,
    chains: &Built,
    caches: &Caches,
    telemetry: &Arc<Telemetry>,
) -> Kept {
    let members = p.pool.members.iter().filter_map(|m| {
        let (chain, breaker) = chains.get(&m.name)?.clone();
        Some(PoolMember { name: m.name.clone(), chain, breaker })
    });
    let stage = PoolStage::new(&p.name, &p.pool, members.collect());
    let stats = stage.stats();
    // The pool's own cache and PII policy sit above the choice of member.
    let chain = cache_and_pii(Arc::new(stage), &p.name, None, &p.settings, caches, telemetry);
    let component = Component {
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
        counter: None,
        keeps_responses_items: false,
        takes_reasoning: [false, false],
        provider: None,
    };
    Kept { source, component: Arc::new(component), pool_stats: Some(stats) }
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
    let keeps_responses_items = provider.keeps_opaque(parlance_core::Opaque::RESPONSES);
    let takes_reasoning = ["effort", "summary"].map(|part| provider.takes_reasoning(part));
    let meters = telemetry.provider_meters(&ProviderCall {
        component: &c.name,
        provider: gen_ai_provider,
        model: model.as_deref().unwrap_or_default(),
    });
    // The provider call itself (timed for the overhead metric, usage counted), plus the
    // "required tools but empty reply" check.
    // Token counts go to the provider directly, unless its inputs are scrubbed.
    let counter = (!c.settings.scrub_pii.inputs).then(|| provider.clone());
    let reach = provider.clone();
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
        counter,
        keeps_responses_items,
        takes_reasoning,
        provider: Some(reach),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(name: &str, extra: &str) -> String {
        format!(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.echo\n  version: v1\n  metadata:\n  - name: key\n    value: k\n{extra}---\n"
        )
    }

    fn pool(name: &str, members: &str) -> String {
        format!(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.pool\n  version: v1\n  metadata:\n  - name: members\n    value: \"{members}\"\n---\n"
        )
    }

    /// The plan of one resources file holding `yaml`.
    fn plan_of(yaml: &str) -> Plan {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), yaml).unwrap();
        let env = |_: &str| None;
        let resources = parlance_config::load(&[dir.path().to_path_buf()], &env).unwrap();
        crate::plan(&resources, &env).unwrap()
    }

    fn builder() -> Builder {
        let client = parlance_providers::http_client().unwrap();
        Builder::new(BuildOptions::new(client), Clock::System)
    }

    fn same(a: &ConversationService, b: &Live, name: &str) -> bool {
        Arc::ptr_eq(a.live().component(name).unwrap(), b.component(name).unwrap())
    }

    #[tokio::test]
    async fn a_reload_keeps_what_did_not_change_and_rebuilds_what_did() {
        let mut b = builder();
        let first = format!("{}{}{}", echo("a", ""), echo("b", ""), pool("p", "a, b"));
        let service = b.service(plan_of(&first));
        let before = service.live();
        let changes = b.reload(&service, plan_of(&first));
        assert_eq!(changes, Changes { kept: 3, ..Changes::default() });
        assert!(["a", "b", "p"].iter().all(|n| same(&service, &before, n)), "all kept");
        // b changes: b is rebuilt, and so is the pool over it; a is kept.
        let second = format!(
            "{}{}{}{}",
            echo("a", ""),
            echo("b", "  - name: cacheTTL\n    value: 1m\n"),
            pool("p", "a, b"),
            echo("c", "")
        );
        let changes = b.reload(&service, plan_of(&second));
        assert_eq!(changes.added, ["c"]);
        assert_eq!(changes.changed, ["b", "p"]);
        assert_eq!((changes.kept, changes.removed.len()), (1, 0));
        assert!(same(&service, &before, "a"));
        assert!(!same(&service, &before, "b") && !same(&service, &before, "p"));
        // Removed ones are gone; the requests that hold `before` still have them.
        let changes = b.reload(&service, plan_of(&echo("c", "")));
        assert_eq!((changes.removed, changes.kept), (vec!["a".into(), "b".into(), "p".into()], 1));
        assert!(service.live().component("a").is_none());
        assert!(before.component("a").is_some());
    }

    #[tokio::test]
    async fn keys_appear_and_go_with_the_configuration() {
        let digest = "5537e95fbf97088a783ac334b60b505e7cfcbccef77e180839b7af904bf2d441";
        let key = format!(
            "apiVersion: parlance.dev/v1alpha1\nkind: APIKey\nmetadata:\n  name: ci\nspec:\n  secret:\n    sha256: {digest}\n"
        );
        let mut b = builder();
        let service = b.service(plan_of(&echo("a", "")));
        assert!(service.keys().is_none());
        let changes = b.reload(&service, plan_of(&format!("{}{key}", echo("a", ""))));
        assert_eq!((changes.keys, changes.kept), (1, 1));
        let ring = service.keys().unwrap();
        assert_eq!(ring.authenticate([b"sk-ci-bot".as_slice()]).unwrap().name(), "ci");
        b.reload(&service, plan_of(&echo("a", "")));
        assert!(service.keys().is_none());
    }
}
