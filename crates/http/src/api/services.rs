//! The partner directory: services, managed by each organisation's admins, and the
//! suggestions that rank them for a holder.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Now, PathId};
use crate::json;
use crate::problems::{Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::PageRequest;
use parcours_core::services::{self, ListInput, Listed, ServiceInput, Suggestion};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::pathway::Stage;
use parcours_domain::services::{Need, Public};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(patch_service))
        .routes(routes!(suggested_partners))
}

#[derive(Serialize, ToSchema)]
pub struct ServiceView {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    pub name: String,
    pub description: String,
    pub stage: Stage,
    pub needs: Vec<Need>,
    pub publics: Vec<Public>,
    pub sectors: Vec<String>,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    pub places: Option<i32>,
    pub contact: Option<String>,
    pub active: bool,
}

impl From<Listed> for ServiceView {
    fn from((service, organisation): Listed) -> Self {
        let f = service.fields;
        Self {
            id: service.id,
            organisation_id: service.organisation_id,
            organisation_name: organisation.name,
            organisation_kind: organisation.kind,
            name: f.name,
            description: f.description,
            stage: f.stage,
            needs: f.needs,
            publics: f.publics,
            sectors: f.sectors,
            financing_min_eur: f.financing_min_eur,
            financing_max_eur: f.financing_max_eur,
            places: f.places,
            contact: f.contact,
            active: f.active,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceFilters {
    /// Only services for this stage.
    #[param(value_type = Option<Stage>)]
    stage: Option<String>,
    /// Words in the name, description or sectors.
    #[param(max_length = 100)]
    q: Option<String>,
    /// From a previous page's `next_cursor` (opaque: any other value is refused).
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 400)]
    cursor: Option<String>,
    /// 1–200, 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

super::page_view!(ServicePage of ServiceView);

/// The offer of the partners of the user's territory.
#[utoipa::path(
    get, path = "/services", tag = "services",
    params(ServiceFilters),
    responses((status = 200, body = ServicePage), Invalid),
)]
async fn list_services(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(filters): ApiQuery<ServiceFilters>,
) -> ApiResult<Json<ServicePage>> {
    let input = ListInput {
        stage: filters.stage,
        q: filters.q,
        page: PageRequest {
            cursor: filters.cursor,
            limit: filters.limit,
        },
        ..ListInput::default()
    };
    Ok(Json(
        services::list(&state.core, user.actor(), &input)
            .await?
            .into(),
    ))
}

/// Publishes a service of the admin's own organisation.
#[utoipa::path(
    post, path = "/services", tag = "services",
    request_body = ServiceInput,
    responses((status = 201, body = ServiceView), Forbidden, Invalid),
)]
async fn create_service(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<ServiceView>)> {
    let created = services::create(&state.core, user.actor(), input, now).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Changes a service of the admin's own organisation (JSON merge patch).
#[utoipa::path(
    patch, path = "/services/{id}", tag = "services",
    params(("id" = i64, Path)),
    request_body = ServiceInput,
    responses((status = 200, body = ServiceView), Forbidden, NotFound, Invalid),
)]
async fn patch_service(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<ServiceView>> {
    let edit = |current: ServiceInput| Ok(json::merge(&current, patch)?);
    let updated = services::update(&state.core, user.actor(), id, edit, now).await?;
    Ok(Json(updated.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedsParam {
    /// The holder's stated needs, comma-separated (`financement,local`).
    #[param(value_type = Option<Vec<Need>>, style = Form, explode = false)]
    needs: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionView {
    pub service: ServiceView,
    pub score: u32,
    /// Why this partner, in one line.
    pub reason: String,
}

impl From<Suggestion> for SuggestionView {
    fn from(s: Suggestion) -> Self {
        Self {
            service: (s.service, s.organisation).into(),
            score: s.score,
            reason: s.reason,
        }
    }
}

/// Partners' services ranked for this holder's project and stated needs.
#[utoipa::path(
    get, path = "/holders/{id}/suggested-partners", tag = "services",
    params(("id" = i64, Path), NeedsParam),
    responses((status = 200, body = Vec<SuggestionView>), Forbidden, NotFound, Invalid),
)]
async fn suggested_partners(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiQuery(params): ApiQuery<NeedsParam>,
) -> ApiResult<Json<Vec<SuggestionView>>> {
    let found =
        services::suggestions(&state.core, user.actor(), id, params.needs.as_deref(), now).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}
