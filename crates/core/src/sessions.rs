//! Signing in and out, and the session behind each request.

use crate::passwords;
use crate::{Actor, Core, Error, Result};
use base64::Engine;
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::auth::LoginThrottle;
use parcours_domain::users::{Email, MAX_PASSWORD_BYTES, check_new_password};
use parcours_persistence::organisations::{self, Organisation};
use parcours_persistence::users::{self, User};
use parcours_persistence::{commit, sessions};
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Its name in the OpenAPI document, as clients know it.
#[cfg_attr(feature = "openapi", schema(as = LoginRequest))]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    #[cfg_attr(feature = "openapi", schema(example = "awa.diallo@citeslab.demo.test"))]
    pub email: String,
    pub password: String,
}

/// The signed-in user and their organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Me {
    pub user: User,
    pub organisation: Organisation,
}

/// A session just opened: the token for the cookie (the database keeps its hash only).
#[derive(Clone)]
pub struct Opened {
    pub token: String,
    pub me: Me,
}

parcours_domain::redacted_debug!(Opened { me });

/// A fresh 256-bit token, URL-safe: for sessions, account links, and any other
/// secret a link or a form carries.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token every form of a session carries (CSRF): derived from the session's own
/// secret, so it is bound to that session, changes with it, and needs no storage. A
/// page of another site can neither read it nor compute it.
pub fn form_token(session_token: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"parcours form token\0")
        .chain_update(session_token.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Whether `sent` is the form token of the session `session_token`, compared in
/// constant time.
pub fn form_token_matches(session_token: &str, sent: &str) -> bool {
    let expected = form_token(session_token);
    expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Login attempts per client address: a burst, then a steady rate.
pub(crate) struct LoginGate {
    limiter: Option<governor::DefaultKeyedRateLimiter<IpAddr>>,
}

impl LoginGate {
    /// `per_minute` attempts per address and minute; 0 turns the gate off.
    pub(crate) fn new(per_minute: u32) -> Self {
        let limiter = std::num::NonZeroU32::new(per_minute)
            .map(|n| governor::RateLimiter::keyed(governor::Quota::per_minute(n)));
        Self { limiter }
    }

    /// Lets one attempt from `address` through, or says how long to wait.
    pub(crate) fn admit(&self, address: Option<IpAddr>) -> Result<()> {
        let (Some(limiter), Some(address)) = (&self.limiter, address) else {
            return Ok(());
        };
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            Error::TooManyAttempts {
                retry_after_seconds: wait.as_secs().max(1),
            }
        })
    }
}

/// What counting one attempt found.
enum Attempt {
    /// Refused without checking the password: the account is locked.
    Locked,
    /// Refused: the account is disabled (its password is not checked either).
    Disabled,
    /// Counted as a failure until the password proves right; `lock` is the lock this
    /// attempt set, if it was the one that crossed the threshold.
    Counted { lock: Option<DateTime<Utc>> },
}

/// Counts an attempt on the account before its password is checked, in one write
/// transaction that holds the account's row: concurrent guesses are counted one after
/// the other, and once the threshold is crossed the lock is set at once — so no more
/// than the free failures plus one are ever checked, whatever the concurrency, and one
/// per lock window after that.
async fn count_attempt(core: &Core, user_id: i64, now: DateTime<Utc>) -> Result<Attempt> {
    let txn = core.db.begin_write().await?;
    let Some(user) = users::get_for_update(&txn, user_id).await? else {
        return Ok(Attempt::Disabled);
    };
    if user.disabled_at.is_some() {
        return Ok(Attempt::Disabled);
    }
    if LoginThrottle::is_locked(user.locked_until, now) {
        // Attempts during a lock are refused without lengthening it, and without
        // spending a hash on them.
        return Ok(Attempt::Locked);
    }
    let failures = u32::try_from(user.failed_logins)
        .unwrap_or(0)
        .saturating_add(1);
    let lock = core.settings.login.lock_after_failure(failures, now);
    users::set_login_failures(&txn, user.id, failures, lock.or(user.locked_until), now).await?;
    commit(txn).await?;
    if lock.is_some() {
        tracing::warn!(
            user_id = user.id,
            failures,
            "account locked after repeated failures"
        );
    }
    Ok(Attempt::Counted { lock })
}

/// Opens a session. An unknown e-mail, a wrong password, a disabled or a temporarily
/// locked account all get the same answer; an unknown e-mail is checked against a dummy
/// hash so that the timing matches a wrong password. `client` is the address the
/// attempt comes from (none when unknown): past the per-address limit, attempts are
/// refused before anything is looked up. `replaced`, a token the client still held, is
/// ended: a session id planted before login is worth nothing.
pub async fn login(
    core: &Core,
    input: LoginInput,
    replaced: Option<&str>,
    client: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Opened> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    if input.password.is_empty() {
        errors.add("password", "le mot de passe est obligatoire");
    } else if input.password.len() > MAX_PASSWORD_BYTES {
        errors.add("password", format!("{MAX_PASSWORD_BYTES} octets au plus"));
    }
    errors.into_result()?;
    core.login_gate.admit(client)?;
    let email = email.ok_or(Error::InvalidCredentials)?;
    let conn = core.db.conn();
    let dummy = || passwords::dummy_hash().to_owned();
    let Some(user) = users::find_by_email(conn, &email).await? else {
        core.hashers.verify(input.password, dummy()).await?;
        return Err(Error::InvalidCredentials);
    };
    let lock = match count_attempt(core, user.id, now).await? {
        Attempt::Counted { lock } => lock,
        Attempt::Locked => return Err(Error::InvalidCredentials),
        Attempt::Disabled => {
            // Checked like a wrong password, so that the timing does not tell.
            core.hashers.verify(input.password, dummy()).await?;
            return Err(Error::InvalidCredentials);
        }
    };
    if !core
        .hashers
        .verify(input.password, user.password_hash.clone())
        .await?
    {
        return Err(Error::InvalidCredentials);
    }
    let txn = core.db.begin_write().await?;
    users::clear_failed_logins(&txn, user.id, now, lock).await?;
    users::record_login(&txn, user.id, now).await?;
    if let Some(old) = replaced {
        sessions::delete(&txn, &token_hash(old)).await?;
    }
    let token = open_in(&txn, core, user.id, now).await?;
    commit(txn).await?;
    tracing::info!(user_id = user.id, "session opened");
    opened(core, user, token).await
}

