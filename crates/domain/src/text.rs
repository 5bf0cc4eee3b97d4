//! What any text typed into Parcours may contain, in one place: every way in (the JSON
//! API, the pages' forms, imports) reads text through [`clean`]; names and other
//! one-line identifiers also through [`refuse_invisible`].
//!
//! Text is stored in Unicode normal form C, so that "é" typed on a Mac and on Windows is
//! the same letter for search, sorting and duplicates. Line ends become `\n`. Refused:
//! control characters other than tab and line feed (a NUL breaks PostgreSQL, terminal
//! escapes rewrite an operator's screen) and the bidirectional embeddings, overrides
//! and isolates that make text read differently from what it holds.

use unicode_normalization::UnicodeNormalization;

const CONTROL: &str = "caractère de contrôle non autorisé";
const BIDI: &str = "caractère d'inversion du sens du texte non autorisé";
const INVISIBLE: &str = "caractère invisible non autorisé";

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible formatting characters (Unicode category Cf): zero-width spaces and joiners,
/// the soft hyphen, direction marks, the byte order mark, tag characters.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The text as stored: normal form C, `\r\n`, `\r` and the Unicode line and paragraph
/// separators as `\n`. Refuses control characters (tab and line feed excepted) and
/// bidirectional controls, with a French message for the field.
pub fn clean(input: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.nfc().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => return Err(CONTROL),
            c if is_bidi_control(c) => return Err(BIDI),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// For names, codes and other one-line identifiers: no invisible character either.
pub fn refuse_invisible(input: &str) -> Result<(), &'static str> {
    if input.chars().any(is_invisible) {
        Err(INVISIBLE)
    } else {
        Ok(())
    }
}

/// White space as the server trims it (Unicode's White_Space, without the controls
/// [`clean`] refuses), written out for regular expressions: `\s` differs between
/// their dialects.
pub const WHITE_SPACE: &str =
    "\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

/// A blank value, which the server reads as one not given.
pub const BLANK_PATTERN: &str =
    "^[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$";

/// The longest search typed into a list's filter.
pub const SEARCH_MAX: usize = 100;

/// Optional free text: cleaned (see [`clean`]), trimmed, empty becomes
/// none, bounded.
pub fn check_text(input: &str, max_chars: usize) -> Result<Option<String>, String> {
    // The limit is on what was typed, as the OpenAPI document's maxLength says.
    let typed = input.chars().count();
    let value = clean(input)?;
    let value = value.trim();
    if typed > max_chars {
        Err(format!("{max_chars} caractères au plus"))
    } else if value.is_empty() {
        Ok(None)
    } else {
        Ok(Some(value.to_owned()))
    }
}

/// Words typed to search a list: free text of [`SEARCH_MAX`] characters at most;
/// blank is no search.
pub fn check_search(input: &str) -> Result<Option<String>, String> {
    check_text(input, SEARCH_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_stored_in_normal_form_c_with_plain_line_ends() {
        // "é" as e + combining acute becomes the single letter.
        assert_eq!(clean("Rene\u{301}e").unwrap(), "Renée");
        assert_eq!(clean("a\r\nb\rc\u{2028}d").unwrap(), "a\nb\nc\nd");
        assert_eq!(clean("colonne\tsuivante").unwrap(), "colonne\tsuivante");
        assert_eq!(clean("مرحبا — 你好 — 👍🏽").unwrap(), "مرحبا — 你好 — 👍🏽");
    }

    #[test]
    fn controls_and_direction_overrides_are_refused() {
        for bad in [
            "nul\0",
            "esc\u{1b}[2J",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            assert_eq!(clean(bad), Err(CONTROL), "{bad:?}");
        }
        for bad in ["\u{202E}cod.exe", "a\u{2066}b", "\u{202A}x"] {
            assert_eq!(clean(bad), Err(BIDI), "{bad:?}");
        }
    }

    #[test]
    fn invisible_characters_are_found() {
        for bad in ["Jean\u{200B}", "Ma\u{00AD}rie", "\u{FEFF}Ali", "A\u{2060}B"] {
            assert_eq!(refuse_invisible(bad), Err(INVISIBLE), "{bad:?}");
        }
        assert_eq!(refuse_invisible("Zoé N'Diaye-Lefèvre"), Ok(()));
    }
}
