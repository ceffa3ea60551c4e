//! The conversation service, streaming: the same checks, chain and fallback as
//! [`ConversationService::converse`], answered as a stream of [`StreamEvent`]s — deltas, then
//! exactly one `Complete` or `Error`. Everything that fails before the first delta fails as
//! the plain call does (the `Err` of [`ConversationService::converse_stream`]); after it, a
//! failure is the stream's `Error` event. The request's metrics and span are recorded when the
//! stream ends; a stream dropped before its end (the client went away) counts as cancelled.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use futures::stream::BoxStream;
use parlance_core::{
    ApiError, ApiVersion, Assembler, ConverseRequest, Delta, DeltaStream, UpstreamClock, Usage,
};
use tracing::Instrument;

use crate::cost::{self, Charge};
use crate::keys::{Admission, Principal, Quota};
use crate::service::{CallOptions, Component, ConversationService, InFlight, billed_usage};
use crate::stage::CacheStatus;
use crate::telemetry::{CANCELLED, ComponentMeters, Telemetry};
use crate::{fallback, trace};

/// One event of a streamed answer.
#[derive(Debug)]
pub enum StreamEvent {
    /// Text, a tool-call fragment or a choice's finish (usage is kept for `Complete`).
    Delta(Delta),
    /// The clean end: the model and the usage of the whole call.
    Complete(Summary),
    /// A failure after the first delta; nothing follows it.
    Error(ApiError),
}

/// What the `complete` event reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The resolved model (absent for echo).
    pub model: Option<String>,
    /// Token usage, when the provider reported it.
    pub usage: Option<Usage>,
    /// What the reply cost in USD (`0` for a cache hit); `None` when its model has no price.
    pub cost_usd: Option<f64>,
}

/// A streaming call past its first delta.
pub struct ConversedStream {
    /// The events, ending with exactly one `Complete` or `Error`.
    pub events: BoxStream<'static, StreamEvent>,
    /// How the cache answered, when the component has one.
    pub cache: Option<CacheStatus>,
    /// Set when another component answered: the `fallbackComponent`, or the pool member
    /// that answered.
    pub answered_by: Option<String>,
    /// The request's `contextId`, for the `complete` event.
    pub context_id: Option<String>,
    /// The resolved model, known from the start (the OpenAI door puts it on every chunk;
    /// `Complete` reports it again).
    pub model: Option<String>,
    /// The caller's limits after this request, when it came with a key that has some.
    pub quota: Option<Quota>,
}

impl std::fmt::Debug for ConversedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConversedStream")
            .field("cache", &self.cache)
            .field("answered_by", &self.answered_by)
            .finish_non_exhaustive()
    }
}

/// Who the request was for, for its metrics and span at the end.
struct Record {
    api: ApiVersion,
    label: String,
    started: Instant,
    upstream: UpstreamClock,
    telemetry: Arc<Telemetry>,
    meters: Option<ComponentMeters>,
    span: tracing::Span,
    _in_flight: InFlight<Arc<Telemetry>>,
}

impl Record {
    fn ended(&self, code: Option<&'static str>) {
        let (total, upstream) = (self.started.elapsed(), self.upstream.total());
        match (&self.meters, code) {
            (Some(meters), None) => meters.ok(self.api, true, total, upstream),
            _ => self.telemetry.stream_request(self.api, &self.label, code, total, upstream),
        }
    }
}

impl ConversationService {
    /// Handles one streamed conversation request for component `name`.
    pub async fn converse_stream(
        &self,
        name: &str,
        req: ConverseRequest,
        mut opts: CallOptions,
    ) -> Result<ConversedStream, ApiError> {
        let principal = opts.principal.take();
        let live = self.live();
        let known = live.component(name);
        let label = known.map(|c| c.name.as_str()).unwrap_or("unknown");
        let span = match known {
            Some(c) => trace::call_span(label, c.gen_ai_provider, &c.model),
            None => trace::call_span(label, "", ""),
        };
        trace::link_parent(&span, opts.ctx.traceparent.as_deref());
        let record = Record {
            api: opts.api,
            label: label.to_string(),
            started: Instant::now(),
            upstream: opts.ctx.upstream.clone(),
            telemetry: self.telemetry().clone(),
            meters: known.and_then(|c| c.meters.clone()),
            span: span.clone(),
            _in_flight: InFlight::enter(self.telemetry().clone()),
        };
        let context_id = req.context_id.clone();
        let opened = async {
            let (call, (chain, fb)) = self.prepare(&live, name, req, opts, &span)?;
            let admission = self.admit(&live, principal.as_ref(), name, &call).await?;
            let member = call.member.clone();
            let (reply, fell_back) = fallback::stream(name, chain, fb, call).await?;
            Ok::<_, ApiError>((reply, member.get().or(fell_back), admission))
        };
        let (reply, answered_by, admission) = match opened.instrument(span.clone()).await {
            Ok(opened) => opened,
            Err(e) => {
                trace::record_error(&span, &e);
                record.ended(Some(e.code.as_str()));
                return Err(e);
            }
        };
        trace::record_answered_by(&span, answered_by.as_deref());
        let model = reply.model.clone();
        let quota = admission.as_ref().map(Admission::quota);
        let admission = admission.map(|a| (a, reply.cache));
        let answering = answered_by.as_deref().and_then(|n| live.component(n));
        let biller = answering.or(known).map(|c| Biller {
            component: c.clone(),
            telemetry: self.telemetry().clone(),
            principal,
            cache: reply.cache,
        });
        let events = events(reply.deltas, reply.model, name.to_string(), record, admission, biller);
        Ok(ConversedStream { events, cache: reply.cache, answered_by, context_id, model, quota })
    }
}

