//! Connection hygiene (issue 15, part 5): a client cannot hold a connection without using it.
//! With short bounds set through the flags' fields, a silent connection, a stalled half-sent
//! request and an idle keep-alive connection are closed by the server after their bound (and
//! not before), an oversized head gets `431`, and normal requests (including slow ones longer
//! than every bound) keep being served meanwhile, on both doors; a client that hangs up in the
//! middle of a request has its provider call cancelled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{Parlance, args, path, resources, start_with};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_client::DaprClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER: Duration = Duration::from_millis(300);
const IDLE: Duration = Duration::from_millis(700);
/// How late a close may come on a loaded two-core machine.
const MARGIN: Duration = Duration::from_millis(1500);

const HEALTHZ: &[u8] = b"GET /v1.0/healthz HTTP/1.1\r\nhost: parlance\r\n\r\n";

fn openai(endpoint: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: openai\nspec:\n  type: conversation.openai\n  version: v1\n  metadata:\n  - name: key\n    value: sk-test\n  - name: model\n    value: gpt-4o-mini\n  - name: endpoint\n    value: {endpoint}\n"
    )
}

/// parlance with short bounds, an OpenAI component on a fake upstream and the built-in echo.
async fn sidecar() -> (Parlance, FakeUpstream, tempfile::TempDir) {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[
        ("c.yaml", &openai(&format!("{}/v1", fake.url()))),
        ("echo.yaml", common::ECHO_COMPONENTS),
    ]);
    let mut a = args(&[path(&dir)]);
    a.http_read_header_timeout = HEADER;
    a.http_idle_timeout = IDLE;
    a.grpc_handshake_timeout = HEADER;
    a.grpc_max_connection_idle = IDLE;
    (start_with(a, None).await, fake, dir)
}

fn addr(p: &Parlance) -> std::net::SocketAddr {
    p.running.http_addrs[0]
}

/// Reads until the server closes the connection (EOF or reset); returns when, from `since`.
async fn closed_after(sock: &mut TcpStream, since: Instant) -> Duration {
    let mut buf = [0u8; 4096];
    let limit = since + HEADER + IDLE + MARGIN * 2;
    loop {
        let left = limit.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, sock.read(&mut buf)).await {
            Err(_) => panic!("still open after {:?}", since.elapsed()),
            Ok(Ok(0)) | Ok(Err(_)) => return since.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

fn assert_closed_within(took: Duration, bound: Duration, what: &str) {
    assert!(took >= bound, "{what}: closed before its bound ({took:?} < {bound:?})");
    assert!(took < bound + MARGIN, "{what}: closed too late ({took:?})");
}

/// Reads one HTTP/1.1 response (head and `content-length` body) and returns its head.
async fn read_response(sock: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                return head;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf))
            .await
            .expect("a response")
            .unwrap();
        assert!(n > 0, "closed before a full response: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
}

async fn echo_is_served(p: &Parlance) {
    let body = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"still here"}]}}]}]}"#;
    let (status, got) = p.alpha2("echo", body).await;
    assert_eq!(status, 200, "{got}");
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_bound() {
    let (p, _fake, _dir) = sidecar().await;
    let since = Instant::now();
    let mut silent = TcpStream::connect(addr(&p)).await.unwrap();
    echo_is_served(&p).await;
    assert_closed_within(closed_after(&mut silent, since).await, HEADER, "silent connection");
    echo_is_served(&p).await;
}

#[tokio::test]
async fn a_stalled_or_dribbled_request_head_is_closed_after_the_header_bound() {
    let (p, _fake, _dir) = sidecar().await;
    let since = Instant::now();
    let mut stalled = TcpStream::connect(addr(&p)).await.unwrap();
    stalled
        .write_all(b"POST /v1.0-alpha2/conversation/echo/converse HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // A slow-loris client: one byte of header every 50 ms never finishes the head.
    let dribbler = tokio::spawn({
        let addr = addr(&p);
        async move {
            let since = Instant::now();
            let sock = TcpStream::connect(addr).await.unwrap();
            let (mut rd, mut wr) = sock.into_split();
            let writes = tokio::spawn(async move {
                for b in b"GET /v1.0/healthz HTTP/1.1\r\nx-slow: ".iter().cycle() {
                    if wr.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
            let mut buf = [0u8; 64];
            let took = loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break since.elapsed(),
                    Ok(_) => {}
                }
            };
            writes.abort();
            took
        }
    });
    echo_is_served(&p).await;
    assert_closed_within(closed_after(&mut stalled, since).await, HEADER, "half-sent request");
    let dribbled = tokio::time::timeout(HEADER + MARGIN * 2, dribbler).await.unwrap().unwrap();
    assert_closed_within(dribbled, HEADER, "dribbled request");
    echo_is_served(&p).await;
}

#[tokio::test]
async fn a_keep_alive_connection_serves_within_the_idle_bound_and_closes_after_it() {
    let (p, _fake, _dir) = sidecar().await;
    let mut sock = TcpStream::connect(addr(&p)).await.unwrap();
    sock.write_all(HEALTHZ).await.unwrap();
    assert!(read_response(&mut sock).await.starts_with("http/1.1 204"));
    // Longer than the header bound, shorter than the idle bound: still open, still served.
    tokio::time::sleep(HEADER + Duration::from_millis(150)).await;
    sock.write_all(HEALTHZ).await.unwrap();
    assert!(read_response(&mut sock).await.starts_with("http/1.1 204"));
    let since = Instant::now();
    echo_is_served(&p).await;
    assert_closed_within(closed_after(&mut sock, since).await, IDLE, "idle keep-alive");
}

#[tokio::test]
async fn an_oversized_head_gets_431_and_the_server_keeps_serving() {
    let (p, _fake, _dir) = sidecar().await;
    for (size, want) in [(60 << 10, "http/1.1 204"), (70 << 10, "http/1.1 431")] {
        let mut sock = TcpStream::connect(addr(&p)).await.unwrap();
        let req =
            format!("GET /v1.0/healthz HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n", "a".repeat(size));
        sock.write_all(req.as_bytes()).await.unwrap();
        let head = read_response(&mut sock).await;
        assert!(head.starts_with(want), "{size} bytes of header: {head}");
    }
    echo_is_served(&p).await;
}

#[tokio::test]
async fn a_response_slower_than_every_bound_is_not_cut() {
    let (p, fake, _dir) = sidecar().await;
    fake.set_default_fault(Some(Fault::Delay(IDLE + HEADER)));
    let body = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"slow"}]}}]}]}"#;
    let (status, got) = p.alpha2("openai", body).await;
    assert_eq!(status, 200, "{got}");
    let mut client =
        DaprClient::connect(format!("http://{}", p.running.grpc_addrs[0])).await.unwrap();
    let msg = pb::ConversationMessage {
        message_types: Some(pb::conversation_message::MessageTypes::OfUser(
            pb::ConversationMessageOfUser {
                name: None,
                content: vec![pb::ConversationMessageContent { text: "slow".into() }],
            },
        )),
    };
    let req = pb::ConversationRequestAlpha2 {
        name: "openai".into(),
        inputs: vec![pb::ConversationInputAlpha2 { messages: vec![msg], scrub_pii: None }],
        ..Default::default()
    };
    let started = Instant::now();
    client.converse_alpha2(req).await.expect("the slow gRPC call is answered");
    assert!(started.elapsed() >= IDLE + HEADER, "the call really was slow");
}

