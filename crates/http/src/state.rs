//! Everything a handler can reach: the database, the settings, the clock and the mailer.

use chrono::{DateTime, Utc};
use parcours_domain::auth::{LoginThrottle, SessionPolicy};
use parcours_domain::referrals::Deadlines;
use parcours_mail::Mailer;
use parcours_persistence::Db;
use parcours_persistence::audit::Trail;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where time comes from: the system clock in service, a settable one in tests, so that
/// expiry and lockout are tested without waiting.
#[derive(Clone)]
pub struct Clock(ClockKind);

#[derive(Clone)]
enum ClockKind {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn system() -> Self {
        Self(ClockKind::System)
    }

    /// A clock that stays at `start` until moved with [`Clock::advance`] or [`Clock::set`].
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self(ClockKind::Manual(Arc::new(Mutex::new(start))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            ClockKind::System => Utc::now(),
            ClockKind::Manual(now) => *now.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward; the system clock ignores it.
    pub fn advance(&self, by: chrono::Duration) {
        if let ClockKind::Manual(now) = &self.0 {
            *now.lock().unwrap_or_else(|e| e.into_inner()) += by;
        }
    }

    pub fn set(&self, to: DateTime<Utc>) {
        if let ClockKind::Manual(now) = &self.0 {
            *now.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }
}

/// The HTTP side of the configuration.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Served over HTTPS (directly or behind a TLS proxy): cookies are `Secure` and HSTS
    /// is sent. Off only for local demo over plain http.
    pub secure: bool,
    pub cookie_name: String,
    pub session: SessionPolicy,
    pub login: LoginThrottle,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// The address users reach the service at, for links in e-mails.
    pub public_url: String,
    /// When unanswered referrals are reminded and expire.
    pub referral_deadlines: Deadlines,
    /// In exports, counts below this (but above zero) read "< N".
    pub small_count_threshold: i64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            secure: true,
            cookie_name: "parcours_session".into(),
            session: SessionPolicy::default(),
            login: LoginThrottle::default(),
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            public_url: "http://127.0.0.1:8080".into(),
            referral_deadlines: Deadlines::default(),
            small_count_threshold: 5,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<HttpSettings>,
    pub clock: Clock,
    pub mailer: Mailer,
    /// Audits reads, with group commit.
    pub audit: Trail,
    /// Bounds concurrent password hashing: each one takes 19 MiB and a core for a while.
    pub(crate) hashing: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Must be called on a Tokio runtime: it starts the audit writer.
    pub fn new(db: Db, settings: HttpSettings, clock: Clock, mailer: Mailer) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            audit: Trail::start(db.clone()),
            db,
            settings: Arc::new(settings),
            clock,
            mailer,
            hashing: Arc::new(tokio::sync::Semaphore::new(cores * 2)),
        }
    }
}
