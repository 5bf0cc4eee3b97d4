//! Report queries: aggregates computed by the database, never by loading rows.
//!
//! A report counts the people of a scope — those whose référent organisation is one of
//! the scope's, narrowed by optional QPV, gender, age band and situation — and what was
//! recorded about them over a period `[from, to)` (days in Paris: from midnight there).
//!
//! Each query reads what the scope's organisations recorded in the period through an
//! index that begins with the organisation and the date (pathway events, registrations,
//! contacts, referrals, events), or the scope's holders through an index that begins
//! with the organisation (pipeline, hosting), and reaches a holder's history through an
//! index that begins with the holder. The indexes carry the columns counted, so the
//! tables themselves are read only for profile filters. Costs follow the size of the
//! scope and of the period, not of the database. `CROSS JOIN` fixes the join order for
//! SQLite, whose planner would otherwise sometimes read the whole country's period and
//! look each row's holder up; PostgreSQL plans it as any join.

use crate::Result;
use crate::sql::{Sql, sum_of};
use crate::words::{sql_list, word};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::calendar::months;
use parcours_domain::contacts::ContactKind;
use parcours_domain::holders::{Gender, QpvStatus, Situation};
use parcours_domain::pathway::{Outcome, PathwayEventKind, Stage};
use parcours_domain::referrals::{DeclineReason, ReferralStatus};
pub use parcours_domain::reports::AgeBand;
use parcours_domain::reports::years_before;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

/// Who and when a report covers.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The referent organisations counted (a territory's, or one).
    pub organisation_ids: Vec<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub qpv_code: Option<String>,
    pub gender: Option<Gender>,
    pub age_band: Option<AgeBand>,
    pub situation: Option<Situation>,
}

impl Scope {
    fn start(&self) -> Value {
        midnight(self.from).into()
    }
    fn end(&self) -> Value {
        midnight(self.to).into()
    }
    /// Whether a profile filter narrows the population beyond the organisations.
    fn has_profile(&self) -> bool {
        self.qpv_code.is_some()
            || self.gender.is_some()
            || self.age_band.is_some()
            || self.situation.is_some()
    }
}

/// Periods are days in Paris: a period begins and ends at midnight there.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    parcours_domain::calendar::paris_midnight(day)
}

/// The scope's conditions, in the report queries.
impl Sql {
    /// `h.referent_organisation_id IN (…)` and the profile filters.
    fn population(&mut self, scope: &Scope) -> &mut Self {
        self.push("h.referent_organisation_id IN ")
            .ids(&scope.organisation_ids);
        self.profile(scope)
    }
    /// `FROM {table} {alias} … WHERE` the rows recorded for the scope's organisations
    /// (`{alias}.{organisation} IN (…)`), joined to their holders `h` only when a
    /// profile filter needs them. Continue with ` AND …`.
    fn scoped(&mut self, scope: &Scope, table: &str, alias: &str, organisation: &str) -> &mut Self {
        self.push(&format!(" FROM {table} {alias}"));
        if scope.has_profile() {
            self.push(" CROSS JOIN holders h");
        }
        self.push(&format!(" WHERE {alias}.{organisation} IN "))
            .ids(&scope.organisation_ids);
        if scope.has_profile() {
            self.push(&format!(" AND h.id = {alias}.holder_id"))
                .profile(scope);
        }
        self
    }
    /// The scope's pathway events `e`: `organisation_id` on an event is the holder's
    /// référent organisation (see `holders::record_event`).
    fn scoped_events(&mut self, scope: &Scope) -> &mut Self {
        self.scoped(scope, "pathway_events", "e", "organisation_id")
    }
    /// ` AND …` for each profile filter on holders `h`.
    fn profile(&mut self, scope: &Scope) -> &mut Self {
        if let Some(qpv) = &scope.qpv_code {
            self.push(" AND h.qpv_code = ").bind(qpv.clone());
        }
        if let Some(gender) = scope.gender {
            self.push(" AND h.gender = ").bind(gender.as_str());
        }
        if let Some(situation) = scope.situation {
            self.push(" AND h.situation = ").bind(situation.as_str());
        }
        if let Some(band) = scope.age_band {
            let (after, until) = band.birth_bounds(scope.to);
            if let Some(after) = after {
                self.push(" AND h.birth_date > ").bind(after);
            }
            if let Some(until) = until {
                self.push(" AND h.birth_date <= ").bind(until);
            }
        }
        self
    }
    /// ` AND {column} >= from AND {column} < to`.
    fn period(&mut self, column: &str, scope: &Scope) -> &mut Self {
        self.push(&format!(" AND {column} >= "))
            .bind(scope.start())
            .push(&format!(" AND {column} < "))
            .bind(scope.end())
    }
    /// ` AND {column} >= from AND {column} < to` for a date column.
    fn days(&mut self, column: &str, scope: &Scope) -> &mut Self {
        self.push(&format!(" AND {column} >= "))
            .bind(scope.from)
            .push(&format!(" AND {column} < "))
            .bind(scope.to)
    }
}

