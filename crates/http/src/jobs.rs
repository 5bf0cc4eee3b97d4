//! Work done outside requests: delivering the outbox, and the referral deadlines
//! (reminders, expiry). Each takes its time from the state's clock, so tests run them at
//! any instant without waiting.

use crate::api::referrals::{enqueue_change, enqueue_reminder};
use crate::state::AppState;
use chrono::Duration;
use parcours_domain::referrals::{ReferralAction, ReferralStatus, Side, transition};
use parcours_mail::OutgoingMail;
use parcours_persistence::{commit, outbox, referrals};

/// Attempts before a message is given up (about a day of retries).
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a claimed message is reserved for the worker sending it.
const LEASE: Duration = Duration::minutes(2);

/// Exponential backoff: 30 s, 1 min, 2 min… capped at 4 h.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::seconds(30 * 2i64.pow(exponent)).min(Duration::hours(4))
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    pub retried: u64,
    pub given_up: u64,
}

/// Sends every message due now, a batch at a time, until none is left.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<Delivery> {
    let mut report = Delivery::default();
    loop {
        let now = state.clock.now();
        let txn = state.db.begin_write().await?;
        let batch = outbox::claim(&txn, now, LEASE, 20).await?;
        commit(txn).await?;
        if batch.is_empty() {
            return Ok(report);
        }
        for message in batch {
            let mail = OutgoingMail {
                to: message.recipient.clone(),
                subject: message.subject.clone(),
                text: message.text_body.clone(),
                html: message.html_body.clone(),
                message_id: message.message_id.clone(),
            };
            let result = state.mailer.send(&mail).await;
            let now = state.clock.now();
            match result {
                Ok(()) => {
                    outbox::mark_sent(state.db.conn(), message.id, now).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    let attempts = message.attempts + 1;
                    let retry_at = (attempts < MAX_ATTEMPTS).then(|| now + retry_delay(attempts));
                    tracing::warn!(outbox_id = message.id, attempts, error = %error, "mail not delivered");
                    outbox::mark_failed(
                        state.db.conn(),
                        message.id,
                        &error.to_string(),
                        retry_at,
                        now,
                    )
                    .await?;
                    if retry_at.is_some() {
                        report.retried += 1;
                    } else {
                        report.given_up += 1;
                    }
                    // SMTP is likely down: leave the rest of the batch to its lease.
                    return Ok(report);
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deadlines {
    pub reminded: u64,
    pub expired: u64,
}

/// Reminds and expires unanswered referrals, each change with its e-mail in one
/// transaction.
pub async fn referral_deadlines(state: &AppState) -> anyhow::Result<Deadlines> {
    let now = state.clock.now();
    let deadlines = state.settings.referral_deadlines;
    let mut report = Deadlines::default();
    let mut after = None;
    loop {
        let candidates = referrals::unanswered_since(
            state.db.conn(),
            now - deadlines.remind_after,
            None,
            after,
            200,
        )
        .await?;
        let Some(last) = candidates.last() else {
            return Ok(report);
        };
        after = Some((last.sent_at, last.id));
        for referral in &candidates {
            let txn = state.db.begin_write().await?;
            if deadlines.is_expired(ReferralStatus::Sent, referral.sent_at, now) {
                let to = transition(ReferralStatus::Sent, Side::System, &ReferralAction::Expire)?;
                let change = referrals::Change {
                    action: "expire".into(),
                    to_status: to.as_str().into(),
                    closes: true,
                    ..Default::default()
                };
                if let Some(updated) = referrals::apply(&txn, referral, change, now).await? {
                    enqueue_change(
                        &txn,
                        state,
                        &updated,
                        "expire",
                        "expirée sans réponse",
                        None,
                        now,
                    )
                    .await?;
                    report.expired += 1;
                }
            } else if deadlines.reminder_due(
                ReferralStatus::Sent,
                referral.sent_at,
                referral.last_reminded_at,
                now,
            ) && referrals::mark_reminded(&txn, referral, now).await?
            {
                enqueue_reminder(
                    &txn,
                    state,
                    referral,
                    (now - referral.sent_at).num_days(),
                    now,
                )
                .await?;
                report.reminded += 1;
            }
            commit(txn).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let minutes: Vec<i64> = (1..=12).map(|a| retry_delay(a).num_seconds()).collect();
        assert_eq!(&minutes[..5], &[30, 60, 120, 240, 480]);
        assert_eq!(minutes[11], 4 * 3600);
    }
}
