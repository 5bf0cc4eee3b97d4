//! Single-use links sent by e-mail, by the hash of their token: at most one live link of
//! each purpose per account, consumed by deleting it.

use crate::Result;
use crate::entities::account_tokens;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use std::collections::HashMap;

pub use account_tokens::Model as AccountToken;

/// Stores a new link for `user_id`, replacing the earlier ones of the same purpose
/// (they stop working at once). Returns the new row.
pub async fn replace(
    conn: &impl ConnectionTrait,
    user_id: i64,
    purpose: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<AccountToken> {
    account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::UserId.eq(user_id))
        .filter(account_tokens::Column::Purpose.eq(purpose))
        .exec(conn)
        .await?;
    Ok(account_tokens::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// The link of this purpose with this hash, expired or not.
pub async fn find(
    conn: &impl ConnectionTrait,
    purpose: &str,
    token_hash: &str,
) -> Result<Option<AccountToken>> {
    Ok(account_tokens::Entity::find()
        .filter(account_tokens::Column::TokenHash.eq(token_hash))
        .filter(account_tokens::Column::Purpose.eq(purpose))
        .one(conn)
        .await?)
}

/// Uses up a live link: deletes it if it is still there and unexpired. Of two
/// requests racing with one link, only one gets `true`.
pub async fn consume(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let deleted = account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::Id.eq(id))
        .filter(account_tokens::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(deleted == 1)
}

/// Ends every link of an account (it is disabled, or a link was just used).
pub async fn delete_for_user(conn: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    Ok(account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// The latest link of this purpose of each account (its creation and expiry).
pub async fn latest_of(
    conn: &impl ConnectionTrait,
    user_ids: &[i64],
    purpose: &str,
) -> Result<HashMap<i64, AccountToken>> {
    let rows = account_tokens::Entity::find()
        .filter(account_tokens::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(account_tokens::Column::Purpose.eq(purpose))
        .all(conn)
        .await?;
    let mut latest: HashMap<i64, AccountToken> = HashMap::new();
    for row in rows {
        match latest.get(&row.user_id) {
            Some(kept) if kept.created_at >= row.created_at => {}
            _ => {
                latest.insert(row.user_id, row);
            }
        }
    }
    Ok(latest)
}
