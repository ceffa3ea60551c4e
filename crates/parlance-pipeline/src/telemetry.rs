//! Every metric parlance exports, named in this one module, with typed low-cardinality labels:
//! the component label only ever holds a configured component name (`unknown` otherwise), the
//! model label the component's configured model, the code label a Dapr error code.
//!
//! Names follow Prometheus conventions and, where they define one, the OpenTelemetry GenAI
//! semantic conventions (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration`, with
//! dots written as underscores). Recording is lock-free on the hot path apart from the label
//! map look-up of `prometheus-client`'s `Family` (a read lock).

use std::time::Duration;

use parlance_core::{ApiVersion, ErrorCode, Usage};
use parlance_pii::{Entity, EntityCounts};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::cache::CacheStats;
use crate::cost::Charge;
use crate::pool::PoolStats;
use crate::pool::pick::MemberStats;
use crate::resiliency::ResiliencyStats;

/// Latency buckets in seconds: 50 µs … 60 s.
const LATENCY_BUCKETS: [f64; 18] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 10.0, 30.0, 60.0,
];
/// Time spent inside parlance: 10 µs … 100 ms.
const OVERHEAD_BUCKETS: [f64; 12] =
    [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
/// Token counts per call, as the GenAI conventions suggest (powers of 4).
const TOKEN_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// Labels of a finished API request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    api: &'static str,
    component: String,
    code: &'static str,
    /// `true` for a streamed request, `false` for a plain one.
    stream: &'static str,
}

/// The `stream` label's value.
fn stream_label(stream: bool) -> &'static str {
    if stream { "true" } else { "false" }
}

/// The `code` of a stream whose client went away before it ended.
pub const CANCELLED: &str = "CANCELLED";

/// Labels of per-component timings.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    api: &'static str,
    component: String,
}

/// GenAI-convention labels of a provider call.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GenAiLabels {
    gen_ai_operation_name: &'static str,
    gen_ai_provider_name: &'static str,
    gen_ai_request_model: String,
    component: String,
}

/// Token labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    gen_ai_provider_name: &'static str,
    gen_ai_request_model: String,
    gen_ai_token_type: &'static str,
    component: String,
}

/// PII labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EntityLabels {
    entity: &'static str,
}

/// Labels of a request field a door dropped.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DroppedLabels {
    api: &'static str,
    field: &'static str,
}

/// Labels of a failed call to the Responses door's store.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreOpLabels {
    op: &'static str,
}

/// Component-only labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OnlyComponent {
    component: String,
}

/// Spend labels: the API key and its group (`""` without a key; never a secret), the
/// component and its configured model.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SpendLabels {
    key: String,
    group: String,
    component: String,
    model: String,
}

/// Tokens of a keyed request, by type.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyTokenLabels {
    key: String,
    group: String,
    component: String,
    model: String,
    token_type: &'static str,
}

/// A key's refusals, by the limit or budget that refused.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    key: String,
    group: String,
    component: String,
    reason: &'static str,
}

/// A counter of US dollars.
type Usd = Counter<f64, AtomicU64>;
type AtomicU64 = std::sync::atomic::AtomicU64;

/// Cache outcome labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

/// Pool member labels: the pool's and the member's configured names.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MemberLabels {
    pool: String,
    member: String,
}

/// Reads the cache, resiliency and pool counters at scrape time, so the hot path only bumps
/// atomics.
#[derive(Debug)]
pub struct StatsCollector {
    cache: std::sync::Arc<CacheStats>,
    resiliency: ResiliencyList,
    pools: PoolList,
}

/// Each component's resiliency counters, replaced whenever the chains are (re)built.
pub type ResiliencyList = std::sync::Arc<arc_swap::ArcSwap<Vec<(String, ResiliencyStats)>>>;

/// Each pool's member counters, replaced whenever the pools are (re)built.
pub type PoolList = std::sync::Arc<arc_swap::ArcSwap<Vec<PoolStats>>>;

impl StatsCollector {
    /// Over the shared cache counters and each component's resiliency counters.
    pub fn new(cache: std::sync::Arc<CacheStats>, resiliency: ResiliencyList) -> StatsCollector {
        StatsCollector { cache, resiliency, pools: PoolList::default() }
    }

    /// The same, also exporting each pool member's counters.
    pub fn with_pools(self, pools: PoolList) -> StatsCollector {
        StatsCollector { pools, ..self }
    }

