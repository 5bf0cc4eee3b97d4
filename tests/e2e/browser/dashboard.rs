//! « Tableau de bord » in a real browser: the coordinator's page with figures and
//! masked cells, checked by axe at full width and at 360 px, with the filter form
//! refused and a preset chosen (the address follows); then printed to PDF by Chromium
//! (WebDriver's print command, A4), every block laid out on print media.

use super::{Browser, api_post, tools, workspace_target};
use crate::support::TestApp;
use fantoccini::wd::{PrintConfiguration, PrintSize};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::json;

#[tokio::test]
async fn the_dashboard_in_a_browser_and_on_paper() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let citeslab = app.adviser().await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator = app.user(agglo, Role::Coordinator).await;
    let api = app.login(&citeslab).await;
    // Seven people: a count shown (7 informed) and masked ones (2 women of them).
    for (first, gender) in [
        ("Awa", "femme"),
        ("Bruno", "homme"),
        ("Chloé", "femme"),
        ("David", "homme"),
        ("Éric", "homme"),
        ("Farid", "homme"),
        ("Gaël", "homme"),
    ] {
        api_post(
            &app,
            &api,
            "/api/v1/holders",
            json!({"first_name": first, "last_name": "Test", "gender": gender}),
        )
        .await;
    }

    let mut browser = Browser::open(&app, tools, "tableau-de-bord").await;
    browser.goto("/tableau-de-bord").await;
    browser.sign_in(&coordinator).await;
    browser.wait_for_text("Indicateurs des financeurs").await;
    assert!(
        browser
            .text("#tableau-indicateurs")
            .await
            .contains("Personnes informées 7 0 +7")
    );
    // Two women of seven: a masked count, shown as such, and no share from it.
    let shares = browser.text("#tableau-parts").await;
    assert!(shares.contains("Part de femmes < 5 7 < seuil"), "{shares}");
    browser.check("tableau-de-bord").await;
    browser.fits_a_phone("tableau-de-bord").await;
    // On a phone the charts keep a readable size: their 13-unit text stays at 11 px or
    // more, the frame scrolling sideways.
    browser.resize(super::PHONE).await;
    let sizes = browser
        .js(
            "return [...document.querySelectorAll('svg.chart')].map((s) => \
               13 * s.getBoundingClientRect().width / s.viewBox.baseVal.width);",
            vec![],
        )
        .await;
    let sizes: Vec<f64> = sizes
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 6);
    assert!(sizes.iter().all(|px| *px >= 11.0), "text at {sizes:?} px");
    browser.resize(super::DESKTOP).await;

    // A filter that does not read: the form again, its summary first.
    browser
        .goto("/tableau-de-bord?periode=dates&du=2026-10-01&au=hier")
        .await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("filtre-refuse").await;

    // A preset chosen on the form: the address carries it.
    browser.goto("/tableau-de-bord").await;
    browser.wait_for_text("Indicateurs des financeurs").await;
    browser
        .js(
            "document.querySelector('#champ-periode').value = 'trimestre_precedent';",
            vec![],
        )
        .await;
    browser.click("form.filters button[type=submit]").await;
    browser
        .wait_for(
            "location.search.includes('periode=trimestre_precedent') && document.readyState === 'complete'",
            "the previous quarter's address",
        )
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("du 1er juillet 2026 au 30 septembre 2026")
    );

    // On paper: Chromium prints the page to PDF on A4; while it lays the page out for
    // print, every block is there and the filter form is not.
    browser.goto("/tableau-de-bord").await;
    browser.wait_for_text("Indicateurs des financeurs").await;
    browser
        .js(
            "window.printed = null; \
             matchMedia('print').addEventListener('change', (e) => { if (e.matches && !window.printed) { \
               window.printed = { blocks: [...document.querySelectorAll('section.block')] \
                 .filter((s) => s.getBoundingClientRect().height > 0 && s.querySelector('table')) \
                 .map((s) => s.id), \
                 form: document.querySelector('form.filters').getBoundingClientRect().height, \
                 heading: document.querySelector('.report-heading').getBoundingClientRect().height }; } });",
            vec![],
        )
        .await;
    let pdf = browser
        .client
        .print(
            PrintConfiguration::builder()
                .size(PrintSize::A4)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(
        workspace_target().join("screenshots/tableau-de-bord.pdf"),
        &pdf,
    )
    .unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    let pages = raw.matches("/Type /Page\n").count()
        + raw.matches("/Type /Page/").count()
        + raw.matches("/Type /Page ").count()
        + raw.matches("/Type /Page>").count();
    assert!(pages >= 2, "an A4 report of several pages, {pages} found");
    let printed = browser.js("return window.printed;", vec![]).await;
    assert_eq!(
        printed["blocks"],
        json!([
            "bloc-pipeline",
            "bloc-indicateurs",
            "bloc-flux",
            "bloc-orientations",
            "bloc-activite",
            "bloc-relances"
        ]),
        "{printed}"
    );
    assert_eq!(printed["form"], 0, "no filter form on paper");
    assert!(printed["heading"].as_f64().unwrap() > 0.0);
    browser.finish().await;
}
