//! Criterion benchmarks: a typical 200-byte chat message with and without PII, and a 1 MiB
//! mixed document, reported as bytes per second.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use parlance_pii::Scrubber;
use std::hint::black_box;

#[path = "inputs/mod.rs"]
mod inputs;

use inputs::{CLEAN, DIRTY, mixed_document};

fn bench(c: &mut Criterion) {
    let scrubber = Scrubber::default();
    let doc = mixed_document();
    let mut g = c.benchmark_group("scrub");
    for (name, text) in
        [("message_clean_200B", CLEAN), ("message_pii_200B", DIRTY), ("mixed_1MiB", doc.as_str())]
    {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| scrubber.scrub(black_box(t)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
