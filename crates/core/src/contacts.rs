//! Contacts with a holder, and the follow-ups they leave: logged by the référent
//! organisation and by a partner with an accepted referral.

use crate::access::{audit_reads, read_file, write_file};
use crate::text::{optional, required, text};
use crate::{Actor, Core, Page, PageRequest, Result};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::Record;
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::{ContactKind, MAX_DURATION_MINUTES, MAX_NOTES_CHARS, Topic};
use parcours_domain::holders::parse_date;
use parcours_persistence::contacts::{self, Contact, NewContact};
use parcours_persistence::holders::{self, Holder};
use parcours_persistence::hosting::{self, Agreement};
use serde::Deserialize;

#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// `entretien`, `telephone`, `email`, `atelier`, `permanence`, `evenement` or `visite`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::contacts::ContactKind, required = true))]
    pub kind: Option<String>,
    /// When it happened: RFC 3339 date-time, or a date (YYYY-MM-DD). Default: now.
    pub occurred_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub duration_minutes: Option<i32>,
    /// What it was about (`idee`, `financement`, `frein_mobilite`…).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<parcours_domain::contacts::Topic>))]
    pub topics: Vec<String>,
    /// Short notes: no health or other sensitive details beyond what the follow-up needs.
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub notes: Option<String>,
    /// The next step, and when it is due (both or neither).
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub next_action: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub next_action_due: Option<String>,
}

parcours_domain::redacted_debug!(ContactInput { kind, occurred_at });

/// A moment as typed: a date-time, or a day (taken at noon).
fn parse_moment(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    parse_date(raw)
        .map(|d| {
            d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
                .and_utc()
        })
        .map_err(|_| "date invalide : AAAA-MM-JJ ou date et heure RFC 3339".to_owned())
}

fn validate(actor: &Actor, input: &ContactInput, now: DateTime<Utc>) -> Result<NewContact> {
    let mut errors = ValidationErrors::new();
    let kind = required(
        &mut errors,
        "kind",
        input.kind.as_deref(),
        str::parse::<ContactKind>,
    );
    let occurred_at = match input.occurred_at.as_deref() {
        None => Some(now),
        Some(raw) => errors.check("occurred_at", parse_moment(raw)),
    };
    if occurred_at.is_some_and(|at| at > now + Duration::days(1)) {
        errors.add("occurred_at", "un contact ne peut pas être dans le futur");
    }
    if input
        .duration_minutes
        .is_some_and(|d| !(1..=MAX_DURATION_MINUTES).contains(&d))
    {
        errors.add(
            "duration_minutes",
            format!("entre 1 et {MAX_DURATION_MINUTES} minutes"),
        );
    }
    let topics: Vec<Topic> = crate::text::words(&mut errors, "topics", &input.topics);
    let notes = text(
        &mut errors,
        "notes",
        input.notes.as_deref(),
        MAX_NOTES_CHARS,
    );
    let next_action = text(
        &mut errors,
        "next_action",
        input.next_action.as_deref(),
        300,
    );
    let next_action_due: Option<NaiveDate> = optional(
        &mut errors,
        "next_action_due",
        input.next_action_due.as_deref(),
        parse_date,
    );
    match (&next_action, next_action_due) {
        (Some(_), None) => errors.add(
            "next_action_due",
            "précisez l'échéance de l'action suivante",
        ),
        (None, Some(_)) => errors.add("next_action", "précisez l'action attendue à cette échéance"),
        (Some(_), Some(due))
            if occurred_at.is_some_and(|at| due < parcours_domain::calendar::paris_day(at)) =>
        {
            errors.add("next_action_due", "l'échéance précède le contact")
        }
        _ => {}
    }
    errors.into_result()?;
    Ok(NewContact {
        organisation_id: actor.organisation_id,
        user_id: actor.user_id,
        kind: kind.unwrap_or(ContactKind::Entretien),
        occurred_at: occurred_at.unwrap_or(now),
        duration_minutes: input.duration_minutes,
        topics,
        notes,
        next_action,
        next_action_due,
    })
}

