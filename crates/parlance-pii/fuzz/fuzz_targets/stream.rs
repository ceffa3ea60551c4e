//! Fuzz target for the streaming invariant: any UTF-8 text, cut into chunks at arbitrary
//! points, streams to exactly `scrub(text)` with the same counts, and its reversible form
//! restores in chunks to exactly `Vault::restore` of it. Input: one byte `n`, then `n % 32`
//! bytes of chunk lengths (cycled; each `1 + byte`, moved up to a char boundary), then the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use parlance_pii::{EntityCounts, Scrubber, StreamRestorer, StreamScrubber, Vault};

/// `text` cut into chunks whose lengths cycle through `lens`.
fn chunks<'a>(text: &'a str, lens: &[u8]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let (mut from, mut k) = (0, 0);
    while from < text.len() {
        let step = lens.get(k % lens.len().max(1)).map_or(text.len(), |l| 1 + usize::from(*l));
        let mut to = (from + step).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        out.push(&text[from..to]);
        (from, k) = (to, k + 1);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let n = usize::from(n % 32).min(rest.len());
    let (lens, text) = rest.split_at(n);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let s = Scrubber::default();

    let mut want_counts = EntityCounts::default();
    let want = s.scrub_counted(text, &mut want_counts);
    let mut stream = StreamScrubber::new(s);
    let mut counts = EntityCounts::default();
    let mut got = String::new();
    for c in chunks(text, lens) {
        got += &stream.push(c, &mut counts);
    }
    got += &stream.finish(&mut counts);
    assert_eq!(got, want);
    assert_eq!(counts.total(), want_counts.total());

    let mut vault = Vault::new();
    let rev = s.scrub_reversible(text, &mut vault);
    let mut restorer = StreamRestorer::new(&vault);
    let mut back = String::new();
    for c in chunks(&rev, lens) {
        back += &restorer.push(c);
    }
    back += &restorer.finish();
    assert_eq!(back, vault.restore(&rev));
});
