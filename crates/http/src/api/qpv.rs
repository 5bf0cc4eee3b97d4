//! Look-up in the QPV reference list.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::problems::Unauthenticated;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use parcours_core::qpv;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_qpv))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QpvSearch {
    /// Start of a code, or part of a quartier's or commune's name.
    #[param(max_length = 100)]
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QpvView {
    pub code: String,
    pub name: String,
    pub communes: Vec<CommuneView>,
}

#[derive(Serialize, ToSchema)]
pub struct CommuneView {
    pub insee: String,
    pub name: String,
}

/// Quartiers matching `q` (50 at most), by code.
#[utoipa::path(
    get, path = "/qpv", tag = "qpv",
    params(QpvSearch),
    responses((status = 200, body = Vec<QpvView>), Unauthenticated),
)]
async fn search_qpv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(search): ApiQuery<QpvSearch>,
) -> ApiResult<Json<Vec<QpvView>>> {
    let found = qpv::search(&state.core, user.actor(), search.q.as_deref()).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|v| QpvView {
                code: v.code,
                name: v.name,
                communes: v
                    .communes
                    .into_iter()
                    .map(|(insee, name)| CommuneView { insee, name })
                    .collect(),
            })
            .collect(),
    ))
}
