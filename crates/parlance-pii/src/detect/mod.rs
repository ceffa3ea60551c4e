//! The detectors, one module per entity, and the single pass over the text that dispatches to
//! them. The pass walks word by word; only words that start with a digit, a capital, or a few
//! trigger letters (and the bytes `@`, `+`, `(`, `:`) reach a detector, so text without personal
//! data costs one table lookup per byte and nothing is allocated.
//!
//! Every decision is local by construction: a detector called at position `i` sees only the
//! window `[i - CONTEXT_BEFORE, i + CONTEXT_AFTER)` of the text (cut to char boundaries; its
//! edges read as the edges of the text), and the only state it may read is the last
//! [`STATE_DEPTH`] candidates found before it, within [`CONTEXT_BEFORE`] bytes. The streaming
//! scrubber (`crate::stream`) relies on exactly this to be exact; a detector that needs more
//! context must raise these constants, not read around them.

pub(crate) mod address;
pub(crate) mod address_words;
pub(crate) mod card;
pub(crate) mod email;
pub(crate) mod iban;
pub(crate) mod ip;
pub(crate) mod mac;
pub(crate) mod person;
pub(crate) mod person_initials;
pub(crate) mod person_lower;
pub(crate) mod person_words;
pub(crate) mod phone;
pub(crate) mod phone_cue;
pub(crate) mod phone_plan;
pub(crate) mod pobox;
pub(crate) mod ssn;
pub(crate) mod url;
pub(crate) mod zip;

use crate::names::Names;
use crate::text::{Escape, at, escape_at, raw_offset, unescape, unescaped_offset, word_end};
use crate::{Entity, EntitySet, Finding};

/// Bytes of text before a dispatch position that a detector may read (cue words, the local part
/// of an e-mail, which is at most 64 bytes); a finding starts at most this far before it.
pub const CONTEXT_BEFORE: usize = 128;

/// Bytes of text from a dispatch position on that a detector may read: the longest span plus
/// what is looked at after it (a 253-byte e-mail domain and its terminator; a URL longer than
/// this is cut here, the rest is scanned as text; a word longer than this reads as several).
pub const CONTEXT_AFTER: usize = 256;

/// The longest window a detector sees: [`CONTEXT_BEFORE`] + [`CONTEXT_AFTER`] bytes.
const VIEW: usize = CONTEXT_BEFORE + CONTEXT_AFTER;

/// How many of the most recent candidates a detector may look at (contact blocks, name lists).
pub(crate) const STATE_DEPTH: usize = 4;

/// What the pass does with a byte where it stands (the start of a word, or a byte between
/// words).
#[derive(Clone, Copy)]
enum Class {
    /// A byte between words that starts no detector (blank, most punctuation).
    Blank,
    /// `@`, `+`, `(`, `:`: may start an e-mail, phone or IPv6 detector ([`Pass::punct`]).
    Punct,
    /// A word start that needs a detector only when the word is followed by `:`, `.`, `@` or
    /// `-` (URL scheme, `www.`, `git@`, hex groups): lower-case letters except `p`, `_`, and
    /// non-ASCII bytes that cannot start a capital letter.
    Plain,
    /// Any other word start: digits, capitals, `p` (PO boxes), `0xC3`..`0xC5` (Latin-1 and
    /// Latin Extended-A capitals).
    Word,
    /// `\\`: may begin a written-out escape (`\n`, `\"`, `\u00e9`), read as what it stands for.
    Escape,
}

/// [`Class`] of every byte value; [`Pass::run`] reads one entry per word or blank.
static CLASS: [Class; 256] = {
    let mut t = [Class::Blank; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if matches!(c, b'@' | b'+' | b'(' | b':') {
            Class::Punct
        } else if c == b'\\' {
            Class::Escape
        } else if !crate::text::is_word_const(c) {
            Class::Blank
        } else if c.is_ascii_lowercase() && c != b'p'
            || c == b'_'
            || c >= 0x80 && !matches!(c, 0xC3..=0xC5)
        {
            Class::Plain
        } else {
            Class::Word
        };
        i += 1;
    }
    t
};

/// First bytes of the word after a lower-case street-type word ("rue Pierre", "chemin de
/// Robert"): capitals and `d`; one load refuses most lower-case words before any look-up.
static STREET_NEXT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_uppercase() || c == b'd' as usize || c >= 0xC3 && c <= 0xC5;
        c += 1;
    }
    t
};

