//! Work between and within the partners: referrals, contacts, people reached by events.

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
use parcours_core::reports::{self, ActivityReport, ReferralStats, ReferralsReport};
use parcours_domain::labels::Label;
use parcours_domain::referrals::DeclineReason;

/// Referrals per receiving organisation and per sender → receiver pair.
///
/// Counts from 1 to `masked_below` − 1 (the report gives the threshold) are `null`, so
/// nobody can be singled out; zero is shown, and a rate computed from a masked count is
/// `null` too. The CSV export writes the same cells as "< N".
#[utoipa::path(
    get, path = "/reports/referrals", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = ReferralsReport), Forbidden, Invalid),
)]
pub(super) async fn referrals_stats(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Json<ReferralsReport>> {
    Ok(Json(
        reports::referrals(&state.core, user.actor(), &params.into(), now).await?,
    ))
}

/// The same, as CSV: one row per receiver, then one per sender → receiver pair.
#[utoipa::path(
    get, path = "/reports/referrals.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), Forbidden, Invalid),
)]
pub(super) async fn referrals_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let report = reports::referrals(&state.core, user.actor(), &params.into(), now).await?;
    let t = report.masked_below;
    let row = |r: &ReferralStats| {
        let mut cells = vec![
            Cell::text(r.from_organisation.as_deref().unwrap_or("(toutes)")),
            Cell::text(&r.to_organisation),
            masked(r.sent, t),
            masked(r.accepted, t),
            masked(r.declined, t),
            masked(r.expired, t),
            masked(r.withdrawn, t),
            masked(r.completed, t),
            percent(r.acceptance_rate, &[r.accepted, r.declined]),
            optional_decimal(r.median_days_to_answer),
        ];
        cells.extend(DeclineReason::ALL.iter().map(|reason| {
            masked(
                r.declined_by_reason
                    .iter()
                    .find(|d| d.reason == *reason)
                    .map_or(Some(0), |d| d.declined),
                t,
            )
        }));
        cells
    };
    let rows = report
        .by_receiver
        .iter()
        .chain(&report.by_pair)
        .map(row)
        .collect();
    // The reasons' columns follow the reasons' list, in their labels' words.
    let reasons: Vec<String> = DeclineReason::ALL
        .iter()
        .map(|r| format!("Déclinées : {}", r.label().to_lowercase()))
        .collect();
    let mut headers = vec![
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
    ];
    headers.extend(reasons.iter().map(String::as_str));
    csv_response("orientations", &headers, rows)
}

/// Contacts by kind, organisation and month; people reached by events.
///
/// Counts from 1 to `masked_below` − 1 (the report gives the threshold) are `null`, so
/// nobody can be singled out; zero is shown, and a rate computed from a masked count is
/// `null` too. The CSV export writes the same cells as "< N".
#[utoipa::path(
    get, path = "/reports/activity", tag = "reports",
    params(ReportParams),
    responses((status = 200, body = ActivityReport), Forbidden, Invalid),
)]
pub(super) async fn activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Json<ActivityReport>> {
    Ok(Json(
        reports::activity(&state.core, user.actor(), &params.into(), now).await?,
    ))
}

/// The same, as CSV.
#[utoipa::path(
    get, path = "/reports/activity.csv", tag = "reports",
    params(ReportParams),
    responses((status = 200, content_type = "text/csv"), Forbidden, Invalid),
)]
pub(super) async fn activity_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let report = reports::activity(&state.core, user.actor(), &params.into(), now).await?;
    let t = report.masked_below;
    let mut rows: Vec<Vec<Cell>> = report
        .contacts
        .iter()
        .map(|r| {
            vec![
                Cell::Figure(r.month.clone()),
                Cell::text(&r.organisation),
                Cell::text(r.kind.to_string()),
                masked(r.contacts, t),
            ]
        })
        .collect();
    // Each month's total, all organisations and kinds.
    for total in &report.contacts_by_month {
        rows.push(vec![
            Cell::Figure(total.month.clone()),
            Cell::text("(toutes)"),
            Cell::text("(tous)"),
            masked(total.contacts, t),
        ]);
    }
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
            Cell::Figure(period.clone()),
            Cell::text(&report.scope),
            Cell::text(what),
            masked(count, t),
        ]);
    }
    csv_response(
        "activite",
        &["Mois", "Structure", "Type de contact", "Contacts"],
        rows,
    )
}
