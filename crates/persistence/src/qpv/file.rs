//! The official ANCT list of quartiers prioritaires, read as it is published: one row
//! per quartier, with at least the columns `code_qp`, `lib_qp`, `insee_com` and
//! `lib_com` (the 2024 list also has `insee_reg`, `lib_reg`, `insee_dep`, `lib_dep`,
//! `siren_epci`, `lib_epci`, which are ignored). What the published file does and a
//! spreadsheet may redo when it saves it again:
//! - INSEE codes written as Excel formulas, `="60057"`, so that leading zeros survive;
//! - a quartier over several communes in one row: `="13055;13070"` with
//!   `Marseille; La Penne` (or the separator `,`); several rows of one quartier merge;
//! - `;` or `,` between columns, CRLF or LF, UTF-8 with or without BOM, or
//!   Windows-1252 (Latin-1) when the file is not valid UTF-8.

use super::QpvRecord;
use crate::table::read_csv;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

#[derive(Debug, thiserror::Error)]
pub enum QpvFileError {
    #[error("fichier illisible : {0}")]
    Io(#[from] std::io::Error),
    #[error("colonne « {missing} » absente de l'en-tête (colonnes lues : {found})")]
    MissingColumn {
        missing: &'static str,
        found: String,
    },
    #[error("{}", list(.0))]
    Rows(Vec<RowError>),
    #[error("fichier illisible : {0}")]
    Csv(#[from] csv::Error),
}

/// A field of a line that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line of the file (1 is the header).
    pub line: u64,
    /// The column, by its name in the ANCT list.
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ligne {}, champ {} : {}",
            self.line, self.field, self.message
        )
    }
}

/// The errors shown at most; the count of the others follows.
const SHOWN_ERRORS: usize = 20;

fn list(errors: &[RowError]) -> String {
    let mut text: Vec<String> = errors
        .iter()
        .take(SHOWN_ERRORS)
        .map(ToString::to_string)
        .collect();
    if errors.len() > SHOWN_ERRORS {
        text.push(format!(
            "… et {} autre(s) erreur(s)",
            errors.len() - SHOWN_ERRORS
        ));
    }
    text.join("\n")
}

