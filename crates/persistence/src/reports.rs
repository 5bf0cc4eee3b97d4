//! Report queries: aggregates computed by the database, never by loading rows.
//! Each query counts holders of a scope (organisations, optional QPV, gender, age band,
//! situation) over a period `[from, to)`.

use crate::Result;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// Who and when a report covers.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The referent organisations counted (a territory's, or one).
    pub organisation_ids: Vec<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub qpv_code: Option<String>,
    pub gender: Option<String>,
    pub age_band: Option<AgeBand>,
    pub situation: Option<String>,
}

/// Age at the end of the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeBand {
    Under26,
    From26To44,
    From45,
}

impl AgeBand {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "moins_26" => Some(Self::Under26),
            "26_44" => Some(Self::From26To44),
            "45_plus" => Some(Self::From45),
            _ => None,
        }
    }

    /// Birth dates `(after, on_or_before)` for this band at `at`.
    fn birth_bounds(self, at: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let years_before =
            |n: i32| NaiveDate::from_ymd_opt(at.year() - n, at.month(), at.day().min(28));
        match self {
            Self::Under26 => (years_before(26), None),
            Self::From26To44 => (years_before(45), years_before(26)),
            Self::From45 => (None, years_before(45)),
        }
    }
}

/// SQL with `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The `WHERE` part that restricts holders `h` to the scope's population.
fn population(scope: &Scope, values: &mut Vec<Value>) -> String {
    let mut sql = String::from("h.referent_organisation_id IN (");
    if scope.organisation_ids.is_empty() {
        sql.push_str("NULL");
    }
    for (i, id) in scope.organisation_ids.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('?');
        values.push((*id).into());
    }
    sql.push(')');
    if let Some(qpv) = &scope.qpv_code {
        sql.push_str(" AND h.qpv_code = ?");
        values.push(qpv.clone().into());
    }
    if let Some(gender) = &scope.gender {
        sql.push_str(" AND h.gender = ?");
        values.push(gender.clone().into());
    }
    if let Some(situation) = &scope.situation {
        sql.push_str(" AND h.situation = ?");
        values.push(situation.clone().into());
    }
    if let Some(band) = scope.age_band {
        let (after, until) = band.birth_bounds(scope.to);
        if let Some(after) = after {
            sql.push_str(" AND h.birth_date > ?");
            values.push(after.into());
        }
        if let Some(until) = until {
            sql.push_str(" AND h.birth_date <= ?");
            values.push(until.into());
        }
    }
    sql
}

async fn counts(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<(String, i64)>> {
    let rows = conn
        .query_all_raw(statement(conn.get_database_backend(), sql, values))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "label")?,
                row.try_get::<i64>("", "n")?,
            ))
        })
        .collect()
}

async fn count(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<i64> {
    let row = conn
        .query_one_raw(statement(conn.get_database_backend(), sql, values))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Active holders (pathway open) per stage, as of now.
pub async fn pipeline(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<(String, i64)>> {
    let mut values = Vec::new();
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT h.stage AS label, COUNT(*) AS n FROM holders h WHERE {filter} AND h.outcome IS NULL GROUP BY h.stage"
    );
    counts(conn, &sql, values).await
}

/// Distinct holders who entered `stage` during the period.
pub async fn entered(conn: &impl ConnectionTrait, scope: &Scope, stage: &str) -> Result<i64> {
    let mut values = vec![stage.into(), scope.from.into(), scope.to.into()];
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT COUNT(DISTINCT e.holder_id) AS n FROM pathway_events e JOIN holders h ON h.id = e.holder_id \
         WHERE e.to_stage = ? AND e.kind IN ('entree', 'changement') AND e.occurred_at >= ? AND e.occurred_at < ? AND {filter}"
    );
    count(conn, &sql, bind_dates(values)).await
}

/// Timestamps are compared with the period's dates at midnight UTC.
fn bind_dates(values: Vec<Value>) -> Vec<Value> {
    values
        .into_iter()
        .map(|v| match v {
            Value::ChronoDate(Some(d)) => {
                let at = d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                Value::ChronoDateTimeUtc(Some(at))
            }
            other => other,
        })
        .collect()
}

/// Closures in the period, per outcome.
pub async fn exits(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<(String, i64)>> {
    let mut values = vec![scope.from.into(), scope.to.into()];
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT e.outcome AS label, COUNT(DISTINCT e.holder_id) AS n FROM pathway_events e JOIN holders h ON h.id = e.holder_id \
         WHERE e.kind = 'cloture' AND e.occurred_at >= ? AND e.occurred_at < ? AND {filter} GROUP BY e.outcome"
    );
    counts(conn, &sql, bind_dates(values)).await
}

/// Distinct holders referred to a partner during the period.
pub async fn referred(conn: &impl ConnectionTrait, scope: &Scope) -> Result<i64> {
    let mut values = vec![scope.from.into(), scope.to.into()];
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT COUNT(DISTINCT r.holder_id) AS n FROM referrals r JOIN holders h ON h.id = r.holder_id \
         WHERE r.sent_at >= ? AND r.sent_at < ? AND {filter}"
    );
    count(conn, &sql, bind_dates(values)).await
}

