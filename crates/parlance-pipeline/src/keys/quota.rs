//! What an allowed reply tells its caller about its limits: OpenAI's `x-ratelimit-*`
//! headers for the tightest applicable request and token limits, resets as duration strings.

/// One limit's state after a request was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The limit.
    pub limit: u64,
    /// What is left of it in the current window.
    pub remaining: u64,
    /// Milliseconds until the window ends.
    pub reset_ms: u64,
}

/// The tightest request and token windows of an admitted request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quota {
    /// The request limit with the least left.
    pub requests: Option<Window>,
    /// The token limit with the least left.
    pub tokens: Option<Window>,
}

impl Quota {
    /// Keeps `w` as the `requests` (or `tokens`) window when it has less left.
    pub(crate) fn tighten(slot: &mut Option<Window>, w: Window) {
        if slot.is_none_or(|s| w.remaining < s.remaining) {
            *slot = Some(w);
        }
    }

    /// The `x-ratelimit-*` headers, names and values.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(w) = self.requests {
            out.push(("x-ratelimit-limit-requests", w.limit.to_string()));
            out.push(("x-ratelimit-remaining-requests", w.remaining.to_string()));
            out.push(("x-ratelimit-reset-requests", duration_text(w.reset_ms)));
        }
        if let Some(w) = self.tokens {
            out.push(("x-ratelimit-limit-tokens", w.limit.to_string()));
            out.push(("x-ratelimit-remaining-tokens", w.remaining.to_string()));
            out.push(("x-ratelimit-reset-tokens", duration_text(w.reset_ms)));
        }
        out
    }
}

/// Milliseconds as OpenAI (and Go) write a duration: `12ms`, `1s`, `6m0s`, `1h0m0s`; whole
/// seconds are rounded up.
pub fn duration_text(ms: u64) -> String {
    let mut out = String::new();
    write_duration(&mut out, ms);
    out
}

/// [`duration_text`] appended to `out`.
pub fn write_duration(out: &mut String, ms: u64) {
    use std::fmt::Write;
    // Writing to a `String` cannot fail.
    let _ = if ms < 1000 {
        write!(out, "{ms}ms")
    } else {
        let s = ms.div_ceil(1000);
        match (s / 3600, s / 60 % 60, s % 60) {
            (0, 0, s) => write!(out, "{s}s"),
            (0, m, s) => write!(out, "{m}m{s}s"),
            (h, m, s) => write!(out, "{h}h{m}m{s}s"),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_openais() {
        assert_eq!(duration_text(12), "12ms");
        assert_eq!(duration_text(1000), "1s");
        assert_eq!(duration_text(58_500), "59s");
        assert_eq!(duration_text(360_000), "6m0s");
        assert_eq!(duration_text(3_600_000), "1h0m0s");
    }

    #[test]
    fn the_tightest_window_is_reported() {
        let mut q = Quota::default();
        Quota::tighten(&mut q.requests, Window { limit: 500, remaining: 400, reset_ms: 10 });
        Quota::tighten(&mut q.requests, Window { limit: 50, remaining: 49, reset_ms: 10 });
        Quota::tighten(&mut q.requests, Window { limit: 60, remaining: 59, reset_ms: 10 });
        let h = q.headers();
        assert_eq!(h[0], ("x-ratelimit-limit-requests", "50".to_string()));
        assert_eq!(h[1], ("x-ratelimit-remaining-requests", "49".to_string()));
        assert_eq!(h[2], ("x-ratelimit-reset-requests", "10ms".to_string()));
        assert_eq!(h.len(), 3, "no token limit, no token headers");
    }
}
