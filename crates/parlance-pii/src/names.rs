//! Name tables for the `<PERSON>` detector, built once per process ([`shared`]): given names and
//! surnames from the US Census 1990 tables and an international list of many naming traditions
//! (`data/intl_*.txt`), the most common names of 106 countries (`data/world_*.txt`, CC0),
//! English dictionary words (SCOWL; see
//! `data/README.md`), plus the word lists in `detect::person_words`, merged into one hash map
//! keyed by the case-folded word ([`Key`]) whose value says which lists hold the word ([`Info`]):
//! the name detector computes each word's key once and probes once, then tests flags.

use crate::detect::person_words::{
    DEMONYMS, DIRECT_CUES, FIELD_LABELS, NAME_SUFFIXES, NOT_NAMES, PARTICLES, POST_CUES,
    STRONG_CUES, TITLES, WORD_TITLES,
};
use crate::text::{Key, key};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::LazyLock;

const FIRST_NAMES: &str = include_str!("../data/first_names.txt");
const SURNAMES: &str = include_str!("../data/surnames.txt");
const ENGLISH_WORDS: &str = include_str!("../data/english_words.txt");
const INTL_FIRST_NAMES: &str = include_str!("../data/intl_first_names.txt");
const INTL_SURNAMES: &str = include_str!("../data/intl_surnames.txt");
const PLACES: &str = include_str!("../data/places.txt");
const WORLD_FIRST_NAMES: &str = include_str!("../data/world_first_names.txt");
const WORLD_SURNAMES: &str = include_str!("../data/world_surnames.txt");
const GIVEN_NAMES: &str = include_str!("../data/given_names.txt");

/// The rank given to surnames of the international list: past the census's frequent ranks, so
/// they need the same context as a mid-frequency census surname.
const INTL_RANK: u32 = 5000;

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

/// What the tables say about one word: a set of flags and, for census surnames, the frequency
/// rank. One probe of one table answers every question the name detector asks about a word, so
/// callers look a word up once ([`Names::word`]) and then test flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Info {
    flags: u16,
    rank: u32,
}

/// [`Info::rank`] of a word that is not a census surname.
const NO_RANK: u32 = u32::MAX;

const FIRST: u16 = 1;
const COMMON: u16 = 1 << 1;
const NOT_NAME: u16 = 1 << 2;
const WORD_TITLE: u16 = 1 << 3;
const TITLE: u16 = 1 << 4;
const SUFFIX: u16 = 1 << 5;
const PARTICLE: u16 = 1 << 6;
const STRONG_CUE: u16 = 1 << 7;
const DIRECT_CUE: u16 = 1 << 8;
const POST_CUE: u16 = 1 << 9;
const PLACE: u16 = 1 << 10;
/// Two bits: the frequency class (1–3) of a given name of the wide list
/// (`data/given_names.txt`), 0 when it is not there.
const GIVEN_SHIFT: u16 = 11;
const GIVEN_MASK: u16 = 0b11 << GIVEN_SHIFT;

impl Info {
    /// A word in no table.
    pub(crate) const NONE: Info = Info { flags: 0, rank: NO_RANK };

