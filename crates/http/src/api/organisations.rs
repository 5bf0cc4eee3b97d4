//! The partner organisations: a directory every signed-in user may read.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::extract::PathId;
use crate::problems::{Invalid, NotFound, Unauthenticated};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use parcours_core::PageRequest;
use parcours_core::organisations::{self, ListInput};
use parcours_core::records::Organisation;
use parcours_domain::organisations::OrganisationKind;
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

impl From<Organisation> for OrganisationView {
    fn from(org: Organisation) -> Self {
        Self {
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
}

super::page_view!(OrganisationPage of OrganisationView);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationFilters {
    /// Only this territory (id).
    #[param(value_type = Option<i64>, minimum = 1)]
    territory: Option<String>,
    /// Only this kind.
    #[param(value_type = Option<OrganisationKind>)]
    kind: Option<String>,
    /// From a previous page's `next_cursor` (opaque: any other value is refused).
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 400)]
    cursor: Option<String>,
    /// 1–200, 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// Organisations ordered by name, a page at a time.
#[utoipa::path(
    get, path = "/organisations", tag = "organisations",
    params(OrganisationFilters),
    responses((status = 200, body = OrganisationPage), Unauthenticated, Invalid),
)]
async fn list_organisations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(filters): ApiQuery<OrganisationFilters>,
) -> ApiResult<Json<OrganisationPage>> {
    let input = ListInput {
        territory: filters.territory,
        kind: filters.kind,
        page: PageRequest {
            cursor: filters.cursor,
            limit: filters.limit,
        },
    };
    Ok(Json(
        organisations::list(&state.core, user.actor(), &input)
            .await?
            .into(),
    ))
}

/// One organisation.
#[utoipa::path(
    get, path = "/organisations/{id}", tag = "organisations",
    params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, body = OrganisationView), Unauthenticated, NotFound),
)]
async fn get_organisation(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(
        organisations::get(&state.core, user.actor(), id)
            .await?
            .into(),
    ))
}
