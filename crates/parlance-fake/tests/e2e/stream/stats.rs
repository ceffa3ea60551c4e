//! What tests of other crates read: live stream counters, cancellation seen by the fake, and
//! backpressure (a client that stops reading stops the fake's writes).

use std::time::{Duration, Instant};

use parlance_fake::{FakeOptions, FakeUpstream, StreamState};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

fn paced_body() -> serde_json::Value {
    json!({"model": "gpt-4o-mini", "stream": true, "messages": [{"role": "user", "content": "hi"}]})
}

#[tokio::test]
async fn a_finished_stream_counts_every_event() {
    let fake = fake().await;
    let r = post_stream(&openai_url(&fake), &[BEARER], &paced_body()).await;
    let events = r.sse().events.len() as u64;
    let stats = fake.last_request().unwrap().stream;
    assert_eq!(stats.ended().await, StreamState::Finished);
    assert!(stats.is_stream() && !stats.client_closed());
    assert_eq!(stats.events_written(), events);
    assert_eq!(stats.bytes_written(), r.body.len() as u64);
    assert_eq!(fake.stream_stats().len(), 1);
    post(
        &openai_url(&fake),
        &[BEARER],
        &json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}),
    )
    .await;
    assert_eq!(fake.stream_stats().len(), 1, "plain answers have no stream stats");
    assert_eq!(fake.last_request().unwrap().stream.ended().await, StreamState::NotStream);
}

#[tokio::test]
async fn a_client_that_disconnects_is_seen_long_before_the_stream_would_end() {
    let fake = fake().await;
    // 1000 deltas 10 ms apart: the stream would last 10 s.
    let headers = [BEARER, ("x-fake-fault", "pace=1000x10ms")];
    let mut resp = request(&openai_url(&fake), &headers, &paced_body()).send().await.unwrap();
    let started = Instant::now();
    let mut got = 0;
    while got < 300 {
        got += resp.chunk().await.unwrap().unwrap().len();
    }
    drop(resp);
    let stats = fake.last_request().unwrap().stream;
    let ended = tokio::time::timeout(Duration::from_secs(3), stats.ended()).await;
    assert_eq!(ended, Ok(StreamState::ClientClosed));
    assert!(stats.client_closed());
    assert!(stats.events_written() < 500, "{}", stats.events_written());
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert!(stats.duration().unwrap() < Duration::from_secs(5));
}

/// Sends a raw HTTP/1.1 streaming request and reads nothing back.
async fn raw_request(fake: &FakeUpstream, fault: &str) -> TcpStream {
    let body = paced_body().to_string();
    let mut tcp = TcpStream::connect(fake.addr()).await.unwrap();
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer k\r\nx-fake-fault: {fault}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body.as_bytes()).await.unwrap();
    tcp
}

/// Polls until the count stops moving for `quiet`, returning it.
async fn settle(stats: &parlance_fake::StreamStats, quiet: Duration) -> u64 {
    let mut last = stats.events_written();
    loop {
        tokio::time::sleep(quiet).await;
        let now = stats.events_written();
        if now == last {
            return now;
        }
        last = now;
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_stops_the_fake_writing() {
    let fake = fake().await;
    const N: u64 = 200_000;
    let mut tcp = raw_request(&fake, &format!("pace={N}x0ms")).await;
    let mut stats = None;
    for _ in 0..100 {
        if let Some(s) = fake.last_request().map(|r| r.stream).filter(|s| s.is_stream()) {
            stats = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = stats.expect("the stream started");
    let stuck = settle(&stats, Duration::from_millis(300)).await;
    assert!(stuck > 0 && stuck < N, "blocked after {stuck} of {N} events");
    assert_eq!(stats.state(), StreamState::Open);
    // Read some: the fake writes again.
    let mut buf = vec![0u8; 1 << 16];
    let deadline = Instant::now() + Duration::from_secs(10);
    while stats.events_written() == stuck && Instant::now() < deadline {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0);
    }
    assert!(stats.events_written() > stuck, "reading unblocked the writer");
    drop(tcp);
    let ended = tokio::time::timeout(Duration::from_secs(5), stats.ended()).await;
    assert_eq!(ended, Ok(StreamState::ClientClosed));
}

#[tokio::test]
async fn fixed_mode_streams_too() {
    let fake = FakeUpstream::start(FakeOptions { fixed_reply: true, ..FakeOptions::default() })
        .await
        .unwrap();
    let r = post_stream(
        &openai_url(&fake),
        &[],
        &json!({"stream": true, "stream_options": {"include_usage": true}}),
    )
    .await;
    let sse = r.sse();
    assert_eq!(sse.events.last().unwrap().data, "[DONE]");
    let assembled = super::openai::assemble(&sse);
    assert_eq!(assembled["choices"][0]["message"]["content"], "echo: fixed");
    assert_eq!(assembled["usage"]["completion_tokens"], 2);
    let r = post_stream(
        &anthropic_url(&fake),
        &[("x-fake-fault", "pace=8x1ms")],
        &json!({"stream": true}),
    )
    .await;
    let message = super::anthropic::assemble(&r.sse());
    assert_eq!(message["content"][0]["text"], "echo: fixed echo: fixed echo: fixed echo: fixed");
    assert_eq!(message["usage"]["output_tokens"], 8);
    let r = post_stream(&bedrock_stream_url(&fake, "m"), &[], &json!({})).await;
    let (frames, error) = decode_frames(&r.body);
    assert_eq!(error, None);
    assert_eq!(
        super::bedrock::assemble(&frames)["output"]["message"]["content"][0]["text"],
        "echo: fixed"
    );
    let r = post(&openai_url(&fake), &[], &json!({"stream": false})).await;
    assert_eq!(r.json["object"], "chat.completion");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn http2_streams_and_resets_are_seen_too() {
    let fake = fake().await;
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let resp = h2
        .post(openai_url(&fake))
        .header("authorization", "Bearer k")
        .json(&paced_body())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    let sse = parse_sse(&resp.bytes().await.unwrap());
    assert_eq!(sse.events.last().unwrap().data, "[DONE]");
    let mut resp = h2
        .post(openai_url(&fake))
        .header("authorization", "Bearer k")
        .header("x-fake-fault", "pace=500x10ms")
        .json(&paced_body())
        .send()
        .await
        .unwrap();
    resp.chunk().await.unwrap();
    drop(resp); // resets the HTTP/2 stream; the connection stays
    let stats = fake.last_request().unwrap().stream;
    let ended = tokio::time::timeout(Duration::from_secs(3), stats.ended()).await;
    assert_eq!(ended, Ok(StreamState::ClientClosed));
    assert!(stats.events_written() < 100, "{}", stats.events_written());
}
