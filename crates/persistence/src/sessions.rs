//! Server-side sessions, looked up by the hash of the cookie's token.

use crate::Result;
use crate::entities::sessions;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use parcours_domain::users::Role;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub async fn create(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sessions::Entity::insert(sessions::ActiveModel {
        id_hash: Set(id_hash.to_owned()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A session with what a request needs of its user.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_id: i64,
    pub organisation_id: i64,
    pub territory_id: i64,
    pub role: Role,
    pub disabled: bool,
    /// The user's and their organisation's names, for the pages' header.
    pub display_name: String,
    pub organisation_name: String,
}

parcours_domain::redacted_debug!(SessionUser {
    user_id,
    organisation_id,
    role
});

/// The session, its user and the user's territory, in one query (every request makes
/// it). No `LIMIT`: the hash is the primary key (see `unique`).
pub async fn find_with_user(
    conn: &impl ConnectionTrait,
    id_hash: &str,
) -> Result<Option<SessionUser>> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT s.created_at AS created_at, s.last_seen_at AS last_seen_at, \
         u.id AS user_id, u.organisation_id AS organisation_id, u.role AS role, \
         u.disabled_at AS disabled_at, o.territory_id AS territory_id, \
         u.display_name AS display_name, o.name AS organisation_name \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         JOIN organisations o ON o.id = u.organisation_id WHERE s.id_hash = ",
    )
    .bind(id_hash.to_owned());
    let Some(row) = sql.all(conn).await?.into_iter().next() else {
        return Ok(None);
    };
    let role: String = row.try_get("", "role")?;
    Ok(Some(SessionUser {
        created_at: row.try_get("", "created_at")?,
        last_seen_at: row.try_get("", "last_seen_at")?,
        user_id: row.try_get("", "user_id")?,
        organisation_id: row.try_get("", "organisation_id")?,
        territory_id: row.try_get("", "territory_id")?,
        role: crate::words::word("users", "role", &role)?,
        disabled: row
            .try_get::<Option<DateTime<Utc>>>("", "disabled_at")?
            .is_some(),
        display_name: row.try_get("", "display_name")?,
        organisation_name: row.try_get("", "organisation_name")?,
    }))
}

pub async fn touch(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::LastSeenAt, now.into())
        .col_expr(sessions::Column::ExpiresAt, expires_at.into())
        .filter(sessions::Column::IdHash.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, id_hash: &str) -> Result<()> {
    sessions::Entity::delete_by_id(id_hash.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (logout everywhere, password change, deactivation).
pub async fn delete_for_user(conn: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Removes sessions past their expiry; returns how many.
pub async fn purge_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?
        .rows_affected)
}
