//! Holders (porteurs de projet) and their pathway.

use crate::entities::{holders, pathway_events};
use crate::unique::Unique;
use crate::words::{optional, word};
use crate::{Result, keyset};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::access::{Change, Record};
use parcours_domain::holders::{EducationLevel, Gender, QpvStatus, QpvStatusSource, Situation};
use parcours_domain::pathway::{Outcome, Pathway, PathwayEvent, PathwayEventKind, Stage};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub mod imports;
pub mod merge;

const TABLE: &str = "holders";

/// A holder as stored, with the domain's words.
#[derive(Clone, PartialEq, Eq)]
pub struct Holder {
    pub id: i64,
    pub referent_organisation_id: i64,
    pub referent_user_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    /// Search key, last name first: the list's order.
    pub sort_key: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    pub qpv_code: Option<String>,
    pub qpv_status: QpvStatus,
    pub qpv_status_source: QpvStatusSource,
    pub situation: Option<Situation>,
    pub education_level: Option<EducationLevel>,
    pub stage: Stage,
    pub stage_entered_at: DateTime<Utc>,
    /// Set once the pathway is closed.
    pub outcome: Option<Outcome>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The awareness event where the person was first met, if any.
    pub source_event_id: Option<i64>,
    /// When the file was anonymised (retention or erasure): nothing identifies the
    /// person any more.
    pub anonymised_at: Option<DateTime<Utc>>,
    /// When the daily job anonymises the file whatever its activity: the person
    /// withdrew their consent to be followed.
    pub anonymise_from: Option<DateTime<Utc>>,
}

impl Holder {
    /// « Prénom Nom », as the person is named on a page.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Ids and stage only: a holder's identity never reaches logs.
impl std::fmt::Debug for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Holder")
            .field("id", &self.id)
            .field("referent_organisation_id", &self.referent_organisation_id)
            .field("stage", &self.stage)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Holder {
    pub fn pathway(&self) -> Pathway {
        Pathway {
            stage: self.stage,
            outcome: self.outcome,
        }
    }
}

impl TryFrom<holders::Model> for Holder {
    type Error = crate::PersistenceError;

    fn try_from(m: holders::Model) -> Result<Self> {
        Ok(Self {
            gender: optional(TABLE, "gender", m.gender.as_deref())?,
            qpv_status: word(TABLE, "qpv_status", &m.qpv_status)?,
            qpv_status_source: word(TABLE, "qpv_status_source", &m.qpv_status_source)?,
            situation: optional(TABLE, "situation", m.situation.as_deref())?,
            education_level: optional(TABLE, "education_level", m.education_level.as_deref())?,
            stage: word(TABLE, "stage", &m.stage)?,
            outcome: optional(TABLE, "outcome", m.outcome.as_deref())?,
            id: m.id,
            referent_organisation_id: m.referent_organisation_id,
            referent_user_id: m.referent_user_id,
            first_name: m.first_name,
            last_name: m.last_name,
            sort_key: m.sort_key,
            birth_date: m.birth_date,
            email: m.email,
            phone: m.phone,
            address: m.address,
            postal_code: m.postal_code,
            commune_insee: m.commune_insee,
            qpv_code: m.qpv_code,
            stage_entered_at: m.stage_entered_at,
            closed_at: m.closed_at,
            version: m.version,
            created_by: m.created_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
            source_event_id: m.source_event_id,
            anonymised_at: m.anonymised_at,
            anonymise_from: m.anonymise_from,
        })
    }
}

/// Rows into records.
pub(crate) fn records(rows: Vec<holders::Model>) -> Result<Vec<Holder>> {
    rows.into_iter().map(Holder::try_from).collect()
}

/// The personal fields of a holder, validated by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct HolderFields {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    pub qpv_code: Option<String>,
    pub qpv_status: QpvStatus,
    pub qpv_status_source: QpvStatusSource,
    pub situation: Option<Situation>,
    pub education_level: Option<EducationLevel>,
    pub referent_user_id: Option<i64>,
}

parcours_domain::redacted_debug!(HolderFields {
    qpv_status,
    qpv_status_source,
    referent_user_id
});