    fn has(self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// A census given name (or "Anne" of "Anne-Marie").
    pub(crate) fn is_first(self) -> bool {
        self.has(FIRST)
    }

    /// The frequency rank of a census surname (0 = most frequent), also for "Smith" of
    /// "Smith-Jones".
    pub(crate) fn surname_rank(self) -> Option<u32> {
        (self.rank != NO_RANK).then_some(self.rank)
    }

    /// A census given name or surname.
    pub(crate) fn is_census(self) -> bool {
        self.is_first() || self.rank != NO_RANK
    }

    /// A capitalised word that is not a name in running text.
    pub(crate) fn is_not_name(self) -> bool {
        self.has(NOT_NAME)
    }

    /// A title such as "Dr" or "Mrs".
    pub(crate) fn is_title(self) -> bool {
        self.has(TITLE)
    }

    /// A title that is also an ordinary word ("General", "Judge").
    pub(crate) fn is_word_title(self) -> bool {
        self.has(WORD_TITLE)
    }

    /// A name suffix such as "Jr" or "PhD".
    pub(crate) fn is_suffix(self) -> bool {
        self.has(SUFFIX)
    }

    /// A name particle ("van", "de").
    pub(crate) fn is_particle(self) -> bool {
        self.has(PARTICLE)
    }

    /// A cue word before a name.
    pub(crate) fn is_strong_cue(self) -> bool {
        self.has(STRONG_CUE)
    }

    /// A cue that makes any capitalised word a name.
    pub(crate) fn is_direct_cue(self) -> bool {
        self.has(DIRECT_CUE)
    }

    /// A verb after a name ("wrote", "lives").
    pub(crate) fn is_post_cue(self) -> bool {
        self.has(POST_CUE)
    }

    /// A lower-case English dictionary word as listed (no inflection test: see
    /// [`Names::is_common_word`] for that).
    pub(crate) fn is_common(self) -> bool {
        self.has(COMMON)
    }

    /// A one-word place name: a city of 15,000 people or more, a country, a US state.
    pub(crate) fn is_place(self) -> bool {
        self.has(PLACE)
    }

    /// Whether a word with this entry, written in lower case, may be a given name: a census
    /// given name or one of the most frequent class of the wide list, and nothing else that the
    /// tables know (not an English word, a place, a title, a cue or a known non-name).
    pub(crate) fn may_be_lower_name(self) -> bool {
        (self.is_first() || self.given_class() >= 3)
            && self.flags & (COMMON | NOT_NAME | PLACE | TITLE | WORD_TITLE | STRONG_CUE) == 0
    }

    /// How frequent a given name of the wide list of 54 countries (`data/given_names.txt`)
    /// this word is: 3 (at least 2^-3 % of some country's people), 2, 1 (rare), or 0 (not
    /// listed). Only the person model reads it: the list holds many ordinary words ("Will",
    /// "Page"), so it is a prior weighed against context, never a verdict.
    pub(crate) fn given_class(self) -> u8 {
        ((self.flags & GIVEN_MASK) >> GIVEN_SHIFT) as u8
    }
}

/// The process's one copy of the tables, built on first use (every scrubber reads the same
/// immutable data, so there is no reason to hold it once per component).
pub(crate) fn shared() -> &'static Names {
    static NAMES: LazyLock<Names> = LazyLock::new(Names::new);
    &NAMES
}

/// A [`Key`] as the table stores it: two `u64`s, so that an entry takes 24 bytes instead of the
/// 32 that a 16-byte-aligned `u128` key needs (about 3 MiB for the table instead of 4).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stored([u64; 2]);

impl From<Key> for Stored {
    fn from(k: Key) -> Stored {
        Stored([k as u64, (k >> 64) as u64])
    }
}

impl Hash for Stored {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u128(u128::from(self.0[0]) | (u128::from(self.0[1]) << 64));
    }
}

/// The tables: one hash map from [`Key`] (case-folded word) to [`Info`].
pub(crate) struct Names {
    words: HashMap<Stored, Info, BuildHasherDefault<KeyHasher>>,
    /// A bit per [`lower_bit`] of every given name of up to eight letters that may be written
    /// in lower case ([`Info::may_be_lower_name`]): a test of one bit turns away most
    /// lower-case words before the table is probed (32 KiB).
    lower_given: Box<[u64; LOWER_WORDS]>,
}

/// 64-bit words of [`Names::lower_given`] (2^18 bits: about 11,000 names set one bit in 24).
const LOWER_WORDS: usize = 1 << 12;

/// The bit of [`Names::lower_given`] for a lower-case word of up to eight bytes, packed into an
/// integer (first byte lowest, as `u64::from_le_bytes` reads it).
pub(crate) fn lower_bit(x: u64) -> usize {
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 46) as usize
}

/// `w` (at most eight bytes) packed as [`lower_bit`] reads it.
pub(crate) fn pack8(w: &[u8]) -> u64 {
    w.iter().take(8).enumerate().fold(0, |x, (k, c)| x | u64::from(*c) << (8 * k))
}

fn lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines().filter(|l| !l.is_empty())
}

