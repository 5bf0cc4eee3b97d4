//! Numbers as French readers write them, for pages, e-mails and spreadsheets alike.

/// A whole number as French readers write it: « 1 234 567 », with a narrow no-break
/// space between thousands and « − » for a negative one.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}
