//! Name tables for the `<PERSON>` detector, built once per [`crate::Scrubber`]: given names and
//! surnames from the US Census 1990 tables, English dictionary words (SCOWL; see
//! `data/README.md`), plus the word lists in `detect::person_words`, in hash sets keyed by the
//! case-folded word ([`Key`]).

use crate::detect::person_words::{
    DIRECT_CUES, NAME_SUFFIXES, NOT_NAMES, PARTICLES, POST_CUES, STRONG_CUES, TITLES, WORD_TITLES,
};
use crate::text::{Key, key};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const FIRST_NAMES: &str = include_str!("../data/first_names.txt");
const SURNAMES: &str = include_str!("../data/surnames.txt");
const ENGLISH_WORDS: &str = include_str!("../data/english_words.txt");

/// Hashes a [`Key`]: one multiply-xor-shift (keys are fixed data, so no DoS concern).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, k: u128) {
        let x = (k as u64) ^ ((k >> 64) as u64).rotate_left(29);
        let m = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = m ^ (m >> 32);
    }
}

type Set = HashSet<Key, BuildHasherDefault<KeyHasher>>;

/// The tables, keyed by [`Key`] (case-folded words).
pub(crate) struct Names {
    first: Set,
    last: HashMap<Key, u32, BuildHasherDefault<KeyHasher>>,
    not_names: Set,
    common: Set,
    word_titles: Set,
    titles: Set,
    suffixes: Set,
    particles: Set,
    strong_cues: Set,
    direct_cues: Set,
    post_cues: Set,
}

fn set<'a>(words: impl IntoIterator<Item = &'a str>) -> Set {
    words.into_iter().filter_map(|w| key(w.as_bytes())).collect()
}

fn lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines().filter(|l| !l.is_empty())
}

impl Names {
    /// Builds the tables from the embedded data.
    pub(crate) fn new() -> Names {
        let last = lines(SURNAMES).filter_map(|w| key(w.as_bytes())).zip(0u32..);
        Names {
            first: set(lines(FIRST_NAMES)),
            last: last.collect(),
            not_names: set(NOT_NAMES.iter().copied()),
            common: set(lines(ENGLISH_WORDS)),
            word_titles: set(WORD_TITLES.iter().copied()),
            titles: set(TITLES.iter().copied()),
            suffixes: set(NAME_SUFFIXES.iter().copied()),
            particles: set(PARTICLES.iter().copied()),
            strong_cues: set(STRONG_CUES.iter().copied()),
            direct_cues: set(DIRECT_CUES.iter().copied()),
            post_cues: set(POST_CUES.iter().copied()),
        }
    }

    /// Whether `w` is a census given name.
    pub(crate) fn is_first(&self, w: &[u8]) -> bool {
        in_set(&self.first, w) || hyphen_head(w).is_some_and(|h| in_set(&self.first, h))
    }

    /// The frequency rank of surname `w` (0 = most frequent), if it is one.
    pub(crate) fn surname_rank(&self, w: &[u8]) -> Option<u32> {
        let rank = |w: &[u8]| key(w).and_then(|k| self.last.get(&k).copied());
        rank(w).or_else(|| hyphen_head(w).and_then(rank))
    }

    /// Whether `w` is a lower-case English dictionary word (or a simple inflection of one):
    /// "Copyright", "Works", and also names such as "Mark" or "Brown".
    pub(crate) fn is_common_word(&self, w: &[u8]) -> bool {
        if in_set(&self.common, w) {
            return true;
        }
        let mut buf = [0u8; 24];
        let Some(lw) = lower(w, &mut buf) else { return false };
        let stems: [(&[u8], &[u8]); 7] = [
            (b"ing", b"e"),
            (b"ing", b""),
            (b"es", b""),
            (b"ed", b"e"),
            (b"ed", b""),
            (b"s", b""),
            (b"ly", b""),
        ];
        stems.iter().any(|(end, add)| {
            lw.strip_suffix(*end).is_some_and(|stem| {
                let mut s = [0u8; 24];
                s[..stem.len()].copy_from_slice(stem);
                s[stem.len()..stem.len() + add.len()].copy_from_slice(add);
                in_set(&self.common, &s[..stem.len() + add.len()])
            })
        })
    }

    /// Whether title `w` is also an ordinary word ("General", "Judge").
    pub(crate) fn is_word_title(&self, w: &[u8]) -> bool {
        in_set(&self.word_titles, w)
    }

    /// Whether `w` is a capitalised word that is not a name in running text.
    pub(crate) fn is_not_name(&self, w: &[u8]) -> bool {
        in_set(&self.not_names, w)
    }

    /// Whether `w` is a title such as "Dr" or "Mrs".
    pub(crate) fn is_title(&self, w: &[u8]) -> bool {
        in_set(&self.titles, w)
    }

    /// Whether `w` is a name suffix such as "Jr" or "PhD".
    pub(crate) fn is_suffix(&self, w: &[u8]) -> bool {
        in_set(&self.suffixes, w)
    }

    /// Whether `w` is a name particle ("van", "de").
    pub(crate) fn is_particle(&self, w: &[u8]) -> bool {
        in_set(&self.particles, w)
    }

    /// Whether `w` is a cue word before a name.
    pub(crate) fn is_strong_cue(&self, w: &[u8]) -> bool {
        in_set(&self.strong_cues, w)
    }

    /// Whether `w` is a verb after a name ("wrote", "lives").
    pub(crate) fn is_post_cue(&self, w: &[u8]) -> bool {
        in_set(&self.post_cues, w)
    }

    /// Whether `w` is a cue that makes any capitalised word a name.
    pub(crate) fn is_direct_cue(&self, w: &[u8]) -> bool {
        in_set(&self.direct_cues, w)
    }
}

fn in_set(set: &Set, w: &[u8]) -> bool {
    key(w).is_some_and(|k| set.contains(&k))
}

/// "Smith" of "Smith-Jones".
fn hyphen_head(w: &[u8]) -> Option<&[u8]> {
    let p = w.iter().position(|c| *c == b'-')?;
    (p >= 2).then_some(&w[..p])
}

/// `w` lower-cased (ASCII) into `buf`, if it fits.
fn lower<'a>(w: &[u8], buf: &'a mut [u8; 24]) -> Option<&'a [u8]> {
    let out = buf.get_mut(..w.len())?;
    for (d, s) in out.iter_mut().zip(w) {
        *d = s.to_ascii_lowercase();
    }
    Some(out)
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
        assert!(n.surname_rank(b"O'Brien").is_some());
        assert!(
            n.is_common_word(b"Works")
                && n.is_common_word(b"Copyright")
                && n.is_common_word(b"Mark")
        );
        assert!(!n.is_common_word(b"Jennifer") && !n.is_common_word(b"Klingelh\xc3\xb6fer"));
        assert!(n.is_not_name(b"Monday") && n.is_title(b"Dr") && n.is_suffix(b"Jr"));
        assert!(n.is_strong_cue(b"dear") && n.is_particle(b"van"));
    }
}
