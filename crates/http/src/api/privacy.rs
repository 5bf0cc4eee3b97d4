//! Personal data over its whole life: the files soon anonymised, « garder », and
//! erasure on request.

use super::PageParams;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Now, PathId};
use crate::problems::{Conflict, Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parcours_core::privacy::{self, AccessEntry, DueFile, EraseInput, KeepInput, MergeInput};
use parcours_core::records::Keep;
use parcours_domain::audit::AuditAction;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(retention_due))
        .routes(routes!(keep))
        .routes(routes!(erase))
        .routes(routes!(access_log))
        .routes(routes!(export))
        .routes(routes!(duplicates))
        .routes(routes!(merge))
}

/// A file of the organisation that will be anonymised unless kept.
#[derive(Serialize, ToSchema)]
pub struct DueView {
    pub holder_id: i64,
    pub first_name: String,
    pub last_name: String,
    /// Its last activity: registration, contact, stage change, referral step, event
    /// attended, hosting, « garder ».
    pub last_activity: DateTime<Utc>,
    /// When it is anonymised unless kept.
    pub anonymised_on: DateTime<Utc>,
}

impl From<DueFile> for DueView {
    fn from(d: DueFile) -> Self {
        Self {
            holder_id: d.holder.id,
            first_name: d.holder.first_name,
            last_name: d.holder.last_name,
            last_activity: d.last_activity,
            anonymised_on: d.anonymised_on,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DueList {
    /// The soonest anonymised first.
    pub items: Vec<DueView>,
}

/// The organisation's files with no activity for nearly the retention period
/// (`privacy.retention_months`): each is anonymised on its date, unless kept. Listed
/// from `privacy.warning_days` before. Reading the list is audited for each person.
#[utoipa::path(
    get, path = "/retention/due", tag = "privacy",
    responses((status = 200, body = DueList), Forbidden),
)]
async fn retention_due(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
) -> ApiResult<Json<DueList>> {
    let due = privacy::due(&state.core, user.actor(), now).await?;
    Ok(Json(DueList {
        items: due.into_iter().map(Into::into).collect(),
    }))
}

/// A « garder »: why a file is kept past its retention date.
#[derive(Serialize, ToSchema)]
pub struct KeepView {
    pub id: i64,
    pub holder_id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub reason: String,
    pub kept_at: DateTime<Utc>,
}

impl From<Keep> for KeepView {
    fn from(k: Keep) -> Self {
        Self {
            id: k.id,
            holder_id: k.holder_id,
            organisation_id: k.organisation_id,
            user_id: k.user_id,
            reason: k.reason,
            kept_at: k.kept_at,
        }
    }
}

/// Keeps a file (the référent organisation only): the reason, dated, counts as
/// activity, so the file is kept a whole retention period more. An anonymised file has
/// nothing left to keep (409).
#[utoipa::path(
    post, path = "/holders/{id}/keep", tag = "privacy",
    params(("id" = i64, Path)),
    request_body = KeepInput,
    responses((status = 201, body = KeepView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn keep(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<KeepInput>,
) -> ApiResult<(StatusCode, Json<KeepView>)> {
    let kept = privacy::keep(&state.core, user.actor(), id, input, now).await?;
    Ok((StatusCode::CREATED, Json(kept.into())))
}

/// What an erasure did.
#[derive(Serialize, ToSchema)]
pub struct ErasureView {
    pub holder_id: i64,
    pub anonymised_at: DateTime<Utc>,
    /// Live referrals withdrawn; each receiver is told, without personal data.
    pub referrals_withdrawn: usize,
}

/// Erases a person's data at their request (right to erasure, objection): org admins
/// of the référent organisation, with the request's reference, which is kept. The file
/// is anonymised at once as the retention period would — identity, contact details,
/// address, exact birth date, free text and unsent e-mails about the person go, the
/// figures stay — and its live referrals are withdrawn. An adviser gets 403; an
/// anonymised file 409.
#[utoipa::path(
    post, path = "/holders/{id}/erase", tag = "privacy",
    params(("id" = i64, Path)),
    request_body = EraseInput,
    responses((status = 200, body = ErasureView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn erase(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<EraseInput>,
) -> ApiResult<Json<ErasureView>> {
    let done = privacy::erase(&state.core, user.actor(), id, input, now).await?;
    Ok(Json(ErasureView {
        holder_id: done.holder_id,
        anonymised_at: done.anonymised_at,
        referrals_withdrawn: done.referrals_withdrawn,
    }))
}

/// Who read or changed the file, when.
#[derive(Serialize, ToSchema)]
pub struct AccessEntryView {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// What was done (`holder.read`, `contact.create`, `referral.read`…).
    #[schema(value_type = String)]
    pub action: &'static str,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub user_id: i64,
    pub user_name: String,
}

impl From<AccessEntry> for AccessEntryView {
    fn from(e: AccessEntry) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            action: AuditAction::as_str(e.action),
            organisation_id: e.organisation_id,
            organisation_name: e.organisation_name,
            user_id: e.user_id,
            user_name: e.user_name,
        }
    }
}

super::page_view!(AccessLogPage of AccessEntryView);

/// « Qui a consulté ce dossier »: every read and change of the file's personal data,
/// newest first, a page at a time, with the organisation and the user named. For the
/// référent organisation only: a partner reading the file gets 403. Reading it is
/// recorded too.
#[utoipa::path(
    get, path = "/holders/{id}/access-log", tag = "privacy",
    params(("id" = i64, Path), PageParams),
    responses((status = 200, body = AccessLogPage), Forbidden, NotFound, Invalid),
)]
async fn access_log(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<AccessLogPage>> {
    let page = privacy::access_log(&state.core, user.actor(), id, &page.into(), now).await?;
    Ok(Json(page.into()))
}

/// A referral of the person, with the organisations involved.
#[derive(Serialize, ToSchema)]
pub struct ExportReferral {
    pub id: i64,
    pub from_organisation_id: i64,
    pub from_organisation: String,
    pub to_organisation_id: i64,
    pub to_organisation: String,
    pub need: String,
    pub message: Option<String>,
    pub status: parcours_domain::referrals::ReferralStatus,
    pub decline_reason: Option<parcours_domain::referrals::DeclineReason>,
    pub decline_text: Option<String>,
    pub outcome: Option<parcours_domain::referrals::ReferralOutcome>,
    pub sent_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Everything Parcours holds about a person.
#[derive(Serialize, ToSchema)]
pub struct ExportView {
    pub generated_at: DateTime<Utc>,
    /// Identity, contact details, situation, pathway and projects.
    pub holder: super::holders::HolderView,
    /// Consents in force and their whole history.
    pub consents: super::consents::ConsentState,
    /// Stage changes, contacts with their notes, consents, referral steps, events
    /// attended and hosting agreements, newest first.
    pub history: Vec<super::timeline::TimelineEntry>,
    pub referrals: Vec<ExportReferral>,
    /// Why the file was kept past its retention date, newest first.
    pub keeps: Vec<KeepView>,
    /// Who read or changed the file, newest first.
    pub access_log: Vec<AccessEntryView>,
}

/// The person's right of access: one export of everything held about them — identity,
/// projects, contacts and their notes, consents with their history, referrals with the
/// organisations involved, events attended, hosting — and the access log. For the
/// référent organisation, which answers the person's request; audited as
/// `holder.export`. A printable French page is at `/personnes/{id}/donnees`.
#[utoipa::path(
    get, path = "/holders/{id}/export", tag = "privacy",
    params(("id" = i64, Path)),
    responses((status = 200, body = ExportView), Forbidden, NotFound),
)]
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Json<ExportView>> {
    let e = privacy::export(&state.core, user.actor(), id, now).await?;
    let name = |id: i64| e.organisations.get(&id).cloned().unwrap_or_default();
    let referrals = e
        .referrals
        .iter()
        .map(|r| ExportReferral {
            id: r.id,
            from_organisation_id: r.from_organisation_id,
            from_organisation: name(r.from_organisation_id),
            to_organisation_id: r.to_organisation_id,
            to_organisation: name(r.to_organisation_id),
            need: r.need.clone(),
            message: r.message.clone(),
            status: r.status,
            decline_reason: r.decline_reason,
            decline_text: r.decline_text.clone(),
            outcome: r.outcome,
            sent_at: r.sent_at,
            answered_at: r.answered_at,
            closed_at: r.closed_at,
        })
        .collect();
    Ok(Json(ExportView {
        generated_at: now,
        holder: parcours_core::holders::HolderFile {
            holder: e.holder,
            projects: e.projects,
        }
        .into(),
        consents: e.consents.into(),
        history: e.history.into_iter().map(Into::into).collect(),
        referrals,
        keeps: e.keeps.into_iter().map(Into::into).collect(),
        access_log: e.access_log.into_iter().map(Into::into).collect(),
    }))
}

/// One of two files that may be one person.
#[derive(Serialize, ToSchema)]
pub struct DuplicateView {
    pub holder_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<parcours_core::records::Holder> for DuplicateView {
    fn from(h: parcours_core::records::Holder) -> Self {
        Self {
            holder_id: h.id,
            first_name: h.first_name,
            last_name: h.last_name,
            birth_date: h.birth_date,
            phone: h.phone,
            email: h.email,
            created_at: h.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DuplicatePairView {
    pub first: DuplicateView,
    pub second: DuplicateView,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateList {
    /// At most 200 pairs, by id.
    pub items: Vec<DuplicatePairView>,
}

/// The organisation's files that may be one person — the same name (accents and case
/// aside) and birth date, the same phone or the same e-mail — for its org admins to
/// merge. Reading it is audited for each person.
#[utoipa::path(
    get, path = "/duplicates", tag = "privacy",
    responses((status = 200, body = DuplicateList), Forbidden),
)]
async fn duplicates(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
) -> ApiResult<Json<DuplicateList>> {
    let pairs = privacy::duplicates(&state.core, user.actor(), now).await?;
    Ok(Json(DuplicateList {
        items: pairs
            .into_iter()
            .map(|p| DuplicatePairView {
                first: p.first.into(),
                second: p.second.into(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MergeView {
    /// The file kept.
    pub holder_id: i64,
    /// The file merged into it: its id now answers 404.
    pub merged_id: i64,
}

/// Merges `duplicate_id` into this file (org admins of the référent organisation), in
/// one transaction: contacts, projects, consents, referrals, events attended, hosting
/// agreements, « garder » and audit entries follow; the duplicate's identity and
/// pathway steps go. Audited on both files. Two live referrals to one partner are a
/// conflict to settle first (409).
#[utoipa::path(
    post, path = "/holders/{id}/merge", tag = "privacy",
    params(("id" = i64, Path)),
    request_body = MergeInput,
    responses((status = 200, body = MergeView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<MergeInput>,
) -> ApiResult<Json<MergeView>> {
    let merged_id = input.duplicate_id;
    privacy::merge(&state.core, user.actor(), id, input, now).await?;
    Ok(Json(MergeView {
        holder_id: id,
        merged_id,
    }))
}
