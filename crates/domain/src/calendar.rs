//! The calendar Parcours counts days in: Europe/Paris. « Today », a date typed on a
//! form, a period of a report are days in Paris, wherever the server's clock runs.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;

/// The day in Paris of an instant.
pub fn paris_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
