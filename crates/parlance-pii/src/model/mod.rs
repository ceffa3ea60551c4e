//! The learned part of the `<PERSON>` detector: a logistic-regression model over hashed
//! features of a capitalised word and its neighbours ([`features`]), trained on public text
//! annotated for named entities plus generated text (`data/ner/`, `DATA.md`). It finds the
//! names no cue announces ("Hartley and Okonkwo signed the lease", "They named her Imogen")
//! and tells them from places and organisations by context.
//!
//! The weights ship in the crate (`data/person_model.bin`, 2 MiB of 16-bit integers), decoded
//! into a table once per process on first use (about a millisecond). Scoring a word reads at most
//! 46 weights, summed as its features are computed; the model only runs on capitalised words that the rule detector
//! did not already settle.

pub(crate) mod features;
pub(crate) mod memory;
#[cfg(feature = "train")]
pub mod train;

use crate::names::{Info, Names};
use crate::text::{at, before, is_word};
use features::Seen;

/// The weights as shipped: `PPM1`, the table's bit count (u32), the scale (f32), then
/// `1 << BITS` little-endian i16 weights.
static BUILTIN: &[u8] = include_bytes!("../../data/person_model.bin");

/// Bytes before the weights.
const HEADER: usize = 12;

/// The decision thresholds on the logit: a word starts a name at `start` or more; the next
/// capitalised word continues it at `cont` or more; a name the rules found is kept unless
/// every word of it scores under `veto`.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// A word starts a name at this logit or more.
    pub start: f32,
    /// The next capitalised word continues a name at this logit or more.
    pub cont: f32,
    /// A rule's name is dropped when every word of it scores under this.
    pub veto: f32,
    /// A name of one word that no name table knows needs this logit or more (a lone unknown
    /// capitalised word is as often a place or an organisation: "Samarra", "Hamas").
    pub single: f32,
}

/// The thresholds in use (chosen on the development sets, `data/ner/README.md`).
const THRESHOLDS: Thresholds = Thresholds { start: -0.4, cont: -1.25, veto: -1.5, single: 1.0 };

fn thresholds() -> Thresholds {
    #[cfg(feature = "train")]
    if let Some(t) = train::THRESHOLDS.get() {
        return *t;
    }
    THRESHOLDS
}

/// The most words of one name the model reads.
const MAX_WORDS: usize = 4;

/// The number of weights.
const SIZE: usize = 1 << features::BITS;

/// A weight table decoded for scoring: the weights (none if the shipped bytes are malformed)
/// and their scale. The array's fixed size lets a feature index, always below it, read its
/// weight without a bounds check.
struct Table {
    weights: Option<Box<[i16; SIZE]>>,
    scale: f32,
}

impl Table {
    /// Decodes `bytes` (the shipped form); an empty table (every logit −∞) if malformed.
    fn decode(bytes: &[u8]) -> Table {
        let ok = bytes.len() == HEADER + 2 * SIZE && bytes.starts_with(b"PPM1");
        if !ok {
            return Table { weights: None, scale: 0.0 };
        }
        let scale = f32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let weights: Vec<i16> =
            bytes[HEADER..].chunks_exact(2).map(|p| i16::from_le_bytes([p[0], p[1]])).collect();
        Table { weights: weights.into_boxed_slice().try_into().ok(), scale }
    }
}

/// The weight table in use, decoded once per process (2 MiB, about a millisecond).
fn weights() -> &'static Table {
    static BUILT_IN: std::sync::LazyLock<Table> =
        std::sync::LazyLock::new(|| Table::decode(BUILTIN));
    #[cfg(feature = "train")]
    if let Some(t) = train::OVERRIDE.get() {
        return t;
    }
    &BUILT_IN
}

/// Whether the model reads a word with table entry `info` at all. An English word or a known
/// non-name that is neither a given name nor a frequent surname ("Focus", "Keep", "Hi", "The")
/// is not read: the model almost never calls one a name, and most capitalised words of
/// ordinary text are such words.
/// Training reads the same words ([`train::examples`]).
pub(crate) fn worth_reading(info: Info) -> bool {
    info.is_first()
        || info.surname_rank().is_some_and(|r| r < FREQUENT_SURNAME)
        || !info.is_common() && !info.is_not_name()
}

/// Census surnames up to this rank are read even when they are English words ("Brown",
/// "Young", "King"); rarer ones that are words ("Keep", "Focus") are not.
const FREQUENT_SURNAME: u32 = 2000;

