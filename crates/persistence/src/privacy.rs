//! Personal data over its whole life: the files without activity since a date, each
//! file's last activity, the reasons given to keep a file, anonymising a file in place,
//! and deleting audit entries past their retention.
//!
//! A file's activity is what people did with the person: registration, contacts, stage
//! changes (entry, moves, closing, reopening), referral steps, events attended, hosting
//! (an agreement in force counts until its end) and each « garder » with its reason.

use crate::entities::{
    audit_entries, contacts, holders, pathway_events, projects, referral_events, referrals,
    retention_keeps,
};
use crate::sql::Sql;
use crate::{PersistenceError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::access::Change;
use parcours_domain::privacy::{ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME, coarse_birth_date};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// Which files [`stale`] looks at.
#[derive(Clone, Copy, Debug, Default)]
pub struct Among {
    /// One référent organisation's files; every organisation's when none.
    pub organisation_id: Option<i64>,
    /// One file only (checked again inside the anonymising transaction).
    pub holder_id: Option<i64>,
}

/// A file without activity since a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaleFile {
    pub holder_id: i64,
    pub organisation_id: i64,
}

/// How an activity dates a file: at an instant, or on a day (from its midnight UTC).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dated {
    Instant,
    Day,
}

/// One kind of activity on a file: rows of `from` (aliased `x`, joined with `join`),
/// the holder they are about, and when.
struct Activity {
    from: &'static str,
    holder: &'static str,
    at: &'static str,
    join: &'static str,
    dated: Dated,
}

const fn activity(from: &'static str, holder: &'static str, at: &'static str) -> Activity {
    Activity {
        from,
        holder,
        at,
        join: "",
        dated: Dated::Instant,
    }
}

/// What counts as activity on a file (see the module): the one list [`stale`] and
/// [`last_activity`] read.
const ACTIVITY: [Activity; 10] = [
    activity("holders x", "x.id", "x.created_at"),
    activity("contacts x", "x.holder_id", "x.occurred_at"),
    activity("pathway_events x", "x.holder_id", "x.occurred_at"),
    activity("referrals x", "x.holder_id", "x.sent_at"),
    Activity {
        join: " AND re.referral_id = x.id",
        ..activity(
            "referral_events re CROSS JOIN referrals x",
            "x.holder_id",
            "re.occurred_at",
        )
    },
    activity("event_attendees x", "x.holder_id", "x.registered_at"),
    activity("hosting_agreements x", "x.holder_id", "x.created_at"),
    activity("retention_keeps x", "x.holder_id", "x.kept_at"),
    Activity {
        join: " AND ev.id = x.event_id",
        dated: Dated::Day,
        ..activity(
            "event_attendees x CROSS JOIN events ev",
            "x.holder_id",
            "ev.held_on",
        )
    },
    Activity {
        dated: Dated::Day,
        ..activity(
            "hosting_agreements x",
            "x.holder_id",
            "COALESCE(x.actual_end, x.planned_end)",
        )
    },
];

/// The files, not yet anonymised, with no activity after `since`, by id. A day's
/// activity (an event, a hosting agreement's end) counts from the day's midnight UTC.
pub async fn stale(
    conn: &impl ConnectionTrait,
    among: Among,
    since: DateTime<Utc>,
) -> Result<Vec<StaleFile>> {
    let day: NaiveDate = since.date_naive();
    let mut sql = Sql::default();
    sql.push(
        "SELECT h.id AS id, h.referent_organisation_id AS organisation_id FROM holders h \
         WHERE h.anonymised_at IS NULL",
    );
    if let Some(organisation_id) = among.organisation_id {
        sql.push(" AND h.referent_organisation_id = ")
            .bind(organisation_id);
    }
    if let Some(holder_id) = among.holder_id {
        sql.push(" AND h.id = ").bind(holder_id);
    }
    for Activity {
        from,
        holder,
        at,
        join,
        dated,
    } in &ACTIVITY
    {
        sql.push(&format!(
            " AND NOT EXISTS (SELECT 1 FROM {from} WHERE {holder} = h.id{join} AND {at} > "
        ));
        match dated {
            Dated::Instant => sql.bind(since),
            Dated::Day => sql.bind(day),
        };
        sql.push(")");
    }
    sql.push(" ORDER BY h.id");
    sql.all(conn)
        .await?
        .iter()
        .map(|row| {
            Ok(StaleFile {
                holder_id: row.try_get("", "id")?,
                organisation_id: row.try_get("", "organisation_id")?,
            })
        })
        .collect()
}