/// Distinct holders hosted at some point of the period.
pub async fn hosted(conn: &impl ConnectionTrait, scope: &Scope) -> Result<i64> {
    let mut values = vec![scope.to.into(), scope.from.into()];
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT COUNT(DISTINCT a.holder_id) AS n FROM hosting_agreements a JOIN holders h ON h.id = a.holder_id \
         WHERE a.start_date < ? AND COALESCE(a.actual_end, a.planned_end) > ? AND {filter}"
    );
    count(conn, &sql, values).await
}

/// Named attendees of events held in the period, and the anonymous head-count of those
/// events (events run by the scope's organisations).
pub async fn reached_by_events(conn: &impl ConnectionTrait, scope: &Scope) -> Result<(i64, i64)> {
    let mut values = vec![scope.from.into(), scope.to.into()];
    let filter = population(scope, &mut values);
    let named_sql = format!(
        "SELECT COUNT(DISTINCT a.holder_id) AS n FROM event_attendees a JOIN events ev ON ev.id = a.event_id \
         JOIN holders h ON h.id = a.holder_id WHERE ev.held_on >= ? AND ev.held_on < ? AND {filter}"
    );
    let named = count(conn, &named_sql, values).await?;
    let mut head_values: Vec<Value> = vec![scope.from.into(), scope.to.into()];
    let mut orgs = String::new();
    for (i, id) in scope.organisation_ids.iter().enumerate() {
        orgs.push_str(if i == 0 { "?" } else { ", ?" });
        head_values.push((*id).into());
    }
    if orgs.is_empty() {
        orgs.push_str("NULL");
    }
    let head_sql = format!(
        "SELECT COALESCE(SUM(ev.headcount_total), 0) AS n FROM events ev WHERE ev.held_on >= ? AND ev.held_on < ? AND ev.organisation_id IN ({orgs})"
    );
    let headcount = count(conn, &head_sql, head_values).await?;
    Ok((named, headcount))
}

/// Among the holders who entered the pathway (any stage) during the period: how many
/// in total, women, QPV residents, under 26 at the end of the period, RSA recipients.
pub async fn newcomers_profile(conn: &impl ConnectionTrait, scope: &Scope) -> Result<[i64; 5]> {
    let under_26_after = NaiveDate::from_ymd_opt(
        scope.to.year() - 26,
        scope.to.month(),
        scope.to.day().min(28),
    )
    .unwrap_or(scope.to);
    let mut values: Vec<Value> = vec![under_26_after.into(), scope.from.into(), scope.to.into()];
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT COUNT(*) AS n, \
                COALESCE(SUM(CASE WHEN h.gender = 'femme' THEN 1 ELSE 0 END), 0) AS women, \
                COALESCE(SUM(CASE WHEN h.qpv_status = 'in_qpv' THEN 1 ELSE 0 END), 0) AS qpv, \
                COALESCE(SUM(CASE WHEN h.birth_date > ? THEN 1 ELSE 0 END), 0) AS young, \
                COALESCE(SUM(CASE WHEN h.situation = 'rsa' THEN 1 ELSE 0 END), 0) AS rsa \
         FROM holders h WHERE h.id IN ( \
             SELECT e.holder_id FROM pathway_events e WHERE e.kind = 'entree' AND e.occurred_at >= ? AND e.occurred_at < ?) \
         AND {filter}"
    );
    let values = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            if (1..=2).contains(&i) {
                bind_dates(vec![v]).remove(0)
            } else {
                v
            }
        })
        .collect();
    let row = conn
        .query_one_raw(statement(conn.get_database_backend(), &sql, values))
        .await?;
    let Some(row) = row else { return Ok([0; 5]) };
    Ok([
        row.try_get::<i64>("", "n")?,
        row.try_get::<i64>("", "women")?,
        row.try_get::<i64>("", "qpv")?,
        row.try_get::<i64>("", "young")?,
        row.try_get::<i64>("", "rsa")?,
    ])
}

