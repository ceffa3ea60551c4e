//! Issue #22 item 7, end to end: hot reload of the resources folder. Keys appear, change and
//! are revoked, components appear, a broken file leaves the last good configuration in force
//! (and is reported), and what a request started with it keeps to its end — a stream across
//! a reload finishes intact, a held concurrency slot still counts. Every wait polls against a
//! deadline of 2 s from the file's change (the promise), never a fixed sleep.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use common::{ECHO_COMPONENTS, Parlance, component, path, resources, start};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_client::DaprClient;
use serde_json::{Value, json};

/// The promise: a change takes effect within this long.
const WITHIN: Duration = Duration::from_secs(2);

/// sha256("sk-ci-bot"), sha256("sk-team-b").
const CI_BOT: (&str, &str) =
    ("sk-ci-bot", "5537e95fbf97088a783ac334b60b505e7cfcbccef77e180839b7af904bf2d441");
const TEAM_B: (&str, &str) =
    ("sk-team-b", "292d075b18c9240a48b848c521422c5f418f7dd16b5c66755fe58d0fb6a43e1f");

fn key(name: &str, digest: &str, spec: &str) -> String {
    format!(
        "apiVersion: parlance.dev/v1alpha1\nkind: APIKey\nmetadata:\n  name: {name}\nspec:\n  secret:\n    sha256: {digest}\n{spec}"
    )
}

/// An OpenAI component on `fake` answering with `model`, with `extra` metadata.
fn openai(name: &str, fake: &FakeUpstream, model: &str, extra: &[(&str, &str)]) -> String {
    let url = format!("{}/v1", fake.url());
    let mut meta = vec![("key", "sk-test"), ("model", model), ("endpoint", url.as_str())];
    meta.extend_from_slice(extra);
    component(name, "conversation.openai", &meta)
}

fn hello() -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "one two three"}]}}]}]})
        .to_string()
}

/// Polls `check` until it holds; panics with `what` when `WITHIN` has passed since `since`.
async fn within<F, Fut>(since: Instant, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    loop {
        if check().await {
            return since.elapsed();
        }
        assert!(since.elapsed() < WITHIN, "not within {WITHIN:?}: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Writes a resource file and returns when it was written.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> Instant {
    std::fs::write(dir.path().join(name), text).unwrap();
    Instant::now()
}

/// The status of an alpha2 call to `component`, with `bearer` as the key when given.
async fn status(p: &Parlance, component: &str, bearer: Option<&str>) -> u16 {
    let url = format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base);
    let mut req = p.client.post(url).body(hello());
    if let Some(k) = bearer {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap().status().as_u16()
}

fn metrics(p: &Parlance) -> String {
    p.running.sidecar.service.telemetry().encode()
}

/// The value of one metric series (its name with labels, as exposed).
fn series(text: &str, name: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))?;
    line[name.len()..].trim().parse().ok()
}

const OK: &str = r#"parlance_config_reloads_total{result="ok"}"#;
const ERROR: &str = r#"parlance_config_reloads_total{result="error"}"#;
const LAST_OK: &str = "parlance_config_last_reload_successful";
const LAST_GOOD: &str = "parlance_config_last_reload_success_timestamp_seconds";

#[tokio::test]
async fn keys_added_changed_and_revoked_take_effect_within_two_seconds_on_every_door() {
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    assert_eq!(status(&p, "echo", None).await, 200, "no keys: open, as before");
    let both = [key("ci-bot", CI_BOT.1, "  components: [echo]\n"), key("team-b", TEAM_B.1, "")];
    let at = write(&dir, "k.yaml", &both.join("---\n"));
    let took = within(at, "keys required once configured", || async {
        status(&p, "echo", None).await == 401 && status(&p, "echo", Some(CI_BOT.0)).await == 200
    })
    .await;
    eprintln!("keys in force after {took:?}");
    // Every door now asks for one: OpenAI's 401, gRPC's UNAUTHENTICATED.
    let v1 = format!("{}/v1/chat/completions", p.base);
    let chat = json!({"model": "echo", "messages": [{"role": "user", "content": "hi"}]});
    let resp = p.client.post(&v1).json(&chat).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = p.client.post(&v1).bearer_auth(TEAM_B.0).json(&chat).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut g = DaprClient::connect(format!("http://{}", p.running.grpc_addrs[0])).await.unwrap();
    let e = g.converse_alpha2(grpc_request("echo", None)).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    assert!(g.converse_alpha2(grpc_request("echo", Some(CI_BOT.0))).await.is_ok());
    // Changed: ci-bot loses echo (403); revoked: team-b is gone (401 on every door).
    let changed = key("ci-bot", CI_BOT.1, "  components: [test-alpha2-echo]\n");
    let at = write(&dir, "k.yaml", &changed);
    within(at, "ci-bot's list changed and team-b revoked", || async {
        status(&p, "echo", Some(CI_BOT.0)).await == 403
            && status(&p, "echo", Some(TEAM_B.0)).await == 401
    })
    .await;
    assert_eq!(status(&p, "test-alpha2-echo", Some(CI_BOT.0)).await, 200);
    let resp = p.client.post(&v1).bearer_auth(TEAM_B.0).json(&chat).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let e = g.converse_alpha2(grpc_request("echo", Some(TEAM_B.0))).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    // No key file any more: open again, as without keys.
    std::fs::remove_file(dir.path().join("k.yaml")).unwrap();
    let at = Instant::now();
    within(at, "no keys: open again", || async { status(&p, "echo", None).await == 200 }).await;
    assert!(g.converse_alpha2(grpc_request("echo", None)).await.is_ok());
    p.running.shutdown().await;
}

