//! The partners' offer (services) and the rules that suggest where to refer a holder.

use crate::organisations::OrganisationKind;
use crate::pathway::Stage;
use crate::string_enum;

string_enum! {
    /// What a holder needs next, and what a service offers.
    pub enum Need {
        /// A loan to start: microcredit, bank loan.
        Financement => "financement",
        /// Own funds to unlock a bank loan: prêt d'honneur.
        FondsPropres => "fonds_propres",
        /// A guarantee on a bank loan.
        Garantie => "garantie",
        /// Help building and launching the project.
        Accompagnement => "accompagnement",
        /// Premises: office, workshop, shop, domiciliation.
        Local => "local",
        /// Testing the activity before creating (couveuse, CAE).
        TestActivite => "test_activite",
        /// A collective project (SCOP, SCIC, CAE).
        ProjetCollectif => "projet_collectif",
        /// Job, training or social obstacles first.
        EmploiFormation => "emploi_formation",
    }
}

string_enum! {
    /// Who a service is for.
    pub enum Public {
        Tous => "tous",
        MoinsDe26 => "moins_de_26",
        DemandeursEmploi => "demandeurs_emploi",
        MinimaSociaux => "minima_sociaux",
        Femmes => "femmes",
        ResidentsQpv => "residents_qpv",
    }
}

/// The legal ceiling of a professional microcredit, in euros.
pub const MICROCREDIT_CEILING_EUR: i64 = 12_000;

/// What the rules need to know of a service.
#[derive(Clone, Debug)]
pub struct Offer {
    pub service_id: i64,
    pub organisation_kind: OrganisationKind,
    pub stage: Stage,
    pub needs: Vec<Need>,
    pub publics: Vec<Public>,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    /// Places left, when the service counts them.
    pub places: Option<i32>,
}

/// What the rules need to know of the holder and their project.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub age: Option<i32>,
    pub financing_need_eur: Option<i64>,
    pub collective: bool,
    pub needs: Vec<Need>,
    pub job_seeker: bool,
    pub minima_sociaux: bool,
    pub woman: bool,
    pub in_qpv: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub service_id: i64,
    pub score: u32,
    /// One line a person can read: why this service.
    pub reason: String,
}

fn eligible(profile: &Profile, offer: &Offer) -> bool {
    offer.publics.is_empty()
        || offer.publics.iter().any(|public| match public {
            Public::Tous => true,
            Public::MoinsDe26 => profile.age.is_some_and(|a| a < 26),
            Public::DemandeursEmploi => profile.job_seeker,
            Public::MinimaSociaux => profile.minima_sociaux,
            Public::Femmes => profile.woman,
            Public::ResidentsQpv => profile.in_qpv,
        })
}

fn euros(n: i64) -> String {
    format!("{}\u{a0}€", crate::numbers::thousands(n))
}

/// The best reason to suggest `offer`, if any, with its weight.
fn best_reason(profile: &Profile, offer: &Offer) -> Option<(u32, String)> {
    let wants = |need| profile.needs.contains(&need) && offer.needs.contains(&need);
    let need = profile.financing_need_eur.filter(|n| *n > 0);
    let in_range = |n: i64| {
        offer.financing_min_eur.is_none_or(|min| n >= min)
            && offer.financing_max_eur.is_none_or(|max| n <= max)
    };
    let mut reasons: Vec<(u32, String)> = Vec::new();
    if let Some(n) = need {
        if offer.organisation_kind == OrganisationKind::Adie
            && n <= MICROCREDIT_CEILING_EUR
            && in_range(n)
        {
            reasons.push((90, format!(
                "Besoin de financement de {} sous le plafond du microcrédit professionnel ({}) : microcrédit",
                euros(n),
                euros(MICROCREDIT_CEILING_EUR)
            )));
        }
        if offer.needs.contains(&Need::FondsPropres) && in_range(n) {
            reasons.push((
                if profile.needs.contains(&Need::FondsPropres) {
                    85
                } else {
                    70
                },
                "Prêt d'honneur à taux zéro : des fonds propres pour obtenir le prêt bancaire"
                    .into(),
            ));
        }
        if offer.needs.contains(&Need::Garantie)
            && (n > MICROCREDIT_CEILING_EUR || profile.needs.contains(&Need::Garantie))
        {
            reasons.push((
                75,
                format!(
                    "Prêt bancaire de {} à garantir : garantie d'emprunt",
                    euros(n)
                ),
            ));
        }
    }
    if profile.collective && offer.needs.contains(&Need::ProjetCollectif) {
        reasons.push((
            85,
            "Projet collectif : coopérative (CAE, SCOP) et entrepreneuriat salarié".into(),
        ));
    }
    if wants(Need::Local) {
        reasons.push((
            85,
            "Besoin de locaux : bureau, atelier ou boutique à loyer modéré".into(),
        ));
    }
    if wants(Need::TestActivite) {
        reasons.push((
            80,
            "Tester l'activité avant de créer, sans perdre ses droits".into(),
        ));
    }
    if profile.age.is_some_and(|a| a < 26)
        && offer.organisation_kind == OrganisationKind::MissionLocale
    {
        reasons.push((
            70,
            "Moins de 26 ans : la Mission Locale accompagne aussi l'emploi et les freins sociaux"
                .into(),
        ));
    }
    if wants(Need::EmploiFormation) {
        reasons.push((
            65,
            "Emploi, formation ou freins sociaux à lever d'abord".into(),
        ));
    }
    if wants(Need::Accompagnement) {
        reasons.push((
            60,
            "Accompagnement au montage et au lancement du projet".into(),
        ));
    }
    if wants(Need::Financement) && reasons.is_empty() && need.is_none_or(in_range) {
        reasons.push((50, "Solution de financement adaptée au projet".into()));
    }
    reasons.into_iter().max_by_key(|(score, _)| *score)
}

