//! A person's reference in the tool an organisation kept before Parcours (its
//! spreadsheet's « N° dossier »): an import that finds it again updates that file
//! instead of creating another. Unique within the organisation; found by index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Holders {
    Table,
    ReferentOrganisationId,
    ExternalRef,
}

const INDEX: &str = "idx_holders_org_external_ref";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Holders::Table)
                    .add_column(ColumnDef::new(Holders::ExternalRef).string_len(100).null())
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in a unique index, on both engines: files without a
        // reference do not collide.
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Holders::Table)
                    .col(Holders::ReferentOrganisationId)
                    .col(Holders::ExternalRef)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Holders::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Holders::Table)
                    .drop_column(Holders::ExternalRef)
                    .to_owned(),
            )
            .await
    }
}
