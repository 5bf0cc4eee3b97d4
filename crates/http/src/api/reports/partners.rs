//! Work between and within the partners: referrals, contacts, people reached by events.

use super::{ReportParams, csv_response, masked, optional_decimal, percent, scope};
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use parcours_persistence::reports::{self, ReferralCounts};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ReferralStats {
    pub from_organisation_id: Option<i64>,
    pub from_organisation: Option<String>,
    pub to_organisation_id: i64,
    pub to_organisation: String,
    pub sent: i64,
    pub accepted: i64,
    pub declined: i64,
    pub expired: i64,
    pub withdrawn: i64,
    pub completed: i64,
    /// accepted / (accepted + declined).
    pub acceptance_rate: Option<f64>,
    /// Days from sending to an answer, median (per receiver only).
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

fn stats(names: &HashMap<i64, String>, from: Option<i64>, c: &ReferralCounts) -> ReferralStats {
    let answered = c.accepted + c.declined;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    ReferralStats {
        from_organisation_id: from,
        from_organisation: from.map(name),
        to_organisation_id: c.to_organisation_id,
        to_organisation: name(c.to_organisation_id),
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
    let scoped = scope(state, user, params).await?;
    let scope = &scoped.scope;
    let reports::Referrals { pairs, answer_days } =
        reports::referrals(state.db.conn(), scope).await?;
    let answer_days: HashMap<i64, Option<f64>> = answer_days.into_iter().collect();
    let names = scoped
        .names_for(
            state,
            pairs
                .iter()
                .flat_map(|p| [p.from_organisation_id, p.to_organisation_id]),
        )
        .await?;
    let mut receivers: Vec<ReferralCounts> = Vec::new();
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
    receivers.sort_by_key(|r| r.to_organisation_id);
    let by_receiver = receivers
        .iter()
        .map(|r| {
            let mut row = stats(&names, None, r);
            row.median_days_to_answer = answer_days.get(&r.to_organisation_id).copied().flatten();
            row
        })
        .collect();
    Ok(ReferralsReport {
        scope: scoped.label,
        from: scope.from,
        to: scope.to,
        by_receiver,
        by_pair: pairs.iter().map(|p| stats(&names, Some(p.from_organisation_id), p)).collect(),
        definition: "Orientations envoyées pendant la période par ou vers les structures du périmètre (pour les personnes du profil choisi) ; « acceptées » compte celles qui l'ont été, même terminées depuis ; délai de réponse : de l'envoi à l'acceptation ou au refus, médiane en jours.".into(),
    })
}

/// Referrals per receiving organisation and per sender → receiver pair.
#[utoipa::path(
    get, path = "/reports/referrals", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = ReferralsReport), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn referrals_stats(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Json<ReferralsReport>> {
    Ok(Json(referrals_report(&state, &user, &params).await?))
}

/// The same, as CSV: one row per receiver, then one per sender → receiver pair.
#[utoipa::path(
    get, path = "/reports/referrals.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn referrals_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = referrals_report(&state, &user, &params).await?;
    let t = state.settings.small_count_threshold;
    let row = |r: &ReferralStats| {
        vec![
            r.from_organisation
                .clone()
                .unwrap_or_else(|| "(toutes)".into()),
            r.to_organisation.clone(),
            masked(r.sent, t),
            masked(r.accepted, t),
            masked(r.declined, t),
            masked(r.expired, t),
            masked(r.withdrawn, t),
            masked(r.completed, t),
            percent(r.acceptance_rate, r.accepted, t),
            optional_decimal(r.median_days_to_answer),
        ]
    };
    let rows = report
        .by_receiver
        .iter()
        .chain(&report.by_pair)
        .map(row)
        .collect();
    csv_response(
        "orientations",
        &[
            "Structure d'origine",
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
    pub organisation: String,
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
    let scoped = scope(state, user, params).await?;
    let scope = &scoped.scope;
    let reports::Activity {
        contacts,
        reached_by_events: (named, headcount),
    } = reports::activity(state.db.conn(), scope).await?;
    let names = scoped
        .names_for(state, contacts.iter().map(|c| c.0))
        .await?;
    Ok(ActivityReport {
        scope: scoped.label,
        from: scope.from,
        to: scope.to,
        contacts: contacts
            .into_iter()
            .map(|(organisation_id, kind, month, contacts)| ActivityRow {
                month,
                organisation: names.get(&organisation_id).cloned().unwrap_or_default(),
                organisation_id,
                kind,
                contacts,
            })
            .collect(),
        event_attendees_named: named,
        event_headcount: headcount,
        definition: "Contacts enregistrés pendant la période par les structures du périmètre (avec les personnes du profil choisi), par mois, structure et type ; personnes touchées par les actions collectives tenues pendant la période (nommées et comptées).".into(),
    })
}

/// Contacts by kind, organisation and month; people reached by events.
#[utoipa::path(
    get, path = "/reports/activity", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = ActivityReport), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
pub(super) async fn activity(
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
pub(super) async fn activity_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    let report = activity_report(&state, &user, &params).await?;
    let t = state.settings.small_count_threshold;
    let mut rows: Vec<Vec<String>> = report
        .contacts
        .iter()
        .map(|r| {
            vec![
                r.month.clone(),
                r.organisation.clone(),
                r.kind.clone(),
                masked(r.contacts, t),
            ]
        })
        .collect();
    let period = format!("{} – {}", report.from, report.to);
    for (what, count) in [
        (
            "participants nommés aux actions collectives",
            report.event_attendees_named,
        ),
        (
            "participants comptés aux actions collectives",
            report.event_headcount,
        ),
    ] {
        rows.push(vec![
            period.clone(),
            report.scope.clone(),
            what.to_owned(),
            masked(count, t),
        ]);
    }
    csv_response(
        "activite",
        &["Mois", "Structure", "Type de contact", "Contacts"],
        rows,
    )
}
