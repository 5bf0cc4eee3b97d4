//! The funder indicators of a period, each with its definition.

use super::{ReportFilters, ReportScope, count_of, scope};
use crate::{Actor, Core, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::holders::{Gender, QpvStatus, Situation};
use parcours_domain::labels::Label;
use parcours_domain::pathway::{Outcome, Stage};
use parcours_persistence::reports;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    pub code: String,
    pub label: String,
    /// `null` when masked (from 1 to `masked_below` − 1).
    pub value: Option<i64>,
    /// How it is counted.
    pub definition: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub code: String,
    pub label: String,
    /// `null` when masked.
    pub count: Option<i64>,
    /// `null` when masked.
    pub base: Option<i64>,
    /// count / base, 0 when the base is empty; `null` when the count or the base is
    /// masked.
    pub share: Option<f64>,
    pub definition: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorsReport {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub indicators: Vec<Indicator>,
    pub shares: Vec<Share>,
    /// Counts from 1 to `masked_below` − 1 are `null`: so few people could be singled
    /// out. Zero is shown; a share computed from a masked count is `null` too.
    pub masked_below: i64,
}

/// The funder indicators of a period, each with its definition.
pub async fn indicators(
    core: &Core,
    actor: &Actor,
    filters: &ReportFilters,
    now: DateTime<Utc>,
) -> Result<IndicatorsReport> {
    indicators_of(core, &scope(core, actor, filters, now).await?).await
}

pub(super) async fn indicators_of(core: &Core, scoped: &ReportScope) -> Result<IndicatorsReport> {
    let scope = &scoped.scope;
    let reports::Indicators {
        entries,
        reached_by_events: (named, headcount),
        referred,
        hosted,
        exits,
        newcomers: [base, women, qpv, young, rsa],
    } = reports::indicators(core.db.conn(), scope).await?;
    let mask = scoped.mask;
    let entered = |stage: Stage| count_of(&entries, stage);
    let created = exits
        .iter()
        .filter(|(_, outcome, _)| *outcome == Outcome::EntrepriseCreee)
        .map(|(_, _, n)| n)
        .sum();
    let indicator = |code: &str, label: &str, value: i64, definition: String| Indicator {
        code: code.into(),
        label: label.into(),
        value: mask.count(value),
        definition,
    };
    let indicators = vec![
        indicator(
            "sensibilises",
            "Personnes sensibilisées (suivies)",
            entered(Stage::Sensibilisation),
            "Personnes distinctes entrées à l'étape sensibilisation pendant la période.".into(),
        ),
        indicator(
            "touches_evenements_nommes",
            "Participants nommés aux actions collectives",
            named,
            "Personnes distinctes inscrites nommément à une action de sensibilisation tenue pendant la période.".into(),
        ),
        indicator(
            "touches_evenements_comptes",
            "Participants comptés (anonymes)",
            headcount,
            "Somme des effectifs anonymes déclarés pour les actions tenues pendant la période par les structures du périmètre (hors filtres de profil).".into(),
        ),
        indicator(
            "informes",
            "Personnes informées",
            entered(Stage::Information),
            "Personnes distinctes entrées à l'étape information pendant la période.".into(),
        ),
        indicator(
            "orientes",
            "Personnes orientées",
            referred,
            "Personnes distinctes orientées vers un partenaire par une structure du périmètre (au moins une orientation envoyée pendant la période).".into(),
        ),
        indicator(
            "accompagnes",
            "Personnes accompagnées",
            entered(Stage::Accompagnement),
            "Personnes distinctes entrées à l'étape accompagnement pendant la période.".into(),
        ),
        indicator(
            "heberges",
            "Personnes hébergées",
            hosted,
            "Personnes distinctes ayant une convention d'hébergement en cours à un moment de la période.".into(),
        ),
        indicator(
            "entreprises_creees",
            "Entreprises créées",
            created,
            format!(
                "Parcours clôturés avec l'issue « {} » pendant la période.",
                Outcome::EntrepriseCreee.label()
            ),
        ),
    ];
    let share = |code: &str, label: &str, count: i64, definition: &str| Share {
        code: code.into(),
        label: label.into(),
        count: mask.count(count),
        base: mask.count(base),
        share: mask.rate(
            Some(if base == 0 {
                0.0
            } else {
                count as f64 / base as f64
            }),
            &[count, base],
        ),
        definition: format!(
            "{definition} Base : personnes entrées dans le parcours pendant la période ({}).",
            mask.text(base)
        ),
    };
    let shares = vec![
        share(
            "part_femmes",
            "Part de femmes",
            women,
            &format!("Personnes de genre « {} ».", Gender::Femme.label()),
        ),
        share(
            "part_qpv",
            "Part de résidents QPV",
            qpv,
            &format!(
                "Personnes dont le statut QPV est « {} ».",
                QpvStatus::InQpv.label()
            ),
        ),
        share(
            "part_moins_26",
            "Part de moins de 26 ans",
            young,
            "Personnes de moins de 26 ans à la fin de la période (date de naissance connue).",
        ),
        share(
            "part_rsa",
            "Part d'allocataires du RSA",
            rsa,
            &format!(
                "Personnes dont la situation est « {} ».",
                Situation::Rsa.label()
            ),
        ),
    ];
    Ok(IndicatorsReport {
        scope: scoped.label.clone(),
        from: scope.from,
        to: scope.to,
        indicators,
        shares,
        masked_below: mask.below,
    })
}
