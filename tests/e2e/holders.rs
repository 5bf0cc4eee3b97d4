//! The adviser's daily work through the API: register, log, follow up, move along the
//! pathway, close — and nobody else can tell the person exists.

use crate::support::{TestApp, TestUser, fields, problem};
use chrono::Duration;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::audit;
use serde_json::{Value, json};

async fn create(app: &TestApp, client: &reqwest::Client, body: Value) -> reqwest::Response {
    client
        .post(app.url("/api/v1/holders"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn create_ok(app: &TestApp, client: &reqwest::Client, first: &str, last: &str) -> Value {
    let response = create(app, client, json!({"first_name": first, "last_name": last})).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client.post(app.url(path)).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn the_full_adviser_flow() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;

    let response = create(
        &app,
        &client,
        json!({
            "first_name": "Benoît", "last_name": "N'Diaye", "birth_date": "1994-03-12",
            "gender": "homme", "email": "Benoit.Ndiaye@exemple.test", "phone": "06 12 34 56 78",
            "postal_code": "93200", "commune_insee": "00101", "situation": "demandeur_emploi",
            "education_level": "niveau_4", "stage": "sensibilisation"
        }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("etag"));
    let holder: Value = response.json().await.unwrap();
    let id = holder["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/holders/{id}"));
    assert_eq!(holder["phone"], "+33612345678");
    assert_eq!(holder["email"], "benoit.ndiaye@exemple.test");
    assert_eq!(holder["stage"], "sensibilisation");
    assert_eq!(holder["referent_organisation_id"], adviser.organisation_id);
    assert_eq!(holder["referent_user_id"], adviser.id);
    assert_eq!(holder["qpv_status"], "unknown");

    // A project, then a contact that leaves a next action.
    let project = post(&app, &client, &format!("/api/v1/holders/{id}/projects"), json!({
        "idea": "Traiteur africain à domicile", "sector": "restauration", "planned_legal_form": "ei",
        "micro_entreprise": true, "financing_need_eur": 8000
    }))
    .await;
    assert_eq!(project.status(), 201);
    let contact = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/contacts"),
        json!({
            "kind": "entretien", "occurred_at": "2026-11-02T08:30:00Z", "duration_minutes": 60,
            "topics": ["idee", "financement", "frein_garde_enfant"], "notes": "Premier entretien",
            "next_action": "Envoyer le dossier ADIE", "next_action_due": "2026-11-05"
        }),
    )
    .await;
    assert_eq!(contact.status(), 201);
    let contact: Value = contact.json().await.unwrap();
    assert_eq!(
        contact["topics"],
        json!(["idee", "financement", "frein_garde_enfant"])
    );

    // Not due yet; due three days later; overdue after.
    let due: Value = client
        .get(app.url("/api/v1/follow-ups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(due["items"].as_array().unwrap().len(), 0);
    app.clock.advance(Duration::days(4));
    // Days later: a new session (the old one ended after 30 idle minutes).
    let client = app.login(&adviser).await;
    let due: Value = client
        .get(app.url("/api/v1/follow-ups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(due["items"][0]["holder_id"], id);
    assert_eq!(due["items"][0]["next_action"], "Envoyer le dossier ADIE");
    assert_eq!(due["items"][0]["days_overdue"], 1);

    // A newer contact supersedes it.
    let next = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/contacts"),
        json!({"kind": "telephone"}),
    )
    .await;
    assert_eq!(next.status(), 201);
    let due: Value = client
        .get(app.url("/api/v1/follow-ups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(due["items"].as_array().unwrap().len(), 0);

    // Through the four stages, then a business.
    for stage in ["information", "accompagnement", "hebergement"] {
        let moved = post(
            &app,
            &client,
            &format!("/api/v1/holders/{id}/stage"),
            json!({"to": stage}),
        )
        .await;
        assert_eq!(moved.status(), 200, "{stage}");
        assert_eq!(moved.json::<Value>().await.unwrap()["stage"], stage);
    }
    let closed = post(&app, &client, &format!("/api/v1/holders/{id}/close"), json!({
        "outcome": "entreprise_creee", "siret": "12002701600019", "created_on": "2026-11-04", "legal_form": "ei"
    }))
    .await;
    assert_eq!(closed.status(), 200);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["outcome"], "entreprise_creee");
    assert_eq!(closed["projects"][0]["siret"], "12002701600019");
    let refused = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/stage"),
        json!({"to": "accompagnement", "reason": "x"}),
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        problem(refused).await["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("clôturé")
    );
    let reopened = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/reopen"),
        json!({"reason": "suivi post-création"}),
    )
    .await;
    assert_eq!(reopened.status(), 200);
    assert_eq!(
        reopened.json::<Value>().await.unwrap()["outcome"],
        Value::Null
    );

    // The timeline, newest first.
    let timeline: Value = client
        .get(app.url(&format!("/api/v1/holders/{id}/timeline")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<String> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["type"].as_str().unwrap(),
                e["event"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "parcours:reouverture",
            "parcours:cloture",
            "parcours:changement",
            "parcours:changement",
            "parcours:changement",
            "contact:",
            "parcours:entree",
            // The first interview happened at 8:30, before the file was typed in at 9:00.
            "contact:"
        ]
    );
}

#[tokio::test]
async fn every_bad_field_is_listed_at_once() {
    let app = TestApp::start().await;
    let client = app.login(&app.adviser().await).await;
    let response = create(&app, &client, json!({
        "first_name": " ", "last_name": "D4rk", "birth_date": "2020-01-01", "gender": "m",
        "email": "pas-une-adresse", "phone": "12345", "postal_code": "9320", "commune_insee": "XXXXX",
        "qpv_code": "AB123", "situation": "chomeur", "education_level": "bac",
        "referent_organisation_id": 999999, "referent_user_id": 999999, "address": "x".repeat(301)
    }))
    .await;
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    let mut got = fields(&body);
    got.sort();
    let mut expected = vec![
        "first_name",
        "last_name",
        "birth_date",
        "gender",
        "email",
        "phone",
        "address",
        "postal_code",
        "commune_insee",
        "qpv_code",
        "situation",
        "education_level",
        "referent_organisation_id",
        "referent_user_id",
    ];
    expected.sort();
    assert_eq!(got, expected);
    for error in body["errors"].as_array().unwrap() {
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    // Plausible dates only; a SIRET must pass its check.
    let old = create(
        &app,
        &client,
        json!({"first_name": "A", "last_name": "B", "birth_date": "1900-01-01"}),
    )
    .await;
    assert!(
        problem(old).await["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ans")
    );
    let holder = create_ok(&app, &client, "Awa", "Diallo").await;
    let id = holder["id"].as_i64().unwrap();
    let bad_siret = post(&app, &client, &format!("/api/v1/holders/{id}/close"), json!({
        "outcome": "entreprise_creee", "siret": "12002701600018", "created_on": "2026-11-01", "legal_form": "sasu"
    }))
    .await;
    assert_eq!(fields(&problem(bad_siret).await), ["siret"]);
    let missing = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/close"),
        json!({"outcome": "entreprise_creee"}),
    )
    .await;
    assert_eq!(
        fields(&problem(missing).await),
        ["siret", "created_on", "legal_form"]
    );
    let bad_contact = post(&app, &client, &format!("/api/v1/holders/{id}/contacts"), json!({
        "kind": "pigeon", "duration_minutes": 0, "topics": ["idee", "meteo"], "next_action": "Rappeler"
    }))
    .await;
    assert_eq!(
        fields(&problem(bad_contact).await),
        ["kind", "duration_minutes", "topics[1]", "next_action_due"]
    );
}

#[tokio::test]
async fn qpv_status_records_how_it_was_set() {
    let app = TestApp::start().await;
    let db = app.db.conn();
    parcours_persistence::qpv::upsert_all(
        db,
        &[parcours_persistence::qpv::QpvRecord {
            code: "QN00101A".into(),
            name: "Les Tilleuls".into(),
            communes: vec![("00101".into(), "Villetest".into())],
        }],
        app.clock.now(),
    )
    .await
    .unwrap();
    let client = app.login(&app.adviser().await).await;
    let chosen = create(
        &app,
        &client,
        json!({"first_name": "A", "last_name": "B", "qpv_code": "qn00101a"}),
    )
    .await;
    let chosen: Value = chosen.json().await.unwrap();
    assert_eq!(
        (
            chosen["qpv_status"].as_str(),
            chosen["qpv_status_source"].as_str()
        ),
        (Some("in_qpv"), Some("adviser"))
    );
    let unknown_code = create(
        &app,
        &client,
        json!({"first_name": "A", "last_name": "B", "qpv_code": "QN99999Z"}),
    )
    .await;
    assert_eq!(fields(&problem(unknown_code).await), ["qpv_code"]);
    let with_qpvs = create(
        &app,
        &client,
        json!({"first_name": "A", "last_name": "B", "commune_insee": "00101"}),
    )
    .await;
    assert_eq!(
        with_qpvs.json::<Value>().await.unwrap()["qpv_status"],
        "unknown"
    );
    let without = create(
        &app,
        &client,
        json!({"first_name": "A", "last_name": "B", "commune_insee": "00199"}),
    )
    .await;
    let without: Value = without.json().await.unwrap();
    assert_eq!(
        (
            without["qpv_status"].as_str(),
            without["qpv_status_source"].as_str()
        ),
        (Some("not_in_qpv"), Some("commune"))
    );
    let found: Value = client
        .get(app.url("/api/v1/qpv?q=tilleul"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found[0]["code"], "QN00101A");
    assert_eq!(found[0]["communes"][0]["insee"], "00101");
}

#[tokio::test]
async fn pathway_moves_are_checked() {
    let app = TestApp::start().await;
    let client = app.login(&app.adviser().await).await;
    let id = create_ok(&app, &client, "Awa", "Diallo").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/holders/{id}/stage");
    let same = post(&app, &client, &path, json!({"to": "information"})).await;
    assert_eq!(same.status(), 422);
    assert!(
        problem(same).await["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("déjà")
    );
    assert_eq!(
        post(&app, &client, &path, json!({"to": "accompagnement"}))
            .await
            .status(),
        200
    );
    let back = post(&app, &client, &path, json!({"to": "information"})).await;
    assert_eq!(fields(&problem(back).await), ["reason"]);
    assert_eq!(
        post(
            &app,
            &client,
            &path,
            json!({"to": "information", "reason": "projet à retravailler"})
        )
        .await
        .status(),
        200
    );
    let unknown = post(&app, &client, &path, json!({"to": "incubation"})).await;
    assert!(
        problem(unknown).await["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sensibilisation")
    );
    let reopen = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/reopen"),
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(reopen.status(), 422);
}

#[tokio::test]
async fn edits_need_the_current_etag() {
    let app = TestApp::start().await;
    let client = app.login(&app.adviser().await).await;
    let response = create(
        &app,
        &client,
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let url = app.url(&format!("/api/v1/holders/{id}"));
    let without = client
        .patch(&url)
        .json(&json!({"phone": "0612345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 428);
    problem(without).await;
    let patched = client
        .patch(&url)
        .header("if-match", &etag)
        .json(&json!({"phone": "0612345678", "address": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let new_etag = patched.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let body: Value = patched.json().await.unwrap();
    assert_eq!(
        (body["phone"].as_str(), body["first_name"].as_str()),
        (Some("+33612345678"), Some("Awa"))
    );
    let stale = client
        .patch(&url)
        .header("if-match", &etag)
        .json(&json!({"phone": "0699999999"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let unknown = client
        .patch(&url)
        .header("if-match", &new_etag)
        .json(&json!({"shoe_size": 42}))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(unknown).await), ["shoe_size"]);
    let invalid = client
        .patch(&url)
        .header("if-match", &new_etag)
        .json(&json!({"phone": "12"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(invalid).await), ["phone"]);
    // A stage change also makes older ETags stale.
    assert_eq!(
        post(
            &app,
            &client,
            &format!("/api/v1/holders/{id}/stage"),
            json!({"to": "accompagnement"})
        )
        .await
        .status(),
        200
    );
    let after_move = client
        .patch(&url)
        .header("if-match", &new_etag)
        .json(&json!({"phone": "0699999999"}))
        .send()
        .await
        .unwrap();
    assert_eq!(after_move.status(), 412);
}

#[tokio::test]
async fn concurrent_edits_with_one_etag_give_one_success_and_one_412() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let (a, b) = (app.login(&adviser).await, app.login(&adviser).await);
    let response = create(
        &app,
        &a,
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let url = app.url(&format!("/api/v1/holders/{id}"));
    for round in 0..5 {
        let etag = if round == 0 {
            etag.clone()
        } else {
            a.get(&url).send().await.unwrap().headers()["etag"]
                .to_str()
                .unwrap()
                .to_owned()
        };
        let (first, second) = tokio::join!(
            a.patch(&url)
                .header("if-match", &etag)
                .json(&json!({"address": "1 rue A"}))
                .send(),
            b.patch(&url)
                .header("if-match", &etag)
                .json(&json!({"address": "2 rue B"}))
                .send(),
        );
        let mut statuses = [
            first.unwrap().status().as_u16(),
            second.unwrap().status().as_u16(),
        ];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
    }
}

#[tokio::test]
async fn pages_return_each_holder_exactly_once_and_search_ignores_accents() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let names = [
        "Benoît",
        "benoit",
        "Bénédicte",
        "Zoé",
        "Élodie",
        "Awa",
        "Karim",
        "Inès",
        "Paul",
        "Fatou",
        "Léa",
        "Hugo",
    ];
    let mut ids = Vec::new();
    for (i, first) in names.iter().enumerate() {
        // Same last names on purpose: ties are broken by id.
        let last = if i % 2 == 0 { "Martin" } else { "Lefèvre" };
        ids.push(
            create_ok(&app, &client, first, last).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client
            .get(app.url("/api/v1/holders"))
            .query(&[("limit", "5")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let page: Value = request.send().await.unwrap().json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut sorted_seen = seen.clone();
    sorted_seen.sort_unstable();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort_unstable();
    assert_eq!(sorted_seen, sorted_ids, "each exactly once");
    let search = |q: &'static str| {
        let client = client.clone();
        let url = app.url("/api/v1/holders");
        async move {
            let page: Value = client
                .get(url)
                .query(&[("q", q)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["first_name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let mut benoits = search("BENOIT").await;
    benoits.sort();
    assert_eq!(benoits, ["Benoît", "benoit"]);
    assert_eq!(search("lefevre").await.len(), 6);
    assert_eq!(search("élo").await, ["Élodie"]);
    assert_eq!(search("lefevre zo").await, ["Zoé"]);
    assert_eq!(search("zoe lef").await, ["Zoé"]);
    let filtered: Value = client
        .get(app.url("/api/v1/holders?stage=accompagnement"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 0);
    let bad = client
        .get(app.url("/api/v1/holders?stage=fin&qpv=X&referent=moi"))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(bad).await), ["stage", "qpv", "referent"]);
}

#[tokio::test]
async fn reads_and_changes_are_audited() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let id = create_ok(&app, &client, "Awa", "Diallo").await["id"]
        .as_i64()
        .unwrap();
    let response = client
        .get(app.url(&format!("/api/v1/holders/{id}")))
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let entries = audit::for_holder(app.db.conn(), id).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["holder.create", "holder.read"]);
    let read = &entries[1];
    assert_eq!(
        (read.user_id, read.organisation_id),
        (adviser.id, adviser.organisation_id)
    );
    assert_eq!(read.request_id.as_deref(), Some(request_id.as_str()));
    client.get(app.url("/api/v1/holders")).send().await.unwrap();
    let entries = audit::for_holder(app.db.conn(), id).await.unwrap();
    assert_eq!(entries.last().unwrap().action, "holder.list");

    // Reads that arrive together are committed together (group commit), and none is
    // lost or merged: one entry per read, each with its request id.
    let reads = (0..40).map(|_| {
        let (client, url) = (client.clone(), app.url(&format!("/api/v1/holders/{id}")));
        tokio::spawn(async move {
            let response = client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        })
    });
    let mut answered: Vec<String> = Vec::new();
    for read in reads.collect::<Vec<_>>() {
        answered.push(read.await.unwrap());
    }
    let mut audited: Vec<String> = audit::for_holder(app.db.conn(), id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "holder.read")
        .filter_map(|e| e.request_id)
        .filter(|r| *r != request_id)
        .collect();
    answered.sort();
    audited.sort();
    assert_eq!(audited, answered, "one entry per read, with its request id");
}

#[tokio::test]
async fn consents_keep_their_history() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let id = create_ok(&app, &client, "Awa", "Diallo").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/holders/{id}/consents");
    assert_eq!(
        post(
            &app,
            &client,
            &path,
            json!({"purpose": "partage_partenaires", "given": true})
        )
        .await
        .status(),
        201
    );
    app.clock.advance(Duration::days(10));
    let client = app.login(&adviser).await;
    let state: Value = post(
        &app,
        &client,
        &path,
        json!({"purpose": "partage_partenaires", "given": false}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(state["current"][0]["given"], false);
    assert_eq!(state["current"][0]["recorded_by"], adviser.id);
    assert_eq!(state["history"].as_array().unwrap().len(), 2);
    let bad = post(
        &app,
        &client,
        &path,
        json!({"purpose": "marketing", "given": true}),
    )
    .await;
    assert_eq!(fields(&problem(bad).await), ["purpose"]);
}

struct Cast {
    referent: TestUser,
    partner: TestUser,
    other_org: TestUser,
    coordinator: TestUser,
    admin: TestUser,
}

async fn cast(app: &TestApp) -> Cast {
    let referent = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    Cast {
        referent,
        partner: app.user(bge, Role::Adviser).await,
        other_org: app.user(adie, Role::Adviser).await,
        coordinator: app.user(agglo, Role::Coordinator).await,
        admin: app.user(agglo, Role::Admin).await,
    }
}

/// Every case-management route, by role: the referent organisation's adviser, the
/// adviser of a partner whose referral was accepted, another organisation's adviser, a
/// coordinator, a platform admin, and nobody. The partner reads the file and logs its
/// contacts; every other change is 403 (it reads the file, so 404 would be a lie), and
/// only the référent organisation changes identity, pathway, projects and consents.
#[tokio::test]
async fn role_by_route_table() {
    let app = TestApp::start().await;
    let cast = cast(&app).await;
    let owner = app.login(&cast.referent).await;
    let holder = create(
        &app,
        &owner,
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let id = holder.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let project = post(
        &app,
        &owner,
        &format!("/api/v1/holders/{id}/projects"),
        json!({"idea": "Épicerie"}),
    )
    .await;
    let project_etag = project.headers()["etag"].to_str().unwrap().to_owned();
    let project_id = project.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // The partner: a referral accepted, with the person's consent to share.
    let partner = app.login(&cast.partner).await;
    post(
        &app,
        &owner,
        &format!("/api/v1/holders/{id}/consents"),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    let referral = post(
        &app,
        &owner,
        "/api/v1/referrals",
        json!({"holder_id": id, "to_organisation_id": cast.partner.organisation_id, "need": "Accompagnement"}),
    )
    .await;
    let referral = referral.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let accepted = post(
        &app,
        &partner,
        &format!("/api/v1/referrals/{referral}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(accepted.status(), 200);
    let etag = owner
        .get(app.url(&format!("/api/v1/holders/{id}")))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    let clients = [
        ("referent", Some(owner.clone())),
        ("partner", Some(partner.clone())),
        ("other_org", Some(app.login(&cast.other_org).await)),
        ("coordinator", Some(app.login(&cast.coordinator).await)),
        ("admin", Some(app.login(&cast.admin).await)),
        ("anonymous", None),
    ];
    // (method, path, body, [referent, partner, other org, coordinator, admin, anonymous])
    let h = format!("/api/v1/holders/{id}");
    let rows: Vec<(&str, String, Value, [u16; 6])> = vec![
        (
            "GET",
            "/api/v1/holders".into(),
            Value::Null,
            [200, 200, 200, 403, 403, 401],
        ),
        (
            "POST",
            "/api/v1/holders".into(),
            json!({"first_name": "X", "last_name": "Y"}),
            [201, 201, 201, 403, 403, 401],
        ),
        (
            "GET",
            h.clone(),
            Value::Null,
            [200, 200, 404, 403, 403, 401],
        ),
        (
            "PATCH",
            h.clone(),
            json!({"address": "1 rue"}),
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/projects"),
            json!({"idea": "Atelier"}),
            [201, 403, 404, 403, 403, 401],
        ),
        (
            "PATCH",
            format!("/api/v1/projects/{project_id}"),
            json!({"sector": "artisanat"}),
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/contacts"),
            json!({"kind": "entretien"}),
            [201, 201, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("{h}/contacts"),
            Value::Null,
            [200, 200, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/consents"),
            json!({"purpose": "suivi", "given": true}),
            [201, 403, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("{h}/consents"),
            Value::Null,
            [200, 200, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("{h}/timeline"),
            Value::Null,
            [200, 200, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/stage"),
            json!({"to": "accompagnement"}),
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/close"),
            json!({"outcome": "abandon"}),
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/reopen"),
            json!({"reason": "revenue"}),
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/follow-ups".into(),
            Value::Null,
            [200, 200, 200, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/qpv?q=QN".into(),
            Value::Null,
            [200, 200, 200, 200, 200, 401],
        ),
        // Personal data over its life: « garder », the access log and the export are
        // the référent organisation's; erasing and merging its org admins' (an adviser
        // is refused before any file is looked up).
        (
            "GET",
            "/api/v1/retention/due".into(),
            Value::Null,
            [200, 200, 200, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/keep"),
            json!({"reason": "Le projet reprend en janvier"}),
            [201, 403, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("{h}/access-log"),
            Value::Null,
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("{h}/export"),
            Value::Null,
            [200, 403, 404, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/erase"),
            json!({"reason": "Demande écrite"}),
            [403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/duplicates".into(),
            Value::Null,
            [403, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{h}/merge"),
            json!({"duplicate_id": project_id}),
            [403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/holders/999999".into(),
            Value::Null,
            [404, 404, 404, 403, 403, 401],
        ),
    ];
    for (method, path, body, expected) in rows {
        // Outsiders go first so that the referent's successful changes do not alter
        // what they are asked about.
        for index in [1, 2, 3, 4, 5, 0] {
            let (who, client) = &clients[index];
            let client = client.clone().unwrap_or_else(|| app.anonymous());
            let url = app.url(&path);
            let mut request = match method {
                "GET" => client.get(url),
                "POST" => client.post(url).json(&body),
                "PATCH" => client.patch(url).json(&body),
                other => unreachable!("{other}"),
            };
            if method == "PATCH" {
                let current = if path.contains("projects") {
                    owner
                        .get(app.url(&h))
                        .send()
                        .await
                        .unwrap()
                        .json::<Value>()
                        .await
                        .unwrap()["projects"][0]["version"]
                        .as_i64()
                        .map(|v| format!("\"p{project_id}-v{v}\""))
                        .unwrap_or(project_etag.clone())
                } else {
                    owner.get(app.url(&h)).send().await.unwrap().headers()["etag"]
                        .to_str()
                        .unwrap()
                        .to_owned()
                };
                request =
                    request.header("if-match", if index == 0 { current } else { etag.clone() });
            }
            let status = request.send().await.unwrap().status().as_u16();
            assert_eq!(status, expected[index], "{who} {method} {path}");
            assert!(
                crate::support::documented(method, &path, status),
                "{method} {path} answers {status}, undocumented"
            );
        }
    }
}

#[tokio::test]
async fn closing_a_pathway_leaves_no_follow_up_pending() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let id = create_ok(&app, &client, "Awa", "Diallo").await["id"]
        .as_i64()
        .unwrap();
    let contact = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/contacts"),
        json!({
            "kind": "telephone", "next_action": "Rappeler", "next_action_due": "2026-11-02"
        }),
    )
    .await;
    assert_eq!(contact.status(), 201);
    let due: Value = client
        .get(app.url("/api/v1/follow-ups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(due["items"].as_array().unwrap().len(), 1);
    assert_eq!(due["items"][0]["days_overdue"], 0);
    let closed = post(
        &app,
        &client,
        &format!("/api/v1/holders/{id}/close"),
        json!({"outcome": "sans_nouvelles"}),
    )
    .await;
    assert_eq!(closed.status(), 200);
    let due: Value = client
        .get(app.url("/api/v1/follow-ups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(due["items"].as_array().unwrap().len(), 0);
}

/// Days are Paris days: at 00:30 in Paris (23:30 UTC the day before), a business created
/// « today » is not in the future.
#[tokio::test]
async fn today_is_a_day_in_paris_not_in_utc() {
    use chrono::TimeZone;
    let app = TestApp::start().await;
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 1, 23, 30, 0)
            .unwrap(),
    );
    let client = app.login(&app.adviser().await).await;
    let created = post(
        &app,
        &client,
        "/api/v1/holders",
        json!({"first_name": "Nadia", "last_name": "Benali", "stage": "accompagnement"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let tomorrow = post(&app, &client, &format!("/api/v1/holders/{id}/close"), json!({
        "outcome": "entreprise_creee", "siret": "12002701600019", "created_on": "2026-12-03", "legal_form": "ei"
    }))
    .await;
    assert_eq!(tomorrow.status(), 422, "the day after Paris's today");
    let closed = post(&app, &client, &format!("/api/v1/holders/{id}/close"), json!({
        "outcome": "entreprise_creee", "siret": "12002701600019", "created_on": "2026-12-02", "legal_form": "ei"
    }))
    .await;
    assert_eq!(closed.status(), 200, "2 December in Paris already");
}
