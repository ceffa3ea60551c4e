//! Given names written in lower case in chatty text: "i think shanna and i are going", "do n't
//! tell val.", "max and jen are looking for you", "unless lisa promises". Capitalisation is the
//! strongest sign of a name, and e-mails, chats and posts drop it; the person model reads only
//! capitalised words.
//!
//! A lower-case word is a name here only when three things agree: the word is a given name of
//! the tables (a census given name, or one of the most frequent class of the wide list) and
//! nothing else (not an English word or an inflection of one, not a place, a title or a known
//! non-name, not chat slang such as "til" or "bae"); a short word beside it says a person is
//! there — it is followed by "and", "is", "was", "are", … ("shanna and i", "hector was") or
//! follows "tell", "told", "ask", "call", "with", "and", "hi", "dear", … ("tell val"); and no
//! determiner stands before it ("my bae", "a cup of joe", "from brittany"). Measured on the
//! training corpora's lower-case given names (BTC, WNUT-17, EWT train), about four in five such
//! words are labelled people, and most of the rest are people the annotators left out.
//!
//! The pass asks [`may_be_name`] of every lower-case word of three to eight letters: one load, a
//! multiplication and a bit of the names' filter ([`Names::may_be_lower_name`]) turn away
//! nearly every word, so ordinary text pays a few instructions per word; [`detect`] then reads
//! the cue words on either side, inside the pass's window.

use crate::names::Names;
use crate::text::{at, is_word, word_end};

/// Whether the lower-case word `b[i..end]` may be a given name: three to eight bytes that the
/// names' filter holds (false for nearly every word; [`detect`] decides).
#[inline]
pub(crate) fn may_be_name(b: &[u8], i: usize, end: usize, names: &Names) -> bool {
    let n = end - i;
    (3..=8).contains(&n) && {
        let x = match b.get(i..).and_then(|t| t.first_chunk::<8>()) {
            Some(w) => u64::from_le_bytes(*w) & (u64::MAX >> (64 - 8 * n)),
            None => crate::names::pack8(&b[i..end]),
        };
        names.may_be_lower_packed(x)
    }
}

/// Words that follow a person's name more often than a thing's.
const AFTER_NAME: [&[u8]; 16] = [
    b"and", b"is", b"was", b"are", b"were", b"has", b"had", b"says", b"said", b"wants", b"thinks",
    b"told", b"asked", b"called", b"loves", b"just",
];

/// Words that stand before a person's name more often than before a thing's.
const BEFORE_NAME: [&[u8]; 17] = [
    b"and", b"tell", b"told", b"ask", b"asked", b"call", b"called", b"with", b"think", b"miss",
    b"met", b"saw", b"hi", b"hey", b"dear", b"thx", b"thanks",
];

/// [`cue`]'s answer for a word of [`AFTER_NAME`] and one of [`BEFORE_NAME`].
const AFTER: u8 = 1;
const BEFORE: u8 = 2;

/// A word of two to six bytes as an integer (first byte lowest), 0 for any other length.
const fn pack(w: &[u8]) -> u64 {
    if w.len() < 2 || w.len() > 6 {
        return 0;
    }
    let mut x = 0u64;
    let mut k = 0;
    while k < w.len() {
        x |= (w[k] as u64) << (8 * k);
        k += 1;
    }
    x
}

/// The slot of a packed word in [`CUES`] (a multiplier with no collision among the cues).
const fn slot(x: u64) -> usize {
    (x.wrapping_mul(0xed42_1259_d18d_a491) >> 58) as usize
}

/// The cue words by [`slot`]: the packed word and its [`AFTER`] / [`BEFORE`] bits. Built at
/// compile time; a collision stops the build.
static CUES: [(u64, u8); 64] = {
    let mut t = [(0u64, 0u8); 64];
    let mut k = 0;
    while k < AFTER_NAME.len() + BEFORE_NAME.len() {
        let (w, bit) = if k < AFTER_NAME.len() {
            (AFTER_NAME[k], AFTER)
        } else {
            (BEFORE_NAME[k - AFTER_NAME.len()], BEFORE)
        };
        let x = pack(w);
        let s = slot(x);
        assert!(t[s].0 == 0 || t[s].0 == x, "two cue words share a slot");
        t[s] = (x, t[s].1 | bit);
        k += 1;
    }
    t
};

/// The [`AFTER`] / [`BEFORE`] bits of `w` (0 if it is no cue).
fn cue(w: &[u8]) -> u8 {
    let x = pack(w);
    let (k, bits) = CUES[slot(x)];
    if k == x && x != 0 { bits } else { 0 }
}