/// The pathway events by which someone enters a stage.
fn entering() -> String {
    sql_list(&[PathwayEventKind::Entry, PathwayEventKind::Move])
}

/// The pathway events that end a stay in a stage.
fn ending_a_stay() -> String {
    sql_list(&[PathwayEventKind::Move, PathwayEventKind::Close])
}

/// `'word'`: one of the domain's words in hand-written SQL.
fn quoted<T: Copy + Into<&'static str>>(value: T) -> String {
    sql_list(&[value])
        .trim_start_matches('(')
        .trim_end_matches(')')
        .to_owned()
}

/// A pathway event's stage as its rank in the pathway (1 to 4).
fn stage_rank() -> String {
    let cases: String = Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, stage)| format!(" WHEN {} THEN {}", quoted(*stage), i + 1))
        .collect();
    format!("CASE f.to_stage{cases} END")
}

/// Active holders (pathway open) per stage, as of now.
fn pipeline_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT h.stage AS label, COUNT(*) AS n FROM holders h WHERE ")
        .population(scope)
        .push(" AND h.outcome IS NULL GROUP BY h.stage");
    sql
}

pub async fn pipeline(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<(Stage, i64)>> {
    per_stage(
        pipeline_sql(conn.get_database_backend(), scope)
            .counts(conn)
            .await?,
    )
}

/// `(label, n)` rows whose label is a stage.
fn per_stage(rows: Vec<(String, i64)>) -> Result<Vec<(Stage, i64)>> {
    rows.into_iter()
        .map(|(label, n)| Ok((word("holders", "stage", &label)?, n)))
        .collect()
}

/// Distinct holders who entered each stage (a first entry or a move) during the period.
fn entries_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT e.to_stage AS label, COUNT(DISTINCT e.holder_id) AS n")
        .scoped_events(scope)
        .push(&format!(" AND e.kind IN {}", entering()))
        .period("e.occurred_at", scope)
        .push(" GROUP BY e.to_stage");
    sql
}

async fn entries(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<(Stage, i64)>> {
    per_stage(
        entries_sql(conn.get_database_backend(), scope)
            .counts(conn)
            .await?,
    )
}

/// Pathways closed during the period: `(stage at closing, outcome, distinct holders)`.
fn exits_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push(
        "SELECT e.from_stage AS stage, e.outcome AS outcome, COUNT(DISTINCT e.holder_id) AS n",
    )
    .scoped_events(scope)
    .push(&format!(
        " AND e.kind = {}",
        quoted(PathwayEventKind::Close)
    ))
    .period("e.occurred_at", scope)
    .push(" GROUP BY e.from_stage, e.outcome");
    sql
}

