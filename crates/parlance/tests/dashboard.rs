//! Issue 24: every metric the Grafana dashboard (`deploy/grafana/parlance.json`) queries is one a
//! running parlance exports. parlance runs in-process with an OpenAI component on the fake
//! upstream (cache, PII scrubbing, a circuit breaker), serves plain, cached, scrubbed, streamed
//! and failing requests so that every series exists, and its `/metrics` must hold a sample of
//! each name found in the dashboard's queries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{Parlance, openai, path, resources, start};
use parlance_fake::{FakeOptions, FakeUpstream};
use regex::Regex;
use serde_json::{Value, json};

const RESILIENCY: &str = "apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: llm
spec:
  policies:
    retries:
      llmRetry: {policy: constant, duration: 10ms, maxRetries: 1}
    circuitBreakers:
      llmBreaker: {maxRequests: 1, timeout: 30s, trip: consecutiveFailures > 5}
  targets:
    components:
      openai:
        outbound: {retry: llmRetry, circuitBreaker: llmBreaker}
";

fn dashboard() -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/grafana/parlance.json");
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// The metric names of one PromQL expression: what is left once strings, label matchers,
/// ranges and grouping clauses are removed, minus function calls, keywords and numbers.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let stripped = [
        r#""[^"]*""#,
        r"\{[^}]*\}",
        r"\[[^\]]*\]",
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
    ]
    .iter()
    .fold(expr.to_string(), |s, re| Regex::new(re).unwrap().replace_all(&s, " ").into_owned());
    let ident = Regex::new(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?").unwrap();
    let keywords =
        ["and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool", "offset"];
    ident
        .captures_iter(&stripped)
        .filter(|c| c.get(2).is_none() && !keywords.contains(&&c[1]))
        .map(|c| c[1].to_string())
        .collect()
}

/// Every metric name the dashboard queries: panel targets and template variables.
fn queried_names(d: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for target in
        d["panels"].as_array().unwrap().iter().flat_map(|p| p["targets"].as_array().unwrap())
    {
        names.extend(metric_names(target["expr"].as_str().unwrap()));
    }
    let label_values = Regex::new(r"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)").unwrap();
    for var in d["templating"]["list"].as_array().unwrap() {
        if let Some(q) = var["query"]["query"].as_str() {
            names.extend(label_values.captures_iter(q).map(|c| c[1].to_string()));
        }
    }
    names
}

fn ask(text: &str, scrub: bool) -> String {
    json!({"scrubPii": scrub, "inputs": [{"scrubPii": scrub, "messages": [{"ofUser": {"content": [{"text": text}]}}]}]}).to_string()
}

/// Plain (twice: a miss, then a hit), scrubbed, streamed and unknown-component requests.
async fn traffic(p: &Parlance) {
    for _ in 0..2 {
        assert_eq!(p.alpha2("openai", &ask("mail ada@example.com", true)).await.0, 200);
    }
    let url = format!("{}/v1.0-alpha2/conversation/openai/converse", p.base);
    let stream = p.client.post(url).header("accept", "text/event-stream");
    let body = stream.body(ask("tell me a long story", false)).send().await.unwrap();
    assert!(body.text().await.unwrap().contains("event: complete"));
    assert_eq!(p.alpha2("nope", &ask("hi", false)).await.0, 400);
}

#[test]
fn names_are_found_in_expressions() {
    let names = metric_names(
        r#"histogram_quantile(0.99, sum by (le, component) (rate(a_bucket{job=~"$job"}[$__rate_interval]))) / sum(b_total) and on (x) c"#,
    );
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["a_bucket", "b_total", "c"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboard_queries_is_exported() {
    let names = queried_names(&dashboard());
    assert!(names.len() >= 14, "{names:?}");
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let component = openai("openai", &fake, &[("cacheTTL", "1m")]);
    let dir = resources(&[("openai.yaml", &component), ("resiliency.yaml", RESILIENCY)]);
    let p = start(&[path(&dir)]).await;
    traffic(&p).await;
    let addr = p.running.metrics_addr.unwrap();
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    let exported: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();
    let missing: Vec<&String> = names.iter().filter(|n| !exported.contains(n.as_str())).collect();
    assert!(missing.is_empty(), "queried but not exported: {missing:?}\n{text}");
    p.running.shutdown().await;
}