/// Parses the ANCT list; rows of one quartier are merged. Every bad field of every line
/// is reported, or nothing is returned.
pub fn parse(mut reader: impl Read) -> Result<Vec<QpvRecord>, QpvFileError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let lines = read_csv(&bytes)?;
    let mut lines = lines
        .iter()
        .filter(|l| l.cells.iter().any(|cell| !cell.trim().is_empty()));
    let headers: &[String] = lines.next().map_or(&[], |l| &l.cells);
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| QpvFileError::MissingColumn {
                missing: name,
                found: headers
                    .iter()
                    .map(|h| h.trim())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let columns = Columns {
        code: column("code_qp")?,
        name: column("lib_qp")?,
        insee: column("insee_com")?,
        commune: column("lib_com")?,
    };
    let mut by_code: BTreeMap<String, QpvRecord> = BTreeMap::new();
    let mut errors = Vec::new();
    for row in lines {
        match read_row(&row.cells, &columns, row.line) {
            Ok((code, name, communes)) => {
                let record = by_code.entry(code.clone()).or_insert_with(|| QpvRecord {
                    code,
                    name: String::new(),
                    communes: Vec::new(),
                });
                record.name = name;
                for (insee, commune) in communes {
                    if !record.communes.iter().any(|(i, _)| *i == insee) {
                        record.communes.push((insee, commune));
                    }
                }
            }
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    if errors.is_empty() {
        Ok(by_code.into_values().collect())
    } else {
        Err(QpvFileError::Rows(errors))
    }
}

struct Columns {
    code: usize,
    name: usize,
    insee: usize,
    commune: usize,
}

type Row = (String, String, Vec<(String, String)>);

/// The longest names the schema keeps: a quartier's, a commune's.
const NAME_MAX: usize = 300;
const COMMUNE_MAX: usize = 200;

/// One line: the quartier's code and name, and its communes (INSEE code, name).
fn read_row(row: &[String], columns: &Columns, line: u64) -> Result<Row, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut field = |index: usize, name: &'static str| -> Option<&str> {
        let value = row.get(index).map(|v| cell(v)).filter(|v| !v.is_empty());
        if value.is_none() {
            errors.push(RowError {
                line,
                field: name,
                message: "valeur manquante".into(),
            });
        }
        value
    };
    let (code, name, insee, communes) = (
        field(columns.code, "code_qp"),
        field(columns.name, "lib_qp"),
        field(columns.insee, "insee_com"),
        field(columns.commune, "lib_com"),
    );
    let mut error = |field: &'static str, message: String| {
        errors.push(RowError {
            line,
            field,
            message,
        });
    };
    if let Some(code) = code.filter(|c| !is_qpv_code(c)) {
        error(
            "code_qp",
            format!(
                "« {code} » n'est pas un code de quartier (QN… ou QP… suivi de 5 à 8 chiffres ou lettres)"
            ),
        );
    }
    if let Some(name) = name.filter(|n| n.chars().count() > NAME_MAX) {
        error(
            "lib_qp",
            format!("« {name} » est trop long ({NAME_MAX} caractères au plus)"),
        );
    }
    let codes: Vec<&str> = insee.map(split).unwrap_or_default();
    for bad in codes.iter().filter(|c| !is_insee_code(c)) {
        error(
            "insee_com",
            format!(
                "« {bad} » n'est pas un code commune INSEE (5 caractères, comme 60057 ou 2A004)"
            ),
        );
    }
    let names = communes.map(|c| names_for(c, codes.len()));
    if let (Some(None), Some(commune)) = (&names, communes) {
        error(
            "lib_com",
            format!(
                "{} code(s) commune dans insee_com mais « {commune} » ne se découpe pas en autant de noms (séparés par ; ou ,)",
                codes.len()
            ),
        );
    }
    for long in names
        .iter()
        .flatten()
        .flatten()
        .filter(|n| n.chars().count() > COMMUNE_MAX)
    {
        error(
            "lib_com",
            format!("« {long} » est trop long ({COMMUNE_MAX} caractères au plus)"),
        );
    }
    match (code, name, names) {
        (Some(code), Some(name), Some(Some(names))) if errors.is_empty() => Ok((
            code.to_owned(),
            name.to_owned(),
            codes.iter().map(|c| (*c).to_owned()).zip(names).collect(),
        )),
        _ => Err(errors),
    }
}

/// A cell's text: trimmed, without the Excel formula that keeps a code's leading zeros
/// (`="01053"` is `01053`).
fn cell(raw: &str) -> &str {
    let value = raw.trim();
    value
        .strip_prefix("=\"")
        .and_then(|v| v.strip_suffix('"'))
        .map_or(value, str::trim)
}