async fn exits(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<(Stage, Outcome, i64)>> {
    exits_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| {
            let stage: String = r.try_get("", "stage")?;
            let outcome: String = r.try_get("", "outcome")?;
            Ok((
                word("pathway_events", "from_stage", &stage)?,
                word("pathway_events", "outcome", &outcome)?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// The cohort that entered the pathway during the period, followed to now: per stage
/// (in pathway order), how many of them reached it, and how many of those went further
/// (reached a later stage).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cohort {
    /// People who entered the pathway during the period.
    pub size: i64,
    pub reached: [i64; 4],
    pub went_further: [i64; 4],
}

fn cohort_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push(
        "SELECT COUNT(*) AS total, \
           SUM(s1) AS r1, SUM(s2) AS r2, SUM(s3) AS r3, SUM(s4) AS r4, \
           SUM(CASE WHEN s1 = 1 AND top > 1 THEN 1 ELSE 0 END) AS f1, \
           SUM(CASE WHEN s2 = 1 AND top > 2 THEN 1 ELSE 0 END) AS f2, \
           SUM(CASE WHEN s3 = 1 AND top > 3 THEN 1 ELSE 0 END) AS f3 \
         FROM (SELECT f.holder_id, ",
    )
    .push(&format!(
        "MAX(CASE WHEN {rank} = 1 THEN 1 ELSE 0 END) AS s1, \
         MAX(CASE WHEN {rank} = 2 THEN 1 ELSE 0 END) AS s2, \
         MAX(CASE WHEN {rank} = 3 THEN 1 ELSE 0 END) AS s3, \
         MAX(CASE WHEN {rank} = 4 THEN 1 ELSE 0 END) AS s4, \
         MAX({rank}) AS top ",
        rank = stage_rank()
    ))
    .push("FROM (SELECT h.id AS holder_id FROM holders h WHERE ")
    .population(scope)
    .period("h.created_at", scope)
    .push(&format!(
        ") AS c CROSS JOIN pathway_events f \
         WHERE f.holder_id = c.holder_id AND f.kind IN {} \
         GROUP BY f.holder_id) AS per_holder",
        entering()
    ));
    sql
}

async fn cohort(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Cohort> {
    let [size, r1, r2, r3, r4, f1, f2, f3] = cohort_sql(conn.get_database_backend(), scope)
        .sums(conn, ["total", "r1", "r2", "r3", "r4", "f1", "f2", "f3"])
        .await?;
    Ok(Cohort {
        size,
        reached: [r1, r2, r3, r4],
        went_further: [f1, f2, f3, 0],
    })
}

/// Days between two timestamp expressions, per engine, as a floating-point number.
fn days_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) / 86400.0 AS DOUBLE PRECISION)")
        }
        _ => format!("CAST(julianday({to}) - julianday({from}) AS REAL)"),
    }
}

/// Median and 90th percentile (nearest rank: the value at rank ⌈q·n⌉) of `d` per
/// `label`, over a query that yields `(label, d)` rows. Window functions, so it runs
/// the same on both engines (SQLite has no percentile function).
fn quantiles(inner: Sql) -> Sql {
    Sql {
        text: format!(
            "SELECT label, \
                    MIN(CASE WHEN rn = (n + 1) / 2 THEN d END) AS median, \
                    MIN(CASE WHEN rn = (9 * n + 9) / 10 THEN d END) AS p90 \
             FROM (SELECT label, d, ROW_NUMBER() OVER (PARTITION BY label ORDER BY d) AS rn, \
                          COUNT(*) OVER (PARTITION BY label) AS n \
                   FROM ({}) AS measured WHERE d IS NOT NULL) AS ranked \
             GROUP BY label",
            inner.text
        ),
        values: inner.values,
    }
}

/// Per stage: median and 90th percentile of the days spent in it, over the stays that
/// ended (by a move or a closing) during the period.
fn time_in_stage_sql(backend: DbBackend, scope: &Scope) -> Sql {
    let mut inner = Sql::default();
    inner
        .push(&format!(
            "SELECT e.from_stage AS label, {} AS d",
            days_between(backend, "e.stay_started_at", "e.occurred_at")
        ))
        .scoped_events(scope)
        .push(&format!(" AND e.kind IN {}", ending_a_stay()))
        .period("e.occurred_at", scope)
        .push(" AND e.from_stage IS NOT NULL");
    quantiles(inner)
}

