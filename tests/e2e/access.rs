//! What a partner may do with a person referred to it, and when that ends: read and
//! log contacts once accepted, nothing more; nothing after the consent to share is
//! withdrawn, after the referral ends, or once it is past its delay — whatever the
//! scheduler did. Hosting places are their host's and their coordinator's to see.
//! Each test here failed before the use-case layer held these rules.

use crate::support::{TestApp, TestUser, problem};
use chrono::Duration;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::{ConnectionTrait, outbox};
use serde_json::{Value, json};

struct Cast {
    referent: TestUser,
    partner: TestUser,
    cites: reqwest::Client,
    adie: reqwest::Client,
}

async fn cast(app: &TestApp) -> Cast {
    let referent = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let partner = app.user(adie, Role::Adviser).await;
    Cast {
        cites: app.login(&referent).await,
        adie: app.login(&partner).await,
        referent,
        partner,
    }
}

/// Sends the request; whatever it answers must be documented for the operation.
async fn send(client: &reqwest::Client, method: &str, url: String, body: Value) -> u16 {
    let path = url[url.find("/api/").unwrap()..].to_owned();
    let request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url).json(&body),
        "PATCH" => client.patch(url).json(&body),
        other => unreachable!("{other}"),
    };
    let status = request.send().await.unwrap().status().as_u16();
    assert!(
        crate::support::documented(method, &path, status),
        "{method} {path} answers {status}, undocumented"
    );
    status
}

