//! The audit trail: who read or changed which holder's personal data, when, from which
//! request. A change is audited in the same transaction as the change itself; a read is
//! audited through [`Trail`], which commits the entry before the data leaves.

use crate::entities::audit_entries;
use crate::words::word;
use crate::{Db, PersistenceError, Result, commit};
use chrono::{DateTime, Utc};
use parcours_domain::audit::AuditAction;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use tokio::sync::{mpsc, oneshot};

pub use audit_entries::Model as AuditEntry;

/// One entry of a file's access log, its action read back into the domain's word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub action: AuditAction,
    pub organisation_id: i64,
    pub user_id: i64,
}

impl TryFrom<AuditEntry> for Access {
    type Error = PersistenceError;

    fn try_from(m: AuditEntry) -> Result<Self> {
        Ok(Self {
            action: word("audit_entries", "action", &m.action)?,
            id: m.id,
            occurred_at: m.occurred_at,
            organisation_id: m.organisation_id,
            user_id: m.user_id,
        })
    }
}

/// Who acts, and in which request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub organisation_id: i64,
    pub request_id: Option<String>,
}

fn entry(
    actor: &Actor,
    action: AuditAction,
    holder_id: i64,
    now: DateTime<Utc>,
) -> audit_entries::ActiveModel {
    audit_entries::ActiveModel {
        occurred_at: Set(now),
        user_id: Set(actor.user_id),
        organisation_id: Set(actor.organisation_id),
        action: Set(action.as_str().to_owned()),
        holder_id: Set(holder_id),
        request_id: Set(actor.request_id.clone()),
        ..Default::default()
    }
}

pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    record_many(conn, actor, action, &[holder_id], now).await
}

/// One entry per holder (a list), in one statement per few hundred.
pub async fn record_many(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    holder_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    insert(
        conn,
        holder_ids
            .iter()
            .map(|id| entry(actor, action, *id, now))
            .collect(),
    )
    .await
}

async fn insert(
    conn: &impl ConnectionTrait,
    entries: Vec<audit_entries::ActiveModel>,
) -> Result<()> {
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<_> = entries.by_ref().take(500).collect();
        audit_entries::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A holder's audit trail, oldest first.
pub async fn for_holder(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<AuditEntry>> {
    Ok(audit_entries::Entity::find()
        .filter(audit_entries::Column::HolderId.eq(holder_id))
        .order_by_asc(audit_entries::Column::Id)
        .all(conn)
        .await?)
}

/// A page of a file's audit trail (its access log), newest first, after the entry
/// `before` (an id); whether more follow.
pub async fn access_page(
    conn: &impl ConnectionTrait,
    read: &parcours_domain::access::Read,
    before: Option<i64>,
    limit: u64,
) -> Result<(Vec<Access>, bool)> {
    use sea_orm::QuerySelect;
    let mut select = audit_entries::Entity::find()
        .filter(audit_entries::Column::HolderId.eq(read.holder_id()))
        .order_by_desc(audit_entries::Column::Id)
        .limit(limit + 1);
    if let Some(before) = before {
        select = select.filter(audit_entries::Column::Id.lt(before));
    }
    let (rows, more) = crate::keyset::page(select.all(conn).await?, limit);
    let entries = rows
        .into_iter()
        .map(Access::try_from)
        .collect::<Result<_>>()?;
    Ok((entries, more))
}

/// Audits reads with group commit: the entries of the requests that arrive while one
/// batch commits go together in the next transaction, so reads do not queue one by one
/// for the write lock. [`Trail::record`] returns once its entries are committed: a
/// response built from personal data is never sent without its audit entry.
#[derive(Clone, Debug)]
pub struct Trail {
    sender: mpsc::Sender<Batch>,
}

#[derive(Debug)]
struct Batch {
    entries: Vec<audit_entries::ActiveModel>,
    committed: oneshot::Sender<std::result::Result<(), String>>,
}

/// Entries taken into one transaction at most.
const MAX_GROUP: usize = 2000;

impl Trail {
    /// Starts the writer on the current Tokio runtime. It stops when the last handle is
    /// dropped, after writing what it was given.
    pub fn start(db: Db) -> Self {
        let (sender, mut receiver) = mpsc::channel::<Batch>(4096);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut group = vec![first];
                let mut size = group[0].entries.len();
                while size < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(next) => {
                            size += next.entries.len();
                            group.push(next);
                        }
                        Err(_) => break,
                    }
                }
                let (entries, waiting): (Vec<_>, Vec<_>) =
                    group.into_iter().map(|b| (b.entries, b.committed)).unzip();
                let outcome = write(&db, entries.into_iter().flatten().collect())
                    .await
                    .map_err(|e| e.to_string());
                for committed in waiting {
                    // The request may have gone (client hung up): nothing to tell then.
                    let _ = committed.send(outcome.clone());
                }
            }
        });
        Self { sender }
    }

    /// Records that `actor` read these holders' data, and waits for the commit.
    pub async fn record(
        &self,
        actor: &Actor,
        action: AuditAction,
        holder_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<()> {
        if holder_ids.is_empty() {
            return Ok(());
        }
        let (committed, outcome) = oneshot::channel();
        let batch = Batch {
            entries: holder_ids
                .iter()
                .map(|id| entry(actor, action, *id, now))
                .collect(),
            committed,
        };
        let stopped = || PersistenceError::Other(DbErr::Custom("audit writer stopped".into()));
        self.sender.send(batch).await.map_err(|_| stopped())?;
        outcome
            .await
            .map_err(|_| stopped())?
            .map_err(|e| PersistenceError::Other(DbErr::Custom(e)))
    }
}

async fn write(db: &Db, entries: Vec<audit_entries::ActiveModel>) -> Result<()> {
    let txn = db.begin_write().await?;
    insert(&txn, entries).await?;
    commit(txn).await
}
