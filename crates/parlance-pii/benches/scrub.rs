//! Criterion benchmarks: a typical 200-byte chat message with and without PII, 4 KiB of prose
//! dense with names and numbers, and a 1 MiB mixed document, reported as bytes per second; and the streaming scrubber on 4 KiB of the
//! mixed document pushed in 16-byte chunks beside one-shot `scrub` of the same 4 KiB.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use parlance_pii::{EntityCounts, Scrubber, StreamScrubber};
use std::hint::black_box;

#[path = "inputs/mod.rs"]
mod inputs;

use inputs::{CLEAN, DIRTY, dense_prose, mixed_document};

fn bench(c: &mut Criterion) {
    let scrubber = Scrubber::default();
    let doc = mixed_document();
    let dense = dense_prose();
    let mut g = c.benchmark_group("scrub");
    for (name, text) in [
        ("message_clean_200B", CLEAN),
        ("message_pii_200B", DIRTY),
        ("dense_prose_4KiB", dense.as_str()),
        ("mixed_1MiB", doc.as_str()),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| scrubber.scrub(black_box(t)))
        });
    }
    g.finish();
}

/// `text` streamed in `chunk`-byte pieces (moved up to char boundaries); the output length.
fn stream(scrubber: Scrubber, text: &str, chunk: usize) -> usize {
    let mut s = StreamScrubber::new(scrubber);
    let mut counts = EntityCounts::default();
    let (mut from, mut n) = (0, 0);
    while from < text.len() {
        let mut to = (from + chunk).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        n += s.push(&text[from..to], &mut counts).len();
        from = to;
    }
    n + s.finish(&mut counts).len()
}

fn bench_stream(c: &mut Criterion) {
    let scrubber = Scrubber::default();
    let doc = mixed_document();
    let mut end = 4096;
    while !doc.is_char_boundary(end) {
        end += 1;
    }
    let text = &doc[..end];
    let mut g = c.benchmark_group("stream_4KiB");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("one_shot", |b| b.iter(|| scrubber.scrub(black_box(text)).len()));
    g.bench_function("chunks_16B", |b| b.iter(|| stream(scrubber, black_box(text), 16)));
    g.finish();
}

criterion_group!(benches, bench, bench_stream);
criterion_main!(benches);
