//! [`Finding`]: one piece of personal data located in a text.

use crate::Entity;

/// One finding: the entity and its byte range `[start, end)` in the scanned text. The ranges
/// returned by [`crate::Scrubber::find`] are sorted, non-overlapping and on char boundaries.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Finding {
    /// What was found.
    pub entity: Entity,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Finding {
    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span is empty (never true for a returned finding).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether the two spans share at least one byte.
    pub fn overlaps(&self, other: &Finding) -> bool {
        self.start < other.end && other.start < self.end
    }
}
