//! The background work, run by hand or from cron: delivering the outbox, the referral
//! deadlines — the same use cases the server's scheduler runs.

use super::wiring::ready_core;
use crate::config::Config;
use parcours_core::{Clock, outbox, referrals};

pub async fn outbox_run(config: &Config) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let report = outbox::deliver_due(&core, &Clock::system()).await?;
    println!(
        "Outbox : {} envoyé(s), {} à réessayer, {} abandonné(s).",
        report.sent, report.retried, report.given_up
    );
    Ok(())
}

pub async fn outbox_status(config: &Config) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let (status, failed) = outbox::status(&core).await?;
    println!(
        "En attente : {}   envoyés : {}   en échec : {}",
        status.pending, status.sent, status.failed
    );
    for message in failed {
        println!(
            "  échec n° {} ({}, {} tentative(s)) : {}",
            message.id,
            message.kind,
            message.attempts,
            message.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

pub async fn jobs_run_once(config: &Config) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let clock = Clock::system();
    let deadlines = referrals::run_deadlines(&core, clock.now()).await?;
    let delivery = outbox::deliver_due(&core, &clock).await?;
    println!(
        "Orientations : {} rappel(s), {} expirée(s). Outbox : {} envoyé(s), {} à réessayer.",
        deadlines.reminded, deadlines.expired, delivery.sent, delivery.retried
    );
    Ok(())
}
