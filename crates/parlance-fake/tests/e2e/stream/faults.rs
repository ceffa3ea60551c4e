//! Stream faults in each protocol: an error after N events, a dropped connection, a stall (with
//! and without keep-alives), a malformed event, a bad CRC, the paced mode; and stream faults on
//! plain requests (ignored).

use std::time::{Duration, Instant};

use parlance_fake::StreamState;
use serde_json::{Value, json};

use super::*;

const ANTHROPIC: [(&str, &str); 2] = [("x-api-key", "k"), ("anthropic-version", "2023-06-01")];
const MODEL: &str = "m";

fn openai_body() -> Value {
    json!({"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "one two three four five six"}]})
}

fn anthropic_body() -> Value {
    json!({"model": "claude", "max_tokens": 100, "stream": true,
        "messages": [{"role": "user", "content": "one two three four five six"}]})
}

fn bedrock_body() -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": "one two three four five six"}]}]})
}

/// Sends a streaming request with `fault`; returns the open response.
async fn open(fake: &FakeUpstream, protocol: &str, fault: &str) -> reqwest::Response {
    let owned = bedrock_headers();
    let (url, body, mut headers): (String, Value, Vec<(&str, &str)>) = match protocol {
        "openai" => (openai_url(fake), openai_body(), vec![BEARER]),
        "anthropic" => (anthropic_url(fake), anthropic_body(), ANTHROPIC.to_vec()),
        _ => (
            bedrock_stream_url(fake, MODEL),
            bedrock_body(),
            owned.iter().map(|(k, v)| (*k, v.as_str())).collect(),
        ),
    };
    headers.push(("x-fake-fault", fault));
    let resp = request(&url, &headers, &body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{protocol} {fault}");
    resp
}

/// The body so far and how it ended (idle after `idle`).
async fn read(
    fake: &FakeUpstream,
    protocol: &str,
    fault: &str,
    idle: Duration,
) -> (Vec<u8>, Ending) {
    let mut resp = open(fake, protocol, fault).await;
    read_until_idle(&mut resp, idle).await
}

/// The body received within `total` (the stream itself goes on).
async fn read_for(fake: &FakeUpstream, protocol: &str, fault: &str, total: Duration) -> Vec<u8> {
    let mut resp = open(fake, protocol, fault).await;
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + total;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, resp.chunk()).await {
        got.extend_from_slice(&chunk);
    }
    got
}

const LONG: Duration = Duration::from_secs(5);

#[tokio::test]
async fn error_after_n_events_in_each_protocol() {
    let fake = fake().await;
    let (body, end) = read(&fake, "openai", "stream-error-after=2", LONG).await;
    assert_eq!(end, Ending::End);
    let sse = parse_sse(&body);
    assert_eq!(sse.events.len(), 3, "{:?}", sse.events);
    assert_eq!(sse.events[2].json()["error"]["type"], "server_error");
    assert!(sse.events.iter().all(|e| e.data != "[DONE]"));

    let (body, _) = read(&fake, "anthropic", "stream-error-after=2", LONG).await;
    let sse = parse_sse(&body);
    assert_eq!(sse.events.len(), 3);
    let last = &sse.events[2];
    assert_eq!(last.name.as_deref(), Some("error"));
    assert_eq!(
        last.json(),
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    );

    let (body, _) = read(&fake, "bedrock", "stream-error-after=2", LONG).await;
    let (frames, error) = decode_frames(&body);
    assert_eq!((frames.len(), error), (3, None));
    let last = &frames[2];
    assert_eq!(frame_header(last, ":message-type").as_deref(), Some("exception"));
    assert_eq!(frame_header(last, ":exception-type").as_deref(), Some("modelStreamErrorException"));
    assert!(frame_json(last)["message"].is_string());

    let (body, _) =
        read(&fake, "bedrock", "stream-error-after=0,kind=throttlingException", LONG).await;
    let (frames, _) = decode_frames(&body);
    assert_eq!(frames.len(), 1);
    assert_eq!(frame_header(&frames[0], ":exception-type").as_deref(), Some("throttlingException"));
}

#[tokio::test]
async fn drop_after_n_events_breaks_the_connection() {
    for protocol in ["openai", "anthropic", "bedrock"] {
        let fake = fake().await;
        let (body, end) = read(&fake, protocol, "stream-drop-after=3", LONG).await;
        assert_eq!(end, Ending::Error, "{protocol}: the body must not end cleanly");
        let events = match protocol {
            "bedrock" => decode_frames(&body).0.len(),
            _ => parse_sse(&body).events.len(),
        };
        assert_eq!(events, 3, "{protocol}");
        let stats = fake.last_request().unwrap().stream;
        assert_eq!(stats.ended().await, StreamState::Dropped);
        assert_eq!(stats.events_written(), 3);
    }
}

#[tokio::test]
async fn stall_after_n_events_keeps_the_connection_open() {
    for protocol in ["openai", "anthropic", "bedrock"] {
        let fake = fake().await;
        let (body, end) =
            read(&fake, protocol, "stream-stall-after=2", Duration::from_millis(500)).await;
        assert_eq!(end, Ending::Idle, "{protocol}");
        let events = match protocol {
            "bedrock" => decode_frames(&body).0.len(),
            _ => parse_sse(&body).events.len(),
        };
        assert_eq!(events, 2, "{protocol}");
        assert_eq!(fake.last_request().unwrap().stream.state(), StreamState::Open);
    }
}

#[tokio::test]
async fn stall_with_keepalives_sends_comments_or_pings() {
    let fake = fake().await;
    let spec = "stream-stall-after=1,keepalive=40ms";
    let body = read_for(&fake, "openai", spec, Duration::from_millis(600)).await;
    let sse = parse_sse(&body);
    assert_eq!(sse.events.len(), 1);
    assert!(sse.comments >= 3, "{}", sse.comments);
    assert!(fake.last_request().unwrap().stream.keepalives_written() >= 3);

    let body = read_for(&fake, "anthropic", spec, Duration::from_millis(600)).await;
    let names: Vec<String> = parse_sse(&body).events.into_iter().filter_map(|e| e.name).collect();
    assert_eq!(names[0], "message_start");
    assert!(names[1..].iter().all(|n| n == "ping") && names.len() >= 4, "{names:?}");
}

#[tokio::test]
async fn malformed_event_then_the_end() {
    let fake = fake().await;
    for protocol in ["openai", "anthropic"] {
        let (body, end) = read(&fake, protocol, "stream-malformed-after=1", LONG).await;
        assert_eq!(end, Ending::End);
        let sse = parse_sse(&body);
        assert_eq!(sse.events.len(), 2, "{protocol}");
        assert!(serde_json::from_str::<Value>(&sse.events[0].data).is_ok());
        assert!(serde_json::from_str::<Value>(&sse.events[1].data).is_err(), "{protocol}");
    }
    let (body, _) = read(&fake, "bedrock", "stream-malformed-after=1", LONG).await;
    let (frames, error) = decode_frames(&body);
    assert_eq!((frames.len(), error), (2, None), "the frame itself is sound");
    assert!(serde_json::from_slice::<Value>(frames[1].payload()).is_err());
    let (body, _) = read(&fake, "openai", "malformed", LONG).await;
    let sse = parse_sse(&body);
    assert_eq!(sse.events.len(), 1, "`malformed` on a stream: a malformed first event");
    assert!(serde_json::from_str::<Value>(&sse.events[0].data).is_err());
}

#[tokio::test]
async fn bad_crc_frame_is_caught_by_the_decoder() {
    let fake = fake().await;
    let (body, end) = read(&fake, "bedrock", "stream-bad-crc-after=2", LONG).await;
    assert_eq!(end, Ending::End);
    let (frames, error) = decode_frames(&body);
    assert_eq!(frames.len(), 2);
    let error = error.expect("a CRC error");
    assert!(
        error.to_lowercase().contains("checksum") || error.to_lowercase().contains("crc"),
        "{error}"
    );
    let (body, _) = read(&fake, "openai", "stream-bad-crc-after=1", LONG).await;
    let sse = parse_sse(&body);
    assert!(serde_json::from_str::<Value>(&sse.events[1].data).is_err(), "SSE: a malformed event");
}

/// Content deltas of an OpenAI stream, and the time each arrived.
async fn timed_openai_deltas(fake: &FakeUpstream, fault: &str) -> (Vec<String>, Vec<Duration>) {
    let started = Instant::now();
    let mut resp = open(fake, "openai", fault).await;
    let (mut buf, mut texts, mut times) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(chunk) = resp.chunk().await.unwrap() {
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            for e in parse_sse(&event).events.into_iter().filter(|e| e.data != "[DONE]") {
                if let Some(t) =
                    e.json()["choices"][0]["delta"]["content"].as_str().filter(|t| !t.is_empty())
                {
                    texts.push(t.to_owned());
                    times.push(started.elapsed());
                }
            }
        }
    }
    (texts, times)
}

