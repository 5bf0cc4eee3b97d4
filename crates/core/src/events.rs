//! Awareness events: what was organised, with whom, and who came — named or counted.

use crate::access::{audit_in, write_in};
use crate::holders::{HolderInput, register_in};
use crate::text::{optional, required, required_text, text};
use crate::{Actor, Core, Error, Page, PageRequest, Refusal, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::Record;
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::ConsentPurpose;
use parcours_domain::events::{EventKind, Headcount};
use parcours_domain::holders::{QpvCode, parse_date};
use parcours_domain::pathway::Stage;
use parcours_persistence::events::{self, Attendance, Event, EventFields};
use parcours_persistence::holders::{Holder, HolderFields};
use parcours_persistence::{ConnectionTrait, commit, consents, organisations};
use serde::{Deserialize, Serialize};

/// People reached without their names.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeadcountInput {
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000))]
    pub total: i32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000))]
    pub women: i32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000))]
    pub under_26: i32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000))]
    pub qpv_residents: i32,
}

impl From<&Event> for HeadcountInput {
    fn from(event: &Event) -> Self {
        Self {
            total: event.headcount_total,
            women: event.headcount_women,
            under_26: event.headcount_under26,
            qpv_residents: event.headcount_qpv,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// `bus`, `cafe_createurs`, `atelier`, `forum`, `temoignages`, `mini_entreprise`, `autre`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::events::EventKind, required = true))]
    pub kind: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 200))]
    pub title: Option<String>,
    /// YYYY-MM-DD.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate, required = true))]
    pub held_on: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub place: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::QpvCode>))]
    pub qpv_code: Option<String>,
    /// Other organisations involved (ids).
    pub partners: Option<Vec<i64>>,
    /// People reached without their names.
    pub headcount: Option<HeadcountInput>,
}

/// An event with its partners and attendance, as the reader may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventDetail {
    pub event: Event,
    pub partners: Vec<i64>,
    /// Named attendees, all organisations together.
    pub named_count: usize,
    /// Named attendees the reader's organisation follows (the others stay counted only).
    pub attendees: Vec<(Attendance, Holder)>,
}

impl EventDetail {
    pub fn headcount(&self) -> HeadcountInput {
        HeadcountInput::from(&self.event)
    }

    /// Whether the reader may change the event (see [`may_change`]).
    pub fn may_change(&self, actor: &Actor) -> bool {
        may_change(&self.event, actor)
    }
}

/// The organisation that ran an event changes it; its partners see it, and record
/// who came.
pub fn may_change(event: &Event, actor: &Actor) -> bool {
    event.organisation_id == actor.organisation_id
}

async fn detail(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    event: Event,
    now: DateTime<Utc>,
) -> Result<EventDetail> {
    let attendance = events::attendees(conn, event.id).await?;
    let named_count = attendance.len();
    let attendees: Vec<(Attendance, Holder)> = attendance
        .into_iter()
        .filter(|(_, holder)| holder.referent_organisation_id == actor.organisation_id)
        .collect();
    let ids: Vec<i64> = attendees.iter().map(|(_, h)| h.id).collect();
    audit_in(conn, actor, AuditAction::EventAttendeeRead, &ids, now).await?;
    Ok(EventDetail {
        partners: events::partners(conn, event.id).await?,
        event,
        named_count,
        attendees,
    })
}

async fn validate(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &EventInput,
) -> Result<EventFields> {
    let mut errors = ValidationErrors::new();
    let kind = required(
        &mut errors,
        "kind",
        input.kind.as_deref(),
        str::parse::<EventKind>,
    );
    let title = required_text(
        &mut errors,
        "title",
        input.title.as_deref(),
        200,
        "obligatoire",
    );
    let held_on = required(&mut errors, "held_on", input.held_on.as_deref(), parse_date);
    let place = text(&mut errors, "place", input.place.as_deref(), 300);
    let qpv_code = optional(
        &mut errors,
        "qpv_code",
        input.qpv_code.as_deref(),
        QpvCode::parse,
    );
    let headcount = input.headcount.unwrap_or_default();
    let counts = Headcount {
        total: headcount.total,
        women: headcount.women,
        under_26: headcount.under_26,
        qpv_residents: headcount.qpv_residents,
    };
    if let Err(problems) = counts.check() {
        for (field, message) in problems {
            errors.add(field, message);
        }
    }
    let mut partners = Vec::new();
    for (i, id) in input.partners.iter().flatten().enumerate() {
        if *id == actor.organisation_id || organisations::get(conn, *id).await?.is_none() {
            errors.add(
                format!("partners[{i}]"),
                "structure partenaire inconnue (ou la vôtre)",
            );
        } else if !partners.contains(id) {
            partners.push(*id);
        }
    }
    errors.into_result()?;
    Ok(EventFields {
        kind: kind.unwrap_or(EventKind::Autre),
        title: title.unwrap_or_default(),
        held_on: held_on.unwrap_or_default(),
        place,
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        headcount_total: counts.total,
        headcount_women: counts.women,
        headcount_under26: counts.under_26,
        headcount_qpv: counts.qpv_residents,
        partners,
    })
}