impl Names {
    /// Builds the tables from the embedded data.
    pub(crate) fn new() -> Names {
        let mut words: HashMap<Stored, Info, BuildHasherDefault<KeyHasher>> =
            HashMap::with_capacity_and_hasher(140_000, BuildHasherDefault::default());
        let mut flag = |list: &mut dyn Iterator<Item = &str>, flag: u16| {
            for k in list.filter_map(|w| key(w.as_bytes())) {
                words.entry(Stored::from(k)).or_insert(Info::NONE).flags |= flag;
            }
        };
        flag(&mut lines(FIRST_NAMES), FIRST);
        flag(&mut lines(INTL_FIRST_NAMES), FIRST);
        flag(&mut lines(WORLD_FIRST_NAMES), FIRST);
        flag(&mut lines(ENGLISH_WORDS), COMMON);
        flag(&mut NOT_NAMES.iter().copied(), NOT_NAME);
        flag(&mut DEMONYMS.iter().copied(), NOT_NAME);
        flag(&mut FIELD_LABELS.iter().copied(), NOT_NAME);
        flag(&mut WORD_TITLES.iter().copied(), WORD_TITLE);
        flag(&mut TITLES.iter().copied(), TITLE);
        flag(&mut NAME_SUFFIXES.iter().copied(), SUFFIX);
        flag(&mut PARTICLES.iter().copied(), PARTICLE);
        flag(&mut STRONG_CUES.iter().copied(), STRONG_CUE);
        flag(&mut DIRECT_CUES.iter().copied(), DIRECT_CUE);
        flag(&mut POST_CUES.iter().copied(), POST_CUE);
        flag(&mut lines(PLACES), PLACE);
        for (w, class) in lines(GIVEN_NAMES).filter_map(|l| l.split_once(' ')) {
            if let (Some(k), Ok(c)) = (key(w.as_bytes()), class.parse::<u16>()) {
                // Spellings that fold to one key ("Mark", "Märk") keep the most frequent class.
                let e = words.entry(Stored::from(k)).or_insert(Info::NONE);
                let class = (c.min(3) << GIVEN_SHIFT).max(e.flags & GIVEN_MASK);
                e.flags = e.flags & !GIVEN_MASK | class;
            }
        }
        // The last rank wins for a surname listed twice, as when collecting into a map.
        for (k, rank) in lines(SURNAMES).filter_map(|w| key(w.as_bytes())).zip(0u32..) {
            words.entry(Stored::from(k)).or_insert(Info::NONE).rank = rank;
        }
        for k in lines(INTL_SURNAMES).chain(lines(WORLD_SURNAMES)).filter_map(|w| key(w.as_bytes()))
        {
            let e = words.entry(Stored::from(k)).or_insert(Info::NONE);
            e.rank = e.rank.min(INTL_RANK);
        }
        let mut names = Names { words, lower_given: Box::new([0; LOWER_WORDS]) };
        let given = lines(GIVEN_NAMES).filter_map(|l| l.strip_suffix(" 3"));
        let mut lower = [0u8; 8];
        for w in lines(FIRST_NAMES)
            .chain(lines(INTL_FIRST_NAMES))
            .chain(lines(WORLD_FIRST_NAMES))
            .chain(given)
        {
            let w = w.as_bytes();
            if (3..=8).contains(&w.len()) && w.iter().all(u8::is_ascii_alphabetic) {
                for (d, c) in lower.iter_mut().zip(w) {
                    *d = c.to_ascii_lowercase();
                }
                if names.word(&lower[..w.len()]).may_be_lower_name() {
                    let bit = lower_bit(pack8(&lower[..w.len()]));
                    names.lower_given[bit / 64] |= 1 << (bit % 64);
                }
            }
        }
        names
    }

