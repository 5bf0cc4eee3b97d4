//! What probes found and the hardening holds: each test failed before its fix.

use crate::support::{TestApp, problem};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::{Value, json};

/// A referral waiting for ADIE's answer; returns (ADIE's client, referral id).
async fn waiting_referral(app: &TestApp) -> (reqwest::Client, i64) {
    let citeslab = app.adviser().await;
    let cites = app.login(&citeslab).await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie = app.login(&app.user(adie, Role::Adviser).await).await;
    let holder = shareable_holder(app, &cites, "Awa").await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let referral: Value = cites
        .post(app.url("/api/v1/referrals"))
        .json(&json!({"holder_id": holder, "to_organisation_id": adie_org, "need": "Microcrédit"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (adie, referral["id"].as_i64().unwrap())
}

/// Another site's page cannot act with the user's cookie: a form posted from it (even a
/// sibling sub-domain) is refused, whatever the route's body; the same request from
/// Parcours itself, or from a client that is not a browser, goes through.
#[tokio::test]
async fn requests_from_another_site_change_nothing() {
    let app = TestApp::start().await;
    let (adie, referral) = waiting_referral(&app).await;
    let accept = app.url(&format!("/api/v1/referrals/{referral}/accept"));
    for (origin, site) in [
        ("https://evil.example", "cross-site"),
        ("https://autre.parcours.example", "same-site"),
    ] {
        let forged = adie
            .post(&accept)
            .header("origin", origin)
            .header("sec-fetch-site", site)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("x=1")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{site}");
        assert_eq!(
            problem(forged).await["type"],
            "urn:parcours:problem:cross-site"
        );
    }
    let no_fetch_metadata = adie
        .post(&accept)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(no_fetch_metadata.status(), 403, "Origin alone tells too");
    let still: Value = adie
        .get(app.url(&format!("/api/v1/referrals/{referral}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "sent", "nothing was accepted");
    let own_origin = app.base.clone();
    let from_parcours = adie
        .post(&accept)
        .header("origin", own_origin)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(from_parcours.status(), 200);
}

/// A trusted proxy's request id is kept (it ties the proxy's logs to ours); anyone
/// else's is replaced, so a client cannot write what it likes into audit entries.
#[tokio::test]
async fn only_a_trusted_proxy_names_the_request() {
    let mut settings = crate::support::test_settings();
    settings.http.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let behind_proxy = TestApp::start_with(settings).await;
    let direct = TestApp::start().await;
    for (app, kept) in [(&behind_proxy, true), (&direct, false)] {
        let adviser = app.adviser().await;
        let client = app.login(&adviser).await;
        let created: Value = client
            .post(app.url("/api/v1/holders"))
            .json(&json!({"first_name": "Awa", "last_name": "Diallo"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_i64().unwrap();
        let read = client
            .get(app.url(&format!("/api/v1/holders/{id}")))
            .header("x-request-id", "proxy-request-0001")
            .send()
            .await
            .unwrap();
        assert_eq!(read.headers()["x-request-id"] == "proxy-request-0001", kept);
        let trail = parcours_persistence::audit::for_holder(app.db.conn(), id)
            .await
            .unwrap();
        let entry = trail.iter().find(|e| e.action == "holder.read").unwrap();
        assert_eq!(
            entry.request_id.as_deref() == Some("proxy-request-0001"),
            kept,
            "{entry:?}"
        );
    }
}

/// Guesses on one account are counted before their password is checked, one after the
/// other: however many arrive at once, no more than the free failures plus one are
/// checked before the lock, and a right password among them does not lift it.
#[tokio::test]
async fn the_lock_holds_whatever_the_concurrency() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let email = adviser.email.clone();
    let guesses = (0..30).map(|n| {
        let (app, email) = (&app, email.clone());
        async move {
            let password = if n == 17 {
                crate::support::PASSWORD.to_owned()
            } else {
                format!("mauvais mot de passe {n}")
            };
            app.login_response(&app.anonymous(), &email, &password)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_join_all(guesses).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
    let account = parcours_persistence::users::get(app.db.conn(), adviser.id)
        .await
        .unwrap()
        .unwrap();
    // Four free failures, the fifth locks: every later guess is refused unchecked.
    assert!(
        account.failed_logins <= 5,
        "{} guesses counted",
        account.failed_logins
    );
    assert!(
        account
            .locked_until
            .is_some_and(|until| until > app.clock.now()),
        "still locked after the burst, right password or not"
    );
    let right = app
        .login_response(&app.anonymous(), &email, crate::support::PASSWORD)
        .await;
    assert_eq!(right.status(), 401, "locked: even the right password waits");
}

/// Awaits every future, in any order (no extra dependency for a test).
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().collect();
    let mut out = Vec::with_capacity(handles.len());
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = handles.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, fut) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

/// A flood of logins from one address is slowed down (429 with Retry-After) before any
/// password is checked; another address is not.
#[tokio::test]
async fn logins_are_limited_per_address() {
    let mut settings = crate::support::test_settings();
    settings.core.login_per_address_per_minute = 3;
    let app = TestApp::start_with(settings).await;
    let adviser = app.adviser().await;
    for _ in 0..3 {
        let wrong = app
            .login_response(
                &app.anonymous(),
                "inconnu@exemple.test",
                "pas le bon mot de passe",
            )
            .await;
        assert_eq!(wrong.status(), 401);
    }
    let flooded = app
        .login_response(&app.anonymous(), &adviser.email, crate::support::PASSWORD)
        .await;
    assert_eq!(flooded.status(), 429);
    let wait: u64 = flooded.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        problem(flooded).await["type"],
        "urn:parcours:problem:too-many-attempts"
    );
}

/// What a person types is stored as one canonical text, and what has no place in it —
/// a NUL (a 500 on PostgreSQL before), terminal escapes, direction overrides, invisible
/// characters in names, a search the database cannot run — is refused under the
/// field's name, in French; a mistyped id in a filter says so in French.
#[tokio::test]
async fn typed_text_is_canonical_and_hostile_text_is_named() {
    let app = TestApp::start().await;
    let adviser = app.login(&app.adviser().await).await;
    let holders = app.url("/api/v1/holders");
    // "Zoé" typed with a combining accent is stored as the single letter.
    let created: Value = adviser
        .post(&holders)
        .json(&json!({"first_name": "Zoe\u{301}", "last_name": "Martin", "address": "1 rue A\r\n2e étage"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["first_name"], "Zoé");
    assert_eq!(created["address"], "1 rue A\n2e étage");
    let id = created["id"].as_i64().unwrap();

    for (body, field) in [
        (
            json!({"first_name": "Jean\u{200B}", "last_name": "Martin"}),
            "first_name",
        ),
        (
            json!({"first_name": "Jean", "last_name": "Mar\u{202E}tin"}),
            "last_name",
        ),
        (
            json!({"first_name": "Jean", "last_name": "Martin", "address": "1 rue\u{0}"}),
            "address",
        ),
    ] {
        let refused = adviser.post(&holders).json(&body).send().await.unwrap();
        assert_eq!(refused.status(), 422, "{body}");
        let problem = problem(refused).await;
        assert_eq!(crate::support::fields(&problem), [field], "{problem}");
    }
    let contacts = app.url(&format!("/api/v1/holders/{id}/contacts"));
    for notes in [
        "fin\u{0}",
        "\u{1b}[2J\u{1b}[Hécran effacé",
        "facture\u{202E}fdp.exe",
    ] {
        let refused = adviser
            .post(&contacts)
            .json(&json!({"kind": "entretien", "notes": notes}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{notes:?}");
        let problem = problem(refused).await;
        assert_eq!(crate::support::fields(&problem), ["notes"], "{problem}");
    }
    let stage = app.url(&format!("/api/v1/holders/{id}/stage"));
    let long_reason = adviser
        .post(&stage)
        .json(&json!({"to": "sensibilisation", "reason": "x".repeat(10_000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(long_reason.status(), 422);

    let long_search = adviser
        .get(app.url("/api/v1/services"))
        .query(&[("q", "a".repeat(50_000))])
        .send()
        .await
        .unwrap();
    assert_eq!(long_search.status(), 422);
    assert_eq!(crate::support::fields(&problem(long_search).await), ["q"]);
    let search = adviser
        .get(app.url("/api/v1/holders"))
        .query(&[("q", "a".repeat(101))])
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 422);
    let problem_body = problem(search).await;
    assert_eq!(
        problem_body["errors"][0]["message"],
        "100 caractères au plus"
    );
    for (path, query) in [
        ("/api/v1/holders", "q=a%00b"),
        ("/api/v1/services", "q=%1B%5B2J"),
        ("/api/v1/holders", "referent=abc"),
        ("/api/v1/holders", "limit=deux"),
    ] {
        let refused = adviser
            .get(app.url(&format!("{path}?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{query}");
        let problem = problem(refused).await;
        let errors = problem["errors"].to_string();
        assert!(!errors.contains("invalid digit"), "{errors}");
        assert_eq!(crate::support::fields(&problem).len(), 1, "{problem}");
    }
}

/// A person with the consent to share, followed by `client`'s organisation.
async fn shareable_holder(app: &TestApp, client: &reqwest::Client, name: &str) -> i64 {
    let holder: Value = client
        .post(app.url("/api/v1/holders"))
        .json(&json!({"first_name": name, "last_name": "Concurrence"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let holder = holder["id"].as_i64().unwrap();
    let consent = client
        .post(app.url(&format!("/api/v1/holders/{holder}/consents")))
        .json(&json!({"purpose": "partage_partenaires", "given": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 201);
    holder
}

/// Two identical referrals at once (a double click, a retry landing on another
/// instance): the database holds the rule, so one is made, the other is a 409, and the
/// partner gets one e-mail.
#[tokio::test]
async fn the_same_referral_twice_at_once_is_made_once() {
    let app = TestApp::start().await;
    let citeslab = app.adviser().await;
    let (first, second) = (app.login(&citeslab).await, app.login(&citeslab).await);
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let rounds = 10;
    for round in 0..rounds {
        let holder = shareable_holder(&app, &first, &format!("Awa{}", "a".repeat(round))).await;
        let body = json!({"holder_id": holder, "to_organisation_id": adie, "need": "Microcrédit"});
        let (a, b) = tokio::join!(
            first.post(app.url("/api/v1/referrals")).json(&body).send(),
            second.post(app.url("/api/v1/referrals")).json(&body).send(),
        );
        let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}");
    }
    let messages = parcours_persistence::outbox::all(app.db.conn())
        .await
        .unwrap();
    assert_eq!(messages.len(), rounds, "one e-mail per referral made");
}

/// A referral and the withdrawal of the consent it rests on, at once: whichever comes
/// first, no referral stays open without the consent (changes to one file are made one
/// after the other).
#[tokio::test]
async fn a_withdrawn_consent_leaves_no_referral_open_whatever_the_timing() {
    let app = TestApp::start().await;
    let citeslab = app.adviser().await;
    let (first, second) = (app.login(&citeslab).await, app.login(&citeslab).await);
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    for round in 0..12 {
        let holder = shareable_holder(&app, &first, &format!("Ali{}", "i".repeat(round))).await;
        let (referral, withdrawal) = tokio::join!(
            first
                .post(app.url("/api/v1/referrals"))
                .json(
                    &json!({"holder_id": holder, "to_organisation_id": adie, "need": "Microcrédit"})
                )
                .send(),
            second
                .post(app.url(&format!("/api/v1/holders/{holder}/consents")))
                .json(&json!({"purpose": "partage_partenaires", "given": false}))
                .send(),
        );
        assert_eq!(withdrawal.unwrap().status(), 201);
        let referral = referral.unwrap();
        if referral.status() == 201 {
            let made: Value = referral.json().await.unwrap();
            let now: Value = first
                .get(app.url(&format!("/api/v1/referrals/{}", made["id"])))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(
                !["sent", "accepted"].contains(&now["status"].as_str().unwrap()),
                "round {round}: {now}"
            );
        } else {
            assert_eq!(referral.status(), 422, "round {round}");
        }
    }
}

/// The database out of reach (PostgreSQL refusing connections after its sessions were
/// cut, as in a restart; SQLite's write lock held past the wait): a 503 with
/// Retry-After, never a 500; once it is back, the same request succeeds.
#[tokio::test]
async fn a_lost_database_is_a_503_to_retry() {
    use parcours_persistence::ConnectionTrait;
    let app = TestApp::start_with(crate::support::Settings {
        db_wait: Some(std::time::Duration::from_millis(300)),
        ..crate::support::test_settings()
    })
    .await;
    let adviser = app.login(&app.adviser().await).await;
    let create = || {
        adviser
            .post(app.url("/api/v1/holders"))
            .json(&json!({"first_name": "Inès", "last_name": "Benali"}))
            .send()
    };
    // Out of reach: PostgreSQL refuses new connections and cuts ours; SQLite's write
    // lock is held by another connection.
    let mut held = None;
    let admin = match &app.test_db.postgres {
        Some((admin_url, name)) => {
            let admin = parcours_persistence::Db::connect(&parcours_persistence::DbSettings::new(
                admin_url.clone(),
            ))
            .await
            .unwrap();
            for sql in [
                format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ),
            ] {
                admin.conn().execute_unprepared(&sql).await.unwrap();
            }
            Some((admin, name.clone()))
        }
        None => {
            let other = app.test_db.connect().await;
            let txn = other.begin_write().await.unwrap();
            txn.execute_unprepared("UPDATE organisations SET name = name")
                .await
                .unwrap();
            held = Some((other, txn));
            None
        }
    };
    let refused = create().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "5");
    assert_eq!(
        problem(refused).await["type"],
        "urn:parcours:problem:unavailable"
    );
    let ready = app
        .anonymous()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap();
    if admin.is_some() {
        assert_eq!(ready.status(), 503, "no database, not ready");
    }
    // Back.
    if let Some((admin, name)) = admin {
        admin
            .conn()
            .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
            .await
            .unwrap();
    }
    if let Some((other, txn)) = held {
        txn.rollback().await.unwrap();
        other.close().await.unwrap();
    }
    assert_eq!(create().await.unwrap().status(), 201);
    assert_eq!(
        app.anonymous()
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
