//! Reports for coordinators and organisations: computed by the database for a period
//! and a scope. Coordinators see their territory, advisers and org admins their
//! organisation, platform admins nothing. Every count leaves masked
//! (`domain::reports::is_masked`), whatever the format it is served in.

mod dashboard;
mod indicators;
mod partners;
mod pathway;

pub use dashboard::{Compared, Dashboard, change, change_rate, dashboard, filter_choices};
pub use parcours_domain::calendar::{Preset, previous_period, quarter_of};

pub use indicators::{Indicator, IndicatorsReport, Share, indicators};
pub use partners::{
    ActivityReport, ActivityRow, DeclineCount, MonthTotal, ReferralStats, ReferralsReport,
    activity, referrals,
};
pub use pathway::{
    FlowsReport, OutcomeCount, PipelineReport, StageCount, StageFlow, flows, pipeline,
};

use crate::period::{PeriodInput, period};
use crate::text::{id, optional, word};
use crate::{Actor, Core, Error, Refusal, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::{Gender, QpvCode, Situation, parse_date};
use parcours_domain::reports::{AgeBand, shown};
use parcours_domain::users::Role;
use parcours_persistence::organisations;
use parcours_persistence::reports::Scope;
use std::collections::HashMap;

/// A report's filters, as typed.
#[derive(Clone, Debug, Default)]
pub struct ReportFilters {
    pub period: ReportPeriod,
    /// A territory id: the coordinator's own.
    pub territory: Option<String>,
    /// One organisation of the territory (advisers and org admins: their own, always).
    pub organisation: Option<String>,
    pub qpv: Option<String>,
    pub gender: Option<String>,
    pub age_band: Option<String>,
    pub situation: Option<String>,
}

/// How a report's period is given: days in Paris, resolved with today's date by
/// [`scope`].
#[derive(Clone, Debug)]
pub enum ReportPeriod {
    /// First day, and the day after the last; each bound defaults to the current
    /// quarter's (the API's `from` and `to`). Errors name `from` and `to`.
    Bounds(PeriodInput),
    /// A preset's word (`trimestre`, `annee`…): the period it names today. An unknown
    /// word is an error on `preset`.
    Preset(String),
    /// The first and the last day, the last included, both to be typed (a page's
    /// dates). Errors name `from` (the first day) and `to` (the last).
    Days {
        first: Option<String>,
        last: Option<String>,
    },
}

impl Default for ReportPeriod {
    /// The current quarter.
    fn default() -> Self {
        Self::Bounds(PeriodInput::default())
    }
}

impl ReportPeriod {
    /// `[from, to)` for `today`, a day in Paris; errors recorded in `errors`.
    fn resolve(&self, errors: &mut ValidationErrors, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let quarter = quarter_of(today);
        match self {
            Self::Bounds(input) => period(errors, input, quarter),
            Self::Preset(word) => match word.trim().parse::<Preset>() {
                Ok(preset) => preset.range(today),
                Err(unknown) => {
                    errors.add("preset", unknown.to_string());
                    quarter
                }
            },
            Self::Days { first, last } => {
                let mut day = |field: &str, typed: &Option<String>, missing: &str| match typed
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                {
                    Some(typed) => errors.check(field, parse_date(typed)),
                    None => {
                        errors.add(field, missing);
                        None
                    }
                };
                let first = day("from", first, "indiquez le premier jour (AAAA-MM-JJ)");
                let last = day("to", last, "indiquez le dernier jour (AAAA-MM-JJ)");
                match (first, last) {
                    (Some(first), Some(last)) if last < first => {
                        errors.add("to", "le dernier jour ne peut précéder le premier");
                        quarter
                    }
                    // The last day included: the period ends the day after it.
                    (Some(first), Some(last)) => {
                        let bounds = PeriodInput {
                            from: Some(first.to_string()),
                            to: last.succ_opt().map(|d| d.to_string()),
                        };
                        period(errors, &bounds, quarter)
                    }
                    _ => quarter,
                }
            }
        }
    }
}

/// What a report covers, as the actor may see it.
#[derive(Clone)]
pub(crate) struct ReportScope {
    pub(crate) scope: Scope,
    /// The territory's or the organisation's name.
    pub(crate) label: String,
    /// The name of the territory it belongs to.
    pub(crate) territory: String,
    /// Names of the organisations of the scope's territory.
    names: HashMap<i64, String>,
    /// The organisations the actor may narrow a report to, by name.
    pub(crate) choices: Vec<(i64, String)>,
    pub(crate) mask: Mask,
}

/// Small counts, masked with the configured threshold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mask {
    /// Counts from 1 to this − 1 are masked.
    pub(crate) below: i64,
}

