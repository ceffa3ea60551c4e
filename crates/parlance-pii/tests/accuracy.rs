//! Accuracy regression gate on the development corpus: every entity's recall at least 0.97 and
//! at least 0.97 of the look-alikes kept. The full table:
//! `cargo run -p parlance-pii --example score --release`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/score_lib/mod.rs"]
mod score_lib;

use parlance_pii::Scrubber;

#[test]
fn corpus_targets_hold() {
    let corpus = include_str!("../corpus/dev.jsonl");
    let report = score_lib::score(&Scrubber::default(), corpus);
    let table = score_lib::markdown(&report);
    for (label, t) in &report.per_entity {
        if t.total > 0 {
            assert!(report.recall(label) >= 0.97, "{label} recall below 0.97\n{table}");
        }
    }
    assert!(report.kept() >= 0.97, "look-alikes kept below 0.97\n{table}");
}
