//! Test helpers: a database per test, the app on a loopback port, typed users.

use chrono::{DateTime, TimeZone, Utc};
use parcours_core::{Clock, Core};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::{DisplayName, Email, Role};
use parcours_http::{AppState, HttpSettings};
use parcours_mail::testing::SmtpSink;
use parcours_mail::{MailSettings, Mailer};
use parcours_persistence::{Db, DbSettings, organisations, schema, territories, users};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const PASSWORD: &str = "mot de passe de test";

/// Argon2 is slow on purpose: hash the shared test password once per process.
pub fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| parcours_core::passwords::hash(PASSWORD).unwrap())
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database of its own: a temporary SQLite file, or a new PostgreSQL database.
pub struct TestDb {
    pub url: String,
    file: Option<PathBuf>,
    /// On PostgreSQL: the server's administration URL and this database's name.
    pub postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var("PARCOURS_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = unique_name("parcours_t");
                let admin = Db::connect(&DbSettings::new(admin_url.clone()))
                    .await
                    .unwrap();
                use parcours_persistence::ConnectionTrait;
                admin
                    .conn()
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let (base, query) = match admin_url.split_once('?') {
                    Some((base, query)) => (base.to_owned(), format!("?{query}")),
                    None => (admin_url.clone(), String::new()),
                };
                let base = base
                    .rsplit_once('/')
                    .map_or(base.as_str(), |(b, _)| b)
                    .to_owned();
                Self {
                    url: format!("{base}/{name}{query}"),
                    file: None,
                    postgres: Some((admin_url, name)),
                }
            }
            _ => {
                let file = std::env::temp_dir().join(format!("{}.sqlite", unique_name("parcours")));
                Self {
                    url: format!("sqlite://{}?mode=rwc", file.display()),
                    file: Some(file),
                    postgres: None,
                }
            }
        }
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&DbSettings::new(self.url.clone()))
            .await
            .unwrap()
    }

    /// Connected and migrated.
    pub async fn migrated(&self) -> Db {
        let db = self.connect().await;
        schema::migrate(&db).await.unwrap();
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub organisation_id: i64,
    pub role: Role,
    pub territory_id: i64,
}

impl TestUser {
    /// The user as the use cases see them, to act without going through HTTP (to write
    /// history at past dates, say).
    pub fn actor(&self) -> parcours_core::Actor {
        parcours_core::Actor {
            user_id: self.id,
            organisation_id: self.organisation_id,
            territory_id: self.territory_id,
            role: self.role,
            request_id: None,
        }
    }
}

/// The real router, served on a loopback port, on its own database, with a clock the
/// test moves.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub clock: Clock,
    pub territory_id: i64,
    /// The state the router serves, for running jobs as the server would.
    pub state: AppState,
    /// Receives what the app's mailer sends.
    pub smtp: SmtpSink,
    /// Owns the database file, removed when the app is dropped.
    pub test_db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The settings of a test app: its HTTP side and its rules.
pub struct Settings {
    pub http: HttpSettings,
    pub core: parcours_core::Settings,
    /// How long a request waits for a connection or for SQLite's write lock; the
    /// default (seconds) when none.
    pub db_wait: Option<Duration>,
    /// Write e-mails as `.eml` files there, as the demonstration does, instead of
    /// sending them to the SMTP listener.
    pub mail_folder: Option<std::path::PathBuf>,
}

