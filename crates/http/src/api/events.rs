//! Awareness events: what was organised, with whom, and who came — named or counted.

use super::PageParams;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Now, PathId};
use crate::json;
use crate::problems::{Conflict, Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use parcours_core::events::{
    self, Attended, AttendeeInput, EventDetail, EventInput, HeadcountInput,
};
use parcours_domain::events::EventKind;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(get_event, patch_event))
        .routes(routes!(add_attendee))
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeView {
    pub holder_id: i64,
    pub first_name: String,
    pub last_name: String,
    /// Registered at this event rather than already followed.
    pub new_holder: bool,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: EventKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub qpv_code: Option<String>,
    pub partners: Vec<i64>,
    pub headcount: HeadcountInput,
    /// Named attendees, all organisations together.
    pub named_count: usize,
    /// Named attendees the reader's organisation follows (the others stay counted only).
    pub attendees: Vec<AttendeeView>,
}

impl From<EventDetail> for EventView {
    fn from(detail: EventDetail) -> Self {
        let headcount = detail.headcount();
        let e = detail.event;
        Self {
            id: e.id,
            organisation_id: e.organisation_id,
            kind: e.kind,
            title: e.title,
            held_on: e.held_on,
            place: e.place,
            qpv_code: e.qpv_code,
            partners: detail.partners,
            headcount,
            named_count: detail.named_count,
            attendees: detail
                .attendees
                .into_iter()
                .map(|(attendance, holder)| AttendeeView {
                    holder_id: holder.id,
                    first_name: holder.first_name,
                    last_name: holder.last_name,
                    new_holder: attendance.new_holder,
                })
                .collect(),
        }
    }
}

/// Records an awareness event of the user's organisation.
#[utoipa::path(
    post, path = "/events", tag = "events",
    request_body = EventInput,
    responses((status = 201, body = EventView), Forbidden, Invalid),
)]
async fn create_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<(StatusCode, Json<EventView>)> {
    let event = events::create(&state.core, user.actor(), input, now).await?;
    Ok((StatusCode::CREATED, Json(event.into())))
}

super::page_view!(EventList of EventView);

/// Events the organisation ran or took part in, most recent first.
#[utoipa::path(
    get, path = "/events", tag = "events",
    params(PageParams),
    responses((status = 200, body = EventList), Forbidden, Invalid),
)]
async fn list_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<EventList>> {
    Ok(Json(
        events::list(&state.core, user.actor(), &page.into(), now)
            .await?
            .into(),
    ))
}

/// One event with its attendance.
#[utoipa::path(
    get, path = "/events/{id}", tag = "events",
    params(("id" = i64, Path)),
    responses((status = 200, body = EventView), Forbidden, NotFound),
)]
async fn get_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Json<EventView>> {
    Ok(Json(
        events::get(&state.core, user.actor(), id, now)
            .await?
            .into(),
    ))
}

/// Changes an event of the organisation (JSON merge patch), e.g. its head-count. A
/// partner of the event sees it but does not change it (403).
#[utoipa::path(
    patch, path = "/events/{id}", tag = "events",
    params(("id" = i64, Path)),
    request_body = EventInput,
    responses((status = 200, body = EventView), Forbidden, NotFound, Invalid),
)]
async fn patch_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<EventView>> {
    let edit = |current: EventInput| Ok(json::merge(&current, patch)?);
    Ok(Json(
        events::update(&state.core, user.actor(), id, edit, now)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceView {
    pub holder_id: i64,
    pub new_holder: bool,
    /// False when the person was already recorded at this event.
    pub added: bool,
}

impl From<Attended> for AttendanceView {
    fn from(a: Attended) -> Self {
        Self {
            holder_id: a.holder_id,
            new_holder: a.new_holder,
            added: a.added,
        }
    }
}

/// Adds a named attendee. A new person enters the pathway at `sensibilisation`, with
/// this event as their source.
#[utoipa::path(
    post, path = "/events/{id}/attendees", tag = "events",
    params(("id" = i64, Path)),
    request_body = AttendeeInput,
    responses((status = 201, body = AttendanceView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn add_attendee(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<AttendeeInput>,
) -> ApiResult<(StatusCode, Json<AttendanceView>)> {
    let attended = events::add_attendee(&state.core, user.actor(), id, input, now).await?;
    Ok((StatusCode::CREATED, Json(attended.into())))
}
