//! Everything a handler can reach: the use cases, the clock and the HTTP settings.

use parcours_core::{Clock, Core};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Proxies whose `X-Forwarded-For` and `x-request-id` are believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl HttpSettings {
    /// The session cookie's name: with the `__Host-` prefix when served over HTTPS, so
    /// that the browser keeps it to this host only (no `Domain`, `Secure`, `Path=/`) and
    /// a sibling sub-domain cannot set or overwrite it.
    pub fn session_cookie_name(&self) -> String {
        if self.secure {
            format!("__Host-{}", self.cookie_name)
        } else {
            self.cookie_name.clone()
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            secure: true,
            cookie_name: "parcours_session".into(),
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub settings: Arc<HttpSettings>,
    pub clock: Clock,
    /// Spreadsheets checked on the import page, waiting to be imported or importing.
    pub(crate) imports: crate::web::import_jobs::Imports,
    /// Set when shutdown begins: `/readyz` then answers 503.
    draining: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(core: Core, settings: HttpSettings, clock: Clock) -> Self {
        Self {
            core,
            settings: Arc::new(settings),
            clock,
            imports: Default::default(),
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Marks the instance as shutting down: `/readyz` answers 503 from now on, so that
    /// a load balancer sends new requests elsewhere; every other route still answers.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}