/// The values of a cell listing several, separated by `;` or `,`.
fn split(value: &str) -> Vec<&str> {
    value
        .split([';', ','])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The communes' names for `count` codes: the whole cell for one, else as many names
/// separated by `;` (or, failing that, `,`); `None` when they do not match.
fn names_for(value: &str, count: usize) -> Option<Vec<String>> {
    if count <= 1 {
        return Some(vec![value.to_owned()]);
    }
    [';', ',']
        .into_iter()
        .map(|separator| {
            value
                .split(separator)
                .map(|n| n.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .find(|names| names.len() == count && names.iter().all(|n| !n.is_empty()))
}

fn is_qpv_code(code: &str) -> bool {
    (code.starts_with("QN") || code.starts_with("QP"))
        && (7..=10).contains(&code.len())
        && code[2..]
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

fn is_insee_code(code: &str) -> bool {
    code.len() == 5
        && (code.chars().all(|c| c.is_ascii_digit())
            || (code.starts_with("2A") || code.starts_with("2B"))
                && code[2..].chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn communes(records: &[QpvRecord], code: &str) -> Vec<(String, String)> {
        records
            .iter()
            .find(|r| r.code == code)
            .unwrap_or_else(|| panic!("{code}"))
            .communes
            .clone()
    }

    fn pair(insee: &str, name: &str) -> (String, String) {
        (insee.to_owned(), name.to_owned())
    }

    #[test]
    fn reads_the_anct_layout_with_a_bom_and_extra_columns() {
        let file = "\u{feff}code_qp;lib_qp;departement;insee_com;lib_com;population\n\
                    QN00101M;Les Tilleuls (fictif);001;00101;Villefictive;2300\n\
                    QN00102M;Le Moulin (fictif);001;00101;Villefictive;1800\n\
                    QN00102M;Le Moulin (fictif);001;00102;Autreville;1800\n";
        let records = parse(file.as_bytes()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].code, "QN00102M");
        assert_eq!(
            records[1].communes,
            vec![pair("00101", "Villefictive"), pair("00102", "Autreville")]
        );
    }

    #[test]
    fn counts_lines_with_crlf_too() {
        let file =
            "code_qp;lib_qp;insee_com;lib_com\r\nQN00101A;A;00101;V\r\nQN00102A;B;0010;V\r\n";
        let QpvFileError::Rows(rows) = parse(file.as_bytes()).unwrap_err() else {
            panic!()
        };
        assert_eq!(rows[0].line, 3);
    }

    #[test]
    fn reads_formulas_and_quartiers_over_several_communes() {
        let file = "code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci\r\n\
                    QN06099M;Quartier A;32;Hauts-de-France;60;Oise;\"=\"\"60057\"\"\";Beauvais;200067999;CA\r\n\
                    QN01341I;Quartier B;93;PACA;13;Bouches-du-Rhône;\"=\"\"13055;13070\"\"\";\"Marseille; La Penne\";200054807;Métropole\r\n";
        let records = parse(file.as_bytes()).unwrap();
        assert_eq!(communes(&records, "QN06099M"), [pair("60057", "Beauvais")]);
        assert_eq!(
            communes(&records, "QN01341I"),
            [pair("13055", "Marseille"), pair("13070", "La Penne")]
        );
    }

    #[test]
    fn reads_commas_and_windows_1252() {
        let mut file = b"CODE_QP,LIB_QP,INSEE_COM,LIB_COM\r\nQN02001M,C\xF4te d'Or \x96 Sud,\"02571, 02691\",\"Saint-Quentin, Gauchy\"\r\n".to_vec();
        file.extend_from_slice(b"QN02002M,\x8Cuvre \x80,02691,Gauchy\r\n");
        let records = parse(file.as_slice()).unwrap();
        assert_eq!(records[0].name, "Côte d'Or – Sud");
        assert_eq!(
            records[0].communes,
            [pair("02571", "Saint-Quentin"), pair("02691", "Gauchy")]
        );
        assert_eq!(records[1].name, "Œuvre €");
    }

    #[test]
    fn counts_blank_lines_and_finds_the_header_below_them() {
        let file =
            "\ncode_qp;lib_qp;insee_com;lib_com\n\nQN00101A;A;00101;V\n\n\nQN00102A;B;0010;V\n";
        let QpvFileError::Rows(rows) = parse(file.as_bytes()).unwrap_err() else {
            panic!()
        };
        assert_eq!(rows[0].line, 7);
    }

    #[test]
    fn says_which_line_and_field_are_wrong() {
        let file = "code_qp;lib_qp;insee_com;lib_com\n\
                    QN00101A;A;00101;V\n\
                    XX1;B;00101;V\n\
                    ;;;\n\
                    QN00102A;C;\"=\"\"0010;00102\"\"\";V;W\n\
                    QN00103A;;\"00103;00104\";V\n";
        let error = parse(file.as_bytes()).unwrap_err();
        let QpvFileError::Rows(rows) = &error else {
            panic!("{error}")
        };
        let found: Vec<(u64, &str)> = rows.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            found,
            [
                (3, "code_qp"),
                (5, "insee_com"),
                (5, "lib_com"),
                (6, "lib_qp"),
                (6, "lib_com")
            ]
        );
        assert!(
            error
                .to_string()
                .starts_with("ligne 3, champ code_qp : « XX1 » n'est pas un code de quartier"),
            "{error}"
        );
        let missing = parse("code_qp;lib_qp\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(
            missing,
            "colonne « insee_com » absente de l'en-tête (colonnes lues : code_qp, lib_qp)"
        );
    }
}
