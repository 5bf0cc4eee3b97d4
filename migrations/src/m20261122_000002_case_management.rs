//! Holders, their projects, pathway history, contacts, consents, and the audit trail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

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
enum Holders {
    Table,
    Id,
    ReferentOrganisationId,
    ReferentUserId,
    FirstName,
    LastName,
    SortKey,
    FirstNameKey,
    BirthDate,
    Gender,
    Email,
    Phone,
    Address,
    PostalCode,
    CommuneInsee,
    QpvCode,
    QpvStatus,
    QpvStatusSource,
    Situation,
    EducationLevel,
    Stage,
    StageEnteredAt,
    Outcome,
    ClosedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    HolderId,
    Idea,
    Sector,
    PlannedLegalForm,
    MicroEntreprise,
    Collective,
    FinancingNeedEur,
    Siret,
    CreatedOn,
    LegalForm,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PathwayEvents {
    Table,
    Id,
    HolderId,
    OrganisationId,
    UserId,
    Kind,
    FromStage,
    ToStage,
    Outcome,
    Reason,
    Siret,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    HolderId,
    OrganisationId,
    UserId,
    Kind,
    OccurredAt,
    DurationMinutes,
    Topics,
    Notes,
    NextAction,
    NextActionDue,
    NextActionDoneAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    HolderId,
    Purpose,
    Given,
    RecordedAt,
    RecordedBy,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    OccurredAt,
    UserId,
    OrganisationId,
    Action,
    HolderId,
    RequestId,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for col in cols {
        statement.col(col);
    }
    manager.create_index(statement).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Search keys compare byte-wise on PostgreSQL so that prefix ranges use the index
        // whatever the database's locale.
        let search_col = |iden: Holders| {
            let mut col = string_len(iden, 220);
            if manager.get_database_backend() == DbBackend::Postgres {
                col.extra("COLLATE \"C\"");
            }
            col
        };
        manager
            .create_table(
                Table::create()
                    .table(Holders::Table)
                    .col(big_pk_auto(Holders::Id))
                    .col(big_integer(Holders::ReferentOrganisationId))
                    .col(big_integer_null(Holders::ReferentUserId))
                    .col(string_len(Holders::FirstName, 100))
                    .col(string_len(Holders::LastName, 100))
                    .col(search_col(Holders::SortKey))
                    .col(search_col(Holders::FirstNameKey))
                    .col(date_null(Holders::BirthDate))
                    .col(string_len_null(Holders::Gender, 16))
                    .col(string_len_null(Holders::Email, 254))
                    .col(string_len_null(Holders::Phone, 16))
                    .col(string_len_null(Holders::Address, 300))
                    .col(string_len_null(Holders::PostalCode, 5))
                    .col(string_len_null(Holders::CommuneInsee, 5))
                    .col(string_len_null(Holders::QpvCode, 16))
                    .col(string_len(Holders::QpvStatus, 16))
                    .col(string_len(Holders::QpvStatusSource, 16))
                    .col(string_len_null(Holders::Situation, 32))
                    .col(string_len_null(Holders::EducationLevel, 16))
                    .col(string_len(Holders::Stage, 32))
                    .col(timestamp_with_time_zone(Holders::StageEnteredAt))
                    .col(string_len_null(Holders::Outcome, 32))
                    .col(timestamp_with_time_zone_null(Holders::ClosedAt))
                    .col(integer(Holders::Version).default(1))
                    .col(big_integer(Holders::CreatedBy))
                    .col(timestamp_with_time_zone(Holders::CreatedAt))
                    .col(timestamp_with_time_zone(Holders::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_holders_org",
                        (Holders::Table, Holders::ReferentOrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_holders_referent",
                        (Holders::Table, Holders::ReferentUserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_holders_creator",
                        (Holders::Table, Holders::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The list: one organisation's holders in name order, a page at a time.
        index(
            manager,
            "idx_holders_org_sort",
            Holders::Table,
            vec![
                Holders::ReferentOrganisationId.into_iden(),
                Holders::SortKey.into_iden(),
                Holders::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_holders_org_first",
            Holders::Table,
            vec![
                Holders::ReferentOrganisationId.into_iden(),
                Holders::FirstNameKey.into_iden(),
                Holders::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_holders_org_stage",
            Holders::Table,
            vec![
                Holders::ReferentOrganisationId.into_iden(),
                Holders::Stage.into_iden(),
                Holders::SortKey.into_iden(),
                Holders::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_holders_referent",
            Holders::Table,
            vec![Holders::ReferentUserId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(big_pk_auto(Projects::Id))
                    .col(big_integer(Projects::HolderId))
                    .col(text(Projects::Idea))
                    .col(string_len_null(Projects::Sector, 100))
                    .col(string_len_null(Projects::PlannedLegalForm, 16))
                    .col(boolean(Projects::MicroEntreprise).default(false))
                    .col(boolean(Projects::Collective).default(false))
                    .col(big_integer_null(Projects::FinancingNeedEur))
                    .col(string_len_null(Projects::Siret, 14))
                    .col(date_null(Projects::CreatedOn))
                    .col(string_len_null(Projects::LegalForm, 16))
                    .col(integer(Projects::Version).default(1))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_projects_holder",
                        (Projects::Table, Projects::HolderId),
                        (Holders::Table, Holders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_projects_holder",
            Projects::Table,
            vec![Projects::HolderId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PathwayEvents::Table)
                    .col(big_pk_auto(PathwayEvents::Id))
                    .col(big_integer(PathwayEvents::HolderId))
                    .col(big_integer(PathwayEvents::OrganisationId))
                    .col(big_integer(PathwayEvents::UserId))
                    .col(string_len(PathwayEvents::Kind, 16))
                    .col(string_len_null(PathwayEvents::FromStage, 32))
                    .col(string_len(PathwayEvents::ToStage, 32))
                    .col(string_len_null(PathwayEvents::Outcome, 32))
                    .col(string_len_null(PathwayEvents::Reason, 500))
                    .col(string_len_null(PathwayEvents::Siret, 14))
                    .col(timestamp_with_time_zone(PathwayEvents::OccurredAt))
                    .foreign_key(&mut fk(
                        "fk_pathway_holder",
                        (PathwayEvents::Table, PathwayEvents::HolderId),
                        (Holders::Table, Holders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_pathway_org",
                        (PathwayEvents::Table, PathwayEvents::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_pathway_user",
                        (PathwayEvents::Table, PathwayEvents::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // "Who entered accompagnement between two dates" is one range scan.
        index(
            manager,
            "idx_pathway_kind_stage_at",
            PathwayEvents::Table,
            vec![
                PathwayEvents::ToStage.into_iden(),
                PathwayEvents::Kind.into_iden(),
                PathwayEvents::OccurredAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_pathway_outcome_at",
            PathwayEvents::Table,
            vec![
                PathwayEvents::Outcome.into_iden(),
                PathwayEvents::OccurredAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_pathway_holder_at",
            PathwayEvents::Table,
            vec![
                PathwayEvents::HolderId.into_iden(),
                PathwayEvents::OccurredAt.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(big_pk_auto(Contacts::Id))
                    .col(big_integer(Contacts::HolderId))
                    .col(big_integer(Contacts::OrganisationId))
                    .col(big_integer(Contacts::UserId))
                    .col(string_len(Contacts::Kind, 16))
                    .col(timestamp_with_time_zone(Contacts::OccurredAt))
                    .col(integer_null(Contacts::DurationMinutes))
                    .col(string_len(Contacts::Topics, 400))
                    .col(text_null(Contacts::Notes))
                    .col(string_len_null(Contacts::NextAction, 300))
                    .col(date_null(Contacts::NextActionDue))
                    .col(timestamp_with_time_zone_null(Contacts::NextActionDoneAt))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_contacts_holder",
                        (Contacts::Table, Contacts::HolderId),
                        (Holders::Table, Holders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_contacts_org",
                        (Contacts::Table, Contacts::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_contacts_user",
                        (Contacts::Table, Contacts::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_contacts_holder_at",
            Contacts::Table,
            vec![
                Contacts::HolderId.into_iden(),
                Contacts::OccurredAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_contacts_followups",
            Contacts::Table,
            vec![
                Contacts::UserId.into_iden(),
                Contacts::NextActionDoneAt.into_iden(),
                Contacts::NextActionDue.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_contacts_org_at",
            Contacts::Table,
            vec![
                Contacts::OrganisationId.into_iden(),
                Contacts::OccurredAt.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(big_pk_auto(Consents::Id))
                    .col(big_integer(Consents::HolderId))
                    .col(string_len(Consents::Purpose, 32))
                    .col(boolean(Consents::Given))
                    .col(timestamp_with_time_zone(Consents::RecordedAt))
                    .col(big_integer(Consents::RecordedBy))
                    .foreign_key(&mut fk(
                        "fk_consents_holder",
                        (Consents::Table, Consents::HolderId),
                        (Holders::Table, Holders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consents_user",
                        (Consents::Table, Consents::RecordedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consents_holder",
            Consents::Table,
            vec![
                Consents::HolderId.into_iden(),
                Consents::Purpose.into_iden(),
                Consents::Id.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(big_pk_auto(AuditEntries::Id))
                    .col(timestamp_with_time_zone(AuditEntries::OccurredAt))
                    .col(big_integer(AuditEntries::UserId))
                    .col(big_integer(AuditEntries::OrganisationId))
                    .col(string_len(AuditEntries::Action, 48))
                    .col(big_integer(AuditEntries::HolderId))
                    .col(string_len_null(AuditEntries::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_holder_at",
            AuditEntries::Table,
            vec![
                AuditEntries::HolderId.into_iden(),
                AuditEntries::OccurredAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_audit_user_at",
            AuditEntries::Table,
            vec![
                AuditEntries::UserId.into_iden(),
                AuditEntries::OccurredAt.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEntries::Table.into_iden(),
            Consents::Table.into_iden(),
            Contacts::Table.into_iden(),
            PathwayEvents::Table.into_iden(),
            Projects::Table.into_iden(),
            Holders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
