//! Mutated request bodies for the doors' bad-input tests: a seed body with one value swapped
//! for an odd one (each door names its own odd values), a key dropped, or its bytes cut or
//! flipped — from a deterministic generator, so a failure replays.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Replaces one value somewhere in `v` (picked at random, depth-first) with `odd`'s.
fn mutate_value(v: &mut Value, rng: &mut Rng, odd: fn(&mut Rng) -> Value) {
    match v {
        Value::Object(o) if !o.is_empty() && rng.below(4) != 0 => {
            let key = o.keys().nth(rng.below(o.len())).unwrap().clone();
            mutate_value(o.get_mut(&key).unwrap(), rng, odd)
        }
        Value::Array(a) if !a.is_empty() && rng.below(4) != 0 => {
            let i = rng.below(a.len());
            mutate_value(&mut a[i], rng, odd)
        }
        _ => *v = odd(rng),
    }
}

/// One mutated body of `seed` (an object): a value swapped for one of `odd`'s, a key
/// dropped, or the bytes cut or flipped.
pub fn mutated(seed: &Value, rng: &mut Rng, odd: fn(&mut Rng) -> Value) -> Vec<u8> {
    let mut v = seed.clone();
    match rng.below(5) {
        0 | 1 => mutate_value(&mut v, rng, odd),
        2 => {
            let o = v.as_object_mut().unwrap();
            let key = o.keys().nth(rng.below(o.len())).unwrap().clone();
            o.remove(&key);
        }
        3 => {
            let bytes = v.to_string().into_bytes();
            return bytes[..rng.below(bytes.len())].to_vec();
        }
        _ => {
            let mut bytes = v.to_string().into_bytes();
            for _ in 0..=rng.below(4) {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            return bytes;
        }
    }
    v.to_string().into_bytes()
}
