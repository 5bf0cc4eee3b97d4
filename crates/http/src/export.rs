//! The service's CSV files, all written here: they open in a French spreadsheet as they
//! are (UTF-8 with BOM, `;`, CRLF), and no cell written from what someone typed runs
//! there as a formula.

use crate::error::{ApiError, ApiResult};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

/// A cell of a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Text, which may come from users (a name, a label): neutralised when written.
    Text(String),
    /// A figure the service formatted itself (a count, "< 5", a rate, a month):
    /// written as it is.
    Figure(String),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }
}

/// A text that a spreadsheet would read as a formula — it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, after spaces or not — with a `'` before it, as
/// OWASP advises against CSV injection: the spreadsheet then shows it as text (the
/// quote visible), and `=HYPERLINK(…)` in an organisation's name stays a name.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    let formula = |c: char| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r');
    if text.trim_start_matches(' ').starts_with(formula) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV file as French Excel and LibreOffice open it as is: UTF-8 with BOM,
/// `;`-separated, CRLF. Every text cell (headers included) is neutralised.
pub fn csv_bytes(headers: &[impl AsRef<str>], rows: &[Vec<Cell>]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(headers.iter().map(|h| neutralise(h.as_ref()).into_owned()))?;
    for row in rows {
        let cells = row.iter().map(|cell| match cell {
            Cell::Text(text) => neutralise(text),
            Cell::Figure(figure) => Cow::Borrowed(figure.as_str()),
        });
        writer.write_record(cells.map(Cow::into_owned))?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("csv: {e}"))?,
    );
    Ok(body)
}

/// A CSV download named `parcours-{name}.csv`, written by [`csv_bytes`].
pub fn csv_response(name: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> ApiResult<Response> {
    let body = csv_bytes(headers, &rows).map_err(ApiError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"parcours-{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// An import's report as the organisation opens it in Excel: each refused line and
/// possible duplicate with its cells as in the file, then its line, what became of it
/// and why. The terminal's `--report` and the page's download are this file.
pub fn import_report_csv(report: &parcours_core::holders::ImportReport) -> anyhow::Result<Vec<u8>> {
    let width = report
        .details
        .iter()
        .map(|d| d.cells.len())
        .chain([report.header.len()])
        .max()
        .unwrap_or(0);
    let mut headers: Vec<String> = (0..width)
        .map(|i| report.header.get(i).cloned().unwrap_or_default())
        .collect();
    headers.extend(["Ligne du fichier", "Résultat", "Raison"].map(str::to_owned));
    let rows: Vec<Vec<Cell>> = report
        .details
        .iter()
        .map(|detail| {
            let mut row: Vec<Cell> = (0..width)
                .map(|i| Cell::text(detail.cells.get(i).cloned().unwrap_or_default()))
                .collect();
            row.push(Cell::Figure(detail.line.to_string()));
            row.push(Cell::text(detail.outcome.label()));
            row.push(Cell::text(detail.reasons.join(" ; ")));
            row
        })
        .collect();
    csv_bytes(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for formula in [
            r#"=HYPERLINK("http://x","y")"#,
            "@SUM(1)",
            "+1",
            "-1+2",
            "\tTab",
            "\rCR",
            "  =1+1",
        ] {
            assert_eq!(neutralise(formula), format!("'{formula}"), "{formula:?}");
        }
        for text in ["ADIE Test", "CitésLab – Nord", "", "1-2", "a=b", "'déjà"] {
            assert_eq!(neutralise(text), text);
        }
    }
}