impl HolderFields {
    /// A name and nothing else known.
    pub fn named(first_name: String, last_name: String) -> Self {
        Self {
            first_name,
            last_name,
            birth_date: None,
            gender: None,
            email: None,
            phone: None,
            address: None,
            postal_code: None,
            commune_insee: None,
            qpv_code: None,
            qpv_status: QpvStatus::Unknown,
            qpv_status_source: QpvStatusSource::NotSet,
            situation: None,
            education_level: None,
            referent_user_id: None,
        }
    }
}

/// The (last-first, first-last) search keys of a name.
pub fn keys_of(last_name: &str, first_name: &str) -> (String, String) {
    use parcours_domain::holders::search_key;
    (
        search_key(&format!("{last_name} {first_name}")),
        search_key(&format!("{first_name} {last_name}")),
    )
}

fn apply(active: &mut holders::ActiveModel, fields: HolderFields) {
    let (sort_key, first_name_key) = keys_of(&fields.last_name, &fields.first_name);
    active.sort_key = Set(sort_key);
    active.first_name_key = Set(first_name_key);
    active.first_name = Set(fields.first_name);
    active.last_name = Set(fields.last_name);
    active.birth_date = Set(fields.birth_date);
    active.gender = Set(fields.gender.map(|g| g.as_str().to_owned()));
    active.email = Set(fields.email);
    active.phone = Set(fields.phone);
    active.address = Set(fields.address);
    active.postal_code = Set(fields.postal_code);
    active.commune_insee = Set(fields.commune_insee);
    active.qpv_code = Set(fields.qpv_code);
    active.qpv_status = Set(fields.qpv_status.as_str().to_owned());
    active.qpv_status_source = Set(fields.qpv_status_source.as_str().to_owned());
    active.situation = Set(fields.situation.map(|s| s.as_str().to_owned()));
    active.education_level = Set(fields.education_level.map(|e| e.as_str().to_owned()));
    active.referent_user_id = Set(fields.referent_user_id);
}

/// Creates a holder followed by `organisation_id` and records their entry into the
/// pathway, optionally as met at an awareness event.
pub async fn create(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
    fields: HolderFields,
    entry: &PathwayEvent,
    source_event_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Holder> {
    let new = NewHolder {
        organisation_id,
        user_id,
        entered_at: now,
        source_event_id,
        external_ref: None,
    };
    create_entered(conn, &new, fields, entry, now).await
}

/// Who registers a holder, for whom, and when the person entered the pathway (earlier
/// than the registration when a file kept elsewhere is brought in).
#[derive(Clone, Copy, Debug)]
pub struct NewHolder<'a> {
    pub organisation_id: i64,
    pub user_id: i64,
    pub entered_at: DateTime<Utc>,
    pub source_event_id: Option<i64>,
    /// The file's reference in the organisation's former tool (an import's « N°
    /// dossier »), by which a later import finds it again.
    pub external_ref: Option<&'a str>,
}

/// [`create`], the entry into the pathway dated `new.entered_at`.
pub async fn create_entered(
    conn: &impl ConnectionTrait,
    new: &NewHolder<'_>,
    fields: HolderFields,
    entry: &PathwayEvent,
    now: DateTime<Utc>,
) -> Result<Holder> {
    let holder = insert_entered(conn, new, fields, entry, now).await?;
    record_event(conn, &holder, new.user_id, entry, None, new.entered_at).await?;
    Ok(holder)
}

/// A new file's first step, kept to be written with others by [`record_entries`].
pub struct PendingEntry(pathway_events::ActiveModel);

/// [`create_entered`] but its first step, returned for [`record_entries`] to write in
/// the same transaction with others: an import writes all its new files' first steps
/// in a few statements. Nothing may read the file's steps before they are written.
pub async fn create_entered_deferring(
    conn: &impl ConnectionTrait,
    new: &NewHolder<'_>,
    fields: HolderFields,
    entry: &PathwayEvent,
    now: DateTime<Utc>,
) -> Result<(Holder, PendingEntry)> {
    let holder = insert_entered(conn, new, fields, entry, now).await?;
    let pending = event_model(&holder, new.user_id, entry, None, new.entered_at, None);
    Ok((holder, PendingEntry(pending)))
}

