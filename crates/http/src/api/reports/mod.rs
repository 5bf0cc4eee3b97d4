//! Reports for coordinators and organisations: computed by the database for a period
//! and a scope, as JSON or as a CSV that French spreadsheets open as they are.

mod indicators;
mod partners;
mod pathway;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parcours_core::PeriodInput;
use parcours_core::reports::ReportFilters;
use parcours_domain::reports::is_masked;
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
            period: PeriodInput {
                from: p.from,
                to: p.to,
            },
            territory: p.territory,
            organisation: p.organisation,
            qpv: p.qpv,
            gender: p.gender,
            age_band: p.age_band,
            situation: p.situation,
        }
    }
}

/// A count as exported: small non-zero counts are masked so nobody can be singled out.
pub fn masked(count: i64, threshold: i64) -> String {
    if is_masked(count, threshold) {
        format!("< {threshold}")
    } else {
        count.to_string()
    }
}

/// A number with one decimal and a decimal comma.
pub fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// An optional number with a decimal comma; empty when there is none.
fn optional_decimal(value: Option<f64>) -> String {
    value.map(decimal).unwrap_or_default()
}

/// A share as a percentage with a decimal comma; hidden when its count is masked, since
/// count and base would give it away.
fn percent(share: Option<f64>, count: i64, threshold: i64) -> String {
    if is_masked(count, threshold) {
        "< seuil".into()
    } else {
        optional_decimal(share.map(|s| s * 100.0))
    }
}

/// UTF-8 with BOM, `;`-separated, CRLF: what French Excel and LibreOffice open as is.
fn csv_response(name: &str, headers: &[&str], rows: Vec<Vec<String>>) -> ApiResult<Response> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(headers)
        .map_err(|e| ApiError::Internal(e.into()))?;
    for row in rows {
        writer
            .write_record(&row)
            .map_err(|e| ApiError::Internal(e.into()))?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"parcours-{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_masked_and_decimals_use_a_comma() {
        assert_eq!(
            [0, 1, 4, 5, 12].map(|n| masked(n, 5)),
            ["0", "< 5", "< 5", "5", "12"]
        );
        assert_eq!(decimal(33.333), "33,3");
        assert_eq!(percent(Some(0.25), 3, 5), "< seuil");
        assert_eq!(percent(Some(0.25), 5, 5), "25,0");
        assert_eq!(percent(None, 0, 5), "");
    }
}
