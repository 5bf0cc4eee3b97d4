//! Hosting: spaces and their units, agreements with their terms, occupancy.

use super::access::{holder_for, parse_id, require_personal_data_role};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::{QpvCode, check_text, parse_date};
use parcours_domain::hosting::{
    EndReason, UnitKind, check_term, occupancy_rate, occupied_days, term_rule,
};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::pathway::{Pathway, Stage};
use parcours_domain::users::Role;
use parcours_persistence::hosting::{self, Agreement, NewAgreement};
use parcours_persistence::{
    ConnectionTrait, PersistenceError, commit, holders, organisations, projects,
};
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

async fn host_kind(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> ApiResult<OrganisationKind> {
    Ok(organisations::get(conn, organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .kind)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceInput {
    pub name: String,
    pub address: Option<String>,
    pub qpv_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceView {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub address: Option<String>,
    pub qpv_code: Option<String>,
}

fn space_view(s: hosting::Space) -> SpaceView {
    SpaceView {
        id: s.id,
        organisation_id: s.organisation_id,
        name: s.name,
        address: s.address,
        qpv_code: s.qpv_code,
    }
}

/// Describes a hosting place of the admin's organisation (CAQ, pépinière, couveuse,
/// incubateur, boutique à l'essai, CAE).
#[utoipa::path(
    post, path = "/spaces", tag = "hosting",
    request_body = SpaceInput,
    responses(
        (status = 201, body = SpaceView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_space(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<SpaceInput>,
) -> ApiResult<(StatusCode, Json<SpaceView>)> {
    if user.role != Role::OrgAdmin {
        return Err(ApiError::Forbidden);
    }
    let mut errors = ValidationErrors::new();
    let name = match errors.check("name", check_text(&input.name, 200)) {
        Some(Some(n)) => Some(n),
        Some(None) => {
            errors.add("name", "obligatoire");
            None
        }
        None => None,
    };
    let address = errors
        .check(
            "address",
            check_text(input.address.as_deref().unwrap_or_default(), 300),
        )
        .flatten();
    let qpv_code = input
        .qpv_code
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("qpv_code", QpvCode::parse(v)));
    let txn = state.db.begin_write().await?;
    if term_rule(host_kind(&txn, user.organisation_id).await?).is_none() {
        errors.add(
            "organisation",
            "votre structure ne propose pas d'hébergement",
        );
    }
    errors.into_result()?;
    let space = hosting::create_space(
        &txn,
        user.organisation_id,
        &name.unwrap_or_default(),
        address,
        qpv_code.map(|q| q.as_str().to_owned()),
        state.clock.now(),
    )
    .await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(space_view(space))))
}

/// The hosting places of the user's territory.
#[utoipa::path(get, path = "/spaces", tag = "hosting", responses((status = 200, body = Vec<SpaceView>)))]
async fn list_spaces(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<SpaceView>>> {
    let conn = state.db.conn();
    let org = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (orgs, _) = organisations::list(
        conn,
        &organisations::ListQuery {
            territory_id: Some(org.territory.id),
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    let spaces = hosting::list_spaces(conn, Some(orgs.into_iter().map(|o| o.id).collect())).await?;
    Ok(Json(spaces.into_iter().map(space_view).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    /// `bureau`, `atelier`, `boutique`, `poste_coworking` or `domiciliation`.
    pub kind: String,
    pub label: String,
    pub area_m2: Option<i32>,
    pub monthly_rent_eur: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub space_id: i64,
    pub kind: String,
    pub label: String,
    pub area_m2: Option<i32>,
    pub monthly_rent_eur: i64,
}

fn unit_view(u: hosting::Unit) -> UnitView {
    UnitView {
        id: u.id,
        space_id: u.space_id,
        kind: u.kind,
        label: u.label,
        area_m2: u.area_m2,
        monthly_rent_eur: u.monthly_rent_eur,
    }
}

/// Adds a unit to a space of the admin's organisation.
#[utoipa::path(
    post, path = "/spaces/{id}/units", tag = "hosting",
    params(("id" = i64, Path)),
    request_body = UnitInput,
    responses(
        (status = 201, body = UnitView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UnitInput>,
) -> ApiResult<(StatusCode, Json<UnitView>)> {
    if user.role != Role::OrgAdmin {
        return Err(ApiError::Forbidden);
    }
    let txn = state.db.begin_write().await?;
    let space = hosting::get_space(&txn, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    if space.organisation_id != user.organisation_id {
        return Err(ApiError::Forbidden);
    }
    let mut errors = ValidationErrors::new();
    let kind = errors.check("kind", input.kind.parse::<UnitKind>());
    let label = match errors.check("label", check_text(&input.label, 100)) {
        Some(Some(l)) => Some(l),
        Some(None) => {
            errors.add("label", "obligatoire");
            None
        }
        None => None,
    };
    if input.area_m2.is_some_and(|a| !(1..=10_000).contains(&a)) {
        errors.add("area_m2", "surface en m² entre 1 et 10 000");
    }
    if !(0..=100_000).contains(&input.monthly_rent_eur) {
        errors.add(
            "monthly_rent_eur",
            "loyer mensuel en euros entre 0 et 100 000",
        );
    }
    errors.into_result()?;
    let unit = hosting::create_unit(
        &txn,
        space.id,
        kind.map(|k| k.as_str()).unwrap_or_default(),
        &label.unwrap_or_default(),
        input.area_m2,
        input.monthly_rent_eur,
        state.clock.now(),
    )
    .await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(unit_view(unit))))
}

/// The units of a space.
#[utoipa::path(
    get, path = "/spaces/{id}/units", tag = "hosting",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<UnitView>), (status = 404, body = Problem, content_type = "application/problem+json")),
)]
async fn list_units(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UnitView>>> {
    let conn = state.db.conn();
    let space = hosting::get_space(conn, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        hosting::units_of(conn, space.id)
            .await?
            .into_iter()
            .map(unit_view)
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day (default: the first of the current month).
    from: Option<String>,
    /// Day after the last (default: the first of next month).
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitOccupancy {
    pub unit_id: i64,
    pub label: String,
    pub kind: String,
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

/// Occupancy of each unit and of the whole space over a period.
#[utoipa::path(
    get, path = "/spaces/{id}/occupancy", tag = "hosting",
    params(("id" = i64, Path), Period),
    responses((status = 200, body = Occupancy), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
async fn occupancy(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
    Query(period): Query<Period>,
) -> ApiResult<Json<Occupancy>> {
    let today = state.clock.now().date_naive();
    let month_start = today.with_day(1).unwrap_or(today);
    let next_month = month_start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(today);
    let mut errors = ValidationErrors::new();
    let (from, to) = crate::extract::parse_period(
        &mut errors,
        period.from.as_deref(),
        period.to.as_deref(),
        (month_start, next_month),
    );
    errors.into_result()?;
    let conn = state.db.conn();
    let space = hosting::get_space(conn, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    let units = hosting::units_of(conn, space.id).await?;
    let agreements =
        hosting::for_units_between(conn, units.iter().map(|u| u.id).collect(), from, to).await?;
    let days = (to - from).num_days();
    let mut total_occupied = 0;
    let rows: Vec<UnitOccupancy> = units
        .into_iter()
        .map(|unit| {
            let spans: Vec<(NaiveDate, NaiveDate)> = agreements
                .iter()
                .filter(|a| a.unit_id == unit.id)
                .map(|a| (a.start_date, a.actual_end.unwrap_or(a.planned_end)))
                .collect();
            let occupied: i64 = spans
                .iter()
                .map(|(s, e)| occupied_days(*s, *e, from, to))
                .sum::<i64>()
                .min(days);
            total_occupied += occupied;
            UnitOccupancy {
                unit_id: unit.id,
                label: unit.label,
                kind: unit.kind,
                occupied_days: occupied,
                days,
                rate: occupancy_rate(&spans, from, to),
            }
        })
        .collect();
    let overall_rate = if rows.is_empty() {
        0.0
    } else {
        total_occupied as f64 / (days * rows.len() as i64) as f64
    };
    Ok(Json(Occupancy {
        from,
        to,
        units: rows,
        overall_rate,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    pub unit_id: i64,
    pub holder_id: i64,
    pub project_id: Option<i64>,
    pub start_date: String,
    pub planned_end: String,
    /// Renewals included in the planned term (e.g. 1 for a boutique à l'essai renewed once).
    pub renewals: Option<i32>,
    /// Default: the unit's rent.
    pub monthly_rent_eur: Option<i64>,
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
    pub end_reason: Option<String>,
}

async fn agreement_view(
    conn: &impl ConnectionTrait,
    state: &AppState,
    user: &CurrentUser,
    a: Agreement,
) -> ApiResult<AgreementView> {
    let holder = holders::get(conn, a.holder_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    parcours_persistence::audit::record(
        conn,
        &super::access::actor(user),
        "hosting.read",
        holder.id,
        state.clock.now(),
    )
    .await?;
    Ok(AgreementView {
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
    })
}

/// Hosts a holder in a unit of the organisation. The unit must be free for the whole
/// term (the database refuses overlaps, even between racing requests); the holder moves
/// to `hebergement` if their pathway is open and not there yet.
#[utoipa::path(
    post, path = "/hosting", tag = "hosting",
    request_body = AgreementInput,
    responses(
        (status = 201, body = AgreementView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "L'unité est déjà occupée sur une partie de la période", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_agreement(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<AgreementInput>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    require_personal_data_role(&user)?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let unit = hosting::get_unit(&txn, input.unit_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let space = hosting::get_space(&txn, unit.space_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if space.organisation_id != user.organisation_id {
        return Err(ApiError::Forbidden);
    }
    let holder = holder_for(&txn, &state, &user, input.holder_id, "hosting.create").await?;
    let mut errors = ValidationErrors::new();
    let start = errors.check("start_date", parse_date(&input.start_date));
    let end = errors.check("planned_end", parse_date(&input.planned_end));
    let renewals = input.renewals.unwrap_or(0);
    if renewals < 0 {
        errors.add("renewals", "positif ou nul");
    }
    if let (Some(start), Some(end)) = (start, end) {
        let kind = host_kind(&txn, space.organisation_id).await?;
        if let Err(e) = check_term(kind, start, end, u32::try_from(renewals).unwrap_or(0)) {
            errors.add("planned_end", e.to_string());
        }
    }
    if let Some(project_id) = input.project_id
        && projects::get(&txn, project_id)
            .await?
            .is_none_or(|p| p.holder_id != holder.id)
    {
        errors.add("project_id", "projet inconnu pour cette personne");
    }
    if input
        .monthly_rent_eur
        .is_some_and(|r| !(0..=100_000).contains(&r))
    {
        errors.add(
            "monthly_rent_eur",
            "loyer mensuel en euros entre 0 et 100 000",
        );
    }
    errors.into_result()?;
    let agreement = hosting::create_agreement(
        &txn,
        NewAgreement {
            unit_id: unit.id,
            holder_id: holder.id,
            project_id: input.project_id,
            organisation_id: user.organisation_id,
            start_date: start.unwrap_or_default(),
            planned_end: end.unwrap_or_default(),
            renewals,
            monthly_rent_eur: input.monthly_rent_eur.unwrap_or(unit.monthly_rent_eur),
            created_by: user.id,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        PersistenceError::Conflict(_) => {
            ApiError::Conflict("l'unité est déjà occupée sur une partie de cette période".into())
        }
        other => other.into(),
    })?;
    let stage: Option<Stage> = holder.stage.parse().ok();
    if holder.outcome.is_none() && stage.is_some_and(|s| s < Stage::Hebergement) {
        let pathway = Pathway {
            stage: stage.unwrap_or(Stage::Information),
            outcome: None,
        };
        if let Ok((_, event)) = pathway.move_to(Stage::Hebergement, None) {
            holders::apply_event(&txn, &holder, user.id, &event, None, now)
                .await?
                .ok_or(ApiError::Conflict(
                    "la fiche a changé entre-temps : rechargez-la".into(),
                ))?;
        }
    }
    let body = agreement_view(&txn, &state, &user, agreement).await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementFilters {
    /// Only running agreements (`true`) or all (default).
    running: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AgreementPage {
    pub items: Vec<AgreementView>,
    pub next_cursor: Option<String>,
}

/// The organisation's hosting agreements, newest first.
#[utoipa::path(
    get, path = "/hosting", tag = "hosting",
    params(AgreementFilters),
    responses((status = 200, body = AgreementPage), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn list_agreements(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filters): Query<AgreementFilters>,
) -> ApiResult<Json<AgreementPage>> {
    require_personal_data_role(&user)?;
    let mut errors = ValidationErrors::new();
    let before = decode_cursor(&mut errors, filters.cursor.as_deref());
    let limit = parse_limit(&mut errors, filters.limit.as_deref());
    let running = match filters.running.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.add("running", "true ou false");
            false
        }
    };
    errors.into_result()?;
    let txn = state.db.begin_write().await?;
    let (rows, more) =
        hosting::list_agreements(&txn, user.organisation_id, running, before, limit).await?;
    let next_cursor = more
        .then(|| rows.last().map(|a| encode_cursor(&a.id)))
        .flatten();
    let mut items = Vec::new();
    for a in rows {
        items.push(agreement_view(&txn, &state, &user, a).await?);
    }
    commit(txn).await?;
    Ok(Json(AgreementPage { items, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// `installe_locaux_propres`, `fin_de_convention`, `fin_anticipee` or `cessation_activite`.
    pub reason: String,
    /// Default: today.
    pub actual_end: Option<String>,
}

/// Ends an agreement with its reason.
#[utoipa::path(
    post, path = "/hosting/{id}/end", tag = "hosting",
    params(("id" = i64, Path)),
    request_body = EndInput,
    responses(
        (status = 200, body = AgreementView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn end_agreement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EndInput>,
) -> ApiResult<Json<AgreementView>> {
    require_personal_data_role(&user)?;
    let txn = state.db.begin_write().await?;
    let agreement = hosting::get_agreement(&txn, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    if agreement.organisation_id != user.organisation_id {
        return Err(ApiError::NotFound);
    }
    let mut errors = ValidationErrors::new();
    let reason = errors.check("reason", input.reason.parse::<EndReason>());
    let end = match input.actual_end.as_deref() {
        None => Some(state.clock.now().date_naive()),
        Some(raw) => errors.check("actual_end", parse_date(raw)),
    };
    if end.is_some_and(|e| e <= agreement.start_date) {
        errors.add("actual_end", "doit suivre le début de la convention");
    }
    if agreement.actual_end.is_some() {
        errors.add("actual_end", "la convention est déjà terminée");
    }
    errors.into_result()?;
    let ended = hosting::end_agreement(
        &txn,
        agreement.id,
        end.unwrap_or_default(),
        reason.map(|r| r.as_str()).unwrap_or_default(),
    )
    .await?
    .ok_or(ApiError::Conflict("la convention est déjà terminée".into()))?;
    let body = agreement_view(&txn, &state, &user, ended).await?;
    commit(txn).await?;
    Ok(Json(body))
}
