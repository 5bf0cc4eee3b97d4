//! The dashboard's blocks, one function each: a title, a chart, the same figures as
//! tables, the CSV links and the definitions.

use super::*;

pub(super) fn blocks(d: &Dashboard, filters: &Filters) -> Vec<Block> {
    vec![
        pipeline(d, filters),
        indicators(d, filters),
        flows(d, filters),
        referrals(d, filters),
        activity(d, filters),
    ]
}

/// The pipeline now: open pathways by stage, a state of today.
fn pipeline(d: &Dashboard, filters: &Filters) -> Block {
    let below = d.masked_below;
    let masked = masked_text(None, d.masked_below);
    let p = &d.pipeline;
    let rows: Vec<(String, Option<i64>)> = p
        .stages
        .iter()
        .map(|s| (s.stage.label().to_owned(), s.active))
        .collect();
    Block {
        id: "pipeline",
        title: "Personnes en parcours aujourd'hui".into(),
        intro: Some(
            "Un état à la date du jour : il ne dépend pas de la période et ne se compare pas."
                .into(),
        ),
        chart: charts::funnel(
            "graphique-pipeline",
            "Parcours ouverts par étape",
            "personnes",
            &rows,
            &masked,
        ),
        tables: vec![Table {
            id: "tableau-pipeline".into(),
            caption: "Parcours ouverts par étape, aujourd'hui (personnes)".into(),
            head: vec!["Étape".into(), "Personnes en parcours".into()],
            rows: rows
                .iter()
                .map(|(label, n)| (label.clone(), vec![Figure::plain(count(*n, below))]))
                .collect(),
        }],
        csv: vec![csv_link(
            "pipeline",
            "Parcours ouverts par étape (CSV)".into(),
            filters,
            d.from,
            d.to,
        )],
        definition: p.definition.clone(),
    }
}

/// The funders' indicators and the profile of the people who entered, each beside the period before.
fn indicators(d: &Dashboard, filters: &Filters) -> Block {
    let below = d.masked_below;
    let masked = masked_text(None, d.masked_below);
    let Compared {
        now: ind,
        before: ind_before,
    } = &d.indicators;
    let before_value = |code: &str| {
        ind_before
            .indicators
            .iter()
            .find(|i| i.code == code)
            .and_then(|i| i.value)
    };
    let before_share = |code: &str| ind_before.shares.iter().find(|s| s.code == code);
    let chart_rows: Vec<Bar> = ind
        .indicators
        .iter()
        .map(|i| Bar {
            label: i.label.clone(),
            values: vec![i.value, before_value(&i.code)],
        })
        .collect();
    let indicator_rows = ind
        .indicators
        .iter()
        .map(|i| {
            let before = before_value(&i.code);
            (
                i.label.clone(),
                vec![
                    Figure::plain(count(i.value, below)),
                    Figure::plain(count(before, below)),
                    Figure::plain(count_change(i.value, before)),
                ],
            )
        })
        .collect();
    let share_rows = ind
        .shares
        .iter()
        .map(|s| {
            let before = before_share(&s.code);
            let before_rate = before.and_then(|b| b.share);
            (
                s.label.clone(),
                vec![
                    Figure::plain(count(s.count, below)),
                    Figure::plain(count(s.base, below)),
                    Figure::plain(rate(s.share, &[s.count, s.base])),
                    Figure::plain(
                        before.map_or_else(|| "—".into(), |b| rate(b.share, &[b.count, b.base])),
                    ),
                    Figure::plain(decimal_change(
                        s.share.map(|v| v * 100.0),
                        before_rate.map(|v| v * 100.0),
                        "pts",
                    )),
                ],
            )
        })
        .collect();
    let mut definitions: Vec<String> = ind
        .indicators
        .iter()
        .map(|i| format!("{} : {}", i.label, i.definition))
        .collect();
    definitions.extend(
        ind.shares
            .iter()
            .map(|s| format!("{} : {}", s.label, s.definition)),
    );
    Block {
        id: "indicateurs",
        title: "Indicateurs des financeurs".into(),
        intro: None,
        chart: charts::bars(
            "graphique-indicateurs",
            "Indicateurs de la période et de la période précédente",
            "personnes (participants comptés pour les actions collectives)",
            &["période", "période précédente"],
            &chart_rows,
            &masked,
        ),
        tables: vec![
            Table {
                id: "tableau-indicateurs".into(),
                caption: "Indicateurs des financeurs (personnes)".into(),
                head: vec![
                    "Indicateur".into(),
                    "Période".into(),
                    "Période précédente".into(),
                    "Évolution".into(),
                ],
                rows: indicator_rows,
            },
            Table {
                id: "tableau-parts".into(),
                caption: "Profil des personnes entrées dans le parcours pendant la période".into(),
                head: vec![
                    "Part".into(),
                    "Nombre".into(),
                    "Base".into(),
                    "Part (%)".into(),
                    "Période précédente (%)".into(),
                    "Évolution (points)".into(),
                ],
                rows: share_rows,
            },
        ],
        csv: csv("indicators", "Indicateurs", filters, d),
        definition: definitions.join("\n"),
    }
}

