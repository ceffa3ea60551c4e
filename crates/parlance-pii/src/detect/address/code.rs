//! Postal blocks found from a lettered postcode (British `SW1A 2AA`, Canadian `H3A 1H6`, Irish
//! `D02 X285`), which the readers starting at a house number or street-type word cannot reach:
//!
//! - after a postcode cue ("my postcode is NW1 6XE", "Eircode: D02 X285") it is a `ZIP_CODE`;
//! - after a city on its line ("London SW1A 2AA", "Toronto ON M5H 2N2") or below a city line
//!   ("Cheltenham\nGL54 2HS") it ends a `STREET_ADDRESS`, which reaches back over the lines
//!   above that belong to the block (street, locality, building name, unit, `c/o`) and on over
//!   a country — so a block longer than one reader's reach is also found from its tail, and
//!   `resolve` merges the two.

use super::tail::{block_lines, british, canadian, city, indent_end, irish, region_country};
use super::words::{BUILDINGS, PARTICLES, TYPES, has_ending, listed};
use crate::detect::address_words::{SUFFIX_KEYS, UNIT_KEYS, contains};
use crate::text::{Key, before, is_word, keys, word_end};

/// How many lines above the postcode's city line a block may reach.
const LINES_ABOVE: usize = 4;

/// What a postcode at the dispatch position turned out to be.
pub(crate) enum Found {
    /// A postcode alone after a cue.
    Zip(usize, usize),
    /// A postal block that ends with the postcode (and perhaps a country).
    Address(usize, usize),
}

/// Whether the word `w` may open a lettered postcode: two to four bytes, a capital first and a
/// digit second or third (`SW1A`, `M5H`, `D02`, `EH1`).
#[inline]
pub(crate) fn may_start(w: &[u8]) -> bool {
    (2..=4).contains(&w.len())
        && w[0].is_ascii_uppercase()
        && (w[1].is_ascii_digit() || w.len() > 2 && w[2].is_ascii_digit())
}

/// Zip-code cues before a postcode alone (sorted keys).
const CUES: &[Key] = &keys(["eircode", "post", "postal", "postcode", "zip", "zipcode"]);

/// The postcode at `i` and what it belongs to, if anything.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<Found> {
    if is_word(before(b, i)) {
        return None;
    }
    let pe = strict(b, i)?;
    if crate::text::cue_before(b, i, 4, CUES) {
        return Some(Found::Zip(i, pe));
    }
    let city_start = city_before(b, i).or_else(|| city_line_above(b, i))?;
    let start = super::head::start(b, lines_above(b, city_start));
    Some(Found::Address(start, block_lines(b, region_country(b, pe))))
}

/// A British, Canadian or Irish postcode at `j` whose letters are all ones the post uses
/// (British inward codes never use C, I, K, M, O, V): its end.
fn strict(b: &[u8], j: usize) -> Option<usize> {
    let mut k = j;
    while k < j + 2 && b.get(k).is_some_and(u8::is_ascii_uppercase) {
        k += 1;
    }
    if let Some(e) = british(b, j, k) {
        let inward_ok = !b[e - 2..e].iter().any(|c| b"CIKMOV".contains(c));
        return inward_ok.then_some(e);
    }
    canadian(b, j).or_else(|| irish(b, j))
}

/// The start of a city right before the postcode at `i` on its line (`London SW1A 2AA`,
/// `Oxford, OX1 3AA`, `Toronto ON M5H 2N2`).
fn city_before(b: &[u8], i: usize) -> Option<usize> {
    let mut e = i.checked_sub(1).filter(|&e| b[e] == b' ')?;
    e -= usize::from(before(b, e) == b',');
    // a region code between: "ON", "NSW", "QLD"
    let ws = word_start(b, e);
    let region = (2..=3).contains(&(e - ws)) && b[ws..e].iter().all(u8::is_ascii_uppercase);
    if region && before(b, ws) == b' ' {
        e = ws - 1 - usize::from(before(b, ws - 1) == b',');
    }
    let city_end = e;
    let mut start = None;
    for _ in 0..3 {
        let ws = word_start(b, e);
        if ws == e || crate::detect::person::upper_len(b, ws).is_none() {
            break;
        }
        start = Some(ws);
        if ws == 0 || !matches!(b[ws - 1], b' ' | b'-') {
            break;
        }
        e = ws - 1;
    }
    let s = start?;
    let ce = city(b, s)?;
    let first = &b[s..word_end(b, s)];
    (ce >= city_end && ce < i && !contains(NOT_CITIES, first)).then_some(s)
}

/// Capitalised words that open a sentence, not a city ("The MP3 4GB model", "Buy …").
const NOT_CITIES: &[Key] = &keys([
    "A", "AN", "AND", "BUY", "FOR", "GET", "HER", "HIS", "ITS", "MY", "OR", "OUR", "THAT", "THE",
    "THEIR", "THESE", "THIS", "THOSE", "WITH", "YOUR",
]);