/// Collects candidate findings (possibly overlapping) for the entities in `set`.
pub(crate) struct Pass<'a> {
    /// The whole text.
    full: &'a [u8],
    /// The window of `full` the current detector sees (see the module doc).
    b: &'a [u8],
    /// Where `b` starts in `full`.
    base: usize,
    /// Whether `b` holds a backslash: then detectors see it unescaped (`text::unescape`).
    escaped: bool,
    /// The first backslash of `full` not yet passed by a window's end (`full.len()` if none),
    /// and the last one passed.
    esc_next: usize,
    esc_last: Option<usize>,
    set: EntitySet,
    names: &'a Names,
    out: &'a mut Vec<Finding>,
    /// The words of the names found so far (the stream scrubber carries it between pushes).
    pub(crate) memory: crate::model::memory::Memory,
}

impl<'a> Pass<'a> {
    /// A pass over `text` writing candidates into `out`. Candidates already in `out` count as
    /// found before the first dispatch position (the streaming scrubber seeds them).
    pub(crate) fn new(
        text: &'a str,
        set: EntitySet,
        names: &'a Names,
        out: &'a mut Vec<Finding>,
    ) -> Self {
        let full = text.as_bytes();
        Pass {
            full,
            b: full,
            base: 0,
            escaped: false,
            esc_next: backslash_from(full, 0),
            esc_last: None,
            set,
            names,
            out,
            memory: crate::model::memory::Memory::default(),
        }
    }

    /// Runs the pass over the whole text.
    pub(crate) fn run(mut self) {
        let n = self.full.len();
        self.run_range(0, n);
    }

    /// Dispatches every position from `from` (a word start or a byte between words) while it is
    /// before `until`; returns the next position to dispatch.
    pub(crate) fn run_range(&mut self, from: usize, until: usize) -> usize {
        let full = self.full;
        let mut i = from;
        while i < until {
            let c = full[i];
            match CLASS[usize::from(c)] {
                Class::Blank => i += 1,
                Class::Punct => {
                    self.punct(i, c);
                    i += 1;
                }
                Class::Plain => {
                    // Runs of plain words that no detector wants, passed in one tight loop.
                    let next = plain_run(full, self.names, i, until);
                    if next != i {
                        i = next;
                        continue;
                    }
                    // Most words: only what follows them can make them interesting, so the
                    // window is set up only then (finding the word's end needs only its end).
                    let b = &full[..self.window_end(i)];
                    let end = word_end(b, i + 1);
                    if matches!(at(b, end), b':' | b'.' | b'@' | b'-') {
                        let l = self.window(i);
                        self.with_view(l, |p, v, l| p.word(v, l, word_end(v, l + 1)));
                    } else if at(b, end) == b' '
                        && STREET_NEXT[usize::from(at(b, end + 1))]
                        && address::lower_street_start(b, i, end)
                    {
                        // "Deliver to rue Pierre": a street-type word in lower case.
                        let l = self.window(i);
                        if self.want(Entity::StreetAddress) {
                            self.with_view(l, |p, v, l| {
                                p.push(Entity::StreetAddress, address::detect_bare(v, l));
                            });
                        }
                    } else if end <= i + 2 && person::lower_cue(b, i, end) {
                        // "my name is ana kovač": a name in lower case after "is"/"am".
                        let l = self.window(i);
                        if self.want(Entity::Person) {
                            self.with_view(l + end - i + 1, |p, v, at| {
                                p.push(Entity::Person, person::detect_lower(v, at, p.names));
                            });
                        }
                    }
                    if person_lower::may_be_name(b, i, end, self.names) && self.want(Entity::Person)
                    {
                        // "tell val.", "shanna and i": a given name in lower case beside a cue.
                        let l = self.window(i);
                        self.lower_near(l, end - i);
                    }
                    i = past_blank(b, end);
                }
                Class::Word => {
                    let end = self.dispatch_word(i);
                    i = past_blank(full, end);
                }
                Class::Escape => {
                    // "Name:\nMarta": the escape is read as the blank it stands for, so the
                    // word after it starts there; a letter (`\u00c9ric`) starts a word.
                    match escape_at(&full[..self.window_end(i)], i) {
                        Escape::Blank(len) => i += len,
                        Escape::Letter(_) => i = self.dispatch_word(i),
                        Escape::None => i += 1,
                    }
                }
            }
        }
        i
    }

