//! Pools end to end (issue 23): `parlance validate` on bad pools, and a pool over OpenAI
//! components on fake upstreams, called by name on the HTTP door — weights, a failing member's
//! requests answered by another, `x-parlance-component` naming the member, plain and streamed,
//! the per-member metrics on `/metrics`, a member whose breaker opens leaving rotation and
//! coming back, and a 429's `retry-after` rest. Real time is waited only where the wait is the
//! point (a 1 s breaker timeout or `retry-after`); the pool's own 5 s rest and the strategies'
//! finer properties are unit-tested on a paused clock in the pipeline (`pool/tests.rs`,
//! `pool/pick.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{Parlance, component, openai, path, resources, start};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::json;

fn pool(name: &str, members: &str, extra: &[(&str, &str)]) -> String {
    let mut meta = vec![("members", members)];
    meta.extend_from_slice(extra);
    component(name, "conversation.pool", &meta)
}

fn echo(name: &str) -> String {
    component(name, "conversation.echo", &[]).replace("  metadata:\n", "  metadata: []\n")
}

async fn fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

fn hello() -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "hello"}]}}]}]}).to_string()
}

/// POSTs an alpha2 converse (streamed when `stream`); returns (status, `x-parlance-component`).
async fn converse(p: &Parlance, component: &str, stream: bool) -> (u16, Option<String>) {
    let url = format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base);
    let mut req = p.client.post(url).body(hello());
    if stream {
        req = req.header("accept", "text/event-stream");
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let header = resp.headers().get("x-parlance-component").map(|v| v.to_str().unwrap().into());
    let body = resp.text().await.unwrap();
    assert!(status != 200 || !body.contains("\"errorCode\""), "{body}");
    (status, header)
}

