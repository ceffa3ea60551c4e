//! The request path's heap-allocation budget: a count, not a timing, so it is exact enough to
//! assert. Every allocation in this test binary goes through dhat's counting allocator; the
//! test sends the same alpha2 requests (a) straight to the fake upstream and (b) through
//! parlance to that fake, and charges the difference to parlance.
//!
//! `scripts/bench` reports the release-build figure measured by heaptrack (87 per miss, 36 per
//! cache hit when this test was written); this debug build counted the same (88), and 56 per
//! miss since the upstream client is our own on hyper-util instead of reqwest. The counts
//! repeat to within one between runs, and the budgets sit about a dozen above them: a
//! regression such as a per-request span (+10) or per-request metric labels (+10) fails here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{args, path, resources, start_with};
use parlance_fake::{FakeOptions, FakeUpstream};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Requests per measured batch.
const N: u64 = 200;
/// Most heap allocations a proxied alpha2 request may add (miss, through an OpenAI component);
/// 88 when written, 56 with the hyper-util client.
const MISS_BUDGET: u64 = 70;
/// Most heap allocations an alpha2 cache hit may cost beyond a direct call to the fake (which
/// it does not make); 29 when written.
const HIT_BUDGET: u64 = 40;

const OPENAI_BODY: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}]}"#;
const ALPHA2_BODY: &str = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"What is the capital of France?"}]}}]}]}"#;

fn component(name: &str, fake: &FakeUpstream, extra: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.openai\n  version: v1\n  metadata:\n  - name: key\n    value: test-key\n  - name: model\n    value: gpt-4o-mini\n  - name: endpoint\n    value: {}/v1\n{extra}",
        fake.url()
    )
}

/// Heap allocations made while `n` sequential keep-alive POSTs of `body` to `url` run.
async fn allocations(client: &reqwest::Client, url: &str, body: &'static str, n: u64) -> u64 {
    let before = dhat::HeapStats::get().total_blocks;
    for _ in 0..n {
        let resp = client.post(url).body(body).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        resp.bytes().await.unwrap();
    }
    dhat::HeapStats::get().total_blocks - before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_path_stays_within_its_allocation_budget() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let fake = FakeUpstream::start(FakeOptions { fixed_reply: true, ..FakeOptions::default() })
        .await
        .unwrap();
    let dir = resources(&[(
        "c.yaml",
        &format!(
            "{}---\n{}",
            component("openai", &fake, ""),
            component("cached", &fake, "  - name: cacheTTL\n    value: 1h\n")
        ),
    )]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let client = reqwest::Client::new();
    let direct = format!("{}/v1/chat/completions", fake.url());
    let miss = format!("{}/v1.0-alpha2/conversation/openai/converse", p.base);
    let hit = format!("{}/v1.0-alpha2/conversation/cached/converse", p.base);

    // Warm-up: connections, pools, lazily built tables, the cache entry.
    for url in [&direct, &miss, &hit] {
        let body = if url == &direct { OPENAI_BODY } else { ALPHA2_BODY };
        allocations(&client, url, body, 20).await;
    }

    let base = allocations(&client, &direct, OPENAI_BODY, N).await;
    let through = allocations(&client, &miss, ALPHA2_BODY, N).await;
    let cached = allocations(&client, &hit, ALPHA2_BODY, N).await;
    // A hit makes no upstream call, so subtracting the direct call also subtracts the fake's
    // share: the hit figure is parlance's cost minus the fake's (a few allocations).
    let per_miss = through.saturating_sub(base) / N;
    let per_hit = cached.saturating_sub(base) / N;
    println!(
        "allocations per request: direct {} (client + fake), through parlance {} → parlance's share {per_miss}; cache hit {} → {per_hit} beyond a direct call",
        base / N,
        through / N,
        cached / N
    );
    assert!(
        per_miss <= MISS_BUDGET,
        "a proxied request costs {per_miss} allocations (budget {MISS_BUDGET})"
    );
    assert!(
        per_hit <= HIT_BUDGET,
        "a cache hit costs {per_hit} allocations beyond a direct call (budget {HIT_BUDGET})"
    );
    assert!(per_miss > 0, "the measurement sees parlance at all");
}