/// For the cohort that entered the pathway during the period: how many of them reached
/// each stage (at any time up to now).
pub async fn cohort_reached(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(String, i64)>> {
    let mut values: Vec<Value> = bind_dates(vec![scope.from.into(), scope.to.into()]);
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT e.to_stage AS label, COUNT(DISTINCT e.holder_id) AS n FROM pathway_events e JOIN holders h ON h.id = e.holder_id \
         WHERE e.kind IN ('entree', 'changement') AND e.holder_id IN ( \
             SELECT c.holder_id FROM pathway_events c WHERE c.kind = 'entree' AND c.occurred_at >= ? AND c.occurred_at < ?) \
         AND {filter} GROUP BY e.to_stage"
    );
    counts(conn, &sql, values).await
}

/// Days between two timestamp expressions, per engine.
fn days_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(EXTRACT(EPOCH FROM ({to} - {from})) / 86400.0)"),
        _ => format!("(julianday({to}) - julianday({from}))"),
    }
}

/// The value at quantile `q` (nearest rank) of a one-column ordered query, found by the
/// database: a count, then one row at the right offset.
async fn quantile(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
    q: f64,
) -> Result<Option<f64>> {
    let backend = conn.get_database_backend();
    let total = count(
        conn,
        &format!("SELECT COUNT(*) AS n FROM ({sql}) AS q"),
        values.clone(),
    )
    .await?;
    if total == 0 {
        return Ok(None);
    }
    let rank = ((q * total as f64).ceil() as i64).clamp(1, total) - 1;
    let mut with_offset = values;
    with_offset.push(rank.into());
    let row = conn
        .query_one_raw(statement(
            backend,
            &format!("{sql} ORDER BY d LIMIT 1 OFFSET ?"),
            with_offset,
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<f64>("", "d")).transpose()?)
}

