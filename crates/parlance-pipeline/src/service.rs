//! The conversation service: one instance behind both doors (HTTP and gRPC). It finds the
//! component, runs daprd's checks in daprd's order, and calls the component's chain (and,
//! when that fails, its `fallbackComponent`'s chain: [`crate::fallback`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use tracing::Instrument;

use parlance_core::{ApiError, ApiVersion, CallContext, ChatResponse, ConverseRequest};

use crate::cost::{self, Charge, Pricing};
use crate::keys::{Admission, KeyRing, Principal, Quota};
use crate::models::{self, AllowedModels};
use crate::resiliency::ResiliencyStats;
use crate::stage::{CacheMode, CacheStatus, Call, DynStage};
use crate::telemetry::{ComponentMeters, Telemetry};
use crate::{fallback, trace, validate};

/// A component, as the service and the metadata endpoint see it.
pub struct Component {
    /// `metadata.name`.
    pub name: String,
    /// `spec.type`, canonical lower case.
    pub type_name: String,
    /// `spec.version`, normalised.
    pub version: String,
    /// The pipeline built for it; `None` for components that are not conversation components
    /// (secret stores, state stores) and are only listed.
    pub chain: Option<DynStage>,
    /// Retry and circuit-breaker counters, when a resiliency policy applies to it.
    pub resiliency: Option<ResiliencyStats>,
    /// `fallbackComponent`: the component whose chain answers when this one fails.
    pub fallback: Option<String>,
    /// The provider's GenAI-convention name (`openai`, `anthropic`, …; empty for listed-only
    /// components), for spans.
    pub gen_ai_provider: &'static str,
    /// The resolved model (empty for echo), for spans and metric labels (a request's own
    /// model never becomes a label: labels stay low-cardinality).
    pub model: String,
    /// `allowedModels`: what a request may choose instead of `model` (empty for listed-only
    /// components). The OpenAI door lists `<name>/<id>` for each of its explicit
    /// [`AllowedModels::ids`].
    pub allowed_models: AllowedModels,
    /// `modelAliases`: client model names the `/v1` doors route here.
    pub model_aliases: crate::ModelAliases,
    /// Handles on its success metrics (`None` for listed-only components).
    pub meters: Option<ComponentMeters>,
    /// How its replies are priced (the shipped table's provider, its own prices).
    pub pricing: Pricing,
    /// Its provider, for token counts at the upstream (`Provider::count_tokens`): set only
    /// for a single provider whose inputs the operator does not have scrubbed (a count must
    /// not send upstream what a call would not).
    pub counter: Option<Arc<dyn parlance_core::Provider>>,
    /// Whether its provider sends OpenAI Responses items ([`parlance_core::Opaque`]
    /// `reasoning` items) upstream (`Provider::keeps_opaque`): an OpenAI component with
    /// `wireApi: responses`. False for pools and listed components; the Responses door counts
    /// the items it passes to a component without it as dropped.
    pub keeps_responses_items: bool,
    /// Whether its provider sends the reasoning effort and summary upstream
    /// (`Provider::takes_reasoning`, `[effort, summary]`); false for pools and listed
    /// components. The Responses door counts what it passes to a component without it as
    /// dropped.
    pub takes_reasoning: [bool; 2],
    /// Its provider, asked per request what it sends upstream of the Anthropic door's own
    /// fields ([`Component::takes_anthropic`]); `None` for pools and listed components.
    pub provider: Option<Arc<dyn parlance_core::Provider>>,
}

impl Component {
    /// What of the Anthropic door's own fields (thinking, `cache_control`, `anthropic-beta`
    /// values) reaches its upstream for a request that chose `model` (`None`: the configured
    /// one): `Provider::takes_anthropic`; nothing for pools and listed components.
    pub fn takes_anthropic(&self, model: Option<&str>) -> parlance_core::anthropic::Reach {
        self.provider.as_ref().map(|p| p.takes_anthropic(model)).unwrap_or_default()
    }
}

