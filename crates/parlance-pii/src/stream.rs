//! Scrubbing and restoring text that arrives in pieces (a streamed model reply), exactly as if
//! it had arrived whole: for every way of cutting a text into chunks, the outputs of
//! [`StreamScrubber`] joined are [`Scrubber::scrub`] of the whole text, and those of
//! [`StreamRestorer`] are [`Vault::restore`] of it.
//!
//! Why this is exact, not approximate: the pass dispatches detectors at positions whose
//! windows are bounded ([`CONTEXT_BEFORE`] bytes before, [`CONTEXT_AFTER`] from it on, see
//! `detect/mod.rs`), and the only state a detector reads is the last few candidates. So the
//! stream runs the very same pass, resumed where it stopped: a position is dispatched once the
//! `CONTEXT_AFTER` bytes after it have arrived (it then sees the window it would see in the
//! whole text), with the last candidates carried over. A candidate starts at most
//! `CONTEXT_BEFORE` bytes before its position, so candidates are folded into findings (the
//! same fold as `resolve`, in the same total order) up to that frontier, and text before it
//! that no open finding covers is emitted at once. At most [`HOLD_BACK`] bytes are held.

use crate::detect::{CONTEXT_AFTER, CONTEXT_BEFORE, Pass, STATE_DEPTH};
use crate::resolve::{absorb, order};
use crate::{Entity, EntityCounts, Finding, Scrubber, Vault, names};
use std::borrow::Borrow;

/// The most text a [`StreamScrubber`] holds back: [`CONTEXT_BEFORE`] + [`CONTEXT_AFTER`]
/// bytes (384), plus up to 3 to end on a char boundary. Everything before the last `HOLD_BACK`
/// bytes received is emitted by the `push` that receives them, except a finding still being
/// merged with overlapping ones (then its start is where output stops; it is not kept in
/// memory, only its position and entity).
pub const HOLD_BACK: usize = CONTEXT_BEFORE + CONTEXT_AFTER;

/// Scrubs a text that arrives in chunks. [`StreamScrubber::push`] returns what is safe to emit
/// now, [`StreamScrubber::finish`] the rest; joined, they equal [`Scrubber::scrub`] of the
/// whole text, and the counts equal those of [`Scrubber::scrub_counted`].
///
/// ```
/// use parlance_pii::{EntityCounts, Scrubber, StreamScrubber};
/// let mut s = StreamScrubber::new(Scrubber::default());
/// let mut counts = EntityCounts::default();
/// let mut out = s.push("mail john.doe@exa", &mut counts);
/// out += &s.push("mple.com now", &mut counts);
/// out += &s.finish(&mut counts);
/// assert_eq!(out, "mail <EMAIL_ADDRESS> now");
/// assert_eq!(counts.total(), 1);
/// ```
#[derive(Clone)]
pub struct StreamScrubber {
    scrubber: Scrubber,
    /// The text received from `base` on.
    buf: String,
    /// Offset of `buf` in the whole text.
    base: usize,
    /// The next position the pass dispatches.
    next: usize,
    /// Output has been produced for the text before this offset.
    emitted: usize,
    /// The last [`STATE_DEPTH`] candidates, in the order the pass found them.
    recent: Vec<Finding>,
    /// Candidates not folded yet (they start at or after the last frontier).
    pending: Vec<Finding>,
    /// The finding being merged with overlapping candidates, once text before it is emitted.
    open: Option<Finding>,
    /// Scratch for the pass, kept to avoid allocating per push.
    scratch: Vec<Finding>,
    /// Scratch for the candidates being folded.
    ready: Vec<Finding>,
    /// The pass's memory of names found so far, carried from one dispatch to the next.
    memory: crate::model::memory::Memory,
}

impl StreamScrubber {
    /// A stream scrubber finding what `scrubber` finds.
    pub fn new(scrubber: Scrubber) -> StreamScrubber {
        StreamScrubber {
            scrubber,
            buf: String::new(),
            base: 0,
            next: 0,
            emitted: 0,
            recent: Vec::new(),
            pending: Vec::new(),
            open: None,
            scratch: Vec::new(),
            ready: Vec::new(),
            memory: Default::default(),
        }
    }

    /// Adds `chunk` and returns the scrubbed text that can be emitted now (often empty),
    /// adding one to `counts` per finding emitted.
    pub fn push(&mut self, chunk: &str, counts: &mut EntityCounts) -> String {
        if self.scrubber.entities().is_empty() {
            return chunk.to_string();
        }
        self.buf.push_str(chunk);
        self.advance(false, counts)
    }

    /// Ends the text: returns the rest of the scrubbed output. The scrubber is then ready for
    /// a new text.
    pub fn finish(&mut self, counts: &mut EntityCounts) -> String {
        let out = self.advance(true, counts);
        *self = StreamScrubber::new(self.scrubber);
        out
    }

