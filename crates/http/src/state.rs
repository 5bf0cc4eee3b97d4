//! Everything a handler can reach: the use cases, the clock and the HTTP settings.

use parcours_core::{Clock, Core};
use std::sync::Arc;
use std::time::Duration;

/// The HTTP side of the configuration.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Served over HTTPS (directly or behind a TLS proxy): cookies are `Secure` and HSTS
    /// is sent. Off only for local demo over plain http.
    pub secure: bool,
    pub cookie_name: String,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            secure: true,
            cookie_name: "parcours_session".into(),
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub settings: Arc<HttpSettings>,
    pub clock: Clock,
}

impl AppState {
    pub fn new(core: Core, settings: HttpSettings, clock: Clock) -> Self {
        Self {
            core,
            settings: Arc::new(settings),
            clock,
        }
    }
}
