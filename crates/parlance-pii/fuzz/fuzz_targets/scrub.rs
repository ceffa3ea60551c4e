//! Fuzz target: for any UTF-8 input, the engine never panics, findings are sorted,
//! non-overlapping and on char boundaries, the output is exactly as long as needed (valid UTF-8
//! by construction), reversible scrubbing round-trips, and JSON input stays valid JSON.
//! `fuzz/pii.dict` steers inputs into every detector's branches, the international ones too:
//! `cargo fuzz run scrub -- -dict=pii.dict`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use parlance_pii::{EntityCounts, Scrubber, Vault};
use std::sync::OnceLock;

static SCRUBBER: OnceLock<Scrubber> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let s = SCRUBBER.get_or_init(Scrubber::default);
    let found = s.find(text);
    let mut prev = 0;
    let mut expected = text.len();
    for f in &found {
        assert!(f.start >= prev && f.start < f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        expected = expected - f.len() + f.entity.placeholder().len();
        prev = f.end;
    }
    let out = s.scrub(text);
    assert_eq!(out.len(), expected);
    assert!(std::str::from_utf8(out.as_bytes()).is_ok());
    let mut vault = Vault::default();
    let rev = s.scrub_reversible(text, &mut vault);
    if !text.contains('<') {
        assert_eq!(vault.restore(&rev), text);
    }
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        let j = s.scrub_json(text, &mut EntityCounts::default());
        assert!(serde_json::from_str::<serde_json::Value>(&j).is_ok());
    }
});
