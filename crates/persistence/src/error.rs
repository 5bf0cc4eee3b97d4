//! Database errors, mapped once: a refused change is named by the constraint that
//! refused it, so callers answer with the field or rule it protects.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    #[error("not found")]
    NotFound,
    /// A constraint of the schema refused the change.
    #[error("refused by the constraint {0:?}")]
    Constraint(Constraint),
    /// A stored value this binary cannot read (a word outside its list): the database
    /// was written by something else, or a migration is missing.
    #[error("stored value unreadable: {table}.{column}: {detail}")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        detail: String,
    },
    /// The database cannot be reached or is shutting down or too busy: nothing was
    /// done, and the same request may succeed in a moment.
    #[error("database unavailable: {0}")]
    Unavailable(DbErr),
    /// PostgreSQL chose this transaction to break a deadlock (two inserts of an
    /// exclusion constraint each waiting for the other, for instance) or could not
    /// serialise it: nothing was done, and the whole transaction may be tried again.
    #[error("transaction to try again: {0}")]
    Retry(DbErr),
    #[error(transparent)]
    Other(DbErr),
}

/// Whether the engine's error says the database is out of reach for now rather than
/// that the statement is wrong: no connection to be had, a connection lost or timed out, a server
/// shutting down or out of connections (PostgreSQL classes 08, 57P, 53300), SQLite
/// busy or locked beyond its busy timeout.
fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match error {
        // Getting a connection failed, whatever the engine said (refused, shutting
        // down, not accepting connections, authentication after a failover…).
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("57P")
                || code == "53300"
                // SQLite: SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
                || code == "5"
                || code == "6"
                || code.parse::<u32>().is_ok_and(|n| n > 255 && matches!(n & 0xff, 5 | 6))
        }),
        _ => false,
    }
}

/// A deadlock broken (SQLSTATE 40P01) or a serialisation failure (40001), by the
/// engine's words.
fn is_retry(error: &DbErr) -> bool {
    let text = error.to_string();
    text.contains("deadlock detected") || text.contains("could not serialize access")
}

/// The constraints a change can run into, by what they protect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// `users.email` is unique.
    UserEmail,
    /// `organisations.name` is unique.
    OrganisationName,
    /// `territories.code` is unique.
    TerritoryCode,
    /// A unit is never booked twice over the same days.
    HostingOverlap,
    /// One live referral (sent or accepted) per holder and receiving organisation.
    LiveReferral,
    /// A foreign key: the column named, when the engine says which (PostgreSQL does,
    /// SQLite does not). Callers check references before writing, so this is a bug or
    /// a race with a deletion.
    ForeignKey(Option<&'static str>),
    /// Any other unique constraint, with the engine's words.
    OtherUnique(String),
}

pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;

/// (text the engines use for it — PostgreSQL's constraint name or SQLite's
/// `table.column` —, constraint)
const UNIQUE: &[(&[&str], Constraint)] = &[
    (&["users_email_key", "users.email"], Constraint::UserEmail),
    (
        &["organisations_name_key", "organisations.name"],
        Constraint::OrganisationName,
    ),
    (
        &["territories_code_key", "territories.code"],
        Constraint::TerritoryCode,
    ),
    (
        &[
            "idx_referrals_one_live",
            "referrals.holder_id, referrals.to_organisation_id",
        ],
        Constraint::LiveReferral,
    ),
];

/// Foreign keys by name (PostgreSQL), and the input field each one checks.
const FOREIGN_KEYS: &[(&str, &str)] = &[
    ("fk_holders_referent", "referent_user_id"),
    ("fk_referrals_holder", "holder_id"),
    ("fk_referrals_to_org", "to_organisation_id"),
    ("fk_referrals_service", "service_id"),
    ("fk_hosting_unit", "unit_id"),
    ("fk_hosting_holder", "holder_id"),
    ("fk_hosting_project", "project_id"),
    ("fk_event_partners_org", "partners"),
    ("fk_event_attendees_holder", "holder_id"),
    ("fk_users_organisation", "organisation_id"),
];

fn unique(text: &str) -> Constraint {
    UNIQUE
        .iter()
        .find(|(names, _)| names.iter().any(|name| text.contains(name)))
        .map_or_else(
            || Constraint::OtherUnique(text.to_owned()),
            |(_, c)| c.clone(),
        )
}

fn foreign_key(text: &str) -> Constraint {
    Constraint::ForeignKey(
        FOREIGN_KEYS
            .iter()
            .find(|(name, _)| text.contains(name))
            .map(|(_, field)| *field),
    )
}

impl From<DbErr> for PersistenceError {
    fn from(error: DbErr) -> Self {
        // The exclusion constraint (PostgreSQL) and the trigger (SQLite) both carry the
        // name `hosting_no_overlap`; neither is a unique or foreign-key violation.
        if error.to_string().contains("hosting_no_overlap") {
            return Self::Constraint(Constraint::HostingOverlap);
        }
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(text)) => Self::Constraint(unique(&text)),
            Some(SqlErr::ForeignKeyConstraintViolation(text)) => {
                Self::Constraint(foreign_key(&text))
            }
            _ if matches!(error, DbErr::RecordNotFound(_)) => Self::NotFound,
            _ if is_retry(&error) => Self::Retry(error),
            _ if is_unavailable(&error) => Self::Unavailable(error),
            _ => Self::Other(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_deadlock_is_to_try_again() {
        let deadlock = DbErr::Custom("error returned from database: deadlock detected".into());
        assert!(matches!(
            PersistenceError::from(deadlock),
            PersistenceError::Retry(_)
        ));
        let other = DbErr::Custom("syntax error".into());
        assert!(matches!(
            PersistenceError::from(other),
            PersistenceError::Other(_)
        ));
    }

    #[test]
    fn constraints_are_known_by_either_engines_words() {
        assert_eq!(
            unique("duplicate key value violates unique constraint \"users_email_key\""),
            Constraint::UserEmail
        );
        assert_eq!(
            unique("UNIQUE constraint failed: users.email"),
            Constraint::UserEmail
        );
        assert_eq!(
            unique("UNIQUE constraint failed: referrals.holder_id, referrals.to_organisation_id"),
            Constraint::LiveReferral
        );
        assert!(matches!(unique("x"), Constraint::OtherUnique(_)));
        assert_eq!(
            foreign_key(
                "insert or update on table \"referrals\" violates foreign key constraint \"fk_referrals_service\""
            ),
            Constraint::ForeignKey(Some("service_id"))
        );
        assert_eq!(
            foreign_key("FOREIGN KEY constraint failed"),
            Constraint::ForeignKey(None)
        );
    }
}