    /// The lower-case word at `l` (an offset in the window, `len` bytes long) as a given name
    /// beside a cue: "shanna and i", "tell val" ([`person_lower`]). Kept out of the main loop.
    #[inline(never)]
    fn lower_near(&mut self, l: usize, len: usize) {
        self.with_view(l, |p, v, l| {
            let found = person_lower::detect(v, l, l + len, p.names);
            p.push(Entity::Person, found);
        });
    }

    /// Dispatches the word starting at `i`; returns its end.
    #[inline(always)]
    fn dispatch_word(&mut self, i: usize) -> usize {
        let l = self.window(i);
        self.with_view(l, |p, v, l| {
            let end = word_end(v, l + 1);
            p.word(v, l, end);
            p.full_pos(end)
        })
    }

    /// Calls `f` with the window as detectors see it and `l` (an offset in `b`) in it: `b`
    /// itself, or, when it holds a backslash, `b` unescaped into a buffer (then
    /// [`Pass::full_pos`] maps offsets in it back).
    #[inline(always)]
    fn with_view<R>(&mut self, l: usize, f: impl FnOnce(&mut Self, &[u8], usize) -> R) -> R {
        if self.escaped {
            self.with_unescaped(l, f)
        } else {
            let b = self.b;
            f(self, b, l)
        }
    }

    /// [`Pass::with_view`] for a window holding a backslash (kept off the hot path).
    #[inline(never)]
    fn with_unescaped<R>(&mut self, l: usize, f: impl FnOnce(&mut Self, &[u8], usize) -> R) -> R {
        let mut buf = [0u8; VIEW + 4];
        let n = unescape(self.b, &mut buf);
        let l = unescaped_offset(self.b, l);
        f(self, &buf[..n], l)
    }

    /// The offset in the whole text of `i`, an offset in what detectors see of the window.
    #[inline]
    fn full_pos(&self, i: usize) -> usize {
        if self.escaped { self.base + raw_offset(self.b, i) } else { self.base + i }
    }

    /// Whether `full[lo..hi]` holds a backslash. Windows only move forward, so the text is
    /// searched once per pass (with `memchr`: text without backslashes costs one search).
    #[inline]
    fn backslash_in(&mut self, lo: usize, hi: usize) -> bool {
        while self.esc_next < hi {
            self.esc_last = Some(self.esc_next);
            self.esc_next = backslash_from(self.full, self.esc_next + 1);
        }
        self.esc_last.is_some_and(|p| p >= lo)
    }

    /// Points `b` at the window around `i` (char boundaries inward); returns `i` in it.
    #[inline]
    fn window(&mut self, i: usize) -> usize {
        let full = self.full;
        let mut lo = i.saturating_sub(CONTEXT_BEFORE);
        while !is_char_start(full, lo) {
            lo += 1;
        }
        let hi = self.window_end(i);
        self.b = &full[lo..hi];
        self.base = lo;
        self.escaped = self.backslash_in(lo, hi);
        i - lo
    }

    /// The end of the window around `i`.
    #[inline]
    fn window_end(&self, i: usize) -> usize {
        let mut hi = self.full.len().min(i + CONTEXT_AFTER);
        while !is_char_start(self.full, hi) {
            hi -= 1;
        }
        hi
    }

    fn push(&mut self, e: Entity, span: Option<(usize, usize)>) {
        if let Some((start, end)) = span {
            if end > start {
                let (start, end) = (self.full_pos(start), self.full_pos(end));
                self.out.push(Finding { entity: e, start, end });
            }
        }
    }

    /// [`push`](Self::push) for a span that starts before the name just pushed ("Mercedes" of
    /// "Mercedes and Dan"): it goes before that name, which stays the last finding
    /// ([`inside_person`](Self::inside_person) and [`listed`](Self::listed) read the last).
    fn push_earlier(&mut self, e: Entity, span: Option<(usize, usize)>) {
        let Some((start, end)) = span.filter(|(s, e)| e > s) else {
            return;
        };
        let f = Finding { entity: e, start: self.full_pos(start), end: self.full_pos(end) };
        match self.out.last() {
            Some(last) if last.start >= f.end => self.out.insert(self.out.len() - 1, f),
            _ => self.out.push(f),
        }
    }

    fn want(&self, e: Entity) -> bool {
        self.set.contains(e)
    }

