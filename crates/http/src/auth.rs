//! The session cookie and the signed-in user extractor.

use crate::error::ApiError;
use crate::request_id;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use parcours_core::{Actor, sessions};

/// A browser-session cookie (no Max-Age): closing the browser forgets it, and the
/// server ends it anyway after the idle or absolute timeout.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((state.settings.session_cookie_name(), token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure)
        .path("/")
        .build()
}

pub fn expired_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, String::new());
    cookie.make_removal();
    cookie
}

/// The user behind a valid session. Extracting it is what makes a route private:
/// without a live session the request ends with 401.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub session: sessions::Session,
}

impl CurrentUser {
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(&state.settings.session_cookie_name())
            .map(|c| c.value().to_owned())
            .ok_or(ApiError::Unauthenticated)?;
        let session = sessions::authenticate(
            &state.core,
            &token,
            request_id::current(),
            state.clock.now(),
        )
        .await?;
        tracing::Span::current().record("user_id", session.actor.user_id);
        let current = CurrentUser { session };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}
