//! A small, deterministic driver for instruction-count profiling: scrubs one benchmark input a
//! fixed number of times, so that `valgrind --tool=callgrind` gives repeatable figures on a
//! loaded machine (wall-clock and even CPU-time numbers drift with the neighbours).
//!
//! ```sh
//! cargo build -p parlance-pii --release --example profile
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     $CARGO_TARGET_DIR/release/examples/profile clean 2000
//! callgrind_annotate cg.out | head -40
//! ```
//!
//! Inputs: `clean` (209 B), `dirty` (202 B), `dense` (4 KiB of prose dense with names and
//! numbers), `mixed` (1 MiB); the second argument is the number
//! of iterations (default 1000 for the messages, 2 for the document). Set-up (building the name
//! tables) is counted once; subtract the `none` run (zero iterations) to isolate the scrubbing.

#[path = "../benches/inputs/mod.rs"]
mod inputs;

use parlance_pii::Scrubber;
use std::hint::black_box;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "clean".to_string());
    let iters: Option<usize> = std::env::args().nth(2).and_then(|n| n.parse().ok());
    let doc;
    let (text, default_iters) = match which.as_str() {
        "clean" => (inputs::CLEAN, 1000),
        "dirty" => (inputs::DIRTY, 1000),
        "mixed" => {
            doc = inputs::mixed_document();
            (doc.as_str(), 2)
        }
        "dense" => {
            doc = inputs::dense_prose();
            (doc.as_str(), 50)
        }
        "none" => ("", 0),
        other => {
            eprintln!("unknown input {other:?}: use clean, dirty, dense, mixed or none");
            std::process::exit(2);
        }
    };
    let iters = iters.unwrap_or(default_iters);
    let s = Scrubber::default();
    let mut found = 0;
    for _ in 0..iters {
        found += black_box(s.find(black_box(text))).len();
    }
    println!("{which}: {} bytes x {iters}, {found} findings", text.len());
}