fn grpc_request(name: &str, bearer: Option<&str>) -> tonic::Request<pb::ConversationRequestAlpha2> {
    let text = pb::ConversationMessageContent { text: "one two".into() };
    let user = pb::ConversationMessageOfUser { name: None, content: vec![text] };
    let message = pb::ConversationMessage {
        message_types: Some(pb::conversation_message::MessageTypes::OfUser(user)),
    };
    let mut req = tonic::Request::new(pb::ConversationRequestAlpha2 {
        name: name.into(),
        inputs: vec![pb::ConversationInputAlpha2 { messages: vec![message], scrub_pii: None }],
        ..Default::default()
    });
    if let Some(k) = bearer {
        req.metadata_mut().insert("authorization", format!("Bearer {k}").parse().unwrap());
    }
    req
}

#[tokio::test]
async fn a_changed_limit_applies_and_a_held_slot_still_counts_across_the_reload() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let limited = |n: u32| key("ci-bot", CI_BOT.1, &format!("  limits:\n    concurrent: {n}\n"));
    let files = [
        ("c.yaml", ECHO_COMPONENTS.to_string()),
        ("slow.yaml", openai("slow", &fake, "gpt-4o-mini", &[])),
        ("k.yaml", limited(1)),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    // One stream holds the key's only slot.
    fake.push_fault(Fault::Pace { deltas: 60, every: Duration::from_millis(50) });
    let mut held = open_stream(&p, "slow", Some(CI_BOT.0)).await;
    assert_eq!(held.status(), 200);
    let first = held.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: chunk"));
    assert_eq!(status(&p, "echo", Some(CI_BOT.0)).await, 429, "concurrent: 1, one in flight");
    let at = write(&dir, "k.yaml", &limited(2));
    within(at, "the limit raised to 2", || async {
        status(&p, "echo", Some(CI_BOT.0)).await == 200
    })
    .await;
    // The stream admitted before the reload still holds its slot: one more fits, not two.
    fake.push_fault(Fault::Pace { deltas: 60, every: Duration::from_millis(50) });
    let second = open_stream(&p, "slow", Some(CI_BOT.0)).await;
    assert_eq!(second.status(), 200);
    assert_eq!(status(&p, "echo", Some(CI_BOT.0)).await, 429, "two in flight, limit 2");
    drop(second);
    let rest = held.text().await.unwrap();
    assert!(rest.contains("event: complete"), "the held stream finished: {rest}");
    p.running.shutdown().await;
}