#[tokio::test]
async fn pace_sends_exactly_n_deltas_t_apart() {
    let fake = fake().await;
    let (texts, times) = timed_openai_deltas(&fake, "pace=5x20ms").await;
    assert_eq!(texts.len(), 5, "{texts:?}");
    assert_eq!(texts.concat(), "echo: one two three four");
    let span = times[4] - times[0];
    assert!(span >= Duration::from_millis(80), "5 deltas 20 ms apart took {span:?}");
    assert!(span < Duration::from_secs(2), "{span:?}");
    let (texts, _) = timed_openai_deltas(&fake, "pace=64x0ms").await;
    assert_eq!(texts.len(), 64);
    let (texts, _) = timed_openai_deltas(&fake, "pace=3x1ms").await;
    assert_eq!(texts, ["echo: ", "one ", "two"]);

    let started = Instant::now();
    let (body, _) = read(&fake, "anthropic", "pace=4x25ms", LONG).await;
    assert!(started.elapsed() >= Duration::from_millis(75));
    let deltas = parse_sse(&body)
        .events
        .iter()
        .filter(|e| e.name.as_deref() == Some("content_block_delta"))
        .count();
    assert_eq!(deltas, 4);
    let (body, _) = read(&fake, "bedrock", "pace=6x1ms", LONG).await;
    let (frames, _) = decode_frames(&body);
    let deltas = frames
        .iter()
        .filter(|m| frame_header(m, ":event-type").as_deref() == Some("contentBlockDelta"))
        .count();
    assert_eq!(deltas, 6);
    let usage = frame_json(frames.last().unwrap())["usage"].clone();
    assert_eq!(usage["outputTokens"], 6);
}

