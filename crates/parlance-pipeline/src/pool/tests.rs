//! The pool stage over stub members: weights held over 10,000 calls, a failing member's calls
//! answered by another (each member tried at most once), least-busy sending to the idle
//! member, a stream that never changes member after its first delta, and the answering
//! member's name in the call's slot; health: a failing member out of rotation within 5 calls
//! and back after it recovers (by the pool's own rest, and by its circuit breaker's probe).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use parlance_core::{
    ChatMessage, ChatRequest, ChatResponse, Delta, FailureKind, ProviderError, Role,
};
use tokio::sync::Notify;

const THIRTY: std::time::Duration = std::time::Duration::from_secs(30);

use super::config::{Member, PoolConfig, Strategy};
use super::{PoolMember, PoolStage};
use crate::stage::{Call, DynStage, Reply, Stage, StreamReply};

/// What a stub member does.
#[derive(Clone, Copy, PartialEq)]
enum Acts {
    Answer,
    Fail,
    /// Fails with a client error (another member would refuse it too).
    BadRequest,
    /// Waits for the test's signal, then answers.
    Hang,
    /// A stream that breaks after its first delta.
    BreakMidStream,
    /// 429 with `retry-after: 30`.
    TooMany,
    /// Answers after this many milliseconds.
    Slow(u64),
}

struct Stub {
    acts: Acts,
    calls: AtomicUsize,
    release: Notify,
    /// A failing stub answers once healed.
    healed: AtomicBool,
}

impl Stub {
    fn new(acts: Acts) -> Arc<Stub> {
        let (calls, release, healed) = (AtomicUsize::new(0), Notify::new(), AtomicBool::new(false));
        Arc::new(Stub { acts, calls, release, healed })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Stage for Stub {
    async fn call(&self, _call: Call) -> Result<Reply, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.acts {
            Acts::Fail if !self.healed.load(Ordering::SeqCst) => {
                return Err(ProviderError::upstream(503, "down", None));
            }
            Acts::BadRequest => return Err(ProviderError::upstream(400, "bad", None)),
            Acts::TooMany => return Err(ProviderError::upstream(429, "slow down", Some(THIRTY))),
            Acts::Hang => self.release.notified().await,
            Acts::Slow(ms) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
            Acts::Answer | Acts::BreakMidStream | Acts::Fail => {}
        }
        Ok(Reply { chat: ChatResponse::default(), cache: None })
    }

    async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
        if self.acts != Acts::BreakMidStream {
            return self.call(call).await.map(StreamReply::replay);
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let first = Ok(Delta::Text { choice: 0, text: "half".into() });
        let then = Err(ProviderError::transient(FailureKind::Connect, "cut"));
        let deltas = Box::pin(futures::stream::iter([first, then]));
        Ok(StreamReply { deltas, model: None, cache: None })
    }
}

fn pool(strategy: Strategy, members: &[(&str, u32, &Arc<Stub>)]) -> PoolStage {
    let config = PoolConfig {
        members: members
            .iter()
            .map(|(n, w, _)| Member { name: n.to_string(), weight: *w })
            .collect(),
        strategy,
        affinity_key: None,
    };
    let chains = members.iter().map(|(n, _, s)| PoolMember {
        name: n.to_string(),
        chain: (*s).clone() as DynStage,
        breaker: None,
    });
    PoolStage::new("pool", &config, chains.collect())
}

/// Runs `n` calls; returns how many each member answered, in `names` order.
async fn answered(p: &PoolStage, names: &[&str], n: usize) -> Vec<usize> {
    let mut by = vec![0; names.len()];
    for _ in 0..n {
        let c = call("s", "u");
        p.call(c.clone()).await.unwrap();
        let member = c.member.get().unwrap();
        by[names.iter().position(|n| *n == member).unwrap()] += 1;
    }
    by
}

fn call(system: &str, user: &str) -> Call {
    let messages =
        vec![ChatMessage::text(Role::System, system), ChatMessage::text(Role::User, user)];
    Call::new(ChatRequest { messages, ..Default::default() })
}

#[tokio::test]
async fn weights_hold_within_five_percent_over_ten_thousand_calls() {
    let (a, b, c) = (Stub::new(Acts::Answer), Stub::new(Acts::Answer), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("a", 3, &a), ("b", 1, &b), ("c", 1, &c)]);
    for _ in 0..10_000 {
        p.call(call("s", "u")).await.unwrap();
    }
    for (stub, want) in [(&a, 6_000.0), (&b, 2_000.0), (&c, 2_000.0)] {
        let got = stub.calls() as f64;
        assert!((got - want).abs() <= want * 0.05, "{got} calls, want {want} ± 5 %");
    }
}

