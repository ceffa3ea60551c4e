//! Streets named without a house number right after an address cue: "I live on Maple Street",
//! "moved to Pine Road, Springfield", "Please deliver to Oak Avenue, Bristol, UK", and street
//! corners: "the corner of Elm and 5th", "the intersection of Broadway and 42nd Street".
//!
//! The pass calls [`detect`] at a capitalised word or a number right after "on", "to", "at",
//! "in" or "of". A street needs a street-type word at its end and an address cue in its clause;
//! a corner needs "corner"/"intersection"/"junction" before "of" and two streets. A street
//! named in passing ("the Main Street fair", "Baker Street Capital") stays.

use super::tail::{city, region_country};
use super::words::{CUES, listed};
use crate::detect::address_words::contains;
use crate::text::{Key, at, before, is_word, keys, word_end};

/// Whether the word at `i` follows one of the prepositions that may lead to a street.
#[inline]
pub(crate) fn after_preposition(b: &[u8], i: usize) -> bool {
    i >= 4
        && b[i - 1] == b' '
        && matches!(&b[i - 3..i - 1], b"on" | b"to" | b"at" | b"in" | b"of")
        && !is_word(b[i - 4])
}

/// The span of a cued street or a corner starting at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if &b[i - 3..i - 1] == b"of" {
        return corner(b, i);
    }
    let e = street(b, i).filter(|s| s.1)?.0;
    if crate::detect::person::upper_len(b, e + 1).is_some() && at(b, e) == b' ' {
        return None; // "Baker Street Capital": a name that goes on
    }
    if !crate::text::any_word_in_clause_before(b, i, 4, |w| listed(&CUES, w)) {
        return None;
    }
    Some((i, city_clause(b, e).unwrap_or(e)))
}

/// Street-type words that end a street named without a number (sorted keys).
const ENDS: &[Key] = &keys([
    "ALLEY",
    "AVE",
    "AVENUE",
    "BLVD",
    "BOULEVARD",
    "CLOSE",
    "COURT",
    "CRESCENT",
    "CT",
    "DR",
    "DRIVE",
    "GARDENS",
    "GROVE",
    "HIGHWAY",
    "HWY",
    "LANE",
    "LN",
    "MEWS",
    "PARKWAY",
    "PKWY",
    "PL",
    "PLACE",
    "RD",
    "ROAD",
    "ROW",
    "SQ",
    "SQUARE",
    "ST",
    "STREET",
    "TERRACE",
    "WALK",
    "WAY",
]);

/// Up to four street words at `i` (capitalised words or ordinals such as `5th`): their end and
/// whether the last is a street-type word after a name word.
fn street(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let (mut k, mut end, mut typed, mut n) = (i, None, false, 0);
    for _ in 0..4 {
        let we = word_end(b, k);
        let w = &b[k..we];
        let cap = crate::detect::person::upper_len(b, k).is_some();
        let ordinal = !w.is_empty() && w[0].is_ascii_digit() && ordinal(w);
        if we == k || !(cap || ordinal) || w.iter().any(u8::is_ascii_digit) && !ordinal {
            break;
        }
        if contains(FUNCTION_WORDS, w) {
            break;
        }
        typed = n > 0 && contains(ENDS, w);
        let after = we + usize::from(at(b, we) == b'.' && typed);
        end = Some(after);
        n += 1;
        if typed || at(b, after) != b' ' {
            break;
        }
        k = after + 1;
    }
    end.map(|e| (e, typed))
}

/// Capitalised words that end a street's name ("And", "The").
const FUNCTION_WORDS: &[Key] = &keys(["AND", "AT", "FOR", "IN", "OF", "ON", "OR", "THE", "TO"]);

/// `5th`, `42nd`, `1st`, `3rd`.
fn ordinal(w: &[u8]) -> bool {
    let d = w.iter().take_while(|c| c.is_ascii_digit()).count();
    d <= 3 && matches!(&w[d..], b"st" | b"nd" | b"rd" | b"th")
}

/// "corner of Elm and 5th", "intersection of 5th Ave & Main St": two streets joined after a
/// corner word.
fn corner(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let ok = crate::text::any_word_in_clause_before(b, i, 2, |w| {
        matches!(w, b"corner" | b"corners" | b"intersection" | b"junction" | b"crossing")
    });
    if !ok {
        return None;
    }
    let (e1, _) = street(b, i)?;
    let join =
        [&b" and "[..], b" & ", b" / ", b" with "].into_iter().find(|j| b[e1..].starts_with(j))?;
    let k = e1 + join.len();
    let (e2, _) = street(b, k)?;
    Some((i, e2))
}

/// `, Springfield`, `, Bristol, UK`, `, Paris` after a street ending at `e`, when the clause
/// ends there (a punctuation mark, a line break or a lower-case word): the new end.
pub(super) fn city_clause(b: &[u8], e: usize) -> Option<usize> {
    if !(at(b, e) == b',' && at(b, e + 1) == b' ') {
        return None;
    }
    let ce = region_country(b, city(b, e + 2)?);
    let next = at(b, ce);
    let ends = matches!(next, b'.' | b'!' | b'?' | b';' | b'\n' | b',' | 0)
        || ce == b.len()
        || next == b' ' && at(b, ce + 1).is_ascii_lowercase();
    (ends && !is_word(before(b, e + 2))).then_some(ce)
}

#[cfg(test)]
mod tests {
    use super::{after_preposition, detect};

    fn find<'a>(s: &'a str, w: &str) -> Option<&'a str> {
        let i = s.find(w)?;
        if !after_preposition(s.as_bytes(), i) {
            return None;
        }
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn cued_streets_and_corners() {
        assert_eq!(find("I live on Maple Street now.", "Maple"), Some("Maple Street"));
        assert_eq!(
            find("I moved to Pine Road, Springfield last", "Pine"),
            Some("Pine Road, Springfield")
        );
        assert_eq!(
            find("Please deliver to Oak Avenue, Bristol, UK", "Oak"),
            Some("Oak Avenue, Bristol, UK")
        );
        assert_eq!(
            find("Deliver to the corner of Elm and 5th at noon.", "Elm"),
            Some("Elm and 5th")
        );
        let s = "meet me at the corner of 5th Ave and Main St tomorrow";
        assert_eq!(find(s, "5th"), Some("5th Ave and Main St"));
        let s = "We met at the intersection of Broadway and 42nd Street then.";
        assert_eq!(find(s, "Broadway"), Some("Broadway and 42nd Street"));
    }

    #[test]
    fn streets_named_in_passing() {
        assert_eq!(find("They sell syrup at the fair on Main Street today", "Main"), None);
        assert_eq!(find("He works for Baker Street Capital in town", "Baker"), None);
        assert_eq!(find("I live in Berlin now", "Berlin"), None);
        assert_eq!(find("Read chapter 5 of Elm and Oak today", "Elm"), None);
    }
}
