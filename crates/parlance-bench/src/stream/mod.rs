//! `parlance-bench stream`: N concurrent clients, each running its streams back to back over
//! one HTTP/1.1 connection, against parlance's SSE door or the OpenAI stream of the fake
//! directly (the baseline); starts are spread evenly over `--ramp-ms` so that frames do not
//! arrive in lock-step. Prints one JSON object: time to first content chunk and gaps between
//! content chunks (µs; p50, p99, max), frames and content bytes per second of wall time,
//! streams completed, short, failed, and stalls (waits longer than `--stall-ms`).

mod client;
mod sse;
mod tally;

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use client::{Plan, Target};
use tally::Tally;

/// Which stream format the target speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// parlance's alpha2 SSE door (`event: chunk` … `event: complete`).
    Parlance,
    /// The OpenAI Chat Completions stream (`data:` chunks, `data: [DONE]`).
    Openai,
    /// parlance's Anthropic Messages door (`content_block_delta` … `message_stop`).
    Anthropic,
    /// parlance's OpenAI Responses door (`response.output_text.delta` … `response.completed`).
    Responses,
}

/// The `stream` subcommand's options.
#[derive(Debug, Clone, clap::Args)]
pub struct StreamArgs {
    /// Full URL, e.g. http://127.0.0.1:3500/v1.0-alpha2/conversation/paced/converse.
    #[arg(long)]
    pub url: String,
    /// What the URL speaks (and so which request body is sent).
    #[arg(long, value_enum)]
    pub format: Format,
    /// Streams in flight (one client each).
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Streams each client runs, one after another.
    #[arg(long, default_value_t = 1)]
    pub streams: u64,
    /// Spread the clients' starts evenly over this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub ramp_ms: u64,
    /// Read up to the first content chunk, then close the connection (time to first token).
    #[arg(long)]
    pub first_only: bool,
    /// A wait for a frame longer than this is a stall.
    #[arg(long, default_value_t = 200)]
    pub stall_ms: u64,
    /// Content chunks a complete stream must carry (0: do not check).
    #[arg(long, default_value_t = 0)]
    pub expect_frames: u64,
    /// parlance format: ask for PII scrubbing (`scrubPii: true`, with PII in the prompt).
    #[arg(long)]
    pub scrub_pii: bool,
    /// Extra request header `NAME: VALUE` (repeatable), e.g. `x-fake-fault: pace=64x20ms`.
    #[arg(long = "header")]
    pub headers: Vec<String>,
    /// `model` in the request body of the openai, anthropic and responses formats (for
    /// parlance's doors: the component).
    #[arg(long, default_value = "gpt-4o-mini")]
    pub model: String,
    /// Longest one stream may take before it counts as failed.
    #[arg(long, default_value_t = 60)]
    pub stream_timeout_s: u64,
}

const PROMPT: &str = "What is the capital of France?";
const PII_PROMPT: &str = "Hi, I am Maria Gonzalez, mail maria.gonzalez@example.com or call +1 415 555 0132. What is the capital of France?";

/// The request body for `format` (`model` for the formats that name one).
fn body(format: Format, scrub_pii: bool, model: &str) -> Value {
    match format {
        Format::Anthropic => json!({
            "model": model,
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": PROMPT}],
            "stream": true,
        }),
        Format::Responses => {
            json!({"model": model, "input": PROMPT, "store": false, "stream": true})
        }
        Format::Openai => json!({
            "model": model,
            "messages": [{"role": "user", "content": PROMPT}],
            "stream": true,
            "stream_options": {"include_usage": true},
        }),
        Format::Parlance => {
            let text = if scrub_pii { PII_PROMPT } else { PROMPT };
            let mut input = json!({"messages": [{"ofUser": {"content": [{"text": text}]}}]});
            if scrub_pii {
                input["scrubPii"] = json!(true);
            }
            json!({"inputs": [input]})
        }
    }
}

fn target(args: &StreamArgs) -> Result<Target, String> {
    let uri: http::Uri = args.url.parse().map_err(|e| format!("--url: {e}"))?;
    let authority = uri.authority().ok_or("--url needs host:port")?.to_string();
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("--url: {e}"))?
        .next()
        .ok_or("--url: no address")?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut headers = Vec::new();
    if args.format == Format::Openai {
        headers.push(("authorization".to_owned(), "Bearer sk-bench".to_owned()));
    }
    for h in &args.headers {
        let (k, v) = h.split_once(':').ok_or_else(|| format!("--header {h}: NAME: VALUE"))?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let body = Bytes::from(body(args.format, args.scrub_pii, &args.model).to_string());
    Ok(Target { addr, authority, path, body, headers })
}

/// Runs the streams and prints the JSON report.
pub async fn run(args: StreamArgs) -> Result<(), String> {
    let target = Arc::new(target(&args)?);
    let plan = Plan {
        streams: args.streams,
        first_only: args.first_only,
        expect_frames: args.expect_frames,
        stream_timeout: Duration::from_secs(args.stream_timeout_s),
    };
    let stall = Duration::from_millis(args.stall_ms);
    let n = args.concurrency.max(1);
    let ramp = Duration::from_millis(args.ramp_ms);
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let target = target.clone();
            let delay = ramp.mul_f64(i as f64 / n as f64);
            tokio::spawn(async move { client::run(&target, plan, delay, Tally::new(stall)).await })
        })
        .collect();
    let mut total = Tally::new(stall);
    for t in tasks {
        total.merge(&t.await.map_err(|e| e.to_string())?);
    }
    println!("{}", total.report(n, started.elapsed()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(body(Format::Openai, false, "m")["stream"], true);
        assert!(body(Format::Parlance, false, "m")["inputs"][0].get("scrubPii").is_none());
        assert_eq!(body(Format::Parlance, true, "m")["inputs"][0]["scrubPii"], true);
        assert_eq!(body(Format::Anthropic, false, "fast")["model"], "fast");
        assert_eq!(body(Format::Responses, false, "fast")["stream"], true);
    }

    #[test]
    fn target_from_url() {
        let args = StreamArgs {
            url: "http://127.0.0.1:9/v1/chat/completions".into(),
            format: Format::Openai,
            concurrency: 1,
            streams: 1,
            ramp_ms: 0,
            first_only: false,
            stall_ms: 200,
            expect_frames: 0,
            scrub_pii: false,
            model: "gpt-4o-mini".into(),
            headers: vec!["x-fake-fault: pace=4x1ms".into()],
            stream_timeout_s: 1,
        };
        let t = target(&args).unwrap();
        assert_eq!(t.path, "/v1/chat/completions");
        assert_eq!(t.authority, "127.0.0.1:9");
        assert!(t.headers.contains(&("x-fake-fault".into(), "pace=4x1ms".into())));
    }
}
