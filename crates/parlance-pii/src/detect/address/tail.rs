//! The end of a postal address: the postcode and city in either order, a region or province,
//! a country, and the further lines of a multi-line postal block ("…\nDeva, 253029\nRomania",
//! "…\nEast Terry\nS7 1UD"). Shared by the readers that start at a house number (`intl.rs`)
//! and at a street-type word (`bare.rs`).

use super::words::{PARTICLES, UNITS, country_at, listed};
use crate::text::{at, before, digits_end, is_word, word_end};

/// Whether the word at `s` starts with a capital (ASCII, Latin-1 or Latin Extended-A).
fn capital(b: &[u8], s: usize) -> bool {
    crate::detect::person::upper_len(b, s).is_some()
}

/// After an address ending at `e`: up to three more `, Place` parts (city, region, a postcode
/// alone or with its city) and a country: "Calle Omar Mella 693, Calama, Región de Antofagasta".
pub(super) fn places(b: &[u8], e: usize) -> usize {
    let mut end = e;
    for _ in 0..3 {
        if !(at(b, end) == b',' && at(b, end + 1) == b' ') {
            break;
        }
        match place(b, end + 2) {
            Some(n) => end = n,
            None => break,
        }
    }
    region_country(b, end)
}

/// One `, `-separated part of an address: `City 8490`, `95269078 Costa do Sul / RJ`, a
/// postcode alone before a comma or the end of the line, or a city.
fn place(b: &[u8], j: usize) -> Option<usize> {
    if let Some(pe) = postcode(b, j) {
        let city_after = (at(b, pe) == b' ').then(|| city(b, pe + 1)).flatten();
        let alone = matches!(at(b, pe), b',' | b'\n' | b'.' | 0) || pe == b.len();
        return city_after.or(alone.then_some(pe));
    }
    postal_tail_line(b, j).or_else(|| city(b, j))
}

/// `, Apt. 532`, ` Piano 4`, ` Dpto. 566`, ` Local 86`, ` 2. OG`: a unit word and its number.
pub(super) fn unit(b: &[u8], e: usize) -> Option<usize> {
    let mut j = e + usize::from(at(b, e) == b' ' && at(b, e + 1) == b',');
    j += usize::from(at(b, j) == b',');
    j += usize::from(at(b, j) == b'\r' && at(b, j + 1) == b'\n');
    if !matches!(at(b, j), b' ' | b'\n') {
        return None;
    }
    j = indent_end(b, j + 1); // "Bl. 28  Sc. 38", "\n  Apt. 33"
    if let Some(f) = floor(b, j) {
        return Some(unit(b, f).unwrap_or(f));
    }

    let we = word_end(b, j);
    if we == j || !listed(&UNITS, &b[j..we]) {
        return None;
    }
    let mut k = we + usize::from(at(b, we) == b'.');
    k += usize::from(at(b, k) == b' ');
    k += usize::from(matches!(at(b, k), b'#' | b'\xc2'));
    k += usize::from(before(b, k) == b'\xc2' && at(b, k) == 0xB0);
    k += usize::from(at(b, k) == b' ');
    let ve = word_end(b, k);
    let letter = ve == k + 1 && b[k].is_ascii_uppercase();
    let ok = ve > k && ve - k <= 6 && (letter || b[k..ve].iter().any(u8::is_ascii_digit));
    ok.then(|| unit(b, ve).unwrap_or(ve))
}

/// A floor written as an ordinal at `j`: Spanish and Portuguese `3º B`, `2.º izq.`, `1ª Esq.`,
/// Danish `2. th.`, `st. tv.`: its end.
fn floor(b: &[u8], j: usize) -> Option<usize> {
    let d = digits_end(b, j);
    let mut k = if d > j && d - j <= 2 {
        d + usize::from(at(b, d) == b'.')
    } else if b[j.min(b.len())..].starts_with(b"st.") {
        j + 3
    } else {
        return None;
    };
    let ordinal = at(b, k) == 0xC2 && matches!(at(b, k + 1), 0xAA | 0xBA);
    k += if ordinal { 2 } else { 0 };
    if !ordinal && at(b, k - 1) != b'.' {
        return None;
    }
    let side = |w: &[u8]| {
        w.len() == 1 && w[0].is_ascii_uppercase()
            || matches!(
                w.to_ascii_lowercase().as_slice(),
                b"izq"
                    | b"izda"
                    | b"dcha"
                    | b"der"
                    | b"esq"
                    | b"dto"
                    | b"dta"
                    | b"th"
                    | b"tv"
                    | b"mf"
            )
    };
    let we = word_end(b, k + 1);
    if at(b, k) == b' ' && we > k + 1 && side(&b[k + 1..we]) {
        return Some(we + usize::from(at(b, we) == b'.'));
    }
    (ordinal && !is_word(at(b, k))).then_some(k)
}

