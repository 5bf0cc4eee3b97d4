//! Synthetic data at territory or national scale, for benchmarks and load tests:
//! territories of a contrat de ville's size (one in ten organisations in a metropolis,
//! the others spread over territories of about twenty thousand people), organisations
//! with advisers, monthly awareness events with their head-counts, holders spread over
//! the stages with their pathway history (some registered at an event), about ten
//! contacts each, referrals between the partners of a territory, outcomes and QPV
//! shares. Deterministic for a given seed. Rows are written in multi-row inserts, a
//! transaction per thousand holders, with explicit ids.

use crate::entities::{
    consents, contacts, event_attendees, events, holders, organisations, pathway_events, referrals,
    users,
};
use crate::{Db, Result, commit, territories};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use parcours_domain::contacts::{ConsentPurpose, ContactKind};
use parcours_domain::events::EventKind;
use parcours_domain::holders::{Gender, QpvStatus, QpvStatusSource, Situation};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::pathway::{Outcome, PathwayEventKind, Stage};
use parcours_domain::referrals::{DeclineReason, ReferralOutcome, ReferralStatus};
use parcours_domain::users::Role;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, QueryOrder, QuerySelect};

/// Counts of what was generated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub organisations: u64,
    pub users: u64,
    pub holders: u64,
    pub pathway_events: u64,
    pub contacts: u64,
    pub referrals: u64,
    pub territories: u64,
    pub events: u64,
}

/// SplitMix64: fast, and the same sequence for the same seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn percent(&mut self) -> u64 {
        self.below(100)
    }
}

const KINDS: [OrganisationKind; 8] = [
    OrganisationKind::Citeslab,
    OrganisationKind::Adie,
    OrganisationKind::Bge,
    OrganisationKind::Initiative,
    OrganisationKind::FranceActive,
    OrganisationKind::Cae,
    OrganisationKind::Caq,
    OrganisationKind::MissionLocale,
];
const STAGES: &[Stage] = Stage::ALL;
const CONTACT_KINDS: [ContactKind; 5] = [
    ContactKind::Entretien,
    ContactKind::Telephone,
    ContactKind::Email,
    ContactKind::Atelier,
    ContactKind::Permanence,
];
const SITUATIONS: &[Situation] = Situation::ALL;
const FIRST: [&str; 8] = [
    "Awa", "Karim", "Julie", "Mamadou", "Inès", "Thomas", "Fatou", "Yanis",
];
const LAST: [&str; 8] = [
    "Diallo", "Benali", "Martin", "Traoré", "Haddad", "Nguyen", "Sow", "Petit",
];

async fn max_id<E: EntityTrait>(conn: &impl ConnectionTrait, column: E::Column) -> Result<i64>
where
    E::Model: Sync,
{
    let top: Option<i64> = E::find()
        .select_only()
        .column(column)
        .order_by_desc(column)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(top.unwrap_or(0))
}

/// Inserts rows in batches small enough for SQLite's bound-parameter limit.
async fn insert_batches<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
    per_statement: usize,
) -> Result<()>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    // SQLite binds at most 32 766 values per statement: a table that gains columns
    // takes fewer rows at a time.
    let columns = <<A::Entity as EntityTrait>::Column as sea_orm::Iterable>::iter().count();
    let per_statement = per_statement.min(32_766 / columns.max(1));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// PostgreSQL sequences do not follow explicit ids: move them past the largest.
async fn resync_sequences(db: &Db) -> Result<()> {
    if db.backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in [
        "organisations",
        "users",
        "holders",
        "pathway_events",
        "contacts",
        "referrals",
        "consents",
        "events",
    ] {
        db.conn()
            .execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            ))
            .await?;
    }
    Ok(())
}

/// Organisations per territory, and people per organisation, of the generated country.
const HOLDERS_PER_ORGANISATION: u64 = 2000;
const HOLDERS_PER_TERRITORY: u64 = 20_000;
/// Months of history, with one awareness event per organisation and month.
const MONTHS: u64 = 36;

/// The generated organisations: ids, and the territory of each (by index).
struct Layout {
    first_org: i64,
    org_territory: Vec<usize>,
    /// Organisation indexes of each territory.
    territory_orgs: Vec<Vec<usize>>,
    first_user: i64,
    first_event: i64,
}

