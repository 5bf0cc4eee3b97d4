//! Finding a possible duplicate before registering someone (same phone or e-mail in the
//! organisation) must not scan the organisation's whole caseload: one index each.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Holders {
    Table,
    ReferentOrganisationId,
    Phone,
    Email,
}

const INDEXES: [(&str, Holders); 2] = [
    ("idx_holders_org_phone", Holders::Phone),
    ("idx_holders_org_email", Holders::Email),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Holders::Table)
                        .col(Holders::ReferentOrganisationId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Holders::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
