//! Accounts, as an operator manages them: created with a role in one organisation,
//! disabled and enabled, given a new password. Each change that touches access ends the
//! account's sessions at once.

use crate::{Core, Error, Result, passwords};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::users::{DisplayName, Email, Role, check_new_password};
use parcours_persistence::users::{self, User};
use parcours_persistence::{PersistenceError, commit, organisations};

/// A new account, as typed.
#[derive(Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    /// The organisation's name, or its id.
    pub organisation: String,
    pub role: String,
    pub password: String,
}

/// Creates an account. Errors name the fields: `email`, `name`, `organisation`, `role`,
/// `password`.
pub async fn add(core: &Core, account: NewAccount, now: DateTime<Utc>) -> Result<User> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", Email::parse(&account.email));
    let name = errors.check("name", DisplayName::parse(&account.name));
    let role = errors.check("role", account.role.trim().parse::<Role>());
    let password = errors.check("password", check_new_password(&account.password));
    let conn = core.db.conn();
    let organisation_id = organisations::find_by_id_or_name(conn, &account.organisation)
        .await?
        .map(|o| o.id);
    if organisation_id.is_none() {
        errors.add(
            "organisation",
            format!("structure « {} » inconnue", account.organisation),
        );
    }
    errors.into_result()?;
    let (Some(email), Some(name), Some(role), Some(()), Some(organisation_id)) =
        (email, name, role, password, organisation_id)
    else {
        return Err(Error::Internal(anyhow::anyhow!(
            "validated account incomplete"
        )));
    };
    let hash = passwords::hash_blocking(account.password).await?;
    let txn = core.db.begin_write().await?;
    let user = users::create(
        &txn,
        &users::NewUser {
            organisation_id,
            email: &email,
            display_name: &name,
            role,
            password_hash: &hash,
        },
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(user)
}

fn address(email: &str) -> Result<Email> {
    Email::parse(email).map_err(|e| Error::invalid("email", e.to_string()))
}

fn not_found(error: PersistenceError) -> Error {
    match error {
        PersistenceError::NotFound => Error::invalid("email", "aucun compte avec cette adresse"),
        other => other.into(),
    }
}

/// Disables an account and ends its sessions at once.
pub async fn disable(core: &Core, email: &str, now: DateTime<Utc>) -> Result<User> {
    let email = address(email)?;
    let txn = core.db.begin_write().await?;
    let user = users::disable(&txn, &email, now).await.map_err(not_found)?;
    commit(txn).await?;
    Ok(user)
}

/// Re-enables a disabled account.
pub async fn enable(core: &Core, email: &str, now: DateTime<Utc>) -> Result<User> {
    let email = address(email)?;
    let txn = core.db.begin_write().await?;
    let user = users::enable(&txn, &email, now).await.map_err(not_found)?;
    commit(txn).await?;
    Ok(user)
}

/// Whether an account exists, before asking for a new password.
pub async fn exists(core: &Core, email: &str) -> Result<bool> {
    Ok(users::find_by_email(core.db.conn(), &address(email)?)
        .await?
        .is_some())
}

/// Sets a new password and ends every session of the account.
pub async fn set_password(
    core: &Core,
    email: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<User> {
    let email = address(email)?;
    check_new_password(&password).map_err(|e| Error::invalid("password", e.to_string()))?;
    let hash = passwords::hash_blocking(password).await?;
    let txn = core.db.begin_write().await?;
    let user = users::set_password(&txn, &email, &hash, now)
        .await
        .map_err(not_found)?;
    commit(txn).await?;
    Ok(user)
}
