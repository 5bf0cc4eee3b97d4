//! Holders: registering, reading, editing (with optimistic locking), listing and
//! moving along the pathway.

use super::access::{
    audit_reads, etag, holder_for, parse_id, read_holder, require_if_match,
    require_personal_data_role,
};
use super::projects::{ProjectView, project_view};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, decode_cursor, encode_cursor, parse_limit, parse_param};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use parcours_domain::ValidationErrors;
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::{
    CommuneInsee, EducationLevel, Gender, Phone, PostalCode, QpvCode, QpvStatus, QpvStatusSource,
    Siret, Situation, check_birth_date, check_name, check_text, parse_date, search_key,
};
use parcours_domain::pathway::{Outcome, Pathway, PathwayError, Stage};
use parcours_domain::users::{Email, Role};
use parcours_persistence::holders::{self, Holder, HolderFields, HolderQuery};
use parcours_persistence::{PersistenceError, commit, projects, qpv, users};
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

/// What an adviser types at intake. Every field but the names is optional; a 422 lists
/// every invalid field at once.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// YYYY-MM-DD; the person must be 15 to 99 years old.
    pub birth_date: Option<String>,
    /// `femme`, `homme` or `autre`.
    pub gender: Option<String>,
    pub email: Option<String>,
    /// National (06 12 34 56 78) or international (+33 6 12 34 56 78) form.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    /// A code of the QPV reference list; sets `qpv_status` to `in_qpv`.
    pub qpv_code: Option<String>,
    /// `in_qpv`, `not_in_qpv` or `unknown`, when known without a code.
    pub qpv_status: Option<String>,
    pub situation: Option<String>,
    pub education_level: Option<String>,
    /// Only the adviser's own organisation (the default).
    pub referent_organisation_id: Option<i64>,
    /// An adviser of that organisation (default: the one registering).
    pub referent_user_id: Option<i64>,
    /// Stage at registration (default `information`); only on creation.
    #[serde(skip_serializing)]
    pub stage: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HolderView {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    pub qpv_code: Option<String>,
    pub qpv_status: String,
    /// How the QPV status was set: `adviser`, `commune` or `non_renseigne`.
    pub qpv_status_source: String,
    pub situation: Option<String>,
    pub education_level: Option<String>,
    pub referent_organisation_id: i64,
    pub referent_user_id: Option<i64>,
    pub stage: String,
    pub stage_entered_at: chrono::DateTime<chrono::Utc>,
    /// Set once the pathway is closed.
    pub outcome: Option<String>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i32,
    pub projects: Vec<ProjectView>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn holder_view(holder: Holder, projects: Vec<projects::Project>) -> HolderView {
    HolderView {
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
        projects: projects.into_iter().map(project_view).collect(),
        created_at: holder.created_at,
        updated_at: holder.updated_at,
    }
}

/// The input form of a stored holder, onto which a PATCH is laid.
fn as_input(holder: &Holder) -> HolderInput {
    HolderInput {
        first_name: Some(holder.first_name.clone()),
        last_name: Some(holder.last_name.clone()),
        birth_date: holder.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        gender: holder.gender.clone(),
        email: holder.email.clone(),
        phone: holder.phone.clone(),
        address: holder.address.clone(),
        postal_code: holder.postal_code.clone(),
        commune_insee: holder.commune_insee.clone(),
        qpv_code: holder.qpv_code.clone(),
        qpv_status: (holder.qpv_status_source == QpvStatusSource::Adviser.as_str()
            && holder.qpv_code.is_none())
        .then(|| holder.qpv_status.clone()),
        situation: holder.situation.clone(),
        education_level: holder.education_level.clone(),
        referent_organisation_id: Some(holder.referent_organisation_id),
        referent_user_id: holder.referent_user_id,
        stage: None,
    }
}

fn opt_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    errors
        .check(field, check_text(value.unwrap_or_default(), max))
        .flatten()
}

fn opt_parse<T, E: std::fmt::Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<T> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    errors.check(field, parse(value))
}

