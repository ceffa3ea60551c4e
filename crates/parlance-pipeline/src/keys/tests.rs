use std::path::PathBuf;
use std::sync::atomic::Ordering;

use parlance_config::keys::{Budget, BudgetWindow, GroupSpec, KeySecret, KeySpec, Limits};
use parlance_config::{Metadata, Source};
use parlance_core::{ChatMessage, ChatRequest, ErrorCode, Role, Usage};
use sha2::{Digest, Sha256};

use super::*;
use crate::cache::redis::validate as redis_config;

fn key(name: &str, secret: &str, limits: Limits) -> KeySpec {
    KeySpec {
        name: name.into(),
        secret: KeySecret::Sha256(Sha256::digest(secret.as_bytes()).into()),
        group: None,
        components: None,
        models: None,
        limits,
        budgets: vec![],
        store: None,
        labels: Default::default(),
        secret_store: None,
        source: Source { file: PathBuf::from("keys.yaml"), document: 0 },
    }
}

fn chat(max_tokens: Option<u64>) -> ChatRequest {
    let mut c = ChatRequest {
        messages: vec![ChatMessage::text(Role::User, "x".repeat(64))],
        ..ChatRequest::default()
    };
    c.params.max_tokens = max_tokens;
    c
}

fn ring(
    keys: &[KeySpec],
    groups: &[GroupSpec],
) -> (KeyRing, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let (clock, time) = Clock::manual(1_000 * 60_000 + 30_000);
    (KeyRing::build(keys, groups, &[], clock).unwrap(), time)
}

#[test]
fn keys_are_found_by_their_secret_only() {
    let (ring, _) =
        ring(&[key("a", "sk-a", Limits::default()), key("b", "sk-b", Limits::default())], &[]);
    assert_eq!(ring.authenticate([b"sk-b".as_slice()]).unwrap().name(), "b");
    assert_eq!(ring.authenticate([b"nope".as_slice(), b"sk-a".as_slice()]).unwrap().name(), "a");
    assert!(ring.authenticate([b"sk-".as_slice()]).is_none());
    assert!(ring.authenticate([b"".as_slice()]).is_none());
    assert!(KeyRing::build(&[], &[], &[], Clock::System).is_none(), "no keys: no ring");
}

#[tokio::test]
async fn lists_are_enforced_before_any_count() {
    let mut k = key("a", "sk", Limits { requests_per_minute: Some(1), ..Limits::default() });
    k.components = Some(vec!["open*".into()]);
    k.models = Some(vec!["gpt-4o*".into()]);
    let (ring, _) = ring(&[k], &[]);
    let p = ring.authenticate([b"sk".as_slice()]).unwrap();
    let e = p.admit("claude", "", &chat(None)).await.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Forbidden, "API key a may not call component claude")
    );
    let e = p.admit("openai", "gpt-3.5", &chat(None)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(p.admit("openai", "gpt-4o-mini", &chat(None)).await.is_ok(), "refusals did not count");
}

#[tokio::test]
async fn requests_per_minute_roll_over_with_the_clock() {
    let limits = Limits { requests_per_minute: Some(2), ..Limits::default() };
    let (ring, time) = ring(&[key("a", "sk", limits)], &[]);
    let p = ring.authenticate([b"sk".as_slice()]).unwrap();
    let first = p.admit("echo", "", &chat(None)).await.unwrap();
    let w = first.quota().requests.unwrap();
    assert_eq!((w.limit, w.remaining, w.reset_ms), (2, 1, 30_000));
    assert!(p.admit("echo", "", &chat(None)).await.is_ok());
    let e = p.admit("echo", "", &chat(None)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(30)));
    assert!(e.message.contains("requestsPerMinute limit of 2"), "{}", e.message);
    time.fetch_add(30_000, Ordering::Relaxed); // the next UTC minute
    assert_eq!(
        p.admit("echo", "", &chat(None)).await.unwrap().quota().requests.unwrap().remaining,
        1
    );
}