/// After the street: a postcode and city in either order, on this line (after `, ` or a blank)
/// or the next, with an optional region and country. Returns the end.
pub(super) fn postal_tail(b: &[u8], e: usize) -> Option<usize> {
    let j = separator(b, e)?;
    let new_line = b[e..j].contains(&b'\n');
    let code = postcode(b, j).or_else(|| new_line.then(|| short_code(b, j)).flatten());
    if let Some(pe) = code {
        // "…Gillianville S2 0LL": a British or Irish postcode may end the address alone.
        let alone = at(b, j).is_ascii_uppercase() && !capital(b, skip_sep(b, pe).unwrap_or(pe));
        let ce = skip_sep(b, pe).and_then(|k| city(b, k)).or_else(|| next_line_city(b, pe));
        return ce.or(alone.then_some(pe)).map(|ce| region_country(b, ce));
    }
    let pe = postal_tail_line(b, j)?;
    // "…, 3234 Bugnon": a city after the postcode on the same line.
    let pe = if at(b, pe) == b' ' { city(b, pe + 1).unwrap_or(pe) } else { pe };
    Some(region_country(b, pe))
}

/// `, ` or ` ` or `\n` (blanks around it allowed) after `e`; the start of what follows.
pub(super) fn separator(b: &[u8], e: usize) -> Option<usize> {
    let mut j = e;
    let mut seen = false;
    while matches!(at(b, j), b' ' | b',' | b'\n' | b'\r' | b'\t') && j - e < 6 {
        seen = true;
        j += 1;
    }
    (seen && j < b.len() && !b[e..j].windows(2).any(|w| w == b"\n\n")).then_some(j)
}

fn skip_sep(b: &[u8], e: usize) -> Option<usize> {
    separator(b, e)
}

/// A postcode at `j`: `ddd dd`, `dd-ddd`, `dddd-ddd`, `ddddd-ddd`, `ddddd-dddd`,
/// `dddd`–`dddddddd`, `dddd AB` / `ddddAB`, `H-1669` / `D-10115` / `CH-8001`, Canadian
/// `A1A 1A1`, British `SW1A 1AA`, Irish `D02 X285`.
pub(super) fn postcode(b: &[u8], j: usize) -> Option<usize> {
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
        3 => more(b' ', 2).or_else(|| more(b'-', 4)),
        2 => more(b'-', 3),
        4 => more(b'-', 3).or_else(|| dutch_letters(b, e)).or(Some(e)),
        5 => more(b'-', 3).or_else(|| more(b'-', 4)).or(Some(e)),
        6..=8 => Some(e),
        _ => None,
    }?;
    let goes_on =
        is_word(at(b, end)) || matches!(at(b, end), b'.' | b' ') && at(b, end + 1).is_ascii_digit();
    (!goes_on).then_some(end)
}

/// `7170BM` / `7170 BM` (the Netherlands).
fn dutch_letters(b: &[u8], e: usize) -> Option<usize> {
    let k = e + usize::from(at(b, e) == b' ');
    let two = at(b, k).is_ascii_uppercase() && at(b, k + 1).is_ascii_uppercase();
    (two && !is_word(at(b, k + 2))).then_some(k + 2)
}

/// `H-1669`, `D-10115`, `CH-8001`, `L-1234`, the Canadian `A1A 1A1` / `A1A1A1`, the British
/// `SW1A 1AA` / `S7 1UD` and the Irish `D02 X285`.
fn lettered_postcode(b: &[u8], j: usize) -> Option<usize> {
    let mut k = j;
    while k < j + 2 && at(b, k).is_ascii_uppercase() {
        k += 1;
    }
    if at(b, k) == b'-' {
        let e = digits_end(b, k + 1);
        if e - k - 1 == 3 {
            return postcode(b, k + 1); // "SE-411 38"
        }
        return ((4..=5).contains(&(e - k - 1)) && !is_word(at(b, e))).then_some(e);
    }
    if let Some(e) = argentine(b, j) {
        return Some(e);
    }
    canadian(b, j).or_else(|| british(b, j, k)).or_else(|| irish(b, j))
}

