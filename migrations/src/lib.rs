//! The Parcours schema. Migrations are built with sea-query and never import entity
//! types, so an old migration never changes when an entity does.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_case_management;
mod m20261122_000003_referrals;
mod m20261122_000004_events_hosting;
mod m20261123_000005_reports;
mod m20261201_000006_one_live_referral;
mod m20261201_000007_outbox_tries;
mod m20261201_000008_holder_duplicates;
mod m20261201_000009_account_tokens;
mod m20261202_000010_privacy;
mod m20261202_000011_holder_external_ref;
mod m20261202_000012_holder_imports;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_case_management::Migration),
            Box::new(m20261122_000003_referrals::Migration),
            Box::new(m20261122_000004_events_hosting::Migration),
            Box::new(m20261123_000005_reports::Migration),
            Box::new(m20261201_000006_one_live_referral::Migration),
            Box::new(m20261201_000007_outbox_tries::Migration),
            Box::new(m20261201_000008_holder_duplicates::Migration),
            Box::new(m20261201_000009_account_tokens::Migration),
            Box::new(m20261202_000010_privacy::Migration),
            Box::new(m20261202_000011_holder_external_ref::Migration),
            Box::new(m20261202_000012_holder_imports::Migration),
        ]
    }
}
