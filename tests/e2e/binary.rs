//! The real `parcours` binary: the README's demo command, configuration errors, the
//! operator commands and graceful shutdown.

use crate::support::TestDb;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_parcours");

fn temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "parcours-bin-{}-{nanos}-{name}",
        std::process::id()
    ))
}

/// The binary, with none of the developer's settings, and no drain on shutdown (the
/// drain has its own test).
pub(crate) fn parcours() -> Command {
    let mut command = Command::new(BIN);
    // Keep the developer's environment from leaking into the test.
    for (key, _) in std::env::vars() {
        if key.starts_with("PARCOURS__") {
            command.env_remove(key);
        }
    }
    command.env("RUST_LOG", "warn");
    command.env("PARCOURS__SERVER__DRAIN_SECONDS", "0");
    command
}

/// A running server and the lines it printed up to "écoute sur".
struct Running {
    child: Child,
    base: String,
    printed: Vec<String>,
    /// What it logged, when started with [`Running::start_logging`]; complete once
    /// [`Running::terminate`] returns.
    logs: Arc<Mutex<Vec<String>>>,
    log_reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn start(command: Command) -> Self {
        Self::spawn(command, false)
    }

    /// Started with its log lines (stderr) kept in `logs`.
    fn start_logging(command: Command) -> Self {
        Self::spawn(command, true)
    }

