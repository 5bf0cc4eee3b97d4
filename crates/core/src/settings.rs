//! The rules' settings, from the configuration.

use parcours_domain::auth::{LoginThrottle, SessionPolicy};
use parcours_domain::privacy::Retention;
use parcours_domain::referrals::Deadlines;

#[derive(Clone, Debug)]
pub struct Settings {
    pub session: SessionPolicy,
    pub login: LoginThrottle,
    /// Login attempts allowed per client address and minute (a burst of as many, then
    /// one every 60/N seconds): a flood cannot starve real users of hashing workers.
    pub login_per_address_per_minute: u32,
    /// When unanswered referrals are reminded and expire.
    pub referral_deadlines: Deadlines,
    /// Where users reach the service, for links in e-mails.
    pub public_url: String,
    /// In reports, counts below this (but above zero) are masked.
    pub small_count_threshold: i64,
    /// How long a file without activity is kept, when it is listed, how long the
    /// audit trail is kept.
    pub retention: Retention,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session: SessionPolicy::default(),
            login: LoginThrottle::default(),
            login_per_address_per_minute: 30,
            referral_deadlines: Deadlines::default(),
            public_url: "http://127.0.0.1:8080".into(),
            small_count_threshold: 5,
            retention: Retention::default(),
        }
    }
}
