//! Referring a person from their file, without JavaScript: the consent check with the
//! words to read, the suggestions first, the refusals on the form, the referral sent
//! and its e-mail, and who may open the page.

use crate::pages::Browser;
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn an_adviser_refers_a_person_from_the_file() {
    let app = TestApp::start().await;
    let referent = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie_admin = app.user(adie, Role::OrgAdmin).await;
    let partner = app.user(adie, Role::Adviser).await;
    let admin = app.login(&adie_admin).await;
    let created = admin
        .post(app.url("/api/v1/services"))
        .json(&json!({
            "name": "Microcrédit professionnel",
            "description": "Prêt jusqu'à 12 000 € pour créer son activité",
            "stage": "accompagnement", "needs": ["financement"], "financing_max_eur": 12000
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let service = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    let browser = Browser::new(&app);
    browser.sign_in(&referent).await;
    let form = browser.get("/personnes/nouvelle").await;
    let registered = browser
        .post(
            "/personnes/nouvelle",
            &[
                ("_csrf", &form.csrf()),
                ("first_name", "Awa"),
                ("last_name", "Diallo"),
                ("phone", "06 12 34 56 78"),
                ("qpv_status", "unknown"),
                ("stage", "information"),
            ],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let file = registered.location.split('?').next().unwrap().to_owned();
    let page = browser.get(&file).await;
    assert!(page.body.contains(&format!("href=\"{file}/orienter\"")));
    let refer = format!("{file}/orienter");

    // No consent yet: the words to read, and no way to send.
    let page = browser.get(&refer).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("pas encore donné son accord"));
    assert!(
        page.body.contains("Êtes-vous d&#39;accord ?")
            || page.body.contains("Êtes-vous d'accord ?")
    );
    assert!(!page.body.contains("Envoyer l'orientation"));
    let unticked = browser
        .post(&format!("{refer}/accord"), &[("_csrf", &page.csrf())])
        .await;
    assert_eq!(unticked.status, 422);
    assert!(unticked.body.contains("href=\"#champ-accord\""));
    let agreed = browser
        .post(
            &format!("{refer}/accord"),
            &[("_csrf", &page.csrf()), ("accord", "oui")],
        )
        .await;
    assert_eq!(agreed.status, 303);
    assert_eq!(agreed.location, format!("{refer}?fait=consentement"));

    // The suggestions for her, first, with why; then every partner of the territory.
    assert!(
        browser
            .get(&agreed.location)
            .await
            .body
            .contains("Consentement enregistré.")
    );
    let page = browser.get(&format!("{refer}?besoins=financement")).await;
    let suggestions = &page.body
        [page.body.find("id=\"suggestions\"").unwrap()..page.body.find("id=\"annuaire\"").unwrap()];
    assert!(suggestions.contains("Microcrédit professionnel — ADIE Test"));
    assert!(suggestions.contains(&format!("value=\"{adie}:{service}\"")));
    assert!(page.body.contains("value=\"financement\" checked"));
    assert!(page.body.contains("Ce que verra le partenaire"));

    // Nothing chosen, no need: both named, what was typed kept.
    let refused = browser
        .post(
            &refer,
            &[
                ("_csrf", &page.csrf()),
                ("need", " "),
                ("message", "Rappeler le matin"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("href=\"#champ-partenaire\""));
    assert!(refused.body.contains("href=\"#champ-need\""));
    assert!(refused.body.contains("Rappeler le matin"));

    // A service of another organisation than the one chosen: refused on the field.
    let mismatched = browser
        .post(
            &refer,
            &[
                ("_csrf", &page.csrf()),
                ("partenaire", &format!("{}:{service}", adie + 1000)),
                ("need", "Un microcrédit"),
            ],
        )
        .await;
    assert_eq!(mismatched.status, 422);
    assert!(mismatched.body.contains("href=\"#champ-partenaire\""));

    let sent = browser
        .post(
            &refer,
            &[
                ("_csrf", &page.csrf()),
                ("partenaire", &format!("{adie}:{service}")),
                ("need", "Un microcrédit pour son food truck"),
                ("message", "Rappeler le matin"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(sent.location.starts_with("/orientations/"));
    assert!(sent.location.ends_with("?fait=orientation-envoyee"));
    let link = sent.location.split('?').next().unwrap().to_owned();
    let page = browser.get(&sent.location).await;
    assert!(page.body.contains("Orientation envoyée"));
    assert!(page.body.contains("Un microcrédit pour son food truck"));
    app.deliver_mail().await;
    let mail = app.smtp.received().await.into_iter().last().unwrap();
    assert!(
        mail.data.contains(&link),
        "the e-mail links to the referral"
    );
    assert!(!mail.data.contains("Diallo"), "no person in the e-mail");

    // Under way: the partner is shown busy, and a second referral is refused.
    let page = browser.get(&refer).await;
    assert!(
        page.body
            .contains("orientation en cours (en attente de réponse)")
    );
    let again = browser
        .post(
            &refer,
            &[
                ("_csrf", &page.csrf()),
                ("partenaire", &adie.to_string()),
                ("need", "Encore"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("déjà en cours"));

    // The partner waiting to answer cannot open the page; nor can a stranger.
    let other = Browser::new(&app);
    other.sign_in(&partner).await;
    assert_eq!(other.get(&refer).await.status, 404);
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let stranger = Browser::new(&app);
    stranger.sign_in(&app.user(bge, Role::Adviser).await).await;
    assert_eq!(stranger.get(&refer).await.status, 404);
    let forged = stranger
        .post(&refer, &[("_csrf", "x"), ("partenaire", &adie.to_string())])
        .await;
    assert_eq!(forged.status, 403);
}
