//! `parcours-bench`: measures, on SQLite and PostgreSQL, at a small and a national size,
//! the reports (HTTP vs the same SQL run directly), the holder list (first and deep
//! page, small vs large), and authenticated reads under load from a second process (vs
//! `/healthz`), then writes a markdown table. Ratios are measured in one run, on one
//! machine: the machines are shared and noisy, so lone absolute times mean little.

use anyhow::{Context, Result, bail};
use chrono::{Duration as Days, Utc};
use clap::Parser;
use parcours_persistence::reports::{self, Scope};
use parcours_persistence::{Db, DbSettings, organisations, schema, synthetic, users};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Mesures de performance de Parcours (rapports, listes, lectures sous charge)")]
struct Args {
    /// National size.
    #[arg(long, default_value_t = 1_000_000)]
    holders: u64,
    /// Territory size, the reference for "cost independent of data size".
    #[arg(long, default_value_t = 10_000)]
    small: u64,
    /// PostgreSQL URL of a database the bench may create databases from.
    #[arg(long, env = "PARCOURS_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Where SQLite files are kept between runs.
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
    /// Markdown output.
    #[arg(long, default_value = "docs/benchmarks.md")]
    out: PathBuf,
    /// Seconds of load per endpoint.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Internal: run a load against this URL and print JSON stats.
    #[arg(long, hide = true)]
    load: Option<String>,
    #[arg(long, hide = true)]
    cookie: Option<String>,
    /// Instead of the benchmark: time each report query on the national database and
    /// print the engine's plan for it.
    #[arg(long)]
    plans: bool,
    /// Lines of the spreadsheet imported with `parcours holders import` (0: none), on a
    /// fresh database next to as many holders written by the synthetic generator.
    #[arg(long, default_value_t = 100_000)]
    import_lines: u64,
    /// Only the import measurement (its own section in `--out`).
    #[arg(long)]
    import_only: bool,
    /// PostgreSQL only (with `--postgres`): SQLite is left out of this run.
    #[arg(long, requires = "postgres")]
    postgres_only: bool,
}

const PASSWORD: &str = "mot de passe du banc d'essai";

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(url) = &args.load {
        return load(url, args.cookie.as_deref(), args.seconds).await;
    }
    std::fs::create_dir_all(&args.dir)?;
    let mut sections = Vec::new();
    let mut engines = Vec::new();
    if !args.postgres_only {
        engines.push(("SQLite", None));
    }
    if let Some(url) = &args.postgres {
        engines.push(("PostgreSQL", Some(url.clone())));
    }
    for (engine, admin_url) in engines {
        eprintln!("== {engine}");
        if args.plans {
            let large = Run::prepare(&args, engine, admin_url.as_deref(), args.holders).await?;
            plans(&large).await?;
            continue;
        }
        let import = match args.import_lines {
            0 => None,
            lines => Some(measure_import(&args, engine, admin_url.as_deref(), lines).await?),
        };
        if args.import_only {
            sections.push(Section::import_only(engine, import));
        } else {
            let small = Run::prepare(&args, engine, admin_url.as_deref(), args.small).await?;
            let large = Run::prepare(&args, engine, admin_url.as_deref(), args.holders).await?;
            let mut section = measure(&args, engine, &small, &large).await?;
            section.import = import;
            sections.push(section);
        }
        // Written after each engine, so a long run keeps what it measured.
        if let Some(parent) = args.out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&args.out, render(&args, &sections)?)?;
        eprintln!("written: {}", args.out.display());
    }
    Ok(())
}

struct Run {
    size: u64,
    url: String,
    db: Db,
    /// The territories reports are measured on: a typical one and the metropolis.
    territories: Vec<Territory>,
    busiest_org: i64,
}

/// A territory of the synthetic country, as a coordinator sees it.
struct Territory {
    label: String,
    org_ids: Vec<i64>,
    holders: i64,
}

impl Territory {
    /// What the reports are measured on: the territory, over the last twelve months.
    fn last_twelve_months(&self) -> Scope {
        let today = Utc::now().date_naive();
        Scope {
            organisation_ids: self.org_ids.clone(),
            from: today - Days::days(365),
            to: today + Days::days(1),
            qpv_code: None,
            gender: None,
            age_band: None,
            situation: None,
        }
    }
}

impl Run {
    async fn prepare(
        args: &Args,
        engine: &str,
        admin_url: Option<&str>,
        size: u64,
    ) -> Result<Self> {
        let url = database_url(args, admin_url, &size.to_string(), false).await?;
        let mut settings = DbSettings::new(url.clone());
        settings.max_connections = 8;
        let db = Db::connect(&settings).await?;
        schema::migrate(&db).await?;
        let existing = count(&db, "SELECT COUNT(*) AS n FROM holders").await?;
        if existing != size as i64 {
            if existing != 0 {
                bail!(
                    "{engine} database for {size} holders holds {existing}: remove it (or its file) and run again"
                );
            }
            eprintln!("generating {size} holders on {engine}…");
            let started = Instant::now();
            let mut last = 0;
            // Its own pool, closed afterwards: generation enlarges SQLite's page cache
            // on the connections it uses, which the measurements must not inherit.
            let generator = Db::connect(&settings).await?;
            synthetic::generate(&generator, size, 2026, Utc::now(), &mut |done, total| {
                let percent = done * 100 / total;
                if percent >= last + 10 {
                    last = percent;
                    eprintln!("  {percent} %");
                }
            })
            .await?;
            generator.close().await?;
            eprintln!("  done in {:.0} s", started.elapsed().as_secs_f64());
        }
        // SYNTH-001 is the metropolis when there are several territories; SYNTH-002 a
        // territory of the usual size.
        let mut territories = Vec::new();
        for (code, label) in [("SYNTH-002", "territoire type"), ("SYNTH-001", "métropole")] {
            let Some(territory) =
                parcours_persistence::territories::find_by_code(db.conn(), code).await?
            else {
                continue;
            };
            let org_ids: Vec<i64> = organisations::list(
                db.conn(),
                &organisations::ListQuery {
                    territory_id: Some(territory.id),
                    limit: 10_000,
                    ..Default::default()
                },
            )
            .await?
            .0
            .into_iter()
            .map(|o| o.id)
            .collect();
            let ids = org_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let holders = count(
                &db,
                &format!(
                    "SELECT COUNT(*) AS n FROM holders WHERE referent_organisation_id IN ({ids})"
                ),
            )
            .await?;
            territories.push(Territory {
                label: if code == "SYNTH-001" && size < 20_000 {
                    "territoire unique".into()
                } else {
                    label.into()
                },
                org_ids,
                holders,
            });
        }
        if territories.is_empty() {
            bail!("no synthetic territory in the {engine} database for {size} holders");
        }
        let busiest_org = count(&db, "SELECT referent_organisation_id AS n FROM holders GROUP BY referent_organisation_id ORDER BY COUNT(*) DESC LIMIT 1").await?;
        Ok(Self {
            size,
            url,
            db,
            territories,
            busiest_org,
        })
    }

