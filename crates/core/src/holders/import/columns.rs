//! The columns of a caseload spreadsheet, recognised by their French titles as people
//! write them: accents, case, spaces and punctuation ignored (« Tél. », « TEL »,
//! « téléphone portable »…).

use parcours_domain::holders::search_key;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    LastName,
    FirstName,
    BirthDate,
    Gender,
    Phone,
    Email,
    Address,
    PostalCode,
    Commune,
    CommuneInsee,
    Qpv,
    Situation,
    EducationLevel,
    EntryDate,
    Stage,
    Referent,
    ProjectIdea,
    Sector,
    LegalForm,
    Siret,
    CreationDate,
    Notes,
    /// The person's reference in the organisation's former tool.
    Reference,
}

/// Each column's titles, as [`key`]s.
const TITLES: &[(Column, &[&str])] = &[
    (
        Column::LastName,
        &[
            "nom",
            "noms",
            "nomdefamille",
            "nomdusage",
            "nomdenaissance",
            "nompatronymique",
        ],
    ),
    (Column::FirstName, &["prenom", "prenoms"]),
    (
        Column::BirthDate,
        &[
            "datedenaissance",
            "datenaissance",
            "naissance",
            "nele",
            "neele",
            "ddn",
        ],
    ),
    (Column::Gender, &["sexe", "genre", "civilite"]),
    (
        Column::Phone,
        &[
            "telephone",
            "tel",
            "portable",
            "mobile",
            "telportable",
            "telephoneportable",
            "telephonemobile",
            "numerodetelephone",
            "notelephone",
            "ndetelephone",
            "ntel",
            "notel",
        ],
    ),
    (
        Column::Email,
        &[
            "mail",
            "email",
            "emails",
            "courriel",
            "mel",
            "adressemail",
            "adresseemail",
            "adressecourriel",
            "adresseelectronique",
        ],
    ),
    (Column::Address, &["adresse", "adressepostale", "rue"]),
    (Column::PostalCode, &["codepostal", "cp"]),
    (Column::Commune, &["commune", "ville", "localite"]),
    (
        Column::CommuneInsee,
        &[
            "codeinsee",
            "insee",
            "codecommune",
            "codeinseecommune",
            "codeinseedelacommune",
        ],
    ),
    (
        Column::Qpv,
        &[
            "qpv",
            "codeqpv",
            "quartier",
            "quartierprioritaire",
            "quartierqpv",
        ],
    ),
    (
        Column::Situation,
        &[
            "situation",
            "situationprofessionnelle",
            "situationalentree",
            "statut",
        ],
    ),
    (
        Column::EducationLevel,
        &[
            "niveaudeformation",
            "niveauformation",
            "niveau",
            "niveaudetude",
            "niveaudetudes",
            "niveauscolaire",
            "diplome",
        ],
    ),
    (
        Column::EntryDate,
        &[
            "datedentree",
            "dateentree",
            "entree",
            "datedaccueil",
            "datedinscription",
            "datedentreedansleparcours",
        ],
    ),
    (
        Column::Stage,
        &["etape", "etapeduparcours", "phase", "stade"],
    ),
    (
        Column::Referent,
        &[
            "referent",
            "referente",
            "conseiller",
            "conseillere",
            "conseillerreferent",
            "conseillerereferente",
            "suivipar",
        ],
    ),
    (
        Column::ProjectIdea,
        &[
            "ideedeprojet",
            "ideeprojet",
            "idee",
            "projet",
            "ideedeprojetcreation",
        ],
    ),
    (Column::Sector, &["secteur", "secteurdactivite", "activite"]),
    (Column::LegalForm, &["formejuridique", "statutjuridique"]),
    (Column::Siret, &["siret", "numerosiret", "nsiret"]),
    (Column::CreationDate, &["datedecreation", "datecreation"]),
    (
        Column::Notes,
        &[
            "observations",
            "observation",
            "commentaire",
            "commentaires",
            "remarques",
            "notes",
        ],
    ),
    (
        Column::Reference,
        &[
            "reference",
            "ref",
            "refdossier",
            "referencedossier",
            "ndossier",
            "nodossier",
            "numerodossier",
            "numerodedossier",
            "iddossier",
            "identifiant",
            "id",
        ],
    ),
];

