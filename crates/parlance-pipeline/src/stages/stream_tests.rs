//! The stages on a stream, with paused time: retries, the breaker and the policy timeout act
//! only before the first delta; the idle bound ends a stalled stream; the cache stores only
//! clean ends and shares one flight between streaming and plain callers.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use parlance_core::{
    CallContext, ChatMessage, ChatRequest, ChatResponse, Delta, DeltaStream, FailureKind, Provider,
    ProviderError, Role,
};
use tokio::time::Instant;

use super::cache::CacheStage;
use super::provider::ProviderStage;
use super::resiliency::ResiliencyStage;
use crate::cache::{CacheStats, Caches};
use crate::resiliency::OutboundPolicy;
use crate::resiliency::backoff::{BackoffKind, RetryPolicy};
use crate::resiliency::breaker::{BreakerPolicy, BreakerState};
use crate::resiliency::trip::Trip;
use crate::stage::{CacheMode, CacheStatus, Call, DynStage, Stage};
use crate::telemetry::{ProviderCall, Telemetry};

/// One step of a scripted stream: wait, then yield.
type Step = (Duration, Result<Delta, ProviderError>);

/// What one scripted call does.
enum Script {
    /// Fails before the stream opens.
    Refuse(ProviderError),
    /// Opens, then plays the steps.
    Play(Vec<Step>),
}

/// A provider that plays scripts (then answers "ok" at once) and counts its calls.
#[derive(Default)]
struct Scripted {
    scripts: Mutex<VecDeque<Script>>,
    calls: AtomicUsize,
}

