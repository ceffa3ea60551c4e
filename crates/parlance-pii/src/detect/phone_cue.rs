//! What the words around a digit run say about it being a phone number: a cue right before a
//! short number ("ring me: 24 55 61", "nobody picks up at 412 7781", "Tlf 33 12 44"), a label
//! glued to the number ("Tel.0161 …", "… 18 05-Fax"), a label after it ("412 7781 (mobile)"),
//! a contact line (one that also holds an e-mail address or starts with a label such as
//! "Contact:"), and the parts of a timestamp, which are never phones ("08:14:55.302117").

use crate::text::{Key, any_word_before, at, before, is_word, key, keys, word_end};

/// Words that say "phone" right before a short number (6–7 digits), with only [`FILLERS`]
/// between: verbs ("ring me", "buzz me on", "picks up at") and labels in the major languages
/// ("Tel.", "Tlf", "Telefon", "Teléfono", "Fone", "Handy", "Mob.", "Cel.").
const SHORT_CUES: &[Key] = &keys([
    "call",
    "ring",
    "buzz",
    "dial",
    "text",
    "txt",
    "sms",
    "whatsapp",
    "viber",
    "reach",
    "picks",
    "phone",
    "telephone",
    "tel",
    "tele",
    "tlf",
    "tfn",
    "tlph",
    "telf",
    "tfno",
    "telefon",
    "telefono",
    "telefone",
    "telefoon",
    "fone",
    "puh",
    "handy",
    "natel",
    "mob",
    "mobile",
    "mobil",
    "mobiel",
    "movil",
    "cel",
    "cell",
    "cellphone",
    "celular",
    "cellulare",
    "portable",
    "gsm",
    "landline",
    "fax",
    "ph",
    "phn",
    "contact",
    "hotline",
    "helpline",
]);

/// Labels that may be glued to a number ("Tel.0161 …", "Mob-0770 …", "… 05-Fax").
const LABELS: &[Key] = &keys([
    "tel", "tele", "tlf", "tfn", "telf", "tfno", "fax", "phone", "ph", "mob", "mobile", "mobil",
    "cell", "cel", "handy", "telefon", "telefono", "telefone", "fone", "whatsapp", "gsm", "home",
    "work", "office", "direct", "privat", "private", "fix", "fixe", "festnetz",
]);

/// Words that may stand between a cue and the number: "call *me at*", "my cell *is*",
/// "ring *me on*", "nobody picks *up at*", "mi teléfono *es*".
const FILLERS: &[Key] = &keys([
    "me",
    "us",
    "him",
    "her",
    "them",
    "at",
    "on",
    "to",
    "is",
    "s",
    "are",
    "was",
    "via",
    "under",
    "back",
    "now",
    "anytime",
    "directly",
    "please",
    "up",
    "or",
    "no",
    "nr",
    "num",
    "nbr",
    "number",
    "numbers",
    "es",
    "ist",
    "est",
    "e",
    "de",
    "da",
    "do",
    "del",
    "mi",
    "my",
    "our",
    "your",
    "his",
    "their",
    "mein",
    "meine",
    "mon",
    "ma",
    "meu",
    "minha",
    "il",
    "mio",
    "la",
    "le",
    "the",
    "only",
    "instead",
    "also",
    "just",
    "here",
    "there",
    "office",
    "desk",
    "front",
    "reception",
    "shop",
    "store",
    "team",
    "house",
    "home",
    "work",
    "clinic",
    "hotel",
    "main",
    "line",
    "switchboard",
]);

/// "my *number* is …": the word "number" (in a few languages) is a cue after a possessive.
const NUMBER_WORDS: &[Key] =
    &keys(["number", "numbers", "nummer", "numero", "no", "nr", "num", "digits", "numer"]);

/// Possessives that make a following [`NUMBER_WORDS`] word a cue ("my number", "mi número").
const POSSESSIVES: &[Key] = &keys([
    "my", "our", "your", "his", "her", "their", "mi", "su", "mein", "meine", "meiner", "mon", "ma",
    "meu", "minha", "mio", "moj", "moje", "mijn", "min", "mitt",
]);

