//! « Aujourd'hui »: what the adviser has to do now — their next actions due and
//! overdue, the referrals waiting for their organisation's answer, the hosting
//! agreements ending soon, the files soon anonymised — each a link to act.

use super::fr;
use super::page::{Layout, PageResult, html};
use super::session::Signed;
use super::{FlashQuery, person_href};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::{PageRequest, contacts, privacy, referrals};
use parcours_domain::access::handles_personal_data;
use parcours_domain::labels::Label;
use parcours_domain::referrals::ReferralStatus;

struct FollowUpRow {
    href: String,
    name: String,
    action: String,
    due: String,
    late: Option<String>,
}

struct ReferralRow {
    id: i64,
    name: String,
    from: String,
    need: String,
    sent: String,
    contact: String,
}

/// A file soon anonymised, with no activity since its last date.
struct RetentionRow {
    href: String,
    name: String,
    last_activity: String,
    anonymised_on: String,
}

struct EndingRow {
    href: String,
    name: String,
    end: String,
    when: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "web/today.html")]
struct TodayPage {
    layout: Layout,
    day: String,
    personal: bool,
    follow_ups: Vec<FollowUpRow>,
    more_follow_ups: Option<String>,
    referrals: Vec<ReferralRow>,
    ending: Vec<EndingRow>,
    retention: Vec<RetentionRow>,
    csrf: String,
}

#[derive(serde::Deserialize, Default)]
pub struct TodayQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    cursor: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<TodayQuery>,
) -> PageResult {
    let today = fr::local_day(now);
    let layout = user
        .layout("Aujourd'hui", "/")
        .with_flash(query.flash.message());
    let mut page = TodayPage {
        layout,
        day: fr::date(today),
        personal: handles_personal_data(user.actor().role),
        follow_ups: Vec::new(),
        more_follow_ups: None,
        referrals: Vec::new(),
        ending: Vec::new(),
        retention: Vec::new(),
        csrf: user.csrf.clone(),
    };
    if !page.personal {
        return Ok(html(StatusCode::OK, &page));
    }
    let request = PageRequest {
        cursor: query.cursor.clone(),
        limit: None,
    };
    let due = contacts::follow_ups(&state.core, user.actor(), &request, now).await?;
    page.more_follow_ups = due
        .page
        .next_cursor
        .as_ref()
        .map(|c| format!("/?cursor={}", super::page::encode(c)));
    page.follow_ups = due
        .page
        .items
        .iter()
        .map(|f| FollowUpRow {
            href: person_href(f.holder.id),
            name: f.holder.full_name(),
            action: f.contact.next_action.clone().unwrap_or_default(),
            due: fr::date(f.due),
            late: (f.days_overdue > 0).then(|| match f.days_overdue {
                1 => "en retard d'un jour".to_owned(),
                n => format!("en retard de {n} jours"),
            }),
        })
        .collect();
    page.ending = due
        .hosting_ending
        .iter()
        .map(|e| EndingRow {
            href: person_href(e.holder.id),
            name: e.holder.full_name(),
            end: fr::date(e.agreement.planned_end),
            when: fr::relative_days(e.agreement.planned_end, today),
            late: e.days_left < 0,
        })
        .collect();
    page.retention = privacy::due(&state.core, user.actor(), now)
        .await?
        .into_iter()
        .map(|d| RetentionRow {
            href: format!("{}#conservation", person_href(d.holder.id)),
            name: d.holder.full_name(),
            last_activity: fr::date(fr::local_day(d.last_activity)),
            anonymised_on: fr::date(fr::local_day(d.anonymised_on)),
        })
        .collect();
    let waiting = referrals::list(
        &state.core,
        user.actor(),
        &referrals::ListInput {
            which: Some("inbox".into()),
            status: Some(ReferralStatus::Sent.as_str().into()),
            // The one waiting longest is the first to answer.
            oldest_first: true,
            page: PageRequest::default(),
        },
        now,
    )
    .await?;
    page.referrals = waiting
        .items
        .iter()
        .map(|r| ReferralRow {
            id: r.id,
            name: super::referrals::shared_name(r),
            from: r.from_organisation.name.clone(),
            need: r.need.clone().unwrap_or_default(),
            sent: format!(
                "{} ({})",
                fr::date_time(r.sent_at),
                r.status.label().to_lowercase()
            ),
            contact: super::referrals::shared_contact(r),
        })
        .collect();
    Ok(html(StatusCode::OK, &page))
}
