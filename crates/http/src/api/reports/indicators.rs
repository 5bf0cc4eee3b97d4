//! The funder indicators of a period, each with its definition.

use super::{ReportParams, csv_response, masked, percent};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::extract::Now;
use crate::problems::{Forbidden, Invalid};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use parcours_core::reports::{self, IndicatorsReport};

/// Funder indicators with their definitions.
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
    let threshold = state.core.settings().small_count_threshold;
    let mut rows: Vec<Vec<String>> = report
        .indicators
        .iter()
        .map(|i| {
            vec![
                i.label.clone(),
                masked(i.value, threshold),
                String::new(),
                i.definition.clone(),
            ]
        })
        .collect();
    for s in &report.shares {
        rows.push(vec![
            s.label.clone(),
            masked(s.count, threshold),
            percent(Some(s.share), s.count, threshold),
            s.definition.clone(),
        ]);
    }
    csv_response(
        "indicateurs",
        &["Indicateur", "Nombre", "Part (%)", "Définition"],
        rows,
    )
}
