//! User accounts.

use crate::entities::users;
use crate::unique::Unique;
use crate::{PersistenceError, Result, sessions};
use chrono::{DateTime, Utc};
use parcours_domain::users::{DisplayName, Email, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

pub use users::Model as User;

pub struct NewUser<'a> {
    pub organisation_id: i64,
    pub email: &'a Email,
    pub display_name: &'a DisplayName,
    pub role: Role,
    pub password_hash: &'a str,
}

/// Creates a user; `Conflict` when the e-mail is taken.
pub async fn create(
    conn: &impl ConnectionTrait,
    new: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<User> {
    Ok(users::ActiveModel {
        organisation_id: Set(new.organisation_id),
        email: Set(new.email.as_str().to_owned()),
        display_name: Set(new.display_name.as_str().to_owned()),
        role: Set(new.role.as_str().to_owned()),
        password_hash: Set(new.password_hash.to_owned()),
        failed_logins: Set(0),
        locked_until: Set(None),
        disabled_at: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

pub async fn find_by_email(conn: &impl ConnectionTrait, email: &Email) -> Result<Option<User>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<User>> {
    Ok(users::Entity::find_by_id(id).unique(conn).await?)
}

/// Counts one more consecutive failure and returns the new count. Atomic: concurrent
/// failures are all counted.
pub async fn count_failed_login(
    conn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<u32> {
    users::Entity::update_many()
        .col_expr(
            users::Column::FailedLogins,
            Expr::col(users::Column::FailedLogins).add(1),
        )
        .col_expr(users::Column::UpdatedAt, now.into())
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    let user = get(conn, id).await?.ok_or(PersistenceError::NotFound)?;
    Ok(u32::try_from(user.failed_logins).unwrap_or(0))
}

pub async fn lock_until(conn: &impl ConnectionTrait, id: i64, until: DateTime<Utc>) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::LockedUntil, Some(until).into())
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A successful login clears the failure count and any lock.
pub async fn clear_failed_logins(conn: &impl ConnectionTrait, id: i64) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::FailedLogins, 0.into())
        .col_expr(
            users::Column::LockedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::FailedLogins.ne(0))
        .exec(conn)
        .await?;
    Ok(())
}

/// The account of `email`, ready to change; `NotFound` when there is none.
async fn editable(conn: &impl ConnectionTrait, email: &Email) -> Result<users::ActiveModel> {
    Ok(find_by_email(conn, email)
        .await?
        .ok_or(PersistenceError::NotFound)?
        .into())
}

/// Disables an account and ends its sessions at once. Returns the account.
pub async fn disable(
    conn: &impl ConnectionTrait,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<User> {
    let mut active = editable(conn, email).await?;
    active.disabled_at = Set(Some(now));
    active.updated_at = Set(now);
    let user = active.update(conn).await?;
    sessions::delete_for_user(conn, user.id).await?;
    Ok(user)
}

/// Re-enables a disabled account.
pub async fn enable(
    conn: &impl ConnectionTrait,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<User> {
    let mut active = editable(conn, email).await?;
    active.disabled_at = Set(None);
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

/// Replaces the password hash and ends every session of the account.
pub async fn set_password(
    conn: &impl ConnectionTrait,
    email: &Email,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<User> {
    let mut active = editable(conn, email).await?;
    active.password_hash = Set(password_hash.to_owned());
    active.password_changed_at = Set(now);
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    active.updated_at = Set(now);
    let user = active.update(conn).await?;
    sessions::delete_for_user(conn, user.id).await?;
    Ok(user)
}