/// The Argentine `C1043AAZ`: a letter, four digits, three letters.
fn argentine(b: &[u8], j: usize) -> Option<usize> {
    let digits = digits_end(b, j + 1) == j + 5;
    let letters = (j + 5..j + 8).all(|p| at(b, p).is_ascii_uppercase());
    (digits && letters && !is_word(at(b, j + 8))).then_some(j + 8)
}

/// `A1A 1A1` / `A1A1A1`.
pub(super) fn canadian(b: &[u8], j: usize) -> Option<usize> {
    let lnl = |s: usize| {
        at(b, s).is_ascii_uppercase()
            && at(b, s + 1).is_ascii_digit()
            && at(b, s + 2).is_ascii_uppercase()
    };
    let nln = |s: usize| {
        at(b, s).is_ascii_digit()
            && at(b, s + 1).is_ascii_uppercase()
            && at(b, s + 2).is_ascii_digit()
    };
    if !lnl(j) {
        return None;
    }
    let s = j + 3 + usize::from(at(b, j + 3) == b' ');
    (nln(s) && !is_word(at(b, s + 3))).then_some(s + 3)
}

/// The British outward code (one or two letters ending at `k`, a digit, an optional digit or
/// letter), a blank, and the inward code (a digit and two letters).
pub(super) fn british(b: &[u8], j: usize, k: usize) -> Option<usize> {
    if k == j || !at(b, k).is_ascii_digit() {
        return None;
    }
    let mut o = k + 1;
    o += usize::from(
        at(b, o).is_ascii_alphanumeric() && at(b, o).is_ascii_uppercase()
            || at(b, o).is_ascii_digit(),
    );
    let s = o + 1;
    let inward = at(b, o) == b' '
        && at(b, s).is_ascii_digit()
        && at(b, s + 1).is_ascii_uppercase()
        && at(b, s + 2).is_ascii_uppercase();
    (inward && !is_word(at(b, s + 3))).then_some(s + 3)
}

/// The Irish Eircode: a letter, two digits (or a digit and `W`), a blank, four letters or
/// digits with at least one digit.
pub(super) fn irish(b: &[u8], j: usize) -> Option<usize> {
    let routing =
        at(b, j + 1).is_ascii_digit() && (at(b, j + 2).is_ascii_digit() || at(b, j + 2) == b'W');
    let s = j + 3 + usize::from(at(b, j + 3) == b' ');
    let unique = (s..s + 4).all(|p| at(b, p).is_ascii_digit() || at(b, p).is_ascii_uppercase());
    (routing && unique && !is_word(at(b, s + 4))).then_some(s + 4)
}

/// A city: capitalised words (particles between them, `'s-Heer`, `Sainte-Foy`,
/// `Bugnon-près-Grojean`, `Roberge -sur-Mer`, `Sant'Andrea`, `San Omar los bajos`), optionally
/// with a parenthesised province (`(FE)`) or `/ AC`.
pub(super) fn city(b: &[u8], j: usize) -> Option<usize> {
    let mut k = j;
    k += usize::from(at(b, k) == b'\'' && at(b, k + 1) == b's' && at(b, k + 2) == b'-') * 3;
    if k >= b.len() {
        return None;
    }
    // "da Cunha de Andrade": a particle may open a city name.
    let we = word_end(b, k);
    let particle_first = listed(&PARTICLES, &b[k..we]) && at(b, we) == b' ' && capital(b, we + 1);
    if !(capital(b, k) || particle_first) {
        return None;
    }
    let (mut end, mut caps, mut after_particle, mut hyphen) = (None, 0, false, false);
    for _ in 0..10 {
        let we = word_end(b, k);
        if we == k {
            break;
        }
        if b[k..we].iter().any(u8::is_ascii_digit) {
            break; // "London NW1 6XE": the postcode is not part of the city
        }
        let cap = capital(b, k);
        let part = !cap && listed(&PARTICLES, &b[k..we]);
        // A lower-case word is part of the name after a hyphen or a particle only.
        let lower = !cap && !part && (hyphen || after_particle) && b[k].is_ascii_lowercase();
        if !(cap || part || lower) {
            break;
        }
        if k > j && country_at(&b[k..]).is_some() {
            break; // "Portorož Slovenia": the country is not part of the city
        }
        if cap || lower {
            end = Some(we);
            caps += usize::from(cap);
        }
        if caps > 6 {
            break;
        }
        after_particle = part;
        let Some((next, h)) = city_join(b, we) else { break };
        (k, hyphen) = (next, h);
    }
    let e = end?;
    Some(province(b, e).unwrap_or(e))
}