/// Records an awareness event of the actor's organisation.
pub async fn create(
    core: &Core,
    actor: &Actor,
    input: EventInput,
    now: DateTime<Utc>,
) -> Result<EventDetail> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let fields = validate(&txn, actor, &input).await?;
    let event = events::create(&txn, actor.organisation_id, actor.user_id, &fields, now).await?;
    let body = detail(&txn, actor, event, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// Events the organisation ran or took part in, most recent first.
pub async fn list(
    core: &Core,
    actor: &Actor,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<EventDetail>> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let (before, limit) = page.parse(&mut errors);
    errors.into_result()?;
    let txn = core.db.begin_write().await?;
    let (rows, more) = events::list(&txn, actor.organisation_id, before, limit).await?;
    let mut items = Vec::with_capacity(rows.len());
    for event in rows {
        items.push(detail(&txn, actor, event, now).await?);
    }
    commit(txn).await?;
    Ok(Page::of(items, more, |e| (e.event.held_on, e.event.id)))
}

/// An event as lists and the calendar show it: no names, so nothing to audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSummary {
    pub event: Event,
    /// Named attendees, all organisations together.
    pub named_count: i64,
}

async fn summaries(conn: &impl ConnectionTrait, rows: Vec<Event>) -> Result<Vec<EventSummary>> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let counts = events::named_counts(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|event| EventSummary {
            named_count: counts.get(&event.id).copied().unwrap_or(0),
            event,
        })
        .collect())
}

/// The most events a period shows at once (a month's calendar, what is coming up).
pub const PERIOD_LIMIT: u64 = 200;

/// Events the organisation ran or took part in, held from `from` to `to` (both days
/// included; open-ended without `to`), in date order: at most [`PERIOD_LIMIT`], and
/// whether more were held.
pub async fn between(
    core: &Core,
    actor: &Actor,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Result<(Vec<EventSummary>, bool)> {
    actor.require_personal_data()?;
    let conn = core.db.conn();
    let (rows, more) = events::between(conn, actor.organisation_id, from, to, PERIOD_LIMIT).await?;
    Ok((summaries(conn, rows).await?, more))
}

/// Events the organisation ran or took part in before `day`, most recent first, a page
/// at a time.
pub async fn before(
    core: &Core,
    actor: &Actor,
    day: NaiveDate,
    page: &PageRequest,
) -> Result<Page<EventSummary>> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let (cursor, limit) = page.parse::<(NaiveDate, i64)>(&mut errors);
    errors.into_result()?;
    // Before the day itself: (day, smallest id) leaves out every event held that day.
    let at = cursor.unwrap_or((day, i64::MIN)).min((day, i64::MIN));
    let conn = core.db.conn();
    let (rows, more) = events::list(conn, actor.organisation_id, Some(at), limit).await?;
    let items = summaries(conn, rows).await?;
    Ok(Page::of(items, more, |e| (e.event.held_on, e.event.id)))
}

