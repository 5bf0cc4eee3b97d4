//! A holder's projects.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Now, PathId, etag, if_match};
use crate::json;
use crate::problems::{Conflict, Forbidden, Invalid, NotFound, Stale, VersionRequired};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use parcours_core::projects::{self, ProjectInput};
use parcours_core::records::Project;
use parcours_domain::contacts::LegalForm;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_project))
        .routes(routes!(patch_project))
}

#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub holder_id: i64,
    pub idea: String,
    pub sector: Option<String>,
    pub planned_legal_form: Option<LegalForm>,
    pub micro_entreprise: bool,
    pub collective: bool,
    pub financing_need_eur: Option<i64>,
    pub siret: Option<String>,
    pub created_on: Option<NaiveDate>,
    pub legal_form: Option<LegalForm>,
    pub version: i32,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        Self {
            id: p.id,
            holder_id: p.holder_id,
            idea: p.idea,
            sector: p.sector,
            planned_legal_form: p.planned_legal_form,
            micro_entreprise: p.micro_entreprise,
            collective: p.collective,
            financing_need_eur: p.financing_need_eur,
            siret: p.siret,
            created_on: p.created_on,
            legal_form: p.legal_form,
            version: p.version,
        }
    }
}

fn respond(project: Project, status: StatusCode) -> Response {
    let tag = etag("p", project.id, project.version);
    let mut response = (status, Json(ProjectView::from(project))).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// Adds a project to a holder.
#[utoipa::path(
    post, path = "/holders/{id}/projects", tag = "projects",
    params(("id" = i64, Path)),
    request_body = ProjectInput,
    responses((status = 201, body = ProjectView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn create_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<Response> {
    let project = projects::create(&state.core, user.actor(), id, input, now).await?;
    Ok(respond(project, StatusCode::CREATED))
}

/// Changes a project (JSON merge patch), with `If-Match`.
#[utoipa::path(
    patch, path = "/projects/{id}", tag = "projects",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = ProjectInput,
    responses((status = 200, body = ProjectView), Forbidden, NotFound, Conflict, Stale, Invalid, VersionRequired),
)]
async fn patch_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Response> {
    let expected = if_match(&headers, "p", id);
    let edit = |current: ProjectInput| Ok(json::merge(&current, patch)?);
    let project = projects::update(&state.core, user.actor(), id, expected, edit, now).await?;
    Ok(respond(project, StatusCode::OK))
}
