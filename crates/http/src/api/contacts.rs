//! Contacts with a holder, and the adviser's follow-ups.

use super::PageParams;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Now, PathId};
use crate::problems::{Conflict, Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use parcours_core::contacts::{self, ContactInput, FollowUp, HostingEnding};
use parcours_core::records::Contact;
use parcours_domain::contacts::{ContactKind, Topic};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_contact, list_contacts))
        .routes(routes!(follow_ups))
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub id: i64,
    pub holder_id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub kind: ContactKind,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<i32>,
    pub topics: Vec<Topic>,
    pub notes: Option<String>,
    pub next_action: Option<String>,
    pub next_action_due: Option<NaiveDate>,
    /// When the next action was done or superseded by a newer contact.
    pub next_action_done_at: Option<DateTime<Utc>>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            holder_id: c.holder_id,
            organisation_id: c.organisation_id,
            user_id: c.user_id,
            kind: c.kind,
            occurred_at: c.occurred_at,
            duration_minutes: c.duration_minutes,
            topics: c.topics,
            notes: c.notes,
            next_action: c.next_action,
            next_action_due: c.next_action_due,
            next_action_done_at: c.next_action_done_at,
        }
    }
}

/// Logs a contact. It supersedes the open next actions your organisation left on this
/// holder. The référent organisation and a partner with an accepted referral log them.
#[utoipa::path(
    post, path = "/holders/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path)),
    request_body = ContactInput,
    responses((status = 201, body = ContactView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn create_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    let contact = contacts::log(&state.core, user.actor(), id, input, now).await?;
    Ok((StatusCode::CREATED, Json(contact.into())))
}

super::page_view!(ContactPage of ContactView);

/// A holder's contacts, newest first.
#[utoipa::path(
    get, path = "/holders/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path), PageParams),
    responses((status = 200, body = ContactPage), Forbidden, NotFound, Invalid),
)]
async fn list_contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<ContactPage>> {
    let page = contacts::list(&state.core, user.actor(), id, &page.into(), now).await?;
    Ok(Json(page.into()))
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpView {
    pub contact_id: i64,
    pub holder_id: i64,
    pub holder_first_name: String,
    pub holder_last_name: String,
    pub next_action: Option<String>,
    pub due: NaiveDate,
    /// Days past the due date (0 when due today).
    pub days_overdue: i64,
}

impl From<FollowUp> for FollowUpView {
    fn from(f: FollowUp) -> Self {
        Self {
            contact_id: f.contact.id,
            holder_id: f.holder.id,
            holder_first_name: f.holder.first_name,
            holder_last_name: f.holder.last_name,
            next_action: f.contact.next_action,
            due: f.due,
            days_overdue: f.days_overdue,
        }
    }
}

/// A hosting agreement of the user's organisation ending within 60 days.
#[derive(Serialize, ToSchema)]
pub struct HostingEndingView {
    pub agreement_id: i64,
    pub unit_id: i64,
    pub holder_id: i64,
    pub holder_first_name: String,
    pub holder_last_name: String,
    pub planned_end: NaiveDate,
    /// Negative once the planned end has passed without the agreement being ended.
    pub days_left: i64,
}

impl From<HostingEnding> for HostingEndingView {
    fn from(h: HostingEnding) -> Self {
        Self {
            agreement_id: h.agreement.id,
            unit_id: h.agreement.unit_id,
            holder_id: h.holder.id,
            holder_first_name: h.holder.first_name,
            holder_last_name: h.holder.last_name,
            planned_end: h.agreement.planned_end,
            days_left: h.days_left,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpPage {
    pub items: Vec<FollowUpView>,
    pub next_cursor: Option<String>,
    /// On the first page: the host's agreements ending within 60 days, soonest first.
    pub hosting_ending: Vec<HostingEndingView>,
}

/// The signed-in adviser's next actions that are due or overdue, oldest first.
#[utoipa::path(
    get, path = "/follow-ups", tag = "contacts",
    params(PageParams),
    responses((status = 200, body = FollowUpPage), Forbidden, Invalid),
)]
async fn follow_ups(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<FollowUpPage>> {
    let due = contacts::follow_ups(&state.core, user.actor(), &page.into(), now).await?;
    Ok(Json(FollowUpPage {
        items: due.page.items.into_iter().map(Into::into).collect(),
        next_cursor: due.page.next_cursor,
        hosting_ending: due.hosting_ending.into_iter().map(Into::into).collect(),
    }))
}
