//! Budgets: US dollars per UTC calendar window (day, week from Monday, month) or in total,
//! counted in nano-dollars (whole numbers, so that Redis can add them atomically).
//!
//! A budget is checked at admission (refused once spent) and charged after the reply with the
//! reply's priced cost, so the request that crosses it completes and the next is refused.
//! Every key and group also keeps its all-time spend (the `total` counter, limit or not).

use parlance_config::keys::BudgetWindow;
use time::{Date, Duration, OffsetDateTime};

/// Nano-dollars per dollar.
pub const NANOS: f64 = 1e9;

/// The counter window that never ends (Redis keeps it without expiry).
pub const NEVER: u64 = u64::MAX;

/// Dollars as whole nano-dollars, rounded up (a charge is never rounded away).
pub fn nanos(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 { (usd * NANOS).ceil() as u64 } else { 0 }
}

/// Nano-dollars as dollars.
pub fn dollars(nanos: u64) -> f64 {
    nanos as f64 / NANOS
}

/// The window of `w` holding `now_ms`: its name (part of the counter's key) and when it ends
/// (Unix ms; [`NEVER`] for `total`).
pub fn calendar(w: BudgetWindow, now_ms: u64) -> (String, u64) {
    let Some(today) = date(now_ms) else { return ("total".into(), NEVER) };
    let (start, end) = match w {
        BudgetWindow::Total => return ("total".into(), NEVER),
        BudgetWindow::Day => (today, today.next_day()),
        BudgetWindow::Week => {
            let back = Duration::days(today.weekday().number_days_from_monday().into());
            let monday = today.checked_sub(back).unwrap_or(today);
            (monday, monday.checked_add(Duration::days(7)))
        }
        BudgetWindow::Month => {
            let first = today.replace_day(1).unwrap_or(today);
            let next = match first.month() {
                time::Month::December => first.replace_year(first.year() + 1).ok(),
                _ => Some(first),
            }
            .and_then(|d| d.replace_month(first.month().next()).ok());
            (first, next)
        }
    };
    let end = end.map_or(NEVER, midnight_ms);
    (format!("{}{start}", w.as_str()), end)
}

fn date(ms: u64) -> Option<Date> {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    Some(at.date())
}

fn midnight_ms(d: Date) -> u64 {
    let at = d.midnight().assume_utc().unix_timestamp();
    u64::try_from(at).map_or(NEVER, |s| s * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07 (a Monday) 15:30:00 UTC.
    const MONDAY: u64 = 1_796_657_400_000;
    const DAY: u64 = 86_400_000;

    #[test]
    fn windows_follow_the_utc_calendar() {
        let (id, end) = calendar(BudgetWindow::Day, MONDAY);
        assert_eq!(
            (id.as_str(), end),
            ("day2026-12-07", MONDAY - 15 * 3_600_000 - 1_800_000 + DAY)
        );
        let (id, end) = calendar(BudgetWindow::Week, MONDAY + 6 * DAY);
        assert_eq!(id, "week2026-12-07", "Sunday is in Monday's week");
        assert_eq!(end, calendar(BudgetWindow::Day, MONDAY).1 + 6 * DAY);
        let (id, _) = calendar(BudgetWindow::Week, MONDAY - DAY);
        assert_eq!(id, "week2026-11-30");
        let (id, end) = calendar(BudgetWindow::Month, MONDAY);
        assert_eq!(id, "month2026-12-01");
        assert_eq!(
            calendar(BudgetWindow::Month, end).0,
            "month2027-01-01",
            "December rolls into a new year"
        );
        assert_eq!(calendar(BudgetWindow::Month, end - 1).0, "month2026-12-01");
        assert_eq!(calendar(BudgetWindow::Total, MONDAY), ("total".to_string(), NEVER));
    }

    #[test]
    fn dollars_are_counted_in_whole_nanos_rounded_up() {
        assert_eq!(nanos(0.008), 8_000_000);
        assert_eq!(nanos(1e-12), 1);
        assert_eq!(nanos(-1.0), 0);
        assert_eq!(nanos(f64::NAN), 0);
        assert_eq!(dollars(104_000_000), 0.104);
    }
}
