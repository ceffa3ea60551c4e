//! Accuracy regression gates: on the US-format development corpus every entity's recall at
//! least 0.97 and at least 0.97 of the look-alikes kept; on the international development
//! corpus (issue 14) floors a little under the figures reached, so that a change that loses
//! international recall or keep fails. The full tables:
//! `cargo run -p parlance-pii --example score --release [-- --intl]`.
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

#[test]
fn international_corpus_floors_hold() {
    let corpus = include_str!("../corpus/intl_dev.jsonl");
    let report = score_lib::score(&Scrubber::default(), corpus);
    let table = score_lib::markdown(&report);
    for (label, floor) in [("PERSON", 0.95), ("PHONE_NUMBER", 0.97), ("STREET_ADDRESS", 0.97)] {
        assert!(report.recall(label) >= floor, "{label} recall below {floor}\n{table}");
    }
    assert!(report.kept() >= 0.95, "international look-alikes kept below 0.95\n{table}");
}