/// Per-request options that do not come from the body.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Which API the request came in on (a metrics label).
    pub api: ApiVersion,
    /// The client's cache wishes.
    pub cache: CacheMode,
    /// Trace context.
    pub ctx: CallContext,
    /// The caller's API key, when keys are configured and the caller is not the master
    /// token: its lists and limits apply ([`crate::keys`]).
    pub principal: Option<Principal>,
}

/// A successful call.
#[derive(Debug, Clone)]
pub struct Conversed {
    /// The (output-scrubbed) answer.
    pub chat: ChatResponse,
    /// How the cache answered, when the component has one.
    pub cache: Option<CacheStatus>,
    /// Set when another component answered: the `fallbackComponent`, or the pool member
    /// that answered.
    pub answered_by: Option<String>,
    /// The caller's limits after this request, when it came with a key that has some.
    pub quota: Option<Quota>,
    /// What the reply cost in USD (`0` for a cache hit); `None` when its model has no price.
    pub cost_usd: Option<f64>,
}

/// The usage a key's token limits are settled to: none for a cache hit (no upstream tokens).
pub(crate) fn billed_usage(
    cache: Option<CacheStatus>,
    usage: Option<&parlance_core::Usage>,
) -> Option<parlance_core::Usage> {
    match cache {
        Some(CacheStatus::Hit) => Some(parlance_core::Usage::default()),
        _ => usage.cloned(),
    }
}

/// A component's chain, and its fallback's name and chain.
pub(crate) type Chains<'a> = (&'a DynStage, Option<(&'a str, &'a DynStage)>);

/// The configuration requests are served with: every component and the API keys. A reload
/// builds a new one and swaps it in whole ([`ConversationService::replace`]); a request
/// takes the one in force when it starts and keeps it to its end (streams included).
pub struct Live {
    by_name: HashMap<String, Arc<Component>>,
    order: Vec<Arc<Component>>,
    keys: Option<Arc<KeyRing>>,
}

impl Live {
    /// Over these components (names are unique: the loader checked) and keys.
    pub fn new(components: Vec<Arc<Component>>, keys: Option<Arc<KeyRing>>) -> Live {
        let by_name = components.iter().map(|c| (c.name.clone(), c.clone())).collect();
        Live { by_name, order: components, keys }
    }

    /// Every registered component, in load order.
    pub fn components(&self) -> impl Iterator<Item = &Component> {
        self.order.iter().map(|c| c.as_ref())
    }

    /// The component `name`, when it is configured.
    pub fn component(&self, name: &str) -> Option<&Arc<Component>> {
        self.by_name.get(name)
    }

    /// The API keys; `None` when no key is configured (then nothing changes).
    pub fn keys(&self) -> Option<&Arc<KeyRing>> {
        self.keys.as_ref()
    }

    /// The chain of conversation component `name`, and its fallback's name and chain.
    fn chains(&self, name: &str) -> Option<Chains<'_>> {
        let component = self.by_name.get(name)?;
        let fallback = component.fallback.as_deref().and_then(|f| self.by_name.get(f));
        let fallback = fallback.and_then(|f| Some((f.name.as_str(), f.chain.as_ref()?)));
        Some((component.chain.as_ref()?, fallback))
    }
}

/// The conversation service.
pub struct ConversationService {
    live: ArcSwap<Live>,
    telemetry: Arc<Telemetry>,
}

/// Keeps the in-flight gauge right even when the client goes away mid-request.
pub(crate) struct InFlight<T: std::ops::Deref<Target = Telemetry>>(T);

impl<T: std::ops::Deref<Target = Telemetry>> InFlight<T> {
    pub(crate) fn enter(t: T) -> InFlight<T> {
        t.in_flight(1);
        InFlight(t)
    }
}

impl<T: std::ops::Deref<Target = Telemetry>> Drop for InFlight<T> {
    fn drop(&mut self) {
        self.0.in_flight(-1);
    }
}

impl ConversationService {
    /// A service over these components (names are unique: the loader checked), no keys.
    pub fn new(components: Vec<Component>, telemetry: Arc<Telemetry>) -> ConversationService {
        let live = Live::new(components.into_iter().map(Arc::new).collect(), None);
        ConversationService::with_live(live, telemetry)
    }

