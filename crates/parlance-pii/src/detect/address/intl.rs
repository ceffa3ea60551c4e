//! Postal addresses outside the US layout, found from the house number at `i`:
//!
//! - the street is written before the number ("ul. Saturna 91", "Via Varrone 35",
//!   "Eichendorffstr. 57", "Praça da França, 263") or after it ("8, avenue Manon Gillet",
//!   "77 Kramer Centreway");
//! - it is an address when the street has a street-type word or ending (`words.rs`), or when a
//!   postcode and a city follow (then "Okrová 77, 731 70 Lázně Kynžvart" needs no type word);
//! - the span goes on over a unit ("Apt. 532", "Piano 4", "Dpto. 566"), the postcode and city in
//!   either order (on the same line after a comma or a blank, or on the next line), a region or
//!   province, and a country name — so a multi-line postal block is one finding.
//!
//! Every read stays within [`SPAN`] bytes of `i` (the street at most [`BACK`] before it), inside
//! the window the single pass gives a detector.

use super::words::{CUES, PARTICLES, TYPES, UNITS, country_at, has_ending, listed};
use crate::text::{at, before, digits_end, is_word, word_end};

/// How far before the house number the street name may start.
pub(crate) const BACK: usize = 64;
/// How far after the house number a postal block may reach.
pub(crate) const SPAN: usize = 192;

// The streaming scrubber's bound covers what this detector reads (see `detect/mod.rs`).
const _: () =
    assert!(BACK <= crate::detect::CONTEXT_BEFORE && SPAN <= crate::detect::CONTEXT_AFTER);

/// The span of an international address whose house number starts at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut limit = b.len().min(i + SPAN);
    while limit < b.len() && (0x80..0xC0).contains(&b[limit]) {
        limit -= 1; // never cut a UTF-8 sequence: a span must end on a char boundary
    }
    let b = &b[..limit];
    if crate::text::glued_before(b, i) && before(b, i) != b' ' || before(b, i) == b':' {
        return None;
    }
    let num_end = house_number(b, i)?;
    // Cheap shape tests first: a street word right before ("Via Roma 5", "Roma, 5") or right
    // after ("5 Via Roma", "5, rue X", "76\nChandra Ganj").
    let p = before(b, i.saturating_sub(1));
    let word_before =
        before(b, i) == b' ' && (p.is_ascii_alphabetic() || p >= 0x80 || matches!(p, b'.' | b','));
    let n = at(b, num_end + usize::from(at(b, num_end) == b','));
    let word_after = matches!(n, b' ' | b'\n') && {
        let c = at(b, num_end + 1 + usize::from(at(b, num_end) == b','));
        c.is_ascii_alphabetic() || c >= 0xC3
    };
    if !word_before && !word_after {
        return None;
    }
    if let Some((start, marked)) = word_before.then(|| street_before(b, i)).flatten() {
        let words = b[start..i].split(|c| *c == b' ').filter(|w| !w.is_empty()).count();
        let strong = words >= 2 || b[start..i].iter().any(|c| *c >= 0x80);
        // "Ann Lee, 12 Oak St": a comma before the number needs a marked street, not a cue.
        let comma = before(b, i.saturating_sub(1)) == b',';
        let cued = marked || strong && !comma && address_cue(b, start);
        if let Some(end) = finish(b, num_end, cued) {
            return Some((start, end));
        }
    }
    if before(b, i) != b'\n' && i > 0 && is_word(before(b, i)) {
        return None;
    }
    if !word_after {
        return None;
    }
    let (street_end, marked) = street_after(b, num_end)?;
    let caps = b[num_end..street_end].split(|c| *c == b' ').filter(|w| capital(w, 0)).count();
    finish(b, street_end, marked || caps >= 2 && address_cue(b, i)).map(|end| (i, end))
}

