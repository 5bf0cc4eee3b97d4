//! The pages of people's data in a real browser, at full width and at 360 px, with axe:
//! importing a spreadsheet (the form and its refusal, the check with a refused line,
//! the refusal to import it whole, the import to its counts), the files soon
//! anonymised on Aujourd'hui, keeping one (refused without a reason, then kept), who
//! opened a file, all its data, merging two files of one person, and erasing a file
//! (refused without a reason, then done).

use super::{Browser, api_post, tools, workspace_target};
use crate::support::TestApp;
use chrono::{Duration, Months};
use parcours_domain::users::Role;
use serde_json::json;

#[tokio::test]
async fn personal_data_pages_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;
    let api = app.login(&adviser).await;
    let awa = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let aissata = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Aïssata", "last_name": "Keïta", "email": "aissata@exemple.test"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // Registered twice: the same phone.
    let twin = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Awa", "last_name": "DIALLO", "phone": "06 12 34 56 78", "birth_date": "1994-04-04"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // Two years without activity, less ten days: both files are soon anonymised.
    app.clock
        .set(app.clock.now().checked_add_months(Months::new(24)).unwrap() - Duration::days(10));
    // Beside the screenshots: the browser reads it from the disk.
    let file = workspace_target().join("browser-suivi-2024.csv");
    std::fs::write(
        &file,
        "Suivi 2024\n\nNom;Prénom;Date de naissance;Téléphone;Pointure\n\
         Durand;Paul;12/03/1990;06 11 22 33 44;42\n\
         Martin;Léa;45/02/1985;;38\n",
    )
    .unwrap();

    let mut browser = Browser::open(&app, tools, "donnees").await;
    browser.goto("/connexion").await;
    browser.sign_in(&admin).await;

    // Aujourd'hui lists the files soon anonymised.
    browser.wait_for_text("Dossiers bientôt anonymisés").await;
    browser.check("aujourdhui-conservation").await;
    browser.fits_a_phone("aujourdhui-conservation").await;

    // Importing a spreadsheet: no file, then the file checked.
    browser.goto("/personnes").await;
    browser.click("main a[href='/personnes/importer']").await;
    browser.wait_for_text("Ce que Parcours reconnaît").await;
    browser.check("import").await;
    browser.fits_a_phone("import").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("import-erreurs").await;
    browser
        .find("#champ-fichier")
        .await
        .send_keys(file.canonicalize().unwrap().to_str().unwrap())
        .await
        .unwrap();
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("rien n'a encore été enregistré")
        .await;
    browser.wait_for_text("Pointure").await;
    browser.check("import-verification").await;
    browser.fits_a_phone("import-verification").await;
    // Not whole with a refused line: the box must be ticked.
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("cochez cette case").await;
    browser.check("import-verification-erreurs").await;
    browser.click("#champ-lignes_valides").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("Import terminé : 1 personne créée.")
        .await;
    browser.check("import-termine").await;
    browser.fits_a_phone("import-termine").await;

    // A file soon anonymised, kept with a reason.
    browser.goto(&format!("/personnes/{awa}")).await;
    browser.wait_for_text("Conservation des données").await;
    browser.click("#garder summary").await;
    browser.check("fiche-conservation").await;
    browser.fits_a_phone("fiche-conservation").await;
    browser.click("#garder button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("garder-erreurs").await;
    browser
        .type_into(
            "#champ-keep-reason",
            "Création de l'entreprise prévue au printemps",
        )
        .await;
    browser.click("#garder button[type=submit]").await;
    browser.wait_for_text("Dossier gardé").await;
    browser.check("fiche-gardee").await;

    // Who opened the file, and all its data.
    browser.click("main a[href$='/acces']").await;
    browser.wait_for_text("Qui a consulté ce dossier").await;
    browser.check("acces").await;
    browser.fits_a_phone("acces").await;
    browser.goto(&format!("/personnes/{awa}/donnees")).await;
    browser.wait_for_text("Données détenues sur").await;
    browser.wait_for_text("Diallo").await;
    browser.check("donnees").await;
    browser.fits_a_phone("donnees").await;

    // The two files of Awa, merged into the first.
    browser.goto("/personnes").await;
    browser.click("main a[href='/personnes/doublons']").await;
    browser.wait_for_text("Garder la fiche n°").await;
    browser.check("doublons").await;
    browser.fits_a_phone("doublons").await;
    browser
        .click(&format!(
            "main a[href='/personnes/{awa}/fusionner?doublon={twin}']"
        ))
        .await;
    browser.wait_for_text("Ce qui change").await;
    browser.check("fusion").await;
    browser.fits_a_phone("fusion").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Fiches fusionnées").await;
    browser.check("fiche-fusionnee").await;

    // Erasing another file at the person's request: a reason first.
    browser.goto(&format!("/personnes/{aissata}")).await;
    browser.click("main a[href$='/effacer']").await;
    browser.wait_for_text("Effacer définitivement").await;
    browser.check("effacer").await;
    browser.fits_a_phone("effacer").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("effacer-erreurs").await;
    browser
        .type_into("#champ-reason", "Demande de la personne, le 1er décembre")
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Données effacées").await;
    browser.check("fiche-effacee").await;
    browser.fits_a_phone("fiche-effacee").await;
    browser.finish().await;
}
