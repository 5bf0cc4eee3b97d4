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