#[tokio::test]
async fn grpc_closes_a_silent_connection_after_the_handshake_bound_and_an_idle_one_later() {
    let (p, _fake, _dir) = sidecar().await;
    let grpc = p.running.grpc_addrs[0];
    let since = Instant::now();
    let mut silent = TcpStream::connect(grpc).await.unwrap();
    assert_closed_within(closed_after(&mut silent, since).await, HEADER, "silent gRPC connection");
    // The HTTP/2 preface and an empty SETTINGS frame: the handshake began, then nothing.
    let since = Instant::now();
    let mut idle = TcpStream::connect(grpc).await.unwrap();
    idle.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    assert_closed_within(closed_after(&mut idle, since).await, IDLE, "idle gRPC connection");
    let mut client = DaprClient::connect(format!("http://{grpc}")).await.unwrap();
    client.get_metadata(pb::GetMetadataRequest::default()).await.expect("still serving");
}

#[tokio::test]
async fn h2c_by_prior_knowledge_is_still_served_on_the_http_port() {
    let (p, _fake, _dir) = sidecar().await;
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let resp = h2.get(format!("{}/v1.0/healthz", p.base)).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), resp.version()), (204, reqwest::Version::HTTP_2));
    // And again after longer than the header bound.
    tokio::time::sleep(HEADER + Duration::from_millis(150)).await;
    let body = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"over h2c"}]}}]}]}"#;
    let url = format!("{}/v1.0-alpha2/conversation/echo/converse", p.base);
    let resp = h2.post(url).body(body).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), resp.version()), (200, reqwest::Version::HTTP_2));
}

#[tokio::test]
async fn the_metrics_port_closes_a_silent_connection_too() {
    let (p, _fake, _dir) = sidecar().await;
    let metrics = p.running.metrics_addr.unwrap();
    let since = Instant::now();
    let mut silent = TcpStream::connect(metrics).await.unwrap();
    assert_closed_within(
        closed_after(&mut silent, since).await,
        HEADER,
        "silent metrics connection",
    );
    let text =
        reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
    assert!(text.contains("parlance_requests_in_flight"), "{text}");
}

/// A stand-in upstream that accepts one connection, reads one request head from it (then says
/// so on `arrived`) and never answers; resolves with how long after that the client closed
/// the connection (and fails if it stays open past [`closed_after`]'s limit).
async fn silent_upstream(
    listener: tokio::net::TcpListener,
    arrived: tokio::sync::oneshot::Sender<()>,
) -> Duration {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await.unwrap();
        assert!(n > 0, "the request never arrived whole");
        got.extend_from_slice(&buf[..n]);
    }
    let since = Instant::now();
    arrived.send(()).unwrap();
    closed_after(&mut sock, since).await
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_request_cancels_the_provider_call() {
    // What hyper's read during a request in progress is for (the reason `half_close` stays
    // off): parlance sees the client go, drops the request, and with it the upstream call,
    // which an LLM provider would otherwise finish and bill.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/v1", listener.local_addr().unwrap());
    let (arrived, in_flight) = tokio::sync::oneshot::channel();
    let upstream = tokio::spawn(silent_upstream(listener, arrived));
    let dir = resources(&[("c.yaml", &openai(&endpoint))]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let body = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"hello"}]}}]}]}"#;
    let mut sock = TcpStream::connect(addr(&p)).await.unwrap();
    let head = format!(
        "POST /v1.0-alpha2/conversation/openai/converse HTTP/1.1\r\nhost: parlance\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), in_flight)
        .await
        .expect("the request never reached the upstream")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!upstream.is_finished(), "the upstream connection closed before the client went");
    drop(sock);
    let took = tokio::time::timeout(MARGIN * 4, upstream)
        .await
        .expect("the provider call was still open long after its client went away")
        .unwrap();
    println!(
        "upstream connection closed {took:?} after the request reached it (client gone after ~100 ms)"
    );
}
