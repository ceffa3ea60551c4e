//! Streets written without a house number, found from their street-type word at `i`:
//! "Bulevardul Niță\nCluj-Napoca, 483688\nRomania", "avenue Marion, 49225 Saint-Jean",
//! "Distrito Fogaça, São João, 77668-505 Farias / SP", "Largo do Adro, S/N 1116-684 Odivelas".
//!
//! The type word is followed by one to six name words (capitalised, or particles), then either
//! a postal tail (postcode and city in either order, or a postcode alone after a comma), or —
//! right after an address cue ("Deliver to rue Pierre, ring twice") — the end of the clause. A
//! street named in passing ("a shop on Via Roma", "the Gran Vía parade") has neither and stays.
//! A street followed by a house number is left to the reader that starts at the number.

use super::tail::{block_lines, places, postal_tail, separator, unit};
use super::words::{CUES, PARTICLES, TYPE_STARTS, TYPES, listed};
use crate::text::{at, before, digits_end, is_word, word_end};

/// How far after the type word a postal block may reach (as for a house number).
const SPAN: usize = super::intl::SPAN;

/// The span of a street without a house number whose type word starts at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut limit = b.len().min(i + SPAN);
    while limit < b.len() && (0x80..0xC0).contains(&b[limit]) {
        limit -= 1; // a span must end on a char boundary
    }
    let b = &b[..limit];
    let we = word_end(b, i);
    if we - i < 2 || !TYPE_STARTS.may_start(&b[i..we]) || is_word(before(b, i)) {
        return None;
    }
    // "1600 Pennsylvania Avenue", "Amani Rua Kiprono": after a capitalised word, a type word
    // ends a street or sits inside a name.
    let after_capital = before(b, i) == b' ' && i >= 2 && {
        let mut s = i - 1;
        while s > 0 && is_word(b[s - 1]) {
            s -= 1;
        }
        s < i - 1 && capital(b, s)
    };
    if after_capital || !listed(&TYPES, &b[i..we]) {
        return None;
    }
    let name_start = we + usize::from(at(b, we) == b'.');
    let e = name(b, name_start)?;
    let e = no_number(b, e).unwrap_or(e);
    if house_number_follows(b, e) {
        return None;
    }
    let e = unit(b, e).unwrap_or(e);
    if let Some(end) = tail(b, e) {
        return Some((super::head::start(b, i), block_lines(b, places(b, end))));
    }
    if !address_cue(b, i) {
        return None;
    }
    // "ship it to Rue de Rivoli, Paris": a city ending the clause.
    if let Some(end) = super::cued::city_clause(b, e) {
        return Some((i, end));
    }
    let clause_end = !matches!(at(b, e), b' ' | b'-') && !is_word(at(b, e));
    clause_end.then_some((i, e))
}

/// Whether a word at `i` in lower case may start a street without a number: a street-type word
/// followed by a blank and a capital ("rue Pierre", "avenue Antoinette Maillet").
#[inline]
pub(crate) fn lower_start(b: &[u8], i: usize, end: usize) -> bool {
    // "chemin de Robert": a particle may come first (those in `d`: de, du, da, del, …).
    let n = at(b, end + 1);
    let next = n.is_ascii_uppercase() || n == b'd' || (0xC3..=0xC5).contains(&n);
    next && end - i >= 2
        && at(b, end) == b' '
        && TYPE_STARTS.may_start(&b[i..end])
        && (n == b'd' || capital(b, end + 1))
        && listed(&TYPES, &b[i..end])
}

/// The street name after the type word: a blank, then up to six words, capitalised or
/// particles, joined by blanks or hyphens, at least one capitalised. Its end.
fn name(b: &[u8], j: usize) -> Option<usize> {
    if at(b, j) != b' ' {
        return None;
    }
    let mut k = j + 1;
    let mut end = None;
    for _ in 0..6 {
        let we = word_end(b, k);
        if we == k || b[k..we].iter().any(u8::is_ascii_digit) {
            break;
        }
        let cap = capital(b, k);
        if !cap && !listed(&PARTICLES, &b[k..we]) {
            break;
        }
        if cap {
            end = Some(we);
        }
        if !matches!(at(b, we), b' ' | b'-') || !is_word(at(b, we + 1)) {
            break;
        }
        k = we + 1;
    }
    end
}

/// `, S/N` or ` S/N` ("sin número", "sem número") after the name ending at `e`: the new end.
fn no_number(b: &[u8], e: usize) -> Option<usize> {
    let k = e + usize::from(at(b, e) == b',');
    let s = k + 1;
    let sn = at(b, k) == b' ' && b[s.min(b.len())..].starts_with(b"S/N") && !is_word(at(b, s + 3));
    sn.then_some(s + 3)
}

/// Whether a house number (at most five digits, then no more digits) follows the name.
fn house_number_follows(b: &[u8], e: usize) -> bool {
    let k = e + usize::from(at(b, e) == b',');
    if at(b, k) != b' ' {
        return false;
    }
    let d = digits_end(b, k + 1);
    (1..=5).contains(&(d - k - 1)) && !at(b, d).is_ascii_digit() && at(b, d) != b'-'
}

/// A postal tail after the street ending at `e`, or a postcode alone after a comma
/// ("Soseaua Nistor Anina, 493090"). Its end.
fn tail(b: &[u8], e: usize) -> Option<usize> {
    if let Some(end) = postal_tail(b, e) {
        return Some(end);
    }
    let j = separator(b, e).filter(|_| at(b, e) == b',')?;
    let end = places(b, e);
    (end > e && b[j..end].iter().any(u8::is_ascii_digit)).then_some(end)
}

/// Whether the word at `s` starts with a capital (ASCII, Latin-1 or Latin Extended-A).
fn capital(b: &[u8], s: usize) -> bool {
    crate::detect::person::upper_len(b, s).is_some()
}

/// Whether one of the three words before `i`, within the clause, says an address follows.
fn address_cue(b: &[u8], i: usize) -> bool {
    crate::text::any_word_in_clause_before(b, i, 3, |w| listed(&CUES, w))
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find<'a>(s: &'a str, word: &str) -> Option<&'a str> {
        let i = s.find(word)?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn streets_without_numbers() {
        let s = "Bulevardul Niță\nCluj-Napoca, 483688\nRomania";
        assert_eq!(find(s, "Bulevardul"), Some(s));
        let s = "chemin de Robert\n57865 AubertBourg\nFrance";
        assert_eq!(find(s, "chemin"), Some(s));
        let s = "at Distrito Fogaça, São João, 77668-505 Farias / SP.";
        assert_eq!(find(s, "Distrito"), Some("Distrito Fogaça, São João, 77668-505 Farias / SP"));
        let s = "Intrarea Barbu, Apahida, 197289, tel. 039";
        assert_eq!(find(s, "Intrarea"), Some("Intrarea Barbu, Apahida, 197289"));
        let s = "I live at Largo do Adro, S/N 1116-684 Odivelas.";
        assert_eq!(find(s, "Largo"), Some("Largo do Adro, S/N 1116-684 Odivelas"));
        assert_eq!(find("Deliver to rue Pierre, ring twice.", "rue"), Some("rue Pierre"));
    }

    #[test]
    fn streets_named_in_passing() {
        for (s, w) in [
            ("a shop on Via Roma opened an office", "Via"),
            ("the Gran Vía parade is delayed", "Gran"),
            ("Via Roma 5, 00100 Roma", "Via"),
            ("We spent the Rue Augusta parade in 2024.", "Rue"),
        ] {
            assert_eq!(find(s, w), None, "{s}");
        }
    }
}