    /// A service over `live`.
    pub fn with_live(live: Live, telemetry: Arc<Telemetry>) -> ConversationService {
        ConversationService { live: ArcSwap::from_pointee(live), telemetry }
    }

    /// The metrics every request is recorded in.
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// The configuration in force now (one atomic load). Requests that started before a
    /// reload keep theirs.
    pub fn live(&self) -> Arc<Live> {
        self.live.load_full()
    }

    /// The API keys in force now.
    pub fn keys(&self) -> Option<Arc<KeyRing>> {
        self.live.load().keys.clone()
    }

    /// Puts `live` in force for every request that starts from now on; returns the one it
    /// replaces (which lives on until the last request that took it ends).
    pub fn replace(&self, live: Live) -> Arc<Live> {
        self.live.swap(Arc::new(live))
    }

    /// Handles one conversation request for component `name` (spec §1.5).
    pub async fn converse(
        &self,
        name: &str,
        req: ConverseRequest,
        opts: CallOptions,
    ) -> Result<Conversed, ApiError> {
        let started = Instant::now();
        let _in_flight = InFlight::enter(self.telemetry.as_ref());
        let live = self.live.load_full();
        let known = live.component(name);
        let label = known.map(|c| c.name.as_str()).unwrap_or("unknown");
        let span = match known {
            Some(c) => trace::call_span(label, c.gen_ai_provider, &c.model),
            None => trace::call_span(label, "", ""),
        };
        trace::link_parent(&span, opts.ctx.traceparent.as_deref());
        let (api, upstream) = (opts.api, opts.ctx.upstream.clone());
        let result = self.converse_in(&live, name, req, opts, &span).instrument(span.clone()).await;
        match &result {
            Ok(done) => {
                trace::record_reply(&span, &done.chat);
                trace::record_answered_by(&span, done.answered_by.as_deref());
            }
            Err(e) => trace::record_error(&span, e),
        }
        let code = result.as_ref().err().map(|e| e.code);
        match (known.and_then(|c| c.meters.as_ref()), code) {
            (Some(meters), None) => meters.ok(api, false, started.elapsed(), upstream.total()),
            _ => self.telemetry.request(api, label, code, started.elapsed(), upstream.total()),
        }
        tracing::debug!(
            api = api.label(),
            component = label,
            code = code.map(|c| c.as_str()).unwrap_or("OK"),
            elapsed_us = started.elapsed().as_micros() as u64,
            "conversation request"
        );
        result
    }

    async fn converse_in(
        &self,
        live: &Live,
        name: &str,
        req: ConverseRequest,
        mut opts: CallOptions,
        span: &tracing::Span,
    ) -> Result<Conversed, ApiError> {
        let principal = opts.principal.take();
        let (call, chains) = self.prepare(live, name, req, opts, span)?;
        let admission = self.admit(live, principal.as_ref(), name, &call).await?;
        let member = call.member.clone();
        let (reply, fell_back) = match fallback::call(name, chains.0, chains.1, call).await {
            Ok(answered) => answered,
            Err(e) => {
                // No reply, no tokens: the reservation is given back.
                if let Some(mut a) = admission {
                    a.settle(Some(&parlance_core::Usage::default()), None);
                    a.finish().await;
                }
                return Err(e);
            }
        };
        let answered_by = member.get().or(fell_back);
        let quota = admission.as_ref().map(Admission::quota);
        let charge = self.bill(live, name, answered_by.as_deref(), principal.as_ref(), &reply);
        let cost_usd = charge.and_then(|c| c.usd());
        if let Some(mut a) = admission {
            a.settle(billed_usage(reply.cache, reply.chat.usage.as_ref()).as_ref(), cost_usd);
            a.finish().await;
        }
        Ok(Conversed { chat: reply.chat, cache: reply.cache, answered_by, quota, cost_usd })
    }

