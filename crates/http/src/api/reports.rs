//! Reports for coordinators and organisations: computed by the database for a period
//! and a scope, as JSON or as a CSV that French spreadsheets open as they are.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::{Gender, QpvCode, Situation, parse_date};
use parcours_domain::pathway::Stage;
use parcours_domain::users::Role;
use parcours_persistence::organisations;
use parcours_persistence::reports::{self, AgeBand, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pipeline))
        .routes(routes!(pipeline_csv))
        .routes(routes!(indicators))
        .routes(routes!(indicators_csv))
        .routes(routes!(flows))
        .routes(routes!(flows_csv))
        .routes(routes!(referrals_stats))
        .routes(routes!(referrals_csv))
        .routes(routes!(activity))
        .routes(routes!(activity_csv))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day of the period (default: the start of the current quarter).
    from: Option<String>,
    /// Day after the period (default: the start of the next quarter).
    to: Option<String>,
    /// Territory id: coordinators' own (the default for them).
    territory: Option<String>,
    /// One organisation of the territory (advisers and org admins: their own, always).
    organisation: Option<String>,
    qpv: Option<String>,
    /// `femme`, `homme` or `autre`.
    gender: Option<String>,
    /// `moins_26`, `26_44` or `45_plus` (age at the end of the period).
    age_band: Option<String>,
    situation: Option<String>,
}

fn quarter_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (day.month0() / 3) * 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .unwrap_or(day);
    (start, end)
}