async fn time_in_stage(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(Stage, Option<f64>, Option<f64>)>> {
    time_in_stage_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| {
            let label: String = r.try_get("", "label")?;
            Ok((
                word("pathway_events", "from_stage", &label)?,
                r.try_get("", "median")?,
                r.try_get("", "p90")?,
            ))
        })
        .collect()
}

/// Distinct holders the scope's organisations referred to a partner during the period:
/// the orientation counts for the organisation that made it.
fn referred_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT COUNT(DISTINCT r.holder_id) AS n")
        .scoped(scope, "referrals", "r", "from_organisation_id")
        .period("r.sent_at", scope);
    sql
}

/// Distinct holders hosted at some point of the period.
fn hosted_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push(
        "SELECT COUNT(DISTINCT a.holder_id) AS n FROM holders h CROSS JOIN hosting_agreements a WHERE a.holder_id = h.id AND ",
    )
    .population(scope)
    .push(" AND a.start_date < ")
    .bind(scope.to)
    .push(" AND COALESCE(a.actual_end, a.planned_end) > ")
    .bind(scope.from);
    sql
}

/// Named attendees (distinct people, of the scope's profile) of the events the scope's
/// organisations held in the period.
fn named_attendees_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT COUNT(DISTINCT a.holder_id) AS n FROM events ev CROSS JOIN event_attendees a");
    if scope.has_profile() {
        sql.push(" CROSS JOIN holders h");
    }
    sql.push(" WHERE ev.organisation_id IN ")
        .ids(&scope.organisation_ids)
        .days("ev.held_on", scope)
        .push(" AND a.event_id = ev.id");
    if scope.has_profile() {
        sql.push(" AND h.id = a.holder_id").profile(scope);
    }
    sql
}

/// The anonymous head-count of the events the scope's organisations held in the period.
fn headcount_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT SUM(ev.headcount_total) AS n FROM events ev WHERE ev.organisation_id IN ")
        .ids(&scope.organisation_ids)
        .days("ev.held_on", scope);
    sql
}

/// The `n` of a one-row report query.
async fn count_of(conn: &impl ConnectionTrait, scope: &Scope, build: Builder) -> Result<i64> {
    let [n] = build(conn.get_database_backend(), scope)
        .sums(conn, ["n"])
        .await?;
    Ok(n)
}

/// Among the holders who entered the pathway during the period: how many in total,
/// women, QPV residents, under 26 at the end of the period, RSA recipients. A person
/// enters the pathway when registered: the entry event is written with the holder, at
/// its `created_at`.
fn newcomers_sql(_: DbBackend, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT COUNT(*) AS n, \
                SUM(CASE WHEN h.gender = {} THEN 1 ELSE 0 END) AS women, \
                SUM(CASE WHEN h.qpv_status = {} THEN 1 ELSE 0 END) AS qpv, \
                SUM(CASE WHEN h.birth_date > ",
        quoted(Gender::Femme),
        quoted(QpvStatus::InQpv)
    ))
    .bind(years_before(scope.to, 26))
    .push(&format!(
        " THEN 1 ELSE 0 END) AS young, \
                SUM(CASE WHEN h.situation = {} THEN 1 ELSE 0 END) AS rsa \
         FROM holders h WHERE ",
        quoted(Situation::Rsa)
    ))
    .population(scope)
    .period("h.created_at", scope);
    sql
}

async fn newcomers_profile(conn: &impl ConnectionTrait, scope: &Scope) -> Result<[i64; 5]> {
    newcomers_sql(conn.get_database_backend(), scope)
        .sums(conn, ["n", "women", "qpv", "young", "rsa"])
        .await
}

