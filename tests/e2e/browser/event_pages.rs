//! « Actions collectives » in a real browser, at full width and at 360 px: the list
//! empty then full, the month's calendar, the event's form refused then saved, the
//! head-count, the attendance sheet searched as one types and a person added in one
//! tap, and someone registered on the spot — each page checked by axe.

use super::{Browser, api_post, tools};
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use serde_json::json;

#[tokio::test]
async fn actions_collectives_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let api = app.login(&adviser).await;
    api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Benoît", "last_name": "Rousseau", "birth_date": "1990-05-04"}),
    )
    .await;

    let mut browser = Browser::open(&app, tools, "actions").await;
    browser.goto("/connexion").await;
    browser.sign_in(&adviser).await;

    browser.click("nav a[href='/actions']").await;
    browser
        .wait_for("location.pathname === '/actions'", "the actions list")
        .await;
    browser.wait_for_text("Aucune action prévue").await;
    browser.check("actions-vide").await;
    browser.fits_a_phone("actions-vide").await;

    // The form, refused, then saved.
    browser.click("main a[href='/actions/nouvelle']").await;
    browser.wait_for_text("Nouvelle action collective").await;
    browser.check("action-nouvelle").await;
    browser.fits_a_phone("action-nouvelle").await;
    browser.type_into("#champ-place", "Place du Marché").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 3 erreurs").await;
    browser
        .wait_for(
            "document.activeElement === document.querySelector('.summary')",
            "the focus on the error summary",
        )
        .await;
    browser.check("action-erreurs").await;
    browser.fits_a_phone("action-erreurs").await;
    browser.click("input[name=event_kind][value=bus]").await;
    browser
        .type_into("#champ-title", "Bus de la création aux Tilleuls")
        .await;
    browser.set_date("#champ-held_on", "2026-11-05").await;
    browser.click("input[name=partners]").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("Action collective enregistrée.")
        .await;
    let path = browser
        .js("return location.pathname;", vec![])
        .await
        .as_str()
        .unwrap()
        .to_owned();
    browser.check("action").await;
    browser.fits_a_phone("action").await;

    // The head-count, refused then saved.
    browser.click("a[href$='/comptage']").await;
    browser
        .wait_for(
            "document.querySelector('#champ-total')",
            "the head-count form",
        )
        .await;
    browser.check("comptage").await;
    browser.type_into("#champ-total", "30").await;
    browser.type_into("#champ-women", "40").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("comptage-erreurs").await;
    browser.fits_a_phone("comptage-erreurs").await;
    browser.type_into("#champ-women", "18").await;
    browser.type_into("#champ-under_26", "12").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Comptage enregistré.").await;

    browser.click("a[href$='/modifier']").await;
    browser.wait_for_text("Enregistrer les modifications").await;
    browser.check("action-modifier").await;
    browser.fits_a_phone("action-modifier").await;

    // The list and the month, with an event held today: its sheet one tap away.
    api_post(
        &app,
        &api,
        "/api/v1/events",
        json!({"kind": "cafe_createurs", "title": "Café des créateurs", "held_on": "2026-11-02"}),
    )
    .await;
    browser.goto("/actions").await;
    browser
        .wait_for_text("Bus de la création aux Tilleuls")
        .await;
    browser.check("actions").await;
    browser.fits_a_phone("actions").await;
    browser.click("main a[href^='/actions?mois=']").await;
    browser.wait_for_text("Calendrier de novembre 2026").await;
    browser.check("calendrier").await;
    browser.fits_a_phone("calendrier").await;

    // The attendance sheet: searched as one types, a person added in one tap.
    browser.goto(&format!("{path}/presences")).await;
    browser.wait_for_text("Feuille de présence").await;
    browser.check("presences-vide").await;
    browser.fits_a_phone("presences-vide").await;
    browser.mark_document().await;
    browser.type_into("#champ-q", "benoit").await;
    browser.wait_for_text("ROUSSEAU Benoît").await;
    assert!(
        browser.document_is_marked().await,
        "the results came without reloading the page"
    );
    browser.check("presences-recherche").await;
    browser.fits_a_phone("presences-recherche").await;
    browser.click("#trouves button[type=submit]").await;
    browser.wait_for_text("Présence enregistrée.").await;
    browser.check("presences").await;
    browser.fits_a_phone("presences").await;

    // Registered on the spot, refused first.
    browser.click("a[href$='/presences/nouvelle']").await;
    browser.wait_for_text("Lisez-lui ce texte").await;
    browser.check("sur-place").await;
    browser.fits_a_phone("sur-place").await;
    browser.type_into("#champ-first_name", "Aminata").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 3 erreurs").await;
    browser.check("sur-place-erreurs").await;
    browser.fits_a_phone("sur-place-erreurs").await;
    browser.type_into("#champ-last_name", "Koné").await;
    browser.type_into("#champ-phone", "06 12 34 56 78").await;
    browser.click("input[name=consent]").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Personne inscrite").await;
    assert!(browser.text("main").await.contains("Aminata Koné"));
    browser.check("presences-inscrite").await;
    browser.fits_a_phone("presences-inscrite").await;

    // The same phone again: the person already followed is offered, added in one tap.
    browser.click("a[href$='/presences/nouvelle']").await;
    browser.wait_for_text("Lisez-lui ce texte").await;
    browser.type_into("#champ-first_name", "Mina").await;
    browser.type_into("#champ-last_name", "Koné").await;
    browser.type_into("#champ-phone", "0612345678").await;
    browser.click("input[name=consent]").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("Cette personne est peut-être déjà suivie")
        .await;
    browser.check("sur-place-doublon").await;
    browser.fits_a_phone("sur-place-doublon").await;
    browser.click("#doublons button[type=submit]").await;
    browser
        .wait_for_text("Cette personne figurait déjà sur la feuille de présence.")
        .await;
    browser.finish().await;
}
