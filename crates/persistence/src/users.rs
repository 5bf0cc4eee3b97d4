//! User accounts.

use crate::entities::users;
use crate::unique::Unique;
use crate::{PersistenceError, Result, sessions};
use chrono::{DateTime, Utc};
use parcours_domain::users::{DisplayName, Email, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

/// An account, with its role as the domain's word.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub organisation_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// Ids only: the address, the name and the hash stay out of logs.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("organisation_id", &self.organisation_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl TryFrom<users::Model> for User {
    type Error = PersistenceError;

    fn try_from(m: users::Model) -> Result<Self> {
        Ok(Self {
            role: crate::words::word("users", "role", &m.role)?,
            id: m.id,
            organisation_id: m.organisation_id,
            email: m.email,
            display_name: m.display_name,
            password_hash: m.password_hash,
            failed_logins: m.failed_logins,
            locked_until: m.locked_until,
            disabled_at: m.disabled_at,
            password_changed_at: m.password_changed_at,
            created_at: m.created_at,
            last_login_at: m.last_login_at,
        })
    }
}

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
    users::ActiveModel {
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
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?
    .try_into()
}

pub async fn find_by_email(conn: &impl ConnectionTrait, email: &Email) -> Result<Option<User>> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .unique(conn)
        .await?
        .map(User::try_from)
        .transpose()
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<User>> {
    users::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(User::try_from)
        .transpose()
}

/// The enabled accounts of an organisation, by name.
pub async fn of_organisation(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<User>> {
    use sea_orm::QueryOrder;
    users::Entity::find()
        .filter(users::Column::OrganisationId.eq(organisation_id))
        .filter(users::Column::DisabledAt.is_null())
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// The account, its row locked until the end of the transaction (on PostgreSQL; a
/// SQLite write transaction holds the whole database): concurrent login attempts on one
/// account are counted one after the other.
pub async fn get_for_update(conn: &impl ConnectionTrait, id: i64) -> Result<Option<User>> {
    use sea_orm::QuerySelect;
    let mut select = users::Entity::find_by_id(id);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.unique(conn).await?.map(User::try_from).transpose()
}

/// Records the consecutive failed logins and the lock they bring.
pub async fn set_login_failures(
    conn: &impl ConnectionTrait,
    id: i64,
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    users::Entity::update_many()
        .col_expr(
            users::Column::FailedLogins,
            i32::try_from(failures).unwrap_or(i32::MAX).into(),
        )
        .col_expr(users::Column::LockedUntil, locked_until.into())
        .col_expr(users::Column::UpdatedAt, now.into())
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A successful login clears the failure count and the lock — unless another attempt
/// locked the account since this one was counted (`own_lock` is the lock this attempt
/// set itself, if any): a success during a burst of guesses does not reopen the door.
pub async fn clear_failed_logins(
    conn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    own_lock: Option<DateTime<Utc>>,
) -> Result<()> {
    let mut unlocked = sea_orm::Condition::any()
        .add(users::Column::LockedUntil.is_null())
        .add(users::Column::LockedUntil.lte(now));
    if let Some(own) = own_lock {
        unlocked = unlocked.add(users::Column::LockedUntil.eq(own));
    }
    users::Entity::update_many()
        .col_expr(users::Column::FailedLogins, 0.into())
        .col_expr(
            users::Column::LockedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(users::Column::Id.eq(id))
        .filter(unlocked)
        .exec(conn)
        .await?;
    Ok(())
}

/// The account of `email`, ready to change; `NotFound` when there is none.
async fn editable(conn: &impl ConnectionTrait, email: &Email) -> Result<users::ActiveModel> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .unique(conn)
        .await?
        .ok_or(PersistenceError::NotFound)?
        .into())
}

/// Disables an account and ends its sessions and e-mailed links at once. Returns the
/// account.
pub async fn disable(
    conn: &impl ConnectionTrait,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<User> {
    let mut active = editable(conn, email).await?;
    active.disabled_at = Set(Some(now));
    active.updated_at = Set(now);
    let user: User = active.update(conn).await?.try_into()?;
    sessions::delete_for_user(conn, user.id).await?;
    crate::account_tokens::delete_for_user(conn, user.id).await?;
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
    active.update(conn).await?.try_into()
}

/// Replaces the password hash and ends every session and e-mailed link of the account.
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
    let user: User = active.update(conn).await?.try_into()?;
    sessions::delete_for_user(conn, user.id).await?;
    crate::account_tokens::delete_for_user(conn, user.id).await?;
    Ok(user)
}

/// The password hash of an account whose person has not chosen a password yet (an
/// invitation waits): no password matches it.
pub const NO_PASSWORD_YET: &str = "!invitation-en-attente";

impl User {
    /// Whether a password was ever chosen: an invited account is closed until then.
    pub fn has_password(&self) -> bool {
        !self.password_hash.starts_with('!')
    }
}

/// Every account of an organisation, disabled and invited ones included, by name.
pub async fn all_of_organisation(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<User>> {
    use sea_orm::QueryOrder;
    users::Entity::find()
        .filter(users::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// Notes a successful sign-in.
pub async fn record_login(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Some(now).into())
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The display names of these users (staff of any organisation), by id.
pub async fn names(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}