/// The model's logit that the capitalised word `b[i..end]` (table entry `info`) is (part of)
/// a person's name.
pub(crate) fn logit(b: &[u8], i: usize, end: usize, names: &Names, info: Info) -> f32 {
    if !worth_reading(info) {
        return f32::NEG_INFINITY;
    }
    any_logit(b, i, end, (names, &mut Seen::default()), info)
}

/// [`logit`] also for a word [`worth_reading`] passes over: the words after the first of a
/// name ("Ghulam Mohiuddin Lone").
fn any_logit(b: &[u8], i: usize, end: usize, lookups: (&Names, &mut Seen), info: Info) -> f32 {
    let t = weights();
    let Some(w) = &t.weights else {
        return f32::NEG_INFINITY;
    };
    let mut sum = Sum { w, sum: 0 };
    features::extract_into(b, i, end, lookups, info, &mut sum);
    sum.sum as f32 * t.scale
}

/// The weights of a word's features summed as they are computed (the same integers in
/// another order: the same logit as summing [`features::extract`]'s indices).
struct Sum<'a> {
    w: &'a [i16; SIZE],
    sum: i32,
}

impl features::Sink for Sum<'_> {
    #[inline(always)]
    fn take(&mut self, k: u32) {
        self.sum += i32::from(self.w[k as usize & (SIZE - 1)]);
    }
}

/// The end of the word at `i` as the model reads it: word bytes, and an inner `-` before a
/// letter or `'` before a capital ("Smith-Jones", "O'Brien"; not the "'s" of "Marta's").
pub(crate) fn word_end(b: &[u8], i: usize) -> usize {
    let mut j = crate::text::word_end(b, i);
    while at(b, j) == b'-' && at(b, j + 1).is_ascii_alphabetic()
        || at(b, j) == b'\'' && at(b, j + 1).is_ascii_uppercase()
    {
        j = crate::text::word_end(b, j + 1);
    }
    j
}

/// `e`, the end of a name, moved past the second half of a word an apostrophe splits
/// ("Sha'lan", "Gu'ud"): two or more lower-case letters that are no English contraction
/// ("'ll", "'re", "'ve"; "'s" is one letter). The model reads the word before the apostrophe
/// (its features are those it was trained on); the name takes the whole word.
pub(crate) fn past_inner_apostrophe(b: &[u8], e: usize) -> usize {
    if at(b, e) != b'\'' || e == 0 || !is_word(b[e - 1]) {
        return e;
    }
    let end = crate::text::word_end(b, e + 1);
    let tail = &b[e + 1..end];
    let inner = tail.len() >= 2
        && tail.iter().all(u8::is_ascii_lowercase)
        && !matches!(tail, b"ll" | b"re" | b"ve" | b"em" | b"nt");
    if inner { end } else { e }
}

/// Whether the model reads the word at `i` at all: it starts with a capital and is not the
/// tail of a code, a handle or an abbreviation ("x-Ray", "@Ann", "e.On").
pub(crate) fn eligible(b: &[u8], i: usize) -> bool {
    let p = before(b, i);
    crate::detect::person::upper_len(b, i).is_some()
        && !is_word(p)
        && !matches!(p, b'\'' | b'-' | b'.' | b'@' | b'/' | b'_' | b'#' | b'\\')
}