/// The scope a user may see, from the parameters: coordinators their territory,
/// advisers and org admins their organisation, platform admins nothing.
async fn scope(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<(Scope, String)> {
    if user.role == Role::Admin {
        return Err(ApiError::Forbidden);
    }
    let (default_from, default_to) = quarter_of(state.clock.now().date_naive());
    let mut errors = ValidationErrors::new();
    let from = params
        .from
        .as_deref()
        .map_or(Some(default_from), |v| errors.check("from", parse_date(v)));
    let to = params
        .to
        .as_deref()
        .map_or(Some(default_to), |v| errors.check("to", parse_date(v)));
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        errors.add("to", "doit suivre from");
    }
    let qpv = params
        .qpv
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("qpv", QpvCode::parse(v)));
    let gender = params
        .gender
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("gender", v.parse::<Gender>()));
    let situation = params
        .situation
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("situation", v.parse::<Situation>()));
    let age_band = params
        .age_band
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| {
            let band = AgeBand::parse(v);
            if band.is_none() {
                errors.add("age_band", "moins_26, 26_44 ou 45_plus");
            }
            band
        });
    let territory: Option<i64> =
        crate::extract::parse_param(&mut errors, "territory", params.territory.as_deref());
    let organisation: Option<i64> =
        crate::extract::parse_param(&mut errors, "organisation", params.organisation.as_deref());
    errors.into_result()?;
    let conn = state.db.conn();
    let own = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if territory.is_some_and(|t| t != own.territory.id) {
        return Err(ApiError::Forbidden);
    }
    let (organisation_ids, label) = if user.role == Role::Coordinator {
        let (orgs, _) = organisations::list(
            conn,
            &organisations::ListQuery {
                territory_id: Some(own.territory.id),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
        match organisation {
            Some(id) if orgs.iter().any(|o| o.id == id) => (
                vec![id],
                orgs.into_iter()
                    .find(|o| o.id == id)
                    .map(|o| o.name)
                    .unwrap_or_default(),
            ),
            Some(_) => {
                return Err(ApiError::validation(
                    "organisation",
                    "structure hors de votre territoire",
                ));
            }
            None => (
                orgs.into_iter().map(|o| o.id).collect(),
                own.territory.name.clone(),
            ),
        }
    } else {
        if organisation.is_some_and(|id| id != own.id) {
            return Err(ApiError::Forbidden);
        }
        (vec![own.id], own.name.clone())
    };
    Ok((
        Scope {
            organisation_ids,
            from: from.unwrap_or(default_from),
            to: to.unwrap_or(default_to),
            qpv_code: qpv.map(|q| q.as_str().to_owned()),
            gender: gender.map(|g| g.as_str().to_owned()),
            age_band,
            situation: situation.map(|s| s.as_str().to_owned()),
        },
        label,
    ))
}

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
    let (scope, label) = scope(state, user, params).await?;
    let counts = reports::pipeline(state.db.conn(), &scope).await?;
    Ok(PipelineReport {
        scope: label,
        from: scope.from,
        to: scope.to,
        stages: Stage::ALL
            .iter()
            .map(|stage| StageCount {
                stage: stage.as_str().to_owned(),
                active: counts.iter().find(|(s, _)| s == stage.as_str()).map_or(0, |(_, n)| *n),
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
async fn pipeline(
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
async fn pipeline_csv(
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
    let (scope, label) = scope(state, user, params).await?;
    let conn = state.db.conn();
    let (named, headcount) = reports::reached_by_events(conn, &scope).await?;
    let indicator = |code: &str, label: &str, value: i64, definition: &str| Indicator {
        code: code.into(),
        label: label.into(),
        value,
        definition: definition.into(),
    };
    let created = reports::exits(conn, &scope)
        .await?
        .into_iter()
        .find(|(o, _)| o == "entreprise_creee")
        .map_or(0, |(_, n)| n);
    let indicators = vec![
        indicator(
            "sensibilises",
            "Personnes sensibilisées (suivies)",
            reports::entered(conn, &scope, "sensibilisation").await?,
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
            reports::entered(conn, &scope, "information").await?,
            "Personnes distinctes entrées à l'étape information pendant la période.",
        ),
        indicator(
            "orientes",
            "Personnes orientées",
            reports::referred(conn, &scope).await?,
            "Personnes distinctes ayant fait l'objet d'au moins une orientation envoyée pendant la période.",
        ),
        indicator(
            "accompagnes",
            "Personnes accompagnées",
            reports::entered(conn, &scope, "accompagnement").await?,
            "Personnes distinctes entrées à l'étape accompagnement pendant la période.",
        ),
        indicator(
            "heberges",
            "Personnes hébergées",
            reports::hosted(conn, &scope).await?,
            "Personnes distinctes ayant une convention d'hébergement en cours à un moment de la période.",
        ),
        indicator(
            "entreprises_creees",
            "Entreprises créées",
            created,
            "Parcours clôturés avec l'issue entreprise_creee pendant la période.",
        ),
    ];
    let [base, women, qpv, young, rsa] = reports::newcomers_profile(conn, &scope).await?;
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
        scope: label,
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
async fn indicators(
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
async fn indicators_csv(
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
        let share = if s.count > 0 && s.count < threshold {
            String::from("< seuil")
        } else {
            decimal(s.share * 100.0)
        };
        rows.push(vec![
            s.label.clone(),
            masked(s.count, threshold),
            share,
            s.definition.clone(),
        ]);
    }
    csv_response(
        "indicateurs",
        &["Indicateur", "Nombre", "Part (%)", "Définition"],
        rows,
    )
}

/// A count as exported: small non-zero counts are masked so nobody can be singled out.
pub fn masked(count: i64, threshold: i64) -> String {
    if count > 0 && count < threshold {
        format!("< {threshold}")
    } else {
        count.to_string()
    }
}

/// A number with one decimal and a decimal comma.
pub fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
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
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            quarter_of(d("2026-11-22")),
            (d("2026-10-01"), d("2027-01-01"))
        );
        assert_eq!(
            quarter_of(d("2026-01-01")),
            (d("2026-01-01"), d("2026-04-01"))
        );
    }
}

#[derive(Serialize, ToSchema)]
pub struct StageFlow {
    pub stage: String,
    /// People who entered the stage during the period.
    pub entries: i64,
    /// Of the cohort that entered the pathway during the period, how many reached it.
    pub cohort_reached: i64,
    /// cohort_reached / cohort_reached of the previous stage (none for the first stage
    /// or an empty previous stage).
    pub conversion_from_previous: Option<f64>,
    /// Days spent in the stage, over the stays that ended during the period.
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeCount {
    pub outcome: String,
    pub exits: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FlowsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub stages: Vec<StageFlow>,
    /// Pathways closed during the period, per outcome.
    pub exits: Vec<OutcomeCount>,
    pub definition: String,
}

async fn flows_report(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<FlowsReport> {
    let (scope, label) = scope(state, user, params).await?;
    let conn = state.db.conn();
    let reached = reports::cohort_reached(conn, &scope).await?;
    let mut stages = Vec::new();
    let mut previous: Option<i64> = None;
    for stage in Stage::ALL {
        let cohort_reached = reached
            .iter()
            .find(|(s, _)| s == stage.as_str())
            .map_or(0, |(_, n)| *n);
        let (median_days, p90_days) = reports::time_in_stage(conn, &scope, stage.as_str()).await?;
        stages.push(StageFlow {
            stage: stage.as_str().to_owned(),
            entries: reports::entered(conn, &scope, stage.as_str()).await?,
            cohort_reached,
            conversion_from_previous: previous
                .filter(|p| *p > 0)
                .map(|p| cohort_reached as f64 / p as f64),
            median_days,
            p90_days,
        });
        previous = Some(cohort_reached);
    }
    let counted = reports::exits(conn, &scope).await?;
    let exits = parcours_domain::pathway::Outcome::ALL
        .iter()
        .map(|o| OutcomeCount {
            outcome: o.as_str().to_owned(),
            exits: counted
                .iter()
                .find(|(c, _)| c == o.as_str())
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    Ok(FlowsReport {
        scope: label,
        from: scope.from,
        to: scope.to,
        stages,
        exits,
        definition: "Entrées : personnes entrées à l'étape pendant la période. Cohorte : personnes entrées dans le parcours pendant la période, et les étapes qu'elles ont atteintes depuis. Durées : séjours dans l'étape terminés (changement d'étape ou clôture) pendant la période.".into(),
    })
}

/// Entries, exits, conversion of the period's cohort, and time spent in each stage.
#[utoipa::path(
    get, path = "/reports/flows", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = FlowsReport), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
async fn flows(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<FlowsReport>> {
    Ok(Json(flows_report(&state, &user, &params).await?))
}

fn optional_decimal(value: Option<f64>) -> String {
    value.map(decimal).unwrap_or_default()
}

/// The same, as CSV.
#[utoipa::path(
    get, path = "/reports/flows.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn flows_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = flows_report(&state, &user, &params).await?;
    let t = state.settings.small_count_threshold;
    let mut rows: Vec<Vec<String>> = report
        .stages
        .iter()
        .map(|s| {
            vec![
                s.stage.clone(),
                masked(s.entries, t),
                masked(s.cohort_reached, t),
                optional_decimal(s.conversion_from_previous.map(|c| c * 100.0)),
                optional_decimal(s.median_days),
                optional_decimal(s.p90_days),
            ]
        })
        .collect();
    for exit in &report.exits {
        rows.push(vec![
            format!("sortie : {}", exit.outcome),
            masked(exit.exits, t),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    csv_response(
        "flux",
        &[
            "Étape",
            "Entrées",
            "Cohorte ayant atteint l'étape",
            "Conversion depuis l'étape précédente (%)",
            "Durée médiane (jours)",
            "Durée 90e centile (jours)",
        ],
        rows,
    )
}

#[derive(Serialize, ToSchema)]
pub struct ReferralStats {
    pub from_organisation_id: Option<i64>,
    pub to_organisation_id: i64,
    pub sent: i64,
    pub accepted: i64,
    pub declined: i64,
    pub expired: i64,
    pub withdrawn: i64,
    pub completed: i64,
    /// accepted / (accepted + declined).
    pub acceptance_rate: Option<f64>,
    /// Days from sending to an answer (per receiver only).
    pub median_days_to_answer: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by_receiver: Vec<ReferralStats>,
    pub by_pair: Vec<ReferralStats>,
    pub definition: String,
}

fn stats(from: Option<i64>, to: i64, c: &reports::ReferralCounts) -> ReferralStats {
    let answered = c.accepted + c.declined;
    ReferralStats {
        from_organisation_id: from,
        to_organisation_id: to,
        sent: c.sent,
        accepted: c.accepted,
        declined: c.declined,
        expired: c.expired,
        withdrawn: c.withdrawn,
        completed: c.completed,
        acceptance_rate: (answered > 0).then(|| c.accepted as f64 / answered as f64),
        median_days_to_answer: None,
    }
}

async fn referrals_report(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<ReferralsReport> {
    let (scope, label) = scope(state, user, params).await?;
    let conn = state.db.conn();
    let pairs = reports::referral_pairs(conn, &scope).await?;
    let mut receivers: Vec<reports::ReferralCounts> = Vec::new();
    for pair in &pairs {
        match receivers
            .iter_mut()
            .find(|r| r.to_organisation_id == pair.to_organisation_id)
        {
            Some(r) => {
                r.sent += pair.sent;
                r.accepted += pair.accepted;
                r.declined += pair.declined;
                r.expired += pair.expired;
                r.withdrawn += pair.withdrawn;
                r.completed += pair.completed;
            }
            None => receivers.push(pair.clone()),
        }
    }
    let mut by_receiver = Vec::new();
    for r in &receivers {
        let mut row = stats(None, r.to_organisation_id, r);
        row.median_days_to_answer =
            reports::median_answer_days(conn, &scope, r.to_organisation_id).await?;
        by_receiver.push(row);
    }
    Ok(ReferralsReport {
        scope: label,
        from: scope.from,
        to: scope.to,
        by_receiver,
        by_pair: pairs.iter().map(|p| stats(Some(p.from_organisation_id), p.to_organisation_id, p)).collect(),
        definition: "Orientations envoyées pendant la période par ou vers les structures du périmètre ; « acceptées » compte celles qui l'ont été, même terminées depuis.".into(),
    })
}

/// Referrals per receiving organisation and per sender → receiver pair.
#[utoipa::path(
    get, path = "/reports/referrals", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = ReferralsReport), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn referrals_stats(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<ReferralsReport>> {
    Ok(Json(referrals_report(&state, &user, &params).await?))
}

/// The same, as CSV (per receiver).
#[utoipa::path(
    get, path = "/reports/referrals.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn referrals_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = referrals_report(&state, &user, &params).await?;
    let t = state.settings.small_count_threshold;
    let rows = report
        .by_receiver
        .iter()
        .map(|r| {
            vec![
                r.to_organisation_id.to_string(),
                masked(r.sent, t),
                masked(r.accepted, t),
                masked(r.declined, t),
                masked(r.expired, t),
                masked(r.withdrawn, t),
                masked(r.completed, t),
                optional_decimal(r.acceptance_rate.map(|a| a * 100.0)),
                optional_decimal(r.median_days_to_answer),
            ]
        })
        .collect();
    csv_response(
        "orientations",
        &[
            "Structure destinataire",
            "Envoyées",
            "Acceptées",
            "Déclinées",
            "Expirées",
            "Retirées",
            "Terminées",
            "Taux d'acceptation (%)",
            "Délai médian de réponse (jours)",
        ],
        rows,
    )
}

#[derive(Serialize, ToSchema)]
pub struct ActivityRow {
    pub month: String,
    pub organisation_id: i64,
    pub kind: String,
    pub contacts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub contacts: Vec<ActivityRow>,
    pub event_attendees_named: i64,
    pub event_headcount: i64,
    pub definition: String,
}

async fn activity_report(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<ActivityReport> {
    let (scope, label) = scope(state, user, params).await?;
    let conn = state.db.conn();
    let (named, headcount) = reports::reached_by_events(conn, &scope).await?;
    Ok(ActivityReport {
        scope: label,
        from: scope.from,
        to: scope.to,
        contacts: reports::contacts_by_month(conn, &scope)
            .await?
            .into_iter()
            .map(|(organisation_id, kind, month, contacts)| ActivityRow { month, organisation_id, kind, contacts })
            .collect(),
        event_attendees_named: named,
        event_headcount: headcount,
        definition: "Contacts pendant la période avec les personnes suivies par le périmètre, par mois, structure et type ; personnes touchées par les actions collectives (nommées et comptées).".into(),
    })
}

/// Contacts by kind, organisation and month; people reached by events.
#[utoipa::path(
    get, path = "/reports/activity", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = ActivityReport), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<ActivityReport>> {
    Ok(Json(activity_report(&state, &user, &params).await?))
}

/// The same, as CSV.
#[utoipa::path(
    get, path = "/reports/activity.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn activity_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = activity_report(&state, &user, &params).await?;
    let t = state.settings.small_count_threshold;
    let rows = report
        .contacts
        .iter()
        .map(|r| {
            vec![
                r.month.clone(),
                r.organisation_id.to_string(),
                r.kind.clone(),
                masked(r.contacts, t),
            ]
        })
        .collect();
    csv_response(
        "activite",
        &["Mois", "Structure", "Type de contact", "Contacts"],
        rows,
    )
}
