//! The wall clock the limit windows are aligned to (UTC minutes), injectable for tests.
//!
//! In production it is the system clock. For tests, the environment variable
//! [`TEST_CLOCK_ENV`] names a file holding a Unix time in milliseconds; every reading
//! reads the file again, so a test moves time forward by rewriting it (every replica reading
//! the same file sees the same time). A missing or unreadable file falls back to the system
//! clock. It is a test hook: never set it in production.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable naming the test clock file.
pub const TEST_CLOCK_ENV: &str = "PARLANCE_TEST_CLOCK_FILE";

/// A source of Unix time in milliseconds.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// A file holding Unix milliseconds, re-read at every reading (tests).
    File(PathBuf),
    /// A value set by the test itself (unit tests).
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// [`Clock::File`] when [`TEST_CLOCK_ENV`] is set, else [`Clock::System`].
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Clock {
        match env(TEST_CLOCK_ENV).filter(|p| !p.is_empty()) {
            Some(path) => {
                tracing::warn!(file = %path, "limit windows follow a test clock ({TEST_CLOCK_ENV})");
                Clock::File(PathBuf::from(path))
            }
            None => Clock::System,
        }
    }

    /// A manual clock at `ms`, and the handle that moves it.
    pub fn manual(ms: u64) -> (Clock, Arc<AtomicU64>) {
        let cell = Arc::new(AtomicU64::new(ms));
        (Clock::Manual(cell.clone()), cell)
    }

    /// Unix time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => system_ms(),
            Clock::Manual(cell) => cell.load(Ordering::Relaxed),
            Clock::File(path) => std::fs::read_to_string(path)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or_else(system_ms),
        }
    }
}

fn system_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The fixed window of `now_ms` for windows of `len_ms`: its index and the milliseconds left.
pub fn window(now_ms: u64, len_ms: u64) -> (u64, u64) {
    (now_ms / len_ms, len_ms - now_ms % len_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_the_minute() {
        assert_eq!(window(60_000 * 5 + 1_500, 60_000), (5, 58_500));
        assert_eq!(window(60_000 * 6, 60_000), (6, 60_000));
    }

    #[test]
    fn the_file_clock_follows_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clock");
        std::fs::write(&path, "120000\n").unwrap();
        let clock = Clock::from_env(&|_| Some(path.display().to_string()));
        assert_eq!(clock.now_ms(), 120_000);
        std::fs::write(&path, "180001").unwrap();
        assert_eq!(clock.now_ms(), 180_001);
        assert!(Clock::from_env(&|_| None).now_ms() > 1_600_000_000_000);
    }
}
