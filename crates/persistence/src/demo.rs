//! A fictional caseload for the demo: about 200 porteurs de projet spread over the
//! stages, with projects, contacts, follow-ups (some overdue), consents and outcomes.
//! Deterministic: the same database gets the same people.

use crate::entities::{organisations, users};
use crate::holders::{Authority, HolderFields};
use crate::{PersistenceError, Result, consents, contacts, holders, projects, referrals};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use parcours_domain::access::{FileFacts, HolderAccess, Viewer, holder_access};
use parcours_domain::contacts::{ConsentPurpose, ContactKind, LegalForm, Topic};
use parcours_domain::events::EventKind;
use parcours_domain::holders::{EducationLevel, Gender, QpvStatus, QpvStatusSource, Situation};
use parcours_domain::hosting::UnitKind;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::pathway::{Outcome, Pathway, Stage};
use parcours_domain::referrals::{Deadlines, ReferralStatus, ReferralStep};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// What the policy grants an adviser of `organisation_id` on a holder it follows: demo
/// data is written as the référent organisation's advisers would.
fn grants(organisation_id: i64, holder_id: i64, now: DateTime<Utc>) -> Result<HolderAccess> {
    let viewer = Viewer {
        role: parcours_domain::users::Role::Adviser,
        organisation_id,
        territory_id: 0,
    };
    let file = FileFacts {
        holder_id,
        referent_organisation_id: organisation_id,
        referral: None,
        sharing_consent: false,
    };
    match holder_access(&viewer, &file, &Deadlines::default(), now) {
        access @ HolderAccess::Referent(..) => Ok(access),
        _ => Err(PersistenceError::NotFound),
    }
}

const FIRST_NAMES: &[(&str, &str)] = &[
    ("Aïssata", "femme"),
    ("Mamadou", "homme"),
    ("Leïla", "femme"),
    ("Yanis", "homme"),
    ("Fatoumata", "femme"),
    ("Kévin", "homme"),
    ("Samira", "femme"),
    ("Moussa", "homme"),
    ("Chloé", "femme"),
    ("Rachid", "homme"),
    ("Naïma", "femme"),
    ("Julien", "homme"),
    ("Awa", "femme"),
    ("Bilal", "homme"),
    ("Sabrina", "femme"),
    ("Thierry", "homme"),
    ("Inès", "femme"),
    ("Ousmane", "homme"),
    ("Mélissa", "femme"),
    ("Hakim", "homme"),
    ("Kadiatou", "femme"),
    ("Benoît", "homme"),
    ("Yasmine", "femme"),
    ("Dylan", "homme"),
    ("Nadia", "femme"),
    ("Sofiane", "homme"),
    ("Céline", "femme"),
    ("Adama", "homme"),
    ("Hawa", "femme"),
    ("Loïc", "homme"),
];
const LAST_NAMES: &[&str] = &[
    "Traoré", "Benali", "Diallo", "Nguyen", "Martin", "Haddad", "Konaté", "Lefèvre", "Cissé",
    "Bensaïd", "Moreau", "Keïta", "Dubois", "Mansouri", "Camara", "Petit", "Bakayoko", "Girard",
    "Touré", "Rahmani", "Fofana", "Lambert", "Sylla", "Chérif", "Rousseau",
];
const IDEAS: &[(&str, &str)] = &[
    ("Traiteur de cuisine du monde à domicile", "restauration"),
    (
        "Salon de coiffure afro et barbier",
        "services à la personne",
    ),
    ("Entreprise de nettoyage de bureaux", "propreté"),
    ("Boutique de prêt-à-porter modeste", "commerce"),
    ("Auto-école associative", "formation"),
    ("Food-truck de street-food", "restauration"),
    ("Réparation de téléphones et d'ordinateurs", "numérique"),
    ("Couturière retoucheuse en atelier partagé", "artisanat"),
    ("Transport de personnes (VTC)", "transport"),
    ("Épicerie fine de produits d'Afrique de l'Ouest", "commerce"),
    ("Agence de communication digitale", "numérique"),
    ("Garde d'enfants à domicile", "services à la personne"),
    ("Rénovation intérieure et peinture", "bâtiment"),
    ("Coaching sportif en plein air", "sport"),
];
const TOPICS: &[Topic] = &[
    Topic::Idee,
    Topic::EtudeDeMarche,
    Topic::Financement,
    Topic::StatutJuridique,
    Topic::Administratif,
    Topic::Commercial,
    Topic::FreinMobilite,
    Topic::FreinGardeEnfant,
    Topic::FreinLogement,
    Topic::FreinNumerique,
];
const KINDS: &[ContactKind] = &[
    ContactKind::Entretien,
    ContactKind::Telephone,
    ContactKind::Email,
    ContactKind::Atelier,
    ContactKind::Permanence,
    ContactKind::Entretien,
    ContactKind::Telephone,
];
const SITUATIONS: &[Situation] = Situation::ALL;
const EDUCATION: &[EducationLevel] = &[
    EducationLevel::Infra3,
    EducationLevel::Niveau3,
    EducationLevel::Niveau4,
    EducationLevel::Niveau5,
    EducationLevel::Niveau6,
    EducationLevel::Niveau7,
];
const NEXT_ACTIONS: &[&str] = &[
    "Rappeler pour faire le point",
    "Relire le prévisionnel",
    "Envoyer la liste des pièces",
    "Préparer le comité de prêt",
    "Orienter vers un atelier statut juridique",
    "Vérifier l'immatriculation",
];