/// Whether one of the three words before `start`, within the clause, says an address follows.
fn address_cue(b: &[u8], start: usize) -> bool {
    crate::text::any_word_in_clause_before(b, start, 3, |w| listed(CUES, w))
}

/// After an address ending at `e`: up to two more `, Place` parts (city, region; a postcode
/// with them) and a country: "Calle Omar Mella 693, Calama, Región de Antofagasta".
fn places(b: &[u8], e: usize) -> usize {
    let mut end = e;
    for _ in 0..2 {
        if !(at(b, end) == b',' && at(b, end + 1) == b' ') {
            break;
        }
        match postal_tail_line(b, end + 2).or_else(|| city(b, end + 2)) {
            Some(n) => end = n,
            None => break,
        }
    }
    region_country(b, end)
}

/// After the street and number ending at `e`: the unit, postal tail and further block lines.
/// `None` when the street had no type word and no postcode follows.
fn finish(b: &[u8], e: usize, marked: bool) -> Option<usize> {
    let e = unit(b, e).unwrap_or(e);
    // "utca 125.\nH-1669 …": a dot after the number before the line break belongs to it.
    let dotted = at(b, e) == b'.' && matches!(at(b, e + 1), b'\n' | b' ' | b',');
    let tail = postal_tail(b, e).or_else(|| dotted.then(|| postal_tail(b, e + 1)).flatten());
    match tail {
        Some(end) => Some(block_lines(b, places(b, end))),
        None if marked => Some(block_lines(b, places(b, e))),
        None => None,
    }
}

/// `91`, `7b`, `26-83`, `6/3`, `7b/7`, `125.` (Hungarian), `31C`: at most five digits.
fn house_number(b: &[u8], i: usize) -> Option<usize> {
    let mut e = digits_end(b, i);
    if e - i > 5 || e == i {
        return None;
    }
    if at(b, e).is_ascii_alphabetic() && !is_word(at(b, e + 1)) {
        e += 1;
    }
    if matches!(at(b, e), b'-' | b'/') && at(b, e + 1).is_ascii_digit() {
        e = digits_end(b, e + 1);
        if at(b, e).is_ascii_alphabetic() && !is_word(at(b, e + 1)) {
            e += 1;
        }
    }
    let continues =
        matches!(at(b, e), b'.' | b',' | b':' | b'-' | b'/') && at(b, e + 1).is_ascii_digit();
    (!is_word(at(b, e)) && !continues).then_some(e)
}

/// Whether the word at `s` starts with a capital (ASCII, Latin-1 or Latin Extended-A).
fn capital(b: &[u8], s: usize) -> bool {
    crate::detect::person::upper_len(b, s).is_some()
}

/// The street name before the number at `i`: up to six words on the same line, capitalised or
/// particles or street-type words, joined by blanks (one comma right before the number). Returns
/// its start and whether a street-type word or ending marks it.
fn street_before(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i;
    if before(b, j) != b' ' {
        return None;
    }
    j -= 1;
    if before(b, j) == b',' {
        j -= 1;
    }
    let floor = i.saturating_sub(BACK);
    let (mut start, mut marked, mut caps, mut words) = (None, false, 0, 0);
    while words < 6 && j > floor {
        let dot = before(b, j) == b'.';
        let we = j - usize::from(dot);
        let mut ws = we;
        while ws > floor && is_word(b[ws - 1]) {
            ws -= 1;
        }
        if ws == we || ws == floor && floor > 0 {
            break;
        }
        let w = &b[ws..we];
        if w[0].is_ascii_digit() {
            break;
        }
        let cap = capital(b, ws);
        let typ = listed(TYPES, w);
        let part = !cap && !typ && listed(PARTICLES, w);
        if !(cap || typ || part) {
            break;
        }
        marked |= typ && (cap || w.len() > 1) || cap && w.len() >= 6 && has_ending(w);
        caps += usize::from(cap && !typ);
        words += 1;
        if !part {
            start = Some(ws);
        }
        let prev = before(b, ws);
        let joined = matches!(prev, b' ' | b'-') || prev == b'.' && cap;
        if ws == 0 || !joined || ws >= 2 && b[ws - 2] == b'\n' {
            break;
        }
        j = ws - 1;
        if matches!(before(b, j), b'.' | b',' | b':' | b'\n') && !dot_abbrev(b, j) {
            break;
        }
    }
    let start = start?;
    let ok = (caps > 0 || marked && words > 1) && !sentence_word(b, start, i);
    ok.then_some((start, marked && (caps > 0 || words > 1)))
}

