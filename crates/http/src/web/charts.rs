//! Charts drawn on the server as SVG: no script, nothing from elsewhere, readable in
//! black and white (series differ by fill pattern, each bar carries its figure), a
//! title and a unit. The figures come as the reports give them: a masked count is
//! `None` and is written as the reports write it, never drawn to scale.

use std::fmt::Write;

/// One line of a chart: a label, and a figure per series (`None`: masked).
pub struct Bar {
    pub label: String,
    pub values: Vec<Option<i64>>,
}

/// Text for SVG, escaped as HTML is.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to fit its column.
fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(chars - 1).collect();
        cut.push('…');
        cut
    }
}

const WIDTH: u32 = 640;
const LABEL_WIDTH: u32 = 190;
const BAR_SPACE: u32 = 360;
const BAR_HEIGHT: u32 = 16;
const GAP: u32 = 10;

/// The fills of the series: solid ink, hatched, white with an outline — told apart
/// without colour.
fn fill(series: usize, id: &str) -> String {
    match series % 3 {
        0 => "fill=\"#161616\"".into(),
        1 => format!("fill=\"url(#{id}-hachures)\" stroke=\"#161616\""),
        _ => "fill=\"#ffffff\" stroke=\"#161616\" stroke-width=\"1.5\"".into(),
    }
}

fn open(id: &str, title: &str, unit: &str, height: u32) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{id}-titre {id}-desc\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui, sans-serif\" font-size=\"13\">\
         <title id=\"{id}-titre\">{}</title><desc id=\"{id}-desc\">Unité : {}. Les mêmes chiffres sont dans le tableau qui suit.</desc>\
         <defs><pattern id=\"{id}-hachures\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#161616\" stroke-width=\"2.5\"/></pattern></defs>\
         <text x=\"0\" y=\"16\" font-weight=\"700\" font-size=\"15\">{}</text>\
         <text x=\"0\" y=\"34\" fill=\"#4a4a4a\">en {}</text>",
        escape(title),
        escape(unit),
        escape(title),
        escape(unit)
    );
    svg
}

/// Horizontal bars, one group per line and one bar per series, each bar followed by
/// its figure (`masked` for a masked one, drawn as a dashed outline of no length).
pub fn bars(
    id: &str,
    title: &str,
    unit: &str,
    series: &[&str],
    rows: &[Bar],
    masked: &str,
) -> String {
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let legend_height = if series.len() > 1 { 24 } else { 0 };
    let top = 46 + legend_height;
    let group = series.len() as u32 * BAR_HEIGHT + GAP;
    let height = top + rows.len() as u32 * group + 8;
    let mut svg = open(id, title, unit, height);
    if series.len() > 1 {
        let mut x = 0;
        for (i, name) in series.iter().enumerate() {
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"46\" width=\"14\" height=\"14\" {}/><text x=\"{}\" y=\"58\">{}</text>",
                fill(i, id),
                x + 20,
                escape(name)
            );
            x += 30 + 8 * name.chars().count() as u32;
        }
    }
    for (r, row) in rows.iter().enumerate() {
        let y0 = top + r as u32 * group;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL_WIDTH - 8,
            y0 + BAR_HEIGHT * series.len() as u32 / 2 + 5,
            escape(&clip(&row.label, 26))
        );
        for (s, value) in row.values.iter().enumerate() {
            let y = y0 + s as u32 * BAR_HEIGHT;
            match value {
                Some(n) => {
                    let width = (*n as f64 / max as f64 * f64::from(BAR_SPACE)).round() as u32;
                    let _ = write!(
                        svg,
                        "<rect x=\"{LABEL_WIDTH}\" y=\"{}\" width=\"{width}\" height=\"{}\" {}/><text x=\"{}\" y=\"{}\">{}</text>",
                        y + 1,
                        BAR_HEIGHT - 2,
                        fill(s, id),
                        LABEL_WIDTH + width + 6,
                        y + BAR_HEIGHT - 3,
                        super::fr::number(*n)
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        "<rect x=\"{LABEL_WIDTH}\" y=\"{}\" width=\"24\" height=\"{}\" fill=\"none\" stroke=\"#161616\" stroke-dasharray=\"3 2\"/><text x=\"{}\" y=\"{}\">{}</text>",
                        y + 1,
                        BAR_HEIGHT - 2,
                        LABEL_WIDTH + 30,
                        y + BAR_HEIGHT - 3,
                        escape(masked)
                    );
                }
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A funnel: one centred bar per stage, its width to scale, its figure inside or
/// beside it.
pub fn funnel(
    id: &str,
    title: &str,
    unit: &str,
    rows: &[(String, Option<i64>)],
    masked: &str,
) -> String {
    let max = rows.iter().filter_map(|r| r.1).max().unwrap_or(0).max(1);
    let step = 30;
    let top = 46;
    let height = top + rows.len() as u32 * step + 8;
    let mut svg = open(id, title, unit, height);
    let centre = LABEL_WIDTH + BAR_SPACE / 2;
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + i as u32 * step;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL_WIDTH - 8,
            y + 18,
            escape(&clip(label, 26))
        );
        let (width, text) = match value {
            Some(n) => (
                (*n as f64 / max as f64 * f64::from(BAR_SPACE)).round() as u32,
                super::fr::number(*n),
            ),
            None => (0, masked.to_owned()),
        };
        if value.is_some() {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{width}\" height=\"24\" fill=\"url(#{id}-hachures)\" stroke=\"#161616\"/>",
                centre - width / 2,
                y + 2
            );
        } else {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"24\" fill=\"none\" stroke=\"#161616\" stroke-dasharray=\"3 2\"/>",
                centre - 12,
                y + 2
            );
        }
        // The figure on a white plate, legible over the hatching.
        let plate = 10 + 8 * text.chars().count() as u32;
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{plate}\" height=\"18\" fill=\"#ffffff\" stroke=\"#161616\"/><text x=\"{centre}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"700\">{}</text>",
            centre - plate / 2,
            y + 5,
            y + 19,
            escape(&text)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_their_figures_and_escape_names() {
        let svg = bars(
            "t",
            "Orientations",
            "orientations",
            &["envoyées", "acceptées"],
            &[Bar {
                label: "<script>".into(),
                values: vec![Some(12), None],
            }],
            "< 5",
        );
        assert!(svg.contains(">12</text>"));
        assert!(svg.contains(">&lt; 5</text>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("<title id=\"t-titre\">Orientations</title>"));
        let funnel = funnel(
            "f",
            "Pipeline",
            "personnes",
            &[("Information".into(), Some(1234))],
            "< 5",
        );
        assert!(funnel.contains("1\u{202f}234"));
    }
}
