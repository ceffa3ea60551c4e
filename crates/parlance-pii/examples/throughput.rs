//! Throughput of `Scrubber::scrub` on the benchmark inputs, measured in *thread CPU time*
//! (`/proc/thread-self/schedstat`), so that the figure stays meaningful on a shared, loaded
//! machine where wall-clock benchmarks (criterion) mostly measure the neighbours. Linux only.
//!
//! The first line is the one-time build of the shared tables (`Scrubber::warm_up`, what the
//! first scan of a process pays), in CPU and wall-clock time.
//!
//! `cargo run -p parlance-pii --example throughput --release`

#[path = "../benches/inputs/mod.rs"]
mod inputs;

use parlance_pii::Scrubber;
use std::hint::black_box;

/// Nanoseconds this thread has spent on a CPU.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn measure(s: &Scrubber, name: &str, text: &str) {
    let reps = (64 << 20) / text.len().max(1);
    for _ in 0..reps / 8 + 1 {
        black_box(s.scrub(black_box(text)));
    }
    let start = cpu_ns();
    for _ in 0..reps {
        black_box(s.scrub(black_box(text)));
    }
    let secs = (cpu_ns() - start) as f64 / 1e9;
    let mbps = (reps * text.len()) as f64 / secs / 1e6;
    println!("| {name} | {} B | {mbps:.0} MB/s |", text.len());
}

fn main() {
    let (cpu, wall) = (cpu_ns(), std::time::Instant::now());
    Scrubber::warm_up();
    let build_ms = (cpu_ns() - cpu) as f64 / 1e6;
    let wall_ms = wall.elapsed().as_secs_f64() * 1e3;
    println!("table build on first use: {build_ms:.1} ms CPU ({wall_ms:.1} ms wall)\n");
    let s = Scrubber::default();
    let doc = inputs::mixed_document();
    println!("| Input | Size | Throughput (CPU time) |\n| --- | ---: | ---: |");
    measure(&s, "message without PII", inputs::CLEAN);
    measure(&s, "message with PII", inputs::DIRTY);
    measure(&s, "mixed document", &doc);
}
