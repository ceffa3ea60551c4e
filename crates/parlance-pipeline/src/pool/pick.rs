//! Choosing a member: the strategies (smooth weighted round robin, fewest in flight, power of
//! two choices on latency × load, weighted rendezvous hashing for affinity) over the members
//! that are in rotation and not yet tried by this request, and each member's health: 3
//! failures in a row take it out of rotation, and it is probed again after 5 s, then 10 s,
//! 20 s, … up to 60 s while the probes fail; a 429 with `retry-after` rests it that long. A
//! member with a circuit breaker (its resiliency policy) is out while the breaker is open and
//! back for the breaker's probes when it turns half-open, whatever its own rest says. The
//! counters behind the per-member metrics ([`MemberStats`]) are bumped here.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::config::Strategy;
use crate::resiliency::{BreakerState, ResiliencyStats};

/// Pools up to this many members choose without allocating.
pub const INLINE: usize = 16;

/// Failures in a row that take a member out of rotation.
pub const EJECT_AFTER: u32 = 3;
/// The first rest of an ejected member; it doubles for each failed probe.
pub const FIRST_REST: Duration = Duration::from_secs(5);
/// The longest rest.
pub const MAX_REST: Duration = Duration::from_secs(60);

/// One member's counters.
#[derive(Debug, Default)]
struct Health {
    in_flight: Arc<AtomicUsize>,
    failures: AtomicU32,
    /// Ejections since the last success (the rest doubles with each).
    backoff: AtomicU32,
    /// Times chosen, ejected and rested since start-up (metrics).
    picks: AtomicU64,
    ejections: AtomicU64,
    rests: AtomicU64,
    /// Moving average of the time to the first byte of an answer, in µs (0: none yet).
    latency_us: AtomicU64,
    /// Milliseconds after the picker's epoch before which the member is out of rotation.
    out_until: AtomicU64,
}

/// The choosing state of one pool (shared by every request to it).
#[derive(Debug)]
pub struct Picker {
    strategy: Strategy,
    weights: Vec<u32>,
    health: Vec<Health>,
    /// Each member's resiliency state, when its policy has a circuit breaker.
    breakers: Vec<Option<ResiliencyStats>>,
    /// Smooth weighted round robin's current weights (a few integers, held for nanoseconds).
    current: Mutex<Vec<i64>>,
    /// Rotates the start of the least-busy scan so ties are spread.
    rotor: AtomicUsize,
    epoch: Instant,
}

