//! Tables as organisations keep them, read the same way for every import (the QPV
//! reference list, an organisation's caseload): a workbook (`.xlsx`, `.xls`, `.ods`; its
//! first sheet or a named one), or a CSV file as spreadsheets save it — UTF-8 with or
//! without BOM, or Windows-1252 (what French Excel writes as "CSV") when the bytes are not
//! UTF-8; `;` or `,` between columns; CRLF or LF.

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use std::io::Cursor;

/// One line of a table, with its line number in the file (the first is 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub line: u64,
    pub cells: Vec<String>,
}

/// The file's text: UTF-8 (its BOM dropped) when it is valid UTF-8, else Windows-1252,
/// which is what a French spreadsheet saves as "CSV" and covers Latin-1's letters.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// `,` when the first lines hold more commas than semicolons, else `;` (French Excel's
/// separator, which a decimal comma would make rare in a `;` file anyway).
fn delimiter_of<'a>(lines: impl Iterator<Item = &'a str>) -> u8 {
    let (mut semicolons, mut commas) = (0, 0);
    for line in lines {
        semicolons += line.matches(';').count();
        commas += line.matches(',').count();
    }
    if commas > semicolons { b',' } else { b';' }
}

/// Every line of a CSV file, decoded, the separator detected on its first ten lines;
/// lines keep their number in the file, and a line may have any number of cells.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Line>, csv::Error> {
    // CRLF as LF: the csv crate counts a CRLF record's line one short.
    let text = decode(bytes).replace("\r\n", "\n");
    let delimiter = delimiter_of(text.lines().take(10));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    // Counted from the record's first byte: the csv crate's own count skips blank lines.
    let (mut counted_to, mut line) = (0, 1);
    for record in reader.records() {
        let record = record?;
        let mut start = record.position().map_or(counted_to, |p| {
            usize::try_from(p.byte()).unwrap_or(counted_to)
        });
        // The position may be that of the blank lines skipped before the record.
        while text.as_bytes().get(start) == Some(&b'\n') {
            start += 1;
        }
        line += text.as_bytes()[counted_to..start.max(counted_to)]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = start.max(counted_to);
        lines.push(Line {
            line,
            cells: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(lines)
}

/// Whether the bytes are a workbook rather than text: a ZIP container (`.xlsx`, `.ods`)
/// or an OLE one (`.xls`).
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

/// Why a table file could not be read, in French: the file itself, or the sheet asked
/// for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableError {
    File(String),
    Sheet(String),
}

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableError::File(why) | TableError::Sheet(why) => f.write_str(why),
        }
    }
}

/// Every line of a workbook's sheet (`sheet`, or else the first), numbered as the
/// spreadsheet shows them; a date cell reads `AAAA-MM-JJ`, a whole number without
/// decimals, a formula its last computed value.
pub fn read_workbook(bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Line>, TableError> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| TableError::File(format!("classeur illisible ({e})")))?;
    let names = workbook.sheet_names();
    let name = match sheet.map(str::trim) {
        Some(wanted) => names
            .iter()
            .find(|n| n.trim().to_lowercase() == wanted.to_lowercase())
            .ok_or_else(|| {
                TableError::Sheet(format!(
                    "pas de feuille « {wanted} » dans le classeur (feuilles : {})",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .ok_or_else(|| TableError::File("le classeur n'a aucune feuille".to_owned()))?,
    }
    .clone();
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| TableError::File(format!("feuille « {name} » illisible ({e})")))?;
    let Some((first_row, first_column)) = range.start() else {
        return Ok(Vec::new());
    };
    // Cells left of the used range are empty: kept so that columns keep their place.
    let pad = first_column as usize;
    Ok(range
        .rows()
        .zip(u64::from(first_row) + 1..)
        .map(|(row, line)| Line {
            line,
            cells: std::iter::repeat_n(String::new(), pad)
                .chain(row.iter().map(cell_text))
                .collect(),
        })
        .collect())
}

/// A cell as the person who typed it would read it.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        // 612345678.0 is a phone that lost its zero, 75001.0 a postal code.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "oui" } else { "non" }.to_owned(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(at) if d.is_datetime() => at.date().format("%Y-%m-%d").to_string(),
            _ => d.as_f64().to_string(),
        },
    }
}

/// A table file, whichever it is: a workbook's sheet, or else CSV text. The error is
/// French, for whoever sent the file.
pub fn read_any(bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Line>, TableError> {
    let sheet = sheet.map(str::trim).filter(|s| !s.is_empty());
    if is_workbook(bytes) {
        read_workbook(bytes, sheet)
    } else if sheet.is_some() {
        Err(TableError::Sheet("une feuille n'est à choisir que dans un classeur (.xlsx, .xls, .ods) : ce fichier est du texte (CSV)".to_owned()))
    } else {
        read_csv(bytes).map_err(|e| TableError::File(format!("fichier CSV illisible ({e})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_has_the_typographic_signs() {
        assert_eq!(decode(b"\x80 \x92 \x9C \xE9 A"), "€ ’ œ é A");
    }

    #[test]
    fn reads_either_separator_keeping_line_numbers() {
        let lines = read_csv(b"\xEF\xBB\xBFNom;Pr\xC3\xA9nom\r\n\r\nDupont;\"A; B\"\r\n").unwrap();
        assert_eq!(lines.last().unwrap().line, 3);
        assert_eq!(lines.last().unwrap().cells, ["Dupont", "A; B"]);
        assert_eq!(lines[0].cells, ["Nom", "Prénom"]);
        let lines = read_csv(b"Nom,Pr\xE9nom\nBeno\xEEt,H\xE9l\xE8ne\n").unwrap();
        assert_eq!(lines[1].cells, ["Benoît", "Hélène"]);
    }
}
