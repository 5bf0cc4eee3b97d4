//! Holders: registering, reading, editing (with optimistic locking), listing and moving
//! along the pathway.

use super::projects::ProjectView;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Now, PathId, etag, if_match};
use crate::json;
use crate::problems::{Conflict, Forbidden, Invalid, NotFound, Stale, VersionRequired};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_core::holders::{
    self, CloseInput, HolderFile, HolderInput, ListInput, ReopenInput, StageInput,
};
use parcours_core::records::Holder;
use parcours_core::{Error, PageRequest};
use parcours_domain::holders::{EducationLevel, Gender, QpvStatus, QpvStatusSource, Situation};
use parcours_domain::pathway::{Outcome, Stage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_holder, list_holders))
        .routes(routes!(get_holder, patch_holder))
        .routes(routes!(change_stage))
        .routes(routes!(close_pathway))
        .routes(routes!(reopen_pathway))
}

#[derive(Serialize, ToSchema)]
pub struct HolderView {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    pub qpv_code: Option<String>,
    pub qpv_status: QpvStatus,
    /// How the QPV status was set: `adviser`, `commune` or `non_renseigne`.
    pub qpv_status_source: QpvStatusSource,
    pub situation: Option<Situation>,
    pub education_level: Option<EducationLevel>,
    pub referent_organisation_id: i64,
    pub referent_user_id: Option<i64>,
    pub stage: Stage,
    pub stage_entered_at: DateTime<Utc>,
    /// Set once the pathway is closed.
    pub outcome: Option<Outcome>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub projects: Vec<ProjectView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<HolderFile> for HolderView {
    fn from(HolderFile { holder, projects }: HolderFile) -> Self {
        Self {
            id: holder.id,
            first_name: holder.first_name,
            last_name: holder.last_name,
            birth_date: holder.birth_date,
            gender: holder.gender,
            email: holder.email,
            phone: holder.phone,
            address: holder.address,
            postal_code: holder.postal_code,
            commune_insee: holder.commune_insee,
            qpv_code: holder.qpv_code,
            qpv_status: holder.qpv_status,
            qpv_status_source: holder.qpv_status_source,
            situation: holder.situation,
            education_level: holder.education_level,
            referent_organisation_id: holder.referent_organisation_id,
            referent_user_id: holder.referent_user_id,
            stage: holder.stage,
            stage_entered_at: holder.stage_entered_at,
            outcome: holder.outcome,
            closed_at: holder.closed_at,
            version: holder.version,
            projects: projects.into_iter().map(ProjectView::from).collect(),
            created_at: holder.created_at,
            updated_at: holder.updated_at,
        }
    }
}

/// A file with its ETag, as every read and write of one answers; `Location` on creation.
fn respond(file: HolderFile, status: StatusCode) -> Response {
    let (id, version) = (file.holder.id, file.holder.version);
    let mut response = (status, Json(HolderView::from(file))).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag("h", id, version));
    if status == StatusCode::CREATED
        && let Ok(location) = format!("/api/v1/holders/{id}").parse()
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Registers a person, who enters the pathway (at `information` unless told otherwise).
#[utoipa::path(
    post, path = "/holders", tag = "holders",
    request_body = HolderInput,
    responses(
        (status = 201, description = "Fiche créée ; en-têtes Location et ETag", body = HolderView),
        Forbidden, Invalid,
    ),
)]
async fn create_holder(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiJson(input): ApiJson<HolderInput>,
) -> ApiResult<Response> {
    let file = holders::register(&state.core, user.actor(), input, now).await?;
    Ok(respond(file, StatusCode::CREATED))
}

