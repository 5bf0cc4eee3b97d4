//! Signing in and out, and who is signed in.

use crate::api::organisations::OrganisationView;
use crate::auth::{CurrentUser, expired_cookie, session_cookie};
use crate::client::Client;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Now};
use crate::problems::{Invalid, Unauthenticated};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use parcours_core::sessions::{self, LoginInput};
use parcours_domain::users::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login, logout))
        .routes(routes!(me))
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation: OrganisationView,
}

impl From<sessions::Me> for Me {
    fn from(me: sessions::Me) -> Self {
        Self {
            id: me.user.id,
            email: me.user.email,
            display_name: me.user.display_name,
            role: me.user.role,
            organisation: me.organisation.into(),
        }
    }
}

/// Opens a session: sets the session cookie and returns the user. An unknown e-mail, a
/// wrong password, a disabled or a temporarily locked account all get the same 401.
#[utoipa::path(
    post, path = "/session", tag = "session",
    request_body = LoginInput,
    responses(
        (status = 200, description = "Session ouverte ; cookie de session posé", body = Me),
        (status = 401, description = "Identifiants invalides", body = Problem, content_type = "application/problem+json"),
        Invalid,
        (status = 429, description = "Trop de tentatives depuis cette adresse ; en-tête Retry-After", body = Problem, content_type = "application/problem+json"),
    ),
    security(()),
)]
async fn login(
    State(state): State<AppState>,
    Now(now): Now,
    Client(client): Client,
    jar: CookieJar,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<(CookieJar, Json<Me>)> {
    let replaced = jar
        .get(&state.settings.session_cookie_name())
        .map(|c| c.value().to_owned());
    let opened = sessions::login(&state.core, input, replaced.as_deref(), client, now).await?;
    Ok((
        jar.add(session_cookie(&state, opened.token)),
        Json(opened.me.into()),
    ))
}

/// Ends the current session at once, server-side, and clears the cookie.
#[utoipa::path(
    delete, path = "/session", tag = "session",
    responses((status = 204, description = "Session fermée"), Unauthenticated),
)]
async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> ApiResult<(StatusCode, CookieJar)> {
    sessions::logout(&state.core, &user.session).await?;
    Ok((StatusCode::NO_CONTENT, jar.add(expired_cookie(&state))))
}

/// The signed-in user, their role and organisation.
#[utoipa::path(
    get, path = "/me", tag = "session",
    responses((status = 200, body = Me), Unauthenticated),
)]
async fn me(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Me>> {
    Ok(Json(sessions::me(&state.core, user.actor()).await?.into()))
}
