//! The dashboard: every report of a period at once, each beside the same report of the
//! period just before (same length), for the coordinator's or the organisation's page.
//! The scope is resolved once; the figures are the reports' own, masked by them.

use super::partners::{DeclineCount, activity_of, referrals_of};
use super::pathway::{flows_of, pipeline_of};
use super::{
    ActivityReport, FlowsReport, IndicatorsReport, PipelineReport, ReferralStats, ReferralsReport,
    ReportFilters, ReportScope, choices_of, indicators::indicators_of, scope,
};
use crate::referrals::{Overdue, overdue};
use crate::{Actor, Core, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::calendar::previous_period;
use parcours_domain::users::Role;
use parcours_persistence::organisations;

/// A figure of the period beside the same figure of the period before.
#[derive(Clone, Debug)]
pub struct Compared<T> {
    pub now: T,
    pub before: T,
}

/// The change of a count from the period before: only when both are shown — a change
/// from or to a masked count would give it away.
pub fn change(now: Option<i64>, before: Option<i64>) -> Option<i64> {
    Some(now? - before?)
}

/// The change of a rate or a duration, on the same terms.
pub fn change_rate(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    Some(now? - before?)
}

/// Every block of the dashboard, for the period and the period before.
#[derive(Clone, Debug)]
pub struct Dashboard {
    /// The territory or the organisation counted.
    pub scope: String,
    pub territory: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub before_from: NaiveDate,
    pub before_to: NaiveDate,
    pub masked_below: i64,
    /// The organisations the actor may narrow the dashboard to, by name (as
    /// [`filter_choices`] gives them).
    pub organisations: Vec<(i64, String)>,
    /// Open pathways now: a state, not a period's flow, so without comparison.
    pub pipeline: PipelineReport,
    pub flows: Compared<FlowsReport>,
    pub indicators: Compared<IndicatorsReport>,
    pub referrals: Compared<ReferralsReport>,
    /// Per receiver and per pair, each row of the period beside its row before;
    /// receivers and pairs of the period before only are listed with zeros now.
    pub referral_receivers: Vec<Compared<ReferralStats>>,
    pub referral_pairs: Vec<Compared<ReferralStats>>,
    pub activity: Compared<ActivityReport>,
    /// Coordinators: the territory's referrals unanswered past their delay.
    pub overdue: Option<Vec<Overdue>>,
}

/// All the reports of the dashboard, the scope resolved once and every query run side
/// by side on the pool.
pub async fn dashboard(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<Dashboard> {
    let scoped = scope(core, actor, filters, now).await?;
    let (before_from, before_to) = previous_period(scoped.scope.from, scoped.scope.to);
    let mut before: ReportScope = scoped.clone();
    before.scope.from = before_from;
    before.scope.to = before_to;
    let queue = async {
        if actor.role == Role::Coordinator {
            overdue(core, actor, now).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (
        pipeline,
        flows,
        flows_before,
        indicators,
        indicators_before,
        referrals,
        referrals_before,
        activity,
        activity_before,
        overdue,
    ) = tokio::try_join!(
        pipeline_of(core, &scoped),
        flows_of(core, &scoped),
        flows_of(core, &before),
        indicators_of(core, &scoped),
        indicators_of(core, &before),
        referrals_of(core, &scoped),
        referrals_of(core, &before),
        activity_of(core, &scoped),
        activity_of(core, &before),
        queue,
    )?;
    let receiver = |r: &ReferralStats| (None, r.to_organisation_id);
    let pair = |r: &ReferralStats| (r.from_organisation_id, r.to_organisation_id);
    Ok(Dashboard {
        scope: scoped.label.clone(),
        territory: scoped.territory.clone(),
        from: scoped.scope.from,
        to: scoped.scope.to,
        before_from,
        before_to,
        masked_below: scoped.mask.below,
        organisations: scoped.choices.clone(),
        pipeline,
        referral_receivers: paired(
            &referrals.by_receiver,
            &referrals_before.by_receiver,
            receiver,
        ),
        referral_pairs: paired(&referrals.by_pair, &referrals_before.by_pair, pair),
        flows: Compared {
            now: flows,
            before: flows_before,
        },
        indicators: Compared {
            now: indicators,
            before: indicators_before,
        },
        referrals: Compared {
            now: referrals,
            before: referrals_before,
        },
        activity: Compared {
            now: activity,
            before: activity_before,
        },
        overdue,
    })
}

/// Rows of the period, each with the row of the same key before, then the keys of
/// the period before only; a key without referrals in a period has zeros there.
fn paired(
    now: &[ReferralStats],
    before: &[ReferralStats],
    key: impl Fn(&ReferralStats) -> (Option<i64>, i64),
) -> Vec<Compared<ReferralStats>> {
    let none = |row: &ReferralStats| ReferralStats {
        sent: Some(0),
        accepted: Some(0),
        declined: Some(0),
        expired: Some(0),
        withdrawn: Some(0),
        completed: Some(0),
        acceptance_rate: None,
        median_days_to_answer: None,
        declined_by_reason: row
            .declined_by_reason
            .iter()
            .map(|d| DeclineCount {
                reason: d.reason,
                declined: Some(0),
            })
            .collect(),
        ..row.clone()
    };
    let mut rows: Vec<Compared<ReferralStats>> = now
        .iter()
        .map(|row| Compared {
            now: row.clone(),
            before: before
                .iter()
                .find(|b| key(b) == key(row))
                .cloned()
                .unwrap_or_else(|| none(row)),
        })
        .collect();
    for old in before {
        if !now.iter().any(|row| key(row) == key(old)) {
            rows.push(Compared {
                now: none(old),
                before: old.clone(),
            });
        }
    }
    rows
}

/// The organisations the actor may narrow the dashboard to, by name: the territory's
/// for a coordinator, their own for anyone else. The dashboard has them already: this
/// is for a form whose filters were refused.
pub async fn filter_choices(core: &Core, actor: &Actor) -> Result<Vec<(i64, String)>> {
    if actor.role == Role::Admin {
        return Err(Error::Forbidden(crate::Refusal::Role));
    }
    let partners = organisations::territory_of(core.db.conn(), actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(choices_of(actor, &partners.organisations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_need_both_figures() {
        assert_eq!(change(Some(12), Some(7)), Some(5));
        assert_eq!(change(Some(12), None), None);
        assert_eq!(change(None, Some(7)), None);
        assert_eq!(change_rate(Some(0.5), Some(0.25)), Some(0.25));
    }
}
