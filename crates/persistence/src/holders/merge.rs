//! Files of one person: the pairs that may be one, merging one into the other, and the
//! pointer a merged id leaves.

use crate::Result;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use parcours_domain::access::Change;
use sea_orm::ConnectionTrait;

/// Merges the file `from` into the file `into` (both of one organisation, both proofs
/// held), in the caller's transaction: contacts, projects, consents, referrals, events
/// attended (once each), hosting agreements, « garder » and audit entries follow; the
/// merged file's own pathway steps and row go, and its id points to the one kept.
pub async fn merge(
    conn: &impl ConnectionTrait,
    into: &Change,
    from: &Change,
    organisation_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let (into, from) = (into.holder_id(), from.holder_id());
    let run = async |sql: &mut Sql| -> Result<()> {
        conn.execute_raw(sql.statement(conn.get_database_backend()))
            .await?;
        Ok(())
    };
    // An event both attended stays once.
    run(Sql::default()
        .push("DELETE FROM event_attendees WHERE holder_id = ")
        .bind(from)
        .push(" AND event_id IN (SELECT event_id FROM event_attendees WHERE holder_id = ")
        .bind(into)
        .push(")"))
    .await?;
    for table in [
        "event_attendees",
        "contacts",
        "projects",
        "consents",
        "referrals",
        "hosting_agreements",
        "retention_keeps",
        "audit_entries",
    ] {
        run(Sql::default()
            .push(&format!("UPDATE {table} SET holder_id = "))
            .bind(into)
            .push(" WHERE holder_id = ")
            .bind(from))
        .await?;
    }
    run(Sql::default()
        .push("DELETE FROM pathway_events WHERE holder_id = ")
        .bind(from))
    .await?;
    run(Sql::default()
        .push("UPDATE holder_merges SET into_id = ")
        .bind(into)
        .push(" WHERE into_id = ")
        .bind(from))
    .await?;
    run(Sql::default()
        .push("DELETE FROM holders WHERE id = ")
        .bind(from))
    .await?;
    run(Sql::default()
        .push("INSERT INTO holder_merges (from_id, into_id, organisation_id, merged_by, merged_at) VALUES (")
        .bind(from)
        .push(", ")
        .bind(into)
        .push(", ")
        .bind(organisation_id)
        .push(", ")
        .bind(user_id)
        .push(", ")
        .bind(now)
        .push(")"))
    .await?;
    Ok(())
}

/// The file a merged file of `organisation_id` now lives in, if `id` was merged.
pub async fn merged_into(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<i64>> {
    let mut sql = Sql::default();
    sql.push("SELECT into_id FROM holder_merges WHERE from_id = ")
        .bind(id)
        .push(" AND organisation_id = ")
        .bind(organisation_id);
    match sql.all(conn).await?.first() {
        Some(row) => Ok(Some(row.try_get("", "into_id")?)),
        None => Ok(None),
    }
}

/// Pairs of files of the organisation that may be one person: the same name (accents
/// and case aside) and birth date, or the same phone, or the same e-mail. Anonymised
/// files are left out. Lower id first, by id.
pub async fn duplicate_pairs(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT a.id AS a, b.id AS b FROM holders a CROSS JOIN holders b \
         WHERE a.referent_organisation_id = ",
    )
    .bind(organisation_id)
    .push(" AND b.referent_organisation_id = ")
    .bind(organisation_id)
    .push(
        " AND a.id < b.id AND a.anonymised_at IS NULL AND b.anonymised_at IS NULL \
         AND ((a.sort_key = b.sort_key AND a.birth_date = b.birth_date) \
         OR a.phone = b.phone OR a.email = b.email) ORDER BY a.id, b.id LIMIT 200",
    );
    sql.all(conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "a")?, row.try_get("", "b")?)))
        .collect()
}
