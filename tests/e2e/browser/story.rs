//! The whole cross-partner story in a real browser, each page checked by axe: a
//! CitésLab adviser registers a person met on a bus tour from the attendance sheet,
//! records their agreement to be shared and refers them to the ADIE from the
//! suggestions; the ADIE adviser follows the e-mail's link (read at a real SMTP
//! listener), signs in, accepts, logs a contact and completes with « Financé »; the
//! CitésLab adviser sees the outcome in the timeline; the CAQ hosts the person in a
//! unit, and a second agreement on the same unit and dates is refused on the page.

use super::{Browser, api_post, tools};
use crate::support::{TestApp, TestUser};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::{Value, json};

/// The path of the first link to `/orientations/…` in an e-mail as received, its
/// quoted-printable folds undone.
fn referral_path(mail: &str) -> String {
    let unfolded = mail.replace("=\r\n", "").replace("=\n", "");
    let start = unfolded
        .find("/orientations/")
        .unwrap_or_else(|| panic!("no referral link in the e-mail:\n{unfolded}"));
    unfolded[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect()
}

async fn sign_out_and_in(browser: &Browser, user: &TestUser) {
    browser
        .click("form[action='/deconnexion'] button[type=submit]")
        .await;
    browser.wait_for_text("Vous êtes déconnecté").await;
    browser.sign_in(user).await;
}

#[tokio::test]
async fn the_cross_partner_story_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let citeslab = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie_adviser = app.user(adie, Role::Adviser).await;
    let adie_admin_user = app.user(adie, Role::OrgAdmin).await;
    let adie_admin = app.login(&adie_admin_user).await;
    api_post(
        &app,
        &adie_admin,
        "/api/v1/services",
        json!({
            "name": "Microcrédit professionnel",
            "description": "Prêt jusqu'à 12 000 € pour créer son activité",
            "stage": "accompagnement", "needs": ["financement"], "financing_max_eur": 12000
        }),
    )
    .await;
    // The CAQ: a centre with one office, and someone it already follows.
    let caq = app
        .organisation("Centre d'affaires Test", OrganisationKind::Caq)
        .await;
    let caq_adviser = app.user(caq, Role::OrgAdmin).await;
    let caq_api = app.login(&caq_adviser).await;
    let space = api_post(
        &app,
        &caq_api,
        "/api/v1/spaces",
        json!({"name": "Centre des Tilleuls", "address": "3 rue des Lilas, Villetest"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let unit = api_post(
        &app,
        &caq_api,
        &format!("/api/v1/spaces/{space}/units"),
        json!({"kind": "bureau", "label": "Bureau 1", "area_m2": 14, "monthly_rent_eur": 180}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let moussa = api_post(
        &app,
        &caq_api,
        "/api/v1/holders",
        json!({"first_name": "Moussa", "last_name": "Traoré"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let api = app.login(&citeslab).await;
    let event: Value = api_post(
        &app,
        &api,
        "/api/v1/events",
        json!({"kind": "bus", "title": "Bus de la création aux Tilleuls", "held_on": "2026-11-05"}),
    )
    .await;
    let event = event["id"].as_i64().unwrap();

    let mut browser = Browser::open(&app, tools, "histoire").await;
    browser.goto("/connexion").await;
    browser.sign_in(&citeslab).await;

    // At the bus stop: registered on the spot from the attendance sheet.
    browser
        .goto(&format!("/actions/{event}/presences/nouvelle"))
        .await;
    browser
        .wait_for_text("Inscrire une personne sur place")
        .await;
    browser.type_into("#champ-first_name", "Fatou").await;
    browser.type_into("#champ-last_name", "Camara").await;
    browser.type_into("#champ-phone", "06 98 76 54 32").await;
    browser.click("input[name=consent]").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Fatou Camara").await;
    browser.check("feuille-de-presence").await;
    let file = browser
        .js(
            "const a = [...document.querySelectorAll('main a[href^=\"/personnes/\"]')] \
               .find((a) => a.innerText.includes('Fatou Camara')); return a && a.getAttribute('href');",
            vec![],
        )
        .await;
    let file = file
        .as_str()
        .expect("the sheet links to the person's file")
        .to_owned();

    // The file: the agreement to be shared, read and recorded; then the referral.
    browser.goto(&file).await;
    browser
        .wait_for_text("Participation : Bus de la création")
        .await;
    browser.click(&format!("a[href='{file}/orienter']")).await;
    browser
        .wait_for_text("pas encore donné son accord pour être orientée")
        .await;
    browser.check("orienter-accord").await;
    browser.fits_a_phone("orienter-accord").await;
    browser.click("input[name=accord]").await;
    browser
        .click("form[action$='/orienter/accord'] button")
        .await;
    browser
        .wait_for_text("Suggestions pour cette personne")
        .await;
    browser
        .click("input[name=besoins][value=financement]")
        .await;
    browser.click("form.needs button").await;
    browser
        .wait_for_text("Microcrédit professionnel — ADIE Test")
        .await;
    browser.check("orienter").await;
    browser.fits_a_phone("orienter").await;
    browser
        .click(&format!(
            "#suggestions ~ ul input[name=partenaire][value^='{adie}:']"
        ))
        .await;
    browser
        .type_into("#champ-need", "Un microcrédit pour son food truck")
        .await;
    browser
        .click("form[action$='/orienter'][method=post] button[type=submit]")
        .await;
    browser.wait_for_text("Orientation envoyée").await;
    browser.check("orientation-envoyee").await;

    // The ADIE adviser follows the e-mail's link, signs in and accepts.
    app.deliver_mail().await;
    let mail = app.smtp.received().await.into_iter().last().unwrap();
    assert!(!mail.data.contains("Camara"), "no person in the e-mail");
    let link = referral_path(&mail.data);
    browser
        .click("form[action='/deconnexion'] button[type=submit]")
        .await;
    browser.wait_for_text("Vous êtes déconnecté").await;
    browser.goto(&link).await;
    browser.sign_in(&adie_adviser).await;
    browser
        .wait_for_text("Un microcrédit pour son food truck")
        .await;
    browser.check("orientation-recue").await;
    browser.fits_a_phone("orientation-recue").await;
    browser
        .click("form[action$='/accepter'] button[type=submit]")
        .await;
    // Accepting opens the file, read-only: the partner logs a contact, then completes
    // with « Financé ».
    browser.wait_for_text("Orientation acceptée").await;
    browser.wait_for_text("Fiche en lecture seule").await;
    browser.click("#contact summary").await;
    browser
        .js(
            "document.querySelector('#champ-kind').value = 'entretien';",
            vec![],
        )
        .await;
    browser.click("#contact form button[type=submit]").await;
    browser.wait_for_text("Contact enregistré.").await;
    browser.check("fiche-partenaire").await;
    browser.goto(&link).await;
    browser.wait_for_text("Terminer l'orientation").await;
    browser.click("input[name=outcome][value=finance]").await;
    browser
        .click("form[action$='/terminer'] button[type=submit]")
        .await;
    browser.wait_for_text("Orientation terminée").await;

    // The CitésLab adviser sees how it ended, in the timeline.
    sign_out_and_in(&browser, &citeslab).await;
    browser.goto(&file).await;
    browser.wait_for_text("Issue : Financé").await;
    let timeline = browser.text("ol.timeline").await;
    assert!(
        timeline.contains("de CitésLab Test vers ADIE Test"),
        "{timeline}"
    );
    browser.check("fiche-issue").await;

    // Her business needs an office: referred to the CAQ, which accepts and hosts her.
    browser.goto(&format!("{file}/orienter")).await;
    browser
        .wait_for_text("Tous les partenaires du territoire")
        .await;
    browser
        .click(&format!("input[name=partenaire][value='{caq}']"))
        .await;
    browser
        .type_into("#champ-need", "Un bureau pour démarrer son activité")
        .await;
    browser
        .click("form[action$='/orienter'][method=post] button[type=submit]")
        .await;
    browser.wait_for_text("Orientation envoyée").await;
    app.deliver_mail().await;
    let mail = app.smtp.received().await.into_iter().last().unwrap();
    let caq_link = referral_path(&mail.data);
    assert_ne!(caq_link, link);
    sign_out_and_in(&browser, &caq_adviser).await;
    browser.goto(&caq_link).await;
    browser.wait_for_text("Un bureau pour démarrer").await;
    browser
        .click("form[action$='/accepter'] button[type=submit]")
        .await;
    browser.wait_for_text("Fiche en lecture seule").await;
    browser
        .click("main a[href^='/hebergement/conventions/nouvelle']")
        .await;
    browser
        .wait_for(
            "document.querySelector('#champ-unit_id')",
            "the agreement form",
        )
        .await;
    browser.wait_for_text("Fatou Camara").await;
    browser
        .js(
            "document.querySelector('#champ-unit_id').value = arguments[0];",
            vec![json!(unit.to_string())],
        )
        .await;
    browser.set_date("#champ-start_date", "2026-11-16").await;
    browser.set_date("#champ-planned_end", "2027-05-15").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("Convention d'hébergement enregistrée.")
        .await;
    browser.check("hebergee").await;

    // The same office on the same dates for someone else: refused on the page.
    browser
        .goto(&format!(
            "/hebergement/conventions/nouvelle?personne={moussa}&unite={unit}"
        ))
        .await;
    browser.wait_for_text("Moussa Traoré").await;
    browser.set_date("#champ-start_date", "2026-11-16").await;
    browser.set_date("#champ-planned_end", "2027-05-15").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("l'unité est déjà occupée sur une partie de cette période")
        .await;
    browser.check("convention-refusee").await;
    browser.goto(&format!("/hebergement/unites/{unit}")).await;
    browser.wait_for_text("Fatou Camara").await;
    assert!(!browser.text("main").await.contains("Moussa"));

    // The directory, as the adviser searches it and as the partner's admin edits it.
    browser.click("nav a[href='/annuaire']").await;
    browser.wait_for_text("Microcrédit professionnel").await;
    browser.check("annuaire").await;
    browser.fits_a_phone("annuaire").await;
    sign_out_and_in(&browser, &adie_admin_user).await;
    browser.goto("/annuaire").await;
    browser
        .wait_for_text("Les services de votre structure")
        .await;
    browser
        .click("main a[href='/annuaire/services/nouveau']")
        .await;
    browser
        .wait_for("document.querySelector('#champ-name')", "the service form")
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 3 erreurs").await;
    browser.check("service-erreurs").await;
    browser.fits_a_phone("service-erreurs").await;

    browser.finish().await;
}

/// The demonstration's mailbox: e-mails written to a folder, listed with their links,
/// the link followed to the referral; checked by axe like every page.
#[tokio::test]
async fn the_demo_mailbox_in_a_browser() {
    let Some(tools) = tools() else { return };
    let folder = std::env::temp_dir().join(format!(
        "parcours-courriels-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let app = TestApp::start_with(crate::support::Settings {
        mail_folder: Some(folder.clone()),
        ..crate::support::test_settings()
    })
    .await;
    let citeslab = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie_adviser = app.user(adie, Role::Adviser).await;
    let api = app.login(&citeslab).await;
    let holder = api_post(
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
        &format!("/api/v1/holders/{holder}/consents"),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    api_post(
        &app,
        &api,
        "/api/v1/referrals",
        json!({"holder_id": holder, "to_organisation_id": adie, "need": "Microcrédit"}),
    )
    .await;
    app.deliver_mail().await;
    assert!(
        app.smtp.received().await.is_empty(),
        "nothing sent over SMTP"
    );
    let written = std::fs::read_dir(&folder).unwrap().count();
    assert_eq!(written, 1, "one .eml in {}", folder.display());

    let mut browser = Browser::open(&app, tools, "demo-courriels").await;
    browser.goto("/connexion").await;
    browser.click("footer a[href='/demo/courriels']").await;
    browser.wait_for_text("Courriels de la démonstration").await;
    browser.wait_for_text("Nouvelle orientation").await;
    browser.check("courriels").await;
    browser.fits_a_phone("courriels").await;
    browser.click(".mail-text a[href*='/orientations/']").await;
    browser.sign_in(&adie_adviser).await;
    browser.wait_for_text("En attente de réponse").await;
    browser.finish().await;
    let _ = std::fs::remove_dir_all(&folder);
}
