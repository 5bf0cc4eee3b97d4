//! Referrals as a tracked, two-sided act: the flow between two organisations, who may
//! do what, access granted and revoked, deadlines, and e-mail that is never lost.

use crate::support::{TestApp, TestUser, problem};
use chrono::Duration;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::outbox;
use serde_json::{Value, json};

struct Partners {
    citeslab: TestUser,
    adie: TestUser,
    bge: TestUser,
    coordinator: TestUser,
}

async fn partners(app: &TestApp) -> Partners {
    let citeslab = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    Partners {
        citeslab,
        adie: app.user(adie, Role::Adviser).await,
        bge: app.user(bge, Role::Adviser).await,
        coordinator: app.user(agglo, Role::Coordinator).await,
    }
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> reqwest::Response {
    client.post(url).json(&body).send().await.unwrap()
}

/// A holder of the CitésLab adviser, who agreed to sharing; returns its id.
async fn holder(app: &TestApp, client: &reqwest::Client, consent: bool) -> i64 {
    let created: Value = post(
        client,
        app.url("/api/v1/holders"),
        json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"].as_i64().unwrap();
    post(
        client,
        app.url(&format!("/api/v1/holders/{id}/projects")),
        json!({"idea": "Traiteur", "financing_need_eur": 8000}),
    )
    .await;
    if consent {
        let recorded = post(
            client,
            app.url(&format!("/api/v1/holders/{id}/consents")),
            json!({"purpose": "partage_partenaires", "given": true}),
        )
        .await;
        assert_eq!(recorded.status(), 201);
    }
    id
}

async fn refer(
    app: &TestApp,
    client: &reqwest::Client,
    holder_id: i64,
    to: i64,
) -> reqwest::Response {
    post(client, app.url("/api/v1/referrals"), json!({
        "holder_id": holder_id, "to_organisation_id": to, "need": "Microcrédit de 8 000 € pour le matériel", "message": "Dossier prêt"
    }))
    .await
}

async fn status(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_two_sided_flow_with_its_emails() {
    let app = TestApp::start().await;
    let p = partners(&app).await;
    let (cites, adie) = (app.login(&p.citeslab).await, app.login(&p.adie).await);
    let holder_id = holder(&app, &cites, true).await;
    let holder_url = app.url(&format!("/api/v1/holders/{holder_id}"));

    let sent = refer(&app, &cites, holder_id, p.adie.organisation_id).await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    let id = sent["id"].as_i64().unwrap();
    assert_eq!(sent["status"], "sent");
    let url = |action: &str| app.url(&format!("/api/v1/referrals/{id}{action}"));

    // ADIE is told, by e-mail, with a stable Message-ID and no personal data.
    assert_eq!(app.deliver_mail().await.sent, 1);
    let mails = app.smtp.received().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipients, ["structure@exemple.test"]);
    assert!(
        mails[0]
            .data
            .contains(&format!("Message-ID: <referral-{id}-sent@parcours.test>")),
        "{}",
        mails[0].data
    );
    assert!(mails[0].data.contains(&format!("/orientations/{id}")));
    assert!(!mails[0].data.contains("Diallo") && !mails[0].data.contains("Microcr"));

    // While sent: ADIE sees what the referral shares, not the file.
    let shared: Value = adie
        .get(url(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shared["holder"]["last_name"], "Diallo");
    assert_eq!(shared["holder"]["phone"], "+33612345678");
    assert!(
        shared["holder"]["project_summary"]
            .as_str()
            .unwrap()
            .contains("8000")
    );
    assert_eq!(status(&adie, holder_url.clone()).await, 404);
    let inbox: Value = adie
        .get(app.url("/api/v1/referrals?box=inbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["id"], id);

    // Accepted: the whole file, and ADIE logs a contact.
    let accepted = post(&adie, url("/accept"), json!({})).await;
    assert_eq!(accepted.status(), 200);
    assert_eq!(status(&adie, holder_url.clone()).await, 200);
    let contact = post(
        &adie,
        app.url(&format!("/api/v1/holders/{holder_id}/contacts")),
        json!({"kind": "entretien", "notes": "Dossier de prêt monté"}),
    )
    .await;
    assert_eq!(contact.status(), 201);

    // Completed: ADIE loses access, what it wrote stays in the timeline.
    let completed = post(&adie, url("/complete"), json!({"outcome": "finance"})).await;
    assert_eq!(completed.status(), 200);
    assert_eq!(status(&adie, holder_url.clone()).await, 404);
    let after: Value = adie
        .get(url(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "completed");
    assert!(after["holder"].is_null(), "no more personal data once over");
    let timeline: Value = cites
        .get(format!("{holder_url}/timeline"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["contact"]["organisation_id"] == p.adie.organisation_id)
    );

    // CitésLab saw each step, and was told of each answer.
    let seen: Value = cites
        .get(url(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps: Vec<&str> = seen["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["send", "accept", "complete"]);
    assert_eq!(app.deliver_mail().await.sent, 2);
    let mails = app.smtp.received().await;
    assert_eq!(mails.len(), 3);
    assert!(
        mails[1..]
            .iter()
            .all(|m| m.recipients == [p.citeslab.email.clone()])
    );
    assert!(mails[1].data.contains("accept"));
    assert!(mails[2].data.contains("Issue : Financ"));
}

#[tokio::test]
async fn no_referral_without_consent_to_share() {
    let app = TestApp::start().await;
    let p = partners(&app).await;
    let cites = app.login(&p.citeslab).await;
    let holder_id = holder(&app, &cites, false).await;
    let refused = refer(&app, &cites, holder_id, p.adie.organisation_id).await;
    assert_eq!(refused.status(), 422);
    let body = problem(refused).await;
    assert_eq!(body["errors"][0]["field"], "holder_id");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("partage")
    );
    // Withdrawn consent counts as none.
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{holder_id}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{holder_id}/consents")),
        json!({"purpose": "partage_partenaires", "given": false}),
    )
    .await;
    assert_eq!(
        refer(&app, &cites, holder_id, p.adie.organisation_id)
            .await
            .status(),
        422
    );
    assert!(
        outbox::all(app.db.conn()).await.unwrap().is_empty(),
        "nothing queued for a refused referral"
    );
}

#[tokio::test]
async fn each_side_may_only_do_its_part() {
    let app = TestApp::start().await;
    let p = partners(&app).await;
    let (cites, adie, bge, coordinator) = (
        app.login(&p.citeslab).await,
        app.login(&p.adie).await,
        app.login(&p.bge).await,
        app.login(&p.coordinator).await,
    );
    let holder_id = holder(&app, &cites, true).await;
    let id = refer(&app, &cites, holder_id, p.adie.organisation_id)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let url = |action: &str| app.url(&format!("/api/v1/referrals/{id}{action}"));
    // Someone else's referral does not exist; a coordinator handles no personal data.
    assert_eq!(status(&bge, url("")).await, 404);
    assert_eq!(post(&bge, url("/accept"), json!({})).await.status(), 404);
    assert_eq!(status(&coordinator, url("")).await, 403);
    // Wrong side: 403 with the reason.
    let wrong = post(&cites, url("/accept"), json!({})).await;
    assert_eq!(wrong.status(), 403);
    assert!(
        problem(wrong).await["detail"]
            .as_str()
            .unwrap()
            .contains("destinataire")
    );
    assert_eq!(post(&adie, url("/withdraw"), json!({})).await.status(), 403);
    // Illegal transitions: 422 that says why.
    let early = post(&adie, url("/complete"), json!({"outcome": "finance"})).await;
    assert_eq!(early.status(), 422);
    assert!(
        problem(early).await["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("après acceptation")
    );
    let vague = post(&adie, url("/decline"), json!({"reason": "autre"})).await;
    assert_eq!(problem(vague).await["errors"][0]["field"], "text");
    assert_eq!(
        post(&adie, url("/decline"), json!({"reason": "raison"}))
            .await
            .status(),
        422
    );
    // A second live referral to the same partner is a conflict.
    assert_eq!(
        refer(&app, &cites, holder_id, p.adie.organisation_id)
            .await
            .status(),
        409
    );
    // Declined: over for good.
    assert_eq!(
        post(&adie, url("/decline"), json!({"reason": "capacite"}))
            .await
            .status(),
        200
    );
    assert_eq!(post(&adie, url("/accept"), json!({})).await.status(), 422);
    assert_eq!(
        post(&cites, url("/withdraw"), json!({})).await.status(),
        422
    );
    // …and a new referral may follow.
    assert_eq!(
        refer(&app, &cites, holder_id, p.adie.organisation_id)
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn access_follows_the_referral_at_each_step() {
    let app = TestApp::start().await;
    let p = partners(&app).await;
    let (cites, adie) = (app.login(&p.citeslab).await, app.login(&p.adie).await);
    // (how it ends, who acts, ADIE's access to the file afterwards)
    for (ending, by_sender) in [
        ("/withdraw", true),
        ("/decline", false),
        ("/complete", false),
    ] {
        let holder_id = holder(&app, &cites, true).await;
        let holder_url = app.url(&format!("/api/v1/holders/{holder_id}"));
        let id = refer(&app, &cites, holder_id, p.adie.organisation_id)
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let url = |action: &str| app.url(&format!("/api/v1/referrals/{id}{action}"));
        assert_eq!(status(&adie, holder_url.clone()).await, 404, "sent");
        if ending != "/decline" {
            post(&adie, url("/accept"), json!({})).await;
            assert_eq!(status(&adie, holder_url.clone()).await, 200, "accepted");
            assert_eq!(status(&adie, format!("{holder_url}/timeline")).await, 200);
        }
        let body = match ending {
            "/decline" => json!({"reason": "hors_perimetre"}),
            "/complete" => json!({"outcome": "accompagne"}),
            _ => json!({}),
        };
        let client = if by_sender { &cites } else { &adie };
        assert_eq!(
            post(client, url(ending), body).await.status(),
            200,
            "{ending}"
        );
        assert_eq!(
            status(&adie, holder_url.clone()).await,
            404,
            "after {ending}"
        );
        assert_eq!(
            post(
                &adie,
                app.url(&format!("/api/v1/holders/{holder_id}/contacts")),
                json!({"kind": "email"})
            )
            .await
            .status(),
            404
        );
        // The referent keeps the file throughout.
        assert_eq!(status(&cites, holder_url).await, 200);
    }
}

#[tokio::test]
async fn reminders_then_expiry_with_the_coordinators_queue() {
    let app = TestApp::start().await;
    let p = partners(&app).await;
    let cites = app.login(&p.citeslab).await;
    let holder_id = holder(&app, &cites, true).await;
    let id = refer(&app, &cites, holder_id, p.adie.organisation_id)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.deliver_mail().await;

    app.clock.advance(Duration::days(6));
    assert_eq!(
        app.run_deadlines().await,
        parcours_core::referrals::Deadlines::default()
    );
    let coordinator = app.login(&p.coordinator).await;
    let queue: Value = coordinator
        .get(app.url("/api/v1/referrals/overdue"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue.as_array().unwrap().len(), 0);

    app.clock.advance(Duration::days(1));
    assert_eq!(app.run_deadlines().await.reminded, 1);
    // Running again the same day sends nothing more.
    assert_eq!(app.run_deadlines().await.reminded, 0);
    let coordinator = app.login(&p.coordinator).await;
    let queue: Value = coordinator
        .get(app.url("/api/v1/referrals/overdue"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue[0]["id"], id);
    assert_eq!(queue[0]["days_waiting"], 7);
    assert_eq!(queue[0]["to_organisation"]["name"], "ADIE Test");
    assert!(
        queue[0].get("holder").is_none() && !queue.to_string().contains("Diallo"),
        "no person on the queue"
    );
    let adviser_view = app
        .login(&p.adie)
        .await
        .get(app.url("/api/v1/referrals/overdue"))
        .send()
        .await
        .unwrap();
    assert_eq!(adviser_view.status(), 403);

    // The job runs as the scheduler would: days 14 and 21 remind, day 30 expires.
    for (days, reminded, expired) in [(7, 1, 0), (7, 1, 0), (9, 0, 1)] {
        app.clock.advance(Duration::days(days));
        let report = app.run_deadlines().await;
        assert_eq!((report.reminded, report.expired), (reminded, expired));
    }
    app.deliver_mail().await;
    let mails = app.smtp.received().await;
    let subjects: Vec<String> = mails
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Subject:"))
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(mails.len(), 5, "{subjects:?}");
    assert!(
        mails[1]
            .data
            .contains(&format!("<referral-{id}-reminder-1@"))
    );
    assert!(
        mails[4].recipients == [p.citeslab.email.clone()],
        "the sender learns of the expiry"
    );
    let cites = app.login(&p.citeslab).await;
    let expired: Value = cites
        .get(app.url(&format!("/api/v1/referrals/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(expired["status"], "expired");
}

#[tokio::test]
async fn smtp_down_then_up_delivers_once() {
    let app = TestApp::start().await;
    // A mailer pointed at a port where nothing listens yet.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mailer = parcours_mail::Mailer::new(&parcours_mail::MailSettings {
        smtp_url: format!("smtp://127.0.0.1:{port}").into(),
        from: "Parcours <ne-pas-repondre@parcours.test>".into(),
        timeout: std::time::Duration::from_secs(2),
    })
    .unwrap();
    let core = parcours_core::Core::new(app.db.clone(), parcours_core::Settings::default(), mailer);
    let deliver = || parcours_core::outbox::deliver_due(&core, &app.clock);
    outbox::enqueue(
        app.db.conn(),
        outbox::NewMessage {
            kind: "test".into(),
            recipient: "adie@exemple.test".into(),
            subject: "Essai".into(),
            text: "Bonjour".into(),
            html: "<p>Bonjour</p>".into(),
            message_id: "<essai-1@parcours.test>".into(),
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let down = deliver().await.unwrap();
    assert_eq!((down.sent, down.retried), (0, 1));
    // Not retried before its backoff…
    assert_eq!(
        deliver().await.unwrap(),
        parcours_core::outbox::Delivery::default()
    );
    // …then SMTP is back, and the message goes out exactly once.
    let sink = parcours_mail::testing::SmtpSink::start_on(port).await;
    app.clock.advance(Duration::seconds(31));
    assert_eq!(deliver().await.unwrap().sent, 1);
    app.clock.advance(Duration::hours(1));
    assert_eq!(deliver().await.unwrap().sent, 0);
    let received = sink.received().await;
    assert_eq!(received.len(), 1);
    assert!(
        received[0]
            .data
            .contains("Message-ID: <essai-1@parcours.test>")
    );
    let (counts, _) = outbox::status(app.db.conn()).await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.failed), (0, 1, 0));
}

#[tokio::test]
async fn a_crash_mid_send_loses_nothing() {
    let app = TestApp::start().await;
    outbox::enqueue(
        app.db.conn(),
        outbox::NewMessage {
            kind: "test".into(),
            recipient: "adie@exemple.test".into(),
            subject: "Essai".into(),
            text: "Bonjour".into(),
            html: "<p>Bonjour</p>".into(),
            message_id: "<essai-crash@parcours.test>".into(),
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    // A worker claims the message and dies before sending it.
    let txn = app.db.begin_write().await.unwrap();
    assert_eq!(
        outbox::claim(&txn, app.clock.now(), Duration::minutes(2), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    parcours_persistence::commit(txn).await.unwrap();
    assert_eq!(app.deliver_mail().await.sent, 0, "still leased");
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        app.deliver_mail().await.sent,
        1,
        "taken again once the lease ends"
    );
    assert_eq!(app.smtp.received().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_send_each_message_exactly_once() {
    let app = TestApp::start().await;
    for n in 0..40 {
        outbox::enqueue(
            app.db.conn(),
            outbox::NewMessage {
                kind: "test".into(),
                recipient: format!("dest{n}@exemple.test"),
                subject: format!("Message {n}"),
                text: "Bonjour".into(),
                html: "<p>Bonjour</p>".into(),
                message_id: format!("<concurrent-{n}@parcours.test>"),
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    }
    let (a, b, c) = tokio::join!(
        parcours_core::outbox::deliver_due(&app.state.core, &app.clock),
        parcours_core::outbox::deliver_due(&app.state.core, &app.clock),
        parcours_core::outbox::deliver_due(&app.state.core, &app.clock)
    );
    let total = a.unwrap().sent + b.unwrap().sent + c.unwrap().sent;
    assert_eq!(total, 40);
    let received = app.smtp.received().await;
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Message-ID:"))
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (40, 40));
}

#[tokio::test]
async fn the_directory_and_suggestions() {
    let app = TestApp::start().await;
    let p = partners(&app).await;
    let adie_admin = app.user(p.adie.organisation_id, Role::OrgAdmin).await;
    let admin = app.login(&adie_admin).await;
    let created = post(&admin, app.url("/api/v1/services"), json!({
        "name": "Microcrédit professionnel", "description": "Prêt jusqu'à 12 000 € pour créer son activité",
        "stage": "accompagnement", "needs": ["financement"], "financing_max_eur": 12000, "sectors": ["commerce", "services"]
    }))
    .await;
    assert_eq!(created.status(), 201);
    let service_id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let bad = post(&admin, app.url("/api/v1/services"), json!({"name": "", "stage": "incubation", "needs": ["magie"], "financing_min_eur": 10, "financing_max_eur": 5})).await;
    let fields: Vec<String> = problem(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "description",
            "stage",
            "needs[0]",
            "financing_max_eur"
        ]
    );
    let adviser = app.login(&p.adie).await;
    assert_eq!(
        post(&adviser, app.url("/api/v1/services"), json!({}))
            .await
            .status(),
        403
    );
    let patched = admin
        .patch(app.url(&format!("/api/v1/services/{service_id}")))
        .json(&json!({"places": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.json::<Value>().await.unwrap()["places"], 3);

    let cites = app.login(&p.citeslab).await;
    let listed: Value = cites
        .get(app.url("/api/v1/services?q=microcr"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["organisation_kind"], "adie");
    let holder_id = holder(&app, &cites, true).await;
    let suggestions: Value = cites
        .get(app.url(&format!(
            "/api/v1/holders/{holder_id}/suggested-partners?needs=financement"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(suggestions[0]["service"]["id"], service_id);
    assert!(
        suggestions[0]["reason"]
            .as_str()
            .unwrap()
            .contains("microcrédit")
    );
    let bad_need = cites
        .get(app.url(&format!(
            "/api/v1/holders/{holder_id}/suggested-partners?needs=licorne"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_need.status(), 422);
}
