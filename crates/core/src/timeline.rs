//! A holder's timeline: stage changes, contacts, consents, referral steps, events
//! attended and hosting, newest first.

use crate::access::read_file;
use crate::{Actor, Core, Page, PageRequest, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::audit::AuditAction;
use parcours_persistence::timeline::{self, Entry};

/// One page of a holder's timeline.
pub async fn page(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Entry>> {
    let mut errors = ValidationErrors::new();
    let (cursor, limit) = page.parse(&mut errors);
    errors.into_result()?;
    let (entries, more) = read_file(
        core,
        actor,
        holder_id,
        AuditAction::TimelineRead,
        now,
        async |txn, _, read| Ok(timeline::page(txn, &read, cursor, limit).await?),
    )
    .await?;
    Ok(Page::of(entries, more, Entry::key))
}