/// One holder's file. A file merged into another answers 404 with `merged_into`, the
/// file kept, for the organisation's own users.
#[utoipa::path(
    get, path = "/holders/{id}", tag = "holders",
    params(("id" = i64, Path)),
    responses((status = 200, description = "La fiche ; en-tête ETag", body = HolderView), Forbidden, NotFound),
)]
async fn get_holder(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Response> {
    match holders::read(&state.core, user.actor(), id, now).await {
        Ok(file) => Ok(respond(file, StatusCode::OK)),
        Err(Error::NotFound) => {
            match parcours_core::privacy::merged_into(&state.core, user.actor(), id).await? {
                Some(kept) => Err(ApiError::MergedInto(kept)),
                None => Err(ApiError::NotFound),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// Changes some fields (a JSON merge patch: a field set to null is cleared). Needs
/// `If-Match` with the ETag of the last read: 428 without, 412 when the file changed.
/// Only the référent organisation changes a file: a partner reading it gets 403.
#[utoipa::path(
    patch, path = "/holders/{id}", tag = "holders",
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "ETag de la dernière lecture")),
    request_body = HolderInput,
    responses((status = 200, body = HolderView), Forbidden, NotFound, Conflict, Stale, Invalid, VersionRequired),
)]
async fn patch_holder(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Response> {
    let expected = if_match(&headers, "h", id);
    let edit = |current: HolderInput| Ok(json::merge(&current, patch)?);
    let file = holders::update(&state.core, user.actor(), id, expected, edit, now).await?;
    Ok(respond(file, StatusCode::OK))
}

/// Moves the holder to another stage. Forward is normal; back needs a reason.
#[utoipa::path(
    post, path = "/holders/{id}/stage", tag = "holders",
    params(("id" = i64, Path)),
    request_body = StageInput,
    responses((status = 200, body = HolderView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn change_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<StageInput>,
) -> ApiResult<Response> {
    let file = holders::move_stage(&state.core, user.actor(), id, input, now).await?;
    Ok(respond(file, StatusCode::OK))
}

/// Closes the pathway with an outcome. A business creation records the SIRET, date
/// and legal form on the project.
#[utoipa::path(
    post, path = "/holders/{id}/close", tag = "holders",
    params(("id" = i64, Path)),
    request_body = CloseInput,
    responses((status = 200, body = HolderView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn close_pathway(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<CloseInput>,
) -> ApiResult<Response> {
    let file = holders::close(&state.core, user.actor(), id, input, now).await?;
    Ok(respond(file, StatusCode::OK))
}

/// Reopens a closed pathway, at the stage it was closed in; needs a reason.
#[utoipa::path(
    post, path = "/holders/{id}/reopen", tag = "holders",
    params(("id" = i64, Path)),
    request_body = ReopenInput,
    responses((status = 200, body = HolderView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn reopen_pathway(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<ReopenInput>,
) -> ApiResult<Response> {
    let file = holders::reopen(&state.core, user.actor(), id, input, now).await?;
    Ok(respond(file, StatusCode::OK))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolderFilters {
    /// Start of the last or first name, accents and case ignored ("benoit" finds "Benoît").
    #[param(max_length = 100)]
    q: Option<String>,
    /// Only this stage.
    #[param(value_type = Option<Stage>)]
    stage: Option<String>,
    /// Only this QPV code.
    #[param(value_type = Option<parcours_domain::holders::QpvCode>)]
    qpv: Option<String>,
    /// Only holders of this referent adviser (user id).
    #[param(value_type = Option<i64>, minimum = 1)]
    referent: Option<String>,
    /// From a previous page's `next_cursor` (opaque: any other value is refused).
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 400)]
    cursor: Option<String>,
    /// 1–200, 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HolderSummary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub stage: Stage,
    pub outcome: Option<Outcome>,
    pub qpv_status: QpvStatus,
    pub referent_user_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl From<Holder> for HolderSummary {
    fn from(h: Holder) -> Self {
        Self {
            id: h.id,
            first_name: h.first_name,
            last_name: h.last_name,
            stage: h.stage,
            outcome: h.outcome,
            qpv_status: h.qpv_status,
            referent_user_id: h.referent_user_id,
            updated_at: h.updated_at,
        }
    }
}

super::page_view!(HolderPage of HolderSummary);

/// The organisation's holders in name order, a page at a time.
#[utoipa::path(
    get, path = "/holders", tag = "holders",
    params(HolderFilters),
    responses((status = 200, body = HolderPage), Forbidden, Invalid),
)]
async fn list_holders(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(filters): ApiQuery<HolderFilters>,
) -> ApiResult<Json<HolderPage>> {
    let input = ListInput {
        q: filters.q,
        stage: filters.stage,
        qpv: filters.qpv,
        referent: filters.referent,
        without_contact_days: None,
        page: PageRequest {
            cursor: filters.cursor,
            limit: filters.limit,
        },
    };
    Ok(Json(
        holders::list(&state.core, user.actor(), &input, now)
            .await?
            .into(),
    ))
}