    fn encode_cache(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = self.cache.snapshot();
        let mut family = encoder.encode_descriptor(
            "parlance_cache_requests",
            "Response cache outcomes (hit, miss, bypass, coalesced)",
            None,
            MetricType::Counter,
        )?;
        for (status, n) in [
            ("hit", s.hits),
            ("miss", s.misses),
            ("bypass", s.bypasses),
            ("coalesced", s.coalesced),
        ] {
            ConstCounter::new(n).encode(family.encode_family(&StatusLabel { status })?)?;
        }
        let saved = ConstCounter::new(s.tokens_saved);
        saved.encode(encoder.encode_descriptor(
            "parlance_cache_tokens_saved",
            "Tokens not spent upstream thanks to cache hits and coalesced requests",
            None,
            saved.metric_type(),
        )?)?;
        let errors = ConstCounter::new(s.redis_errors);
        errors.encode(encoder.encode_descriptor(
            "parlance_cache_redis_errors",
            "Redis calls that failed or timed out (the request bypassed the shared cache)",
            None,
            errors.metric_type(),
        )?)
    }

    fn encode_resiliency(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut retries = encoder.encode_descriptor(
            "parlance_retries",
            "Retries made by resiliency policies",
            None,
            MetricType::Counter,
        )?;
        let list = self.resiliency.load();
        let list = list.as_slice();
        for (name, stats) in list {
            ConstCounter::new(stats.retries())
                .encode(retries.encode_family(&OnlyComponent { component: name.clone() })?)?;
        }
        let mut state = encoder.encode_descriptor(
            "parlance_circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 open, 2 half-open",
            None,
            MetricType::Gauge,
        )?;
        for (name, stats) in list {
            if let Some(b) = stats.breaker_state() {
                ConstGauge::new(i64::from(b.as_gauge()))
                    .encode(state.encode_family(&OnlyComponent { component: name.clone() })?)?;
            }
        }
        Ok(())
    }
}

impl Collector for StatsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.encode_cache(&mut encoder)?;
        self.encode_resiliency(&mut encoder)?;
        self.encode_pools(&mut encoder)
    }
}

/// One value of a pool member's series, which also fixes the series' type.
enum Num {
    Count(u64),
    Level(u64),
    Seconds(f64),
}

/// The per-member pool series: name, help, and the value from one member's counters.
type MemberSeries = (&'static str, &'static str, fn(&MemberStats) -> Num);

/// What each pool member exports (picks, in flight, latency average, ejections, rests,
/// rotation).
const MEMBER_SERIES: [MemberSeries; 6] = [
    ("parlance_pool_member_picks", "Attempts a pool sent to the member", |s| Num::Count(s.picks)),
    (
        "parlance_pool_member_in_flight",
        "Calls on the member now (a stream counts until it ends)",
        |s| Num::Level(s.in_flight),
    ),
    (
        "parlance_pool_member_latency_seconds",
        "Moving average of the member's time to first byte (0 before its first answer)",
        |s| Num::Seconds(s.latency.as_secs_f64()),
    ),
    (
        "parlance_pool_member_ejections",
        "Times the member left rotation after failures in a row",
        |s| Num::Count(s.ejections),
    ),
    ("parlance_pool_member_rests", "Times a 429 with retry-after rested the member", |s| {
        Num::Count(s.rests)
    }),
    (
        "parlance_pool_member_in_rotation",
        "1 while the member may be chosen, 0 while it rests or its breaker is open",
        |s| Num::Level(u64::from(s.in_rotation)),
    ),
];

impl StatsCollector {
    fn encode_pools(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let pools = self.pools.load();
        let pools = pools.as_slice();
        if pools.is_empty() {
            return Ok(());
        }
        let members: Vec<(MemberLabels, MemberStats)> = pools
            .iter()
            .flat_map(|p| {
                let label = |m: &str| MemberLabels { pool: p.pool().into(), member: m.into() };
                p.members().map(move |(m, s)| (label(m), s))
            })
            .collect();
        for (name, help, value) in MEMBER_SERIES {
            let kind = match members.first().map(|(_, s)| value(s)) {
                Some(Num::Count(_)) => MetricType::Counter,
                _ => MetricType::Gauge,
            };
            let mut family = encoder.encode_descriptor(name, help, None, kind)?;
            for (labels, stats) in &members {
                let metric = family.encode_family(labels)?;
                match value(stats) {
                    Num::Count(n) => ConstCounter::new(n).encode(metric)?,
                    Num::Level(n) => ConstGauge::new(n).encode(metric)?,
                    Num::Seconds(v) => ConstGauge::new(v).encode(metric)?,
                }
            }
        }
        Ok(())
    }
}

