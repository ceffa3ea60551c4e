//! Street addresses, as a whole: building number, optional directional, capitalised street-name
//! words, a USPS street suffix, an optional unit ("Apt. 4", "Suite 200", "#12"), and an optional
//! "City, ST 12345" tail on the same or the next line. Also US military addresses
//! ("PSC 1234, Box 5678 / APO AE 12345", "USNS Name / FPO AP 12345"). Addresses in other
//! countries' layouts are in `address/intl.rs`, tried when the US layout does not match.

mod bare;
mod code;
mod cued;
mod head;
mod intl;
mod tail;
mod words;

use crate::detect::address_words::{
    DIRECTION_KEYS, STATE_CODE_KEYS, STATE_FIRST_KEYS, STATE_NAME_KEYS, STATE_SECOND_KEYS,
    SUFFIX_KEYS, UNIT_KEYS, contains,
};
use crate::detect::zip;
use crate::text::{
    Key, at, before, digits_end, glued_before, is_word, keys, skip_blanks, word_end,
};

/// Whether `w` is a street-type word of any language ("Via", "ul", "gate", "Rua").
pub(crate) fn is_street_type(w: &[u8]) -> bool {
    words::listed(&words::TYPES, w)
}

/// Whether `b` starts with a country name ("Denmark", "New Zealand").
pub(crate) fn is_country(b: &[u8]) -> bool {
    words::country_at(b).is_some()
}

/// The span of a street written without a house number whose street-type word starts at `i`
/// ("Bulevardul Niță\nCluj-Napoca, 483688", "Deliver to rue Pierre, …"), if any.
pub(crate) fn detect_bare(b: &[u8], i: usize) -> Option<(usize, usize)> {
    bare::detect(b, i)
}

pub(crate) use code::Found as PostcodeFound;
pub(crate) use words::KeySet;

/// What a lettered postcode at `i` ("London SW1A 2AA", "postcode: NW1 6XE") belongs to.
pub(crate) fn detect_postcode(b: &[u8], i: usize) -> Option<PostcodeFound> {
    code::detect(b, i)
}

/// Whether the word `w` may open a lettered postcode (a cheap test before [`detect_postcode`]).
#[inline]
pub(crate) fn may_be_postcode(w: &[u8]) -> bool {
    code::may_start(w)
}

/// Whether the word at `i` follows "on", "to", "at", "in" or "of" (a cheap test before
/// [`detect_cued`]).
#[inline]
pub(crate) fn after_preposition(b: &[u8], i: usize) -> bool {
    cued::after_preposition(b, i)
}

/// A street without a house number right after an address cue ("I live on Maple Street"), or
/// a street corner ("the corner of Elm and 5th"), starting at `i`.
pub(crate) fn detect_cued(b: &[u8], i: usize) -> Option<(usize, usize)> {
    cued::detect(b, i)
}

/// Whether the word `w` (two bytes or more) may be a street-type word: a two-letter test that
/// refuses most words before [`detect_bare`] looks them up.
#[inline]
pub(crate) fn may_be_street_type(w: &[u8]) -> bool {
    words::TYPE_STARTS.may_start(w)
}

/// Whether the lower-case word `b[i..end]` may start a street without a number ("rue Pierre").
#[inline]
pub(crate) fn lower_street_start(b: &[u8], i: usize, end: usize) -> bool {
    bare::lower_start(b, i, end)
}

/// The span of a street address around the building number at `i`, if any: the US layout
/// first, then the international ones.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let us = us(b, i);
    // A US reading is read again in the international layouts only when a tail may follow it.
    let again = us.is_none_or(|u| {
        let (c, n) = (at(b, u.1), at(b, u.1 + 1));
        (matches!(c, b',' | b'\n') || c == b' ' && (n.is_ascii_digit() || n.is_ascii_uppercase()))
            && u.1 - i < 96
    });
    let found = match (us, if again { intl::detect(b, i) } else { None }) {
        // The international reading wins when it goes on to a postcode: "271 Waters Squares\nPort Sarahview, NS A3M 1J4" is a US
        // street with a Canadian tail; "…, CT 83343\nUSA" ends with its country.
        (Some(u), Some(n)) if n.1 > u.1 && b[u.1..n.1].iter().any(u8::is_ascii_digit) => Some(n),
        (Some(u), _) => Some((u.0, tail::country_after(b, u.1))),
        (None, n) => n,
    }?;
    Some((head::start(b, found.0), found.1))
}

/// A US-layout address starting at the building number at `i`.
fn us(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let num_end = building_number(b, i)?;
    let street_end = street(b, num_end)?;
    let mut end = street_end;
    end = unit(b, end).unwrap_or(end);
    end = city_state_zip(b, end).unwrap_or(end);
    Some((i, end))
}

/// `123`, `221B` or `12-14`, followed by a blank.
fn building_number(b: &[u8], i: usize) -> Option<usize> {
    if glued_before(b, i) {
        return None;
    }
    let mut e = digits_end(b, i);
    if e - i > 6 {
        return None;
    }
    if at(b, e).is_ascii_alphabetic() && !is_word(at(b, e + 1)) {
        e += 1;
    } else if at(b, e) == b'-' && at(b, e + 1).is_ascii_digit() {
        e = digits_end(b, e + 1);
    }
    (at(b, e) == b' ' && !is_word(at(b, e)) && at(b, e + 1) != b' ').then_some(e)
}

