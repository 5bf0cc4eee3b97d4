//! The e-mail outbox: a message is a row written in the same transaction as the change
//! that causes it, then delivered by a worker. Nothing is lost when SMTP is down or the
//! process stops: a claimed message whose sending never finished is claimed again once
//! its lease ends, and keeps its Message-ID so a receiver can drop a duplicate.

use crate::Result;
use crate::entities::outbox;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

pub use outbox::Model as OutboxMessage;

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

pub async fn enqueue(
    conn: &impl ConnectionTrait,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<()> {
    outbox::Entity::insert(outbox::ActiveModel {
        kind: Set(message.kind),
        recipient: Set(message.recipient),
        subject: Set(message.subject),
        text_body: Set(message.text),
        html_body: Set(message.html),
        message_id: Set(message.message_id),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Takes up to `limit` messages due for sending and leases them for `lease`: until then
/// no other worker takes them. On PostgreSQL, rows another worker is claiming are
/// skipped (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers anyway. Run it in a
/// write transaction.
pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<OutboxMessage>> {
    let mut select = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::FailedAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = select.all(conn).await?;
    for row in &rows {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::NextAttemptAt, (now + lease).into())
            .col_expr(outbox::Column::Attempts, (row.attempts + 1).into())
            .filter(outbox::Column::Id.eq(row.id))
            .exec(conn)
            .await?;
    }
    Ok(rows)
}

pub async fn mark_sent(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::SentAt, Some(now).into())
        .col_expr(outbox::Column::LastError, Option::<String>::None.into())
        .filter(outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `None`.
pub async fn mark_failed(
    conn: &impl ConnectionTrait,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let error: String = error.chars().take(500).collect();
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::LastError, Some(error).into())
        .filter(outbox::Column::Id.eq(id));
    update = match retry_at {
        Some(at) => update.col_expr(outbox::Column::NextAttemptAt, at.into()),
        None => update.col_expr(outbox::Column::FailedAt, Some(now).into()),
    };
    update.exec(conn).await?;
    Ok(())
}

/// Counts for `parcours outbox status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub pending: u64,
    pub sent: u64,
    pub failed: u64,
}

pub async fn status(conn: &impl ConnectionTrait) -> Result<(Status, Vec<OutboxMessage>)> {
    let pending = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::FailedAt.is_null())
        .count(conn)
        .await?;
    let sent = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_not_null())
        .count(conn)
        .await?;
    let failed_rows = outbox::Entity::find()
        .filter(outbox::Column::FailedAt.is_not_null())
        .order_by_desc(outbox::Column::Id)
        .limit(50)
        .all(conn)
        .await?;
    let failed = outbox::Entity::find()
        .filter(outbox::Column::FailedAt.is_not_null())
        .count(conn)
        .await?;
    Ok((
        Status {
            pending,
            sent,
            failed,
        },
        failed_rows,
    ))
}

/// Every message, oldest first (tests and the status command's detail).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<OutboxMessage>> {
    Ok(outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(conn)
        .await?)
}