#[tokio::test]
async fn a_failing_members_calls_are_answered_by_another_and_it_leaves_rotation() {
    let (bad, good) = (Stub::new(Acts::Fail), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("bad", 1, &bad), ("good", 1, &good)]);
    for _ in 0..20 {
        let c = call("s", "u");
        p.call(c.clone()).await.unwrap();
        assert_eq!(c.member.get().as_deref(), Some("good"));
    }
    assert_eq!(bad.calls(), 3, "out of rotation after 3 failures in a row");
    assert_eq!(good.calls(), 20);
}

#[tokio::test]
async fn each_member_is_tried_at_most_once_and_every_failure_is_named() {
    let (a, b) = (Stub::new(Acts::Fail), Stub::new(Acts::Fail));
    let p = pool(Strategy::Weighted, &[("a", 1, &a), ("b", 1, &b)]);
    let c = call("s", "u");
    let e = p.call(c.clone()).await.unwrap_err();
    assert_eq!((a.calls(), b.calls()), (1, 1));
    assert!(e.message.starts_with("every pool member failed ("), "{e}");
    assert!(e.message.contains("a: upstream returned status 503") && e.message.contains("b: "));
    assert_eq!((e.status, e.retryable), (Some(503), true), "the last failure's facts");
    assert_eq!(c.member.get(), None);
}

#[tokio::test]
async fn a_client_error_is_not_retried_on_another_member() {
    let (a, b) = (Stub::new(Acts::BadRequest), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("a", 1, &a), ("b", 0, &b)]);
    let e = p.call(call("s", "u")).await.unwrap_err();
    assert_eq!(e.status, Some(400));
    assert_eq!((a.calls(), b.calls()), (1, 0));
}

#[tokio::test]
async fn least_busy_sends_to_the_idle_member() {
    let (slow, idle) = (Stub::new(Acts::Hang), Stub::new(Acts::Answer));
    let p = Arc::new(pool(Strategy::LeastBusy, &[("slow", 1, &slow), ("idle", 1, &idle)]));
    let mut held = Vec::new();
    while slow.calls() == 0 {
        let p = p.clone();
        held.push(tokio::spawn(async move { p.call(call("s", "u")).await }));
        tokio::task::yield_now().await;
    }
    let before = idle.calls();
    for _ in 0..10 {
        let c = call("s", "u");
        p.call(c.clone()).await.unwrap();
        assert_eq!(c.member.get().as_deref(), Some("idle"));
    }
    assert_eq!((slow.calls(), idle.calls() - before), (1, 10));
    slow.release.notify_waiters();
    for h in held {
        h.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_stream_fails_over_before_its_first_delta_and_never_after() {
    let (bad, good) = (Stub::new(Acts::Fail), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("bad", 1, &bad), ("good", 1, &good)]);
    let c = call("s", "u");
    p.stream(c.clone()).await.unwrap();
    assert_eq!((bad.calls(), c.member.get().as_deref()), (1, Some("good")));

    let (cut, spare) = (Stub::new(Acts::BreakMidStream), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("cut", 1, &cut), ("spare", 1, &spare)]);
    let reply = p.stream(call("s", "u")).await.unwrap();
    let items: Vec<_> = reply.deltas.collect().await;
    assert!(matches!(items.as_slice(), [Ok(_), Err(_)]), "the break reaches the client");
    assert_eq!((cut.calls(), spare.calls()), (1, 0), "no switch after the first delta");
}

#[tokio::test]
async fn affinity_keeps_a_conversation_on_one_member_and_honours_the_client_key() {
    let stubs: Vec<Arc<Stub>> = (0..3).map(|_| Stub::new(Acts::Answer)).collect();
    let members: Vec<(&str, u32, &Arc<Stub>)> =
        ["a", "b", "c"].iter().zip(&stubs).map(|(n, s)| (*n, 1, s)).collect();
    let mut p = pool(Strategy::Affinity, &members);
    p.affinity_key = Some("conversation".into());
    let mut seen = std::collections::HashSet::new();
    for turn in 0..50 {
        let mut c = call("be brief", "first question");
        c.chat_mut().messages.push(ChatMessage::text(Role::Assistant, format!("answer {turn}")));
        c.chat_mut().messages.push(ChatMessage::text(Role::User, format!("follow-up {turn}")));
        p.call(c.clone()).await.unwrap();
        seen.insert(c.member.get().unwrap());
    }
    assert_eq!(seen.len(), 1, "later turns stay with the first turn's member");
    let mut spread = std::collections::HashSet::new();
    for conv in 0..60 {
        let mut c = call("be brief", "first question");
        c.chat_mut().metadata.insert("conversation".into(), format!("conv-{conv}"));
        p.call(c.clone()).await.unwrap();
        spread.insert(c.member.get().unwrap());
    }
    assert_eq!(spread.len(), 3, "client keys spread over every member");
}

