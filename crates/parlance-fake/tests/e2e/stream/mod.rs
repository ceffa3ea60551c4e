//! Streams end to end: a small test-side SSE parser and event-stream decoder, the assembly of
//! each protocol's stream into its plain reply, and the helpers the stream tests share.

mod anthropic;
mod bedrock;
mod faults;
mod openai;
mod stats;

use std::time::Duration;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::Message;
use bytes::{Bytes, BytesMut};
use parlance_fake::FakeUpstream;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::common::*;

/// One SSE event: its `event:` name (if any) and its `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: Option<String>,
    pub data: String,
}

impl Event {
    /// The data as JSON (panics when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("{e}: {:?}", self.data))
    }
}

/// A parsed SSE body.
#[derive(Debug, Default)]
pub struct Sse {
    pub events: Vec<Event>,
    /// Comment lines (`: keep-alive`).
    pub comments: usize,
}

/// Splits an SSE body into events (LF or CRLF; multi-line `data` joined with `\n`).
pub fn parse_sse(body: &[u8]) -> Sse {
    let text = String::from_utf8(body.to_vec()).unwrap().replace("\r\n", "\n");
    let mut sse = Sse::default();
    for block in text.split("\n\n").filter(|b| !b.is_empty()) {
        let (mut name, mut data) = (None, Vec::new());
        for line in block.lines() {
            if line.starts_with(':') {
                sse.comments += 1;
            } else if let Some(v) = line.strip_prefix("event:") {
                name = Some(v.trim_start().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
            } else {
                panic!("unexpected SSE line {line:?}");
            }
        }
        if !data.is_empty() || name.is_some() {
            sse.events.push(Event { name, data: data.join("\n") });
        }
    }
    sse
}

/// A streamed response, read to its end.
#[derive(Debug)]
pub struct Streamed {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Streamed {
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn sse(&self) -> Sse {
        parse_sse(&self.body)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// POSTs JSON and reads the whole body.
pub async fn post_stream(url: &str, headers: &[(&str, &str)], body: &Value) -> Streamed {
    let resp = request(url, headers, body).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    Streamed { status, headers, body }
}

/// A POST request with JSON and headers.
pub fn request(url: &str, headers: &[(&str, &str)], body: &Value) -> reqwest::RequestBuilder {
    let mut req = client().post(url).json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req
}

/// Reads chunks until the body ends, errors, or nothing comes for `idle`.
pub async fn read_until_idle(resp: &mut reqwest::Response, idle: Duration) -> (Vec<u8>, Ending) {
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout(idle, resp.chunk()).await {
            Err(_) => return (got, Ending::Idle),
            Ok(Ok(Some(chunk))) => got.extend_from_slice(&chunk),
            Ok(Ok(None)) => return (got, Ending::End),
            Ok(Err(_)) => return (got, Ending::Error),
        }
    }
}

/// How a body read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The body ended cleanly.
    End,
    /// The connection broke.
    Error,
    /// Nothing arrived for a while.
    Idle,
}

/// Decodes event-stream frames; both CRCs are verified by the decoder. Returns the messages
/// and the first decoding error, if any.
pub fn decode_frames(body: &[u8]) -> (Vec<Message>, Option<String>) {
    let mut buf = BytesMut::from(body);
    let mut decoder = MessageFrameDecoder::new();
    let mut out = Vec::new();
    loop {
        match decoder.decode_frame(&mut buf) {
            Ok(DecodedFrame::Complete(m)) => out.push(m),
            Ok(DecodedFrame::Incomplete) => {
                let rest = (!buf.is_empty()).then(|| format!("{} trailing bytes", buf.len()));
                return (out, rest);
            }
            Err(e) => return (out, Some(e.to_string())),
        }
    }
}

/// A header of an event-stream message, as text.
pub fn frame_header(m: &Message, name: &str) -> Option<String> {
    m.headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| h.value().as_string().ok())
        .map(|s| s.as_str().to_owned())
}

/// A frame's JSON payload.
pub fn frame_json(m: &Message) -> Value {
    serde_json::from_slice(m.payload()).unwrap()
}

/// `{fake}/v1/chat/completions`.
pub fn openai_url(fake: &FakeUpstream) -> String {
    format!("{}/v1/chat/completions", fake.url())
}

/// `{fake}/v1/messages`.
pub fn anthropic_url(fake: &FakeUpstream) -> String {
    format!("{}/v1/messages", fake.url())
}

/// `{fake}/model/{model}/converse-stream`.
pub fn bedrock_stream_url(fake: &FakeUpstream, model: &str) -> String {
    format!("{}/model/{model}/converse-stream", fake.url())
}

/// SigV4-shaped headers for Bedrock.
pub fn bedrock_headers() -> Vec<(&'static str, String)> {
    vec![("authorization", sigv4("AKIDEXAMPLE")), ("x-amz-date", AMZ_DATE.to_owned())]
}

/// POSTs to Bedrock's converse-stream with valid headers (and `extra`).
pub async fn bedrock_stream(
    fake: &FakeUpstream,
    model: &str,
    extra: &[(&str, &str)],
    body: &Value,
) -> Streamed {
    let owned = bedrock_headers();
    let mut headers: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    headers.extend_from_slice(extra);
    post_stream(&bedrock_stream_url(fake, model), &headers, body).await
}
