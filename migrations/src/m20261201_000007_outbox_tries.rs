//! The outbox counts real tries only. A claim (a worker reserving a message while it
//! sends it) is no longer an attempt: it is a lease of its own, `claimed_until`. An
//! operator may requeue a given-up message; its day of retries then counts from
//! `requeued_at`. Errors stored before this version may quote the server's answer, and
//! with it a recipient's address: they are replaced by a plain note.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ClaimedUntil,
    RequeuedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for column in [Outbox::ClaimedUntil, Outbox::RequeuedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE outbox SET last_error = 'erreur SMTP (détail effacé à la mise à jour)' \
                 WHERE last_error IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Outbox::RequeuedAt, Outbox::ClaimedUntil] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