    /// Bytes received but not emitted yet (at most [`HOLD_BACK`] + 3 outside a merge).
    pub fn held(&self) -> usize {
        self.base + self.buf.len() - self.emitted
    }

    fn advance(&mut self, done: bool, counts: &mut EntityCounts) -> String {
        let len = self.base + self.buf.len();
        let until = if done { len } else { len.saturating_sub(CONTEXT_AFTER) };
        if self.next < until {
            self.dispatch(until);
        }
        let frontier = if done { usize::MAX } else { self.next.saturating_sub(CONTEXT_BEFORE) };
        let mut out = String::new();
        self.fold(frontier, &mut out, counts);
        let stop = floor_char(&self.buf, frontier.min(len) - self.base) + self.base;
        if self.open.is_none() && stop > self.emitted {
            out.push_str(&self.buf[self.emitted - self.base..stop - self.base]);
            self.emitted = stop;
        }
        // The pass needs the text from the frontier on; the text before it is emitted, or
        // inside the open finding (which is replaced whole).
        self.buf.drain(..stop - self.base);
        self.base = stop;
        out
    }

    /// Runs the pass from `next` while positions are before `until`, with the last candidates
    /// as its state.
    fn dispatch(&mut self, until: usize) {
        let base = self.base;
        self.scratch.clear();
        self.scratch.extend(self.recent.iter().map(|f| match f.end.checked_sub(base) {
            Some(end) => Finding { entity: f.entity, start: f.start.saturating_sub(base), end },
            // Ended before the text kept: too far for any detector to use, but it still takes
            // its place among the last candidates.
            None => Finding { entity: Entity::Ip, start: 0, end: 0 },
        }));
        let seeds = self.scratch.len();
        let set = self.scrubber.entities();
        let mut pass = Pass::new(&self.buf, set, names::shared(), &mut self.scratch);
        pass.memory = self.memory;
        self.next = base + pass.run_range(self.next - base, until - base);
        self.memory = pass.memory;
        let found = self.scratch.drain(seeds..).map(|f| Finding {
            start: f.start + base,
            end: f.end + base,
            ..f
        });
        for f in found {
            self.pending.push(f);
            self.recent.push(f);
        }
        let extra = self.recent.len().saturating_sub(STATE_DEPTH);
        self.recent.drain(..extra);
    }

    /// Folds the candidates that start before `frontier` (all of them are known) into findings,
    /// emitting each finding (and the text before it) once nothing can merge into it any more.
    fn fold(&mut self, frontier: usize, out: &mut String, counts: &mut EntityCounts) {
        let mut ready = std::mem::take(&mut self.ready);
        ready.clear();
        self.pending.retain(|f| {
            let now = f.start < frontier;
            if now {
                ready.push(*f);
            }
            !now
        });
        ready.sort_unstable_by(order);
        for f in &ready {
            if !self.open.as_mut().is_some_and(|group| absorb(group, f)) {
                self.close(out, counts);
                self.open_at(*f, out);
            }
        }
        if self.open.is_some_and(|g| g.end <= frontier) {
            self.close(out, counts);
        }
        self.ready = ready;
    }

    /// Emits the text before `f` and opens it as the finding being merged.
    fn open_at(&mut self, f: Finding, out: &mut String) {
        out.push_str(&self.buf[self.emitted - self.base..f.start - self.base]);
        self.emitted = f.start;
        self.open = Some(f);
    }

    /// Emits the open finding's placeholder.
    fn close(&mut self, out: &mut String, counts: &mut EntityCounts) {
        if let Some(f) = self.open.take() {
            out.push_str(f.entity.placeholder());
            counts.bump(f.entity);
            self.emitted = f.end;
        }
    }
}

/// Shows positions only: the held text is personal data until it is scrubbed.
impl std::fmt::Debug for StreamScrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamScrubber")
            .field("scrubber", &self.scrubber)
            .field("received", &(self.base + self.buf.len()))
            .field("emitted", &self.emitted)
            .finish_non_exhaustive()
    }
}

/// The largest char boundary of `s` not after `i`.
fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Restores a vault's numbered placeholders in a text that arrives in chunks: joined, the
/// outputs equal [`Vault::restore`] of the whole text, however a placeholder is cut. Holds back
/// at most [`crate::PLACEHOLDER_MAX`]` - 1` bytes (from a `<` that may start a placeholder).
/// Works with a borrowed (`&Vault`) or an owned vault.
///
/// ```
/// use parlance_pii::{Entity, StreamRestorer, Vault};
/// let mut vault = Vault::new();
/// vault.placeholder(Entity::Person, "Ann Lee");
/// let mut r = StreamRestorer::new(&vault);
/// let out = r.push("Hi <PERS") + &r.push("ON_1>!") + &r.finish();
/// assert_eq!(out, "Hi Ann Lee!");
/// ```
#[derive(Clone)]
pub struct StreamRestorer<V: Borrow<Vault>> {
    vault: V,
    buf: String,
}

