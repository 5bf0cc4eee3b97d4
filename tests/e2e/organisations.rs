//! The partner directory.

use crate::support::{TestApp, problem};
use parcours_domain::organisations::OrganisationKind;
use std::collections::HashSet;

#[tokio::test]
async fn pages_return_each_organisation_exactly_once_in_name_order() {
    let app = TestApp::start().await;
    let mut expected = Vec::new();
    for i in 0..23 {
        let name = format!("Structure {i:02}");
        app.organisation(
            &name,
            OrganisationKind::ALL[i % OrganisationKind::ALL.len()],
        )
        .await;
        expected.push(name);
    }
    let adviser = app.adviser().await;
    expected.push("CitésLab Test".into());
    expected.sort();
    let client = app.login(&adviser).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut request = client
            .get(app.url("/api/v1/organisations"))
            .query(&[("limit", "5")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let page: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, expected);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
}

#[tokio::test]
async fn filters_and_bad_parameters() {
    let app = TestApp::start().await;
    app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let adie: serde_json::Value = client
        .get(app.url("/api/v1/organisations?kind=adie"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(adie["items"].as_array().unwrap().len(), 1);
    assert_eq!(adie["items"][0]["name"], "ADIE Test");

    let bad = client
        .get(app.url("/api/v1/organisations?kind=banque&limit=0&cursor=%21%21"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body = problem(bad).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "cursor", "limit"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("valeurs possibles")
    );
}

#[tokio::test]
async fn one_organisation_or_a_404() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let client = app.login(&adviser).await;
    let url = app.url(&format!(
        "/api/v1/organisations/{}",
        adviser.organisation_id
    ));
    let org: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(org["name"], "CitésLab Test");
    for missing in ["999999", "abc"] {
        let response = client
            .get(app.url(&format!("/api/v1/organisations/{missing}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        problem(response).await;
    }
}
