//! What each command does.

mod admin;
mod holders;
mod jobs;
mod serve;
mod users;
mod wiring;

use crate::cli::{
    Cli, Command, HoldersCommand, JobsCommand, OutboxCommand, PrivacyCommand, QpvCommand,
    UserCommand,
};
use crate::config::Config;
use crate::telemetry;
use std::process::ExitCode;

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
            Command::User(UserCommand::Add(args)) => users::user_add(&config, args).await,
            Command::User(UserCommand::Disable(args)) => {
                users::user_disable(&config, &args.email).await
            }
            Command::User(UserCommand::Enable(args)) => {
                users::user_enable(&config, &args.email).await
            }
            Command::User(UserCommand::Password(args)) => {
                users::user_password(&config, &args.email).await
            }
            Command::Holders(HoldersCommand::Import(args)) => {
                holders::holders_import(&config, args).await
            }
            Command::Qpv(QpvCommand::Import(args)) => admin::qpv_import(&config, &args.file).await,
            Command::Outbox(OutboxCommand::Run) => jobs::outbox_run(&config).await,
            Command::Outbox(OutboxCommand::Status) => jobs::outbox_status(&config).await,
            Command::Outbox(OutboxCommand::Retry(args)) => {
                jobs::outbox_retry(&config, args.id).await
            }
            Command::Jobs(JobsCommand::RunOnce) => jobs::jobs_run_once(&config).await,
            Command::Privacy(PrivacyCommand::Due) => jobs::privacy_due(&config).await,
            Command::Privacy(PrivacyCommand::Run) => jobs::privacy_run(&config).await,
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
