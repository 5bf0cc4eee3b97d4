//! « Annuaire » without JavaScript: an organisation's admin publishes, edits and pauses
//! a service; advisers find it by need, public, stage and words; nobody else edits it.

use crate::pages::Browser;
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;

#[tokio::test]
async fn an_admin_publishes_a_service_that_partners_find() {
    let app = TestApp::start().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let admin = Browser::new(&app);
    admin.sign_in(&app.user(adie, Role::OrgAdmin).await).await;
    let page = admin.get("/annuaire").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Les services de votre structure"));
    assert!(page.body.contains("href=\"/annuaire/services/nouveau\""));

    // Every error at once, and what was typed kept.
    let form = admin.get("/annuaire/services/nouveau").await;
    let refused = admin
        .post(
            "/annuaire/services/nouveau",
            &[
                ("_csrf", &form.csrf()),
                ("name", ""),
                ("description", "Prêt pour créer"),
                ("financing_min_eur", "beaucoup"),
                ("sectors", "commerce"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    for field in ["name", "stage", "financing_min_eur"] {
        assert!(
            refused.body.contains(&format!("href=\"#champ-{field}\"")),
            "{field}"
        );
    }
    assert!(refused.body.contains("Prêt pour créer"));
    let published = admin
        .post(
            "/annuaire/services/nouveau",
            &[
                ("_csrf", &form.csrf()),
                ("name", "Microcrédit professionnel"),
                (
                    "description",
                    "Prêt jusqu'à 12 000 € pour créer son activité",
                ),
                ("stage", "accompagnement"),
                ("needs", "financement"),
                ("publics", "femmes"),
                ("sectors", "commerce, services"),
                ("financing_max_eur", "12 000"),
                ("active", "oui"),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(published.location, "/annuaire?fait=service-publie");
    let page = admin.get(&published.location).await;
    assert!(
        page.body.contains("Service publié dans l&#39;annuaire.")
            || page.body.contains("Service publié dans l'annuaire.")
    );
    let id: i64 = page
        .body
        .split("href=\"/annuaire/services/")
        .skip(1)
        .find_map(|rest| rest.split('/').next()?.parse().ok())
        .expect("an edit link with the new service's id");

    // An adviser of another partner finds it by need, public, stage and words.
    let citeslab = app.adviser().await;
    let adviser = Browser::new(&app);
    adviser.sign_in(&citeslab).await;
    let finds = |body: &str| body.contains("Microcrédit professionnel");
    for (query, found) in [
        ("", true),
        ("?besoin=financement", true),
        ("?besoin=local", false),
        ("?public=femmes", true),
        ("?public=moins_de_26", false),
        ("?etape=accompagnement", true),
        ("?etape=hebergement", false),
        ("?q=MICRO", true),
        ("?q=boulangerie", false),
        ("?besoin=n-importe-quoi", true),
    ] {
        let page = adviser.get(&format!("/annuaire{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        assert_eq!(finds(&page.body), found, "{query}");
    }
    let page = adviser.get("/annuaire").await;
    assert!(
        page.body.contains("Financement jusqu&#39;à 12")
            || page.body.contains("Financement jusqu'à 12")
    );
    assert!(!page.body.contains("Les services de votre structure"));

    // Advisers do not publish; another organisation's admin does not edit.
    let edit = format!("/annuaire/services/{id}/modifier");
    assert_eq!(adviser.get("/annuaire/services/nouveau").await.status, 404);
    assert_eq!(adviser.get(&edit).await.status, 404);
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let stranger = Browser::new(&app);
    stranger.sign_in(&app.user(bge, Role::OrgAdmin).await).await;
    assert_eq!(stranger.get(&edit).await.status, 404);
    let token = stranger.get("/annuaire").await.csrf();
    let forged = stranger
        .post(&edit, &[("_csrf", &token), ("name", "Volé")])
        .await;
    assert_eq!(forged.status, 404);

    // Paused: gone from the directory, still listed for its admins.
    let form = admin.get(&edit).await;
    assert!(form.body.contains("value=\"Microcrédit professionnel\""));
    assert!(form.body.contains("value=\"financement\" checked"));
    let paused = admin
        .post(
            &edit,
            &[
                ("_csrf", &form.csrf()),
                ("name", "Microcrédit professionnel"),
                ("description", "Prêt jusqu'à 12 000 €"),
                ("stage", "accompagnement"),
                ("needs", "financement"),
            ],
        )
        .await;
    assert_eq!(paused.status, 303, "{}", paused.body);
    assert!(!finds(&adviser.get("/annuaire").await.body));
    let own = admin.get("/annuaire").await;
    assert!(own.body.contains("en pause"));
}