/// Services worth suggesting, best first; ineligible or full services are left out.
pub fn suggest(profile: &Profile, offers: &[Offer]) -> Vec<Suggestion> {
    let mut suggestions: Vec<Suggestion> = offers
        .iter()
        .filter(|offer| eligible(profile, offer) && offer.places.is_none_or(|p| p > 0))
        .filter_map(|offer| {
            best_reason(profile, offer).map(|(score, reason)| Suggestion {
                service_id: offer.service_id,
                score,
                reason,
            })
        })
        .collect();
    suggestions.sort_by(|a, b| b.score.cmp(&a.score).then(a.service_id.cmp(&b.service_id)));
    suggestions
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrganisationKind as K;

    fn offer(id: i64, kind: K, needs: &[Need]) -> Offer {
        Offer {
            service_id: id,
            organisation_kind: kind,
            stage: Stage::Accompagnement,
            needs: needs.to_vec(),
            publics: vec![Public::Tous],
            financing_min_eur: None,
            financing_max_eur: None,
            places: None,
        }
    }

    fn directory() -> Vec<Offer> {
        vec![
            Offer {
                financing_max_eur: Some(12_000),
                ..offer(1, K::Adie, &[Need::Financement])
            },
            Offer {
                financing_min_eur: Some(1_000),
                financing_max_eur: Some(50_000),
                ..offer(2, K::Initiative, &[Need::FondsPropres, Need::Financement])
            },
            offer(3, K::FranceActive, &[Need::Garantie, Need::Financement]),
            offer(4, K::Cae, &[Need::ProjetCollectif, Need::TestActivite]),
            offer(5, K::Caq, &[Need::Local]),
            Offer {
                publics: vec![Public::MoinsDe26],
                ..offer(6, K::MissionLocale, &[Need::EmploiFormation])
            },
            offer(7, K::Bge, &[Need::Accompagnement]),
        ]
    }

    /// (profile, expected first service, words its reason contains)
    #[test]
    fn the_rule_table() {
        let cases: Vec<(Profile, i64, &str)> = vec![
            (
                Profile {
                    financing_need_eur: Some(8_000),
                    ..Profile::default()
                },
                1,
                "microcrédit",
            ),
            (
                Profile {
                    financing_need_eur: Some(30_000),
                    needs: vec![Need::FondsPropres],
                    ..Profile::default()
                },
                2,
                "Prêt d'honneur",
            ),
            (
                Profile {
                    financing_need_eur: Some(80_000),
                    needs: vec![Need::Garantie],
                    ..Profile::default()
                },
                3,
                "garantie",
            ),
            (
                Profile {
                    collective: true,
                    ..Profile::default()
                },
                4,
                "collectif",
            ),
            (
                Profile {
                    needs: vec![Need::Local],
                    ..Profile::default()
                },
                5,
                "locaux",
            ),
            (
                Profile {
                    age: Some(22),
                    ..Profile::default()
                },
                6,
                "Moins de 26 ans",
            ),
            (
                Profile {
                    needs: vec![Need::Accompagnement],
                    ..Profile::default()
                },
                7,
                "Accompagnement",
            ),
            (
                Profile {
                    needs: vec![Need::TestActivite],
                    ..Profile::default()
                },
                4,
                "Tester",
            ),
        ];
        for (profile, first, words) in cases {
            let suggestions = suggest(&profile, &directory());
            assert_eq!(
                suggestions.first().map(|s| s.service_id),
                Some(first),
                "{profile:?}: {suggestions:?}"
            );
            assert!(
                suggestions[0].reason.contains(words),
                "{}",
                suggestions[0].reason
            );
        }
    }

    #[test]
    fn above_the_microcredit_ceiling_adie_is_not_suggested() {
        let profile = Profile {
            financing_need_eur: Some(15_000),
            ..Profile::default()
        };
        let ids: Vec<i64> = suggest(&profile, &directory())
            .iter()
            .map(|s| s.service_id)
            .collect();
        assert!(!ids.contains(&1), "{ids:?}");
        assert!(ids.contains(&2) && ids.contains(&3));
    }

    #[test]
    fn ineligible_and_full_services_are_left_out() {
        let adult = Profile {
            age: Some(40),
            needs: vec![Need::EmploiFormation],
            ..Profile::default()
        };
        assert!(
            suggest(&adult, &directory())
                .iter()
                .all(|s| s.service_id != 6)
        );
        let mut full = directory();
        full[4].places = Some(0);
        let profile = Profile {
            needs: vec![Need::Local],
            ..Profile::default()
        };
        assert!(suggest(&profile, &full).iter().all(|s| s.service_id != 5));
        assert!(suggest(&Profile::default(), &directory()).is_empty());
    }

    #[test]
    fn amounts_read_the_french_way() {
        assert_eq!(euros(12_000), "12\u{202f}000\u{a0}€");
        assert_eq!(euros(800), "800\u{a0}€");
    }
}
