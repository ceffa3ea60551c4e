//! Prints the accuracy table of the engine on `corpus/dev.jsonl` (markdown), and with `-v` the
//! individual misses and false positives. `--holdout`, `--blind`, `--intl` (international
//! development set), `--intl-blind`, or `--corpus NAME` score `corpus/NAME.jsonl` instead.
//!
//! `cargo run -p parlance-pii --example score --release [-- -v] [--holdout | --blind | --intl | --intl-blind]`

mod score_lib;

use parlance_pii::Scrubber;

fn main() {
    let arg = |a: &str| std::env::args().any(|x| x == a);
    let args: Vec<String> = std::env::args().collect();
    let named = args.windows(2).find(|w| w[0] == "--corpus").map(|w| w[1].clone());
    let name = match named {
        Some(n) => n,
        None if arg("--holdout") => "holdout".into(),
        None if arg("--blind") => "blind".into(),
        None if arg("--intl") => "intl_dev".into(),
        None if arg("--intl-blind") => "intl_blind".into(),
        None => "dev".into(),
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