fn latency() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}
fn overhead() -> Histogram {
    Histogram::new(OVERHEAD_BUCKETS)
}
fn tokens() -> Histogram {
    Histogram::new(TOKEN_BUCKETS)
}

type HistFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The registry and every metric family.
pub struct Telemetry {
    /// Unique per instance: what [`KeyMeterCache`] knows its handles' registry by.
    id: u64,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: HistFamily<ComponentLabels>,
    overhead: HistFamily<ComponentLabels>,
    operation: HistFamily<GenAiLabels>,
    token_usage: HistFamily<TokenLabels>,
    first_token: HistFamily<GenAiLabels>,
    per_token: HistFamily<GenAiLabels>,
    tokens: Family<TokenLabels, Counter>,
    pii: Family<EntityLabels, Counter>,
    dropped: Family<DroppedLabels, Counter>,
    responses_store_errors: Family<StoreOpLabels, Counter>,
    in_flight: Gauge<i64, AtomicI64>,
    shed: Counter,
    spend: Family<SpendLabels, Usd>,
    saved: Family<SpendLabels, Usd>,
    unpriced: Family<SpendLabels, Counter>,
    key_tokens: Family<KeyTokenLabels, Counter>,
    refusals: Family<RefusalLabels, Counter>,
    reloads: Family<ResultLabel, Counter>,
    last_reload_ok: Gauge<i64, AtomicI64>,
    last_good_load: Gauge<f64, AtomicU64>,
}

type AtomicI64 = std::sync::atomic::AtomicI64;