/// A call in flight on one member; leaving it (dropping) ends the call's count.
#[derive(Debug)]
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Picker {
    /// A picker over members with these weights.
    pub fn new(strategy: Strategy, weights: Vec<u32>) -> Picker {
        let health = weights.iter().map(|_| Health::default()).collect();
        let current = Mutex::new(vec![0; weights.len()]);
        let rotor = AtomicUsize::new(0);
        let breakers = weights.iter().map(|_| None).collect();
        Picker { strategy, weights, health, breakers, current, rotor, epoch: Instant::now() }
    }

    /// The same picker, watching each member's circuit breaker (`None`: the member has none).
    pub fn with_breakers(mut self, breakers: Vec<Option<ResiliencyStats>>) -> Picker {
        if breakers.len() == self.weights.len() {
            self.breakers = breakers;
        }
        self
    }

    /// The member for the next attempt, skipping those already `tried`: among the members in
    /// rotation when any untried one is, else among the resting ones (better a probe than no
    /// answer). Drained members (weight 0) are never chosen. `key`: the affinity hash.
    pub fn pick(&self, tried: &[bool], key: Option<u64>) -> Option<usize> {
        let now = self.now_ms();
        let n = self.weights.len();
        let untried = |i: &usize| !tried.get(*i).copied().unwrap_or(true) && self.weights[*i] > 0;
        let ready = |i: &usize| untried(i) && self.in_rotation(*i, now);
        // The candidates on the stack (no allocation per request) unless the pool is large.
        if n <= INLINE {
            let mut buf = [0; INLINE];
            let mut len = fill(&mut buf, (0..n).filter(ready));
            if len == 0 {
                len = fill(&mut buf, (0..n).filter(untried));
            }
            return self.choose(&buf[..len], key);
        }
        let ready: Vec<usize> = (0..n).filter(ready).collect();
        let candidates = if ready.is_empty() { (0..n).filter(untried).collect() } else { ready };
        self.choose(&candidates, key)
    }

    /// The strategy's choice among `candidates` (`None` when there is none).
    fn choose(&self, candidates: &[usize], key: Option<u64>) -> Option<usize> {
        if candidates.is_empty() {
            return None;
        }
        Some(match (self.strategy, key) {
            (Strategy::LeastBusy, _) => self.least_busy(candidates),
            (Strategy::Latency, _) => self.two_choices(candidates),
            (Strategy::Affinity, Some(key)) => self.rendezvous(candidates, key),
            _ => self.smooth(candidates),
        })
    }

    /// Whether member `i` may be chosen at `now`: its breaker decides when it has one and it
    /// is not closed (open: out; half-open: in, for the breaker's probes), else its own rest.
    fn in_rotation(&self, i: usize, now: u64) -> bool {
        let breaker = self.breakers[i].as_ref().and_then(ResiliencyStats::breaker_state);
        match breaker {
            Some(BreakerState::Open) => false,
            Some(BreakerState::HalfOpen) => true,
            _ => self.health[i].out_until.load(Ordering::Relaxed) <= now,
        }
    }

    /// Counts a call on member `i` until the returned guard is dropped.
    pub fn enter(&self, i: usize) -> InFlight {
        self.health[i].picks.fetch_add(1, Ordering::Relaxed);
        let n = &self.health[i].in_flight;
        n.fetch_add(1, Ordering::Relaxed);
        InFlight(n.clone())
    }

    /// Member `i` answered, its first byte `after` the call began: back in rotation (a probe
    /// succeeded), its failure count cleared, its latency average moved 30 % of the way to
    /// this sample.
    pub fn succeeded(&self, i: usize, after: Duration) {
        let h = &self.health[i];
        let sample = (after.as_micros() as u64).max(1);
        let old = h.latency_us.load(Ordering::Relaxed);
        let new = if old == 0 { sample } else { (old * 7 + sample * 3) / 10 };
        h.latency_us.store(new.max(1), Ordering::Relaxed);
        if h.failures.load(Ordering::Relaxed) != 0 {
            h.failures.store(0, Ordering::Relaxed);
            h.backoff.store(0, Ordering::Relaxed);
            h.out_until.store(0, Ordering::Relaxed);
        }
    }

    /// Member `i` failed before its first byte; the third failure in a row (and each failed
    /// probe after it) takes it out of rotation for a rest that doubles up to [`MAX_REST`].
    pub fn failed(&self, i: usize) {
        let h = &self.health[i];
        if h.failures.fetch_add(1, Ordering::Relaxed) + 1 < EJECT_AFTER {
            return;
        }
        h.ejections.fetch_add(1, Ordering::Relaxed);
        let n = h.backoff.fetch_add(1, Ordering::Relaxed).min(4);
        let rest = (FIRST_REST * (1u32 << n)).min(MAX_REST);
        let until = self.now_ms() + rest.as_millis() as u64;
        h.out_until.store(until, Ordering::Relaxed);
        tracing::debug!(
            member = i,
            rest_ms = rest.as_millis() as u64,
            "pool member out of rotation"
        );
    }

    /// Member `i` asked to be left alone for `rest` (a 429's `retry-after`); a longer rest
    /// already running is kept.
    pub fn rest(&self, i: usize, rest: Duration) {
        let until = self.now_ms() + rest.as_millis() as u64;
        self.health[i].rests.fetch_add(1, Ordering::Relaxed);
        self.health[i].out_until.fetch_max(until, Ordering::Relaxed);
    }

    /// Whether member `i` is out of rotation now.
    pub fn resting(&self, i: usize) -> bool {
        !self.in_rotation(i, self.now_ms())
    }

    /// Member `i`'s counters now.
    pub fn stats(&self, i: usize) -> MemberStats {
        let h = &self.health[i];
        MemberStats {
            picks: h.picks.load(Ordering::Relaxed),
            in_flight: h.in_flight.load(Ordering::Relaxed) as u64,
            latency: Duration::from_micros(h.latency_us.load(Ordering::Relaxed)),
            ejections: h.ejections.load(Ordering::Relaxed),
            rests: h.rests.load(Ordering::Relaxed),
            in_rotation: !self.resting(i),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// nginx's smooth weighted round robin over the candidates.
    fn smooth(&self, candidates: &[usize]) -> usize {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = 0i64;
        let mut best = candidates[0];
        for &i in candidates {
            let w = i64::from(self.weights[i]);
            current[i] += w;
            total += w;
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        best
    }

    /// The candidate with the fewest calls in flight; ties go round.
    fn least_busy(&self, candidates: &[usize]) -> usize {
        let start = self.rotor.fetch_add(1, Ordering::Relaxed);
        let n = candidates.len();
        let rotated = (0..n).map(|k| candidates[(start + k) % n]);
        let busy = |i: &usize| self.health[*i].in_flight.load(Ordering::Relaxed);
        rotated.min_by_key(busy).unwrap_or(candidates[0])
    }

    /// Power of two choices: of two different candidates drawn at random, the one whose
    /// latency average times (calls in flight + 1) is lower; a member without an average yet
    /// costs 0, so it is tried early.
    fn two_choices(&self, candidates: &[usize]) -> usize {
        let n = candidates.len();
        if n == 1 {
            return candidates[0];
        }
        let draw = mix(self.rotor.fetch_add(1, Ordering::Relaxed) as u64);
        let first = (draw % n as u64) as usize;
        let second = (first + 1 + ((draw >> 32) % (n as u64 - 1)) as usize) % n;
        let (a, b) = (candidates[first], candidates[second]);
        let cost = |i: usize| {
            let h = &self.health[i];
            let busy = h.in_flight.load(Ordering::Relaxed) as u64 + 1;
            h.latency_us.load(Ordering::Relaxed).saturating_mul(busy)
        };
        if cost(b) < cost(a) { b } else { a }
    }

    /// Weighted rendezvous hashing: the same key picks the same member while it is a
    /// candidate; when it leaves, only its keys move.
    fn rendezvous(&self, candidates: &[usize], key: u64) -> usize {
        let score = |i: usize| {
            let u = (mix(key ^ mix(i as u64 + 1)) >> 11) as f64 / (1u64 << 53) as f64;
            -(u.max(f64::MIN_POSITIVE)).ln() / f64::from(self.weights[i])
        };
        let mut best = (candidates[0], score(candidates[0]));
        for &i in &candidates[1..] {
            let s = score(i);
            if s < best.1 {
                best = (i, s);
            }
        }
        best.0
    }
}

/// One member's counters, as the metrics export them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberStats {
    /// Attempts sent to the member since start-up.
    pub picks: u64,
    /// Calls on the member now (a stream counts until it ends).
    pub in_flight: u64,
    /// Moving average of its time to the first byte (zero before its first answer).
    pub latency: Duration,
    /// Times it was taken out of rotation by failures in a row.
    pub ejections: u64,
    /// Times a 429's `retry-after` rested it.
    pub rests: u64,
    /// Whether it may be chosen now.
    pub in_rotation: bool,
}

/// splitmix64's finaliser: a well-spread 64-bit hash of a 64-bit value.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Writes the indices of `iter` into `buf` (as many as fit); how many were written.
fn fill(buf: &mut [usize], iter: impl Iterator<Item = usize>) -> usize {
    let mut len = 0;
    for (slot, i) in buf.iter_mut().zip(iter) {
        *slot = i;
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(p: &Picker, n: usize, rounds: usize) -> Vec<usize> {
        let mut c = vec![0; n];
        for _ in 0..rounds {
            c[p.pick(&vec![false; n], None).unwrap()] += 1;
        }
        c
    }

    #[test]
    fn smooth_round_robin_interleaves_and_holds_weights_exactly() {
        let p = Picker::new(Strategy::Weighted, vec![5, 1, 1]);
        let seq: Vec<usize> = (0..7).map(|_| p.pick(&[false; 3], None).unwrap()).collect();
        assert_eq!(seq, [0, 0, 1, 0, 2, 0, 0], "nginx's sequence for 5,1,1");
        assert_eq!(counts(&p, 3, 7_000), [5_000, 1_000, 1_000]);
    }

    #[test]
    fn drained_and_tried_members_are_skipped() {
        let p = Picker::new(Strategy::Weighted, vec![1, 0, 1]);
        assert_eq!(counts(&p, 3, 10)[1], 0);
        assert_eq!(p.pick(&[true, false, false], None), Some(2));
        assert_eq!(p.pick(&[true, false, true], None), None);
    }

    #[test]
    fn least_busy_prefers_the_idle_member() {
        let p = Picker::new(Strategy::LeastBusy, vec![1, 1, 1]);
        let _a = p.enter(0);
        let _b = p.enter(2);
        for _ in 0..5 {
            assert_eq!(p.pick(&[false; 3], None), Some(1));
        }
        let busy = p.enter(1);
        let _c = p.enter(1);
        assert_ne!(p.pick(&[false; 3], None), Some(1));
        drop(busy);
    }

    #[tokio::test(start_paused = true)]
    async fn three_failures_in_a_row_rest_a_member_and_a_failed_probe_doubles_the_rest() {
        let p = Picker::new(Strategy::Weighted, vec![1, 1]);
        p.failed(0);
        p.failed(0);
        p.succeeded(0, Duration::ZERO);
        p.failed(0);
        p.failed(0);
        assert!(!p.resting(0), "the success broke the run");
        p.failed(0);
        assert!(p.resting(0));
        assert_eq!(counts(&p, 2, 10), [0, 10]);
        tokio::time::advance(FIRST_REST).await;
        assert!(!p.resting(0), "probed again after 5 s");
        p.failed(0);
        tokio::time::advance(FIRST_REST).await;
        assert!(p.resting(0), "the second rest is 10 s");
        tokio::time::advance(FIRST_REST).await;
        assert!(!p.resting(0));
        p.succeeded(0, Duration::ZERO);
        p.failed(0);
        assert!(!p.resting(0), "a success restarts the count");
    }

    #[tokio::test(start_paused = true)]
    async fn a_rest_takes_a_member_out_at_once_and_is_counted() {
        let p = Picker::new(Strategy::Weighted, vec![1, 1]);
        p.rest(0, Duration::from_secs(2));
        assert_eq!(counts(&p, 2, 4), [0, 4]);
        assert_eq!((p.stats(0).rests, p.stats(0).in_rotation), (1, false));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!p.resting(0));
        assert_eq!(p.stats(0).ejections, 0, "a rest is not an ejection");
    }

    #[test]
    fn the_counters_follow_picks_calls_and_ejections() {
        let p = Picker::new(Strategy::Weighted, vec![1, 1]);
        let held = p.enter(1);
        assert_eq!((p.stats(1).picks, p.stats(1).in_flight), (1, 1));
        drop(held);
        p.succeeded(1, Duration::from_millis(20));
        let s = p.stats(1);
        assert_eq!((s.in_flight, s.latency, s.in_rotation), (0, Duration::from_millis(20), true));
        (0..3).for_each(|_| p.failed(0));
        assert_eq!((p.stats(0).ejections, p.stats(0).in_rotation), (1, false));
    }

    #[test]
    fn latency_weighs_the_average_by_the_calls_in_flight() {
        let p = Picker::new(Strategy::Latency, vec![1, 1]);
        p.succeeded(0, Duration::from_millis(10));
        p.succeeded(1, Duration::from_millis(30));
        assert_eq!(counts(&p, 2, 20), [20, 0], "the faster member, when both are idle");
        let _busy: Vec<InFlight> = (0..3).map(|_| p.enter(0)).collect();
        assert_eq!(counts(&p, 2, 20), [0, 20], "10 ms × 4 in flight costs more than 30 ms × 1");
    }

    #[test]
    fn when_every_member_rests_one_is_still_tried() {
        let p = Picker::new(Strategy::Weighted, vec![1]);
        (0..3).for_each(|_| p.failed(0));
        assert!(p.resting(0));
        assert_eq!(p.pick(&[false], None), Some(0));
    }

    #[test]
    fn affinity_keeps_a_key_on_one_member_and_moves_only_the_lost_members_keys() {
        let p = Picker::new(Strategy::Affinity, vec![1, 1, 1]);
        let keys: Vec<u64> = (0..3_000u64).map(mix).collect();
        let first: Vec<usize> =
            keys.iter().map(|&k| p.pick(&[false; 3], Some(k)).unwrap()).collect();
        let again: Vec<usize> =
            keys.iter().map(|&k| p.pick(&[false; 3], Some(k)).unwrap()).collect();
        assert_eq!(first, again);
        let mut c = [0usize; 3];
        first.iter().for_each(|&i| c[i] += 1);
        assert!(c.iter().all(|&n| (850..=1150).contains(&n)), "{c:?}");
        for (&k, &was) in keys.iter().zip(&first) {
            let now = p.pick(&[true, false, false], Some(k)).unwrap();
            if was != 0 {
                assert_eq!(now, was, "a key not on the lost member stays");
            }
        }
    }
}
