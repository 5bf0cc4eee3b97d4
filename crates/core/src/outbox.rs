//! Delivering the outbox: each message was written with the change that caused it; a
//! worker sends what is due, with retries and exponential backoff. A claimed message is
//! leased: if the process dies mid-send, another worker sends it once the lease ends.

use crate::{Clock, Core, Result};
use chrono::Duration;
use parcours_mail::OutgoingMail;
use parcours_persistence::{commit, outbox};

/// Attempts before a message is given up (about a day of retries).
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a claimed message is reserved for the worker sending it.
const LEASE: Duration = Duration::minutes(2);

/// Exponential backoff: 30 s, 1 min, 2 min… capped at 4 h.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::seconds(30 * 2i64.pow(exponent)).min(Duration::hours(4))
}

/// What a delivery run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    pub retried: u64,
    pub given_up: u64,
}

/// Sends every message due now, a batch at a time, until none is left; stops at the
/// first failure (SMTP is likely down), leaving the rest of the batch to its lease.
pub async fn deliver_due(core: &Core, clock: &Clock) -> Result<Delivery> {
    let mut report = Delivery::default();
    loop {
        let now = clock.now();
        let txn = core.db.begin_write().await?;
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
            let result = core.mailer.send(&mail).await;
            let now = clock.now();
            match result {
                Ok(()) => {
                    outbox::mark_sent(core.db.conn(), message.id, now).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    let attempts = message.attempts + 1;
                    let retry_at = (attempts < MAX_ATTEMPTS).then(|| now + retry_delay(attempts));
                    tracing::warn!(outbox_id = message.id, attempts, error = %error, "mail not delivered");
                    outbox::mark_failed(
                        core.db.conn(),
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
                    return Ok(report);
                }
            }
        }
    }
}

/// Counts of the outbox, and the latest messages given up.
pub async fn status(core: &Core) -> Result<(outbox::Status, Vec<outbox::OutboxMessage>)> {
    Ok(outbox::status(core.db.conn()).await?)
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
