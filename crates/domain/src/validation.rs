//! Field-level validation errors, collected so that a form reports every bad field at once.

use serde::Serialize;

/// One invalid field, with a French message meant for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every invalid field of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} champ(s) invalide(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Runs a parser and records its error under `field`; returns the value when valid.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, the collected errors otherwise.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_field() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            errors.check::<u8, _>("a", "x".parse::<u8>().map_err(|_| "nombre attendu")),
            None
        );
        assert_eq!(errors.check::<u8, &str>("b", Ok(3)), Some(3));
        errors.add("c", "obligatoire");
        let errors = errors.into_result().unwrap_err();
        assert_eq!(
            errors
                .0
                .iter()
                .map(|e| e.field.as_str())
                .collect::<Vec<_>>(),
            ["a", "c"]
        );
    }
}
