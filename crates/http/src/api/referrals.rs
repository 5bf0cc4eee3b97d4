//! Referrals between partners: sending, answering, completing, withdrawing; what each
//! side sees at each step; the coordinator's queue of unanswered referrals.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Now, PathId};
use crate::problems::{Conflict, Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parcours_core::PageRequest;
use parcours_core::referrals::{
    self, CompleteInput, DeclineInput, ListInput, Overdue, ReferralDetail, ReferralInput, Step,
};
use parcours_domain::referrals::{DeclineReason, ReferralOutcome, ReferralStatus, ReferralStep};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_referral, list_referrals))
        .routes(routes!(overdue_referrals))
        .routes(routes!(overdue_referrals_csv))
        .routes(routes!(get_referral))
        .routes(routes!(accept_referral))
        .routes(routes!(decline_referral))
        .routes(routes!(complete_referral))
        .routes(routes!(withdraw_referral))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
    pub name: String,
}

impl From<referrals::OrganisationRef> for OrganisationRef {
    fn from(o: referrals::OrganisationRef) -> Self {
        Self {
            id: o.id,
            name: o.name,
        }
    }
}

/// What a referral shares with the receiving organisation while it is in force.
#[derive(Serialize, ToSchema)]
pub struct SharedHolder {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The first project's idea, sector and financing need.
    pub project_summary: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralEventView {
    pub action: ReferralStep,
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    /// None when the scheduler acted (reminder, expiry), and for the receiver once over.
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<Step> for ReferralEventView {
    fn from(s: Step) -> Self {
        Self {
            action: s.step,
            from_status: s.from_status,
            to_status: s.to_status,
            user_id: s.user_id,
            reason: s.reason,
            at: s.at,
        }
    }
}

/// A referral as the reader's organisation may see it. Once it is over (or without the
/// person's consent to share), the receiving organisation sees only its dates, status
/// and organisations: `holder_id`, `from_user_id`, `need`, `message`, the answer and the
/// history's reasons and authors are then absent.
#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    pub id: i64,
    pub holder_id: Option<i64>,
    pub from_organisation: OrganisationRef,
    pub from_user_id: Option<i64>,
    pub to_organisation: OrganisationRef,
    pub service_id: Option<i64>,
    pub need: Option<String>,
    pub message: Option<String>,
    /// As it stands now: a referral past its delay without an answer is `expired`.
    pub status: ReferralStatus,
    pub decline_reason: Option<DeclineReason>,
    pub decline_text: Option<String>,
    pub outcome: Option<ReferralOutcome>,
    pub sent_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reminders_sent: i32,
    /// Present while the reader's organisation may see the person.
    pub holder: Option<SharedHolder>,
    /// Every step, oldest first (on the detail only).
    pub history: Vec<ReferralEventView>,
}

impl From<ReferralDetail> for ReferralView {
    fn from(r: ReferralDetail) -> Self {
        Self {
            id: r.id,
            holder_id: r.holder_id,
            from_organisation: r.from_organisation.into(),
            from_user_id: r.from_user_id,
            to_organisation: r.to_organisation.into(),
            service_id: r.service_id,
            need: r.need,
            message: r.message,
            status: r.status,
            decline_reason: r.decline_reason,
            decline_text: r.decline_text,
            outcome: r.outcome,
            sent_at: r.sent_at,
            answered_at: r.answered_at,
            closed_at: r.closed_at,
            reminders_sent: r.reminders_sent,
            holder: r.holder.map(|h| SharedHolder {
                id: h.id,
                first_name: h.first_name,
                last_name: h.last_name,
                email: h.email,
                phone: h.phone,
                project_summary: h.project_summary,
            }),
            history: r.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// Refers a holder to a partner. Only the référent organisation refers (a partner
/// reading the file gets 403), with the holder's consent to share with partners.
#[utoipa::path(
    post, path = "/referrals", tag = "referrals",
    request_body = ReferralInput,
    responses(
        (status = 201, body = ReferralView),
        Forbidden, NotFound, Invalid,
        (status = 409, description = "Une orientation vers cette structure est déjà en cours, ou la fiche est anonymisée", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiJson(input): ApiJson<ReferralInput>,
) -> ApiResult<(StatusCode, Json<ReferralView>)> {
    let referral = referrals::refer(&state.core, user.actor(), input, now).await?;
    Ok((StatusCode::CREATED, Json(referral.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralFilters {
    /// `inbox` (received, the default) or `outbox` (sent).
    #[serde(rename = "box")]
    #[param(rename = "box", value_type = Option<parcours_domain::referrals::ReferralBox>)]
    which: Option<String>,
    #[param(value_type = Option<ReferralStatus>)]
    status: Option<String>,
    /// From a previous page's `next_cursor` (opaque: any other value is refused).
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 400)]
    cursor: Option<String>,
    /// 1–200, 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

super::page_view!(ReferralPage of ReferralView);

/// The organisation's received or sent referrals, newest first.
#[utoipa::path(
    get, path = "/referrals", tag = "referrals",
    params(ReferralFilters),
    responses((status = 200, body = ReferralPage), Forbidden, Invalid),
)]
async fn list_referrals(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(filters): ApiQuery<ReferralFilters>,
) -> ApiResult<Json<ReferralPage>> {
    let input = ListInput {
        which: filters.which,
        status: filters.status,
        page: PageRequest {
            cursor: filters.cursor,
            limit: filters.limit,
        },
        oldest_first: false,
    };
    Ok(Json(
        referrals::list(&state.core, user.actor(), &input, now)
            .await?
            .into(),
    ))
}

/// One referral with its history. Only its two organisations see it.
#[utoipa::path(
    get, path = "/referrals/{id}", tag = "referrals",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReferralView), Forbidden, NotFound),
)]
async fn get_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Json<ReferralView>> {
    Ok(Json(
        referrals::get(&state.core, user.actor(), id, now)
            .await?
            .into(),
    ))
}

/// The receiving organisation takes the person on: it reads the file and logs its own
/// contacts until the referral ends. Refused (422) once expired, or without the
/// person's consent to share.
#[utoipa::path(
    post, path = "/referrals/{id}/accept", tag = "referrals",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReferralView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn accept_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Json<ReferralView>> {
    Ok(Json(
        referrals::accept(&state.core, user.actor(), id, now)
            .await?
            .into(),
    ))
}

/// The receiving organisation declines, with a reason.
#[utoipa::path(
    post, path = "/referrals/{id}/decline", tag = "referrals",
    params(("id" = i64, Path)),
    request_body = DeclineInput,
    responses((status = 200, body = ReferralView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn decline_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<DeclineInput>,
) -> ApiResult<Json<ReferralView>> {
    let referral = referrals::decline(&state.core, user.actor(), id, input, now).await?;
    Ok(Json(referral.into()))
}

/// The receiving organisation closes its part with an outcome; its access ends.
#[utoipa::path(
    post, path = "/referrals/{id}/complete", tag = "referrals",
    params(("id" = i64, Path)),
    request_body = CompleteInput,
    responses((status = 200, body = ReferralView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn complete_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<CompleteInput>,
) -> ApiResult<Json<ReferralView>> {
    let referral = referrals::complete(&state.core, user.actor(), id, input, now).await?;
    Ok(Json(referral.into()))
}

/// The sending organisation withdraws the referral.
#[utoipa::path(
    post, path = "/referrals/{id}/withdraw", tag = "referrals",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReferralView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn withdraw_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Json<ReferralView>> {
    Ok(Json(
        referrals::withdraw(&state.core, user.actor(), id, now)
            .await?
            .into(),
    ))
}

/// A referral on the coordinator's queue: organisations and delays, no person.
#[derive(Serialize, ToSchema)]
pub struct OverdueReferral {
    pub id: i64,
    pub from_organisation: OrganisationRef,
    pub to_organisation: OrganisationRef,
    pub sent_at: DateTime<Utc>,
    pub days_waiting: i64,
    pub reminders_sent: i32,
}

impl From<Overdue> for OverdueReferral {
    fn from(o: Overdue) -> Self {
        Self {
            id: o.id,
            from_organisation: o.from_organisation.into(),
            to_organisation: o.to_organisation.into(),
            sent_at: o.sent_at,
            days_waiting: o.days_waiting,
            reminders_sent: o.reminders_sent,
        }
    }
}

/// Referrals of the coordinator's territory unanswered past the reminder delay and not
/// yet expired, oldest first. Coordinators only.
#[utoipa::path(
    get, path = "/referrals/overdue", tag = "referrals",
    responses((status = 200, body = Vec<OverdueReferral>), Forbidden),
)]
async fn overdue_referrals(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
) -> ApiResult<Json<Vec<OverdueReferral>>> {
    let queue = referrals::overdue(&state.core, user.actor(), now).await?;
    Ok(Json(queue.into_iter().map(Into::into).collect()))
}

/// The same queue as CSV, as the dashboard offers it: organisations, sending day (in
/// Paris), days waiting and reminders sent.
#[utoipa::path(
    get, path = "/referrals/overdue.csv", tag = "referrals",
    responses((status = 200, content_type = "text/csv"), Forbidden),
)]
async fn overdue_referrals_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
) -> ApiResult<axum::response::Response> {
    use crate::export::{Cell, csv_response};
    let queue = referrals::overdue(&state.core, user.actor(), now).await?;
    let rows = queue
        .into_iter()
        .map(|o| {
            vec![
                Cell::text(o.from_organisation.name),
                Cell::text(o.to_organisation.name),
                Cell::Figure(parcours_domain::calendar::paris_day(o.sent_at).to_string()),
                Cell::Figure(o.days_waiting.to_string()),
                Cell::Figure(o.reminders_sent.to_string()),
            ]
        })
        .collect();
    csv_response(
        "orientations-sans-reponse",
        &[
            "Structure d'origine",
            "Structure destinataire",
            "Envoyée le",
            "Attente (jours)",
            "Relances envoyées",
        ],
        rows,
    )
}
