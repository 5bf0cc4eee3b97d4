//! Cells as people type them in a spreadsheet, read into the words of the intake form:
//! dates in French order or as Excel serial numbers, phones without their leading zero,
//! « Madame », « RSA », « bac+2 »… Each reader gives the intake form's value, or a
//! French reason that quotes the cell.

use super::columns::key;
use chrono::{Datelike, Duration, NaiveDate};
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::{EducationLevel, Gender, Situation};
use parcours_domain::labels::Label;
use parcours_domain::pathway::Stage;

/// A date: `12/03/1994`, `12-03-94`, `12.03.1994`, `1994-03-12`, `1994/03/12`, with or
/// without a time after it, or an Excel serial number (days since 1899-12-30). A
/// two-digit year is the latest one not after `today`'s year.
pub fn date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let text = raw.trim();
    let refused = || format!("« {text} » n'est pas une date (attendu : JJ/MM/AAAA)");
    let day_part = text.split([' ', 'T']).next().unwrap_or_default();
    if let Some(serial) = excel_serial(text) {
        return Ok(serial);
    }
    let parts: Vec<&str> = day_part.split(['/', '-', '.']).collect();
    let [a, b, c] = parts[..] else {
        return Err(refused());
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i32>().ok())
            .flatten()
    };
    let (Some(x), Some(y), Some(z)) = (number(a), number(b), number(c)) else {
        return Err(refused());
    };
    let (year, month, day) = if a.len() == 4 {
        (x, y, z)
    } else if c.len() == 4 {
        (z, y, x)
    } else if c.len() == 2 {
        let century = today.year() - today.year() % 100;
        let year = century + z;
        (
            if year > today.year() {
                year - 100
            } else {
                year
            },
            y,
            x,
        )
    } else {
        return Err(refused());
    };
    let month = u32::try_from(month).map_err(|_| refused())?;
    let day = u32::try_from(day).map_err(|_| refused())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(refused)
}

/// An Excel serial date (what a date cell becomes when a sheet is saved without its
/// format): a whole number of days, from 10000 (1927-05-18, older than anyone followed)
/// to 2958465 (9999), so that a bare year (`1990`) is not taken for a day of 1905.
fn excel_serial(text: &str) -> Option<NaiveDate> {
    let whole = text
        .strip_suffix(".0")
        .or_else(|| text.strip_suffix(",0"))
        .unwrap_or(text);
    if whole.is_empty() || whole.len() > 7 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let days: i64 = whole.parse().ok()?;
    if !(10_000..=2_958_465).contains(&days) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(Duration::days(days))
}

/// A phone as the intake form reads it, once a spreadsheet's habits are undone: a
/// number that lost its leading zero (`612345678`), `33…` without the `+`, slashes.
/// What is still not a phone is left for the intake rules to refuse.
pub fn phone(raw: &str) -> String {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '.' | '-' | '/' | '_' | '(' | ')' | '\u{a0}' | '\u{202f}'
            )
        })
        .collect();
    let digits = compact.bytes().all(|b| b.is_ascii_digit());
    if digits && compact.len() == 9 && matches!(compact.as_bytes()[0], b'1'..=b'7' | b'9') {
        format!("0{compact}")
    } else if digits && compact.len() == 11 && compact.starts_with("33") {
        format!("+{compact}")
    } else if compact.is_empty() {
        raw.trim().to_owned()
    } else {
        compact
    }
}

/// A closed list's value from its word, its French label or a usual synonym.
fn from_words<T: Copy>(
    raw: &str,
    all: &[T],
    word: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    synonyms: &[(&str, T)],
) -> Option<T> {
    let wanted = key(raw);
    all.iter()
        .copied()
        .find(|v| key(word(*v)) == wanted || key(label(*v)) == wanted)
        .or_else(|| {
            synonyms
                .iter()
                .find(|(synonym, _)| *synonym == wanted)
                .map(|(_, v)| *v)
        })
}

fn labels<T: Label>(all: &[T]) -> String {
    all.iter().map(|v| v.label()).collect::<Vec<_>>().join(", ")
}

/// F, Femme, Madame, Mme… H, M, Homme, Monsieur…
pub fn gender(raw: &str) -> Result<Gender, String> {
    use Gender::{Femme, Homme};
    from_words(
        raw,
        Gender::ALL,
        Gender::as_str,
        Label::label,
        &[
            ("f", Femme),
            ("mme", Femme),
            ("madame", Femme),
            ("mlle", Femme),
            ("mademoiselle", Femme),
            ("feminin", Femme),
            ("h", Homme),
            ("m", Homme),
            ("mr", Homme),
            ("monsieur", Homme),
            ("masculin", Homme),
        ],
    )
    .ok_or_else(|| format!("« {} » : attendu F ou H (Femme, Homme, Autre)", raw.trim()))
}