    /// Runs the detectors for the word `b[i..end]` (`b`: the window as detectors see it).
    #[inline]
    fn word(&mut self, b: &[u8], i: usize, end: usize) {
        let c = b[i];
        if c.is_ascii_digit() {
            self.numeric(b, i);
        } else if person::upper_len(b, i).is_some() {
            self.capital(b, i, end);
        }
        if c.is_ascii_alphabetic() {
            let next = at(b, end);
            if matches!(next, b':' | b'.' | b'@') || matches!(c, b'p' | b'P') {
                self.letters(b, i, end);
            }
        }
        if c.is_ascii_hexdigit() && matches!(at(b, end), b':' | b'-' | b'.') {
            self.hex(b, i);
        }
    }

    fn numeric(&mut self, b: &[u8], i: usize) {
        if self.want(Entity::CreditCard) {
            self.push(Entity::CreditCard, card::detect(b, i));
        }
        if self.want(Entity::UsSsn) {
            self.push(Entity::UsSsn, ssn::detect(b, i));
        }
        if self.want(Entity::PhoneNumber) {
            let near = self.contact_near(i);
            self.push(Entity::PhoneNumber, phone::detect(b, i, near));
        }
        if self.want(Entity::Ip) {
            self.push(Entity::Ip, ip::detect_v4(b, i));
        }
        if self.want(Entity::ZipCode) {
            self.push(Entity::ZipCode, zip::detect(b, i));
        }
        if self.want(Entity::StreetAddress) {
            self.push(Entity::StreetAddress, address::detect(b, i));
            if address::after_preposition(b, i) {
                self.push(Entity::StreetAddress, address::detect_cued(b, i));
            }
        }
    }