/// What joins two words of a city name after `we`: a blank, a hyphen (`-`, `--`, `- `, ` -`)
/// or an apostrophe before a capital. The next word's start and whether a hyphen joined it.
fn city_join(b: &[u8], we: usize) -> Option<(usize, bool)> {
    let (c, n) = (at(b, we), at(b, we + 1));
    let next = match (c, n) {
        (b'-', b'-') | (b'-', b' ') | (b' ', b'-') => Some((we + 2, true)),
        (b'-', _) => Some((we + 1, true)),
        (b'\'' | b'/', _) if capital(b, we + 1) => Some((we + 1, false)),
        // "Col. Crédito Constructor", "St. Albans": an abbreviation's dot.
        (b'.', b' ') if we >= 2 && capital(b, we + 2) && abbreviation(b, we) => {
            Some((we + 2, false))
        }
        (b' ', _) => Some((we + 1, false)),
        _ => None,
    }?;
    is_word(at(b, next.0)).then_some(next)
}

/// Whether the word ending at `we` is a capitalised abbreviation of two to four letters.
fn abbreviation(b: &[u8], we: usize) -> bool {
    let mut s = we;
    while s > 0 && b[s - 1].is_ascii_alphabetic() && we - s < 5 {
        s -= 1;
    }
    (2..=4).contains(&(we - s)) && b[s].is_ascii_uppercase() && !is_word(before(b, s))
}