    #[expect(
        clippy::zombie_processes,
        reason = "terminate() waits; Drop kills and waits"
    )]
    fn spawn(mut command: Command, keep_logs: bool) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(if keep_logs {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let log_reader = child.stderr.take().map(|stderr| {
            let logs = Arc::clone(&logs);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    logs.lock().unwrap().push(line);
                }
            })
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut printed = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("server did not start; printed {printed:?}"));
            if let Some(address) = line.strip_prefix("Parcours écoute sur ") {
                let base = address.to_owned();
                printed.push(line);
                return Self {
                    child,
                    base,
                    printed,
                    logs,
                    log_reader,
                };
            }
            printed.push(line);
        }
    }

    fn terminate(self) -> std::process::ExitStatus {
        self.signal_term();
        self.wait_for_exit()
    }

    fn signal_term(&self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    }

    /// Waits (at most 30 s) for the process to exit by itself.
    fn wait_for_exit(mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.log_reader.take() {
                    reader.join().unwrap();
                }
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(base: &str, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_creates_seeds_serves_and_prints_the_logins() {
    let db = temp_path("demo.sqlite");
    let mut command = parcours();
    command.args([
        "demo",
        "--db",
        db.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let server = Running::start(command);
    let logins: Vec<&String> = server
        .printed
        .iter()
        .filter(|l| l.contains("@") && l.contains(".demo.test"))
        .collect();
    assert!(logins.len() >= 9, "{:?}", server.printed);
    let page = format!(
        "Se connecter dans un navigateur : {}/connexion",
        server.base
    );
    assert!(server.printed.contains(&page), "{:?}", server.printed);
    for role in ["adviser", "coordinator", "org_admin", "admin"] {
        assert!(
            logins
                .iter()
                .any(|l| l.split_whitespace().any(|w| w == role)),
            "no {role}"
        );
    }
    for org in [
        "CitésLab",
        "ADIE",
        "BGE",
        "France Active",
        "Initiative",
        "CAE",
        "Centre d'affaires de quartier",
    ] {
        assert!(logins.iter().any(|l| l.contains(org)), "no {org}");
    }
    let password = server
        .printed
        .iter()
        .find_map(|l| l.strip_prefix("mot de passe : "))
        .expect("password line")
        .to_owned();
    let email = logins[0].split_whitespace().next().unwrap().to_owned();
    let response = login(&server.base, &email, &password).await;
    assert_eq!(response.status(), 200);
    assert!(
        !response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    let coordinator = logins.iter().find(|l| l.contains("coordinator")).unwrap();
    let coordinator_email = coordinator.split_whitespace().next().unwrap();
    let me: serde_json::Value = login(&server.base, coordinator_email, &password)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "coordinator");
    // Every page has something real to show: a CitésLab adviser's follow-ups, the
    // referrals a partner has to answer.
    for (email, expected) in [
        ("awa.diallo@citeslab.vds.demo.test", "tag late"),
        ("julie.martin@adie.vds.demo.test", "Accepter<span"),
    ] {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let signed = browser
            .post(format!("{}/connexion", server.base))
            .form(&[
                ("email", email),
                ("password", password.as_str()),
                ("suite", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 200, "{email}");
        let today = signed.text().await.unwrap();
        assert!(today.contains(expected), "{email}: {today}");
    }
    demo_mail_lands_in_its_folder(&server, &db, &password).await;
    assert_eq!(server.terminate().code(), Some(0));

    // Run again: the file is reused, the demo accounts still work.
    let mut again = parcours();
    again.args([
        "demo",
        "--db",
        db.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let server = Running::start(again);
    assert!(
        server.printed.iter().any(|l| l.contains("réutilisée")),
        "{:?}",
        server.printed
    );
    assert_eq!(login(&server.base, &email, &password).await.status(), 200);
    assert_eq!(server.terminate().code(), Some(0));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// Without `mail.smtp_url`, the demonstration sends nothing: a referral's e-mail is
/// written as an `.eml` file beside the database, and listed on /demo/courriels with its
/// link to the referral.
async fn demo_mail_lands_in_its_folder(server: &Running, db: &std::path::Path, password: &str) {
    let folder = db.with_file_name(format!(
        "{}-courriels",
        db.file_stem().unwrap().to_string_lossy()
    ));
    assert!(
        server
            .printed
            .iter()
            .any(|l| l.contains(&format!("Courriels écrits dans {}/", folder.display()))),
        "{:?}",
        server.printed
    );
    let api = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let url = |path: &str| format!("{}{path}", server.base);
    let signed = api
        .post(url("/api/v1/session"))
        .json(&serde_json::json!({"email": "awa.diallo@citeslab.vds.demo.test", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let organisations: serde_json::Value = api
        .get(url("/api/v1/organisations?limit=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let adie = organisations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "adie")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let holder: serde_json::Value = api
        .post(url("/api/v1/holders"))
        .json(&serde_json::json!({"first_name": "Inès", "last_name": "Courriel", "phone": "0611223344"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let holder = holder["id"].as_i64().unwrap();
    let consent = api
        .post(url(&format!("/api/v1/holders/{holder}/consents")))
        .json(&serde_json::json!({"purpose": "partage_partenaires", "given": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 201);
    let sent: serde_json::Value = api
        .post(url("/api/v1/referrals"))
        .json(&serde_json::json!({"holder_id": holder, "to_organisation_id": adie, "need": "Microcrédit"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = format!("/orientations/{}", sent["id"].as_i64().unwrap());
    // The worker polls every 5 s.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let page = loop {
        let page = reqwest::get(url("/demo/courriels"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // The link leads to this very demo, whatever port it got.
        if page.contains(&format!("href=\"{}{link}\"", server.base))
            && page.contains("écrit dans le dossier")
        {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "{page}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(page.contains("Nouvelle orientation"));
    let written: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        // Quoted-printable folds long lines with a trailing `=`.
        .map(|eml| eml.replace("=\r\n", "").replace("=\n", ""))
        .collect();
    assert!(
        written
            .iter()
            .any(|eml| eml.contains("Subject:") && eml.contains(&link)),
        "no .eml with {link} in {}",
        folder.display()
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_bad_config_file_gets_one_line_and_exit_code_2() {
    let file = temp_path("bad.toml");
    std::fs::write(&file, "[server]\nlisten = \"nulle part\"\n").unwrap();
    let output = parcours()
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("server.listen"), "{stderr}");
    let _ = std::fs::remove_file(file);

    let output = parcours()
        .env("PARCOURS__SESSION__IDLE_TIMEOUT_MINUTES", "jamais")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("session.idle_timeout_minutes")
    );
}

/// A database URL never comes back in a message, password and all: a malformed one is a
/// configuration error (exit 2, the key named), an unreachable server says why.
#[test]
fn database_urls_are_never_printed_back() {
    for url in [
        "postgres://parcours:secretpw@localhost:notaport/parcours",
        "mysql://parcours:secretpw@localhost/parcours",
    ] {
        let output = parcours()
            .env("PARCOURS__DATABASE__URL", url)
            .arg("migrate")
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("database.url"), "{stderr}");
        assert!(!stderr.contains("secretpw"), "{stderr}");
    }
    // Nothing listens on port 1 of loopback: refused, and said so.
    let output = parcours()
        .env(
            "PARCOURS__DATABASE__URL",
            "postgres://parcours:secretpw@127.0.0.1:1/parcours",
        )
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("secretpw"), "{stderr}");
    assert!(!stderr.contains("pool timed out"), "{stderr}");
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
}

#[test]
fn help_is_in_french_at_every_level() {
    for args in [
        vec!["--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["demo", "-h"],
    ] {
        let output = parcours().args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("Usage : "), "{args:?}: {text}");
        assert!(text.contains("Affiche cette aide"), "{args:?}: {text}");
        assert!(!text.contains("Print help"), "{args:?}: {text}");
    }
}

fn serve_command(db: &TestDb) -> Command {
    let mut command = parcours();
    command
        .env("PARCOURS__DATABASE__URL", &db.url)
        .env("PARCOURS__SERVER__SECURE", "false")
        .args(["serve", "--listen", "127.0.0.1:0"]);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_an_unmigrated_database_then_runs_after_migrate() {
    let db = TestDb::new().await;
    let output = serve_command(&db).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("parcours migrate"), "{stderr}");

    let migrate = parcours()
        .env("PARCOURS__DATABASE__URL", &db.url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let server = Running::start(serve_command(&db));
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_a_schema_newer_than_itself() {
    let db = TestDb::new().await;
    let conn = db.migrated().await;
    use parcours_persistence::ConnectionTrait;
    conn.conn()
        .execute_unprepared("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_the_future', 0)")
        .await
        .unwrap();
    let output = serve_command(&db).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("plus récent")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_manage_accounts_from_the_command_line() {
    let db = TestDb::new().await;
    let seeds = temp_path("seeds");
    std::fs::create_dir_all(&seeds).unwrap();
    std::fs::write(
        seeds.join("territories.toml"),
        "[[territories]]\ncode = \"T1\"\nname = \"Territoire\"\n",
    )
    .unwrap();
    std::fs::write(
        seeds.join("organisations.toml"),
        "[[organisations]]\nname = \"BGE Test\"\nkind = \"bge\"\nterritory = \"T1\"\n",
    )
    .unwrap();
    let env = |command: &mut Command| {
        command.env("PARCOURS__DATABASE__URL", &db.url);
    };
    let mut migrate = parcours();
    env(&mut migrate);
    assert!(migrate.arg("migrate").output().unwrap().status.success());
    let mut seed = parcours();
    env(&mut seed);
    let seeded = seed
        .args(["seed", seeds.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    let add = |password: &str| {
        let mut add = parcours();
        env(&mut add);
        let mut child = add
            .args([
                "user",
                "add",
                "--email",
                "Lea.Petit@bge.test",
                "--name",
                "Léa Petit",
                "--org",
                "BGE Test",
                "--role",
                "adviser",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = add("court");
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 caractères"));
    let created = add("une longue phrase secrète");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let duplicate = add("une longue phrase secrète");
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("existe déjà"));

    let mut command = parcours();
    command
        .env("PARCOURS__DATABASE__URL", &db.url)
        .env("PARCOURS__SERVER__SECURE", "false")
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Running::start(command);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(format!("{}/api/v1/session", server.base))
        .json(&serde_json::json!({"email": "lea.petit@bge.test", "password": "une longue phrase secrète"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        client
            .get(format!("{}/api/v1/me", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let mut disable = parcours();
    env(&mut disable);
    assert!(
        disable
            .args(["user", "disable", "--email", "lea.petit@bge.test"])
            .output()
            .unwrap()
            .status
            .success()
    );
    // Revoked at once, on the running server.
    assert_eq!(
        client
            .get(format!("{}/api/v1/me", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(server.terminate().code(), Some(0));
    let _ = std::fs::remove_dir_all(seeds);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_requests_in_flight_finish() {
    use std::io::Read;
    let db = TestDb::new().await;
    db.migrated().await;
    let server = Running::start(serve_command(&db));
    let address = server.base.trim_start_matches("http://").to_owned();
    // A login whose body is still arriving when SIGTERM comes: the handler is running.
    let body = br#"{"email":"personne@exemple.test","password":"un mot de passe"}"#;
    let (first, rest) = body.split_at(10);
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/session HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused while the one in flight is served to the end.
    assert!(
        reqwest::get(format!("{}/healthz", server.base))
            .await
            .is_err()
    );
    stream.write_all(rest).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("invalid-credentials"));
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Behind a load balancer: on SIGTERM, `/readyz` turns 503 for the drain delay while
/// every other route still answers, then the process stops cleanly.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_drains_readiness_before_closing() {
    let db = TestDb::new().await;
    db.migrated().await;
    let mut command = serve_command(&db);
    command.env("PARCOURS__SERVER__DRAIN_SECONDS", "3");
    let server = Running::start(command);
    let url = |path: &str| format!("{}{path}", server.base);
    assert_eq!(reqwest::get(url("/readyz")).await.unwrap().status(), 200);
    server.signal_term();
    let signalled = Instant::now();
    let draining = loop {
        let response = reqwest::get(url("/readyz")).await.unwrap();
        if response.status() == 503 {
            break response;
        }
        assert_eq!(response.status(), 200);
        assert!(
            signalled.elapsed() < Duration::from_secs(2),
            "/readyz still ready after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        draining.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = draining.json().await.unwrap();
    assert_eq!(problem["type"], "urn:parcours:problem:unavailable");
    assert_eq!(problem["status"], 503);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("Arrêt en cours"),
        "{problem}"
    );
    // Every other route still answers, the database included.
    assert_eq!(reqwest::get(url("/healthz")).await.unwrap().status(), 200);
    assert_eq!(
        login(&server.base, "personne@exemple.test", "un mot de passe")
            .await
            .status(),
        401
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "checked during the drain"
    );
    let status = tokio::task::spawn_blocking(move || server.wait_for_exit())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        signalled.elapsed() >= Duration::from_secs(3),
        "the drain lasted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_qpv_list_is_imported_and_updated() {
    let db = TestDb::new().await;
    let conn = db.migrated().await;
    let file = temp_path("qpv.csv");
    // The ANCT layout: BOM, semicolons, extra columns, one row per quartier and commune.
    std::fs::write(
        &file,
        "\u{feff}code_qp;lib_qp;dep;insee_com;lib_com;pop\n\
         QN00101A;Les Tilleuls;001;00101;Villetest;2300\n\
         QN00102A;Le Moulin;001;00102;Autreville;1800\n\
         QN00102A;Le Moulin;001;00103;Troisville;1800\n",
    )
    .unwrap();
    let import = || {
        parcours()
            .env("PARCOURS__DATABASE__URL", &db.url)
            .args(["qpv", "import", file.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let first = import();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        String::from_utf8_lossy(&first.stdout)
            .contains("2 créé(s), 0 mis à jour, 3 rattachement(s)")
    );
    let second = import();
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 créé(s), 2 mis à jour"));
    let found = parcours_persistence::qpv::search(conn.conn(), "moulin", 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].communes.len(), 2);

    std::fs::write(
        &file,
        "code_qp;lib_qp;insee_com;lib_com\nQN00101A;A;00101;V\nXX;B;00101;V\n",
    )
    .unwrap();
    let bad = import();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ligne 3"));
    let _ = std::fs::remove_file(file);
}

/// The published ANCT 2024 list, as it is (`tests/fixtures/qpv-anct-2024.csv`: BOM,
/// `;`, CRLF, INSEE codes as Excel formulas, a quartier over two communes in one cell),
/// then as a spreadsheet may save it again (`,`, LF, Windows-1252); a bad line is
/// named with its field, and nothing of the file is written.
#[tokio::test(flavor = "multi_thread")]
async fn the_published_anct_2024_list_is_imported_as_it_is() {
    use parcours_persistence::qpv;
    let db = TestDb::new().await;
    let conn = db.migrated().await;
    let conn = conn.conn();
    let published = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/qpv-anct-2024.csv"
    ))
    .unwrap();
    let file = temp_path("QP2024.csv");
    let import = || {
        parcours()
            .env("PARCOURS__DATABASE__URL", &db.url)
            .args(["qpv", "import", file.to_str().unwrap()])
            .output()
            .unwrap()
    };

    std::fs::write(&file, &published).unwrap();
    let first = import();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        String::from_utf8_lossy(&first.stdout)
            .contains("3 créé(s), 0 mis à jour, 4 rattachement(s)"),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    // Every commune of the quartier is kept, and each finds it.
    for commune in ["13055", "13070", "60057", "2A004"] {
        assert_eq!(
            qpv::count_in_commune(conn, commune).await.unwrap(),
            1,
            "{commune}"
        );
    }
    let calanques = qpv::search(conn, "penne", 10).await.unwrap();
    assert_eq!(calanques.len(), 1);
    assert_eq!(calanques[0].code, "QN01301M");
    assert_eq!(
        calanques[0].communes,
        [
            ("13055".to_owned(), "Marseille".to_owned()),
            ("13070".to_owned(), "La Penne-sur-Huveaune".to_owned())
        ]
    );

    // Saved again by a spreadsheet: commas, LF, Windows-1252.
    let text = String::from_utf8(published).unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b',')
        .from_writer(Vec::new());
    for row in rows.records() {
        writer.write_record(&row.unwrap()).unwrap();
    }
    let resaved = String::from_utf8(writer.into_inner().unwrap())
        .unwrap()
        .replace("Calanques", "Calanques (réenregistré)");
    let latin1: Vec<u8> = resaved
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    std::fs::write(&file, latin1).unwrap();
    let second = import();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 créé(s), 3 mis à jour"));
    assert_eq!(
        qpv::search(conn, "QN01301M", 1).await.unwrap()[0].name,
        "Quartier fictif des Calanques (réenregistré)"
    );

    // A bad line: named with its field, and the good line before it is not written.
    std::fs::write(
        &file,
        "code_qp;lib_qp;insee_com;lib_com\r\n\
         QN06002M;Nouveau;\"=\"\"60057\"\"\";Beauvais\r\n\
         QN06003M;Autre;\"=\"\"6005\"\"\";Beauvais\r\n",
    )
    .unwrap();
    let bad = import();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("ligne 3, champ insee_com : « 6005 » n'est pas un code commune INSEE"),
        "{stderr}"
    );
    assert!(stderr.contains("Rien n'a été importé"), "{stderr}");
    assert!(!qpv::exists(conn, "QN06002M").await.unwrap());
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_outbox_workers_send_each_message_exactly_once() {
    let db = TestDb::new().await;
    let conn = db.migrated().await;
    for n in 0..30 {
        parcours_persistence::outbox::enqueue(
            conn.conn(),
            parcours_persistence::outbox::NewMessage {
                kind: "test".into(),
                recipient: format!("dest{n}@exemple.test"),
                subject: format!("Message {n}"),
                text: "Bonjour".into(),
                html: "<p>Bonjour</p>".into(),
                message_id: format!("<worker-{n}@parcours.test>"),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }
    let sink = parcours_mail::testing::SmtpSink::start().await;
    let worker = || {
        parcours()
            .env("PARCOURS__DATABASE__URL", &db.url)
            .env("PARCOURS__MAIL__SMTP_URL", sink.url())
            .args(["outbox", "run"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Two processes at once, as two servers behind a load balancer would run.
    let (first, second) = (worker(), worker());
    let (first, second) = tokio::task::spawn_blocking(move || {
        (
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        )
    })
    .await
    .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let received = sink.received().await;
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Message-ID:"))
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (30, 30));
    let status = parcours()
        .env("PARCOURS__DATABASE__URL", &db.url)
        .args(["outbox", "status"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&status.stdout)
            .contains("En attente : 0   envoyés : 30   abandonnés : 0")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn synthetic_data_is_deterministic_and_leaves_the_database_usable() {
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let db = TestDb::new().await;
        let conn = db.migrated().await;
        let output = parcours()
            .env("PARCOURS__DATABASE__URL", &db.url)
            .args(["seed", "synthetic", "--holders", "1500", "--seed", "7"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("100 %"),
            "progress is shown"
        );
        let summary = String::from_utf8_lossy(&output.stdout).to_string();
        // Everything after the timing is the same for the same seed.
        outputs.push(summary.split(" s : ").nth(1).unwrap_or_default().to_owned());
        // Ids continue after the generated ones (PostgreSQL sequences included).
        let org = parcours_persistence::organisations::list(
            conn.conn(),
            &parcours_persistence::organisations::ListQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0
        .remove(0);
        let user = parcours_persistence::users::create(
            conn.conn(),
            &parcours_persistence::users::NewUser {
                organisation_id: org.id,
                email: &parcours_domain::users::Email::parse("apres@synthetique.test").unwrap(),
                display_name: &parcours_domain::users::DisplayName::parse("Après").unwrap(),
                role: parcours_domain::users::Role::Adviser,
                password_hash: "!",
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        assert!(user.id > 16);
        let (_, entry) =
            parcours_domain::pathway::Pathway::start(parcours_domain::pathway::Stage::Information);
        let holder = parcours_persistence::holders::create(
            conn.conn(),
            org.id,
            user.id,
            parcours_persistence::holders::HolderFields::named("Après".into(), "Génération".into()),
            &entry,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        assert!(holder.id > 1500);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert!(outputs[0].contains("1500 porteur(s)"), "{}", outputs[0]);
}

/// The JSON logs say who did what — every request line carries the user's id once
/// signed in, a refused access to another organisation's file leaves a warning with the
/// ids — and never a name, an e-mail address or a password.
#[tokio::test(flavor = "multi_thread")]
async fn logs_say_who_did_what_and_nothing_personal() {
    let db = temp_path("logs.sqlite");
    let mut command = parcours();
    command
        .env("PARCOURS__LOG__FORMAT", "json")
        .env("RUST_LOG", "info")
        .args([
            "demo",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ]);
    let server = Running::start_logging(command);
    let password = server
        .printed
        .iter()
        .find_map(|l| l.strip_prefix("mot de passe : "))
        .unwrap()
        .to_owned();
    let client = |email: &'static str| {
        let base = server.base.clone();
        let password = password.clone();
        async move {
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap();
            let me: serde_json::Value = client
                .post(format!("{base}/api/v1/session"))
                .json(&serde_json::json!({ "email": email, "password": password }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (client, me["id"].as_i64().unwrap())
        }
    };
    let (citeslab, citeslab_id) = client("awa.diallo@citeslab.vds.demo.test").await;
    let (adie, _) = client("julie.martin@adie.vds.demo.test").await;
    let listed: serde_json::Value = adie
        .get(format!("{}/api/v1/holders?limit=1", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = &listed["items"][0];
    let holder_id = theirs["id"]
        .as_i64()
        .expect("ADIE follows someone in the demo");
    let refused = citeslab
        .get(format!("{}/api/v1/holders/{holder_id}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    let wrong = login(
        &server.base,
        "awa.diallo@citeslab.vds.demo.test",
        "pas le bon",
    )
    .await;
    assert_eq!(wrong.status(), 401);
    let kept = Arc::clone(&server.logs);
    assert_eq!(server.terminate().code(), Some(0));

    let logs = kept.lock().unwrap().clone();
    let lines: Vec<serde_json::Value> = logs
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let refusal = lines
        .iter()
        .find(|l| l["message"] == "access to a file refused")
        .unwrap_or_else(|| panic!("no refusal logged: {logs:#?}"));
    assert_eq!(refusal["user_id"], citeslab_id);
    assert_eq!(refusal["holder_id"], holder_id);
    let answered = lines
        .iter()
        .find(|l| {
            l["message"] == "response"
                && l["status"] == 404
                && l["span"]["route"] == "/api/v1/holders/{id}"
        })
        .unwrap_or_else(|| panic!("no response line: {logs:#?}"));
    assert_eq!(answered["span"]["user_id"], citeslab_id, "{answered}");
    let all = logs.join("\n");
    for secret in [
        "awa.diallo",
        "julie.martin",
        "pas le bon",
        password.as_str(),
        theirs["first_name"].as_str().unwrap(),
        theirs["last_name"].as_str().unwrap(),
    ] {
        assert!(!all.contains(secret), "{secret:?} logged");
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