impl Scripted {
    fn new(scripts: Vec<Script>) -> Arc<Scripted> {
        Arc::new(Scripted { scripts: Mutex::new(scripts.into()), calls: AtomicUsize::new(0) })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn text(t: &str) -> Result<Delta, ProviderError> {
    Ok(Delta::Text { choice: 0, text: t.into() })
}

fn ok_steps() -> Vec<Step> {
    let stop = Ok(Delta::Finish { choice: 0, reason: "stop".into() });
    vec![(Duration::ZERO, text("ok")), (Duration::ZERO, stop)]
}

fn boom() -> ProviderError {
    ProviderError::transient(FailureKind::Connect, "boom")
}

#[async_trait]
impl Provider for Scripted {
    async fn converse(
        &self,
        _request: &ChatRequest,
        _ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError> {
        let mut deltas = self.converse_stream(_request, _ctx).await?;
        let mut a = parlance_core::Assembler::default();
        while let Some(d) = deltas.next().await {
            a.push(&d?);
        }
        Ok(a.finish(None))
    }

    async fn converse_stream(
        &self,
        _request: &ChatRequest,
        _ctx: &CallContext,
    ) -> Result<DeltaStream, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let script = self.scripts.lock().unwrap().pop_front();
        let steps = match script.unwrap_or(Script::Play(ok_steps())) {
            Script::Refuse(e) => return Err(e),
            Script::Play(steps) => steps,
        };
        let played = futures::stream::iter(steps).then(|(wait, item)| async move {
            tokio::time::sleep(wait).await;
            item
        });
        Ok(Box::pin(played))
    }

    fn model(&self) -> Option<&str> {
        Some("m")
    }
}

fn provider_stage(p: &Arc<Scripted>, idle: Duration) -> DynStage {
    let telemetry = Telemetry::new();
    let meters =
        telemetry.provider_meters(&ProviderCall { component: "c", provider: "x", model: "m" });
    Arc::new(ProviderStage::new(p.clone(), meters, idle))
}

fn call(t: &str) -> Call {
    Call::new(ChatRequest {
        messages: vec![ChatMessage::text(Role::User, t)],
        ..Default::default()
    })
}

fn retry(max: u64) -> RetryPolicy {
    RetryPolicy {
        backoff: BackoffKind::Constant(Duration::from_millis(100)),
        max_retries: Some(max),
        ..RetryPolicy::default_constant()
    }
}

/// Every item of a stream, as text (`!message` for an error).
async fn drain(stage: &dyn Stage, c: Call) -> Result<Vec<String>, ProviderError> {
    let reply = stage.stream(c).await?;
    let items = reply.deltas.map(|item| match item {
        Ok(Delta::Text { text, .. }) => text,
        Ok(Delta::Finish { reason, .. }) => format!("[{reason}]"),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("!{}", e.message),
    });
    Ok(items.collect().await)
}

#[tokio::test(start_paused = true)]
async fn a_failure_before_the_first_delta_is_retried() {
    let stall = vec![(Duration::from_millis(10), Err(boom()))];
    let p = Scripted::new(vec![Script::Refuse(boom()), Script::Play(stall)]);
    let policy = OutboundPolicy { retry: Some(retry(3)), ..Default::default() };
    let s = ResiliencyStage::new(provider_stage(&p, Duration::from_secs(60)), "c", policy);
    assert_eq!(drain(&s, call("x")).await.unwrap(), ["ok", "[stop]"]);
    assert_eq!((p.calls(), s.stats().retries()), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn a_failure_after_the_first_delta_is_not_retried() {
    let steps = vec![(Duration::ZERO, text("par")), (Duration::from_millis(5), Err(boom()))];
    let p = Scripted::new(vec![Script::Play(steps)]);
    let policy = OutboundPolicy { retry: Some(retry(3)), ..Default::default() };
    let s = ResiliencyStage::new(provider_stage(&p, Duration::from_secs(60)), "c", policy);
    assert_eq!(drain(&s, call("x")).await.unwrap(), ["par", "!boom"]);
    assert_eq!(p.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_policy_timeout_bounds_the_time_to_the_first_delta_only() {
    let late = vec![(Duration::from_secs(5), text("late"))];
    let slow_after = vec![
        (Duration::from_millis(100), text("a")),
        (Duration::from_secs(3), text("b")),
        (Duration::ZERO, Ok(Delta::Finish { choice: 0, reason: "stop".into() })),
    ];
    let p = Scripted::new(vec![Script::Play(late), Script::Play(slow_after)]);
    let policy = OutboundPolicy {
        timeout: Some(Duration::from_secs(1)),
        retry: Some(retry(1)),
        ..Default::default()
    };
    let s = ResiliencyStage::new(provider_stage(&p, Duration::from_secs(60)), "c", policy);
    let started = Instant::now();
    // First attempt: no delta within 1 s → timed out, retried; the second's first delta
    // comes in time, and its later 3 s gap is not the policy's business.
    assert_eq!(drain(&s, call("x")).await.unwrap(), ["a", "b", "[stop]"]);
    assert_eq!(p.calls(), 2);
    assert_eq!(started.elapsed(), Duration::from_millis(1000 + 100 + 100 + 3000));
}

#[tokio::test(start_paused = true)]
async fn a_stream_idle_past_its_bound_ends_with_an_error() {
    let steps = vec![(Duration::ZERO, text("a")), (Duration::from_secs(30), text("never"))];
    let p = Scripted::new(vec![Script::Play(steps)]);
    let stage = provider_stage(&p, Duration::from_secs(2));
    let started = Instant::now();
    let items = drain(stage.as_ref(), call("x")).await.unwrap();
    assert_eq!(items, ["a", "!upstream stream sent nothing for 2s"]);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn the_breaker_hears_how_a_stream_ended() {
    let steps = vec![(Duration::ZERO, text("a")), (Duration::ZERO, Err(boom()))];
    let p = Scripted::new(vec![Script::Play(steps)]);
    let breaker = BreakerPolicy {
        trip: Trip::parse("consecutiveFailures >= 1").unwrap(),
        ..BreakerPolicy::default()
    };
    let policy = OutboundPolicy { breaker: Some(breaker), ..Default::default() };
    let s = ResiliencyStage::new(provider_stage(&p, Duration::from_secs(60)), "c", policy);
    let reply = s.stream(call("x")).await.unwrap();
    assert_eq!(s.stats().breaker_state(), Some(BreakerState::Closed), "not before the end");
    let _ = reply.deltas.collect::<Vec<_>>().await;
    assert_eq!(s.stats().breaker_state(), Some(BreakerState::Open));
    let err = s.stream(call("x")).await.unwrap_err();
    assert_eq!(err.message, "circuit breaker is open");
}

fn cached(p: &Arc<Scripted>) -> (Arc<CacheStage>, Arc<CacheStats>) {
    let caches = Caches::build(1 << 20, &[], Arc::new(CacheStats::default()));
    let inner = provider_stage(p, Duration::from_secs(60));
    let stage = CacheStage::new(inner, "c", Some("m"), Duration::from_secs(60), &caches, None);
    (Arc::new(stage), caches.stats)
}

#[tokio::test(start_paused = true)]
async fn streaming_and_plain_callers_share_one_flight_and_one_entry() {
    let slow = vec![
        (Duration::from_millis(10), text("sha")),
        (Duration::from_millis(200), text("red")),
        (Duration::ZERO, Ok(Delta::Finish { choice: 0, reason: "stop".into() })),
    ];
    let p = Scripted::new(vec![Script::Play(slow)]);
    let (stage, _) = cached(&p);
    let leader = {
        let stage = stage.clone();
        tokio::spawn(async move { drain(stage.as_ref(), call("q")).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let plain = stage.call(call("q")).await.unwrap();
    let follower = drain(stage.as_ref(), call("q")).await.unwrap();
    assert_eq!(leader.await.unwrap().unwrap(), ["sha", "red", "[stop]"]);
    assert_eq!(plain.chat.choices[0].content, "shared");
    assert_eq!(follower, ["shared", "[stop]"], "a hit is replayed as one chunk");
    assert_eq!(p.calls(), 1);
    let again = stage.stream(call("q")).await.unwrap();
    assert_eq!(again.cache, Some(CacheStatus::Hit));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_fails_or_is_dropped_stores_nothing() {
    let failing = vec![(Duration::ZERO, text("a")), (Duration::ZERO, Err(boom()))];
    let long = vec![(Duration::ZERO, text("a")), (Duration::from_secs(60), text("b"))];
    let p = Scripted::new(vec![Script::Play(failing), Script::Play(long)]);
    let (stage, _) = cached(&p);
    assert_eq!(drain(stage.as_ref(), call("q")).await.unwrap(), ["a", "!boom"]);
    let mut reply = stage.stream(call("q")).await.unwrap();
    assert_eq!(reply.cache, Some(CacheStatus::Miss));
    assert!(reply.deltas.next().await.is_some());
    drop(reply); // the client went away
    let mut c = call("q");
    c.cache = CacheMode::Normal;
    let third = stage.stream(c).await.unwrap();
    assert_eq!((third.cache, p.calls()), (Some(CacheStatus::Miss), 3));
}

#[tokio::test(start_paused = true)]
async fn reversible_placeholders_split_across_deltas_are_restored_then_outputs_scrubbed() {
    use super::pii::{PiiMode, PiiStage};
    let steps = vec![
        (Duration::ZERO, text("Dear <PERS")),
        (Duration::ZERO, text("ON_1>, write to ann.lee@exam")),
        (Duration::ZERO, text("ple.com today.")),
        (Duration::ZERO, Ok(Delta::Finish { choice: 0, reason: "stop".into() })),
    ];
    let p = Scripted::new(vec![Script::Play(steps)]);
    let scrubber = parlance_pii::Scrubber::new(parlance_pii::EntitySet::all());
    let telemetry = Arc::new(Telemetry::new());
    let inner = provider_stage(&p, Duration::from_secs(60));
    let stage = PiiStage::new(inner, scrubber, PiiMode::Reversible, telemetry);
    let mut c = call("My name is John Smith.");
    c.chat_mut().messages[0].scrub = true;
    c.scrub_output = true;
    let items = drain(&stage, c).await.unwrap();
    // The email is scrubbed on the way out; the restored name is a person name too, so the
    // output scrubber (which runs after restoring, as on the plain path) replaces it again.
    assert_eq!(items.concat(), "Dear <PERSON>, write to <EMAIL_ADDRESS> today.[stop]");
    let mut c = call("My name is John Smith.");
    c.chat_mut().messages[0].scrub = true;
    let p2 = Scripted::new(vec![Script::Play(vec![
        (Duration::ZERO, text("Hi <PERSON")),
        (Duration::ZERO, text("_1>!")),
    ])]);
    let scrubber = parlance_pii::Scrubber::new(parlance_pii::EntitySet::all());
    let inner = provider_stage(&p2, Duration::from_secs(60));
    let stage = PiiStage::new(inner, scrubber, PiiMode::Reversible, Arc::new(Telemetry::new()));
    assert_eq!(drain(&stage, c).await.unwrap().concat(), "Hi John Smith!");
}
