//! Telephone numbers. A run of digit groups (separated by one blank, `-`, `.` or `/`, with an
//! optional parenthesised area code and an optional extension) is a phone when its shape says so:
//! `+` (also `(+41)`, `+(371)`) and a country calling code followed by as many digits as that
//! country's numbering plan allows (`phone_plan.rs`, generated from libphonenumber's metadata),
//! `00` + international number, the NANP 3-3-4 layout, a national number grouped the way phone
//! numbers are written (trunk prefix `0`/`8`, groups of at most four digits: "22 696 88 03",
//! "(06)23/397-4934", "8 (657) 685-86-90"), or — only after a cue such as "call" or "phone",
//! in a contact block or alone on a line — a bare 8–13 digit run. Dates, times, prices,
//! thousands, versions and order numbers ("order", "ref", "ticket" before it) are rejected.

use crate::detect::phone_cue::{
    close_cue, contact_line, counted, in_time, label_after, label_before, post_label,
};
use crate::detect::phone_plan::PLAN;
use crate::text::{
    Key, at, before, clean_end, continues_number, cue_before, glued_before, is_word, keys,
    skip_blanks,
};

const CUES: &[Key] = &keys([
    "phone",
    "phones",
    "call",
    "called",
    "calling",
    "tel",
    "telephone",
    "mobile",
    "cell",
    "cellphone",
    "fax",
    "whatsapp",
    "sms",
    "text",
    "txt",
    "reach",
    "dial",
    "ring",
    "contact",
    "ph",
    "mob",
    "landline",
    "line",
    "hotline",
    "number",
    "numbers",
    "direct",
    "helpline",
    "phoned",
    "cellular",
    "buzz",
    "picks",
    "tlf",
    "tfn",
    "telf",
    "tfno",
    "telefon",
    "telefono",
    "telefone",
    "telefoon",
    "fone",
    "handy",
    "natel",
    "mobil",
    "mobiel",
    "movil",
    "cel",
    "celular",
    "cellulare",
    "gsm",
    "viber",
]);
const ANTI_CUES: &[Key] = &keys([
    "isbn",
    "order",
    "invoice",
    "ref",
    "reference",
    "tracking",
    "account",
    "acct",
    "id",
    "sku",
    "serial",
    "version",
    "ticket",
    "case",
    "no",
    "po",
    "item",
    "part",
    "model",
    "build",
    "transaction",
    "confirmation",
    "booking",
    "flight",
    "policy",
    "member",
    "routing",
    "claim",
    "record",
    "batch",
    "shipment",
    "parcel",
    "package",
    "receipt",
    "voucher",
    "coupon",
    "license",
    "licence",
    "vin",
    "count",
    "total",
    "rows",
    "population",
    "volume",
    "sum",
    "amount",
    "size",
    "qty",
    "quantity",
    "balance",
    "score",
    "pin",
    "otp",
    "page",
    "pages",
    "room",
    "floor",
]);

/// Words that may stand between an anti-cue and the number ("order number 123", "ticket id 9").
const NUMBER_WORDS: &[Key] = &keys(["number", "no", "nr", "num", "id", "code", "ref", "nbr"]);

/// Digit groups read from the text.
#[derive(Default)]
struct Groups {
    lens: [u8; 8],
    n: usize,
    digits: usize,
    plus: bool,
    paren: bool,
    dots: bool,
    first: [u8; 3],
    /// The first four digits of the number (across groups), for the calling-code look-up.
    lead: [u8; 4],
    /// A `(0)` group: the trunk prefix written inside an international number ("+49 (0)30 …").
    zero_paren: bool,
    slash: bool,
    /// A group after the first is all zeros ("100 000"): a round quantity.
    zero_group: bool,
    /// The byte after each group but the last (its separator).
    seps: [u8; 8],
    end: usize,
}

impl Groups {
    fn shape(&self) -> &[u8] {
        &self.lens[..self.n]
    }

    /// Whether the number opens with a date written with one separator that is no blank
    /// ("2019-06-21 08…", "21.06.2019 …"): the rest is a time or another number.
    fn date_prefix(&self) -> bool {
        self.n > 3
            && is_date(&self.lens[..3])
            && self.seps[0] == self.seps[1]
            && self.seps[0] != b' '
    }