/// The outcome of a configuration reload.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    /// A fresh registry with every family registered.
    pub fn new() -> Telemetry {
        let mut registry = Registry::default();
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let t = Telemetry {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            requests: Family::default(),
            duration: Family::new_with_constructor(latency),
            overhead: Family::new_with_constructor(overhead),
            operation: Family::new_with_constructor(latency),
            token_usage: Family::new_with_constructor(tokens),
            first_token: Family::new_with_constructor(latency),
            per_token: Family::new_with_constructor(overhead),
            tokens: Family::default(),
            pii: Family::default(),
            dropped: Family::default(),
            responses_store_errors: Family::default(),
            in_flight: Gauge::default(),
            shed: Counter::default(),
            spend: Family::default(),
            saved: Family::default(),
            unpriced: Family::default(),
            key_tokens: Family::default(),
            refusals: Family::default(),
            reloads: Family::default(),
            last_reload_ok: Gauge::default(),
            last_good_load: Gauge::default(),
            registry: Registry::default(),
        };
        t.register(&mut registry);
        Telemetry { registry, ..t }
    }

    fn register(&self, r: &mut Registry) {
        r.register(
            "parlance_requests",
            "Conversation requests by API, component and result code",
            self.requests.clone(),
        );
        r.register(
            "parlance_request_duration_seconds",
            "End-to-end duration of conversation requests",
            self.duration.clone(),
        );
        r.register(
            "parlance_overhead_seconds",
            "Time spent inside parlance per request, excluding upstream calls",
            self.overhead.clone(),
        );
        r.register(
            "gen_ai_client_operation_duration_seconds",
            "Duration of GenAI provider calls (gen_ai.client.operation.duration)",
            self.operation.clone(),
        );
        r.register(
            "gen_ai_client_token_usage",
            "Tokens per GenAI call by type (gen_ai.client.token.usage)",
            self.token_usage.clone(),
        );
        r.register(
            "gen_ai_server_time_to_first_token_seconds",
            "Time from the start of a streamed call to its first delta (gen_ai.server.time_to_first_token)",
            self.first_token.clone(),
        );
        r.register(
            "gen_ai_server_time_per_output_token_seconds",
            "Time per output token after the first, of streamed calls (gen_ai.server.time_per_output_token)",
            self.per_token.clone(),
        );
        r.register(
            "parlance_tokens",
            "Tokens by component, model and type (input, output, cached_input)",
            self.tokens.clone(),
        );
        r.register(
            "parlance_pii_entities",
            "PII entities found and obfuscated, by type",
            self.pii.clone(),
        );
        r.register(
            "parlance_dropped_fields",
            "Request fields a door dropped because the provider has no counterpart, by API and field",
            self.dropped.clone(),
        );
        r.register(
            "parlance_responses_store_errors",
            "Calls to the Responses door's Redis store that failed or timed out, by op (save, get, delete)",
            self.responses_store_errors.clone(),
        );
        r.register(
            "parlance_requests_in_flight",
            "Conversation requests being handled",
            self.in_flight.clone(),
        );
        r.register(
            "parlance_load_shed",
            "Requests refused because the concurrency limit was reached",
            self.shed.clone(),
        );
        r.register(
            "parlance_spend_usd",
            "US dollars spent on providers, by API key, group, component and model",
            self.spend.clone(),
        );
        r.register(
            "parlance_saved_usd",
            "US dollars not spent thanks to parlance's response cache, by key, group, component and model",
            self.saved.clone(),
        );
        r.register(
            "parlance_unpriced_replies",
            "Replies whose model has no price (not counted in spend), by key, group, component and model",
            self.unpriced.clone(),
        );
        r.register(
            "parlance_key_tokens",
            "Tokens used by API key, group, component, model and type (input, output)",
            self.key_tokens.clone(),
        );
        r.register(
            "parlance_key_refusals",
            "Requests refused to an API key, by group, component and the limit or budget that refused",
            self.refusals.clone(),
        );
        r.register(
            "parlance_config_reloads",
            "Reloads of the resources folder, by result (ok, error: the last good configuration stayed in force)",
            self.reloads.clone(),
        );
        r.register(
            "parlance_config_last_reload_successful",
            "1 when the last load of the resources succeeded, 0 when it failed",
            self.last_reload_ok.clone(),
        );
        r.register(
            "parlance_config_last_reload_success_timestamp_seconds",
            "Unix time of the last load of the resources that succeeded (start-up included)",
            self.last_good_load.clone(),
        );
    }

    /// A load of the resources: the first at start-up (`reload` false, not counted as a
    /// reload) or a reload, that succeeded (`ok`, the time is recorded) or not.
    pub fn config_loaded(&self, reload: bool, ok: bool) {
        if reload {
            let result = if ok { "ok" } else { "error" };
            self.reloads.get_or_create(&ResultLabel { result }).inc();
        }
        self.last_reload_ok.set(i64::from(ok));
        if ok {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            self.last_good_load.set(now.map(|d| d.as_secs_f64()).unwrap_or_default());
        }
    }

    /// Adds the scrape-time collector over cache and resiliency counters.
    pub fn register_stats(&mut self, collector: StatsCollector) {
        self.registry.register_collector(Box::new(collector));
    }

    /// The Prometheus text exposition of everything.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    /// A finished request: `code` is `None` on success; `upstream` is time spent waiting on
    /// providers (the rest is parlance's overhead). Successful requests to a configured
    /// component go through [`ComponentMeters::ok`] instead; this path (a label-map look-up)
    /// serves errors and unknown components.
    pub fn request(
        &self,
        api: ApiVersion,
        component: &str,
        code: Option<ErrorCode>,
        total: Duration,
        upstream: Duration,
    ) {
        self.request_coded(api, component, false, code.map(ErrorCode::as_str), total, upstream);
    }

    /// A finished streamed request: `code` is `None` on success, [`CANCELLED`] when the client
    /// went away before the end.
    pub fn stream_request(
        &self,
        api: ApiVersion,
        component: &str,
        code: Option<&'static str>,
        total: Duration,
        upstream: Duration,
    ) {
        self.request_coded(api, component, true, code, total, upstream);
    }

    fn request_coded(
        &self,
        api: ApiVersion,
        component: &str,
        stream: bool,
        code: Option<&'static str>,
        total: Duration,
        upstream: Duration,
    ) {
        let code = code.unwrap_or("OK");
        let component = component.to_string();
        let labels = RequestLabels {
            api: api.label(),
            component: component.clone(),
            code,
            stream: stream_label(stream),
        };
        self.requests.get_or_create(&labels).inc();
        let labels = ComponentLabels { api: api.label(), component };
        self.duration.get_or_create(&labels).observe(total.as_secs_f64());
        if code == "OK" {
            self.overhead
                .get_or_create(&labels)
                .observe(total.saturating_sub(upstream).as_secs_f64());
        }
    }

    /// Handles on the spend series of one key (`""` for requests without one), component
    /// and model.
    pub fn spend_meters(
        &self,
        key: &str,
        group: &str,
        component: &str,
        model: &str,
    ) -> SpendMeters {
        let labels = SpendLabels {
            key: key.to_string(),
            group: group.to_string(),
            component: component.to_string(),
            model: model.to_string(),
        };
        SpendMeters {
            spend: self.spend.get_or_create_owned(&labels),
            saved: self.saved.get_or_create_owned(&labels),
            unpriced: self.unpriced.get_or_create_owned(&labels),
        }
    }

    /// A keyed request's tokens (input and output) and spend, through the handles `cache`
    /// keeps for the key (looked up in the families once per key, component and model, not
    /// per request).
    pub fn key_charge_cached(
        &self,
        cache: &KeyMeterCache,
        who: &Spender<'_>,
        charge: Charge,
        usage: Option<&Usage>,
    ) {
        let mut slots = cache.slots.lock().unwrap_or_else(|e| e.into_inner());
        let found = slots.iter().find(|s| {
            s.telemetry == self.id && s.component == who.component && s.model == who.model
        });
        if let Some(slot) = found {
            return slot.meters.record(charge, usage);
        }
        let meters = self.key_meters(who);
        meters.record(charge, usage);
        if slots.len() < KeyMeterCache::SLOTS {
            slots.push(KeyMeterSlot {
                telemetry: self.id,
                component: who.component.to_string(),
                model: who.model.to_string(),
                meters,
            });
        }
    }

    /// Handles on one keyed spender's series.
    fn key_meters(&self, who: &Spender<'_>) -> KeyMeters {
        let tokens = |token_type| KeyTokenLabels {
            key: who.key.to_string(),
            group: who.group.to_string(),
            component: who.component.to_string(),
            model: who.model.to_string(),
            token_type,
        };
        KeyMeters {
            spend: self.spend_meters(who.key, who.group, who.component, who.model),
            input: self.key_tokens.get_or_create_owned(&tokens("input")),
            output: self.key_tokens.get_or_create_owned(&tokens("output")),
        }
    }

    /// A keyed request refused: `reason` is the limit or budget (`requestsPerMinute`,
    /// `budget`, `forbidden`, …).
    pub fn key_refusal(&self, key: &str, group: &str, component: &str, reason: &'static str) {
        let labels = RefusalLabels {
            key: key.to_string(),
            group: group.to_string(),
            component: component.to_string(),
            reason,
        };
        self.refusals.get_or_create(&labels).inc();
    }

    /// Handles on a configured component's success series, for both APIs, and on its spend
    /// without a key (`model`: its configured model).
    pub fn component_meters(&self, component: &str, model: &str) -> ComponentMeters {
        let per_api = |api: ApiVersion| {
            let labels = ComponentLabels { api: api.label(), component: component.to_string() };
            let ok = |stream| RequestLabels {
                api: api.label(),
                component: component.to_string(),
                code: "OK",
                stream: stream_label(stream),
            };
            ApiMeters {
                ok: self.requests.get_or_create_owned(&ok(false)),
                ok_stream: self.requests.get_or_create_owned(&ok(true)),
                duration: self.duration.get_or_create_owned(&labels),
                overhead: self.overhead.get_or_create_owned(&labels),
            }
        };
        ComponentMeters {
            spend: self.spend_meters("", "", component, model),
            alpha1: per_api(ApiVersion::Alpha1),
            alpha2: per_api(ApiVersion::Alpha2),
            openai: per_api(ApiVersion::OpenAi),
            anthropic: per_api(ApiVersion::Anthropic),
            responses: per_api(ApiVersion::Responses),
        }
    }

    /// Handles on one provider's series (call duration, tokens by type), fetched once when
    /// its chain is built.
    pub fn provider_meters(&self, call: &ProviderCall<'_>) -> ProviderMeters {
        let gen_ai = GenAiLabels {
            gen_ai_operation_name: "chat",
            gen_ai_provider_name: call.provider,
            gen_ai_request_model: call.model.to_string(),
            component: call.component.to_string(),
        };
        let tokens = |kind: &'static str| TokenLabels {
            gen_ai_provider_name: call.provider,
            gen_ai_request_model: call.model.to_string(),
            gen_ai_token_type: kind,
            component: call.component.to_string(),
        };
        let (input, output, cached) = (tokens("input"), tokens("output"), tokens("cached_input"));
        ProviderMeters {
            first_token: self.first_token.get_or_create_owned(&gen_ai),
            per_token: self.per_token.get_or_create_owned(&gen_ai),
            operation: self.operation.get_or_create_owned(&gen_ai),
            input: self.tokens.get_or_create_owned(&input),
            output: self.tokens.get_or_create_owned(&output),
            cached_input: self.tokens.get_or_create_owned(&cached),
            input_usage: self.token_usage.get_or_create_owned(&input),
            output_usage: self.token_usage.get_or_create_owned(&output),
        }
    }

    /// PII entities found in one request.
    pub fn pii(&self, counts: &EntityCounts) {
        for entity in Entity::ALL {
            let n = counts.get(entity);
            if n > 0 {
                self.pii
                    .get_or_create(&EntityLabels { entity: entity.label() })
                    .inc_by(u64::from(n));
            }
        }
    }

    /// A request starts (+1) or ends (-1).
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.inc_by(delta);
    }

    /// A request came through `api` with `field`, which was dropped on its way upstream.
    pub fn dropped(&self, api: ApiVersion, field: &'static str) {
        self.dropped.get_or_create(&DroppedLabels { api: api.label(), field }).inc();
    }

    /// A call to the Responses door's shared store (`save`, `get`, `delete`) failed or timed
    /// out: the response was not stored, or the look-up was answered 503.
    pub fn responses_store_error(&self, op: &'static str) {
        self.responses_store_errors.get_or_create(&StoreOpLabels { op }).inc();
    }

    /// A request was refused by the concurrency limit.
    pub fn shed(&self) {
        self.shed.inc();
    }
}

