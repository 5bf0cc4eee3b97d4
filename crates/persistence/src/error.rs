//! Database errors, mapped once.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    #[error("not found")]
    NotFound,
    /// A unique constraint, a foreign key, or an optimistic lock refused the change.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Other(DbErr),
}

pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;

impl From<DbErr> for PersistenceError {
    fn from(error: DbErr) -> Self {
        match error.sql_err() {
            Some(
                SqlErr::UniqueConstraintViolation(what)
                | SqlErr::ForeignKeyConstraintViolation(what),
            ) => Self::Conflict(what),
            _ if matches!(error, DbErr::RecordNotFound(_)) => Self::NotFound,
            _ => Self::Other(error),
        }
    }
}
