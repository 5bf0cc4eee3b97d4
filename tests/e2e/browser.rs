//! The web pages in a real browser: Chromium, headless, driven over WebDriver through
//! chromedriver, on the app served on 127.0.0.1. The same day as `pages.rs`, but typed
//! and clicked, with the page script on (search as you type, the error summary taking
//! the focus); a full-size screenshot of each page under `target/screenshots/`; axe-core
//! run on each page, failing on any violation of impact serious or critical; the file,
//! the list, Aujourd'hui and the registration form checked at 360 px wide too.
//!
//! Needs `chromium`, `chromedriver` and axe-core 4.14.1 in
//! `target/axe-core-4.14.1/axe.min.js` (`bash .ci/fetch-axe` puts it there). Without
//! them the tests say why and pass, unless `PARCOURS_BROWSER_TESTS=1` (as in CI), when
//! anything missing is a failure.

mod dashboard;
mod event_pages;
mod hosting;
mod personal_data;
mod story;

use crate::support::{PASSWORD, TestApp, TestUser};
use chrono::Duration;
use fantoccini::{Client, ClientBuilder, Locator};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const AXE_VERSION: &str = "4.14.1";
/// How long a page may take to show what a step waits for; generous, as the whole
/// suite shares two cores with the browser.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);
/// The widths tried: an adviser's laptop, and a phone at a permanence.
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (360, 800);

fn workspace_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// What the tests need from the machine.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn find_tools() -> Result<Tools, String> {
    let chromium = on_path(&["chromium", "chromium-browser", "google-chrome"])
        .ok_or("no chromium on PATH (apt-get install chromium)")?;
    let chromedriver = on_path(&["chromedriver"])
        .ok_or("no chromedriver on PATH (apt-get install chromium-driver)")?;
    let axe_path = workspace_target().join(format!("axe-core-{AXE_VERSION}/axe.min.js"));
    let axe = std::fs::read_to_string(&axe_path)
        .map_err(|e| format!("no {} ({e}); run bash .ci/fetch-axe", axe_path.display()))?;
    if !axe.starts_with(&format!("/*! axe v{AXE_VERSION}")) {
        return Err(format!("{} is not axe {AXE_VERSION}", axe_path.display()));
    }
    Ok(Tools {
        chromium,
        chromedriver,
        axe,
    })
}

/// The tools, or `None` after saying why the test does not run. With
/// `PARCOURS_BROWSER_TESTS=1`, a missing tool fails the test instead.
fn tools() -> Option<Tools> {
    let required = std::env::var("PARCOURS_BROWSER_TESTS").is_ok_and(|v| v == "1");
    match find_tools() {
        Ok(tools) => Some(tools),
        Err(why) if required => panic!("PARCOURS_BROWSER_TESTS=1, but {why}"),
        Err(why) => {
            // Straight to the terminal: the test harness hides what `eprintln!` says
            // in a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "browser test skipped: {why}. Set PARCOURS_BROWSER_TESTS=1 to make this a failure."
            );
            None
        }
    }
}

/// A chromedriver of this test, on a free loopback port. Dropping it closes the
/// browsers it started, then ends it.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start(chromedriver: &Path, log: &Path) -> Self {
        // The port is free now; chromedriver takes it a moment later.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            // Its default level logs each script sent: axe, 654 KB a page.
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", chromedriver.display()));
        let status = format!("http://127.0.0.1:{port}/status");
        let started = Instant::now();
        loop {
            if let Some(exit) = child.try_wait().unwrap() {
                panic!(
                    "chromedriver stopped at once ({exit}); see {}",
                    log.display()
                );
            }
            if let Ok(response) = reqwest::get(&status).await
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == true
            {
                return Self { child, port };
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver not ready; see {}",
                log.display()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // `/shutdown` makes chromedriver quit its browsers before it exits, which a
        // kill would not: Chromium would outlive the test. Blocking I/O, as drop may
        // run while a panic unwinds the runtime.
        let timeout = std::time::Duration::from_secs(5);
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(timeout));
            let _ = stream.set_write_timeout(Some(timeout));
            let _ = stream.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let asked = Instant::now();
        while asked.elapsed() < timeout {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A violation axe reported, as printed.
struct Violation {
    page: String,
    id: String,
    impact: String,
    help: String,
    targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {} ({}): {} — {}",
            self.page,
            self.id,
            self.impact,
            self.help,
            self.targets.join(" | ")
        )
    }
}

