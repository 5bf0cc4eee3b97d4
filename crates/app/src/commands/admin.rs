//! Operator commands: migrations, seeds, accounts, reference data.

use super::wiring::{apply_migrations, connect, require_current_schema};
use crate::config::Config;
use anyhow::{Context, anyhow};
use chrono::Utc;
use parcours_persistence::{commit, qpv, seeds};
use std::io::IsTerminal;
use std::path::Path;

/// A password hash no password matches: accounts loaded from seed files stay closed
/// until `parcours user password` gives them one.
pub const UNUSABLE_PASSWORD: &str = "!compte-sans-mot-de-passe";

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = connect(config).await?;
    apply_migrations(&db).await
}

pub async fn seed(config: &Config, dir: &Path) -> anyhow::Result<()> {
    let set = seeds::read_dir(dir)?;
    let db = connect(config).await?;
    require_current_schema(&db).await?;
    let txn = db.begin_write().await?;
    let report = seeds::apply(&txn, &set, UNUSABLE_PASSWORD, Utc::now()).await?;
    commit(txn).await?;
    println!(
        "Chargé : {} territoire(s), {} QPV, {} structure(s), {} compte(s) créé(s), {} compte(s) déjà présent(s), {} service(s).",
        report.territories,
        report.qpv,
        report.organisations,
        report.users_created,
        report.users_existing,
        report.services
    );
    if report.users_created > 0 {
        println!(
            "Les comptes créés n'ont pas de mot de passe : donnez-en un avec `parcours user password --email …`."
        );
    }
    Ok(())
}

/// Generates synthetic data, showing progress on standard error.
pub async fn seed_synthetic(config: &Config, holders: u64, seed: u64) -> anyhow::Result<()> {
    use std::io::Write;
    let db = connect(config).await?;
    require_current_schema(&db).await?;
    let started = std::time::Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut last_percent = u64::MAX;
    let mut progress = |done: u64, total: u64| {
        let percent = done * 100 / total.max(1);
        if percent != last_percent {
            last_percent = percent;
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            let bar = "#".repeat((percent / 5) as usize);
            let line = format!("[{bar:<20}] {percent:>3} % {done}/{total} porteurs ({rate:.0}/s)");
            if terminal {
                eprint!("\r{line}");
            } else if percent.is_multiple_of(10) {
                eprintln!("{line}");
            }
            let _ = std::io::stderr().flush();
        }
    };
    let report =
        parcours_persistence::synthetic::generate(&db, holders, seed, Utc::now(), &mut progress)
            .await?;
    if terminal {
        eprintln!();
    }
    println!(
        "Généré en {:.1} s : {} territoire(s), {} structure(s), {} conseiller(s), {} action(s) de sensibilisation, {} porteur(s), {} événement(s) de parcours, {} contact(s), {} orientation(s).",
        started.elapsed().as_secs_f64(),
        report.territories,
        report.organisations,
        report.users,
        report.events,
        report.holders,
        report.pathway_events,
        report.contacts,
        report.referrals
    );
    Ok(())
}

pub async fn qpv_import(config: &Config, file: &Path) -> anyhow::Result<()> {
    let reader =
        std::fs::File::open(file).with_context(|| format!("{} illisible", file.display()))?;
    let records = qpv::parse(reader)
        .map_err(|e| anyhow!("{} : {e}\nRien n'a été importé.", file.display()))?;
    let db = connect(config).await?;
    require_current_schema(&db).await?;
    let txn = db.begin_write().await?;
    let report = qpv::upsert_all(&txn, &records, Utc::now()).await?;
    commit(txn).await?;
    println!(
        "QPV importés : {} créé(s), {} mis à jour, {} rattachement(s) commune.",
        report.created, report.updated, report.communes
    );
    Ok(())
}
