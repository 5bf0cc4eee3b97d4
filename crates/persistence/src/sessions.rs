//! Server-side sessions, looked up by the hash of the cookie's token.

use crate::Result;
use crate::entities::{sessions, users};
use crate::unique::Unique;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use sessions::Model as Session;

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

/// The session and its user, in one query.
pub async fn find_with_user(
    conn: &impl ConnectionTrait,
    id_hash: &str,
) -> Result<Option<(Session, users::Model)>> {
    let found = sessions::Entity::find_by_id(id_hash.to_owned())
        .find_also_related(users::Entity)
        .unique(conn)
        .await;
    match found {
        Ok(Some((session, Some(user)))) => Ok(Some((session, user))),
        Ok(_) => Ok(None),
        Err(error) => Err(error.into()),
    }
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
