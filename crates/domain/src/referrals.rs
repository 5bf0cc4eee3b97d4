//! A referral (orientation) from one partner to another: its lifecycle, who may act at
//! each step, and its deadlines.

use crate::string_enum;
use chrono::{DateTime, Duration, Utc};

string_enum! {
    pub enum ReferralStatus {
        Sent => "sent",
        Accepted => "accepted",
        Declined => "declined",
        Withdrawn => "withdrawn",
        Expired => "expired",
        Completed => "completed",
    }
}

impl ReferralStatus {
    /// The statuses of a referral still running: at most one per person and partner.
    pub const LIVE: [ReferralStatus; 2] = [ReferralStatus::Sent, ReferralStatus::Accepted];

    /// Whether the referral still runs (sent or accepted).
    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }

    /// Whether reaching this status answers the referral (accepted or declined).
    pub fn is_answer(self) -> bool {
        matches!(self, Self::Accepted | Self::Declined)
    }
}

string_enum! {
    /// One side of an organisation's referrals: those it received, those it sent.
    pub enum ReferralBox {
        Inbox => "inbox",
        Outbox => "outbox",
    }
}

string_enum! {
    /// A step in a referral's history.
    pub enum ReferralStep {
        Send => "send",
        Accept => "accept",
        Decline => "decline",
        Complete => "complete",
        Withdraw => "withdraw",
        Expire => "expire",
        Remind => "remind",
    }
}

string_enum! {
    pub enum DeclineReason {
        HorsPerimetre => "hors_perimetre",
        PublicNonEligible => "public_non_eligible",
        Injoignable => "injoignable",
        Capacite => "capacite",
        Autre => "autre",
    }
}

string_enum! {
    pub enum ReferralOutcome {
        Accompagne => "accompagne",
        Finance => "finance",
        EntrepriseCreee => "entreprise_creee",
        Reoriente => "reoriente",
        SansSuite => "sans_suite",
    }
}

/// Which side of the referral someone is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
    /// The scheduler (expiry).
    System,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferralAction {
    Accept,
    Decline {
        reason: DeclineReason,
        text: Option<String>,
    },
    Complete {
        outcome: ReferralOutcome,
    },
    Withdraw,
    /// The holder withdrew their consent to share with partners: every live referral
    /// ends at once, whoever acts.
    ConsentWithdrawn,
    /// The person's data was erased at their request: every live referral ends at
    /// once.
    Erased,
    Expire,
}

/// The reason recorded when a referral ends because consent was withdrawn.
pub const CONSENT_WITHDRAWN: &str = "consentement retiré";

/// The reason recorded when a referral ends because the person's data was erased.
pub const ERASED: &str = "données effacées à la demande de la personne";

impl ReferralAction {
    /// The step it records in the history.
    pub fn step(&self) -> ReferralStep {
        match self {
            Self::Accept => ReferralStep::Accept,
            Self::Decline { .. } => ReferralStep::Decline,
            Self::Complete { .. } => ReferralStep::Complete,
            Self::Withdraw | Self::ConsentWithdrawn | Self::Erased => ReferralStep::Withdraw,
            Self::Expire => ReferralStep::Expire,
        }
    }

    pub fn name(&self) -> &'static str {
        self.step().as_str()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    #[error("seule la structure destinataire peut accepter, décliner ou clôturer une orientation")]
    ReceiverOnly,
    #[error("seule la structure qui a orienté peut retirer l'orientation")]
    SenderOnly,
    #[error("impossible depuis l'état « {from} » : {action} n'est possible que {allowed}")]
    Illegal {
        from: ReferralStatus,
        action: &'static str,
        allowed: &'static str,
    },
    #[error("le motif « autre » demande une précision")]
    OtherNeedsText,
}

