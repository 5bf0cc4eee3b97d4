//! Where time comes from: the system clock in service, a settable one in tests, so that
//! expiry, reminders and lockouts are tested without waiting. Use cases take `now` as a
//! parameter; the faces read it here.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

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