/// Referrals sent during the period from or to the scope's organisations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReferralCounts {
    pub from_organisation_id: i64,
    pub to_organisation_id: i64,
    pub sent: i64,
    pub accepted: i64,
    pub declined: i64,
    pub expired: i64,
    pub withdrawn: i64,
    pub completed: i64,
}

/// Referrals sent during the period by or to the scope's organisations, about holders
/// of the scope's profile: each is read once, through the sender's or the receiver's
/// index (`UNION ALL` of the two sides, the second without the first's).
fn scoped_referrals(scope: &Scope, columns: &str) -> Sql {
    let mut sql = Sql::default();
    for side in ["from", "to"] {
        if side == "to" {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!("SELECT {columns}"))
            .scoped(scope, "referrals", "r", &format!("{side}_organisation_id"))
            .period("r.sent_at", scope);
        if side == "to" {
            sql.push(" AND r.from_organisation_id NOT IN ")
                .ids(&scope.organisation_ids);
        }
    }
    sql
}

/// Per sender → receiver pair; the caller sums per receiver.
fn referral_pairs_sql(_: DbBackend, scope: &Scope) -> Sql {
    let inner = scoped_referrals(
        scope,
        "r.from_organisation_id AS f, r.to_organisation_id AS t, r.status AS status, \
         CASE WHEN r.answered_at IS NOT NULL AND r.decline_reason IS NULL THEN 1 ELSE 0 END AS was_accepted",
    );
    let status =
        |s: ReferralStatus| format!("SUM(CASE WHEN status = {} THEN 1 ELSE 0 END)", quoted(s));
    Sql {
        text: format!(
            "SELECT f, t, COUNT(*) AS sent, \
                    SUM(was_accepted) AS accepted, \
                    {} AS declined, {} AS expired, {} AS withdrawn, {} AS completed \
             FROM ({}) AS scoped GROUP BY f, t ORDER BY f, t",
            status(ReferralStatus::Declined),
            status(ReferralStatus::Expired),
            status(ReferralStatus::Withdrawn),
            status(ReferralStatus::Completed),
            inner.text
        ),
        values: inner.values,
    }
}

async fn referral_pairs(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<ReferralCounts>> {
    referral_pairs_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(ReferralCounts {
                from_organisation_id: r.try_get("", "f")?,
                to_organisation_id: r.try_get("", "t")?,
                sent: r.try_get("", "sent")?,
                accepted: sum_of(r, "accepted")?,
                declined: sum_of(r, "declined")?,
                expired: sum_of(r, "expired")?,
                withdrawn: sum_of(r, "withdrawn")?,
                completed: sum_of(r, "completed")?,
            })
        })
        .collect()
}

/// Per receiving organisation: median days from sending to an answer, over the
/// referrals of [`referral_pairs`] that were answered.
fn answer_days_sql(backend: DbBackend, scope: &Scope) -> Sql {
    quantiles(scoped_referrals(
        scope,
        &format!(
            "r.to_organisation_id AS label, {} AS d",
            days_between(backend, "r.sent_at", "r.answered_at")
        ),
    ))
}

async fn answer_days(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(i64, Option<f64>)>> {
    answer_days_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "label")?, r.try_get("", "median")?)))
        .collect()
}

/// Per sender → receiver pair and reason: the declined referrals of [`referral_pairs`].
fn decline_reasons_sql(_: DbBackend, scope: &Scope) -> Sql {
    let inner = scoped_referrals(
        scope,
        "r.from_organisation_id AS f, r.to_organisation_id AS t, r.decline_reason AS reason",
    );
    Sql {
        text: format!(
            "SELECT f, t, reason, COUNT(*) AS n FROM ({}) AS scoped \
             WHERE reason IS NOT NULL GROUP BY f, t, reason ORDER BY f, t, reason",
            inner.text
        ),
        values: inner.values,
    }
}

