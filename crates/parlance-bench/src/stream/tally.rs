//! What one client saw over its streams: time to first content chunk, gaps between content
//! chunks (both in µs, in HDR histograms), frames and content bytes, streams completed, cut
//! short or failed, and stalls (a wait for a frame longer than the stall bound).

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Highest value a histogram keeps (µs); longer waits are recorded as this.
const HIGHEST_US: u64 = 600_000_000;

/// The counters and histograms of one client, merged over all clients at the end.
#[derive(Debug, Clone)]
pub struct Tally {
    ttft: Histogram<u64>,
    gap: Histogram<u64>,
    frames: u64,
    bytes: u64,
    started: u64,
    completed: u64,
    errors: u64,
    short: u64,
    stalls: u64,
    late_first: u64,
    first_error: Option<String>,
    stall_after: Duration,
    current: Option<Current>,
}

/// The stream in progress.
#[derive(Debug, Clone, Copy)]
struct Current {
    start: Instant,
    last: Option<Instant>,
    frames: u64,
}

#[expect(clippy::expect_used, reason = "constant bounds that hdrhistogram accepts")]
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("valid histogram bounds")
}

fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Tally {
    /// An empty tally; a wait longer than `stall_after` for a frame is a stall.
    pub fn new(stall_after: Duration) -> Self {
        Tally {
            ttft: histogram(),
            gap: histogram(),
            frames: 0,
            bytes: 0,
            started: 0,
            completed: 0,
            errors: 0,
            short: 0,
            stalls: 0,
            late_first: 0,
            first_error: None,
            stall_after,
            current: None,
        }
    }

    /// A stream's request is about to be written.
    pub fn start(&mut self, at: Instant) {
        self.started += 1;
        self.current = Some(Current { start: at, last: None, frames: 0 });
    }

    /// A content chunk of `bytes` bytes arrived at `at`.
    pub fn frame(&mut self, at: Instant, bytes: usize) {
        let Some(cur) = self.current.as_mut() else { return };
        match cur.last {
            None => {
                let d = at.saturating_duration_since(cur.start);
                self.ttft.saturating_record(us(d));
                if d > self.stall_after {
                    self.late_first += 1;
                }
            }
            Some(last) => {
                let d = at.saturating_duration_since(last);
                self.gap.saturating_record(us(d));
                if d > self.stall_after {
                    self.stalls += 1;
                }
            }
        }
        cur.last = Some(at);
        cur.frames += 1;
        self.frames += 1;
        self.bytes += bytes as u64;
    }

    /// The stream ended with its terminal event; fewer than `expect` frames (if not 0) is short.
    pub fn complete(&mut self, expect: u64) {
        if let Some(cur) = self.current.take() {
            self.completed += 1;
            if expect > 0 && cur.frames < expect {
                self.short += 1;
            }
        }
    }

    /// The first frame arrived and the stream is abandoned on purpose (`--first-only`).
    pub fn abandon(&mut self) {
        if self.current.take().is_some() {
            self.completed += 1;
        }
    }

    /// The stream failed (status, error event, connection, timeout).
    pub fn fail(&mut self, why: String) {
        self.current = None;
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(why);
        }
    }

    /// Adds another client's tally.
    pub fn merge(&mut self, other: &Tally) {
        let _ = self.ttft.add(&other.ttft);
        let _ = self.gap.add(&other.gap);
        self.frames += other.frames;
        self.bytes += other.bytes;
        self.started += other.started;
        self.completed += other.completed;
        self.errors += other.errors;
        self.short += other.short;
        self.stalls += other.stalls;
        self.late_first += other.late_first;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }

    /// The JSON report over `wall` seconds of load.
    pub fn report(&self, concurrency: usize, wall: Duration) -> Value {
        let secs = wall.as_secs_f64().max(1e-9);
        let q = |h: &Histogram<u64>, p: f64| if h.is_empty() { 0 } else { h.value_at_quantile(p) };
        json!({
            "concurrency": concurrency,
            "started": self.started,
            "completed": self.completed,
            "errors": self.errors,
            "short": self.short,
            "first_error": self.first_error,
            "frames": self.frames,
            "bytes": self.bytes,
            "wall_s": secs,
            "frames_per_s": self.frames as f64 / secs,
            "bytes_per_s": self.bytes as f64 / secs,
            "ttft_samples": self.ttft.len(),
            "ttft_p50_us": q(&self.ttft, 0.5),
            "ttft_p99_us": q(&self.ttft, 0.99),
            "ttft_max_us": self.ttft.max(),
            "gap_samples": self.gap.len(),
            "gap_p50_us": q(&self.gap, 0.5),
            "gap_p99_us": q(&self.gap, 0.99),
            "gap_max_us": self.gap.max(),
            "stalls": self.stalls,
            "late_first": self.late_first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn first_frame_is_ttft_then_gaps_and_stalls() {
        let mut t = Tally::new(200 * MS);
        let t0 = Instant::now();
        t.start(t0);
        t.frame(t0 + 5 * MS, 3);
        t.frame(t0 + 25 * MS, 4);
        t.frame(t0 + 300 * MS, 1);
        t.complete(4);
        let r = t.report(1, Duration::from_secs(1));
        assert_eq!(r["ttft_samples"], 1);
        assert_eq!(r["gap_samples"], 2);
        assert_eq!(r["stalls"], 1);
        assert_eq!(r["short"], 1);
        assert_eq!(r["bytes"], 8);
        let ttft = r["ttft_p50_us"].as_u64().unwrap();
        assert!((4990..=5010).contains(&ttft), "{ttft}");
    }

    #[test]
    fn failures_and_merge() {
        let mut a = Tally::new(200 * MS);
        a.start(Instant::now());
        a.fail("status 503".into());
        let mut b = Tally::new(200 * MS);
        let t0 = Instant::now();
        b.start(t0);
        b.frame(t0 + 300 * MS, 1);
        b.abandon();
        a.merge(&b);
        let r = a.report(2, Duration::from_secs(2));
        assert_eq!(r["errors"], 1);
        assert_eq!(r["completed"], 1);
        assert_eq!(r["late_first"], 1);
        assert_eq!(r["first_error"], "status 503");
        assert_eq!(r["frames_per_s"], 0.5);
    }
}
