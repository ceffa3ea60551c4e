//! Trains the person model and writes `data/person_model.bin` (see `data/ner/README.md` for
//! the whole recipe and `DATA.md` for the sources). Every corpus is a JSON-lines file of
//! `corpus/` form; `PERSON` spans are names, `IGNORE` spans are left out, the rest is not.
//!
//! ```sh
//! cargo run -p parlance-pii --release --features train --example train_person -- \
//!     --train corpus/real/btc_train.jsonl:1 --train corpus/intl_dev.jsonl:0.5 \
//!     --dev corpus/real/ewt_dev_b.jsonl --out data/person_model.bin
//! ```
//! `--epochs N` (8), `--l2 X` (1e-6), `--lr X` (0.1), `--seed N` (1), `--bag N` (1: average the
//! weights of N models trained on seeds `seed`…`seed + N − 1`); without `--out` the model
//! is only scored; `-v` lists its misses and false findings. Each `--dev` file is scored end to end (the whole scrubber with the new
//! weights) and token by token.

#[path = "score_lib/mod.rs"]
mod score_lib;

use parlance_pii::Scrubber;
use parlance_pii::train::{
    Example, THRESHOLDS, Thresholds, encode, examples, fit, token_counts, use_weights,
};

/// One labelled record: text, person spans, ignored spans.
type Record = (String, Vec<(usize, usize)>, Vec<(usize, usize)>);

fn read(path: &str) -> Vec<Record> {
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    });
    data.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let text = v.get("text")?.as_str()?.to_string();
            let (mut person, mut ignore) = (Vec::new(), Vec::new());
            for s in v.get("spans")?.as_array()? {
                let span = (s["start"].as_u64()? as usize, s["end"].as_u64()? as usize);
                match s["label"].as_str()? {
                    "PERSON" => person.push(span),
                    "IGNORE" => ignore.push(span),
                    _ => {}
                }
            }
            Some((text, person, ignore))
        })
        .collect()
}

fn value<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.windows(2).find(|w| w[0] == name).and_then(|w| w[1].parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let list = |name: &str| -> Vec<String> {
        args.windows(2).filter(|w| w[0] == name).map(|w| w[1].clone()).collect()
    };
    let mut train: Vec<Example> = Vec::new();
    for spec in list("--train") {
        let (path, weight) = spec
            .rsplit_once(':')
            .map_or((spec.as_str(), 1.0), |(p, w)| (p, w.parse().unwrap_or(1.0)));
        let before = train.len();
        for (text, person, ignore) in read(path) {
            examples(&text, &person, &ignore, weight, &mut train);
        }
        let pos = train[before..].iter().filter(|e| e.label).count();
        eprintln!("{path}: {} words, {pos} in names, weight {weight}", train.len() - before);
    }
    let epochs = value(&args, "--epochs", 8usize);
    let (lr, l2) = (value(&args, "--lr", 0.1f32), value(&args, "--l2", 1e-6f32));
    // `--bag N`: N models on seeds `seed`, `seed + 1`, …, their weights averaged (the shuffle
    // order alone moves single names; the average does not depend on one order).
    let (seed, bag) = (value(&args, "--seed", 1u64), value(&args, "--bag", 1usize).max(1));
    let mut w = fit(&train, epochs, lr, l2, seed);
    for k in 1..bag {
        for (a, b) in w.iter_mut().zip(fit(&train, epochs, lr, l2, seed + k as u64)) {
            *a += b;
        }
    }
    if bag > 1 {
        w.iter_mut().for_each(|a| *a /= bag as f32);
    }
    let table = encode(&w);
    if let Some(out) = list("--out").first() {
        if let Err(e) = std::fs::write(out, &table) {
            eprintln!("cannot write {out}: {e}");
            std::process::exit(2);
        }
        eprintln!("wrote {out} ({} bytes)", table.len());
    }
    use_weights(table);
    let t = Thresholds {
        start: value(&args, "--start", 0.0),
        cont: value(&args, "--cont", -1.0),
        veto: value(&args, "--veto", -1.5),
        single: value(&args, "--single", 0.5),
    };
    let _ = THRESHOLDS.set(t);
    let scrubber = Scrubber::default();
    for path in list("--dev") {
        let mut dev = Vec::new();
        for (text, person, ignore) in read(&path) {
            examples(&text, &person, &ignore, 1.0, &mut dev);
        }
        let (tp, fp, fn_) = token_counts(&dev, &w, 0.0);
        let corpus = std::fs::read_to_string(&path).unwrap_or_default();
        let r = score_lib::score(&scrubber, &corpus);
        let t = r.per_entity.get("PERSON").copied().unwrap_or_default();
        if args.iter().any(|a| a == "-v") {
            r.errors
                .iter()
                .filter(|e| e.contains("PERSON") || e.starts_with("LOOKALIKE"))
                .for_each(|e| println!("{e}"));
        }
        println!(
            "{path}: words P {:.3} R {:.3} | PERSON recall {:.3} ({}/{}), false {}, kept {:.3}",
            f64::from(tp) / f64::from((tp + fp).max(1)),
            f64::from(tp) / f64::from((tp + fn_).max(1)),
            r.recall("PERSON"),
            t.found,
            t.total,
            t.false_pos,
            r.kept()
        );
    }
}