/// A small deterministic generator (an LCG): demo data must be the same every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A SIRET that passes the Luhn check, built from the generator.
fn siret(dice: &mut Dice) -> String {
    let mut digits: Vec<u32> = (0..13).map(|_| dice.below(10) as u32).collect();
    if digits[0] == 3 {
        digits[0] = 4; // stay clear of La Poste's SIREN
    }
    for last in 0..10 {
        let mut candidate = digits.clone();
        candidate.push(last);
        let sum: u32 = candidate
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                if i % 2 == 1 {
                    let x = d * 2;
                    if x > 9 { x - 9 } else { x }
                } else {
                    d
                }
            })
            .sum();
        if sum.is_multiple_of(10) {
            return candidate
                .iter()
                .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
                .collect();
        }
    }
    unreachable!("one of ten check digits always fits")
}

/// What was generated.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub holders: u64,
    pub contacts: u64,
    pub events: u64,
    pub agreements: u64,
    pub referrals: u64,
}

/// Generates the caseload for every adviser of the territory's partner organisations
/// (coordinators' and platform organisations get none). `now` anchors the dates.
pub async fn generate(
    conn: &impl ConnectionTrait,
    holders_wanted: usize,
    now: DateTime<Utc>,
) -> Result<DemoReport> {
    let advisers: Vec<users::Model> = users::Entity::find()
        .filter(users::Column::Role.is_in([
            parcours_domain::users::Role::Adviser.as_str(),
            parcours_domain::users::Role::OrgAdmin.as_str(),
        ]))
        .order_by_asc(users::Column::Id)
        .all(conn)
        .await?;
    if advisers.is_empty() {
        return Ok(DemoReport::default());
    }
    let qpv_codes: Vec<String> = crate::entities::qpv::Entity::find()
        .order_by_asc(crate::entities::qpv::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(|q| q.code)
        .collect();
    let org_kinds: std::collections::HashMap<i64, OrganisationKind> = organisations::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|o| Ok((o.id, crate::words::word("organisations", "kind", &o.kind)?)))
        .collect::<Result<_>>()?;
    let mut dice = Dice(2026);
    let mut report = DemoReport::default();
    for n in 0..holders_wanted {
        let adviser = &advisers[n % advisers.len()];
        let kind = org_kinds
            .get(&adviser.organisation_id)
            .copied()
            .unwrap_or(OrganisationKind::Autre);
        // Each network works mostly at its own end of the pathway.
        let (entry, furthest) = match kind {
            OrganisationKind::Citeslab => (Stage::Sensibilisation, Stage::Accompagnement),
            OrganisationKind::Caq => (Stage::Accompagnement, Stage::Hebergement),
            _ => (Stage::Information, Stage::Hebergement),
        };
        let started = now - Duration::days(20 + dice.below(520) as i64);
        let (first, gender) = *dice.pick(FIRST_NAMES);
        let last = *dice.pick(LAST_NAMES);
        let birth = NaiveDate::from_ymd_opt(
            1960 + dice.below(46) as i32,
            1 + dice.below(12) as u32,
            1 + dice.below(28) as u32,
        )
        .unwrap_or_default();
        let in_qpv = !qpv_codes.is_empty() && dice.chance(78);
        let fields = HolderFields {
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            birth_date: Some(birth),
            gender: gender.parse::<Gender>().ok(),
            email: dice.chance(80).then(|| {
                format!(
                    "{}.{}{}@exemple.test",
                    parcours_domain::holders::search_key(first),
                    parcours_domain::holders::search_key(last).replace(' ', ""),
                    n
                )
            }),
            phone: Some(format!("+336{:08}", dice.next() % 100_000_000)),
            address: Some(format!(
                "{} rue des Peupliers (fictive)",
                1 + dice.below(120)
            )),
            postal_code: Some("00101".into()),
            commune_insee: Some(["00101", "00102", "00103"][dice.below(3)].into()),
            qpv_code: in_qpv.then(|| dice.pick(&qpv_codes).clone()),
            qpv_status: if in_qpv {
                QpvStatus::InQpv
            } else if dice.chance(50) {
                QpvStatus::NotInQpv
            } else {
                QpvStatus::Unknown
            },
            qpv_status_source: if in_qpv || dice.chance(50) {
                QpvStatusSource::Adviser
            } else {
                QpvStatusSource::NotSet
            },
            situation: Some(*dice.pick(SITUATIONS)),
            education_level: Some(*dice.pick(EDUCATION)),
            referent_user_id: Some(adviser.id),
        };
        let (mut pathway, event) = Pathway::start(entry);
        let mut holder = holders::create(
            conn,
            adviser.organisation_id,
            adviser.id,
            fields,
            &event,
            None,
            started,
        )
        .await?;
        let access = grants(adviser.organisation_id, holder.id, started)?;
        let (Some(change), Some(record)) = (access.change(), access.record()) else {
            return Err(PersistenceError::NotFound);
        };
        let project = projects::create(
            conn,
            &change,
            {
                let (idea, sector) = *dice.pick(IDEAS);
                projects::ProjectFields {
                    idea: idea.to_owned(),
                    sector: Some(sector.to_owned()),
                    planned_legal_form: Some(
                        [
                            LegalForm::Ei,
                            LegalForm::Sasu,
                            LegalForm::Eurl,
                            LegalForm::Scop,
                        ][dice.below(4)],
                    ),
                    micro_entreprise: dice.chance(40),
                    collective: dice.chance(10),
                    financing_need_eur: Some(1000 * (1 + dice.below(40)) as i64),
                    ..Default::default()
                }
            },
            started,
        )
        .await?;
        consents::record(
            conn,
            &change,
            ConsentPurpose::Suivi,
            true,
            adviser.id,
            started,
        )
        .await?;
        if dice.chance(70) {
            consents::record(
                conn,
                &change,
                ConsentPurpose::PartagePartenaires,
                true,
                adviser.id,
                started,
            )
            .await?;
        }
        // Moves along the pathway, with contacts in between.
        let mut at = started;
        let span = (now - started).num_days().max(1);
        let target = match dice.below(10) {
            0..=2 => entry,
            3..=6 => Stage::ALL[(entry as usize + 1).min(furthest as usize)],
            _ => furthest,
        };
        let contact_count = 2 + dice.below(7);
        for c in 0..contact_count {
            let is_last = c + 1 == contact_count;
            at += Duration::days(
                1 + dice.below((span / contact_count as i64).max(1) as usize) as i64,
            );
            if is_last {
                // Advisers keep in touch: the latest contact is recent.
                at = at.max(now - Duration::days(dice.below(25) as i64 + 1));
            }
            if at >= now {
                break;
            }
            if pathway.stage < target && c % 2 == 1 {
                let next = Stage::ALL[pathway.stage as usize + 1];
                let Ok((moved, event)) = pathway.move_to(next, None) else {
                    continue;
                };
                pathway = moved;
                holder = holders::apply_event(
                    conn,
                    Authority::Referent(&change),
                    &holder,
                    adviser.id,
                    &event,
                    None,
                    at,
                )
                .await?
                .unwrap_or(holder);
            }
            let due = at.date_naive() + Duration::days(3 + dice.below(30) as i64);
            let mut topics: Vec<Topic> =
                (0..1 + dice.below(3)).map(|_| *dice.pick(TOPICS)).collect();
            topics.dedup();
            contacts::create(
                conn,
                &record,
                contacts::NewContact {
                    organisation_id: adviser.organisation_id,
                    user_id: adviser.id,
                    kind: *dice.pick(KINDS),
                    occurred_at: at,
                    duration_minutes: Some([15, 30, 45, 60, 90][dice.below(5)]),
                    topics,
                    notes: Some("Échange de suivi (données fictives de démonstration).".into()),
                    next_action: is_last.then(|| dice.pick(NEXT_ACTIONS).to_string()),
                    next_action_due: is_last.then_some(due),
                },
                at,
            )
            .await?;
            report.contacts += 1;
        }
        // Some pathways end.
        if dice.chance(22) {
            let outcome = *dice.pick(&[
                Outcome::EntrepriseCreee,
                Outcome::EntrepriseCreee,
                Outcome::EmploiOuFormation,
                Outcome::Abandon,
                Outcome::SansNouvelles,
            ]);
            let closed_at = (at + Duration::days(2)).min(now);
            let Ok((_, event)) = pathway.close(outcome, None) else {
                continue;
            };
            let number = (outcome == Outcome::EntrepriseCreee).then(|| siret(&mut dice));
            holders::apply_event(
                conn,
                Authority::Referent(&change),
                &holder,
                adviser.id,
                &event,
                number.as_deref(),
                closed_at,
            )
            .await?;
            contacts::settle_all(conn, &change, closed_at).await?;
            if let Some(number) = number {
                let fields = projects::ProjectFields {
                    siret: Some(number),
                    created_on: Some(closed_at.date_naive()),
                    legal_form: Some(LegalForm::Ei),
                    ..project.fields()
                };
                projects::update(
                    conn,
                    &change,
                    project.id,
                    project.version,
                    fields,
                    closed_at,
                )
                .await?;
            }
        }
        report.holders += 1;
    }
    let first_of = |kind: OrganisationKind| {
        org_kinds
            .iter()
            .filter(|(_, k)| **k == kind)
            .map(|(id, _)| *id)
            .min()
    };
    if let Some(citeslab) = first_of(OrganisationKind::Citeslab) {
        report.events = demo_events(
            conn,
            citeslab,
            first_of(OrganisationKind::Adie),
            &mut dice,
            now,
        )
        .await?;
    }
    if let Some(caq) = first_of(OrganisationKind::Caq) {
        report.agreements = demo_hosting(conn, caq, &mut dice, now).await?;
    }
    if let Some(citeslab) = first_of(OrganisationKind::Citeslab) {
        let partners: Vec<i64> = [
            OrganisationKind::Adie,
            OrganisationKind::Bge,
            OrganisationKind::FranceActive,
        ]
        .into_iter()
        .filter_map(first_of)
        .collect();
        report.referrals = demo_referrals(conn, citeslab, &partners, &advisers, now).await?;
    }
    Ok(report)
}

