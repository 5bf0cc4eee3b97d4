//! sea-orm entities, one per table, kept apart from the hand-written queries.

pub mod organisations;
pub mod qpv;
pub mod qpv_communes;
pub mod sessions;
pub mod territories;
pub mod territory_communes;
pub mod users;
