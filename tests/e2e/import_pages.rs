//! « Importer un tableur » without JavaScript: only an org admin reaches it; a file
//! is checked first (columns, first lines, counts, refused lines) with nothing written;
//! a refused line must be set aside knowingly; the import runs in the background and
//! its page follows it to the counts; the report downloads as CSV; another user's
//! import is not found.

use crate::import::{count, workbook};
use crate::pages::{Answer, Browser};
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;

const FILE: &str = "Nom;Prénom;Date de naissance;Tél.;Pointure\n\
Durand;Paul;12/03/1994;06 12 34 56 78;42\n\
Lefèvre;Anne;45/02/1985;;38\n\
Moreau;Hélène;01/02/1990;;39\n";

/// The job's page once the import has finished (it reloads itself until then).
async fn finished(browser: &Browser, href: &str) -> Answer {
    for _ in 0..200 {
        let page = browser.get(href).await;
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("Lignes traitées") {
            return page;
        }
        assert_eq!(page.headers.get("refresh").unwrap(), "1");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

/// The status line answered to an upload that announces 30 MB and sends a few bytes,
/// then waits: a server that reads the body before deciding never answers.
pub async fn endless_upload(app: &TestApp, browser: &Browser, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 30000000\r\n\r\n--x\r\n",
        browser.cookie_header()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("no answer before the body was sent")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_admin_checks_a_file_then_imports_it_and_gets_the_report() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;

    // Advisers neither see the link nor reach the page.
    let colleague = Browser::new(&app);
    let people = colleague.sign_in(&adviser).await;
    assert!(!people.body.contains("/personnes/importer"));
    assert_eq!(colleague.get("/personnes/importer").await.status, 403);
    // Their upload is refused before its body is read: even one that never ends.
    assert_eq!(
        endless_upload(&app, &colleague, "/personnes/importer").await,
        "HTTP/1.1 403 Forbidden"
    );
    assert_eq!(
        endless_upload(&app, &colleague, "/admin/qpv").await,
        "HTTP/1.1 403 Forbidden",
        "the QPV list is the platform admins'"
    );

    let browser = Browser::new(&app);
    browser.sign_in(&admin).await;
    assert!(
        browser
            .get("/personnes")
            .await
            .body
            .contains("href=\"/personnes/importer\">Importer un tableur</a>")
    );
    let form = browser.get("/personnes/importer").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    let token = [("_csrf", csrf.as_str())];

    // Files that are not a caseload are refused on the form, naming the field.
    let empty = browser
        .upload("/personnes/importer", &token, "vide.csv", b"")
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.body.contains("choisissez le classeur"),
        "{}",
        empty.body
    );
    let headless = browser
        .upload("/personnes/importer", &token, "x.csv", b"Dupont;Ana\n")
        .await;
    assert_eq!(headless.status, 422);
    assert!(headless.body.contains("en-tête introuvable"));
    let sheet = browser
        .upload(
            "/personnes/importer",
            &[("_csrf", &csrf), ("feuille", "2023")],
            "suivi.xlsx",
            &workbook(),
        )
        .await;
    assert_eq!(sheet.status, 422);
    assert!(
        sheet
            .body
            .contains("pas de feuille « 2023 » dans le classeur (feuilles : Suivi 2024, Archives)"),
        "{}",
        sheet.body
    );
    assert!(
        sheet.body.contains("value=\"2023\""),
        "the sheet typed is kept"
    );
    let forged = browser
        .upload(
            "/personnes/importer",
            &[("_csrf", "faux")],
            "p.csv",
            FILE.as_bytes(),
        )
        .await;
    assert_eq!(forged.status, 403, "the form's token is checked");

    // The check writes nothing and says what would happen.
    let before = count(&app.db, "holders").await;
    let checked = browser
        .upload(
            "/personnes/importer",
            &token,
            "porteurs.csv",
            FILE.as_bytes(),
        )
        .await;
    assert_eq!(checked.status, 303, "{}", checked.body);
    let href = checked.location.clone();
    assert!(href.starts_with("/personnes/importer/"), "{href}");
    let page = browser.get(&href).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for shown in [
        "Vérification de porteurs.csv : rien n'a encore été enregistré.",
        "<dt>Lignes de personnes lues</dt><dd>3</dd>",
        "<dt>À créer</dt><dd>2</dd>",
        "<dt>Refusées</dt><dd>1</dd>",
        "Tél.<br><span class=\"tag\">Téléphone</span>",
        "Pointure<br><span class=\"muted\">inconnue : non importée</span>",
        "<td>06 12 34 56 78</td>",
        "<td>3</td><td>Refusée</td><td>Date de naissance : « 45/02/1985 »",
        "Colonnes inconnues, non importées : Pointure.",
    ] {
        assert!(page.body.contains(shown), "{shown}\n{}", page.body);
    }
    assert_eq!(count(&app.db, "holders").await, before);

    let report = browser.get(&format!("{href}/rapport.csv")).await;
    assert_eq!(report.status, 200);
    assert!(
        report.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        report
            .body
            .contains("Lefèvre;Anne;45/02/1985;;38;3;Refusée;Date de naissance"),
        "{}",
        report.body
    );

    // All or nothing unless the refused line is set aside knowingly.
    let refused = browser.post(&href, &token).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("1 ligne(s) refusée(s) : cochez cette case")
    );
    assert_eq!(count(&app.db, "holders").await, before);

    let started = browser
        .post(&href, &[("_csrf", &csrf), ("lignes_valides", "1")])
        .await;
    assert_eq!(started.status, 303);
    assert_eq!(started.location, href);
    let done = finished(&browser, &href).await;
    assert!(
        done.body.contains("Import terminé : 2 personnes créées."),
        "{}",
        done.body
    );
    assert_eq!(count(&app.db, "holders").await, before + 2);
    let people = browser.get("/personnes?q=durand").await;
    assert!(people.body.contains("DURAND Paul"), "{}", people.body);
    // The form lists the import, with its file and counts.
    let form = browser.get("/personnes/importer").await;
    let listed = form.body.split("Imports précédents").nth(1).unwrap();
    assert!(
        listed.contains("<td>porteurs.csv</td><td>3</td><td>2</td><td>0</td><td>1</td>"),
        "{listed}"
    );

    // Started once: posting again runs nothing more. A second run would end on
    // « 0 personnes créées » and two unchanged; the page keeps the first's counts.
    let again = browser
        .post(&href, &[("_csrf", &csrf), ("lignes_valides", "1")])
        .await;
    assert_eq!(again.status, 303);
    let still = finished(&browser, &href).await;
    assert!(
        still.body.contains("Import terminé : 2 personnes créées."),
        "{}",
        still.body
    );
    assert_eq!(count(&app.db, "holders").await, before + 2);

    // Another organisation's admin, or a colleague, does not find this import.
    let other_org = app.organisation("BGE Autre", OrganisationKind::Bge).await;
    let stranger = app.user(other_org, Role::OrgAdmin).await;
    let other = Browser::new(&app);
    other.sign_in(&stranger).await;
    assert_eq!(other.get(&href).await.status, 404);
    assert_eq!(other.get(&format!("{href}/rapport.csv")).await.status, 404);
    assert_eq!(colleague.get(&href).await.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workbook_is_checked_and_imported_from_the_page() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;
    let browser = Browser::new(&app);
    browser.sign_in(&admin).await;
    let csrf = browser.get("/personnes/importer").await.csrf();
    let checked = browser
        .upload(
            "/personnes/importer",
            &[("_csrf", &csrf), ("feuille", "")],
            "suivi.xlsx",
            &workbook(),
        )
        .await;
    assert_eq!(checked.status, 303, "{}", checked.body);
    let page = browser.get(&checked.location).await;
    assert!(page.body.contains("<td>1994-03-12</td>"), "{}", page.body);
    assert!(page.body.contains("<dt>À créer</dt><dd>2</dd>"));
    assert!(
        !page.body.contains("lignes_valides"),
        "nothing to set aside"
    );
    let before = count(&app.db, "holders").await;
    let started = browser.post(&checked.location, &[("_csrf", &csrf)]).await;
    assert_eq!(started.status, 303);
    let done = finished(&browser, &checked.location).await;
    assert!(done.body.contains("Import terminé : 2 personnes créées."));
    assert!(
        !done.body.contains("rapport.csv"),
        "no refused line, no report"
    );
    assert_eq!(count(&app.db, "holders").await, before + 2);
}
