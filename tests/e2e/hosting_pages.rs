//! « Hébergement » without JavaScript: a CAQ describes its space and a unit, hosts a
//! person referred by a CitésLab from their file, is refused a second agreement on the
//! same unit and dates on the form, renews under its rules, ends with a reason, and
//! reads the unit month by month; another organisation's space, unit or agreement is a
//! 404, a form without the session's token changes nothing.

use crate::pages::{Answer, Browser};
use crate::support::{TestApp, TestUser};
use chrono::{TimeZone, Utc};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::audit;
use serde_json::{Value, json};

/// The id in the first link of the page that starts with `prefix` and a number.
fn id_after(answer: &Answer, prefix: &str) -> i64 {
    answer
        .body
        .match_indices(prefix)
        .find_map(|(at, _)| {
            let digits: String = answer.body[at + prefix.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .unwrap_or_else(|| panic!("no link {prefix}… on the page:\n{}", answer.body))
}

/// Whether the page says `text`, its apostrophes escaped or not.
fn says(answer: &Answer, text: &str) -> bool {
    answer
        .body
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .contains(text)
}

fn location_id(answer: &Answer, prefix: &str) -> i64 {
    assert_eq!(answer.status, 303, "{}", answer.body);
    answer.location[prefix.len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn api_post(app: &TestApp, user: &TestUser, path: &str, body: Value) -> Value {
    let api = app.login(user).await;
    let response = api.post(app.url(path)).json(&body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// A person followed by `referent`'s organisation, referred to `host` and accepted
/// there: the host reads the file and may record its agreements.
async fn referred_person(app: &TestApp, referent: &TestUser, host: &TestUser, name: &str) -> i64 {
    let holder = api_post(
        app,
        referent,
        "/api/v1/holders",
        json!({"first_name": name, "last_name": "Diallo"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    api_post(
        app,
        referent,
        &format!("/api/v1/holders/{holder}/consents"),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    let referral = api_post(
        app,
        referent,
        "/api/v1/referrals",
        json!({"holder_id": holder, "to_organisation_id": host.organisation_id, "need": "Un bureau"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    api_post(
        app,
        host,
        &format!("/api/v1/referrals/{referral}/accept"),
        json!({}),
    )
    .await;
    holder
}

#[tokio::test]
async fn a_caq_hosts_renews_and_ends_on_its_pages() {
    let app = TestApp::start().await;
    let caq = app
        .organisation("Centre d'affaires Test", OrganisationKind::Caq)
        .await;
    let admin = app.user(caq, Role::OrgAdmin).await;
    let adviser = app.user(caq, Role::Adviser).await;
    let citeslab = app.adviser().await;

    // The CAQ's admin describes its space, refused once for a missing name.
    let browser = Browser::new(&app);
    browser.sign_in(&admin).await;
    let empty = browser.get("/hebergement").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("n'a pas encore décrit d'espace"));
    assert!(
        empty
            .body
            .contains("href=\"/hebergement\" aria-current=\"page\"")
    );
    let csrf = browser.get("/hebergement/espaces/nouveau").await.csrf();
    let refused = browser
        .post(
            "/hebergement/espaces/nouveau",
            &[
                ("_csrf", &csrf),
                ("space_name", ""),
                ("address", "3 rue des Lilas"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Il y a 1 erreur"));
    assert!(
        says(&refused, "Nom de l'espace : obligatoire"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"3 rue des Lilas\""),
        "what was typed is kept"
    );
    let saved = browser
        .post(
            "/hebergement/espaces/nouveau",
            &[
                ("_csrf", &csrf),
                ("space_name", "Centre des Tilleuls"),
                ("address", "3 rue des Lilas"),
                ("qpv_code", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location, "/hebergement?fait=espace-cree");
    let overview = browser.get(&saved.location).await;
    assert!(overview.body.contains("Espace enregistré"));
    let space = id_after(&overview, "/hebergement/espaces/");

    // A unit: bad input named field by field, then saved.
    let unit_form = format!("/hebergement/espaces/{space}/unites/nouvelle");
    assert_eq!(browser.get(&unit_form).await.status, 200);
    let refused = browser
        .post(
            &unit_form,
            &[
                ("_csrf", &csrf),
                ("unit_kind", ""),
                ("unit_label", "Bureau 1"),
                ("monthly_rent_eur", "beaucoup"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        says(&refused, "Loyer mensuel : un nombre entier d'euros"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("aria-describedby=\"erreur-monthly_rent_eur\"")
    );
    let refused = browser
        .post(
            &unit_form,
            &[
                ("_csrf", &csrf),
                ("unit_kind", ""),
                ("unit_label", "Bureau 1"),
                ("monthly_rent_eur", "150"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(says(&refused, "Type d'unité : "), "{}", refused.body);
    let saved = browser
        .post(
            &unit_form,
            &[
                ("_csrf", &csrf),
                ("unit_kind", "bureau"),
                ("unit_label", "Bureau 1"),
                ("area_m2", "12"),
                ("monthly_rent_eur", "150"),
            ],
        )
        .await;
    let unit = location_id(&saved, "/hebergement/unites/");
    let unit_page = format!("/hebergement/unites/{unit}");
    let free = browser.get(&saved.location).await;
    assert!(free.body.contains("Unité ajoutée."));
    assert!(
        free.body.contains("Bureau · 12 m² · 150 € par mois"),
        "{}",
        free.body
    );
    assert!(free.body.contains("Aucune convention sur cette unité."));

    // A person referred by the CitésLab: the CAQ's adviser hosts them from their file.
    let awa = referred_person(&app, &citeslab, &adviser, "Awa").await;
    let binta = referred_person(&app, &citeslab, &adviser, "Binta").await;
    let host = Browser::new(&app);
    host.sign_in(&adviser).await;
    let file = host.get(&format!("/personnes/{awa}")).await;
    let link = format!("/hebergement/conventions/nouvelle?personne={awa}");
    assert!(file.body.contains(&link), "the file offers « Héberger »");
    let form = host.get(&format!("{link}&unite={unit}")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Awa Diallo"));
    assert!(
        form.body
            .contains(&format!("<option value=\"{unit}\" selected>"))
    );
    let csrf = form.csrf();
    let unit_id = unit.to_string();
    let (awa_id, binta_id) = (awa.to_string(), binta.to_string());
    let hosted = host
        .post(
            "/hebergement/conventions/nouvelle",
            &[
                ("_csrf", &csrf),
                ("holder_id", &awa_id),
                ("unit_id", &unit_id),
                ("start_date", "2026-11-02"),
                ("planned_end", "2027-11-02"),
                ("monthly_rent_eur", ""),
            ],
        )
        .await;
    assert_eq!(hosted.status, 303, "{}", hosted.body);
    assert_eq!(
        hosted.location,
        format!("{unit_page}?fait=convention-creee")
    );

    // The same unit and dates for someone else: refused on the form, what was typed kept.
    let overlap = host
        .post(
            "/hebergement/conventions/nouvelle",
            &[
                ("_csrf", &csrf),
                ("holder_id", &binta_id),
                ("unit_id", &unit_id),
                ("start_date", "2026-11-02"),
                ("planned_end", "2027-11-02"),
            ],
        )
        .await;
    assert_eq!(overlap.status, 422, "{}", overlap.body);
    assert!(overlap.body.contains("Il y a 1 erreur"));
    assert!(
        says(
            &overlap,
            "Début de la convention : l'unité est déjà occupée sur une partie de cette période"
        ),
        "{}",
        overlap.body
    );
    assert!(overlap.body.contains("href=\"#champ-start_date\""));
    assert!(
        overlap
            .body
            .contains("aria-describedby=\"erreur-start_date\"")
    );
    assert!(overlap.body.contains("Binta Diallo"));
    assert!(overlap.body.contains("value=\"2027-11-02\""));
    // Longer than a CAQ grants, and a date that is none.
    let too_long = host
        .post(
            "/hebergement/conventions/nouvelle",
            &[
                ("_csrf", &csrf),
                ("holder_id", &binta_id),
                ("unit_id", &unit_id),
                ("start_date", "2028-01-01"),
                ("planned_end", "2031-01-01"),
            ],
        )
        .await;
    assert_eq!(too_long.status, 422);
    assert!(
        too_long
            .body
            .contains("Fin prévue : durée trop longue : 24 mois au plus")
    );
    let no_date = host
        .post(
            "/hebergement/conventions/nouvelle",
            &[
                ("_csrf", &csrf),
                ("holder_id", &binta_id),
                ("unit_id", &unit_id),
                ("start_date", "demain"),
                ("planned_end", "2031-01-01"),
            ],
        )
        .await;
    assert_eq!(no_date.status, 422);
    assert!(no_date.body.contains("href=\"#champ-start_date\""));

    // The unit month by month: November from the 2nd, then whole months.
    let grid = host.get(&hosted.location).await;
    assert!(says(&grid, "Convention d'hébergement enregistrée."));
    assert!(
        grid.body
            .contains("Occupation mois par mois, de novembre 2026 à octobre 2027")
    );
    assert!(grid.body.contains("<th scope=\"row\">novembre 2026</th><td>29 sur 30</td><td>97 %</td><td>en partie occupée</td><td>Awa Diallo</td>"), "{}", grid.body);
    assert!(grid.body.contains(
        "<th scope=\"row\">décembre 2026</th><td>31 sur 31</td><td>100 %</td><td>occupée</td>"
    ));
    let agreement = id_after(&grid, "/hebergement/conventions/");
    let file = host.get(&format!("/personnes/{awa}")).await;
    assert!(
        file.body.contains("Étape : Hébergement"),
        "the person moved to hébergement"
    );

    // « Hébergement »: the unit taken today, the person hosted.
    let overview = host.get("/hebergement").await;
    assert!(overview.body.contains("1 unité occupée sur 1"));
    assert!(overview.body.contains("Occupée par <a href=\"/personnes/"));
    assert!(
        overview
            .body
            .contains("Aucune convention ne se termine dans les 60 jours.")
    );

    // Renewed under the CAQ's rule: up to 24 months in all, then no more.
    let renew = format!("/hebergement/conventions/{agreement}/renouveler");
    let form = host.get(&renew).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("value=\"2028-11-02\""),
        "one more term, within 24 months"
    );
    let refused = host
        .post(&renew, &[("_csrf", &csrf), ("planned_end", "2029-01-01")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Fin prévue : durée trop longue : 24 mois au plus")
    );
    let renewed = host
        .post(&renew, &[("_csrf", &csrf), ("planned_end", "2028-11-02")])
        .await;
    assert_eq!(renewed.status, 303, "{}", renewed.body);
    assert_eq!(
        renewed.location,
        format!("{unit_page}?fait=convention-renouvelee")
    );
    assert!(
        host.get(&renewed.location)
            .await
            .body
            .contains("2 novembre 2028 (prévue)")
    );
    assert!(
        host.get(&renew)
            .await
            .body
            .contains("ne permettent pas de prolonger davantage")
    );

    // Two months before the end, the agreement is among those ending soon.
    app.clock
        .set(Utc.with_ymd_and_hms(2028, 9, 20, 9, 0, 0).unwrap());
    // (A new day of work: the session of two years ago has expired.)
    host.sign_in(&adviser).await;
    let soon = host.get("/hebergement").await;
    let csrf = soon.csrf();
    assert!(soon.body.contains("dans 43 jours"), "{}", soon.body);

    // Ended with a reason, on a page of its own; the reason is required.
    let end = format!("/hebergement/conventions/{agreement}/terminer");
    assert!(
        host.get(&end)
            .await
            .body
            .contains("ne peut pas être rouverte")
    );
    let refused = host
        .post(&end, &[("_csrf", &csrf), ("actual_end", "2027-06-01")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("href=\"#champ-reason\""));
    assert!(refused.body.contains("value=\"2027-06-01\""));
    let ended = host
        .post(
            &end,
            &[
                ("_csrf", &csrf),
                ("reason", "installe_locaux_propres"),
                ("actual_end", "2027-06-01"),
            ],
        )
        .await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    let after = host.get(&format!("{unit_page}?depuis=2027-05")).await;
    assert!(
        after
            .body
            .contains("Terminée : Installé dans ses propres locaux")
    );
    assert!(
        after
            .body
            .contains("<th scope=\"row\">mai 2027</th><td>31 sur 31</td>")
    );
    assert!(
        after.body.contains(
            "<th scope=\"row\">juin 2027</th><td>0 sur 30</td><td>0 %</td><td>libre</td>"
        )
    );
    assert!(
        !after
            .body
            .contains(&format!("/hebergement/conventions/{agreement}/terminer"))
    );

    // The unit is free from June 2027: the second person takes it then.
    let second = host
        .post(
            "/hebergement/conventions/nouvelle",
            &[
                ("_csrf", &csrf),
                ("holder_id", &binta_id),
                ("unit_id", &unit_id),
                ("start_date", "2027-06-01"),
                ("planned_end", "2028-06-01"),
            ],
        )
        .await;
    assert_eq!(second.status, 303, "{}", second.body);

    // Each page that named Awa, and each change, left its audit entry.
    let actions: Vec<String> = audit::for_holder(app.db.conn(), awa)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["hosting.create", "hosting.renew", "hosting.end"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    let reads = actions.iter().filter(|a| *a == "hosting.read").count();
    assert!(reads >= 8, "{reads} hosting reads audited");
}

#[tokio::test]
async fn another_organisations_hosting_is_a_404_and_forms_need_the_token() {
    let app = TestApp::start().await;
    let caq = app
        .organisation("Centre d'affaires Test", OrganisationKind::Caq)
        .await;
    let caq_admin = app.user(caq, Role::OrgAdmin).await;
    let caq_adviser = app.user(caq, Role::Adviser).await;
    let other = app
        .organisation("Pépinière Voisine", OrganisationKind::Pepiniere)
        .await;
    let other_admin = app.user(other, Role::OrgAdmin).await;
    let citeslab = app.adviser().await;

    let space = api_post(
        &app,
        &caq_admin,
        "/api/v1/spaces",
        json!({"name": "Centre des Tilleuls"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let unit = api_post(
        &app,
        &caq_admin,
        &format!("/api/v1/spaces/{space}/units"),
        json!({"kind": "atelier", "label": "Atelier A", "monthly_rent_eur": 200}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let holder = api_post(
        &app,
        &caq_adviser,
        "/api/v1/holders",
        json!({"first_name": "Chloé", "last_name": "Martin"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let agreement = api_post(
        &app,
        &caq_adviser,
        "/api/v1/hosting",
        json!({"unit_id": unit, "holder_id": holder, "start_date": "2026-11-01", "planned_end": "2027-11-01"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // Another host of the territory: none of it exists for them.
    let stranger = Browser::new(&app);
    stranger.sign_in(&other_admin).await;
    for path in [
        format!("/hebergement/unites/{unit}"),
        format!("/hebergement/espaces/{space}/unites/nouvelle"),
        format!("/hebergement/conventions/{agreement}/renouveler"),
        format!("/hebergement/conventions/{agreement}/terminer"),
        format!("/hebergement/conventions/nouvelle?personne={holder}"),
        "/hebergement/unites/abc".to_owned(),
    ] {
        let answer = stranger.get(&path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert!(answer.body.contains("Page introuvable"));
    }
    let csrf = stranger.get("/hebergement").await.csrf();
    for (path, form) in [
        (
            format!("/hebergement/conventions/{agreement}/terminer"),
            vec![
                ("_csrf", csrf.as_str()),
                ("reason", "fin_anticipee"),
                ("actual_end", "2027-01-01"),
            ],
        ),
        (
            format!("/hebergement/conventions/{agreement}/renouveler"),
            vec![("_csrf", csrf.as_str()), ("planned_end", "2028-01-01")],
        ),
        (
            format!("/hebergement/espaces/{space}/unites/nouvelle"),
            vec![
                ("_csrf", csrf.as_str()),
                ("unit_kind", "bureau"),
                ("unit_label", "Intrus"),
                ("monthly_rent_eur", "1"),
            ],
        ),
    ] {
        assert_eq!(stranger.post(&path, &form).await.status, 404, "{path}");
    }
    let holder_id = holder.to_string();
    let unit_id = unit.to_string();
    let foreign_unit = stranger
        .post(
            "/hebergement/conventions/nouvelle",
            &[
                ("_csrf", &csrf),
                ("holder_id", &holder_id),
                ("unit_id", &unit_id),
                ("start_date", "2028-01-01"),
                ("planned_end", "2028-06-01"),
            ],
        )
        .await;
    assert_eq!(foreign_unit.status, 404);

    // The host's own form without the session's token: refused, nothing changed.
    let host = Browser::new(&app);
    host.sign_in(&caq_adviser).await;
    let end = format!("/hebergement/conventions/{agreement}/terminer");
    for form in [
        vec![("reason", "fin_anticipee"), ("actual_end", "2027-01-01")],
        vec![
            ("_csrf", "pas-le-bon"),
            ("reason", "fin_anticipee"),
            ("actual_end", "2027-01-01"),
        ],
    ] {
        let refused = host.post(&end, &form).await;
        assert_eq!(refused.status, 403);
        assert!(refused.body.contains("Formulaire refusé"));
    }
    let refused = host
        .post(
            "/hebergement/conventions/nouvelle",
            &[("holder_id", &holder_id)],
        )
        .await;
    assert_eq!(refused.status, 403);
    let grid = host.get(&format!("/hebergement/unites/{unit}")).await;
    assert_eq!(grid.status, 200);
    assert!(grid.body.contains("En cours"), "still running");
    assert!(grid.body.contains("Chloé Martin"));

    // An organisation that hosts no one sees where the territory hosts.
    let referent = Browser::new(&app);
    let today = referent.sign_in(&citeslab).await;
    assert!(
        today
            .body
            .contains("<a href=\"/hebergement\">Hébergement</a>")
    );
    let directory = referent.get("/hebergement").await;
    assert_eq!(directory.status, 200);
    assert!(
        says(&directory, "ne propose pas d'hébergement"),
        "{}",
        directory.body
    );
    assert!(
        says(
            &directory,
            "<td>Centre des Tilleuls</td><td>Centre d'affaires Test</td>"
        ),
        "{}",
        directory.body
    );
    assert!(!directory.body.contains("Chloé"), "no one's name");

    // A coordinator sees no one: no entry, and the page is refused.
    let coordinator = app.user(caq, Role::Coordinator).await;
    let aggregate = Browser::new(&app);
    let today = aggregate.sign_in(&coordinator).await;
    assert!(!today.body.contains("href=\"/hebergement\""));
    assert_eq!(aggregate.get("/hebergement").await.status, 403);
}
