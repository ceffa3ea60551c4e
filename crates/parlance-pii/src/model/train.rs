//! Training the person model (feature `train`, used by `examples/train_person.rs`): examples
//! are read with the same windows and features as at run time, so what is learned is exactly
//! what is scored. Logistic regression with AdaGrad, L2, and averaged weights; the result is
//! quantised to the 16-bit table that ships.

use super::{HEADER, eligible, features, word_end, worth_reading};
use crate::detect::{CONTEXT_AFTER, CONTEXT_BEFORE};
use crate::text::is_word;
use std::sync::OnceLock;

/// Weights used instead of the shipped ones (to score a model before it is written).
pub(super) static OVERRIDE: OnceLock<super::Table> = OnceLock::new();

/// Thresholds used instead of the shipped ones (to choose them).
pub static THRESHOLDS: OnceLock<super::Thresholds> = OnceLock::new();

pub use super::Thresholds;

/// Scores with `table` (as [`encode`] writes it) instead of the shipped weights, for the rest
/// of the process. Only the first call takes effect.
pub fn use_weights(table: Vec<u8>) {
    let _ = OVERRIDE.set(super::Table::decode(&table));
}

/// One capitalised word of a training text.
pub struct Example {
    /// Hashed feature indices.
    pub feats: Vec<u32>,
    /// Whether the word is part of a person's name.
    pub label: bool,
    /// How much the example counts.
    pub weight: f32,
}

/// The window around `i` that the pass gives a detector: its start and `i` in it.
fn window(text: &[u8], i: usize) -> (usize, usize) {
    let mut lo = i.saturating_sub(CONTEXT_BEFORE);
    while lo < text.len() && (0x80..0xC0).contains(&text[lo]) {
        lo += 1;
    }
    let mut hi = text.len().min(i + CONTEXT_AFTER);
    while hi < text.len() && (0x80..0xC0).contains(&text[hi]) {
        hi -= 1;
    }
    (lo, hi)
}

/// Appends the examples of `text`: every word the model would read ([`worth_reading`]), labelled by whether it
/// overlaps a `person` span; words overlapping an `ignore` span are left out.
pub fn examples(
    text: &str,
    person: &[(usize, usize)],
    ignore: &[(usize, usize)],
    weight: f32,
    out: &mut Vec<Example>,
) {
    let t = text.as_bytes();
    let names = crate::names::shared();
    for i in 0..t.len() {
        if !is_word(t[i]) || i > 0 && is_word(t[i - 1]) {
            continue;
        }
        let (lo, hi) = window(t, i);
        let b = &t[lo..hi];
        let l = i - lo;
        if !eligible(b, l) {
            continue;
        }
        let e = word_end(b, l);
        let (s, end) = (i, lo + e);
        let hit = |spans: &[(usize, usize)]| spans.iter().any(|&(a, z)| a < end && s < z);
        if hit(ignore) {
            continue;
        }
        let info = names.word(&b[l..e]);
        if !worth_reading(info) {
            continue;
        }
        let f = features::extract(b, l, e, (names, &mut features::Seen::default()), info);
        out.push(Example { feats: f.idx[..f.n].to_vec(), label: hit(person), weight });
    }
}

/// A small deterministic generator for shuffling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Learns the weights: `epochs` passes of AdaGrad (rate `lr`) on the logistic loss with L2
/// penalty `l2`, in an order shuffled from `seed`; returns the average of the weights over
/// every step (steadier than the last ones).
pub fn fit(ex: &[Example], epochs: usize, lr: f32, l2: f32, seed: u64) -> Vec<f32> {
    let n = 1usize << features::BITS;
    let (mut w, mut g2) = (vec![0f32; n], vec![1e-6f32; n]);
    // Averaging by the "lazy sum" trick: acc holds sum of step * update.
    let mut acc = vec![0f32; n];
    let mut order: Vec<usize> = (0..ex.len()).collect();
    let mut rng = Rng(seed | 1);
    let mut step = 1f32;
    for _ in 0..epochs {
        for k in (1..order.len()).rev() {
            order.swap(k, (rng.next() % (k as u64 + 1)) as usize);
        }
        for &k in &order {
            let e = &ex[k];
            let z: f32 = e.feats.iter().map(|&f| w[f as usize]).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let g = (p - f32::from(u8::from(e.label))) * e.weight;
            for &f in &e.feats {
                let f = f as usize;
                let grad = g + l2 * w[f];
                g2[f] += grad * grad;
                let d = lr * grad / g2[f].sqrt();
                w[f] -= d;
                acc[f] -= step * d;
            }
            step += 1.0;
        }
    }
    w.iter().zip(&acc).map(|(w, a)| w - a / step).collect()
}

/// The table as it ships: header, then the weights quantised to i16.
pub fn encode(w: &[f32]) -> Vec<u8> {
    let max = w.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-9);
    let scale = max / 32767.0;
    let mut out = Vec::with_capacity(HEADER + 2 * w.len());
    out.extend_from_slice(b"PPM1");
    out.extend_from_slice(&features::BITS.to_le_bytes());
    out.extend_from_slice(&scale.to_le_bytes());
    for x in w {
        let q = (x / scale).round().clamp(-32767.0, 32767.0) as i16;
        out.extend_from_slice(&q.to_le_bytes());
    }
    out
}

/// Token-level counts (true positives, false positives, false negatives) of `w` on `ex` at
/// logit `threshold`.
pub fn token_counts(ex: &[Example], w: &[f32], threshold: f32) -> (u32, u32, u32) {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for e in ex {
        let z: f32 = e.feats.iter().map(|&f| w[f as usize]).sum();
        match (z >= threshold, e.label) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    (tp, fp, fn_)
}