async fn json_of(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// A holder of the referent with a project and consent to share, referred to the
/// partner; returns (holder id, referral id).
async fn referred(app: &TestApp, cast: &Cast) -> (i64, i64) {
    let created = cast
        .cites
        .post(app.url("/api/v1/holders"))
        .json(&json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let holder: i64 = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let h = |path: &str| app.url(&format!("/api/v1/holders/{holder}{path}"));
    assert_eq!(
        send(
            &cast.cites,
            "POST",
            h("/projects"),
            json!({"idea": "Traiteur"})
        )
        .await,
        201
    );
    assert_eq!(
        send(
            &cast.cites,
            "POST",
            h("/consents"),
            json!({"purpose": "partage_partenaires", "given": true})
        )
        .await,
        201
    );
    let sent = cast
        .cites
        .post(app.url("/api/v1/referrals"))
        .json(&json!({
            "holder_id": holder, "to_organisation_id": cast.partner.organisation_id,
            "need": "Microcrédit pour le matériel", "message": "Dossier prêt"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let referral = sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    (holder, referral)
}

/// Accepting lets the partner read the file and log its own contacts, nothing more:
/// every other change is 403 — it reads the file, so "not found" would be a lie — and
/// the référent organisation's own edits go on as before.
#[tokio::test]
async fn an_accepted_partner_reads_and_logs_contacts_and_changes_nothing_else() {
    let app = TestApp::start().await;
    let cast = cast(&app).await;
    let (holder, referral) = referred(&app, &cast).await;
    let accepted = send(
        &cast.adie,
        "POST",
        app.url(&format!("/api/v1/referrals/{referral}/accept")),
        json!({}),
    )
    .await;
    assert_eq!(accepted, 200);
    let h = |path: &str| app.url(&format!("/api/v1/holders/{holder}{path}"));
    let file = cast.adie.get(h("")).send().await.unwrap();
    assert_eq!(file.status(), 200);
    let etag = file.headers()["etag"].to_str().unwrap().to_owned();
    let project = json_of(&cast.adie, h("")).await["projects"][0].clone();
    for (path, expected) in [
        ("", 200),
        ("/contacts", 200),
        ("/consents", 200),
        ("/timeline", 200),
    ] {
        assert_eq!(
            send(&cast.adie, "GET", h(path), Value::Null).await,
            expected,
            "GET {path}"
        );
    }
    assert_eq!(
        send(
            &cast.adie,
            "POST",
            h("/contacts"),
            json!({"kind": "entretien"})
        )
        .await,
        201
    );
    let patch = cast
        .adie
        .patch(h(""))
        .header("if-match", &etag)
        .json(&json!({"phone": "0700000000", "referent_user_id": cast.partner.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 403);
    assert_eq!(
        problem(patch).await["type"],
        "urn:parcours:problem:forbidden"
    );
    let project_patch = cast
        .adie
        .patch(app.url(&format!("/api/v1/projects/{}", project["id"])))
        .header(
            "if-match",
            format!("\"p{}-v{}\"", project["id"], project["version"]),
        )
        .json(&json!({"sector": "restauration"}))
        .send()
        .await
        .unwrap();
    assert_eq!(project_patch.status(), 403);
    for (path, body) in [
        ("/stage", json!({"to": "accompagnement"})),
        ("/close", json!({"outcome": "abandon"})),
        ("/reopen", json!({"reason": "revenue"})),
        ("/projects", json!({"idea": "Autre"})),
        (
            "/consents",
            json!({"purpose": "partage_partenaires", "given": false}),
        ),
    ] {
        assert_eq!(
            send(&cast.adie, "POST", h(path), body).await,
            403,
            "POST {path}"
        );
    }
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let onward = send(
        &cast.adie,
        "POST",
        app.url("/api/v1/referrals"),
        json!({"holder_id": holder, "to_organisation_id": bge, "need": "Suite"}),
    )
    .await;
    assert_eq!(onward, 403, "only the référent organisation refers");

    // Nothing of the file changed, and its own adviser edits it as before.
    let file: Value = json_of(&cast.cites, h("")).await;
    assert_eq!(file["phone"], "+33612345678");
    assert_eq!(file["referent_user_id"], cast.referent.id);
    assert_eq!(file["stage"], "information");
    let etag = cast.cites.get(h("")).send().await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let own = cast
        .cites
        .patch(h(""))
        .header("if-match", etag)
        .json(&json!({"address": "3 rue des Lilas"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
}

/// Withdrawing the consent to share ends the sharing at once: the live referral is
/// withdrawn ("consentement retiré"), its receiver is told without personal data, and
/// sees nothing of the person any more — neither the summary nor, once accepted, the
/// file.
#[tokio::test]
async fn withdrawing_consent_ends_the_sharing_at_once() {
    let app = TestApp::start().await;
    let cast = cast(&app).await;
    for accept_first in [false, true] {
        let (holder, referral) = referred(&app, &cast).await;
        let r = |path: &str| app.url(&format!("/api/v1/referrals/{referral}{path}"));
        let h = app.url(&format!("/api/v1/holders/{holder}"));
        if accept_first {
            assert_eq!(send(&cast.adie, "POST", r("/accept"), json!({})).await, 200);
            assert_eq!(send(&cast.adie, "GET", h.clone(), Value::Null).await, 200);
        } else {
            assert_eq!(
                json_of(&cast.adie, r("")).await["holder"]["last_name"],
                "Diallo"
            );
        }
        let before = outbox::all(app.db.conn()).await.unwrap().len();
        assert_eq!(
            send(
                &cast.cites,
                "POST",
                format!("{h}/consents"),
                json!({"purpose": "partage_partenaires", "given": false})
            )
            .await,
            201
        );
        let seen = json_of(&cast.adie, r("")).await;
        assert_eq!(seen["status"], "withdrawn", "{seen}");
        assert!(seen["holder"].is_null() && seen["need"].is_null(), "{seen}");
        assert!(!seen.to_string().contains("Diallo") && !seen.to_string().contains("Microcr"));
        assert_eq!(send(&cast.adie, "GET", h.clone(), Value::Null).await, 404);
        assert_eq!(send(&cast.adie, "POST", r("/accept"), json!({})).await, 422);
        let history = json_of(&cast.cites, r("")).await["history"].clone();
        let last = history.as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["action"].as_str(), last["reason"].as_str()),
            (Some("withdraw"), Some("consentement retiré"))
        );
        let messages = outbox::all(app.db.conn()).await.unwrap();
        assert_eq!(messages.len(), before + 1, "the receiver is told");
        let told = messages.last().unwrap();
        assert_eq!(told.recipient, "structure@exemple.test");
        assert!(told.text_body.contains("retiré"), "{}", told.text_body);
        assert!(!told.text_body.contains("Diallo") && !told.text_body.contains("Microcr"));
    }
}

/// Past its delay, a referral is expired whatever the scheduler did (here it never
/// runs): it can no longer be accepted, and shares nothing more.
#[tokio::test]
async fn a_referral_past_its_delay_is_expired_without_the_scheduler() {
    let app = TestApp::start().await;
    let cast = cast(&app).await;
    let (holder, referral) = referred(&app, &cast).await;
    let r = |path: &str| app.url(&format!("/api/v1/referrals/{referral}{path}"));
    app.clock.advance(Duration::days(30));
    // Sessions do not last a month: both sides sign in again.
    let cast = Cast {
        cites: app.login(&cast.referent).await,
        adie: app.login(&cast.partner).await,
        ..cast
    };
    let accept = cast
        .adie
        .post(r("/accept"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(accept.status(), 422);
    let seen = json_of(&cast.adie, r("")).await;
    assert_eq!(seen["status"], "expired");
    assert!(seen["holder"].is_null() && seen["need"].is_null(), "{seen}");
    // Lists filter on the status as it stands.
    let listed = |status: &str| app.url(&format!("/api/v1/referrals?box=outbox&status={status}"));
    let expired = json_of(&cast.cites, listed("expired")).await;
    assert_eq!(expired["items"][0]["id"], referral, "{expired}");
    let sent = json_of(&cast.cites, listed("sent")).await;
    assert_eq!(sent["items"].as_array().unwrap().len(), 0, "{sent}");
    assert_eq!(
        send(
            &cast.adie,
            "GET",
            app.url(&format!("/api/v1/holders/{holder}")),
            Value::Null
        )
        .await,
        404
    );
    // The sender sees it expired too, and may refer again.
    assert_eq!(json_of(&cast.cites, r("")).await["status"], "expired");
    let again = send(
        &cast.cites,
        "POST",
        app.url("/api/v1/referrals"),
        json!({"holder_id": holder, "to_organisation_id": cast.partner.organisation_id, "need": "Encore"}),
    )
    .await;
    assert_eq!(again, 201);
}

/// Once a referral is over, its receiver sees only its dates, status and organisations:
/// not the need, the message, the decline text, nor who wrote them.
#[tokio::test]
async fn an_ended_referral_shows_its_receiver_only_dates_status_and_organisations() {
    let app = TestApp::start().await;
    let cast = cast(&app).await;
    let (_, referral) = referred(&app, &cast).await;
    let declined = send(
        &cast.adie,
        "POST",
        app.url(&format!("/api/v1/referrals/{referral}/decline")),
        json!({"reason": "autre", "text": "Mme Diallo déménage à Lyon"}),
    )
    .await;
    assert_eq!(declined, 200);
    let inbox = json_of(&cast.adie, app.url("/api/v1/referrals?box=inbox")).await;
    let item = &inbox["items"][0];
    assert_eq!(item["id"], referral);
    assert_eq!(item["status"], "declined");
    assert_eq!(item["to_organisation"]["name"], "ADIE Test");
    assert!(item["sent_at"].is_string() && item["answered_at"].is_string());
    for field in [
        "need",
        "message",
        "decline_text",
        "decline_reason",
        "holder",
        "holder_id",
    ] {
        assert!(item[field].is_null(), "{field}: {item}");
    }
    let detail = json_of(
        &cast.adie,
        app.url(&format!("/api/v1/referrals/{referral}")),
    )
    .await;
    assert!(!detail.to_string().contains("Lyon"), "{detail}");
    assert!(!detail.to_string().contains("Microcr"), "{detail}");
    // The sender keeps the whole of it.
    let sent = json_of(
        &cast.cites,
        app.url(&format!("/api/v1/referrals/{referral}")),
    )
    .await;
    assert_eq!(sent["decline_text"], "Mme Diallo déménage à Lyon");
    assert_eq!(sent["need"], "Microcrédit pour le matériel");
}

/// A space's units and occupancy are for the host organisation's users and for the
/// coordinator of its territory: 403 for the rest of the territory and for platform
/// admins, 404 beyond the territory.
#[tokio::test]
async fn units_and_occupancy_are_for_the_host_and_its_coordinator() {
    let app = TestApp::start().await;
    let caq = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let admin = app.login(&app.user(caq, Role::OrgAdmin).await).await;
    let space: Value = admin
        .post(app.url("/api/v1/spaces"))
        .json(&json!({"name": "Centre Les Tilleuls"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let space = space["id"].as_i64().unwrap();
    let unit = send(
        &admin,
        "POST",
        app.url(&format!("/api/v1/spaces/{space}/units")),
        json!({"kind": "bureau", "label": "Bureau 1", "monthly_rent_eur": 180}),
    )
    .await;
    assert_eq!(unit, 201);
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let elsewhere = parcours_persistence::territories::upsert(
        app.db.conn(),
        &parcours_persistence::territories::TerritoryInput {
            code: "T-AILLEURS",
            name: "Ailleurs",
            communes: vec![("00201", "Villeloin")],
        },
        crate::support::t0(),
    )
    .await
    .unwrap();
    let far_agglo = parcours_persistence::organisations::upsert(
        app.db.conn(),
        &parcours_persistence::organisations::OrganisationInput {
            name: "Agglo Ailleurs",
            kind: OrganisationKind::Collectivite,
            territory_id: elsewhere,
            notification_email: None,
        },
        crate::support::t0(),
    )
    .await
    .unwrap();
    let cases = [
        ("host adviser", app.user(caq, Role::Adviser).await, 200),
        ("coordinator", app.user(agglo, Role::Coordinator).await, 200),
        (
            "other organisation",
            app.user(adie, Role::Adviser).await,
            403,
        ),
        ("platform admin", app.user(agglo, Role::Admin).await, 403),
        (
            "coordinator elsewhere",
            app.user(far_agglo, Role::Coordinator).await,
            404,
        ),
    ];
    for (who, user, expected) in cases {
        let client = app.login(&user).await;
        for path in ["units", "occupancy"] {
            let url = app.url(&format!("/api/v1/spaces/{space}/{path}"));
            assert_eq!(
                send(&client, "GET", url, Value::Null).await,
                expected,
                "{who} {path}"
            );
        }
    }
}

/// A stored word this binary cannot read is one clear internal error, the same
/// everywhere — never passed on as it is, never taken for another.
#[tokio::test]
async fn an_unreadable_stored_word_is_one_clear_internal_error() {
    let app = TestApp::start().await;
    let cast = cast(&app).await;
    let (holder, _) = referred(&app, &cast).await;
    app.db
        .conn()
        .execute_unprepared(&format!(
            "UPDATE holders SET situation = 'retraite' WHERE id = {holder}"
        ))
        .await
        .unwrap();
    for path in [
        format!("/api/v1/holders/{holder}"),
        format!("/api/v1/holders/{holder}/suggested-partners"),
        "/api/v1/holders".to_owned(),
    ] {
        let response = cast.cites.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 500, "{path}");
        let body = problem(response).await;
        assert_eq!(body["type"], "urn:parcours:problem:internal");
        assert!(
            !body.to_string().contains("retraite"),
            "no stored value in answers"
        );
    }
}
