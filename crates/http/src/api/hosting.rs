//! Hosting: spaces and their units, agreements with their terms, occupancy.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Now, PathId};
use crate::problems::{Conflict, Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use parcours_core::hosting::{
    self, AgreementDetail, AgreementFilters, AgreementInput, EndInput, SpaceInput, UnitInput,
};
use parcours_core::records::{Space, Unit};
use parcours_core::{PageRequest, PeriodInput};
use parcours_domain::hosting::{EndReason, UnitKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_space, list_spaces))
        .routes(routes!(create_unit, list_units))
        .routes(routes!(occupancy))
        .routes(routes!(create_agreement, list_agreements))
        .routes(routes!(end_agreement))
}

#[derive(Serialize, ToSchema)]
pub struct SpaceView {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub address: Option<String>,
    pub qpv_code: Option<String>,
}

impl From<Space> for SpaceView {
    fn from(s: Space) -> Self {
        Self {
            id: s.id,
            organisation_id: s.organisation_id,
            name: s.name,
            address: s.address,
            qpv_code: s.qpv_code,
        }
    }
}

/// Describes a hosting place of the admin's organisation (CAQ, pépinière, couveuse,
/// incubateur, boutique à l'essai, CAE).
#[utoipa::path(
    post, path = "/spaces", tag = "hosting",
    request_body = SpaceInput,
    responses((status = 201, body = SpaceView), Forbidden, Invalid),
)]
async fn create_space(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiJson(input): ApiJson<SpaceInput>,
) -> ApiResult<(StatusCode, Json<SpaceView>)> {
    let space = hosting::create_space(&state.core, user.actor(), input, now).await?;
    Ok((StatusCode::CREATED, Json(space.into())))
}

/// The hosting places of the user's territory.
#[utoipa::path(get, path = "/spaces", tag = "hosting", responses((status = 200, body = Vec<SpaceView>)))]
async fn list_spaces(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<SpaceView>>> {
    let spaces = hosting::list_spaces(&state.core, user.actor()).await?;
    Ok(Json(spaces.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub space_id: i64,
    pub kind: UnitKind,
    pub label: String,
    pub area_m2: Option<i32>,
    pub monthly_rent_eur: i64,
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        Self {
            id: u.id,
            space_id: u.space_id,
            kind: u.kind,
            label: u.label,
            area_m2: u.area_m2,
            monthly_rent_eur: u.monthly_rent_eur,
        }
    }
}

/// Adds a unit to a space of the admin's organisation.
#[utoipa::path(
    post, path = "/spaces/{id}/units", tag = "hosting",
    params(("id" = i64, Path)),
    request_body = UnitInput,
    responses((status = 201, body = UnitView), Forbidden, NotFound, Invalid),
)]
async fn create_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<UnitInput>,
) -> ApiResult<(StatusCode, Json<UnitView>)> {
    let unit = hosting::create_unit(&state.core, user.actor(), id, input, now).await?;
    Ok((StatusCode::CREATED, Json(unit.into())))
}