    /// Two groups of one length joined by `-`, the second a little above the first: a range of
    /// years or pages ("1999-2004", "112-118").
    fn range(&self, b: &[u8], i: usize) -> bool {
        let (a, c) = (usize::from(self.lens[0]), usize::from(self.lens[1]));
        if self.n != 2 || a != c || self.seps[0] != b'-' || !(2..=4).contains(&a) {
            return false;
        }
        let num = |s: usize| b[s..s + a].iter().fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
        let (lo, hi) = (num(i), num(i + a + 1));
        hi > lo && hi - lo < 10u32.pow(u32::try_from(a - 1).unwrap_or(0))
    }
}

/// The span of a phone number starting at `i` (a digit, `+` or `(`), if any. `contact_near`
/// says other contact data was just found (a contact block: "Ann <a@b.co>, 4155552671").
pub(crate) fn detect(b: &[u8], i: usize, contact_near: bool) -> Option<(usize, usize)> {
    let c = b[i];
    // "(+41) 86 …" is dispatched at the `+`, "+(371) …" at the `(`: both start one byte earlier.
    let wrapped = c == b'+' && before(b, i) == b'(' || c == b'(' && before(b, i) == b'+';
    let start = i - usize::from(wrapped);
    let glued = glued_before(b, i) && !label_before(b, i);
    if (c == b'+' || c == b'(') && is_word(before(b, start))
        || c.is_ascii_digit() && (glued || continues_number(b, i))
    {
        return None;
    }
    let g = parse(b, i, wrapped)?;
    // A date opens no number written with `+` ("+61-7-0153-3875").
    if in_time(b, i, g.end) || g.date_prefix() && !g.plus {
        return None;
    }
    let ext = extension(b, g.end);
    let end = ext.unwrap_or(g.end);
    if !clean_end(b, end) && at(b, end) != b'.' && !label_after(b, end) {
        return None;
    }
    accept(b, start, &g, ext.is_some() || contact_near).then_some((start, end))
}

fn parse(b: &[u8], i: usize, wrapped: bool) -> Option<Groups> {
    let mut g = Groups { plus: b[i] == b'+' || wrapped, ..Groups::default() };
    let mut j = i + usize::from(b[i] == b'+');
    let mut close_cc = b[i] == b'+' && wrapped;
    loop {
        let open = at(b, j) == b'(';
        let s = j + usize::from(open);
        let e = crate::text::digits_end(b, s);
        if e == s || g.n == g.lens.len() || (open && at(b, e) != b')') {
            break;
        }
        if g.digits == 0 {
            for (k, d) in g.first.iter_mut().enumerate() {
                *d = at(b, s + k);
            }
        }
        for (k, d) in b[s..e].iter().enumerate() {
            if let Some(slot) = g.lead.get_mut(g.digits + k) {
                *slot = *d;
            }
        }
        g.zero_paren |= open && &b[s..e] == b"0" && g.n > 0;
        g.zero_group |= g.n > 0 && e - s >= 2 && b[s..e].iter().all(|d| *d == b'0');
        g.lens[g.n] = u8::try_from(e - s).unwrap_or(u8::MAX);
        g.n += 1;
        g.digits += e - s;
        g.paren |= open;
        g.end = e + usize::from(open);
        if close_cc && at(b, g.end) == b')' {
            g.end += 1;
            close_cc = false;
        }
        if let Some(sep) = g.seps.get_mut(g.n - 1) {
            *sep = at(b, g.end);
        }
        g.dots |= at(b, g.end) == b'.' && at(b, g.end + 1).is_ascii_digit();
        g.slash |= at(b, g.end) == b'/';
        match next_group(b, g.end) {
            Some(k) => j = k,
            None => break,
        }
    }
    (g.n > 0 && g.digits <= 17).then_some(g)
}

/// After a group ending at `e`: the start of the next group, if one follows.
fn next_group(b: &[u8], e: usize) -> Option<usize> {
    let sep = at(b, e);
    let starts =
        |k: usize| at(b, k).is_ascii_digit() || at(b, k) == b'(' && at(b, k + 1).is_ascii_digit();
    let k = match sep {
        b' ' | b'-' | b'.' | b'/' if starts(e + 1) => e + 1,
        b' ' if at(b, e + 1) == b'-' && at(b, e + 2) == b' ' && starts(e + 3) => e + 3,
        // "089 / 12 34 56": a spaced slash only after an area code with its trunk `0`.
        b' ' if at(b, e + 1) == b'/'
            && at(b, e + 2) == b' '
            && starts(e + 3)
            && trunk_before(b, e) =>
        {
            e + 3
        }
        // "06/ 941 77 80": a slash and a blank after the area code.
        b'/' if at(b, e + 1) == b' ' && starts(e + 2) && trunk_before(b, e) => e + 2,
        b'(' if starts(e) => e,
        c if c.is_ascii_digit() && before(b, e) == b')' => e,
        _ => return None,
    };
    Some(k)
}

