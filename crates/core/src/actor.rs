//! Who acts: the signed-in user, as a session makes them.

use parcours_domain::access::{Viewer, handles_personal_data};
use parcours_domain::users::Role;
use parcours_persistence::audit;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub organisation_id: i64,
    pub territory_id: i64,
    pub role: Role,
    /// The request this act belongs to, for the audit trail.
    pub request_id: Option<String>,
}

impl Actor {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            role: self.role,
            organisation_id: self.organisation_id,
            territory_id: self.territory_id,
        }
    }

    pub(crate) fn audit(&self) -> audit::Actor {
        audit::Actor {
            user_id: self.user_id,
            organisation_id: self.organisation_id,
            request_id: self.request_id.clone(),
        }
    }

    /// Coordinators and platform admins never reach personal data.
    pub(crate) fn require_personal_data(&self) -> crate::Result<()> {
        if handles_personal_data(self.role) {
            Ok(())
        } else {
            Err(crate::Error::Forbidden(crate::Refusal::Role))
        }
    }

    /// Only the organisation's admins.
    pub(crate) fn require_org_admin(&self) -> crate::Result<()> {
        if self.role == Role::OrgAdmin {
            Ok(())
        } else {
            Err(crate::Error::Forbidden(crate::Refusal::Role))
        }
    }
}
