//! What a use case answers when it refuses: the field or the rule, in French for the
//! person who will read it. Each face (JSON problem, page, command line) says it in its
//! own form.

use parcours_domain::ValidationErrors;
use parcours_persistence::{Constraint, PersistenceError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fields that do not pass, every one of them at once.
    #[error("données invalides")]
    Invalid(ValidationErrors),
    /// Does not exist, or may not be known to exist.
    #[error("introuvable")]
    NotFound,
    /// Known, but not for this user.
    #[error("refusé : {0:?}")]
    Forbidden(Refusal),
    /// The change contradicts the current state (a running referral, a booked unit…).
    #[error("conflit : {0}")]
    Conflict(String),
    /// A change to a versioned record came without the version it was based on.
    #[error("version de référence requise")]
    VersionRequired,
    /// The record changed since the version the change was based on.
    #[error("version périmée")]
    Stale,
    /// No valid session.
    #[error("authentification requise")]
    Unauthenticated,
    /// Login refused; the same answer whatever the reason.
    #[error("identifiants invalides")]
    InvalidCredentials,
    /// Too many attempts from one client address: try again after this many seconds.
    #[error("trop de tentatives")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// The database is out of reach for now (restarting, lost, saturated): nothing was
    /// done; the same request may succeed in a moment.
    #[error("service momentanément indisponible")]
    Unavailable(#[source] PersistenceError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Why a known thing is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The role never does this: coordinators and platform admins with personal data,
    /// advisers with their organisation's administration.
    Role,
    /// The file is the référent organisation's to change; a partner reads it and records
    /// its own contacts only.
    ReadOnly,
    /// The other side of a referral acts here (the reason, in French).
    OtherSide(String),
    /// Another organisation's resource (its event, space or service).
    OtherOrganisation,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(ValidationErrors::single(field, message))
    }
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl From<PersistenceError> for Error {
    fn from(error: PersistenceError) -> Self {
        match error {
            PersistenceError::NotFound => Self::NotFound,
            PersistenceError::Constraint(constraint) => constraint_error(constraint),
            unavailable @ (PersistenceError::Unavailable(_) | PersistenceError::Retry(_)) => {
                Self::Unavailable(unavailable)
            }
            other @ (PersistenceError::Corrupt { .. } | PersistenceError::Other(_)) => {
                Self::Internal(other.into())
            }
        }
    }
}

/// A refused change, by the constraint that refused it.
fn constraint_error(constraint: Constraint) -> Error {
    match constraint {
        Constraint::UserEmail => {
            Error::invalid("email", "un compte existe déjà avec cette adresse")
        }
        Constraint::OrganisationName => Error::invalid("name", "une structure porte déjà ce nom"),
        Constraint::TerritoryCode => Error::invalid("code", "un territoire a déjà ce code"),
        Constraint::HostingOverlap => {
            Error::Conflict("l'unité est déjà occupée sur une partie de cette période".into())
        }
        Constraint::LiveReferral => Error::Conflict(
            "une orientation vers cette structure est déjà en cours pour cette personne".into(),
        ),
        Constraint::ForeignKey(Some(field)) => {
            Error::invalid(field, "référence inconnue : elle n'existe pas ou plus")
        }
        other @ (Constraint::ForeignKey(None) | Constraint::OtherUnique(_)) => Error::Internal(
            anyhow::anyhow!("unexpected constraint violation: {other:?}"),
        ),
    }
}