/// The flows of the period: entries, cohorts, passage rates, exits and durations per stage.
fn flows(d: &Dashboard, filters: &Filters) -> Block {
    let below = d.masked_below;
    let masked = masked_text(None, d.masked_below);
    let Compared {
        now: flows,
        before: flows_before,
    } = &d.flows;
    let stage_before = |i: usize| flows_before.stages.get(i);
    let flow_rows = flows
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let b = stage_before(i);
            (
                s.stage.label().to_owned(),
                vec![
                    compared(s.entries, b.and_then(|b| b.entries), below),
                    compared(s.cohort_reached, b.and_then(|b| b.cohort_reached), below),
                    compared(
                        s.cohort_went_further,
                        b.and_then(|b| b.cohort_went_further),
                        below,
                    ),
                    // No rate for the last stage: nowhere further to go.
                    Figure {
                        text: rate(s.conversion_to_next, &[s.cohort_went_further]),
                        change: Some(decimal_change(
                            s.conversion_to_next.map(|v| v * 100.0),
                            b.and_then(|b| b.conversion_to_next).map(|v| v * 100.0),
                            "pts",
                        )),
                    },
                    Figure {
                        text: days(s.median_days),
                        change: Some(decimal_change(
                            s.median_days,
                            b.and_then(|b| b.median_days),
                            "j",
                        )),
                    },
                    Figure {
                        text: days(s.p90_days),
                        change: Some(decimal_change(s.p90_days, b.and_then(|b| b.p90_days), "j")),
                    },
                ],
            )
        })
        .collect();
    let exit_before = |o: Outcome| {
        flows_before
            .exits
            .iter()
            .find(|e| e.outcome == o)
            .and_then(|e| e.exits)
    };
    let exit_rows = flows
        .exits
        .iter()
        .map(|e| {
            let mut cells = vec![compared(e.exits, exit_before(e.outcome), below)];
            for s in &flows.stages {
                let n = s
                    .exits
                    .iter()
                    .find(|x| x.outcome == e.outcome)
                    .and_then(|x| x.exits);
                cells.push(Figure::plain(count(n, below)));
            }
            (e.outcome.label().to_owned(), cells)
        })
        .collect();
    let mut exit_head = vec!["Issue".to_owned(), "Toutes étapes".to_owned()];
    exit_head.extend(
        Stage::ALL
            .iter()
            .map(|s| format!("Depuis {}", s.label().to_lowercase())),
    );
    Block {
        id: "flux",
        title: "Flux de la période : où le parcours s'arrête".into(),
        intro: Some(format!(
            "Cohorte : {} personnes entrées dans le parcours pendant la période (période précédente : {}).",
            count(flows.cohort, below),
            count(flows_before.cohort, below)
        )),
        chart: charts::bars(
            "graphique-flux",
            "Entrées et passage de la cohorte, par étape",
            "personnes",
            &["entrées", "cohorte ayant atteint l'étape", "dont passées à une étape suivante"],
            &flows
                .stages
                .iter()
                .map(|s| Bar {
                    label: s.stage.label().into(),
                    values: vec![s.entries, s.cohort_reached, s.cohort_went_further],
                })
                .collect::<Vec<_>>(),
            &masked,
        ),
        tables: vec![
            Table {
                id: "tableau-flux".into(),
                caption: "Flux par étape (entre parenthèses : évolution depuis la période précédente)".into(),
                head: vec![
                    "Étape".into(),
                    "Entrées".into(),
                    "Cohorte ayant atteint l'étape".into(),
                    "Dont passées à une étape suivante".into(),
                    "Taux de passage".into(),
                    "Durée médiane".into(),
                    "Durée 90e centile".into(),
                ],
                rows: flow_rows,
            },
            Table {
                id: "tableau-sorties".into(),
                caption: "Parcours clôturés pendant la période, par issue et par étape (personnes ; entre parenthèses : évolution)".into(),
                head: exit_head,
                rows: exit_rows,
            },
        ],
        csv: csv("flows", "Flux", filters, d),
        definition: flows.definition.clone(),
    }
}