async fn decline_reasons(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(i64, i64, DeclineReason, i64)>> {
    decline_reasons_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| {
            let reason: String = r.try_get("", "reason")?;
            Ok((
                r.try_get("", "f")?,
                r.try_get("", "t")?,
                word("referrals", "decline_reason", &reason)?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// Per sender → receiver pair: median days from sending to an answer. The pair is
/// the label `from × 2³² + to`, so that one window query serves both engines.
fn pair_answer_days_sql(backend: DbBackend, scope: &Scope) -> Sql {
    quantiles(scoped_referrals(
        scope,
        &format!(
            "r.from_organisation_id * 4294967296 + r.to_organisation_id AS label, {} AS d",
            days_between(backend, "r.sent_at", "r.answered_at")
        ),
    ))
}

async fn pair_answer_days(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<((i64, i64), Option<f64>)>> {
    pair_answer_days_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| {
            let label: i64 = r.try_get("", "label")?;
            Ok(((label >> 32, label & 0xffff_ffff), r.try_get("", "median")?))
        })
        .collect()
}

/// Contacts the scope's organisations logged during the period (with people of the
/// scope's profile), per organisation, kind and month (`YYYY-MM`, a month in Paris).
/// The month is read by comparing the instant with the bounds of the period's months,
/// computed here: the same on both engines, whatever their time-zone support.
fn contacts_by_month_sql(_: DbBackend, scope: &Scope) -> Sql {
    let months = months(scope.from, scope.to);
    let word = |first: &NaiveDate| format!("'{}'", first.format("%Y-%m"));
    let mut sql = Sql::default();
    sql.push("SELECT c.organisation_id AS org, c.kind AS kind, ");
    match months.split_last() {
        // A period within one month: no CASE (which needs a WHEN).
        Some((last, [])) => {
            sql.push(&word(last));
        }
        Some((last, earlier)) => {
            sql.push("CASE");
            for (first, next) in earlier.iter().zip(&months[1..]) {
                sql.push(" WHEN c.occurred_at < ")
                    .bind(midnight(*next))
                    .push(&format!(" THEN {}", word(first)));
            }
            sql.push(&format!(" ELSE {} END", word(last)));
        }
        // An empty period has no contacts: any month will do.
        None => {
            sql.push(&word(&scope.from));
        }
    }
    sql.push(" AS month, COUNT(*) AS n")
        .scoped(scope, "contacts", "c", "organisation_id")
        .period("c.occurred_at", scope);
    sql.push(" GROUP BY 1, 2, 3 ORDER BY 3, 1, 2");
    sql
}

async fn contacts_by_month(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(i64, ContactKind, String, i64)>> {
    contacts_by_month_sql(conn.get_database_backend(), scope)
        .all(conn)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("", "kind")?;
            Ok((
                r.try_get("", "org")?,
                word("contacts", "kind", &kind)?,
                r.try_get("", "month")?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// Writes one report query for an engine and a scope.
type Builder = fn(DbBackend, &Scope) -> Sql;

/// Every query the reports run, by name, for checking their plans (a new report
/// query belongs here too, so that the plan test reads it).
pub fn statements(backend: DbBackend, scope: &Scope) -> Vec<(&'static str, Statement)> {
    let builders: [(&'static str, Builder); 15] = [
        ("pipeline", pipeline_sql),
        ("entries", entries_sql),
        ("exits", exits_sql),
        ("cohort", cohort_sql),
        ("time_in_stage", time_in_stage_sql),
        ("referred", referred_sql),
        ("hosted", hosted_sql),
        ("named_attendees", named_attendees_sql),
        ("headcount", headcount_sql),
        ("newcomers", newcomers_sql),
        ("referral_pairs", referral_pairs_sql),
        ("answer_days", answer_days_sql),
        ("decline_reasons", decline_reasons_sql),
        ("pair_answer_days", pair_answer_days_sql),
        ("contacts_by_month", contacts_by_month_sql),
    ];
    builders
        .into_iter()
        .map(|(name, build)| (name, build(backend, scope).statement(backend)))
        .collect()
}

/// The figures of the flows report.
#[derive(Clone, Debug, Default)]
pub struct Flows {
    /// `(stage, distinct people)` who entered it during the period.
    pub entries: Vec<(Stage, i64)>,
    pub cohort: Cohort,
    /// `(stage, median days, 90th percentile)` over the stays that ended in the period.
    pub durations: Vec<(Stage, Option<f64>, Option<f64>)>,
    /// `(stage at closing, outcome, distinct people)`.
    pub exits: Vec<(Stage, Outcome, i64)>,
}

/// The queries of the flows report, run side by side on the pool.
pub async fn flows(conn: &DatabaseConnection, scope: &Scope) -> Result<Flows> {
    let (entries, cohort, durations, exits) = tokio::try_join!(
        entries(conn, scope),
        cohort(conn, scope),
        time_in_stage(conn, scope),
        exits(conn, scope),
    )?;
    Ok(Flows {
        entries,
        cohort,
        durations,
        exits,
    })
}

/// The figures of the funder indicators.
#[derive(Clone, Debug, Default)]
pub struct Indicators {
    pub entries: Vec<(Stage, i64)>,
    /// Named attendees and anonymous head-count of the period's events.
    pub reached_by_events: (i64, i64),
    pub referred: i64,
    pub hosted: i64,
    pub exits: Vec<(Stage, Outcome, i64)>,
    /// Newcomers: total, women, QPV residents, under 26, RSA recipients.
    pub newcomers: [i64; 5],
}

/// The queries of the indicators report, run side by side on the pool.
pub async fn indicators(conn: &DatabaseConnection, scope: &Scope) -> Result<Indicators> {
    let (entries, named, headcount, referred, hosted, exits, newcomers) = tokio::try_join!(
        entries(conn, scope),
        count_of(conn, scope, named_attendees_sql),
        count_of(conn, scope, headcount_sql),
        count_of(conn, scope, referred_sql),
        count_of(conn, scope, hosted_sql),
        exits(conn, scope),
        newcomers_profile(conn, scope),
    )?;
    Ok(Indicators {
        entries,
        reached_by_events: (named, headcount),
        referred,
        hosted,
        exits,
        newcomers,
    })
}

/// The figures of the referrals report.
#[derive(Clone, Debug, Default)]
pub struct Referrals {
    pub pairs: Vec<ReferralCounts>,
    /// `(receiving organisation, median days to answer)`.
    pub answer_days: Vec<(i64, Option<f64>)>,
    /// `((sender, receiver), median days to answer)`.
    pub pair_answer_days: Vec<((i64, i64), Option<f64>)>,
    /// `(sender, receiver, reason, declined referrals)`.
    pub decline_reasons: Vec<(i64, i64, DeclineReason, i64)>,
}

pub async fn referrals(conn: &DatabaseConnection, scope: &Scope) -> Result<Referrals> {
    let (pairs, answer_days, pair_answer_days, decline_reasons) = tokio::try_join!(
        referral_pairs(conn, scope),
        answer_days(conn, scope),
        pair_answer_days(conn, scope),
        decline_reasons(conn, scope),
    )?;
    Ok(Referrals {
        pairs,
        answer_days,
        pair_answer_days,
        decline_reasons,
    })
}

/// The figures of the activity report.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    /// `(organisation, kind, month, contacts)`.
    pub contacts: Vec<(i64, ContactKind, String, i64)>,
    pub reached_by_events: (i64, i64),
}

pub async fn activity(conn: &DatabaseConnection, scope: &Scope) -> Result<Activity> {
    let (contacts, named, headcount) = tokio::try_join!(
        contacts_by_month(conn, scope),
        count_of(conn, scope, named_attendees_sql),
        count_of(conn, scope, headcount_sql),
    )?;
    Ok(Activity {
        contacts,
        reached_by_events: (named, headcount),
    })
}