/// A title or a word as compared: lower case, accents removed, letters and digits only
/// (« Tél. » → `tel`, « Date d'entrée » → `datedentree`, « bac+2 » → `bac2`).
pub fn key(text: &str) -> String {
    search_key(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The column a title names, if any.
pub fn recognise(title: &str) -> Option<Column> {
    let key = key(title);
    TITLES
        .iter()
        .find(|(_, titles)| titles.contains(&key.as_str()))
        .map(|(column, _)| *column)
}

impl Column {
    /// The column's usual title, when the file does not have it.
    pub fn label(self) -> &'static str {
        match self {
            Column::LastName => "Nom",
            Column::FirstName => "Prénom",
            Column::BirthDate => "Date de naissance",
            Column::Gender => "Sexe",
            Column::Phone => "Téléphone",
            Column::Email => "Mail",
            Column::Address => "Adresse",
            Column::PostalCode => "Code postal",
            Column::Commune => "Commune",
            Column::CommuneInsee => "Code INSEE",
            Column::Qpv => "QPV",
            Column::Situation => "Situation",
            Column::EducationLevel => "Niveau de formation",
            Column::EntryDate => "Date d'entrée",
            Column::Stage => "Étape",
            Column::Referent => "Référent",
            Column::ProjectIdea => "Idée de projet",
            Column::Sector => "Secteur",
            Column::LegalForm => "Forme juridique",
            Column::Siret => "SIRET",
            Column::CreationDate => "Date de création",
            Column::Notes => "Observations",
            Column::Reference => "N° dossier",
        }
    }

    /// What this version keeps: the others are recognised (so not listed as unknown)
    /// but said to be left aside.
    pub fn imported(self) -> bool {
        !matches!(self, Column::Commune | Column::Notes)
    }
}

/// How a table's header was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Index of the header among the table's lines.
    pub index: usize,
    /// (cell index, column, title as written) of each recognised column.
    pub columns: Vec<(usize, Column, String)>,
    /// Titles of the columns nobody recognised (or named twice), as written.
    pub unknown: Vec<String>,
}

impl Header {
    pub fn cell(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(_, c, _)| *c == column)
            .map(|(i, ..)| *i)
    }

    pub fn title(&self, column: Column) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, c, _)| *c == column)
            .map(|(.., t)| t.as_str())
    }
}

/// What the columns of a file hold, said by the organisation when their titles are its
/// own (« Tel perso », « Remarques ») : each title as a [`key`], and the column it is —
/// or none, to leave it aside knowingly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping(Vec<(String, Option<Column>)>);

/// The word that leaves a column aside in a mapping.
const IGNORE: &[&str] = &["ignorer", "ignoree", "aucun", "rien"];

impl Mapping {
    /// No mapping: titles are recognised as usual.
    pub const NONE: Mapping = Mapping(Vec::new());

    /// From a table of two columns: the title in the file, then what it holds — a title
    /// Parcours recognises (« Téléphone », « Observations ») or « ignorer ». A first line
    /// that is not a pair (« Colonne du fichier ; Champ ») is a header. Each line that
    /// cannot be read is a French reason with its line number.
    pub fn from_table<'a>(
        lines: impl IntoIterator<Item = (u64, &'a [String])>,
    ) -> Result<Self, Vec<String>> {
        let (mut pairs, mut errors) = (Vec::new(), Vec::new());
        for (position, (line, cells)) in lines.into_iter().enumerate() {
            let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
            let (title, field) = (cell(0), cell(1));
            if title.is_empty() && field.is_empty() {
                continue;
            }
            let column = if IGNORE.contains(&key(field).as_str()) || field == "-" {
                Some(None)
            } else {
                recognise(field).map(Some)
            };
            match column {
                Some(_) if title.is_empty() => {
                    errors.push(format!("ligne {line} : titre de colonne manquant"));
                }
                Some(column) => pairs.push((key(title), column)),
                None if position == 0 => {}
                None => errors.push(format!(
                    "ligne {line} : « {field} » n'est pas une colonne connue (par exemple Nom, Prénom, Date de naissance, Téléphone, Mail, Observations, ou « ignorer »)"
                )),
            }
        }
        if pairs.is_empty() && errors.is_empty() {
            errors.push(
                "aucune correspondance : une ligne par colonne, son titre dans le fichier puis ce qu'elle contient".to_owned(),
            );
        }
        if errors.is_empty() {
            Ok(Self(pairs))
        } else {
            Err(errors)
        }
    }