/// Words after a number, in parentheses or after a dash, that say it is a phone:
/// "412 7781 (mobile)", "24 55 61 - home", "0161 496 0000 (after 6 pm)".
const POST: &[Key] = &keys([
    "mobile",
    "mob",
    "cell",
    "home",
    "work",
    "office",
    "fax",
    "landline",
    "whatsapp",
    "tel",
    "direct",
    "private",
    "evenings",
    "evening",
    "mornings",
    "weekdays",
    "daytime",
    "anytime",
    "after",
    "before",
    "preferred",
    "voicemail",
]);

/// Labels that open a contact line ("Contact: …", "Name: …") besides the phone cues.
const LINE_LABELS: &[Key] = &keys([
    "contact", "contacts", "kontakt", "contacto", "contato", "name", "attn", "from", "email",
    "mail", "e", "phone", "tel", "fax", "mobile", "cell", "mob", "ph", "telefon", "tlf",
]);

fn listed(list: &[Key], w: &[u8]) -> bool {
    key(w).is_some_and(|k| list.binary_search(&k).is_ok())
}

/// Whether a cue that says "phone" stands right before `i`, with at most four [`FILLERS`]
/// between, in the same line or on the line above ("Tel.:\n24 55 61"). A `solid` number (one
/// run of digits, more often a code) needs a label or a filler: "call me at 4127781", not
/// "Text 1234567".
pub(crate) fn close_cue(b: &[u8], i: usize, solid: bool) -> bool {
    let (mut found, mut after_number, mut filled) = (false, false, false);
    any_word_before(b, i, 5, |w| {
        if listed(SHORT_CUES, w) || after_number && listed(POSSESSIVES, w) {
            found = !solid || filled || listed(LABELS, w) || after_number;
            return true;
        }
        after_number = listed(NUMBER_WORDS, w);
        filled = true;
        !after_number && !listed(FILLERS, w)
    });
    found
}

/// Words after a short number that make it a quantity ("24 55 61 rows", "10 30 45 minutes").
const UNITS: &[Key] = &keys([
    "minutes",
    "minute",
    "min",
    "mins",
    "seconds",
    "second",
    "sec",
    "secs",
    "hours",
    "hour",
    "hrs",
    "days",
    "weeks",
    "months",
    "years",
    "ms",
    "rows",
    "users",
    "words",
    "copies",
    "items",
    "times",
    "people",
    "persons",
    "units",
    "pages",
    "mb",
    "gb",
    "kb",
    "tb",
    "kg",
    "g",
    "km",
    "m",
    "cm",
    "mm",
    "bps",
    "kbps",
    "points",
    "votes",
    "views",
    "downloads",
    "likes",
    "per",
    "percent",
    "euros",
    "eur",
    "usd",
    "dollars",
    "chf",
    "gbp",
    "pounds",
    "yen",
    "rupees",
    "steps",
]);

/// Whether a unit follows the number ending at `end` ("… 61 rows", "… 45 minutes past").
pub(crate) fn counted(b: &[u8], end: usize) -> bool {
    let j = end + usize::from(at(b, end) == b' ');
    is_word(at(b, j)) && listed(UNITS, &b[j..word_end(b, j)])
}

/// Whether a phone label is glued before the number at `i` ("Tel.0161", "Mob-0770", "Fax/…").
pub(crate) fn label_before(b: &[u8], i: usize) -> bool {
    if !matches!(before(b, i), b'.' | b'-' | b'/' | b':') || i < 2 || !is_word(b[i - 2]) {
        return false;
    }
    let mut s = i - 1;
    while s > 0 && is_word(b[s - 1]) {
        s -= 1;
    }
    listed(LABELS, &b[s..i - 1])
}

