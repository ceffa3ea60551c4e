//! Name tables for the `<PERSON>` detector, built once per [`crate::Scrubber`]: given names and
//! surnames from the US Census 1990 tables (see `data/README.md`), plus the word lists in
//! `detect::person_words`, in hash sets keyed by the upper-case word.

use crate::detect::person_words::{
    DIRECT_CUES, NAME_SUFFIXES, NOT_NAMES, PARTICLES, POST_CUES, STRONG_CUES, TITLES,
};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const FIRST_NAMES: &str = include_str!("../data/first_names.txt");
const SURNAMES: &str = include_str!("../data/surnames.txt");

/// FNV-1a: fast for the short keys used here (no need for DoS resistance: keys are fixed).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Set = HashSet<&'static str, BuildHasherDefault<Fnv>>;

/// The tables, keyed by upper-case words (cues by lower-case words).
pub(crate) struct Names {
    first: Set,
    last: HashMap<&'static str, u32, BuildHasherDefault<Fnv>>,
    not_names: Set,
    titles: Set,
    suffixes: Set,
    particles: Set,
    strong_cues: Set,
    direct_cues: Set,
    post_cues: Set,
}

fn set(words: &[&'static str]) -> Set {
    words.iter().copied().collect()
}

impl Names {
    /// Builds the tables from the embedded data.
    pub(crate) fn new() -> Names {
        let last = SURNAMES.lines().filter(|l| !l.is_empty()).zip(0u32..).collect();
        Names {
            first: FIRST_NAMES.lines().filter(|l| !l.is_empty()).collect(),
            last,
            not_names: set(NOT_NAMES),
            titles: set(TITLES),
            suffixes: set(NAME_SUFFIXES),
            particles: set(PARTICLES),
            strong_cues: set(STRONG_CUES),
            direct_cues: set(DIRECT_CUES),
            post_cues: set(POST_CUES),
        }
    }

    /// Whether `w` is a census given name.
    pub(crate) fn is_first(&self, w: &[u8]) -> bool {
        with_upper(w, |u| {
            self.first.contains(u) || hyphen_head(u).is_some_and(|h| self.first.contains(h))
        })
    }

    /// The frequency rank of surname `w` (0 = most frequent), if it is one.
    pub(crate) fn surname_rank(&self, w: &[u8]) -> Option<u32> {
        let mut r = None;
        with_upper(w, |u| {
            r = self.last.get(u).or_else(|| hyphen_head(u).and_then(|h| self.last.get(h))).copied();
            r.is_some()
        });
        r
    }

    /// Whether `w` is a capitalised word that is not a name in running text.
    pub(crate) fn is_not_name(&self, w: &[u8]) -> bool {
        with_upper(w, |u| self.not_names.contains(u))
    }

    /// Whether `w` is a title such as "Dr" or "Mrs".
    pub(crate) fn is_title(&self, w: &[u8]) -> bool {
        with_upper(w, |u| self.titles.contains(u))
    }

    /// Whether `w` is a name suffix such as "Jr" or "PhD".
    pub(crate) fn is_suffix(&self, w: &[u8]) -> bool {
        with_upper(w, |u| self.suffixes.contains(u))
    }

    /// Whether lower-case `w` is a name particle ("van", "de").
    pub(crate) fn is_particle(&self, w: &[u8]) -> bool {
        std::str::from_utf8(w).is_ok_and(|s| self.particles.contains(s))
    }

    /// Whether lower-case `w` is a cue word before a name.
    pub(crate) fn is_strong_cue(&self, w: &[u8]) -> bool {
        std::str::from_utf8(w).is_ok_and(|s| self.strong_cues.contains(s))
    }

    /// Whether lower-case `w` is a verb after a name ("wrote", "lives").
    pub(crate) fn is_post_cue(&self, w: &[u8]) -> bool {
        std::str::from_utf8(w).is_ok_and(|s| self.post_cues.contains(s))
    }

    /// Whether lower-case `w` is a cue that makes any capitalised word a name.
    pub(crate) fn is_direct_cue(&self, w: &[u8]) -> bool {
        std::str::from_utf8(w).is_ok_and(|s| self.direct_cues.contains(s))
    }
}

fn hyphen_head(u: &str) -> Option<&str> {
    u.split_once('-').map(|(h, _)| h).filter(|h| h.len() >= 2)
}

/// Calls `f` with `w` upper-cased and with common Latin-1 accents folded (é -> E), if it fits.
fn with_upper(w: &[u8], f: impl FnOnce(&str) -> bool) -> bool {
    let mut buf = [0u8; 32];
    let mut n = 0;
    let mut k = 0;
    while k < w.len() {
        if n == buf.len() {
            return false;
        }
        let c = w[k];
        if c == 0xC3 && k + 1 < w.len() {
            buf[n] = fold_latin1(w[k + 1]);
            k += 2;
        } else {
            buf[n] = if c < 0x80 { c.to_ascii_uppercase() } else { b'?' };
            k += 1;
        }
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).is_ok_and(f)
}

/// Folds the second byte of a `U+00C0..U+00FF` letter to its base letter (upper case).
fn fold_latin1(c: u8) -> u8 {
    const MAP: &[u8; 64] = b"AAAAAAACEEEEIIIIDNOOOOO?OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO?OUUUUYTY";
    MAP.get(usize::from(c.wrapping_sub(0x80))).copied().unwrap_or(b'?')
}

#[cfg(test)]
mod tests {
    use super::Names;

    #[test]
    fn census_lookups() {
        let n = Names::new();
        assert!(n.is_first(b"John") && n.is_first(b"MARY") && n.is_first(b"Jos\xc3\xa9"));
        assert_eq!(n.surname_rank(b"Smith"), Some(0));
        assert!(n.surname_rank(b"Garc\xc3\xada").is_some());
        assert!(n.surname_rank(b"Smith-Jones").is_some());
        assert!(n.is_not_name(b"Monday") && n.is_title(b"Dr") && n.is_suffix(b"Jr"));
        assert!(n.is_strong_cue(b"dear") && n.is_particle(b"van"));
    }
}