#[test]
fn validate_lists_every_problem_of_every_pool() {
    let files = [
        ("a.yaml", echo("echo1")),
        ("b.yaml", pool("missing", "ghost, echo1", &[])),
        ("c.yaml", pool("selfish", "selfish, echo1", &[])),
        ("d.yaml", pool("p3", "p4, echo1", &[])),
        ("e.yaml", pool("p4", "p3", &[])),
        ("f.yaml", pool("drained", "echo1:0", &[])),
        ("g.yaml", pool("odd", "echo1:x", &[("strategy", "random")])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let (ok, out) = common::validate(dir.path());
    assert!(!ok, "{out}");
    for want in [
        "b.yaml: spec.metadata[0]: members: no component named \"ghost\"",
        "c.yaml: spec.metadata[0]: members: a pool cannot be its own member (\"selfish\")",
        "d.yaml: spec.metadata[0]: members: pool \"p3\" is among its own members through p3 → p4 → p3",
        "e.yaml: spec.metadata[0]: members: pool \"p4\" is among its own members through p4 → p3 → p4",
        "f.yaml: spec.metadata[0]: members: the total weight is 0",
        "g.yaml: spec.metadata[0]: members: \"echo1:x\": the weight must be a whole number",
        "g.yaml: spec.metadata[1]: strategy: unknown strategy \"random\"",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(out.starts_with("7 problem(s)"), "{out}");
}

#[test]
fn validate_lists_a_pools_member_problems_beside_its_own() {
    let files = [
        ("a.yaml", echo("echo1")),
        ("b.yaml", pool("bad", "bad:0, ghost:0, echo1:x", &[("strategy", "random")])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let (ok, out) = common::validate(dir.path());
    assert!(!ok, "{out}");
    for want in [
        "b.yaml: spec.metadata[0]: members: \"echo1:x\": the weight must be a whole number",
        "b.yaml: spec.metadata[0]: members: the total weight is 0",
        "b.yaml: spec.metadata[1]: strategy: unknown strategy \"random\"",
        "b.yaml: spec.metadata[0]: members: a pool cannot be its own member (\"bad\")",
        "b.yaml: spec.metadata[0]: members: no component named \"ghost\"",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(out.starts_with("5 problem(s)"), "{out}");
}

#[test]
fn validate_accepts_and_lists_a_pool_of_pools() {
    let files = [
        ("a.yaml", echo("e1")),
        ("b.yaml", echo("e2")),
        ("c.yaml", pool("inner", "e1:2, e2", &[("strategy", "least-busy")])),
        ("d.yaml", pool("outer", "inner, e2:0", &[("strategy", "affinity"), ("affinityKey", "c")])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let (ok, out) = common::validate(dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("inner (conversation.pool, LeastBusy: e1:2, e2:1)"), "{out}");
}

#[tokio::test]
async fn weights_spread_requests_and_the_reply_names_the_member() {
    let (east, west) = (fake().await, fake().await);
    let files = [
        ("a.yaml", openai("east", &east, &[])),
        ("b.yaml", openai("west", &west, &[])),
        ("c.yaml", pool("gpt", "east:3, west:1", &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    let mut named = (0, 0);
    for _ in 0..40 {
        match converse(&p, "gpt", false).await {
            (200, Some(m)) if m == "east" => named.0 += 1,
            (200, Some(m)) if m == "west" => named.1 += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(named, (30, 10));
    assert_eq!((east.request_count(), west.request_count()), (30, 10));
}

#[tokio::test]
async fn a_failing_members_requests_are_answered_by_another() {
    let (down, up) = (fake().await, fake().await);
    down.set_default_fault(Some(Fault::Status { code: 500, retry_after: None }));
    let files = [
        ("a.yaml", openai("down", &down, &[])),
        ("b.yaml", openai("up", &up, &[])),
        ("c.yaml", pool("gpt", "down, up", &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    for stream in [false, true].into_iter().cycle().take(12) {
        assert_eq!(converse(&p, "gpt", stream).await, (200, Some("up".into())));
    }
    assert_eq!(down.request_count(), 3, "out of rotation after 3 failures in a row");
    assert_eq!(up.request_count(), 12);
}

#[tokio::test]
async fn a_stream_names_the_member_and_a_plain_member_call_names_none() {
    let files =
        [("a.yaml", echo("e1")), ("b.yaml", echo("e2")), ("c.yaml", pool("p", "e1:0, e2", &[]))];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    assert_eq!(converse(&p, "p", true).await, (200, Some("e2".into())));
    assert_eq!(converse(&p, "p", false).await, (200, Some("e2".into())));
    assert_eq!(converse(&p, "e2", false).await, (200, None));
}

#[tokio::test]
async fn the_openai_door_calls_a_pool_by_name_and_names_the_member() {
    let files =
        [("a.yaml", echo("e1")), ("b.yaml", echo("e2")), ("c.yaml", pool("p", "e1, e2:0", &[]))];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    for stream in [false, true] {
        let body = json!({"model": "p", "stream": stream, "messages": [{"role": "user", "content": "hi"}]});
        let resp = p.client.post(format!("{}/v1/chat/completions", p.base)).json(&body);
        let resp = resp.send().await.unwrap();
        let header =
            resp.headers().get("x-parlance-component").map(|v| v.to_str().unwrap().to_string());
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!((status, header.as_deref()), (200, Some("e1")), "{text}");
        assert!(text.contains("hi"), "{text}");
    }
}

/// The `/metrics` text.
async fn metrics(p: &Parlance) -> String {
    let addr = p.running.metrics_addr.unwrap();
    reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap()
}

/// Sends `n` plain requests to `component`; returns the members that answered, in order.
async fn answered(p: &Parlance, component: &str, n: usize) -> Vec<String> {
    let mut by = Vec::new();
    for _ in 0..n {
        let (status, member) = converse(p, component, false).await;
        assert_eq!(status, 200, "answered by {member:?}");
        by.push(member.unwrap());
    }
    by
}

#[tokio::test]
async fn metrics_give_each_members_picks_in_flight_latency_ejections_and_rests() {
    let (east, down, busy) = (fake().await, fake().await, fake().await);
    down.set_default_fault(Some(Fault::Status { code: 500, retry_after: None }));
    busy.push_fault(Fault::Status { code: 429, retry_after: Some(30) });
    let files = [
        ("a.yaml", openai("east", &east, &[])),
        ("b.yaml", openai("down", &down, &[])),
        ("c.yaml", openai("busy", &busy, &[])),
        ("d.yaml", pool("gpt", "east, down, busy", &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    assert!(answered(&p, "gpt", 10).await.iter().all(|m| m == "east"));
    assert_eq!((down.request_count(), busy.request_count()), (3, 1));
    let text = metrics(&p).await;
    let series = |name: &str, member: &str| format!("{name}{{pool=\"gpt\",member=\"{member}\"}} ");
    for (name, member, value) in [
        ("parlance_pool_member_picks_total", "east", "10"),
        ("parlance_pool_member_picks_total", "down", "3"),
        ("parlance_pool_member_picks_total", "busy", "1"),
        ("parlance_pool_member_in_flight", "east", "0"),
        ("parlance_pool_member_ejections_total", "down", "1"),
        ("parlance_pool_member_ejections_total", "east", "0"),
        ("parlance_pool_member_rests_total", "busy", "1"),
        ("parlance_pool_member_rests_total", "down", "0"),
        ("parlance_pool_member_in_rotation", "east", "1"),
        ("parlance_pool_member_in_rotation", "down", "0"),
        ("parlance_pool_member_in_rotation", "busy", "0"),
    ] {
        let want = format!("{}{value}\n", series(name, member));
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
    let latency = text.split(&series("parlance_pool_member_latency_seconds", "east")).nth(1);
    let latency: f64 = latency.and_then(|l| l.lines().next()).unwrap().parse().unwrap();
    assert!(latency > 0.0 && latency < 5.0, "{latency}");
    assert!(!text.contains("sk-test") && !text.contains("hello"), "no secrets or prompts");
}

fn breaker_on(member: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: llm\nspec:\n  policies:\n    circuitBreakers:\n      cb: {{maxRequests: 1, timeout: 1s, trip: consecutiveFailures >= 2}}\n  targets:\n    components:\n      {member}: {{outbound: {{circuitBreaker: cb}}}}\n"
    )
}

#[tokio::test]
async fn a_member_whose_breaker_opens_is_out_within_five_requests_and_back_after_recovery() {
    let (down, up) = (fake().await, fake().await);
    down.set_default_fault(Some(Fault::Status { code: 500, retry_after: None }));
    let files = [
        ("a.yaml", openai("down", &down, &[])),
        ("b.yaml", openai("up", &up, &[])),
        ("c.yaml", pool("gpt", "down, up", &[])),
        ("r.yaml", breaker_on("down")),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    assert!(answered(&p, "gpt", 5).await.iter().all(|m| m == "up"));
    assert_eq!(down.request_count(), 2, "out of rotation once its breaker opened");
    let text = metrics(&p).await;
    assert!(text.contains("parlance_pool_member_in_rotation{pool=\"gpt\",member=\"down\"} 0\n"));
    down.set_default_fault(None);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let back = answered(&p, "gpt", 6).await;
    assert!(back.iter().filter(|m| *m == "down").count() >= 2, "back after its probe: {back:?}");
    let text = metrics(&p).await;
    assert!(text.contains("parlance_pool_member_in_rotation{pool=\"gpt\",member=\"down\"} 1\n"));
    assert!(text.contains("parlance_circuit_breaker_state{component=\"down\"} 0\n"), "{text}");
}

#[tokio::test]
async fn a_429_rests_its_member_for_retry_after_then_it_is_back() {
    let (busy, free) = (fake().await, fake().await);
    busy.push_fault(Fault::Status { code: 429, retry_after: Some(1) });
    let files = [
        ("a.yaml", openai("busy", &busy, &[])),
        ("b.yaml", openai("free", &free, &[])),
        ("c.yaml", pool("gpt", "busy, free", &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    assert!(answered(&p, "gpt", 4).await.iter().all(|m| m == "free"));
    assert_eq!(busy.request_count(), 1, "one 429, then rested");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let back = answered(&p, "gpt", 6).await;
    assert!(back.iter().filter(|m| *m == "busy").count() >= 2, "back after retry-after: {back:?}");
}

/// An alpha2 body asking "hello" with request metadata `model`.
fn asking_for(model: &str) -> String {
    let body = json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "hello"}]}}]}], "metadata": {"model": model}});
    body.to_string()
}

#[test]
fn validate_refuses_a_pool_model_that_some_member_does_not_allow() {
    let member = |name: &str, allowed: &str| {
        let meta = [
            ("key", "sk-test"),
            ("model", "gpt-4o-mini"),
            ("endpoint", "http://127.0.0.1:9/v1"),
            ("allowedModels", allowed),
        ];
        component(name, "conversation.openai", &meta)
    };
    let files = [
        ("a.yaml", member("east", "gpt-4o, o3")),
        ("b.yaml", member("west", "gpt-4o")),
        ("c.yaml", pool("gpt", "east, west", &[("allowedModels", "gpt-4o, o3, *")])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let (ok, out) = common::validate(dir.path());
    assert!(!ok, "{out}");
    for want in [
        "c.yaml: spec.metadata[1]: allowedModels: \"o3\" is not allowed by member(s) west; a pool offers only models all its members allow (gpt-4o, gpt-4o-mini)",
        "c.yaml: spec.metadata[1]: allowedModels: \"*\" is not allowed by member(s) east, west;",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(out.starts_with("2 problem(s)"), "{out}");
}

#[tokio::test]
async fn a_pool_offers_only_the_models_all_its_members_allow() {
    let (east, west) = (fake().await, fake().await);
    let files = [
        ("a.yaml", openai("east", &east, &[("allowedModels", "gpt-4o, o3")])),
        ("b.yaml", openai("west", &west, &[("allowedModels", "gpt-4o")])),
        ("c.yaml", pool("gpt", "east, west", &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    let (status, body) = p.alpha2("gpt", &asking_for("o3")).await;
    assert_eq!((status, body["errorCode"].as_str()), (400, Some("ERR_CONVERSATION_INVALID_PARMS")));
    let want = "model \"o3\" is not allowed for component gpt (allowedModels: gpt-4o, gpt-4o-mini)";
    assert!(body["message"].as_str().unwrap().ends_with(want), "{body}");
    assert_eq!(east.request_count() + west.request_count(), 0, "refused before any upstream");
    for _ in 0..2 {
        let (status, body) = p.alpha2("gpt", &asking_for("gpt-4o")).await;
        assert_eq!(status, 200, "{body}");
    }
    for fake in [&east, &west] {
        let sent = fake.last_request().unwrap().json.unwrap();
        assert_eq!(sent["model"], "gpt-4o", "each member was asked for the chosen model");
    }
    let models: serde_json::Value =
        p.client.get(format!("{}/v1/models", p.base)).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> =
        models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    let pooled: Vec<&str> = ids.iter().copied().filter(|id| id.starts_with("gpt")).collect();
    assert_eq!(pooled, ["gpt", "gpt/gpt-4o", "gpt/gpt-4o-mini"], "{ids:?}");
}

/// The `parlance.answered_by` of every `chat` span whose `dapr.component` is `traced`.
#[derive(Default, Clone)]
struct Answered(Arc<Mutex<Vec<String>>>);

/// A span's fields that [`Answered`] looks at.
#[derive(Default)]
struct SpanFields {
    component: Option<String>,
    answered_by: Option<String>,
}

impl tracing::field::Visit for SpanFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "dapr.component" => self.component = Some(value.into()),
            "parlance.answered_by" => self.answered_by = Some(value.into()),
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S> tracing_subscriber::Layer<S> for Answered
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        let Some(fields) = ext.get_mut::<SpanFields>() else { return };
        values.record(fields);
        if fields.component.as_deref() == Some("traced") {
            self.0.lock().unwrap().extend(fields.answered_by.take());
        }
    }
}

/// Installs [`Answered`] (with debug-level spans on) for this test binary, once.
fn answered_spans() -> &'static Answered {
    static ANSWERED: OnceLock<Answered> = OnceLock::new();
    ANSWERED.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let answered = Answered::default();
        let level = tracing_subscriber::filter::LevelFilter::DEBUG;
        let subscriber = tracing_subscriber::registry().with(level).with(answered.clone());
        tracing::subscriber::set_global_default(subscriber).unwrap();
        answered
    })
}

#[tokio::test]
async fn the_span_names_the_member_that_answered() {
    let answered = answered_spans();
    let files = [
        ("a.yaml", echo("e1")),
        ("b.yaml", echo("e2")),
        ("c.yaml", pool("traced", "e1:0, e2", &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    assert_eq!(converse(&p, "traced", false).await, (200, Some("e2".into())));
    assert_eq!(converse(&p, "traced", true).await, (200, Some("e2".into())));
    assert_eq!(*answered.0.lock().unwrap(), ["e2", "e2"], "plain and streamed");
}