/// The status after `action` by `side`, or why not.
pub fn transition(
    status: ReferralStatus,
    side: Side,
    action: &ReferralAction,
) -> Result<ReferralStatus, ReferralError> {
    use ReferralStatus::*;
    let receiver_only = |next| {
        if side == Side::Receiver {
            Ok(next)
        } else {
            Err(ReferralError::ReceiverOnly)
        }
    };
    match action {
        ReferralAction::Accept | ReferralAction::Decline { .. } => {
            if let ReferralAction::Decline {
                reason: DeclineReason::Autre,
                text,
            } = action
                && text.as_deref().is_none_or(|t| t.trim().is_empty())
            {
                return Err(ReferralError::OtherNeedsText);
            }
            let next = if matches!(action, ReferralAction::Accept) {
                Accepted
            } else {
                Declined
            };
            match status {
                Sent => receiver_only(next),
                _ => Err(ReferralError::Illegal {
                    from: status,
                    action: action.name(),
                    allowed: "tant que l'orientation est envoyée (sent)",
                }),
            }
        }
        ReferralAction::Complete { .. } => match status {
            Accepted => receiver_only(Completed),
            _ => Err(ReferralError::Illegal {
                from: status,
                action: "complete",
                allowed: "après acceptation (accepted)",
            }),
        },
        ReferralAction::Withdraw => match status {
            Sent | Accepted if side == Side::Sender => Ok(Withdrawn),
            Sent | Accepted => Err(ReferralError::SenderOnly),
            _ => Err(ReferralError::Illegal {
                from: status,
                action: "withdraw",
                allowed: "avant la fin (sent ou accepted)",
            }),
        },
        ReferralAction::ConsentWithdrawn | ReferralAction::Erased => match status {
            Sent | Accepted => Ok(Withdrawn),
            _ => Err(ReferralError::Illegal {
                from: status,
                action: "withdraw",
                allowed: "avant la fin (sent ou accepted)",
            }),
        },
        ReferralAction::Expire => match status {
            Sent if side == Side::System => Ok(Expired),
            _ => Err(ReferralError::Illegal {
                from: status,
                action: "expire",
                allowed: "pour une orientation restée sans réponse",
            }),
        },
    }
}

/// What one side sees of a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// The sender: everything it wrote and every answer.
    Whole,
    /// The receiver while the referral is in force (pending or accepted, consent to
    /// share in force): the need, the message and the shared summary of the person.
    Shared,
    /// The receiver once it is over, or without consent: its dates, status and
    /// organisations only.
    Outline,
}

/// What `side` sees of a referral whose effective status (see
/// [`Deadlines::effective_status`]) is `status`.
pub fn disclosure(side: Side, status: ReferralStatus, sharing_consent: bool) -> Disclosure {
    match side {
        Side::Sender => Disclosure::Whole,
        _ if sharing_consent
            && matches!(status, ReferralStatus::Sent | ReferralStatus::Accepted) =>
        {
            Disclosure::Shared
        }
        _ => Disclosure::Outline,
    }
}

/// When unanswered referrals are reminded and expire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    pub remind_after: Duration,
    pub expire_after: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            remind_after: Duration::days(7),
            expire_after: Duration::days(30),
        }
    }
}

impl Deadlines {
    /// A sent referral is reminded every `remind_after` without an answer, until it expires.
    pub fn reminder_due(
        &self,
        status: ReferralStatus,
        sent_at: DateTime<Utc>,
        last_reminded_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        status == ReferralStatus::Sent
            && !self.is_expired(status, sent_at, now)
            && now >= last_reminded_at.unwrap_or(sent_at) + self.remind_after
    }

    /// The status as it stands at `now`: a sent referral past its expiry delay is
    /// expired, whether or not the scheduler has recorded it yet.
    pub fn effective_status(
        &self,
        status: ReferralStatus,
        sent_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> ReferralStatus {
        if self.is_expired(status, sent_at, now) {
            ReferralStatus::Expired
        } else {
            status
        }
    }

    pub fn is_expired(
        &self,
        status: ReferralStatus,
        sent_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        status == ReferralStatus::Sent && now >= self.answer_by(sent_at)
    }

    /// When a referral sent at `sent_at` expires unless it is answered.
    pub fn answer_by(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        sent_at + self.expire_after
    }

    /// Past the first reminder without an answer: on the coordinator's queue.
    pub fn is_overdue(
        &self,
        status: ReferralStatus,
        sent_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        status == ReferralStatus::Sent && now >= sent_at + self.remind_after
    }
}

#[cfg(test)]
mod tests {
    use super::ReferralAction::*;
    use super::ReferralStatus::*;
    use super::Side::*;
    use super::*;
    use chrono::TimeZone;

    fn decline() -> ReferralAction {
        Decline {
            reason: DeclineReason::Capacite,
            text: None,
        }
    }

    fn complete() -> ReferralAction {
        Complete {
            outcome: ReferralOutcome::Finance,
        }
    }

