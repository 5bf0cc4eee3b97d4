//! What each command does.

mod admin;
mod serve;

use crate::cli::{Cli, Command, JobsCommand, OutboxCommand, QpvCommand, UserCommand};
use crate::config::Config;
use crate::telemetry;
use parcours_persistence::{Db, DbSettings};
use secrecy::ExposeSecret;
use std::process::ExitCode;
use std::time::Duration;

/// Runs a command; exit code 2 for a configuration problem, 1 for any other failure.
pub fn run(cli: Cli) -> ExitCode {
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("parcours : {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("parcours : démarrage impossible : {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::serve(config, args).await,
            Command::Demo(args) => serve::demo(config, args).await,
            Command::Migrate => admin::migrate(&config).await,
            Command::Seed(args) => match (args.generate, args.dir) {
                (Some(crate::cli::SeedCommand::Synthetic(synthetic)), _) => {
                    admin::seed_synthetic(&config, synthetic.holders, synthetic.seed).await
                }
                (None, Some(dir)) => admin::seed(&config, &dir).await,
                (None, None) => Err(anyhow::anyhow!(
                    "indiquez un dossier, ou `seed synthetic --holders N`"
                )),
            },
            Command::User(UserCommand::Add(args)) => admin::user_add(&config, args).await,
            Command::User(UserCommand::Disable(args)) => {
                admin::user_disable(&config, &args.email).await
            }
            Command::User(UserCommand::Enable(args)) => {
                admin::user_enable(&config, &args.email).await
            }
            Command::User(UserCommand::Password(args)) => {
                admin::user_password(&config, &args.email).await
            }
            Command::Qpv(QpvCommand::Import(args)) => admin::qpv_import(&config, &args.file).await,
            Command::Outbox(OutboxCommand::Run) => serve::outbox_run(&config).await,
            Command::Outbox(OutboxCommand::Status) => serve::outbox_status(&config).await,
            Command::Jobs(JobsCommand::RunOnce) => serve::jobs_run_once(&config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("parcours : {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn db_settings(config: &Config, url: String) -> DbSettings {
    DbSettings {
        url,
        max_connections: config.database.max_connections,
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        acquire_timeout: Duration::from_secs(10),
    }
}

/// Connects to the configured database. The URL is never echoed: it may hold a password.
async fn connect(config: &Config) -> anyhow::Result<Db> {
    connect_url(config, config.database.url.expose_secret().to_owned()).await
}

async fn connect_url(config: &Config, url: String) -> anyhow::Result<Db> {
    let engine = url.split(':').next().unwrap_or_default().to_owned();
    Db::connect(&db_settings(config, url))
        .await
        .map_err(|error| anyhow::anyhow!("connexion à la base ({engine}) impossible : {error}"))
}
