//! Resiliency and fallback end to end (issue 7, points 1, 2 and 7): parlance in-process with an
//! OpenAI component pointed at the fake upstream, a `kind: Resiliency` file beside it, and the
//! fake's faults. Deterministic timing (paused clock) lives in the pipeline's unit tests; here
//! real time is used only where a wait is the point (Retry-After, timeouts), kept ≤ 1–2 s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{Parlance, resources, setup};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::{Value, json};

/// The OpenAI component `openai` on the fake, plus any extra metadata lines.
fn openai(fake: &FakeUpstream, extra: &[(&str, &str)]) -> String {
    let mut meta = vec![
        ("key", "sk-test".to_string()),
        ("model", "gpt-4o-mini".to_string()),
        ("endpoint", format!("{}/v1", fake.url())),
    ];
    meta.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    component("openai", "conversation.openai", &meta)
}

fn component(name: &str, ty: &str, meta: &[(&str, String)]) -> String {
    let mut s = format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:\n"
    );
    for (k, v) in meta {
        s.push_str(&format!("  - name: {k}\n    value: \"{v}\"\n"));
    }
    if meta.is_empty() {
        s = s.replace("  metadata:\n", "  metadata: []\n");
    }
    s
}

/// A Resiliency document; `body` is the YAML under `spec:`, indented by two spaces.
fn resiliency(body: &str) -> String {
    format!("apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: llm\nspec:\n{body}")
}

/// A retry policy targeted at `openai`: constant `wait`, `max` retries.
fn retry_policy(wait: &str, max: i32) -> String {
    resiliency(&format!(
        "  policies:\n    retries:\n      llmRetry: {{policy: constant, duration: {wait}, maxRetries: {max}}}\n  targets:\n    components:\n      openai:\n        outbound: {{retry: llmRetry}}\n"
    ))
}

async fn fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

fn hello() -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "hello"}]}}]}]}).to_string()
}

/// POSTs an alpha2 converse and returns (status, `x-parlance-component`, body).
async fn converse(p: &Parlance, component: &str) -> (u16, Option<String>, Value) {
    let url = format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base);
    let resp = p.client.post(url).body(hello()).send().await.unwrap();
    let status = resp.status().as_u16();
    let header = resp.headers().get("x-parlance-component").map(|v| v.to_str().unwrap().into());
    let text = resp.text().await.unwrap();
    (status, header, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_500_then_a_200_is_retried_under_the_default_policy_name() {
    let f = fake().await;
    f.push_fault(Fault::Status { code: 500, retry_after: None });
    // No target: found by the default name (spec §6 lookup).
    let res = resiliency(
        "  policies:\n    retries:\n      DefaultRetryPolicy: {duration: 10ms, maxRetries: 3}\n",
    );
    let (p, _d) = setup(&[("a.yaml", openai(&f, &[])), ("r.yaml", res)]).await;
    let (status, header, body) = converse(&p, "openai").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header, None, "no fallback answered");
    assert_eq!(f.request_count(), 2);
    let live = p.running.sidecar.service.live();
    let stats = live.component("openai");
    let retries = stats.and_then(|c| c.resiliency.as_ref()).map(|s| s.retries());
    assert_eq!(retries, Some(1));
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let f = fake().await;
    f.push_fault(Fault::Status { code: 429, retry_after: Some(1) });
    let (p, _d) = setup(&[("a.yaml", openai(&f, &[])), ("r.yaml", retry_policy("10ms", 3))]).await;
    let started = Instant::now();
    let (status, _, body) = converse(&p, "openai").await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.request_count(), 2);
    assert!(took >= Duration::from_secs(1), "waited only {took:?}");
    assert!(took < Duration::from_secs(3), "waited {took:?}");
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let f = fake().await;
    f.push_fault(Fault::Status { code: 400, retry_after: None });
    let (p, _d) = setup(&[("a.yaml", openai(&f, &[])), ("r.yaml", retry_policy("10ms", 3))]).await;
    let (status, _, body) = converse(&p, "openai").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["errorCode"], "ERR_CONVERSATION_INVOKE");
    assert!(message(&body).contains("status 400"), "{body}");
    assert_eq!(f.request_count(), 1);
}

#[tokio::test]
async fn each_attempt_has_its_own_timeout() {
    let f = fake().await;
    let res = resiliency(
        "  policies:\n    timeouts: {fast: 200ms}\n    retries:\n      once: {duration: 0s, maxRetries: 1}\n  targets:\n    components:\n      openai: {outbound: {timeout: fast, retry: once}}\n",
    );
    let (p, _d) = setup(&[("a.yaml", openai(&f, &[])), ("r.yaml", res)]).await;
    f.push_fault(Fault::Hang);
    let (status, _, body) = converse(&p, "openai").await;
    assert_eq!((status, f.request_count()), (200, 2), "{body}");
    f.push_fault(Fault::Hang);
    f.push_fault(Fault::Hang);
    let started = Instant::now();
    let (status, _, body) = converse(&p, "openai").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        message(&body),
        "failed conversing with component openai: context deadline exceeded"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(f.request_count(), 4);
}

