//! The words and rules of reports: age bands, and the masking of small counts.

use crate::string_enum;
use chrono::{Datelike, NaiveDate};

string_enum! {
    /// Age at the end of the period.
    pub enum AgeBand {
        Under26 => "moins_26",
        From26To44 => "26_44",
        From45 => "45_plus",
    }
}

impl AgeBand {
    /// Birth dates `(after, on_or_before)` of the people in this band at `at`.
    pub fn birth_bounds(self, at: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let years_before = |n: i32| Some(years_before(at, n));
        match self {
            Self::Under26 => (years_before(26), None),
            Self::From26To44 => (years_before(45), years_before(26)),
            Self::From45 => (None, years_before(45)),
        }
    }
}

/// The same day `n` years earlier (the 28th for a 29th of February or later).
pub fn years_before(at: NaiveDate, n: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(at.year() - n, at.month(), at.day().min(28)).unwrap_or(at)
}

/// Whether a count is too small to show: from 1 to `threshold - 1` people could be
/// singled out, so it reads "< threshold" wherever figures leave Parcours.
pub fn is_masked(count: i64, threshold: i64) -> bool {
    count > 0 && count < threshold
}

/// A count as it may leave Parcours: `None` when [`is_masked`].
pub fn shown(count: i64, threshold: i64) -> Option<i64> {
    (!is_masked(count, threshold)).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_and_masking() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            AgeBand::Under26.birth_bounds(d("2026-12-31")),
            (Some(d("2000-12-28")), None)
        );
        assert_eq!("26_44".parse::<AgeBand>(), Ok(AgeBand::From26To44));
        assert_eq!(
            [0, 1, 4, 5].map(|n| is_masked(n, 5)),
            [false, true, true, false]
        );
        assert_eq!([0, 4, 5].map(|n| shown(n, 5)), [Some(0), None, Some(5)]);
    }
}