/// Whether a phone label is glued after the number ending at `end` ("… 18 05-Fax", "…/Tel").
pub(crate) fn label_after(b: &[u8], end: usize) -> bool {
    matches!(at(b, end), b'-' | b'/')
        && is_word(at(b, end + 1))
        && listed(LABELS, &b[end + 1..word_end(b, end + 1)])
}

/// Whether a label after the number says it is a phone: "412 7781 (mobile)", "… - home".
pub(crate) fn post_label(b: &[u8], end: usize) -> bool {
    let mut j = end;
    while at(b, j) == b' ' {
        j += 1;
    }
    if !matches!(at(b, j), b'(' | b'[' | b'-' | b',' | b'/') {
        return false;
    }
    j += 1;
    while at(b, j) == b' ' {
        j += 1;
    }
    listed(POST, &b[j..word_end(b, j)])
}

/// Whether the number `b[i..end]` sits in a contact line: a line (at most 96 bytes before it
/// and 128 after) that also holds an e-mail address, or that starts with a label and `:`.
pub(crate) fn contact_line(b: &[u8], i: usize, end: usize) -> bool {
    let lo = i.saturating_sub(96);
    let s = memchr::memrchr(b'\n', &b[lo..i]).map_or(lo, |p| lo + p + 1);
    let hi = b.len().min(end + 128);
    let e = memchr::memchr(b'\n', &b[end..hi]).map_or(hi, |p| end + p);
    let mail = |k: usize| is_word(before(b, k)) && is_word(at(b, k + 1));
    if memchr::memchr_iter(b'@', &b[s..e]).any(|p| mail(s + p)) {
        return true;
    }
    let w = word_end(b, s);
    let colon = matches!(at(b, w), b':') || at(b, w) == b'/' && at(b, word_end(b, w + 1)) == b':';
    w > s && colon && listed(LINE_LABELS, &b[s..w])
}

/// Whether the digits at `i..end` are part of a time: a `:` and a digit right before or after
/// them ("08:14:55.302117", "2019-06-21 08:14", "+02:00", "1:23:45").
pub(crate) fn in_time(b: &[u8], i: usize, end: usize) -> bool {
    let colon_before = before(b, i) == b':' && i >= 2 && b[i - 2].is_ascii_digit();
    colon_before || at(b, end) == b':' && at(b, end + 1).is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(s: &str) -> bool {
        let i = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        close_cue(s.as_bytes(), i, false)
    }

    #[test]
    fn close_cues() {
        for s in [
            "nobody picks up at 412",
            "ring me: 24",
            "buzz me on 55",
            "my cell is 30",
            "Tel. 22",
            "Tlf 33",
            "Teléfono: 91",
            "my number is 24",
            "My number's 41",
            "mi número es 41",
            "Handy 01",
            "whatsapp 61",
        ] {
            assert!(cue(s), "{s}");
        }
        for s in ["the call lasted 41", "ring size 7", "number of items 12", "page 12"] {
            assert!(!cue(s), "{s}");
        }
    }

    #[test]
    fn glued_labels_and_lines() {
        assert!(label_before(b"Tel.0161", 4));
        assert!(label_before(b"Mob-0770", 4));
        assert!(!label_before(b"ORD-1234", 4));
        assert!(label_after(b"05-Fax", 2));
        assert!(!label_after(b"05-rc", 2));
        assert!(post_label(b"81 (mobile)", 2));
        assert!(post_label(b"81 - home", 2));
        assert!(!post_label(b"81 (approx)", 2));
        assert!(contact_line(b"Ann | 512 33 49 | ann@x.pl\nnext", 6, 15));
        assert!(contact_line(b"Contact: Ann Lee, 512 33 49", 18, 27));
        assert!(!contact_line(b"Total: 512 33 49", 7, 16));
        assert!(in_time(b"08:14:55", 3, 5));
        assert!(in_time(b"21 08:14", 3, 5));
        assert!(!in_time(b"Tel: 0161", 5, 9));
    }
}