/// "Cr. 8W": the dot at `j - 1` ends a short abbreviation, not a sentence.
fn dot_abbrev(b: &[u8], j: usize) -> bool {
    let e = j - 1;
    let mut s = e;
    while s > 0 && b[s - 1].is_ascii_alphabetic() {
        s -= 1;
    }
    e - s <= 3 && listed(TYPES, &b[s..e])
}

/// A street found before the number that is one capitalised word at the start of a sentence
/// and unmarked ("Order 15", "Windows 11"): not a street unless a postcode follows, which the
/// caller checks; here only the obvious non-streets are refused.
fn sentence_word(b: &[u8], start: usize, i: usize) -> bool {
    let w = &b[start..i];
    let first = &w[..word_end(w, 0)];
    crate::detect::address_words::contains(NON_STREETS, first)
}

/// Capitalised words that head numbers but never streets.
const NON_STREETS: &[crate::text::Key] = &crate::text::keys([
    "ORDER",
    "VERSION",
    "CHAPTER",
    "PAGE",
    "ROOM",
    "GATE",
    "FLIGHT",
    "TICKET",
    "INVOICE",
    "ITEM",
    "STEP",
    "PART",
    "SECTION",
    "TABLE",
    "FIGURE",
    "WINDOWS",
    "IPHONE",
    "PIXEL",
    "GALAXY",
    "MODEL",
    "RELEASE",
    "BUILD",
    "NUMBER",
    "NO",
    "NR",
    "TOP",
    "PHONE",
    "TEL",
    "FAX",
    "MOBILE",
    "CALL",
    "SHIPMENT",
    "REFERENCE",
    "REF",
    "UNIT",
    "SUITE",
    "APT",
    "BOX",
    "TOTAL",
    "PRICE",
    "YEAR",
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "SEPT",
    "OCT",
    "NOV",
    "DEC",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
    "Q",
    "WEEK",
    "DAY",
    "LEVEL",
    "PLATFORM",
    "TERMINAL",
    "SEASON",
    "EPISODE",
    "VOLUME",
    "VOL",
    "ISSUE",
    "CASE",
    "ROUND",
    "GAME",
    "PHASE",
    "STAGE",
    "TIER",
]);

/// The street after the number ending at `e`: `, ` or a blank or a line break, then up to six
/// street words on one line. Returns the end and whether a street-type word or ending marks it.
fn street_after(b: &[u8], e: usize) -> Option<(usize, bool)> {
    let mut j = e + usize::from(at(b, e) == b',');
    if !matches!(at(b, j), b' ' | b'\n') {
        return None;
    }
    j += 1;
    let (mut end, mut marked, mut caps) = (None, false, 0);
    for _ in 0..6 {
        let we = word_end(b, j);
        if we == j {
            break;
        }
        let w = &b[j..we];
        if w[0].is_ascii_digit() {
            break;
        }
        let cap = capital(b, j);
        let typ = listed(TYPES, w)
            || crate::detect::address_words::contains(
                &crate::detect::address_words::SUFFIX_KEYS,
                w,
            );
        let first = end.is_none();
        if !(cap || typ || !first && listed(PARTICLES, w)) {
            break;
        }
        marked |= typ || cap && w.len() >= 6 && has_ending(w);
        caps += usize::from(cap);
        let after = we + usize::from(at(b, we) == b'.');
        if cap || typ {
            end = Some(after);
        }
        if at(b, after) != b' ' || !is_word(at(b, after + 1)) {
            break;
        }
        j = after + 1;
    }
    let end = end?;
    (caps > 0).then_some((end, marked))
}

