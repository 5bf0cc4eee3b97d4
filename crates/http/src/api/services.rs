//! The partner directory: services, managed by each organisation's admins, and the
//! suggestions that rank them for a holder.

use super::access::{parse_id, read_holder};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, decode_cursor, encode_cursor, parse_limit, parse_param};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use parcours_domain::ValidationErrors;
use parcours_domain::holders::{Situation, check_text};
use parcours_domain::pathway::Stage;
use parcours_domain::services::{Need, Offer, Profile, Public, suggest};
use parcours_domain::users::Role;
use parcours_persistence::services::{self, ServiceFields, ServiceQuery, words};
use parcours_persistence::{commit, organisations, projects};
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

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The pathway stage it serves.
    pub stage: Option<String>,
    /// What it offers: `financement`, `fonds_propres`, `garantie`, `accompagnement`,
    /// `local`, `test_activite`, `projet_collectif`, `emploi_formation`.
    pub needs: Option<Vec<String>>,
    /// Who it is for: `tous`, `moins_de_26`, `demandeurs_emploi`, `minima_sociaux`,
    /// `femmes`, `residents_qpv`.
    pub publics: Option<Vec<String>>,
    pub sectors: Option<Vec<String>>,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    /// Places left, when counted.
    pub places: Option<i32>,
    pub contact: Option<String>,
    pub active: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceView {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub name: String,
    pub description: String,
    pub stage: String,
    pub needs: Vec<String>,
    pub publics: Vec<String>,
    pub sectors: Vec<String>,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    pub places: Option<i32>,
    pub contact: Option<String>,
    pub active: bool,
}

fn service_view(s: services::Service, org_name: String, org_kind: String) -> ServiceView {
    ServiceView {
        id: s.id,
        organisation_id: s.organisation_id,
        organisation_name: org_name,
        organisation_kind: org_kind,
        needs: words(&s.needs),
        publics: words(&s.publics),
        sectors: words(&s.sectors),
        name: s.name,
        description: s.description,
        stage: s.stage,
        financing_min_eur: s.financing_min_eur,
        financing_max_eur: s.financing_max_eur,
        places: s.places,
        contact: s.contact,
        active: s.active,
    }
}

fn as_input(s: &services::Service) -> ServiceInput {
    ServiceInput {
        name: Some(s.name.clone()),
        description: Some(s.description.clone()),
        stage: Some(s.stage.clone()),
        needs: Some(words(&s.needs)),
        publics: Some(words(&s.publics)),
        sectors: Some(words(&s.sectors)),
        financing_min_eur: s.financing_min_eur,
        financing_max_eur: s.financing_max_eur,
        places: s.places,
        contact: s.contact.clone(),
        active: Some(s.active),
    }
}

