//! Delivering the outbox: each message was written with the change that caused it; a
//! worker sends what is due, a batch at a time. A claimed message is leased: if the
//! process dies mid-send, another worker sends it once the lease ends.
//!
//! Only real tries count (the policy is `domain::outbox`): a claim is not an attempt,
//! and neither is a try that found the mail server down. An outage stops the batch and
//! gives the rest of it back at once; the message that met it is tried again within
//! minutes. A message the server refuses is retried with backoff, then given up —
//! logged, listed by `parcours outbox status`, and requeued by `parcours outbox retry`.

use crate::{Clock, Core, Result};
use chrono::{DateTime, Duration, Utc};
use parcours_domain::outbox::{Next, after_failure};
use parcours_mail::OutgoingMail;
use parcours_persistence::{commit, outbox};
use tokio::sync::watch;

pub use parcours_domain::outbox::{GIVE_UP_AFTER, MAX_ATTEMPTS, OUTAGE_RETRY_MAX};

/// How long a claimed message is reserved for the worker sending it, at least.
const LEASE: Duration = Duration::minutes(2);
/// Messages claimed at once.
const BATCH: u64 = 20;

/// What a delivery run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    pub retried: u64,
    pub given_up: u64,
}

/// Sends every message due now, a batch at a time, until none is left or the mail
/// server is found down.
pub async fn deliver_due(core: &Core, clock: &Clock) -> Result<Delivery> {
    deliver(core, clock, None).await
}

/// [`deliver_due`], stopping early once `stop` turns true: the message in hand is
/// finished (sent or recorded as failed), the rest of the batch is given back, due at
/// once, for another worker or the next run.
pub async fn deliver_due_until(
    core: &Core,
    clock: &Clock,
    stop: &watch::Receiver<bool>,
) -> Result<Delivery> {
    deliver(core, clock, Some(stop)).await
}

async fn deliver(
    core: &Core,
    clock: &Clock,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<Delivery> {
    let stopped = || stop.is_some_and(|stop| *stop.borrow());
    let send_bound = Duration::from_std(core.mailer.timeout()).unwrap_or(LEASE);
    // Long enough for several sendings even when the server is at its slowest.
    let lease = LEASE.max(send_bound * 4);
    let mut report = Delivery::default();
    loop {
        if stopped() {
            return Ok(report);
        }
        let txn = core.db.begin_write().await?;
        let batch = outbox::claim(&txn, clock.now(), lease, BATCH).await?;
        commit(txn).await?;
        let Some(lease_end) = batch.first().and_then(|message| message.claimed_until) else {
            return Ok(report);
        };
        for (index, message) in batch.iter().enumerate() {
            // A message is sent only under its lease: if the lease could end during the
            // sending, it is given back and claimed again.
            if stopped() || clock.now() + send_bound >= lease_end {
                release(core, &batch[index..], lease_end).await?;
                break;
            }
            match try_one(core, clock, message, &mut report).await? {
                Outcome::Done => {}
                Outcome::Outage => {
                    release(core, &batch[index + 1..], lease_end).await?;
                    return Ok(report);
                }
            }
        }
    }
}

enum Outcome {
    Done,
    /// The mail server is down: the rest of the batch would fail the same way.
    Outage,
}

async fn try_one(
    core: &Core,
    clock: &Clock,
    message: &outbox::OutboxMessage,
    report: &mut Delivery,
) -> Result<Outcome> {
    let mail = OutgoingMail {
        to: message.recipient.clone(),
        subject: message.subject.clone(),
        text: message.text_body.clone(),
        html: message.html_body.clone(),
        message_id: message.message_id.clone(),
    };
    let result = core.mailer.send(&mail).await;
    let now = clock.now();
    let error = match result {
        Ok(()) => {
            outbox::mark_sent(core.db.conn(), message.id, message.attempts + 1, now).await?;
            // An invitation or a reset carries a live link: not kept once sent — except
            // in the demonstration, whose mailbox page shows it (its .eml file holds it
            // anyway, on the machine that runs the demo).
            if message.kind.starts_with("account.") && core.mail_folder().is_none() {
                outbox::erase_bodies(core.db.conn(), message.id).await?;
            }
            report.sent += 1;
            return Ok(Outcome::Done);
        }
        Err(error) => error,
    };
    let failure = error.failure();
    let attempts = message.attempts + i32::from(failure.is_attempt());
    let next = after_failure(failure, attempts, queued_at(message), now);
    // The error's text is a classification and a reply code: never an address.
    let reason = error.to_string();
    let retry_at = match next {
        Next::RetryAt(at) => {
            tracing::warn!(outbox_id = message.id, kind = %message.kind, attempts, error = %reason, retry_at = %at, "mail not delivered, will retry");
            report.retried += 1;
            Some(at)
        }
        Next::GiveUp => {
            tracing::warn!(outbox_id = message.id, kind = %message.kind, attempts, error = %reason, "mail given up: `parcours outbox retry` requeues it");
            report.given_up += 1;
            None
        }
    };
    outbox::mark_failed(core.db.conn(), message.id, attempts, &reason, retry_at, now).await?;
    Ok(if failure.is_attempt() {
        Outcome::Done
    } else {
        Outcome::Outage
    })
}

/// When the message's day of retries began.
fn queued_at(message: &outbox::OutboxMessage) -> DateTime<Utc> {
    message.requeued_at.unwrap_or(message.created_at)
}

async fn release(
    core: &Core,
    messages: &[outbox::OutboxMessage],
    lease_end: DateTime<Utc>,
) -> Result<()> {
    let ids: Vec<i64> = messages.iter().map(|message| message.id).collect();
    outbox::release(core.db.conn(), &ids, lease_end).await?;
    Ok(())
}

/// The newest messages of the outbox, for the demonstration's mailbox only: a real
/// deployment's messages are not shown on any page.
pub async fn demo_mailbox(core: &Core, limit: u64) -> Result<Vec<outbox::OutboxMessage>> {
    if core.mail_folder().is_none() {
        return Err(crate::Error::NotFound);
    }
    Ok(outbox::newest(core.db.conn(), limit).await?)
}

/// Counts of the outbox, and the latest messages given up.
pub async fn status(core: &Core) -> Result<(outbox::Status, Vec<outbox::OutboxMessage>)> {
    Ok(outbox::status(core.db.conn()).await?)
}

/// Requeues given-up messages — all of them, or the one with `id` — with their attempts
/// reset and a new day of retries. Returns how many.
pub async fn requeue_failed(core: &Core, id: Option<i64>, now: DateTime<Utc>) -> Result<u64> {
    let count = outbox::requeue_failed(core.db.conn(), id, now).await?;
    if count > 0 {
        tracing::info!(count, outbox_id = id, "given-up mail requeued");
    }
    Ok(count)
}
