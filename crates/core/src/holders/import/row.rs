//! One line of a caseload spreadsheet into the intake form: each cell read as people
//! type it ([`super::values`]), the referent and the quartier looked up; what cannot
//! be read is a French reason naming the column.

use super::columns::{Column, Header, key};
use super::values;
use crate::holders::HolderInput;
use crate::projects::ProjectInput;
use chrono::NaiveDate;
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::{QpvCode, QpvStatus};
use parcours_domain::pathway::Stage;
use parcours_domain::users::Role;
use parcours_persistence::users::User;

/// What the organisation's reference data lets a line name: its active advisers, the
/// quartiers of the QPV list.
pub struct Lookup {
    /// (id, name key, name words sorted, e-mail in lower case) of each active adviser.
    referents: Vec<(i64, String, Vec<String>, String)>,
    /// (code, name key) of each quartier.
    quartiers: Vec<(String, String)>,
}

fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = parcours_domain::holders::search_key(name)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    words.sort();
    words
}

impl Lookup {
    pub fn new(users: &[User], quartiers: Vec<(String, String)>) -> Self {
        let advisers = users
            .iter()
            .filter(|u| u.disabled_at.is_none() && matches!(u.role, Role::Adviser | Role::OrgAdmin))
            .map(|u| (u.id, u.display_name.as_str(), u.email.as_str()));
        Self::of(advisers, quartiers)
    }

    /// From the active advisers' (id, name, e-mail) and the quartiers' (code, name).
    fn of<'a>(
        advisers: impl Iterator<Item = (i64, &'a str, &'a str)>,
        quartiers: Vec<(String, String)>,
    ) -> Self {
        Self {
            referents: advisers
                .map(|(id, name, email)| (id, key(name), words(name), email.to_lowercase()))
                .collect(),
            quartiers: quartiers
                .into_iter()
                .map(|(code, name)| (code, key(&name)))
                .collect(),
        }
    }

    /// An adviser by e-mail, or by name in either order (« Léa Martin », « MARTIN Léa »).
    fn referent(&self, raw: &str) -> Result<i64, String> {
        let text = raw.trim();
        let (email, name, sorted) = (text.to_lowercase(), key(text), words(text));
        let found: Vec<i64> = self
            .referents
            .iter()
            .filter(|(_, k, w, e)| *e == email || *k == name || *w == sorted)
            .map(|(id, ..)| *id)
            .collect();
        match found[..] {
            [id] => Ok(id),
            [] => Err(format!(
                "« {text} » n'est pas un conseiller actif de la structure (indiquez son nom ou son e-mail)"
            )),
            _ => Err(format!(
                "plusieurs conseillers répondent à « {text} » : indiquez son e-mail"
            )),
        }
    }

    /// A quartier by code or by name; or only whether the person lives in one
    /// (« oui », « non », « ? »).
    fn quartier(&self, raw: &str) -> Result<(Option<String>, Option<QpvStatus>), String> {
        let text = raw.trim();
        match key(text).as_str() {
            "oui" | "o" | "x" | "1" => return Ok((None, Some(QpvStatus::InQpv))),
            "non" | "n" | "0" | "horsqpv" => return Ok((None, Some(QpvStatus::NotInQpv))),
            "" | "nsp" | "inconnu" | "nesaitpas" => return Ok((None, Some(QpvStatus::Unknown))),
            _ => {}
        }
        if let Ok(code) = QpvCode::parse(&text.to_uppercase()) {
            return Ok((Some(code.as_str().to_owned()), None));
        }
        let name = key(text);
        let found: Vec<&str> = self
            .quartiers
            .iter()
            .filter(|(_, k)| *k == name)
            .map(|(code, _)| code.as_str())
            .collect();
        match found[..] {
            [code] => Ok((Some(code.to_owned()), None)),
            [] => Err(format!(
                "« {text} » n'est ni un code ni un nom du référentiel QPV (ou oui / non)"
            )),
            _ => Err(format!(
                "plusieurs quartiers s'appellent « {text} » : indiquez le code ({})",
                found.join(", ")
            )),
        }
    }
}

/// A line read: the intake form, the stage and date of entry, and what was refused
/// before the intake rules (`(column, reason)`).
pub struct ReadLine {
    pub input: HolderInput,
    /// The project the line describes, if any of its columns is filled.
    pub project: Option<ProjectInput>,
    /// The person's reference in the organisation's former tool.
    pub reference: Option<String>,
    pub stage: Stage,
    pub entered_on: Option<NaiveDate>,
    pub refusals: Vec<(Column, String)>,
}