/// The units of a space: for the host's users and the territory's coordinator (403 for
/// others of the territory, 404 beyond).
#[utoipa::path(
    get, path = "/spaces/{id}/units", tag = "hosting",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<UnitView>), Forbidden, NotFound),
)]
async fn list_units(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> ApiResult<Json<Vec<UnitView>>> {
    let units = hosting::list_units(&state.core, user.actor(), id).await?;
    Ok(Json(units.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day (default: the first of the current month).
    #[param(value_type = Option<NaiveDate>)]
    from: Option<String>,
    /// Day after the last (default: the first of next month); after `from`.
    #[param(value_type = Option<NaiveDate>)]
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitOccupancy {
    pub unit_id: i64,
    pub label: String,
    pub kind: UnitKind,
    pub occupied_days: i64,
    pub days: i64,
    /// Occupied days / days, 0 to 1.
    pub rate: f64,
}

#[derive(Serialize, ToSchema)]
pub struct Occupancy {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub units: Vec<UnitOccupancy>,
    /// Occupied unit-days / available unit-days.
    pub overall_rate: f64,
}

/// Occupancy of each unit and of the whole space over a period: for the host's users
/// and the territory's coordinator (aggregates, no person).
#[utoipa::path(
    get, path = "/spaces/{id}/occupancy", tag = "hosting",
    params(("id" = i64, Path), Period),
    responses((status = 200, body = Occupancy), Forbidden, NotFound, Invalid),
)]
async fn occupancy(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiQuery(period): ApiQuery<Period>,
) -> ApiResult<Json<Occupancy>> {
    let period = PeriodInput {
        from: period.from,
        to: period.to,
    };
    let o = hosting::occupancy(&state.core, user.actor(), id, &period, now).await?;
    Ok(Json(Occupancy {
        from: o.from,
        to: o.to,
        units: o
            .units
            .into_iter()
            .map(|u| UnitOccupancy {
                unit_id: u.unit.id,
                label: u.unit.label,
                kind: u.unit.kind,
                occupied_days: u.occupied_days,
                days: u.days,
                rate: u.rate,
            })
            .collect(),
        overall_rate: o.overall_rate,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AgreementView {
    pub id: i64,
    pub unit_id: i64,
    pub holder_id: i64,
    pub holder_first_name: String,
    pub holder_last_name: String,
    pub project_id: Option<i64>,
    pub organisation_id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub actual_end: Option<NaiveDate>,
    pub renewals: i32,
    pub monthly_rent_eur: i64,
    pub end_reason: Option<EndReason>,
}

impl From<AgreementDetail> for AgreementView {
    fn from(
        AgreementDetail {
            agreement: a,
            holder,
        }: AgreementDetail,
    ) -> Self {
        Self {
            id: a.id,
            unit_id: a.unit_id,
            holder_id: a.holder_id,
            holder_first_name: holder.first_name,
            holder_last_name: holder.last_name,
            project_id: a.project_id,
            organisation_id: a.organisation_id,
            start_date: a.start_date,
            planned_end: a.planned_end,
            actual_end: a.actual_end,
            renewals: a.renewals,
            monthly_rent_eur: a.monthly_rent_eur,
            end_reason: a.end_reason,
        }
    }
}

/// Hosts a holder in a unit of the organisation. The unit must be free for the whole
/// term (the database refuses overlaps, even between racing requests); the holder moves
/// to `hebergement` if their pathway is open and not there yet.
#[utoipa::path(
    post, path = "/hosting", tag = "hosting",
    request_body = AgreementInput,
    responses(
        (status = 201, body = AgreementView),
        Forbidden, NotFound, Invalid,
        (status = 409, description = "L'unité est déjà occupée sur une partie de la période, ou la fiche est anonymisée", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_agreement(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiJson(input): ApiJson<AgreementInput>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    let agreement = hosting::create_agreement(&state.core, user.actor(), input, now).await?;
    Ok((StatusCode::CREATED, Json(agreement.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementParams {
    /// Only running agreements (`true`) or all (default).
    #[param(value_type = Option<bool>)]
    running: Option<String>,
    /// From a previous page's `next_cursor` (opaque: any other value is refused).
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 400)]
    cursor: Option<String>,
    /// 1–200, 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

super::page_view!(AgreementPage of AgreementView);

/// The organisation's hosting agreements, newest first.
#[utoipa::path(
    get, path = "/hosting", tag = "hosting",
    params(AgreementParams),
    responses((status = 200, body = AgreementPage), Forbidden, Invalid),
)]
async fn list_agreements(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    ApiQuery(params): ApiQuery<AgreementParams>,
) -> ApiResult<Json<AgreementPage>> {
    let filters = AgreementFilters {
        running: params.running,
        page: PageRequest {
            cursor: params.cursor,
            limit: params.limit,
        },
    };
    let page = hosting::list_agreements(&state.core, user.actor(), &filters, now).await?;
    Ok(Json(page.into()))
}

/// Ends an agreement with its reason.
#[utoipa::path(
    post, path = "/hosting/{id}/end", tag = "hosting",
    params(("id" = i64, Path)),
    request_body = EndInput,
    responses((status = 200, body = AgreementView), Forbidden, NotFound, Conflict, Invalid),
)]
async fn end_agreement(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<EndInput>,
) -> ApiResult<Json<AgreementView>> {
    let ended = hosting::end_agreement(&state.core, user.actor(), id, input, now).await?;
    Ok(Json(ended.into()))
}