/// Whether the group ending at `e` starts with a trunk `0` and is the first of its number.
fn trunk_before(b: &[u8], e: usize) -> bool {
    let mut s = e;
    while s > 0 && b[s - 1].is_ascii_digit() {
        s -= 1;
    }
    at(b, s) == b'0' && !continues_number(b, s) && e - s <= 5
}

fn extension(b: &[u8], end: usize) -> Option<usize> {
    let mut j = end;
    if at(b, j) == b',' {
        j += 1;
    }
    j = skip_blanks(b, j, 2);
    // Every extension marker starts with `e`, `x` or `#` (`| 0x20` folds the capitals).
    if !matches!(at(b, j) | 0x20, b'e' | b'x' | b'#') {
        return None;
    }
    let word_len = [&b"extension"[..], b"ext", b"x", b"#"]
        .iter()
        .find(|w| b.len() >= j + w.len() && b[j..j + w.len()].eq_ignore_ascii_case(w))
        .map(|w| w.len())?;
    j += word_len;
    if at(b, j) == b'.' {
        j += 1;
    }
    j = skip_blanks(b, j, 1);
    let e = crate::text::digits_end(b, j);
    (e > j && e - j <= 6 && !is_word(at(b, e))).then_some(e)
}

fn accept(b: &[u8], i: usize, g: &Groups, ext: bool) -> bool {
    let shape = g.shape();
    if g.plus {
        // An explicit `+` is trusted at E.164 lengths; shorter numbers must fit their plan, or
        // be cued or in a contact line.
        let digits = g.digits - usize::from(g.zero_paren);
        return g.first[0] != b'0'
            && ((8..=15).contains(&digits)
                || plan_fits(&g.lead, digits)
                || digits >= 6 && (close_cue(b, i, false) || contact_line(b, i, g.end)));
    }
    if g.range(b, i) {
        return false;
    }
    // A 6–7 digit number needs a cue right before it, a label after it or a contact line.
    let cued_short = short(g)
        && !counted(b, g.end)
        && (close_cue(b, i, g.n == 1)
            || post_label(b, g.end)
            || g.n >= 2 && (ext || contact_line(b, i, g.end)));
    if cued_short && (line_start(b, i) || !anti_cue(b, i)) {
        return true;
    }
    let nanp = shape == [3, 3, 4] || (shape == [1, 3, 3, 4] && g.first[0] == b'1');
    let intl = g.first[..2] == *b"00"
        && g.n >= 2
        && (10..=17).contains(&g.digits)
        && (plan_fits(&g.lead[2..], g.digits - 2) || g.digits >= 11);
    let sure = nanp || intl || trunk_national(g) || written_national(g);
    // The shape tests are cheap and reject most numbers; the words before are read only for
    // numbers shaped like a phone.
    let shaped = sure || bare_nanp(g) || national(g);
    if !shaped || !line_start(b, i) && anti_cue(b, i) || !sure && counted(b, g.end) {
        return false;
    }
    sure || ext
        || cue_before(b, i, 6, CUES)
        || own_line(b, i, g.end) && (bare_nanp(g) || short_groups(g) && national(g))
        || national(g) && (post_label(b, g.end) || contact_line(b, i, g.end))
}

/// A short local number: 6–7 digits, solid or in groups of two to four, not dotted like a
/// version, decimal or coordinate, and no round thousands ("100 000").
fn short(g: &Groups) -> bool {
    let shape = g.shape();
    (6..=7).contains(&g.digits)
        && (g.n == 1 || shape.iter().all(|l| (2..=4).contains(l)))
        && !g.dots
        && !is_date(shape)
        && !g.zero_group
}

/// Whether the digits `lead…` (after `+` or `00`), `digits` of them in all, start with a
/// country calling code whose plan allows the rest's length. Calling codes are prefix-free,
/// so at most one of the one-, two- and three-digit prefixes is a code.
fn plan_fits(lead: &[u8], digits: usize) -> bool {
    let mut code = 0u16;
    for (len, d) in lead.iter().take(3).enumerate() {
        if !d.is_ascii_digit() {
            return false;
        }
        code = code * 10 + u16::from(d - b'0');
        if let Ok(k) = PLAN.binary_search_by_key(&code, |(c, _, _)| *c) {
            let rest = digits.saturating_sub(len + 1);
            return rest < 32 && PLAN[k].1 & (1 << rest) != 0;
        }
    }
    false
}