/// The longest reference from a former tool.
const REFERENCE_MAX: usize = 100;

/// Reads a line's cells under `header`.
pub fn read(header: &Header, cells: &[String], lookup: &Lookup, today: NaiveDate) -> ReadLine {
    let cell = |column: Column| {
        header
            .cell(column)
            .and_then(|i| cells.get(i))
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
    };
    let mut refusals = Vec::new();
    let mut read = |column: Column, parse: &dyn Fn(&str) -> Result<String, String>| {
        cell(column).and_then(|raw| match parse(raw) {
            Ok(value) => Some(value),
            Err(reason) => {
                refusals.push((column, reason));
                None
            }
        })
    };
    let birth_date = read(Column::BirthDate, &|raw| {
        values::date(raw, today).map(|d| d.format("%Y-%m-%d").to_string())
    });
    let gender = read(Column::Gender, &|raw| {
        values::gender(raw).map(|g| g.as_str().to_owned())
    });
    let situation = read(Column::Situation, &|raw| {
        values::situation(raw).map(|s| s.as_str().to_owned())
    });
    let education_level = read(Column::EducationLevel, &|raw| {
        values::education_level(raw).map(|e| e.as_str().to_owned())
    });
    let stage = read(Column::Stage, &|raw| {
        values::stage(raw).map(|s| s.as_str().to_owned())
    });
    let entered_on = read(Column::EntryDate, &|raw| {
        let date = values::date(raw, today)?;
        if date > today {
            Err(format!("« {raw} » : date d'entrée dans le futur"))
        } else {
            Ok(date.format("%Y-%m-%d").to_string())
        }
    });
    let referent = read(Column::Referent, &|raw| {
        lookup.referent(raw).map(|id| id.to_string())
    });
    let created_on = read(Column::CreationDate, &|raw| {
        values::date(raw, today).map(|d| d.format("%Y-%m-%d").to_string())
    });
    let reference = cell(Column::Reference).and_then(|raw| {
        if raw.chars().count() > REFERENCE_MAX {
            refusals.push((
                Column::Reference,
                format!("{REFERENCE_MAX} caractères au plus"),
            ));
            None
        } else {
            Some(raw.to_owned())
        }
    });
    let legal_form = cell(Column::LegalForm).and_then(|raw| match values::legal_form(raw) {
        Ok(form) => Some(form),
        Err(reason) => {
            refusals.push((Column::LegalForm, reason));
            None
        }
    });
    let mut qpv_code = None;
    let mut qpv_status = None;
    if let Some(raw) = cell(Column::Qpv) {
        match lookup.quartier(raw) {
            Ok((code, status)) => {
                qpv_code = code;
                qpv_status = status.map(|s| s.as_str().to_owned());
            }
            Err(reason) => refusals.push((Column::Qpv, reason)),
        }
    }
    let text = |column: Column| cell(column).map(str::to_owned);
    let project = project(
        text(Column::ProjectIdea),
        text(Column::Sector),
        legal_form,
        text(Column::Siret),
        created_on,
    );
    let input = HolderInput {
        first_name: text(Column::FirstName),
        last_name: text(Column::LastName),
        birth_date,
        gender,
        email: text(Column::Email),
        phone: cell(Column::Phone).map(values::phone),
        address: text(Column::Address),
        postal_code: text(Column::PostalCode),
        commune_insee: text(Column::CommuneInsee),
        qpv_code,
        qpv_status,
        situation,
        education_level,
        referent_organisation_id: None,
        referent_user_id: referent.and_then(|id| id.parse().ok()),
        stage: None,
    };
    let entered_on = entered_on.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    if let (Some(entered), Some(born)) = (
        entered_on,
        input
            .birth_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
    ) && entered < born
    {
        refusals.push((
            Column::EntryDate,
            "date d'entrée avant la date de naissance".to_owned(),
        ));
    }
    ReadLine {
        input,
        project,
        reference,
        stage: stage
            .and_then(|s| s.parse().ok())
            .unwrap_or(Stage::Information),
        entered_on,
        refusals,
    }
}

