//! The head of a postal block, written before the line the readers start at: units on the
//! same line ("Flat 43 57 Jackson Plaza", "Unit 5B, 123 Ayala Avenue", "Building 7, Floor 2\n…")
//! and whole lines above it — a unit line ("Flat 3\n12 High Street", "Apt 4B\n77 …"), a
//! `c/o` line ("c/o Acme Ltd\n5 Market Square") and a building name ("Rosebank House\n14 …").
//!
//! Everything is read backwards from the block's start, at most [`LINES`] lines and never more
//! than the window the pass gives the detector.

use super::words::{BUILDINGS, listed};
use crate::detect::address_words::contains;
use crate::text::{Key, before, is_word, keys};

/// How many lines above the block may belong to it.
const LINES: usize = 2;

/// Unit words that may stand before an address line (sorted keys).
const UNITS_BEFORE: &[Key] = &keys([
    "APARTMENT",
    "APT",
    "BLDG",
    "BLOCK",
    "BUILDING",
    "FLAT",
    "FLOOR",
    "HOUSE",
    "LEVEL",
    "LOT",
    "OFFICE",
    "PLOT",
    "ROOM",
    "SHOP",
    "STUDIO",
    "SUITE",
    "UNIT",
]);

/// The start of the block whose first reading starts at `s`: `s` moved back over units and
/// head lines.
pub(super) fn start(b: &[u8], s: usize) -> usize {
    let mut s = s;
    for _ in 0..2 {
        match unit_before(b, s) {
            Some(u) => s = u,
            None => break,
        }
    }
    for _ in 0..LINES {
        match line_before(b, s) {
            Some(l) => s = l,
            None => break,
        }
    }
    s
}

/// The word ending right before `e` (after one blank, a line break or `, `; a dot after it
/// allowed): its start and end.
fn word_before(b: &[u8], e: usize) -> Option<(usize, usize)> {
    let e = e.checked_sub(1).filter(|&e| matches!(b[e], b' ' | b'\n'))?;
    let e = e - usize::from(before(b, e) == b',');
    let e = e - usize::from(before(b, e) == b'.');
    let mut ws = e;
    while ws > 0 && is_word(b[ws - 1]) && e - ws < 12 {
        ws -= 1;
    }
    (ws < e && !is_word(before(b, ws))).then_some((ws, e))
}

/// A unit written before `s` (the unit word and its number, or the unit word when the address
/// starts with the unit's number): the unit's start.
fn unit_before(b: &[u8], s: usize) -> Option<usize> {
    let unit =
        |ws: usize, we: usize| b[ws].is_ascii_uppercase() && contains(UNITS_BEFORE, &b[ws..we]);
    let (ws, we) = word_before(b, s)?;
    if unit(ws, we) && b[we] != b'\n' {
        return Some(ws);
    }
    let number = b[ws..we].iter().any(u8::is_ascii_digit) && we - ws <= 5;
    let (us, ue) = word_before(b, ws).filter(|_| number)?;
    (unit(us, ue) && b[ue] != b'\n').then_some(us)
}

/// The start of the line above `s` when `s` starts a line and that line is a unit line, a
/// `c/o` line or a building name.
fn line_before(b: &[u8], s: usize) -> Option<usize> {
    let mut e = s.checked_sub(1).filter(|&e| b[e] == b'\n')?;
    while e > 0 && b[e - 1] == b' ' {
        e -= 1;
    }
    let mut ls = e;
    while ls > 0 && b[ls - 1] != b'\n' && e - ls < 64 {
        ls -= 1;
    }
    if ls > 0 && b[ls - 1] != b'\n' || ls == e {
        return None;
    }
    let line = &b[ls..e];
    let start = ls + line.iter().take_while(|c| **c == b' ').count();
    let head = unit_line(b, start, e) || care_of(line) || building(line);
    head.then_some(start)
}

/// `Flat 3`, `Apt 4B`, `Suite 400`, `Building 7, Floor 2`: one or two units that fill the line
/// `b[s..e]`.
fn unit_line(b: &[u8], s: usize, e: usize) -> bool {
    let mut k = s;
    for _ in 0..2 {
        let we = crate::text::word_end(b, k);
        if we == k || !b[k].is_ascii_uppercase() || !contains(UNITS_BEFORE, &b[k..we]) {
            return false;
        }
        let v = we + usize::from(b[we] == b'.');
        let v = v + usize::from(b[v] == b' ');
        let ve = crate::text::word_end(b, v);
        let value = ve > v && ve - v <= 6 && b[v..ve].iter().any(u8::is_ascii_digit)
            || ve == v + 1 && b[v].is_ascii_uppercase();
        if !value {
            return false;
        }
        if ve == e {
            return true;
        }
        k = ve + usize::from(b[ve] == b',');
        if b[k] != b' ' {
            return false;
        }
        k += 1;
    }
    false
}

/// `c/o Acme Ltd`, `C/O Jane Doe`, `Attn: Sales`.
fn care_of(line: &[u8]) -> bool {
    let l = line.trim_ascii_start();
    l.len() > 5 && (l[..4].eq_ignore_ascii_case(b"c/o ") || l[..5].eq_ignore_ascii_case(b"attn:"))
}

/// `Rosebank House`, `Sunnyside Cottage`, `Tower B, Canary Wharf`: capitalised words, one of
/// them a building word, nothing else.
fn building(line: &[u8]) -> bool {
    let words = || line.split(|c| matches!(c, b' ' | b',')).filter(|w| !w.is_empty());
    let n = words().count();
    (1..=5).contains(&n)
        && line.len() <= 48
        && words().all(|w| w[0].is_ascii_uppercase() || w[0] >= 0xC3 || w.len() == 1)
        && words().any(|w| listed(&BUILDINGS, w))
}

#[cfg(test)]
mod tests {
    use super::start;

    fn head<'a>(s: &'a str, from: &str) -> &'a str {
        let i = s.find(from).unwrap_or(0);
        &s[start(s.as_bytes(), i)..]
    }

    #[test]
    fn units_and_head_lines() {
        assert_eq!(head("to Flat 43 57 Jackson Plaza", "57"), "Flat 43 57 Jackson Plaza");
        assert_eq!(head("Unit 5B, 123 Ayala Avenue", "123"), "Unit 5B, 123 Ayala Avenue");
        let s = "Building 7, Floor 2\n10 Tuas Avenue";
        assert_eq!(head(s, "10"), s);
        assert_eq!(head("Ship to:\nFlat 3\n12 High St", "12"), "Flat 3\n12 High St");
        assert_eq!(head("x\nc/o Acme Ltd\n5 Market Sq", "5"), "c/o Acme Ltd\n5 Market Sq");
        assert_eq!(head("Address:\nRosebank House\n14 Lane", "14"), "Rosebank House\n14 Lane");
        assert_eq!(head("Apt 4B\n77 Massachusetts Ave", "77"), "Apt 4B\n77 Massachusetts Ave");
    }

    #[test]
    fn other_lines_stay_out() {
        assert_eq!(head("Hello John\n12 High St", "12"), "12 High St");
        assert_eq!(head("Jane Doe\n12 High St", "12"), "12 High St");
        assert_eq!(head("We have 3 rooms\n12 High St", "12"), "12 High St");
        assert_eq!(head("Room\n12 High St", "12"), "12 High St");
    }
}