/// A national number written the way phone numbers are, which needs no cue: 8–12 digits in
/// two or more groups of at most four (one group of five after a trunk prefix: "(07624) 81529
/// 630"), starting with a trunk prefix (`0`, `8`) or in three or more groups, and not shaped like
/// thousands ("12 345 678").
fn written_national(g: &Groups) -> bool {
    let shape = g.shape();
    let trunk = matches!(g.first[0], b'0' | b'8') && g.first[1] != b'0';
    let long_groups = shape.iter().filter(|l| **l > 4).count();
    let thousands = shape[0] <= 3 && shape[1..].iter().all(|l| *l == 3) && !g.slash;
    let grouped = g.n >= 2 && (long_groups == 0 || trunk && long_groups == 1 && g.n >= 3);
    (8..=12).contains(&g.digits)
        && grouped
        && (trunk || g.n >= 3 || g.paren || g.slash)
        && !thousands
        && national(g)
}

/// "order 555…", "order number 555…", "ticket id 555…": the number is an identifier.
fn anti_cue(b: &[u8], i: usize) -> bool {
    let mut prev: [Key; 2] = [0; 2];
    let mut k = 0;
    crate::text::any_word_before(b, i, 2, |w| {
        prev[k] = crate::text::key(w).unwrap_or(0);
        k += 1;
        false
    });
    let listed = |list: &[Key], k: Key| list.binary_search(&k).is_ok();
    listed(ANTI_CUES, prev[0]) || listed(NUMBER_WORDS, prev[0]) && listed(ANTI_CUES, prev[1])
}

/// A national number with a trunk `0` (not `00`), grouped or with a parenthesised area code:
/// "(01787) 622336", "0115 496 0805", "03 86 12 81 86".
fn trunk_national(g: &Groups) -> bool {
    let trunk = g.first[0] == b'0' && g.first[1] != b'0';
    let grouped = (g.paren || g.n >= 2) && (9..=11).contains(&g.digits);
    let solid = g.n == 1 && (10..=11).contains(&g.digits);
    trunk && (grouped || solid) && national(g)
}

/// Whether only blanks separate `i` from the start of its line.
fn line_start(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j == 0 || b[j - 1] == b'\n'
}

/// A number alone on its line, as in a signature block.
fn own_line(b: &[u8], i: usize, end: usize) -> bool {
    matches!(before(b, i), b'\n' | 0) && matches!(at(b, end), b'\n' | b'\r' | 0)
}

fn bare_nanp(g: &Groups) -> bool {
    let one = g.first[0] == b'1';
    let area = if one { g.first[1] } else { g.first[0] };
    g.n == 1 && (g.digits == 10 || (g.digits == 11 && one)) && (b'2'..=b'9').contains(&area)
}

fn national(g: &Groups) -> bool {
    let shape = g.shape();
    let dotted_quad = g.dots && g.n == 4 && shape.iter().all(|l| *l <= 3);
    let zip_plus4 = shape == [5, 4];
    let isbn_like = g.n >= 4 && shape[g.n - 1] == 1;
    // "126.0.6478.127": a dotted number with a one-digit group is a version ("1.800.555.0199"
    // is not).
    let version = g.dots && shape != [1, 3, 3, 4] && shape.contains(&1);
    if is_date(shape) || dotted_quad || isbn_like || zip_plus4 || version {
        return false;
    }
    let grouped = g.n >= 2 && (7..=15).contains(&g.digits) && g.shape().iter().all(|l| *l <= 8);
    // "(351) 911450825": a parenthesised code before a solid subscriber number.
    let coded = g.paren && g.n == 2 && shape[0] <= 4 && (7..=13).contains(&g.digits);
    let trunk =
        g.n == 1 && (9..=13).contains(&g.digits) || g.n == 1 && g.digits == 8 && !yyyymmdd(g);
    grouped || coded || trunk
}

/// One solid run, or groups of at most four digits.
fn short_groups(g: &Groups) -> bool {
    g.n == 1 || g.shape().iter().all(|l| *l <= 4)
}

/// Eight digits read as a date `19yymmdd` / `20yymmdd` (the lead holds the first four; a month
/// or day is not checked further: such a number is too likely a date to be a bare phone).
fn yyyymmdd(g: &Groups) -> bool {
    matches!(&g.lead[..2], b"19" | b"20")
}