/// Checks every field, then what needs the database (referent, QPV reference).
async fn validate(
    state: &AppState,
    user: &CurrentUser,
    input: &HolderInput,
    conn: &impl parcours_persistence::ConnectionTrait,
) -> ApiResult<HolderFields> {
    let today = state.clock.now().date_naive();
    let mut errors = ValidationErrors::new();
    let first_name = errors.check(
        "first_name",
        check_name(input.first_name.as_deref().unwrap_or_default()),
    );
    let last_name = errors.check(
        "last_name",
        check_name(input.last_name.as_deref().unwrap_or_default()),
    );
    let birth_date = opt_parse(
        &mut errors,
        "birth_date",
        input.birth_date.as_deref(),
        |v| parse_date(v).and_then(|d| check_birth_date(d, today)),
    );
    let gender = opt_parse(
        &mut errors,
        "gender",
        input.gender.as_deref(),
        str::parse::<Gender>,
    );
    let email = opt_parse(&mut errors, "email", input.email.as_deref(), Email::parse);
    let phone = opt_parse(&mut errors, "phone", input.phone.as_deref(), Phone::parse);
    let address = opt_text(&mut errors, "address", input.address.as_deref(), 300);
    let postal_code = opt_parse(
        &mut errors,
        "postal_code",
        input.postal_code.as_deref(),
        PostalCode::parse,
    );
    let commune = opt_parse(
        &mut errors,
        "commune_insee",
        input.commune_insee.as_deref(),
        CommuneInsee::parse,
    );
    let qpv_code = opt_parse(
        &mut errors,
        "qpv_code",
        input.qpv_code.as_deref(),
        QpvCode::parse,
    );
    let qpv_status = opt_parse(
        &mut errors,
        "qpv_status",
        input.qpv_status.as_deref(),
        str::parse::<QpvStatus>,
    );
    let situation = opt_parse(
        &mut errors,
        "situation",
        input.situation.as_deref(),
        str::parse::<Situation>,
    );
    let education = opt_parse(
        &mut errors,
        "education_level",
        input.education_level.as_deref(),
        str::parse::<EducationLevel>,
    );
    if input
        .referent_organisation_id
        .is_some_and(|id| id != user.organisation_id)
    {
        errors.add(
            "referent_organisation_id",
            "vous ne pouvez suivre une personne que pour votre propre structure",
        );
    }
    if qpv_code.is_some() && qpv_status.is_some_and(|s| s != QpvStatus::InQpv) {
        errors.add(
            "qpv_status",
            "contradictoire avec le code QPV indiqué (in_qpv attendu)",
        );
    }
    if let Some(code) = &qpv_code
        && !qpv::exists(conn, code.as_str()).await?
    {
        errors.add("qpv_code", "quartier absent du référentiel QPV");
    }
    let referent_user_id = input.referent_user_id.unwrap_or(user.id);
    match users::get(conn, referent_user_id).await? {
        Some(referent)
            if referent.organisation_id == user.organisation_id
                && referent.disabled_at.is_none()
                && matches!(referent.role.parse(), Ok(Role::Adviser | Role::OrgAdmin)) => {}
        _ => errors.add(
            "referent_user_id",
            "doit être un conseiller actif de votre structure",
        ),
    }
    let (qpv_status, source) = match (&qpv_code, qpv_status, &commune) {
        (Some(_), _, _) => (QpvStatus::InQpv, QpvStatusSource::Adviser),
        (None, Some(status), _) => (status, QpvStatusSource::Adviser),
        (None, None, Some(commune)) => {
            // Honest: a commune with no QPV at all says "not in a QPV"; a commune with
            // QPVs says nothing about the street.
            if qpv::count_in_commune(conn, commune.as_str()).await? == 0
                && qpv::reference_loaded(conn).await?
            {
                (QpvStatus::NotInQpv, QpvStatusSource::Commune)
            } else {
                (QpvStatus::Unknown, QpvStatusSource::Commune)
            }
        }
        (None, None, None) => (QpvStatus::Unknown, QpvStatusSource::NotSet),
    };
    errors.into_result()?;
    Ok(HolderFields {
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        birth_date,
        gender: gender.map(|g| g.as_str().to_owned()),
        email: email.map(Email::into_inner),
        phone: phone.map(|p| p.as_str().to_owned()),
        address,
        postal_code: postal_code.map(|p| p.as_str().to_owned()),
        commune_insee: commune.map(|c| c.as_str().to_owned()),
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        qpv_status: qpv_status.as_str().to_owned(),
        qpv_status_source: source.as_str().to_owned(),
        situation: situation.map(|s| s.as_str().to_owned()),
        education_level: education.map(|e| e.as_str().to_owned()),
        referent_user_id: Some(referent_user_id),
    })
}

