//! Who sees what. Deny by default: a person of another organisation is *not found*,
//! never *forbidden*, so that their existence is not revealed.

use crate::users::Role;

/// What a user may do with one holder's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderAccess {
    /// Read and write the whole file.
    Full,
    /// Answer 404: the user must not learn the person exists.
    Hidden,
}

/// Whether a role may use personal-data endpoints at all. Coordinators see aggregates
/// only and platform admins no holder data: for them these endpoints are 403.
pub fn handles_personal_data(role: Role) -> bool {
    matches!(role, Role::Adviser | Role::OrgAdmin)
}

/// Access of a user of `user_organisation` to a holder followed by `referent_organisation`.
pub fn holder_access(
    role: Role,
    user_organisation: i64,
    referent_organisation: i64,
) -> HolderAccess {
    if handles_personal_data(role) && user_organisation == referent_organisation {
        HolderAccess::Full
    } else {
        HolderAccess::Hidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_referent_organisation_sees_the_file() {
        assert_eq!(holder_access(Role::Adviser, 1, 1), HolderAccess::Full);
        assert_eq!(holder_access(Role::OrgAdmin, 1, 1), HolderAccess::Full);
        assert_eq!(holder_access(Role::Adviser, 2, 1), HolderAccess::Hidden);
        assert_eq!(holder_access(Role::Coordinator, 1, 1), HolderAccess::Hidden);
        assert_eq!(holder_access(Role::Admin, 1, 1), HolderAccess::Hidden);
        assert!(!handles_personal_data(Role::Coordinator));
        assert!(!handles_personal_data(Role::Admin));
    }
}
