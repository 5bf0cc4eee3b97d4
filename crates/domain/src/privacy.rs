//! Personal data over its whole life: how long a file without activity is kept, when
//! its référent organisation is warned, and how long the audit trail is kept. Dates in,
//! dates out: the caller brings `now` and the file's last activity.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};

/// The retention rules (`privacy.*` in the configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// A file with no activity for this many months is anonymised.
    pub months: u32,
    /// This many days before, it is listed for its référent organisation.
    pub warning_days: u32,
    /// Audit entries older than this many months are deleted.
    pub audit_months: u32,
}

impl Default for Retention {
    /// The CNIL's reference framework for social support: two years after the last
    /// contact; a month's warning; a year of access log.
    fn default() -> Self {
        Self {
            months: 24,
            warning_days: 30,
            audit_months: 12,
        }
    }
}

impl Retention {
    /// A file whose last activity is at or before this instant is due for
    /// anonymisation at `now`.
    pub fn due_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        months_before(now, self.months)
    }

    /// A file whose last activity is at or before this instant is listed for its
    /// référent organisation at `now`: it will be anonymised within `warning_days`.
    pub fn warned_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        months_before(now + Duration::days(self.warning_days.into()), self.months)
    }

    /// When a file last active at `last_activity` is anonymised, unless kept.
    pub fn anonymised_on(&self, last_activity: DateTime<Utc>) -> DateTime<Utc> {
        last_activity
            .checked_add_months(Months::new(self.months))
            .unwrap_or(last_activity)
    }

    /// Audit entries before this instant are deleted at `now`.
    pub fn audit_kept_from(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        months_before(now, self.audit_months)
    }
}

fn months_before(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    at.checked_sub_months(Months::new(months)).unwrap_or(at)
}

/// The birth date an anonymised file keeps: the first of the month. The exact day is
/// gone; the age band the reports count (under 26, 26–44, 45 and over) stays the same
/// for every period except one ending within the person's birthday month.
pub fn coarse_birth_date(birth_date: NaiveDate) -> NaiveDate {
    birth_date.with_day0(0).unwrap_or(birth_date)
}

/// The name an anonymised file shows.
pub const ANONYMOUS_FIRST_NAME: &str = "Personne";
pub const ANONYMOUS_LAST_NAME: &str = "anonymisée";

/// The longest reason given to keep a file, or reference of an erasure request.
pub const REASON_MAX: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
    }

    #[test]
    fn a_file_is_warned_a_month_before_it_is_anonymised() {
        let rules = Retention::default();
        let last = at(2024, 11, 2);
        assert_eq!(rules.anonymised_on(last), at(2026, 11, 2));
        // Not yet listed 31 days before; listed 30 days before; due on the day.
        let listed = |now| last <= rules.warned_before(now);
        let due = |now| last <= rules.due_before(now);
        assert!(!listed(at(2026, 10, 1)));
        assert!(listed(at(2026, 10, 3)));
        assert!(!due(at(2026, 11, 1)));
        assert!(due(at(2026, 11, 2)));
        assert_eq!(rules.audit_kept_from(at(2026, 11, 2)), at(2025, 11, 2));
    }

    #[test]
    fn the_birth_date_keeps_its_month() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(coarse_birth_date(d("1990-05-17")), d("1990-05-01"));
        assert_eq!(coarse_birth_date(d("1990-05-01")), d("1990-05-01"));
    }
}
