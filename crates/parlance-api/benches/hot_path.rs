//! Criterion benches of the request path's pure pieces: decoding both JSON schemas and
//! protobuf, validating into a `ChatRequest`, the cache key, and encoding the reply.
//! `cargo bench -p parlance-api --bench hot_path`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use parlance_api::grpc::decode as pb_decode;
use parlance_api::http::{decode, encode};
use parlance_core::{ChatResponse, Choice, Usage};
use parlance_pipeline::cache::CacheKey;
use parlance_pipeline::validate::to_chat;
use prost::Message as _;

const ALPHA1: &str =
    r#"{"inputs":[{"content":"What is the capital of France?","role":"user"}],"temperature":0.5}"#;
const ALPHA2: &str = r#"{"contextId":"c-1","inputs":[{"messages":[{"ofSystem":{"content":[{"text":"Be brief."}]}},{"ofUser":{"content":[{"text":"What is the capital of France?"}]}}],"scrubPii":true}],"tools":[{"function":{"name":"lookup","description":"find a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"toolChoice":"auto","parameters":{"max_tokens":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"100"}}}"#;

fn protobuf_alpha2() -> Vec<u8> {
    use parlance_proto::runtime::conversation_message::MessageTypes;
    use parlance_proto::runtime::*;
    let text = |t: &str| vec![ConversationMessageContent { text: t.into() }];
    let messages = vec![
        ConversationMessage {
            message_types: Some(MessageTypes::OfSystem(ConversationMessageOfSystem {
                name: None,
                content: text("Be brief."),
            })),
        },
        ConversationMessage {
            message_types: Some(MessageTypes::OfUser(ConversationMessageOfUser {
                name: None,
                content: text("What is the capital of France?"),
            })),
        },
    ];
    let req = ConversationRequestAlpha2 {
        name: "openai".into(),
        inputs: vec![ConversationInputAlpha2 { messages, scrub_pii: Some(true) }],
        ..Default::default()
    };
    req.encode_to_vec()
}

fn reply() -> ChatResponse {
    let choice = Choice {
        index: 0,
        finish_reason: "stop".into(),
        content: "Paris.".into(),
        ..Choice::default()
    };
    let usage =
        Usage { completion_tokens: 2, prompt_tokens: 14, total_tokens: 16, ..Usage::default() };
    ChatResponse { choices: vec![choice], usage: Some(usage), model: Some("gpt-4o-mini".into()) }
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("hot_path");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_alpha1_json", |b| {
        b.iter(|| decode::alpha1(black_box(ALPHA1.as_bytes())).unwrap())
    });
    g.bench_function("decode_alpha2_json", |b| {
        b.iter(|| decode::alpha2(black_box(ALPHA2.as_bytes())).unwrap())
    });
    let pb = protobuf_alpha2();
    g.bench_function("decode_alpha2_protobuf", |b| {
        b.iter(|| {
            let raw = parlance_proto::runtime::ConversationRequestAlpha2::decode(black_box(
                pb.as_slice(),
            ))
            .unwrap();
            pb_decode::alpha2(raw).unwrap()
        })
    });
    g.bench_function("validate_alpha2", |b| {
        b.iter_batched(
            || decode::alpha2(ALPHA2.as_bytes()).unwrap(),
            |mut r| to_chat("openai", &mut r).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    let mut req = decode::alpha2(ALPHA2.as_bytes()).unwrap();
    let chat = to_chat("openai", &mut req).unwrap();
    g.bench_function("cache_key", |b| {
        b.iter(|| CacheKey::of("openai", Some("gpt-4o-mini"), black_box(&chat)))
    });
    let out = reply();
    g.bench_function("encode_alpha2_json", |b| {
        b.iter(|| serde_json::to_vec(&encode::alpha2(Some("c-1"), black_box(&out))).unwrap())
    });
    g.finish();
}

criterion_group!(hot_path, benches);
criterion_main!(hot_path);
