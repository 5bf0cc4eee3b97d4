//! A porteur de projet: identity, contact and the values that describe their situation.

use crate::string_enum;
use chrono::{Datelike, NaiveDate};
use std::fmt;

string_enum! {
    pub enum Gender { Femme => "femme", Homme => "homme", Autre => "autre" }
}

string_enum! {
    /// The person's situation at intake, as funders ask for it.
    pub enum Situation {
        DemandeurEmploi => "demandeur_emploi",
        Rsa => "rsa",
        Ass => "ass",
        JeuneSansEmploi => "jeune_sans_emploi",
        Salarie => "salarie",
        Etudiant => "etudiant",
        Autre => "autre",
    }
}

string_enum! {
    /// National education levels (nomenclature of 2019): 3 (CAP) to 8 (doctorate).
    pub enum EducationLevel {
        Infra3 => "infra_3",
        Niveau3 => "niveau_3",
        Niveau4 => "niveau_4",
        Niveau5 => "niveau_5",
        Niveau6 => "niveau_6",
        Niveau7 => "niveau_7",
        Niveau8 => "niveau_8",
    }
}

string_enum! {
    /// Whether the person lives in a QPV, as far as anyone knows.
    pub enum QpvStatus { InQpv => "in_qpv", NotInQpv => "not_in_qpv", Unknown => "unknown" }
}

string_enum! {
    /// How the QPV status was set: chosen by the adviser, or derived from the commune
    /// (only when the commune has no QPV at all; otherwise it stays unknown).
    pub enum QpvStatusSource { Adviser => "adviser", Commune => "commune", NotSet => "non_renseigne" }
}

/// A French phone number, stored as +33 followed by nine digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "numéro de téléphone invalide : 10 chiffres commençant par 0 (01 23 45 67 89) ou +33 suivi de 9 chiffres"
)]
pub struct PhoneError;

impl Phone {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let compact: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+33") {
            rest.strip_prefix('0').unwrap_or(rest).to_owned()
        } else if let Some(rest) = compact.strip_prefix("0033") {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest.to_owned()
        } else {
            return Err(PhoneError);
        };
        let valid = national.len() == 9
            && national.chars().all(|c| c.is_ascii_digit())
            && matches!(national.as_bytes()[0], b'1'..=b'7' | b'9');
        if valid {
            Ok(Self(format!("+33{national}")))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phone(…)")
    }
}

