//! A period of days, as typed: `[from, to)`.

use chrono::NaiveDate;
use parcours_domain::ValidationErrors;
use parcours_domain::holders::parse_date;

/// A period as typed: first day, and the day after the last.
#[derive(Clone, Debug, Default)]
pub struct PeriodInput {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The longest period: ten years.
const MAX_DAYS: i64 = 3653;

/// A period `[from, to)` from optional bounds, each defaulting to its bound of
/// `default`; `to` must follow `from`. Errors are recorded under `from` and `to`.
pub(crate) fn period(
    errors: &mut ValidationErrors,
    input: &PeriodInput,
    default: (NaiveDate, NaiveDate),
) -> (NaiveDate, NaiveDate) {
    let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let from = given(&input.from).map_or(Some(default.0), |v| errors.check("from", parse_date(&v)));
    let to = given(&input.to).map_or(Some(default.1), |v| errors.check("to", parse_date(&v)));
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            errors.add("to", "doit suivre from");
        } else if (t - f).num_days() > MAX_DAYS {
            // A report is read month by month: centuries would be millions of rows.
            errors.add("from", "la période couvre dix ans au plus");
        }
    }
    (from.unwrap_or(default.0), to.unwrap_or(default.1))
}
