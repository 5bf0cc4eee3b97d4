//! The domain's words as people read them on a page or in a spreadsheet: the API and the
//! database keep the stable words (`entreprise_creee`), people read « Entreprise créée ».

use crate::audit::AuditAction;
use crate::calendar::Preset;
use crate::contacts::{ConsentPurpose, ContactKind, LegalForm, Topic};
use crate::events::EventKind;
use crate::holders::{EducationLevel, Gender, QpvStatus, Situation};
use crate::hosting::{EndReason, UnitKind};
use crate::organisations::OrganisationKind;
use crate::pathway::{Outcome, PathwayEventKind, Stage};
use crate::referrals::{DeclineReason, ReferralOutcome, ReferralStatus, ReferralStep};
use crate::reports::AgeBand;
use crate::services::{Need, Public};
use crate::users::Role;

pub use crate::numbers::thousands;

/// A word's French label for people.
pub trait Label: Copy {
    fn label(self) -> &'static str;
}

macro_rules! labels {
    ($($ty:ty { $($variant:ident => $text:literal),+ $(,)? })+) => {$(
        impl Label for $ty {
            fn label(self) -> &'static str {
                match self { $(<$ty>::$variant => $text),+ }
            }
        }
    )+};
}

labels! {
    AgeBand {
        Under26 => "Moins de 26 ans",
        From26To44 => "26 à 44 ans",
        From45 => "45 ans et plus",
    }
    Preset {
        CurrentQuarter => "Trimestre en cours",
        PreviousQuarter => "Trimestre précédent",
        CalendarYear => "Année civile",
        LastTwelveMonths => "12 derniers mois",
    }
    Stage {
        Sensibilisation => "Sensibilisation",
        Information => "Information",
        Accompagnement => "Accompagnement",
        Hebergement => "Hébergement",
    }
    Outcome {
        EntrepriseCreee => "Entreprise créée",
        EmploiOuFormation => "Emploi ou formation",
        Abandon => "Abandon",
        SansNouvelles => "Sans nouvelles",
    }
    PathwayEventKind {
        Entry => "Entrée dans le parcours",
        Move => "Changement d'étape",
        Close => "Clôture du parcours",
        Reopen => "Réouverture du parcours",
    }
    ContactKind {
        Entretien => "Entretien",
        Telephone => "Téléphone",
        Email => "Courriel",
        Atelier => "Atelier",
        Permanence => "Permanence",
        Evenement => "Événement",
        Visite => "Visite",
    }
    Topic {
        Idee => "Idée",
        EtudeDeMarche => "Étude de marché",
        Financement => "Financement",
        StatutJuridique => "Statut juridique",
        Administratif => "Administratif",
        Commercial => "Commercial",
        FreinMobilite => "Frein : mobilité",
        FreinGardeEnfant => "Frein : garde d'enfant",
        FreinLogement => "Frein : logement",
        FreinSante => "Frein : santé",
        FreinLangue => "Frein : langue",
        FreinNumerique => "Frein : numérique",
        Autre => "Autre sujet",
    }
    ConsentPurpose {
        Suivi => "Suivi du parcours",
        PartagePartenaires => "Partage avec les partenaires",
        ContactEmail => "Contact par courriel",
    }
    LegalForm {
        Ei => "Entreprise individuelle (EI)",
        Eurl => "EURL",
        Sarl => "SARL",
        Sasu => "SASU",
        Sas => "SAS",
        Scop => "SCOP",
        Scic => "SCIC",
        Association => "Association",
    }
    Gender {
        Femme => "Femme",
        Homme => "Homme",
        Autre => "Autre",
    }
    Situation {
        DemandeurEmploi => "Demandeur ou demandeuse d'emploi",
        Rsa => "Bénéficiaire du RSA",
        Ass => "Bénéficiaire de l'ASS",
        JeuneSansEmploi => "Jeune sans emploi",
        Salarie => "Salarié ou salariée",
        Etudiant => "Étudiant ou étudiante",
        Autre => "Autre",
    }
    EducationLevel {
        Infra3 => "Sans diplôme",
        Niveau3 => "CAP, BEP (niveau 3)",
        Niveau4 => "Baccalauréat (niveau 4)",
        Niveau5 => "Bac + 2 (niveau 5)",
        Niveau6 => "Licence, bac + 3 (niveau 6)",
        Niveau7 => "Master, bac + 5 (niveau 7)",
        Niveau8 => "Doctorat (niveau 8)",
    }
    QpvStatus {
        InQpv => "Habite un QPV",
        NotInQpv => "N'habite pas un QPV",
        Unknown => "Inconnu",
    }
    ReferralStatus {
        Sent => "En attente de réponse",
        Accepted => "Acceptée",
        Declined => "Refusée",
        Withdrawn => "Retirée",
        Expired => "Expirée",
        Completed => "Terminée",
    }
    ReferralStep {
        Send => "Orientation envoyée",
        Accept => "Orientation acceptée",
        Decline => "Orientation refusée",
        Complete => "Orientation terminée",
        Withdraw => "Orientation retirée",
        Expire => "Orientation expirée",
        Remind => "Relance envoyée",
    }
    DeclineReason {
        HorsPerimetre => "Hors périmètre",
        PublicNonEligible => "Public non éligible",
        Injoignable => "Personne injoignable",
        Capacite => "Capacité atteinte",
        Autre => "Autre raison",
    }
    ReferralOutcome {
        Accompagne => "Accompagné",
        Finance => "Financé",
        EntrepriseCreee => "Entreprise créée",
        Reoriente => "Réorienté",
        SansSuite => "Sans suite",
    }
    EventKind {
        Bus => "Bus de la création",
        CafeCreateurs => "Café des créateurs",
        Atelier => "Atelier",
        Forum => "Forum",
        Temoignages => "Témoignages",
        MiniEntreprise => "Mini-entreprise",
        Autre => "Autre action",
    }
    UnitKind {
        Bureau => "Bureau",
        Atelier => "Atelier",
        Boutique => "Boutique",
        PosteCoworking => "Poste de coworking",
        Domiciliation => "Domiciliation",
    }
    EndReason {
        InstalleLocauxPropres => "Installé dans ses propres locaux",
        FinDeConvention => "Fin de convention",
        FinAnticipee => "Fin anticipée",
        CessationActivite => "Cessation d'activité",
    }
    Role {
        Adviser => "Conseiller ou conseillère",
        OrgAdmin => "Administrateur de la structure",
        Coordinator => "Coordination du territoire",
        Admin => "Administration de la plateforme",
    }
    OrganisationKind {
        Citeslab => "CitésLab",
        Adie => "Adie",
        Bge => "BGE",
        FranceActive => "France Active",
        Initiative => "Initiative France",
        ReseauEntreprendre => "Réseau Entreprendre",
        Cae => "Coopérative d'activité et d'emploi",
        Couveuse => "Couveuse d'entreprises",
        Incubateur => "Incubateur",
        Pepiniere => "Pépinière d'entreprises",
        Caq => "Centre d'affaires de quartier",
        BoutiqueALEssai => "Boutique à l'essai",
        Cci => "Chambre de commerce et d'industrie",
        Cma => "Chambre de métiers et de l'artisanat",
        MissionLocale => "Mission locale",
        FranceTravail => "France Travail",
        Collectivite => "Collectivité",
        Association => "Association",
        Autre => "Autre structure",
    }
    Need {
        Financement => "Financement (prêt, microcrédit)",
        FondsPropres => "Fonds propres (prêt d'honneur)",
        Garantie => "Garantie bancaire",
        Accompagnement => "Accompagnement au projet",
        Local => "Local, domiciliation",
        TestActivite => "Test d'activité",
        ProjetCollectif => "Projet collectif",
        EmploiFormation => "Emploi, formation, freins sociaux",
    }
    Public {
        Tous => "Tous publics",
        MoinsDe26 => "Moins de 26 ans",
        DemandeursEmploi => "Demandeurs d'emploi",
        MinimaSociaux => "Bénéficiaires de minima sociaux",
        Femmes => "Femmes",
        ResidentsQpv => "Habitants des quartiers prioritaires",
    }
}

