//! A holder's projects.

use super::access::{etag, holder_for, parse_id, require_if_match};
use super::holders::merge;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use parcours_domain::ValidationErrors;
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::{Siret, check_text, parse_date};
use parcours_persistence::commit;
use parcours_persistence::projects::{self, Project, ProjectFields};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_project))
        .routes(routes!(patch_project))
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// The idea, in the holder's words.
    pub idea: Option<String>,
    pub sector: Option<String>,
    /// `ei`, `eurl`, `sarl`, `sasu`, `sas`, `scop`, `scic` or `association`.
    pub planned_legal_form: Option<String>,
    /// Micro-entreprise tax and social regime (with an EI).
    pub micro_entreprise: Option<bool>,
    /// Carried by several people.
    pub collective: Option<bool>,
    /// Financing need in euros.
    pub financing_need_eur: Option<i64>,
    /// Once created.
    pub siret: Option<String>,
    pub created_on: Option<String>,
    pub legal_form: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub holder_id: i64,
    pub idea: String,
    pub sector: Option<String>,
    pub planned_legal_form: Option<String>,
    pub micro_entreprise: bool,
    pub collective: bool,
    pub financing_need_eur: Option<i64>,
    pub siret: Option<String>,
    pub created_on: Option<NaiveDate>,
    pub legal_form: Option<String>,
    pub version: i32,
}

pub fn project_view(p: Project) -> ProjectView {
    ProjectView {
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

fn as_input(p: &Project) -> ProjectInput {
    ProjectInput {
        idea: Some(p.idea.clone()),
        sector: p.sector.clone(),
        planned_legal_form: p.planned_legal_form.clone(),
        micro_entreprise: Some(p.micro_entreprise),
        collective: Some(p.collective),
        financing_need_eur: p.financing_need_eur,
        siret: p.siret.clone(),
        created_on: p.created_on.map(|d| d.format("%Y-%m-%d").to_string()),
        legal_form: p.legal_form.clone(),
    }
}

fn validate(input: &ProjectInput, today: NaiveDate) -> ApiResult<ProjectFields> {
    let mut errors = ValidationErrors::new();
    let idea = match errors
        .check(
            "idea",
            check_text(input.idea.as_deref().unwrap_or_default(), 2000),
        )
        .flatten()
    {
        Some(idea) => Some(idea),
        None => {
            if !errors.0.iter().any(|e| e.field == "idea") {
                errors.add("idea", "obligatoire : décrivez l'idée en quelques mots");
            }
            None
        }
    };
    let sector = errors
        .check(
            "sector",
            check_text(input.sector.as_deref().unwrap_or_default(), 100),
        )
        .flatten();
    let form = |errors: &mut ValidationErrors, field: &str, raw: &Option<String>| {
        raw.as_deref()
            .filter(|v| !v.is_empty())
            .and_then(|v| errors.check(field, v.parse::<LegalForm>()))
            .map(|f| f.as_str().to_owned())
    };
    let planned_legal_form = form(&mut errors, "planned_legal_form", &input.planned_legal_form);
    let legal_form = form(&mut errors, "legal_form", &input.legal_form);
    if input
        .financing_need_eur
        .is_some_and(|n| !(0..=100_000_000).contains(&n))
    {
        errors.add(
            "financing_need_eur",
            "montant en euros entre 0 et 100 000 000",
        );
    }
    let siret = input
        .siret
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("siret", Siret::parse(v)))
        .map(|s| s.as_str().to_owned());
    let created_on = input
        .created_on
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| {
            errors.check(
                "created_on",
                parse_date(v).and_then(|d| {
                    if d > today {
                        Err("date dans le futur".to_owned())
                    } else {
                        Ok(d)
                    }
                }),
            )
        });
    let micro = input.micro_entreprise.unwrap_or(false);
    if micro && planned_legal_form.as_deref().is_some_and(|f| f != "ei") {
        errors.add(
            "micro_entreprise",
            "le régime micro-entreprise va avec une entreprise individuelle (ei)",
        );
    }
    errors.into_result()?;
    Ok(ProjectFields {
        idea: idea.unwrap_or_default(),
        sector,
        planned_legal_form,
        micro_entreprise: micro,
        collective: input.collective.unwrap_or(false),
        financing_need_eur: input.financing_need_eur,
        siret,
        created_on,
        legal_form,
    })
}

fn respond(project: Project, status: StatusCode) -> Response {
    let tag = etag("p", project.id, project.version);
    let mut response = (status, Json(project_view(project))).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// Adds a project to a holder.
#[utoipa::path(
    post, path = "/holders/{id}/projects", tag = "projects",
    params(("id" = i64, Path)),
    request_body = ProjectInput,
    responses(
        (status = 201, body = ProjectView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "project.create").await?;
    let fields = validate(&input, state.clock.now().date_naive())?;
    let project = projects::create(&txn, holder.id, fields, state.clock.now()).await?;
    commit(txn).await?;
    Ok(respond(project, StatusCode::CREATED))
}

/// Changes a project (JSON merge patch), with `If-Match`.
#[utoipa::path(
    patch, path = "/projects/{id}", tag = "projects",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = ProjectInput,
    responses(
        (status = 200, body = ProjectView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn patch_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    super::access::require_personal_data_role(&user)?;
    let project = projects::get(&txn, id).await?.ok_or(ApiError::NotFound)?;
    holder_for(&txn, &state, &user, project.holder_id, "project.update").await?;
    let version = require_if_match(&headers, "p", project.id, project.version)?;
    let input = merge(&as_input(&project), patch)?;
    let fields = validate(&input, state.clock.now().date_naive())?;
    let updated = projects::update(&txn, project.id, version, fields, state.clock.now())
        .await?
        .ok_or(ApiError::PreconditionFailed)?;
    commit(txn).await?;
    Ok(respond(updated, StatusCode::OK))
}