/// Reads up to six street words after the number; returns the end of the (last) suffix.
fn street(b: &[u8], from: usize) -> Option<usize> {
    let mut j = from + 1;
    let mut names = 0;
    let mut end = None;
    for _ in 0..6 {
        let mut we = word_end(b, j);
        // "O'Connell", "D'Arcy": an apostrophe before a capital joins one name.
        while at(b, we) == b'\'' && at(b, we + 1).is_ascii_uppercase() {
            we = word_end(b, we + 1);
        }
        if we == j || !street_word(&b[j..we]) || contains(FUNCTION_WORDS, &b[j..we]) {
            break;
        }
        let w = &b[j..we];
        let after = we + usize::from(at(b, we) == b'.');
        if names > 0 && contains(&SUFFIX_KEYS, w) {
            end = Some(after);
        } else if end.is_some() {
            break;
        } else {
            names += 1;
        }
        if at(b, after) != b' ' || !is_word(at(b, after + 1)) {
            break;
        }
        j = after + 1;
    }
    let e = end?;
    Some(trailing_direction(b, e).unwrap_or(e))
}

/// Words that never belong to a street name (sorted keys).
const FUNCTION_WORDS: &[Key] =
    &keys(["A", "AN", "AND", "AT", "BY", "FOR", "IN", "OF", "ON", "OR", "THE", "TO"]);

/// A capitalised word, an all-caps word, or an ordinal such as `5th`.
fn street_word(w: &[u8]) -> bool {
    let cap = w[0].is_ascii_uppercase()
        && w[1..].iter().all(|c| c.is_ascii_alphabetic() || *c >= 0x80 || *c == b'\'');
    let ordinal = w[0].is_ascii_digit() && {
        let d = w.iter().take_while(|c| c.is_ascii_digit()).count();
        matches!(&w[d..], b"st" | b"nd" | b"rd" | b"th" | b"ST" | b"ND" | b"RD" | b"TH")
    };
    cap || ordinal
}

fn trailing_direction(b: &[u8], e: usize) -> Option<usize> {
    let we = word_end(b, e + 1);
    let ok = at(b, e) == b' '
        && we - e - 1 <= 2
        && we > e + 1
        && b[e + 1].is_ascii_uppercase()
        && contains(&DIRECTION_KEYS, &b[e + 1..we]);
    ok.then_some(we)
}

/// `, Apt. 4B`, ` Suite 200`, ` #12` after the street.
fn unit(b: &[u8], e: usize) -> Option<usize> {
    let mut j = e + usize::from(at(b, e) == b',');
    j = skip_blanks(b, j, 2);
    if j == e || (j == e + 1 && at(b, e) == b',') {
        return None;
    }
    if at(b, j) == b'#' {
        let we = word_end(b, j + 1);
        return (we > j + 1).then_some(we);
    }
    let we = word_end(b, j);
    if we == j || !b[j].is_ascii_uppercase() || !contains(&UNIT_KEYS, &b[j..we]) {
        return None;
    }
    let mut k = we + usize::from(at(b, we) == b'.');
    k = skip_blanks(b, k, 2);
    k += usize::from(at(b, k) == b'#');
    let ve = word_end(b, k);
    let ok = ve > k && ve - k <= 6 && b[k..ve].iter().any(u8::is_ascii_digit);
    ok.then_some(ve)
}

/// `, Springfield, IL 62704` or a newline then `Springfield, IL 62704`.
fn city_state_zip(b: &[u8], e: usize) -> Option<usize> {
    let mut j = e + usize::from(at(b, e) == b',');
    let nl = at(b, j) == b'\n';
    j += usize::from(nl);
    let k = skip_blanks(b, j, 2);
    if k == e || !at(b, k).is_ascii_uppercase() {
        return None;
    }
    let mut w = k;
    for _ in 0..3 {
        let we = word_end(b, w);
        if we == w || !b[w].is_ascii_uppercase() {
            return None;
        }
        if let Some(end) = state_zip(b, we) {
            return Some(end);
        }
        if at(b, we) != b' ' {
            return None;
        }
        w = we + 1;
    }
    None
}

/// After a city ending at `e`: `, ST 12345`, ` ST`, `, State 12345`.
fn state_zip(b: &[u8], e: usize) -> Option<usize> {
    let j = skip_blanks(b, e + usize::from(at(b, e) == b','), 2);
    if j == e {
        return None;
    }
    let we = word_end(b, j);
    let code = we == j + 2
        && b[j].is_ascii_uppercase()
        && b[j + 1].is_ascii_uppercase()
        && contains(&STATE_CODE_KEYS, &b[j..we]);
    let name = we > j + 2 && b[j].is_ascii_uppercase() && contains(&STATE_NAME_KEYS, &b[j..we]);
    let we = if !code && !name { two_word_state(b, j, we)? } else { we };
    let z = skip_blanks(b, we, 2);
    Some(if z > we { zip::shape(b, z).unwrap_or(we) } else { we })
}

