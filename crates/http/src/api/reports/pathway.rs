//! The pathway: who is where now, and how people move through it over a period.

use super::{ReportParams, count_of, csv_response, masked, optional_decimal, percent, scope};
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use parcours_domain::pathway::{Outcome, Stage};
use parcours_persistence::reports;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StageCount {
    pub stage: String,
    pub active: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PipelineReport {
    /// The territory or organisation counted.
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Holders whose pathway is open, per current stage.
    pub stages: Vec<StageCount>,
    pub definition: String,
}

async fn pipeline_report(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<PipelineReport> {
    let scoped = scope(state, user, params).await?;
    let counts = reports::pipeline(state.db.conn(), &scoped.scope).await?;
    Ok(PipelineReport {
        scope: scoped.label,
        from: scoped.scope.from,
        to: scoped.scope.to,
        stages: Stage::ALL
            .iter()
            .map(|stage| StageCount {
                stage: stage.as_str().to_owned(),
                active: count_of(&counts, stage.as_str()),
            })
            .collect(),
        definition: "Personnes dont le parcours est ouvert (sans issue), par étape actuelle, à la date de la requête.".into(),
    })
}

/// Active holders per stage.
#[utoipa::path(
    get, path = "/reports/pipeline", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = PipelineReport), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn pipeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<PipelineReport>> {
    Ok(Json(pipeline_report(&state, &user, &params).await?))
}

/// The same, as CSV (small counts masked).
#[utoipa::path(
    get, path = "/reports/pipeline.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn pipeline_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = pipeline_report(&state, &user, &params).await?;
    let threshold = state.settings.small_count_threshold;
    let rows: Vec<Vec<String>> = report
        .stages
        .iter()
        .map(|s| vec![s.stage.clone(), masked(s.active, threshold)])
        .collect();
    csv_response("pipeline", &["Étape", "Personnes en parcours"], rows)
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeCount {
    pub outcome: String,
    pub exits: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StageFlow {
    pub stage: String,
    /// People who entered the stage during the period.
    pub entries: i64,
    /// Of the cohort (people who entered the pathway during the period), how many
    /// reached this stage, up to now.
    pub cohort_reached: i64,
    /// Of those, how many reached a later stage.
    pub cohort_went_further: i64,
    /// cohort_went_further / cohort_reached: where the pathway leaks (none for the last
    /// stage, or when nobody of the cohort reached this one).
    pub conversion_to_next: Option<f64>,
    /// Pathways closed during the period while at this stage, per outcome.
    pub exits: Vec<OutcomeCount>,
    /// Days spent in the stage, over the stays that ended during the period: median
    /// and 90th percentile (nearest rank).
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct FlowsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// People who entered the pathway during the period.
    pub cohort: i64,
    pub stages: Vec<StageFlow>,
    /// Pathways closed during the period, per outcome (all stages).
    pub exits: Vec<OutcomeCount>,
    pub definition: String,
}

async fn flows_report(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<FlowsReport> {
    let scoped = scope(state, user, params).await?;
    let scope = &scoped.scope;
    let reports::Flows {
        entries,
        cohort,
        durations,
        exits,
    } = reports::flows(state.db.conn(), scope).await?;
    let exits_from = |stage: Option<Stage>| -> Vec<OutcomeCount> {
        Outcome::ALL
            .iter()
            .map(|o| OutcomeCount {
                outcome: o.as_str().to_owned(),
                exits: exits
                    .iter()
                    .filter(|(s, outcome, _)| {
                        outcome == o.as_str() && stage.is_none_or(|st| s == st.as_str())
                    })
                    .map(|(_, _, n)| n)
                    .sum(),
            })
            .collect()
    };
    let stages = Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let (median_days, p90_days) = durations
                .iter()
                .find(|(s, _, _)| s == stage.as_str())
                .map_or((None, None), |(_, m, p)| (*m, *p));
            let reached = cohort.reached[i];
            let further = cohort.went_further[i];
            let last = i + 1 == Stage::ALL.len();
            StageFlow {
                stage: stage.as_str().to_owned(),
                entries: count_of(&entries, stage.as_str()),
                cohort_reached: reached,
                cohort_went_further: further,
                conversion_to_next: (!last && reached > 0).then(|| further as f64 / reached as f64),
                exits: exits_from(Some(*stage)),
                median_days,
                p90_days,
            }
        })
        .collect();
    Ok(FlowsReport {
        scope: scoped.label,
        from: scope.from,
        to: scope.to,
        cohort: cohort.size,
        stages,
        exits: exits_from(None),
        definition: "Entrées : personnes entrées à l'étape (première entrée ou changement) pendant la période. \
                     Cohorte : personnes entrées dans le parcours pendant la période ; pour chaque étape, combien l'ont atteinte depuis, \
                     et combien de celles-ci ont atteint une étape suivante (taux de passage). \
                     Sorties : parcours clôturés pendant la période, selon l'étape où ils l'ont été et leur issue. \
                     Durées : séjours dans l'étape terminés (changement d'étape ou clôture) pendant la période, médiane et 90e centile en jours.".into(),
    })
}

/// Entries, exits, conversion of the period's cohort, and time spent in each stage.
#[utoipa::path(
    get, path = "/reports/flows", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = FlowsReport), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn flows(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<FlowsReport>> {
    Ok(Json(flows_report(&state, &user, &params).await?))
}

/// The same, as CSV: one row per stage, then one per outcome.
#[utoipa::path(
    get, path = "/reports/flows.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn flows_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = flows_report(&state, &user, &params).await?;
    let t = state.settings.small_count_threshold;
    let stopped = |s: &StageFlow| {
        s.exits
            .iter()
            .filter(|e| e.outcome == "abandon" || e.outcome == "sans_nouvelles")
            .map(|e| e.exits)
            .sum::<i64>()
    };
    let mut rows: Vec<Vec<String>> = report
        .stages
        .iter()
        .map(|s| {
            vec![
                s.stage.clone(),
                masked(s.entries, t),
                masked(s.cohort_reached, t),
                masked(s.cohort_went_further, t),
                percent(s.conversion_to_next, s.cohort_went_further, t),
                masked(stopped(s), t),
                optional_decimal(s.median_days),
                optional_decimal(s.p90_days),
            ]
        })
        .collect();
    for exit in &report.exits {
        let mut row = vec![format!("sorties : {}", exit.outcome), masked(exit.exits, t)];
        row.resize(8, String::new());
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