    /// An account of `organisation` with `role`, created once.
    async fn account(
        &self,
        organisation: i64,
        role: parcours_domain::users::Role,
    ) -> Result<String> {
        let email = format!(
            "banc.{}.{}@synthetique.test",
            role.as_str().replace('_', ""),
            organisation
        );
        let parsed = parcours_domain::users::Email::parse(&email)?;
        if users::find_by_email(self.db.conn(), &parsed)
            .await?
            .is_none()
        {
            let hash = parcours_core::passwords::hash(PASSWORD)?;
            users::create(
                self.db.conn(),
                &users::NewUser {
                    organisation_id: organisation,
                    email: &parsed,
                    display_name: &parcours_domain::users::DisplayName::parse("Banc d'essai")?,
                    role,
                    password_hash: &hash,
                },
                Utc::now(),
            )
            .await?;
        }
        Ok(email)
    }
}

/// The URL of the bench's database `name` (a SQLite file in `--dir`, or a database of
/// the PostgreSQL server), created when missing; emptied first when `fresh`.
async fn database_url(
    args: &Args,
    admin_url: Option<&str>,
    name: &str,
    fresh: bool,
) -> Result<String> {
    Ok(match admin_url {
        None => {
            let file = args.dir.join(format!("bench-{name}.sqlite"));
            if fresh {
                for suffix in ["", "-wal", "-shm"] {
                    let path = format!("{}{suffix}", file.display());
                    if std::path::Path::new(&path).exists() {
                        std::fs::remove_file(&path)?;
                    }
                }
            }
            format!("sqlite://{}?mode=rwc", file.display())
        }
        Some(admin) => {
            let name = format!("parcours_bench_{name}");
            let admin_db = Db::connect(&DbSettings::new(admin.to_owned())).await?;
            use parcours_persistence::ConnectionTrait;
            if fresh {
                admin_db
                    .conn()
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                    .await?;
            }
            let exists = admin_db
                .conn()
                .query_one_raw(parcours_persistence::Statement::from_string(
                    parcours_persistence::DbBackend::Postgres,
                    format!("SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"),
                ))
                .await?
                .is_some();
            if !exists {
                admin_db
                    .conn()
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
            }
            admin_db.close().await?;
            let base = admin.split('?').next().unwrap_or(admin);
            format!("{}/{name}", base.rsplit_once('/').map_or(base, |(b, _)| b))
        }
    })
}

/// What importing a spreadsheet costs, next to what the synthetic generator takes to
/// write as many holders (with their pathways, contacts, referrals…) on the same
/// machine in the same run.
struct ImportStats {
    lines: u64,
    import: Duration,
    created: u64,
    generated: u64,
    generation: Duration,
}

/// Times the synthetic generator writing `lines` holders on a fresh database, then
/// `parcours holders import` bringing a spreadsheet of `lines` people into one of its
/// organisations (whose caseload the duplicate rules then search).
async fn measure_import(
    args: &Args,
    engine: &str,
    admin_url: Option<&str>,
    lines: u64,
) -> Result<ImportStats> {
    let url = database_url(args, admin_url, "import", true).await?;
    let db = Db::connect(&DbSettings::new(url.clone())).await?;
    schema::migrate(&db).await?;
    eprintln!("import on {engine}: generating {lines} holders…");
    let started = Instant::now();
    synthetic::generate(&db, lines, 2026, Utc::now(), &mut |_, _| {}).await?;
    let generation = started.elapsed();
    let generated = count(&db, "SELECT COUNT(*) AS n FROM holders").await? as u64;
    let organisation = count(&db, "SELECT MIN(id) AS n FROM organisations").await?;
    let run = Run {
        size: 0,
        url: url.clone(),
        db,
        territories: Vec::new(),
        busiest_org: organisation,
    };
    run.account(organisation, parcours_domain::users::Role::OrgAdmin)
        .await?;
    run.db.close().await?;
    let file = args.dir.join(format!("import-{lines}.csv"));
    std::fs::write(&file, caseload(lines))?;
    eprintln!("import on {engine}: importing {lines} lines…");
    let exe = std::env::current_exe()?.with_file_name("parcours");
    let started = Instant::now();
    let output = Command::new(&exe)
        .args(["holders", "import"])
        .arg(&file)
        .args(["--org", &organisation.to_string(), "--skip-invalid"])
        .env("PARCOURS__DATABASE__URL", &url)
        .env("RUST_LOG", "warn")
        .output()
        .with_context(|| {
            format!(
                "{} (build it: cargo build --release -p parcours)",
                exe.display()
            )
        })?;
    let import = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "the import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let created = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Créées : "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no count of created lines in: {stdout}"))?;
    std::fs::remove_file(&file).ok();
    Ok(ImportStats {
        lines,
        import,
        created,
        generated,
        generation,
    })
}

