//! At most one live referral (sent or accepted) of a person to a partner: the database
//! holds it, so two racing requests cannot both send one. Duplicates that such a race
//! may already have left are withdrawn first (the newest stays), with a step in their
//! history saying why.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Live referrals that a newer live one of the same holder to the same organisation
/// makes redundant.
const DUPLICATES: &str = "SELECT r.id FROM referrals r WHERE r.status IN ('sent', 'accepted') \
     AND EXISTS (SELECT 1 FROM referrals n WHERE n.holder_id = r.holder_id \
     AND n.to_organisation_id = r.to_organisation_id AND n.status IN ('sent', 'accepted') \
     AND n.id > r.id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let now = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "CURRENT_TIMESTAMP",
            _ => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        };
        db.execute_unprepared(&format!(
            "INSERT INTO referral_events (referral_id, action, from_status, to_status, user_id, reason, occurred_at) \
             SELECT r.id, 'withdraw', r.status, 'withdrawn', NULL, 'doublon', {now} \
             FROM referrals r WHERE r.id IN ({DUPLICATES})"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE referrals SET status = 'withdrawn', closed_at = {now}, updated_at = {now} \
             WHERE id IN ({DUPLICATES})"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_referrals_one_live ON referrals (holder_id, to_organisation_id) \
             WHERE status IN ('sent', 'accepted')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_referrals_one_live")
            .await?;
        Ok(())
    }
}