/// A component's success series for one API.
#[derive(Clone, Debug)]
struct ApiMeters {
    ok: Counter,
    ok_stream: Counter,
    duration: Histogram,
    overhead: Histogram,
}

/// Handles on a configured component's success series (`parlance_requests_total{code="OK"}`,
/// duration, overhead), so that a successful request records with no label-map look-up and no
/// allocation. The handles share their values with the registry.
#[derive(Clone, Debug)]
pub struct ComponentMeters {
    /// Its spend without a key.
    pub spend: SpendMeters,
    alpha1: ApiMeters,
    alpha2: ApiMeters,
    openai: ApiMeters,
    anthropic: ApiMeters,
    responses: ApiMeters,
}

impl ComponentMeters {
    /// A successful request (`stream`: a streamed one): `upstream` is the time spent waiting
    /// on providers.
    pub fn ok(&self, api: ApiVersion, stream: bool, total: Duration, upstream: Duration) {
        let m = match api {
            ApiVersion::Alpha1 => &self.alpha1,
            ApiVersion::Alpha2 => &self.alpha2,
            ApiVersion::OpenAi => &self.openai,
            ApiVersion::Anthropic => &self.anthropic,
            ApiVersion::Responses => &self.responses,
        };
        let ok = if stream { &m.ok_stream } else { &m.ok };
        ok.inc();
        m.duration.observe(total.as_secs_f64());
        m.overhead.observe(total.saturating_sub(upstream).as_secs_f64());
    }
}