#[tokio::test]
async fn an_open_breaker_fails_fast_without_touching_the_upstream() {
    let f = fake().await;
    let res = resiliency(
        "  policies:\n    circuitBreakers:\n      cb: {maxRequests: 1, timeout: 60s, trip: consecutiveFailures >= 2 || totalFailures > 10}\n  targets:\n    components:\n      openai: {outbound: {circuitBreaker: cb}}\n",
    );
    let (p, _d) = setup(&[("a.yaml", openai(&f, &[])), ("r.yaml", res)]).await;
    f.set_default_fault(Some(Fault::Status { code: 503, retry_after: None }));
    for _ in 0..2 {
        let (status, _, body) = converse(&p, "openai").await;
        assert!(message(&body).contains("status 503"), "{status} {body}");
    }
    let (status, _, body) = converse(&p, "openai").await;
    assert_eq!(status, 500);
    assert_eq!(message(&body), "failed conversing with component openai: circuit breaker is open");
    assert_eq!(f.request_count(), 2, "the open breaker kept the request away");
}

#[tokio::test]
async fn malformed_json_and_a_dropped_connection_are_retried() {
    let f = fake().await;
    f.push_fault(Fault::MalformedJson);
    f.push_fault(Fault::Drop);
    let (p, _d) = setup(&[("a.yaml", openai(&f, &[])), ("r.yaml", retry_policy("10ms", 3))]).await;
    let (status, _, body) = converse(&p, "openai").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.request_count(), 3);
}

#[tokio::test]
async fn a_failing_component_falls_back_once() {
    let f = fake().await;
    f.set_default_fault(Some(Fault::Status { code: 500, retry_after: None }));
    let files = [
        ("a.yaml", openai(&f, &[("fallbackComponent", "backup")])),
        (
            "b.yaml",
            component("backup", "conversation.echo", &[("fallbackComponent", "openai".into())]),
        ),
        ("r.yaml", retry_policy("10ms", 1)),
    ];
    let (p, _d) = setup(&files).await;
    let (status, header, body) = converse(&p, "openai").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header.as_deref(), Some("backup"));
    assert_eq!(f.request_count(), 2, "the policy ran first");
    assert_eq!(body["outputs"][0]["choices"][0]["message"]["content"], "hello");
    // The fallback answers for itself without a header.
    let (status, header, _) = converse(&p, "backup").await;
    assert_eq!((status, header), (200, None));
}

/// Runs `parlance validate` on `files`; returns (success, stdout + stderr).
fn validate(files: &[(&str, String)]) -> (bool, String) {
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    common::validate(dir.path())
}

#[test]
fn validate_names_bad_policies_unknown_targets_and_bad_fallbacks() {
    let echo = |name: &str, fallback: &str| {
        component(name, "conversation.echo", &[("fallbackComponent", fallback.to_string())])
    };
    let res = resiliency(
        "  policies:\n    retries:\n      r: {policy: sometimes, maxRetries: 2}\n    circuitBreakers:\n      cb: {trip: failures > 3}\n  targets:\n    components:\n      ghost: {outbound: {retry: r}}\n      a: {outbound: {timeout: missing}}\n",
    );
    let files = [("a.yaml", echo("a", "a")), ("b.yaml", echo("b", "nowhere")), ("r.yaml", res)];
    let (ok, out) = validate(&files);
    assert!(!ok, "{out}");
    for want in [
        "a.yaml: spec.metadata[0]: fallbackComponent: a component cannot fall back to itself",
        "b.yaml: spec.metadata[0]: fallbackComponent: no component named \"nowhere\"",
        "r.yaml: spec.policies.retries.r.policy: unknown retry policy \"sometimes\"",
        "r.yaml: spec.policies.circuitBreakers.cb.trip: invalid trip expression",
        "r.yaml: spec.targets.components.ghost: component \"ghost\" is not defined",
        "r.yaml: spec.targets.components.a.outbound.timeout: timeout policy \"missing\" is not defined",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn validate_accepts_a_good_policy_file() {
    let res = resiliency(
        "  policies:\n    timeouts: {t: 30s}\n    retries:\n      r: {policy: exponential, maxInterval: 10s, maxRetries: -1, matching: {httpStatusCodes: '429,500-599'}}\n    circuitBreakers:\n      cb: {maxRequests: 2, interval: 10s, timeout: 30s, trip: consecutiveFailures > 3 && requests >= 5}\n  targets:\n    components:\n      a: {outbound: {timeout: t, retry: r, circuitBreaker: cb}}\n",
    );
    let a = component("a", "conversation.echo", &[("fallbackComponent", "b".into())]);
    let b = component("b", "conversation.echo", &[("fallbackComponent", "a".into())]);
    let (ok, out) = validate(&[("a.yaml", a), ("b.yaml", b), ("r.yaml", res)]);
    assert!(ok, "{out}");
}