/// A holder with its ETag, as every read and write of one answers.
async fn respond(
    conn: &impl parcours_persistence::ConnectionTrait,
    holder: Holder,
    status: StatusCode,
) -> ApiResult<Response> {
    let projects = projects::for_holder(conn, holder.id).await?;
    let mut response = (status, Json(holder_view(holder.clone(), projects))).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag("h", holder.id, holder.version));
    if status == StatusCode::CREATED
        && let Ok(location) = format!("/api/v1/holders/{}", holder.id).parse()
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Registers a person, who enters the pathway (at `information` unless told otherwise).
#[utoipa::path(
    post, path = "/holders", tag = "holders",
    request_body = HolderInput,
    responses(
        (status = 201, description = "Fiche créée ; en-têtes Location et ETag", body = HolderView),
        (status = 403, description = "Rôle sans accès aux données personnelles", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champs invalides, tous listés", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_holder(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<HolderInput>,
) -> ApiResult<Response> {
    require_personal_data_role(&user)?;
    let stage = match input.stage.as_deref() {
        None => Stage::Information,
        Some(raw) => raw
            .parse()
            .map_err(|e| ApiError::validation("stage", format!("{e}")))?,
    };
    let txn = state.db.begin_write().await?;
    let fields = validate(&state, &user, &input, &txn).await?;
    let now = state.clock.now();
    let (_, entry) = Pathway::start(stage);
    let holder = holders::create(&txn, user.organisation_id, user.id, fields, &entry, now).await?;
    parcours_persistence::audit::record(
        &txn,
        &super::access::actor(&user),
        "holder.create",
        holder.id,
        now,
    )
    .await?;
    let response = respond(&txn, holder, StatusCode::CREATED).await?;
    commit(txn).await?;
    Ok(response)
}

/// One holder's file.
#[utoipa::path(
    get, path = "/holders/{id}", tag = "holders",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "La fiche ; en-tête ETag", body = HolderView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Introuvable, ou suivie par une autre structure", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_holder(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    read_holder(&state, &user, id, "holder.read", async |txn, holder| {
        respond(txn, holder, StatusCode::OK).await
    })
    .await
}

/// Changes some fields (a JSON merge patch: a field set to null is cleared). Needs
/// `If-Match` with the ETag of the last read: 428 without, 412 when the file changed.
#[utoipa::path(
    patch, path = "/holders/{id}", tag = "holders",
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "ETag de la dernière lecture")),
    request_body = HolderInput,
    responses(
        (status = 200, body = HolderView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn patch_holder(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "holder.update").await?;
    let version = require_if_match(&headers, "h", holder.id, holder.version)?;
    if patch.contains_key("stage") {
        return Err(ApiError::validation(
            "stage",
            "changez d'étape par POST /api/v1/holders/{id}/stage",
        ));
    }
    let input = merge(&as_input(&holder), patch)?;
    let fields = validate(&state, &user, &input, &txn).await?;
    let updated = holders::update(&txn, holder.id, version, fields, state.clock.now())
        .await?
        .ok_or(ApiError::PreconditionFailed)?;
    let response = respond(&txn, updated, StatusCode::OK).await?;
    commit(txn).await?;
    Ok(response)
}

/// Lays a JSON merge patch over an input; unknown fields are named.
pub fn merge<T: Serialize + serde::de::DeserializeOwned>(
    current: &T,
    patch: serde_json::Map<String, serde_json::Value>,
) -> ApiResult<T> {
    let mut value = serde_json::to_value(current).map_err(|e| ApiError::Internal(e.into()))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("not an object")))?;
    for (key, field) in patch {
        object.insert(key, field);
    }
    serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        let field = text.split('`').nth(1).unwrap_or(".").to_owned();
        if text.starts_with("unknown field") {
            ApiError::validation(&field, "champ inconnu")
        } else {
            ApiError::validation(".", format!("type invalide ({text})"))
        }
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    /// The stage to move to.
    pub to: String,
    /// Required when moving back.
    pub reason: Option<String>,
}

fn pathway_of(holder: &Holder) -> ApiResult<Pathway> {
    let stage = holder
        .stage
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored stage: {e}")))?;
    let outcome = holder
        .outcome
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored outcome: {e}")))?;
    Ok(Pathway { stage, outcome })
}