impl<V: Borrow<Vault>> StreamRestorer<V> {
    /// A restorer for the placeholders of `vault`.
    pub fn new(vault: V) -> Self {
        StreamRestorer { vault, buf: String::new() }
    }

    /// The vault.
    pub fn vault(&self) -> &Vault {
        self.vault.borrow()
    }

    /// Adds `chunk` and returns the restored text that can be emitted now.
    pub fn push(&mut self, chunk: &str) -> String {
        if self.vault.borrow().is_empty() {
            return chunk.to_string();
        }
        self.buf.push_str(chunk);
        self.restore(false)
    }

    /// Ends the text: returns the rest, restored. The restorer is then ready for a new text.
    pub fn finish(&mut self) -> String {
        self.restore(true)
    }

    /// Bytes received but not emitted yet (at most [`crate::PLACEHOLDER_MAX`]` - 1`).
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    fn restore(&mut self, complete: bool) -> String {
        let (out, used) = self.vault.borrow().restore_prefix(&self.buf, complete);
        self.buf.drain(..used);
        out
    }
}

/// Shows the held length only: the vault and the held text are personal data.
impl<V: Borrow<Vault>> std::fmt::Debug for StreamRestorer<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamRestorer").field("held", &self.buf.len()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::{HOLD_BACK, StreamRestorer, StreamScrubber};
    use crate::{Entity, EntityCounts, EntitySet, Scrubber, Vault};

    fn run(s: &mut StreamScrubber, parts: &[&str], counts: &mut EntityCounts) -> String {
        let mut out: String = parts.iter().map(|p| s.push(p, counts)).collect();
        out += &s.finish(counts);
        out
    }

    #[test]
    fn nothing_to_find_passes_through_at_once() {
        let mut s = StreamScrubber::new(Scrubber::new(EntitySet::empty()));
        let mut counts = EntityCounts::default();
        assert_eq!(s.push("mail a@b.co", &mut counts), "mail a@b.co");
        assert_eq!(s.finish(&mut counts), "");
        let vault = Vault::new();
        let mut r = StreamRestorer::new(&vault);
        assert_eq!(r.push("<PERSON_1"), "<PERSON_1");
    }

    #[test]
    fn ready_for_a_new_text_after_finish() {
        let mut s = StreamScrubber::new(Scrubber::default());
        let mut counts = EntityCounts::default();
        assert_eq!(
            run(&mut s, &["mail jo", "hn.doe@example.com"], &mut counts),
            "mail <EMAIL_ADDRESS>"
        );
        assert_eq!(run(&mut s, &["ip 10.0", ".0.1 ok"], &mut counts), "ip <IP> ok");
        assert_eq!(counts.get(Entity::EmailAddress) + counts.get(Entity::Ip), 2);
        assert!(!format!("{s:?}").contains("10.0"));
    }

    #[test]
    fn a_long_merging_finding_is_not_kept_in_memory() {
        // Capitalised names one after another: each candidate overlaps the next, so the whole
        // run is one finding; output waits for its end, the memory does not grow with it.
        let scrubber = Scrubber::default();
        let text = format!("Dear {} hello.", "Ann Lee Bob Ray ".repeat(300).trim_end());
        let want = scrubber.scrub(&text);
        let mut s = StreamScrubber::new(scrubber);
        let mut counts = EntityCounts::default();
        let (mut out, mut waited) = (String::new(), 0);
        for k in (0..text.len()).step_by(16) {
            out += &s.push(&text[k..text.len().min(k + 16)], &mut counts);
            assert!(s.buf.len() <= HOLD_BACK + 3 + 16, "{}", s.buf.len());
            waited = waited.max(s.held());
        }
        out += &s.finish(&mut counts);
        assert_eq!(out, want);
        assert!(waited > 4 * HOLD_BACK, "no long merge: {waited} {want}");
    }

    #[test]
    fn restorer_holds_only_a_possible_placeholder() {
        let mut vault = Vault::new();
        vault.placeholder(Entity::Person, "Ann");
        let mut r = StreamRestorer::new(vault);
        // The first `<` is undecided until a `>` or 40 bytes follow it.
        assert_eq!(r.push("a < b <PER"), "a ");
        assert_eq!(r.held(), 8);
        assert_eq!(r.push("SON_1> and <x"), "< b Ann and ");
        assert_eq!(r.held(), 2);
        assert_eq!(r.finish(), "<x");
    }
}
