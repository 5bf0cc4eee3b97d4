//! Accounts, as the operator manages them at a terminal: each command calls the
//! accounts use case, and says its refusals in the options' words.

use super::wiring::ready_core;
use crate::cli::UserAddArgs;
use crate::config::Config;
use anyhow::{anyhow, bail};
use chrono::Utc;
use parcours_core::Error;
use parcours_core::accounts::{self, NewAccount};
use parcours_domain::users::check_new_password;
use std::io::{BufRead, IsTerminal};

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