// What each audit entry says a user did, as « Qui a consulté ce dossier » shows it.
labels! {
    AuditAction {
        HolderCreate => "a inscrit la personne",
        HolderRead => "a consulté la fiche",
        HolderUpdate => "a modifié l'identité ou les coordonnées",
        HolderStage => "a changé l'étape",
        HolderClose => "a clôturé le parcours",
        HolderReopen => "a rouvert le parcours",
        HolderList => "a vu la personne dans une liste",
        ProjectCreate => "a ajouté un projet",
        ProjectUpdate => "a modifié un projet",
        ContactCreate => "a noté un contact",
        ContactList => "a consulté les contacts",
        ConsentRecord => "a enregistré un consentement",
        ConsentRead => "a consulté les consentements",
        TimelineRead => "a consulté l'historique",
        FollowUpsRead => "a vu une action à faire",
        SuggestionsRead => "a consulté les partenaires suggérés",
        ReferralCreate => "a orienté la personne",
        ReferralRead => "a consulté une orientation",
        HostingCreate => "a signé une convention d'hébergement",
        HostingRead => "a consulté l'hébergement",
        HostingEnd => "a mis fin à une convention d'hébergement",
        HostingRenew => "a renouvelé une convention d'hébergement",
        EventAttendeeAdd => "a noté une présence à une action collective",
        EventAttendeeRead => "a consulté une feuille de présence",
        RetentionKeep => "a gardé le dossier",
        RetentionDueRead => "a vu le dossier parmi ceux bientôt anonymisés",
        HolderErase => "a effacé les données",
        AccessLogRead => "a consulté ce journal des accès",
        HolderExport => "a exporté toutes les données de la personne",
        HolderMerge => "a fusionné deux fiches de la personne",
        DuplicatesRead => "a vu la personne parmi les doublons possibles",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_french() {
        assert_eq!(thousands(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1000), "−1\u{202f}000");
    }

    #[test]
    fn every_stage_has_a_label() {
        let labels: Vec<_> = Stage::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "Sensibilisation",
                "Information",
                "Accompagnement",
                "Hébergement"
            ]
        );
    }
}