    /// What the mapping says of `title`: a column, none (left aside), or nothing said.
    fn get(&self, title: &str) -> Option<Option<Column>> {
        let wanted = key(title);
        self.0.iter().find(|(k, _)| *k == wanted).map(|(_, c)| *c)
    }
}

/// The lines the header is looked for in.
pub const HEADER_SEARCH: usize = 10;

/// The header: the first of the first ten lines where two titles at least are
/// recognised.
pub fn find_header<'a>(
    lines: impl IntoIterator<Item = &'a [String]>,
    mapping: &Mapping,
) -> Option<Header> {
    lines
        .into_iter()
        .take(HEADER_SEARCH)
        .enumerate()
        .find_map(|(index, cells)| {
            let header = read_header(index, cells, mapping);
            (header.columns.len() >= 2).then_some(header)
        })
}

fn read_header(index: usize, cells: &[String], mapping: &Mapping) -> Header {
    let mut header = Header {
        index,
        columns: Vec::new(),
        unknown: Vec::new(),
    };
    for (i, title) in cells.iter().enumerate() {
        let title = title.trim();
        if title.is_empty() {
            continue;
        }
        let column = match mapping.get(title) {
            Some(None) => continue,
            Some(Some(column)) => Some(column),
            None => recognise(title),
        };
        match column {
            Some(column) if header.cell(column).is_none() => {
                header.columns.push((i, column, title.to_owned()));
            }
            Some(_) => header.unknown.push(format!("{title} (en double)")),
            None => header.unknown.push(title.to_owned()),
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_titles_as_people_write_them() {
        for (title, column) in [
            ("Nom", Column::LastName),
            ("NOM DE FAMILLE", Column::LastName),
            ("Prénom", Column::FirstName),
            ("prenom ", Column::FirstName),
            ("Date de naissance", Column::BirthDate),
            ("Né(e) le", Column::BirthDate),
            ("Sexe", Column::Gender),
            ("Genre", Column::Gender),
            ("Tél.", Column::Phone),
            ("Téléphone", Column::Phone),
            ("Portable", Column::Phone),
            ("N° de téléphone", Column::Phone),
            ("Mail", Column::Email),
            ("Courriel", Column::Email),
            ("E-mail", Column::Email),
            ("Adresse", Column::Address),
            ("CP", Column::PostalCode),
            ("Code postal", Column::PostalCode),
            ("Commune", Column::Commune),
            ("Code INSEE", Column::CommuneInsee),
            ("QPV", Column::Qpv),
            ("Situation", Column::Situation),
            ("Niveau de formation", Column::EducationLevel),
            ("Date d'entrée", Column::EntryDate),
            ("Étape", Column::Stage),
            ("ETAPE", Column::Stage),
            ("Référent", Column::Referent),
            ("Idée de projet", Column::ProjectIdea),
            ("Secteur", Column::Sector),
            ("Forme juridique", Column::LegalForm),
            ("SIRET", Column::Siret),
            ("Date de création", Column::CreationDate),
            ("Observations", Column::Notes),
        ] {
            assert_eq!(recognise(title), Some(column), "{title}");
        }
        assert_eq!(recognise("Couleur préférée"), None);
        assert_eq!(recognise(""), None);
    }

    fn line(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn finds_the_header_below_a_title_and_lists_unknown_columns() {
        let lines = [
            line(&["Suivi 2024 — export du tableur"]),
            line(&[]),
            line(&["Nom", "Prénom", "Pointure", "", "Nom", ""]),
            line(&["Dupont", "Ana", "38"]),
        ];
        let header = find_header(lines.iter().map(Vec::as_slice), &Mapping::NONE).unwrap();
        assert_eq!(header.index, 2);
        assert_eq!(header.cell(Column::FirstName), Some(1));
        assert_eq!(header.title(Column::LastName), Some("Nom"));
        assert_eq!(header.unknown, ["Pointure", "Nom (en double)"]);
    }

    #[test]
    fn no_header_in_the_first_ten_lines() {
        let mut lines = vec![line(&["bla"]); 10];
        lines.push(line(&["Nom", "Prénom"]));
        assert_eq!(
            find_header(lines.iter().map(Vec::as_slice), &Mapping::NONE),
            None
        );
    }
}
