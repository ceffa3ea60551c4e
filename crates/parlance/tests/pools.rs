//! Pools end to end (issue 23, first step): `parlance validate` on bad pools, and a pool over
//! OpenAI components on fake upstreams, called by name on the HTTP door — weights, a failing
//! member's requests answered by another, and `x-parlance-component` naming the member, plain
//! and streamed. The strategies' finer properties are unit-tested in the pipeline
//! (`pool/tests.rs`, `pool/pick.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

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
