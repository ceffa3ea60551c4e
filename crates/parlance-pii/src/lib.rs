//! # parlance-pii
//!
//! The PII detection and scrubbing engine of parlance: pure (no I/O, no async), fast, and
//! usable on its own. It finds e-mail addresses, phone numbers, IP addresses, card numbers,
//! US SSNs, IBANs, MAC addresses, whole postal addresses, PO boxes, ZIP codes (in context),
//! people's names and URLs, and replaces them with Dapr's placeholders (`<EMAIL_ADDRESS>`, ...)
//! or, in reversible mode, with numbered ones (`<PERSON_1>`) that a [`Vault`] can restore.
//!
//! ```
//! use parlance_pii::{Scrubber, EntitySet};
//! let s = Scrubber::new(EntitySet::all());
//! assert_eq!(s.scrub("mail test@test.com from 10.8.9.1"), "mail <EMAIL_ADDRESS> from <IP>");
//! assert!(matches!(s.scrub("nothing here"), std::borrow::Cow::Borrowed(_)));
//! ```
//!
//! How it works: one pass over the bytes dispatches only words that can start an entity (digits,
//! capitals, a few trigger letters, `@`, `+`, `(`, `::`) to small validating detectors (Luhn,
//! mod-97, number-plan shapes, parsed IPs, census name tables plus context cues); overlapping
//! candidates are resolved longest-first. See `DIFFERENCES.md` for where it departs from Dapr.
//!
//! Streams: [`StreamScrubber`] and [`StreamRestorer`] take a text chunk by chunk and give, joined,
//! exactly what [`Scrubber::scrub`] and [`Vault::restore`] give for the whole text, holding back
//! at most [`HOLD_BACK`] bytes (every detector sees only a window of [`CONTEXT_BEFORE`] bytes
//! before its position and [`CONTEXT_AFTER`] from it).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod detect;
mod entity;
mod finding;
mod json;
mod model;
mod names;
mod resolve;
mod scrubber;
mod stream;
mod text;
mod vault;

pub use detect::{CONTEXT_AFTER, CONTEXT_BEFORE};
pub use entity::{Entity, EntityCounts, EntitySet};
pub use finding::Finding;
pub use scrubber::Scrubber;
pub use stream::{HOLD_BACK, StreamRestorer, StreamScrubber};
pub use vault::{PLACEHOLDER_MAX, Vault};

/// Training the person model (`examples/train_person.rs`).
#[cfg(feature = "train")]
#[doc(hidden)]
pub use model::train;