/// `, Apt. 532`, ` Piano 4`, ` Dpto. 566`, ` Local 86`, ` 2. OG`: a unit word and its number.
fn unit(b: &[u8], e: usize) -> Option<usize> {
    let mut j = e + usize::from(at(b, e) == b' ' && at(b, e + 1) == b',');
    j += usize::from(at(b, j) == b',');
    if at(b, j) != b' ' {
        return None;
    }
    j += 1;
    let we = word_end(b, j);
    if we == j || !listed(UNITS, &b[j..we]) {
        return None;
    }
    let mut k = we + usize::from(at(b, we) == b'.');
    k += usize::from(at(b, k) == b' ');
    k += usize::from(matches!(at(b, k), b'#' | b'\xc2'));
    k += usize::from(before(b, k) == b'\xc2' && at(b, k) == 0xB0);
    k += usize::from(at(b, k) == b' ');
    let ve = word_end(b, k);
    let ok = ve > k && ve - k <= 6 && b[k..ve].iter().any(u8::is_ascii_digit);
    ok.then(|| unit(b, ve).unwrap_or(ve))
}

/// After the street: a postcode and city in either order, on this line (after `, ` or a blank)
/// or the next, with an optional region and country. Returns the end.
fn postal_tail(b: &[u8], e: usize) -> Option<usize> {
    let j = separator(b, e)?;
    if let Some(pe) = postcode(b, j) {
        let ce = city(b, skip_sep(b, pe)?).or_else(|| next_line_city(b, pe))?;
        return Some(region_country(b, ce));
    }
    let ce = city(b, j)?;
    let k = skip_sep(b, ce)?;
    let k = region_code(b, k).unwrap_or(k);
    let pe = postcode(b, k)?;
    Some(region_country(b, pe))
}

/// `, ` or ` ` or `\n` (blanks around it allowed) after `e`; the start of what follows.
fn separator(b: &[u8], e: usize) -> Option<usize> {
    let mut j = e;
    let mut seen = false;
    while matches!(at(b, j), b' ' | b',' | b'\n' | b'\t') && j - e < 4 {
        seen = true;
        j += 1;
    }
    (seen && j < b.len() && !b[e..j].windows(2).any(|w| w == b"\n\n")).then_some(j)
}

fn skip_sep(b: &[u8], e: usize) -> Option<usize> {
    separator(b, e)
}

/// A postcode at `j`: `ddd dd`, `dd-ddd`, `dddd-ddd`, `ddddd-ddd`, `dddd`–`dddddd`,
/// `dddd AB` / `ddddAB`, `H-1669` / `D-10115` / `CH-8001`, Canadian `A1A 1A1`.
fn postcode(b: &[u8], j: usize) -> Option<usize> {
    let c = at(b, j);
    if c.is_ascii_uppercase() {
        return lettered_postcode(b, j);
    }
    let e = digits_end(b, j);
    let n = e - j;
    if n == 0 {
        return None;
    }
    let more = |sep: u8, len: usize| {
        (at(b, e) == sep && digits_end(b, e + 1) == e + 1 + len).then_some(e + 1 + len)
    };
    let end = match n {
        3 => more(b' ', 2),
        2 => more(b'-', 3),
        4 => more(b'-', 3).or_else(|| dutch_letters(b, e)).or(Some(e)),
        5 => more(b'-', 3).or(Some(e)),
        6 | 8 => Some(e),
        _ => None,
    }?;
    let goes_on = is_word(at(b, end)) || at(b, end) == b'.' && at(b, end + 1).is_ascii_digit();
    (!goes_on).then_some(end)
}

