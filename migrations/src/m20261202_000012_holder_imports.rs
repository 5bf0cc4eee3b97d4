//! Each import of a caseload from a spreadsheet, as one entry: who brought which file
//! into which organisation, when, and what became of its lines. The files created or
//! updated have their own audit entries; this is the import as a whole. It holds no
//! one's personal data: a file's name and counts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HolderImports {
    Table,
    Id,
    OrganisationId,
    ImportedBy,
    FileName,
    Lines,
    Created,
    Updated,
    Unchanged,
    PossibleDuplicates,
    Refused,
    ImportedAt,
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

const INDEX: &str = "idx_holder_imports_org_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HolderImports::Table)
                    .col(big_pk_auto(HolderImports::Id))
                    .col(big_integer(HolderImports::OrganisationId))
                    .col(big_integer(HolderImports::ImportedBy))
                    .col(string_len(HolderImports::FileName, 255))
                    .col(big_integer(HolderImports::Lines))
                    .col(big_integer(HolderImports::Created))
                    .col(big_integer(HolderImports::Updated))
                    .col(big_integer(HolderImports::Unchanged))
                    .col(big_integer(HolderImports::PossibleDuplicates))
                    .col(big_integer(HolderImports::Refused))
                    .col(timestamp_with_time_zone(HolderImports::ImportedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_holder_imports_org")
                            .from(HolderImports::Table, HolderImports::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_holder_imports_user")
                            .from(HolderImports::Table, HolderImports::ImportedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The organisation's imports, newest first.
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(HolderImports::Table)
                    .col(HolderImports::OrganisationId)
                    .col(HolderImports::ImportedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HolderImports::Table).to_owned())
            .await
    }
}
