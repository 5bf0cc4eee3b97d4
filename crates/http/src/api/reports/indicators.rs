//! The funder indicators of a period, each with its definition.

use super::{ReportParams, masked, percent};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::export::{Cell, csv_response};
use crate::extract::ApiQuery;
use crate::extract::Now;
use crate::problems::{Forbidden, Invalid};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use parcours_core::reports::{self, IndicatorsReport};

/// Funder indicators with their definitions.
///
/// Counts from 1 to `masked_below` − 1 (the report gives the threshold) are `null`, so
/// nobody can be singled out; zero is shown, and a rate computed from a masked count is
/// `null` too. The CSV export writes the same cells as "< N".
#[utoipa::path(
    get, path = "/reports/indicators", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = IndicatorsReport), Forbidden, Invalid),
)]
pub(super) async fn indicators(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Json<IndicatorsReport>> {
    Ok(Json(
        reports::indicators(&state.core, user.actor(), &params.into(), now).await?,
    ))
}

/// The same, as CSV (small counts masked, decimal comma).
#[utoipa::path(
    get, path = "/reports/indicators.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), Forbidden, Invalid),
)]
pub(super) async fn indicators_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let report = reports::indicators(&state.core, user.actor(), &params.into(), now).await?;
    let threshold = report.masked_below;
    let mut rows: Vec<Vec<Cell>> = report
        .indicators
        .iter()
        .map(|i| {
            vec![
                Cell::text(&i.label),
                masked(i.value, threshold),
                Cell::Figure(String::new()),
                Cell::text(&i.definition),
            ]
        })
        .collect();
    for s in &report.shares {
        rows.push(vec![
            Cell::text(&s.label),
            masked(s.count, threshold),
            percent(s.share, &[s.count, s.base]),
            Cell::text(&s.definition),
        ]);
    }
    csv_response(
        "indicateurs",
        &["Indicateur", "Nombre", "Part (%)", "Définition"],
        rows,
    )
}
