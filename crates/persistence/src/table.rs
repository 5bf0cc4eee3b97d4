//! Tables as spreadsheets save them to CSV, read the same way for every import (the QPV
//! reference list, an organisation's caseload): UTF-8 with or without BOM, or
//! Windows-1252 (what French Excel writes as "CSV") when the bytes are not UTF-8; `;` or
//! `,` between columns; CRLF or LF.

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
        Err(_) => bytes.iter().map(|b| windows_1252(*b)).collect(),
    }
}

/// `,` when the first lines hold more commas than semicolons, else `;` (French Excel's
/// separator, which a decimal comma would make rare in a `;` file anyway).
pub fn delimiter_of<'a>(lines: impl Iterator<Item = &'a str>) -> u8 {
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

/// One Windows-1252 byte: 0x80–0x9F hold typographic signs (€, ’, œ, Œ…), every other
/// byte is the Unicode code point of the same value (as in Latin-1). The five bytes
/// Windows leaves unassigned map to the control characters of the same value, as the
/// WHATWG encoding standard does.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_has_the_typographic_signs() {
        assert_eq!(
            [0x80, 0x92, 0x9C, 0xE9, 0x41].map(windows_1252),
            ['€', '’', 'œ', 'é', 'A']
        );
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
