//! Parcours use cases: one function per thing a user or a job does — register a
//! person, log a contact, refer, accept, run the deadlines… Each takes the acting user
//! ([`Actor`]), the input as typed, and `now`; each returns a typed result or an
//! [`Error`] that names the field or the rule that refused it.
//!
//! This layer owns transactions, audit entries and outbox messages. The JSON API, the
//! web pages, the command line, the scheduler and imports are faces of these functions:
//! a rule lives here (or, when it needs no IO, in the domain crate) and nowhere else.

mod access;
mod actor;
mod clock;
mod error;
mod notify;
mod page;
mod period;
mod settings;
mod text;

pub mod account_links;
pub mod accounts;
pub mod admin;
pub mod consents;
pub mod contacts;
pub mod events;
pub mod holders;
pub mod hosting;
pub mod organisations;
pub mod outbox;
pub mod passwords;
pub mod privacy;
pub mod projects;
pub mod qpv;
pub mod referrals;
pub mod reports;
pub mod services;
pub mod sessions;
pub mod team;
pub mod timeline;

pub use access::Expected;
pub use actor::Actor;
pub use clock::Clock;
pub use error::{Error, Refusal, Result};
pub use page::{MAX_LIMIT, Page, PageRequest, decode_cursor, encode_cursor};
pub use period::PeriodInput;
pub use settings::Settings;

pub use parcours_domain as domain;
pub use parcours_persistence::{Db, DbSettings};

use parcours_mail::Mailer;
use parcours_persistence::audit::Trail;
use std::sync::Arc;

/// What every use case reaches: the database, the settings, the read-audit writer, the
/// bound on password hashing and the mailer. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    db: Db,
    settings: Arc<Settings>,
    audit: Trail,
    hashers: passwords::Hashers,
    login_gate: Arc<sessions::LoginGate>,
    /// Password-reset requests per client address, by the same rule as logins.
    reset_gate: Arc<sessions::LoginGate>,
    mailer: Mailer,
}

impl Core {
    /// Must be called on a Tokio runtime: it starts the read-audit writer.
    pub fn new(db: Db, settings: Settings, mailer: Mailer) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            audit: Trail::start(db.clone()),
            db,
            hashers: passwords::Hashers::start(cores),
            login_gate: Arc::new(sessions::LoginGate::new(
                settings.login_per_address_per_minute,
            )),
            reset_gate: Arc::new(sessions::LoginGate::new(
                settings.login_per_address_per_minute,
            )),
            settings: Arc::new(settings),
            mailer,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The folder e-mails are written to instead of being sent: the demonstration's
    /// mailbox. None when mail goes out over SMTP.
    pub fn mail_folder(&self) -> Option<&std::path::Path> {
        self.mailer.folder()
    }

    /// Whether the database answers (the readiness probe).
    pub async fn ping(&self) -> Result<()> {
        Ok(self.db.ping().await?)
    }
}

/// The typed records the use cases answer with, for the faces to present.
pub mod records {
    pub use parcours_persistence::consents::Consent;
    pub use parcours_persistence::contacts::Contact;
    pub use parcours_persistence::events::{Attendance, Event};
    pub use parcours_persistence::holders::{Holder, PathwayStep};
    pub use parcours_persistence::hosting::{Agreement, Space, Unit};
    pub use parcours_persistence::organisations::{Organisation, TerritoryRef};
    pub use parcours_persistence::privacy::Keep;
    pub use parcours_persistence::projects::Project;
    pub use parcours_persistence::qpv::QpvView;
    pub use parcours_persistence::referrals::{Referral, ReferralEvent};
    pub use parcours_persistence::services::{Service, ServiceFields};
    pub use parcours_persistence::timeline::Entry;
    pub use parcours_persistence::users::User;
}
