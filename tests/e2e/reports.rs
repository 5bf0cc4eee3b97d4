//! Reports checked against figures counted by hand on a small fixed dataset.

use crate::support::{TestApp, problem, test_settings};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use serde_json::{Value, json};

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let response = client.post(url).json(&body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

/// Six people in the fourth quarter of 2026 (the test clock is 2 November 2026):
/// - CitésLab: H1 woman, QPV, RSA, 22, information, referred to ADIE;
///   H2 man, job seeker, 46, information → accompagnement;
///   H3 woman, RSA, 36, information → accompagnement → business created;
///   H4 met at a bus tour on 20 October (30 more counted there), sensibilisation;
///   H6 registered directly at sensibilisation, nothing else known.
/// - ADIE: H5 woman, 35, accompagnement.
pub(crate) async fn dataset(
    app: &TestApp,
) -> (reqwest::Client, reqwest::Client, reqwest::Client, i64) {
    let citeslab = app.adviser().await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let cites = app.login(&citeslab).await;
    let adie = app.login(&app.user(adie_org, Role::Adviser).await).await;
    let coordinator = app.login(&app.user(agglo, Role::Coordinator).await).await;
    let holders = app.url("/api/v1/holders");
    let h1 = post(&cites, holders.clone(), json!({"first_name": "A", "last_name": "Un", "gender": "femme", "qpv_status": "in_qpv", "situation": "rsa", "birth_date": "2004-01-01"})).await["id"].as_i64().unwrap();
    let h2 = post(&cites, holders.clone(), json!({"first_name": "B", "last_name": "Deux", "gender": "homme", "qpv_status": "not_in_qpv", "situation": "demandeur_emploi", "birth_date": "1980-01-01"})).await["id"].as_i64().unwrap();
    let h3 = post(&cites, holders.clone(), json!({"first_name": "C", "last_name": "Trois", "gender": "femme", "situation": "rsa", "birth_date": "1990-01-01"})).await["id"].as_i64().unwrap();
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{h2}/stage")),
        json!({"to": "accompagnement"}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{h3}/stage")),
        json!({"to": "accompagnement"}),
    )
    .await;
    post(&cites, app.url(&format!("/api/v1/holders/{h3}/close")), json!({"outcome": "entreprise_creee", "siret": "12002701600019", "created_on": "2026-11-01", "legal_form": "sasu"})).await;
    let event = post(
        &cites,
        app.url("/api/v1/events"),
        json!({"kind": "bus", "title": "Bus", "held_on": "2026-10-20", "headcount": {"total": 30}}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        &cites,
        app.url(&format!("/api/v1/events/{event}/attendees")),
        json!({"first_name": "D", "last_name": "Quatre", "phone": "0600000000", "consent": true}),
    )
    .await;
    post(
        &cites,
        holders.clone(),
        json!({"first_name": "F", "last_name": "Six", "stage": "sensibilisation"}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{h1}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    post(
        &cites,
        app.url("/api/v1/referrals"),
        json!({"holder_id": h1, "to_organisation_id": adie_org, "need": "Microcrédit"}),
    )
    .await;
    post(&adie, holders, json!({"first_name": "E", "last_name": "Cinq", "gender": "femme", "birth_date": "1991-06-01", "stage": "accompagnement"})).await;
    (cites, adie, coordinator, adie_org)
}

/// The hand-count tests read every figure, and they are all small: masking off
/// (threshold 1). Masking has its own test.
async fn unmasked_app() -> TestApp {
    let mut settings = test_settings();
    settings.core.small_count_threshold = 1;
    TestApp::start_with(settings).await
}

/// The body of a successful response, as text (a CSV export).
async fn body(client: &reqwest::Client, url: String) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

fn stages(report: &Value) -> Vec<(String, i64)> {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_owned(),
                s["active"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn indicator(report: &Value, code: &str) -> i64 {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()["value"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn pipeline_and_indicators_match_the_hand_count() {
    let app = unmasked_app().await;
    let (cites, _adie, coordinator, adie_org) = dataset(&app).await;

    // Coordinator, whole territory: open pathways per stage (H3 is closed).
    let territory = get(&coordinator, app.url("/api/v1/reports/pipeline")).await;
    assert_eq!(
        stages(&territory),
        [
            ("sensibilisation".into(), 2),
            ("information".into(), 1),
            ("accompagnement".into(), 2),
            ("hebergement".into(), 0)
        ]
    );
    assert_eq!(territory["from"], "2026-10-01");
    assert_eq!(territory["to"], "2027-01-01");
    // CitésLab sees its own figures only.
    let own = get(&cites, app.url("/api/v1/reports/pipeline")).await;
    assert_eq!(stages(&own)[2], ("accompagnement".into(), 1));
    // Filters.
    let women = get(
        &coordinator,
        app.url("/api/v1/reports/pipeline?gender=femme"),
    )
    .await;
    assert_eq!(
        stages(&women),
        [
            ("sensibilisation".into(), 0),
            ("information".into(), 1),
            ("accompagnement".into(), 1),
            ("hebergement".into(), 0)
        ]
    );
    let adie_only = get(
        &coordinator,
        app.url(&format!("/api/v1/reports/pipeline?organisation={adie_org}")),
    )
    .await;
    assert_eq!(stages(&adie_only)[2], ("accompagnement".into(), 1));
    let young = get(
        &coordinator,
        app.url("/api/v1/reports/pipeline?age_band=moins_26"),
    )
    .await;
    assert_eq!(stages(&young)[1], ("information".into(), 1));

    let report = get(&coordinator, app.url("/api/v1/reports/indicators")).await;
    for (code, expected) in [
        ("sensibilises", 2),
        ("touches_evenements_nommes", 1),
        ("touches_evenements_comptes", 30),
        ("informes", 3),
        ("orientes", 1),
        ("accompagnes", 3),
        ("heberges", 0),
        ("entreprises_creees", 1),
    ] {
        assert_eq!(indicator(&report, code), expected, "{code}");
    }
    // Base: the six people who entered in the period. Women H1, H3, H5; QPV H1;
    // under 26 H1; RSA H1, H3.
    let shares: Vec<(String, i64, i64)> = report["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap().to_owned(),
                s["count"].as_i64().unwrap(),
                s["base"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [
            ("part_femmes".into(), 3, 6),
            ("part_qpv".into(), 1, 6),
            ("part_moins_26".into(), 1, 6),
            ("part_rsa".into(), 2, 6)
        ]
    );
    assert!(
        report["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["definition"].as_str().unwrap().is_empty())
    );

    // Period edges: [from, to) — everything happened on 2 November (the bus on 20 October).
    let before = get(
        &coordinator,
        app.url("/api/v1/reports/indicators?from=2026-10-01&to=2026-11-02"),
    )
    .await;
    assert_eq!(
        (
            indicator(&before, "informes"),
            indicator(&before, "touches_evenements_comptes")
        ),
        (0, 30)
    );
    let on = get(
        &coordinator,
        app.url("/api/v1/reports/indicators?from=2026-11-02&to=2026-11-03"),
    )
    .await;
    assert_eq!(
        (
            indicator(&on, "informes"),
            indicator(&on, "touches_evenements_comptes")
        ),
        (3, 0)
    );
}

#[tokio::test]
async fn csv_exports_open_in_french_spreadsheets_and_mask_small_counts() {
    let mut settings = test_settings();
    settings.core.small_count_threshold = 2;
    let app = TestApp::start_with(settings).await;
    let (_cites, _adie, coordinator, _) = dataset(&app).await;
    let response = coordinator
        .get(app.url("/api/v1/reports/indicators.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("parcours-indicateurs.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Indicateur", "Nombre", "Part (%)", "Définition"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let row = |label: &str| {
        rows.iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("{label}"))
            .clone()
    };
    assert_eq!(row("Personnes informées")[1], "3");
    assert_eq!(
        row("Entreprises créées")[1],
        "< 2",
        "small counts are masked"
    );
    assert_eq!(row("Personnes hébergées")[1], "0");
    assert_eq!(
        row("Part de femmes")[1..3],
        ["3".to_owned(), "50,0".to_owned()],
        "decimal comma"
    );
    assert_eq!(row("Part de résidents QPV")[2], "< seuil");
    let pipeline = body(&coordinator, app.url("/api/v1/reports/pipeline.csv")).await;
    assert!(pipeline.contains("accompagnement;2\r\n"), "{pipeline}");
    assert!(pipeline.contains("information;< 2\r\n"), "{pipeline}");
}

#[tokio::test]
async fn who_sees_which_figures() {
    let app = TestApp::start().await;
    let (cites, _adie, coordinator, adie_org) = dataset(&app).await;
    let agglo = app
        .organisation("Agglo 2", OrganisationKind::Collectivite)
        .await;
    let admin = app.login(&app.user(agglo, Role::Admin).await).await;
    assert_eq!(
        admin
            .get(app.url("/api/v1/reports/pipeline"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        cites
            .get(app.url(&format!("/api/v1/reports/pipeline?organisation={adie_org}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        coordinator
            .get(app.url("/api/v1/reports/indicators?territory=999999"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let outside = coordinator
        .get(app.url("/api/v1/reports/pipeline?organisation=999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(outside).await["errors"][0]["field"], "organisation");
    let bad = coordinator
        .get(app.url(
            "/api/v1/reports/indicators?from=2026-12-01&to=2026-11-01&gender=x&age_band=vieux",
        ))
        .send()
        .await
        .unwrap();
    let fields: Vec<String> = problem(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["to", "gender", "age_band"]);
    // Ten years at most: a longer period is refused on `from`, before any query.
    let centuries = coordinator
        .get(app.url("/api/v1/reports/flows?from=1900-01-01&to=2026-11-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(centuries.status(), 422);
    let errors = problem(centuries).await["errors"].clone();
    assert_eq!(errors[0]["field"], "from", "{errors}");
    assert_eq!(errors[0]["message"], "la période couvre dix ans au plus");
    let ten_years = coordinator
        .get(app.url("/api/v1/reports/flows?from=2016-11-01&to=2026-11-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(ten_years.status(), 200, "ten years are one period");
    assert_eq!(
        app.anonymous()
            .get(app.url("/api/v1/reports/indicators"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // No names in any report.
    let report = coordinator
        .get(app.url("/api/v1/reports/indicators"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!report.contains("Trois") && !report.contains("Quatre"));
}

/// Two people over the quarter, with stays of known length: X is in information 10
/// days then accompagnement 20 days (closed); Y is in information 30 days. ADIE answers
/// X's referral in 3 days (accepted) and Y's in 5 (declined).
#[tokio::test]
async fn flows_referrals_and_activity_match_the_hand_count() {
    use chrono::Duration;
    let app = unmasked_app().await;
    let citeslab = app.adviser().await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie_user = app.user(adie_org, Role::Adviser).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator_user = app.user(agglo, Role::Coordinator).await;
    let cites = app.login(&citeslab).await;
    let x = post(
        &cites,
        app.url("/api/v1/holders"),
        json!({"first_name": "X", "last_name": "X"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let y = post(
        &cites,
        app.url("/api/v1/holders"),
        json!({"first_name": "Y", "last_name": "Y"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut referrals = Vec::new();
    for h in [x, y] {
        post(
            &cites,
            app.url(&format!("/api/v1/holders/{h}/consents")),
            json!({"purpose": "partage_partenaires", "given": true}),
        )
        .await;
        referrals.push(
            post(
                &cites,
                app.url("/api/v1/referrals"),
                json!({"holder_id": h, "to_organisation_id": adie_org, "need": "Financement"}),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{x}/contacts")),
        json!({"kind": "entretien"}),
    )
    .await;
    app.clock.advance(Duration::days(3));
    let adie = app.login(&adie_user).await;
    post(
        &adie,
        app.url(&format!("/api/v1/referrals/{}/accept", referrals[0])),
        json!({}),
    )
    .await;
    // ADIE logs its first meeting with X, whom it now supports.
    post(
        &adie,
        app.url(&format!("/api/v1/holders/{x}/contacts")),
        json!({"kind": "entretien"}),
    )
    .await;
    app.clock.advance(Duration::days(2));
    let adie = app.login(&adie_user).await;
    post(
        &adie,
        app.url(&format!("/api/v1/referrals/{}/decline", referrals[1])),
        json!({"reason": "capacite"}),
    )
    .await;
    app.clock.advance(Duration::days(5)); // day 10
    let cites = app.login(&citeslab).await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{x}/stage")),
        json!({"to": "accompagnement"}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{x}/contacts")),
        json!({"kind": "entretien"}),
    )
    .await;
    app.clock.advance(Duration::days(20)); // day 30: 2 December
    let cites = app.login(&citeslab).await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{x}/close")),
        json!({"outcome": "abandon"}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{y}/stage")),
        json!({"to": "accompagnement"}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{y}/contacts")),
        json!({"kind": "telephone"}),
    )
    .await;
    let coordinator = app.login(&coordinator_user).await;

    let flows = get(&coordinator, app.url("/api/v1/reports/flows")).await;
    let stage = |name: &str| {
        flows["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(flows["cohort"], 2);
    assert!(
        stage("sensibilisation")["conversion_to_next"].is_null(),
        "nobody of the cohort reached sensibilisation"
    );
    let information = stage("information");
    assert_eq!(
        (
            information["entries"].as_i64(),
            information["cohort_reached"].as_i64(),
            information["cohort_went_further"].as_i64()
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(information["conversion_to_next"], 1.0);
    assert_eq!(
        (
            information["median_days"].as_f64(),
            information["p90_days"].as_f64()
        ),
        (Some(10.0), Some(30.0))
    );
    let accompagnement = stage("accompagnement");
    assert_eq!(accompagnement["cohort_reached"], 2);
    assert_eq!(accompagnement["conversion_to_next"], 0.0);
    // X left the pathway from accompagnement.
    assert_eq!(
        accompagnement["exits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["outcome"].as_str().unwrap(), e["exits"].as_i64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect::<Vec<_>>(),
        [("abandon", 1)]
    );
    assert!(
        stage("hebergement")["conversion_to_next"].is_null(),
        "last stage"
    );
    assert_eq!(
        (
            accompagnement["median_days"].as_f64(),
            accompagnement["p90_days"].as_f64()
        ),
        (Some(20.0), Some(20.0))
    );
    let abandon = flows["exits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["outcome"] == "abandon")
        .unwrap()
        .clone();
    assert_eq!(abandon["exits"], 1);

    let stats = get(&coordinator, app.url("/api/v1/reports/referrals")).await;
    let adie_row = &stats["by_receiver"][0];
    assert_eq!(adie_row["to_organisation_id"], adie_org);
    assert_eq!(adie_row["to_organisation"], "ADIE Test");
    assert_eq!(
        (
            adie_row["sent"].as_i64(),
            adie_row["accepted"].as_i64(),
            adie_row["declined"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(adie_row["acceptance_rate"], 0.5);
    assert_eq!(adie_row["median_days_to_answer"], 3.0);
    assert_eq!(
        stats["by_pair"][0]["from_organisation_id"],
        citeslab.organisation_id
    );

    let activity_rows = |report: Value| -> Vec<(String, String, String, i64)> {
        report["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["month"].as_str().unwrap().to_owned(),
                    r["organisation"].as_str().unwrap().to_owned(),
                    r["kind"].as_str().unwrap().to_owned(),
                    r["contacts"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    // Each organisation's contacts count for it, whoever follows the person.
    let cites_name = get(
        &coordinator,
        app.url(&format!(
            "/api/v1/organisations/{}",
            citeslab.organisation_id
        )),
    )
    .await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        activity_rows(get(&coordinator, app.url("/api/v1/reports/activity")).await),
        [
            ("2026-11".into(), cites_name.clone(), "entretien".into(), 2),
            ("2026-11".into(), "ADIE Test".into(), "entretien".into(), 1),
            ("2026-12".into(), cites_name, "telephone".into(), 1)
        ]
    );
    let adie = app.login(&adie_user).await;
    assert_eq!(
        activity_rows(get(&adie, app.url("/api/v1/reports/activity")).await),
        [("2026-11".into(), "ADIE Test".into(), "entretien".into(), 1)]
    );
    for path in ["flows.csv", "referrals.csv", "activity.csv"] {
        let response = coordinator
            .get(app.url(&format!("/api/v1/reports/{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "{path}");
    }
}

/// The dataset's cohort (six people who entered on 2 November), stage by stage: where
/// the pathway leaks, and referrals narrowed to a profile.
#[tokio::test]
async fn flows_show_where_the_cohort_stops_and_referrals_follow_the_profile() {
    let app = unmasked_app().await;
    let (_cites, _adie, coordinator, adie_org) = dataset(&app).await;
    let flows = get(&coordinator, app.url("/api/v1/reports/flows")).await;
    assert_eq!(flows["cohort"], 6);
    let rows: Vec<(String, i64, i64, i64, Option<f64>)> = flows["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_owned(),
                s["entries"].as_i64().unwrap(),
                s["cohort_reached"].as_i64().unwrap(),
                s["cohort_went_further"].as_i64().unwrap(),
                s["conversion_to_next"].as_f64(),
            )
        })
        .collect();
    // H4 and H6 stay in sensibilisation; of H1, H2, H3 in information, H2 and H3 went
    // on; H5 entered accompagnement directly.
    assert_eq!(
        rows,
        [
            ("sensibilisation".into(), 2, 2, 0, Some(0.0)),
            ("information".into(), 3, 3, 2, Some(2.0 / 3.0)),
            ("accompagnement".into(), 3, 3, 0, Some(0.0)),
            ("hebergement".into(), 0, 0, 0, None),
        ]
    );
    let created: Vec<i64> = flows["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["exits"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["outcome"] == "entreprise_creee")
                .unwrap()["exits"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        created,
        [0, 0, 1, 0],
        "H3 created her business from accompagnement"
    );
    // Women only: H1, H3 and H5 (H3 went from information to accompagnement).
    let women = get(&coordinator, app.url("/api/v1/reports/flows?gender=femme")).await;
    assert_eq!(women["cohort"], 3);
    assert_eq!(women["stages"][1]["cohort_went_further"], 1);

    // H1's referral to ADIE: a woman, under 26.
    let pairs = |report: Value| report["by_pair"].as_array().unwrap().len();
    assert_eq!(
        pairs(
            get(
                &coordinator,
                app.url("/api/v1/reports/referrals?gender=femme&age_band=moins_26")
            )
            .await
        ),
        1
    );
    assert_eq!(
        pairs(
            get(
                &coordinator,
                app.url("/api/v1/reports/referrals?gender=homme")
            )
            .await
        ),
        0
    );
    // ADIE sees the referral it received, from its side.
    let adie = app.login(&app.user(adie_org, Role::OrgAdmin).await).await;
    let received = get(&adie, app.url("/api/v1/reports/referrals")).await;
    assert_eq!(received["by_receiver"][0]["to_organisation_id"], adie_org);
    assert_eq!(received["by_receiver"][0]["sent"], 1);
}

/// The rows of a CSV export (BOM, `;`), header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Narrowed to women (H1, H3, H5: three people), every count of people is from 1 to 4
/// or 0: the JSON of every report gives `null` where its CSV reads "< 5" — with the
/// default threshold of 5 — and zero as zero. Rates and shares computed from a masked
/// count are hidden too.
#[tokio::test]
async fn small_counts_are_masked_in_the_json_as_in_the_csv_of_every_report() {
    let app = TestApp::start().await;
    let (_cites, _adie, coordinator, _adie_org) = dataset(&app).await;
    let women = |report: &str| app.url(&format!("/api/v1/reports/{report}?gender=femme"));

    let pipeline = get(&coordinator, women("pipeline")).await;
    assert_eq!(pipeline["masked_below"], 5);
    let active: Vec<Value> = pipeline["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["active"].clone())
        .collect();
    // H1 in information, H5 in accompagnement (H3 closed).
    assert_eq!(active, [json!(0), Value::Null, Value::Null, json!(0)]);
    let csv = body(&coordinator, women("pipeline.csv")).await;
    assert!(csv.contains("information;< 5\r\n"), "{csv}");
    assert!(csv.contains("sensibilisation;0\r\n"), "{csv}");

    let flows = get(&coordinator, women("flows")).await;
    assert_eq!(flows["masked_below"], 5);
    assert!(flows["cohort"].is_null(), "{flows}");
    let information = &flows["stages"][1];
    for field in ["entries", "cohort_reached", "cohort_went_further"] {
        assert!(information[field].is_null(), "{field}: {information}");
    }
    assert!(
        information["conversion_to_next"].is_null(),
        "1 of 2 would give the masked counts away: {information}"
    );
    assert!(
        information.get("dropouts").is_none(),
        "the CSV's column is not in the JSON"
    );
    let created = |exits: &Value| {
        exits
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["outcome"] == "entreprise_creee")
            .unwrap()["exits"]
            .clone()
    };
    assert!(created(&flows["stages"][2]["exits"]).is_null());
    assert!(created(&flows["exits"]).is_null());
    assert_eq!(flows["stages"][3]["entries"], 0);
    let rows = csv_rows(&body(&coordinator, women("flows.csv")).await);
    assert_eq!(
        rows[2][..6],
        ["information", "< 5", "< 5", "< 5", "< seuil", "0"]
    );
    assert_eq!(rows[5][..2], ["sorties : entreprise_creee", "< 5"]);

    let indicators = get(&coordinator, women("indicators")).await;
    assert_eq!(indicators["masked_below"], 5);
    let value = |code: &str| {
        indicators["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .unwrap()["value"]
            .clone()
    };
    // Informed: H1 and H3; supported: H3 and H5; referred: H1; created: H3.
    for code in ["informes", "accompagnes", "orientes", "entreprises_creees"] {
        assert!(value(code).is_null(), "{code}: {}", value(code));
    }
    assert_eq!(value("heberges"), 0);
    // Thirty counted at the bus: not a profile figure, and not small.
    assert_eq!(value("touches_evenements_comptes"), 30);
    let women_share = &indicators["shares"][0];
    assert_eq!(women_share["code"], "part_femmes");
    for field in ["count", "base", "share"] {
        assert!(women_share[field].is_null(), "{field}: {women_share}");
    }
    assert!(
        women_share["definition"]
            .as_str()
            .unwrap()
            .contains("(< 5)"),
        "{women_share}"
    );
    let rows = csv_rows(&body(&coordinator, women("indicators.csv")).await);
    let row = |label: &str| rows.iter().find(|r| r[0] == label).unwrap().clone();
    assert_eq!(row("Personnes informées")[1], "< 5");
    assert_eq!(row("Part de femmes")[1..3], ["< 5", "< seuil"]);
    assert!(
        !row("Part de femmes")[3].contains("(3)"),
        "the base is masked"
    );

    let referrals = get(&coordinator, women("referrals")).await;
    assert_eq!(referrals["masked_below"], 5);
    for row in [&referrals["by_receiver"][0], &referrals["by_pair"][0]] {
        assert!(row["sent"].is_null(), "{row}");
        assert_eq!(row["accepted"], 0, "{row}");
        assert!(row["acceptance_rate"].is_null(), "{row}");
    }
    let rows = csv_rows(&body(&coordinator, women("referrals.csv")).await);
    assert_eq!(rows[1][1..4], ["ADIE Test", "< 5", "0"]);
    assert_eq!(
        rows[0][10..],
        [
            "Déclinées : hors périmètre",
            "Déclinées : public non éligible",
            "Déclinées : personne injoignable",
            "Déclinées : capacité atteinte",
            "Déclinées : autre raison",
        ],
        "the reasons' columns"
    );

    // H4, met at the bus, is the one named attendee (of no known gender: unfiltered).
    let activity = get(&coordinator, app.url("/api/v1/reports/activity")).await;
    assert_eq!(activity["masked_below"], 5);
    assert!(activity["event_attendees_named"].is_null(), "{activity}");
    assert_eq!(activity["event_headcount"], 30);
    let csv = body(&coordinator, app.url("/api/v1/reports/activity.csv")).await;
    assert!(
        csv.contains("participants nommés aux actions collectives;< 5\r\n"),
        "{csv}"
    );
}

/// Median and 90th percentile are nearest-rank values (the value at rank ⌈q·n⌉ of the
/// sorted stays), per stage, computed by the database. Information: ten stays of 1 to
/// 10 days and three of 0 days (people moved on at once), 13 stays: ranks 7 and 12,
/// 4 and 9 days. Accompagnement: 2, 4 and 40 days: ranks 2 and 3, 4 and 40 days.
/// Stays that ended before the period do not count.
#[tokio::test]
async fn durations_are_nearest_rank_quantiles_of_the_stays_ended_in_the_period() {
    use chrono::Duration;
    use parcours_core::holders::{self, CloseInput, HolderInput, StageInput};
    use parcours_domain::pathway::Stage;
    use parcours_persistence::reports::{self, Scope};
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let (core, actor) = (&app.state.core, adviser.actor());
    let conn = app.db.conn();
    let start = crate::support::t0();
    // History at past dates goes through the use cases, each at its own `now`.
    let register = |n: usize, at| {
        let actor = actor.clone();
        async move {
            // Names have no digits: n in letters.
            let letters: String = n
                .to_string()
                .bytes()
                .map(|d| char::from(b'a' + d - b'0'))
                .collect();
            let input = HolderInput {
                first_name: Some(format!("P{letters}")),
                last_name: Some("Test".into()),
                ..HolderInput::default()
            };
            holders::register(core, &actor, input, at)
                .await
                .unwrap()
                .holder
                .id
        }
    };
    let to = |stage: Stage| StageInput {
        to: stage.as_str().into(),
        reason: None,
    };
    for days in 1..=10 {
        let id = register(days as usize, start).await;
        holders::move_stage(
            core,
            &actor,
            id,
            to(Stage::Accompagnement),
            start + Duration::days(days),
        )
        .await
        .unwrap();
    }
    for (n, days) in [2, 4, 40].into_iter().enumerate() {
        let id = register(100 + n, start).await;
        holders::move_stage(core, &actor, id, to(Stage::Accompagnement), start)
            .await
            .unwrap();
        let close = CloseInput {
            outcome: "abandon".into(),
            ..CloseInput::default()
        };
        holders::close(core, &actor, id, close, start + Duration::days(days))
            .await
            .unwrap();
    }
    // A stay that ended the day before the period.
    let id = register(200, start - Duration::days(30)).await;
    holders::move_stage(
        core,
        &actor,
        id,
        to(Stage::Accompagnement),
        start - Duration::days(1),
    )
    .await
    .unwrap();

    let scope = Scope {
        organisation_ids: vec![adviser.organisation_id],
        from: start.date_naive(),
        to: (start + Duration::days(60)).date_naive(),
        qpv_code: None,
        gender: None,
        age_band: None,
        situation: None,
    };
    let mut durations = reports::flows(conn, &scope).await.unwrap().durations;
    durations.sort_by_key(|d| d.0);
    let rounded = |d: Option<f64>| d.map(|d| (d * 1000.0).round() / 1000.0);
    assert_eq!(
        durations
            .into_iter()
            .map(|(stage, median, p90)| (stage, rounded(median), rounded(p90)))
            .collect::<Vec<_>>(),
        [
            (Stage::Information, Some(4.0), Some(9.0)),
            (Stage::Accompagnement, Some(4.0), Some(40.0)),
        ]
    );
}

/// Whether a spreadsheet would run a cell as a formula.
fn runs_as_formula(cell: &str) -> bool {
    cell.trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Organisations named like formulas: in every CSV export their names start with a
/// `'`, so a spreadsheet shows them as text and runs nothing; the JSON keeps them as
/// they are.
#[tokio::test]
async fn names_a_spreadsheet_would_run_are_neutralised_in_every_csv() {
    let app = TestApp::start().await;
    let hyperlink = r#"=HYPERLINK("http://x","y")"#;
    let sender = app
        .organisation(hyperlink, OrganisationKind::Citeslab)
        .await;
    let receiver = app.organisation("@SUM(1)", OrganisationKind::Adie).await;
    let plus = app.organisation("+1", OrganisationKind::Bge).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let cites = app.login(&app.user(sender, Role::Adviser).await).await;
    let bge = app.login(&app.user(plus, Role::Adviser).await).await;
    let coordinator = app.login(&app.user(agglo, Role::Coordinator).await).await;
    let holders = app.url("/api/v1/holders");
    let h1 = post(
        &cites,
        holders.clone(),
        json!({"first_name": "A", "last_name": "Un"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{h1}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    post(
        &cites,
        app.url("/api/v1/referrals"),
        json!({"holder_id": h1, "to_organisation_id": receiver, "need": "Microcrédit"}),
    )
    .await;
    post(
        &cites,
        app.url(&format!("/api/v1/holders/{h1}/contacts")),
        json!({"kind": "entretien"}),
    )
    .await;
    let h2 = post(
        &bge,
        holders,
        json!({"first_name": "B", "last_name": "Deux"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        &bge,
        app.url(&format!("/api/v1/holders/{h2}/contacts")),
        json!({"kind": "telephone"}),
    )
    .await;

    let mut cells = Vec::new();
    for (client, report, label) in [
        (&coordinator, "pipeline", "pipeline"),
        (&coordinator, "flows", "flows"),
        (&coordinator, "indicators", "indicators"),
        (&coordinator, "referrals", "referrals"),
        (&coordinator, "activity", "activity"),
        (&cites, "activity", "own activity"),
    ] {
        let text = body(client, app.url(&format!("/api/v1/reports/{report}.csv"))).await;
        let rows = csv_rows(&text);
        let live: Vec<&String> = rows
            .iter()
            .flatten()
            .filter(|c| runs_as_formula(c))
            .collect();
        assert!(live.is_empty(), "{label}: {live:?}");
        cells.extend(rows.into_iter().flatten().map(|c| (label, c)));
    }
    let has = |report: &str, cell: &str| cells.iter().any(|(r, c)| *r == report && c == cell);
    let neutralised = format!("'{hyperlink}");
    assert!(has("referrals", &neutralised), "the sender");
    assert!(has("referrals", "'@SUM(1)"), "the receiver");
    assert!(has("activity", &neutralised), "contacts of the sender");
    assert!(has("activity", "'+1"), "contacts of the BGE");
    // The adviser's own activity names its organisation on its contact row, and as the
    // report's scope on the two event rows.
    assert_eq!(
        cells
            .iter()
            .filter(|(r, c)| *r == "own activity" && *c == neutralised)
            .count(),
        3
    );

    let json = get(&coordinator, app.url("/api/v1/reports/referrals")).await;
    assert_eq!(json["by_pair"][0]["from_organisation"], hyperlink);
    assert_eq!(json["by_pair"][0]["to_organisation"], "@SUM(1)");
}
