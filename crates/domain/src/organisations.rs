//! Partner organisations.

use crate::string_enum;

string_enum! {
    /// The kind of a partner structure, as the networks name themselves.
    pub enum OrganisationKind {
        Citeslab => "citeslab",
        Adie => "adie",
        Bge => "bge",
        FranceActive => "france_active",
        Initiative => "initiative",
        ReseauEntreprendre => "reseau_entreprendre",
        Cae => "cae",
        Couveuse => "couveuse",
        Incubateur => "incubateur",
        Pepiniere => "pepiniere",
        Caq => "caq",
        BoutiqueALEssai => "boutique_a_l_essai",
        Cci => "cci",
        Cma => "cma",
        MissionLocale => "mission_locale",
        FranceTravail => "france_travail",
        Collectivite => "collectivite",
        Association => "association",
        Autre => "autre",
    }
}