/// Median and 90th percentile of the time (days) spent in `stage`, over the stays in it
/// that ended (by a move or a closing) during the period.
pub async fn time_in_stage(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    stage: &str,
) -> Result<(Option<f64>, Option<f64>)> {
    let backend = conn.get_database_backend();
    let mut values: Vec<Value> = Vec::new();
    let filter = population(scope, &mut values);
    values.push(stage.into());
    values.extend(bind_dates(vec![scope.from.into(), scope.to.into()]));
    let duration = days_between(backend, "occurred_at", "next_at");
    let cast = if backend == DbBackend::Postgres {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    let sql = format!(
        "SELECT CAST({duration} AS {cast}) AS d FROM ( \
             SELECT e.to_stage, e.kind, e.occurred_at, \
                    LEAD(e.occurred_at) OVER (PARTITION BY e.holder_id ORDER BY e.occurred_at, e.id) AS next_at, \
                    LEAD(e.kind) OVER (PARTITION BY e.holder_id ORDER BY e.occurred_at, e.id) AS next_kind \
             FROM pathway_events e JOIN holders h ON h.id = e.holder_id WHERE {filter}) AS stays \
         WHERE to_stage = ? AND kind IN ('entree', 'changement', 'reouverture') AND next_kind IN ('changement', 'cloture') \
           AND next_at >= ? AND next_at < ?"
    );
    Ok((
        quantile(conn, &sql, values.clone(), 0.5).await?,
        quantile(conn, &sql, values, 0.9).await?,
    ))
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

/// Per sender → receiver pair; the caller sums per receiver.
pub async fn referral_pairs(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<ReferralCounts>> {
    let mut values: Vec<Value> = bind_dates(vec![scope.from.into(), scope.to.into()]);
    let orgs = placeholders(&scope.organisation_ids, &mut values);
    let orgs_again = placeholders(&scope.organisation_ids, &mut values);
    let sql = format!(
        "SELECT r.from_organisation_id AS f, r.to_organisation_id AS t, COUNT(*) AS sent, \
                COALESCE(SUM(CASE WHEN r.answered_at IS NOT NULL AND r.decline_reason IS NULL THEN 1 ELSE 0 END), 0) AS accepted, \
                COALESCE(SUM(CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END), 0) AS declined, \
                COALESCE(SUM(CASE WHEN r.status = 'expired' THEN 1 ELSE 0 END), 0) AS expired, \
                COALESCE(SUM(CASE WHEN r.status = 'withdrawn' THEN 1 ELSE 0 END), 0) AS withdrawn, \
                COALESCE(SUM(CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END), 0) AS completed \
         FROM referrals r WHERE r.sent_at >= ? AND r.sent_at < ? \
           AND (r.from_organisation_id IN ({orgs}) OR r.to_organisation_id IN ({orgs_again})) \
         GROUP BY r.from_organisation_id, r.to_organisation_id ORDER BY r.from_organisation_id, r.to_organisation_id"
    );
    let rows = conn
        .query_all_raw(statement(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ReferralCounts {
                from_organisation_id: r.try_get("", "f")?,
                to_organisation_id: r.try_get("", "t")?,
                sent: r.try_get("", "sent")?,
                accepted: r.try_get("", "accepted")?,
                declined: r.try_get("", "declined")?,
                expired: r.try_get("", "expired")?,
                withdrawn: r.try_get("", "withdrawn")?,
                completed: r.try_get("", "completed")?,
            })
        })
        .collect()
}

/// Median days from sending to answer, for referrals answered, sent during the period
/// to `to_organisation_id`.
pub async fn median_answer_days(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    to_organisation_id: i64,
) -> Result<Option<f64>> {
    let backend = conn.get_database_backend();
    let mut values: Vec<Value> = vec![to_organisation_id.into()];
    values.extend(bind_dates(vec![scope.from.into(), scope.to.into()]));
    let duration = days_between(backend, "r.sent_at", "r.answered_at");
    let cast = if backend == DbBackend::Postgres {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    let sql = format!(
        "SELECT CAST({duration} AS {cast}) AS d FROM referrals r \
         WHERE r.to_organisation_id = ? AND r.answered_at IS NOT NULL AND r.sent_at >= ? AND r.sent_at < ?"
    );
    quantile(conn, &sql, values, 0.5).await
}

fn placeholders(ids: &[i64], values: &mut Vec<Value>) -> String {
    if ids.is_empty() {
        return "NULL".into();
    }
    ids.iter()
        .map(|id| {
            values.push((*id).into());
            "?"
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Contacts during the period by organisation, kind and month (`YYYY-MM`).
pub async fn contacts_by_month(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(i64, String, String, i64)>> {
    let backend = conn.get_database_backend();
    let month = match backend {
        DbBackend::Postgres => "to_char(c.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')",
        _ => "strftime('%Y-%m', c.occurred_at)",
    };
    let mut values: Vec<Value> = bind_dates(vec![scope.from.into(), scope.to.into()]);
    let filter = population(scope, &mut values);
    let sql = format!(
        "SELECT c.organisation_id AS org, c.kind AS kind, {month} AS month, COUNT(*) AS n \
         FROM contacts c JOIN holders h ON h.id = c.holder_id \
         WHERE c.occurred_at >= ? AND c.occurred_at < ? AND {filter} \
         GROUP BY c.organisation_id, c.kind, {month} ORDER BY 3, 1, 2"
    );
    let rows = conn.query_all_raw(statement(backend, &sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "org")?,
                r.try_get("", "kind")?,
                r.try_get("", "month")?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}