/// Referrals between partners: per receiver, per pair, refusals by reason.
fn referrals(d: &Dashboard, filters: &Filters) -> Block {
    let below = d.masked_below;
    let masked = masked_text(None, d.masked_below);
    let Compared { now: referrals, .. } = &d.referrals;
    let referral_cells = |row: &Compared<parcours_core::reports::ReferralStats>, median: bool| {
        let b = &row.before;
        let n = &row.now;
        let mut cells = vec![
            compared(n.sent, b.sent, below),
            compared(n.accepted, b.accepted, below),
            compared(n.declined, b.declined, below),
            compared(n.expired, b.expired, below),
            compared(n.withdrawn, b.withdrawn, below),
            compared(n.completed, b.completed, below),
            Figure {
                text: rate(n.acceptance_rate, &[n.accepted, n.declined]),
                change: Some(decimal_change(
                    n.acceptance_rate.map(|v| v * 100.0),
                    b.acceptance_rate.map(|v| v * 100.0),
                    "pts",
                )),
            },
        ];
        if median {
            cells.push(Figure {
                text: days(n.median_days_to_answer),
                change: Some(decimal_change(
                    n.median_days_to_answer,
                    b.median_days_to_answer,
                    "j",
                )),
            });
        }
        cells
    };
    let counts_head = [
        "Envoyées",
        "Acceptées",
        "Déclinées",
        "Expirées",
        "Retirées",
        "Terminées",
        "Taux d'acceptation",
    ];
    let mut receiver_head = vec!["Structure destinataire".to_owned()];
    receiver_head.extend(counts_head.iter().map(|h| (*h).to_owned()));
    receiver_head.push("Délai médian de réponse".into());
    let mut pair_head = vec!["Structure d'origine → destinataire".to_owned()];
    pair_head.extend(counts_head.iter().map(|h| (*h).to_owned()));
    Block {
        id: "orientations",
        title: "Orientations entre partenaires".into(),
        intro: None,
        chart: charts::bars(
            "graphique-orientations",
            "Orientations envoyées, acceptées et déclinées, par structure destinataire",
            "orientations",
            &["envoyées", "acceptées", "déclinées"],
            &referrals
                .by_receiver
                .iter()
                .map(|r| Bar {
                    label: r.to_organisation.clone(),
                    values: vec![r.sent, r.accepted, r.declined],
                })
                .collect::<Vec<_>>(),
            &masked,
        ),
        tables: vec![
            Table {
                id: "tableau-orientations".into(),
                caption: "Orientations par structure destinataire (entre parenthèses : évolution depuis la période précédente)".into(),
                head: receiver_head,
                rows: d
                    .referral_receivers
                    .iter()
                    .map(|r| (r.now.to_organisation.clone(), referral_cells(r, true)))
                    .collect(),
            },
            Table {
                id: "tableau-refus".into(),
                caption: "Orientations déclinées par motif et par structure destinataire (entre parenthèses : évolution)".into(),
                head: std::iter::once("Structure destinataire".to_owned())
                    .chain(DeclineReason::ALL.iter().map(|r| r.label().to_owned()))
                    .collect(),
                rows: d
                    .referral_receivers
                    .iter()
                    .map(|r| {
                        let of = |row: Option<&parcours_core::reports::ReferralStats>, reason: DeclineReason| {
                            row.and_then(|row| row.declined_by_reason.iter().find(|x| x.reason == reason))
                                .map_or(Some(0), |x| x.declined)
                        };
                        (
                            r.now.to_organisation.clone(),
                            DeclineReason::ALL
                                .iter()
                                .map(|reason| compared(of(Some(&r.now), *reason), of(Some(&r.before), *reason), below))
                                .collect(),
                        )
                    })
                    .collect(),
            },
            Table {
                id: "tableau-paires".into(),
                caption: "Orientations par couple de structures : qui oriente vers qui (entre parenthèses : évolution)".into(),
                head: pair_head,
                rows: d
                    .referral_pairs
                    .iter()
                    .map(|r| {
                        (
                            format!(
                                "{} → {}",
                                r.now.from_organisation.clone().unwrap_or_default(),
                                r.now.to_organisation
                            ),
                            referral_cells(r, false),
                        )
                    })
                    .collect(),
            },
        ],
        csv: csv("referrals", "Orientations", filters, d),
        definition: referrals.definition.clone(),
    }
}