/// A caseload as an organisation keeps it: French headers, dates and phones as people
/// type them, words for situations and levels; every line a different person.
fn caseload(lines: u64) -> String {
    const FIRST: [&str; 20] = [
        "Amina", "Karim", "Léa", "Mamadou", "Inès", "Yanis", "Sofia", "Moussa", "Chloé", "Bilal",
        "Fatou", "Lucas", "Sarah", "Nabil", "Awa", "Hugo", "Lina", "Samir", "Jade", "Omar",
    ];
    const LAST: [&str; 25] = [
        "Benali", "Diallo", "Martin", "Nguyen", "Traoré", "Bernard", "Haddad", "Petit", "Camara",
        "Moreau", "Mansouri", "Garcia", "Diop", "Laurent", "Bouzid", "Roux", "Keita", "Fontaine",
        "Cissé", "Lefèvre", "Amrani", "Girard", "Sylla", "Mercier", "Benhamou",
    ];
    const SITUATIONS: [&str; 4] = ["RSA", "demandeur d'emploi", "salarié", "étudiant"];
    const LEVELS: [&str; 4] = ["CAP", "bac", "bac+2", "licence"];
    const STAGES: [&str; 3] = ["Information", "Accompagnement", "Sensibilisation"];
    let mut out = String::from(
        "Nom;Prénom;Date de naissance;Sexe;Tél.;Mail;CP;Situation;Niveau de formation;Date d'entrée;Étape\r\n",
    );
    for i in 0..lines {
        let first = FIRST[(i % 20) as usize];
        let last = LAST[((i / 20) % 25) as usize];
        // 500 names, each born on a different day: (name, birth date) is one person.
        let born = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
            + Days::days((i / 500) as i64 % 15_000);
        use std::fmt::Write as _;
        let _ = write!(
            out,
            "{last};{first};{};{};06 {:02} {:02} {:02} {:02};p{i}@exemple.test;60100;{};{};{:02}/{:02}/2025;{}\r\n",
            born.format("%d/%m/%Y"),
            if i % 2 == 0 { "F" } else { "H" },
            (i / 1_000_000) % 100,
            (i / 10_000) % 100,
            (i / 100) % 100,
            i % 100,
            SITUATIONS[(i % 4) as usize],
            LEVELS[(i % 4) as usize],
            1 + i % 28,
            1 + i % 12,
            STAGES[(i % 3) as usize],
        );
    }
    out
}

async fn count(db: &Db, sql: &str) -> Result<i64> {
    use parcours_persistence::ConnectionTrait;
    let row = db
        .conn()
        .query_one_raw(parcours_persistence::Statement::from_string(
            db.backend(),
            sql.to_owned(),
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// The real server, as a child process.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(url: &str) -> Result<Self> {
        let exe = std::env::current_exe()?.with_file_name("parcours");
        let mut child = Command::new(&exe)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PARCOURS__DATABASE__URL", url)
            .env("PARCOURS__SERVER__SECURE", "false")
            // No background work during measurements, and room for slow reports to finish
            // (the point is to measure them, not to cut them off).
            .env("PARCOURS__JOBS__ENABLED", "false")
            .env("PARCOURS__SERVER__REQUEST_TIMEOUT_SECONDS", "900")
            .env("RUST_LOG", "warn")
            // The login storm below comes from one address.
            .env("PARCOURS__LOGIN__PER_ADDRESS_PER_MINUTE", "0")
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!(
                    "{} (build it: cargo build --release -p parcours)",
                    exe.display()
                )
            })?;
        let stdout = child.stdout.take().context("stdout")?;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(address) = line.strip_prefix("Parcours écoute sur ") {
                return Ok(Self {
                    child,
                    base: address.to_owned(),
                });
            }
        }
        bail!("the server did not start")
    }

    /// CPU time the server used so far (user and system), in seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which ends with ')'): utime and stime are
        // the 14th and 15th of the whole line, in clock ticks (100 per second).
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) / 100.0
    }

    /// Resident memory now, in MiB.
    fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// Peak resident memory, in MiB.
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(base: &str, email: &str) -> Result<(reqwest::Client, String)> {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("login failed: {}", response.status());
    }
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no cookie")?
        .to_owned();
    Ok((client, cookie))
}

/// Median wall time of `runs` calls.
async fn median<F, Fut>(runs: usize, mut f: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

async fn get_ok(client: &reqwest::Client, cookie: &str, url: &str) -> Result<serde_json::Value> {
    let response = client.get(url).header("cookie", cookie).send().await?;
    if !response.status().is_success() {
        bail!("{url}: {}", response.status());
    }
    Ok(response.json().await?)
}

/// A page's body as sent, gzipped when `gzip`: its size on the wire.
async fn get_bytes(
    client: &reqwest::Client,
    cookie: &str,
    url: &str,
    gzip: bool,
) -> Result<Vec<u8>> {
    let mut request = client.get(url).header("cookie", cookie);
    if gzip {
        request = request.header("accept-encoding", "gzip");
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        bail!("{url}: {}", response.status());
    }
    Ok(response.bytes().await?.to_vec())
}

/// A page against the JSON answers with the same data, paired run by run after a
/// warm-up: (page median, JSON median).
async fn page_against_json(
    client: &reqwest::Client,
    cookie: &str,
    page: &str,
    json: &[String],
) -> Result<(Duration, Duration)> {
    get_bytes(client, cookie, page, false).await?;
    for url in json {
        get_ok(client, cookie, url).await?;
    }
    let (mut pages, mut jsons) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let started = Instant::now();
        get_bytes(client, cookie, page, false).await?;
        pages.push(started.elapsed());
        let started = Instant::now();
        for url in json {
            get_ok(client, cookie, url).await?;
        }
        jsons.push(started.elapsed());
    }
    pages.sort();
    jsons.sort();
    Ok((pages[3], jsons[3]))
}

/// What a first visit of a page costs: the page and the assets it links, gzipped, in
/// bytes, and the number of requests.
async fn first_visit(
    client: &reqwest::Client,
    cookie: &str,
    base: &str,
    path: &str,
) -> Result<(usize, usize)> {
    let html = get_bytes(client, cookie, &format!("{base}{path}"), false).await?;
    let html = String::from_utf8_lossy(&html).into_owned();
    let mut bytes = get_bytes(client, cookie, &format!("{base}{path}"), true)
        .await?
        .len();
    let mut requests = 1;
    for piece in html.split("\"/static/").skip(1) {
        let name = &piece[..piece.find('"').unwrap_or(0)];
        bytes += get_bytes(client, cookie, &format!("{base}/static/{name}"), true)
            .await?
            .len();
        requests += 1;
    }
    Ok((bytes, requests))
}

