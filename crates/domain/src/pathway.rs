//! The pathway: four stages, a history of moves, closing with an outcome, reopening.

use crate::string_enum;

string_enum! {
    /// The stages, in their natural order.
    pub enum Stage {
        Sensibilisation => "sensibilisation",
        Information => "information",
        Accompagnement => "accompagnement",
        Hebergement => "hebergement",
    }
}

string_enum! {
    /// How a pathway ends (for now: it can be reopened).
    pub enum Outcome {
        EntrepriseCreee => "entreprise_creee",
        EmploiOuFormation => "emploi_ou_formation",
        Abandon => "abandon",
        SansNouvelles => "sans_nouvelles",
    }
}

impl Outcome {
    /// The person stopped without an outcome of the pathway (abandon, lost contact):
    /// where the pathway leaks.
    pub fn is_dropout(self) -> bool {
        matches!(self, Self::Abandon | Self::SansNouvelles)
    }
}

string_enum! {
    /// What a pathway event records.
    pub enum PathwayEventKind { Entry => "entree", Move => "changement", Close => "cloture", Reopen => "reouverture" }
}

/// Where a holder stands: a current stage, and an outcome once closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pathway {
    pub stage: Stage,
    pub outcome: Option<Outcome>,
}

/// A change to record in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathwayEvent {
    pub kind: PathwayEventKind,
    pub from: Option<Stage>,
    pub to: Stage,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathwayError {
    #[error("le parcours est clôturé : rouvrez-le avant de changer d'étape")]
    Closed,
    #[error("la personne est déjà à l'étape « {0} »")]
    SameStage(Stage),
    #[error("revenir de « {from} » à « {to} » demande un motif")]
    BackwardWithoutReason { from: Stage, to: Stage },
    #[error("le parcours est déjà clôturé")]
    AlreadyClosed,
    #[error("le parcours n'est pas clôturé")]
    NotClosed,
    #[error("la réouverture demande un motif")]
    ReopenWithoutReason,
}

fn clean(reason: Option<&str>) -> Option<String> {
    reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

impl Pathway {
    /// The first event of a new pathway.
    pub fn start(stage: Stage) -> (Self, PathwayEvent) {
        (
            Self {
                stage,
                outcome: None,
            },
            PathwayEvent {
                kind: PathwayEventKind::Entry,
                from: None,
                to: stage,
                outcome: None,
                reason: None,
            },
        )
    }

    /// Moving forward is normal; moving back needs a reason.
    pub fn move_to(
        self,
        to: Stage,
        reason: Option<&str>,
    ) -> Result<(Self, PathwayEvent), PathwayError> {
        if self.outcome.is_some() {
            return Err(PathwayError::Closed);
        }
        if to == self.stage {
            return Err(PathwayError::SameStage(to));
        }
        let reason = clean(reason);
        if to < self.stage && reason.is_none() {
            return Err(PathwayError::BackwardWithoutReason {
                from: self.stage,
                to,
            });
        }
        Ok((
            Self {
                stage: to,
                outcome: None,
            },
            PathwayEvent {
                kind: PathwayEventKind::Move,
                from: Some(self.stage),
                to,
                outcome: None,
                reason,
            },
        ))
    }

    pub fn close(
        self,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(Self, PathwayEvent), PathwayError> {
        if self.outcome.is_some() {
            return Err(PathwayError::AlreadyClosed);
        }
        Ok((
            Self {
                stage: self.stage,
                outcome: Some(outcome),
            },
            PathwayEvent {
                kind: PathwayEventKind::Close,
                from: Some(self.stage),
                to: self.stage,
                outcome: Some(outcome),
                reason: clean(reason),
            },
        ))
    }

    /// The move a hosting agreement brings: an open pathway not yet in hébergement goes
    /// there; otherwise nothing changes.
    pub fn move_in_for_hosting(self) -> Option<(Self, PathwayEvent)> {
        if self.stage < Stage::Hebergement {
            self.move_to(Stage::Hebergement, None).ok()
        } else {
            None
        }
    }

    /// Reopens a closed pathway at the stage it was closed in.
    pub fn reopen(self, reason: Option<&str>) -> Result<(Self, PathwayEvent), PathwayError> {
        if self.outcome.is_none() {
            return Err(PathwayError::NotClosed);
        }
        let reason = clean(reason).ok_or(PathwayError::ReopenWithoutReason)?;
        Ok((
            Self {
                stage: self.stage,
                outcome: None,
            },
            PathwayEvent {
                kind: PathwayEventKind::Reopen,
                from: Some(self.stage),
                to: self.stage,
                outcome: None,
                reason: Some(reason),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn forward_moves_need_no_reason() {
        let (p, first) = Pathway::start(Sensibilisation);
        assert_eq!(first.kind, PathwayEventKind::Entry);
        let (p, e) = p.move_to(Accompagnement, None).unwrap();
        assert_eq!((e.from, e.to), (Some(Sensibilisation), Accompagnement));
        let (p, _) = p.move_to(Hebergement, Some("  ")).unwrap();
        assert_eq!(p.stage, Hebergement);
    }

    #[test]
    fn backward_moves_need_a_reason() {
        let (p, _) = Pathway::start(Accompagnement);
        assert_eq!(
            p.move_to(Information, Some(" ")).unwrap_err(),
            PathwayError::BackwardWithoutReason {
                from: Accompagnement,
                to: Information
            }
        );
        let (p, e) = p.move_to(Information, Some("réorientation")).unwrap();
        assert_eq!(e.reason.as_deref(), Some("réorientation"));
        assert_eq!(
            p.move_to(Information, None).unwrap_err(),
            PathwayError::SameStage(Information)
        );
    }

    #[test]
    fn closing_and_reopening() {
        let (p, _) = Pathway::start(Accompagnement);
        let (closed, e) = p.close(Outcome::EntrepriseCreee, None).unwrap();
        assert_eq!(e.outcome, Some(Outcome::EntrepriseCreee));
        assert_eq!(
            closed.move_to(Hebergement, None).unwrap_err(),
            PathwayError::Closed
        );
        assert_eq!(
            closed.close(Outcome::Abandon, None).unwrap_err(),
            PathwayError::AlreadyClosed
        );
        assert_eq!(
            closed.reopen(None).unwrap_err(),
            PathwayError::ReopenWithoutReason
        );
        let (open, e) = closed.reopen(Some("suivi post-création")).unwrap();
        assert_eq!(
            (open.stage, open.outcome, e.kind),
            (Accompagnement, None, PathwayEventKind::Reopen)
        );
        assert_eq!(open.reopen(Some("x")).unwrap_err(), PathwayError::NotClosed);
    }

    #[test]
    fn hosting_moves_an_open_pathway_into_hebergement() {
        let (open, _) = Pathway::start(Information);
        let (moved, event) = open.move_in_for_hosting().unwrap();
        assert_eq!((moved.stage, event.from), (Hebergement, Some(Information)));
        assert_eq!(moved.move_in_for_hosting(), None, "already there");
        let (closed, _) = open.close(Outcome::Abandon, None).unwrap();
        assert_eq!(closed.move_in_for_hosting(), None, "closed: unchanged");
        assert!(Outcome::SansNouvelles.is_dropout() && !Outcome::EntrepriseCreee.is_dropout());
    }

    #[test]
    fn stages_are_ordered() {
        assert!(
            Sensibilisation < Information
                && Information < Accompagnement
                && Accompagnement < Hebergement
        );
    }
}