/// What prices the stream when it ends.
struct Biller {
    component: Arc<Component>,
    telemetry: Arc<Telemetry>,
    principal: Option<Principal>,
    cache: Option<CacheStatus>,
}

impl Biller {
    fn bill(&self, summary: &Summary) -> Charge {
        let hit = self.cache == Some(CacheStatus::Hit);
        let (model, usage) = (summary.model.as_deref(), summary.usage.as_ref());
        let p = self.principal.as_ref();
        cost::bill(&self.telemetry, &self.component, p, model, usage, hit)
    }
}

/// The state between events.
struct Events {
    deltas: DeltaStream,
    name: String,
    summary: Summary,
    /// A copy for the span's attributes, kept only when the span is recorded.
    copy: Option<Assembler>,
    record: Record,
    /// The key's hold, settled on the clean end, released when the stream ends or is dropped.
    admission: Option<(Admission, Option<CacheStatus>)>,
    biller: Option<Biller>,
    done: bool,
}

impl Drop for Events {
    fn drop(&mut self) {
        if !self.done {
            self.record.ended(Some(CANCELLED));
        }
    }
}

fn events(
    deltas: DeltaStream,
    model: Option<String>,
    name: String,
    record: Record,
    admission: Option<(Admission, Option<CacheStatus>)>,
    biller: Option<Biller>,
) -> BoxStream<'static, StreamEvent> {
    let copy = (!record.span.is_disabled()).then(Assembler::default);
    let summary = Summary { model, usage: None, cost_usd: None };
    let state = Events { deltas, name, summary, copy, record, admission, biller, done: false };
    Box::pin(futures::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let event = s.next_event().await;
        Some((event, s))
    }))
}

impl Events {
    async fn next_event(&mut self) -> StreamEvent {
        loop {
            match self.deltas.next().await {
                Some(Ok(Delta::Usage(u))) => {
                    if let Some(copy) = &mut self.copy {
                        copy.push(&Delta::Usage(u.clone()));
                    }
                    self.summary.usage = Some(u);
                }
                // A provider's own item reaches only the door of its wire (the Responses
                // door); every other door's stream has no place for it.
                Some(Ok(Delta::Opaque { .. })) if self.record.api != ApiVersion::Responses => {}
                Some(Ok(delta)) => {
                    if let Some(copy) = &mut self.copy {
                        copy.push(&delta);
                    }
                    return StreamEvent::Delta(delta);
                }
                Some(Err(e)) => {
                    let err = ApiError::from_provider(&self.name, &e);
                    trace::record_error(&self.record.span, &err);
                    self.finish(Some(err.code.as_str()));
                    return StreamEvent::Error(err);
                }
                None => {
                    if let Some(copy) = self.copy.take() {
                        let reply = copy.finish(self.summary.model.clone());
                        trace::record_reply(&self.record.span, &reply);
                    }
                    let charge = self.biller.as_ref().map(|b| b.bill(&self.summary));
                    self.summary.cost_usd = charge.and_then(|c| c.usd());
                    if let Some((mut a, cache)) = self.admission.take() {
                        let usage = billed_usage(cache, self.summary.usage.as_ref());
                        a.settle(usage.as_ref(), self.summary.cost_usd);
                        a.finish().await;
                    }
                    self.finish(None);
                    return StreamEvent::Complete(std::mem::take(&mut self.summary));
                }
            }
        }
    }

    fn finish(&mut self, code: Option<&'static str>) {
        self.done = true;
        self.admission = None; // the lease is released with the last event
        self.record.ended(code);
    }
}