const AXE_RUN: &str = r"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then((results) => done(results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }))))
  .catch((e) => done({ error: String(e) }));
";

/// Chromium on the test's app: the steps of a test type, click, and look; each page
/// checked gets its screenshot and its axe run.
struct Browser {
    // Fields drop in order: the session first, then its driver.
    client: Client,
    _driver: Driver,
    base: String,
    axe: String,
    /// Screenshots are `<name>-<step number>-<step>.png`.
    name: String,
    step: u32,
    violations: Vec<Violation>,
}

impl Browser {
    async fn open(app: &TestApp, tools: Tools, name: &str) -> Self {
        let shots = workspace_target().join("screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        for old in std::fs::read_dir(&shots).unwrap().flatten() {
            if old
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}-"))
            {
                let _ = std::fs::remove_file(old.path());
            }
        }
        let driver = Driver::start(
            &tools.chromedriver,
            &shots.join(format!("{name}-chromedriver.log")),
        )
        .await;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": tools.chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // Dates and messages as the French advisers see them.
                    "--lang=fr-FR",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("no browser session: {e}"));
        Self {
            client,
            _driver: driver,
            base: app.url(""),
            axe: tools.axe,
            name: name.to_owned(),
            step: 0,
            violations: Vec::new(),
        }
    }

    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    /// Waits until `condition` (a JavaScript expression) holds on the page.
    async fn wait_for(&self, condition: &str, what: &str) {
        let script = format!("return !!({condition});");
        let started = Instant::now();
        loop {
            // A navigation under way makes a script fail: try again.
            if let Ok(Value::Bool(true)) = self.client.execute(&script, vec![]).await {
                return;
            }
            if started.elapsed() > PATIENCE {
                let url = self.client.current_url().await.map(|u| u.to_string());
                let text = self.text("body").await;
                panic!("waited for {what} ({condition}) on {url:?}; the page says:\n{text}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits for a page whose text contains `text`, fully loaded.
    async fn wait_for_text(&self, text: &str) {
        self.wait_for(
            &format!(
                "document.readyState === 'complete' && document.body.innerText.includes({})",
                json!(text)
            ),
            &format!("« {text} »"),
        )
        .await;
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    /// The text of the first element matching `css`, as shown.
    async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Sets a date field; typing into one depends on the browser's locale.
    async fn set_date(&self, css: &str, date: &str) {
        self.js(
            "const f = document.querySelector(arguments[0]); f.value = arguments[1]; \
             f.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(css), json!(date)],
        )
        .await;
    }

    /// Marks the current document: a navigation replaces it, a script update does not.
    async fn mark_document(&self) {
        self.js("window.parcoursTestMark = true;", vec![]).await;
    }

    async fn document_is_marked(&self) -> bool {
        self.js("return window.parcoursTestMark === true;", vec![])
            .await
            == Value::Bool(true)
    }

    /// Signs in through the form, from the sign-in page shown.
    async fn sign_in(&self, user: &TestUser) {
        self.wait_for("document.querySelector('#champ-email')", "the sign-in form")
            .await;
        self.type_into("#champ-email", &user.email).await;
        self.type_into("#champ-password", PASSWORD).await;
        self.click("form[action='/connexion'] button[type=submit]")
            .await;
        self.wait_for(
            "document.readyState === 'complete' && !location.pathname.startsWith('/connexion')",
            "the page after signing in",
        )
        .await;
    }

    async fn resize(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    /// A PNG of the whole page, not only of the window: the window is made as tall as
    /// the page for the shot.
    async fn screenshot(&mut self, step: &str) {
        self.step += 1;
        let (width, height) = self.client.get_window_size().await.unwrap();
        let sizes = self
            .js(
                "return [document.documentElement.scrollHeight, window.innerHeight];",
                vec![],
            )
            .await;
        let page = sizes[0].as_u64().unwrap();
        let inner = sizes[1].as_u64().unwrap();
        let tall = (height.saturating_sub(inner) + page).max(height);
        self.client
            .set_window_size(width as u32, tall as u32)
            .await
            .unwrap();
        let png = self.client.screenshot().await.unwrap();
        self.client
            .set_window_size(width as u32, height as u32)
            .await
            .unwrap();
        let file = workspace_target().join(format!(
            "screenshots/{}-{:02}-{step}.png",
            self.name, self.step
        ));
        std::fs::write(&file, png).unwrap();
    }

    /// Runs axe on the page shown; returns the violations of impact serious or
    /// critical.
    async fn axe(&self, page: &str) -> Vec<Violation> {
        self.js(&self.axe, vec![]).await;
        let found = self
            .client
            .execute_async(AXE_RUN, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe on {page}: {e}"));
        let list = found
            .as_array()
            .unwrap_or_else(|| panic!("axe on {page} failed: {found}"));
        list.iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| Violation {
                page: page.to_owned(),
                id: v["id"].as_str().unwrap_or_default().to_owned(),
                impact: v["impact"].as_str().unwrap_or_default().to_owned(),
                help: v["help"].as_str().unwrap_or_default().to_owned(),
                targets: v["targets"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .map(|s| s.as_str().unwrap_or_default().to_owned())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Keeps violations for the end of the test, and prints them at once, should a
    /// later step fail first.
    fn record(&mut self, found: Vec<Violation>) {
        for violation in &found {
            eprintln!("accessibility: {violation}");
        }
        self.violations.extend(found);
    }

    /// The page shown, checked: a screenshot, then axe. Violations are gathered and
    /// fail the test at its end, so that one run lists them all.
    async fn check(&mut self, step: &str) {
        self.wait_for("document.readyState === 'complete'", "the page loaded")
            .await;
        self.screenshot(step).await;
        let found = self.axe(step).await;
        self.record(found);
    }

    /// At 360 px wide, the page itself must not scroll sideways (a wide table may,
    /// inside its own frame); axe runs there too.
    async fn fits_a_phone(&mut self, step: &str) {
        self.resize(PHONE).await;
        let widths = self
            .js(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await;
        let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert!(
            client <= u64::from(PHONE.0),
            "{step}: the window is {client} px wide, not {}",
            PHONE.0
        );
        let wide = self
            .js(
                "const w = document.documentElement.clientWidth; \
                 return [...document.querySelectorAll('body *')] \
                   .filter((e) => (e.getBoundingClientRect().right > w + 1 \
                       || (e.scrollWidth > e.clientWidth + 1 \
                         && getComputedStyle(e).overflowX === 'visible')) \
                     && !e.closest('.table-wrap, .visually-hidden, .skip')) \
                   .slice(0, 5).map((e) => e.tagName.toLowerCase() \
                     + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));",
                vec![],
            )
            .await;
        let narrow = format!("{step}-360px");
        self.screenshot(&narrow).await;
        // Some rules depend on the layout (a table frame that scrolls, targets that
        // come close): axe again at this width.
        let found = self.axe(&narrow).await;
        self.record(found);
        self.resize(DESKTOP).await;
        assert!(
            scroll <= client + 1,
            "{step}: at {} px the page is {scroll} px wide; too wide: {wide}",
            PHONE.0
        );
    }

    /// Closes the browser; fails if any page had a serious or critical violation.
    async fn finish(self) {
        let Self {
            client, violations, ..
        } = self;
        client.close().await.unwrap();
        assert!(
            violations.is_empty(),
            "{} accessibility violations of impact serious or critical:\n{}",
            violations.len(),
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

async fn api_post(app: &TestApp, api: &reqwest::Client, path: &str, body: Value) -> Value {
    let response = api.post(app.url(path)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{path}");
    response.json().await.unwrap()
}

/// The check is not blind: on a page made to break three rules, it reports them.
async fn axe_sees_a_broken_page(browser: &Browser) {
    browser.goto("/connexion").await;
    browser
        .js(
            "document.documentElement.removeAttribute('lang'); \
             document.querySelector('main').insertAdjacentHTML('beforeend', \
               '<img src=\"/nulle-part.png\"><input type=\"text\">');",
            vec![],
        )
        .await;
    let found = browser.axe("a page broken on purpose").await;
    let ids: Vec<&str> = found.iter().map(|v| v.id.as_str()).collect();
    for rule in ["html-has-lang", "image-alt", "label"] {
        assert!(ids.contains(&rule), "axe missed {rule}: {ids:?}");
    }
}

/// The adviser's day, typed and clicked: sign in, an empty then a full Aujourd'hui, the
/// search as you type finds « Benoît » for « benoit », the file takes a contact whose
/// next action shows on Aujourd'hui two days later, the person moves to accompagnement,
/// a refused closing shows its errors, then the pathway closes with a business created.
#[tokio::test]
async fn the_advisers_day_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let mut browser = Browser::open(&app, tools, "journee").await;
    axe_sees_a_broken_page(&browser).await;

    // Signing in: a wrong password first.
    browser.goto("/").await;
    browser.wait_for_text("Se connecter").await;
    assert_eq!(
        browser.client.title().await.unwrap(),
        "Se connecter — Parcours"
    );
    browser.check("connexion").await;
    browser.type_into("#champ-email", &adviser.email).await;
    browser.type_into("#champ-password", "pas le bon").await;
    browser.click("form[action='/connexion'] button").await;
    browser
        .wait_for_text("Adresse ou mot de passe incorrect")
        .await;
    browser
        .wait_for(
            "document.activeElement.matches('.summary')",
            "the focus on the error summary",
        )
        .await;
    browser.check("connexion-erreur").await;
    browser.sign_in(&adviser).await;
    browser.wait_for_text("Aucune action prévue").await;
    assert!(browser.text("main").await.contains("lundi 2 novembre 2026"));
    browser.check("aujourdhui-vide").await;
    browser.goto("/personnes").await;
    browser.wait_for_text("Aucune personne").await;
    browser.check("personnes-vide").await;

    // The data, through the API.
    let api = app.login(&adviser).await;
    let benoit = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Benoît", "last_name": "Rousseau", "birth_date": "1990-05-04", "stage": "information"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let awa = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    api_post(
        &app,
        &api,
        &format!("/api/v1/holders/{awa}/contacts"),
        json!({"kind": "telephone", "next_action": "Rappeler Awa", "next_action_due": "2026-11-02"}),
    )
    .await;

    browser.click("nav a[href='/']").await;
    browser.wait_for_text("Rappeler Awa").await;
    browser.check("aujourdhui-plein").await;
    browser.fits_a_phone("aujourdhui-plein").await;

    // Search as you type: the results change in place, the page stays.
    browser.click("nav a[href='/personnes']").await;
    browser.wait_for_text("2 personnes").await;
    browser.mark_document().await;
    browser
        .find("#champ-q")
        .await
        .send_keys("benoit")
        .await
        .unwrap();
    browser
        .wait_for(
            "document.querySelector('#resultats').innerText.includes('1 personne')",
            "the results for « benoit »",
        )
        .await;
    let results = browser.text("#resultats").await;
    assert!(results.contains("ROUSSEAU Benoît"), "{results}");
    assert!(!results.contains("DIALLO"), "{results}");
    assert!(
        browser.document_is_marked().await,
        "the results came without reloading the page"
    );
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("q=benoit&etape=&qpv=&referent="));
    browser.check("personnes-recherche").await;
    // The button does the same without the script: a new page.
    browser.type_into("#champ-q", "ROUSS").await;
    browser.click("form[role=search] button[type=submit]").await;
    browser
        .wait_for(
            "window.parcoursTestMark === undefined && document.readyState === 'complete'",
            "the results page",
        )
        .await;
    let results = browser.text("#resultats").await;
    assert!(results.contains("ROUSSEAU Benoît"), "{results}");
    assert!(results.contains("1 personne"), "{results}");
    browser.fits_a_phone("personnes-recherche").await;

    // The file; a contact with a next action in two days.
    browser
        .find("#resultats a[href^='/personnes/']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for_text("Historique").await;
    assert_eq!(
        browser.client.title().await.unwrap(),
        "Benoît Rousseau — Parcours"
    );
    assert_eq!(browser.text("h1").await, "Benoît Rousseau");
    browser.check("fiche").await;
    browser.click("#contact > summary").await;
    browser
        .find("#champ-kind")
        .await
        .select_by_value("entretien")
        .await
        .unwrap();
    browser.type_into("#champ-duration_minutes", "45").await;
    browser.click("input[name=topics][value=financement]").await;
    browser
        .type_into("#champ-notes", "Premier rendez-vous")
        .await;
    browser
        .type_into("#champ-next_action", "Envoyer le dossier de prêt")
        .await;
    browser
        .set_date("#champ-next_action_due", "2026-11-04")
        .await;
    browser.check("fiche-contact-ouvert").await;
    browser.fits_a_phone("fiche-contact-ouvert").await;
    browser.click("#contact button[type=submit]").await;
    browser.wait_for_text("Contact enregistré.").await;
    let timeline = browser.text(".timeline").await;
    assert!(timeline.contains("Contact : entretien"), "{timeline}");
    assert!(
        timeline.contains(
            "Prochaine action : Envoyer le dossier de prêt (pour le mercredi 4 novembre 2026)"
        ),
        "{timeline}"
    );
    browser.check("fiche-contact-enregistre").await;
    browser.click("nav a[href='/']").await;
    browser.wait_for_text("Rappeler Awa").await;
    assert!(
        !browser
            .text("main")
            .await
            .contains("Envoyer le dossier de prêt"),
        "not due yet"
    );

    // Two days later the session has expired; signed in again, the action is due.
    app.clock.advance(Duration::days(2));
    browser.goto("/").await;
    browser.wait_for_text("Votre session a expiré").await;
    browser.sign_in(&adviser).await;
    browser.wait_for_text("Envoyer le dossier de prêt").await;
    browser.check("aujourdhui-echeance").await;

    // To accompagnement.
    browser
        .click(&format!("main a[href='/personnes/{benoit}']"))
        .await;
    browser.wait_for_text("Historique").await;
    browser.click("#etape > summary").await;
    browser
        .click("#etape input[name=to][value=accompagnement]")
        .await;
    browser.check("fiche-etape-ouvert").await;
    browser.click("#etape button[type=submit]").await;
    browser.wait_for_text("Étape changée.").await;
    assert!(
        browser
            .text("[aria-current=step]")
            .await
            .starts_with("Accompagnement")
    );

    // Closing with a business created needs its SIRET: refused, shown with its errors.
    browser.click("#cloture > summary").await;
    browser
        .click("#cloture input[name=outcome][value=entreprise_creee]")
        .await;
    browser.type_into("#champ-siret", "123").await;
    browser.click("#cloture button[type=submit]").await;
    browser
        .wait_for(
            "document.readyState === 'complete' && document.querySelector('#cloture .summary')",
            "the refused closing",
        )
        .await;
    browser
        .wait_for(
            "document.activeElement === document.querySelector('#cloture .summary')",
            "the focus on the closing's error summary",
        )
        .await;
    assert!(
        browser
            .js("return document.querySelector('#cloture').open;", vec![])
            .await
            == Value::Bool(true)
    );
    assert_eq!(
        browser
            .find("#champ-siret")
            .await
            .prop("value")
            .await
            .unwrap(),
        Some("123".to_owned()),
        "what was typed is kept"
    );
    browser.check("fiche-cloture-erreurs").await;
    browser.fits_a_phone("fiche-cloture-erreurs").await;
    browser.type_into("#champ-siret", "73282932000074").await;
    browser.set_date("#champ-created_on", "2026-11-03").await;
    browser
        .find("#champ-legal_form")
        .await
        .select_by_value("sasu")
        .await
        .unwrap();
    browser.click("#cloture button[type=submit]").await;
    browser
        .wait_for_text("Parcours clôturé : Entreprise créée")
        .await;
    assert!(
        browser
            .find("[aria-current=step]")
            .await
            .text()
            .await
            .unwrap()
            .starts_with("Accompagnement")
    );
    browser.click("#reouverture > summary").await;
    browser.check("fiche-cloturee").await;
    browser.fits_a_phone("fiche-cloturee").await;
    browser.finish().await;
}

/// Forms refused in a browser: the registration form's summary takes the focus and
/// links to each field, itself described by its message; the decline-referral page and
/// its errors; the 404 page.
#[tokio::test]
async fn refused_forms_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    // A referral waits for this adviser's organisation: an ADIE.
    let referent = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adviser = app.user(adie, Role::Adviser).await;
    let api = app.login(&referent).await;
    let awa = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    api_post(
        &app,
        &api,
        &format!("/api/v1/holders/{awa}/consents"),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    api_post(
        &app,
        &api,
        "/api/v1/referrals",
        json!({"holder_id": awa, "to_organisation_id": adie, "need": "Microcrédit"}),
    )
    .await;

    let mut browser = Browser::open(&app, tools, "formulaires").await;
    browser.goto("/connexion").await;
    browser.sign_in(&adviser).await;

    browser.goto("/personnes/nouvelle").await;
    browser.wait_for_text("Inscrire une personne").await;
    browser.check("inscription").await;
    browser.fits_a_phone("inscription").await;
    browser.type_into("#champ-first_name", "Aïssata").await;
    browser.type_into("#champ-phone", "12").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 2 erreurs").await;
    browser
        .wait_for(
            "document.activeElement === document.querySelector('.summary')",
            "the focus on the error summary",
        )
        .await;
    assert_eq!(
        browser
            .find("#champ-first_name")
            .await
            .prop("value")
            .await
            .unwrap(),
        Some("Aïssata".to_owned())
    );
    // Each item of the summary leads to its field, which names its error.
    let links = browser
        .js(
            "return [...document.querySelectorAll('.summary a')].map((a) => { \
               const target = document.querySelector(a.getAttribute('href')); \
               const described = target && (target.matches('[aria-describedby]') ? target \
                 : target.querySelector('[aria-describedby]')); \
               const message = described \
                 && document.getElementById(described.getAttribute('aria-describedby')); \
               return [a.getAttribute('href'), a.innerText, message ? message.innerText : null]; \
             });",
            vec![],
        )
        .await;
    let links = links.as_array().unwrap();
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!(links[0][0], "#champ-last_name");
    assert_eq!(links[1][0], "#champ-phone");
    // The summary names the field, then says what the field says.
    for (link, label) in links.iter().zip(["Nom : ", "Téléphone : "]) {
        let summary = link[1].as_str().unwrap();
        let message = link[2].as_str().unwrap();
        assert_eq!(summary, format!("{label}{message}"), "{link:?}");
    }
    browser.check("inscription-erreurs").await;
    browser.fits_a_phone("inscription-erreurs").await;
    browser.click(".summary a[href='#champ-phone']").await;
    browser
        .wait_for("location.hash === '#champ-phone'", "the link followed")
        .await;

    // Declining a referral, with no reason first.
    browser.click("nav a[href='/']").await;
    browser.wait_for_text("Orientations en attente").await;
    browser.check("aujourdhui-orientation").await;
    browser.click("a[href$='/refuser']").await;
    browser.wait_for_text("Motif du refus").await;
    browser.check("refus").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for(
            "document.readyState === 'complete' && document.querySelector('.summary')",
            "the refused decline",
        )
        .await;
    browser.check("refus-erreurs").await;

    // The referrals received, and one of them.
    browser.goto("/orientations").await;
    browser.wait_for_text("Orientations reçues").await;
    browser.check("orientations").await;
    browser.fits_a_phone("orientations").await;
    browser.click("main table a").await;
    browser.wait_for_text("Historique").await;
    browser.check("orientation").await;
    browser.fits_a_phone("orientation").await;

    browser.goto("/nulle-part").await;
    browser.wait_for_text("Page introuvable").await;
    browser.check("introuvable").await;
    browser.finish().await;
}

mod accounts;