/// Who spent: the key and group (`""` without), the component and its configured model.
#[derive(Debug, Clone, Copy)]
pub struct Spender<'a> {
    /// The key's name.
    pub key: &'a str,
    /// Its group's name.
    pub group: &'a str,
    /// The component that answered.
    pub component: &'a str,
    /// Its configured model.
    pub model: &'a str,
}

/// Handles on a key's series for one component and model: spend and tokens.
#[derive(Clone, Debug)]
struct KeyMeters {
    spend: SpendMeters,
    input: Counter,
    output: Counter,
}

impl KeyMeters {
    fn record(&self, charge: Charge, usage: Option<&Usage>) {
        self.spend.record(charge);
        let Some(u) = usage.filter(|_| !matches!(charge, Charge::CacheHit { .. })) else { return };
        self.input.inc_by(u.prompt_tokens);
        self.output.inc_by(u.completion_tokens);
    }
}

struct KeyMeterSlot {
    telemetry: u64,
    component: String,
    model: String,
    meters: KeyMeters,
}

/// A key's metric handles by registry, component and model, kept with the key (so for one
/// configuration: a reload makes new keys and new caches). Bounded: past
/// [`KeyMeterCache::SLOTS`] combinations, the families are searched per request as before.
#[derive(Default)]
pub struct KeyMeterCache {
    slots: std::sync::Mutex<Vec<KeyMeterSlot>>,
}

