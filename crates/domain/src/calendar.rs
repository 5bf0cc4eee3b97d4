//! The calendar Parcours counts days in: Europe/Paris. « Today », a date typed on a
//! form, a period of a report are days in Paris, wherever the server's clock runs.

use crate::string_enum;
use chrono::{DateTime, Datelike, Duration, LocalResult, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;

/// The day in Paris of an instant.
pub fn paris_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

/// The instant a day begins in Paris (the first instant that exists, should a change
/// of time ever fall at midnight): the bound of a period of days.
pub fn paris_midnight(day: NaiveDate) -> DateTime<Utc> {
    midnight_in(&Paris, day)
}

/// The first instant of `day` in `zone`: its midnight, or, when a change of time skips
/// midnight, the first minute after it that exists (the end of the gap).
fn midnight_in<Z: TimeZone>(zone: &Z, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..=24 * 60)
        .find_map(|minutes| {
            match zone.from_local_datetime(&(midnight + Duration::minutes(minutes))) {
                LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                    Some(at.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        })
        .unwrap_or_else(|| midnight.and_utc())
}

/// The calendar quarter of a day: `[first day, first day of the next)`.
pub fn quarter_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (day.month0() / 3) * 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let end = start.checked_add_months(Months::new(3)).unwrap_or(day);
    (start, end)
}

/// The months of `[from, to)`, by their first day, in order: every month the period
/// has a day in.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut months = Vec::new();
    let mut first = from.with_day(1).unwrap_or(from);
    while first < to {
        months.push(first);
        first = first.checked_add_months(Months::new(1)).unwrap_or(to);
    }
    months
}

/// The period of the same length just before `[from, to)`.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    (from - (to - from), from)
}

string_enum! {
    /// The periods a coordinator picks most, as calendar days in Paris.
    pub enum Preset {
        /// The calendar quarter of today.
        CurrentQuarter => "trimestre",
        /// The quarter before it.
        PreviousQuarter => "trimestre_precedent",
        /// The calendar year of today.
        CalendarYear => "annee",
        /// The twelve months up to today, today included.
        LastTwelveMonths => "douze_mois",
    }
}

impl Preset {
    /// `[first day, day after the last)` for `today`, a day in Paris ([`paris_day`]).
    pub fn range(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let tomorrow = today.succ_opt().unwrap_or(today);
        match self {
            Self::CurrentQuarter => quarter_of(today),
            Self::PreviousQuarter => {
                let (start, _) = quarter_of(today);
                quarter_of(start.pred_opt().unwrap_or(start))
            }
            Self::CalendarYear => {
                let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
                (
                    start,
                    start.checked_add_months(Months::new(12)).unwrap_or(today),
                )
            }
            Self::LastTwelveMonths => (
                tomorrow
                    .checked_sub_months(Months::new(12))
                    .unwrap_or(today),
                tomorrow,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quarters() {
        assert_eq!(
            quarter_of(d("2026-11-22")),
            (d("2026-10-01"), d("2027-01-01"))
        );
        assert_eq!(
            quarter_of(d("2026-01-01")),
            (d("2026-01-01"), d("2026-04-01"))
        );
    }

    #[test]
    fn presets_are_calendar_periods_of_today() {
        let today = d("2026-11-22");
        let ranges = [
            Preset::CurrentQuarter,
            Preset::PreviousQuarter,
            Preset::CalendarYear,
            Preset::LastTwelveMonths,
        ]
        .map(|p| p.range(today));
        assert_eq!(
            ranges,
            [
                (d("2026-10-01"), d("2027-01-01")),
                (d("2026-07-01"), d("2026-10-01")),
                (d("2026-01-01"), d("2027-01-01")),
                (d("2025-11-23"), d("2026-11-23")),
            ]
        );
        assert_eq!(
            Preset::PreviousQuarter.range(d("2026-02-10")),
            (d("2025-10-01"), d("2026-01-01"))
        );
        assert_eq!("annee".parse::<Preset>(), Ok(Preset::CalendarYear));
        assert!("semaine".parse::<Preset>().is_err());
    }

    #[test]
    fn the_months_of_a_period() {
        assert_eq!(
            months(d("2026-10-15"), d("2027-01-01")),
            [d("2026-10-01"), d("2026-11-01"), d("2026-12-01")]
        );
        assert_eq!(months(d("2026-11-02"), d("2026-11-03")), [d("2026-11-01")]);
        assert_eq!(
            months(d("2026-11-01"), d("2026-12-02")),
            [d("2026-11-01"), d("2026-12-01")]
        );
    }

    #[test]
    fn the_period_before_has_the_same_length() {
        assert_eq!(
            previous_period(d("2026-10-01"), d("2027-01-01")),
            (d("2026-07-01"), d("2026-10-01"))
        );
        assert_eq!(
            previous_period(d("2026-11-02"), d("2026-11-03")),
            (d("2026-11-01"), d("2026-11-02"))
        );
    }

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
    fn a_day_whose_midnight_is_skipped_begins_when_the_clocks_jump() {
        // São Paulo moved its clocks from 00:00 to 01:00 on 4 November 2018: the day
        // began at 01:00 local time, 03:00 UTC — not at midnight UTC.
        let zone = chrono_tz::America::Sao_Paulo;
        assert_eq!(
            midnight_in(&zone, d("2018-11-04")),
            Utc.with_ymd_and_hms(2018, 11, 4, 3, 0, 0).unwrap()
        );
        assert_eq!(
            midnight_in(&zone, d("2018-11-05")),
            Utc.with_ymd_and_hms(2018, 11, 5, 2, 0, 0).unwrap()
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
