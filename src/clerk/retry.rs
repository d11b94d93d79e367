//! When to retry a failed request and how long to wait first.
//!
//! The decision is a pure function of the attempt number, what went wrong,
//! the time spent so far and the policy, so it is unit-tested without I/O.
//! The client (`client.rs`) only classifies outcomes and sleeps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Limits on one logical call, retries included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests sent at most, the first one included (0 behaves as 1).
    pub max_attempts: u32,
    /// Wall time for the whole call: requests plus waits between them.
    pub max_elapsed: Duration,
    /// Time allowed for one request, from sending to the last body byte.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// First backoff step; doubles per attempt.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// Largest backoff step before jitter.
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(8);

/// Why an attempt failed in a way that may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryReason {
    /// HTTP 429, with the server's `Retry-After` if it sent a usable one.
    RateLimited { retry_after: Option<Duration> },
    /// HTTP 500, 502, 503 or 504.
    Server(u16),
    /// Connection refused/reset, incomplete body, DNS or TLS failure.
    Transport,
    /// The attempt hit its timeout.
    Timeout,
}

/// The wait before the next attempt, or `None` to give up now.
///
/// `attempt` is the number of requests already sent (1 after the first).
/// A 429's `Retry-After` is obeyed exactly; if it would not fit in the
/// remaining budget there is no point waiting, so the call gives up at once.
/// Everything else waits an exponential backoff with equal jitter (half fixed,
/// half random) so that clients that failed together do not retry together,
/// while every wait keeps a floor. A wait that would use up the remaining
/// budget also gives up, since no time would be left for the request.
pub(crate) fn next_delay(
    attempt: u32,
    reason: RetryReason,
    elapsed: Duration,
    policy: &RetryPolicy,
    rng: &mut fastrand::Rng,
) -> Option<Duration> {
    if attempt >= policy.max_attempts.max(1) {
        return None;
    }
    let remaining = policy.max_elapsed.saturating_sub(elapsed);
    let delay = match reason {
        RetryReason::RateLimited {
            retry_after: Some(wait),
        } => wait,
        _ => {
            let step = backoff_step(attempt);
            let half = step / 2;
            let jitter_ms = rng.u64(0..=half.as_millis() as u64);
            half + Duration::from_millis(jitter_ms)
        }
    };
    if delay >= remaining {
        return None;
    }
    Some(delay)
}

/// `BACKOFF_BASE * 2^(attempt-1)`, capped at `BACKOFF_CAP`.
fn backoff_step(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_CAP)
}

/// Parses `Retry-After`: delay-seconds or an IMF-fixdate HTTP date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, the only date form RFC 9110 lets servers
/// send). A date in the past means "now". Anything else is ignored (`None`),
/// and the caller falls back to backoff.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Saturate absurd values; the budget check turns them into "give up".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let at = parse_imf_fixdate(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Seconds since the Unix epoch for `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_imf_fixdate(s: &str) -> Option<u64> {
    let rest = s.get(3..)?.strip_prefix(", ")?;
    if !matches!(
        s.get(..3)?,
        "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun"
    ) {
        return None;
    }
    let mut parts = rest.split(' ');
    let day = two_digits(parts.next()?)?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = parts.next()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u64 = year.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let (h, m, sec) = (
        two_digits(hms.next()?)?,
        two_digits(hms.next()?)?,
        two_digits(hms.next()?)?,
    );
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

fn two_digits(s: &str) -> Option<u64> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (year >= 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    // Howard Hinnant's algorithm, restricted to non-negative years.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fastrand::Rng;

    fn policy(max_attempts: u32, max_elapsed_s: u64) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            max_elapsed: Duration::from_secs(max_elapsed_s),
            request_timeout: Duration::from_secs(30),
        }
    }

    #[test]
    fn default_policy() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 5);
        assert_eq!(p.max_elapsed, Duration::from_secs(60));
        assert_eq!(p.request_timeout, Duration::from_secs(30));
    }

    #[test]
    fn backoff_doubles_with_equal_jitter_and_caps() {
        let p = policy(100, 3600);
        for seed in 0..200 {
            let mut rng = Rng::with_seed(seed);
            for attempt in 1..12u32 {
                let step = (250u64 << (attempt - 1)).min(8000);
                for reason in [
                    RetryReason::Server(503),
                    RetryReason::Transport,
                    RetryReason::Timeout,
                    RetryReason::RateLimited { retry_after: None },
                ] {
                    let d = next_delay(attempt, reason, Duration::ZERO, &p, &mut rng)
                        .unwrap()
                        .as_millis() as u64;
                    assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d} ms");
                }
            }
        }
    }

    #[test]
    fn jitter_varies() {
        let p = policy(100, 3600);
        let mut rng = Rng::with_seed(7);
        let delays: std::collections::BTreeSet<_> = (0..50)
            .map(|_| next_delay(5, RetryReason::Transport, Duration::ZERO, &p, &mut rng))
            .collect();
        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn stops_at_max_attempts() {
        let p = policy(3, 3600);
        let mut rng = Rng::with_seed(1);
        assert!(next_delay(1, RetryReason::Transport, Duration::ZERO, &p, &mut rng).is_some());
        assert!(next_delay(2, RetryReason::Transport, Duration::ZERO, &p, &mut rng).is_some());
        assert_eq!(
            next_delay(3, RetryReason::Transport, Duration::ZERO, &p, &mut rng),
            None
        );
        // Zero attempts behaves as one: never retry.
        assert_eq!(
            next_delay(
                1,
                RetryReason::Transport,
                Duration::ZERO,
                &policy(0, 60),
                &mut rng
            ),
            None
        );
    }

    #[test]
    fn retry_after_is_obeyed_within_budget() {
        let p = policy(5, 60);
        let mut rng = Rng::with_seed(1);
        let ra = |secs| RetryReason::RateLimited {
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            next_delay(1, ra(7), Duration::from_secs(10), &p, &mut rng),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            next_delay(1, ra(0), Duration::ZERO, &p, &mut rng),
            Some(Duration::ZERO)
        );
        // 50 s left, asked to wait 50 s or more: give up at once.
        assert_eq!(
            next_delay(1, ra(50), Duration::from_secs(10), &p, &mut rng),
            None
        );
        assert_eq!(next_delay(1, ra(3600), Duration::ZERO, &p, &mut rng), None);
    }

    #[test]
    fn backoff_that_exhausts_budget_gives_up() {
        let p = RetryPolicy {
            max_attempts: 10,
            max_elapsed: Duration::from_millis(1000),
            request_timeout: Duration::from_secs(1),
        };
        let mut rng = Rng::with_seed(3);
        // Attempt 4 waits at least 1 s: never fits a 1 s budget.
        assert_eq!(
            next_delay(4, RetryReason::Server(500), Duration::ZERO, &p, &mut rng),
            None
        );
        // Budget already spent.
        assert_eq!(
            next_delay(
                1,
                RetryReason::Server(500),
                Duration::from_secs(2),
                &p,
                &mut rng
            ),
            None
        );
        assert!(next_delay(1, RetryReason::Server(500), Duration::ZERO, &p, &mut rng).is_some());
    }

    #[test]
    fn retry_after_parsing() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(86_400))
        );
        // In the past: retry now.
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
            "é",
            "Su",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 5, 12), 20_585);
        assert_eq!(
            parse_imf_fixdate("Tue, 12 May 2026 00:00:00 GMT"),
            Some(20_585 * 86_400)
        );
    }
}