/// `7170BM` / `7170 BM` (the Netherlands).
fn dutch_letters(b: &[u8], e: usize) -> Option<usize> {
    let k = e + usize::from(at(b, e) == b' ');
    let two = at(b, k).is_ascii_uppercase() && at(b, k + 1).is_ascii_uppercase();
    (two && !is_word(at(b, k + 2))).then_some(k + 2)
}

/// `H-1669`, `D-10115`, `CH-8001`, `L-1234` and the Canadian `A1A 1A1` / `A1A1A1`.
fn lettered_postcode(b: &[u8], j: usize) -> Option<usize> {
    let mut k = j;
    while k < j + 2 && at(b, k).is_ascii_uppercase() {
        k += 1;
    }
    if at(b, k) == b'-' {
        let e = digits_end(b, k + 1);
        return ((4..=5).contains(&(e - k - 1)) && !is_word(at(b, e))).then_some(e);
    }
    let canada = |s: usize| {
        at(b, s).is_ascii_uppercase()
            && at(b, s + 1).is_ascii_digit()
            && at(b, s + 2).is_ascii_uppercase()
    };
    let tail = |s: usize| {
        at(b, s).is_ascii_digit()
            && at(b, s + 1).is_ascii_uppercase()
            && at(b, s + 2).is_ascii_digit()
    };
    if !canada(j) {
        return None;
    }
    let s = j + 3 + usize::from(at(b, j + 3) == b' ');
    (tail(s) && !is_word(at(b, s + 3))).then_some(s + 3)
}

