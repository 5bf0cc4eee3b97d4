//! Hosting: spaces and their units, agreements with their duration rules, and
//! occupancy.

use crate::organisations::OrganisationKind;
use crate::string_enum;
use chrono::{Months, NaiveDate};

string_enum! {
    pub enum UnitKind {
        Bureau => "bureau",
        Atelier => "atelier",
        Boutique => "boutique",
        PosteCoworking => "poste_coworking",
        Domiciliation => "domiciliation",
    }
}

string_enum! {
    /// Why an agreement ended.
    pub enum EndReason {
        /// Moved out to the business's own premises.
        InstalleLocauxPropres => "installe_locaux_propres",
        /// The term was reached.
        FinDeConvention => "fin_de_convention",
        /// Ended before the term.
        FinAnticipee => "fin_anticipee",
        /// The business closed.
        CessationActivite => "cessation_activite",
    }
}

/// The longest first term an organisation of `kind` grants, in months, and how many
/// renewals of the same length it allows; `None` when it does not host.
pub fn term_rule(kind: OrganisationKind) -> Option<(u32, u32)> {
    use OrganisationKind::*;
    match kind {
        // Boutique à l'essai: six months, renewable once.
        BoutiqueALEssai => Some((6, 1)),
        // Centre d'affaires de quartier and incubator: two years.
        Caq | Incubateur => Some((24, 0)),
        // Pépinière: up to four years.
        Pepiniere => Some((48, 0)),
        // Couveuse (CAPE contract) and CAE: 12 months, renewable twice.
        Couveuse | Cae => Some((12, 2)),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    #[error("cette structure ne propose pas d'hébergement")]
    NotAHost,
    #[error("la fin prévue doit suivre le début")]
    EndBeforeStart,
    #[error("durée trop longue : {max_months} mois au plus pour ce type de structure")]
    TooLong { max_months: u32 },
}

/// Checks a planned term, a renewal counting as one more term of the same length.
pub fn check_term(
    kind: OrganisationKind,
    start: NaiveDate,
    planned_end: NaiveDate,
    renewals: u32,
) -> Result<(), TermError> {
    let (months, max_renewals) = term_rule(kind).ok_or(TermError::NotAHost)?;
    if planned_end <= start {
        return Err(TermError::EndBeforeStart);
    }
    let max_months = months * (1 + renewals.min(max_renewals));
    let limit = start
        .checked_add_months(Months::new(max_months))
        .unwrap_or(NaiveDate::MAX);
    if planned_end > limit {
        return Err(TermError::TooLong { max_months });
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenewalError {
    #[error("cette structure ne propose pas d'hébergement")]
    NotAHost,
    #[error("la nouvelle fin doit suivre la fin prévue actuelle")]
    NotLater,
    #[error(
        "durée trop longue : {max_months} mois au plus, renouvellements compris, pour ce type de structure"
    )]
    TooLong { max_months: u32 },
}

/// A running agreement renewed to `new_end` under the host's rule: within the term
/// already granted it is a prolongation and the count of renewals stays; beyond it, it
/// takes one more renewal, if the rule leaves one. Returns the count after it.
pub fn renew(
    kind: OrganisationKind,
    start: NaiveDate,
    planned_end: NaiveDate,
    renewals: u32,
    new_end: NaiveDate,
) -> Result<u32, RenewalError> {
    let (months, max_renewals) = term_rule(kind).ok_or(RenewalError::NotAHost)?;
    if new_end <= planned_end {
        return Err(RenewalError::NotLater);
    }
    if check_term(kind, start, new_end, renewals).is_ok() {
        return Ok(renewals);
    }
    if renewals < max_renewals && check_term(kind, start, new_end, renewals + 1).is_ok() {
        return Ok(renewals + 1);
    }
    Err(RenewalError::TooLong {
        max_months: months * (1 + max_renewals),
    })
}

/// The end a renewal proposes: one more term of the host's length after the planned
/// end, within the longest the rule allows; `None` when the rule grants no more.
pub fn renewal_end(
    kind: OrganisationKind,
    start: NaiveDate,
    planned_end: NaiveDate,
) -> Option<NaiveDate> {
    let (months, max_renewals) = term_rule(kind)?;
    let longest = start.checked_add_months(Months::new(months * (1 + max_renewals)))?;
    let next = planned_end
        .checked_add_months(Months::new(months))?
        .min(longest);
    (next > planned_end).then_some(next)
}

/// Days of `[from, to)` during which `[start, end)` occupies a unit.
pub fn occupied_days(start: NaiveDate, end: NaiveDate, from: NaiveDate, to: NaiveDate) -> i64 {
    let (a, b) = (start.max(from), end.min(to));
    (b - a).num_days().max(0)
}

/// Occupancy of one unit over `[from, to)`: occupied days / days, given its agreements
/// as `(start, actual or planned end)`; agreements of one unit never overlap.
pub fn occupancy_rate(
    agreements: &[(NaiveDate, NaiveDate)],
    from: NaiveDate,
    to: NaiveDate,
) -> f64 {
    let days = (to - from).num_days();
    if days <= 0 {
        return 0.0;
    }
    let occupied: i64 = agreements
        .iter()
        .map(|(s, e)| occupied_days(*s, *e, from, to))
        .sum();
    occupied.min(days) as f64 / days as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn terms_by_kind() {
        use OrganisationKind::*;
        assert_eq!(
            check_term(BoutiqueALEssai, d("2026-01-01"), d("2026-07-01"), 0),
            Ok(())
        );
        assert_eq!(
            check_term(BoutiqueALEssai, d("2026-01-01"), d("2026-07-02"), 0),
            Err(TermError::TooLong { max_months: 6 })
        );
        assert_eq!(
            check_term(BoutiqueALEssai, d("2026-01-01"), d("2027-01-01"), 1),
            Ok(()),
            "renewed once"
        );
        assert_eq!(
            check_term(BoutiqueALEssai, d("2026-01-01"), d("2027-01-02"), 5),
            Err(TermError::TooLong { max_months: 12 }),
            "once only"
        );
        assert_eq!(check_term(Caq, d("2026-01-01"), d("2028-01-01"), 0), Ok(()));
        assert_eq!(
            check_term(Pepiniere, d("2026-01-01"), d("2030-01-01"), 0),
            Ok(())
        );
        assert_eq!(
            check_term(Couveuse, d("2026-01-01"), d("2029-01-01"), 2),
            Ok(())
        );
        assert_eq!(
            check_term(Adie, d("2026-01-01"), d("2026-02-01"), 0),
            Err(TermError::NotAHost)
        );
        assert_eq!(
            check_term(Caq, d("2026-01-01"), d("2026-01-01"), 0),
            Err(TermError::EndBeforeStart)
        );
    }

    #[test]
    fn renewals_follow_the_hosts_rule() {
        use OrganisationKind::*;
        // Boutique à l'essai: 6 months, renewable once.
        let (start, end) = (d("2026-01-01"), d("2026-07-01"));
        assert_eq!(
            renewal_end(BoutiqueALEssai, start, end),
            Some(d("2027-01-01"))
        );
        assert_eq!(
            renew(BoutiqueALEssai, start, end, 0, d("2027-01-01")),
            Ok(1)
        );
        assert_eq!(
            renew(BoutiqueALEssai, start, d("2027-01-01"), 1, d("2027-02-01")),
            Err(RenewalError::TooLong { max_months: 12 })
        );
        assert_eq!(renewal_end(BoutiqueALEssai, start, d("2027-01-01")), None);
        // A CAQ grants 24 months, no renewal: a shorter term may be prolonged up to it.
        let short = d("2027-01-01");
        assert_eq!(renewal_end(Caq, start, short), Some(d("2028-01-01")));
        assert_eq!(renew(Caq, start, short, 0, d("2028-01-01")), Ok(0));
        assert_eq!(
            renew(Caq, start, short, 0, d("2028-01-02")),
            Err(RenewalError::TooLong { max_months: 24 })
        );
        assert_eq!(
            renew(Caq, start, short, 0, short),
            Err(RenewalError::NotLater)
        );
        // Couveuse: 12 months, renewable twice.
        assert_eq!(
            renew(Couveuse, start, d("2027-01-01"), 0, d("2028-01-01")),
            Ok(1)
        );
        assert_eq!(
            renew(Couveuse, start, d("2028-01-01"), 1, d("2029-01-01")),
            Ok(2)
        );
        assert_eq!(renewal_end(Couveuse, start, d("2029-01-01")), None);
        assert_eq!(
            renew(Adie, start, end, 0, short),
            Err(RenewalError::NotAHost)
        );
    }

    /// A fixed example checked by hand: a 30-day window, two units.
    #[test]
    fn occupancy_on_a_fixed_example() {
        let (from, to) = (d("2026-11-01"), d("2026-12-01"));
        // Unit A: 1–16 Nov (15 days), then 21 Nov–31 Dec (10 days in the window) → 25/30.
        let a = [
            (d("2026-11-01"), d("2026-11-16")),
            (d("2026-11-21"), d("2026-12-31")),
        ];
        assert!((occupancy_rate(&a, from, to) - 25.0 / 30.0).abs() < 1e-9);
        // Unit B: from 15 Oct to 6 Nov → 5 days in the window.
        let b = [(d("2026-10-15"), d("2026-11-06"))];
        assert!((occupancy_rate(&b, from, to) - 5.0 / 30.0).abs() < 1e-9);
        assert_eq!(occupancy_rate(&[], from, to), 0.0);
        assert_eq!(occupied_days(d("2026-12-05"), d("2026-12-10"), from, to), 0);
    }
}
