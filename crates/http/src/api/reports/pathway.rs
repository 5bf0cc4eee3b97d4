//! The pathway: who is where now, and how people move through it over a period.

use super::{ReportParams, masked, optional_decimal, percent};
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
use chrono::{DateTime, Utc};
use parcours_core::reports::{self, FlowsReport, PipelineReport};

async fn report(
    state: &AppState,
    user: &CurrentUser,
    params: ReportParams,
    now: DateTime<Utc>,
) -> ApiResult<PipelineReport> {
    Ok(reports::pipeline(&state.core, user.actor(), &params.into(), now).await?)
}

async fn flows_of(
    state: &AppState,
    user: &CurrentUser,
    params: ReportParams,
    now: DateTime<Utc>,
) -> ApiResult<FlowsReport> {
    Ok(reports::flows(&state.core, user.actor(), &params.into(), now).await?)
}

/// Active holders per stage.
///
/// Counts from 1 to `masked_below` − 1 (the report gives the threshold) are `null`, so
/// nobody can be singled out; zero is shown, and a rate computed from a masked count is
/// `null` too. The CSV export writes the same cells as "< N".
#[utoipa::path(
    get, path = "/reports/pipeline", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = PipelineReport), Forbidden, Invalid),
)]
pub(super) async fn pipeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Json<PipelineReport>> {
    Ok(Json(report(&state, &user, params, now).await?))
}

/// The same, as CSV (small counts masked).
#[utoipa::path(
    get, path = "/reports/pipeline.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), Forbidden, Invalid),
)]
pub(super) async fn pipeline_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let report = report(&state, &user, params, now).await?;
    let threshold = report.masked_below;
    let rows: Vec<Vec<Cell>> = report
        .stages
        .iter()
        .map(|s| vec![Cell::text(s.stage.to_string()), masked(s.active, threshold)])
        .collect();
    csv_response("pipeline", &["Étape", "Personnes en parcours"], rows)
}

/// Entries, exits, conversion of the period's cohort, and time spent in each stage.
///
/// Counts from 1 to `masked_below` − 1 (the report gives the threshold) are `null`, so
/// nobody can be singled out; zero is shown, and a rate computed from a masked count is
/// `null` too. The CSV export writes the same cells as "< N".
#[utoipa::path(
    get, path = "/reports/flows", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = FlowsReport), Forbidden, Invalid),
)]
pub(super) async fn flows(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Json<FlowsReport>> {
    Ok(Json(flows_of(&state, &user, params, now).await?))
}

/// The same, as CSV: one row per stage, then one per outcome.
#[utoipa::path(
    get, path = "/reports/flows.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), Forbidden, Invalid),
)]
pub(super) async fn flows_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let report = flows_of(&state, &user, params, now).await?;
    let t = report.masked_below;
    let mut rows: Vec<Vec<Cell>> = report
        .stages
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.stage.to_string()),
                masked(s.entries, t),
                masked(s.cohort_reached, t),
                masked(s.cohort_went_further, t),
                percent(s.conversion_to_next, &[s.cohort_went_further]),
                masked(s.dropouts, t),
                optional_decimal(s.median_days),
                optional_decimal(s.p90_days),
            ]
        })
        .collect();
    for exit in &report.exits {
        let mut row = vec![
            Cell::text(format!("sorties : {}", exit.outcome)),
            masked(exit.exits, t),
        ];
        row.resize(8, Cell::Figure(String::new()));
        rows.push(row);
    }
    csv_response(
        "flux",
        &[
            "Étape",
            "Entrées",
            "Cohorte ayant atteint l'étape",
            "Dont passées à une étape suivante",
            "Taux de passage (%)",
            "Sorties sans suite depuis l'étape (abandon, sans nouvelles)",
            "Durée médiane (jours)",
            "Durée 90e centile (jours)",
        ],
        rows,
    )
}