impl Layout {
    fn org_id(&self, index: usize) -> i64 {
        self.first_org + index as i64
    }
    /// The adviser of an organisation (two each).
    fn adviser(&self, index: usize, which: u64) -> i64 {
        self.first_user + index as i64 * 2 + which as i64
    }
    /// The event an organisation held `month` months ago.
    fn event_id(&self, index: usize, month: u64) -> i64 {
        self.first_event + (index as u64 * MONTHS + month) as i64
    }
}

/// The date of the event held `month` months before `now`.
fn event_day(now: DateTime<Utc>, month: u64) -> DateTime<Utc> {
    now - Duration::days(month as i64 * 30 + 15)
}

/// Territories, organisations (one per two thousand people), two advisers each, and the
/// organisations' monthly events.
async fn layout(
    db: &Db,
    holders_wanted: u64,
    rng: &mut Rng,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<Layout> {
    let org_count = (holders_wanted / HOLDERS_PER_ORGANISATION).clamp(8, 2000) as usize;
    let territory_count = (holders_wanted / HOLDERS_PER_TERRITORY).max(1) as usize;
    // A metropolis holds one organisation in ten; the others share the rest evenly.
    let metropolis = if territory_count > 1 {
        org_count / 10
    } else {
        org_count
    };
    let org_territory: Vec<usize> = (0..org_count)
        .map(|i| {
            if i < metropolis {
                0
            } else {
                1 + (i - metropolis) % (territory_count - 1).max(1)
            }
        })
        .collect();
    let txn = db.begin_write().await?;
    let mut territory_ids = Vec::new();
    for t in 0..territory_count {
        let name = if t == 0 && territory_count > 1 {
            format!("Métropole synthétique {:03} (données générées)", t + 1)
        } else {
            format!("Territoire synthétique {:03} (données générées)", t + 1)
        };
        territory_ids.push(
            territories::upsert(
                &txn,
                &territories::TerritoryInput {
                    code: &format!("SYNTH-{:03}", t + 1),
                    name: &name,
                    communes: vec![],
                },
                now,
            )
            .await?,
        );
    }
    let layout = Layout {
        first_org: max_id::<organisations::Entity>(&txn, organisations::Column::Id).await? + 1,
        first_user: max_id::<users::Entity>(&txn, users::Column::Id).await? + 1,
        first_event: max_id::<events::Entity>(&txn, events::Column::Id).await? + 1,
        territory_orgs: (0..territory_count)
            .map(|t| (0..org_count).filter(|i| org_territory[*i] == t).collect())
            .collect(),
        org_territory,
    };
    let (mut orgs, mut people, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..org_count {
        let id = layout.org_id(i);
        let kind = KINDS[i % KINDS.len()];
        orgs.push(organisations::ActiveModel {
            id: Set(id),
            name: Set(format!("Structure synthétique {id:06} ({kind})")),
            kind: Set(kind.as_str().to_owned()),
            territory_id: Set(territory_ids[layout.org_territory[i]]),
            notification_email: Set(Some(format!("structure{id}@synthetique.test"))),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for j in 0..2 {
            let user_id = layout.adviser(i, j);
            people.push(users::ActiveModel {
                id: Set(user_id),
                organisation_id: Set(id),
                email: Set(format!("conseil{user_id}@synthetique.test")),
                display_name: Set(format!("Conseil synthétique {user_id}")),
                role: Set(Role::Adviser.as_str().into()),
                password_hash: Set("!compte-synthetique".into()),
                failed_logins: Set(0),
                locked_until: Set(None),
                disabled_at: Set(None),
                password_changed_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                last_login_at: Set(None),
            });
        }
        for month in 0..MONTHS {
            let total = 10 + rng.below(50) as i32;
            let day = event_day(now, month);
            held.push(events::ActiveModel {
                id: Set(layout.event_id(i, month)),
                organisation_id: Set(id),
                kind: Set(EVENT_KINDS[rng.below(EVENT_KINDS.len() as u64) as usize]
                    .as_str()
                    .to_owned()),
                title: Set(format!("Action synthétique {month}")),
                held_on: Set(day.date_naive()),
                place: Set(None),
                qpv_code: Set(None),
                headcount_total: Set(total),
                headcount_women: Set(total / 2),
                headcount_under26: Set(total / 3),
                headcount_qpv: Set(total * 7 / 10),
                created_by: Set(layout.adviser(i, 0)),
                created_at: Set(day),
                updated_at: Set(day),
            });
        }
    }
    report.territories = territory_count as u64;
    report.organisations = orgs.len() as u64;
    report.users = people.len() as u64;
    report.events = held.len() as u64;
    insert_batches(&txn, orgs, 500).await?;
    insert_batches(&txn, people, 500).await?;
    insert_batches(&txn, held, 1000).await?;
    commit(txn).await?;
    Ok(layout)
}

const EVENT_KINDS: [EventKind; 6] = [
    EventKind::Bus,
    EventKind::CafeCreateurs,
    EventKind::Atelier,
    EventKind::Forum,
    EventKind::Temoignages,
    EventKind::MiniEntreprise,
];

/// Generates `holders` people with their history. `progress(done, total)` is called
/// after each batch.
pub async fn generate(
    db: &Db,
    holders_wanted: u64,
    seed: u64,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Report> {
    let mut rng = Rng(seed);
    let mut report = Report::default();
    let conn = db.conn();
    let layout = layout(db, holders_wanted, &mut rng, now, &mut report).await?;
    let org_count = layout.org_territory.len() as u64;

    let mut next_holder = max_id::<holders::Entity>(conn, holders::Column::Id).await? + 1;
    let mut next_event =
        max_id::<pathway_events::Entity>(conn, pathway_events::Column::Id).await? + 1;
    let mut next_contact = max_id::<contacts::Entity>(conn, contacts::Column::Id).await? + 1;
    let mut next_referral = max_id::<referrals::Entity>(conn, referrals::Column::Id).await? + 1;
    let mut next_consent = max_id::<consents::Entity>(conn, consents::Column::Id).await? + 1;
    let span_days = MONTHS * 30;
    let mut done = 0;
    while done < holders_wanted {
        let batch = (holders_wanted - done).min(1000);
        let (mut h_rows, mut e_rows, mut c_rows, mut r_rows, mut k_rows, mut a_rows) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for _ in 0..batch {
            let id = next_holder;
            next_holder += 1;
            let org_index = rng.below(org_count) as usize;
            let org = layout.org_id(org_index);
            let adviser = layout.adviser(org_index, rng.below(2));
            let stage_index = match rng.percent() {
                0..15 => 0,
                15..45 => 1,
                45..85 => 2,
                _ => 3,
            };
            let entry_index = if stage_index == 0 {
                0
            } else {
                rng.below(2) as usize
            };
            let entry_index = entry_index.min(stage_index);
            // Half of those who start at sensibilisation were met at an event, and
            // registered there.
            let source_event = (entry_index == 0 && rng.percent() < 50).then(|| rng.below(MONTHS));
            let created = match source_event {
                Some(month) => event_day(now, month) + Duration::hours(10),
                None => {
                    now - Duration::days(rng.below(span_days) as i64 + 1)
                        - Duration::minutes(rng.below(600) as i64)
                }
            };
            let closed = rng.percent() < 20;
            let outcome = closed.then(|| {
                [
                    Outcome::EntrepriseCreee,
                    Outcome::EmploiOuFormation,
                    Outcome::Abandon,
                    Outcome::SansNouvelles,
                ][rng.below(4) as usize]
            });
            let first = FIRST[rng.below(8) as usize];
            let last = LAST[rng.below(8) as usize];
            let gender = match rng.percent() {
                0..50 => Gender::Femme,
                50..98 => Gender::Homme,
                _ => Gender::Autre,
            };
            let in_qpv = rng.percent() < 70;
            let birth = NaiveDate::from_ymd_opt(
                1960 + rng.below(48) as i32,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            );
            // Pathway: entry, moves up to the current stage, maybe a closing. Each move
            // or closing records when the stay it ends began.
            let mut at = created;
            let mut stay_started: Option<DateTime<Utc>> = None;
            for s in entry_index..=stage_index {
                if s > entry_index {
                    at += Duration::days(5 + rng.below(90) as i64);
                }
                let n = s - entry_index;
                e_rows.push(pathway_events::ActiveModel {
                    id: Set(next_event),
                    holder_id: Set(id),
                    organisation_id: Set(org),
                    user_id: Set(adviser),
                    kind: Set(if n == 0 {
                        PathwayEventKind::Entry
                    } else {
                        PathwayEventKind::Move
                    }
                    .as_str()
                    .into()),
                    from_stage: Set((n > 0).then(|| STAGES[s - 1].as_str().to_owned())),
                    to_stage: Set(STAGES[s].as_str().to_owned()),
                    outcome: Set(None),
                    reason: Set(None),
                    siret: Set(None),
                    occurred_at: Set(at.min(now)),
                    stay_started_at: Set(stay_started),
                });
                stay_started = Some(at.min(now));
                next_event += 1;
            }
            let closed_at = outcome.map(|_| at + Duration::days(10 + rng.below(120) as i64));
            let last_at = closed_at.unwrap_or(at).min(now);
            if let (Some(outcome), Some(when)) = (outcome, closed_at) {
                e_rows.push(pathway_events::ActiveModel {
                    id: Set(next_event),
                    holder_id: Set(id),
                    organisation_id: Set(org),
                    user_id: Set(adviser),
                    kind: Set(PathwayEventKind::Close.as_str().into()),
                    from_stage: Set(Some(STAGES[stage_index].as_str().to_owned())),
                    to_stage: Set(STAGES[stage_index].as_str().to_owned()),
                    outcome: Set(Some(outcome.as_str().to_owned())),
                    reason: Set(None),
                    siret: Set(None),
                    occurred_at: Set(when.min(now)),
                    stay_started_at: Set(stay_started),
                });
                next_event += 1;
            }
            let sort_key = crate::holders::keys_of(last, first);
            let source_event_id = source_event.map(|month| layout.event_id(org_index, month));
            h_rows.push(holders::ActiveModel {
                id: Set(id),
                referent_organisation_id: Set(org),
                referent_user_id: Set(Some(adviser)),
                first_name: Set(first.to_owned()),
                last_name: Set(last.to_owned()),
                sort_key: Set(sort_key.0),
                first_name_key: Set(sort_key.1),
                birth_date: Set(birth),
                gender: Set(Some(gender.as_str().to_owned())),
                email: Set(Some(format!("p{id}@synthetique.test"))),
                phone: Set(Some(format!("+3361{:07}", id % 10_000_000))),
                address: Set(None),
                postal_code: Set(None),
                commune_insee: Set(None),
                qpv_code: Set(None),
                qpv_status: Set(if in_qpv {
                    QpvStatus::InQpv
                } else {
                    QpvStatus::NotInQpv
                }
                .as_str()
                .into()),
                qpv_status_source: Set(QpvStatusSource::Adviser.as_str().into()),
                situation: Set(Some(SITUATIONS[rng.below(7) as usize].as_str().to_owned())),
                education_level: Set(None),
                stage: Set(STAGES[stage_index].as_str().to_owned()),
                stage_entered_at: Set(at.min(now)),
                outcome: Set(outcome.map(|o| o.as_str().to_owned())),
                closed_at: Set(closed_at.map(|c| c.min(now))),
                version: Set(1),
                created_by: Set(adviser),
                created_at: Set(created),
                updated_at: Set(last_at),
                source_event_id: Set(source_event_id),
                external_ref: Set(None),
                anonymised_at: Set(None),
                anonymise_from: Set(None),
                erased_by: Set(None),
                erasure_reason: Set(None),
            });
            if let Some(event_id) = source_event_id {
                a_rows.push(event_attendees::ActiveModel {
                    event_id: Set(event_id),
                    holder_id: Set(id),
                    registered_at: Set(created),
                    new_holder: Set(true),
                });
            }
            k_rows.push(consents::ActiveModel {
                id: Set(next_consent),
                holder_id: Set(id),
                purpose: Set(ConsentPurpose::Suivi.as_str().into()),
                given: Set(true),
                recorded_at: Set(created),
                recorded_by: Set(adviser),
            });
            next_consent += 1;
            // About ten contacts, spread between registration and the last event.
            let contact_count = 5 + rng.below(11);
            let window = (last_at - created).num_minutes().max(1) as u64;
            for _ in 0..contact_count {
                let when = created + Duration::minutes(rng.below(window) as i64);
                c_rows.push(contacts::ActiveModel {
                    id: Set(next_contact),
                    holder_id: Set(id),
                    organisation_id: Set(org),
                    user_id: Set(adviser),
                    kind: Set(CONTACT_KINDS[rng.below(5) as usize].as_str().to_owned()),
                    occurred_at: Set(when),
                    duration_minutes: Set(Some(15 * (1 + rng.below(6) as i32))),
                    topics: Set("idee,financement".into()),
                    notes: Set(None),
                    next_action: Set(None),
                    next_action_due: Set(None),
                    next_action_done_at: Set(None),
                    created_at: Set(when),
                });
                next_contact += 1;
            }
            // Three in ten are referred to another partner of their territory.
            let partners = &layout.territory_orgs[layout.org_territory[org_index]];
            if rng.percent() < 30 && partners.len() > 1 {
                let mine = partners.iter().position(|i| *i == org_index).unwrap_or(0);
                let other =
                    (mine + 1 + rng.below(partners.len() as u64 - 1) as usize) % partners.len();
                let to = layout.org_id(partners[other]);
                let sent = created + Duration::days(rng.below(30) as i64);
                let (status, answered) = match rng.percent() {
                    0..45 => (ReferralStatus::Completed, true),
                    45..65 => (ReferralStatus::Accepted, true),
                    65..80 => (ReferralStatus::Declined, true),
                    80..88 => (ReferralStatus::Expired, false),
                    88..93 => (ReferralStatus::Withdrawn, false),
                    // Unanswered for over a month, it would have expired.
                    _ if now - sent > Duration::days(30) => (ReferralStatus::Expired, false),
                    _ => (ReferralStatus::Sent, false),
                };
                let answered_at =
                    answered.then(|| sent + Duration::hours(2 + rng.below(400) as i64));
                r_rows.push(referrals::ActiveModel {
                    id: Set(next_referral),
                    holder_id: Set(id),
                    from_organisation_id: Set(org),
                    from_user_id: Set(adviser),
                    to_organisation_id: Set(to),
                    service_id: Set(None),
                    need: Set("Orientation synthétique".into()),
                    message: Set(None),
                    status: Set(status.as_str().into()),
                    decline_reason: Set((status == ReferralStatus::Declined)
                        .then(|| DeclineReason::Capacite.as_str().to_owned())),
                    decline_text: Set(None),
                    outcome: Set((status == ReferralStatus::Completed)
                        .then(|| ReferralOutcome::Accompagne.as_str().to_owned())),
                    sent_at: Set(sent.min(now)),
                    answered_at: Set(answered_at.map(|a| a.min(now))),
                    closed_at: Set(None),
                    last_reminded_at: Set(None),
                    reminders_sent: Set(0),
                    updated_at: Set(sent.min(now)),
                });
                next_referral += 1;
            }
        }
        report.holders += h_rows.len() as u64;
        report.pathway_events += e_rows.len() as u64;
        report.contacts += c_rows.len() as u64;
        report.referrals += r_rows.len() as u64;
        let txn = db.begin_write().await?;
        if db.backend() == DbBackend::Sqlite {
            // A page cache that holds the indexes being filled: several times faster
            // at national scale. Per connection, for this transaction's.
            txn.execute_unprepared("PRAGMA cache_size = -262144")
                .await?;
        }
        insert_batches(&txn, h_rows, 1000).await?;
        insert_batches(&txn, e_rows, 2000).await?;
        insert_batches(&txn, c_rows, 2400).await?;
        insert_batches(&txn, r_rows, 1500).await?;
        insert_batches(&txn, k_rows, 5000).await?;
        insert_batches(&txn, a_rows, 5000).await?;
        commit(txn).await?;
        done += batch;
        progress(done, holders_wanted);
    }
    resync_sequences(db).await?;
    // Fresh statistics, so the planners pick the report indexes from the start (and on
    // PostgreSQL a visibility map, so those indexes answer without the table).
    conn.execute_unprepared(if db.backend() == DbBackend::Postgres {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    })
    .await?;
    Ok(report)
}
