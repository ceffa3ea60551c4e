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

use super::tail::{block_lines, places, postal_tail, unit};
use super::words::{CUES, PARTICLES, TYPES, has_ending, listed};
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
    if crate::text::glued_before(b, i) && !matches!(before(b, i), b' ' | b'#')
        || before(b, i) == b':'
    {
        return None;
    }
    if in_digit_run(b, i) {
        return None; // the last group of a phone number ("+51 84 61 57 27 3, Soseaua …")
    }
    let num_end = house_number(b, i)?;
    // "Calle 44 # 75-9 Sur", "Avenida 8 N° 16": a second number after a number sign.
    let placa = placa(b, num_end);
    // "Jl. Toha No. 791", "Av. Tolima # 1-9": the street ends before the number sign.
    let anchor = number_sign_before(b, i).unwrap_or(i);
    let raw_end = num_end;
    let num_end = placa.unwrap_or_else(|| direction(b, num_end));
    // "Calle 44 # 75-9", "Ruta 5 Norte": a type word and a number alone make a street.
    let numbered = num_end > raw_end;
    // "boulevard Matthieu Jean, 34126 Delahayeboeuf": a postcode read as the house number.
    let postcode_like = num_end - i >= 4 && before(b, anchor.saturating_sub(1)) == b',';
    // Cheap shape tests first: a street word right before ("Via Roma 5", "Roma, 5") or right
    // after ("5 Via Roma", "5, rue X", "76\nChandra Ganj").
    let p = before(b, anchor.saturating_sub(1));
    let word_before = before(b, anchor) == b' '
        && (p.is_ascii_alphabetic() || p >= 0x80 || matches!(p, b'.' | b','));
    let n = at(b, num_end + usize::from(at(b, num_end) == b','));
    let word_after = matches!(n, b' ' | b'\n') && {
        let c = at(b, num_end + 1 + usize::from(at(b, num_end) == b','));
        c.is_ascii_alphabetic() || c >= 0xC3
    };
    if !word_before && !word_after {
        return None;
    }
    let before_street = word_before.then(|| street_before(b, anchor, numbered)).flatten();
    // "P.O. Box 85228" is a PO box (`pobox.rs`); "PO Box 271\nCarrollburgh 8644", with its
    // postal tail, is an address.
    let boxed = anchor >= 4 && b[anchor - 4..anchor - 1].eq_ignore_ascii_case(b"box");
    if let Some((start, _)) = before_street.filter(|_| boxed) {
        return finish(b, num_end, false).map(|end| (start, end));
    }
    if let Some((start, marked)) = before_street {
        let words = b[start..anchor].split(|c| *c == b' ').filter(|w| !w.is_empty()).count();
        let strong = words >= 2
            || b[start..anchor].iter().any(|c| *c >= 0x80)
            || one_word_street(b, start, anchor, num_end);
        // "Ann Lee, 12 Oak St": a comma before the number needs a marked street, not a cue.
        let comma = before(b, anchor.saturating_sub(1)) == b',';
        let cued = marked || placa.is_some() || strong && !comma && address_cue(b, start);
        // "Customer Leena Pai, 892 King Umgwaqo, …": before a comma, an unmarked street is
        // more likely a name; the street after the number is read instead.
        let found = if comma && !marked { None } else { finish(b, num_end, cued) };
        if let Some(end) = found {
            let city = (postcode_like && end == num_end && at(b, end) == b' ')
                .then(|| super::tail::city(b, end + 1))
                .flatten();
            return Some((start, city.map_or(end, |c| places(b, c))));
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
    // "No. 18 Jianguo Road": the number sign belongs to the address.
    finish(b, street_end, marked || caps >= 2 && address_cue(b, i)).map(|end| (anchor, end))
}

/// "Vinogradska 7b/7", "Ahoj 892,": one capitalised word that is not an English word before a
/// number that has a letter or a slash or ends the clause (with an address cue, the caller
/// checks).
fn one_word_street(b: &[u8], start: usize, anchor: usize, num_end: usize) -> bool {
    let w = &b[start..anchor - 1];
    let num = &b[anchor..num_end];
    let shaped = num.iter().any(|c| !c.is_ascii_digit())
        || matches!(at(b, num_end), b',' | b'.' | b'\n' | 0) && !is_word(at(b, num_end + 1));
    shaped
        && w.iter().all(|c| c.is_ascii_alphabetic() || *c >= 0x80)
        && !crate::names::shared().is_common_word(w)
}

/// Whether one of the three words before `start`, within the clause, says an address follows.
fn address_cue(b: &[u8], start: usize) -> bool {
    crate::text::any_word_in_clause_before(b, start, 3, |w| listed(&CUES, w))
}

/// After the street and number ending at `e`: the unit, postal tail and further block lines.
/// `None` when the street had no type word and no postcode follows.
fn finish(b: &[u8], e: usize, marked: bool) -> Option<usize> {
    let e = neighbourhood(b, e).unwrap_or(e);
    let unit_end = unit(b, e);
    let e = unit_end.unwrap_or(e);
    // "Turjaška 1 Apt. 532 Portorož Slovenia": a unit, a city and a country, no postcode.
    if let Some(end) = unit_end.and_then(|u| city_country(b, u)) {
        return Some(end);
    }
    // "utca 125.\nH-1669 …": a dot after the number before the line break belongs to it.
    let dotted = at(b, e) == b'.' && matches!(at(b, e + 1), b'\n' | b' ' | b',');
    let tail = postal_tail(b, e)
        .or_else(|| dotted.then(|| postal_tail(b, e + 1)).flatten())
        .or_else(|| district(b, e));
    // "Cerrada Méndez 937 196, …": an interior number after the house number (Mexico).
    let interior = || interior(b, e).map(|k| unit(b, k).unwrap_or(k));
    let (e, tail) = match tail {
        None => match interior() {
            Some(k) => (k, postal_tail(b, k)),
            None => (e, None),
        },
        t => (e, t),
    };
    match tail {
        Some(end) => Some(block_lines(b, places(b, end))),
        None if marked => Some(block_lines(b, places(b, e))),
        None => None,
    }
}

/// `, Chiyoda-ku\nTokyo 100-0005`: a district part, then the postal tail on the next line.
fn district(b: &[u8], e: usize) -> Option<usize> {
    if !(at(b, e) == b',' && at(b, e + 1) == b' ') {
        return None;
    }
    let d = super::tail::city(b, e + 2)?;
    let next_line = matches!(at(b, d), b'\n' | b'\r') || at(b, d) == b',' && at(b, d + 1) == b'\n';
    next_line.then(|| postal_tail(b, d)).flatten()
}

/// ` - Bela Vista` after the number (a Brazilian neighbourhood, ending its line or clause):
/// the new end.
fn neighbourhood(b: &[u8], e: usize) -> Option<usize> {
    if !b[e.min(b.len())..].starts_with(b" - ") {
        return None;
    }
    let n = super::tail::city(b, e + 3)?;
    matches!(at(b, n), b'\n' | b'\r' | b',' | 0).then_some(n)
}

/// A city and a country after the address ending at `e` (` Portorož Slovenia`, `, Lyon,
/// France`): the end of the country.
fn city_country(b: &[u8], e: usize) -> Option<usize> {
    let j = super::tail::separator(b, e)?;
    let ce = super::tail::city(b, j)?;
    let end = super::tail::country_after(b, ce);
    (end > ce).then_some(end)
}

/// ` 479` after a house number ending at `e`: a bare number of one to four digits that ends
/// the clause or is followed by the postal tail.
fn interior(b: &[u8], e: usize) -> Option<usize> {
    if at(b, e) != b' ' {
        return None;
    }
    let k = digits_end(b, e + 1);
    let n = k - e - 1;
    let ends = matches!(at(b, k), b',' | b'\n' | 0) || at(b, k) == b' ' && capital(b, k + 1);
    ((1..=4).contains(&n) && ends).then_some(k)
}

/// `91`, `7b`, `26-83`, `6/3`, `7b/7`, `125.` (Hungarian), `31C`, `7ª`: at most five digits.
fn house_number(b: &[u8], i: usize) -> Option<usize> {
    let mut e = digits_end(b, i);
    if e - i > 5 || e == i {
        return None;
    }
    if at(b, e).is_ascii_alphabetic() && !is_word(at(b, e + 1)) {
        e += 1;
    } else if ordinal_sign(b, e) {
        e += 2;
    }
    // "26-83", "6/3", "45/3/12" (Austria), "1-2-3" (Japan): a third group only when all three
    // are short ("0-86325-280-X" is an ISBN).
    for group in 0..2 {
        if !(matches!(at(b, e), b'-' | b'/') && at(b, e + 1).is_ascii_digit()) {
            break;
        }
        let g = digits_end(b, e + 1);
        if group == 1 && (g - e > 4 || b[i..e].split(|c| !c.is_ascii_digit()).any(|d| d.len() > 3))
        {
            break;
        }
        e = g;
        if at(b, e).is_ascii_alphabetic() && !is_word(at(b, e + 1)) {
            e += 1;
        }
    }
    // "Storgatan 5 B\n": a house letter after a blank, ending the line.
    if at(b, e) == b' '
        && at(b, e + 1).is_ascii_uppercase()
        && matches!(at(b, e + 2), b'\n' | b'\r' | b',')
    {
        e += 2;
    }
    let continues =
        matches!(at(b, e), b'.' | b',' | b':' | b'-' | b'/') && at(b, e + 1).is_ascii_digit();
    (!is_word(at(b, e)) && !continues).then_some(e)
}

/// `ª` or `º` at `e`, ending the word ("7ª", "2º").
fn ordinal_sign(b: &[u8], e: usize) -> bool {
    at(b, e) == 0xC2 && matches!(at(b, e + 1), 0xAA | 0xBA) && !is_word(at(b, e + 2))
}

/// The length of a number sign at `j` with the blank after it: `# `, `#`, `N° `, `Nº `,
/// `No. `, `Nr. `, `Nro. `, `nº `.
fn number_sign(b: &[u8], j: usize) -> Option<usize> {
    if at(b, j) == b'#' {
        return Some(1 + usize::from(at(b, j + 1) == b' '));
    }
    // "ul. Tverskaya, d. 7": the Russian and Ukrainian "dom" (house) after a comma.
    if at(b, j) == b'd' && at(b, j + 1) == b'.' && at(b, j + 2) == b' ' && before(b, j) == b' ' {
        return (before(b, j - 1) == b',').then_some(3);
    }
    if !matches!(at(b, j), b'N' | b'n') {
        return None;
    }
    let deg = at(b, j + 1) == 0xC2 && matches!(at(b, j + 2), 0xB0 | 0xBA);
    let colon = at(b, j + 1) == b'o' && at(b, j + 2) == b':'; // Turkish "No: 45"
    let len = if deg || colon || matches!(at(b, j + 1), b'o' | b'r') && at(b, j + 2) == b'.' {
        3
    } else if &b[j + 1..b.len().min(j + 4)] == b"ro." {
        4
    } else {
        return None;
    };
    (at(b, j + len) == b' ').then_some(len + 1)
}

/// The start of the number sign right before the number at `i`, if one is there.
fn number_sign_before(b: &[u8], i: usize) -> Option<usize> {
    let p = before(b, i);
    let sign_end =
        p == b'#' || p == b' ' && matches!(before(b, i - 1), b'#' | b'.' | b':' | 0xB0 | 0xBA);
    if !sign_end {
        return None;
    }
    (i.saturating_sub(5)..i).find(|&j| number_sign(b, j).is_some_and(|n| j + n == i))
}

/// After the house number ending at `e`: ` # 75-9`, ` #7D-9`, ` N° 16`, with an optional
/// ` Sur` / ` Este` / ` Norte` / ` Oeste` / ` Bis`. The new end.
fn placa(b: &[u8], e: usize) -> Option<usize> {
    if at(b, e) != b' ' {
        return None;
    }
    let k = e + 1 + number_sign(b, e + 1)?;
    Some(direction(b, house_number(b, k)?))
}

/// ` Sur`, ` Este`, ` Norte`, ` Oeste`, ` Bis` after a house number ending at `e`: the new end.
fn direction(b: &[u8], e: usize) -> usize {
    if at(b, e) != b' ' || !matches!(at(b, e + 1), b'S' | b'E' | b'N' | b'O' | b'B') {
        return e;
    }
    for w in [&b" Sur"[..], b" Este", b" Norte", b" Oeste", b" Bis"] {
        if b[e..].starts_with(w) && !is_word(at(b, e + w.len())) {
            return e + w.len();
        }
    }
    e
}

/// Whether the number at `i` is the last group of a longer digit run: two groups or a `+`
/// before it, separated by blanks, dots or dashes.
fn in_digit_run(b: &[u8], i: usize) -> bool {
    if !crate::text::continues_number(b, i) {
        return false;
    }
    let mut s = i - 1;
    while s > 0 && b[s - 1].is_ascii_digit() {
        s -= 1;
    }
    before(b, s) == b'+' || crate::text::continues_number(b, s)
}

/// Whether the word at `s` starts with a capital (ASCII, Latin-1 or Latin Extended-A).
fn capital(b: &[u8], s: usize) -> bool {
    crate::detect::person::upper_len(b, s).is_some()
}

/// The street name before the number at `i`: up to six words on the same line, capitalised or
/// particles or street-type words, joined by blanks (one comma right before the number). Returns
/// its start and whether a street-type word or ending marks it. A lone type word is a street
/// only when `bare` ("Calle 44 # 75-9"); a short number is a name right after a type word
/// ("Avenida 8 N° 16"); up to two lower-case words that are not English stand between a
/// capital and a type word ("Ady endre utca 30.", "Klesarski put 641").
fn street_before(b: &[u8], i: usize, bare: bool) -> Option<(usize, bool)> {
    let mut j = i;
    if before(b, j) != b' ' {
        return None;
    }
    j -= 1;
    if before(b, j) == b',' {
        j -= 1;
    }
    let floor = i.saturating_sub(BACK);
    let (mut start, mut marked, mut caps, mut words, mut typ_seen, mut lower) =
        (None, false, 0, 0, false, 0);
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
        let numbered = w[0].is_ascii_digit() && words == 0 && short_number(w) && {
            let p = ws.saturating_sub(1);
            let pe = p - usize::from(before(b, p) == b'.');
            let mut ps = pe;
            while ps > floor && b[ps - 1].is_ascii_alphabetic() {
                ps -= 1;
            }
            before(b, ws) == b' ' && ps < pe && listed(&TYPES, &b[ps..pe])
        };
        if w[0].is_ascii_digit() && !numbered {
            break;
        }
        // "Krležin gvozd 7c": a foreign lower-case word right before the number.
        let first_lower = words == 0 && !numbered && foreign_lower(w) && !listed(&TYPES, w);
        let cap = capital(b, ws) || numbered;
        let typ = listed(&TYPES, w);
        let mut part = !cap && !typ && listed(&PARTICLES, w);
        if !(cap || typ || part) && (typ_seen || first_lower) && lower < 2 && foreign_lower(w) {
            (part, lower) = (true, lower + 1);
        }
        if !(cap || typ || part) {
            break;
        }
        typ_seen |= typ && words == 0;
        marked |= typ && (cap || w.len() > 1) || cap && w.len() >= 6 && has_ending(w);
        caps += usize::from(cap && !typ);
        words += 1;
        if !part {
            start = Some(ws);
        }
        let prev = before(b, ws);
        // "O'Higgins": an apostrophe after a capital joins the name.
        let apostrophe = prev == b'\'' && ws >= 2 && b[ws - 2].is_ascii_uppercase();
        let joined = matches!(prev, b' ' | b'-') || prev == b'.' && cap || apostrophe;
        if ws == 0 || !joined || ws >= 2 && b[ws - 2] == b'\n' {
            break;
        }
        j = ws - 1;
        if matches!(before(b, j), b'.' | b',' | b':' | b'\n') && !dot_abbrev(b, j) {
            break;
        }
    }
    let start = start?;
    if lower > 0 && !capital(b, start) {
        return None;
    }
    let lone_type = bare && words == 1 && marked;
    let ok = (caps > 0 || marked && words > 1 || lone_type) && !sentence_word(b, start, i);
    ok.then_some((start, marked && (caps > 0 || words > 1 || lone_type)))
}

