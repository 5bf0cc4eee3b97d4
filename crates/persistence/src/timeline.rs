//! A holder's timeline: pathway events, contacts, consents and referral steps merged,
//! newest first.

use crate::Result;
use crate::consents::Consent;
use crate::contacts::Contact;
use crate::entities::{
    consents, contacts, event_attendees, events, hosting_agreements, pathway_events,
    referral_events, referrals,
};
use crate::events::{Attendance, Event};
use crate::holders::PathwayStep;
use crate::hosting::Agreement;
use crate::referrals::ReferralEvent;
use chrono::{DateTime, Utc};
use parcours_domain::referrals::{DeclineReason, ReferralOutcome};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Which referral a step belongs to: its two organisations, and how it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferralOf {
    pub from_organisation_id: i64,
    pub to_organisation_id: i64,
    pub decline_reason: Option<DeclineReason>,
    pub outcome: Option<ReferralOutcome>,
}

/// One entry, from whichever source.
#[derive(Clone, Debug)]
pub enum Entry {
    Pathway(PathwayStep),
    Contact(Contact),
    Consent(Consent),
    /// A step of a referral of this holder (sent, answered, reminded, closed), with
    /// the referral's sides and ending.
    Referral(ReferralEvent, ReferralOf),
    /// Named attendance at an awareness event.
    Attendance(Attendance, Event),
    /// A hosting agreement (at its recording).
    Hosting(Agreement),
}

impl Entry {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Pathway(e) => e.occurred_at,
            Self::Contact(c) => c.occurred_at,
            Self::Consent(c) => c.recorded_at,
            Self::Referral(e, _) => e.occurred_at,
            Self::Attendance(a, _) => a.registered_at,
            Self::Hosting(h) => h.created_at,
        }
    }

    /// Ties on time are broken by source, then id: (time, source, id) orders everything.
    pub fn source(&self) -> u8 {
        match self {
            Self::Pathway(_) => 3,
            Self::Contact(_) => 2,
            Self::Consent(_) => 1,
            Self::Referral(..) => 4,
            Self::Attendance(..) => 5,
            Self::Hosting(_) => 6,
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            Self::Pathway(e) => e.id,
            Self::Contact(c) => c.id,
            Self::Consent(c) => c.id,
            Self::Referral(e, _) => e.id,
            Self::Attendance(_, e) => e.id,
            Self::Hosting(h) => h.id,
        }
    }

    pub fn key(&self) -> (DateTime<Utc>, u8, i64) {
        (self.at(), self.source(), self.id())
    }
}

/// Rows of one source that come after `cursor` in (time desc, source desc, id desc).
fn after<C: ColumnTrait>(
    at: C,
    id: C,
    source: u8,
    cursor: Option<(DateTime<Utc>, u8, i64)>,
) -> Condition {
    match cursor {
        None => Condition::all(),
        Some((c_at, c_source, _)) if source < c_source => Condition::all().add(at.lte(c_at)),
        Some((c_at, c_source, _)) if source > c_source => Condition::all().add(at.lt(c_at)),
        Some((c_at, _, c_id)) => Condition::all()
            .add(at.lte(c_at))
            .add(Condition::any().add(at.lt(c_at)).add(id.lt(c_id))),
    }
}