/// The name the model finds starting at the capitalised word at `i`, if any: that word and the
/// capitalised words that follow it (joined by one blank, or after an initial's dot) while
/// each scores as part of a name; an Arabic article glued to a surname ("Muqtada al-Sadr") and
/// initials before the first word ("A. Noel Kramer") belong to it. A title ("Dr") or a lone
/// letter is never a name by itself.
///
/// `(end, first)` is the word's end ([`word_end`]) and its table entry, looked up by the caller;
/// `around` keeps the street-and-organisation guard the rules may ask for too.
pub(crate) fn detect(
    b: &[u8],
    i: usize,
    names: &Names,
    (end, first): (usize, Info),
    around: &crate::detect::person::Around,
) -> Option<(usize, usize)> {
    let t = thresholds();
    let bin = bin_before(b, i).filter(|_| !first.is_title() && !first.is_not_name());
    if !worth_reading(first) && bin.is_none()
        || first.is_title()
        || end - i == 1 && at(b, end) != b'.'
    {
        return None;
    }
    let mut seen = Seen::default();
    seen.put(i, end, first);
    let score = any_logit(b, i, end, (names, &mut seen), first);
    let addressed = vocative(b, i, end, first);
    if score < t.start && bin.is_none() && !addressed && !sign_off(b, i, end, first)
        || after_saint(b, i)
    {
        return None;
    }
    let mut e = end;
    for _ in 1..MAX_WORDS {
        let initial = single_letter(b, e);
        let k = if at(b, e) == b' ' {
            e + 1
        } else if initial && at(b, e) == b'.' && at(b, e + 1) == b' ' {
            e + 2
        } else {
            break;
        };
        if let Some(ke) = article_surname(b, k) {
            e = ke;
            continue;
        }
        let k = past_saint_particle(b, k);
        if crate::detect::person::upper_len(b, k).is_none() {
            break;
        }
        let ke = word_end(b, k);
        let info = seen.word(names, b, k, ke);
        if info.is_title()
            || info.is_not_name()
            || any_logit(b, k, ke, (names, &mut seen), info) < t.cont
        {
            break;
        }
        e = ke;
    }
    // Initials before it ("V K Choudhry", "A. Noel") make a name of two parts, not a lone word.
    let initials = initials_before(b, i);
    let lone_unknown = e == end
        && initials == i
        && bin.is_none()
        && !addressed
        && !first.is_first()
        && first.surname_rank().is_none()
        && first.given_class() == 0;
    let mut folded = [0u8; 8];
    let place = e > end && end - i <= 8 && {
        for (d, c) in folded.iter_mut().zip(&b[i..end]) {
            *d = c.to_ascii_lowercase();
        }
        place_prefix(&folded[..end - i])
    };
    if e - i == 1
        || place
        || lone_unknown && score < t.single && !(possessive_after(b, e) && score >= t.start)
        || crate::detect::person::organisation_or_street(b, i, end, e, around)
    {
        return None;
    }
    let s = match bin {
        Some(s) => s,
        None if initials == i => given_before(b, i, names),
        None => given_before_initials(b, initials, names),
    };
    let e = past_mail_domain(b, past_inner_apostrophe(b, e));
    Some((honorific_before(b, article_before(b, s, names)), e))
}

/// The start of a given name written in lower case right before the name at `i` ("By
/// samantha Fox"), or `i`: a word of lower-case letters that is a given name and not an
/// English word.
fn given_before(b: &[u8], i: usize, names: &Names) -> usize {
    if i < 4 || b[i - 1] != b' ' {
        return i;
    }
    let mut k = i - 1;
    while k > 0 && b[k - 1].is_ascii_lowercase() {
        k -= 1;
    }
    let w = &b[k..i - 1];
    if w.len() < 3 || w.len() > 12 || k > 0 && is_word(b[k - 1]) {
        return i;
    }
    let info = names.word(w);
    let given = info.is_first() && !info.is_common() && !info.is_not_name() && !info.is_title();
    if given { k } else { i }
}

/// `e` moved past a mail system's domain glued to a name ("John Griffith@ENRON",
/// "Ann Lee@ENRON_DEVELOPMENT", the Lotus Notes form of an address: `@` and a word of capitals,
/// digits and underscores not followed by a dot), which names
/// the person as much as the name does.
pub(crate) fn past_mail_domain(b: &[u8], e: usize) -> usize {
    if at(b, e) != b'@' {
        return e;
    }
    let mut k = e + 1;
    while at(b, k).is_ascii_uppercase()
        || k > e + 1 && (at(b, k) == b'_' || at(b, k).is_ascii_digit())
    {
        k += 1;
    }
    let ok = k - e > 2 && !is_word(at(b, k)) && !matches!(at(b, k), b'.' | b'@' | b'-');
    if ok { k } else { e }
}

/// "John, sorry for the delay", "Constance,\nI was away": a given name (not an English word)
/// opening the text, a line or a sentence, followed by a comma: someone addressed.
///
/// A word no table knows is addressed too when the message goes on with an opening word
/// ("Thanks for the link. Malach, What you say makes sense.", "Sungjoo, Thanks for …").
fn vocative(b: &[u8], i: usize, end: usize, info: Info) -> bool {
    if info.is_common() || info.is_not_name() || at(b, end) != b',' {
        return false;
    }
    if !info.is_first()
        && (info.is_place()
            || info.is_title()
            || info.surname_rank().is_some()
            || !opener_after(b, end))
    {
        return false;
    }
    let mut j = i;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t' | b'"' | b'\'') {
        j -= 1;
    }
    j == 0 || matches!(b[j - 1], b'\n' | b'\r' | b'.' | b'!' | b'?')
}

