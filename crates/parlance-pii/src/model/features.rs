//! The features the person model reads for one capitalised word: the word itself (folded,
//! its shape, prefix and suffixes), what the name tables say of it, and the same for the two
//! words before and after it together with the punctuation between them. Each feature is a
//! small template number mixed with a value and hashed into the weight table ([`BITS`] bits):
//! nothing is allocated and nothing is stored per feature name.
//!
//! Everything is read from the detector's window `b` (see `detect`), so the model is as local
//! as the rule detectors and the stream scrubber stays exact.

use crate::names::{Info, Names};
use crate::text::is_word;

/// log2 of the number of weights.
pub(crate) const BITS: u32 = 20;

/// The most features one word produces (it has 46 at most).
#[cfg(any(test, feature = "train"))]
pub(crate) const MAX: usize = 64;

/// The table entries of the last few words looked up while scoring the words of one name
/// (the next word of a name is the last one's neighbour, and the other way round): each word
/// is looked up once.
pub(crate) struct Seen {
    /// `(start, end, entry)` of the words seen, most recent at `last`.
    words: [(usize, usize, Info); 4],
    last: usize,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen { words: [(0, 0, Info::NONE); 4], last: 0 }
    }
}

impl Seen {
    /// The table entry of `b[s..e]`.
    pub(crate) fn word(&mut self, names: &Names, b: &[u8], s: usize, e: usize) -> Info {
        if let Some(&(_, _, info)) = self.words.iter().find(|w| (w.0, w.1) == (s, e) && e > s) {
            return info;
        }
        let info = names.word(&b[s..e]);
        self.put(s, e, info);
        info
    }

    /// Records the entry of `b[s..e]`, looked up elsewhere.
    pub(crate) fn put(&mut self, s: usize, e: usize, info: Info) {
        self.last = (self.last + 1) % self.words.len();
        self.words[self.last] = (s, e, info);
    }
}

/// The features of one word: hashed weight indices.
#[cfg(any(test, feature = "train"))]
pub(crate) struct Feats {
    /// Weight indices; the first `n` are set.
    pub(crate) idx: [u32; MAX],
    /// How many are set.
    pub(crate) n: usize,
}

#[cfg(any(test, feature = "train"))]
impl Feats {
    fn new() -> Feats {
        Feats { idx: [0; MAX], n: 0 }
    }
}

#[cfg(any(test, feature = "train"))]
impl Sink for Feats {
    fn take(&mut self, k: u32) {
        if self.n < MAX {
            self.idx[self.n] = k;
            self.n += 1;
        }
    }
}

/// Where the features of one word go, as [`extract_into`] computes them: collected as weight
/// indices ([`Feats`]: training, tests) or summed straight into a logit (scoring: nothing is
/// stored per feature). A word has at most 46 features, fewer than `Feats` holds, so both see
/// the same ones.
pub(crate) trait Sink {
    /// Takes the weight index of one feature.
    fn take(&mut self, k: u32);

    /// Takes template `t` with value `v`.
    #[inline(always)]
    fn add(&mut self, t: u64, v: u64) {
        self.take(index(t, v));
    }
}

/// The weight index of template `t` with value `v`.
fn index(t: u64, v: u64) -> u32 {
    let x = (v ^ v >> 29 ^ t << 56).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> (64 - BITS)) as u32
}

/// A word near the one classified.
#[derive(Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    /// What separates it from the word nearer the classified one ([`Sep`]).
    sep: u8,
}

/// Punctuation between two words, in a few classes.
mod sep {
    pub(super) const SPACE: u8 = 1;
    pub(super) const COMMA: u8 = 2;
    pub(super) const STOP: u8 = 3; // . ! ? (a sentence ends)
    pub(super) const LINE: u8 = 4; // a line break
    pub(super) const COLON: u8 = 5;
    pub(super) const OPEN: u8 = 6; // ( [ " and quotes
    pub(super) const APOS: u8 = 7; // 's
    pub(super) const HYPHEN: u8 = 8;
    pub(super) const DOT: u8 = 9; // "J. Smith": a dot after one letter
    pub(super) const AMP: u8 = 10; // & /
    pub(super) const OTHER: u8 = 11;
    pub(super) const EDGE: u8 = 12; // no word: the text's (or window's) edge
}