/// « RSA », « demandeur d'emploi », « DE », « salariée »…
pub fn situation(raw: &str) -> Result<Situation, String> {
    use Situation::*;
    from_words(
        raw,
        Situation::ALL,
        Situation::as_str,
        Label::label,
        &[
            ("de", DemandeurEmploi),
            ("demandeurdemploi", DemandeurEmploi),
            ("demandeusedemploi", DemandeurEmploi),
            ("demandeurseusedemploi", DemandeurEmploi),
            ("chomage", DemandeurEmploi),
            ("chomeur", DemandeurEmploi),
            ("chomeuse", DemandeurEmploi),
            ("inscritfrancetravail", DemandeurEmploi),
            ("inscritpoleemploi", DemandeurEmploi),
            ("brsa", Rsa),
            ("beneficiairersa", Rsa),
            ("beneficiairedursa", Rsa),
            ("allocatairersa", Rsa),
            ("allocatairedursa", Rsa),
            ("beneficiaireass", Ass),
            ("beneficiairedelass", Ass),
            ("jeune", JeuneSansEmploi),
            ("neet", JeuneSansEmploi),
            ("salarie", Salarie),
            ("salariee", Salarie),
            ("cdi", Salarie),
            ("cdd", Salarie),
            ("interim", Salarie),
            ("etudiante", Etudiant),
            ("etudiant", Etudiant),
        ],
    )
    .ok_or_else(|| {
        format!(
            "situation inconnue « {} » (attendu : {})",
            raw.trim(),
            labels(Situation::ALL)
        )
    })
}

/// « bac+2 », « CAP », « Licence », « niveau 5 », « sans diplôme »…
pub fn education_level(raw: &str) -> Result<EducationLevel, String> {
    use EducationLevel::*;
    from_words(
        raw,
        EducationLevel::ALL,
        EducationLevel::as_str,
        Label::label,
        &[
            ("sansdiplome", Infra3),
            ("aucundiplome", Infra3),
            ("aucun", Infra3),
            ("infra3", Infra3),
            ("infrabac", Infra3),
            ("brevet", Infra3),
            ("niveau3", Niveau3),
            ("cap", Niveau3),
            ("bep", Niveau3),
            ("capbep", Niveau3),
            ("niveau4", Niveau4),
            ("bac", Niveau4),
            ("baccalaureat", Niveau4),
            ("bacpro", Niveau4),
            ("niveau5", Niveau5),
            ("bac2", Niveau5),
            ("bts", Niveau5),
            ("dut", Niveau5),
            ("deug", Niveau5),
            ("niveau6", Niveau6),
            ("bac3", Niveau6),
            ("licence", Niveau6),
            ("licencepro", Niveau6),
            ("but", Niveau6),
            ("bachelor", Niveau6),
            ("niveau7", Niveau7),
            ("bac5", Niveau7),
            ("master", Niveau7),
            ("ingenieur", Niveau7),
            ("niveau8", Niveau8),
            ("bac8", Niveau8),
            ("doctorat", Niveau8),
        ],
    )
    .ok_or_else(|| {
        format!(
            "niveau de formation inconnu « {} » (attendu par exemple : sans diplôme, CAP, bac, bac+2, licence, master, doctorat)",
            raw.trim()
        )
    })
}

/// A stage of the pathway, by its word or label (« Hébergement », « hebergement »).
pub fn stage(raw: &str) -> Result<Stage, String> {
    use Stage::*;
    from_words(
        raw,
        Stage::ALL,
        Stage::as_str,
        Label::label,
        &[
            ("accueil", Information),
            ("diagnostic", Information),
            ("orientation", Information),
            ("emergence", Information),
            ("amorcage", Information),
            ("suivi", Accompagnement),
            ("postcreation", Accompagnement),
            ("accompagne", Accompagnement),
            ("accompagnee", Accompagnement),
            ("heberge", Hebergement),
            ("hebergee", Hebergement),
        ],
    )
    .ok_or_else(|| {
        format!(
            "étape inconnue « {} » (attendu : {})",
            raw.trim(),
            labels(Stage::ALL)
        )
    })
}

