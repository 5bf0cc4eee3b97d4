//! Bad input gets a clear 4xx problem, never a 500; every response carries the
//! security headers and a request id.

use crate::support::{TestApp, problem, test_settings};

fn assert_security_headers(response: &reqwest::Response) {
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::start().await;
    let response = app
        .anonymous()
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_security_headers(&response);
    let body = problem(response).await;
    assert_eq!(body["type"], "urn:parcours:problem:malformed-json");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON mal formé")
    );
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415() {
    let app = TestApp::start().await;
    let response = app
        .anonymous()
        .post(app.url("/api/v1/session"))
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert!(
        problem(response).await["title"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let mut settings = test_settings();
    settings.http.body_limit_bytes = 4096;
    let app = TestApp::start_with(settings).await;
    let big = format!(
        "{{\"email\":\"a@b.test\",\"password\":\"{}\"}}",
        "x".repeat(10_000)
    );
    let response = app
        .anonymous()
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        problem(response).await["type"],
        "urn:parcours:problem:payload-too-large"
    );
}

#[tokio::test]
async fn unknown_and_missing_fields_are_named() {
    let app = TestApp::start().await;
    let client = app.anonymous();
    let unknown = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": "a@b.test", "password": "x", "remember": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 422);
    let body = problem(unknown).await;
    assert_eq!(body["errors"][0]["field"], "remember");
    assert_eq!(body["errors"][0]["message"], "champ inconnu");

    let missing = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": "a@b.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    let body = problem(missing).await;
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["message"], "champ obligatoire");

    let mistyped = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": 42, "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(mistyped.status(), 422);
    assert_eq!(problem(mistyped).await["errors"][0]["field"], "email");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::start().await;
    let missing = app
        .anonymous()
        .get(app.url("/api/v1/nulle-part"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_security_headers(&missing);
    assert_eq!(
        problem(missing).await["type"],
        "urn:parcours:problem:not-found"
    );

    let wrong_method = app
        .anonymous()
        .put(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_security_headers(&wrong_method);
    assert_eq!(
        problem(wrong_method).await["type"],
        "urn:parcours:problem:method-not-allowed"
    );
}

#[tokio::test]
async fn responses_are_not_cached_and_carry_a_request_id() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let me = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.headers()["cache-control"], "no-store");
    assert_security_headers(&me);
    assert!(
        me.headers().get("strict-transport-security").is_none(),
        "plain http"
    );
    let id = me.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);

    // A client's own id is not taken: it would be written into audit entries as is.
    let forwarded = client
        .get(app.url("/api/v1/me"))
        .header("x-request-id", "lb-request-0001")
        .send()
        .await
        .unwrap();
    assert_ne!(forwarded.headers()["x-request-id"], "lb-request-0001");

    let unauthenticated = app
        .anonymous()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    let request_id = unauthenticated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(problem(unauthenticated).await["request_id"], request_id);
}

#[tokio::test]
async fn probes_answer() {
    let app = TestApp::start().await;
    let health = app
        .anonymous()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = app
        .anonymous()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = TestApp::start().await;
    app.db.clone().close().await.unwrap();
    let ready = app
        .anonymous()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        problem(ready).await["type"],
        "urn:parcours:problem:unavailable"
    );
    assert_eq!(
        app.anonymous()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