/// ` (FE)`, ` / AC`, ` - SP` after a city, or a district number ending the line (`Praha 1`,
/// `Dublin 6W`).
fn province(b: &[u8], e: usize) -> Option<usize> {
    if at(b, e) == b' ' && at(b, e + 1).is_ascii_digit() {
        let d = digits_end(b, e + 1);
        let d = d + usize::from(at(b, d).is_ascii_uppercase());
        let ends = matches!(at(b, d), b'\n' | b',' | 0) || d == b.len();
        return (d - e <= 3 && !is_word(at(b, d)) && ends).then_some(d);
    }
    if &b[e..b.len().min(e + 3)] == b" - " && at(b, e + 3).is_ascii_uppercase() {
        let k = e + 3;
        let we = word_end(b, k);
        let code = we == k + 2 && b[k..we].iter().all(u8::is_ascii_uppercase);
        return code.then_some(we);
    }
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

/// A region code between city and postcode: `SK `, `VIC, `, `MICH `.
fn region_code(b: &[u8], k: usize) -> Option<usize> {
    let we = word_end(b, k);
    let code = (2..=4).contains(&(we - k)) && b[k..we].iter().all(u8::is_ascii_uppercase);
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
pub(super) fn country_after(b: &[u8], e: usize) -> usize {
    match separator(b, e) {
        Some(j) if j - e <= 2 || b[e..j].contains(&b'\n') => country(b, j).unwrap_or(e),
        _ => e,
    }
}

/// A country name at `j` (`Finland`, `FRANCE`), with the postcode that may follow it on its
/// line (`Finland 33100`, `Latvia, LV-1010`): the end.
pub(super) fn country(b: &[u8], j: usize) -> Option<usize> {
    let n = j + country_at(&b[j.min(b.len())..])?;
    let k = n + usize::from(at(b, n) == b',');
    let code = (at(b, k) == b' ').then(|| postcode(b, k + 1)).flatten();
    Some(code.filter(|&pe| matches!(at(b, pe), b'\n' | b'.' | b',' | b' ' | 0)).unwrap_or(n))
}

/// The end of the blanks indenting a line that starts at `j` (at most four).
pub(super) fn indent_end(b: &[u8], j: usize) -> usize {
    let mut k = j;
    while matches!(at(b, k), b' ' | b'\t') && k - j < 4 {
        k += 1;
    }
    k
}

/// After the postcode and city ending at `e`: `, Region Name` (capitalised words ending the
/// line or followed by a country) and a country name, on this line or the next.
pub(super) fn region_country(b: &[u8], e: usize) -> usize {
    let Some(j) = separator(b, e) else { return e };
    if let Some(n) = country(b, j) {
        return n;
    }
    if at(b, e) != b',' {
        return e;
    }
    let Some(re) = city(b, j) else { return e };
    let line_end = matches!(at(b, re), b'\n' | 0 | b'.') || re == b.len();
    match separator(b, re).and_then(|k| country(b, k)) {
        Some(end) => end,
        None if line_end => re,
        None => e,
    }
}

/// Further lines of a postal block after the line ending at `e`, up to four more: a postcode
/// line (`157066`), a country, a city/postcode line, a unit line (`Apto. 19`), or a city alone
/// when a postcode or country line follows it (British blocks: `East Terry\nS7 1UD`).
pub(super) fn block_lines(b: &[u8], e: usize) -> usize {
    let mut end = e;
    let line = b[..e].iter().rposition(|c| *c == b'\n').map_or(0, |n| n + 1);
    let mut after_postcode = b[line..e].iter().any(u8::is_ascii_digit);
    for _ in 0..4 {
        let Some(j) = next_line(b, end) else { break };
        if let Some(n) = country(b, j) {
            end = n;
            continue;
        }
        let line_end = |n: usize| matches!(at(b, n), b'\n' | b'\r' | 0) || n == b.len();
        let code = postcode(b, j).or_else(|| short_code(b, j));
        let next = code
            .map(|pe| city(b, pe + 1).filter(|_| at(b, pe) == b' ').unwrap_or(pe))
            .or_else(|| postal_tail_line(b, j))
            .or_else(|| unit(b, end).filter(|n| line_end(*n)))
            .or_else(|| city_line(b, j, after_postcode));
        match next.map(|n| region_country(b, n)) {
            Some(n) if line_end(n) => end = n,
            _ => break,
        }
        after_postcode = b[j..end].iter().any(u8::is_ascii_digit);
    }
    end
}

/// The start of the line after the line break at `e` (`\n` or `\r\n`), past its indent.
pub(super) fn next_line(b: &[u8], e: usize) -> Option<usize> {
    let n = e + usize::from(at(b, e) == b'\r');
    (at(b, n) == b'\n').then(|| indent_end(b, n + 1))
}

/// A three-digit postcode opening a line before its city (`101 Reykjavík`): its end.
fn short_code(b: &[u8], j: usize) -> Option<usize> {
    let e = digits_end(b, j);
    (e == j + 3 && at(b, e) == b' ' && city(b, e + 1).is_some()).then_some(e)
}

/// Whether the line at `k` is a postcode line or a country line.
fn code_or_country(b: &[u8], k: usize) -> bool {
    postcode(b, k).is_some() || country_at(&b[k.min(b.len())..]).is_some()
}

/// A city line (with `, Region`) ending at a line break: taken right after a postcode line, or
/// when the line after it (or after one more place line) is a postcode or a country.
fn city_line(b: &[u8], j: usize, after_postcode: bool) -> Option<usize> {
    let c0 = city(b, j)?;
    let ce = region_country(b, c0);
    if b[c0..ce].contains(&b'\n') {
        return Some(ce); // "Florida, Región del Biobío\nChile": the country line came with it
    }
    if !matches!(at(b, ce), b'\n' | b'\r') && ce != b.len() {
        return None;
    }
    // "Springfield\nIllinois\n62704": a region line may stand between.
    let next_is_code = next_line(b, ce).is_some_and(|k| {
        code_or_country(b, k)
            || city(b, k).and_then(|r| next_line(b, r)).is_some_and(|k| code_or_country(b, k))
    });
    // "…\nCB2 1TN\nThanks": a sign-off after the postcode is no city.
    let word = || crate::names::shared().is_common_word(&b[j..ce]);
    (next_is_code || after_postcode && !word()).then_some(ce)
}

/// A line `City, 30188`, `City 8490` or `City, Region 74813`.
fn postal_tail_line(b: &[u8], j: usize) -> Option<usize> {
    if country_at(&b[j..]).is_some() {
        return None;
    }
    let ce = city(b, j)?;
    // "Dehradun-029949": an Indian city and its PIN joined by a hyphen.
    if at(b, ce) == b'-' && digits_end(b, ce + 1) == ce + 7 && !is_word(at(b, ce + 7)) {
        return Some(ce + 7);
    }
    let k = skip_sep(b, ce).filter(|k| !b[ce..*k].contains(&b'\n'))?;
    let k = region_code(b, k).unwrap_or(k);
    if let Some(pe) = postcode(b, k) {
        return Some(pe);
    }
    // "Balikpapan, Sulawesi Utara 74813": a region between the city and the postcode.
    let re = city(b, k)?;
    postcode(b, skip_sep(b, re)?)
}