struct Section {
    engine: String,
    /// The engine's version and the settings that matter for these measurements.
    engine_details: String,
    small: u64,
    large: u64,
    contacts: i64,
    /// (scope, report, HTTP median, SQL median).
    reports: Vec<(String, String, Duration, Duration)>,
    lists: Vec<(String, Duration, Duration)>,
    /// (page, page median, JSON median with the same data) at the large size.
    pages: Vec<(String, Duration, Duration)>,
    /// (page, bytes gzipped on a first visit, requests).
    weights: Vec<(String, usize, usize)>,
    /// The file, `/healthz`, `/readyz`.
    load: [LoadStats; 3],
    peak_rss_mib: Option<f64>,
    /// Resident memory (MiB) of a fresh server: idle, after 60 logins at once, after 40
    /// more one by one.
    login_memory: Option<(f64, f64, f64)>,
    import: Option<ImportStats>,
}

impl Section {
    /// A section with the import measurement only (`--import-only`).
    fn import_only(engine: &str, import: Option<ImportStats>) -> Self {
        Self {
            engine: engine.to_owned(),
            engine_details: String::new(),
            small: 0,
            large: 0,
            contacts: 0,
            reports: Vec::new(),
            lists: Vec::new(),
            pages: Vec::new(),
            weights: Vec::new(),
            load: [LoadStats::default(); 3],
            peak_rss_mib: None,
            login_memory: None,
            import,
        }
    }
}

/// A storm of logins against a fresh server, each for its own account (parallel logins
/// to one account are refused past its lockout threshold): what the server keeps of
/// the hashing memory.
async fn login_memory(run: &Run, server: &Server) -> Result<Option<(f64, f64, f64)>> {
    let hash = parcours_core::passwords::hash(PASSWORD)?;
    let mut emails = Vec::new();
    for i in 0..101 {
        let email = format!("rafale.{i}@synthetique.test");
        let parsed = parcours_domain::users::Email::parse(&email)?;
        if users::find_by_email(run.db.conn(), &parsed)
            .await?
            .is_none()
        {
            users::create(
                run.db.conn(),
                &users::NewUser {
                    organisation_id: run.busiest_org,
                    email: &parsed,
                    display_name: &parcours_domain::users::DisplayName::parse("Rafale")?,
                    role: parcours_domain::users::Role::Adviser,
                    password_hash: &hash,
                },
                Utc::now(),
            )
            .await?;
        }
        emails.push(email);
    }
    // One login first, so that what is measured is the storm, not the first request.
    login(&server.base, &emails[100]).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Some(idle) = server.rss_mib() else {
        return Ok(None);
    };
    let storm: Vec<_> = emails[..60]
        .iter()
        .map(|email| {
            let base = server.base.clone();
            let email = email.clone();
            tokio::spawn(async move { login(&base, &email).await })
        })
        .collect();
    for task in storm {
        task.await??;
    }
    let parallel = server.rss_mib().unwrap_or(idle);
    for email in &emails[60..100] {
        login(&server.base, email).await?;
    }
    let after = server.rss_mib().unwrap_or(parallel);
    Ok(Some((idle, parallel, after)))
}

#[derive(Clone, Copy, Debug, Default)]
struct LoadStats {
    rps: f64,
    p99_ms: f64,
    /// The server's CPU time (user and system) per request served, in microseconds.
    server_cpu_us: f64,
}

/// The SQL a report runs, called directly (what the endpoint adds is HTTP, auth, audit
/// and JSON).
async fn direct(db: &Db, name: &str, scope: &Scope) -> Result<()> {
    let conn = db.conn();
    match name {
        "pipeline" => {
            reports::pipeline(conn, scope).await?;
        }
        "flows" => {
            reports::flows(conn, scope).await?;
        }
        "indicators" => {
            reports::indicators(conn, scope).await?;
        }
        "referrals" => {
            reports::referrals(conn, scope).await?;
        }
        "activity" => {
            reports::activity(conn, scope).await?;
        }
        other => bail!("unknown report {other}"),
    }
    Ok(())
}

/// What the dashboard's use case runs, called directly: the scope (the territory's
/// organisations, read once), then every report of the period and of the period of
/// the same length just before (`core::reports::previous_period`; the pipeline once:
/// it is a state) and the territory's unanswered referrals, side by side on the pool,
/// then the names of the organisations on that queue in one read.
async fn direct_dashboard(
    db: &Db,
    scope: &Scope,
    organisation_id: i64,
    territory_id: i64,
) -> Result<()> {
    let conn = db.conn();
    organisations::territory_of(conn, organisation_id).await?;
    let mut before = scope.clone();
    (before.from, before.to) = parcours_core::reports::previous_period(scope.from, scope.to);
    let remind_after = parcours_core::Settings::default()
        .referral_deadlines
        .remind_after;
    let (.., overdue) = tokio::try_join!(
        reports::pipeline(conn, scope),
        reports::flows(conn, scope),
        reports::flows(conn, &before),
        reports::indicators(conn, scope),
        reports::indicators(conn, &before),
        reports::referrals(conn, scope),
        reports::referrals(conn, &before),
        reports::activity(conn, scope),
        reports::activity(conn, &before),
        parcours_persistence::referrals::unanswered_since(
            conn,
            Utc::now() - remind_after,
            Some(territory_id),
            None,
            500,
        ),
    )?;
    let ids: Vec<i64> = overdue
        .iter()
        .flat_map(|r| [r.from_organisation_id, r.to_organisation_id])
        .collect();
    organisations::names(conn, &ids).await?;
    Ok(())
}