/// Each file's last activity (see the module), for a few files (a warning list).
pub async fn last_activity(
    conn: &impl ConnectionTrait,
    holder_ids: &[i64],
) -> Result<HashMap<i64, DateTime<Utc>>> {
    let mut last: HashMap<i64, DateTime<Utc>> = HashMap::new();
    if holder_ids.is_empty() {
        return Ok(last);
    }
    for Activity {
        from,
        holder,
        at,
        join,
        dated,
    } in &ACTIVITY
    {
        for row in maxima(from, holder, at, join, holder_ids).all(conn).await? {
            let at = match dated {
                Dated::Instant => row.try_get::<Option<DateTime<Utc>>>("", "at")?,
                Dated::Day => row
                    .try_get::<Option<NaiveDate>>("", "at")?
                    .map(|day| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
            };
            if let Some(at) = at {
                let entry = last.entry(row.try_get("", "holder_id")?).or_insert(at);
                if at > *entry {
                    *entry = at;
                }
            }
        }
    }
    Ok(last)
}

/// `SELECT holder, MAX(at) … GROUP BY holder` for the given holders.
fn maxima(from: &str, holder: &str, at: &str, join: &str, holder_ids: &[i64]) -> Sql {
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT {holder} AS holder_id, MAX({at}) AS at FROM {from} WHERE {holder} IN "
    ))
    .ids(holder_ids)
    .push(&format!("{join} GROUP BY {holder}"));
    sql
}

/// A « garder »: someone of the référent organisation decided, for a reason, that the
/// file is still needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Keep {
    pub id: i64,
    pub holder_id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub reason: String,
    pub kept_at: DateTime<Utc>,
}

parcours_domain::redacted_debug!(Keep {
    id,
    holder_id,
    kept_at
});

impl From<retention_keeps::Model> for Keep {
    fn from(m: retention_keeps::Model) -> Self {
        Self {
            id: m.id,
            holder_id: m.holder_id,
            organisation_id: m.organisation_id,
            user_id: m.user_id,
            reason: m.reason,
            kept_at: m.kept_at,
        }
    }
}