/// The class of the gap `g` (the bytes between two words).
fn gap_class(g: &[u8], after_initial: bool) -> u8 {
    if g.is_empty() {
        return sep::OTHER;
    }
    let mut class = sep::SPACE;
    for &c in g {
        let k = match c {
            b' ' | b'\t' => continue,
            b'\n' | b'\r' => sep::LINE,
            b'.' if after_initial => sep::DOT,
            b'.' | b'!' | b'?' => sep::STOP,
            b',' | b';' => sep::COMMA,
            b':' => sep::COLON,
            b'(' | b'[' | b'"' | b'{' => sep::OPEN,
            b'\'' => sep::APOS,
            b'-' => sep::HYPHEN,
            b'&' | b'/' | b'+' => sep::AMP,
            _ => sep::OTHER,
        };
        // A line break or a sentence end outranks anything else in the gap.
        if class == sep::SPACE || k == sep::LINE || k == sep::STOP && class != sep::LINE {
            class = k;
        }
    }
    class
}

/// The word ending before `i` (at most 12 bytes of gap), if any.
fn prev(b: &[u8], i: usize) -> Option<Tok> {
    let mut e = i;
    while e > 0 && !is_word(b[e - 1]) && i - e < 12 {
        e -= 1;
    }
    if e == 0 || !is_word(b[e - 1]) {
        return None;
    }
    let mut s = e;
    while s > 0 && is_word(b[s - 1]) {
        s -= 1;
    }
    let initial = e - s == 1;
    Some(Tok { start: s, end: e, sep: gap_class(&b[e..i], initial) })
}

/// The word starting after `e` (at most 12 bytes of gap), if any.
fn next(b: &[u8], e: usize, this_initial: bool) -> Option<Tok> {
    let mut s = e;
    while s < b.len() && !is_word(b[s]) && s - e < 12 {
        s += 1;
    }
    if s >= b.len() || !is_word(b[s]) {
        return None;
    }
    let end = crate::text::word_end(b, s);
    Some(Tok { start: s, end, sep: gap_class(&b[e..s], this_initial) })
}

/// [`word_hash`] and [`shape`] of `w` in one pass over its bytes (what scoring computes for
/// each of the five words it reads), one table load per byte ([`FOLD`]).
#[inline]
fn hash_shape(w: &[u8]) -> (u64, u64) {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let (mut upper, mut seen) = (0u32, 0u16);
    let hashed = w.len().min(24);
    for &c in &w[..hashed] {
        let e = FOLD[usize::from(c)];
        h = (h ^ u64::from(e & 0xFF)).wrapping_mul(0x0100_0000_01B3);
        seen |= e;
        upper += u32::from(e >> 15);
    }
    for &c in &w[hashed..] {
        let e = FOLD[usize::from(c)];
        seen |= e;
        upper += u32::from(e >> 15);
    }
    let caps = match upper as usize {
        0 => 0,
        1 => 1,
        n if n == w.len() => 2,
        _ => 3,
    };
    let (non_ascii, digit) = (seen & NON_ASCII != 0, seen & DIGIT != 0);
    (h, caps | len_class(w.len()) << 2 | u64::from(non_ascii) << 5 | u64::from(digit) << 6)
}

/// [`FOLD`]'s bits beside the folded byte (bits 0–7).
const DIGIT: u16 = 1 << 8;
const NON_ASCII: u16 = 1 << 9;
const CAPITAL: u16 = 1 << 15;

/// For each byte: itself folded to lower case (ASCII) and whether it is a digit, non-ASCII or
/// an ASCII capital ([`DIGIT`], [`NON_ASCII`], [`CAPITAL`]).
static FOLD: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut e = b.to_ascii_lowercase() as u16;
        if b.is_ascii_digit() {
            e |= DIGIT;
        }
        if b >= 0x80 {
            e |= NON_ASCII;
        }
        if b.is_ascii_uppercase() {
            e |= CAPITAL;
        }
        t[c] = e;
        c += 1;
    }
    t
};

/// The length class of [`shape`].
#[inline]
fn len_class(n: usize) -> u64 {
    match n {
        0..=1 => 0,
        2 => 1,
        3 => 2,
        4..=5 => 3,
        6..=8 => 4,
        _ => 5,
    }
}

