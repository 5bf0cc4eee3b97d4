//! Connecting to SQLite or PostgreSQL, and write transactions.

use crate::Result;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// How to reach the database. The URL may hold a password: it is never logged.
#[derive(Clone)]
pub struct DbSettings {
    pub url: String,
    pub max_connections: u32,
    pub busy_timeout: Duration,
    pub acquire_timeout: Duration,
}

impl DbSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The connection pool, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
}

impl Db {
    /// Opens a pool. SQLite files get WAL, a busy timeout, foreign keys and a pool of
    /// several connections so that reads proceed while one write runs.
    pub async fn connect(settings: &DbSettings) -> Result<Self> {
        let mut options = ConnectOptions::new(settings.url.clone());
        options
            .max_connections(settings.max_connections.max(2))
            .min_connections(1)
            .acquire_timeout(settings.acquire_timeout)
            .sqlx_logging(false);
        let busy_timeout = settings.busy_timeout;
        options.map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
        let conn = Database::connect(options).await?;
        Ok(Self { conn })
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a transaction meant to write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing
    /// when a read lock cannot be upgraded.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(self.conn.begin_with_options(options).await?)
    }

    /// Starts a transaction that only reads, from one consistent snapshot: on SQLite a
    /// deferred transaction (readers never wait for the writer in WAL mode), on
    /// PostgreSQL `REPEATABLE READ READ ONLY`.
    pub async fn begin_read(&self) -> Result<DatabaseTransaction> {
        let options = if self.backend() == DbBackend::Postgres {
            TransactionOptions {
                isolation_level: Some(IsolationLevel::RepeatableRead),
                access_mode: Some(AccessMode::ReadOnly),
                ..TransactionOptions::default()
            }
        } else {
            TransactionOptions::default()
        };
        Ok(self.conn.begin_with_options(options).await?)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.conn.ping().await?)
    }

    pub async fn close(self) -> Result<()> {
        Ok(self.conn.close().await?)
    }
}

/// Commits a transaction, mapping its error like any other.
pub async fn commit(txn: DatabaseTransaction) -> Result<()> {
    Ok(txn.commit().await?)
}