async fn open_stream(p: &Parlance, component: &str, bearer: Option<&str>) -> reqwest::Response {
    let url = format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base);
    let mut req = p.client.post(url).header("accept", "text/event-stream").body(hello());
    if let Some(k) = bearer {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_broken_file_is_reported_and_the_last_good_configuration_keeps_serving() {
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    let m = metrics(&p);
    assert_eq!(series(&m, LAST_OK), Some(1.0), "{m}");
    let started_at = series(&m, LAST_GOOD).unwrap();
    assert!(started_at > 1.7e9, "the start-up load is the first good one: {started_at}");
    assert_eq!(series(&m, OK), None, "start-up is not a reload");
    // A component added.
    assert_eq!(status(&p, "late", None).await, 400, "unknown component");
    let at = write(&dir, "late.yaml", &component("late", "conversation.echo", &[]));
    within(at, "a new component", || async { status(&p, "late", None).await == 200 }).await;
    let m = metrics(&p);
    assert_eq!(
        (series(&m, OK), series(&m, ERROR), series(&m, LAST_OK)),
        (Some(1.0), None, Some(1.0))
    );
    assert!(series(&m, LAST_GOOD).unwrap() >= started_at);
    // Broken YAML beside a change that would otherwise apply: nothing of it applies.
    std::fs::write(dir.path().join("broken.yaml"), "kind: Component\nmetadata: [unclosed\n")
        .unwrap();
    let at = write(&dir, "more.yaml", &component("more", "conversation.echo", &[]));
    within(at, "the broken folder reported", || async { series(&metrics(&p), ERROR) == Some(1.0) })
        .await;
    let m = metrics(&p);
    assert_eq!(series(&m, LAST_OK), Some(0.0), "{m}");
    assert_eq!(series(&m, OK), Some(1.0), "{m}");
    for (name, want) in [("echo", 200), ("late", 200), ("more", 400)] {
        assert_eq!(status(&p, name, None).await, want, "{name} under the last good config");
    }
    // Fixed: the whole folder applies.
    let at = write(&dir, "broken.yaml", &component("fixed", "conversation.echo", &[]));
    within(at, "the fixed folder applied", || async {
        status(&p, "fixed", None).await == 200 && status(&p, "more", None).await == 200
    })
    .await;
    let m = metrics(&p);
    assert_eq!(
        (series(&m, OK), series(&m, ERROR), series(&m, LAST_OK)),
        (Some(2.0), Some(1.0), Some(1.0))
    );
    // A removed component is gone.
    std::fs::remove_file(dir.path().join("late.yaml")).unwrap();
    let at = Instant::now();
    within(at, "a removed component", || async { status(&p, "late", None).await == 400 }).await;
    p.running.shutdown().await;
}

#[tokio::test]
async fn a_stream_in_flight_across_a_reload_finishes_intact_on_the_old_configuration() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[("a.yaml", &openai("paced", &fake, "gpt-4o-mini", &[]))]);
    let p = start(&[path(&dir)]).await;
    fake.push_fault(Fault::Pace { deltas: 40, every: Duration::from_millis(50) });
    let mut resp = open_stream(&p, "paced", None).await;
    assert_eq!(resp.status(), 200);
    let mut body = String::from_utf8(resp.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    // Its component changes (another model) and a new one appears.
    let at = write(&dir, "a.yaml", &openai("paced", &fake, "gpt-4o", &[]));
    write(&dir, "b.yaml", &component("late", "conversation.echo", &[]));
    within(at, "the reload", || async { status(&p, "late", None).await == 200 }).await;
    while let Some(bytes) = resp.chunk().await.unwrap() {
        body.push_str(std::str::from_utf8(&bytes).unwrap());
    }
    let events: Vec<(String, Value)> = body
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_string(), serde_json::from_str(data).unwrap()))
        })
        .collect();
    let (last, chunks) = events.split_last().unwrap();
    assert_eq!(last.0, "complete", "{body}");
    assert!(chunks.iter().all(|(n, _)| n == "chunk"), "{body}");
    let deltas = chunks.iter().filter(|(_, c)| c["choices"][0]["content"].is_string()).count();
    assert!(deltas >= 39, "every delta arrived: {deltas}\n{body}");
    assert_eq!(last.1["outputs"][0]["model"], "gpt-4o-mini", "the old configuration's model");
    p.running.shutdown().await;
}

#[tokio::test]
async fn an_unchanged_component_keeps_its_cache_and_a_changed_one_is_rebuilt() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let cached = openai("cached", &fake, "gpt-4o-mini", &[("cacheTTL", "10m")]);
    let dir =
        resources(&[("a.yaml", &cached), ("b.yaml", &openai("other", &fake, "gpt-4o-mini", &[]))]);
    let p = start(&[path(&dir)]).await;
    let cache_status = |component: &'static str| {
        let url = format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base);
        let req = p.client.post(url).body(hello()).send();
        async move {
            let resp = req.await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.headers()["x-parlance-cache"].to_str().unwrap().to_string()
        }
    };
    assert_eq!(cache_status("cached").await, "miss");
    assert_eq!(cache_status("cached").await, "hit");
    // Only `other` changes (another model).
    let at = write(&dir, "b.yaml", &openai("other", &fake, "gpt-4o", &[]));
    within(at, "the reload", || async {
        let m = metrics(&p);
        series(&m, OK) == Some(1.0)
    })
    .await;
    assert_eq!(cache_status("cached").await, "hit", "the cache survives the reload");
    assert_eq!(fake.request_count(), 1);
    let url = format!("{}/v1.0-alpha2/conversation/other/converse", p.base);
    let reply: Value = p.client.post(url).body(hello()).send().await.unwrap().json().await.unwrap();
    assert_eq!(reply["outputs"][0]["model"], "gpt-4o", "{reply}");
    p.running.shutdown().await;
}

