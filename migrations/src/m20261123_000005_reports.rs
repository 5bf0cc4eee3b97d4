//! What the reports need to stay fast at national scale: each event that ends a stay in a
//! stage (a move or a closing) records when that stay began, so time-in-stage is a range
//! scan over the period instead of a window over every holder's whole history; and
//! indexes that let each report read only its period and its population.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PathwayEvents {
    Table,
    StayStartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PathwayEvents::Table)
                    .add_column(timestamp_with_time_zone_null(PathwayEvents::StayStartedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The stay a move or a closing ends began with the holder's previous event.
        db.execute_unprepared(
            "UPDATE pathway_events SET stay_started_at = (
                 SELECT p.occurred_at FROM pathway_events p
                 WHERE p.holder_id = pathway_events.holder_id
                   AND (p.occurred_at < pathway_events.occurred_at
                        OR (p.occurred_at = pathway_events.occurred_at AND p.id < pathway_events.id))
                 ORDER BY p.occurred_at DESC, p.id DESC LIMIT 1)
             WHERE kind IN ('changement', 'cloture')",
        )
        .await?;
        for (name, columns) in CREATED {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {columns}"))
                .await?;
        }
        for (name, _) in DROPPED {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, columns) in DROPPED {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {columns}"))
                .await?;
        }
        for (name, _) in CREATED {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(PathwayEvents::Table)
                    .drop_column(PathwayEvents::StayStartedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// (name, `table (columns)`): plain column lists, the same on both engines. Each
/// report reads one of them and nothing else of the big tables (covering indexes).
const CREATED: &[(&str, &str)] = &[
    // Open pathways per stage of the scope's organisations.
    (
        "idx_holders_org_pipeline",
        "holders (referent_organisation_id, outcome, stage)",
    ),
    // The people an organisation registered (entered the pathway) in a period, with
    // the profile the reports count and filter on (and the id, for PostgreSQL, whose
    // indexes do not carry the key by themselves).
    (
        "idx_holders_org_created",
        "holders (referent_organisation_id, created_at, gender, qpv_status, situation, birth_date, qpv_code, id)",
    ),
    // The pathway events of an organisation's holders in a period, with what the
    // reports count: entries, moves, closings and the stays they end.
    (
        "idx_pathway_org_history",
        "pathway_events (organisation_id, occurred_at, kind, to_stage, from_stage, outcome, stay_started_at, holder_id)",
    ),
    // A holder's history in time order (the timeline; the stages a cohort reached).
    (
        "idx_pathway_holder_history",
        "pathway_events (holder_id, occurred_at, kind, to_stage)",
    ),
    // Contacts an organisation logged, by month and kind.
    (
        "idx_contacts_org_at_kind",
        "contacts (organisation_id, occurred_at, kind)",
    ),
    // Referrals sent in a period by, or to, the scope's organisations (and whom the
    // senders referred).
    (
        "idx_referrals_from_sent",
        "referrals (from_organisation_id, sent_at, holder_id)",
    ),
    (
        "idx_referrals_to_sent",
        "referrals (to_organisation_id, sent_at)",
    ),
];

/// Replaced by the covering indexes above, or read by nothing since the reports read by
/// organisation and period (each is written on every insert).
const DROPPED: &[(&str, &str)] = &[
    (
        "idx_pathway_holder_at",
        "pathway_events (holder_id, occurred_at)",
    ),
    (
        "idx_pathway_kind_stage_at",
        "pathway_events (to_stage, kind, occurred_at)",
    ),
    (
        "idx_pathway_outcome_at",
        "pathway_events (outcome, occurred_at)",
    ),
    (
        "idx_contacts_org_at",
        "contacts (organisation_id, occurred_at)",
    ),
];