/// Applies a pathway event to the holder as read in this transaction; a concurrent
/// change in between is a 409.
async fn record_event(
    txn: &parcours_persistence::DatabaseTransaction,
    holder: &Holder,
    user: &CurrentUser,
    event: &parcours_domain::pathway::PathwayEvent,
    siret: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Holder> {
    holders::apply_event(txn, holder, user.id, event, siret, now)
        .await?
        .ok_or(ApiError::Conflict(
            "la fiche a changé entre-temps : rechargez-la".into(),
        ))
}

fn pathway_error(field: &str, error: PathwayError) -> ApiError {
    ApiError::validation(field, error.to_string())
}

/// Moves the holder to another stage. Forward is normal; back needs a reason.
#[utoipa::path(
    post, path = "/holders/{id}/stage", tag = "holders",
    params(("id" = i64, Path)),
    request_body = StageRequest,
    responses(
        (status = 200, body = HolderView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Changement impossible, avec la raison", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn change_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<StageRequest>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "holder.stage").await?;
    let to: Stage = request
        .to
        .parse()
        .map_err(|e| ApiError::validation("to", format!("{e}")))?;
    let (_, event) = pathway_of(&holder)?
        .move_to(to, request.reason.as_deref())
        .map_err(|e| {
            pathway_error(
                if matches!(e, PathwayError::BackwardWithoutReason { .. }) {
                    "reason"
                } else {
                    "to"
                },
                e,
            )
        })?;
    let updated = record_event(&txn, &holder, &user, &event, None, state.clock.now()).await?;
    let response = respond(&txn, updated, StatusCode::OK).await?;
    commit(txn).await?;
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// `entreprise_creee`, `emploi_ou_formation`, `abandon` or `sans_nouvelles`.
    pub outcome: String,
    pub reason: Option<String>,
    /// For `entreprise_creee`: the business's SIRET…
    pub siret: Option<String>,
    /// …its creation date (YYYY-MM-DD)…
    pub created_on: Option<String>,
    /// …and legal form.
    pub legal_form: Option<String>,
    /// The project that became the business (needed when the holder has several).
    pub project_id: Option<i64>,
}

/// Closes the pathway with an outcome. A business creation records the SIRET, date
/// and legal form on the project.
#[utoipa::path(
    post, path = "/holders/{id}/close", tag = "holders",
    params(("id" = i64, Path)),
    request_body = CloseRequest,
    responses(
        (status = 200, body = HolderView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn close_pathway(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CloseRequest>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "holder.close").await?;
    let mut errors = ValidationErrors::new();
    let outcome = errors.check("outcome", request.outcome.parse::<Outcome>());
    let today = state.clock.now().date_naive();
    let mut creation = None;
    if outcome == Some(Outcome::EntrepriseCreee) {
        let siret = match request.siret.as_deref() {
            None => {
                errors.add("siret", "obligatoire pour une création d'entreprise");
                None
            }
            Some(raw) => errors.check("siret", Siret::parse(raw)),
        };
        let created_on = match request.created_on.as_deref() {
            None => {
                errors.add("created_on", "obligatoire pour une création d'entreprise");
                None
            }
            Some(raw) => errors.check(
                "created_on",
                parse_date(raw).and_then(|d| {
                    if d > today {
                        Err("date dans le futur".into())
                    } else {
                        Ok(d)
                    }
                }),
            ),
        };
        let legal_form = match request.legal_form.as_deref() {
            None => {
                errors.add("legal_form", "obligatoire pour une création d'entreprise");
                None
            }
            Some(raw) => errors.check("legal_form", raw.parse::<LegalForm>()),
        };
        let projects = projects::for_holder(&txn, holder.id).await?;
        let project = match request.project_id {
            Some(pid) => {
                let found = projects.into_iter().find(|p| p.id == pid);
                if found.is_none() {
                    errors.add("project_id", "projet inconnu pour cette personne");
                }
                found
            }
            None if projects.len() > 1 => {
                errors.add("project_id", "précisez le projet devenu entreprise");
                None
            }
            None => projects.into_iter().next(),
        };
        if let (Some(s), Some(d), Some(f)) = (siret, created_on, legal_form) {
            creation = Some((s, d, f, project));
        }
    } else {
        for (field, given) in [
            ("siret", request.siret.is_some()),
            ("created_on", request.created_on.is_some()),
            ("legal_form", request.legal_form.is_some()),
        ] {
            if given {
                errors.add(field, "réservé à l'issue entreprise_creee");
            }
        }
    }
    errors.into_result()?;
    let outcome = outcome.ok_or_else(|| ApiError::validation("outcome", "obligatoire"))?;
    let (_, event) = pathway_of(&holder)?
        .close(outcome, request.reason.as_deref())
        .map_err(|e| pathway_error("outcome", e))?;
    let now = state.clock.now();
    let siret = creation.as_ref().map(|(s, ..)| s.as_str().to_owned());
    let updated = record_event(&txn, &holder, &user, &event, siret.as_deref(), now).await?;
    if let Some((siret, created_on, legal_form, Some(project))) = &creation {
        projects::record_creation(
            &txn,
            project,
            siret.as_str(),
            *created_on,
            legal_form.as_str(),
            now,
        )
        .await
        .map_err(|e| match e {
            PersistenceError::Conflict(_) => {
                ApiError::Conflict("le projet a changé entre-temps".into())
            }
            other => other.into(),
        })?;
    }
    let response = respond(&txn, updated, StatusCode::OK).await?;
    commit(txn).await?;
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    pub reason: Option<String>,
}

/// Reopens a closed pathway, at the stage it was closed in; needs a reason.
#[utoipa::path(
    post, path = "/holders/{id}/reopen", tag = "holders",
    params(("id" = i64, Path)),
    request_body = ReopenRequest,
    responses(
        (status = 200, body = HolderView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reopen_pathway(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReopenRequest>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "holder.reopen").await?;
    let (_, event) = pathway_of(&holder)?
        .reopen(request.reason.as_deref())
        .map_err(|e| pathway_error("reason", e))?;
    let updated = record_event(&txn, &holder, &user, &event, None, state.clock.now()).await?;
    let response = respond(&txn, updated, StatusCode::OK).await?;
    commit(txn).await?;
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolderFilters {
    /// Start of the last or first name, accents and case ignored ("benoit" finds "Benoît").
    q: Option<String>,
    /// Only this stage.
    stage: Option<String>,
    /// Only this QPV code.
    qpv: Option<String>,
    /// Only holders of this referent adviser (user id).
    referent: Option<String>,
    cursor: Option<String>,
    /// 1–200, 50 by default.
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HolderSummary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub stage: String,
    pub outcome: Option<String>,
    pub qpv_status: String,
    pub referent_user_id: Option<i64>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct HolderPage {
    pub items: Vec<HolderSummary>,
    pub next_cursor: Option<String>,
}

/// The organisation's holders in name order, a page at a time.
#[utoipa::path(
    get, path = "/holders", tag = "holders",
    params(HolderFilters),
    responses(
        (status = 200, body = HolderPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_holders(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filters): Query<HolderFilters>,
) -> ApiResult<Json<HolderPage>> {
    require_personal_data_role(&user)?;
    let mut errors = ValidationErrors::new();
    let stage: Option<Stage> = parse_param(&mut errors, "stage", filters.stage.as_deref());
    let qpv_code = opt_parse(&mut errors, "qpv", filters.qpv.as_deref(), QpvCode::parse);
    let query = HolderQuery {
        organisation_id: user.organisation_id,
        q: filters
            .q
            .as_deref()
            .map(search_key)
            .filter(|q| !q.is_empty()),
        stage: stage.map(|s| s.as_str().to_owned()),
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        referent_user_id: parse_param(&mut errors, "referent", filters.referent.as_deref()),
        after: decode_cursor(&mut errors, filters.cursor.as_deref()),
        limit: parse_limit(&mut errors, filters.limit.as_deref()),
    };
    errors.into_result()?;
    let (rows, more) = holders::list(state.db.conn(), &query).await?;
    let ids: Vec<i64> = rows.iter().map(|h| h.id).collect();
    audit_reads(&state, &user, "holder.list", &ids).await?;
    let next_cursor = more
        .then(|| rows.last().map(|h| encode_cursor(&(&h.sort_key, h.id))))
        .flatten();
    Ok(Json(HolderPage {
        items: rows
            .into_iter()
            .map(|h| HolderSummary {
                id: h.id,
                first_name: h.first_name,
                last_name: h.last_name,
                stage: h.stage,
                outcome: h.outcome,
                qpv_status: h.qpv_status,
                referent_user_id: h.referent_user_id,
                updated_at: h.updated_at,
            })
            .collect(),
        next_cursor,
    }))
}
