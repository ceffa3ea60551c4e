//! What the swappable configuration costs a request: `ConversationService::live()` (the one
//! atomic load a call makes) and `keys()` (the gate's), against a plain `Arc` clone, idle and
//! while another thread swaps the configuration every millisecond.
//!
//! `cargo run --release -p parlance-pipeline --example live_swap`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parlance_pipeline::{BuildOptions, Live};

const N: u32 = 10_000_000;

fn per_call(f: impl Fn()) -> f64 {
    let t = Instant::now();
    for _ in 0..N {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(N)
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _enter = rt.enter();
    let client = parlance_providers::http_client().unwrap();
    let service = Arc::new(parlance_pipeline::builtin_echo().build(&BuildOptions::new(client)));
    let plain = service.live();
    for _ in 0..3 {
        let arc = per_call(|| drop(black_box(black_box(&plain).clone())));
        let live = per_call(|| drop(black_box(service.live())));
        let keys = per_call(|| drop(black_box(service.keys())));
        println!("idle: Arc::clone {arc:.1} ns, live() {live:.1} ns, keys() {keys:.1} ns");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (service, stop) = (service.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                black_box(service.live().components().count());
                service.replace(Live::new(Vec::new(), None));
                swaps += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            swaps
        })
    };
    let live = per_call(|| drop(black_box(service.live())));
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    println!("while swapping every 1 ms ({swaps} swaps): live() {live:.1} ns");
}
