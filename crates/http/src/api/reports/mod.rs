//! Reports for coordinators and organisations: computed by the database for a period
//! and a scope, as JSON or as a CSV that French spreadsheets open as they are. Both
//! write the figures the use case masked: `null` in JSON, "< N" in CSV.

mod indicators;
mod partners;
mod pathway;

use crate::export::Cell;
use crate::state::AppState;
use parcours_core::PeriodInput;
use parcours_core::reports::{ReportFilters, ReportPeriod};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pathway::pipeline))
        .routes(routes!(pathway::pipeline_csv))
        .routes(routes!(pathway::flows))
        .routes(routes!(pathway::flows_csv))
        .routes(routes!(indicators::indicators))
        .routes(routes!(indicators::indicators_csv))
        .routes(routes!(partners::referrals_stats))
        .routes(routes!(partners::referrals_csv))
        .routes(routes!(partners::activity))
        .routes(routes!(partners::activity_csv))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day of the period (default: the start of the current quarter).
    #[param(value_type = Option<NaiveDate>)]
    from: Option<String>,
    /// Day after the period (default: the start of the next quarter); after `from`.
    #[param(value_type = Option<NaiveDate>)]
    to: Option<String>,
    /// Territory id: coordinators' own (the default for them).
    #[param(value_type = Option<i64>, minimum = 1)]
    territory: Option<String>,
    /// One organisation of the territory (advisers and org admins: their own, always).
    #[param(value_type = Option<i64>, minimum = 1)]
    organisation: Option<String>,
    #[param(value_type = Option<parcours_domain::holders::QpvCode>)]
    qpv: Option<String>,
    #[param(value_type = Option<parcours_domain::holders::Gender>)]
    gender: Option<String>,
    /// Age at the end of the period.
    #[param(value_type = Option<parcours_domain::reports::AgeBand>)]
    age_band: Option<String>,
    #[param(value_type = Option<parcours_domain::holders::Situation>)]
    situation: Option<String>,
}

impl From<ReportParams> for ReportFilters {
    fn from(p: ReportParams) -> Self {
        Self {
            period: ReportPeriod::Bounds(PeriodInput {
                from: p.from,
                to: p.to,
            }),
            territory: p.territory,
            organisation: p.organisation,
            qpv: p.qpv,
            gender: p.gender,
            age_band: p.age_band,
            situation: p.situation,
        }
    }
}

/// A count as exported: a masked one (`None`) reads "< threshold".
pub fn masked(count: Option<i64>, threshold: i64) -> Cell {
    Cell::Figure(masked_text(count, threshold))
}

/// A count as written wherever figures leave Parcours in words (CSV, pages): a masked
/// one (`None`) reads "< threshold".
pub fn masked_text(count: Option<i64>, threshold: i64) -> String {
    count.map_or_else(|| format!("< {threshold}"), |n| n.to_string())
}

/// A number with one decimal and a decimal comma.
pub fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// An optional number with a decimal comma; empty when there is none.
fn optional_decimal(value: Option<f64>) -> Cell {
    Cell::Figure(value.map(decimal).unwrap_or_default())
}

/// A share as a percentage with a decimal comma; "< seuil" when a count it is computed
/// from is masked (the use case then gives no share: it would give the count away).
fn percent(share: Option<f64>, counts: &[Option<i64>]) -> Cell {
    Cell::Figure(percent_text(share, counts))
}

/// [`percent`]'s words, for the pages as for the CSV.
pub fn percent_text(share: Option<f64>, counts: &[Option<i64>]) -> String {
    if counts.iter().any(Option::is_none) {
        "< seuil".into()
    } else {
        share.map(|s| decimal(s * 100.0)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_masked_and_decimals_use_a_comma() {
        let figure = |text: &str| Cell::Figure(text.into());
        assert_eq!(
            [Some(0), None, Some(12)].map(|n| masked(n, 5)),
            [figure("0"), figure("< 5"), figure("12")]
        );
        assert_eq!(decimal(33.333), "33,3");
        assert_eq!(percent(None, &[None]), figure("< seuil"));
        assert_eq!(percent(Some(0.25), &[Some(5)]), figure("25,0"));
        assert_eq!(percent(None, &[Some(0)]), figure(""));
    }
}
