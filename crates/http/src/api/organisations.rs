//! The partner organisations: a directory every signed-in user may read.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{decode_cursor, encode_cursor, parse_limit, parse_param};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use parcours_domain::ValidationErrors;
use parcours_domain::organisations::OrganisationKind;
use parcours_persistence::organisations::{self, ListQuery, Organisation};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organisations))
        .routes(routes!(get_organisation))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub territory: TerritoryView,
    /// Where the organisation receives notifications (referrals, reminders).
    pub notification_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryView {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub fn organisation_view(org: Organisation) -> OrganisationView {
    OrganisationView {
        id: org.id,
        name: org.name,
        kind: org.kind,
        territory: TerritoryView {
            id: org.territory.id,
            code: org.territory.code,
            name: org.territory.name,
        },
        notification_email: org.notification_email,
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationFilters {
    /// Only this territory (id).
    territory: Option<String>,
    /// Only this kind (`citeslab`, `adie`…).
    kind: Option<String>,
    /// From a previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1–200 (50 by default).
    limit: Option<String>,
}

/// Organisations ordered by name, a page at a time.
#[utoipa::path(
    get, path = "/organisations", tag = "organisations",
    params(OrganisationFilters),
    responses(
        (status = 200, body = OrganisationPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_organisations(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(filters): Query<OrganisationFilters>,
) -> ApiResult<Json<OrganisationPage>> {
    let mut errors = ValidationErrors::new();
    let query = ListQuery {
        territory_id: parse_param(&mut errors, "territory", filters.territory.as_deref()),
        kind: parse_param(&mut errors, "kind", filters.kind.as_deref()),
        after: decode_cursor(&mut errors, filters.cursor.as_deref()),
        limit: parse_limit(&mut errors, filters.limit.as_deref()),
    };
    errors.into_result()?;
    let (page, more) = organisations::list(state.db.conn(), &query).await?;
    let next_cursor = more
        .then(|| page.last().map(|org| encode_cursor(&(&org.name, org.id))))
        .flatten();
    Ok(Json(OrganisationPage {
        items: page.into_iter().map(organisation_view).collect(),
        next_cursor,
    }))
}

/// One organisation.
#[utoipa::path(
    get, path = "/organisations/{id}", tag = "organisations",
    params(("id" = i64, Path, description = "Organisation id")),
    responses(
        (status = 200, body = OrganisationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_organisation(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganisationView>> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let org = organisations::get(state.db.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(organisation_view(org)))
}
