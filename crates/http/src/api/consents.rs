//! Consents: in force, and their history.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Now, PathId};
use crate::problems::{Conflict, Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parcours_core::consents::{self, ConsentInput};
use parcours_core::records::Consent;
use parcours_domain::contacts::ConsentPurpose;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(record_consent, list_consents))
}

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub id: i64,
    pub purpose: ConsentPurpose,
    pub given: bool,
    pub recorded_at: DateTime<Utc>,
    /// The user who recorded it.
    pub recorded_by: i64,
}

impl From<Consent> for ConsentView {
    fn from(c: Consent) -> Self {
        Self {
            id: c.id,
            purpose: c.purpose,
            given: c.given,
            recorded_at: c.recorded_at,
            recorded_by: c.recorded_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConsentState {
    /// The statement in force for each purpose that has one.
    pub current: Vec<ConsentView>,
    /// Every statement, oldest first.
    pub history: Vec<ConsentView>,
}

impl From<consents::ConsentState> for ConsentState {
    fn from(state: consents::ConsentState) -> Self {
        Self {
            current: state.current.into_iter().map(Into::into).collect(),
            history: state.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// Records a consent given, refused or withdrawn, with who recorded it. Withdrawing
/// `partage_partenaires` withdraws the person's live referrals at once; their receivers
/// are told, without personal data.
#[utoipa::path(
    post, path = "/holders/{id}/consents", tag = "consents",
    params(("id" = i64, Path)),
    request_body = ConsentInput,
    responses((status = 201, body = ConsentState), Forbidden, NotFound, Conflict, Invalid),
)]
async fn record_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiJson(input): ApiJson<ConsentInput>,
) -> ApiResult<(StatusCode, Json<ConsentState>)> {
    let recorded = consents::record(&state.core, user.actor(), id, input, now).await?;
    Ok((StatusCode::CREATED, Json(recorded.into())))
}

/// A holder's consents: in force, and their history.
#[utoipa::path(
    get, path = "/holders/{id}/consents", tag = "consents",
    params(("id" = i64, Path)),
    responses((status = 200, body = ConsentState), Forbidden, NotFound),
)]
async fn list_consents(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
) -> ApiResult<Json<ConsentState>> {
    Ok(Json(
        consents::read(&state.core, user.actor(), id, now)
            .await?
            .into(),
    ))
}
