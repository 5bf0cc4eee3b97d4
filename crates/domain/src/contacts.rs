//! Contacts (one interaction with a holder) and consents.

use crate::string_enum;

string_enum! {
    pub enum ContactKind {
        Entretien => "entretien",
        Telephone => "telephone",
        Email => "email",
        Atelier => "atelier",
        Permanence => "permanence",
        Evenement => "evenement",
        Visite => "visite",
    }
}

string_enum! {
    /// What a contact was about.
    pub enum Topic {
        Idee => "idee",
        EtudeDeMarche => "etude_de_marche",
        Financement => "financement",
        StatutJuridique => "statut_juridique",
        Administratif => "administratif",
        Commercial => "commercial",
        FreinMobilite => "frein_mobilite",
        FreinGardeEnfant => "frein_garde_enfant",
        FreinLogement => "frein_logement",
        FreinSante => "frein_sante",
        FreinLangue => "frein_langue",
        FreinNumerique => "frein_numerique",
        Autre => "autre",
    }
}

string_enum! {
    /// What a holder agreed to.
    pub enum ConsentPurpose {
        /// Being followed and having their data recorded.
        Suivi => "suivi",
        /// Sharing their file with partner organisations when referred.
        PartagePartenaires => "partage_partenaires",
        /// Being written to by e-mail.
        ContactEmail => "contact_email",
    }
}

string_enum! {
    pub enum LegalForm {
        Ei => "ei",
        Eurl => "eurl",
        Sarl => "sarl",
        Sasu => "sasu",
        Sas => "sas",
        Scop => "scop",
        Scic => "scic",
        Association => "association",
    }
}

/// Longest contact duration accepted, in minutes (a full day).
pub const MAX_DURATION_MINUTES: i32 = 12 * 60;
/// Longest notes: short notes, not a diary.
pub const MAX_NOTES_CHARS: usize = 4000;