/// Each report query, timed, with its plan: where the time goes.
async fn plans(run: &Run) -> Result<()> {
    use parcours_persistence::ConnectionTrait;
    let conn = run.db.conn();
    for territory in &run.territories {
        let scope = territory.last_twelve_months();
        println!("# {} ({} porteurs)", territory.label, territory.holders);
        for (name, statement) in reports::statements(run.db.backend(), &scope) {
            let started = Instant::now();
            conn.query_all_raw(statement.clone()).await?;
            let took = started.elapsed();
            let explain = explain_of(run);
            let rows = conn
                .query_all_raw(parcours_persistence::Statement {
                    sql: format!("{explain} {}", statement.sql),
                    ..statement
                })
                .await?;
            print_plan(name, took, rows)?;
        }
    }
    // The caseload's search, for the busiest organisation.
    let search = parcours_persistence::holders::HolderQuery {
        organisation_id: run.busiest_org,
        q: Some("tra".into()),
        limit: 51,
        ..Default::default()
    };
    let sql = parcours_persistence::holders::list_sql(run.db.backend(), &search);
    let statement = parcours_persistence::Statement::from_string(run.db.backend(), sql);
    let started = Instant::now();
    conn.query_all_raw(statement.clone()).await?;
    let took = started.elapsed();
    let rows = conn
        .query_all_raw(parcours_persistence::Statement {
            sql: format!("{} {}", explain_of(run), statement.sql),
            ..statement
        })
        .await?;
    println!("# Liste des porteurs");
    print_plan("recherche « tra »", took, rows)?;
    Ok(())
}

fn explain_of(run: &Run) -> &'static str {
    match run.db.backend() {
        parcours_persistence::DbBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS)",
        _ => "EXPLAIN QUERY PLAN",
    }
}

fn print_plan(
    name: &str,
    took: Duration,
    rows: Vec<parcours_persistence::QueryResult>,
) -> Result<()> {
    println!("## {name}: {:.1} ms", took.as_secs_f64() * 1000.0);
    for row in rows {
        let line: String = row
            .try_get("", "detail")
            .or_else(|_| row.try_get("", "QUERY PLAN"))?;
        println!("    {line}");
    }
    Ok(())
}

/// What the tables above do not say by themselves: how each figure is made, and why
/// a target is missed when it is. Written from profiles of this code (`perf`), not
/// from guesses; kept here so that every run carries them.
const NOTES: &str = "## Lecture des résultats