impl KeyMeterCache {
    const SLOTS: usize = 64;
}

/// Handles on one spender's spend, saved spend and unpriced replies.
#[derive(Clone, Debug)]
pub struct SpendMeters {
    spend: Usd,
    saved: Usd,
    unpriced: Counter,
}

impl SpendMeters {
    /// One reply's charge.
    pub fn record(&self, charge: Charge) {
        match charge {
            Charge::Priced(usd) => {
                self.spend.inc_by(usd);
            }
            Charge::CacheHit { saved } => {
                self.saved.inc_by(saved.unwrap_or(0.0));
            }
            Charge::Unpriced => {
                self.unpriced.inc();
            }
        }
    }
}

/// Handles on one provider's series, from [`Telemetry::provider_meters`].
#[derive(Clone, Debug)]
pub struct ProviderMeters {
    first_token: Histogram,
    per_token: Histogram,
    operation: Histogram,
    input: Counter,
    output: Counter,
    cached_input: Counter,
    input_usage: Histogram,
    output_usage: Histogram,
}

impl ProviderMeters {
    /// One provider call and the usage it reported.
    pub fn record(&self, elapsed: Duration, usage: Option<&Usage>) {
        self.operation.observe(elapsed.as_secs_f64());
        let Some(u) = usage else { return };
        let cached = u.prompt_details.as_ref().map(|d| d.cached_tokens).unwrap_or(0);
        self.input.inc_by(u.prompt_tokens);
        self.output.inc_by(u.completion_tokens);
        self.cached_input.inc_by(cached);
        self.input_usage.observe(u.prompt_tokens as f64);
        self.output_usage.observe(u.completion_tokens as f64);
    }

    /// A streamed call's timing: its first delta came `first` after the start, its last
    /// `total` after, with `output_tokens` generated (time per output token is the time after
    /// the first delta over the tokens after the first, as the GenAI conventions define it).
    pub fn stream_timing(&self, first: Duration, total: Duration, output_tokens: u64) {
        self.first_token.observe(first.as_secs_f64());
        if output_tokens > 1 {
            let per = total.saturating_sub(first).as_secs_f64() / (output_tokens - 1) as f64;
            self.per_token.observe(per);
        }
    }
}

/// Who a provider call went to, for its metrics.
#[derive(Debug, Clone, Copy)]
pub struct ProviderCall<'a> {
    /// The component name.
    pub component: &'a str,
    /// The GenAI-convention provider name (`openai`, `anthropic`, `aws.bedrock`, …).
    pub provider: &'static str,
    /// The configured model (`echo` has none: empty).
    pub model: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_encodes() {
        let t = Telemetry::new();
        t.request(
            ApiVersion::Alpha2,
            "echo",
            None,
            Duration::from_millis(3),
            Duration::from_millis(2),
        );
        t.request(
            ApiVersion::Alpha1,
            "unknown",
            Some(ErrorCode::ConversationNotFound),
            Duration::from_millis(1),
            Duration::ZERO,
        );
        let usage =
            Usage { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, ..Usage::default() };
        let call = ProviderCall { component: "openai", provider: "openai", model: "gpt-4o" };
        let meters = t.provider_meters(&call);
        meters.record(Duration::from_millis(2), Some(&usage));
        t.component_meters("openai", "gpt-4o").ok(
            ApiVersion::Alpha2,
            false,
            Duration::from_millis(3),
            Duration::ZERO,
        );
        let text = t.encode();
        assert!(
            text.contains(r#"parlance_requests_total{api="alpha2",component="echo",code="OK",stream="false"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"code="ERR_CONVERSATION_NOT_FOUND""#), "{text}");
        assert!(text.contains("parlance_overhead_seconds_bucket"), "{text}");
        assert!(text.contains(r#"parlance_tokens_total{gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",gen_ai_token_type="input",component="openai"} 10"#), "{text}");
        assert!(text.contains("gen_ai_client_token_usage_bucket"), "{text}");
        assert!(
            text.contains(
                r#"parlance_requests_total{api="alpha2",component="openai",code="OK",stream="false"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",component="openai"} 1"#), "{text}");
    }
}