#[tokio::test]
async fn slow_body_and_delay_on_a_stream() {
    let fake = fake().await;
    let started = Instant::now();
    let (body, _) = read(&fake, "anthropic", "slow-body=10ms", LONG).await;
    let events = parse_sse(&body).events.len();
    assert!(
        started.elapsed() >= Duration::from_millis(10 * events as u64),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let (body, _) = read(&fake, "openai", "delay=100ms", LONG).await;
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(parse_sse(&body).events.last().unwrap().data, "[DONE]");
}

#[tokio::test]
async fn stream_faults_on_plain_requests_are_ignored() {
    let fake = fake().await;
    let mut body = openai_body();
    body.as_object_mut().unwrap().remove("stream");
    body.as_object_mut().unwrap().remove("stream_options");
    for fault in [
        "stream-error-after=0",
        "stream-drop-after=0",
        "stream-stall-after=0",
        "stream-bad-crc-after=0",
        "pace=64x20ms",
    ] {
        let r = post(&openai_url(&fake), &[BEARER, ("x-fake-fault", fault)], &body).await;
        assert_eq!(r.status, 200, "{fault}");
        assert_eq!(r.json["choices"][0]["message"]["content"], "echo: one two three four five six");
        assert!(!fake.last_request().unwrap().stream.is_stream());
    }
    let r = bedrock(&fake, MODEL, &bedrock_body()).await;
    assert_eq!(r.status, 200);
    let mut anthropic = anthropic_body();
    anthropic["model"] = json!("fault:stream-drop-after=0");
    anthropic.as_object_mut().unwrap().remove("stream");
    assert_eq!(post(&anthropic_url(&fake), &ANTHROPIC, &anthropic).await.status, 200);
}

#[tokio::test]
async fn status_faults_answer_before_the_stream_and_scripted_faults_apply() {
    let fake = fake().await;
    let r = post_stream(
        &openai_url(&fake),
        &[BEARER, ("x-fake-fault", "status=429,retry-after=1")],
        &openai_body(),
    )
    .await;
    assert_eq!((r.status, r.content_type()), (429, "application/json"));
    fake.push_fault(parlance_fake::Fault::StreamErrorAfter {
        after: 1,
        kind: Some("api_error".into()),
    });
    let r = post_stream(&anthropic_url(&fake), &ANTHROPIC, &anthropic_body()).await;
    let sse = r.sse();
    assert_eq!(sse.events.len(), 2);
    assert_eq!(sse.events[1].json()["error"]["type"], "api_error");
    let mut body = anthropic_body();
    body["model"] = json!("fault:stream-error-after=1");
    assert_eq!(post_stream(&anthropic_url(&fake), &ANTHROPIC, &body).await.sse().events.len(), 2);
}