/// Records a « garder » on the file the proof is for.
pub async fn keep(
    conn: &impl ConnectionTrait,
    change: &Change,
    organisation_id: i64,
    user_id: i64,
    reason: String,
    now: DateTime<Utc>,
) -> Result<Keep> {
    let inserted = retention_keeps::Entity::insert(retention_keeps::ActiveModel {
        holder_id: Set(change.holder_id()),
        organisation_id: Set(organisation_id),
        user_id: Set(user_id),
        reason: Set(reason),
        kept_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    retention_keeps::Entity::find_by_id(inserted.last_insert_id)
        .one(conn)
        .await?
        .map(Keep::from)
        .ok_or(PersistenceError::NotFound)
}

/// A file's « garder », newest first.
pub async fn keeps(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<Keep>> {
    Ok(retention_keeps::Entity::find()
        .filter(retention_keeps::Column::HolderId.eq(holder_id))
        .order_by_desc(retention_keeps::Column::KeptAt)
        .order_by_desc(retention_keeps::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Keep::from)
        .collect())
}

/// Anonymises a file in place, in the caller's transaction: identity, contact details,
/// address, the exact birth date (the month stays) and every free text written about
/// the person go; what the reports count stays (the stage history with its dates,
/// outcomes, organisations, gender, QPV status, situation, age band, a business
/// created without its SIRET). Unsent e-mails about the person are dropped by the
/// caller, who knows their keys. Returns the ids of the person's referrals.
pub async fn anonymise(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let holder = holders::Entity::find_by_id(holder_id)
        .one(conn)
        .await?
        .ok_or(PersistenceError::NotFound)?;
    let (sort_key, first_name_key) =
        crate::holders::keys_of(ANONYMOUS_LAST_NAME, ANONYMOUS_FIRST_NAME);
    holders::Entity::update_many()
        .set(holders::ActiveModel {
            first_name: Set(ANONYMOUS_FIRST_NAME.to_owned()),
            last_name: Set(ANONYMOUS_LAST_NAME.to_owned()),
            sort_key: Set(sort_key),
            first_name_key: Set(first_name_key),
            birth_date: Set(holder.birth_date.map(coarse_birth_date)),
            email: Set(None),
            phone: Set(None),
            address: Set(None),
            postal_code: Set(None),
            // The former tool's reference would lead back to the person there.
            external_ref: Set(None),
            version: Set(holder.version + 1),
            updated_at: Set(now),
            anonymised_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(holders::Column::Id.eq(holder_id))
        .exec(conn)
        .await?;
    contacts::Entity::update_many()
        .col_expr(contacts::Column::Notes, Expr::value(Option::<String>::None))
        .col_expr(
            contacts::Column::NextAction,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            contacts::Column::NextActionDue,
            Expr::value(Option::<NaiveDate>::None),
        )
        .filter(contacts::Column::HolderId.eq(holder_id))
        .exec(conn)
        .await?;
    projects::Entity::update_many()
        .col_expr(projects::Column::Idea, Expr::value(String::new()))
        .col_expr(projects::Column::Siret, Expr::value(Option::<String>::None))
        .filter(projects::Column::HolderId.eq(holder_id))
        .exec(conn)
        .await?;
    pathway_events::Entity::update_many()
        .col_expr(
            pathway_events::Column::Reason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            pathway_events::Column::Siret,
            Expr::value(Option::<String>::None),
        )
        .filter(pathway_events::Column::HolderId.eq(holder_id))
        .exec(conn)
        .await?;
    let referral_ids: Vec<i64> = referrals::Entity::find()
        .filter(referrals::Column::HolderId.eq(holder_id))
        .order_by_asc(referrals::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    referrals::Entity::update_many()
        .col_expr(referrals::Column::Need, Expr::value(String::new()))
        .col_expr(
            referrals::Column::Message,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            referrals::Column::DeclineText,
            Expr::value(Option::<String>::None),
        )
        .filter(referrals::Column::HolderId.eq(holder_id))
        .exec(conn)
        .await?;
    if !referral_ids.is_empty() {
        referral_events::Entity::update_many()
            .col_expr(
                referral_events::Column::Reason,
                Expr::value(Option::<String>::None),
            )
            .filter(referral_events::Column::ReferralId.is_in(referral_ids.clone()))
            .exec(conn)
            .await?;
    }
    retention_keeps::Entity::update_many()
        .col_expr(retention_keeps::Column::Reason, Expr::value(String::new()))
        .filter(retention_keeps::Column::HolderId.eq(holder_id))
        .exec(conn)
        .await?;
    Ok(referral_ids)
}

/// Deletes the audit entries written before `before`; how many.
pub async fn delete_audit_before(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64> {
    Ok(audit_entries::Entity::delete_many()
        .filter(Expr::col(audit_entries::Column::OccurredAt).lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Records who erased the file on request, and the request's reference, in the
/// erasing transaction.
pub async fn mark_erased(
    conn: &impl ConnectionTrait,
    change: &Change,
    user_id: i64,
    reason: String,
) -> Result<()> {
    holders::Entity::update_many()
        .col_expr(holders::Column::ErasedBy, Expr::value(Some(user_id)))
        .col_expr(holders::Column::ErasureReason, Expr::value(Some(reason)))
        .filter(holders::Column::Id.eq(change.holder_id()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Schedules the file's anonymisation by the daily job from `from` whatever its
/// activity, or cancels it (`None`).
pub async fn schedule(
    conn: &impl ConnectionTrait,
    change: &Change,
    from: Option<DateTime<Utc>>,
) -> Result<()> {
    holders::Entity::update_many()
        .col_expr(holders::Column::AnonymiseFrom, Expr::value(from))
        .filter(holders::Column::Id.eq(change.holder_id()))
        .filter(holders::Column::AnonymisedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// The files scheduled for anonymisation at or before `now`, not yet anonymised.
pub async fn scheduled(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<i64>> {
    Ok(holders::Entity::find()
        .filter(holders::Column::AnonymisedAt.is_null())
        .filter(holders::Column::AnonymiseFrom.lte(now))
        .order_by_asc(holders::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|h| h.id)
        .collect())
}
