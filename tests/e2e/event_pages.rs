//! « Actions collectives » without JavaScript: plain GETs and form posts. An event
//! recorded, refused then accepted, changed, its head-count, its calendar month, the
//! attendance sheet (a followed person found and added, someone registered on the spot
//! who then is in « Personnes »); another organisation's event is a 404, a partner's
//! is read-only; forms without the session's token change nothing.

use crate::pages::Browser;
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::audit;
use serde_json::{Value, json};

async fn api_post(app: &TestApp, api: &reqwest::Client, path: &str, body: Value) -> i64 {
    let response = api.post(app.url(path)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{path}");
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The id at the end of a redirect to `/actions/{id}?…`.
fn event_id(location: &str) -> i64 {
    location
        .trim_start_matches("/actions/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{location}"))
}

#[tokio::test]
async fn an_event_from_its_creation_to_its_attendance_sheet() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let api = app.login(&adviser).await;
    let benoit = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Benoît", "last_name": "Rousseau", "birth_date": "1990-05-04"}),
    )
    .await;

    let browser = Browser::new(&app);
    let today = browser.sign_in(&adviser).await;
    assert!(
        today
            .body
            .contains("<a href=\"/actions\">Actions collectives</a>"),
        "in the navigation"
    );
    let empty = browser.get("/actions").await;
    assert_eq!(empty.status, 200);
    assert!(
        empty
            .body
            .contains("<title>Actions collectives — Parcours</title>")
    );
    assert!(empty.body.contains("Aucune action prévue"));
    assert!(
        empty
            .body
            .contains("<a href=\"/actions\" aria-current=\"page\">Actions collectives</a>")
    );

    // Refused: no type, no title, an impossible date; what was typed stays.
    let form = browser.get("/actions/nouvelle").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("ADIE Test"), "the territory's partners");
    let token = form.csrf();
    let refused = browser
        .post(
            "/actions/nouvelle",
            &[
                ("_csrf", &token),
                ("title", ""),
                ("held_on", "2026-13-45"),
                ("place", "Place du Marché"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("Il y a 3 erreurs"),
        "{}",
        refused.body
    );
    for line in ["Type d&#39;action : ", "Intitulé : obligatoire", "Date : "] {
        assert!(refused.body.contains(line), "{line}: {}", refused.body);
    }
    assert!(refused.body.contains("href=\"#champ-event_kind\""));
    assert!(refused.body.contains("aria-describedby=\"erreur-title\""));
    assert!(refused.body.contains("value=\"Place du Marché\""));

    let created = browser
        .post(
            "/actions/nouvelle",
            &[
                ("_csrf", &token),
                ("event_kind", "bus"),
                ("title", "Bus de la création aux Tilleuls"),
                ("held_on", "2026-11-05"),
                ("place", "Place du Marché"),
                ("partners", &adie.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = event_id(&created.location);
    assert_eq!(created.location, format!("/actions/{id}?fait=action-creee"));
    let page = browser.get(&created.location).await;
    assert_eq!(page.status, 200);
    for text in [
        "Action collective enregistrée.",
        "<h1>Bus de la création aux Tilleuls</h1>",
        "jeudi 5 novembre 2026",
        "<dt>Type</dt><dd>Bus de la création</dd>",
        "ADIE Test",
        "CitésLab Test",
        "Modifier l'action",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // Listed as coming up, and in its month's calendar, not in the next one.
    let list = browser.get("/actions").await;
    assert!(list.body.contains(&format!("href=\"/actions/{id}\"")));
    let november = browser.get("/actions?mois=2026-11").await;
    assert_eq!(november.status, 200);
    assert!(november.body.contains("Calendrier de novembre 2026"));
    assert!(november.body.contains("href=\"#jour-2026-11-05\""));
    assert!(november.body.contains("id=\"jour-2026-11-05\""));
    assert!(november.body.contains("href=\"/actions?mois=2026-12\""));
    assert!(november.body.contains("href=\"/actions?mois=2026-10\""));
    let december = browser.get("/actions?mois=2026-12").await;
    assert!(!december.body.contains(&format!("href=\"/actions/{id}\"")));
    assert!(december.body.contains("Aucune action ce mois-ci."));
    let wrong = browser.get("/actions?mois=novembre").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Mois : mois non reconnu"));

    // The head-count: a category above the total, then a word, then right.
    let counting = browser.get(&format!("/actions/{id}/comptage")).await;
    assert_eq!(counting.status, 200);
    let path = format!("/actions/{id}/comptage");
    let too_many = browser
        .post(
            &path,
            &[("_csrf", &token), ("total", "30"), ("women", "40")],
        )
        .await;
    assert_eq!(too_many.status, 422);
    assert!(
        too_many
            .body
            .contains("Dont femmes : entre 0 et le total (30)"),
        "{}",
        too_many.body
    );
    assert!(too_many.body.contains("value=\"40\""));
    let word = browser
        .post(&path, &[("_csrf", &token), ("total", "trente")])
        .await;
    assert_eq!(word.status, 422);
    assert!(
        word.body
            .contains("Personnes présentes : un nombre entier est attendu")
    );
    let counted = browser
        .post(
            &path,
            &[
                ("_csrf", &token),
                ("total", "30"),
                ("women", "18"),
                ("under_26", "12"),
                ("qpv_residents", ""),
            ],
        )
        .await;
    assert_eq!(counted.status, 303, "{}", counted.body);
    assert_eq!(counted.location, format!("/actions/{id}?fait=comptage"));
    let page = browser.get(&counted.location).await;
    assert!(page.body.contains("Comptage enregistré."));
    assert!(
        page.body
            .contains("<th scope=\"row\">Dont femmes</th><td>18</td>")
    );

    // Changing the event keeps its head-count.
    let editing = browser.get(&format!("/actions/{id}/modifier")).await;
    assert_eq!(editing.status, 200);
    assert!(
        editing
            .body
            .contains("value=\"Bus de la création aux Tilleuls\"")
    );
    assert!(editing.body.contains("value=\"2026-11-05\""));
    let edit_path = format!("/actions/{id}/modifier");
    let blank = browser
        .post(
            &edit_path,
            &[
                ("_csrf", &token),
                ("event_kind", "bus"),
                ("held_on", "2026-11-06"),
            ],
        )
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("Intitulé : obligatoire"));
    assert!(blank.body.contains("value=\"2026-11-06\""));
    let edited = browser
        .post(
            &edit_path,
            &[
                ("_csrf", &token),
                ("event_kind", "bus"),
                ("title", "Bus de la création, place du Marché"),
                ("held_on", "2026-11-06"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let page = browser.get(&edited.location).await;
    assert!(page.body.contains("Action collective modifiée."));
    assert!(page.body.contains("vendredi 6 novembre 2026"));
    assert!(
        page.body
            .contains("<th scope=\"row\">Personnes présentes</th><td>30</td>")
    );
    assert!(!page.body.contains("ADIE Test"), "the partner unticked");

    // The attendance sheet: a followed person found by name, added once.
    let sheet_path = format!("/actions/{id}/presences");
    let sheet = browser.get(&format!("{sheet_path}?q=benoit")).await;
    assert_eq!(sheet.status, 200);
    assert!(sheet.body.contains("ROUSSEAU Benoît"), "{}", sheet.body);
    assert!(
        sheet
            .body
            .contains(&format!("name=\"holder_id\" value=\"{benoit}\""))
    );
    let add = [
        ("_csrf", token.as_str()),
        ("holder_id", &benoit.to_string()),
    ];
    let added = browser.post(&sheet_path, &add).await;
    assert_eq!(added.status, 303);
    assert_eq!(added.location, format!("{sheet_path}?fait=presence"));
    let sheet = browser.get(&added.location).await;
    assert!(sheet.body.contains("Présence enregistrée."));
    assert!(sheet.body.contains("Présentes (1)"));
    assert!(
        sheet
            .body
            .contains(&format!("href=\"/personnes/{benoit}\">Benoît Rousseau</a>"))
    );
    let again = browser.post(&sheet_path, &add).await;
    assert_eq!(again.location, format!("{sheet_path}?fait=presence-deja"));
    let found = browser.get(&format!("{sheet_path}?q=rous")).await;
    assert!(found.body.contains("déjà présente"));
    let nobody = browser.get(&format!("{sheet_path}?q=zorglub")).await;
    assert!(nobody.body.contains("Personne trouvée pour « zorglub »"));
    assert!(nobody.body.contains("/presences/nouvelle?nom=zorglub"));

    // Registered on the spot: refused without a way to reach them nor their consent.
    let new_path = format!("{sheet_path}/nouvelle");
    let form = browser.get(&format!("{new_path}?nom=Kon%C3%A9")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"Koné\""), "the name searched");
    assert!(form.body.contains("Lisez-lui ce texte"));
    let refused = browser
        .post(
            &new_path,
            &[
                ("_csrf", &token),
                ("first_name", "Aminata"),
                ("last_name", "Koné"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("Il y a 2 erreurs"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("Téléphone : un moyen de joindre la personne")
    );
    assert!(
        refused
            .body
            .contains("Accord de la personne : l&#39;accord de la personne")
    );
    assert!(refused.body.contains("value=\"Aminata\""));
    let registered = browser
        .post(
            &new_path,
            &[
                ("_csrf", &token),
                ("first_name", "Aminata"),
                ("last_name", "Koné"),
                ("phone", "06 12 34 56 78"),
                ("consent", "oui"),
            ],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    assert_eq!(
        registered.location,
        format!("{sheet_path}?fait=presence-inscription")
    );
    let sheet = browser.get(&registered.location).await;
    assert!(sheet.body.contains("Présentes (2)"));
    assert!(
        sheet
            .body
            .contains("Aminata Koné</a> <span class=\"tag\">inscrite sur place")
    );
    // She is now one of the people the organisation follows, at sensibilisation.
    let people = browser.get("/personnes?q=kone").await;
    assert!(people.body.contains("KONÉ Aminata"), "{}", people.body);
    assert!(people.body.contains("<td>Sensibilisation</td>"));
    // The same phone again: the person already followed is offered first.
    let twice = [
        ("_csrf", token.as_str()),
        ("first_name", "Mina"),
        ("last_name", "Koné"),
        ("phone", "0612345678"),
        ("consent", "oui"),
    ];
    let offered = browser.post(&new_path, &twice).await;
    assert_eq!(offered.status, 200, "{}", offered.body);
    assert!(
        offered
            .body
            .contains("Cette personne est peut-être déjà suivie")
    );
    assert!(offered.body.contains("KONÉ Aminata"));
    assert!(offered.body.contains("name=\"doublon_vu\" value=\"1\""));
    assert!(offered.body.contains("Inscrire quand même"));
    let page = browser.get(&format!("/actions/{id}")).await;
    assert!(page.body.contains("2 personnes sur la feuille de présence"));
    let mut anyway = twice.to_vec();
    anyway.push(("doublon_vu", "1"));
    let registered = browser.post(&new_path, &anyway).await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let page = browser.get(&format!("/actions/{id}")).await;
    assert!(page.body.contains("3 personnes sur la feuille de présence"));

    // Each page that showed or changed Benoît's attendance left its audit entry.
    let actions: Vec<String> = audit::for_holder(app.db.conn(), benoit)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["holder.list", "event.attendee.add", "event.attendee.read"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn another_organisations_event_is_not_found_and_a_partners_is_read_only() {
    let app = TestApp::start().await;
    let organiser = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let partner = app.user(adie, Role::Adviser).await;
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let stranger = app.user(bge, Role::Adviser).await;
    let api = app.login(&organiser).await;
    let id = api_post(
        &app,
        &api,
        "/api/v1/events",
        json!({"kind": "forum", "title": "Forum de la création", "held_on": "2026-11-20", "partners": [adie]}),
    )
    .await;

    let browser = Browser::new(&app);
    let token = browser.sign_in(&stranger).await.csrf();
    for path in [
        format!("/actions/{id}"),
        format!("/actions/{id}/modifier"),
        format!("/actions/{id}/comptage"),
        format!("/actions/{id}/presences"),
        format!("/actions/{id}/presences/nouvelle"),
        "/actions/abc".to_owned(),
    ] {
        let answer = browser.get(&path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert!(answer.body.contains("Page introuvable"), "{path}");
        assert!(!answer.body.contains("Forum de la création"), "{path}");
    }
    let posted = browser
        .post(
            &format!("/actions/{id}/modifier"),
            &[
                ("_csrf", &token),
                ("event_kind", "bus"),
                ("title", "Pris"),
                ("held_on", "2026-11-21"),
            ],
        )
        .await;
    assert_eq!(posted.status, 404);
    let list = browser.get("/actions").await;
    assert!(!list.body.contains("Forum de la création"));
    let month = browser.get("/actions?mois=2026-11").await;
    assert!(!month.body.contains("Forum de la création"));

    // The partner sees the event and its sheet, but only its organiser changes it.
    let partner_browser = Browser::new(&app);
    let token = partner_browser.sign_in(&partner).await.csrf();
    let page = partner_browser.get(&format!("/actions/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Forum de la création"));
    assert!(page.body.contains("Feuille de présence"));
    assert!(!page.body.contains("Modifier l'action"));
    let list = partner_browser.get("/actions").await;
    assert!(list.body.contains("en partenariat"));
    assert_eq!(
        partner_browser
            .get(&format!("/actions/{id}/modifier"))
            .await
            .status,
        403
    );
    let refused = partner_browser
        .post(
            &format!("/actions/{id}/comptage"),
            &[("_csrf", &token), ("total", "3")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        partner_browser
            .get(&format!("/actions/{id}/presences"))
            .await
            .status,
        200
    );

    // A coordinator sees no named attendance: neither the entry nor the pages.
    let coordinator = app.user(bge, Role::Coordinator).await;
    let coordinator_browser = Browser::new(&app);
    let home = coordinator_browser.sign_in(&coordinator).await;
    assert!(!home.body.contains("href=\"/actions\""));
    for path in ["/actions".to_owned(), format!("/actions/{id}/presences")] {
        let answer = coordinator_browser.get(&path).await;
        assert!(
            matches!(answer.status, 403 | 404),
            "{path}: {}",
            answer.status
        );
        assert!(!answer.body.contains("Forum de la création"), "{path}");
    }
}

#[tokio::test]
async fn event_forms_without_the_sessions_token_change_nothing() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    let id = api_post(
        &app,
        &api,
        "/api/v1/events",
        json!({"kind": "atelier", "title": "Atelier idée", "held_on": "2026-11-02"}),
    )
    .await;
    let holder = api_post(
        &app,
        &api,
        "/api/v1/holders",
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let holder = holder.to_string();
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/actions/nouvelle".into(),
            vec![
                ("event_kind", "bus"),
                ("title", "Sans jeton"),
                ("held_on", "2026-11-12"),
            ],
        ),
        (
            format!("/actions/{id}/modifier"),
            vec![
                ("event_kind", "bus"),
                ("title", "Sans jeton"),
                ("held_on", "2026-11-12"),
            ],
        ),
        (format!("/actions/{id}/comptage"), vec![("total", "99")]),
        (
            format!("/actions/{id}/presences"),
            vec![("holder_id", &holder)],
        ),
        (
            format!("/actions/{id}/presences/nouvelle"),
            vec![
                ("first_name", "Sans"),
                ("last_name", "Jeton"),
                ("phone", "0612345678"),
                ("consent", "oui"),
            ],
        ),
    ];
    for (path, form) in &attempts {
        for token in [None, Some("pas-le-bon")] {
            let mut sent = form.clone();
            if let Some(token) = token {
                sent.push(("_csrf", token));
            }
            let answer = browser.post(path, &sent).await;
            assert_eq!(answer.status, 403, "{path} {token:?}");
            assert!(answer.body.contains("Formulaire refusé"), "{path}");
        }
    }
    let page = browser.get(&format!("/actions/{id}")).await;
    assert!(page.body.contains("<h1>Atelier idée</h1>"));
    assert!(
        page.body
            .contains("<th scope=\"row\">Personnes présentes</th><td>0</td>")
    );
    assert!(page.body.contains("Personne n'est encore inscrit"));
    let list = browser.get("/actions").await;
    assert!(!list.body.contains("Sans jeton"));
    // Held today: its sheet is one tap from the list.
    assert!(list.body.contains(&format!(
        "href=\"/actions/{id}/presences\">Feuille de présence"
    )));
    assert!(
        !browser
            .get("/personnes?q=jeton")
            .await
            .body
            .contains("JETON")
    );
}

#[tokio::test]
async fn past_events_come_twenty_at_a_time_most_recent_first() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    // 25 events in October, one on each day; one coming up.
    for day in 1..=25 {
        api_post(
            &app,
            &api,
            "/api/v1/events",
            json!({"kind": "atelier", "title": format!("Atelier n° {day}"), "held_on": format!("2026-10-{day:02}")}),
        )
        .await;
    }
    api_post(
        &app,
        &api,
        "/api/v1/events",
        json!({"kind": "forum", "title": "Forum à venir", "held_on": "2026-11-02"}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let first = browser.get("/actions").await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("Forum à venir"));
    assert!(first.body.contains("Atelier n° 25<"));
    assert!(first.body.contains("Atelier n° 6<"));
    assert!(!first.body.contains("Atelier n° 5<"));
    let start = first.body.find("Atelier n° 25<").unwrap();
    assert!(
        start < first.body.find("Atelier n° 24<").unwrap(),
        "most recent first"
    );
    let marker = "href=\"/actions?cursor=";
    let at = first.body.find(marker).expect("a link to older events") + "href=\"".len();
    let next = &first.body[at..at + first.body[at..].find('"').unwrap()];
    let older = browser.get(next).await;
    assert_eq!(older.status, 200);
    assert!(older.body.contains("Atelier n° 5<"));
    assert!(older.body.contains("Atelier n° 1<"));
    assert!(!older.body.contains("Atelier n° 6<"));
    assert!(
        !older.body.contains("Forum à venir"),
        "only the past, further on"
    );
    assert!(older.body.contains("Retour au début"));
    assert!(!older.body.contains(marker));
    let broken = browser.get("/actions?cursor=%25%25").await;
    assert_eq!(broken.status, 422);
    assert!(broken.body.contains("reprenez la liste depuis le début"));
}
