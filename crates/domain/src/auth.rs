//! Authentication rules: how long a session lives, and how failed logins are slowed.

use chrono::{DateTime, Duration, Utc};

/// When a session stops being valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused for this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after login, however busy.
    pub absolute_timeout: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
        }
    }
}

/// How often a session's last use is written back: the idle timeout is honoured to within
/// this much, and a busy user does not cost a write per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

impl SessionPolicy {
    /// The instant after which a session created at `created_at` and last used at
    /// `last_seen_at` is no longer accepted.
    pub fn expires_at(
        &self,
        created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        (last_seen_at + self.idle_timeout).min(created_at + self.absolute_timeout)
    }

    pub fn is_valid(
        &self,
        created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now < self.expires_at(created_at, last_seen_at)
    }

    /// Whether this use of the session should be recorded.
    pub fn should_touch(&self, last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_seen_at >= TOUCH_EVERY.min(self.idle_timeout / 2)
    }
}

/// Failed logins on one account: a few mistakes are free, then each further failure
/// locks the account for twice as long as the one before, up to a ceiling. A success
/// resets the count, and a lock always ends by itself: the real user waits at most
/// `max_lock`, and never needs an administrator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Consecutive failures allowed before the first lock.
    pub free_failures: u32,
    pub first_lock: Duration,
    pub max_lock: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            free_failures: 4,
            first_lock: Duration::minutes(1),
            max_lock: Duration::minutes(15),
        }
    }
}

impl LoginThrottle {
    /// Until when attempts are refused after the `failures`-th consecutive failure at `now`.
    pub fn lock_after_failure(&self, failures: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let over = failures
            .checked_sub(self.free_failures)
            .filter(|n| *n > 0)?;
        let factor = 1i32 << (over - 1).min(20);
        let lock = self
            .first_lock
            .checked_mul(factor)
            .map_or(self.max_lock, |lock| lock.min(self.max_lock));
        Some(now + lock)
    }

    pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        locked_until.is_some_and(|until| now < until)
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
    fn sessions_end_when_idle() {
        let policy = SessionPolicy::default();
        let login = t0();
        assert!(policy.is_valid(login, login, login + Duration::minutes(29)));
        assert!(!policy.is_valid(login, login, login + Duration::minutes(30)));
    }

    #[test]
    fn sessions_end_after_the_absolute_timeout_however_busy() {
        let policy = SessionPolicy::default();
        let login = t0();
        let just_used = login + Duration::hours(12) - Duration::seconds(1);
        assert!(policy.is_valid(login, just_used, just_used));
        assert!(!policy.is_valid(login, just_used, login + Duration::hours(12)));
    }

    #[test]
    fn touching_is_throttled() {
        let policy = SessionPolicy::default();
        assert!(!policy.should_touch(t0(), t0() + Duration::seconds(59)));
        assert!(policy.should_touch(t0(), t0() + Duration::seconds(60)));
    }

    #[test]
    fn locks_grow_then_cap() {
        let throttle = LoginThrottle::default();
        let now = t0();
        for failures in 0..=4 {
            assert_eq!(throttle.lock_after_failure(failures, now), None);
        }
        let minutes =
            |failures| (throttle.lock_after_failure(failures, now).unwrap() - now).num_minutes();
        assert_eq!(
            [5, 6, 7, 8, 9, 10, 36, 40, u32::MAX].map(minutes),
            [1, 2, 4, 8, 15, 15, 15, 15, 15]
        );
    }

    #[test]
    fn locks_end_by_themselves() {
        let until = Some(t0() + Duration::minutes(1));
        assert!(LoginThrottle::is_locked(until, t0()));
        assert!(!LoginThrottle::is_locked(
            until,
            t0() + Duration::minutes(1)
        ));
        assert!(!LoginThrottle::is_locked(None, t0()));
    }
}
