//! Session tokens and the signed-in user extractor.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use parcours_domain::users::Role;
use parcours_persistence::sessions;
use rand::Rng;
use sha2::{Digest, Sha256};

/// A fresh 256-bit session token, for the cookie only: the database keeps its hash.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A browser-session cookie (no Max-Age): closing the browser forgets it, and the
/// server ends it anyway after the idle or absolute timeout.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((state.settings.cookie_name.clone(), token))
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
    pub id: i64,
    pub organisation_id: i64,
    pub role: Role,
    pub(crate) session_hash: String,
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
            .get(&state.settings.cookie_name)
            .map(|c| c.value().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let id_hash = token_hash(&token);
        let conn = state.db.conn();
        let (session, user) = sessions::find_with_user(conn, &id_hash)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let now = state.clock.now();
        let policy = state.settings.session;
        if user.disabled_at.is_some()
            || !policy.is_valid(session.created_at, session.last_seen_at, now)
        {
            sessions::delete(conn, &id_hash).await?;
            return Err(ApiError::Unauthenticated);
        }
        if policy.should_touch(session.last_seen_at, now) {
            sessions::touch(
                conn,
                &id_hash,
                now,
                policy.expires_at(session.created_at, now),
            )
            .await?;
        }
        let role = user
            .role
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored role: {e}")))?;
        let current = CurrentUser {
            id: user.id,
            organisation_id: user.organisation_id,
            role,
            session_hash: id_hash,
        };
        tracing::Span::current().record("user_id", current.id);
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        let hash = token_hash(&a);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, a);
        assert_eq!(hash, token_hash(&a));
    }
}
