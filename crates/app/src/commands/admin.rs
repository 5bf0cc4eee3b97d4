//! Operator commands: migrations, seeds, accounts, reference data.

use super::connect;
use super::serve::ready_core;
use crate::cli::UserAddArgs;
use crate::config::Config;
use anyhow::{Context, anyhow, bail};
use chrono::Utc;
use parcours_core::Error;
use parcours_core::accounts::{self, NewAccount};
use parcours_domain::users::check_new_password;
use parcours_persistence::schema::{self, SchemaStatus};
use parcours_persistence::{Db, commit, qpv, seeds};
use std::io::{BufRead, IsTerminal};
use std::path::Path;

/// A password hash no password matches: accounts loaded from seed files stay closed
/// until `parcours user password` gives them one.
pub const UNUSABLE_PASSWORD: &str = "!compte-sans-mot-de-passe";

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = connect(config).await?;
    apply_migrations(&db).await
}

pub async fn apply_migrations(db: &Db) -> anyhow::Result<()> {
    if let SchemaStatus::Newer(unknown) = schema::status(db).await? {
        bail!(
            "la base a un schéma plus récent que ce programme (migrations inconnues : {}) : mettez parcours à jour",
            unknown.join(", ")
        );
    }
    let applied = schema::migrate(db).await.context("échec des migrations")?;
    if applied.is_empty() {
        println!("Base déjà à jour.");
    } else {
        for name in &applied {
            println!("Migration appliquée : {name}");
        }
    }
    Ok(())
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

pub async fn require_current_schema(db: &Db) -> anyhow::Result<()> {
    match schema::status(db).await? {
        SchemaStatus::UpToDate => Ok(()),
        SchemaStatus::Pending(names) => bail!(
            "la base n'est pas à jour ({} migration(s) en attente) : lancez `parcours migrate` ou réglez database.auto_migrate = true",
            names.len()
        ),
        SchemaStatus::Newer(names) => bail!(
            "la base a un schéma plus récent que ce programme (migrations inconnues : {}) : mettez parcours à jour",
            names.join(", ")
        ),
    }
}

/// A use case's refusal, in the command line's words: each field is its option.
fn refused(error: Error) -> anyhow::Error {
    match error {
        Error::Invalid(errors) => anyhow!(
            "{}",
            errors
                .0
                .iter()
                .map(|e| {
                    let option = match e.field.as_str() {
                        "organisation" => "--org".to_owned(),
                        "password" => "mot de passe".to_owned(),
                        other => format!("--{other}"),
                    };
                    format!("{option} : {}", e.message)
                })
                .collect::<Vec<_>>()
                .join(" ; ")
        ),
        other => anyhow!("{other}"),
    }
}

pub async fn user_add(config: &Config, args: UserAddArgs) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let password = read_new_password()?;
    let account = NewAccount {
        email: args.email,
        name: args.name,
        organisation: args.org,
        role: args.role,
        password,
    };
    let user = accounts::add(&core, account, Utc::now())
        .await
        .map_err(refused)?;
    println!("Compte créé (id {}, rôle {}).", user.id, user.role);
    Ok(())
}

pub async fn user_disable(config: &Config, email: &str) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let user = accounts::disable(&core, email, Utc::now())
        .await
        .map_err(refused)?;
    println!("Compte {} désactivé ; ses sessions sont fermées.", user.id);
    Ok(())
}

pub async fn user_enable(config: &Config, email: &str) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    let user = accounts::enable(&core, email, Utc::now())
        .await
        .map_err(refused)?;
    println!("Compte {} réactivé.", user.id);
    Ok(())
}

pub async fn user_password(config: &Config, email: &str) -> anyhow::Result<()> {
    let core = ready_core(config).await?;
    if !accounts::exists(&core, email).await.map_err(refused)? {
        bail!("--email : aucun compte avec cette adresse");
    }
    let password = read_new_password()?;
    let user = accounts::set_password(&core, email, password, Utc::now())
        .await
        .map_err(refused)?;
    println!(
        "Mot de passe du compte {} changé ; ses sessions sont fermées.",
        user.id
    );
    Ok(())
}

pub async fn qpv_import(config: &Config, file: &Path) -> anyhow::Result<()> {
    let reader =
        std::fs::File::open(file).with_context(|| format!("{} illisible", file.display()))?;
    let records = qpv::parse(reader).map_err(|e| anyhow!("{} : {e}", file.display()))?;
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

/// Reads a new password: without echo at a terminal (asked twice), else the first line
/// of standard input. Never from the command line, where `ps` and shell history see it.
fn read_new_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Nouveau mot de passe : ")?;
        let second = rpassword::prompt_password("Confirmez : ")?;
        if first != second {
            bail!("les deux saisies diffèrent");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    check_new_password(&password).map_err(|e| anyhow!("mot de passe : {e}"))?;
    Ok(password)
}
