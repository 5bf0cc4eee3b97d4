//! The e-mail outbox: a message is a row written in the same transaction as the change
//! that causes it, then delivered by a worker. Nothing is lost when SMTP is down or the
//! process stops: a claimed message whose sending never finished is claimed again once
//! its lease ends, and keeps its Message-ID so a receiver can drop a duplicate.

use crate::Result;
use crate::entities::outbox;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
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

/// Takes up to `limit` messages due for sending and leases them until `lease_end`: until
/// then no other worker takes them. Claiming is not an attempt: `attempts` is left as
/// it is. On PostgreSQL, rows another worker is claiming are skipped (`FOR UPDATE SKIP
/// LOCKED`); SQLite serialises writers anyway. Run it in a write transaction.
pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<OutboxMessage>> {
    // Whole microseconds, as both engines store it, so that `release` finds it again.
    let lease_end = (now + lease).trunc_subsecs(6);
    let mut select = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::FailedAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(outbox::Column::ClaimedUntil.is_null())
                .add(outbox::Column::ClaimedUntil.lte(now)),
        )
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut rows = select.all(conn).await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::ClaimedUntil, Some(lease_end).into())
        .filter(outbox::Column::Id.is_in(rows.iter().map(|row| row.id)))
        .exec(conn)
        .await?;
    for row in &mut rows {
        row.claimed_until = Some(lease_end);
    }
    Ok(rows)
}

/// Gives back claimed messages without trying them: due again at once, their attempts
/// unchanged. Only claims still held under `lease_end` are released, never one another
/// worker took after that lease ended.
pub async fn release(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    lease_end: DateTime<Utc>,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::ClaimedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::ClaimedUntil.eq(lease_end))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Records a delivery; `attempts` counts it.
pub async fn mark_sent(
    conn: &impl ConnectionTrait,
    id: i64,
    attempts: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::SentAt, Some(now).into())
        .col_expr(outbox::Column::Attempts, attempts.into())
        .col_expr(outbox::Column::LastError, Option::<String>::None.into())
        .col_expr(
            outbox::Column::ClaimedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a failed try: `attempts` as they now stand, the error (a classification,
/// never the server's text), and a retry at `retry_at` — or given up when `None`.
pub async fn mark_failed(
    conn: &impl ConnectionTrait,
    id: i64,
    attempts: i32,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let error: String = error.chars().take(500).collect();
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::LastError, Some(error).into())
        .col_expr(outbox::Column::Attempts, attempts.into())
        .col_expr(
            outbox::Column::ClaimedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(outbox::Column::Id.eq(id));
    update = match retry_at {
        Some(at) => update.col_expr(outbox::Column::NextAttemptAt, at.into()),
        None => update.col_expr(outbox::Column::FailedAt, Some(now).into()),
    };
    update.exec(conn).await?;
    Ok(())
}

/// Puts given-up messages back in the queue — all of them, or the one with `id` — due
/// now, with their attempts reset and a new day of retries from `now`. Returns how many.
pub async fn requeue_failed(
    conn: &impl ConnectionTrait,
    id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut update = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::FailedAt,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(outbox::Column::Attempts, 0.into())
        .col_expr(outbox::Column::NextAttemptAt, now.into())
        .col_expr(outbox::Column::RequeuedAt, Some(now).into())
        .col_expr(
            outbox::Column::ClaimedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(outbox::Column::LastError, Option::<String>::None.into())
        .filter(outbox::Column::FailedAt.is_not_null())
        .filter(outbox::Column::SentAt.is_null());
    if let Some(id) = id {
        update = update.filter(outbox::Column::Id.eq(id));
    }
    Ok(update.exec(conn).await?.rows_affected)
}

/// Counts for `parcours outbox status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Not sent yet, not given up.
    pub pending: u64,
    /// Of which: waiting for a new try after a failure.
    pub retrying: u64,
    pub sent: u64,
    /// Given up: waiting for an operator (`parcours outbox retry`).
    pub failed: u64,
    /// When the oldest pending message was written.
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// The counts, and the latest 50 messages given up, newest first.
pub async fn status(conn: &impl ConnectionTrait) -> Result<(Status, Vec<OutboxMessage>)> {
    let pending = || {
        outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .filter(outbox::Column::FailedAt.is_null())
    };
    let oldest_pending = pending()
        .order_by_asc(outbox::Column::CreatedAt)
        .one(conn)
        .await?
        .map(|message| message.created_at);
    let retrying = pending()
        .filter(outbox::Column::LastError.is_not_null())
        .count(conn)
        .await?;
    let pending = pending().count(conn).await?;
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
            retrying,
            sent,
            failed,
            oldest_pending,
        },
        failed_rows,
    ))
}

/// The newest messages first, at most `limit`.
pub async fn newest(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<OutboxMessage>> {
    Ok(outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Every message, oldest first (tests and the status command's detail).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<OutboxMessage>> {
    Ok(outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(conn)
        .await?)
}

/// Replaces a sent message's bodies with a note: what they held (a single-use link)
/// must not outlive its sending in the database.
pub async fn erase_bodies(conn: &impl ConnectionTrait, id: i64) -> Result<()> {
    const NOTE: &str = "(contenu effacé après envoi : il portait un lien à usage unique)";
    outbox::Entity::update_many()
        .col_expr(outbox::Column::TextBody, NOTE.into())
        .col_expr(outbox::Column::HtmlBody, NOTE.into())
        .filter(outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Drops the unsent e-mails whose Message-ID begins with one of `prefixes` (`<key-`),
/// in one statement; how many.
pub async fn drop_unsent(conn: &impl ConnectionTrait, prefixes: &[String]) -> Result<u64> {
    if prefixes.is_empty() {
        return Ok(0);
    }
    let any = prefixes.iter().fold(Condition::any(), |any, prefix| {
        any.add(outbox::Column::MessageId.starts_with(prefix))
    });
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::SentAt.is_null())
        .filter(any)
        .exec(conn)
        .await?
        .rows_affected)
}
