//! Serving: `serve` with the configuration, `demo` on a local SQLite file with demo data.

use super::wiring::{
    apply_migrations, connect, connect_url, core, core_with, require_current_schema,
};
use crate::cli::{DemoArgs, ServeArgs};
use crate::config::Config;
use anyhow::Context;
use chrono::Utc;
use parcours_core::{Clock, Core, outbox, passwords, privacy, referrals, sessions};
use parcours_http::{AppState, HttpSettings};
use parcours_mail::Mailer;
use parcours_persistence::{Db, commit, demo, organisations, seeds};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The password `parcours demo` gives every demo account. Demo data only, on loopback.
pub const DEMO_PASSWORD: &str = "demo-parcours-2026";

/// Size of the demo caseload: enough to look like a real one.
const DEMO_HOLDERS: usize = 200;

const DEMO_SEEDS: seeds::SeedTexts<'static> = seeds::SeedTexts {
    territories: Some(include_str!("../../../../seeds/demo/territories.toml")),
    qpv: Some(include_str!("../../../../seeds/demo/qpv.csv")),
    organisations: Some(include_str!("../../../../seeds/demo/organisations.toml")),
    users: Some(include_str!("../../../../seeds/demo/users.toml")),
    services: Some(include_str!("../../../../seeds/demo/services.toml")),
};

pub async fn serve(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let db = connect(&config).await?;
    if config.database.auto_migrate {
        apply_migrations(&db).await?;
    }
    require_current_schema(&db).await?;
    let listener = bind(args.listen.unwrap_or(config.server.listen)).await?;
    let drain = Duration::from_secs(config.server.drain_seconds);
    let core = core(&config, db.clone())?;
    run_server(&config, core, db, listener, config.server.secure, drain).await
}

async fn bind(listen: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("écoute impossible sur {listen}"))
}

pub async fn demo(mut config: Config, args: DemoArgs) -> anyhow::Result<()> {
    let mails = mail_folder(&args.db);
    if args.reset {
        match std::fs::remove_dir_all(&mails) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("{} : suppression impossible", mails.display()));
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{}{suffix}", args.db.display());
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("{path} : suppression impossible"));
                }
            }
        }
    }
    let db = connect_url(&config, sqlite_url(&args.db)).await?;
    apply_migrations(&db).await?;
    let set = seeds::parse(Path::new("seeds/demo"), DEMO_SEEDS)?;
    if organisations::count(db.conn()).await? == 0 {
        let hash = passwords::hash_blocking(DEMO_PASSWORD.to_owned()).await?;
        let txn = db.begin_write().await?;
        let now = Utc::now();
        seeds::apply(&txn, &set, &hash, now).await?;
        let caseload = demo::generate(&txn, DEMO_HOLDERS, now).await?;
        commit(txn).await?;
        println!(
            "Données de démonstration (fictives) chargées dans {} : {} porteurs de projet, {} contacts, {} actions de sensibilisation, {} conventions d'hébergement, {} orientations.",
            args.db.display(),
            caseload.holders,
            caseload.contacts,
            caseload.events,
            caseload.agreements,
            caseload.referrals
        );
    } else {
        println!(
            "Base de démonstration existante réutilisée : {} (--reset pour repartir de zéro).",
            args.db.display()
        );
    }
    println!("\nComptes de démonstration :");
    for user in &set.users {
        println!("  {}  {}  {}", user.email, user.role, user.organisation);
    }
    println!("mot de passe : {DEMO_PASSWORD}\n");
    // Links in e-mails lead to this demo, whatever port it got, unless an address is
    // configured.
    let listener = bind(args.listen).await?;
    if !config.server.public_url_given {
        config.server.public_url = format!("http://{}", listener.local_addr()?);
    }
    // A newcomer has no SMTP server: unless one is configured, e-mails go to a folder.
    let core = if config.mail.smtp_url_given {
        println!("Courriels envoyés par SMTP (mail.smtp_url).");
        core(&config, db.clone())?
    } else {
        let mailer = Mailer::to_folder(&mails, &config.mail.from)?;
        println!(
            "Courriels écrits dans {}/ (fichiers .eml, aucun envoi) ; à lire aussi sur la page /demo/courriels.",
            mails.display()
        );
        core_with(&config, db.clone(), mailer)
    };
    // On this machine, with no load balancer to warn: no drain.
    run_server(&config, core, db, listener, false, Duration::ZERO).await
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Where the demonstration writes its e-mails: beside its database,
/// `parcours-demo.sqlite` → `parcours-demo-courriels/`.
fn mail_folder(db: &Path) -> PathBuf {
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "parcours-demo".into());
    db.with_file_name(format!("{stem}-courriels"))
}

fn http_settings(config: &Config, secure: bool) -> HttpSettings {
    HttpSettings {
        secure,
        cookie_name: config.session.cookie_name.clone(),
        body_limit_bytes: config.server.body_limit_bytes,
        request_timeout: Duration::from_secs(config.server.request_timeout_seconds),
        trusted_proxies: config.server.trusted_proxies.clone(),
    }
}

fn state(config: &Config, core: Core, secure: bool) -> AppState {
    AppState::new(core, http_settings(config, secure), Clock::system())
}