/// Referrals of the CitésLab to its partners, so that each partner's « Aujourd'hui »
/// has some to answer and a file it reads as a partner: for each partner, two sent in
/// the last days and one accepted last week, of open pathways whose person agreed to
/// share.
async fn demo_referrals(
    conn: &impl ConnectionTrait,
    from: i64,
    partners: &[i64],
    advisers: &[users::Model],
    now: DateTime<Utc>,
) -> Result<u64> {
    use crate::entities::holders as holder_rows;
    let Some(sender) = advisers.iter().find(|a| a.organisation_id == from) else {
        return Ok(0);
    };
    // Three per partner; the consent is checked only until that many are found.
    let wanted = partners.len() * 3;
    let mut candidates = Vec::new();
    for row in holder_rows::Entity::find()
        .filter(holder_rows::Column::ReferentOrganisationId.eq(from))
        .filter(holder_rows::Column::Outcome.is_null())
        .order_by_asc(holder_rows::Column::Id)
        .all(conn)
        .await?
    {
        if candidates.len() == wanted {
            break;
        }
        if consents::is_given(conn, row.id, ConsentPurpose::PartagePartenaires).await? {
            candidates.push(row.id);
        }
    }
    let mut candidates = candidates.into_iter();
    let mut sent = 0;
    for partner in partners {
        let receiver = advisers.iter().find(|a| a.organisation_id == *partner);
        for (days_ago, accepted) in [(2, false), (4, false), (9, true)] {
            let Some(holder_id) = candidates.next() else {
                return Ok(sent);
            };
            let at = now - Duration::days(days_ago);
            let access = grants(from, holder_id, at)?;
            let Some(change) = access.change() else {
                continue;
            };
            let referral = referrals::create(
                conn,
                &change,
                referrals::NewReferral {
                    from_organisation_id: from,
                    from_user_id: sender.id,
                    to_organisation_id: *partner,
                    service_id: None,
                    need: "Financement du démarrage (données fictives de démonstration)".into(),
                    message: Some("Projet mûr, prévisionnel en cours.".into()),
                },
                at,
            )
            .await?;
            if let (true, Some(receiver)) = (accepted, receiver) {
                referrals::apply(
                    conn,
                    &referral,
                    referrals::Transition {
                        step: ReferralStep::Accept,
                        to_status: ReferralStatus::Accepted,
                        user_id: Some(receiver.id),
                        decline_reason: None,
                        decline_text: None,
                        outcome: None,
                        reason: None,
                    },
                    at + Duration::days(1),
                )
                .await?;
            }
            sent += 1;
        }
    }
    Ok(sent)
}

