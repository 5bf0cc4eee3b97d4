//! Users of Parcours: their roles and the values that identify them.

use crate::string_enum;
use std::fmt;

string_enum! {
    /// What a user may do. A user belongs to exactly one organisation.
    pub enum Role {
        /// Follows holders of their organisation.
        Adviser => "adviser",
        /// Manages their organisation's users and services.
        OrgAdmin => "org_admin",
        /// Territory-wide: aggregates and pseudonymous rows only.
        Coordinator => "coordinator",
        /// Platform administration: organisations, territories, reference data; no holder data.
        Admin => "admin",
    }
}

/// A syntactically valid e-mail address, trimmed and lower-cased.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("l'adresse e-mail est obligatoire")]
    Empty,
    #[error("l'adresse e-mail est trop longue (254 caractères au plus)")]
    TooLong,
    #[error("l'adresse e-mail n'est pas valide (attendu : nom@domaine.fr)")]
    Invalid,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailError::Empty);
        }
        if value.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = value.rsplit_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
        if local_ok && domain_ok {
            Ok(Self(value))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug shows the domain only: an address is personal data and must not reach logs.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map_or("", |(_, d)| d);
        write!(f, "Email(…@{domain})")
    }
}

/// The name shown for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("le nom est obligatoire")]
    Empty,
    #[error("le nom est trop long (120 caractères au plus)")]
    TooLong,
    #[error("{0}")]
    Character(&'static str),
}

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, DisplayNameError> {
        let value = crate::text::clean(input).map_err(DisplayNameError::Character)?;
        crate::text::refuse_invisible(&value).map_err(DisplayNameError::Character)?;
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            Err(DisplayNameError::Empty)
        } else if value.chars().count() > 120 {
            Err(DisplayNameError::TooLong)
        } else {
            Ok(Self(value))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Rules for a new password. Long passphrases are welcome; the upper bound keeps
/// hashing cost bounded for a hostile request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères")]
    TooShort,
    #[error("le mot de passe doit compter au plus {MAX_PASSWORD_BYTES} octets")]
    TooLong,
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_BYTES: usize = 1024;

pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        Err(PasswordError::TooLong)
    } else if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(PasswordError::TooShort)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let email = Email::parse("  Awa.Diallo@Exemple.FR ").unwrap();
        assert_eq!(email.as_str(), "awa.diallo@exemple.fr");
        assert_eq!(format!("{email:?}"), "Email(…@exemple.fr)");
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "",
            "awa",
            "awa@",
            "@exemple.fr",
            "awa@exemple",
            "awa@@exemple.fr",
            "a wa@exemple.fr",
            "awa@exemple..fr",
            ".awa@exemple.fr",
            "awa@-exemple.fr",
            "awa@exemple.f",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(Email::parse(" ").unwrap_err(), EmailError::Empty);
        let long = format!("{}@exemple.fr", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err(), EmailError::TooLong);
    }

    #[test]
    fn accented_addresses_are_accepted() {
        assert!(Email::parse("benoît@mairie-évry.fr").is_ok());
    }

    #[test]
    fn display_names_are_tidied() {
        assert_eq!(
            DisplayName::parse("  Awa   Diallo ").unwrap().as_str(),
            "Awa Diallo"
        );
        assert_eq!(
            DisplayName::parse("   ").unwrap_err(),
            DisplayNameError::Empty
        );
    }

    #[test]
    fn password_rules() {
        assert_eq!(check_new_password("court"), Err(PasswordError::TooShort));
        assert_eq!(check_new_password("une phrase de passe"), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(1025)),
            Err(PasswordError::TooLong)
        );
        // Length is counted in characters, not bytes.
        assert_eq!(
            check_new_password("ééééééééééé"),
            Err(PasswordError::TooShort)
        );
    }

    #[test]
    fn roles_have_their_api_names() {
        assert_eq!(Role::OrgAdmin.as_str(), "org_admin");
        assert_eq!("coordinator".parse::<Role>(), Ok(Role::Coordinator));
    }
}