/// "North Carolina", "New York": returns the end of the second word.
fn two_word_state(b: &[u8], j: usize, we: usize) -> Option<usize> {
    let w2 = word_end(b, we + 1);
    let ok = contains(&STATE_FIRST_KEYS, &b[j..we])
        && at(b, we) == b' '
        && at(b, we + 1).is_ascii_uppercase()
        && contains(&STATE_SECOND_KEYS, &b[we + 1..w2]);
    ok.then_some(w2)
}

/// Military addresses: a `PSC`/`Unit`/`USNS`/`USS`/`USCGC`/`USNV` line followed by
/// `APO|FPO|DPO AA|AE|AP ddddd`.
pub(crate) fn detect_military(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let we = word_end(b, i);
    let head = &b[i..we];
    let ok_head = matches!(head, b"PSC" | b"Unit" | b"USNS" | b"USS" | b"USCGC" | b"USNV");
    if !ok_head || is_word(before(b, i)) {
        return None;
    }
    let window = &b[i..b.len().min(i + 60)];
    let p = memchr::memmem::find(window, b"PO A")?;
    let s = i + p;
    let code_ok = s > i + 1 && matches!(b[s - 1], b'A' | b'F' | b'D') && !is_word(before(b, s - 1));
    let box_ok = matches!(at(b, s + 4), b'A' | b'E' | b'P') && at(b, s + 5) == b' ';
    let end = zip::shape(b, s + 6)?;
    (code_ok && box_ok && !window[..p].contains(&b'.')).then_some((i, end))
}

#[cfg(test)]
mod tests {
    use super::{detect, detect_military};

    fn find(s: &str) -> Option<&str> {
        let i = s.find(|c: char| c.is_ascii_digit())?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn streets() {
        assert_eq!(find("I live at 123 Main Street, Springfield"), Some("123 Main Street"));
        assert_eq!(find("at 221 Baker Street, London"), Some("221 Baker Street"));
        assert_eq!(find("Bob lives at 1600 Pennsylvania Avenue"), Some("1600 Pennsylvania Avenue"));
        assert_eq!(find("at 42 W 5th St. today"), Some("42 W 5th St."));
        assert_eq!(find("at 12 Oak Park Drive NW"), Some("12 Oak Park Drive NW"));
        assert_eq!(find("at 12 O'Connell Street today"), Some("12 O'Connell Street"));
        assert_eq!(find("the flat at 08 O'Cadden Street is"), Some("08 O'Cadden Street"));
    }

    #[test]
    fn whole_addresses() {
        let s = "ship to 6393 Jennifer Mission Apt. 468\nEast Lisa, NV 59212 please";
        assert_eq!(find(s), Some("6393 Jennifer Mission Apt. 468\nEast Lisa, NV 59212"));
        let s = "at 500 Main St, Suite 200, Springfield, IL 62704-1234.";
        assert_eq!(find(s), Some("500 Main St, Suite 200, Springfield, IL 62704-1234"));
        let s = "at 77 Elm Rd #4 Portland, Oregon 97201";
        assert_eq!(find(s), Some("77 Elm Rd #4 Portland, Oregon 97201"));
        let s = "at 74675 April Via, East David, South Carolina 85981-3412.";
        assert_eq!(find(s), Some("74675 April Via, East David, South Carolina 85981-3412"));
        assert_eq!(find("to 1774 West Square Suite 965 ok"), Some("1774 West Square Suite 965"));
        assert_eq!(
            find("to 709 Amanda Green\nKristenview, ME 33642"),
            Some("709 Amanda Green\nKristenview, ME 33642")
        );
    }

    #[test]
    fn units_before_the_street() {
        let from = |s: &'static str, n: &str| {
            detect(s.as_bytes(), s.find(n).unwrap_or(0)).map(|(a, b)| &s[a..b])
        };
        let s = "to Flat 43 57 Jackson Plaza now";
        assert_eq!(from(s, "57"), Some("Flat 43 57 Jackson Plaza"));
        let s = "Flat 16J\nPaula Forges\nEast Terry\nS7 1UD";
        assert_eq!(find(s), Some(s));
        let s = "Suite 134 529 Gary Anchorage\nTyronefurt, ACT, 9615";
        assert_eq!(from(s, "529"), Some(s));
    }

    #[test]
    fn not_streets() {
        for s in [
            "I bought 2 apples first",
            "Top 10 best practices",
            "Chapter 3 the court",
            "We need 5 drivers",
            "Order 12345 shipped",
            "I have 3 Cats",
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }

    #[test]
    fn military() {
        let s = "PSC 1234, Box 5678\nAPO AE 12345";
        assert_eq!(detect_military(s.as_bytes(), 0).map(|(a, b)| &s[a..b]), Some(s));
        let s = "USNS Smith\nFPO AP 45678 ok";
        assert_eq!(
            detect_military(s.as_bytes(), 0).map(|(a, b)| &s[a..b]),
            Some("USNS Smith\nFPO AP 45678")
        );
    }
}