/// The start of the word ending at `e`.
fn word_start(b: &[u8], e: usize) -> usize {
    let mut s = e;
    while s > 0 && is_word(b[s - 1]) && e - s < 32 {
        s -= 1;
    }
    s
}

/// The start of a city line right above the postcode at `i`, when the postcode opens its line
/// ("Cheltenham\nGL54 2HS").
fn city_line_above(b: &[u8], i: usize) -> Option<usize> {
    let ls = line_start(b, i);
    if indent_end(b, ls) != i || ls == 0 {
        return None;
    }
    let above = line_start(b, ls - 1);
    let s = indent_end(b, above);
    let ce = city(b, s)?;
    let ce = region_country(b, ce);
    (ce == ls - 1).then_some(s)
}

/// The start of the line `i` is on.
fn line_start(b: &[u8], i: usize) -> usize {
    let mut s = i;
    while s > 0 && b[s - 1] != b'\n' {
        s -= 1;
    }
    s
}

/// The start of the block above the line at `s`: the highest of up to [`LINES_ABOVE`] address
/// lines that names a street, a building or a unit (lines of place names may stand between).
fn lines_above(b: &[u8], s: usize) -> usize {
    let mut start = s;
    let mut ls = s;
    for _ in 0..LINES_ABOVE {
        if ls == 0 || b[ls - 1] != b'\n' {
            break;
        }
        let above = line_start(b, ls - 1);
        let line = &b[above..ls - 1];
        match address_line(line) {
            Some(true) => start = above + line.iter().take_while(|c| **c == b' ').count(),
            Some(false) => {}
            None => break,
        }
        ls = above;
    }
    start
}

/// Whether `line` is an address line (`Some`), and whether it names a street, building or
/// unit (`Some(true)`) rather than only places: words capitalised, numbers, particles, unit
/// and street words; nothing that reads like a sentence or a label.
fn address_line(line: &[u8]) -> Option<bool> {
    if line.is_empty() || line.len() > 64 || line.ends_with(b":") {
        return None;
    }
    let (mut strong, mut caps) = (false, 0);
    let mut k = 0;
    while k < line.len() {
        let we = word_end(line, k);
        if we == k {
            if !matches!(line[k], b' ' | b',' | b'.' | b'-' | b'/' | b'#' | b'\'' | b'\t') {
                return None;
            }
            k += 1;
            continue;
        }
        let w = &line[k..we];
        let cap = crate::detect::person::upper_len(line, k).is_some();
        let street = listed(&TYPES, w)
            || contains(&SUFFIX_KEYS, w)
            || contains(&UNIT_KEYS, w)
            || listed(&BUILDINGS, w)
            || cap && has_ending(w);
        let number = w[0].is_ascii_digit() && w.len() <= 6;
        if !(cap || number || street || listed(&PARTICLES, w) || w.eq_ignore_ascii_case(b"c")) {
            return None;
        }
        strong |= number || street && (cap || w.len() <= 4);
        caps += usize::from(cap);
        k = we;
    }
    (caps > 0).then_some(strong)
}

#[cfg(test)]
mod tests {
    use super::{Found, detect};

    fn find<'a>(s: &'a str, code: &str) -> Option<(bool, &'a str)> {
        let i = s.find(code)?;
        match detect(s.as_bytes(), i)? {
            Found::Zip(a, e) => Some((false, &s[a..e])),
            Found::Address(a, e) => Some((true, &s[a..e])),
        }
    }

    #[test]
    fn postcodes_after_a_cue() {
        assert_eq!(find("my postcode is NW1 6XE.", "NW1"), Some((false, "NW1 6XE")));
        assert_eq!(find("Post code: EH1 1YZ", "EH1"), Some((false, "EH1 1YZ")));
        assert_eq!(find("The postal code is H3A 1H6.", "H3A"), Some((false, "H3A 1H6")));
        assert_eq!(find("Our Eircode is D02 X285, ok", "D02"), Some((false, "D02 X285")));
    }

    #[test]
    fn blocks_ending_with_a_postcode() {
        assert_eq!(find("based in London SW1A 2AA now", "SW1A"), Some((true, "London SW1A 2AA")));
        let s = "Suite 400, 123 Main Street\nToronto ON M5H 2N2\nCanada";
        assert_eq!(find(s, "M5H"), Some((true, s)));
        let s = "Sunnyside Cottage\nMill Lane\nLower Slaughter\nCheltenham\nGL54 2HS";
        assert_eq!(find(s, "GL54"), Some((true, s)));
        let s = "Dear Ann,\nJohn Smith\nLondon\nSW1A 2AA\nUnited Kingdom";
        assert_eq!(find(s, "SW1A"), Some((true, "London\nSW1A 2AA\nUnited Kingdom")));
    }

    #[test]
    fn not_postcodes() {
        assert_eq!(find("Order A12 3BC was late", "A12"), None);
        assert_eq!(find("the MP3 4GB model", "MP3"), None);
        assert_eq!(find("get SW1A 2AA soon", "SW1A"), None);
    }
}