    /// Prices a reply by the component that answered (`answered_by`, else `name`).
    fn bill(
        &self,
        live: &Live,
        name: &str,
        answered_by: Option<&str>,
        principal: Option<&Principal>,
        reply: &crate::stage::Reply,
    ) -> Option<Charge> {
        let c = answered_by.and_then(|n| live.component(n)).or(live.component(name))?;
        let (model, usage) = (reply.chat.model.as_deref(), reply.chat.usage.as_ref());
        let hit = reply.cache == Some(CacheStatus::Hit);
        Some(cost::bill(&self.telemetry, c, principal, model, usage, hit))
    }

    /// The key's lists and limits, after the request is known to be valid and before any
    /// upstream call: `None` without a key.
    pub(crate) async fn admit(
        &self,
        live: &Live,
        principal: Option<&Principal>,
        name: &str,
        call: &Call,
    ) -> Result<Option<Admission>, ApiError> {
        let Some(p) = principal else { return Ok(None) };
        let configured = live.component(name).map(|c| c.model.as_str()).unwrap_or("");
        let model = call.chat.model_or(configured);
        let admitted = p.admit(name, model, &call.chat).await;
        if let Err(e) = &admitted {
            let reason = match e.code {
                parlance_core::ErrorCode::Forbidden => "forbidden",
                parlance_core::ErrorCode::BudgetExceeded => "budget",
                _ => "limit",
            };
            self.telemetry.key_refusal(p.name(), p.group().unwrap_or(""), name, reason);
        }
        admitted.map(Some)
    }

    /// The input tokens of `req` as `name`'s upstream counts them, when its provider has a
    /// count endpoint, the request asks no input scrubbing and the caller's key (when there is
    /// one) may use the component and model; `Ok(None)`: the caller estimates. The request is
    /// validated and its model chosen as a call's would be.
    pub async fn count_tokens(
        &self,
        name: &str,
        mut req: ConverseRequest,
        ctx: parlance_core::CallContext,
        principal: Option<&Principal>,
    ) -> Result<Option<u64>, ApiError> {
        let live = self.live.load_full();
        let Some(c) = live.component(name) else { return Ok(None) };
        let Some(counter) = c.counter.clone() else { return Ok(None) };
        if req.inputs.iter().any(|i| i.scrub_pii) {
            return Ok(None);
        }
        let mut chat = validate::to_chat(name, &mut req)?;
        chat.model = models::choose(name, &c.model, &c.allowed_models, &mut chat.metadata)?;
        let model = chat.model_or(&c.model);
        if principal.is_some_and(|p| !p.allows_component(name) || !p.allows_model(model)) {
            return Ok(None);
        }
        match counter.count_tokens(&chat, &ctx).await {
            None => Ok(None),
            Some(Ok(n)) => Ok(Some(n)),
            Some(Err(e)) => Err(ApiError::from_provider(name, &e)),
        }
    }

    /// daprd's checks in daprd's order, the request's own model (`metadata.model`, checked
    /// against `allowedModels` before any upstream call), then the call for the chain.
    pub(crate) fn prepare<'a>(
        &self,
        live: &'a Live,
        name: &str,
        mut req: ConverseRequest,
        mut opts: CallOptions,
        span: &tracing::Span,
    ) -> Result<(Call, Chains<'a>), ApiError> {
        let chains = live.chains(name).ok_or_else(|| ApiError::not_found(name))?;
        opts.ctx.traceparent = trace::outgoing_traceparent(span, opts.ctx.traceparent.take());
        if req.inputs.is_empty() {
            return Err(ApiError::missing_inputs(name));
        }
        let mut chat = validate::to_chat(name, &mut req)?;
        if let Some(c) = live.component(name) {
            chat.model = models::choose(name, &c.model, &c.allowed_models, &mut chat.metadata)?;
        }
        let (scrub_output, cache, ctx) = (req.scrub_pii, opts.cache, opts.ctx);
        let chat = Arc::new(chat);
        let call = Call { chat, scrub_output, cache, ctx, member: Default::default() };
        Ok((call, chains))
    }
}