/// A new session for `user_id` in `txn`; returns its token.
pub(crate) async fn open_in(
    txn: &parcours_persistence::DatabaseTransaction,
    core: &Core,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    let token = new_token();
    let expires_at = core.settings.session.expires_at(now, now);
    sessions::create(txn, &token_hash(&token), user_id, now, expires_at).await?;
    Ok(token)
}

pub(crate) async fn opened(core: &Core, user: User, token: String) -> Result<Opened> {
    let organisation = organisations::get(core.db.conn(), user.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Opened {
        token,
        me: Me { user, organisation },
    })
}

/// The session a request presents, by its token.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub actor: Actor,
    /// What logging out deletes.
    pub id_hash: String,
    /// The user's and their organisation's names, read with the session (a page's
    /// header shows them without another query).
    pub user_name: String,
    pub organisation_name: String,
}

parcours_domain::redacted_debug!(Session { actor });

/// The user behind a live session; an expired one, or one of a disabled account, is
/// ended here. A session's use is written back at most once a minute.
pub async fn authenticate(
    core: &Core,
    token: &str,
    request_id: Option<String>,
    now: DateTime<Utc>,
) -> Result<Session> {
    if token.is_empty() {
        return Err(Error::Unauthenticated);
    }
    let id_hash = token_hash(token);
    let conn = core.db.conn();
    let found = sessions::find_with_user(conn, &id_hash)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let policy = core.settings.session;
    if found.disabled || !policy.is_valid(found.created_at, found.last_seen_at, now) {
        sessions::delete(conn, &id_hash).await?;
        return Err(Error::Unauthenticated);
    }
    if policy.should_touch(found.last_seen_at, now) {
        sessions::touch(
            conn,
            &id_hash,
            now,
            policy.expires_at(found.created_at, now),
        )
        .await?;
    }
    Ok(Session {
        actor: Actor {
            user_id: found.user_id,
            organisation_id: found.organisation_id,
            territory_id: found.territory_id,
            role: found.role,
            request_id,
        },
        id_hash,
        user_name: found.display_name,
        organisation_name: found.organisation_name,
    })
}

/// Ends a session at once, server-side.
pub async fn logout(core: &Core, session: &Session) -> Result<()> {
    sessions::delete(core.db.conn(), &session.id_hash).await?;
    tracing::info!(user_id = session.actor.user_id, "session closed");
    Ok(())
}

/// The signed-in user, their role and organisation.
pub async fn me(core: &Core, actor: &Actor) -> Result<Me> {
    let conn = core.db.conn();
    let user = users::get(conn, actor.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let organisation = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Me { user, organisation })
}

/// A signed-in user's change of their own password, as typed.
#[derive(Clone, Default)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirmation: String,
}

parcours_domain::redacted_debug!(PasswordChange {});

/// Changes the signed-in user's password. The current one is checked like a sign-in
/// (each wrong one counts toward the lockout); the new one must pass the password rule
/// and be typed twice alike. Every session of the account ends; the one returned
/// replaces the session this change came from.
pub async fn change_password(
    core: &Core,
    session: &Session,
    change: PasswordChange,
    now: DateTime<Utc>,
) -> Result<Opened> {
    let mut errors = ValidationErrors::new();
    if change.current.is_empty() {
        errors.add("current", "saisissez votre mot de passe actuel");
    } else if change.current.len() > MAX_PASSWORD_BYTES {
        errors.add("current", format!("{MAX_PASSWORD_BYTES} octets au plus"));
    }
    if let Err(error) = check_new_password(&change.new) {
        errors.add("new", error.to_string());
    } else if change.new != change.confirmation {
        errors.add(
            "confirmation",
            "les deux saisies du nouveau mot de passe diffèrent",
        );
    }
    errors.into_result()?;
    let user_id = session.actor.user_id;
    let wrong = || Error::invalid("current", "mot de passe actuel incorrect");
    let lock = match count_attempt(core, user_id, now).await? {
        Attempt::Counted { lock } => lock,
        Attempt::Locked => {
            return Err(Error::invalid(
                "current",
                "trop d'essais : le compte est bloqué quelques minutes",
            ));
        }
        Attempt::Disabled => return Err(Error::Unauthenticated),
    };
    let conn = core.db.conn();
    let user = users::get(conn, user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !core
        .hashers
        .verify(change.current, user.password_hash.clone())
        .await?
    {
        return Err(wrong());
    }
    let email = Email::parse(&user.email).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    let hash = passwords::hash_blocking(change.new).await?;
    let txn = core.db.begin_write().await?;
    users::clear_failed_logins(&txn, user_id, now, lock).await?;
    let user = users::set_password(&txn, &email, &hash, now).await?;
    let token = open_in(&txn, core, user.id, now).await?;
    commit(txn).await?;
    tracing::info!(user_id, "password changed; other sessions closed");
    opened(core, user, token).await
}

/// Removes sessions past their expiry (they are refused anyway); returns how many.
pub async fn purge_expired(core: &Core, now: DateTime<Utc>) -> Result<u64> {
    Ok(sessions::purge_expired(core.db.conn(), now).await?)
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
