//! Dates, times and numbers as French readers expect them, in Europe/Paris:
//! « lundi 1er décembre 2026 », « 14 h 30 », « 1 234 ».

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;

const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// « lundi 1er décembre 2026 ».
pub fn date(day: NaiveDate) -> String {
    format!(
        "{} {}",
        DAYS[day.weekday().num_days_from_monday() as usize],
        short_date(day)
    )
}

/// « 1er décembre 2026 », « 2 décembre 2026 »: French writes the first of a month
/// as an ordinal.
pub fn short_date(day: NaiveDate) -> String {
    let first = if day.day() == 1 { "er" } else { "" };
    format!(
        "{}{first} {} {}",
        day.day(),
        MONTHS[day.month0() as usize],
        day.year()
    )
}

/// « décembre 2026 ».
pub fn month_year(day: NaiveDate) -> String {
    format!("{} {}", MONTHS[day.month0() as usize], day.year())
}

/// The day in Paris of an instant.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    parcours_domain::calendar::paris_day(at)
}

/// « lundi 1er décembre 2026, 14 h 30 », in Paris time.
pub fn date_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Paris);
    format!(
        "{}, {} h {:02}",
        date(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

/// « 1 234 567 » with a narrow no-break space between thousands.
pub fn number(n: i64) -> String {
    parcours_domain::labels::thousands(n)
}

/// « aujourd'hui », « hier », « il y a 3 jours », « dans 2 jours » from `today`.
pub fn relative_days(day: NaiveDate, today: NaiveDate) -> String {
    match (day - today).num_days() {
        0 => "aujourd'hui".into(),
        -1 => "hier".into(),
        1 => "demain".into(),
        n if n < 0 => format!("il y a {} jours", -n),
        n => format!("dans {n} jours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn french_dates_in_paris() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 13, 30, 0).unwrap();
        assert_eq!(date_time(winter), "mardi 1er décembre 2026, 14 h 30");
        let second = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(short_date(second), "2 décembre 2026");
        let summer = Utc.with_ymd_and_hms(2026, 7, 14, 22, 5, 0).unwrap();
        assert_eq!(date_time(summer), "mercredi 15 juillet 2026, 0 h 05");
        assert_eq!(
            local_day(summer),
            NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
        );
        assert_eq!(number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(number(999), "999");
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            relative_days(d, d + chrono::Duration::days(3)),
            "il y a 3 jours"
        );
    }
}
