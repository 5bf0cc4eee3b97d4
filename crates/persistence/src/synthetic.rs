//! Synthetic data at territory or national scale, for benchmarks and load tests:
//! organisations with advisers, holders spread over the stages with their pathway
//! history, about ten contacts each, referrals between partners, outcomes and QPV
//! shares. Deterministic for a given seed. Rows are written in multi-row inserts, a
//! transaction per thousand holders, with explicit ids.

use crate::entities::{
    consents, contacts, holders, organisations, pathway_events, referrals, users,
};
use crate::{Db, Result, commit, territories};
use chrono::{DateTime, Duration, NaiveDate, Utc};
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

const KINDS: [&str; 8] = [
    "citeslab",
    "adie",
    "bge",
    "initiative",
    "france_active",
    "cae",
    "caq",
    "mission_locale",
];
const STAGES: [&str; 4] = [
    "sensibilisation",
    "information",
    "accompagnement",
    "hebergement",
];
const CONTACT_KINDS: [&str; 5] = ["entretien", "telephone", "email", "atelier", "permanence"];
const SITUATIONS: [&str; 7] = [
    "demandeur_emploi",
    "rsa",
    "ass",
    "jeune_sans_emploi",
    "salarie",
    "etudiant",
    "autre",
];
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
    ] {
        db.conn()
            .execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            ))
            .await?;
    }
    Ok(())
}

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

    // Organisations and their advisers: one organisation per two thousand holders.
    let org_count = (holders_wanted / 2000).clamp(8, 2000);
    let txn = db.begin_write().await?;
    let territory = territories::upsert(
        &txn,
        &territories::TerritoryInput {
            code: "SYNTH",
            name: "Territoire synthétique (données générées)",
            communes: vec![],
        },
        now,
    )
    .await?;
    let first_org = max_id::<organisations::Entity>(&txn, organisations::Column::Id).await? + 1;
    let first_user = max_id::<users::Entity>(&txn, users::Column::Id).await? + 1;
    let mut orgs = Vec::new();
    let mut people = Vec::new();
    for i in 0..org_count as i64 {
        let id = first_org + i;
        let kind = KINDS[(i as usize) % KINDS.len()];
        orgs.push(organisations::ActiveModel {
            id: Set(id),
            name: Set(format!("Structure synthétique {id:06} ({kind})")),
            kind: Set(kind.to_owned()),
            territory_id: Set(territory),
            notification_email: Set(Some(format!("structure{id}@synthetique.test"))),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for j in 0..2 {
            let user_id = first_user + i * 2 + j;
            people.push(users::ActiveModel {
                id: Set(user_id),
                organisation_id: Set(id),
                email: Set(format!("conseil{user_id}@synthetique.test")),
                display_name: Set(format!("Conseil synthétique {user_id}")),
                role: Set("adviser".into()),
                password_hash: Set("!compte-synthetique".into()),
                failed_logins: Set(0),
                locked_until: Set(None),
                disabled_at: Set(None),
                password_changed_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    report.organisations = orgs.len() as u64;
    report.users = people.len() as u64;
    insert_batches(&txn, orgs, 500).await?;
    insert_batches(&txn, people, 500).await?;
    commit(txn).await?;

    let mut next_holder = max_id::<holders::Entity>(conn, holders::Column::Id).await? + 1;
    let mut next_event =
        max_id::<pathway_events::Entity>(conn, pathway_events::Column::Id).await? + 1;
    let mut next_contact = max_id::<contacts::Entity>(conn, contacts::Column::Id).await? + 1;
    let mut next_referral = max_id::<referrals::Entity>(conn, referrals::Column::Id).await? + 1;
    let mut next_consent = max_id::<consents::Entity>(conn, consents::Column::Id).await? + 1;
    let span_days = 3 * 365;
    let mut done = 0;
    while done < holders_wanted {
        let batch = (holders_wanted - done).min(1000);
        let (mut h_rows, mut e_rows, mut c_rows, mut r_rows, mut k_rows) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..batch {
            let id = next_holder;
            next_holder += 1;
            let org_index = rng.below(org_count) as i64;
            let org = first_org + org_index;
            let adviser = first_user + org_index * 2 + rng.below(2) as i64;
            let created = now
                - Duration::days(rng.below(span_days) as i64 + 1)
                - Duration::minutes(rng.below(600) as i64);
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
            let closed = rng.percent() < 20;
            let outcome = closed.then(|| {
                [
                    "entreprise_creee",
                    "emploi_ou_formation",
                    "abandon",
                    "sans_nouvelles",
                ][rng.below(4) as usize]
            });
            let first = FIRST[rng.below(8) as usize];
            let last = LAST[rng.below(8) as usize];
            let gender = match rng.percent() {
                0..50 => "femme",
                50..98 => "homme",
                _ => "autre",
            };
            let in_qpv = rng.percent() < 70;
            let birth = NaiveDate::from_ymd_opt(
                1960 + rng.below(48) as i32,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            );
            // Pathway: entry, moves up to the current stage, maybe a closing.
            let mut at = created;
            let mut events_at = Vec::new();
            for s in entry_index..=stage_index {
                if s > entry_index {
                    at += Duration::days(5 + rng.below(90) as i64);
                }
                events_at.push((s, at));
            }
            let closed_at = outcome.map(|_| at + Duration::days(10 + rng.below(120) as i64));
            let last_at = closed_at.unwrap_or(at).min(now);
            for (n, (s, when)) in events_at.iter().enumerate() {
                e_rows.push(pathway_events::ActiveModel {
                    id: Set(next_event),
                    holder_id: Set(id),
                    organisation_id: Set(org),
                    user_id: Set(adviser),
                    kind: Set(if n == 0 { "entree" } else { "changement" }.into()),
                    from_stage: Set((n > 0).then(|| STAGES[s - 1].to_owned())),
                    to_stage: Set(STAGES[*s].to_owned()),
                    outcome: Set(None),
                    reason: Set(None),
                    siret: Set(None),
                    occurred_at: Set((*when).min(now)),
                });
                next_event += 1;
            }
            if let (Some(outcome), Some(when)) = (outcome, closed_at) {
                e_rows.push(pathway_events::ActiveModel {
                    id: Set(next_event),
                    holder_id: Set(id),
                    organisation_id: Set(org),
                    user_id: Set(adviser),
                    kind: Set("cloture".into()),
                    from_stage: Set(Some(STAGES[stage_index].to_owned())),
                    to_stage: Set(STAGES[stage_index].to_owned()),
                    outcome: Set(Some(outcome.to_owned())),
                    reason: Set(None),
                    siret: Set(None),
                    occurred_at: Set(when.min(now)),
                });
                next_event += 1;
            }
            let sort_key = crate::holders::keys_of(last, first);
            h_rows.push(holders::ActiveModel {
                id: Set(id),
                referent_organisation_id: Set(org),
                referent_user_id: Set(Some(adviser)),
                first_name: Set(first.to_owned()),
                last_name: Set(last.to_owned()),
                sort_key: Set(sort_key.0),
                first_name_key: Set(sort_key.1),
                birth_date: Set(birth),
                gender: Set(Some(gender.to_owned())),
                email: Set(Some(format!("p{id}@synthetique.test"))),
                phone: Set(Some(format!("+3361{:07}", id % 10_000_000))),
                address: Set(None),
                postal_code: Set(None),
                commune_insee: Set(None),
                qpv_code: Set(None),
                qpv_status: Set(if in_qpv { "in_qpv" } else { "not_in_qpv" }.into()),
                qpv_status_source: Set("adviser".into()),
                situation: Set(Some(SITUATIONS[rng.below(7) as usize].to_owned())),
                education_level: Set(None),
                stage: Set(STAGES[stage_index].to_owned()),
                stage_entered_at: Set(at.min(now)),
                outcome: Set(outcome.map(str::to_owned)),
                closed_at: Set(closed_at.map(|c| c.min(now))),
                version: Set(1),
                created_by: Set(adviser),
                created_at: Set(created),
                updated_at: Set(last_at),
                source_event_id: Set(None),
            });
            k_rows.push(consents::ActiveModel {
                id: Set(next_consent),
                holder_id: Set(id),
                purpose: Set("suivi".into()),
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
                    kind: Set(CONTACT_KINDS[rng.below(5) as usize].to_owned()),
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
            // Three in ten are referred to another partner.
            if rng.percent() < 30 {
                let to = first_org
                    + ((org_index + 1 + rng.below(org_count - 1) as i64) % org_count as i64);
                let sent = created + Duration::days(rng.below(30) as i64);
                let (status, answered) = match rng.percent() {
                    0..45 => ("completed", true),
                    45..65 => ("accepted", true),
                    65..80 => ("declined", true),
                    80..88 => ("expired", false),
                    88..93 => ("withdrawn", false),
                    _ => ("sent", false),
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
                    status: Set(status.into()),
                    decline_reason: Set((status == "declined").then(|| "capacite".to_owned())),
                    decline_text: Set(None),
                    outcome: Set((status == "completed").then(|| "accompagne".to_owned())),
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
        insert_batches(&txn, h_rows, 1000).await?;
        insert_batches(&txn, e_rows, 2500).await?;
        insert_batches(&txn, c_rows, 2400).await?;
        insert_batches(&txn, r_rows, 1500).await?;
        insert_batches(&txn, k_rows, 5000).await?;
        commit(txn).await?;
        done += batch;
        progress(done, holders_wanted);
    }
    resync_sequences(db).await?;
    Ok(report)
}