- **Rapports.** Le « SQL direct » exécute exactement les requêtes du rapport (`parcours_persistence::reports`, les mêmes fonctions que l'API), en parallèle sur le pool comme l'API. L'écart HTTP ajoute la session, la résolution du périmètre (une requête : le territoire et ses structures), la sérialisation JSON et le transport : quelques allers-retours à la base et une copie, fixes, de l'ordre de la milliseconde. Pour un rapport qui ne coûte que quelques millisecondes à la base (le pipeline ou les orientations d'un territoire), ces ajouts fixes et le bruit de la machine peuvent dépasser 25 % : la cible en rapport y est alors manquée alors que la réponse reste immédiate ; pour les rapports coûteux, l'écart se perd dans le bruit. Les requêtes lisent ce que les structures du périmètre ont enregistré pendant la période, par des index couvrants qui commencent par la structure et la date : leur coût suit la taille du périmètre et de la période, pas celle du pays (`parcours-bench --plans` montre chaque plan).
- **Listes.** La page est lue dans l'index `(structure, clé de tri, id)` à partir du curseur : une page profonde coûte comme la première, à 10 000 comme à 1 000 000 de porteurs.
- **Recherche.** Une recherche lit ses correspondances par les deux index de noms (nom puis prénom, prénom puis nom) et les trie : son coût suit le nombre de personnes dont le nom commence ainsi dans la structure, pas la taille de la liste. Ordonnée par la colonne nue, SQLite parcourait la liste entière dans l'ordre des noms jusqu'à trouver une page de correspondances (90 ms à froid pour « tra », contre 2,6 ms maintenant : `parcours-bench --plans`).
- **Pages.** La page « Personnes » lit en parallèle la liste, le compte et les conseillers de la structure ; la fiche lit en un seul instantané la personne, ses étapes, ses consentements et son historique (une entrée d'audit), là où le JSON fait trois requêtes : elle coûte donc moins que ses trois réponses JSON. Le rendu HTML (askama, compilé) ne pèse pas. Le poids compte la page, la feuille de style et le script, tels qu'envoyés en gzip à une première visite.
- **Lectures sous charge.** Une lecture de fiche fait trois requêtes (la session, la fiche, les projets) et une entrée d'audit, validée avant la réponse par un écrivain qui regroupe les entrées des lectures simultanées (une transaction pour toutes). Le profil montre que le coût est celui des allers-retours à la base, non de l'audit : sans l'entrée d'audit, le débit ne gagne qu'environ un quart. Avec SQLite, chaque requête passe par le fil d'exécution de sa connexion (sqlx) et en revient ; sur deux cœurs virtuels, ces changements de contexte coûtent plus que la requête elle-même (voir le CPU par requête de `/readyz`, un seul aller-retour). Avec PostgreSQL, chaque requête est un aller-retour vers un processus serveur sur la même machine, qui partage les deux cœurs (le CPU par requête ne compte que le processus Parcours, pas celui de PostgreSQL). Atteindre 0,3 × `/healthz` demanderait de ne plus lire la session en base à chaque requête (un cache en mémoire) : c'est écarté, parce qu'une déconnexion, une désactivation ou un changement de mot de passe (`parcours user …`, un autre processus) ne s'appliqueraient plus immédiatement.
- **Mémoire.** La mémoire résidente maximale du serveur est mesurée après les rapports et la charge.
";

const REPORTS: [&str; 5] = ["pipeline", "flows", "referrals", "activity", "indicators"];

async fn measure(args: &Args, engine: &str, small: &Run, large: &Run) -> Result<Section> {
    let mut lists = Vec::new();
    let mut reports_rows = Vec::new();
    let mut load_stats = [LoadStats::default(); 3];
    let mut peak = None;
    let mut logins = None;
    let mut pages = Vec::new();
    let mut weights = Vec::new();
    for run in [small, large] {
        let server = Server::start(&run.url)?;
        let adviser = run
            .account(run.busiest_org, parcours_domain::users::Role::Adviser)
            .await?;
        if run.size == small.size {
            logins = login_memory(run, &server).await?;
        }
        let (client, adviser_cookie) = login(&server.base, &adviser).await?;
        // List: first page, then a page 90 % of the way through the organisation's list.
        let first = median(5, || async {
            get_ok(
                &client,
                &adviser_cookie,
                &format!("{}/api/v1/holders?limit=50", server.base),
            )
            .await
            .map(|_| ())
        })
        .await?;
        let in_org = count(
            &run.db,
            &format!(
                "SELECT COUNT(*) AS n FROM holders WHERE referent_organisation_id = {}",
                run.busiest_org
            ),
        )
        .await?;
        let offset = in_org * 9 / 10;
        use parcours_persistence::ConnectionTrait;
        let row = run
            .db
            .conn()
            .query_one_raw(parcours_persistence::Statement::from_string(
                run.db.backend(),
                format!("SELECT sort_key, id FROM holders WHERE referent_organisation_id = {} ORDER BY sort_key, id LIMIT 1 OFFSET {offset}", run.busiest_org),
            ))
            .await?
            .context("deep row")?;
        let key: String = row.try_get("", "sort_key")?;
        let id: i64 = row.try_get("", "id")?;
        let cursor = parcours_core::encode_cursor(&(&key, id));
        let deep = median(5, || async {
            get_ok(
                &client,
                &adviser_cookie,
                &format!("{}/api/v1/holders?limit=50&cursor={cursor}", server.base),
            )
            .await
            .map(|_| ())
        })
        .await?;
        let search = median(5, || async {
            get_ok(
                &client,
                &adviser_cookie,
                &format!("{}/api/v1/holders?limit=50&q=tra", server.base),
            )
            .await
            .map(|_| ())
        })
        .await?;
        lists.push((run.size, first, deep, search));
        if run.size == large.size {
            // The pages against the JSON with the same data: the caseload's first page,
            // and a file (the file, its consents and its timeline).
            let base = &server.base;
            let caseload = page_against_json(
                &client,
                &adviser_cookie,
                &format!("{base}/personnes"),
                &[format!("{base}/api/v1/holders?limit=50")],
            )
            .await?;
            pages.push((
                "Personnes (première page)".to_owned(),
                caseload.0,
                caseload.1,
            ));
            let file = page_against_json(
                &client,
                &adviser_cookie,
                &format!("{base}/personnes/{id}"),
                &[
                    format!("{base}/api/v1/holders/{id}"),
                    format!("{base}/api/v1/holders/{id}/consents"),
                    format!("{base}/api/v1/holders/{id}/timeline"),
                ],
            )
            .await?;
            pages.push(("fiche d'une personne".to_owned(), file.0, file.1));
            for (name, path) in [
                ("Aujourd'hui", "/".to_owned()),
                ("Personnes", "/personnes".to_owned()),
                ("fiche d'une personne", format!("/personnes/{id}")),
                ("inscription", "/personnes/nouvelle".to_owned()),
            ] {
                let (bytes, requests) = first_visit(&client, &adviser_cookie, base, &path).await?;
                weights.push((name.to_owned(), bytes, requests));
            }
            // Reports at national size, for a coordinator of a territory: HTTP vs the
            // same SQL, paired run by run after one warm-up.
            for territory in &run.territories {
                let coordinator = run
                    .account(
                        territory.org_ids[0],
                        parcours_domain::users::Role::Coordinator,
                    )
                    .await?;
                let (_, coordinator_cookie) = login(&server.base, &coordinator).await?;
                let scope = territory.last_twelve_months();
                let period = format!("from={}&to={}", scope.from, scope.to);
                let label = format!(
                    "{} ({} porteurs, {} structures)",
                    territory.label,
                    territory.holders,
                    territory.org_ids.len()
                );
                for name in REPORTS {
                    let url = format!("{}/api/v1/reports/{name}?{period}", server.base);
                    get_ok(&client, &coordinator_cookie, &url).await?;
                    let (mut http, mut sql) = (Vec::new(), Vec::new());
                    for _ in 0..5 {
                        let started = Instant::now();
                        get_ok(&client, &coordinator_cookie, &url).await?;
                        http.push(started.elapsed());
                        let started = Instant::now();
                        direct(&run.db, name, &scope).await?;
                        sql.push(started.elapsed());
                    }
                    http.sort();
                    sql.sort();
                    eprintln!("  {label} {name}: http {:?} sql {:?}", http[2], sql[2]);
                    reports_rows.push((label.clone(), name.to_owned(), http[2], sql[2]));
                }
                // The dashboard page (comparison with the period before included)
                // against the same queries run directly.
                let territory_id = count(
                    &run.db,
                    &format!(
                        "SELECT territory_id AS n FROM organisations WHERE id = {}",
                        territory.org_ids[0]
                    ),
                )
                .await?;
                let last = scope.to - Days::days(1);
                let url = format!(
                    "{}/tableau-de-bord?periode=dates&du={}&au={last}",
                    server.base, scope.from
                );
                get_bytes(&client, &coordinator_cookie, &url, false).await?;
                let (mut http, mut sql) = (Vec::new(), Vec::new());
                for _ in 0..5 {
                    let started = Instant::now();
                    get_bytes(&client, &coordinator_cookie, &url, false).await?;
                    http.push(started.elapsed());
                    let started = Instant::now();
                    direct_dashboard(&run.db, &scope, territory.org_ids[0], territory_id).await?;
                    sql.push(started.elapsed());
                }
                http.sort();
                sql.sort();
                eprintln!(
                    "  {label} tableau de bord: page {:?} sql {:?}",
                    http[2], sql[2]
                );
                reports_rows.push((
                    label.clone(),
                    "tableau de bord (page, période précédente comprise)".to_owned(),
                    http[2],
                    sql[2],
                ));
            }
            // Reads under load from a second process.
            let holder_id = id;
            let holder_url = format!("{}/api/v1/holders/{holder_id}", server.base);
            load_stats = [
                run_load(args, &server, &holder_url, Some(&adviser_cookie))?,
                run_load(args, &server, &format!("{}/healthz", server.base), None)?,
                run_load(args, &server, &format!("{}/readyz", server.base), None)?,
            ];
            peak = server.peak_rss_mib();
        }
        drop(server);
    }
    let contacts = count(&large.db, "SELECT COUNT(*) AS n FROM contacts").await?;
    Ok(Section {
        engine: engine.to_owned(),
        engine_details: engine_details(&large.db).await?,
        small: small.size,
        large: large.size,
        contacts,
        reports: reports_rows,
        lists: vec![
            ("première page".to_owned(), lists[0].1, lists[1].1),
            ("page profonde (90 %)".to_owned(), lists[0].2, lists[1].2),
            ("recherche « tra »".to_owned(), lists[0].3, lists[1].3),
        ],
        pages,
        weights,
        load: load_stats,
        peak_rss_mib: peak,
        login_memory: logins,
        import: None,
    })
}

fn run_load(args: &Args, server: &Server, url: &str, cookie: Option<&str>) -> Result<LoadStats> {
    let cpu_before = server.cpu_seconds();
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--load", url, "--seconds", &args.seconds.to_string()]);
    if let Some(cookie) = cookie {
        command.args(["--cookie", cookie]);
    }
    let output = command.output()?;
    if !output.status.success() {
        bail!("load: {}", String::from_utf8_lossy(&output.stderr));
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let requests = json["requests"].as_f64().unwrap_or(0.0).max(1.0);
    Ok(LoadStats {
        rps: json["rps"].as_f64().unwrap_or(0.0),
        p99_ms: json["p99_ms"].as_f64().unwrap_or(0.0),
        server_cpu_us: (server.cpu_seconds() - cpu_before) * 1e6 / requests,
    })
}

/// The second process: 16 connections for `seconds`, bounded in time and requests.
async fn load(url: &str, cookie: Option<&str>, seconds: u64) -> Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, url, cookie) = (client.clone(), url.to_owned(), cookie.map(str::to_owned));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline && latencies.len() < 200_000 {
                let started = Instant::now();
                let mut request = client.get(&url);
                if let Some(cookie) = &cookie {
                    request = request.header("cookie", cookie);
                }
                let ok = request
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if !ok {
                    return Err(anyhow::anyhow!("request failed"));
                }
                latencies.push(started.elapsed());
            }
            Ok(latencies)
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    all.sort();
    let p99 = all.get(all.len() * 99 / 100).copied().unwrap_or_default();
    println!(
        "{}",
        serde_json::json!({"requests": all.len(), "rps": all.len() as f64 / elapsed, "p99_ms": p99.as_secs_f64() * 1000.0})
    );
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "tenu" } else { "**manqué**" }
}

/// The engine's version, and for PostgreSQL the memory and parallelism settings.
async fn engine_details(db: &Db) -> Result<String> {
    use parcours_persistence::ConnectionTrait;
    let one = |sql: &str| {
        let statement = parcours_persistence::Statement::from_string(db.backend(), sql.to_owned());
        async move {
            let row = db
                .conn()
                .query_one_raw(statement)
                .await?
                .context("no row")?;
            Ok::<String, anyhow::Error>(row.try_get_by_index::<String>(0)?)
        }
    };
    Ok(match db.backend() {
        parcours_persistence::DbBackend::Postgres => {
            let mut details = one("SHOW server_version").await?;
            for setting in [
                "shared_buffers",
                "work_mem",
                "max_parallel_workers_per_gather",
                "fsync",
                "synchronous_commit",
            ] {
                details.push_str(&format!(
                    ", {setting} = {}",
                    one(&format!("SHOW {setting}")).await?
                ));
            }
            format!("PostgreSQL {details}")
        }
        _ => format!(
            "SQLite {} (WAL, synchronous = NORMAL)",
            one("SELECT sqlite_version()").await?
        ),
    })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1024.0
                    / 1024.0
            })
        })
        .unwrap_or(0.0);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cores} cœurs ({cpu}), {memory:.0} Gio de mémoire")
}