impl Mask {
    /// The count as it may be shown: `None` when masked.
    pub(crate) fn count(self, count: i64) -> Option<i64> {
        shown(count, self.below)
    }

    /// A rate computed from `counts`: `None` when any of them is masked, since the
    /// rate and the others would give it away.
    pub(crate) fn rate(self, rate: Option<f64>, counts: &[i64]) -> Option<f64> {
        rate.filter(|_| counts.iter().all(|n| self.count(*n).is_some()))
    }

    /// A count written into a sentence: the number, or "< threshold".
    pub(crate) fn text(self, count: i64) -> String {
        self.count(count)
            .map_or_else(|| format!("< {}", self.below), |n| n.to_string())
    }
}

impl ReportScope {
    /// Names for ids that reports return, fetching those outside the territory (a
    /// partner elsewhere that received a referral).
    async fn names_for(
        &self,
        core: &Core,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, String>> {
        let mut names = self.names.clone();
        let missing: Vec<i64> = ids
            .into_iter()
            .filter(|id| !names.contains_key(id))
            .collect();
        if !missing.is_empty() {
            names.extend(organisations::names(core.db.conn(), &missing).await?);
        }
        Ok(names)
    }
}

/// The scope the actor may see, from the filters.
pub(crate) async fn scope(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<ReportScope> {
    if actor.role == Role::Admin {
        return Err(Error::Forbidden(Refusal::Role));
    }
    let mut errors = ValidationErrors::new();
    let (from, to) = filters
        .period
        .resolve(&mut errors, parcours_domain::calendar::paris_day(now));
    let qpv = optional(&mut errors, "qpv", filters.qpv.as_deref(), QpvCode::parse);
    let gender: Option<Gender> = word(&mut errors, "gender", filters.gender.as_deref());
    let situation: Option<Situation> = word(&mut errors, "situation", filters.situation.as_deref());
    let age_band = optional(&mut errors, "age_band", filters.age_band.as_deref(), |v| {
        v.parse::<AgeBand>()
            .map_err(|_| "moins_26, 26_44 ou 45_plus")
    });
    let territory = id(&mut errors, "territory", filters.territory.as_deref());
    let organisation = id(&mut errors, "organisation", filters.organisation.as_deref());
    errors.into_result()?;
    let partners = organisations::territory_of(core.db.conn(), actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    if territory.is_some_and(|t| t != partners.territory_id) {
        return Err(Error::Forbidden(Refusal::OtherOrganisation));
    }
    let choices = choices_of(actor, &partners.organisations);
    let names: HashMap<i64, String> = partners.organisations.into_iter().collect();
    let (organisation_ids, label) = if actor.role == Role::Coordinator {
        match organisation {
            Some(id) => match names.get(&id) {
                Some(name) => (vec![id], name.clone()),
                None => {
                    return Err(Error::invalid(
                        "organisation",
                        "structure hors de votre territoire",
                    ));
                }
            },
            None => {
                let mut ids: Vec<i64> = names.keys().copied().collect();
                ids.sort_unstable();
                (ids, partners.territory_name.clone())
            }
        }
    } else {
        if organisation.is_some_and(|id| id != actor.organisation_id) {
            return Err(Error::Forbidden(Refusal::OtherOrganisation));
        }
        let own = names
            .get(&actor.organisation_id)
            .cloned()
            .unwrap_or_default();
        (vec![actor.organisation_id], own)
    };
    Ok(ReportScope {
        scope: Scope {
            organisation_ids,
            from,
            to,
            qpv_code: qpv.map(|q| q.as_str().to_owned()),
            gender,
            age_band,
            situation,
        },
        label,
        territory: partners.territory_name,
        names,
        choices,
        mask: Mask {
            below: core.settings().small_count_threshold,
        },
    })
}

/// The organisations of the territory an actor may narrow a report to: all of them
/// for a coordinator, their own for anyone else.
pub(crate) fn choices_of(actor: &Actor, organisations: &[(i64, String)]) -> Vec<(i64, String)> {
    organisations
        .iter()
        .filter(|(id, _)| actor.role == Role::Coordinator || *id == actor.organisation_id)
        .cloned()
        .collect()
}

/// Secondary suppression. In each group, a total and the parts it adds up to are all
/// shown (`Some`) or masked (`None`) in `cells`; `raw` holds the true counts. Where
/// exactly one part is masked and the total is shown, the total minus the other parts
/// would give the masked one away: the smallest other part that is not zero is masked
/// too, or the total when every other part is zero. Cells belong to several groups, so
/// this goes on until no group gives a count away.
pub(crate) fn protect(cells: &mut [Option<i64>], raw: &[i64], groups: &[(usize, Vec<usize>)]) {
    loop {
        let mut changed = false;
        for (total, parts) in groups {
            if cells[*total].is_none() || parts.iter().filter(|p| cells[**p].is_none()).count() != 1
            {
                continue;
            }
            let other = parts
                .iter()
                .copied()
                .filter(|p| cells[*p].is_some() && raw[*p] > 0)
                .min_by_key(|p| raw[*p]);
            cells[other.unwrap_or(*total)] = None;
            changed = true;
        }
        if !changed {
            return;
        }
    }
}

/// The cells of a report that sums tie together, masked with secondary suppression:
/// add each cell (its index comes back), each sum with its parts, then `finish` gives
/// every cell as it may be shown (`protect`).
#[derive(Default)]
pub(crate) struct Suppression {
    raw: Vec<i64>,
    groups: Vec<(usize, Vec<usize>)>,
}

impl Suppression {
    /// A cell of `count`, by its index.
    pub(crate) fn cell(&mut self, count: i64) -> usize {
        self.raw.push(count);
        self.raw.len() - 1
    }

    /// The cell `total` is the sum of the cells `parts`, shown beside them.
    pub(crate) fn group(&mut self, total: usize, parts: Vec<usize>) {
        self.groups.push((total, parts));
    }

    /// Every cell as it may be shown: `None` when masked, by itself or to protect
    /// another.
    pub(crate) fn finish(self, mask: Mask) -> Vec<Option<i64>> {
        let mut shown: Vec<Option<i64>> = self.raw.iter().map(|n| mask.count(*n)).collect();
        protect(&mut shown, &self.raw, &self.groups);
        shown
    }
}

/// The count for `key` among `(key, n)` rows, 0 when absent.
fn count_of<K: PartialEq>(rows: &[(K, i64)], key: K) -> i64 {
    rows.iter().find(|(k, _)| *k == key).map_or(0, |(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_counts_and_the_rates_they_would_give_away() {
        let mask = Mask { below: 5 };
        assert_eq!(
            [0, 1, 4, 5].map(|n| mask.count(n)),
            [Some(0), None, None, Some(5)]
        );
        assert_eq!(mask.rate(Some(0.5), &[5, 5]), Some(0.5));
        assert_eq!(mask.rate(Some(0.8), &[8, 2]), None, "2 = 8 / 0.8 - 8");
        assert_eq!(mask.rate(None, &[0]), None);
        assert_eq!((mask.text(3), mask.text(12)), ("< 5".into(), "12".into()));
    }

    #[test]
    fn a_masked_part_is_not_given_away_by_its_total() {
        let mask = Mask { below: 5 };
        let groups = [(0, vec![1, 2, 3])];
        // 12 = 3 + 9 + 0: 12 − 9 − 0 would show the 3; the 9 goes too.
        let raw = [12, 3, 9, 0];
        let mut cells = raw.map(|n| mask.count(n));
        protect(&mut cells, &raw, &groups);
        assert_eq!(cells, [Some(12), None, None, Some(0)]);
        // Nothing masked: nothing to protect.
        let raw = [6, 6, 0, 0];
        let mut cells = raw.map(|n| mask.count(n));
        protect(&mut cells, &raw, &groups);
        assert_eq!(
            cells,
            [Some(6), Some(6), Some(0), Some(0)],
            "nothing masked"
        );
        // 7 = 2 + 5 + 0: the 5 goes, not the 0 (a zero hides nothing).
        let raw = [7, 2, 5, 0];
        let mut cells = raw.map(|n| mask.count(n));
        protect(&mut cells, &raw, &groups);
        assert_eq!(cells, [Some(7), None, None, Some(0)]);
        // Two groups sharing a part, each closed.
        let groups = [(0, vec![2, 3]), (1, vec![3, 4])];
        let raw = [20, 30, 17, 3, 27, 0];
        let mut cells = raw.map(|n| mask.count(n));
        protect(&mut cells, &raw, &groups);
        assert_eq!(cells, [Some(20), Some(30), None, None, None, Some(0)]);
        // Two masked parts: their sum shows, not either; nothing more to do.
        let raw = [20, 2, 3, 15];
        let mut cells = raw.map(|n| mask.count(n));
        protect(&mut cells, &raw, &[(0, vec![1, 2, 3])]);
        assert_eq!(cells, [Some(20), None, None, Some(15)]);
        // Every other part zero (a total of the same value, shown by another rule): the
        // total is the masked part, so it goes.
        let raw = [4, 0, 4];
        let mut cells = [Some(4), Some(0), None];
        protect(&mut cells, &raw, &[(0, vec![1, 2])]);
        assert_eq!(cells, [None, Some(0), None]);
    }

    #[test]
    fn periods_of_presets_and_of_days_are_resolved_with_today() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2026-11-22");
        let resolve = |period: ReportPeriod| {
            let mut errors = ValidationErrors::new();
            let range = period.resolve(&mut errors, today);
            let fields: Vec<(String, String)> =
                errors.0.into_iter().map(|e| (e.field, e.message)).collect();
            (range, fields)
        };
        let typed = |v: &str| Some(v.to_owned());
        let quarter = (d("2026-10-01"), d("2027-01-01"));
        assert_eq!(resolve(ReportPeriod::default()), (quarter, vec![]));
        assert_eq!(
            resolve(ReportPeriod::Preset("trimestre_precedent".into())),
            ((d("2026-07-01"), d("2026-10-01")), vec![])
        );
        assert_eq!(
            resolve(ReportPeriod::Preset("semaine".into())).1[0].0,
            "preset"
        );
        // The last day is included: the period ends the day after it.
        assert_eq!(
            resolve(ReportPeriod::Days {
                first: typed("2026-01-01"),
                last: typed("2026-01-15"),
            }),
            ((d("2026-01-01"), d("2026-01-16")), vec![])
        );
        // A missing first day is that, and only that: no « must follow » besides.
        assert_eq!(
            resolve(ReportPeriod::Days {
                first: typed(" "),
                last: typed("2026-01-15"),
            })
            .1,
            [(
                "from".to_owned(),
                "indiquez le premier jour (AAAA-MM-JJ)".to_owned()
            )]
        );
        assert_eq!(
            resolve(ReportPeriod::Days {
                first: typed("2026-01-15"),
                last: typed("2026-01-14"),
            })
            .1,
            [(
                "to".to_owned(),
                "le dernier jour ne peut précéder le premier".to_owned()
            )]
        );
        // One day is a period.
        assert_eq!(
            resolve(ReportPeriod::Days {
                first: typed("2026-01-15"),
                last: typed("2026-01-15"),
            }),
            ((d("2026-01-15"), d("2026-01-16")), vec![])
        );
        // Ten years at most, whichever way the period is given.
        assert_eq!(
            resolve(ReportPeriod::Days {
                first: typed("2010-01-01"),
                last: typed("2026-01-15"),
            })
            .1[0]
                .0,
            "from"
        );
    }
}