/// `8`, `75G`, `7ª`, `109`: a number that names a street after a type word.
fn short_number(w: &[u8]) -> bool {
    let d = w.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &w[d..];
    d <= 3
        && (rest.is_empty()
            || rest.len() == 1 && rest[0].is_ascii_uppercase()
            || rest == "ª".as_bytes()
            || rest == "º".as_bytes())
}

/// A lower-case word of letters that is not an English word ("endre", "jános", "put").
fn foreign_lower(w: &[u8]) -> bool {
    (3..=14).contains(&w.len())
        && (w[0].is_ascii_lowercase() || w[0] >= 0xC3)
        && w.iter().all(|c| c.is_ascii_lowercase() || *c >= 0x80)
        && !crate::names::shared().is_common_word(w)
}

/// "Cr. 8W", "Jl. Moch. Toha", "J.B. Alberdi": the dot at `j - 1` ends a street-type
/// abbreviation or a capitalised abbreviation of at most five letters, not a sentence.
fn dot_abbrev(b: &[u8], j: usize) -> bool {
    let e = j - 1;
    let mut s = e;
    while s > 0 && b[s - 1].is_ascii_alphabetic() {
        s -= 1;
    }
    e > s && (e - s <= 3 && listed(&TYPES, &b[s..e]) || e - s <= 5 && b[s].is_ascii_uppercase())
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
        // "Sejong-daero", "Chiyoda-ku": a lower-case part after a hyphen.
        let hyphened = before(b, j) == b'-' && w[0].is_ascii_lowercase();
        let cap = (capital(b, j) || hyphened) && !w.iter().any(u8::is_ascii_digit);
        let typ = listed(&TYPES, w)
            || crate::detect::address_words::contains(
                &crate::detect::address_words::SUFFIX_KEYS,
                w,
            );
        let first = end.is_none();
        if !(cap || typ || !first && listed(&PARTICLES, w)) {
            break;
        }
        marked |= typ || cap && w.len() >= 6 && has_ending(w);
        caps += usize::from(cap);
        let after = we + usize::from(at(b, we) == b'.');
        if cap || typ {
            end = Some(after);
        }
        if !matches!(at(b, after), b' ' | b'-') || !is_word(at(b, after + 1)) {
            break;
        }
        j = after + 1;
    }
    let end = end?;
    (caps > 0).then_some((end, marked))
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
    fn number_signs_and_interior_numbers() {
        assert_eq!(find("to Calle 44 # 75-9 Sur, ok"), Some("Calle 44 # 75-9 Sur"));
        assert_eq!(find("at Cl. 109 # 7D-9 Oficina 178"), Some("Cl. 109 # 7D-9 Oficina 178"));
        assert_eq!(find("at Carrera 2ª # 43-37 Este."), Some("Carrera 2ª # 43-37 Este"));
        assert_eq!(find("at Avenida 8 N° 16 ok"), Some("Avenida 8 N° 16"));
        let s = "Gg. Dr. Djunjunan No. 99 Purwokerto, Lampung 20176";
        assert_eq!(find(s), Some(s));
        let s = "Calle Norte Caldera 922 479, San Ángela de la Montaña, BC 87610-1921";
        assert_eq!(find(s), Some(s));
    }

    #[test]
    fn lower_case_words_and_cities() {
        assert_eq!(find("Office: Ady endre utca 30."), Some("Ady endre utca 30"));
        assert_eq!(find("to Klesarski put 641 now"), Some("Klesarski put 641"));
        assert_eq!(
            find("at 66, Ravel Street, Dehradun-029949."),
            Some("66, Ravel Street, Dehradun-029949")
        );
        let s = "64009 rue Geneviève, Sainte- Robitaille, NT P9C 7M3";
        assert_eq!(find(s), Some(s));
        let s = "Turjaška 1 Apt. 532 Portorož Slovenia";
        assert_eq!(find(s), Some(s));
        let s = "boulevard Paul Privet 701, 3234 Bugnon-près-Grojean";
        assert_eq!(find(s), Some(s));
    }

    #[test]
    fn british_and_irish_blocks() {
        let s = "720 Clark Drives\nEast Kelly\nWC3N 1HL";
        assert_eq!(find(s), Some(s));
        let s = "00 Carleton Street X37 3K6W Maureen Ville Ireland";
        assert_eq!(find(s), Some(s));
        let s = "43 Sophie Walk, Taylormouth, KW6N 3BB";
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
            "We moved to Berlin 2 years ago",
            "Call +51 84 61 57 27 3, Soseaua",
            "We are offering 3 plans",
            "The boxing ring 5 is closed",
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }
}