/// Stored Responses survive a reload (the HTTP app is rebuilt, the store is the sidecar's):
/// `previous_response_id` and `GET` still find a response stored before it.
#[tokio::test]
async fn stored_responses_survive_a_reload() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    let url = format!("{}/v1/responses", p.base);
    let first: Value = p
        .client
        .post(&url)
        .json(&json!({"model": "echo", "input": "alpha"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = first["id"].as_str().unwrap().to_string();
    let at = write(&dir, "b.yaml", &component("other", "conversation.echo", &[]));
    within(at, "the reload", || async { series(&metrics(&p), OK) == Some(1.0) }).await;
    let got = p.client.get(format!("{url}/{id}")).send().await.unwrap();
    assert_eq!(got.status(), 200, "the stored response is still there after the reload");
    let follow = json!({"model": "echo", "input": "beta", "previous_response_id": id});
    let resp = p.client.post(&url).json(&follow).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    p.running.shutdown().await;
}

/// The binary, with its log in a file: SIGHUP reloads at once (the poll is made too slow to),
/// a refused reload is logged with the file at fault, and no secret reaches the log.
#[cfg(unix)]
#[tokio::test]
async fn sighup_reloads_and_a_refused_reload_is_logged_without_secrets() {
    use std::process::{Command, Stdio};
    let secret = "sk-never-logged-0042";
    let keyed = component("keyed", "conversation.openai", &[("key", secret), ("model", "m")]);
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS), ("keyed.yaml", &keyed)]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlance"))
        .args(["--dapr-http-port", &port.to_string(), "--dapr-grpc-port", "0"])
        .args(["--metrics-port", "0", "--watch-interval", "1h", "--resources-path"])
        .arg(dir.path())
        .env_remove("DAPR_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log.reopen().unwrap()))
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let call = |component: &'static str| {
        let url = format!("{base}/v1.0-alpha2/conversation/{component}/converse");
        let req = client.post(url).body(hello()).send();
        async move { req.await.map(|r| r.status().as_u16()).unwrap_or(0) }
    };
    let up = Instant::now() + Duration::from_secs(20);
    while call("echo").await != 200 {
        assert!(Instant::now() < up, "parlance did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hup = || {
        let ok = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
        assert!(ok.success());
        Instant::now()
    };
    let logged = |what: &'static str| {
        let path = log.path().to_path_buf();
        async move { std::fs::read_to_string(path).unwrap().contains(what) }
    };
    std::fs::write(dir.path().join("late.yaml"), component("late", "conversation.echo", &[]))
        .unwrap();
    assert_eq!(call("late").await, 400, "an hourly poll has not seen it");
    let at = hup();
    within(at, "SIGHUP applied the new file", || async { call("late").await == 200 }).await;
    within(at, "the reload logged", || logged("configuration reloaded")).await;
    assert!(logged("SIGHUP: reloading").await);
    std::fs::write(dir.path().join("broken.yaml"), "kind: Component\nmetadata: [unclosed\n")
        .unwrap();
    let at = hup();
    within(at, "the refusal logged", || logged("configuration reload refused")).await;
    within(at, "the file at fault named", || logged("broken.yaml")).await;
    assert_eq!((call("late").await, call("echo").await), (200, 200), "the last good config");
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert!(!text.contains(secret), "a secret in the log:\n{text}");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn a_resiliency_file_added_applies_to_its_component() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[("a.yaml", &openai("llm", &fake, "gpt-4o-mini", &[]))]);
    let p = start(&[path(&dir)]).await;
    // Each call meets one upstream 500 first: only a retry policy turns it into a 200.
    let once_failing = || {
        fake.push_fault(Fault::Status { code: 500, retry_after: None });
        status(&p, "llm", None)
    };
    assert_ne!(once_failing().await, 200, "no policy: the 500 is the answer");
    let retries = "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: r\nspec:\n  policies:\n    retries:\n      again: {policy: constant, duration: 10ms, maxRetries: 2}\n  targets:\n    components:\n      llm:\n        outbound: {retry: again}\n";
    let at = write(&dir, "r.yaml", retries);
    within(at, "the retry policy in force", || async { once_failing().await == 200 }).await;
    p.running.shutdown().await;
}