fn validate(input: &ServiceInput) -> ApiResult<ServiceFields> {
    let mut errors = ValidationErrors::new();
    let required =
        |errors: &mut ValidationErrors, field: &str, value: &Option<String>, max: usize| {
            match errors.check(field, check_text(value.as_deref().unwrap_or_default(), max)) {
                Some(Some(text)) => Some(text),
                Some(None) => {
                    errors.add(field, "obligatoire");
                    None
                }
                None => None,
            }
        };
    let name = required(&mut errors, "name", &input.name, 200);
    let description = required(&mut errors, "description", &input.description, 4000);
    let stage = match input.stage.as_deref() {
        None => {
            errors.add("stage", "obligatoire");
            None
        }
        Some(raw) => errors.check("stage", raw.parse::<Stage>()),
    };
    let mut list = |field: &str,
                    values: &Option<Vec<String>>,
                    parse: &dyn Fn(&str) -> Result<String, String>| {
        let mut out = Vec::new();
        for (i, value) in values.iter().flatten().enumerate() {
            if let Some(v) = errors.check(&format!("{field}[{i}]"), parse(value))
                && !out.contains(&v)
            {
                out.push(v);
            }
        }
        out
    };
    let needs = list("needs", &input.needs, &|v| {
        v.parse::<Need>()
            .map(|n| n.as_str().to_owned())
            .map_err(|e| e.to_string())
    });
    let publics = list("publics", &input.publics, &|v| {
        v.parse::<Public>()
            .map(|p| p.as_str().to_owned())
            .map_err(|e| e.to_string())
    });
    let sectors = list("sectors", &input.sectors, &|v| {
        check_text(&v.replace(',', " "), 80)
            .and_then(|t| t.ok_or_else(|| "secteur vide".to_owned()))
    });
    for (field, value) in [
        ("financing_min_eur", input.financing_min_eur),
        ("financing_max_eur", input.financing_max_eur),
    ] {
        if value.is_some_and(|v| !(0..=10_000_000).contains(&v)) {
            errors.add(field, "montant en euros entre 0 et 10 000 000");
        }
    }
    if let (Some(min), Some(max)) = (input.financing_min_eur, input.financing_max_eur)
        && min > max
    {
        errors.add("financing_max_eur", "inférieur au minimum");
    }
    if input.places.is_some_and(|p| p < 0) {
        errors.add("places", "nombre de places positif ou nul");
    }
    let contact = errors
        .check(
            "contact",
            check_text(input.contact.as_deref().unwrap_or_default(), 300),
        )
        .flatten();
    errors.into_result()?;
    Ok(ServiceFields {
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        stage: stage.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        needs,
        publics: if publics.is_empty() {
            vec![Public::Tous.as_str().to_owned()]
        } else {
            publics
        },
        sectors,
        financing_min_eur: input.financing_min_eur,
        financing_max_eur: input.financing_max_eur,
        places: input.places,
        contact,
        active: input.active.unwrap_or(true),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceFilters {
    /// Only services for this stage.
    stage: Option<String>,
    /// Words in the name, description or sectors.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ServicePage {
    pub items: Vec<ServiceView>,
    pub next_cursor: Option<String>,
}

/// The offer of the partners of the user's territory.
#[utoipa::path(
    get, path = "/services", tag = "services",
    params(ServiceFilters),
    responses((status = 200, body = ServicePage), (status = 422, body = Problem, content_type = "application/problem+json")),
)]
async fn list_services(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filters): Query<ServiceFilters>,
) -> ApiResult<Json<ServicePage>> {
    let mut errors = ValidationErrors::new();
    let stage: Option<Stage> = parse_param(&mut errors, "stage", filters.stage.as_deref());
    let after_id = decode_cursor(&mut errors, filters.cursor.as_deref());
    let limit = parse_limit(&mut errors, filters.limit.as_deref());
    errors.into_result()?;
    let conn = state.db.conn();
    let org = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let query = ServiceQuery {
        territory_id: Some(org.territory.id),
        stage: stage.map(|s| s.as_str().to_owned()),
        q: filters.q.map(|q| q.trim().to_lowercase()),
        after_id,
        limit,
    };
    let (rows, more) = services::list(conn, &query).await?;
    let next_cursor = more
        .then(|| rows.last().map(|(s, _)| encode_cursor(&s.id)))
        .flatten();
    Ok(Json(ServicePage {
        items: rows
            .into_iter()
            .map(|(s, o)| service_view(s, o.name, o.kind))
            .collect(),
        next_cursor,
    }))
}

