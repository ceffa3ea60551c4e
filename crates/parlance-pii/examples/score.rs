//! Prints the accuracy table of the engine on `corpus/dev.jsonl` (markdown), and with `-v` the
//! individual misses and false positives.
//!
//! `cargo run -p parlance-pii --example score --release [-- -v] [--holdout | --blind]`

mod score_lib;

use parlance_pii::Scrubber;

fn main() {
    let arg = |a: &str| std::env::args().any(|x| x == a);
    let name = if arg("--holdout") {
        "holdout"
    } else if arg("--blind") {
        "blind"
    } else {
        "dev"
    };
    let path = format!("{}/corpus/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
    let corpus = match std::fs::read_to_string(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let scrubber = Scrubber::default();
    let started = std::time::Instant::now();
    let report = score_lib::score(&scrubber, &corpus);
    let secs = started.elapsed().as_secs_f64();
    if std::env::args().any(|a| a == "-v") {
        for e in &report.errors {
            println!("{e}");
        }
        println!();
    }
    println!("{}", score_lib::markdown(&report));
    println!("{} bytes scored in {:.1} ms", report.bytes, secs * 1000.0);
}