/// Activity per month: contacts, actions collectives, by organisation and kind.
fn activity(d: &Dashboard, filters: &Filters) -> Block {
    let below = d.masked_below;
    let masked = masked_text(None, d.masked_below);
    let Compared {
        now: activity,
        before: activity_before,
    } = &d.activity;
    let named_before = activity_before.event_attendees_named;
    let headcount_before = activity_before.event_headcount;
    Block {
        id: "activite",
        title: "Activité des structures".into(),
        intro: Some("Les mois d'une période ne se comparent pas un à un : la période précédente a les siens (lien « voir cette période » en haut de page).".into()),
        chart: charts::bars(
            "graphique-contacts",
            "Contacts par mois, toutes structures et tous types",
            "contacts",
            &["contacts"],
            &activity
                .contacts_by_month
                .iter()
                .map(|m| Bar {
                    label: month_words(&m.month),
                    values: vec![m.contacts],
                })
                .collect::<Vec<_>>(),
            &masked,
        ) + &charts::bars(
            "graphique-activite",
            "Personnes touchées par les actions collectives",
            "personnes",
            &["période", "période précédente"],
            &[
                Bar {
                    label: "Participants nommés".into(),
                    values: vec![activity.event_attendees_named, named_before],
                },
                Bar {
                    label: "Participants comptés".into(),
                    values: vec![activity.event_headcount, headcount_before],
                },
            ],
            &masked,
        ),
        tables: vec![
            Table {
                id: "tableau-actions".into(),
                caption: "Personnes touchées par les actions collectives (entre parenthèses : évolution depuis la période précédente)".into(),
                head: vec!["Mesure".into(), "Personnes".into()],
                rows: vec![
                    ("Participants nommés".into(), vec![compared(activity.event_attendees_named, named_before, below)]),
                    ("Participants comptés (anonymes)".into(), vec![compared(activity.event_headcount, headcount_before, below)]),
                ],
            },
            Table {
                id: "tableau-mois".into(),
                caption: "Contacts par mois, toutes structures et tous types (contacts)".into(),
                head: vec!["Mois".into(), "Contacts".into()],
                rows: activity
                    .contacts_by_month
                    .iter()
                    .map(|m| (month_words(&m.month), vec![Figure::plain(count(m.contacts, below))]))
                    .collect(),
            },
            Table {
                id: "tableau-contacts".into(),
                caption: "Contacts par mois, structure et type (contacts)".into(),
                head: vec!["Mois".into(), "Structure".into(), "Type de contact".into(), "Contacts".into()],
                rows: activity
                    .contacts
                    .iter()
                    .map(|r| {
                        (
                            month_words(&r.month),
                            vec![
                                Figure::plain(r.organisation.clone()),
                                Figure::plain(r.kind.label().into()),
                                Figure::plain(count(r.contacts, below)),
                            ],
                        )
                    })
                    .collect(),
            },
        ],
        csv: csv("activity", "Activité", filters, d),
        definition: activity.definition.clone(),
    }
}

/// A change of a decimal figure with its unit: « +2,5 pts », « −1,0 j ».
fn decimal_change(now: Option<f64>, before: Option<f64>, unit: &str) -> String {
    match change_rate(now, before) {
        Some(d) if d.abs() < 0.05 => format!("0 {unit}"),
        Some(d) if d > 0.0 => format!("+{} {unit}", decimal(d)),
        Some(d) => format!("−{} {unit}", decimal(-d)),
        None => "—".into(),
    }
}

fn compared(now: Option<i64>, before: Option<i64>, below: i64) -> Figure {
    Figure {
        text: count(now, below),
        change: Some(count_change(now, before)),
    }
}

fn rate(share: Option<f64>, counts: &[Option<i64>]) -> String {
    match percent_text(share, counts) {
        text if text.is_empty() => "—".into(),
        text if text.starts_with('<') => text,
        text => format!("{text} %"),
    }
}

fn days(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |d| format!("{} j", decimal(d)))
}

/// A report's CSV for the period and for the period before.
fn csv(name: &str, label: &str, filters: &Filters, d: &Dashboard) -> Vec<Link> {
    vec![
        csv_link(
            name,
            format!("{label} — {} (CSV)", period_words(d.from, d.to)),
            filters,
            d.from,
            d.to,
        ),
        csv_link(
            name,
            format!(
                "{label} — période précédente, {} (CSV)",
                period_words(d.before_from, d.before_to)
            ),
            filters,
            d.before_from,
            d.before_to,
        ),
    ]
}

/// « novembre 2026 » for `2026-11`.
fn month_words(month: &str) -> String {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map(fr::month_year)
        .unwrap_or_else(|_| month.to_owned())
}
