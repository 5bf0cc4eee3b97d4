//! The partner directory (services), referrals with their history, and the e-mail outbox.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    OrganisationId,
    Name,
    Description,
    Stage,
    Needs,
    Publics,
    Sectors,
    FinancingMinEur,
    FinancingMaxEur,
    Places,
    Contact,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    HolderId,
    FromOrganisationId,
    FromUserId,
    ToOrganisationId,
    ServiceId,
    Need,
    Message,
    Status,
    DeclineReason,
    DeclineText,
    Outcome,
    SentAt,
    AnsweredAt,
    ClosedAt,
    LastRemindedAt,
    RemindersSent,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReferralEvents {
    Table,
    Id,
    ReferralId,
    Action,
    FromStatus,
    ToStatus,
    UserId,
    Reason,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    MessageId,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    SentAt,
    FailedAt,
    LastError,
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
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(big_pk_auto(Services::Id))
                    .col(big_integer(Services::OrganisationId))
                    .col(string_len(Services::Name, 200))
                    .col(text(Services::Description))
                    .col(string_len(Services::Stage, 32))
                    .col(string_len(Services::Needs, 300))
                    .col(string_len(Services::Publics, 300))
                    .col(string_len(Services::Sectors, 300))
                    .col(big_integer_null(Services::FinancingMinEur))
                    .col(big_integer_null(Services::FinancingMaxEur))
                    .col(integer_null(Services::Places))
                    .col(string_len_null(Services::Contact, 300))
                    .col(boolean(Services::Active).default(true))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_services_org")
                            .from(Services::Table, Services::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_services_org",
            Services::Table,
            vec![
                Services::OrganisationId.into_iden(),
                Services::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_services_stage",
            Services::Table,
            vec![Services::Stage.into_iden(), Services::Id.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Referrals::Table)
                    .col(big_pk_auto(Referrals::Id))
                    .col(big_integer(Referrals::HolderId))
                    .col(big_integer(Referrals::FromOrganisationId))
                    .col(big_integer(Referrals::FromUserId))
                    .col(big_integer(Referrals::ToOrganisationId))
                    .col(big_integer_null(Referrals::ServiceId))
                    .col(string_len(Referrals::Need, 500))
                    .col(text_null(Referrals::Message))
                    .col(string_len(Referrals::Status, 16))
                    .col(string_len_null(Referrals::DeclineReason, 32))
                    .col(string_len_null(Referrals::DeclineText, 500))
                    .col(string_len_null(Referrals::Outcome, 32))
                    .col(timestamp_with_time_zone(Referrals::SentAt))
                    .col(timestamp_with_time_zone_null(Referrals::AnsweredAt))
                    .col(timestamp_with_time_zone_null(Referrals::ClosedAt))
                    .col(timestamp_with_time_zone_null(Referrals::LastRemindedAt))
                    .col(integer(Referrals::RemindersSent).default(0))
                    .col(timestamp_with_time_zone(Referrals::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_referrals_holder")
                            .from(Referrals::Table, Referrals::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_referrals_from_org")
                            .from(Referrals::Table, Referrals::FromOrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_referrals_to_org")
                            .from(Referrals::Table, Referrals::ToOrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_referrals_from_user")
                            .from(Referrals::Table, Referrals::FromUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_referrals_service")
                            .from(Referrals::Table, Referrals::ServiceId)
                            .to(Services::Table, Services::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_referrals_inbox",
            Referrals::Table,
            vec![
                Referrals::ToOrganisationId.into_iden(),
                Referrals::Status.into_iden(),
                Referrals::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_referrals_outbox",
            Referrals::Table,
            vec![
                Referrals::FromOrganisationId.into_iden(),
                Referrals::Status.into_iden(),
                Referrals::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_referrals_status_sent",
            Referrals::Table,
            vec![Referrals::Status.into_iden(), Referrals::SentAt.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_referrals_holder",
            Referrals::Table,
            vec![
                Referrals::HolderId.into_iden(),
                Referrals::ToOrganisationId.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReferralEvents::Table)
                    .col(big_pk_auto(ReferralEvents::Id))
                    .col(big_integer(ReferralEvents::ReferralId))
                    .col(string_len(ReferralEvents::Action, 16))
                    .col(string_len_null(ReferralEvents::FromStatus, 16))
                    .col(string_len(ReferralEvents::ToStatus, 16))
                    .col(big_integer_null(ReferralEvents::UserId))
                    .col(string_len_null(ReferralEvents::Reason, 600))
                    .col(timestamp_with_time_zone(ReferralEvents::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_referral_events_referral")
                            .from(ReferralEvents::Table, ReferralEvents::ReferralId)
                            .to(Referrals::Table, Referrals::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_referral_events_referral",
            ReferralEvents::Table,
            vec![
                ReferralEvents::ReferralId.into_iden(),
                ReferralEvents::Id.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Kind, 48))
                    .col(string_len(Outbox::Recipient, 254))
                    .col(string_len(Outbox::Subject, 300))
                    .col(text(Outbox::TextBody))
                    .col(text(Outbox::HtmlBody))
                    .col(string_len_uniq(Outbox::MessageId, 200))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(timestamp_with_time_zone_null(Outbox::FailedAt))
                    .col(string_len_null(Outbox::LastError, 500))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_outbox_pending",
            Outbox::Table,
            vec![
                Outbox::SentAt.into_iden(),
                Outbox::FailedAt.into_iden(),
                Outbox::NextAttemptAt.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            ReferralEvents::Table.into_iden(),
            Referrals::Table.into_iden(),
            Services::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
