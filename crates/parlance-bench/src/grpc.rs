//! `parlance-bench grpc`: drives `ConverseAlpha2` over one HTTP/2 connection per 32 in-flight
//! requests for a fixed time, then prints `{"rps", "p50", "p99", "errors"}` (milliseconds) as
//! JSON for `scripts/bench`. wrk does the same job for HTTP; no established gRPC load generator
//! can be installed from the registries this project may use.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use parlance_proto::runtime::conversation_message::MessageTypes;
use parlance_proto::runtime::dapr_client::DaprClient;
use parlance_proto::runtime::{
    ConversationInputAlpha2, ConversationMessage, ConversationMessageContent,
    ConversationMessageOfUser, ConversationRequestAlpha2,
};
use tonic::transport::{Channel, Endpoint};

fn request(component: &str) -> ConversationRequestAlpha2 {
    let text = "What is the capital of France?".to_string();
    let user = ConversationMessageOfUser {
        name: None,
        content: vec![ConversationMessageContent { text }],
    };
    let message = ConversationMessage { message_types: Some(MessageTypes::OfUser(user)) };
    ConversationRequestAlpha2 {
        name: component.to_string(),
        inputs: vec![ConversationInputAlpha2 { messages: vec![message], scrub_pii: None }],
        ..Default::default()
    }
}

async fn worker(
    client: DaprClient<Channel>,
    req: ConversationRequestAlpha2,
    until: Instant,
) -> (Histogram<u64>, u64) {
    let mut hist = Histogram::<u64>::new(3).unwrap_or_else(|_| std::process::exit(2));
    let mut errors = 0;
    let mut client = client;
    while Instant::now() < until {
        let start = Instant::now();
        match client.converse_alpha2(req.clone()).await {
            Ok(_) => {
                let _ = hist.record(start.elapsed().as_micros() as u64);
            }
            Err(_) => errors += 1,
        }
    }
    (hist, errors)
}

/// Runs the gRPC load and prints its JSON line.
pub async fn run(
    addr: String,
    concurrency: usize,
    seconds: u64,
    component: String,
) -> Result<(), String> {
    let endpoint = Endpoint::from_shared(addr).map_err(|e| e.to_string())?;
    let mut channels = Vec::new();
    for _ in 0..concurrency.div_ceil(32).max(1) {
        channels.push(endpoint.connect().await.map_err(|e| e.to_string())?);
    }
    let req = request(&component);
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            tokio::spawn(worker(
                DaprClient::new(channels[i % channels.len()].clone()),
                req.clone(),
                until,
            ))
        })
        .collect();
    let mut total = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await.map_err(|e| e.to_string())?;
        total.add(&h).map_err(|e| e.to_string())?;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    let out = serde_json::json!({"rps": total.len() as f64 / elapsed, "p50": ms(0.5), "p99": ms(0.99), "errors": errors});
    println!("{out}");
    Ok(())
}