fn render(args: &Args, sections: &[Section]) -> Result<String> {
    let mut out = String::new();
    use std::fmt::Write as _;
    writeln!(
        out,
        "# Parcours — mesures de performance
"
    )?;
    writeln!(
        out,
        "Produit par `just bench` (`cargo run --release -p parcours-bench`) le {}.",
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    )?;
    writeln!(
        out,
        "Machine : {}. Parcours {}. Données : `parcours seed synthetic` (graine 2026).",
        machine(),
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(
        out,
        "Les machines sont partagées : seuls les rapports mesurés dans un même passage ont du sens.
"
    )?;
    for s in sections {
        if s.large == 0 {
            writeln!(out, "## {} — import d'un tableur\n", s.engine)?;
            render_import(&mut out, s)?;
            continue;
        }
        writeln!(
            out,
            "## {} — {} porteurs, {} contacts (référence : {} porteurs)

Moteur : {}.
",
            s.engine, s.large, s.contacts, s.small, s.engine_details
        )?;
        writeln!(
            out,
            "### 1. Rapports : HTTP / même SQL exécuté directement (cible ≤ 1,25)
"
        )?;
        writeln!(
            out,
            "Période : les douze derniers mois ; médiane de cinq mesures appariées (HTTP puis SQL), après un premier appel.
"
        )?;
        writeln!(
            out,
            "| périmètre | rapport | HTTP (ms) | SQL direct (ms) | rapport | cible |
|---|---|---:|---:|---:|---|"
        )?;
        for (scope, name, http, sql) in &s.reports {
            let ratio = http.as_secs_f64() / sql.as_secs_f64().max(1e-6);
            writeln!(
                out,
                "| {scope} | {name} | {} | {} | {ratio:.2} | {} |",
                ms(*http),
                ms(*sql),
                verdict(ratio <= 1.25)
            )?;
        }
        writeln!(
            out,
            "
### 2. Liste des porteurs : {} / {} porteurs (cible ≤ 1,5)
",
            s.large, s.small
        )?;
        writeln!(
            out,
            "| requête | {} (ms) | {} (ms) | rapport | cible |
|---|---:|---:|---:|---|",
            s.small, s.large
        )?;
        for (name, small, large) in &s.lists {
            let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
            writeln!(
                out,
                "| {name} | {} | {} | {ratio:.2} | {} |",
                ms(*small),
                ms(*large),
                verdict(ratio <= 1.5)
            )?;
        }
        writeln!(
            out,
            "
### 2 bis. Pages : page HTML / réponses JSON avec les mêmes données, à {} porteurs (cible ≤ 1,25)

Médiane de sept mesures appariées après un premier appel. La fiche en JSON : `GET /holders/{{id}}`, `/consents` et `/timeline` ; la liste : `GET /holders?limit=50` (la page compte aussi les personnes).
",
            s.large
        )?;
        writeln!(
            out,
            "| page | page (ms) | JSON (ms) | rapport | cible |
|---|---:|---:|---:|---|"
        )?;
        for (name, page, json) in &s.pages {
            let ratio = page.as_secs_f64() / json.as_secs_f64().max(1e-6);
            writeln!(
                out,
                "| {name} | {} | {} | {ratio:.2} | {} |",
                ms(*page),
                ms(*json),
                verdict(ratio <= 1.25)
            )?;
        }
        writeln!(
            out,
            "
Première visite (page, feuille de style et script, compressés en gzip) : cible < 60 Ko et ≤ 5 requêtes.

| page | octets compressés | requêtes | cible |
|---|---:|---:|---|"
        )?;
        for (name, bytes, requests) in &s.weights {
            writeln!(
                out,
                "| {name} | {} | {requests} | {} |",
                parcours_domain::labels::thousands(*bytes as i64),
                verdict(*bytes < 60 * 1024 && *requests <= 5)
            )?;
        }
        let [holder, health, ready] = s.load;
        let throughput = holder.rps / health.rps.max(1e-6);
        let p99 = holder.p99_ms / health.p99_ms.max(1e-6);
        writeln!(out, "
### 3. `GET /api/v1/holders/{{id}}` authentifié sous charge, depuis un second processus ({} s, 16 connexions)

`/readyz` (une requête à la base, sans session) est donné pour situer le coût d'un aller-retour à la base.
", args.seconds)?;
        writeln!(
            out,
            "| mesure | fiche | /healthz | rapport | cible | /readyz |
|---|---:|---:|---:|---|---:|"
        )?;
        writeln!(
            out,
            "| débit (req/s) | {:.0} | {:.0} | {throughput:.2} | ≥ 0,3 : {} | {:.0} |",
            holder.rps,
            health.rps,
            verdict(throughput >= 0.3),
            ready.rps
        )?;
        writeln!(
            out,
            "| p99 (ms) | {:.1} | {:.1} | {p99:.2} | ≤ 5 : {} | {:.1} |",
            holder.p99_ms,
            health.p99_ms,
            verdict(p99 <= 5.0),
            ready.p99_ms
        )?;
        writeln!(
            out,
            "| CPU du serveur par requête (µs) | {:.0} | {:.0} | {:.1} | | {:.0} |",
            holder.server_cpu_us,
            health.server_cpu_us,
            holder.server_cpu_us / health.server_cpu_us.max(1e-6),
            ready.server_cpu_us
        )?;
        writeln!(
            out,
            "
Mémoire résidente maximale du serveur : {}.
",
            s.peak_rss_mib
                .map_or("non mesurée".to_owned(), |m| format!("{m:.0} Mio"))
        )?;
        if let Some((idle, parallel, after)) = s.login_memory {
            // One Argon2 hash (m = 19 MiB) is the unit: what a storm leaves behind.
            writeln!(
                out,
                "Mémoire après une rafale de connexions (serveur neuf) : {idle:.0} Mio au repos, {parallel:.0} Mio après 60 connexions simultanées, {after:.0} Mio après 40 de plus à la suite, soit {} hachages de 19 Mio au-dessus du repos ({}, attendu ≤ 4 : les hachages ont leurs tampons, réutilisés).
",
                format!("{:.1}", (after - idle) / 19.0).replace('.', ","),
                verdict((after - idle) / 19.0 <= 4.0)
            )?;
        }
        render_import(&mut out, s)?;
    }
    out.push_str(NOTES);
    Ok(out)
}

/// The import's line rate against the synthetic generator's holder rate.
fn render_import(out: &mut String, s: &Section) -> Result<()> {
    use std::fmt::Write as _;
    let Some(i) = &s.import else {
        return Ok(());
    };
    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64().max(1e-6);
    let (imported, generated) = (rate(i.lines, i.import), rate(i.generated, i.generation));
    let ratio = imported / generated.max(1e-6);
    writeln!(
        out,
        "### 4. Import d'un tableur : lignes importées par seconde / porteurs écrits par seconde par le générateur synthétique (cible ≥ 0,5)

`parcours holders import` d'un CSV de {} lignes (en-têtes français, dates JJ/MM/AAAA, téléphones avec espaces, situations en mots ; chaque ligne une personne différente ; {} créées) dans une structure d'une base neuve où le générateur vient d'écrire {} porteurs, avec leurs parcours, contacts et orientations. L'import lit le fichier, passe chaque ligne par les règles du formulaire d'inscription et les doublons de la structure, puis écrit tout en une transaction ; le temps est celui de la commande entière.

| mesure | import | générateur | rapport | cible |
|---|---:|---:|---:|---|
| porteurs par seconde | {imported:.0} | {generated:.0} | {ratio:.2} | {} |
| durée (s) | {:.1} | {:.1} | | |
",
        i.lines,
        i.created,
        i.generated,
        verdict(ratio >= 0.5),
        i.import.as_secs_f64(),
        i.generation.as_secs_f64()
    )?;
    Ok(())
}