/// The event, if the actor's organisation ran it or took part.
async fn visible(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> Result<Event> {
    actor.require_personal_data()?;
    let event = events::get(conn, id).await?.ok_or(Error::NotFound)?;
    if event.organisation_id != actor.organisation_id
        && !events::partners(conn, event.id)
            .await?
            .contains(&actor.organisation_id)
    {
        return Err(Error::NotFound);
    }
    Ok(event)
}

/// One event with its attendance.
pub async fn get(core: &Core, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<EventDetail> {
    let txn = core.db.begin_write().await?;
    let event = visible(&txn, actor, id).await?;
    let body = detail(&txn, actor, event, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// One event and its partners, without its attendance (no names, nothing to audit):
/// what the forms that change it start from.
pub async fn outline(core: &Core, actor: &Actor, id: i64) -> Result<(Event, Vec<i64>)> {
    let conn = core.db.conn();
    let event = visible(conn, actor, id).await?;
    let partners = events::partners(conn, event.id).await?;
    Ok((event, partners))
}

/// Changes an event of the actor's organisation (a partner sees it, the organiser
/// changes it): `edit` gets its fields as they stand and returns them changed.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    edit: impl FnOnce(EventInput) -> Result<EventInput>,
    now: DateTime<Utc>,
) -> Result<EventDetail> {
    let txn = core.db.begin_write().await?;
    let event = visible(&txn, actor, id).await?;
    if !may_change(&event, actor) {
        return Err(Error::Forbidden(Refusal::OtherOrganisation));
    }
    let current = EventInput {
        kind: Some(event.kind.as_str().to_owned()),
        title: Some(event.title.clone()),
        held_on: Some(event.held_on.format("%Y-%m-%d").to_string()),
        place: event.place.clone(),
        qpv_code: event.qpv_code.clone(),
        partners: Some(events::partners(&txn, event.id).await?),
        headcount: Some(HeadcountInput::from(&event)),
    };
    let fields = validate(&txn, actor, &edit(current)?).await?;
    let updated = events::update(&txn, event.id, &fields, now).await?;
    let body = detail(&txn, actor, updated, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// A named attendee: someone already followed (`holder_id`), or a quick registration
/// that needs only a name, a way to reach them, and their consent to be followed.
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttendeeInput {
    pub holder_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::PersonName>))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::PersonName>))]
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Consent to be followed (`suivi`): required to register someone new.
    pub consent: Option<bool>,
}

parcours_domain::redacted_debug!(AttendeeInput { holder_id, consent });

/// The attendance recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attended {
    pub holder_id: i64,
    pub new_holder: bool,
    /// False when the person was already recorded at this event.
    pub added: bool,
}

/// The fields of someone registered on the spot: the intake form's rules on what was
/// typed, plus a way to reach them and their consent to be followed.
async fn newcomer(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &AttendeeInput,
    now: DateTime<Utc>,
) -> Result<HolderFields> {
    let mut errors = ValidationErrors::new();
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
    if blank(&input.email) && blank(&input.phone) {
        errors.add(
            "phone",
            "un moyen de joindre la personne est nécessaire : téléphone ou e-mail",
        );
    }
    if input.consent != Some(true) {
        errors.add(
            "consent",
            "l'accord de la personne pour être suivie est nécessaire",
        );
    }
    let typed = HolderInput {
        first_name: input.first_name.clone(),
        last_name: input.last_name.clone(),
        email: input.email.clone(),
        phone: input.phone.clone(),
        ..HolderInput::default()
    };
    match crate::holders::validate(conn, actor, &typed, now).await {
        Ok(fields) => {
            errors.into_result()?;
            Ok(fields)
        }
        Err(Error::Invalid(mut found)) => {
            found.0.extend(errors.0);
            Err(Error::Invalid(found))
        }
        Err(other) => Err(other),
    }
}

/// Adds a named attendee. Someone new enters the pathway at `sensibilisation`, with this
/// event as their source and their consent to be followed recorded.
pub async fn add_attendee(
    core: &Core,
    actor: &Actor,
    event_id: i64,
    input: AttendeeInput,
    now: DateTime<Utc>,
) -> Result<Attended> {
    let txn = core.db.begin_write().await?;
    let event = visible(&txn, actor, event_id).await?;
    let attended = match input.holder_id {
        Some(holder_id) => {
            if input.first_name.is_some()
                || input.last_name.is_some()
                || input.email.is_some()
                || input.phone.is_some()
            {
                return Err(Error::invalid(
                    "holder_id",
                    "soit une personne suivie (holder_id), soit une nouvelle inscription, pas les deux",
                ));
            }
            write_in(
                &txn,
                core,
                actor,
                holder_id,
                AuditAction::EventAttendeeAdd,
                now,
                async |txn, holder, record: Record| {
                    let added = events::add_attendee(txn, event.id, &record, false, now).await?;
                    Ok(Attended {
                        holder_id: holder.id,
                        new_holder: false,
                        added,
                    })
                },
            )
            .await?
        }
        None => {
            let fields = newcomer(&txn, actor, &input, now).await?;
            let (holder, change, record) = register_in(
                &txn,
                actor,
                fields,
                Stage::Sensibilisation,
                Some(event.id),
                now,
            )
            .await?;
            consents::record(
                &txn,
                &change,
                ConsentPurpose::Suivi,
                true,
                actor.user_id,
                now,
            )
            .await?;
            let added = events::add_attendee(&txn, event.id, &record, true, now).await?;
            Attended {
                holder_id: holder.id,
                new_holder: true,
                added,
            }
        }
    };
    commit(txn).await?;
    Ok(attended)
}
