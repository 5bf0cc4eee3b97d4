//! Who sees what: one policy, decided here and nowhere else.
//!
//! Deny by default. A person of another organisation is *not found*, never *forbidden*,
//! so that their existence is not revealed. The référent organisation has the whole
//! file; a partner with an accepted referral in force reads it and records its own
//! contacts (and, for a host, its hosting agreements); a partner with a pending referral
//! in force sees only what the referral shares; coordinators and platform admins see
//! aggregates only.
//!
//! What the policy grants comes as proofs ([`Read`], [`Record`], [`Change`]) that only
//! this module makes. The functions that change a file, record on it, or read its
//! history ask for them, so a new entry point (a web page, an import, a job) cannot
//! reach a file without asking here.

use crate::referrals::{Deadlines, ReferralStatus};
use crate::users::Role;
use chrono::{DateTime, Utc};

/// The signed-in user, as the policy sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub role: Role,
    pub organisation_id: i64,
    pub territory_id: i64,
}

/// Whether a role may use personal-data endpoints at all. Coordinators see aggregates
/// only and platform admins no holder data: for them these endpoints are 403.
pub fn handles_personal_data(role: Role) -> bool {
    matches!(role, Role::Adviser | Role::OrgAdmin)
}

/// The newest live referral (sent or accepted) of the holder to the viewer's
/// organisation, as stored: the policy itself decides whether it is still in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferralFacts {
    pub status: ReferralStatus,
    pub sent_at: DateTime<Utc>,
}

/// What the policy needs to know of one holder's file, from the viewer's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileFacts {
    pub holder_id: i64,
    pub referent_organisation_id: i64,
    /// The live referral to the viewer's organisation, if any.
    pub referral: Option<ReferralFacts>,
    /// Whether the holder's `partage_partenaires` consent is in force.
    pub sharing_consent: bool,
}

/// Proof that the policy let the viewer read the whole file of one holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    holder_id: i64,
}

/// Proof that the policy let the viewer record its own activity on one holder: contacts,
/// and for a host, hosting agreements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    holder_id: i64,
}

/// Proof that the policy let the viewer change one holder's file: identity, pathway,
/// projects, consents, referrals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    holder_id: i64,
}

macro_rules! proof_holder {
    ($($proof:ident),+) => {$(
        impl $proof {
            /// The holder this proof is for, and only this one.
            pub fn holder_id(&self) -> i64 {
                self.holder_id
            }
        }
    )+};
}
proof_holder!(Read, Record, Change);

/// What one user may do with one holder's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HolderAccess {
    /// A role that handles no personal data (coordinator, platform admin): 403.
    RoleForbidden,
    /// Nothing: answer 404, the user must not learn the person exists.
    Hidden,
    /// A pending referral in force: what the referral shares (name, how to reach them,
    /// project summary, need), to answer it. The file itself stays hidden.
    Summary,
    /// An accepted referral in force: the file to read, and the partner's own records.
    Partner(Read, Record),
    /// The référent organisation: the whole file, to read and change.
    Referent(Read, Record, Change),
}

impl HolderAccess {
    pub fn read(&self) -> Option<Read> {
        match self {
            Self::Partner(read, _) | Self::Referent(read, _, _) => Some(read.clone()),
            _ => None,
        }
    }

    pub fn record(&self) -> Option<Record> {
        match self {
            Self::Partner(_, record) | Self::Referent(_, record, _) => Some(record.clone()),
            _ => None,
        }
    }

    pub fn change(&self) -> Option<Change> {
        match self {
            Self::Referent(_, _, change) => Some(change.clone()),
            _ => None,
        }
    }
}

/// The one answer for a user and a holder's file. `now` and `deadlines` decide whether a
/// pending referral has expired, whatever the scheduler did.
pub fn holder_access(
    viewer: &Viewer,
    file: &FileFacts,
    deadlines: &Deadlines,
    now: DateTime<Utc>,
) -> HolderAccess {
    let id = file.holder_id;
    if !handles_personal_data(viewer.role) {
        return HolderAccess::RoleForbidden;
    }
    if viewer.organisation_id == file.referent_organisation_id {
        return HolderAccess::Referent(
            Read { holder_id: id },
            Record { holder_id: id },
            Change { holder_id: id },
        );
    }
    let Some(referral) = file.referral else {
        return HolderAccess::Hidden;
    };
    if !file.sharing_consent {
        return HolderAccess::Hidden;
    }
    match deadlines.effective_status(referral.status, referral.sent_at, now) {
        ReferralStatus::Sent => HolderAccess::Summary,
        ReferralStatus::Accepted => {
            HolderAccess::Partner(Read { holder_id: id }, Record { holder_id: id })
        }
        _ => HolderAccess::Hidden,
    }
}

/// Grants for a holder being registered now by the viewer's organisation, which becomes
/// its référent: the only way to reach a file that does not exist yet.
pub fn registration(viewer: &Viewer, holder_id: i64) -> Option<(Read, Record, Change)> {
    handles_personal_data(viewer.role).then_some((
        Read { holder_id },
        Record { holder_id },
        Change { holder_id },
    ))
}

/// What a user may see of a hosting place's units and occupancy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceAccess {
    /// A user of the host organisation: units, occupancy, agreements.
    Host,
    /// The coordinator of the host's territory: units and occupancy, no person.
    Coordinator,
    /// Someone of the territory, who may know the place exists: 403.
    Forbidden,
    /// Someone of another territory: 404.
    Hidden,
}