/// `dd.mm.yyyy`, `yyyy-mm-dd` and the like.
fn is_date(shape: &[u8]) -> bool {
    match shape {
        [a, b, 4] => *a <= 2 && *b <= 2,
        [4, b, c] => *b <= 2 && *c <= 2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str, at: &str) -> Option<String> {
        let i = s.find(at)?;
        detect(s.as_bytes(), i, false).map(|(a, b)| s[a..b].to_string())
    }

    #[test]
    fn international_and_dapr_vectors() {
        let s = "my phone number is +2222222222";
        assert_eq!(find(s, "+").as_deref(), Some("+2222222222"));
        assert_eq!(find("is +4422222222", "+").as_deref(), Some("+4422222222"));
        assert_eq!(find("tel:+44 20 7946 0958", "+").as_deref(), Some("+44 20 7946 0958"));
        assert_eq!(find("call +1 (800) 555-0199", "+").as_deref(), Some("+1 (800) 555-0199"));
        assert_eq!(find("001-555-123-4567x123", "0").as_deref(), Some("001-555-123-4567x123"));
    }

    #[test]
    fn national_formats() {
        assert_eq!(find("(555) 123-4567", "(").as_deref(), Some("(555) 123-4567"));
        assert_eq!(find("x 415.555.2671 y", "4").as_deref(), Some("415.555.2671"));
        assert_eq!(find("call 555-123-4567 ext. 89", "5").as_deref(), Some("555-123-4567 ext. 89"));
        assert_eq!(find("call 5551234567 now", "5").as_deref(), Some("5551234567"));
        assert_eq!(find("phone 020 7946 0958", "0").as_deref(), Some("020 7946 0958"));
        assert_eq!(find("(555)555-5555", "(").as_deref(), Some("(555)555-5555"));
        assert_eq!(find("Fax: 37308392259", "3").as_deref(), Some("37308392259"));
        assert_eq!(find("office at (01787) 622336.", "(").as_deref(), Some("(01787) 622336"));
        assert_eq!(find("office at 03 86 12 81 86.", "0").as_deref(), Some("03 86 12 81 86"));
        assert_eq!(find("office at 07349677176.", "0").as_deref(), Some("07349677176"));
        assert_eq!(find("Zachary Case (cell 873.238.3513)", "8").as_deref(), Some("873.238.3513"));
        assert_eq!(find("her direct line is 4802334818", "4").as_deref(), Some("4802334818"));
        assert_eq!(find("Thanks,\nTina King\n3042902369", "3").as_deref(), Some("3042902369"));
        assert_eq!(find("David Case\n649-305-7030", "6").as_deref(), Some("649-305-7030"));
    }

    #[test]
    fn international_plans_and_national_groupings() {
        for (s, at, want) in [
            ("Call me at 08-537 34 79.", "0", "08-537 34 79"),
            ("Contact Denis Blanc on 029 640 81 22.", "0", "029 640 81 22"),
            ("ring +41 86 990 09 91 now", "+", "+41 86 990 09 91"),
            ("Mobile: (+30) 6988 311580", "+", "(+30) 6988 311580"),
            ("Thanks,\nTone Lunde\n+(371) 71054815", "(", "+(371) 71054815"),
            ("Jordan left 68/764 5491 for you.", "6", "68/764 5491"),
            ("Ann left 8 (657) 685-86-90 for you.", "8", "8 (657) 685-86-90"),
            ("x 72 240 26 09 y", "7", "72 240 26 09"),
            ("+49(0) 915000806", "+", "+49(0) 915000806"),
        ] {
            assert_eq!(find(s, at).as_deref(), Some(want), "{s}");
        }
    }

    #[test]
    fn look_alikes_are_not_phones() {
        for (s, at) in [
            ("the year 2024 was good", "2"),
            ("on 2024-01-15", "2"),
            ("Order 5551234567 shipped", "5"),
            ("isbn 978-3-16-148410-0", "9"),
            ("price $1,234.56", "1"),
            ("at 10:30", "1"),
            ("port 8080", "8"),
            ("1 + 2", "+"),
            ("version 1.2.3.4", "1"),
            ("C++11", "+"),
            ("ref 555-123-4567", "5"),
            ("order number 5551234567", "5"),
            ("zip code 02556-1825", "0"),
            ("call about ticket id 2125551234", "2"),
            ("call after 27.12.2002", "2"),
            ("call after release 32.31.23.15", "3"),
            ("call after ISBN-13: 0-397-57267-0", "0"),
            ("parcel 7526 2016 0072 9171 4766 22", "0"),
        ] {
            assert_eq!(find(s, at), None, "{s}");
        }
    }
}