    /// Whether the lower-case ASCII word of up to eight bytes packed by [`pack8`] as `x` may be
    /// a given name ([`Info::may_be_lower_name`]): false for most words, from one bit; true may
    /// still be a word the table then turns away.
    #[inline]
    pub(crate) fn may_be_lower_packed(&self, x: u64) -> bool {
        let bit = lower_bit(x);
        self.lower_given[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The tables' entry for the word with key `k`.
    fn get(&self, k: Option<Key>) -> Info {
        k.and_then(|k| self.words.get(&Stored::from(k)).copied()).unwrap_or(Info::NONE)
    }

    /// Everything the tables say about `w`, in one key computation and one probe (two for a
    /// hyphenated word that is not itself a census name: "Smith-Jones" counts as "Smith").
    pub(crate) fn word(&self, w: &[u8]) -> Info {
        let k = key(w);
        let mut info = self.get(k);
        if (!info.is_first() || info.rank == NO_RANK) && has_hyphen(w, k) {
            if let Some(h) = hyphen_head(w) {
                let head = self.get(key(h));
                info.flags |= head.flags & FIRST;
                if info.rank == NO_RANK {
                    info.rank = head.rank;
                }
            }
        }
        // A word no table knows may be an inflection of an English word ("Numbers",
        // "Painted"): then it is as common as its stem.
        if info.flags & !GIVEN_MASK == 0 && info.rank == NO_RANK && self.inflection_of_common(w, k)
        {
            info.flags = COMMON;
        }
        info
    }

    /// Whether `w` is a census given name.
    pub(crate) fn is_first(&self, w: &[u8]) -> bool {
        self.word(w).is_first()
    }

    /// Whether `w` is a lower-case English dictionary word (or a simple inflection of one):
    /// "Copyright", "Works", and also names such as "Mark" or "Brown".
    pub(crate) fn is_common_word(&self, w: &[u8]) -> bool {
        let k = key(w);
        self.get(k).has(COMMON) || self.inflection_of_common(w, k)
    }

    /// Whether `w` (key `k`) ends in an inflection whose stem is an English word.
    fn inflection_of_common(&self, w: &[u8], k: Option<Key>) -> bool {
        if w.len() > 24 {
            return false;
        }
        match k {
            Some(k) => STEMS.iter().any(|(end, add)| {
                let (n, a) = (end.len() as u32, add.len() as u32);
                let stem = |k: Key| (k >> (8 * n) << (8 * a)) | key(add).unwrap_or(0);
                ends_with_ci(w, end) && self.get(Some(stem(k))).has(COMMON)
            }),
            None => self.common_inflection_slow(w),
        }
    }

    /// The inflection test of [`Names::is_common_word`] on the bytes, for words whose key does
    /// not fit (more than 16 folded bytes).
    fn common_inflection_slow(&self, w: &[u8]) -> bool {
        let mut buf = [0u8; 24];
        let Some(lw) = lower(w, &mut buf) else { return false };
        STEMS.iter().any(|(end, add)| {
            lw.strip_suffix(*end).is_some_and(|stem| {
                let mut s = [0u8; 24];
                s[..stem.len()].copy_from_slice(stem);
                s[stem.len()..stem.len() + add.len()].copy_from_slice(add);
                self.get(key(&s[..stem.len() + add.len()])).has(COMMON)
            })
        })
    }

    /// Whether `w` is a name suffix such as "Jr" or "PhD".
    pub(crate) fn is_suffix(&self, w: &[u8]) -> bool {
        self.word(w).is_suffix()
    }

    /// Whether `w` is a name particle ("van", "de").
    pub(crate) fn is_particle(&self, w: &[u8]) -> bool {
        self.word(w).is_particle()
    }

    /// Whether `w` is a verb after a name ("wrote", "lives").
    pub(crate) fn is_post_cue(&self, w: &[u8]) -> bool {
        self.word(w).is_post_cue()
    }

    /// Whether `w` is a cue that makes any capitalised word a name.
    pub(crate) fn is_direct_cue(&self, w: &[u8]) -> bool {
        self.word(w).is_direct_cue()
    }
}

/// Inflections tried by [`Names::is_common_word`]: (ending, what replaces it on the stem).
const STEMS: [(&[u8], &[u8]); 7] = [
    (b"ing", b"e"),
    (b"ing", b""),
    (b"es", b""),
    (b"ed", b"e"),
    (b"ed", b""),
    (b"s", b""),
    (b"ly", b""),
];

/// Whether `w` ends with the lower-case ASCII `end`, ignoring ASCII case.
fn ends_with_ci(w: &[u8], end: &[u8]) -> bool {
    w.len() >= end.len() && w[w.len() - end.len()..].eq_ignore_ascii_case(end)
}

/// Whether `w`, whose key is `k`, contains a `-`. The key keeps `-` bytes (and no folded letter
/// is `-`), so a zero-byte test on the key answers without reading `w` again.
fn has_hyphen(w: &[u8], k: Option<Key>) -> bool {
    const ONES: Key = Key::MAX / 0xFF; // 0x0101…01
    match k {
        Some(k) => {
            let x = k ^ (ONES * Key::from(b'-'));
            x.wrapping_sub(ONES) & !x & (ONES << 7) != 0
        }
        None => w.contains(&b'-'),
    }
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
    use super::{Info, Names, Stored};

    #[test]
    fn an_entry_takes_24_bytes() {
        assert_eq!(std::mem::size_of::<(Stored, Info)>(), 24);
    }

    #[test]
    fn census_lookups() {
        let n = Names::new();
        assert!(n.is_first(b"John") && n.is_first(b"MARY") && n.is_first(b"Jos\xc3\xa9"));
        assert_eq!(n.word(b"Smith").surname_rank(), Some(0));
        assert!(n.word(b"Garc\xc3\xada").surname_rank().is_some());
        assert!(n.word(b"Smith-Jones").surname_rank().is_some());
        assert!(n.word(b"O'Brien").surname_rank().is_some());
        assert!(n.is_first(b"Anne-Marie") && n.word(b"Anne-Marie").is_census());
        assert!(
            n.is_common_word(b"Works")
                && n.is_common_word(b"Copyright")
                && n.is_common_word(b"Mark")
        );
        assert!(!n.is_common_word(b"Jennifer") && !n.is_common_word(b"Klingelh\xc3\xb6fer"));
        assert!(n.word(b"Monday").is_not_name() && n.word(b"Dr").is_title() && n.is_suffix(b"Jr"));
        assert!(n.word(b"dear").is_strong_cue() && n.is_particle(b"van"));
        assert!(n.is_common_word(b"Walking") && n.is_common_word(b"Baked"));
        assert_eq!(n.word(b"Qwxzy"), super::Info::NONE);
        assert_eq!(n.word(b"Caoimhe").given_class(), 2);
        assert_eq!(n.word(b"Mark").given_class(), 3);
        assert!(!n.word(b"Caoimhe").is_first(), "the wide list is no census given name");
    }
}
