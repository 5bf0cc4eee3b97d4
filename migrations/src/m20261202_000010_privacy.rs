//! Personal data over its whole life: when a file was anonymised, when it is to be
//! (the person withdrew their consent to be followed), who erased it on request and
//! why; the reasons given to keep a file past its retention date (each counts as
//! activity); the files merged into another; an index to delete audit entries past
//! their retention by date.
//!
//! `holders.erased_by` names a user but has no foreign key: SQLite adds one to an
//! existing table only by rebuilding it, and could then not drop the column again
//! (`down`). The merges' table, new here, has its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Holders {
    Table,
    Id,
    AnonymisedAt,
    AnonymiseFrom,
    ErasedBy,
    ErasureReason,
}

#[derive(DeriveIden)]
enum RetentionKeeps {
    Table,
    Id,
    HolderId,
    OrganisationId,
    UserId,
    Reason,
    KeptAt,
}

#[derive(DeriveIden)]
enum HolderMerges {
    Table,
    FromId,
    IntoId,
    OrganisationId,
    MergedBy,
    MergedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for column in [
            timestamp_with_time_zone_null(Holders::AnonymisedAt),
            timestamp_with_time_zone_null(Holders::AnonymiseFrom),
            big_integer_null(Holders::ErasedBy),
            string_len_null(Holders::ErasureReason, 500),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Holders::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RetentionKeeps::Table)
                    .col(big_pk_auto(RetentionKeeps::Id))
                    .col(big_integer(RetentionKeeps::HolderId))
                    .col(big_integer(RetentionKeeps::OrganisationId))
                    .col(big_integer(RetentionKeeps::UserId))
                    .col(string_len(RetentionKeeps::Reason, 500))
                    .col(timestamp_with_time_zone(RetentionKeeps::KeptAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_retention_keeps_holder")
                            .from(RetentionKeeps::Table, RetentionKeeps::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_retention_keeps_org")
                            .from(RetentionKeeps::Table, RetentionKeeps::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_retention_keeps_user")
                            .from(RetentionKeeps::Table, RetentionKeeps::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_retention_keeps_holder_at")
                    .table(RetentionKeeps::Table)
                    .col(RetentionKeeps::HolderId)
                    .col(RetentionKeeps::KeptAt)
                    .to_owned(),
            )
            .await?;
        // A file merged into another: its id points its organisation to the one kept.
        manager
            .create_table(
                Table::create()
                    .table(HolderMerges::Table)
                    .col(big_integer(HolderMerges::FromId).primary_key())
                    .col(big_integer(HolderMerges::IntoId))
                    .col(big_integer(HolderMerges::OrganisationId))
                    .col(big_integer(HolderMerges::MergedBy))
                    .col(timestamp_with_time_zone(HolderMerges::MergedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_holder_merges_into")
                            .from(HolderMerges::Table, HolderMerges::IntoId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_holder_merges_org")
                            .from(HolderMerges::Table, HolderMerges::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_holder_merges_user")
                            .from(HolderMerges::Table, HolderMerges::MergedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A later merge of the file kept moves the pointers to it.
        manager
            .create_index(
                Index::create()
                    .name("idx_holder_merges_into")
                    .table(HolderMerges::Table)
                    .col(HolderMerges::IntoId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_at")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::OccurredAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_at")
                    .table(AuditEntries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(HolderMerges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RetentionKeeps::Table).to_owned())
            .await?;
        for column in [
            Holders::ErasureReason,
            Holders::ErasedBy,
            Holders::AnonymiseFrom,
            Holders::AnonymisedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Holders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