    /// Every (status, side, action) and its result.
    #[test]
    fn the_whole_table() {
        let cases: Vec<(
            ReferralStatus,
            Side,
            ReferralAction,
            Result<ReferralStatus, &str>,
        )> = vec![
            (Sent, Receiver, Accept, Ok(Accepted)),
            (Sent, Sender, Accept, Err("receiver")),
            (Sent, Receiver, decline(), Ok(Declined)),
            (Sent, Sender, decline(), Err("receiver")),
            (Sent, Sender, Withdraw, Ok(Withdrawn)),
            (Sent, Receiver, Withdraw, Err("sender")),
            (Sent, Receiver, complete(), Err("illegal")),
            (Sent, System, Expire, Ok(Expired)),
            (Sent, Sender, Expire, Err("illegal")),
            (Accepted, Receiver, complete(), Ok(Completed)),
            (Accepted, Sender, complete(), Err("receiver")),
            (Accepted, Sender, Withdraw, Ok(Withdrawn)),
            (Accepted, Receiver, Accept, Err("illegal")),
            (Accepted, Receiver, decline(), Err("illegal")),
            (Accepted, System, Expire, Err("illegal")),
        ];
        let mut all = cases;
        for done in [Declined, Withdrawn, Expired, Completed] {
            for (side, action) in [
                (Receiver, Accept),
                (Receiver, decline()),
                (Receiver, complete()),
                (Sender, Withdraw),
                (System, Expire),
            ] {
                all.push((done, side, action, Err("illegal")));
            }
        }
        for (status, side, action, expected) in all {
            let got = transition(status, side, &action);
            match (got, expected) {
                (Ok(next), Ok(want)) => assert_eq!(next, want, "{status} {side:?} {action:?}"),
                (Err(ReferralError::ReceiverOnly), Err("receiver")) => {}
                (Err(ReferralError::SenderOnly), Err("sender")) => {}
                (Err(ReferralError::Illegal { .. }), Err("illegal")) => {}
                (got, want) => panic!("{status} {side:?} {action:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn declining_for_another_reason_needs_a_text() {
        let other = Decline {
            reason: DeclineReason::Autre,
            text: Some("  ".into()),
        };
        assert_eq!(
            transition(Sent, Receiver, &other),
            Err(ReferralError::OtherNeedsText)
        );
        let other = Decline {
            reason: DeclineReason::Autre,
            text: Some("déménagement".into()),
        };
        assert_eq!(transition(Sent, Receiver, &other), Ok(Declined));
    }

    #[test]
    fn what_each_side_sees() {
        for status in ReferralStatus::ALL {
            assert_eq!(disclosure(Sender, *status, false), Disclosure::Whole);
        }
        assert_eq!(disclosure(Receiver, Sent, true), Disclosure::Shared);
        assert_eq!(disclosure(Receiver, Accepted, true), Disclosure::Shared);
        assert_eq!(disclosure(Receiver, Accepted, false), Disclosure::Outline);
        for done in [Declined, Withdrawn, Expired, Completed] {
            assert_eq!(disclosure(Receiver, done, true), Disclosure::Outline);
        }
    }

    #[test]
    fn consent_withdrawn_ends_any_live_referral() {
        for (status, side) in [(Sent, System), (Accepted, Sender), (Accepted, Receiver)] {
            assert_eq!(transition(status, side, &ConsentWithdrawn), Ok(Withdrawn));
        }
        for done in [Declined, Withdrawn, Expired, Completed] {
            assert!(transition(done, System, &ConsentWithdrawn).is_err());
        }
        assert_eq!(ConsentWithdrawn.step(), ReferralStep::Withdraw);
    }

    #[test]
    fn expiry_is_a_fact_of_time() {
        let deadlines = Deadlines::default();
        let sent = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let at = |days| sent + Duration::days(days);
        assert_eq!(deadlines.effective_status(Sent, sent, at(29)), Sent);
        assert_eq!(deadlines.effective_status(Sent, sent, at(30)), Expired);
        assert_eq!(deadlines.effective_status(Accepted, sent, at(90)), Accepted);
        assert_eq!(deadlines.effective_status(Declined, sent, at(90)), Declined);
    }

    #[test]
    fn reminders_then_expiry() {
        let deadlines = Deadlines::default();
        let sent = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let day = |n| sent + Duration::days(n);
        assert!(!deadlines.reminder_due(Sent, sent, None, day(6)));
        assert!(deadlines.reminder_due(Sent, sent, None, day(7)));
        assert!(deadlines.is_overdue(Sent, sent, day(7)));
        assert!(!deadlines.reminder_due(Sent, sent, Some(day(7)), day(13)));
        assert!(deadlines.reminder_due(Sent, sent, Some(day(7)), day(14)));
        assert!(!deadlines.reminder_due(Accepted, sent, None, day(14)));
        assert!(!deadlines.is_expired(Sent, sent, day(29)));
        assert!(deadlines.is_expired(Sent, sent, day(30)));
        assert!(
            !deadlines.reminder_due(Sent, sent, Some(day(28)), day(35)),
            "expired: no more reminders"
        );
    }
}
