//! When an e-mail that could not be delivered is tried again, and when it is given up.
//!
//! Two kinds of failure are kept apart. An outage of the mail server (unreachable, too
//! slow, "try again later") says nothing about the message: it does not use up the
//! message's attempts, and the message is tried again every few minutes so that it
//! leaves soon after the server is back. A refusal of the message itself (a 5xx answer
//! for this recipient) is one of its [`MAX_ATTEMPTS`] attempts, retried with exponential
//! backoff. Whatever the reason, a message still undelivered [`GIVE_UP_AFTER`] after it
//! was queued is given up at its next failure, for an operator to see and requeue.

use chrono::{DateTime, Duration, Utc};

/// Refusals of a message (real tries the server answered "no" to) before it is given up.
pub const MAX_ATTEMPTS: i32 = 10;

/// A message still undelivered this long after it was queued (or requeued by an
/// operator) is given up at its next failure, even if every failure was an outage.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// The longest wait between two tries during an outage: once the server is back, no
/// message waits longer than this.
pub const OUTAGE_RETRY_MAX: Duration = Duration::minutes(5);

/// The first wait after a failure, and the shortest.
const FIRST_RETRY: Duration = Duration::seconds(30);

/// The longest wait between two refusals of the same message.
const REFUSAL_RETRY_MAX: Duration = Duration::hours(4);

/// Why a try failed, as far as retrying goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The mail server could not be reached, was too slow, or answered "try again
    /// later": nothing is known about the message, whose attempts are left untouched.
    Outage,
    /// The server refused this message (a permanent answer about it): one attempt.
    Refused,
    /// The message cannot be sent as it is (its recipient address is not one): no try
    /// will ever succeed.
    Unsendable,
}

impl Failure {
    /// Whether this failure uses up one of the message's attempts.
    pub fn is_attempt(self) -> bool {
        self != Self::Outage
    }
}

/// What becomes of a message after a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    RetryAt(DateTime<Utc>),
    GiveUp,
}

/// Backoff between refusals: 30 s, 1 min, 2 min… capped at 4 h.
pub fn refusal_delay(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    (FIRST_RETRY * 2i32.pow(exponent)).min(REFUSAL_RETRY_MAX)
}

/// Wait during an outage: a quarter of the time the message has been waiting, between
/// 30 s and [`OUTAGE_RETRY_MAX`] — quick retries for a blip, every five minutes for a
/// longer outage. It needs no counter: an outage does not count as an attempt.
pub fn outage_delay(waiting: Duration) -> Duration {
    (waiting / 4).clamp(FIRST_RETRY, OUTAGE_RETRY_MAX)
}

/// What to do with a message after a failed try at `now`. `attempts` counts its
/// attempts, this one included when it is one; `queued_at` is when it was queued or
/// requeued.
pub fn after_failure(
    failure: Failure,
    attempts: i32,
    queued_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Next {
    let waiting = now - queued_at;
    if waiting >= GIVE_UP_AFTER {
        return Next::GiveUp;
    }
    match failure {
        Failure::Unsendable => Next::GiveUp,
        Failure::Refused if attempts >= MAX_ATTEMPTS => Next::GiveUp,
        Failure::Refused => Next::RetryAt(now + refusal_delay(attempts)),
        Failure::Outage => Next::RetryAt(now + outage_delay(waiting)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    #[test]
    fn refusals_back_off_exponentially_then_cap() {
        let seconds: Vec<i64> = (1..=12).map(|a| refusal_delay(a).num_seconds()).collect();
        assert_eq!(&seconds[..5], &[30, 60, 120, 240, 480]);
        assert_eq!(seconds[11], 4 * 3600);
    }

    #[test]
    fn an_outage_is_retried_within_five_minutes_and_uses_no_attempt() {
        assert!(!Failure::Outage.is_attempt());
        assert!(Failure::Refused.is_attempt());
        assert_eq!(outage_delay(Duration::zero()), Duration::seconds(30));
        assert_eq!(outage_delay(Duration::minutes(8)), Duration::minutes(2));
        assert_eq!(outage_delay(Duration::hours(20)), Duration::minutes(5));
        // However many outage tries, the message stays until the day is over.
        let now = t0() + Duration::hours(23);
        assert_eq!(
            after_failure(Failure::Outage, 0, t0(), now),
            Next::RetryAt(now + Duration::minutes(5))
        );
        assert_eq!(
            after_failure(Failure::Outage, 0, t0(), t0() + GIVE_UP_AFTER),
            Next::GiveUp
        );
    }

    #[test]
    fn a_refused_message_is_given_up_at_its_last_attempt() {
        let now = t0() + Duration::hours(1);
        assert_eq!(
            after_failure(Failure::Refused, 3, t0(), now),
            Next::RetryAt(now + Duration::minutes(2))
        );
        assert_eq!(
            after_failure(Failure::Refused, MAX_ATTEMPTS, t0(), now),
            Next::GiveUp
        );
        assert_eq!(
            after_failure(Failure::Unsendable, 1, t0(), now),
            Next::GiveUp
        );
    }
}
