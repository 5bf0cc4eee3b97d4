//! The calendar Parcours counts days in: Europe/Paris. « Today », a date typed on a
//! form, a period of a report are days in Paris, wherever the server's clock runs.

use chrono::{DateTime, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;

/// The day in Paris of an instant.
pub fn paris_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

/// The instant a day begins in Paris (the first instant that exists, should a change
/// of time ever fall at midnight): the bound of a period of days.
pub fn paris_midnight(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match Paris.from_local_datetime(&midnight) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => midnight.and_utc(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_day_in_paris_begins_at_its_midnight_there() {
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            paris_midnight(day("2026-12-01")),
            Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap()
        );
        assert_eq!(
            paris_midnight(day("2026-07-01")),
            Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap()
        );
    }

    #[test]
    fn just_after_midnight_in_paris_is_already_the_next_day() {
        // 23:30 UTC in winter is 00:30 in Paris; 22:30 UTC in summer too.
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap();
        assert_eq!(
            paris_day(winter),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap();
        assert_eq!(
            paris_day(summer),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
        );
        let noon = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
        assert_eq!(
            paris_day(noon),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
    }
}
