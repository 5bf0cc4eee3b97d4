//! sea-orm entities, one per table, kept apart from the hand-written queries.

pub mod account_tokens;
pub mod audit_entries;
pub mod consents;
pub mod contacts;
pub mod event_attendees;
pub mod event_partners;
pub mod events;
pub mod holder_imports;
pub mod holders;
pub mod hosting_agreements;
pub mod organisations;
pub mod outbox;
pub mod pathway_events;
pub mod projects;
pub mod qpv;
pub mod qpv_communes;
pub mod referral_events;
pub mod referrals;
pub mod retention_keeps;
pub mod services;
pub mod sessions;
pub mod spaces;
pub mod territories;
pub mod territory_communes;
pub mod units;
pub mod users;
