//! Answering a referral from « Aujourd'hui »: accept it at once, or decline it with a
//! reason on a page of its own.

use super::page::{Errors, Layout, PageError, PageResult, html, see_other};
use super::person_href;
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::Error;
use parcours_core::referrals::{self, DeclineInput};
use parcours_domain::labels::Label;
use parcours_domain::referrals::{DeclineReason, ReferralOutcome, ReferralStatus};

/// The referred person's name, while the reader may see it.
pub(super) fn shared_name(referral: &referrals::ReferralDetail) -> String {
    referral
        .holder
        .as_ref()
        .map(|h| format!("{} {}", h.first_name, h.last_name))
        .unwrap_or_else(|| "(non partagé)".into())
}

/// How to reach the referred person (phone · e-mail), while the reader may see it.
pub(super) fn shared_contact(referral: &referrals::ReferralDetail) -> String {
    referral
        .holder
        .as_ref()
        .map(|h| {
            [h.phone.as_deref(), h.email.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default()
}

pub async fn accept(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, .. }: SignedForm,
) -> PageResult {
    let detail = referrals::accept(&state.core, user.actor(), id, now).await?;
    let to = detail.holder_id.map_or_else(|| "/".to_owned(), person_href);
    Ok(see_other(&to, Some("orientation-acceptee")))
}

struct Reason {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "web/decline.html")]
struct DeclinePage {
    layout: Layout,
    csrf: String,
    id: i64,
    name: String,
    from: String,
    reasons: Vec<Reason>,
    reason: String,
    text: String,
    errors: Errors,
}

async fn decline_page(
    state: &AppState,
    user: &Signed,
    id: i64,
    typed: (String, String),
    errors: Errors,
) -> PageResult {
    let now = state.clock.now();
    let detail = referrals::get(&state.core, user.actor(), id, now).await?;
    let name = shared_name(&detail);
    let status = errors.status();
    Ok(html(
        status,
        &DeclinePage {
            layout: user.layout("Refuser une orientation", "/"),
            csrf: user.csrf.clone(),
            id,
            name,
            from: detail.from_organisation.name.clone(),
            reasons: DeclineReason::ALL
                .iter()
                .map(|r| Reason {
                    value: r.as_str(),
                    label: r.label(),
                })
                .collect(),
            reason: typed.0,
            text: typed.1,
            errors,
        },
    ))
}

pub async fn decline_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    decline_page(&state, &user, id, Default::default(), Errors::default()).await
}

pub async fn decline(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let typed = (
        fields.raw("reason").unwrap_or_default().to_owned(),
        fields.raw("text").unwrap_or_default().to_owned(),
    );
    if !fields.errors.is_empty() {
        return decline_page(&state, &user, id, typed, fields.errors).await;
    }
    let input = DeclineInput {
        reason: fields.get("reason").unwrap_or_default(),
        text: fields.get("text"),
    };
    match referrals::decline(&state.core, user.actor(), id, input, now).await {
        Ok(_) => Ok(see_other("/", Some("orientation-refusee"))),
        Err(Error::Invalid(errors)) => {
            let errors = Errors::from_validation(errors).sorted_by(&["reason", "text"]);
            decline_page(&state, &user, id, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

struct Row {
    href: String,
    name: String,
    other: String,
    need: String,
    status: &'static str,
    sent: String,
    due: String,
}

struct Tab {
    href: &'static str,
    label: &'static str,
    current: bool,
}

struct StatusChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "web/referrals.html")]
struct ListPage {
    layout: Layout,
    tabs: Vec<Tab>,
    received: bool,
    statuses: Vec<StatusChoice>,
    rows: Vec<Row>,
    next: Option<String>,
    /// Waiting ones, the longest waiting first.
    oldest_first: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    flash: super::FlashQuery,
    boite: Option<String>,
    statut: Option<String>,
    cursor: Option<String>,
}

/// « Orientations »: received (the default) or sent, newest first, by status.
pub async fn list(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let received = query.boite.as_deref() != Some("envoyees");
    let status = query
        .statut
        .as_deref()
        .filter(|s| ReferralStatus::ALL.iter().any(|r| r.as_str() == *s))
        .map(str::to_owned);
    let waiting = status.as_deref() == Some(ReferralStatus::Sent.as_str());
    let listed = referrals::list(
        &state.core,
        user.actor(),
        &referrals::ListInput {
            which: Some(if received { "inbox" } else { "outbox" }.into()),
            status: status.clone(),
            // Waiting ones: the one waiting longest first, as it expires first.
            oldest_first: waiting,
            page: parcours_core::PageRequest {
                cursor: query.cursor.clone().filter(|c| !c.is_empty()),
                limit: None,
            },
        },
        now,
    )
    .await
    .map_err(|e| match e {
        Error::Invalid(_) => PageError::NotFound,
        other => other.into(),
    })?;
    let deadlines = &state.core.settings().referral_deadlines;
    let rows = listed
        .items
        .iter()
        .map(|r| Row {
            href: format!("/orientations/{}", r.id),
            name: shared_name(r),
            other: if received {
                r.from_organisation.name.clone()
            } else {
                r.to_organisation.name.clone()
            },
            need: r.need.clone().unwrap_or_default(),
            status: r.status.label(),
            sent: super::fr::short_date(super::fr::local_day(r.sent_at)),
            due: if r.status == ReferralStatus::Sent {
                format!(
                    "réponse attendue avant le {}",
                    super::fr::short_date(super::fr::local_day(deadlines.answer_by(r.sent_at)))
                )
            } else {
                String::new()
            },
        })
        .collect();
    let base = if received { "recues" } else { "envoyees" };
    let next = listed.next_cursor.as_deref().map(|c| {
        let mut link = format!(
            "/orientations?boite={base}&cursor={}",
            super::page::encode(c)
        );
        if let Some(s) = &status {
            link.push_str(&format!("&statut={s}"));
        }
        link
    });
    let title = if received {
        "Orientations reçues"
    } else {
        "Orientations envoyées"
    };
    let page = ListPage {
        oldest_first: waiting,
        layout: user
            .layout(title, "/orientations")
            .with_flash(query.flash.message()),
        tabs: vec![
            Tab {
                href: "/orientations?boite=recues",
                label: "Reçues",
                current: received,
            },
            Tab {
                href: "/orientations?boite=envoyees",
                label: "Envoyées",
                current: !received,
            },
        ],
        received,
        statuses: ReferralStatus::ALL
            .iter()
            .map(|s| StatusChoice {
                value: s.as_str(),
                label: s.label(),
                selected: status.as_deref() == Some(s.as_str()),
            })
            .collect(),
        rows,
        next,
    };
    Ok(html(StatusCode::OK, &page))
}

struct StepRow {
    when: String,
    what: &'static str,
    reason: String,
}

struct OutcomeChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "web/referral.html")]
struct DetailPage {
    layout: Layout,
    csrf: String,
    id: i64,
    name: String,
    holder_href: Option<String>,
    contact: String,
    project: String,
    from: String,
    to: String,
    need: String,
    message: String,
    status: &'static str,
    decline: String,
    outcome: String,
    history: Vec<StepRow>,
    may_answer: bool,
    may_complete: bool,
    may_withdraw: bool,
    outcomes: Vec<OutcomeChoice>,
    errors: Errors,
}