    fn capital(&mut self, b: &[u8], i: usize, end: usize) {
        if self.want(Entity::Iban) && at(b, i + 2).is_ascii_digit() {
            self.push(Entity::Iban, iban::detect(b, i));
        }
        // The last word of a name just found, when no capitalised word follows ("Jennifer
        // Lopez."), and a word inside an address just found ("1600 Pennsylvania Avenue,
        // Washington, DC") are not read again as the start of a name or a street: what they
        // would find lies inside that finding.
        let (pos, word_end) = (self.full_pos(i), self.full_pos(end));
        let name_ends = at(b, end) != b' ' || person::upper_len(b, end + 1).is_none();
        let inside = self.out.last().is_some_and(|f| {
            f.start < pos
                && pos < f.end
                && (f.entity == Entity::StreetAddress
                    || f.entity == Entity::Person && word_end == f.end && name_ends)
        });
        if self.want(Entity::Person) && !inside {
            let listed = self.listed(i);
            // A name of the rules stands when a cue introduces it (and it is not an ordinary
            // word: "Dear All") or the model scores a word of it as a possible name; the
            // model's own name from here (which may go on past the rule's) is pushed
            // beside it and `resolve` merges the two. The model does not read a word inside a
            // name just found (what it would find lies inside that name).
            let names = self.names;
            let reads = !self.inside_person(pos) && crate::model::eligible(b, i);
            let we = crate::model::word_end(b, i);
            let first = (we, names.word(&b[i..we]));
            let around = person::Around::default();
            let learned =
                if reads { crate::model::detect(b, i, names, first, &around) } else { None };
            // A word the model does not read, alone: no name of the rules there could be
            // confirmed (the filter below), so the rules are not run.
            let unread_alone =
                !crate::model::worth_reading(first.1) && person::alone(b, i, we, names, first.1);
            // The model's name from here, where the rules could not go on past it, holds
            // whatever the rules would find (a name of theirs starts here too).
            let settled = learned.is_some_and(|(s, e)| s <= i && !person::could_go_on(b, e, names));
            // An e-mail display name (`"Lee, Ann" <ann@…>`) stands as written.
            let display = person::quoted_display_name(b, i, names).map(|e| (i, e));
            // Inside a name just found, a name of the rules that would only repeat its tail
            // changes nothing (`rules_change_nothing`): the rules are not run.
            let repeat = !reads
                && display.is_none()
                && !unread_alone
                && self.rules_change_nothing(b, (i, end), first, listed);
            let rule = (!unread_alone && !settled && !repeat && display.is_none())
                .then(|| person::detect(b, i, names, listed, first, &around))
                .flatten()
                .filter(|&(s, e)| {
                    // Confirmed by the model's own name over its first word, without scoring
                    // the words again.
                    learned.is_some_and(|m| m.0 <= s && s < m.1) || {
                        let fe = crate::model::word_end(b, s);
                        let first = names.word(&b[s..fe]);
                        person::cued(b, s, names)
                            && crate::model::worth_reading(first)
                            && !(first.is_common() && person::before_you(b, fe))
                            || person::after_dotted_title(b, s, names)
                            || crate::model::confirms(b, s, e, names)
                    }
                })
                .map(|(s, e)| (rule_start(b, s, names), rule_end(b, s, e, names)))
                .or(display);
            // "a cat named Achilles", "Hurricane Rita": a name given to an animal or a storm.
            // A storm named earlier ("Hurricane Rita … Rita packed winds") stays one.
            let thing = (rule.is_some() || learned.is_some())
                && (self.memory.is_thing(&b[i..end])
                    && rule.is_none_or(|r| r.1 <= end)
                    && learned.is_none_or(|m| m.1 <= end)
                    || person::named_thing(b, i));
            if thing {
                self.memory.remember_thing(&b[i..end]);
            }
            let (rule, learned) = if thing { (None, None) } else { (rule, learned) };
            self.push(Entity::Person, rule);
            let mut model = learned;
            if reads {
                // A word of a name found earlier in the text ("Chahine told reporters").
                if model.is_none() && rule.is_none() && self.memory.knows(&b[i..end]) {
                    let info = if we == end { first.1 } else { names.word(&b[i..end]) };
                    model = (!info.is_common() && !info.is_not_name()).then_some((i, end));
                }
                // Only what the rule's name does not already cover.
                let more = model.filter(|m| rule.is_none_or(|r| m.0 < r.0 || m.1 > r.1));
                self.push(Entity::Person, more);
            }
            for (s, e) in rule.into_iter().chain(model) {
                self.memory.remember(b, s, e);
            }
            // "Thx dp Debra Perlingiere": the initials signed before the name.
            if let Some((s, e)) = rule.or(model) {
                self.push(Entity::Person, person_initials::before(b, s, e, names));
            }
            // "Mercedes and Dan are very thorough": a given name joined to the name found here.
            if let Some((s, e)) = rule.or(model).filter(|f| f.0 == i) {
                let pair = person::given_name_before_pair(b, s, names)
                    .or_else(|| person::first_of_list_before(b, s, e, names))
                    .filter(|&(ps, _)| !self.inside_person(self.full_pos(ps) + 1));
                self.push_earlier(Entity::Person, pair);
            }
        }
        if self.want(Entity::StreetAddress) {
            if matches!(b[i], b'P' | b'U') {
                self.push(Entity::StreetAddress, address::detect_military(b, i));
            }
            if !inside && end - i >= 2 && address::may_be_street_type(&b[i..end]) {
                self.push(Entity::StreetAddress, address::detect_bare(b, i));
            }
            if !inside && address::after_preposition(b, i) {
                self.push(Entity::StreetAddress, address::detect_cued(b, i));
            }
        }
        if address::may_be_postcode(&b[i..end]) {
            self.postcode(i);
        }
    }

    /// A lettered postcode at `i`: alone after a cue, or ending a postal block.
    fn postcode(&mut self, i: usize) {
        match address::detect_postcode(self.b, i) {
            Some(address::PostcodeFound::Zip(s, e)) if self.want(Entity::ZipCode) => {
                self.push(Entity::ZipCode, Some((s, e)));
            }
            Some(address::PostcodeFound::Address(s, e)) if self.want(Entity::StreetAddress) => {
                self.push(Entity::StreetAddress, Some((s, e)));
            }
            _ => {}
        }
    }

