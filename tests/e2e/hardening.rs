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
    let holder: Value = cites
        .post(app.url("/api/v1/holders"))
        .json(&json!({"first_name": "Awa", "last_name": "Diallo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let holder = holder["id"].as_i64().unwrap();
    cites
        .post(app.url(&format!("/api/v1/holders/{holder}/consents")))
        .json(&json!({"purpose": "partage_partenaires", "given": true}))
        .send()
        .await
        .unwrap();
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
