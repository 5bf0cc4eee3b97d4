//! Collective awareness actions (sensibilisation) and who they reached.

use crate::string_enum;

string_enum! {
    pub enum EventKind {
        Bus => "bus",
        CafeCreateurs => "cafe_createurs",
        Atelier => "atelier",
        Forum => "forum",
        Temoignages => "temoignages",
        MiniEntreprise => "mini_entreprise",
        Autre => "autre",
    }
}

/// People reached without their names: a total, and how many of them fall in each
/// category funders ask about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Headcount {
    pub total: i32,
    pub women: i32,
    pub under_26: i32,
    pub qpv_residents: i32,
}

impl Headcount {
    /// Every count is between 0 and the total; the errors name the field.
    pub fn check(&self) -> Result<(), Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        if !(0..=100_000).contains(&self.total) {
            errors.push(("headcount.total", "entre 0 et 100 000".to_owned()));
        }
        for (field, value) in [
            ("headcount.women", self.women),
            ("headcount.under_26", self.under_26),
            ("headcount.qpv_residents", self.qpv_residents),
        ] {
            if value < 0 || value > self.total {
                errors.push((field, format!("entre 0 et le total ({})", self.total)));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_cannot_exceed_the_total() {
        assert!(
            Headcount {
                total: 30,
                women: 18,
                under_26: 12,
                qpv_residents: 25
            }
            .check()
            .is_ok()
        );
        let errors = Headcount {
            total: 10,
            women: 11,
            under_26: -1,
            qpv_residents: 10,
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["headcount.women", "headcount.under_26"]);
    }
}