#[tokio::test]
async fn tokens_are_reserved_then_settled_and_leases_released() {
    let limits = Limits { tokens_per_minute: Some(1000), concurrent: Some(1), ..Limits::default() };
    let (ring, _) = ring(&[key("a", "sk", limits)], &[]);
    let p = ring.authenticate([b"sk".as_slice()]).unwrap();
    let mut a = p.admit("echo", "", &chat(Some(900))).await.unwrap();
    // 64 bytes + 16 per message = 20 prompt tokens, + 900.
    assert_eq!(a.quota().tokens.unwrap().remaining, 80);
    let e = p.admit("echo", "", &chat(Some(10))).await.unwrap_err();
    assert!(e.message.contains("concurrent limit of 1"), "{}", e.message);
    a.settle(
        Some(&Usage {
            prompt_tokens: 20,
            completion_tokens: 30,
            total_tokens: 50,
            ..Usage::default()
        }),
        None,
    );
    drop(a);
    let b = p.admit("echo", "", &chat(Some(10))).await.unwrap();
    assert_eq!(b.quota().tokens.unwrap().remaining, 1000 - 50 - 30);
}

#[tokio::test]
async fn a_groups_limits_are_shared_by_its_keys() {
    let group = GroupSpec {
        name: "team".into(),
        limits: Limits { requests_per_minute: Some(3), ..Limits::default() },
        budgets: vec![],
        store: None,
        source: Source { file: PathBuf::from("g.yaml"), document: 0 },
    };
    let mut a = key("a", "sk-a", Limits { requests_per_minute: Some(10), ..Limits::default() });
    let mut b = key("b", "sk-b", Limits::default());
    a.group = Some("team".into());
    b.group = Some("team".into());
    let (ring, _) = ring(&[a, b], &[group]);
    let pa = ring.authenticate([b"sk-a".as_slice()]).unwrap();
    let pb = ring.authenticate([b"sk-b".as_slice()]).unwrap();
    assert_eq!(pa.group(), Some("team"));
    let first = pa.admit("echo", "", &chat(None)).await.unwrap();
    assert_eq!(first.quota().requests.unwrap().limit, 3, "the tightest window is the group's");
    assert!(pb.admit("echo", "", &chat(None)).await.is_ok());
    assert!(pb.admit("echo", "", &chat(None)).await.is_ok());
    let e = pa.admit("echo", "", &chat(None)).await.unwrap_err();
    assert!(e.message.contains("its group's requestsPerMinute"), "{}", e.message);
}

/// The Redis the suite runs against: `PARLANCE_TEST_REDIS` (set by `scripts/test`), else
/// 127.0.0.1:6379; missing, the test fails.
fn test_redis() -> String {
    let url = std::env::var("PARLANCE_TEST_REDIS").unwrap_or_default();
    let host = url.trim_start_matches("redis://").split('/').next().unwrap_or("").to_string();
    if host.is_empty() { "127.0.0.1:6379".into() } else { host }
}

fn redis_store(name: &str, host: &str) -> crate::cache::RedisConfig {
    redis_config(name, &Metadata::from_pairs(&[("redisHost", host)])).unwrap()
}

#[tokio::test]
async fn replicas_sharing_redis_admit_exactly_the_limit() {
    let store = redis_store("statestore", &test_redis());
    let mut k = key(
        &format!("exact-{}", std::process::id()),
        "sk",
        Limits { requests_per_minute: Some(50), ..Limits::default() },
    );
    k.store = Some("statestore".into());
    // Three replicas: three rings, each with its own connection, on one Redis.
    let now = 2_000_000 * 60_000 + 1_000 + u64::from(std::process::id()) % 1000 * 60_000;
    let replicas: Vec<KeyRing> = (0..3)
        .map(|_| {
            let (clock, _) = Clock::manual(now);
            KeyRing::build(std::slice::from_ref(&k), &[], std::slice::from_ref(&store), clock)
                .unwrap()
        })
        .collect();
    let mut calls = Vec::new();
    for i in 0..300 {
        let p = replicas[i % 3].authenticate([b"sk".as_slice()]).unwrap();
        calls.push(tokio::spawn(async move { p.admit("echo", "", &chat(None)).await.is_ok() }));
    }
    let mut admitted = 0;
    for c in calls {
        admitted += usize::from(c.await.unwrap());
    }
    assert_eq!(admitted, 50, "is Redis running on {}? (scripts/test starts one)", test_redis());
}