/// A city: one to four capitalised words (particles between them, `'s-Heer`, `Sainte-Foy`),
/// optionally with a parenthesised province (`(FE)`) or `/ AC`.
fn city(b: &[u8], j: usize) -> Option<usize> {
    let mut k = j;
    k += usize::from(at(b, k) == b'\'' && at(b, k + 1) == b's' && at(b, k + 2) == b'-') * 3;
    if !capital(b, k) {
        return None;
    }
    let mut end = None;
    for _ in 0..5 {
        let we = word_end(b, k);
        if we == k {
            break;
        }
        let cap = capital(b, k);
        if !cap && !listed(PARTICLES, &b[k..we]) {
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
    let e = end?;
    Some(province(b, e).unwrap_or(e))
}

/// ` (FE)`, ` / AC`, `, VIC` after a city.
fn province(b: &[u8], e: usize) -> Option<usize> {
    if at(b, e) == b' ' && at(b, e + 1) == b'(' {
        let k = e + 2;
        let we = word_end(b, k);
        return (we > k && we - k <= 3 && at(b, we) == b')').then_some(we + 1);
    }
    if &b[e..b.len().min(e + 3)] == b" / " {
        let k = e + 3;
        let we = word_end(b, k);
        return (we == k + 2 && b[k..we].iter().all(u8::is_ascii_uppercase)).then_some(we);
    }
    None
}

/// A region code between city and postcode: `SK `, `VIC, `, `MEX `.
fn region_code(b: &[u8], k: usize) -> Option<usize> {
    let we = word_end(b, k);
    let code = (2..=3).contains(&(we - k)) && b[k..we].iter().all(u8::is_ascii_uppercase);
    if !code {
        return None;
    }
    skip_sep(b, we)
}

/// A city alone on the line after a postcode line (`7170BM\n's-Heer Hendrikskinderen`).
fn next_line_city(b: &[u8], pe: usize) -> Option<usize> {
    (at(b, pe) == b'\n').then(|| city(b, pe + 1)).flatten()
}

/// A country name after the address ending at `e` (`, USA`, `\nUnited Kingdom`): the new end.
pub(crate) fn country_after(b: &[u8], e: usize) -> usize {
    match separator(b, e) {
        Some(j) if j < b.len() && j - e <= 2 => country_at(&b[j..]).map_or(e, |n| j + n),
        _ => e,
    }
}

/// After the postcode and city ending at `e`: `, Region Name` (one to three capitalised words
/// ending the line or followed by a country) and a country name, on this line or the next.
fn region_country(b: &[u8], e: usize) -> usize {
    let Some(j) = separator(b, e) else { return e };
    if let Some(n) = country_at(&b[j..]) {
        return j + n;
    }
    if at(b, e) != b',' {
        return e;
    }
    let Some(re) = city(b, j) else { return e };
    let line_end = matches!(at(b, re), b'\n' | 0 | b'.') || re == b.len();
    match separator(b, re).and_then(|k| country_at(&b[k..]).map(|n| k + n)) {
        Some(end) => end,
        None if line_end => re,
        None => e,
    }
}

/// Further lines of a postal block after the line ending at `e`: a postcode line
/// (`157066`), a country, or a city/postcode line, up to three more lines.
fn block_lines(b: &[u8], e: usize) -> usize {
    let mut end = e;
    for _ in 0..3 {
        if at(b, end) != b'\n' {
            break;
        }
        let j = end + 1;
        if let Some(n) = country_at(&b[j..]) {
            end = j + n;
            continue;
        }
        let next = postcode(b, j)
            .map(|pe| city(b, pe + 1).filter(|_| at(b, pe) == b' ').unwrap_or(pe))
            .or_else(|| postal_tail_line(b, j));
        match next {
            Some(n) if matches!(at(b, n), b'\n' | 0) || n == b.len() => end = region_country(b, n),
            _ => break,
        }
    }
    end
}

/// A line `City, 30188` or `City 8490`.
fn postal_tail_line(b: &[u8], j: usize) -> Option<usize> {
    let ce = city(b, j)?;
    let k = skip_sep(b, ce)?;
    let k = region_code(b, k).unwrap_or(k);
    postcode(b, k)
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        let i = s.find(|c: char| c.is_ascii_digit())?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn streets_with_type_words() {
        assert_eq!(find("at ul. Saturna 91 today"), Some("ul. Saturna 91"));
        assert_eq!(find("I live at Via Varrone 35."), Some("Via Varrone 35"));
        assert_eq!(find("see Eichendorffstr. 57 now"), Some("Eichendorffstr. 57"));
        assert_eq!(find("R Nossa Senhora Graça 75"), Some("R Nossa Senhora Graça 75"));
        assert_eq!(find("to Praça da França, 263"), Some("Praça da França, 263"));
        assert_eq!(find("at 8, avenue Manon Gillet"), Some("8, avenue Manon Gillet"));
        assert_eq!(find("Vangsåvej 46, 7706 Them"), Some("Vangsåvej 46, 7706 Them"));
        assert_eq!(find("to al. Mokra 33, 35-920 Ząbki now"), Some("al. Mokra 33, 35-920 Ząbki"));
    }

    #[test]
    fn postal_blocks() {
        let s = "Okrová 77\n731 70 Lázně Kynžvart\nCzech Republic";
        assert_eq!(find(s), Some(s));
        let s = "ul. Strumykowa 763\n13-500 Bydgoszcz";
        assert_eq!(find(s), Some(s));
        let s = "Viale Parisi, 171 Appartamento 47\n44019, Montesanto (FE)";
        assert_eq!(find(s), Some(s));
        let s = "Lindseysingel 6\n7170BM\n's-Heer Hendrikskinderen";
        assert_eq!(find(s), Some(s));
        let s = "Cuesta de Florinda Pino 81 Apt. 66\nTarragona, 30188";
        assert_eq!(find(s), Some(s));
        let s = "Mátraszéki utca 125.\nH-1669 Békésmártonfalva";
        assert_eq!(find(s), Some(s));
    }

    #[test]
    fn not_addresses() {
        for s in [
            "Order 12345 shipped",
            "Windows 11 is out",
            "We need 5 drivers",
            "In 2024 we",
            "Version 2 of Main",
            "Chapter 3 the court",
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }
}