/// A hash of the word folded to lower case (ASCII; other bytes as they are).
#[cfg(test)]
fn word_hash(w: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &c in w.iter().take(24) {
        h = (h ^ u64::from(c.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01B3);
    }
    h
}

/// The word's shape in one number: capitalised or all capitals, length class, non-ASCII,
/// digits, inner apostrophe or hyphen.
#[cfg(test)]
fn shape(w: &[u8]) -> u64 {
    let (mut upper, mut non_ascii, mut digit) = (0, false, false);
    for &c in w {
        upper += usize::from(c.is_ascii_uppercase());
        non_ascii |= c >= 0x80;
        digit |= c.is_ascii_digit();
    }
    let caps = match upper {
        0 => 0,
        1 => 1,
        n if n == w.len() => 2,
        _ => 3,
    };
    let len = match w.len() {
        0..=1 => 0,
        2 => 1,
        3 => 2,
        4..=5 => 3,
        6..=8 => 4,
        _ => 5,
    };
    caps | len << 2 | u64::from(non_ascii) << 5 | u64::from(digit) << 6
}

/// What the tables say, in one number: given name, surname rank class, English word,
/// known non-name, title, particle, suffix, cue, place.
fn table(info: Info) -> u64 {
    let rank = match info.surname_rank() {
        None => 0,
        Some(0..=999) => 1,
        Some(1000..=4999) => 2,
        Some(5000..=14_999) => 3,
        Some(_) => 4,
    };
    u64::from(info.is_first())
        | rank << 1
        | u64::from(info.is_not_name()) << 4
        | u64::from(info.is_title()) << 5
        | u64::from(info.is_particle()) << 6
        | u64::from(info.is_suffix()) << 7
        | u64::from(info.is_strong_cue() || info.is_direct_cue()) << 8
        | u64::from(info.is_post_cue()) << 9
        | u64::from(info.is_place()) << 10
        | u64::from(info.given_class()) << 11
}

/// Feature templates (numbers only mean "a different feature family").
mod t {
    pub(super) const BIAS: u64 = 1;
    pub(super) const WORD: u64 = 2;
    pub(super) const SHAPE: u64 = 3;
    pub(super) const SUF3: u64 = 4;
    pub(super) const SUF2: u64 = 5;
    pub(super) const PRE3: u64 = 6;
    pub(super) const TABLE: u64 = 7;
    pub(super) const COMMON: u64 = 8;
    pub(super) const P1: u64 = 9;
    pub(super) const P1SEP: u64 = 10;
    pub(super) const P1SHAPE: u64 = 11;
    pub(super) const P1TABLE: u64 = 12;
    pub(super) const P2: u64 = 13;
    pub(super) const N1: u64 = 14;
    pub(super) const N1SEP: u64 = 15;
    pub(super) const N1SHAPE: u64 = 16;
    pub(super) const N1TABLE: u64 = 17;
    pub(super) const N2: u64 = 18;
    pub(super) const P1_W: u64 = 19;
    pub(super) const W_N1: u64 = 20;
    pub(super) const TAB_P1TAB: u64 = 21;
    pub(super) const TAB_N1TAB: u64 = 22;
    pub(super) const SEP_TAB: u64 = 23;
    pub(super) const P1_SHAPE: u64 = 24;
    pub(super) const N1_SHAPE: u64 = 25;
    pub(super) const P2SHAPE: u64 = 26;
    pub(super) const N2SHAPE: u64 = 27;
    pub(super) const SEPS: u64 = 28;
    pub(super) const SUF4: u64 = 29;
    pub(super) const P1P2: u64 = 30;
    pub(super) const N1N2: u64 = 31;
    pub(super) const CAPS_AROUND: u64 = 32;
    pub(super) const WSHAPE_TAB: u64 = 33;
    pub(super) const N1COMMON: u64 = 34;
    pub(super) const P1COMMON: u64 = 35;
    pub(super) const W_SEP: u64 = 36;
    pub(super) const P1_N1: u64 = 37;
    pub(super) const SHAPES3: u64 = 38;
    pub(super) const TRI: u64 = 39;
}

/// The lower-case suffix of `w` of `n` bytes as a number (0 when shorter).
fn tail(w: &[u8], n: usize) -> u64 {
    if w.len() <= n {
        return 0;
    }
    w[w.len() - n..].iter().fold(0u64, |a, c| a << 8 | u64::from(c.to_ascii_lowercase()))
}

/// The templates of one neighbour: the word right before, or right after.
struct Side {
    word: u64,
    sep: u64,
    shape: u64,
    table: u64,
    common: u64,
    pair: u64,
    word_shape: u64,
    tables: u64,
}

const BEFORE: Side = Side {
    word: t::P1,
    sep: t::P1SEP,
    shape: t::P1SHAPE,
    table: t::P1TABLE,
    common: t::P1COMMON,
    pair: t::P1_W,
    word_shape: t::P1_SHAPE,
    tables: t::TAB_P1TAB,
};

const AFTER: Side = Side {
    word: t::N1,
    sep: t::N1SEP,
    shape: t::N1SHAPE,
    table: t::N1TABLE,
    common: t::N1COMMON,
    pair: t::W_N1,
    word_shape: t::N1_SHAPE,
    tables: t::TAB_N1TAB,
};

/// The features of a neighbour (separated by `sep`; its hash and shape `(h, nshape)`, its
/// table entry `info`), with the classified word's table bits, shape and the pair's hash
/// `(tab, sh, pair)`.
fn neighbour(
    f: &mut impl Sink,
    side: &Side,
    sep: u8,
    (h, nshape): (u64, u64),
    (tab, sh, pair): (u64, u64, u64),
    info: Info,
) {
    let ntab = table(info);
    let sep = u64::from(sep);
    f.add(side.word, h);
    f.add(side.sep, h ^ sep);
    f.add(side.shape, nshape << 8 | sep);
    f.add(side.table, ntab << 8 | sep);
    f.add(side.common, u64::from(info.is_common()) << 12 | nshape << 4 | sep);
    f.add(side.pair, pair);
    f.add(side.word_shape, h ^ sh << 40);
    f.add(side.tables, tab << 16 | ntab << 4 | sep);
}

/// The features of the capitalised word `b[i..end]`, whose table entry is `info`.
#[cfg(any(test, feature = "train"))]
pub(crate) fn extract(
    b: &[u8],
    i: usize,
    end: usize,
    lookups: (&Names, &mut Seen),
    info: Info,
) -> Feats {
    let mut f = Feats::new();
    extract_into(b, i, end, lookups, info, &mut f);
    f
}

/// [`extract`] into any [`Sink`].
pub(crate) fn extract_into(
    b: &[u8],
    i: usize,
    end: usize,
    (names, seen): (&Names, &mut Seen),
    info: Info,
    f: &mut impl Sink,
) {
    let w = &b[i..end];
    let (wh, sh) = hash_shape(w);
    let tab = table(info);
    let common = u64::from(info.is_common());
    f.add(t::BIAS, 0);
    f.add(t::WORD, wh);
    f.add(t::SHAPE, sh);
    f.add(t::SUF2, tail(w, 2));
    f.add(t::SUF3, tail(w, 3));
    f.add(t::SUF4, tail(w, 4));
    f.add(t::PRE3, w.iter().take(3).fold(0u64, |a, c| a << 8 | u64::from(c.to_ascii_lowercase())));
    // Letter trigrams inside the word (at most 8): names of one tradition share them (each
    // the three bytes folded to lower case as one number, rolled on from the last).
    if w.len() >= 3 {
        let low = |k: usize| u64::from(w[k].to_ascii_lowercase());
        let mut g = low(0) << 8 | low(1);
        for k in 2..w.len().min(10) {
            g = (g << 8 | low(k)) & 0xFF_FFFF;
            f.add(t::TRI, g);
        }
    }
    f.add(t::TABLE, tab);
    f.add(t::COMMON, common << 16 | tab);
    f.add(t::WSHAPE_TAB, sh << 16 | tab | common << 12);
    let p1 = prev(b, i);
    let p2 = p1.and_then(|p| prev(b, p.start));
    let n1 = next(b, end, end - i == 1);
    let n2 = n1.and_then(|n| next(b, n.end, n.end - n.start == 1));
    let psep = p1.map_or(sep::EDGE, |p| p.sep);
    let nsep = n1.map_or(sep::EDGE, |n| n.sep);
    f.add(t::SEPS, u64::from(psep) << 8 | u64::from(nsep));
    f.add(t::SEP_TAB, u64::from(psep) << 16 | tab << 1 | common);
    f.add(t::W_SEP, wh ^ u64::from(psep) << 56);
    // Each neighbour's hash and shape, computed once (several templates combine them).
    let of = |k: Option<Tok>| k.map(|k| hash_shape(&b[k.start..k.end]));
    let (p1s, n1s, p2s, n2s) = (of(p1), of(n1), of(p2), of(n2));
    let (ph1, nh1) = (p1s.map(|x| x.0), n1s.map(|x| x.0));
    let (ps1, ns1) = (p1s.map(|x| x.1), n1s.map(|x| x.1));
    f.add(t::P1_N1, ph1.unwrap_or(0) ^ nh1.unwrap_or(0).rotate_left(31));
    f.add(
        t::SHAPES3,
        ps1.unwrap_or(0xFF) << 24 | sh << 12 | ns1.unwrap_or(0xFF) | u64::from(nsep) << 40,
    );
    match (p1, ph1, ps1) {
        (Some(p), Some(ph), Some(pshape)) => {
            let pair = ph ^ wh.rotate_left(17);
            neighbour(
                f,
                &BEFORE,
                p.sep,
                (ph, pshape),
                (tab, sh, pair),
                seen.word(names, b, p.start, p.end),
            );
        }
        _ => f.add(t::P1, 0),
    }
    if let (Some(p), Some((h2, s2))) = (p2, p2s) {
        f.add(t::P2, h2);
        f.add(t::P2SHAPE, s2 << 8 | u64::from(p.sep));
        if let Some(h1) = ph1 {
            f.add(t::P1P2, h1 ^ h2.rotate_left(23));
        }
    }
    match (n1, nh1, ns1) {
        (Some(n), Some(nh), Some(nshape)) => {
            let pair = wh ^ nh.rotate_left(29);
            neighbour(
                f,
                &AFTER,
                n.sep,
                (nh, nshape),
                (tab, sh, pair),
                seen.word(names, b, n.start, n.end),
            );
            let pcap = p1.is_some_and(|p| b[p.start].is_ascii_uppercase());
            let ncap = b[n.start].is_ascii_uppercase() || b[n.start] >= 0xC3;
            f.add(t::CAPS_AROUND, u64::from(pcap) << 1 | u64::from(ncap) | u64::from(nsep) << 4);
        }
        _ => f.add(t::N1, 0),
    }
    if let (Some(n), Some((h2, s2))) = (n2, n2s) {
        f.add(t::N2, h2);
        f.add(t::N2SHAPE, s2 << 8 | u64::from(n.sep));
        if let Some(h1) = nh1 {
            f.add(t::N1N2, h1 ^ h2.rotate_left(23));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BITS, Seen, extract, gap_class, sep};

    #[test]
    fn one_pass_gives_the_hash_and_the_shape() {
        let long = "Abcdefghijklmnopqrstuvwxyz0123";
        for w in ["", "A", "ab", "ABC", "Jean-Luc", "O'Brien", "Wójcik", "ÉRIC", "R2D2", long] {
            let w = w.as_bytes();
            assert_eq!(super::hash_shape(w), (super::word_hash(w), super::shape(w)), "{w:?}");
        }
    }

    #[test]
    fn gaps_are_classed() {
        assert_eq!(gap_class(b" ", false), sep::SPACE);
        assert_eq!(gap_class(b". ", false), sep::STOP);
        assert_eq!(gap_class(b". ", true), sep::DOT);
        assert_eq!(gap_class(b",\n", false), sep::LINE);
        assert_eq!(gap_class(b" (", false), sep::OPEN);
    }

    #[test]
    fn features_are_bounded_and_depend_on_context() {
        let names = crate::names::shared();
        let h = names.word(b"Hartley");
        let a = extract(b"I met Hartley yesterday", 6, 13, (names, &mut Seen::default()), h);
        let c = extract(b"The Hartley Hotel", 4, 11, (names, &mut Seen::default()), h);
        assert!(a.n > 10 && a.n <= super::MAX);
        assert!(a.idx[..a.n].iter().all(|x| *x < 1 << BITS));
        assert_ne!(a.idx[..a.n], c.idx[..c.n]);
    }
}
