//! The pathway: who is where now, and how people move through it over a period.

use super::{ReportFilters, ReportScope, Suppression, count_of, scope};
use crate::{Actor, Core, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::pathway::{Outcome, Stage};
use parcours_persistence::reports;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageCount {
    pub stage: Stage,
    /// `null` when masked (from 1 to `masked_below` − 1 people).
    pub active: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PipelineReport {
    /// The territory or organisation counted.
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Holders whose pathway is open, per current stage.
    pub stages: Vec<StageCount>,
    pub definition: String,
    /// Counts from 1 to `masked_below` − 1 are `null`: so few people could be singled
    /// out. Zero is shown.
    pub masked_below: i64,
}

/// Open pathways per stage.
pub async fn pipeline(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<PipelineReport> {
    pipeline_of(core, &scope(core, actor, filters, now).await?).await
}

pub(super) async fn pipeline_of(core: &Core, scoped: &ReportScope) -> Result<PipelineReport> {
    let counts = reports::pipeline(core.db.conn(), &scoped.scope).await?;
    let mask = scoped.mask;
    Ok(PipelineReport {
        scope: scoped.label.clone(),
        from: scoped.scope.from,
        to: scoped.scope.to,
        stages: Stage::ALL
            .iter()
            .map(|stage| StageCount {
                stage: *stage,
                active: mask.count(count_of(&counts, *stage)),
            })
            .collect(),
        definition: "Personnes dont le parcours est ouvert (sans issue), par étape actuelle, à la date de la requête.".into(),
        masked_below: mask.below,
    })
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeCount {
    pub outcome: Outcome,
    /// `null` when masked.
    pub exits: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageFlow {
    pub stage: Stage,
    /// People who entered the stage during the period (`null` when masked).
    pub entries: Option<i64>,
    /// Of the cohort (people who entered the pathway during the period), how many
    /// reached this stage, up to now (`null` when masked).
    pub cohort_reached: Option<i64>,
    /// Of those, how many reached a later stage (`null` when masked).
    pub cohort_went_further: Option<i64>,
    /// cohort_went_further / cohort_reached: where the pathway leaks (none for the last
    /// stage, when nobody of the cohort reached this one, or when cohort_went_further
    /// is masked).
    pub conversion_to_next: Option<f64>,
    /// Pathways closed during the period while at this stage, per outcome.
    pub exits: Vec<OutcomeCount>,
    /// Pathways closed from this stage as dropouts (abandon, lost contact), masked as
    /// one figure: the CSV's column. Not in the JSON, which gives each outcome per
    /// stage: there, this sum and one of them would give the other away.
    #[serde(skip)]
    pub dropouts: Option<i64>,
    /// Days spent in the stage, over the stays that ended during the period: median
    /// and 90th percentile (nearest rank).
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// People who entered the pathway during the period (`null` when masked).
    pub cohort: Option<i64>,
    pub stages: Vec<StageFlow>,
    /// Pathways closed during the period, per outcome (all stages).
    pub exits: Vec<OutcomeCount>,
    pub definition: String,
    /// Counts from 1 to `masked_below` − 1 are `null`: so few people could be singled
    /// out. Zero is shown; a rate computed from a masked count is `null` too.
    pub masked_below: i64,
}

/// Entries, exits, passage of the period's cohort, and time spent in each stage.
pub async fn flows(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<FlowsReport> {
    flows_of(core, &scope(core, actor, filters, now).await?).await
}

pub(super) async fn flows_of(core: &Core, scoped: &ReportScope) -> Result<FlowsReport> {
    let scope = &scoped.scope;
    let reports::Flows {
        entries,
        cohort,
        durations,
        exits,
    } = reports::flows(core.db.conn(), scope).await?;
    let mask = scoped.mask;
    let closed = |stage: Option<Stage>, outcome: &dyn Fn(Outcome) -> bool| -> i64 {
        exits
            .iter()
            .filter(|(s, o, _)| outcome(*o) && stage.is_none_or(|st| *s == st))
            .map(|(_, _, n)| n)
            .sum()
    };
    // Exits per stage and outcome, then per outcome (all stages), then the dropouts
    // of each stage (CSV): each total is the sum of parts shown beside it, so the
    // cells are protected together (`protect`).
    let mut grid = Suppression::default();
    let mut cells: Vec<Vec<usize>> = Vec::new();
    for stage in Stage::ALL {
        let row = Outcome::ALL
            .iter()
            .map(|outcome| grid.cell(closed(Some(*stage), &|x| x == *outcome)))
            .collect();
        cells.push(row);
    }
    let mut totals = Vec::new();
    for (o, outcome) in Outcome::ALL.iter().enumerate() {
        let total = grid.cell(closed(None, &|x| x == *outcome));
        grid.group(total, cells.iter().map(|row| row[o]).collect());
        totals.push(total);
    }
    let mut dropouts = Vec::new();
    for (s, stage) in Stage::ALL.iter().enumerate() {
        let dropout = grid.cell(closed(Some(*stage), &Outcome::is_dropout));
        let parts = Outcome::ALL
            .iter()
            .enumerate()
            .filter(|(_, o)| o.is_dropout())
            .map(|(o, _)| cells[s][o])
            .collect();
        grid.group(dropout, parts);
        dropouts.push(dropout);
    }
    let shown = grid.finish(mask);
    let exits_from = |stage: Option<usize>| -> Vec<OutcomeCount> {
        Outcome::ALL
            .iter()
            .enumerate()
            .map(|(o, outcome)| OutcomeCount {
                outcome: *outcome,
                exits: shown[stage.map_or(totals[o], |s| cells[s][o])],
            })
            .collect()
    };
    let stages = Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let (median_days, p90_days) = durations
                .iter()
                .find(|(s, _, _)| s == stage)
                .map_or((None, None), |(_, m, p)| (*m, *p));
            let reached = cohort.reached[i];
            let further = cohort.went_further[i];
            let last = i + 1 == Stage::ALL.len();
            let conversion = (!last && reached > 0).then(|| further as f64 / reached as f64);
            StageFlow {
                stage: *stage,
                entries: mask.count(count_of(&entries, *stage)),
                cohort_reached: mask.count(reached),
                cohort_went_further: mask.count(further),
                conversion_to_next: mask.rate(conversion, &[further]),
                exits: exits_from(Some(i)),
                dropouts: shown[dropouts[i]],
                median_days,
                p90_days,
            }
        })
        .collect();
    Ok(FlowsReport {
        scope: scoped.label.clone(),
        from: scope.from,
        to: scope.to,
        cohort: mask.count(cohort.size),
        stages,
        exits: exits_from(None),
        masked_below: mask.below,
        definition: "Entrées : personnes entrées à l'étape (première entrée ou changement) pendant la période. \
                     Cohorte : personnes entrées dans le parcours pendant la période ; pour chaque étape, combien l'ont atteinte depuis, \
                     et combien de celles-ci ont atteint une étape suivante (taux de passage). \
                     Sorties : parcours clôturés pendant la période, selon l'étape où ils l'ont été et leur issue. \
                     Durées : séjours dans l'étape terminés (changement d'étape ou clôture) pendant la période, médiane et 90e centile en jours.".into(),
    })
}
