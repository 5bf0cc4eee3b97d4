//! « Toutes ses données »: the printable French page of a person's right of access —
//! everything Parcours holds about them and who reached their file — for the
//! référent organisation to hand over.

use super::fr;
use super::page::{PageResult, html};
use super::person::{TimelineRow, timeline_row};
use super::person_href;
use super::session::{PageId, Signed};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::{organisations, privacy};
use parcours_domain::labels::Label;
use std::collections::HashMap;

struct Fact {
    label: &'static str,
    value: String,
}

struct ReferralRow {
    sides: String,
    need: String,
    message: String,
    status: &'static str,
    sent: String,
    answer: String,
}

#[derive(Template)]
#[template(path = "web/export.html")]
struct ExportPage {
    layout: super::page::Layout,
    href: String,
    name: String,
    made: String,
    facts: Vec<Fact>,
    projects: Vec<Vec<Fact>>,
    consents: Vec<(String, &'static str, &'static str)>,
    referrals: Vec<ReferralRow>,
    history: Vec<TimelineRow>,
    keeps: Vec<(String, String)>,
    log: Vec<super::access_log::Row>,
}

fn facts(pairs: Vec<(&'static str, Option<String>)>) -> Vec<Fact> {
    pairs
        .into_iter()
        .filter_map(|(label, value)| {
            value
                .filter(|v| !v.is_empty())
                .map(|value| Fact { label, value })
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    let (export, colleagues) = tokio::join!(
        privacy::export(&state.core, user.actor(), id, now),
        organisations::colleagues(&state.core, user.actor()),
    );
    let e = export?;
    let names: HashMap<i64, String> = colleagues?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let who = |user_id: i64| {
        names
            .get(&user_id)
            .cloned()
            .unwrap_or_else(|| "une structure partenaire".into())
    };
    let org = |id: i64| e.organisations.get(&id).cloned().unwrap_or_default();
    let h = &e.holder;
    let identity = facts(vec![
        ("Prénom", Some(h.first_name.clone())),
        ("Nom", Some(h.last_name.clone())),
        ("Née ou né le", h.birth_date.map(fr::short_date)),
        ("Genre", h.gender.map(|g| g.label().to_owned())),
        ("Téléphone", h.phone.clone()),
        ("Courriel", h.email.clone()),
        ("Adresse", h.address.clone()),
        ("Code postal", h.postal_code.clone()),
        ("Commune (INSEE)", h.commune_insee.clone()),
        (
            "Quartier prioritaire",
            Some(h.qpv_status.label().to_owned()),
        ),
        ("Code du quartier", h.qpv_code.clone()),
        ("Situation", h.situation.map(|s| s.label().to_owned())),
        (
            "Niveau de formation",
            h.education_level.map(|l| l.label().to_owned()),
        ),
        ("Structure référente", Some(org(h.referent_organisation_id))),
        ("Référent", h.referent_user_id.map(who)),
        ("Étape", Some(h.stage.label().to_owned())),
        ("Issue du parcours", h.outcome.map(|o| o.label().to_owned())),
        (
            "Inscrite ou inscrit le",
            Some(fr::date(fr::local_day(h.created_at))),
        ),
    ]);
    let projects = e
        .projects
        .iter()
        .map(|p| {
            facts(vec![
                ("Idée", Some(p.idea.clone())),
                ("Secteur", p.sector.clone()),
                (
                    "Besoin de financement (€)",
                    p.financing_need_eur.map(|n| n.to_string()),
                ),
                ("SIRET", p.siret.clone()),
                ("Créée le", p.created_on.map(fr::date)),
            ])
        })
        .collect();
    let consents = e
        .consents
        .history
        .iter()
        .map(|c| {
            (
                fr::date_time(c.recorded_at),
                c.purpose.label(),
                if c.given {
                    "donné"
                } else {
                    "refusé ou retiré"
                },
            )
        })
        .collect();
    let referrals = e
        .referrals
        .iter()
        .map(|r| ReferralRow {
            sides: format!(
                "de {} vers {}",
                org(r.from_organisation_id),
                org(r.to_organisation_id)
            ),
            need: r.need.clone(),
            message: r.message.clone().unwrap_or_default(),
            status: r.status.label(),
            sent: fr::date_time(r.sent_at),
            answer: [
                r.decline_reason.map(|d| d.label().to_owned()),
                r.decline_text.clone(),
                r.outcome.map(|o| o.label().to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — "),
        })
        .collect();
    let history = e
        .history
        .iter()
        .map(|entry| timeline_row(entry, &who, &e.organisations))
        .collect();
    let keeps = e
        .keeps
        .iter()
        .map(|k| (fr::date_time(k.kept_at), k.reason.clone()))
        .collect();
    let log = e.access_log.iter().map(Into::into).collect();
    Ok(html(
        StatusCode::OK,
        &ExportPage {
            layout: user.layout("Données détenues sur la personne", "/personnes"),
            href: person_href(id),
            name: h.full_name(),
            made: format!(
                "{} par {}",
                fr::date_time(now),
                org(h.referent_organisation_id)
            ),
            facts: identity,
            projects,
            consents,
            referrals,
            history,
            keeps,
            log,
        },
    ))
}