/// Whether "'s" or " 's" and a word in lower case follow `e` ("Picasso 's cubism").
fn possessive_after(b: &[u8], e: usize) -> bool {
    let k = e + usize::from(at(b, e) == b' ');
    at(b, k) == b'\''
        && at(b, k + 1) == b's'
        && at(b, k + 2) == b' '
        && at(b, k + 3).is_ascii_lowercase()
}

/// Whether the comma at `c` is followed by a word that opens a message ("What", "Thanks",
/// "I", "Please", …) written with its capital.
fn opener_after(b: &[u8], c: usize) -> bool {
    let k = c + 1 + usize::from(at(b, c + 1) == b' ');
    let e = crate::text::word_end(b, k);
    matches!(
        &b[k..e],
        b"What"
            | b"Thanks"
            | b"Thank"
            | b"Please"
            | b"I"
            | b"We"
            | b"Here"
            | b"Attached"
            | b"Can"
            | b"Could"
            | b"Would"
            | b"Do"
            | b"Did"
            | b"Hope"
            | b"Just"
            | b"Let"
            | b"Sorry"
            | b"Good"
            | b"Yes"
            | b"No"
            | b"How"
            | b"Are"
            | b"Is"
            | b"As"
            | b"FYI"
            | b"Congratulations"
    )
}

/// "Will come again! Sophie.", "questions. Vladi.": a lone capitalised word after a sentence's
/// end that closes its line (or the text): a message signed. A given name that is not an
/// English word may also stand alone on its line; any other word that is not an English word,
/// a place or a title only after a sentence on the same line.
fn sign_off(b: &[u8], i: usize, end: usize, info: Info) -> bool {
    let lower_rest = b[i + 1..end].iter().all(|c| !c.is_ascii_uppercase());
    let given = info.is_first() && !info.is_common() && !info.is_not_name();
    let other = !info.is_common() && !info.is_not_name() && !info.is_place() && !info.is_title();
    if end - i < 2 || !lower_rest || !(given || other) {
        return false;
    }
    let mut e = end + usize::from(matches!(at(b, end), b'.' | b'!' | b','));
    while matches!(at(b, e), b' ' | b'\t' | b'\r') {
        e += 1;
    }
    if !(e >= b.len() || at(b, e) == b'\n') {
        return false;
    }
    let mut j = i;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j < i && j > 0 && matches!(b[j - 1], b'.' | b'!' | b'?')
        || given && (j == 0 || b[j - 1] == b'\n')
}

/// Whether the word at `i` follows "St." or "Saint" ("St. Thomas Housing", "San Diego"):
/// a place or a church far more often than a person; or a capitalised word that begins
/// place names, right before it ("West Samuel", "Lago Ranco", "Port Arthur").
fn after_saint(b: &[u8], i: usize) -> bool {
    let mut prev = [0u8; 24];
    let p = crate::text::prev_word(b, i, &mut prev);
    if matches!(p, b"st" | b"ste" | b"saint" | b"sainte" | b"san" | b"santa" | b"santo" | b"sao") {
        return true;
    }
    let s = i.saturating_sub(p.len() + 1);
    i > p.len() && b[i - 1] == b' ' && b[s].is_ascii_uppercase() && place_prefix(p)
}

/// Words that begin place names and not people's: compass points, "Lake", "Port", "Fort",
/// "Mount", and their Spanish, Portuguese and Italian forms (`w` folded to lower case).
fn place_prefix(w: &[u8]) -> bool {
    matches!(
        w,
        b"north"
            | b"south"
            | b"east"
            | b"west"
            | b"lake"
            | b"port"
            | b"fort"
            | b"mount"
            | b"lago"
            | b"nueva"
            | b"nuevo"
            | b"puerto"
            | b"porto"
            | b"villa"
            | b"sainte"
            | b"saint"
            | b"santa"
            | b"san"
    )
}

/// The end of "al-Sadr" (`al-`, `el-`, `ad-`, `as-`, `ash-`, `bin`, `ibn`, `bint` before a
/// capitalised word) at `k`, inside a name already begun.
fn article_surname(b: &[u8], k: usize) -> Option<usize> {
    let we = crate::text::word_end(b, k);
    let w = &b[k..we];
    let article = matches!(w, b"al" | b"el" | b"ad" | b"as" | b"ash" | b"an" | b"ar" | b"az");
    let glued = (article || matches!(w, b"Al" | b"El")) && at(b, we) == b'-';
    // "Ayman al - Zawahiri": the hyphen set apart, as some tokenised text writes it.
    let spaced = matches!(w, b"al" | b"Al" | b"el" | b"El") && b[we..].starts_with(b" - ");
    let apart =
        matches!(w, b"bin" | b"ibn" | b"bint" | b"ben" | b"Bin" | b"Ibn") && at(b, we) == b' ';
    let s = match () {
        _ if spaced => we + 3,
        _ if glued || apart => we + 1,
        _ => return None,
    };
    crate::detect::person::upper_len(b, s)?;
    let e = word_end(b, s);
    // "Al-Qaeda", "Al Jazeera": an organisation's article, not a surname's.
    let org =
        matches!(&b[s..e], b"Qaeda" | b"Qaida" | b"Jazeera" | b"Jazira" | b"Arabiya" | b"Aqsa");
    (!org).then_some(e)
}