#[tokio::test]
async fn a_lease_in_redis_is_released_and_tokens_settled_before_the_next_admission() {
    let store = redis_store("statestore", &test_redis());
    let nonce = std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap().as_nanos();
    let limits = Limits { tokens_per_minute: Some(1000), concurrent: Some(1), ..Limits::default() };
    let mut k = key(&format!("lease-{nonce}"), "sk", limits);
    k.store = Some("statestore".into());
    let now = 4_000_000 * 60_000 + 1_000 + u64::from(std::process::id()) % 1000 * 60_000;
    let ring = KeyRing::build(&[k], &[], &[store], Clock::manual(now).0).unwrap();
    let p = ring.authenticate([b"sk".as_slice()]).unwrap();
    let mut a = p.admit("echo", "", &chat(Some(900))).await.unwrap();
    assert_eq!(a.quota().tokens.unwrap().remaining, 80, "is Redis running on {}?", test_redis());
    let e = p.admit("echo", "", &chat(Some(10))).await.unwrap_err();
    assert!(e.message.contains("concurrent limit of 1"), "{}", e.message);
    let used =
        Usage { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, ..Usage::default() };
    a.settle(Some(&used), None);
    // Queued when `a` is dropped; a batch applies its settlements before its admissions, so
    // the next admission (in the same script or a later one) sees both the release and the
    // corrected tokens.
    drop(a);
    let b = p.admit("echo", "", &chat(Some(10))).await.unwrap();
    assert_eq!(b.quota().tokens.unwrap().remaining, 1000 - 50 - 30);
}

#[tokio::test]
async fn without_redis_limits_hold_per_replica_and_nothing_hangs() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = redis_store("gone", &format!("127.0.0.1:{port}"));
    let mut k = key("a", "sk", Limits { requests_per_minute: Some(2), ..Limits::default() });
    k.store = Some("gone".into());
    let ring = KeyRing::build(&[k], &[], &[store], Clock::manual(60_000).0).unwrap();
    let p = ring.authenticate([b"sk".as_slice()]).unwrap();
    let started = std::time::Instant::now();
    assert!(p.admit("echo", "", &chat(None)).await.is_ok());
    assert!(p.admit("echo", "", &chat(None)).await.is_ok());
    assert_eq!(p.admit("echo", "", &chat(None)).await.unwrap_err().code, ErrorCode::RateLimited);
    assert!(started.elapsed() < shared::TIMEOUT, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_spent_budget_refuses_until_its_day_ends_and_the_crossing_request_completes() {
    let mut k = key("a", "sk", Limits::default());
    k.budgets = vec![Budget { usd: 0.01, window: BudgetWindow::Day }];
    let (ring, time) = ring(&[k], &[]);
    let p = ring.authenticate([b"sk".as_slice()]).unwrap();
    for _ in 0..3 {
        let mut a = p.admit("echo", "", &chat(None)).await.unwrap();
        a.settle(None, Some(0.004));
        a.finish().await;
    }
    // 0.012 spent: the third request crossed the budget and completed; the fourth is refused.
    let u = p.usage().await;
    assert_eq!((u.key.as_str(), u.group.as_deref()), ("a", None));
    assert!((u.spent_usd - 0.012).abs() < 1e-12, "{u:?}");
    assert_eq!(u.budgets.len(), 1, "{u:?}");
    let b = &u.budgets[0];
    assert_eq!((b.scope, b.window, b.usd, b.remaining_usd), ("key", "day", 0.01, 0.0));
    assert!(u.limits.is_empty(), "{u:?}");
    let e = p.admit("echo", "", &chat(None)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BudgetExceeded);
    assert!(e.message.contains("its day budget of 0.01 USD"), "{}", e.message);
    let day = 86_400_000;
    let now = time.load(Ordering::SeqCst);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_millis(day - now % day)));
    // An unpriced reply charges nothing; the next UTC day starts from zero.
    time.store(now - now % day + day, Ordering::SeqCst);
    let mut a = p.admit("echo", "", &chat(None)).await.unwrap();
    a.settle(None, None);
    a.finish().await;
    assert!(p.admit("echo", "", &chat(None)).await.is_ok());
}

#[tokio::test]
async fn a_groups_total_budget_is_shared_and_never_resets() {
    let group = GroupSpec {
        name: "team".into(),
        limits: Limits::default(),
        budgets: vec![Budget { usd: 1.0, window: BudgetWindow::Total }],
        store: None,
        source: Source { file: PathBuf::from("g.yaml"), document: 0 },
    };
    let mut a = key("a", "sk-a", Limits::default());
    let mut b = key("b", "sk-b", Limits::default());
    a.group = Some("team".into());
    b.group = Some("team".into());
    let (ring, time) = ring(&[a, b], &[group]);
    let pa = ring.authenticate([b"sk-a".as_slice()]).unwrap();
    let pb = ring.authenticate([b"sk-b".as_slice()]).unwrap();
    let mut x = pa.admit("echo", "", &chat(None)).await.unwrap();
    x.settle(None, Some(1.0));
    x.finish().await;
    time.fetch_add(400 * 86_400_000, Ordering::SeqCst);
    let e = pb.admit("echo", "", &chat(None)).await.unwrap_err();
    assert_eq!((e.code, e.retry_after), (ErrorCode::BudgetExceeded, None));
    assert!(e.message.contains("its group's total budget"), "{}", e.message);
}

