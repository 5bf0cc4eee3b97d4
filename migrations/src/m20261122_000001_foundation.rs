//! Territories, QPV reference data, organisations, users and their sessions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Territories {
    Table,
    Id,
    Code,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TerritoryCommunes {
    Table,
    TerritoryId,
    CommuneInsee,
    CommuneName,
}

#[derive(DeriveIden)]
enum Qpv {
    Table,
    Code,
    Name,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QpvCommunes {
    Table,
    QpvCode,
    CommuneInsee,
    CommuneName,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    TerritoryId,
    NotificationEmail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrganisationId,
    Email,
    DisplayName,
    Role,
    PasswordHash,
    FailedLogins,
    LockedUntil,
    DisabledAt,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Territories::Table)
                    .col(big_pk_auto(Territories::Id))
                    .col(string_len_uniq(Territories::Code, 32))
                    .col(string_len(Territories::Name, 200))
                    .col(timestamp_with_time_zone(Territories::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TerritoryCommunes::Table)
                    .col(big_integer(TerritoryCommunes::TerritoryId))
                    .col(string_len(TerritoryCommunes::CommuneInsee, 5))
                    .col(string_len(TerritoryCommunes::CommuneName, 200))
                    .primary_key(
                        Index::create()
                            .col(TerritoryCommunes::TerritoryId)
                            .col(TerritoryCommunes::CommuneInsee),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_territory_communes_territory")
                            .from(TerritoryCommunes::Table, TerritoryCommunes::TerritoryId)
                            .to(Territories::Table, Territories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_territory_communes_commune")
                    .table(TerritoryCommunes::Table)
                    .col(TerritoryCommunes::CommuneInsee)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Qpv::Table)
                    .col(string_len(Qpv::Code, 16).primary_key())
                    .col(string_len(Qpv::Name, 300))
                    .col(timestamp_with_time_zone(Qpv::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(QpvCommunes::Table)
                    .col(string_len(QpvCommunes::QpvCode, 16))
                    .col(string_len(QpvCommunes::CommuneInsee, 5))
                    .col(string_len(QpvCommunes::CommuneName, 200))
                    .primary_key(
                        Index::create()
                            .col(QpvCommunes::QpvCode)
                            .col(QpvCommunes::CommuneInsee),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_qpv_communes_qpv")
                            .from(QpvCommunes::Table, QpvCommunes::QpvCode)
                            .to(Qpv::Table, Qpv::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_qpv_communes_commune")
                    .table(QpvCommunes::Table)
                    .col(QpvCommunes::CommuneInsee)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(big_pk_auto(Organisations::Id))
                    .col(string_len_uniq(Organisations::Name, 200))
                    .col(string_len(Organisations::Kind, 32))
                    .col(big_integer(Organisations::TerritoryId))
                    .col(string_len_null(Organisations::NotificationEmail, 254))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .col(timestamp_with_time_zone(Organisations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organisations_territory")
                            .from(Organisations::Table, Organisations::TerritoryId)
                            .to(Territories::Table, Territories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organisations_territory")
                    .table(Organisations::Table)
                    .col(Organisations::TerritoryId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(big_integer(Users::OrganisationId))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::DisplayName, 120))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::PasswordHash, 200))
                    .col(integer(Users::FailedLogins).default(0))
                    .col(timestamp_with_time_zone_null(Users::LockedUntil))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_organisation")
                            .from(Users::Table, Users::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_organisation")
                    .table(Users::Table)
                    .col(Users::OrganisationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::IdHash, 64).primary_key())
                    .col(big_integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Organisations::Table.into_iden(),
            QpvCommunes::Table.into_iden(),
            Qpv::Table.into_iden(),
            TerritoryCommunes::Table.into_iden(),
            Territories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