/// The start of "bin " or "ibn " right before the capitalised word at `i` ("bin Laden",
/// "Bin Laden"), when that is where a name begins: the word before it is not capitalised
/// ("Recycle Bin Properties" is none).
fn bin_before(b: &[u8], i: usize) -> Option<usize> {
    if i < 4 || b[i - 1] != b' ' {
        return None;
    }
    let s = i - 4;
    let w = &b[s..i - 1];
    let lower = matches!(w, b"bin" | b"ibn");
    if !(lower || matches!(w, b"Bin" | b"Ibn")) || s > 0 && is_word(b[s - 1]) {
        return None;
    }
    let mut k = s;
    while k > 0 && matches!(b[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    let mut p = k;
    while p > 0 && is_word(b[p - 1]) {
        p -= 1;
    }
    let capitalised_before = p < k && b[p].is_ascii_uppercase();
    (lower || !capitalised_before).then_some(s)
}

/// The start of an Arabic article set apart before the name at `s` ("al - Maati", "Ayman
/// al - Zawahiri": some tokenised text writes the hyphen between blanks), with the given name
/// or other capitalised word before it, or `s`.
pub(crate) fn article_before(b: &[u8], s: usize, names: &Names) -> usize {
    // The hyphen first: one byte turns away nearly every name.
    if s < 5
        || b[s - 2] != b'-'
        || !matches!(&b[s - 5..s], b"al - " | b"Al - " | b"el - " | b"El - ")
    {
        return s;
    }
    let a = s - 5;
    if a > 0 && is_word(b[a - 1]) {
        return s;
    }
    if a < 3 || b[a - 1] != b' ' {
        return a;
    }
    let mut k = a - 1;
    while k > 0 && is_word(b[k - 1]) {
        k -= 1;
    }
    let w = &b[k..a - 1];
    let info = names.word(w);
    let name = w.len() >= 2
        && w[0].is_ascii_uppercase()
        && !info.is_common()
        && !info.is_not_name()
        && !info.is_title();
    if name { k } else { a }
}

/// The start of an honorific that belongs to the name at `s` ("Sheikh Abdel Rahman", "Mullah
/// Omar"), or `s`.
pub(crate) fn honorific_before(b: &[u8], s: usize) -> usize {
    const HONORIFICS: &[&[u8]] =
        &[b"Sheikh", b"Shaikh", b"Sheik", b"Shaykh", b"Mullah", b"Ayatollah"];
    // Every honorific ends in "h" or "k": one byte turns away nearly every name.
    if s < 2 || b[s - 1] != b' ' || !matches!(b[s - 2], b'h' | b'k') {
        return s;
    }
    for h in HONORIFICS {
        if s > h.len() {
            let k = s - 1 - h.len();
            if &b[k..s - 1] == *h && (k == 0 || !is_word(b[k - 1])) {
                return k;
            }
        }
    }
    s
}

/// The start of the capitalised word after a "St." or "St " that is a particle of a surname
/// inside a name already begun ("Carol St. Clair"), or `k`.
fn past_saint_particle(b: &[u8], k: usize) -> usize {
    let n = if b[k..].starts_with(b"St. ") {
        4
    } else if b[k..].starts_with(b"St ") {
        3
    } else {
        return k;
    };
    if crate::detect::person::upper_len(b, k + n).is_some() { k + n } else { k }
}

/// The start of a given name written right before the initials at `s` ("Tori L. Wells"), or
/// `s`.
fn given_before_initials(b: &[u8], s: usize, names: &Names) -> usize {
    if s < 3 || b[s - 1] != b' ' {
        return s;
    }
    let mut k = s - 1;
    while k > 0 && is_word(b[k - 1]) {
        k -= 1;
    }
    let w = &b[k..s - 1];
    if w.len() < 2 || !w[0].is_ascii_uppercase() || w[1..].iter().any(u8::is_ascii_uppercase) {
        return s;
    }
    let info = names.word(w);
    let given = info.is_first() && !info.is_common() && !info.is_not_name() && !info.is_title();
    if given { k } else { s }
}

/// `e` moved past the Arabic articles and surnames that follow it ("Omar" + " al-Farouq"): a
/// name found by the rules ends there too.
pub(crate) fn past_articles(b: &[u8], mut e: usize) -> usize {
    while at(b, e) == b' ' {
        match article_surname(b, e + 1) {
            Some(ke) => e = ke,
            None => break,
        }
    }
    e
}

/// The start of the initials right before `i` ("A. " of "A. Noel Kramer", "R.E. Glenn",
/// "W.H.S. Koerner", "V K Choudhry"), or `i`.
fn initials_before(b: &[u8], i: usize) -> usize {
    let mut s = i;
    loop {
        // One initial before `s`: a capital, an optional dot, one blank or none after a dot.
        let mut k = s;
        if k >= 1 && b[k - 1] == b' ' {
            k -= 1;
        } else if k != i && k >= 1 && b[k - 1] == b'.' {
            // "R.E.": the next initial is glued to this one's dot.
        } else {
            break;
        }
        let dotted = k >= 1 && b[k - 1] == b'.';
        if dotted {
            k -= 1;
        }
        let letter_start =
            k >= 1 && b[k - 1].is_ascii_uppercase() && (k == 1 || !is_word(b[k - 2]));
        if !letter_start || k >= 2 && b[k - 2] == b'.' && !dotted {
            break;
        }
        k -= 1;
        // An undotted single letter ("V K Choudhry") only right before the name, not "I" or "A".
        if !dotted && matches!(b[k], b'I' | b'A') {
            break;
        }
        s = k;
    }
    // Abbreviations of countries and unions are not initials ("in the U.S. Debra said").
    let initials = b[s..i].strip_suffix(b" ").unwrap_or(&b[s..i]);
    if matches!(initials, b"U.S." | b"U.K." | b"U.N." | b"E.U." | b"U.S.A.") { i } else { s }
}

/// Whether the model confirms a name the rules found at `b[s..e]`: some capitalised word of
/// it scores at least the veto threshold ("Applied Semantics" in a list of companies does
/// not; "Dr. Villega" does).
pub(crate) fn confirms(b: &[u8], s: usize, e: usize, names: &Names) -> bool {
    let veto = thresholds().veto;
    let mut k = s;
    while k < e {
        if is_word(b[k]) && (k == 0 || !is_word(b[k - 1])) && eligible(b, k) {
            let ke = word_end(b, k);
            if logit(b, k, ke, names, names.word(&b[k..ke])) >= veto {
                return true;
            }
            k = ke;
        } else {
            k += 1;
        }
    }
    false
}

/// `e` moved back over the words that end a rules' name of three words or more but belong to
/// what follows it, in a signature or a letterhead: an organisation ("Traci Warner Enron
/// Broadband Services, Inc.": the words before "Services") or last words that no name table
/// knows as names and that the model would not take as a name's next word ("Kevin A. Boone
/// Accenture", "Debra Perlingiere Revised Article"). Two name words always stay.
pub(crate) fn trim_tail(b: &[u8], s: usize, e: usize, names: &Names) -> usize {
    let mut ends = [0usize; 6];
    let mut n = 0;
    let mut k = s;
    while k < e && n < ends.len() {
        if upper_len_at(b, k) {
            let ke = word_end(b, k).min(e);
            if ke - k > 1 {
                ends[n] = ke;
                n += 1;
            }
            k = ke;
        } else {
            k += 1;
        }
    }
    if n < 3 {
        return e;
    }
    // The first word after the second that leads to a company word is where the name ends.
    for j in 2..n {
        if crate::detect::person::org_or_street_after(b, ends[j - 1]) {
            return ends[j - 1];
        }
    }
    // Then, from the end, each word no name table knows ("Accenture") or an English word
    // ("Debra Perlingiere Revised Article") that the model would not take as a name's next
    // word. Only plain ASCII names: an Irish "Ó" or a particle makes the last word part of a
    // surname.
    if ends[n - 1] != e || !b[s..e].is_ascii() || has_lower_word(&b[s..e]) {
        return e;
    }
    let t = thresholds();
    let mut m = n;
    while m > 2 {
        let mut k = ends[m - 1];
        while k > s && is_word(b[k - 1]) {
            k -= 1;
        }
        let info = names.word(&b[k..ends[m - 1]]);
        let no_name = !info.is_suffix()
            && !info.is_title()
            && !info.is_first()
            && info.surname_rank().is_none()
            && info.given_class() == 0;
        if !no_name || any_logit(b, k, ends[m - 1], (names, &mut Seen::default()), info) >= t.cont {
            break;
        }
        m -= 1;
    }
    ends[m - 1]
}

/// Whether a word of `w` starts with a lower-case letter (a particle: "van", "de").
fn has_lower_word(w: &[u8]) -> bool {
    w.iter().enumerate().any(|(k, c)| c.is_ascii_lowercase() && (k == 0 || w[k - 1] == b' '))
}

/// Whether a capital letter starts a word at `k`.
fn upper_len_at(b: &[u8], k: usize) -> bool {
    (k == 0 || !is_word(b[k - 1])) && crate::detect::person::upper_len(b, k).is_some()
}

/// Whether the word ending at `e` is a single capital letter ("J" of "J. Smith").
fn single_letter(b: &[u8], e: usize) -> bool {
    e >= 1 && b[e - 1].is_ascii_uppercase() && (e == 1 || !is_word(b[e - 2]))
}

#[cfg(test)]
mod tests {
    use super::{article_surname, given_before, initials_before, past_mail_domain, sign_off};

    #[test]
    fn place_words_begin_places_not_names() {
        let n = crate::names::shared();
        let found = |t: &str| {
            let i = t.find(|c: char| c.is_ascii_uppercase()).unwrap();
            let end = super::word_end(t.as_bytes(), i);
            let first = (end, n.word(&t.as_bytes()[i..end]));
            super::detect(t.as_bytes(), i, n, first, &Default::default())
        };
        assert!(super::after_saint(b"from West Samuel", 10));
        assert!(super::after_saint(b"in Lago Ranco", 8));
        assert!(!super::after_saint(b"the west Samuel", 9));
        assert!(!super::after_saint(b"Kanye West said", 6));
        assert_eq!(found("shipment from Sainte Andr\u{e9}e left"), None);
        assert!(found("then Samuel Okafor asked").is_some());
    }

    #[test]
    fn arabic_articles_honorifics_and_particles_belong_to_the_name() {
        let n = crate::names::shared();
        let t = b"the hopes of Ayman al - Zawahiri tell";
        assert_eq!(super::article_before(t, 24, n), 13);
        assert_eq!(super::article_before(b"Egyptian al - Maati", 14, n), 9);
        assert_eq!(super::article_before(b"the Maati", 4, n), 4);
        assert_eq!(article_surname(b"al - Zawahiri", 0), Some(13));
        assert_eq!(article_surname(b"Al-Sadr", 0), Some(7));
        assert_eq!(article_surname(b"Al-Qaeda", 0), None);
        assert_eq!(super::bin_before(b"look to bin Laden", 12), Some(8));
        assert_eq!(super::bin_before(b"of Bin Laden", 7), Some(3));
        assert_eq!(super::bin_before(b"the Recycle Bin Properties", 16), None);
        assert_eq!(super::honorific_before(b"blind Sheik Abdel", 12), 6);
        assert_eq!(super::honorific_before(b"are Mullah Omar", 11), 4);
        assert_eq!(super::honorific_before(b"the Omar", 4), 4);
        assert_eq!(super::past_saint_particle(b"St. Clair", 0), 4);
        assert_eq!(super::past_saint_particle(b"St Clair", 0), 3);
        assert_eq!(super::past_saint_particle(b"St. and", 0), 0);
        assert_eq!(super::given_before_initials(b"again, Tori L. Wells", 12, n), 7);
        assert_eq!(super::given_before_initials(b"again, the L. Wells", 11, n), 11);
        assert_eq!(super::past_inner_apostrophe(b"Sha'lan as", 3), 7);
        assert_eq!(super::past_inner_apostrophe(b"Chalabi's view", 7), 7);
        assert_eq!(super::past_inner_apostrophe(b"Mark'll go", 4), 4);
        assert_eq!(past_mail_domain(b"Do@ENRON_DEVELOPMENT 08/07", 2), 20);
        assert!(super::possessive_after(b"Picasso 's cubism", 7));
        assert!(super::possessive_after(b"Lavo's spread", 4));
        assert!(!super::possessive_after(b"Lavo's Spread", 4));
        assert!(super::opener_after(b"Malach, What you", 6));
        assert!(!super::opener_after(b"Paris, France", 5));
    }

    #[test]
    fn a_given_name_in_lower_case_before_a_surname() {
        let n = crate::names::shared();
        assert_eq!(given_before(b"By samantha Fox", 12, n), 3);
        assert_eq!(given_before(b"samantha Fox", 9, n), 0);
        assert_eq!(given_before(b"the Fox", 4, n), 4);
        assert_eq!(given_before(b"big Fox", 4, n), 4);
        assert_eq!(given_before(b"xsamantha-Fox", 10, n), 10);
    }

    #[test]
    fn a_message_signed_with_a_name() {
        let n = crate::names::shared();
        let signed = |t: &str, w: &str| {
            let i = t.find(w).unwrap();
            sign_off(t.as_bytes(), i, i + w.len(), n.word(w.as_bytes()))
        };
        assert!(signed("Will come again! Sophie.", "Sophie"));
        assert!(signed("Any questions. Vladi.\nHey", "Vladi"));
        assert!(signed("Thanks for all.\nSophie", "Sophie"));
        assert!(!signed("Thanks for all.\nKubernetes", "Kubernetes"));
        assert!(!signed("We flew to Lisbon.", "Lisbon"));
        assert!(!signed("It was great. Thanks.", "Thanks"));
        assert!(!signed("It was great. Sophie said so.", "Sophie"));
    }

    #[test]
    fn a_notes_domain_belongs_to_the_name() {
        assert_eq!(past_mail_domain(b"Griffith@ENRON 08/15", 8), 14);
        assert_eq!(past_mail_domain(b"Griffith@ENRON", 8), 14);
        assert_eq!(past_mail_domain(b"Griffith@enron.com", 8), 8);
        assert_eq!(past_mail_domain(b"Griffith@ENRON.COM", 8), 8);
        assert_eq!(past_mail_domain(b"Griffith@E", 8), 8);
        assert_eq!(past_mail_domain(b"Griffith said", 8), 8);
    }

    #[test]
    fn articles_and_initials_belong_to_the_name() {
        assert_eq!(article_surname(b"al-Sadr said", 0), Some(7));
        assert_eq!(article_surname(b"al-qaeda", 0), None);
        assert_eq!(article_surname(b"bin Laden", 0), Some(9));
        assert_eq!(initials_before(b"by A. Noel", 6), 3);
        assert_eq!(initials_before(b"by J. R. Tolkien", 9), 3);
        assert_eq!(initials_before(b"U.S. Noel", 5), 5);
        assert_eq!(initials_before(b"U.W. Noel", 5), 0);
        assert_eq!(initials_before(b"by R.E. Glenn", 8), 3);
        assert_eq!(initials_before(b"by W.H.S. Koerner", 10), 3);
        assert_eq!(initials_before(b"etc. V K Choudhry", 9), 5);
        assert_eq!(initials_before(b"so I Noel", 5), 5);
        assert_eq!(initials_before(b"Noel", 0), 0);
    }

    #[test]
    fn a_signature_keeps_the_name_and_leaves_the_company() {
        let n = crate::names::shared();
        let trim = |t: &str, name: &str| {
            let s = t.find(name).unwrap();
            let e = super::trim_tail(t.as_bytes(), s, s + name.len(), n);
            t[s..e].to_string()
        };
        let t = "Sincerely, Traci Warner Enron Broadband Services, Inc.";
        assert_eq!(trim(t, "Traci Warner Enron Broadband"), "Traci Warner");
        assert_eq!(
            trim("Regards, Kevin Boone Accenture -- Houston", "Kevin Boone Accenture"),
            "Kevin Boone"
        );
        // Two words always stay; known names, suffixes and Irish surnames are not cut.
        assert_eq!(trim("Regards, Kevin Accenture", "Kevin Accenture"), "Kevin Accenture");
        let t = "Thx dp Debra Perlingiere Revised Article 4.6";
        assert_eq!(trim(t, "Debra Perlingiere Revised Article"), "Debra Perlingiere");
        assert_eq!(trim("by Mary Ann Smith today", "Mary Ann Smith"), "Mary Ann Smith");
        assert_eq!(trim("Ms. Andrew Wood, PhD approved", "Andrew Wood, PhD"), "Andrew Wood, PhD");
        assert_eq!(
            trim("with Siobain \u{d3} Con\u{f3}il.", "Siobain \u{d3} Con\u{f3}il"),
            "Siobain \u{d3} Con\u{f3}il"
        );
    }

    #[test]
    fn the_shipped_weights_have_the_expected_size() {
        assert_eq!(super::BUILTIN.len(), super::HEADER + (2 << super::features::BITS));
        assert_eq!(&super::BUILTIN[..4], b"PPM1");
    }
}