/// A few awareness events of the CitésLab, with head-counts and named attendees among
/// the people it follows.
async fn demo_events(
    conn: &impl ConnectionTrait,
    citeslab: i64,
    partner: Option<i64>,
    dice: &mut Dice,
    now: DateTime<Utc>,
) -> Result<u64> {
    use crate::entities::holders as h;
    let creator = users::Entity::find()
        .filter(users::Column::OrganisationId.eq(citeslab))
        .one(conn)
        .await?
        .map(|u| u.id);
    let Some(creator) = creator else { return Ok(0) };
    let people: Vec<i64> = h::Entity::find()
        .filter(h::Column::ReferentOrganisationId.eq(citeslab))
        .order_by_asc(h::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let plan = [
        (
            EventKind::Bus,
            "Bus de l'entrepreneuriat au pied des tours",
            120,
            38,
        ),
        (EventKind::CafeCreateurs, "Café créateurs du mois", 60, 14),
        (
            EventKind::Forum,
            "Forum « Entreprendre dans mon quartier »",
            35,
            85,
        ),
        (
            EventKind::MiniEntreprise,
            "Mini-entreprise au collège Jean-Moulin (fictif)",
            20,
            26,
        ),
    ];
    let mut count = 0;
    for (i, (kind, title, days_ago, total)) in plan.into_iter().enumerate() {
        let held_at = now - Duration::days(days_ago);
        let women = total * (40 + dice.below(25) as i32) / 100;
        let event = crate::events::create(
            conn,
            citeslab,
            creator,
            &crate::events::EventFields {
                kind,
                title: title.to_owned(),
                held_on: held_at.date_naive(),
                place: Some("Quartier des Tilleuls (fictif)".to_owned()),
                qpv_code: None,
                headcount_total: total,
                headcount_women: women,
                headcount_under26: total / 3,
                headcount_qpv: total * 4 / 5,
                partners: partner.filter(|_| i % 2 == 0).into_iter().collect(),
            },
            held_at,
        )
        .await?;
        for person in people.iter().skip(i * 4).take(4) {
            let Some(record) = grants(citeslab, *person, held_at)?.record() else {
                continue;
            };
            crate::events::add_attendee(conn, event.id, &record, false, held_at).await?;
            crate::events::set_source(conn, *person, event.id).await?;
        }
        count += 1;
    }
    Ok(count)
}

/// The CAQ's centre: six units, and agreements for the people it hosts.
async fn demo_hosting(
    conn: &impl ConnectionTrait,
    caq: i64,
    dice: &mut Dice,
    now: DateTime<Utc>,
) -> Result<u64> {
    use crate::entities::holders as h;
    let Some(creator) = users::Entity::find()
        .filter(users::Column::OrganisationId.eq(caq))
        .one(conn)
        .await?
        .map(|u| u.id)
    else {
        return Ok(0);
    };
    let space = crate::hosting::create_space(
        conn,
        caq,
        "Centre d'affaires Les Tilleuls (fictif)",
        Some("2 place du Marché, Villeneuve-sur-Seine (fictive)".into()),
        None,
        now,
    )
    .await?;
    let mut units = Vec::new();
    for (kind, label, area, rent) in [
        (UnitKind::Bureau, "Bureau 1", 12, 180),
        (UnitKind::Bureau, "Bureau 2", 12, 180),
        (UnitKind::Bureau, "Bureau 3", 18, 240),
        (UnitKind::Atelier, "Atelier", 40, 320),
        (UnitKind::Boutique, "Boutique sur rue", 30, 350),
        (UnitKind::Domiciliation, "Domiciliation", 0, 25),
    ] {
        units.push(
            crate::hosting::create_unit(
                conn,
                space.id,
                kind,
                label,
                (area > 0).then_some(area),
                rent,
                now,
            )
            .await?,
        );
    }
    let hosted: Vec<h::Model> = h::Entity::find()
        .filter(h::Column::ReferentOrganisationId.eq(caq))
        .filter(h::Column::Stage.eq(Stage::Hebergement.as_str()))
        .order_by_asc(h::Column::Id)
        .all(conn)
        .await?;
    let mut count = 0;
    for (unit, person) in units.iter().zip(hosted.iter()) {
        let start = person.stage_entered_at.date_naive();
        // Some end within the next two months, so the host's follow-ups show them.
        let planned_end = if dice.chance(40) {
            now.date_naive() + Duration::days(10 + dice.below(50) as i64)
        } else {
            start
                .checked_add_months(chrono::Months::new(23))
                .unwrap_or(start)
        };
        if planned_end <= start {
            continue;
        }
        let Some(record) = grants(caq, person.id, person.stage_entered_at)?.record() else {
            continue;
        };
        crate::hosting::create_agreement(
            conn,
            &record,
            crate::hosting::NewAgreement {
                unit_id: unit.id,
                project_id: None,
                organisation_id: caq,
                start_date: start,
                planned_end,
                renewals: 0,
                monthly_rent_eur: unit.monthly_rent_eur,
                created_by: creator,
            },
            person.stage_entered_at,
        )
        .await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_sirets_pass_the_check() {
        let mut dice = Dice(7);
        for _ in 0..200 {
            let number = siret(&mut dice);
            assert!(
                parcours_domain::holders::Siret::parse(&number).is_ok(),
                "{number}"
            );
        }
    }
}
