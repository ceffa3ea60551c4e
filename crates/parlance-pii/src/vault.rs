//! [`Vault`]: the per-request mapping behind reversible scrubbing. Each distinct (entity, value)
//! gets a numbered placeholder (`<PERSON_1>`, `<PERSON_2>`, `<EMAIL_ADDRESS_1>`; numbered per
//! entity), and [`Vault::restore`] puts the originals back. It lives only in memory.

use crate::Entity;
use crate::json::{Strings, map_strings};
use std::borrow::Cow;
use std::collections::HashMap;

/// The longest span [`Vault::restore`] reads for one placeholder, `<` to `>` included: longer
/// than any placeholder a vault makes (`<STREET_ADDRESS_4294967295>` is 27 bytes).
pub const PLACEHOLDER_MAX: usize = 40;

/// What [`Vault::next_placeholder`] found.
enum Next<'v> {
    /// A placeholder at `[start, end)` and the original it stands for.
    Found(usize, usize, &'v str),
    /// A `<` at this offset that may start a placeholder not complete yet.
    Pending(usize),
    /// Nothing more.
    None,
}

/// The mapping from numbered placeholders to original values for one request.
#[derive(Clone, Default, Debug)]
pub struct Vault {
    by_value: HashMap<(Entity, String), usize>,
    by_placeholder: HashMap<String, usize>,
    entries: Vec<(String, String)>,
    counters: [u32; 12],
}

impl Vault {
    /// An empty vault.
    pub fn new() -> Vault {
        Vault::default()
    }

    /// Whether no value has been stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of distinct values stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The (placeholder, original) pairs, in the order they were first seen.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(p, o)| (p.as_str(), o.as_str()))
    }

    /// The placeholder for `value` of kind `entity`, numbering it if it is new.
    pub fn placeholder(&mut self, entity: Entity, value: &str) -> &str {
        let key = (entity, value.to_string());
        let idx = match self.by_value.get(&key) {
            Some(i) => *i,
            None => self.insert(key),
        };
        &self.entries[idx].0
    }

    fn insert(&mut self, key: (Entity, String)) -> usize {
        let n = &mut self.counters[key.0 as usize];
        *n += 1;
        let placeholder = format!("<{}_{}>", key.0.label(), n);
        let idx = self.entries.len();
        self.by_placeholder.insert(placeholder.clone(), idx);
        self.entries.push((placeholder, key.1.clone()));
        self.by_value.insert(key, idx);
        idx
    }

    /// Replaces every numbered placeholder of this vault in `text` by its original value.
    pub fn restore<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.entries.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out: Option<String> = None;
        let (mut copied, mut i) = (0, 0);
        while let Next::Found(s, e, original) = self.next_placeholder(text, i, true) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 32));
            o.push_str(&text[copied..s]);
            o.push_str(original);
            (copied, i) = (e, e);
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut o) => {
                o.push_str(&text[copied..]);
                Cow::Owned(o)
            }
        }
    }

    /// [`Vault::restore`] of the part of `text` that no continuation can change: returns it
    /// restored and how many bytes of `text` it covers (all of them when `complete`, else up to a
    /// `<` whose placeholder may still be arriving). Used by [`crate::StreamRestorer`].
    pub(crate) fn restore_prefix(&self, text: &str, complete: bool) -> (String, usize) {
        let mut out = String::new();
        let (mut copied, mut i) = (0, 0);
        loop {
            match self.next_placeholder(text, i, complete) {
                Next::Found(s, e, original) => {
                    out.push_str(&text[copied..s]);
                    out.push_str(original);
                    (copied, i) = (e, e);
                }
                Next::Pending(s) => {
                    out.push_str(&text[copied..s]);
                    return (out, s);
                }
                Next::None => {
                    out.push_str(&text[copied..]);
                    return (out, text.len());
                }
            }
        }
    }

    /// The next placeholder of this vault in `text` from `i`: a `<`, then the first `>` within
    /// [`PLACEHOLDER_MAX`] bytes of it, naming a stored entry. Unless `complete`, a `<` too close
    /// to the end of `text` for that to be decided is [`Next::Pending`].
    fn next_placeholder(&self, text: &str, mut i: usize, complete: bool) -> Next<'_> {
        let b = text.as_bytes();
        while let Some(p) = memchr::memchr(b'<', &b[i..]) {
            let s = i + p;
            i = s + 1;
            let Some(len) = memchr::memchr(b'>', &b[s..b.len().min(s + PLACEHOLDER_MAX)]) else {
                if !complete && s + PLACEHOLDER_MAX > b.len() {
                    return Next::Pending(s);
                }
                continue;
            };
            if let Some(idx) = self.by_placeholder.get(&text[s..=s + len]) {
                return Next::Found(s, s + len + 1, &self.entries[*idx].1);
            }
        }
        Next::None
    }

    /// Restores inside the string values (and keys) of a JSON document, re-escaping the
    /// originals so the output stays valid JSON; text that is not JSON is restored as text.
    pub fn restore_json<'a>(&self, json: &'a str) -> Cow<'a, str> {
        if self.entries.is_empty() || memchr::memchr(b'<', json.as_bytes()).is_none() {
            return Cow::Borrowed(json);
        }
        if !crate::json::is_json(json) {
            return self.restore(json);
        }
        map_strings(json, Strings::All, |s| self.restore(s))
    }
}

#[cfg(test)]
mod tests {
    use super::Vault;
    use crate::Entity;

    #[test]
    fn numbers_per_entity_and_reuses() {
        let mut v = Vault::new();
        assert_eq!(v.placeholder(Entity::Person, "Ann"), "<PERSON_1>");
        assert_eq!(v.placeholder(Entity::Person, "Bob"), "<PERSON_2>");
        assert_eq!(v.placeholder(Entity::EmailAddress, "a@b.co"), "<EMAIL_ADDRESS_1>");
        assert_eq!(v.placeholder(Entity::Person, "Ann"), "<PERSON_1>");
        assert_eq!(v.len(), 3);
        assert_eq!(
            v.restore("Hi <PERSON_2>, <PERSON_1> <x> <PERSON_9>"),
            "Hi Bob, Ann <x> <PERSON_9>"
        );
    }

    #[test]
    fn restore_json_escapes() {
        let mut v = Vault::new();
        v.placeholder(Entity::Person, "Ann \"Q\"");
        let out = v.restore_json(r#"{"to":"<PERSON_1>"}"#);
        assert_eq!(out, r#"{"to":"Ann \"Q\""}"#);
    }
}
