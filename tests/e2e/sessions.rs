//! Signing in and out; session lifetime; failed-login slowdown.

use crate::support::{PASSWORD, TestApp, me_status, problem, test_settings};
use chrono::Duration;
use parcours_domain::users::{Email, Role};
use parcours_persistence::users;

#[tokio::test]
async fn login_opens_a_session_that_me_reads() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.anonymous();
    let response = app
        .login_response(&client, &adviser.email.to_uppercase(), PASSWORD)
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("parcours_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http in tests");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["email"], adviser.email);
    assert_eq!(body["role"], "adviser");

    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], adviser.id);
    assert_eq!(me["organisation"]["id"], adviser.organisation_id);
    assert_eq!(me["organisation"]["kind"], "citeslab");
    assert_eq!(me["organisation"]["territory"]["code"], "T-TEST");
}

#[tokio::test]
async fn cookies_are_secure_when_served_securely() {
    let app = TestApp::start_with(crate::support::Settings {
        http: parcours_http::HttpSettings::default(),
        ..test_settings()
    })
    .await;
    let adviser = app.adviser().await;
    let response = app
        .login_response(&app.anonymous(), &adviser.email, PASSWORD)
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    // Kept to this host: no sibling sub-domain can set or overwrite it.
    assert!(cookie.starts_with("__Host-parcours_session="), "{cookie}");
    assert!(
        cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    assert!(response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let wrong = app
        .login_response(&app.anonymous(), &adviser.email, "pas le bon mot de passe")
        .await;
    let unknown = app
        .login_response(&app.anonymous(), "personne@exemple.test", PASSWORD)
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let (mut wrong, mut unknown) = (problem(wrong).await, problem(unknown).await);
    wrong.as_object_mut().unwrap().remove("request_id");
    unknown.as_object_mut().unwrap().remove("request_id");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["type"], "urn:parcours:problem:invalid-credentials");
}

#[tokio::test]
async fn bad_login_input_names_the_field() {
    let app = TestApp::start().await;
    let response = app
        .login_response(&app.anonymous(), "pas-une-adresse", "")
        .await;
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);
}

#[tokio::test]
async fn logout_ends_the_session_server_side() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let response = client
        .delete(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn a_stolen_cookie_is_useless_after_logout() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.anonymous();
    let response = app.login_response(&client, &adviser.email, PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    client
        .delete(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    let replay = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
}

#[tokio::test]
async fn login_rotates_the_session_id() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.anonymous();
    let first = app.login_response(&client, &adviser.email, PASSWORD).await;
    let first_cookie = first.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let second = app.login_response(&client, &adviser.email, PASSWORD).await;
    let second_cookie = second.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(first_cookie, second_cookie);
    // The session the client held before logging in again is gone.
    let old = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", first_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    assert_eq!(me_status(&app, &client).await, 200);
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(me_status(&app, &client).await, 200);
    // That use counted: another 29 minutes is still within the idle timeout.
    app.clock.advance(Duration::minutes(29));
    assert_eq!(me_status(&app, &client).await, 200);
    app.clock.advance(Duration::minutes(30));
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn sessions_end_after_twelve_hours_however_busy() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    for _ in 0..(12 * 4 - 1) {
        app.clock.advance(Duration::minutes(15));
        assert_eq!(me_status(&app, &client).await, 200);
    }
    app.clock.advance(Duration::minutes(15));
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn timeouts_follow_the_configuration() {
    let mut settings = test_settings();
    settings.core.session.idle_timeout = Duration::minutes(5);
    let app = TestApp::start_with(settings).await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    app.clock.advance(Duration::minutes(5));
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let email = Email::parse(&adviser.email).unwrap();
    users::disable(app.db.conn(), &email, app.clock.now())
        .await
        .unwrap();
    assert_eq!(me_status(&app, &client).await, 401);
    let again = app
        .login_response(&app.anonymous(), &adviser.email, PASSWORD)
        .await;
    assert_eq!(again.status(), 401);
    users::enable(app.db.conn(), &email, app.clock.now())
        .await
        .unwrap();
    assert_eq!(
        app.login_response(&app.anonymous(), &adviser.email, PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_only() {
    let app = TestApp::start().await;
    let org = app
        .organisation(
            "ADIE Test",
            parcours_domain::organisations::OrganisationKind::Adie,
        )
        .await;
    let adviser = app.user(org, Role::Adviser).await;
    let attempt = |password: &'static str| {
        let client = app.anonymous();
        let email = adviser.email.clone();
        let app = &app;
        async move { app.login_response(&client, &email, password).await.status() }
    };
    for _ in 0..4 {
        assert_eq!(attempt("mauvais mot de passe").await, 401);
    }
    // Four mistakes are free: the right password still works and resets the count.
    assert_eq!(attempt(PASSWORD).await, 200);
    for _ in 0..5 {
        assert_eq!(attempt("mauvais mot de passe").await, 401);
    }
    // Fifth failure: locked for a minute, even with the right password…
    assert_eq!(attempt(PASSWORD).await, 401);
    app.clock.advance(Duration::seconds(59));
    assert_eq!(attempt(PASSWORD).await, 401);
    // …and then open again, by itself.
    app.clock.advance(Duration::seconds(1));
    assert_eq!(attempt(PASSWORD).await, 200);

    // Persistent guessing doubles the lock up to fifteen minutes, never more.
    for _ in 0..5 {
        assert_eq!(attempt("mauvais").await, 401);
    }
    for _ in 0..8 {
        app.clock.advance(Duration::minutes(16));
        assert_eq!(attempt("mauvais").await, 401);
    }
    app.clock.advance(Duration::minutes(14));
    assert_eq!(attempt(PASSWORD).await, 401);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(attempt(PASSWORD).await, 200);
}

#[tokio::test]
async fn the_same_answer_comes_from_a_locked_account() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    for _ in 0..5 {
        app.login_response(&app.anonymous(), &adviser.email, "mauvais")
            .await;
    }
    let locked = app
        .login_response(&app.anonymous(), &adviser.email, PASSWORD)
        .await;
    assert_eq!(locked.status(), 401);
    assert_eq!(
        problem(locked).await["type"],
        "urn:parcours:problem:invalid-credentials"
    );
}