#[tokio::test(start_paused = true)]
async fn a_429_rests_its_member_for_retry_after() {
    let (busy, free) = (Stub::new(Acts::TooMany), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("busy", 1, &busy), ("free", 1, &free)]);
    for _ in 0..6 {
        p.call(call("s", "u")).await.unwrap();
    }
    assert_eq!((busy.calls(), free.calls()), (1, 6), "one 429, then 30 s of rest");
    tokio::time::advance(THIRTY).await;
    for _ in 0..2 {
        p.call(call("s", "u")).await.unwrap();
    }
    assert_eq!(busy.calls(), 2, "back in the rotation after its retry-after");
}

#[tokio::test(start_paused = true)]
async fn latency_sends_most_calls_away_from_a_member_ten_times_slower() {
    let (slow, a, b) =
        (Stub::new(Acts::Slow(100)), Stub::new(Acts::Slow(10)), Stub::new(Acts::Slow(10)));
    let p = pool(Strategy::Latency, &[("slow", 1, &slow), ("a", 1, &a), ("b", 1, &b)]);
    for _ in 0..1_000 {
        p.call(call("s", "u")).await.unwrap();
    }
    assert!(slow.calls() <= 200, "{} of 1,000 calls on the slow member", slow.calls());
    assert!(slow.calls() >= 1, "it was measured");
    assert!(a.calls() >= 200 && b.calls() >= 200, "{} / {}", a.calls(), b.calls());
}

#[tokio::test(start_paused = true)]
async fn a_failing_member_is_out_within_five_calls_and_back_after_it_recovers() {
    let (bad, good) = (Stub::new(Acts::Fail), Stub::new(Acts::Answer));
    let p = pool(Strategy::Weighted, &[("bad", 1, &bad), ("good", 1, &good)]);
    assert_eq!(answered(&p, &["bad", "good"], 5).await, [0, 5]);
    assert_eq!(bad.calls(), 3, "out after its third failure in a row");
    assert_eq!(answered(&p, &["bad", "good"], 10).await, [0, 10], "resting");
    bad.healed.store(true, Ordering::SeqCst);
    tokio::time::advance(super::pick::FIRST_REST).await;
    let back = answered(&p, &["bad", "good"], 10).await;
    assert!(back[0] >= 4 && back[1] >= 4, "probed, then back: {back:?}");
    let stats: Vec<_> = p.stats().members().map(|(_, s)| (s.ejections, s.in_rotation)).collect();
    assert_eq!(stats, [(1, true), (0, true)]);
}

#[tokio::test(start_paused = true)]
async fn an_open_breaker_takes_its_member_out_and_half_open_brings_it_back() {
    use crate::resiliency::{BreakerPolicy, OutboundPolicy, trip::Trip};
    use crate::stages::resiliency::ResiliencyStage;
    let (bad, good) = (Stub::new(Acts::Fail), Stub::new(Acts::Answer));
    let breaker = BreakerPolicy {
        timeout: THIRTY,
        trip: Trip::parse("consecutiveFailures >= 2").unwrap(),
        ..BreakerPolicy::default()
    };
    let policy = OutboundPolicy { breaker: Some(breaker), ..Default::default() };
    let guarded = ResiliencyStage::new(bad.clone() as DynStage, "bad", policy);
    let stats = guarded.stats();
    let config = PoolConfig {
        members: vec![
            Member { name: "bad".into(), weight: 1 },
            Member { name: "good".into(), weight: 1 },
        ],
        strategy: Strategy::Weighted,
        affinity_key: None,
    };
    let members = vec![
        PoolMember { name: "bad".into(), chain: Arc::new(guarded), breaker: Some(stats.clone()) },
        PoolMember { name: "good".into(), chain: good.clone() as DynStage, breaker: None },
    ];
    let p = PoolStage::new("pool", &config, members);
    assert_eq!(answered(&p, &["bad", "good"], 5).await, [0, 5]);
    assert_eq!(bad.calls(), 2, "out as soon as its breaker opened");
    assert!(p.picker.resting(0));
    bad.healed.store(true, Ordering::SeqCst);
    tokio::time::advance(THIRTY - std::time::Duration::from_secs(1)).await;
    assert_eq!(answered(&p, &["bad", "good"], 4).await, [0, 4], "the breaker is still open");
    tokio::time::advance(std::time::Duration::from_secs(1)).await;
    assert!(!p.picker.resting(0), "half-open: in rotation for the breaker's probe");
    let back = answered(&p, &["bad", "good"], 10).await;
    assert!(back[0] >= 4 && back[1] >= 4, "the probe closed it: {back:?}");
    assert_eq!(stats.breaker_state(), Some(crate::resiliency::BreakerState::Closed));
}
