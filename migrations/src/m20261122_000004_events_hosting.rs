//! Awareness events with their attendance, and hosting: spaces, units and agreements.
//! A unit cannot be booked twice for overlapping dates: the database refuses it (an
//! exclusion constraint on PostgreSQL, triggers on SQLite), so two racing requests
//! cannot both win.

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
enum Holders {
    Table,
    Id,
    SourceEventId,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    OrganisationId,
    Kind,
    Title,
    HeldOn,
    Place,
    QpvCode,
    HeadcountTotal,
    HeadcountWomen,
    HeadcountUnder26,
    HeadcountQpv,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventPartners {
    Table,
    EventId,
    OrganisationId,
}

#[derive(DeriveIden)]
enum EventAttendees {
    Table,
    EventId,
    HolderId,
    RegisteredAt,
    NewHolder,
}

#[derive(DeriveIden)]
enum Spaces {
    Table,
    Id,
    OrganisationId,
    Name,
    Address,
    QpvCode,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    SpaceId,
    Kind,
    Label,
    AreaM2,
    MonthlyRentEur,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HostingAgreements {
    Table,
    Id,
    UnitId,
    HolderId,
    ProjectId,
    OrganisationId,
    StartDate,
    PlannedEnd,
    ActualEnd,
    Renewals,
    MonthlyRentEur,
    EndReason,
    CreatedBy,
    CreatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(big_integer(Events::OrganisationId))
                    .col(string_len(Events::Kind, 32))
                    .col(string_len(Events::Title, 200))
                    .col(date(Events::HeldOn))
                    .col(string_len_null(Events::Place, 300))
                    .col(string_len_null(Events::QpvCode, 16))
                    .col(integer(Events::HeadcountTotal).default(0))
                    .col(integer(Events::HeadcountWomen).default(0))
                    .col(integer(Events::HeadcountUnder26).default(0))
                    .col(integer(Events::HeadcountQpv).default(0))
                    .col(big_integer(Events::CreatedBy))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_events_org",
                        (Events::Table, Events::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_events_org_held",
            Events::Table,
            vec![
                Events::OrganisationId.into_iden(),
                Events::HeldOn.into_iden(),
                Events::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_events_held",
            Events::Table,
            vec![Events::HeldOn.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventPartners::Table)
                    .col(big_integer(EventPartners::EventId))
                    .col(big_integer(EventPartners::OrganisationId))
                    .primary_key(
                        Index::create()
                            .col(EventPartners::EventId)
                            .col(EventPartners::OrganisationId),
                    )
                    .foreign_key(&mut fk(
                        "fk_event_partners_event",
                        (EventPartners::Table, EventPartners::EventId),
                        (Events::Table, Events::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_event_partners_org",
                        (EventPartners::Table, EventPartners::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_event_partners_org",
            EventPartners::Table,
            vec![EventPartners::OrganisationId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventAttendees::Table)
                    .col(big_integer(EventAttendees::EventId))
                    .col(big_integer(EventAttendees::HolderId))
                    .col(timestamp_with_time_zone(EventAttendees::RegisteredAt))
                    .col(boolean(EventAttendees::NewHolder).default(false))
                    .primary_key(
                        Index::create()
                            .col(EventAttendees::EventId)
                            .col(EventAttendees::HolderId),
                    )
                    .foreign_key(&mut fk(
                        "fk_event_attendees_event",
                        (EventAttendees::Table, EventAttendees::EventId),
                        (Events::Table, Events::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_event_attendees_holder",
                        (EventAttendees::Table, EventAttendees::HolderId),
                        (Holders::Table, Holders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_event_attendees_holder",
            EventAttendees::Table,
            vec![EventAttendees::HolderId.into_iden()],
        )
        .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Holders::Table)
                    .add_column(big_integer_null(Holders::SourceEventId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Spaces::Table)
                    .col(big_pk_auto(Spaces::Id))
                    .col(big_integer(Spaces::OrganisationId))
                    .col(string_len(Spaces::Name, 200))
                    .col(string_len_null(Spaces::Address, 300))
                    .col(string_len_null(Spaces::QpvCode, 16))
                    .col(timestamp_with_time_zone(Spaces::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_spaces_org",
                        (Spaces::Table, Spaces::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_spaces_org",
            Spaces::Table,
            vec![Spaces::OrganisationId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(big_pk_auto(Units::Id))
                    .col(big_integer(Units::SpaceId))
                    .col(string_len(Units::Kind, 32))
                    .col(string_len(Units::Label, 100))
                    .col(integer_null(Units::AreaM2))
                    .col(big_integer(Units::MonthlyRentEur))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_units_space",
                        (Units::Table, Units::SpaceId),
                        (Spaces::Table, Spaces::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_units_space",
            Units::Table,
            vec![Units::SpaceId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(HostingAgreements::Table)
                    .col(big_pk_auto(HostingAgreements::Id))
                    .col(big_integer(HostingAgreements::UnitId))
                    .col(big_integer(HostingAgreements::HolderId))
                    .col(big_integer_null(HostingAgreements::ProjectId))
                    .col(big_integer(HostingAgreements::OrganisationId))
                    .col(date(HostingAgreements::StartDate))
                    .col(date(HostingAgreements::PlannedEnd))
                    .col(date_null(HostingAgreements::ActualEnd))
                    .col(integer(HostingAgreements::Renewals).default(0))
                    .col(big_integer(HostingAgreements::MonthlyRentEur))
                    .col(string_len_null(HostingAgreements::EndReason, 32))
                    .col(big_integer(HostingAgreements::CreatedBy))
                    .col(timestamp_with_time_zone(HostingAgreements::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_hosting_unit",
                        (HostingAgreements::Table, HostingAgreements::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_hosting_holder",
                        (HostingAgreements::Table, HostingAgreements::HolderId),
                        (Holders::Table, Holders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_hosting_project",
                        (HostingAgreements::Table, HostingAgreements::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_hosting_org",
                        (HostingAgreements::Table, HostingAgreements::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_hosting_unit_start",
            HostingAgreements::Table,
            vec![
                HostingAgreements::UnitId.into_iden(),
                HostingAgreements::StartDate.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_hosting_holder",
            HostingAgreements::Table,
            vec![HostingAgreements::HolderId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_hosting_org_end",
            HostingAgreements::Table,
            vec![
                HostingAgreements::OrganisationId.into_iden(),
                HostingAgreements::PlannedEnd.into_iden(),
            ],
        )
        .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // A unit id as a one-point range, so that GiST's range operators do it all.
                db.execute_unprepared(
                    "ALTER TABLE hosting_agreements ADD CONSTRAINT hosting_no_overlap EXCLUDE USING gist (
                        int8range(unit_id, unit_id, '[]') WITH =,
                        daterange(start_date, COALESCE(actual_end, planned_end), '[)') WITH &&
                    )",
                )
                .await?;
            }
            _ => {
                for (event, exclude_self) in [("INSERT", ""), ("UPDATE", "AND h.id <> NEW.id")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER hosting_no_overlap_{} BEFORE {event} ON hosting_agreements
                         BEGIN
                           SELECT RAISE(ABORT, 'hosting_no_overlap')
                           WHERE EXISTS (
                             SELECT 1 FROM hosting_agreements h
                             WHERE h.unit_id = NEW.unit_id {exclude_self}
                               AND h.start_date < COALESCE(NEW.actual_end, NEW.planned_end)
                               AND NEW.start_date < COALESCE(h.actual_end, h.planned_end)
                           );
                         END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HostingAgreements::Table.into_iden(),
            Units::Table.into_iden(),
            Spaces::Table.into_iden(),
            EventAttendees::Table.into_iden(),
            EventPartners::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Holders::Table)
                    .drop_column(Holders::SourceEventId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
