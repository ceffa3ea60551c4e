//! [`Scrubber`]: the engine's entry point. Cheap to build and to clone (a `Copy` entity set);
//! the name tables behind it are one process-wide copy ([`crate::names::shared`]), built on the
//! first scan that looks for people's names, so components that never scrub pay nothing.

use crate::detect::Pass;
use crate::json::{Strings, is_json, map_strings};
use crate::names;
use crate::resolve::resolve;
use crate::{EntityCounts, EntitySet, Finding, Vault};
use std::borrow::Cow;

/// Finds and replaces personal data. `Send + Sync`; clone freely.
#[derive(Clone, Copy)]
pub struct Scrubber {
    set: EntitySet,
}

impl Default for Scrubber {
    fn default() -> Self {
        Scrubber::new(EntitySet::all())
    }
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber").field("entities", &self.set).finish()
    }
}

impl Scrubber {
    /// A scrubber for the given entities.
    pub fn new(entities: EntitySet) -> Scrubber {
        Scrubber { set: entities }
    }

    /// Builds the shared name tables now rather than on the first scan (a few milliseconds
    /// and about 3 MiB, once per process).
    pub fn warm_up() {
        names::shared();
    }

    /// The entities this scrubber looks for.
    pub fn entities(&self) -> EntitySet {
        self.set
    }

    /// The findings in `text`: sorted, non-overlapping byte ranges on char boundaries.
    /// Allocates nothing when nothing is found.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.set.is_empty() {
            return out;
        }
        Pass::new(text, self.set, names::shared(), &mut out).run();
        resolve(&mut out);
        out
    }

    /// `text` with each finding replaced by its entity's placeholder (`<EMAIL_ADDRESS>`);
    /// borrowed, without allocating, when nothing is found.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.replace(text, |f, _| Cow::Borrowed(f.entity.placeholder()))
    }

    /// Like [`Scrubber::scrub`], adding one to `counts` per replaced finding.
    pub fn scrub_counted<'a>(&self, text: &'a str, counts: &mut EntityCounts) -> Cow<'a, str> {
        self.replace(text, |f, _| {
            counts.bump(f.entity);
            Cow::Borrowed(f.entity.placeholder())
        })
    }

    /// Replaces findings by numbered placeholders (`<PERSON_1>`) recorded in `vault`, so that
    /// [`Vault::restore`] can put the originals back. The same value gets the same number.
    pub fn scrub_reversible<'a>(&self, text: &'a str, vault: &mut Vault) -> Cow<'a, str> {
        self.replace(text, |f, value| Cow::Owned(vault.placeholder(f.entity, value).to_string()))
    }

    /// Scrubs every string value of a JSON document (e.g. tool-call arguments); the output stays
    /// valid JSON and keys are kept. Input that is not JSON is scrubbed as text.
    pub fn scrub_json<'a>(&self, json: &'a str, counts: &mut EntityCounts) -> Cow<'a, str> {
        if !is_json(json) {
            return self.scrub_counted(json, counts);
        }
        map_strings(json, Strings::Values, |s| self.scrub_counted(s, counts))
    }

    /// [`Scrubber::scrub_json`] with numbered placeholders recorded in `vault`.
    pub fn scrub_json_reversible<'a>(&self, json: &'a str, vault: &mut Vault) -> Cow<'a, str> {
        if !is_json(json) {
            return self.scrub_reversible(json, vault);
        }
        map_strings(json, Strings::Values, |s| self.scrub_reversible(s, vault))
    }

    fn replace<'a>(
        &self,
        text: &'a str,
        mut with: impl FnMut(&Finding, &str) -> Cow<'static, str>,
    ) -> Cow<'a, str> {
        let found = self.find(text);
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16 * found.len());
        let mut copied = 0;
        for f in &found {
            out.push_str(&text[copied..f.start]);
            out.push_str(&with(f, &text[f.start..f.end]));
            copied = f.end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}