#[tokio::test]
async fn without_redis_budgets_fail_closed_and_nothing_hangs() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = redis_store("gone", &format!("127.0.0.1:{port}"));
    let mut k = key("a", "sk", Limits { requests_per_minute: Some(2), ..Limits::default() });
    k.store = Some("gone".into());
    let mut budgeted = k.clone();
    budgeted.name = "b".into();
    budgeted.secret = KeySecret::Sha256(Sha256::digest(b"sk-b").into());
    budgeted.budgets = vec![Budget { usd: 5.0, window: BudgetWindow::Month }];
    let ring = KeyRing::build(&[k, budgeted], &[], &[store], Clock::manual(60_000).0).unwrap();
    let started = std::time::Instant::now();
    let limited = ring.authenticate([b"sk".as_slice()]).unwrap();
    assert!(limited.admit("echo", "", &chat(None)).await.is_ok(), "rate limits fall back");
    let p = ring.authenticate([b"sk-b".as_slice()]).unwrap();
    let e = p.admit("echo", "", &chat(None)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Overloaded, "{}", e.message);
    assert!(e.message.contains("budgets fail closed"), "{}", e.message);
    assert!(started.elapsed() < shared::TIMEOUT * 2, "{:?}", started.elapsed());
}

/// Three replicas on one Redis, `n` concurrent requests each using 7 tokens and costing
/// 0.001 USD: every admission and settlement goes through the replicas' batched scripts.
async fn settle_concurrently(name: &str, budgets: Vec<Budget>, n: usize) -> Vec<Principal> {
    let store = redis_store("statestore", &test_redis());
    let limits = Limits {
        requests_per_minute: Some(1_000),
        tokens_per_minute: Some(10_000_000),
        ..Limits::default()
    };
    let nonce = std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap().as_nanos();
    let mut k = key(&format!("{name}-{nonce}"), "sk", limits);
    k.store = Some("statestore".into());
    k.budgets = budgets;
    let now = 3_000_000 * 60_000 + 1_000 + u64::from(std::process::id()) % 1000 * 60_000;
    let replicas: Vec<Principal> = (0..3)
        .map(|_| {
            let ring = KeyRing::build(
                std::slice::from_ref(&k),
                &[],
                std::slice::from_ref(&store),
                Clock::manual(now).0,
            );
            ring.unwrap().authenticate([b"sk".as_slice()]).unwrap()
        })
        .collect();
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let p = replicas[i % 3].clone();
            tokio::spawn(async move {
                let mut a = p.admit("echo", "", &chat(Some(100))).await.unwrap();
                let used = Usage {
                    prompt_tokens: 5,
                    completion_tokens: 2,
                    total_tokens: 7,
                    ..Usage::default()
                };
                a.settle(Some(&used), Some(0.001));
                a.finish().await;
            })
        })
        .collect();
    for c in calls {
        c.await.unwrap();
    }
    replicas
}

fn used(u: &UsageReport, kind: &str) -> u64 {
    u.limits.iter().find(|l| l.kind == kind).map(|l| l.used).unwrap_or(u64::MAX)
}

#[tokio::test]
async fn batched_settlements_across_replicas_add_up_exactly() {
    // With a budget, each settlement is applied before its reply.
    let month = Budget { usd: 1_000.0, window: BudgetWindow::Month };
    let replicas = settle_concurrently("batched-budget", vec![month], 150).await;
    let u = replicas[1].usage().await;
    assert_eq!(
        (used(&u, "requestsPerMinute"), used(&u, "tokensPerMinute")),
        (150, 150 * 7),
        "{u:?}"
    );
    assert!((u.spent_usd - 0.15).abs() < 1e-9, "{u:?}");
    // Without one, settlements are queued after the reply: they land within moments.
    let replicas = settle_concurrently("batched-limits", vec![], 150).await;
    let started = std::time::Instant::now();
    loop {
        let u = replicas[2].usage().await;
        if used(&u, "tokensPerMinute") == 150 * 7 && (u.spent_usd - 0.15).abs() < 1e-9 {
            assert_eq!(used(&u, "requestsPerMinute"), 150, "{u:?}");
            break;
        }
        assert!(started.elapsed() < shared::TIMEOUT, "{u:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
