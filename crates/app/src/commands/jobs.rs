//! The background work, run by hand or from cron: delivering the outbox, the referral
//! deadlines, the retention of personal data — the same use cases the server's
//! scheduler runs.

use super::wiring::ready_core;
use crate::config::Config;
use chrono::Utc;
use parcours_core::{Clock, outbox, privacy, referrals};

/// Dates as operators read them.
const DATE: &str = "%Y-%m-%d %H:%M UTC";

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
        "En attente : {}   envoyés : {}   abandonnés : {}",
        status.pending, status.sent, status.failed
    );
    if status.retrying > 0 {
        println!(
            "  dont {} à réessayer après un échec (voir les journaux : « mail not delivered »)",
            status.retrying
        );
    }
    if let Some(oldest) = status.oldest_pending {
        println!(
            "  plus ancien message en attente : écrit le {}",
            oldest.format(DATE)
        );
    }
    if !failed.is_empty() {
        println!(
            "Messages abandonnés{} — `parcours outbox retry` les remet en file (`--id N` pour un seul) :",
            if status.failed > failed.len() as u64 {
                " (les plus récents)"
            } else {
                ""
            }
        );
    }
    for message in failed {
        println!(
            "  n° {} ({}) abandonné le {} après {} tentative(s) : {}",
            message.id,
            message.kind,
            message
                .failed_at
                .map_or_else(String::new, |at| at.format(DATE).to_string()),
            message.attempts,
            message.last_error.as_deref().unwrap_or("raison inconnue")
        );
    }
    Ok(())
}

pub async fn outbox_retry(config: &Config, id: Option<i64>) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let count = outbox::requeue_failed(&core, id, Utc::now()).await?;
    if let (Some(id), 0) = (id, count) {
        anyhow::bail!("aucun message abandonné n° {id} (voir `parcours outbox status`)");
    }
    println!("{count} message(s) remis en file d'envoi, tentatives remises à zéro.");
    Ok(())
}

pub async fn jobs_run_once(config: &Config) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let clock = Clock::system();
    let deadlines = referrals::run_deadlines(&core, clock.now()).await?;
    let delivery = outbox::deliver_due(&core, &clock).await?;
    println!(
        "Orientations : {} rappel(s), {} expirée(s). Outbox : {} envoyé(s), {} à réessayer, {} abandonné(s).",
        deadlines.reminded, deadlines.expired, delivery.sent, delivery.retried, delivery.given_up
    );
    Ok(())
}

/// Days as operators read them.
const DAY: &str = "%Y-%m-%d";

pub async fn privacy_due(config: &Config) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let due = privacy::due_everywhere(&core, Utc::now()).await?;
    if due.is_empty() {
        println!(
            "Aucun dossier à anonymiser dans les {} jours.",
            config.privacy.warning_days
        );
        return Ok(());
    }
    println!(
        "{} dossier(s) sans activité seront anonymisés dans les {} jours, sauf si leur structure référente les garde (« Garder ce dossier » sur la fiche) :",
        due.len(),
        config.privacy.warning_days
    );
    let mut organisation = None;
    for file in due {
        if organisation != Some(file.organisation_id) {
            organisation = Some(file.organisation_id);
            println!(
                "{} (structure n° {}) :",
                file.organisation_name, file.organisation_id
            );
        }
        println!(
            "  dossier n° {} : dernière activité le {}, anonymisé le {}",
            file.holder_id,
            file.last_activity.format(DAY),
            file.anonymised_on.format(DAY)
        );
    }
    Ok(())
}

pub async fn privacy_run(config: &Config) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let report = privacy::run(&core, Utc::now()).await?;
    println!(
        "{} dossier(s) anonymisé(s), {} e-mail(s) non envoyé(s) supprimé(s), {} entrée(s) du journal des accès effacée(s).",
        report.anonymised, report.mail_dropped, report.audit_deleted
    );
    Ok(())
}
