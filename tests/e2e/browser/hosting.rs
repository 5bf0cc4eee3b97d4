//! « Hébergement » in a real browser: each page — the host's overview, a unit month by
//! month, hosting someone (and being refused an overlapping agreement), renewing,
//! ending, describing a space and a unit, and the territory's places as a non-host sees
//! them — screenshotted and checked by axe at full width and at 360 px.

use super::{Browser, api_post, tools};
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::json;

#[tokio::test]
async fn hosting_pages_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let caq = app
        .organisation("Centre d'affaires Test", OrganisationKind::Caq)
        .await;
    let admin = app.user(caq, Role::OrgAdmin).await;
    let citeslab = app.adviser().await;
    let api = app.login(&admin).await;
    let space = api_post(
        &app,
        &api,
        "/api/v1/spaces",
        json!({"name": "Centre des Tilleuls", "address": "3 rue des Lilas, Villetest"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut units = Vec::new();
    for (kind, label) in [
        ("bureau", "Bureau 1"),
        ("atelier", "Atelier du rez-de-chaussée"),
    ] {
        let unit = api_post(
            &app,
            &api,
            &format!("/api/v1/spaces/{space}/units"),
            json!({"kind": kind, "label": label, "area_m2": 14, "monthly_rent_eur": 180}),
        )
        .await;
        units.push(unit["id"].as_i64().unwrap());
    }
    let mut people = Vec::new();
    for (first, last) in [("Awa", "Diallo"), ("Benoît", "Martin")] {
        let holder = api_post(
            &app,
            &api,
            "/api/v1/holders",
            json!({"first_name": first, "last_name": last}),
        )
        .await;
        people.push(holder["id"].as_i64().unwrap());
    }
    let agreement = api_post(
        &app,
        &api,
        "/api/v1/hosting",
        json!({"unit_id": units[0], "holder_id": people[0], "start_date": "2026-10-01", "planned_end": "2026-12-15"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let mut browser = Browser::open(&app, tools, "hebergement").await;
    browser.goto("/connexion").await;
    browser.sign_in(&admin).await;

    browser.goto("/hebergement").await;
    browser.wait_for_text("Conventions qui se terminent").await;
    browser.check("hebergement").await;
    browser.fits_a_phone("hebergement").await;

    browser
        .goto(&format!("/hebergement/unites/{}", units[0]))
        .await;
    browser.wait_for_text("Occupation mois par mois").await;
    browser.check("unite").await;
    browser.fits_a_phone("unite").await;

    // The second person on the same unit and overlapping dates: refused on the form.
    browser
        .goto(&format!(
            "/hebergement/conventions/nouvelle?personne={}&unite={}",
            people[1], units[0]
        ))
        .await;
    browser.wait_for_text("Benoît Martin").await;
    browser.check("convention").await;
    browser.fits_a_phone("convention").await;
    browser.set_date("#champ-start_date", "2026-11-01").await;
    browser.set_date("#champ-planned_end", "2027-11-01").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser
        .wait_for_text("l'unité est déjà occupée sur une partie de cette période")
        .await;
    browser.check("convention-refusee").await;
    browser.fits_a_phone("convention-refusee").await;

    // Choosing a person by name, from the unit's link.
    browser
        .goto(&format!(
            "/hebergement/conventions/nouvelle?unite={}&q=ben",
            units[1]
        ))
        .await;
    browser.wait_for_text("Choisir la personne").await;
    browser.check("convention-recherche").await;
    browser.fits_a_phone("convention-recherche").await;

    browser
        .goto(&format!("/hebergement/conventions/{agreement}/renouveler"))
        .await;
    browser.wait_for_text("Nouvelle fin prévue").await;
    browser.check("renouveler").await;
    browser.fits_a_phone("renouveler").await;

    browser
        .goto(&format!("/hebergement/conventions/{agreement}/terminer"))
        .await;
    browser.wait_for_text("Motif de fin").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("terminer-erreur").await;
    browser.fits_a_phone("terminer-erreur").await;

    browser.goto("/hebergement/espaces/nouveau").await;
    browser.wait_for_text("Nom de l'espace").await;
    browser.check("espace").await;
    browser.fits_a_phone("espace").await;

    browser
        .goto(&format!("/hebergement/espaces/{space}/unites/nouvelle"))
        .await;
    browser.wait_for_text("Type d'unité").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 3 erreurs").await;
    browser.check("unite-erreurs").await;
    browser.fits_a_phone("unite-erreurs").await;

    // An organisation that hosts no one: the territory's places.
    browser.click("header form button[type=submit]").await;
    browser.goto("/connexion").await;
    browser.sign_in(&citeslab).await;
    browser.goto("/hebergement").await;
    browser
        .wait_for_text("Lieux d'hébergement du territoire")
        .await;
    browser.check("hebergement-annuaire").await;
    browser.fits_a_phone("hebergement-annuaire").await;

    browser.finish().await;
}
