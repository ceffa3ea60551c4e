//! The heap a request holds while its provider thinks: a byte count, not a timing, so it can
//! be asserted. Every allocation in this test binary goes through dhat's counting allocator.
//! The fake upstream never answers (`hang`), `N` requests are sent at once on `N` fresh
//! connections (a) straight to the fake and (b) through parlance to it, and once the fake
//! has seen all of them the live heap is read; the difference is parlance's share: the
//! client connection, the request's own state and the upstream connection.
//!
//! This is what sets the peak RSS of `scripts/bench` at 1,000 connections. Counted on the dev
//! build when written: 68,269 B per request (69,265 before the request's head and body were
//! dropped ahead of the provider call; under load, with kept-alive connections, that change is
//! worth ~6 MiB of RSS at 1,000 connections: BENCHMARKS.md). Runs repeat to within a few bytes
//! and the budget sits ~5 % above, so a regression of more than ~3 KiB per request fails here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::{args, openai, path, resources, start_with};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Requests in flight at once.
const N: usize = 100;
/// Most live heap bytes parlance may hold per request waiting on its provider, connections
/// included.
const BUDGET: usize = 70 * 1024;

const OPENAI_BODY: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}]}"#;
const ALPHA2_BODY: &str = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"What is the capital of France?"}]}}]}]}"#;

/// Live heap bytes added while `N` requests to `url` wait on the hanging fake.
async fn held(fake: &FakeUpstream, url: &str, body: &'static str) -> usize {
    fake.clear();
    let client = reqwest::Client::new();
    let before = dhat::HeapStats::get().curr_bytes;
    let calls: Vec<_> = (0..N)
        .map(|_| {
            let req = client
                .post(url)
                .header("content-type", "application/json")
                .bearer_auth("test-key")
                .body(body);
            tokio::spawn(req.send())
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.request_count() < N {
        assert!(
            Instant::now() < deadline,
            "only {} of {N} requests reached the fake",
            fake.request_count()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Let the last requests settle into their wait (no byte is in flight anywhere).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let live = dhat::HeapStats::get().curr_bytes;
    for c in calls {
        c.abort();
    }
    drop(client);
    // The connections close in the background: let them, before the next phase's baseline.
    tokio::time::sleep(Duration::from_millis(500)).await;
    live.saturating_sub(before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waiting_on_its_provider_holds_little_memory() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[("c.yaml", &openai("openai", &fake, &[]))]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let direct = format!("{}/v1/chat/completions", fake.url());
    let through = format!("{}/v1.0-alpha2/conversation/openai/converse", p.base);

    // Warm-up (answered): lazily built tables, the metric families, the pools' maps.
    let warm = reqwest::Client::new();
    for (url, body) in [(&direct, OPENAI_BODY), (&through, ALPHA2_BODY)] {
        let resp = warm
            .post(url.as_str())
            .header("content-type", "application/json")
            .bearer_auth("test-key")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        resp.bytes().await.unwrap();
    }
    drop(warm);

    fake.set_default_fault(Some(Fault::Hang));
    let base = held(&fake, &direct, OPENAI_BODY).await;
    let proxied = held(&fake, &through, ALPHA2_BODY).await;
    let per_request = proxied.saturating_sub(base) / N;
    println!(
        "live heap per request waiting on the provider: direct {} B (client + fake), through parlance {} B → parlance's share {per_request} B",
        base / N,
        proxied / N
    );
    assert!(per_request > 8 * 1024, "the measurement sees parlance's connections at all");
    assert!(
        per_request <= BUDGET,
        "a request waiting on its provider holds {per_request} B (budget {BUDGET} B)"
    );
}