/// A code of a reference list: typed with spaces around or in lower case, stored in
/// upper case; `$pattern` is the same rule for the OpenAPI document.
macro_rules! code_type {
    ($(#[$meta:meta])* $name:ident, $error:literal, $pattern:literal, $check:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// What the code may look like, as typed (a regular expression).
            pub const PATTERN: &'static str = $pattern;

            pub fn parse(input: &str) -> Result<Self, String> {
                let value = input.trim().to_ascii_uppercase();
                let check: fn(&str) -> bool = $check;
                if check(&value) { Ok(Self(value)) } else { Err($error.to_owned()) }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .pattern(Some($pattern))
                    .description(Some($error))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

fn digits(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_digit())
}

code_type!(
    /// A French postal code: five digits.
    PostalCode,
    "code postal invalide : 5 chiffres attendus",
    "^[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*[0-9]{5}[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$",
    |s| s.len() == 5 && digits(s)
);

code_type!(
    /// A commune's INSEE code: five digits, or 2A/2B and three digits in Corsica.
    CommuneInsee,
    "code commune INSEE invalide : 5 caractères (ex. 93066, 2A004)",
    "^[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*([0-9]{5}|2[AaBb][0-9]{3})[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$",
    |s| s.len() == 5 && (digits(s) || ((s.starts_with("2A") || s.starts_with("2B")) && digits(&s[2..])))
);

code_type!(
    /// A QPV code: `QN…` (2024 generation) or `QP…` (2015 generation).
    QpvCode,
    "code QPV invalide : QN ou QP suivi de 5 à 8 chiffres ou lettres (ex. QN09301M, QP093001)",
    "^[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*[Qq][NnPp][0-9A-Za-z]{5,8}[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$",
    |s| (s.starts_with("QN") || s.starts_with("QP"))
        && (7..=10).contains(&s.len())
        && s[2..].chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
);

/// A SIRET: 14 digits passing the Luhn check, except La Poste's establishments
/// (SIREN 356 000 000), whose digits add up to a multiple of 5.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Siret(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SiretError {
    #[error("SIRET invalide : 14 chiffres attendus")]
    Format,
    #[error("SIRET invalide : la clé de contrôle ne correspond pas (vérifiez les chiffres)")]
    Checksum,
}

impl Siret {
    pub fn parse(input: &str) -> Result<Self, SiretError> {
        let value: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if value.len() != 14 || !digits(&value) {
            return Err(SiretError::Format);
        }
        let numbers: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
        let valid = if value.starts_with("356000000") {
            numbers.iter().sum::<u32>().is_multiple_of(5)
        } else {
            luhn(&numbers)
        };
        if valid {
            Ok(Self(value))
        } else {
            Err(SiretError::Checksum)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn luhn(numbers: &[u32]) -> bool {
    let sum: u32 = numbers
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A birth date that makes the person 15 to 99 years old on `today`.
pub fn check_birth_date(birth: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    if birth > today {
        Err("date de naissance dans le futur".into())
    } else if !(15..=99).contains(&age) {
        Err(format!(
            "date de naissance peu plausible : {age} ans (15 à 99 ans attendus)"
        ))
    } else {
        Ok(birth)
    }
}

/// Parses `YYYY-MM-DD`, exactly (RFC 3339's full-date, the OpenAPI `date` format).
pub fn parse_date(input: &str) -> Result<NaiveDate, String> {
    let shaped = input.len() == 10
        && input.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(input, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| "date invalide : format AAAA-MM-JJ attendu".to_owned())
}

/// [`check_name`]'s rule as a regular expression, for the OpenAPI document: no digit,
/// control or invisible character, something else than spaces. (Tag characters, beyond
/// the basic plane, are refused too but not listed.)
pub const NAME_PATTERN: &str = concat!(
    "^[^0-9\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F",
    "\\u00AD\\u034F\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u115F\\u1160\\u17B4\\u17B5",
    "\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164",
    "\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF9-\\uFFFB]*",
    "[^\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u30000-9\\u0000-\\u001F\\u007F-\\u009F",
    "\\u00AD\\u034F\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u115F\\u1160\\u17B4\\u17B5",
    "\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164",
    "\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF9-\\uFFFB]",
    "[^0-9\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F",
    "\\u00AD\\u034F\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u115F\\u1160\\u17B4\\u17B5",
    "\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164",
    "\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF9-\\uFFFB]*$"
);

/// A first or last name, as the OpenAPI document describes it ([`check_name`]).
#[cfg(feature = "openapi")]
pub struct PersonName;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for PersonName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(100))
            .pattern(Some(NAME_PATTERN))
            .description(Some(
                "Prénom ou nom : 100 caractères au plus, sans chiffre ni caractère invisible.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for PersonName {}

/// A person's name part: trimmed, inner spaces folded, 1 to 100 characters.
pub fn check_name(input: &str) -> Result<String, String> {
    // The limit is on what was typed, as the OpenAPI document's maxLength says.
    let typed = input.chars().count();
    let value = crate::text::clean(input)?;
    crate::text::refuse_invisible(&value)?;
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        Err("obligatoire".into())
    } else if typed > 100 {
        Err("100 caractères au plus".into())
    } else if value.chars().any(|c| c.is_ascii_digit()) {
        Err("caractères non autorisés (chiffres)".into())
    } else {
        Ok(value)
    }
}

pub use crate::text::check_text;

/// The form used for accent- and case-insensitive name search: lower case, accents
/// and punctuation removed, spaces folded ("Benoît N'Diaye" → "benoit ndiaye").
pub fn search_key(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'æ' => "ae",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'œ' => "oe",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            c if c.is_whitespace() || c == '-' => " ",
            _ => "",
        };
        if base == " " {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push_str(base);
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised() {
        for input in [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "+33 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
            "0033612345678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "+33612345678",
                "{input}"
            );
        }
        for bad in [
            "",
            "0612",
            "612345678",
            "08 12 34 56 7",
            "+44 20 7946 0958",
            "00 12 34 56 78",
            "06 12 34 56 7a",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(PostalCode::parse(" 93200 ").unwrap().as_str(), "93200");
        assert!(PostalCode::parse("9320").is_err());
        assert!(PostalCode::parse("93 200").is_err());
        assert_eq!(CommuneInsee::parse("2a004").unwrap().as_str(), "2A004");
        assert!(CommuneInsee::parse("2C004").is_err());
        assert_eq!(QpvCode::parse("qn09301m").unwrap().as_str(), "QN09301M");
        assert!(QpvCode::parse("QP093001").is_ok());
        assert!(QpvCode::parse("QX093001").is_err());
        assert!(QpvCode::parse("QN0").is_err());
    }

    #[test]
    fn siret_luhn_and_la_poste() {
        // A valid Luhn SIRET (the INSEE's own establishment).
        assert!(Siret::parse("120 027 016 00019").is_ok());
        assert_eq!(Siret::parse("12002701600018"), Err(SiretError::Checksum));
        assert_eq!(Siret::parse("1200270160001"), Err(SiretError::Format));
        // La Poste: digits sum to a multiple of 5, although Luhn fails.
        assert!(Siret::parse("35600000000010").is_ok());
        assert!(!luhn(
            &"35600000000010"
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect::<Vec<_>>()
        ));
        assert_eq!(Siret::parse("35600000000019"), Err(SiretError::Checksum));
    }

    #[test]
    fn birth_dates_must_be_plausible() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let d = |s| parse_date(s).unwrap();
        assert!(check_birth_date(d("1990-05-01"), today).is_ok());
        assert!(check_birth_date(d("2011-11-02"), today).is_ok(), "15 today");
        assert!(
            check_birth_date(d("2011-11-03"), today).is_err(),
            "15 tomorrow"
        );
        assert!(check_birth_date(d("1926-11-03"), today).is_ok(), "99");
        assert!(check_birth_date(d("1926-11-02"), today).is_err(), "100");
        assert!(
            check_birth_date(d("2030-01-01"), today)
                .unwrap_err()
                .contains("futur")
        );
        assert!(parse_date("02/11/1990").is_err());
    }

    #[test]
    fn names_and_search_keys() {
        assert_eq!(check_name("  Marie   Claire ").unwrap(), "Marie Claire");
        assert!(check_name(" ").is_err());
        assert!(check_name("R2D2").is_err());
        assert_eq!(search_key("Benoît N'Diaye"), "benoit ndiaye");
        assert_eq!(
            search_key("ÉLODIE  Lefèvre-Œuvray"),
            "elodie lefevre oeuvray"
        );
        assert_eq!(search_key("benoit"), search_key("BENOÎT"));
    }
}
