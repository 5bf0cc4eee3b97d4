//! Work between and within the partners: referrals, contacts, people reached by events.

use super::{Mask, ReportFilters, ReportScope, Suppression, scope};
use crate::{Actor, Core, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::calendar::months;
use parcours_domain::contacts::ContactKind;
use parcours_domain::referrals::DeclineReason;
use parcours_persistence::reports::{self, ReferralCounts};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralStats {
    pub from_organisation_id: Option<i64>,
    pub from_organisation: Option<String>,
    pub to_organisation_id: i64,
    pub to_organisation: String,
    /// `null` when masked (from 1 to `masked_below` − 1), as every count here.
    pub sent: Option<i64>,
    /// `null` when masked.
    pub accepted: Option<i64>,
    /// `null` when masked.
    pub declined: Option<i64>,
    /// `null` when masked.
    pub expired: Option<i64>,
    /// `null` when masked.
    pub withdrawn: Option<i64>,
    /// `null` when masked.
    pub completed: Option<i64>,
    /// accepted / (accepted + declined); `null` when none was answered, or when
    /// accepted or declined is masked.
    pub acceptance_rate: Option<f64>,
    /// Days from sending to an answer, median (per receiver, and per pair).
    pub median_days_to_answer: Option<f64>,
    /// The declined ones, per reason (every reason listed, zero included).
    pub declined_by_reason: Vec<DeclineCount>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclineCount {
    pub reason: DeclineReason,
    /// `null` when masked (from 1 to `masked_below` − 1), or when the other counts
    /// beside it would give a masked one away (secondary suppression).
    pub declined: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by_receiver: Vec<ReferralStats>,
    pub by_pair: Vec<ReferralStats>,
    pub definition: String,
    /// Counts from 1 to `masked_below` − 1 are `null`: so few people could be singled
    /// out. Zero is shown; a rate computed from a masked count is `null` too.
    pub masked_below: i64,
}

fn stats(
    names: &HashMap<i64, String>,
    mask: Mask,
    from: Option<i64>,
    c: &ReferralCounts,
) -> ReferralStats {
    let answered = c.accepted + c.declined;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    ReferralStats {
        from_organisation_id: from,
        from_organisation: from.map(name),
        to_organisation_id: c.to_organisation_id,
        to_organisation: name(c.to_organisation_id),
        sent: mask.count(c.sent),
        accepted: mask.count(c.accepted),
        declined: mask.count(c.declined),
        expired: mask.count(c.expired),
        withdrawn: mask.count(c.withdrawn),
        completed: mask.count(c.completed),
        acceptance_rate: mask.rate(
            (answered > 0).then(|| c.accepted as f64 / answered as f64),
            &[c.accepted, c.declined],
        ),
        median_days_to_answer: None,
        declined_by_reason: Vec::new(),
    }
}

/// Referrals per receiving organisation and per sender → receiver pair.
pub async fn referrals(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<ReferralsReport> {
    referrals_of(core, &scope(core, actor, filters, now).await?).await
}

pub(super) async fn referrals_of(core: &Core, scoped: &ReportScope) -> Result<ReferralsReport> {
    let scope = &scoped.scope;
    let mask = scoped.mask;
    let reports::Referrals {
        pairs,
        answer_days,
        pair_answer_days,
        decline_reasons,
    } = reports::referrals(core.db.conn(), scope).await?;
    let answer_days: HashMap<i64, Option<f64>> = answer_days.into_iter().collect();
    let pair_answer_days: HashMap<(i64, i64), Option<f64>> = pair_answer_days.into_iter().collect();
    let names = scoped
        .names_for(
            core,
            pairs
                .iter()
                .flat_map(|p| [p.from_organisation_id, p.to_organisation_id]),
        )
        .await?;
    let mut receivers: Vec<ReferralCounts> = Vec::new();
    for pair in &pairs {
        match receivers
            .iter_mut()
            .find(|r| r.to_organisation_id == pair.to_organisation_id)
        {
            Some(r) => {
                r.sent += pair.sent;
                r.accepted += pair.accepted;
                r.declined += pair.declined;
                r.expired += pair.expired;
                r.withdrawn += pair.withdrawn;
                r.completed += pair.completed;
            }
            None => receivers.push(pair.clone()),
        }
    }
    receivers.sort_by_key(|r| r.to_organisation_id);
    let mut by_receiver: Vec<ReferralStats> = receivers
        .iter()
        .map(|r| {
            let mut row = stats(&names, mask, None, r);
            row.median_days_to_answer = answer_days.get(&r.to_organisation_id).copied().flatten();
            row
        })
        .collect();
    let mut by_pair: Vec<ReferralStats> = pairs
        .iter()
        .map(|p| {
            let mut row = stats(&names, mask, Some(p.from_organisation_id), p);
            row.median_days_to_answer = pair_answer_days
                .get(&(p.from_organisation_id, p.to_organisation_id))
                .copied()
                .flatten();
            row
        })
        .collect();
    protect_referrals(
        mask,
        &pairs,
        &receivers,
        &decline_reasons,
        &mut by_pair,
        &mut by_receiver,
    );
    Ok(ReferralsReport {
        scope: scoped.label.clone(),
        from: scope.from,
        to: scope.to,
        by_receiver,
        by_pair,
        masked_below: mask.below,
        definition: "Orientations envoyées pendant la période par ou vers les structures du périmètre (pour les personnes du profil choisi) ; « acceptées » compte celles qui l'ont été, même terminées depuis ; délai de réponse : de l'envoi à l'acceptation ou au refus, médiane en jours.".into(),
    })
}

type Field = (
    fn(&ReferralCounts) -> i64,
    fn(&mut ReferralStats) -> &mut Option<i64>,
);

/// Each receiver's counts are the sums of its pairs', and each declined count the sum
/// of its reasons': a masked count must not come out of a subtraction (`protect`).
/// Rates computed from a count masked here go too.
fn protect_referrals(
    mask: Mask,
    pairs: &[ReferralCounts],
    receivers: &[ReferralCounts],
    reasons: &[(i64, i64, DeclineReason, i64)],
    by_pair: &mut [ReferralStats],
    by_receiver: &mut [ReferralStats],
) {
    let (p, r) = (pairs.len(), receivers.len());
    let of_receiver = |j: usize| -> Vec<usize> {
        (0..p)
            .filter(|i| pairs[*i].to_organisation_id == receivers[j].to_organisation_id)
            .collect()
    };
    let fields: [Field; 6] = [
        (|c| c.sent, |s| &mut s.sent),
        (|c| c.accepted, |s| &mut s.accepted),
        (|c| c.declined, |s| &mut s.declined),
        (|c| c.expired, |s| &mut s.expired),
        (|c| c.withdrawn, |s| &mut s.withdrawn),
        (|c| c.completed, |s| &mut s.completed),
    ];
    let k = DeclineReason::ALL.len();
    for (f, (get, cell)) in fields.into_iter().enumerate() {
        let mut grid = Suppression::default();
        let pair_cells: Vec<usize> = pairs.iter().map(|c| grid.cell(get(c))).collect();
        let receiver_cells: Vec<usize> = receivers.iter().map(|c| grid.cell(get(c))).collect();
        for (j, receiver) in receiver_cells.iter().enumerate() {
            let parts = of_receiver(j).into_iter().map(|i| pair_cells[i]).collect();
            grid.group(*receiver, parts);
        }
        // Declined: also per reason, for pairs and for receivers.
        let declined = f == 2;
        let (mut pair_reasons, mut receiver_reasons) = (Vec::new(), Vec::new());
        if declined {
            let mut pair_n = vec![vec![0; k]; p];
            let mut receiver_n = vec![vec![0; k]; r];
            for (from, to, reason, n) in reasons {
                let x = DeclineReason::ALL
                    .iter()
                    .position(|d| d == reason)
                    .unwrap_or(0);
                for (i, pair) in pairs.iter().enumerate() {
                    if pair.from_organisation_id == *from && pair.to_organisation_id == *to {
                        pair_n[i][x] += n;
                    }
                }
                for (j, receiver) in receivers.iter().enumerate() {
                    if receiver.to_organisation_id == *to {
                        receiver_n[j][x] += n;
                    }
                }
            }
            for counts in &pair_n {
                pair_reasons.push(counts.iter().map(|n| grid.cell(*n)).collect::<Vec<_>>());
            }
            for counts in &receiver_n {
                receiver_reasons.push(counts.iter().map(|n| grid.cell(*n)).collect::<Vec<_>>());
            }
            for (total, parts) in pair_cells.iter().zip(&pair_reasons) {
                grid.group(*total, parts.clone());
            }
            for (j, (total, parts)) in receiver_cells.iter().zip(&receiver_reasons).enumerate() {
                grid.group(*total, parts.clone());
                for (x, of_reason) in parts.iter().enumerate() {
                    let pairs_of_reason = of_receiver(j)
                        .into_iter()
                        .map(|i| pair_reasons[i][x])
                        .collect();
                    grid.group(*of_reason, pairs_of_reason);
                }
            }
        }
        let shown = grid.finish(mask);
        let rows = by_pair.iter_mut().chain(by_receiver.iter_mut());
        let row_cells = pair_cells.iter().chain(&receiver_cells);
        let row_reasons = pair_reasons.iter().chain(&receiver_reasons);
        for (row, at) in rows.zip(row_cells) {
            *cell(row) = shown[*at];
        }
        if declined {
            let rows = by_pair.iter_mut().chain(by_receiver.iter_mut());
            for (row, reasons) in rows.zip(row_reasons) {
                row.declined_by_reason = DeclineReason::ALL
                    .iter()
                    .zip(reasons)
                    .map(|(reason, at)| DeclineCount {
                        reason: *reason,
                        declined: shown[*at],
                    })
                    .collect();
            }
        }
    }
    for row in by_pair.iter_mut().chain(by_receiver.iter_mut()) {
        if row.accepted.is_none() || row.declined.is_none() {
            row.acceptance_rate = None;
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityRow {
    pub month: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub kind: ContactKind,
    /// `null` when masked (from 1 to `masked_below` − 1).
    pub contacts: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub contacts: Vec<ActivityRow>,
    /// Contacts per month, all organisations and kinds: each month of the period, in
    /// order, zero included. A month's total and its rows in `contacts` are masked
    /// together, so that no masked row comes out of a subtraction.
    pub contacts_by_month: Vec<MonthTotal>,
    /// `null` when masked.
    pub event_attendees_named: Option<i64>,
    /// `null` when masked.
    pub event_headcount: Option<i64>,
    pub definition: String,
    /// Counts from 1 to `masked_below` − 1 are `null`: so few people could be singled
    /// out. Zero is shown.
    pub masked_below: i64,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthTotal {
    /// `YYYY-MM`, a month in Paris.
    pub month: String,
    /// `null` when masked.
    pub contacts: Option<i64>,
}

/// Contacts by kind, organisation and month; people reached by events.
pub async fn activity(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<ActivityReport> {
    activity_of(core, &scope(core, actor, filters, now).await?).await
}

pub(super) async fn activity_of(core: &Core, scoped: &ReportScope) -> Result<ActivityReport> {
    let scope = &scoped.scope;
    let reports::Activity {
        contacts,
        reached_by_events: (named, headcount),
    } = reports::activity(core.db.conn(), scope).await?;
    let mask = scoped.mask;
    let names = scoped.names_for(core, contacts.iter().map(|c| c.0)).await?;
    // Every month of the period; its total after the rows, protected with them.
    let months: Vec<String> = months(scope.from, scope.to)
        .iter()
        .map(|first| first.format("%Y-%m").to_string())
        .collect();
    let mut grid = Suppression::default();
    let row_cells: Vec<usize> = contacts.iter().map(|c| grid.cell(c.3)).collect();
    let mut month_cells = Vec::new();
    for month in &months {
        let of_month: Vec<usize> = (0..contacts.len())
            .filter(|i| contacts[*i].2 == *month)
            .collect();
        let total = grid.cell(of_month.iter().map(|i| contacts[*i].3).sum());
        grid.group(total, of_month.into_iter().map(|i| row_cells[i]).collect());
        month_cells.push(total);
    }
    let shown = grid.finish(mask);
    Ok(ActivityReport {
        scope: scoped.label.clone(),
        from: scope.from,
        to: scope.to,
        contacts: contacts
            .into_iter()
            .enumerate()
            .map(|(i, (organisation_id, kind, month, _))| ActivityRow {
                month,
                organisation: names.get(&organisation_id).cloned().unwrap_or_default(),
                organisation_id,
                kind,
                contacts: shown[row_cells[i]],
            })
            .collect(),
        contacts_by_month: months
            .into_iter()
            .enumerate()
            .map(|(m, month)| MonthTotal {
                month,
                contacts: shown[month_cells[m]],
            })
            .collect(),
        event_attendees_named: mask.count(named),
        event_headcount: mask.count(headcount),
        masked_below: mask.below,
        definition: "Contacts enregistrés pendant la période par les structures du périmètre (avec les personnes du profil choisi), par mois, structure et type ; personnes touchées par les actions collectives tenues pendant la période (nommées et comptées).".into(),
    })
}