/// The lower-case given name `b[i..end]`, if a cue beside it says a person is there: a word
/// that follows names after it ("shanna and i", "hector was") or one that precedes names before
/// it ("tell val").
pub(crate) fn detect(b: &[u8], i: usize, end: usize, names: &Names) -> Option<(usize, usize)> {
    let cue_after = at(b, end) == b' ' && {
        let e = word_end(b, end + 1);
        cue(&b[end + 1..e]) & AFTER != 0
    };
    let cue_before = !cue_after && i >= 3 && b[i - 1] == b' ' && {
        let mut s = i - 1;
        while s > 0 && i - 1 - s < 8 && b[s - 1].is_ascii_lowercase() {
            s -= 1;
        }
        (s == 0 || !is_word(b[s - 1])) && cue(&b[s..i - 1]) & BEFORE != 0
    };
    let lower = b[i..end].iter().all(u8::is_ascii_lowercase);
    (lower && (cue_after || cue_before) && candidate(b, i, end, names)).then_some((i, end))
}

/// Whether the lower-case word `b[s..e]` is a given name standing as one: a whole word (not the
/// tail of a handle, a path or an address: "@val", "amy.cornell@"), not after a determiner.
fn candidate(b: &[u8], s: usize, e: usize, names: &Names) -> bool {
    let w = &b[s..e];
    if !(3..=12).contains(&w.len())
        || s > 0
            && (is_word(b[s - 1]) || matches!(b[s - 1], b'@' | b'#' | b'/' | b'.' | b'-' | b'\''))
        || matches!(at(b, e), b'@' | b'-' | b'\'' | b'/')
        || at(b, e) == b'.' && is_word(at(b, e + 1))
        || slang(w)
        || after_determiner(b, s)
    {
        return false;
    }
    names.word(w).may_be_lower_name() && !names.is_common_word(w)
}

/// Words of chat and of calendars that the given-name lists also hold.
fn slang(w: &[u8]) -> bool {
    matches!(
        w,
        b"til"
            | b"lil"
            | b"dat"
            | b"tha"
            | b"gon"
            | b"imma"
            | b"ima"
            | b"cos"
            | b"que"
            | b"bae"
            | b"mac"
            | b"avi"
            | b"sunday"
            | b"monday"
            | b"tuesday"
            | b"wednesday"
            | b"thursday"
            | b"friday"
            | b"saturday"
            | b"january"
            | b"february"
            | b"march"
            | b"april"
            | b"may"
            | b"june"
            | b"july"
            | b"august"
            | b"september"
            | b"october"
            | b"november"
            | b"december"
    )
}

/// Whether a determiner or a preposition of things stands right before `s` ("my bae", "a cup
/// of joe", "from brittany", "the mac").
fn after_determiner(b: &[u8], s: usize) -> bool {
    if s < 2 || b[s - 1] != b' ' {
        return false;
    }
    let mut k = s - 1;
    while k > 0 && b[k - 1].is_ascii_alphabetic() {
        k -= 1;
    }
    let p = &b[k..s - 1];
    p.len() <= 5
        && matches!(
            p.to_ascii_lowercase().as_slice(),
            b"my"
                | b"a"
                | b"an"
                | b"the"
                | b"of"
                | b"your"
                | b"his"
                | b"her"
                | b"our"
                | b"their"
                | b"this"
                | b"that"
                | b"from"
                | b"in"
                | b"at"
                | b"some"
                | b"no"
        )
}

#[cfg(test)]
mod tests {
    use super::{cue, detect, may_be_name};

    /// What the detector finds at the word `w` of `t` (the first whole-word occurrence), after
    /// the filter the pass applies.
    fn found(t: &str, w: &str) -> Option<String> {
        let n = crate::names::shared();
        let b = t.as_bytes();
        let i = t.find(&format!(" {w}")).map(|k| k + 1).or_else(|| t.find(w)).unwrap();
        let end = i + w.len();
        if !may_be_name(b, i, end, n) {
            return None;
        }
        detect(b, i, end, n).map(|(s, e)| t[s..e].to_string())
    }

    #[test]
    fn lower_case_given_names_beside_a_cue() {
        assert_eq!(found("i think shanna and i are going", "shanna").as_deref(), Some("shanna"));
        assert_eq!(found("do n't tell val. the following", "val").as_deref(), Some("val"));
        assert_eq!(found("fine, jill was just blowing", "jill").as_deref(), Some("jill"));
        // "hector" is also an English verb: not read.
        assert_eq!(found("fine, hector was just blowing", "hector"), None);
        assert_eq!(found("party. max and jen are looking", "jen").as_deref(), Some("jen"));
    }

    #[test]
    fn words_things_and_handles_are_not_names() {
        assert_eq!(found("salt and pepper", "salt"), None);
        assert_eq!(found("I love my bae and my dog", "bae"), None);
        assert_eq!(found("a cup of joe and a snack", "joe"), None);
        assert_eq!(found("see you sunday and bring it", "sunday"), None);
        assert_eq!(found("mail @shanna and me", "shanna"), None);
        assert_eq!(found("a man from paris and rome", "paris"), None);
        assert_eq!(found("write amy.cornell and me", "cornell"), None);
        assert_eq!(found("so shanna went home", "shanna"), None);
    }

    #[test]
    fn only_the_listed_short_words_are_cues() {
        assert_eq!(cue(b"android"), 0);
        assert_eq!(cue(b"a"), 0);
        assert_ne!(cue(b"hey"), 0);
        assert_ne!(cue(b"and"), 0);
    }
}
