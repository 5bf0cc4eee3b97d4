//! Connecting to SQLite or PostgreSQL, and write transactions.

use crate::Result;
use sea_orm::sqlx::Connection;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::str::FromStr;
use std::time::Duration;

/// Why a database URL cannot be used, without repeating it: it may hold a password.
pub fn check_url(url: &str) -> std::result::Result<(), &'static str> {
    if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)
            .map(drop)
            .map_err(|_| "URL SQLite invalide : sqlite://chemin/du/fichier.db?mode=rwc attendu")
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        PgConnectOptions::from_str(url).map(drop).map_err(|_| {
            "URL PostgreSQL invalide : postgres://utilisateur:mot-de-passe@hôte:port/base attendu"
        })
    } else {
        Err("moteur inconnu : une URL sqlite:// ou postgres:// est attendue")
    }
}

/// Why connecting to `url` failed, in French and without the URL or its password. The
/// pool only says it timed out; one direct connection attempt tells the cause (server
/// refused or unknown, authentication, missing database).
pub async fn explain_connect_failure(url: &str, error: &crate::PersistenceError) -> String {
    let cause = match PgConnectOptions::from_str(url) {
        Ok(options) if !url.starts_with("sqlite:") => {
            match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&options))
                .await
            {
                Err(_) => "le serveur PostgreSQL ne répond pas (délai de 5 s dépassé) : vérifiez l'hôte, le port et le pare-feu".to_owned(),
                Ok(Err(direct)) => match direct {
                    sea_orm::sqlx::Error::Io(io) => format!(
                        "le serveur PostgreSQL est injoignable ({io}) : est-il démarré, et l'hôte et le port de database.url sont-ils les bons ?"
                    ),
                    sea_orm::sqlx::Error::Database(db) => {
                        format!("le serveur PostgreSQL refuse la connexion : {}", db.message())
                    }
                    sea_orm::sqlx::Error::Tls(tls) => format!("échec de la négociation TLS : {tls}"),
                    other => format!("{other}"),
                },
                Ok(Ok(connection)) => {
                    let _ = connection.close().await;
                    format!("{error}")
                }
            }
        }
        _ => format!("{error}"),
    };
    scrub(&cause, url)
}

/// `text` with the URL and its password, if it quotes them, replaced.
fn scrub(text: &str, url: &str) -> String {
    let mut out = text.replace(url, "<database.url>");
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password)
        .filter(|p| !p.is_empty());
    if let Some(password) = password {
        out = out.replace(password, "***");
    }
    out
}

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