/// Access to the units and occupancy of a space of `host_organisation_id`, in
/// `host_territory_id`.
pub fn space_access(
    viewer: &Viewer,
    host_organisation_id: i64,
    host_territory_id: i64,
) -> SpaceAccess {
    let same_territory = viewer.territory_id == host_territory_id;
    match viewer.role {
        Role::Adviser | Role::OrgAdmin if viewer.organisation_id == host_organisation_id => {
            SpaceAccess::Host
        }
        Role::Coordinator if same_territory => SpaceAccess::Coordinator,
        _ if same_territory || viewer.role == Role::Admin => SpaceAccess::Forbidden,
        _ => SpaceAccess::Hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Relation {
        Referent,
        Receiver,
        Other,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    enum Expected {
        RoleForbidden,
        Hidden,
        Summary,
        Partner,
        Referent,
    }

    fn kind(access: &HolderAccess) -> Expected {
        match access {
            HolderAccess::RoleForbidden => Expected::RoleForbidden,
            HolderAccess::Hidden => Expected::Hidden,
            HolderAccess::Summary => Expected::Summary,
            HolderAccess::Partner(..) => Expected::Partner,
            HolderAccess::Referent(..) => Expected::Referent,
        }
    }

    /// Every role × relation × referral status (or none) × consent × expiry, against the
    /// rules as DESIGN.md states them, one by one.
    #[test]
    fn the_complete_table() {
        let deadlines = Deadlines::default();
        let statuses: Vec<Option<ReferralStatus>> = std::iter::once(None)
            .chain(ReferralStatus::ALL.iter().copied().map(Some))
            .collect();
        let mut rows = 0;
        let mut seen = std::collections::HashMap::new();
        for role in Role::ALL {
            for relation in [Relation::Referent, Relation::Receiver, Relation::Other] {
                for status in &statuses {
                    for consent in [true, false] {
                        for past_expiry in [false, true] {
                            let viewer = Viewer {
                                role: *role,
                                organisation_id: 10,
                                territory_id: 1,
                            };
                            let referent = if relation == Relation::Referent {
                                10
                            } else {
                                20
                            };
                            // Only a referral to the viewer's organisation reaches the
                            // policy; another organisation's referral is none of its.
                            let referral = match relation {
                                Relation::Other => None,
                                _ => status.map(|status| ReferralFacts {
                                    status,
                                    sent_at: t0(),
                                }),
                            };
                            let now = if past_expiry {
                                t0() + deadlines.expire_after
                            } else {
                                t0() + deadlines.expire_after - Duration::seconds(1)
                            };
                            let file = FileFacts {
                                holder_id: 7,
                                referent_organisation_id: referent,
                                referral,
                                sharing_consent: consent,
                            };
                            let expected = if !matches!(role, Role::Adviser | Role::OrgAdmin) {
                                Expected::RoleForbidden
                            } else if relation == Relation::Referent {
                                Expected::Referent
                            } else if relation == Relation::Other || !consent {
                                Expected::Hidden
                            } else {
                                match status {
                                    Some(ReferralStatus::Sent) if !past_expiry => Expected::Summary,
                                    Some(ReferralStatus::Accepted) => Expected::Partner,
                                    _ => Expected::Hidden,
                                }
                            };
                            let got = holder_access(&viewer, &file, &deadlines, now);
                            assert_eq!(
                                kind(&got),
                                expected,
                                "{role} {relation:?} {status:?} consent={consent} expired={past_expiry}"
                            );
                            *seen.entry(expected).or_insert(0) += 1;
                            rows += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(rows, 4 * 3 * 7 * 2 * 2);
        // Every answer occurs, so the table cannot pass by always giving one.
        assert_eq!(seen.len(), 5, "{seen:?}");
    }

    #[test]
    fn proofs_are_for_one_holder_and_follow_the_grant() {
        let deadlines = Deadlines::default();
        let viewer = Viewer {
            role: Role::Adviser,
            organisation_id: 2,
            territory_id: 1,
        };
        let partner = holder_access(
            &viewer,
            &FileFacts {
                holder_id: 41,
                referent_organisation_id: 1,
                referral: Some(ReferralFacts {
                    status: ReferralStatus::Accepted,
                    sent_at: t0(),
                }),
                sharing_consent: true,
            },
            &deadlines,
            t0() + Duration::days(90),
        );
        assert_eq!(partner.read().map(|r| r.holder_id()), Some(41));
        assert_eq!(partner.record().map(|r| r.holder_id()), Some(41));
        assert_eq!(partner.change(), None, "a partner changes nothing");
        let (_, _, change) = registration(&viewer, 42).unwrap();
        assert_eq!(change.holder_id(), 42);
        let coordinator = Viewer {
            role: Role::Coordinator,
            ..viewer
        };
        assert!(registration(&coordinator, 42).is_none());
    }

    #[test]
    fn spaces_are_for_their_host_and_the_territorys_coordinator() {
        use SpaceAccess::*;
        let viewer = |role, organisation_id, territory_id| Viewer {
            role,
            organisation_id,
            territory_id,
        };
        // (role, organisation, territory) of the viewer; the host is organisation 5 of
        // territory 1.
        let cases = [
            (Role::Adviser, 5, 1, Host),
            (Role::OrgAdmin, 5, 1, Host),
            (Role::Coordinator, 9, 1, Coordinator),
            (Role::Coordinator, 5, 1, Coordinator),
            (Role::Adviser, 6, 1, Forbidden),
            (Role::OrgAdmin, 6, 1, Forbidden),
            (Role::Admin, 5, 1, Forbidden),
            (Role::Admin, 9, 2, Forbidden),
            (Role::Adviser, 6, 2, Hidden),
            (Role::Coordinator, 9, 2, Hidden),
        ];
        for (role, org, territory, expected) in cases {
            assert_eq!(
                space_access(&viewer(role, org, territory), 5, 1),
                expected,
                "{role} of {org} in {territory}"
            );
        }
    }
}