async fn detail_page(state: &AppState, user: &Signed, id: i64, errors: Errors) -> PageResult {
    let now = state.clock.now();
    let r = referrals::get(&state.core, user.actor(), id, now).await?;
    let ours = user.actor().organisation_id;
    let receiving = r.to_organisation.id == ours;
    let sending = r.from_organisation.id == ours;
    let holder = r.holder.as_ref();
    let status = errors.status();
    let page = DetailPage {
        layout: user.layout(format!("Orientation n° {}", r.id), "/orientations"),
        csrf: user.csrf.clone(),
        id: r.id,
        name: shared_name(&r),
        holder_href: holder
            .filter(|_| sending || r.status == ReferralStatus::Accepted)
            .map(|h| person_href(h.id)),
        contact: shared_contact(&r),
        project: holder
            .and_then(|h| h.project_summary.clone())
            .unwrap_or_default(),
        from: r.from_organisation.name.clone(),
        to: r.to_organisation.name.clone(),
        need: r.need.clone().unwrap_or_default(),
        message: r.message.clone().unwrap_or_default(),
        status: r.status.label(),
        decline: match (r.decline_reason, &r.decline_text) {
            (Some(reason), Some(text)) => format!("{} : {text}", reason.label()),
            (Some(reason), None) => reason.label().to_owned(),
            _ => String::new(),
        },
        outcome: r.outcome.map(|o| o.label().to_owned()).unwrap_or_default(),
        history: r
            .history
            .iter()
            .map(|s| StepRow {
                when: super::fr::date_time(s.at),
                what: s.step.label(),
                reason: s.reason.clone().unwrap_or_default(),
            })
            .collect(),
        may_answer: receiving && r.status == ReferralStatus::Sent,
        may_complete: receiving && r.status == ReferralStatus::Accepted,
        may_withdraw: sending && r.status.is_live(),
        outcomes: ReferralOutcome::ALL
            .iter()
            .map(|o| OutcomeChoice {
                value: o.as_str(),
                label: o.label(),
            })
            .collect(),
        errors,
    };
    Ok(html(status, &page))
}

/// One referral as this organisation may see it, its history and what it may do.
pub async fn detail(State(state): State<AppState>, user: Signed, PageId(id): PageId) -> PageResult {
    detail_page(&state, &user, id, Errors::default()).await
}

pub async fn complete(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let input = referrals::CompleteInput {
        outcome: fields.get("outcome").unwrap_or_default(),
    };
    match referrals::complete(&state.core, user.actor(), id, input, now).await {
        Ok(_) => Ok(see_other(
            &format!("/orientations/{id}"),
            Some("orientation-terminee"),
        )),
        Err(Error::Invalid(errors)) => {
            detail_page(&state, &user, id, Errors::from_validation(errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, .. }: SignedForm,
) -> PageResult {
    referrals::withdraw(&state.core, user.actor(), id, now).await?;
    Ok(see_other(
        &format!("/orientations/{id}"),
        Some("orientation-retiree"),
    ))
}