    /// Whether running the rules at the capitalised word `b[i..end]` (table entry `first`, the
    /// model's word end; `listed` as for the rules), inside the last candidate, a name, would
    /// change nothing the pass finds. The rules' name here would start at `i`; it changes
    /// nothing when it cannot be anything but that name's tail, up to the same end (`reach`:
    /// what the rules read, before deciding), and when pushing it, or not, leaves the pass in
    /// the same state for what follows:
    /// - the resolved findings: a candidate inside another one of the same entity is absorbed;
    /// - the last candidate (`inside`, `inside_person`, `listed`): it and the name start before
    ///   any later position and end at the same place;
    /// - the last [`STATE_DEPTH`] candidates (`contact_near`): with one candidate fewer, up to
    ///   three older ones come into view; none of them may be a phone or an e-mail within 48
    ///   bytes of here, where `contact_near` would count it later (a name there cannot be
    ///   joined to a later position by " - " or " left ": this name lies between);
    /// - the memory of names (its words are remembered already), the names of things (the
    ///   word is not one, nor named as one here), and the given name before " and " (none).
    #[inline(never)]
    fn rules_change_nothing(
        &self,
        b: &[u8],
        (i, end): (usize, usize),
        first: (usize, crate::names::Info),
        listed: bool,
    ) -> bool {
        let Some(last) = self.out.last().filter(|f| f.entity == Entity::Person) else {
            return false;
        };
        let pos = self.full_pos(i);
        if self.escaped || !(last.start < pos && pos < last.end) || last.end > self.base + b.len() {
            return false;
        }
        let last_end = last.end - self.base;
        let n = self.out.len();
        let older = &self.out[n.saturating_sub(STATE_DEPTH)..n - 1];
        let contact = |f: &Finding| {
            matches!(f.entity, Entity::PhoneNumber | Entity::EmailAddress) && pos - f.end <= 48
        };
        if older.iter().any(contact)
            || b[..i].ends_with(b" and ")
            || b[..i].ends_with(b" & ")
            || self.memory.is_thing(&b[i..end])
            || person::named_thing(b, i)
        {
            return false;
        }
        match person::reach(b, i, self.names, listed, first) {
            None => true,
            Some((s, e)) => {
                let e = rule_end(b, s, e, self.names);
                // Pushing the rules' name would also push initials signed before it.
                s == i
                    && e == last_end
                    && self.memory.holds(b, s, e)
                    && person_initials::before(b, s, e, self.names).is_none()
            }
        }
    }

    /// Whether `pos` (in the whole text) lies inside the last name found.
    fn inside_person(&self, pos: usize) -> bool {
        self.out.last().is_some_and(|f| f.entity == Entity::Person && f.start < pos && pos < f.end)
    }

    /// Whether the word at `i` continues a list after a name just found ("Ann Lee, Bob").
    fn listed(&self, i: usize) -> bool {
        let i = self.full_pos(i);
        let Some(last) = self.out.last().filter(|f| f.entity == Entity::Person && f.end <= i)
        else {
            return false;
        };
        matches!(&self.full[last.end..i], b", " | b" and " | b", and " | b" & " | b" or ")
    }

    /// Whether a phone or e-mail was found within 48 bytes before `i` (a contact block).
    /// Also when a name ends right before, joined by ` - ` or ` left `
    /// ("Paul left 96493913 for you", "Louis Sarpong - 15194545520").
    fn contact_near(&self, i: usize) -> bool {
        let i = self.full_pos(i);
        self.out.iter().rev().take(STATE_DEPTH).any(|f| {
            f.end <= i
                && match f.entity {
                    Entity::PhoneNumber | Entity::EmailAddress => i - f.end <= 48,
                    Entity::Person => {
                        matches!(&self.full[f.end..i], b" - " | b" left ")
                    }
                    _ => false,
                }
        })
    }

    fn letters(&mut self, b: &[u8], i: usize, end: usize) {
        let next = at(b, end);
        let url_shaped = matches!(next, b':' | b'.' | b'@')
            && (next == b':' && at(b, end + 1) == b'/'
                || next == b'.' && b[i..end].eq_ignore_ascii_case(b"www")
                || next == b'@' && &b[i..end] == b"git");
        if url_shaped && self.want(Entity::Url) {
            self.push(Entity::Url, url::detect(b, i));
        }
        if matches!(b[i], b'p' | b'P') && end - i <= 4 && self.want(Entity::PoBox) {
            self.push(Entity::PoBox, pobox::detect(b, i));
        }
    }

    fn hex(&mut self, b: &[u8], i: usize) {
        if self.want(Entity::MacAddress) {
            self.push(Entity::MacAddress, mac::detect(b, i));
        }
        if self.want(Entity::Ip) && at(b, word_end(b, i)) == b':' {
            self.push(Entity::Ip, ip::detect_v6(b, i));
        }
    }