/// One page of the timeline and whether more follow. Each source is read with its own
/// index on (holder, time), `limit + 1` rows at most, then merged.
pub async fn page(
    conn: &impl ConnectionTrait,
    read: &parcours_domain::access::Read,
    cursor: Option<(DateTime<Utc>, u8, i64)>,
    limit: u64,
) -> Result<(Vec<Entry>, bool)> {
    let holder_id = read.holder_id();
    let pathway = pathway_events::Entity::find()
        .filter(pathway_events::Column::HolderId.eq(holder_id))
        .filter(after(
            pathway_events::Column::OccurredAt,
            pathway_events::Column::Id,
            3,
            cursor,
        ))
        .order_by_desc(pathway_events::Column::OccurredAt)
        .order_by_desc(pathway_events::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?
        .into_iter()
        .map(PathwayStep::try_from)
        .collect::<Result<Vec<_>>>()?;
    let contacts = contacts::Entity::find()
        .filter(contacts::Column::HolderId.eq(holder_id))
        .filter(after(
            contacts::Column::OccurredAt,
            contacts::Column::Id,
            2,
            cursor,
        ))
        .order_by_desc(contacts::Column::OccurredAt)
        .order_by_desc(contacts::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let contacts = crate::contacts::records(contacts)?;
    let consents = consents::Entity::find()
        .filter(consents::Column::HolderId.eq(holder_id))
        .filter(after(
            consents::Column::RecordedAt,
            consents::Column::Id,
            1,
            cursor,
        ))
        .order_by_desc(consents::Column::RecordedAt)
        .order_by_desc(consents::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let consents = crate::consents::records(consents)?;
    let mut referral_rows: HashMap<i64, ReferralOf> = HashMap::new();
    for model in referrals::Entity::find()
        .filter(referrals::Column::HolderId.eq(holder_id))
        .all(conn)
        .await?
    {
        let r = crate::referrals::Referral::try_from(model)?;
        referral_rows.insert(
            r.id,
            ReferralOf {
                from_organisation_id: r.from_organisation_id,
                to_organisation_id: r.to_organisation_id,
                decline_reason: r.decline_reason,
                outcome: r.outcome,
            },
        );
    }
    let referral_ids: Vec<i64> = referral_rows.keys().copied().collect();
    let referral_steps = if referral_ids.is_empty() {
        Vec::new()
    } else {
        referral_events::Entity::find()
            .filter(referral_events::Column::ReferralId.is_in(referral_ids))
            .filter(after(
                referral_events::Column::OccurredAt,
                referral_events::Column::Id,
                4,
                cursor,
            ))
            .order_by_desc(referral_events::Column::OccurredAt)
            .order_by_desc(referral_events::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?
    };
    let referral_steps = crate::referrals::event_records(referral_steps)?;
    // A person attends few events and holds few agreements: read them all, keep those
    // past the cursor.
    let attended = attended(conn, holder_id).await?;
    let hosting = crate::hosting::agreement_records(
        hosting_agreements::Entity::find()
            .filter(hosting_agreements::Column::HolderId.eq(holder_id))
            .all(conn)
            .await?,
    )?;
    let small: Vec<Entry> = attended
        .into_iter()
        .map(|(a, e)| Entry::Attendance(a, e))
        .chain(hosting.into_iter().map(Entry::Hosting))
        .filter(|entry| cursor.is_none_or(|c| entry.key() < c))
        .collect();
    let mut entries: Vec<Entry> = pathway
        .into_iter()
        .map(Entry::Pathway)
        .chain(contacts.into_iter().map(Entry::Contact))
        .chain(consents.into_iter().map(Entry::Consent))
        .chain(referral_steps.into_iter().filter_map(|step| {
            let of = *referral_rows.get(&step.referral_id)?;
            Some(Entry::Referral(step, of))
        }))
        .chain(small)
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.key()));
    let more = entries.len() as u64 > limit;
    entries.truncate(limit as usize);
    Ok((entries, more))
}

/// A holder's attendances with their events, in two queries.
async fn attended(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<(Attendance, Event)>> {
    let rows = event_attendees::Entity::find()
        .filter(event_attendees::Column::HolderId.eq(holder_id))
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|a| a.event_id).collect();
    let by_id: std::collections::HashMap<i64, Event> = crate::events::records(
        events::Entity::find()
            .filter(events::Column::Id.is_in(ids))
            .all(conn)
            .await?,
    )?
    .into_iter()
    .map(|e| (e.id, e))
    .collect();
    Ok(rows
        .into_iter()
        .filter_map(|a| {
            by_id
                .get(&a.event_id)
                .cloned()
                .map(|e| (Attendance::from(a), e))
        })
        .collect())
}