/// Serves until SIGTERM or Ctrl-C. Then: the outbox worker is told to stop (it finishes
/// the message in hand and gives back the rest of its batch); `/readyz` answers 503 for
/// the drain delay while every route still answers, so that a load balancer sends new
/// requests elsewhere; then the listener closes and requests in flight — and the
/// worker — get the grace period to finish. The database is closed last.
async fn run_server(
    config: &Config,
    core: Core,
    db: Db,
    listener: tokio::net::TcpListener,
    secure: bool,
    drain: Duration,
) -> anyhow::Result<()> {
    let state = state(config, core, secure);
    let app = parcours_http::router(state.clone());
    let address = listener.local_addr()?;
    let mut signals = ShutdownSignals::listen();
    println!("Se connecter dans un navigateur : http://{address}/connexion");
    println!("Parcours écoute sur http://{address}");
    let _ = std::io::stdout().flush();
    tracing::info!(%address, secure, "listening");

    let purge = tokio::spawn(purge_sessions(state.clone()));
    let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
    let worker = config.jobs.enabled.then(|| {
        tokio::spawn(background_jobs(
            state.clone(),
            Duration::from_secs(config.jobs.outbox_poll_seconds),
            Duration::from_secs(config.jobs.deadlines_every_seconds),
            jobs_stopped,
        ))
    });
    if worker.is_none() {
        tracing::info!("background jobs disabled (jobs.enabled = false)");
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stop_rx.await;
        })
        .await
    });
    let grace = Duration::from_secs(config.server.shutdown_grace_seconds);
    let mut worker_deadline = None;
    tokio::select! {
        result = &mut server => {
            result??;
        }
        () = signals.next() => {
            let _ = stop_jobs.send(true);
            state.start_draining();
            if !drain.is_zero() {
                tracing::info!(drain_seconds = drain.as_secs(), "shutdown requested: draining (/readyz answers 503)");
                tokio::select! {
                    () = tokio::time::sleep(drain) => {}
                    () = signals.next() => tracing::info!("second signal: drain cut short"),
                }
            }
            tracing::info!("closing the listener: finishing requests in flight");
            worker_deadline = Some(tokio::time::Instant::now() + grace);
            let _ = stop_tx.send(());
            match tokio::time::timeout(grace, &mut server).await {
                Ok(result) => result??,
                Err(_) => tracing::warn!("grace period over: stopping with requests still in flight"),
            }
        }
    }
    purge.abort();
    if let Some(mut worker) = worker {
        let _ = stop_jobs.send(true);
        let deadline = worker_deadline.unwrap_or_else(|| tokio::time::Instant::now() + grace);
        if tokio::time::timeout_at(deadline, &mut worker)
            .await
            .is_err()
        {
            tracing::warn!("grace period over: stopping the background jobs mid-work");
            worker.abort();
        }
    }
    db.close().await?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM and Ctrl-C, listened to from the moment this is made: made before the
/// server says it listens, a signal sent as soon as it answers is never the default
/// one that kills the process mid-request.
struct ShutdownSignals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// The next SIGTERM or Ctrl-C.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            async fn one(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = one(&mut self.terminate) => {}
                () = one(&mut self.interrupt) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Expired sessions are refused at once; this only keeps the table small.
async fn purge_sessions(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        match sessions::purge_expired(&state.core, state.clock.now()).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "expired sessions purged"),
            Err(error) => tracing::warn!(error = %error, "session purge failed"),
        }
    }
}

/// How often the server anonymises the files past their retention.
const PRIVACY_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The in-process scheduler: delivers the outbox often, runs referral deadlines less
/// often, the retention of personal data daily. Errors are logged and retried at the next tick. Returns once `stop` turns
/// true, after the work in hand: the outbox finishes the message it is sending and
/// gives back the rest of its batch, due at once for another instance.
async fn background_jobs(
    state: AppState,
    outbox_every: Duration,
    deadlines_every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut outbox_tick = tokio::time::interval(outbox_every);
    let mut deadlines_tick = tokio::time::interval(deadlines_every);
    // Daily, and once at start: a server restarted every night still runs it.
    let mut privacy_tick = tokio::time::interval(PRIVACY_EVERY);
    loop {
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            changed = stop.changed() => if changed.is_err() {
                return;
            },
            _ = deadlines_tick.tick() => match referrals::run_deadlines(&state.core, state.clock.now()).await {
                Ok(report) if report != referrals::Deadlines::default() => tracing::info!(reminded = report.reminded, expired = report.expired, "referral deadlines"),
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "referral deadlines failed"),
            },
            _ = privacy_tick.tick() => match privacy::run(&state.core, state.clock.now()).await {
                Ok(report) if report != privacy::RunReport::default() => tracing::info!(anonymised = report.anonymised, mail_dropped = report.mail_dropped, audit_deleted = report.audit_deleted, "personal data retention"),
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "personal data retention failed"),
            },
            _ = outbox_tick.tick() => match outbox::deliver_due_until(&state.core, &state.clock, &stop).await {
                Ok(report) if report != outbox::Delivery::default() => tracing::info!(sent = report.sent, retried = report.retried, given_up = report.given_up, "outbox"),
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "outbox delivery failed"),
            },
        }
    }
}