/// Writes the first steps kept by [`create_entered_deferring`], a few hundred per
/// statement.
pub async fn record_entries(conn: &impl ConnectionTrait, entries: Vec<PendingEntry>) -> Result<()> {
    let mut entries = entries.into_iter().map(|e| e.0).peekable();
    while entries.peek().is_some() {
        let chunk: Vec<_> = entries.by_ref().take(500).collect();
        pathway_events::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The file's row, as [`create_entered`] writes it.
async fn insert_entered(
    conn: &impl ConnectionTrait,
    new: &NewHolder<'_>,
    fields: HolderFields,
    entry: &PathwayEvent,
    now: DateTime<Utc>,
) -> Result<Holder> {
    let NewHolder {
        organisation_id,
        user_id,
        entered_at,
        source_event_id,
        external_ref,
    } = *new;
    let mut active = holders::ActiveModel {
        referent_organisation_id: Set(organisation_id),
        stage: Set(entry.to.as_str().to_owned()),
        stage_entered_at: Set(entered_at),
        outcome: Set(None),
        closed_at: Set(None),
        version: Set(1),
        created_by: Set(user_id),
        created_at: Set(now),
        updated_at: Set(now),
        source_event_id: Set(source_event_id),
        external_ref: Set(external_ref.map(str::to_owned)),
        ..Default::default()
    };
    apply(&mut active, fields);
    // One statement on PostgreSQL (INSERT … RETURNING); SQLite reads the row back.
    Holder::try_from(
        holders::Entity::insert(active)
            .exec_with_returning(conn)
            .await?,
    )
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Holder>> {
    holders::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Holder::try_from)
        .transpose()
}

/// A holder, its row locked until the transaction ends (PostgreSQL; SQLite serialises
/// writers anyway): changes to one person's file are made one after the other, so a
/// rule checked on the file (a consent, a live referral) still holds at commit.
pub async fn get_for_update(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Holder>> {
    let mut select = holders::Entity::find_by_id(id);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.unique(conn).await?.map(Holder::try_from).transpose()
}

/// Holders by id (those that exist), in no particular order.
pub async fn get_many(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Holder>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    records(
        holders::Entity::find()
            .filter(holders::Column::Id.is_in(ids.to_vec()))
            .all(conn)
            .await?,
    )
}

/// Replaces the personal fields if the holder is still at `version`; `None` when someone
/// changed it in between.
pub async fn update(
    conn: &impl ConnectionTrait,
    change: &Change,
    version: i32,
    fields: HolderFields,
    now: DateTime<Utc>,
) -> Result<Option<Holder>> {
    let id = change.holder_id();
    let mut active = holders::ActiveModel {
        version: Set(version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let updated = holders::Entity::update_many()
        .set(active)
        .filter(holders::Column::Id.eq(id))
        .filter(holders::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    get(conn, id).await
}

/// On whose authority a pathway event is recorded.
#[derive(Clone, Copy, Debug)]
pub enum Authority<'a> {
    /// The référent organisation moves, closes and reopens the pathway.
    Referent(&'a Change),
    /// A host recording an agreement moves the person to hébergement.
    Host(&'a Record),
}

impl Authority<'_> {
    fn holder_id(&self) -> i64 {
        match self {
            Self::Referent(change) => change.holder_id(),
            Self::Host(record) => record.holder_id(),
        }
    }
}

/// Applies a pathway event to the holder as read (stage, outcome) and stores it in the
/// history; `None` when the holder changed since it was read. Bumps the version, so an
/// edit based on an older read is refused.
pub async fn apply_event(
    conn: &impl ConnectionTrait,
    authority: Authority<'_>,
    holder: &Holder,
    user_id: i64,
    event: &PathwayEvent,
    siret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Holder>> {
    apply_event_at(conn, authority, holder, user_id, event, siret, now, now).await
}

/// [`apply_event`] for a step that happened at `occurred_at`, before `now` (a business
/// created years ago, brought in from a spreadsheet): the step and the stage or the
/// closing are dated when they happened, the record's change now.
#[expect(
    clippy::too_many_arguments,
    reason = "apply_event's arguments and the time the step happened"
)]
pub async fn apply_event_at(
    conn: &impl ConnectionTrait,
    authority: Authority<'_>,
    holder: &Holder,
    user_id: i64,
    event: &PathwayEvent,
    siret: Option<&str>,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Holder>> {
    if authority.holder_id() != holder.id {
        return Err(crate::PersistenceError::NotFound);
    }
    let mut update = holders::Entity::update_many()
        .col_expr(
            holders::Column::Version,
            Expr::col(holders::Column::Version).add(1),
        )
        .col_expr(holders::Column::UpdatedAt, now.into())
        .filter(holders::Column::Id.eq(holder.id))
        .filter(holders::Column::Version.eq(holder.version));
    update = match event.kind {
        PathwayEventKind::Entry | PathwayEventKind::Move => update
            .col_expr(holders::Column::Stage, event.to.as_str().into())
            .col_expr(holders::Column::StageEnteredAt, occurred_at.into()),
        PathwayEventKind::Close => update
            .col_expr(
                holders::Column::Outcome,
                event.outcome.map(|o| o.as_str().to_owned()).into(),
            )
            .col_expr(holders::Column::ClosedAt, Some(occurred_at).into()),
        PathwayEventKind::Reopen => update
            .col_expr(holders::Column::Outcome, Option::<String>::None.into())
            .col_expr(
                holders::Column::ClosedAt,
                Option::<DateTime<Utc>>::None.into(),
            ),
    };
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    record_event(conn, holder, user_id, event, siret, occurred_at).await?;
    get(conn, holder.id).await
}

async fn record_event(
    conn: &impl ConnectionTrait,
    holder: &Holder,
    user_id: i64,
    event: &PathwayEvent,
    siret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    // A move or a closing ends the stay that the holder's previous event began.
    let stay_started_at = match event.kind {
        PathwayEventKind::Move | PathwayEventKind::Close => {
            pathway_events::Entity::find()
                .select_only()
                .column(pathway_events::Column::OccurredAt)
                .filter(pathway_events::Column::HolderId.eq(holder.id))
                .order_by_desc(pathway_events::Column::OccurredAt)
                .order_by_desc(pathway_events::Column::Id)
                .limit(1)
                .into_tuple::<DateTime<Utc>>()
                .one(conn)
                .await?
        }
        PathwayEventKind::Entry | PathwayEventKind::Reopen => None,
    };
    pathway_events::Entity::insert(event_model(
        holder,
        user_id,
        event,
        siret,
        now,
        stay_started_at,
    ))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

fn event_model(
    holder: &Holder,
    user_id: i64,
    event: &PathwayEvent,
    siret: Option<&str>,
    occurred_at: DateTime<Utc>,
    stay_started_at: Option<DateTime<Utc>>,
) -> pathway_events::ActiveModel {
    pathway_events::ActiveModel {
        holder_id: Set(holder.id),
        organisation_id: Set(holder.referent_organisation_id),
        user_id: Set(user_id),
        kind: Set(event.kind.as_str().to_owned()),
        from_stage: Set(event.from.map(|s| s.as_str().to_owned())),
        to_stage: Set(event.to.as_str().to_owned()),
        outcome: Set(event.outcome.map(|o| o.as_str().to_owned())),
        reason: Set(event.reason.clone()),
        siret: Set(siret.map(str::to_owned)),
        occurred_at: Set(occurred_at),
        stay_started_at: Set(stay_started_at),
        ..Default::default()
    }
}

/// One recorded step of a pathway (entry, move, closing, reopening).
#[derive(Clone, PartialEq, Eq)]
pub struct PathwayStep {
    pub id: i64,
    pub holder_id: i64,
    pub user_id: i64,
    pub kind: PathwayEventKind,
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

parcours_domain::redacted_debug!(PathwayStep {
    id,
    holder_id,
    kind,
    from_stage,
    to_stage,
    outcome,
    occurred_at
});

/// Every step of a holder's pathway, oldest first: the track a file page draws.
pub async fn pathway_steps(
    conn: &impl ConnectionTrait,
    read: &parcours_domain::access::Read,
) -> Result<Vec<PathwayStep>> {
    pathway_events::Entity::find()
        .filter(pathway_events::Column::HolderId.eq(read.holder_id()))
        .order_by_asc(pathway_events::Column::OccurredAt)
        .order_by_asc(pathway_events::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(PathwayStep::try_from)
        .collect()
}

impl TryFrom<pathway_events::Model> for PathwayStep {
    type Error = crate::PersistenceError;

    fn try_from(m: pathway_events::Model) -> Result<Self> {
        const EVENTS: &str = "pathway_events";
        Ok(Self {
            kind: word(EVENTS, "kind", &m.kind)?,
            from_stage: optional(EVENTS, "from_stage", m.from_stage.as_deref())?,
            to_stage: word(EVENTS, "to_stage", &m.to_stage)?,
            outcome: optional(EVENTS, "outcome", m.outcome.as_deref())?,
            id: m.id,
            holder_id: m.holder_id,
            user_id: m.user_id,
            reason: m.reason,
            occurred_at: m.occurred_at,
        })
    }
}

/// Filters and position for a page of one organisation's holders, in name order.
#[derive(Clone, Debug, Default)]
pub struct HolderQuery {
    pub organisation_id: i64,
    /// A search key (see `search_key`): matches the start of the last or the first name.
    pub q: Option<String>,
    pub stage: Option<Stage>,
    pub qpv_code: Option<String>,
    pub referent_user_id: Option<i64>,
    /// Only open pathways with no contact since then (people slipping away).
    pub no_contact_since: Option<DateTime<Utc>>,
    /// (sort key, id) of the last row of the previous page.
    pub after: Option<(String, i64)>,
    pub limit: u64,
}

/// The upper bound of a prefix range: every string starting with `prefix` sorts below it.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// One page and whether more follow. Every filter is served by an index that starts
/// with the organisation, and the page starts where the last one ended, so the cost does
/// not grow with the depth of the page.
pub async fn list(conn: &impl ConnectionTrait, query: &HolderQuery) -> Result<(Vec<Holder>, bool)> {
    let rows = records(list_select(query).all(conn).await?)?;
    Ok(keyset::page(rows, query.limit))
}

/// The SQL of [`list`], for checking its plan.
pub fn list_sql(backend: sea_orm::DbBackend, query: &HolderQuery) -> String {
    use sea_orm::QueryTrait;
    list_select(query).build(backend).to_string()
}

/// An organisation's holders who may be the person described by `fields`: the same name
/// and birth date, or the same phone, or the same e-mail; a few at most.
pub async fn possible_duplicates(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    fields: &HolderFields,
    limit: u64,
) -> Result<Vec<Holder>> {
    let mut any = Condition::any();
    if let Some(born) = fields.birth_date {
        let (sort_key, _) = keys_of(&fields.last_name, &fields.first_name);
        any = any.add(
            Condition::all()
                .add(holders::Column::SortKey.eq(sort_key))
                .add(holders::Column::BirthDate.eq(born)),
        );
    }
    if let Some(phone) = &fields.phone {
        any = any.add(holders::Column::Phone.eq(phone.as_str()));
    }
    if let Some(email) = &fields.email {
        any = any.add(holders::Column::Email.eq(email.as_str()));
    }
    if any.is_empty() {
        return Ok(Vec::new());
    }
    records(
        holders::Entity::find()
            .filter(holders::Column::ReferentOrganisationId.eq(organisation_id))
            .filter(any)
            .order_by_asc(holders::Column::SortKey)
            .order_by_asc(holders::Column::Id)
            .limit(limit)
            .all(conn)
            .await?,
    )
}

/// The organisation's holder with this reference from its former tool, if any.
pub async fn find_by_external_ref(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    reference: &str,
) -> Result<Option<Holder>> {
    holders::Entity::find()
        .filter(holders::Column::ReferentOrganisationId.eq(organisation_id))
        .filter(holders::Column::ExternalRef.eq(reference))
        .one(conn)
        .await?
        .map(Holder::try_from)
        .transpose()
}

/// An organisation's holders with exactly this name (accents and case aside): when a
/// line gives nothing else, the name is all there is to recognise someone by.
pub async fn same_name(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    last_name: &str,
    first_name: &str,
    limit: u64,
) -> Result<Vec<Holder>> {
    let (sort_key, _) = keys_of(last_name, first_name);
    records(
        holders::Entity::find()
            .filter(holders::Column::ReferentOrganisationId.eq(organisation_id))
            .filter(holders::Column::SortKey.eq(sort_key))
            .order_by_asc(holders::Column::Id)
            .limit(limit)
            .all(conn)
            .await?,
    )
}

/// How many holders the filters of `query` match, whatever the page.
pub async fn count(conn: &impl ConnectionTrait, query: &HolderQuery) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(query).count(conn).await?)
}

fn list_select(query: &HolderQuery) -> sea_orm::Select<holders::Entity> {
    let mut select = filtered(query);
    if let Some((key, id)) = &query.after {
        select = select.filter(keyset::after(
            holders::Column::SortKey,
            holders::Column::Id,
            (key.as_str(), *id),
        ));
    }
    let searching = query.q.as_deref().is_some_and(|q| !q.is_empty());
    if searching {
        // A search reads its matches through the two name indexes and sorts them: a
        // few hundred rows at most. Ordered by the bare column, SQLite would rather
        // walk the organisation's whole list in name order until a page of matches
        // turns up, which for names late in the alphabet is most of the list. The
        // expression keeps the same order (and collation) without offering the index.
        select
            .order_by(
                Expr::cust("\"holders\".\"sort_key\" || ''"),
                sea_orm::Order::Asc,
            )
            .order_by_asc(holders::Column::Id)
            .limit(query.limit + 1)
    } else {
        select
            .order_by_asc(holders::Column::SortKey)
            .order_by_asc(holders::Column::Id)
            .limit(query.limit + 1)
    }
}

/// The organisation's holders that the filters match, in no order.
fn filtered(query: &HolderQuery) -> sea_orm::Select<holders::Entity> {
    let mut select = holders::Entity::find()
        .filter(holders::Column::ReferentOrganisationId.eq(query.organisation_id));
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        let starts_with =
            |key: holders::Column| Condition::all().add(key.gte(q)).add(key.lt(prefix_end(q)));
        select = select.filter(
            Condition::any()
                .add(starts_with(holders::Column::SortKey))
                .add(starts_with(holders::Column::FirstNameKey)),
        );
    }
    if let Some(stage) = &query.stage {
        select = select.filter(holders::Column::Stage.eq(stage.as_str()));
    }
    if let Some(qpv) = &query.qpv_code {
        select = select.filter(holders::Column::QpvCode.eq(qpv.as_str()));
    }
    if let Some(referent) = query.referent_user_id {
        select = select.filter(holders::Column::ReferentUserId.eq(referent));
    }
    if let Some(since) = query.no_contact_since {
        use crate::entities::contacts;
        // Each candidate is one probe of idx_contacts_holder_at.
        let recent = sea_orm::sea_query::Query::select()
            .expr(Expr::val(1))
            .from(contacts::Entity)
            .and_where(
                Expr::col((contacts::Entity, contacts::Column::HolderId))
                    .equals((holders::Entity, holders::Column::Id)),
            )
            .and_where(Expr::col((contacts::Entity, contacts::Column::OccurredAt)).gte(since))
            .to_owned();
        select = select
            .filter(holders::Column::Outcome.is_null())
            .filter(Expr::exists(recent).not());
    }
    select
}

/// Holders whose referent is a given organisation, counted (demo seeding, checks).
pub async fn count_for_organisation(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(holders::Entity::find()
        .filter(holders::Column::ReferentOrganisationId.eq(organisation_id))
        .count(conn)
        .await?)
}