/// A legal form as people write it (« SAS », « S.A.R.L. », « auto-entrepreneur »…), and
/// whether it is the micro-entreprise regime (an EI under it).
pub fn legal_form(raw: &str) -> Result<(LegalForm, bool), String> {
    use LegalForm::*;
    let micro = matches!(
        key(raw).as_str(),
        "micro"
            | "microentreprise"
            | "microentrepreneur"
            | "autoentrepreneur"
            | "autoentreprise"
            | "ae"
            | "me"
            | "eimicro"
            | "microei"
    );
    if micro {
        return Ok((Ei, true));
    }
    from_words(
        raw,
        LegalForm::ALL,
        LegalForm::as_str,
        Label::label,
        &[
            ("entrepriseindividuelle", Ei),
            ("eirl", Ei),
            ("entreprisenom", Ei),
            ("asso", Association),
            ("loi1901", Association),
            ("associationloi1901", Association),
            ("sapo", Sas),
            ("sasunipersonnelle", Sasu),
            ("cooperative", Scop),
        ],
    )
    .map(|form| (form, false))
    .ok_or_else(|| {
        format!(
            "forme juridique inconnue « {} » (attendu par exemple : micro-entreprise, EI, EURL, SARL, SASU, SAS, SCOP, SCIC, association)",
            raw.trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn legal_forms_as_people_write_them() {
        use LegalForm::*;
        for (typed, form) in [
            ("SAS", (Sas, false)),
            ("S.A.R.L.", (Sarl, false)),
            ("sasu", (Sasu, false)),
            ("Auto-entrepreneur", (Ei, true)),
            ("micro entreprise", (Ei, true)),
            ("Entreprise individuelle", (Ei, false)),
            ("Association loi 1901", (Association, false)),
        ] {
            assert_eq!(legal_form(typed), Ok(form), "{typed}");
        }
        assert!(
            legal_form("SA")
                .unwrap_err()
                .contains("forme juridique inconnue « SA »")
        );
    }

    #[test]
    fn dates_as_people_type_them() {
        for text in [
            "12/03/1994",
            "12-03-94",
            "12.03.1994",
            "1994-03-12",
            "1994/03/12",
            " 12/3/1994 ",
            "12/03/1994 00:00:00",
            "34405",
            "34405.0",
        ] {
            assert_eq!(date(text, today()), Ok(day(1994, 3, 12)), "{text}");
        }
        assert_eq!(date("01/02/03", today()), Ok(day(2003, 2, 1)));
        assert_eq!(date("01/02/27", today()), Ok(day(1927, 2, 1)));
        for bad in [
            "31/02/1990",
            "12/13/1990",
            "hier",
            "12/03",
            "1990",
            "0",
            "1994-3",
        ] {
            let error = date(bad, today()).unwrap_err();
            assert!(error.contains("n'est pas une date"), "{bad}: {error}");
        }
    }

    #[test]
    fn phones_lose_their_spreadsheet_habits() {
        assert_eq!(phone("612345678"), "0612345678");
        assert_eq!(phone("33612345678"), "+33612345678");
        assert_eq!(phone("06/12/34/56/78"), "0612345678");
        assert_eq!(phone("+33 (0)6 12 34 56 78"), "+330612345678");
        assert_eq!(phone("06 12 34 56 78"), "0612345678");
        assert_eq!(phone("12 34"), "1234");
        for typed in [
            "612345678",
            "33612345678",
            "06/12/34/56/78",
            "+33 (0)6 12 34 56 78",
            "06.12.34.56.78",
            "0033 6 12 34 56 78",
        ] {
            let phone = parcours_domain::holders::Phone::parse(&phone(typed)).unwrap();
            assert_eq!(phone.as_str(), "+33612345678", "{typed}");
        }
    }

    #[test]
    fn genders_in_every_form() {
        for (text, expected) in [
            ("F", Gender::Femme),
            ("femme", Gender::Femme),
            ("Madame", Gender::Femme),
            ("Mme", Gender::Femme),
            ("H", Gender::Homme),
            ("M", Gender::Homme),
            ("Homme", Gender::Homme),
            ("Monsieur", Gender::Homme),
            ("M.", Gender::Homme),
            ("Autre", Gender::Autre),
        ] {
            assert_eq!(gender(text), Ok(expected), "{text}");
        }
        assert!(gender("X").unwrap_err().contains("« X »"));
    }

    #[test]
    fn situations_and_levels_in_words() {
        for (text, expected) in [
            ("RSA", Situation::Rsa),
            ("Bénéficiaire du RSA", Situation::Rsa),
            ("demandeur d'emploi", Situation::DemandeurEmploi),
            ("Demandeuse d’emploi", Situation::DemandeurEmploi),
            ("DE", Situation::DemandeurEmploi),
            ("salariée", Situation::Salarie),
            ("Étudiant", Situation::Etudiant),
            ("jeune_sans_emploi", Situation::JeuneSansEmploi),
        ] {
            assert_eq!(situation(text), Ok(expected), "{text}");
        }
        assert!(
            situation("retraité")
                .unwrap_err()
                .contains("situation inconnue")
        );
        for (text, expected) in [
            ("bac+2", EducationLevel::Niveau5),
            ("Bac + 2", EducationLevel::Niveau5),
            ("BTS", EducationLevel::Niveau5),
            ("CAP", EducationLevel::Niveau3),
            ("Sans diplôme", EducationLevel::Infra3),
            ("Niveau 6", EducationLevel::Niveau6),
            ("Master", EducationLevel::Niveau7),
            ("niveau_8", EducationLevel::Niveau8),
        ] {
            assert_eq!(education_level(text), Ok(expected), "{text}");
        }
        assert!(education_level("bac+12").is_err());
    }

    #[test]
    fn stages_by_word_or_label() {
        assert_eq!(stage("Hébergement"), Ok(Stage::Hebergement));
        assert_eq!(stage("ACCOMPAGNEMENT"), Ok(Stage::Accompagnement));
        assert_eq!(stage("sensibilisation"), Ok(Stage::Sensibilisation));
        assert!(stage("fini").unwrap_err().contains("étape inconnue"));
    }
}
