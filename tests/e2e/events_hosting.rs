//! The two ends of the pathway: awareness events (named or counted attendance) and
//! hosting (units, agreements that cannot overlap, occupancy).

use crate::support::{TestApp, TestUser, fields, problem};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::{Value, json};

async fn post(client: &reqwest::Client, url: String, body: Value) -> reqwest::Response {
    client.post(url).json(&body).send().await.unwrap()
}

struct Host {
    admin: reqwest::Client,
    adviser: reqwest::Client,
    adviser_user: TestUser,
    units: Vec<i64>,
    space: i64,
}

/// A CAQ with one space and two offices.
async fn caq(app: &TestApp) -> Host {
    let org = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let admin = app.login(&app.user(org, Role::OrgAdmin).await).await;
    let adviser_user = app.user(org, Role::Adviser).await;
    let adviser = app.login(&adviser_user).await;
    let space = post(
        &admin,
        app.url("/api/v1/spaces"),
        json!({"name": "Centre Les Tilleuls", "address": "2 place du Marché"}),
    )
    .await;
    assert_eq!(space.status(), 201);
    let space = space.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut units = Vec::new();
    for label in ["Bureau 1", "Bureau 2"] {
        let unit = post(
            &admin,
            app.url(&format!("/api/v1/spaces/{space}/units")),
            json!({"kind": "bureau", "label": label, "area_m2": 12, "monthly_rent_eur": 180}),
        )
        .await;
        assert_eq!(unit.status(), 201);
        units.push(unit.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    Host {
        admin,
        adviser,
        adviser_user,
        units,
        space,
    }
}

async fn holder_of(app: &TestApp, client: &reqwest::Client, name: &str) -> i64 {
    let created = post(
        client,
        app.url("/api/v1/holders"),
        json!({"first_name": name, "last_name": "Test", "stage": "accompagnement"}),
    )
    .await;
    created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn book(
    app: &TestApp,
    client: &reqwest::Client,
    unit: i64,
    holder: i64,
    start: &str,
    end: &str,
) -> reqwest::Response {
    post(
        client,
        app.url("/api/v1/hosting"),
        json!({"unit_id": unit, "holder_id": holder, "start_date": start, "planned_end": end}),
    )
    .await
}

#[tokio::test]
async fn named_and_anonymous_attendance() {
    let app = TestApp::start().await;
    let citeslab = app.adviser().await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let client = app.login(&citeslab).await;
    let bad = post(&client, app.url("/api/v1/events"), json!({"kind": "bus", "title": "", "held_on": "2026-10-15", "headcount": {"total": 10, "women": 12}})).await;
    assert_eq!(fields(&problem(bad).await), ["title", "headcount.women"]);
    let event = post(&client, app.url("/api/v1/events"), json!({
        "kind": "bus", "title": "Bus de l'entrepreneuriat aux Tilleuls", "held_on": "2026-10-15",
        "place": "Pied des tours", "partners": [adie_org], "headcount": {"total": 40, "women": 22, "under_26": 15, "qpv_residents": 35}
    }))
    .await;
    assert_eq!(event.status(), 201);
    let event_id = event.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let attendees = app.url(&format!("/api/v1/events/{event_id}/attendees"));

    // Quick registration needs a name, a way to reach them, and consent.
    let no_consent = post(
        &client,
        attendees.clone(),
        json!({"first_name": "Inès", "last_name": "Haddad", "phone": "0611223344"}),
    )
    .await;
    assert_eq!(fields(&problem(no_consent).await), ["consent"]);
    let unreachable = post(
        &client,
        attendees.clone(),
        json!({"first_name": "Inès", "last_name": "Haddad", "consent": true}),
    )
    .await;
    assert_eq!(fields(&problem(unreachable).await), ["phone"]);
    let new = post(&client, attendees.clone(), json!({"first_name": "Inès", "last_name": "Haddad", "phone": "0611223344", "consent": true})).await;
    assert_eq!(new.status(), 201);
    let new: Value = new.json().await.unwrap();
    assert_eq!(new["new_holder"], true);
    let ines = new["holder_id"].as_i64().unwrap();
    let file: Value = client
        .get(app.url(&format!("/api/v1/holders/{ines}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["stage"], "sensibilisation");
    let consents: Value = client
        .get(app.url(&format!("/api/v1/holders/{ines}/consents")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(consents["current"][0]["purpose"], "suivi");

    // An existing holder, once only.
    let existing = post(
        &client,
        app.url("/api/v1/holders"),
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        post(&client, attendees.clone(), json!({"holder_id": existing}))
            .await
            .json::<Value>()
            .await
            .unwrap()["added"],
        true
    );
    assert_eq!(
        post(&client, attendees.clone(), json!({"holder_id": existing}))
            .await
            .json::<Value>()
            .await
            .unwrap()["added"],
        false
    );

    let seen: Value = client
        .get(app.url(&format!("/api/v1/events/{event_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["named_count"], 2);
    assert_eq!(seen["headcount"]["total"], 40);
    assert_eq!(seen["attendees"].as_array().unwrap().len(), 2);

    // The partner sees the event and its counts, not CitésLab's people; others see nothing.
    let adie = app.login(&app.user(adie_org, Role::Adviser).await).await;
    let partner_view: Value = adie
        .get(app.url(&format!("/api/v1/events/{event_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(partner_view["named_count"], 2);
    assert_eq!(partner_view["attendees"].as_array().unwrap().len(), 0);
    assert_eq!(
        adie.patch(app.url(&format!("/api/v1/events/{event_id}")))
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let bge = app.login(&app.user(bge_org, Role::Adviser).await).await;
    assert_eq!(
        bge.get(app.url(&format!("/api/v1/events/{event_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        post(&bge, attendees.clone(), json!({"holder_id": existing}))
            .await
            .status(),
        404
    );
    // The head-count is corrected later.
    let patched = client
        .patch(app.url(&format!("/api/v1/events/{event_id}")))
        .json(&json!({"headcount": {"total": 45, "women": 25}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        patched.json::<Value>().await.unwrap()["headcount"]["total"],
        45
    );
    let listed: Value = adie
        .get(app.url("/api/v1/events"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], event_id);
}

#[tokio::test]
async fn from_a_bus_tour_to_the_keys_of_an_office() {
    let app = TestApp::start().await;
    let citeslab = app.adviser().await;
    let cites = app.login(&citeslab).await;
    let caq = caq(&app).await;
    let event_id = post(
        &cites,
        app.url("/api/v1/events"),
        json!({"kind": "cafe_createurs", "title": "Café créateurs", "held_on": "2026-09-10"}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["id"]
        .as_i64()
        .unwrap();
    let holder = post(&cites, app.url(&format!("/api/v1/events/{event_id}/attendees")), json!({"first_name": "Moussa", "last_name": "Keïta", "email": "moussa@exemple.test", "consent": true}))
        .await
        .json::<Value>()
        .await
        .unwrap()["holder_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        post(
            &cites,
            app.url(&format!("/api/v1/holders/{holder}/stage")),
            json!({"to": "accompagnement"})
        )
        .await
        .status(),
        200
    );
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{holder}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    let referral = post(&cites, app.url("/api/v1/referrals"), json!({"holder_id": holder, "to_organisation_id": caq.adviser_user.organisation_id, "need": "Un bureau pour démarrer"})).await;
    let referral = referral.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        post(
            &caq.adviser,
            app.url(&format!("/api/v1/referrals/{referral}/accept")),
            json!({})
        )
        .await
        .status(),
        200
    );

    let agreement = book(
        &app,
        &caq.adviser,
        caq.units[0],
        holder,
        "2026-11-02",
        "2028-11-02",
    )
    .await;
    assert_eq!(agreement.status(), 201);
    let agreement: Value = agreement.json().await.unwrap();
    assert_eq!(agreement["monthly_rent_eur"], 180);
    let file: Value = cites
        .get(app.url(&format!("/api/v1/holders/{holder}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["stage"], "hebergement");
    let timeline: Value = cites
        .get(app.url(&format!("/api/v1/holders/{holder}/timeline")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"evenement")
            && kinds.contains(&"hebergement")
            && kinds.contains(&"orientation"),
        "{kinds:?}"
    );
    let steps: Vec<String> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "parcours")
        .map(|e| e["to_stage"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(steps, ["hebergement", "accompagnement", "sensibilisation"]);

    // Ending: a reason, not before the start, once.
    let id = agreement["id"].as_i64().unwrap();
    let end = app.url(&format!("/api/v1/hosting/{id}/end"));
    assert_eq!(
        fields(
            &problem(
                post(
                    &caq.adviser,
                    end.clone(),
                    json!({"reason": "parti", "actual_end": "2027-01-01"})
                )
                .await
            )
            .await
        ),
        ["reason"]
    );
    let ended = post(
        &caq.adviser,
        end.clone(),
        json!({"reason": "installe_locaux_propres", "actual_end": "2027-06-30"}),
    )
    .await;
    assert_eq!(
        ended.json::<Value>().await.unwrap()["end_reason"],
        "installe_locaux_propres"
    );
    let trail = parcours_persistence::audit::for_holder(app.db.conn(), holder)
        .await
        .unwrap();
    assert!(
        trail.iter().any(|e| e.action == "hosting.end"),
        "ending an agreement is audited"
    );
    assert_eq!(
        post(&caq.adviser, end, json!({"reason": "fin_anticipee"}))
            .await
            .status(),
        422
    );
    // CitésLab is not the host: its requests on the agreement are not found.
    assert_eq!(
        post(
            &cites,
            app.url(&format!("/api/v1/hosting/{id}/end")),
            json!({"reason": "fin_anticipee"})
        )
        .await
        .status(),
        404
    );
}

#[tokio::test]
async fn a_unit_cannot_be_booked_twice_even_by_racing_requests() {
    let app = TestApp::start().await;
    let caq = caq(&app).await;
    let (a, b) = (
        holder_of(&app, &caq.adviser, "Awa").await,
        holder_of(&app, &caq.adviser, "Bilal").await,
    );
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[0],
            a,
            "2026-11-01",
            "2027-05-01"
        )
        .await
        .status(),
        201
    );
    let overlap = book(
        &app,
        &caq.adviser,
        caq.units[0],
        b,
        "2027-04-01",
        "2027-10-01",
    )
    .await;
    assert_eq!(overlap.status(), 409);
    assert!(
        problem(overlap).await["detail"]
            .as_str()
            .unwrap()
            .contains("déjà occupée")
    );
    // Back to back is fine.
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[0],
            b,
            "2027-05-01",
            "2027-10-01"
        )
        .await
        .status(),
        201
    );
    // Two requests at once for the same free slot: exactly one wins.
    for round in 0..4 {
        let (c, d) = (
            holder_of(&app, &caq.adviser, "C").await,
            holder_of(&app, &caq.adviser, "D").await,
        );
        let start = format!("{}-01-01", 2030 + round);
        let end = format!("{}-06-01", 2030 + round);
        let second = app.login(&caq.adviser_user).await;
        let (first, other) = tokio::join!(
            book(&app, &caq.adviser, caq.units[1], c, &start, &end),
            book(&app, &second, caq.units[1], d, &start, &end),
        );
        let mut statuses = [first.status().as_u16(), other.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}");
    }
}

#[tokio::test]
async fn terms_follow_the_kind_of_host() {
    let app = TestApp::start().await;
    let boutique = app
        .organisation("Boutique à l'essai Test", OrganisationKind::BoutiqueALEssai)
        .await;
    let admin = app.login(&app.user(boutique, Role::OrgAdmin).await).await;
    let adviser = app.login(&app.user(boutique, Role::Adviser).await).await;
    let space = post(
        &admin,
        app.url("/api/v1/spaces"),
        json!({"name": "Rue du Commerce"}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["id"]
        .as_i64()
        .unwrap();
    let unit = post(
        &admin,
        app.url(&format!("/api/v1/spaces/{space}/units")),
        json!({"kind": "boutique", "label": "Vitrine", "monthly_rent_eur": 300}),
    )
    .await;
    let unit = unit.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let holder = holder_of(&app, &adviser, "Léa").await;
    let too_long = book(&app, &adviser, unit, holder, "2026-11-01", "2027-11-01").await;
    let body = problem(too_long).await;
    assert_eq!(fields(&body), ["planned_end"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("6 mois")
    );
    let renewed = post(&adviser, app.url("/api/v1/hosting"), json!({"unit_id": unit, "holder_id": holder, "start_date": "2026-11-01", "planned_end": "2027-11-01", "renewals": 1})).await;
    assert_eq!(renewed.status(), 201);
    // An organisation that does not host cannot describe spaces.
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie_admin = app.login(&app.user(adie, Role::OrgAdmin).await).await;
    assert_eq!(
        fields(
            &problem(
                post(
                    &adie_admin,
                    app.url("/api/v1/spaces"),
                    json!({"name": "Bureau"})
                )
                .await
            )
            .await
        ),
        ["organisation"]
    );
}

/// Checked by hand: November 2026 has 30 days. Office 1 is occupied 1–15 November (15
/// days) then from 21 November (10 days): 25/30. Office 2 from 15 October to 5
/// November: 5/30. Overall: 30 of 60 unit-days.
#[tokio::test]
async fn occupancy_on_a_fixed_example() {
    let app = TestApp::start().await;
    let caq = caq(&app).await;
    let h: Vec<i64> = [
        holder_of(&app, &caq.adviser, "A").await,
        holder_of(&app, &caq.adviser, "B").await,
        holder_of(&app, &caq.adviser, "C").await,
    ]
    .to_vec();
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[0],
            h[0],
            "2026-11-01",
            "2026-11-16"
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[0],
            h[1],
            "2026-11-21",
            "2026-12-31"
        )
        .await
        .status(),
        201
    );
    let early = book(
        &app,
        &caq.adviser,
        caq.units[1],
        h[2],
        "2026-10-15",
        "2027-04-15",
    )
    .await;
    let early_id = early.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // Ended early on 6 November (exclusive end): 1–5 November occupied.
    let ended = post(
        &caq.adviser,
        app.url(&format!("/api/v1/hosting/{early_id}/end")),
        json!({"reason": "fin_anticipee", "actual_end": "2026-11-06"}),
    )
    .await;
    assert_eq!(ended.status(), 200);
    let occupancy: Value = caq
        .adviser
        .get(app.url(&format!(
            "/api/v1/spaces/{}/occupancy?from=2026-11-01&to=2026-12-01",
            caq.space
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let units = occupancy["units"].as_array().unwrap();
    assert_eq!(
        (
            units[0]["occupied_days"].as_i64(),
            units[0]["days"].as_i64()
        ),
        (Some(25), Some(30))
    );
    assert_eq!(units[1]["occupied_days"], 5);
    assert!((units[0]["rate"].as_f64().unwrap() - 25.0 / 30.0).abs() < 1e-9);
    assert!((occupancy["overall_rate"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    let bad = caq
        .adviser
        .get(app.url(&format!(
            "/api/v1/spaces/{}/occupancy?from=2026-12-01&to=2026-11-01",
            caq.space
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(bad).await), ["to"]);
    // The office freed early can be booked again from its actual end.
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[1],
            h[0],
            "2026-11-06",
            "2027-01-01"
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn agreements_ending_soon_are_follow_ups_and_roles_are_checked() {
    let app = TestApp::start().await;
    let caq = caq(&app).await;
    let holder = holder_of(&app, &caq.adviser, "Fatou").await;
    // The test clock is 2 November 2026: ends in 45 days.
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[0],
            holder,
            "2025-06-01",
            "2026-12-17"
        )
        .await
        .status(),
        201
    );
    let other = holder_of(&app, &caq.adviser, "Hugo").await;
    assert_eq!(
        book(
            &app,
            &caq.adviser,
            caq.units[1],
            other,
            "2026-10-01",
            "2027-10-01"
        )
        .await
        .status(),
        201
    );
    let follow_ups: Value = caq
        .adviser
        .get(app.url("/api/v1/follow-ups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ending = follow_ups["hosting_ending"].as_array().unwrap();
    assert_eq!(ending.len(), 1);
    assert_eq!(
        (
            ending[0]["holder_id"].as_i64(),
            ending[0]["days_left"].as_i64()
        ),
        (Some(holder), Some(45))
    );

    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator = app.login(&app.user(agglo, Role::Coordinator).await).await;
    for path in ["/api/v1/events", "/api/v1/hosting"] {
        assert_eq!(
            coordinator
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .status(),
            403,
            "{path}"
        );
    }
    assert_eq!(
        post(
            &caq.adviser,
            app.url("/api/v1/spaces"),
            json!({"name": "x"})
        )
        .await
        .status(),
        403,
        "admins describe spaces"
    );
    let other_caq = app.organisation("Autre CAQ", OrganisationKind::Caq).await;
    let stranger = app.login(&app.user(other_caq, Role::Adviser).await).await;
    assert_eq!(
        book(
            &app,
            &stranger,
            caq.units[0],
            holder,
            "2028-01-01",
            "2028-06-01"
        )
        .await
        .status(),
        403
    );
    let listed: Value = caq
        .adviser
        .get(app.url("/api/v1/hosting?running=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let spaces: Value = stranger
        .get(app.url("/api/v1/spaces"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spaces[0]["name"], "Centre Les Tilleuls");
    let _ = &caq.admin;
}
