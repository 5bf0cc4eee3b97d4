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

/// A row label on one line, or two when it is long: cut at the space that balances
/// them. Nothing is cut off: the label column is as wide as the longest line.
fn label_lines(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= LINE_CHARS {
        return vec![text.to_owned()];
    }
    let middle = chars.len() / 2;
    let split = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == ' ')
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(middle));
    match split {
        Some(i) => vec![chars[..i].iter().collect(), chars[i + 1..].iter().collect()],
        None => vec![text.to_owned()],
    }
}

/// The width text takes at the charts' font size, generously: a label may end short
/// of its bar, never before the left edge.
fn text_width(text: &str) -> u32 {
    (text.chars().count() as f64 * CHAR_WIDTH).ceil() as u32
}

/// The label column: the longest line of any label, and the gap before the bars.
fn label_width<'a>(labels: impl IntoIterator<Item = &'a str>) -> u32 {
    labels
        .into_iter()
        .flat_map(label_lines)
        .map(|line| text_width(&line))
        .max()
        .unwrap_or(0)
        .max(MIN_LABEL_WIDTH)
        + LABEL_GAP
}

/// A label right-aligned before `x`, its lines centred on `middle`.
fn write_label(svg: &mut String, x: u32, middle: u32, lines: &[String]) {
    let first = middle + 5 - (lines.len() as u32 - 1) * LINE_HEIGHT / 2;
    let _ = write!(svg, "<text x=\"{x}\" y=\"{first}\" text-anchor=\"end\">");
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            let _ = write!(svg, "<tspan x=\"{x}\">{}</tspan>", escape(line));
        } else {
            let _ = write!(
                svg,
                "<tspan x=\"{x}\" dy=\"{LINE_HEIGHT}\">{}</tspan>",
                escape(line)
            );
        }
    }
    svg.push_str("</text>");
}

/// The smallest width the chart is drawn at; wider when its labels ask for it.
const MIN_WIDTH: u32 = 640;
/// Characters on a label's line before it goes onto two.
const LINE_CHARS: usize = 24;
/// The width of a character at 13 px, with room for wide letters: DejaVu Sans (what
/// Linux browsers fall back on) averages 8.5 px on words like « Accompagnement ».
const CHAR_WIDTH: f64 = 8.8;
const LINE_HEIGHT: u32 = 16;
const MIN_LABEL_WIDTH: u32 = 90;
const LABEL_GAP: u32 = 10;
/// Room after the longest bar for its figure.
const FIGURE_SPACE: u32 = 90;
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

fn open(id: &str, title: &str, unit: &str, width: u32, height: u32) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-titre {id}-desc\" \
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
    let labels: Vec<Vec<String>> = rows.iter().map(|r| label_lines(&r.label)).collect();
    let label_x = label_width(rows.iter().map(|r| r.label.as_str()));
    let width = (label_x + BAR_SPACE + FIGURE_SPACE).max(MIN_WIDTH);
    // The legend flows onto as many lines as it needs.
    let mut legend = Vec::new();
    if series.len() > 1 {
        let (mut x, mut line) = (0, 0);
        for name in series {
            let item = 20 + text_width(name) + 16;
            if x > 0 && x + item > width {
                (x, line) = (0, line + 1);
            }
            legend.push((x, 46 + line * 22));
            x += item;
        }
    }
    let top = legend.last().map_or(46, |(_, y)| y + 24);
    let bars_height = series.len() as u32 * BAR_HEIGHT;
    let heights: Vec<u32> = labels
        .iter()
        .map(|lines| bars_height.max(lines.len() as u32 * LINE_HEIGHT) + GAP)
        .collect();
    let height = top + heights.iter().sum::<u32>() + 8;
    let mut svg = open(id, title, unit, width, height);
    for (i, (name, (x, y))) in series.iter().zip(&legend).enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" {}/><text x=\"{}\" y=\"{}\">{}</text>",
            fill(i, id),
            x + 20,
            y + 12,
            escape(name)
        );
    }
    let mut y0 = top;
    for ((row, lines), row_height) in rows.iter().zip(&labels).zip(&heights) {
        let block = row_height - GAP;
        write_label(&mut svg, label_x - LABEL_GAP, y0 + block / 2, lines);
        let y_bars = y0 + (block - bars_height) / 2;
        for (s, value) in row.values.iter().enumerate() {
            let y = y_bars + s as u32 * BAR_HEIGHT;
            match value {
                Some(n) => {
                    let width = (*n as f64 / max as f64 * f64::from(BAR_SPACE)).round() as u32;
                    let _ = write!(
                        svg,
                        "<rect x=\"{label_x}\" y=\"{}\" width=\"{width}\" height=\"{}\" {}/><text x=\"{}\" y=\"{}\">{}</text>",
                        y + 1,
                        BAR_HEIGHT - 2,
                        fill(s, id),
                        label_x + width + 6,
                        y + BAR_HEIGHT - 3,
                        super::fr::number(*n)
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        "<rect x=\"{label_x}\" y=\"{}\" width=\"24\" height=\"{}\" fill=\"none\" stroke=\"#161616\" stroke-dasharray=\"3 2\"/><text x=\"{}\" y=\"{}\">{}</text>",
                        y + 1,
                        BAR_HEIGHT - 2,
                        label_x + 30,
                        y + BAR_HEIGHT - 3,
                        escape(masked)
                    );
                }
            }
        }
        y0 += row_height;
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
    let labels: Vec<Vec<String>> = rows.iter().map(|(label, _)| label_lines(label)).collect();
    let label_x = label_width(rows.iter().map(|(label, _)| label.as_str()));
    let width = (label_x + BAR_SPACE + FIGURE_SPACE).max(MIN_WIDTH);
    let most_lines = labels.iter().map(Vec::len).max().unwrap_or(1) as u32;
    let step = 30.max(most_lines * LINE_HEIGHT + 6);
    let top = 46;
    let height = top + rows.len() as u32 * step + 8;
    let mut svg = open(id, title, unit, width, height);
    let centre = label_x + BAR_SPACE / 2;
    for (i, ((_, value), lines)) in rows.iter().zip(&labels).enumerate() {
        let y = top + i as u32 * step;
        write_label(&mut svg, label_x - LABEL_GAP, y + 13, lines);
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

    #[test]
    fn long_labels_go_onto_two_lines_and_are_never_cut() {
        let label = "Participants nommés aux actions collectives";
        assert_eq!(
            label_lines(label),
            ["Participants nommés", "aux actions collectives"]
        );
        assert_eq!(label_lines("Information"), ["Information"]);
        let svg = bars(
            "t",
            "Indicateurs",
            "personnes",
            &["période"],
            &[Bar {
                label: label.into(),
                values: vec![Some(3)],
            }],
            "< 5",
        );
        assert!(svg.contains(">Participants nommés</tspan>"), "{svg}");
        assert!(svg.contains(">aux actions collectives</tspan>"), "{svg}");
        assert!(!svg.contains('…'));
        // The label column holds the longest line, right-aligned inside the chart.
        let column = label_width([label]);
        assert!(column >= text_width("aux actions collectives") + LABEL_GAP);
        assert!(svg.contains(&format!("<text x=\"{}\"", column - LABEL_GAP)));
    }
}