/// What a project needs from a line: the idea (or else the sector, or a word saying it
/// was not given), the sector, the legal form — planned, or the business's once a SIRET
/// or a creation date says it exists — and the SIRET and creation date.
fn project(
    idea: Option<String>,
    sector: Option<String>,
    legal_form: Option<(LegalForm, bool)>,
    siret: Option<String>,
    created_on: Option<String>,
) -> Option<ProjectInput> {
    if idea.is_none()
        && sector.is_none()
        && legal_form.is_none()
        && siret.is_none()
        && created_on.is_none()
    {
        return None;
    }
    let created = siret.is_some() || created_on.is_some();
    let micro = legal_form.is_some_and(|(_, micro)| micro);
    let form = legal_form.map(|(form, _)| form.as_str().to_owned());
    Some(ProjectInput {
        idea: Some(
            idea.or_else(|| sector.clone())
                .unwrap_or_else(|| "Idée non renseignée dans le tableur importé".to_owned()),
        ),
        sector,
        planned_legal_form: if created { None } else { form.clone() },
        micro_entreprise: Some(micro),
        collective: None,
        financing_need_eur: None,
        siret,
        created_on,
        legal_form: if created { form } else { None },
    })
}

/// The column an intake rule's field comes from.
pub fn column_of(field: &str) -> Option<Column> {
    Some(match field {
        "first_name" => Column::FirstName,
        "last_name" => Column::LastName,
        "birth_date" => Column::BirthDate,
        "gender" => Column::Gender,
        "email" => Column::Email,
        "phone" => Column::Phone,
        "address" => Column::Address,
        "postal_code" => Column::PostalCode,
        "commune_insee" => Column::CommuneInsee,
        "qpv_code" | "qpv_status" => Column::Qpv,
        "situation" => Column::Situation,
        "education_level" => Column::EducationLevel,
        "referent_user_id" | "referent_organisation_id" => Column::Referent,
        "idea" => Column::ProjectIdea,
        "sector" => Column::Sector,
        "planned_legal_form" | "legal_form" | "micro_entreprise" => Column::LegalForm,
        "siret" => Column::Siret,
        "created_on" => Column::CreationDate,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup() -> Lookup {
        Lookup::of(
            [
                (1, "Léa Martin", "lea.martin@exemple.test"),
                (2, "Karim Benali", "k.benali@exemple.test"),
                (3, "Karim Benali", "karim.b@exemple.test"),
            ]
            .into_iter(),
            vec![
                ("QN00101A".into(), "Les Tilleuls".into()),
                ("QN00201A".into(), "Centre-ville".into()),
                ("QN00301A".into(), "Centre ville".into()),
            ],
        )
    }

    #[test]
    fn referents_by_name_in_either_order_or_by_email() {
        let lookup = lookup();
        for typed in [
            "Léa Martin",
            "MARTIN Léa",
            "lea martin",
            "Lea.Martin@Exemple.test ",
        ] {
            assert_eq!(lookup.referent(typed), Ok(1), "{typed}");
        }
        assert_eq!(lookup.referent("karim.b@exemple.test"), Ok(3));
        assert!(
            lookup
                .referent("Karim Benali")
                .unwrap_err()
                .contains("plusieurs conseillers")
        );
        assert!(
            lookup
                .referent("Paul")
                .unwrap_err()
                .contains("n'est pas un conseiller actif")
        );
    }

    #[test]
    fn quartiers_by_code_name_or_yes_and_no() {
        let lookup = lookup();
        let code = |c: &str| Ok((Some(c.to_owned()), None));
        assert_eq!(lookup.quartier("QN00101A"), code("QN00101A"));
        assert_eq!(lookup.quartier(" qn00101a "), code("QN00101A"));
        assert_eq!(lookup.quartier("les tilleuls"), code("QN00101A"));
        assert_eq!(lookup.quartier("Oui"), Ok((None, Some(QpvStatus::InQpv))));
        assert_eq!(
            lookup.quartier("non"),
            Ok((None, Some(QpvStatus::NotInQpv)))
        );
        assert_eq!(lookup.quartier("?"), Ok((None, Some(QpvStatus::Unknown))));
        let twice = lookup.quartier("Centre-Ville").unwrap_err();
        assert!(twice.contains("QN00201A, QN00301A"), "{twice}");
        assert!(
            lookup
                .quartier("Là-bas")
                .unwrap_err()
                .contains("référentiel QPV")
        );
    }
}