/// Logs a contact of the actor's organisation. It supersedes the open next actions the
/// organisation left on this holder.
pub async fn log(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    input: ContactInput,
    now: DateTime<Utc>,
) -> Result<Contact> {
    write_file(
        core,
        actor,
        holder_id,
        AuditAction::ContactCreate,
        now,
        async |txn, _, record: Record| {
            let new = validate(actor, &input, now)?;
            Ok(contacts::create(txn, &record, new, now).await?)
        },
    )
    .await
}

/// A holder's contacts, newest first.
pub async fn list(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Contact>> {
    let mut errors = ValidationErrors::new();
    let (before, limit) = page.parse(&mut errors);
    errors.into_result()?;
    let (rows, more) = read_file(
        core,
        actor,
        holder_id,
        AuditAction::ContactList,
        now,
        async |txn, _, read| Ok(contacts::for_holder(txn, &read, before, limit).await?),
    )
    .await?;
    Ok(Page::of(rows, more, |c| (c.occurred_at, c.id)))
}

/// A next action due, with the person it concerns.
#[derive(Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub contact: Contact,
    pub holder: Holder,
    pub due: NaiveDate,
    /// Days past the due date (0 when due today).
    pub days_overdue: i64,
}

parcours_domain::redacted_debug!(FollowUp {
    contact,
    holder,
    due
});

/// A hosting agreement of the organisation ending within 60 days.
#[derive(Clone, PartialEq, Eq)]
pub struct HostingEnding {
    pub agreement: Agreement,
    pub holder: Holder,
    /// Negative once the planned end has passed without the agreement being ended.
    pub days_left: i64,
}

parcours_domain::redacted_debug!(HostingEnding { agreement, holder });

/// The actor's follow-ups, and on the first page the organisation's hosting agreements
/// ending soon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUps {
    pub page: Page<FollowUp>,
    pub hosting_ending: Vec<HostingEnding>,
}

/// How far ahead a host is told of agreements ending.
pub(crate) const ENDING_WITHIN: Duration = Duration::days(60);

/// The actor's next actions due today or overdue, oldest first, on people their
/// organisation still follows.
pub async fn follow_ups(
    core: &Core,
    actor: &Actor,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<FollowUps> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let (after, limit) = page.parse::<(NaiveDate, i64)>(&mut errors);
    errors.into_result()?;
    let today = parcours_domain::calendar::paris_day(now);
    let txn = core.db.begin_read().await?;
    let first_page = after.is_none();
    let (items, more) = contacts::follow_ups(&txn, actor.user_id, today, after, limit).await?;
    // The actor's own next actions, on people their organisation still follows.
    let items: Vec<_> = items
        .into_iter()
        .filter(|f| f.holder.referent_organisation_id == actor.organisation_id)
        .collect();
    let mut hosting_ending = Vec::new();
    if first_page {
        let agreements =
            hosting::ending_by(&txn, actor.organisation_id, today + ENDING_WITHIN).await?;
        let ids: Vec<i64> = agreements.iter().map(|a| a.holder_id).collect();
        let people: std::collections::HashMap<i64, Holder> = holders::get_many(&txn, &ids)
            .await?
            .into_iter()
            .map(|h| (h.id, h))
            .collect();
        for agreement in agreements {
            if let Some(holder) = people.get(&agreement.holder_id) {
                hosting_ending.push(HostingEnding {
                    days_left: (agreement.planned_end - today).num_days(),
                    holder: holder.clone(),
                    agreement,
                });
            }
        }
    }
    parcours_persistence::commit(txn).await?;
    let ids: Vec<i64> = items
        .iter()
        .map(|f| f.holder.id)
        .chain(hosting_ending.iter().map(|h| h.holder.id))
        .collect();
    audit_reads(core, actor, AuditAction::FollowUpsRead, &ids, now).await?;
    let follow_ups: Vec<FollowUp> = items
        .into_iter()
        .filter_map(|f| {
            let due = f.contact.next_action_due?;
            Some(FollowUp {
                days_overdue: (today - due).num_days(),
                due,
                contact: f.contact,
                holder: f.holder,
            })
        })
        .collect();
    Ok(FollowUps {
        page: Page::of(follow_ups, more, |f| (f.due, f.contact.id)),
        hosting_ending,
    })
}
