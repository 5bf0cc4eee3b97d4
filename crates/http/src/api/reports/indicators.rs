//! The funder indicators of a period, each with its definition.

use super::{ReportParams, count_of, csv_response, masked, percent, scope};
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use parcours_persistence::reports;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Indicator {
    pub code: String,
    pub label: String,
    pub value: i64,
    /// How it is counted.
    pub definition: String,
}

#[derive(Serialize, ToSchema)]
pub struct Share {
    pub code: String,
    pub label: String,
    pub count: i64,
    pub base: i64,
    /// count / base, 0 when the base is empty.
    pub share: f64,
    pub definition: String,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub indicators: Vec<Indicator>,
    pub shares: Vec<Share>,
}

async fn indicators_report(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<IndicatorsReport> {
    let scoped = scope(state, user, params).await?;
    let scope = &scoped.scope;
    let reports::Indicators {
        entries,
        reached_by_events: (named, headcount),
        referred,
        hosted,
        exits,
        newcomers: [base, women, qpv, young, rsa],
    } = reports::indicators(state.db.conn(), scope).await?;
    let entered = |stage: &str| count_of(&entries, stage);
    let created = exits
        .iter()
        .filter(|(_, outcome, _)| outcome == "entreprise_creee")
        .map(|(_, _, n)| n)
        .sum();
    let indicator = |code: &str, label: &str, value: i64, definition: &str| Indicator {
        code: code.into(),
        label: label.into(),
        value,
        definition: definition.into(),
    };
    let indicators = vec![
        indicator(
            "sensibilises",
            "Personnes sensibilisées (suivies)",
            entered("sensibilisation"),
            "Personnes distinctes entrées à l'étape sensibilisation pendant la période.",
        ),
        indicator(
            "touches_evenements_nommes",
            "Participants nommés aux actions collectives",
            named,
            "Personnes distinctes inscrites nommément à une action de sensibilisation tenue pendant la période.",
        ),
        indicator(
            "touches_evenements_comptes",
            "Participants comptés (anonymes)",
            headcount,
            "Somme des effectifs anonymes déclarés pour les actions tenues pendant la période par les structures du périmètre (hors filtres de profil).",
        ),
        indicator(
            "informes",
            "Personnes informées",
            entered("information"),
            "Personnes distinctes entrées à l'étape information pendant la période.",
        ),
        indicator(
            "orientes",
            "Personnes orientées",
            referred,
            "Personnes distinctes orientées vers un partenaire par une structure du périmètre (au moins une orientation envoyée pendant la période).",
        ),
        indicator(
            "accompagnes",
            "Personnes accompagnées",
            entered("accompagnement"),
            "Personnes distinctes entrées à l'étape accompagnement pendant la période.",
        ),
        indicator(
            "heberges",
            "Personnes hébergées",
            hosted,
            "Personnes distinctes ayant une convention d'hébergement en cours à un moment de la période.",
        ),
        indicator(
            "entreprises_creees",
            "Entreprises créées",
            created,
            "Parcours clôturés avec l'issue entreprise_creee pendant la période.",
        ),
    ];
    let share = |code: &str, label: &str, count: i64, definition: &str| Share {
        code: code.into(),
        label: label.into(),
        count,
        base,
        share: if base == 0 {
            0.0
        } else {
            count as f64 / base as f64
        },
        definition: format!(
            "{definition} Base : personnes entrées dans le parcours pendant la période ({base})."
        ),
    };
    let shares = vec![
        share(
            "part_femmes",
            "Part de femmes",
            women,
            "Personnes de genre femme.",
        ),
        share(
            "part_qpv",
            "Part de résidents QPV",
            qpv,
            "Personnes dont le statut QPV est in_qpv.",
        ),
        share(
            "part_moins_26",
            "Part de moins de 26 ans",
            young,
            "Personnes de moins de 26 ans à la fin de la période (date de naissance connue).",
        ),
        share(
            "part_rsa",
            "Part d'allocataires du RSA",
            rsa,
            "Personnes dont la situation est rsa.",
        ),
    ];
    Ok(IndicatorsReport {
        scope: scoped.label,
        from: scope.from,
        to: scope.to,
        indicators,
        shares,
    })
}

/// Funder indicators with their definitions.
#[utoipa::path(
    get, path = "/reports/indicators", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = IndicatorsReport), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn indicators(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<IndicatorsReport>> {
    Ok(Json(indicators_report(&state, &user, &params).await?))
}

/// The same, as CSV (small counts masked, decimal comma).
#[utoipa::path(
    get, path = "/reports/indicators.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn indicators_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = indicators_report(&state, &user, &params).await?;
    let threshold = state.settings.small_count_threshold;
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
