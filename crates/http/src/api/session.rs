//! Signing in and out, and who is signed in.

use crate::api::organisations::{OrganisationView, organisation_view};
use crate::auth::{CurrentUser, expired_cookie, new_token, passwords, session_cookie, token_hash};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use parcours_domain::ValidationErrors;
use parcours_domain::auth::LoginThrottle;
use parcours_domain::users::{Email, MAX_PASSWORD_BYTES, Role};
use parcours_persistence::{commit, organisations, sessions, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login, logout))
        .routes(routes!(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "awa.diallo@citeslab.demo.test")]
    pub email: String,
    pub password: String,
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

/// Opens a session: sets the session cookie and returns the user. An unknown e-mail, a
/// wrong password, a disabled or a temporarily locked account all get the same 401.
#[utoipa::path(
    post, path = "/session", tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Session ouverte ; cookie de session posé", body = Me),
        (status = 401, description = "Identifiants invalides", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ manquant ou invalide", body = Problem, content_type = "application/problem+json"),
    ),
    security(()),
)]
async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<(CookieJar, Json<Me>)> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", Email::parse(&request.email));
    if request.password.is_empty() {
        errors.add("password", "le mot de passe est obligatoire");
    } else if request.password.len() > MAX_PASSWORD_BYTES {
        errors.add("password", format!("{MAX_PASSWORD_BYTES} octets au plus"));
    }
    errors.into_result()?;
    let email = email.ok_or(ApiError::InvalidCredentials)?;

    let conn = state.db.conn();
    let user = users::find_by_email(conn, &email).await?;
    let stored_hash = user.as_ref().map_or_else(
        || passwords::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let matches = {
        let _permit = state.hashing.acquire().await.map_err(anyhow::Error::from)?;
        passwords::verify_blocking(request.password, stored_hash).await?
    };
    let Some(user) = user else {
        return Err(ApiError::InvalidCredentials);
    };
    let now = state.clock.now();
    if user.disabled_at.is_some() || LoginThrottle::is_locked(user.locked_until, now) {
        // Refused whatever the password; attempts during a lock do not lengthen it.
        return Err(ApiError::InvalidCredentials);
    }
    let txn = state.db.begin_write().await?;
    if !matches {
        let failures = users::count_failed_login(&txn, user.id, now).await?;
        if let Some(until) = state.settings.login.lock_after_failure(failures, now) {
            users::lock_until(&txn, user.id, until).await?;
            tracing::warn!(
                user_id = user.id,
                failures,
                "account locked after repeated failures"
            );
        }
        commit(txn).await?;
        return Err(ApiError::InvalidCredentials);
    }
    users::clear_failed_logins(&txn, user.id).await?;
    // A new id at every login: a session id planted before login is worth nothing.
    if let Some(old) = jar.get(&state.settings.cookie_name) {
        sessions::delete(&txn, &token_hash(old.value())).await?;
    }
    let token = new_token();
    let expires_at = state.settings.session.expires_at(now, now);
    sessions::create(&txn, &token_hash(&token), user.id, now, expires_at).await?;
    commit(txn).await?;
    tracing::info!(user_id = user.id, "session opened");

    let organisation = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let role = user
        .role
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored role: {e}")))?;
    Ok((
        jar.add(session_cookie(&state, token)),
        Json(Me {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role,
            organisation: organisation_view(organisation),
        }),
    ))
}

/// Ends the current session at once, server-side, and clears the cookie.
#[utoipa::path(
    delete, path = "/session", tag = "session",
    responses(
        (status = 204, description = "Session fermée"),
        (status = 401, description = "Aucune session", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> ApiResult<(StatusCode, CookieJar)> {
    sessions::delete(state.db.conn(), &user.session_hash).await?;
    tracing::info!(user_id = user.id, "session closed");
    Ok((StatusCode::NO_CONTENT, jar.add(expired_cookie(&state))))
}

/// The signed-in user, their role and organisation.
#[utoipa::path(
    get, path = "/me", tag = "session",
    responses(
        (status = 200, body = Me),
        (status = 401, description = "Aucune session", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn me(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Me>> {
    let conn = state.db.conn();
    let account = users::get(conn, user.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let organisation = organisations::get(conn, account.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(Me {
        id: account.id,
        email: account.email,
        display_name: account.display_name,
        role: user.role,
        organisation: organisation_view(organisation),
    }))
}