    /// The byte `c` at `i` (in the whole text): the window is set up only when a detector runs
    /// (the byte after `i` is inside it, so reading it from the whole text is the same).
    fn punct(&mut self, i: usize, c: u8) {
        let next = at(self.full, i + 1);
        let e = match c {
            b'@' => Entity::EmailAddress,
            b'+' | b'(' if next.is_ascii_digit() => Entity::PhoneNumber,
            b':' if next == b':' => Entity::Ip,
            _ => return,
        };
        if !self.want(e) {
            return;
        }
        let l = self.window(i);
        self.with_view(l, |p, b, l| {
            let span = match e {
                Entity::EmailAddress => email::detect(b, l),
                Entity::PhoneNumber => phone::detect(b, l, p.contact_near(l)),
                _ => ip::detect_v6(b, l),
            };
            p.push(e, span);
        });
    }
}

/// Where a name of the rules starting at `s` starts once what belongs before it is added: an
/// Arabic article set apart ("al - Maati") and an honorific ("Sheikh", "Mullah").
fn rule_start(b: &[u8], s: usize, names: &crate::names::Names) -> usize {
    crate::model::honorific_before(b, crate::model::article_before(b, s, names))
}

/// Where a name of the rules `b[s..e]` ends once its tail is settled: the company words or
/// English words of a signature given back (`model::trim_tail`), then the Arabic articles and
/// surnames after it and a mail system's domain added (one function for the pass and for
/// `Pass::rules_change_nothing`, which must compute the same end).
fn rule_end(b: &[u8], s: usize, e: usize, names: &crate::names::Names) -> usize {
    let e = crate::model::trim_tail(b, s, e, names);
    let e = crate::model::past_articles(b, crate::model::past_inner_apostrophe(b, e));
    crate::model::past_mail_domain(b, e)
}

/// Passes the blanks and plain words (class [`Class::Plain`]) from `i` (a word start or a byte
/// between words) that [`Pass::run_range`] would pass without running a detector, while they
/// start before `until`; returns where it stopped: `until` or past it, or the start of a word
/// or a byte the pass must look at (`i` itself if that is the first).
///
/// A plain word is passed when none of the tests of the pass's `Class::Plain` arm could
/// hold: it is not followed by `:`, `.`, `@`, `-` or a backslash, nor by a blank and a byte
/// that may start a street name ([`STREET_NEXT`]); it is not "is"/"am"/"'s"/"'m" before a
/// lower-case word ([`person::lower_cue`]) nor a possible given name
/// ([`person_lower::may_be_name`]). The word's end is found in the whole text, not in the
/// window: for words of fewer than 200 bytes every byte read here lies inside the window, so
/// the two read the same bytes; a longer word is left to the pass.
#[inline(never)]
fn plain_run(full: &[u8], names: &Names, mut i: usize, until: usize) -> usize {
    while i < until {
        match CLASS[usize::from(full[i])] {
            Class::Blank => i += 1,
            Class::Plain => {
                let mut end = i + 1;
                // Lower-case letters eight at a time, then byte by byte.
                if let Some(w) = full.get(end..).and_then(|t| t.first_chunk::<8>()) {
                    end += crate::text::lower_letters8(u64::from_le_bytes(*w));
                }
                while end < full.len() && crate::text::is_word(full[end]) {
                    end += 1;
                }
                let next = at(full, end);
                let wanted = matches!(next, b':' | b'.' | b'@' | b'-' | b'\\')
                    || next == b' ' && STREET_NEXT[usize::from(at(full, end + 1))]
                    || end <= i + 2 && person::lower_cue(full, i, end)
                    || person_lower::may_be_name(full, i, end, names);
                if wanted || end - i >= 200 {
                    return i;
                }
                i = end + usize::from(next == b' ');
            }
            _ => return i,
        }
    }
    i
}

/// `end`, the end of a word, moved past the blank that usually follows it: a blank starts no
/// detector, so the pass need not stop there.
#[inline(always)]
fn past_blank(b: &[u8], end: usize) -> usize {
    end + usize::from(at(b, end) == b' ')
}

/// The first backslash of `b` at or after `from` (`b.len()` if none).
fn backslash_from(b: &[u8], from: usize) -> usize {
    let s = from.min(b.len());
    memchr::memchr(b'\\', &b[s..]).map_or(b.len(), |p| s + p)
}

/// Whether `i` is a char boundary of `b` (or its end): not a UTF-8 continuation byte.
fn is_char_start(b: &[u8], i: usize) -> bool {
    !b.get(i).is_some_and(|c| (0x80..0xC0).contains(c))
}