/// Plain http on loopback (no `Secure` cookies), default rules.
pub fn test_settings() -> Settings {
    Settings {
        http: HttpSettings {
            secure: false,
            ..HttpSettings::default()
        },
        core: parcours_core::Settings {
            // Tests log in many times from 127.0.0.1; the limit has its own test.
            login_per_address_per_minute: 0,
            ..parcours_core::Settings::default()
        },
        db_wait: None,
        mail_folder: None,
    }
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(test_settings()).await
    }

    pub async fn start_with(mut settings: Settings) -> Self {
        let test_db = TestDb::new().await;
        let db = test_db.migrated().await;
        let db = match settings.db_wait {
            None => db,
            Some(wait) => {
                db.close().await.unwrap();
                Db::connect(&DbSettings {
                    busy_timeout: wait,
                    acquire_timeout: wait,
                    ..DbSettings::new(test_db.url.clone())
                })
                .await
                .unwrap()
            }
        };
        // Bound first, so that links in e-mails lead to this very server.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        settings.core.public_url = base.clone();
        let clock = Clock::manual(t0());
        let smtp = SmtpSink::start().await;
        let from = "Parcours <ne-pas-repondre@parcours.test>";
        let mailer = match &settings.mail_folder {
            Some(folder) => Mailer::to_folder(folder, from).unwrap(),
            None => Mailer::new(&MailSettings {
                smtp_url: smtp.url().into(),
                from: from.into(),
                timeout: Duration::from_secs(5),
            })
            .unwrap(),
        };
        let core = Core::new(db.clone(), settings.core, mailer);
        let state = AppState::new(core, settings.http, clock.clone());
        let app = parcours_http::router(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let territory_id = territories::upsert(
            db.conn(),
            &territories::TerritoryInput {
                code: "T-TEST",
                name: "Territoire de test",
                communes: vec![("00101", "Villetest")],
            },
            t0(),
        )
        .await
        .unwrap();
        Self {
            base,
            db,
            clock,
            territory_id,
            state,
            smtp,
            test_db,
            server,
        }
    }

    /// Delivers the outbox now, as the server's worker would.
    pub async fn deliver_mail(&self) -> parcours_core::outbox::Delivery {
        parcours_core::outbox::deliver_due(&self.state.core, &self.clock)
            .await
            .unwrap()
    }

    /// Runs the referral deadlines now, as the server's scheduler would.
    pub async fn run_deadlines(&self) -> parcours_core::referrals::Deadlines {
        parcours_core::referrals::run_deadlines(&self.state.core, self.clock.now())
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn organisation(&self, name: &str, kind: OrganisationKind) -> i64 {
        organisations::upsert(
            self.db.conn(),
            &organisations::OrganisationInput {
                name,
                kind,
                territory_id: self.territory_id,
                notification_email: Some("structure@exemple.test"),
            },
            t0(),
        )
        .await
        .unwrap()
    }

    pub async fn user(&self, organisation_id: i64, role: Role) -> TestUser {
        let email = format!(
            "{}@exemple.test",
            unique_name(role.as_str()).replace('_', ".")
        );
        let user = users::create(
            self.db.conn(),
            &users::NewUser {
                organisation_id,
                email: &Email::parse(&email).unwrap(),
                display_name: &DisplayName::parse("Personne de Test").unwrap(),
                role,
                password_hash: password_hash(),
            },
            t0(),
        )
        .await
        .unwrap();
        TestUser {
            id: user.id,
            email: user.email,
            organisation_id,
            role,
            territory_id: self.territory_id,
        }
    }

    /// An adviser of a new CitésLab organisation.
    pub async fn adviser(&self) -> TestUser {
        let org = self
            .organisation("CitésLab Test", OrganisationKind::Citeslab)
            .await;
        self.user(org, Role::Adviser).await
    }

    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap()
    }

    pub async fn login_response(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// A client holding a live session for `user`.
    pub async fn login(&self, user: &TestUser) -> reqwest::Client {
        let client = self.anonymous();
        let response = self.login_response(&client, &user.email, PASSWORD).await;
        assert_eq!(response.status(), 200, "login of {}", user.email);
        client
    }
}

/// The status `client` gets for `GET /api/v1/me`: 200 with a live session, 401 without.
pub async fn me_status(app: &TestApp, client: &reqwest::Client) -> u16 {
    client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Reads a problem+json body, checking the content type.
pub async fn problem(response: reqwest::Response) -> serde_json::Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    response.json().await.unwrap()
}

/// The fields a 422 problem names, in order.
pub fn fields(body: &serde_json::Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The OpenAPI document, as served.
pub fn openapi_json() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(parcours_http::openapi()).unwrap())
}

/// Whether the document declares `status` among the answers of `method` on `path` (a
/// concrete path, its query string ignored; `{…}` segments of the templates match any).
pub fn documented(method: &str, path: &str, status: u16) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let paths = openapi_json()["paths"].as_object().unwrap();
    let template = paths.keys().find(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || t.starts_with('{'))
    });
    template.is_some_and(|t| {
        paths[t][method.to_lowercase()]["responses"]
            .get(status.to_string())
            .is_some()
    })
}