/// Publishes a service of the admin's own organisation.
#[utoipa::path(
    post, path = "/services", tag = "services",
    request_body = ServiceInput,
    responses(
        (status = 201, body = ServiceView),
        (status = 403, description = "Réservé aux administrateurs de la structure", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_service(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<ServiceView>)> {
    if user.role != Role::OrgAdmin {
        return Err(ApiError::Forbidden);
    }
    let fields = validate(&input)?;
    let txn = state.db.begin_write().await?;
    let service = services::create(&txn, user.organisation_id, fields, state.clock.now()).await?;
    let org = organisations::get(&txn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    commit(txn).await?;
    Ok((
        StatusCode::CREATED,
        Json(service_view(
            service,
            org.name,
            org.kind.as_str().to_owned(),
        )),
    ))
}

/// Changes a service of the admin's own organisation (JSON merge patch).
#[utoipa::path(
    patch, path = "/services/{id}", tag = "services",
    params(("id" = i64, Path)),
    request_body = ServiceInput,
    responses(
        (status = 200, body = ServiceView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn patch_service(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<ServiceView>> {
    if user.role != Role::OrgAdmin {
        return Err(ApiError::Forbidden);
    }
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let service = services::get(&txn, id).await?.ok_or(ApiError::NotFound)?;
    if service.organisation_id != user.organisation_id {
        return Err(ApiError::Forbidden);
    }
    let input = super::holders::merge(&as_input(&service), patch)?;
    let fields = validate(&input)?;
    let updated = services::update(&txn, id, fields, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound)?;
    let org = organisations::get(&txn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    commit(txn).await?;
    Ok(Json(service_view(
        updated,
        org.name,
        org.kind.as_str().to_owned(),
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedsParam {
    /// The holder's stated needs, comma-separated (`financement,local`).
    needs: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionView {
    pub service: ServiceView,
    pub score: u32,
    /// Why this partner, in one line.
    pub reason: String,
}

/// Partners' services ranked for this holder's project and stated needs.
#[utoipa::path(
    get, path = "/holders/{id}/suggested-partners", tag = "services",
    params(("id" = i64, Path), NeedsParam),
    responses(
        (status = 200, body = Vec<SuggestionView>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn suggested_partners(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(params): Query<NeedsParam>,
) -> ApiResult<Json<Vec<SuggestionView>>> {
    let id = parse_id(&id)?;
    let mut errors = ValidationErrors::new();
    let mut needs = Vec::new();
    for (i, raw) in params
        .needs
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if let Some(need) = errors.check(&format!("needs[{i}]"), raw.parse::<Need>()) {
            needs.push(need);
        }
    }
    errors.into_result()?;
    let now = state.clock.now();
    let (holder, project, candidates) = read_holder(
        &state,
        &user,
        id,
        "suggestions.read",
        async |txn, holder| {
            let project = projects::for_holder(txn, holder.id)
                .await?
                .into_iter()
                .next();
            let org = organisations::get(txn, user.organisation_id)
                .await?
                .ok_or(ApiError::NotFound)?;
            let (candidates, _) = services::list(
                txn,
                &ServiceQuery {
                    territory_id: Some(org.territory.id),
                    limit: 500,
                    ..ServiceQuery::default()
                },
            )
            .await?;
            Ok((holder, project, candidates))
        },
    )
    .await?;
    let age = holder.birth_date.map(|b| {
        use chrono::Datelike;
        let today = now.date_naive();
        today.year() - b.year() - i32::from((today.month(), today.day()) < (b.month(), b.day()))
    });
    let situation = holder
        .situation
        .as_deref()
        .and_then(|s| s.parse::<Situation>().ok());
    let profile = Profile {
        age,
        financing_need_eur: project.as_ref().and_then(|p| p.financing_need_eur),
        collective: project.as_ref().is_some_and(|p| p.collective),
        needs,
        job_seeker: matches!(
            situation,
            Some(Situation::DemandeurEmploi | Situation::JeuneSansEmploi)
        ),
        minima_sociaux: matches!(situation, Some(Situation::Rsa | Situation::Ass)),
        woman: holder.gender.as_deref() == Some("femme"),
        in_qpv: holder.qpv_status == "in_qpv",
    };
    let candidates: Vec<_> = candidates
        .into_iter()
        .filter(|(s, _)| s.organisation_id != user.organisation_id)
        .collect();
    let offers: Vec<Offer> = candidates
        .iter()
        .filter_map(|(s, o)| {
            Some(Offer {
                service_id: s.id,
                organisation_kind: o.kind.parse().ok()?,
                stage: s.stage.parse().ok()?,
                needs: words(&s.needs)
                    .iter()
                    .filter_map(|n| n.parse().ok())
                    .collect(),
                publics: words(&s.publics)
                    .iter()
                    .filter_map(|p| p.parse().ok())
                    .collect(),
                financing_min_eur: s.financing_min_eur,
                financing_max_eur: s.financing_max_eur,
                places: s.places,
            })
        })
        .collect();
    let mut by_id: std::collections::HashMap<i64, _> = candidates
        .into_iter()
        .map(|(s, o)| (s.id, (s, o)))
        .collect();
    Ok(Json(
        suggest(&profile, &offers)
            .into_iter()
            .filter_map(|suggestion| {
                let (s, o) = by_id.remove(&suggestion.service_id)?;
                Some(SuggestionView {
                    service: service_view(s, o.name, o.kind),
                    score: suggestion.score,
                    reason: suggestion.reason,
                })
            })
            .collect(),
    ))
}
