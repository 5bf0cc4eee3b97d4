//! « Tableau de bord » without JavaScript: the figures of each block against the hand
//! count of `reports::dataset`, the JSON and the CSV the block links to; the filters
//! and presets in the address; the comparison with the period before; masking the
//! same in page, JSON and CSV; nothing personal within a coordinator's reach.

use crate::reports::dataset;
use crate::support::{TestApp, test_settings};
use chrono::{TimeZone, Utc};
use parcours_domain::labels::Label;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::pathway::Outcome;
use parcours_domain::users::Role;
use serde_json::{Value, json};

/// The app with masking off (threshold 1) or at `threshold`.
async fn app_with(threshold: i64) -> TestApp {
    let mut settings = test_settings();
    settings.core.small_count_threshold = threshold;
    TestApp::start_with(settings).await
}

/// Two people registered by the CitésLab on 10 August 2026 — the quarter before the
/// dataset's (which is all on 2 November 2026, the bus on 20 October): a woman and a
/// man, both at information.
async fn earlier_quarter(app: &TestApp, cites: &reqwest::Client) {
    let now = app.clock.now();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 8, 10, 9, 0, 0).unwrap());
    for (first, gender) in [("G", "femme"), ("H", "homme")] {
        let response = cites
            .post(app.url("/api/v1/holders"))
            .json(&json!({"first_name": first, "last_name": "Avant", "gender": gender, "birth_date": "1985-05-05"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    app.clock.set(now);
}

struct Page {
    status: u16,
    body: String,
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> Page {
    let response = client.get(app.url(path)).send().await.unwrap();
    Page {
        status: response.status().as_u16(),
        body: response.text().await.unwrap(),
    }
}

async fn json_of(client: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// A text without its tags, entities read back, spaces as one.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
        .replace('\u{202f}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// HTML's entities read back (askama writes `&#60;`, the charts `&lt;`).
fn unescape(html: &str) -> String {
    let mut out = html.to_owned();
    for (entity, c) in [
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&#39;", "'"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&amp;", "&"),
        ("&#38;", "&"),
    ] {
        out = out.replace(entity, c);
    }
    out
}

/// The rows of the table `id` of the page: each row's heading cell, then its cells,
/// as shown.
fn table(body: &str, id: &str) -> Vec<Vec<String>> {
    let start = body
        .find(&format!("<table class=\"figures\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no table {id}"));
    let rest = &body[start..];
    let end = rest.find("</table>").unwrap();
    let tbody = &rest[rest.find("<tbody>").unwrap()..end];
    tbody
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|cell| cell.starts_with('h') || cell.starts_with('d'))
                .map(|cell| text(&format!("<t{cell}")))
                .collect()
        })
        .collect()
}

/// The row of `table` headed `label`.
fn row<'a>(rows: &'a [Vec<String>], label: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == label)
        .unwrap_or_else(|| panic!("no row {label} in {rows:?}"))
}

/// A figure without its change: « 3 (+1) » reads 3.
fn figure(cell: &str) -> &str {
    cell.split(" (").next().unwrap()
}

/// A figure's change: « 3 (+1) » reads +1.
fn change(cell: &str) -> &str {
    cell.split(" (")
        .nth(1)
        .map(|c| c.trim_end_matches(')'))
        .unwrap_or_else(|| panic!("no change in {cell}"))
}

/// The links of the page.
fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .map(|rest| unescape(&rest[..rest.find('"').unwrap()]))
        .collect()
}

/// The rows of a CSV (BOM, `;`), header first.
async fn csv_rows(client: &reqwest::Client, app: &TestApp, href: &str) -> Vec<Vec<String>> {
    let response = client.get(app.url(href)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{href}");
    let bytes = response.bytes().await.unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn csv_row<'a>(rows: &'a [Vec<String>], label: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == label)
        .unwrap_or_else(|| panic!("no CSV row {label} in {rows:?}"))
}

/// A number with one decimal and a decimal comma, as pages and CSV write it.
fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// A duration as the page writes it: « 3,0 j », or « — ».
fn days_text(value: Option<f64>) -> String {
    value.map_or("—".into(), |d| format!("{} j", decimal(d)))
}

/// The CSV links of a block, the period's then the period before's.
fn csv_links(body: &str, report: &str) -> Vec<String> {
    links(body)
        .into_iter()
        .filter(|l| l.starts_with(&format!("/api/v1/reports/{report}.csv?")))
        .collect()
}

#[tokio::test]
async fn each_figure_is_the_hand_count_the_json_and_the_csv() {
    let app = app_with(1).await;
    let (cites, _adie, coordinator, _adie_org) = dataset(&app).await;
    earlier_quarter(&app, &cites).await;
    let page = page(&coordinator, &app, "/tableau-de-bord").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("<title>Tableau de bord — Parcours</title>"));
    assert!(body.contains("aria-current=\"page\">Tableau de bord</a>"));
    assert!(
        text(body).contains("du 1er octobre 2026 au 31 décembre 2026"),
        "the current quarter by default"
    );
    assert!(
        text(body).contains("du 1er juillet 2026 au 30 septembre 2026"),
        "compared with the quarter before"
    );

    // The pipeline now: H3 closed; G and H in information since August.
    let pipeline = table(body, "tableau-pipeline");
    let shown: Vec<(&str, &str)> = pipeline
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("Sensibilisation", "2"),
            ("Information", "3"),
            ("Accompagnement", "2"),
            ("Hébergement", "0")
        ]
    );
    let json = json_of(&coordinator, &app, "/api/v1/reports/pipeline").await;
    for (i, stage) in json["stages"].as_array().unwrap().iter().enumerate() {
        assert_eq!(pipeline[i][1], stage["active"].to_string());
    }
    let csv = csv_rows(&coordinator, &app, &csv_links(body, "pipeline")[0]).await;
    assert_eq!(csv_row(&csv, "information")[1], "3");

    // Funder indicators: the quarter, the quarter before (G and H informed), the change.
    let indicators = table(body, "tableau-indicateurs");
    for (label, now, before, delta) in [
        ("Personnes sensibilisées (suivies)", "2", "0", "+2"),
        (
            "Participants nommés aux actions collectives",
            "1",
            "0",
            "+1",
        ),
        ("Participants comptés (anonymes)", "30", "0", "+30"),
        ("Personnes informées", "3", "2", "+1"),
        ("Personnes orientées", "1", "0", "+1"),
        ("Personnes accompagnées", "3", "0", "+3"),
        ("Personnes hébergées", "0", "0", "0"),
        ("Entreprises créées", "1", "0", "+1"),
    ] {
        assert_eq!(
            row(&indicators, label)[1..],
            [now.to_owned(), before.to_owned(), delta.to_owned()],
            "{label}"
        );
    }
    let json = json_of(&coordinator, &app, "/api/v1/reports/indicators").await;
    let before_json = json_of(
        &coordinator,
        &app,
        "/api/v1/reports/indicators?from=2026-07-01&to=2026-10-01",
    )
    .await;
    let [now_csv, before_csv] = <[String; 2]>::try_from(csv_links(body, "indicators")).unwrap();
    assert!(
        before_csv.contains("from=2026-07-01&to=2026-10-01"),
        "{before_csv}"
    );
    let now_csv = csv_rows(&coordinator, &app, &now_csv).await;
    let before_csv = csv_rows(&coordinator, &app, &before_csv).await;
    for (i, indicator) in json["indicators"].as_array().unwrap().iter().enumerate() {
        let label = indicator["label"].as_str().unwrap();
        let shown = row(&indicators, label);
        assert_eq!(shown[1], indicator["value"].to_string(), "{label}");
        assert_eq!(
            shown[2],
            before_json["indicators"][i]["value"].to_string(),
            "{label}"
        );
        assert_eq!(shown[1], csv_row(&now_csv, label)[1], "{label}");
        assert_eq!(shown[2], csv_row(&before_csv, label)[1], "{label}");
        assert!(
            text(body).contains(indicator["definition"].as_str().unwrap()),
            "the definition of {label}"
        );
    }
    // Definitions are read by people: the domain's words in French, not its codes.
    let shown = text(body);
    for code in ["entreprise_creee", "in_qpv", "est rsa", "genre femme"] {
        assert!(!shown.contains(code), "« {code} » in a definition");
    }
    assert!(shown.contains("Personnes dont la situation est « Bénéficiaire du RSA »."));
    // Shares of the newcomers: 3 women of 6 now, 1 of 2 before.
    let shares = table(body, "tableau-parts");
    assert_eq!(
        row(&shares, "Part de femmes")[1..],
        ["3", "6", "50,0 %", "50,0 %", "0 pts"].map(str::to_owned)
    );
    assert_eq!(csv_row(&now_csv, "Part de femmes")[2], "50,0");

    // Flows: the cohort of six; the quarter before, G and H entered information.
    let flows = table(body, "tableau-flux");
    let information = row(&flows, "Information");
    assert_eq!(
        (figure(&information[1]), change(&information[1])),
        ("3", "+1")
    );
    let json = json_of(&coordinator, &app, "/api/v1/reports/flows").await;
    let flows_csv = csv_rows(&coordinator, &app, &csv_links(body, "flows")[0]).await;
    for (i, stage) in json["stages"].as_array().unwrap().iter().enumerate() {
        let shown = &flows[i];
        let csv = csv_row(&flows_csv, stage["stage"].as_str().unwrap());
        for (column, field) in [
            (1, "entries"),
            (2, "cohort_reached"),
            (3, "cohort_went_further"),
        ] {
            assert_eq!(figure(&shown[column]), stage[field].to_string(), "{field}");
            assert_eq!(figure(&shown[column]), csv[column], "{field}");
        }
    }
    assert!(text(body).contains(
        "Cohorte : 6 personnes entrées dans le parcours pendant la période (période précédente : 2)"
    ));
    // Durations and exits, stage by stage and outcome by outcome: the page, the JSON
    // and the CSV write the same figures. H3's business, created from accompagnement.
    let exits = table(body, "tableau-sorties");
    assert_eq!(figure(&row(&exits, "Entreprise créée")[1]), "1");
    for (i, stage) in json["stages"].as_array().unwrap().iter().enumerate() {
        let csv = csv_row(&flows_csv, stage["stage"].as_str().unwrap());
        for (column, csv_column, field) in [(5, 6, "median_days"), (6, 7, "p90_days")] {
            let value = stage[field].as_f64();
            assert_eq!(figure(&flows[i][column]), days_text(value), "{field}");
            assert_eq!(csv[csv_column], value.map(decimal).unwrap_or_default());
        }
        let mut dropouts = 0;
        for exit in stage["exits"].as_array().unwrap() {
            let outcome: Outcome = exit["outcome"].as_str().unwrap().parse().unwrap();
            let n = exit["exits"].as_i64().unwrap();
            assert_eq!(row(&exits, outcome.label())[2 + i], n.to_string());
            if outcome.is_dropout() {
                dropouts += n;
            }
        }
        assert_eq!(csv[5], dropouts.to_string(), "dropouts");
    }
    for exit in json["exits"].as_array().unwrap() {
        let outcome: Outcome = exit["outcome"].as_str().unwrap().parse().unwrap();
        let n = exit["exits"].to_string();
        assert_eq!(figure(&row(&exits, outcome.label())[1]), n);
        assert_eq!(csv_row(&flows_csv, &format!("sorties : {outcome}"))[1], n);
    }

    // Referrals: one from the CitésLab to the ADIE, none before.
    let receivers = table(body, "tableau-orientations");
    assert_eq!(receivers.len(), 1);
    assert_eq!(receivers[0][0], "ADIE Test");
    assert_eq!(
        (figure(&receivers[0][1]), change(&receivers[0][1])),
        ("1", "+1")
    );
    let pairs = table(body, "tableau-paires");
    assert_eq!(pairs[0][0], "CitésLab Test → ADIE Test");
    let csv = csv_rows(&coordinator, &app, &csv_links(body, "referrals")[0]).await;
    assert_eq!(csv_row(&csv, "(toutes)")[2], figure(&receivers[0][1]));
    assert_eq!(csv_row(&csv, "CitésLab Test")[2], figure(&pairs[0][1]));
    // Every count, the acceptance rate, the median delay and the declines by reason,
    // receiver by receiver: page, JSON and CSV alike.
    let json = json_of(&coordinator, &app, "/api/v1/reports/referrals").await;
    let refusals = table(body, "tableau-refus");
    let counts = [
        "sent",
        "accepted",
        "declined",
        "expired",
        "withdrawn",
        "completed",
    ];
    for receiver in json["by_receiver"].as_array().unwrap() {
        let name = receiver["to_organisation"].as_str().unwrap();
        let shown = row(&receivers, name);
        let csv = csv
            .iter()
            .find(|r| r[0] == "(toutes)" && r[1] == name)
            .unwrap();
        for (i, field) in counts.iter().enumerate() {
            assert_eq!(
                figure(&shown[1 + i]),
                receiver[field].to_string(),
                "{field}"
            );
            assert_eq!(csv[2 + i], receiver[field].to_string(), "{field}");
        }
        let rate = receiver["acceptance_rate"].as_f64();
        assert_eq!(
            figure(&shown[7]),
            rate.map_or("—".into(), |r| format!("{} %", decimal(r * 100.0)))
        );
        assert_eq!(csv[8], rate.map(|r| decimal(r * 100.0)).unwrap_or_default());
        let median = receiver["median_days_to_answer"].as_f64();
        assert_eq!(figure(&shown[8]), days_text(median));
        assert_eq!(csv[9], median.map(decimal).unwrap_or_default());
        for (x, reason) in receiver["declined_by_reason"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let n = reason["declined"].to_string();
            assert_eq!(figure(&row(&refusals, name)[1 + x]), n);
            assert_eq!(csv[10 + x], n);
        }
    }
    assert_eq!(
        figure(&row(&receivers, "ADIE Test")[2]),
        "0",
        "the ADIE has not answered"
    );

    // Activity: the bus's head-count and its named attendee.
    let events = table(body, "tableau-actions");
    assert_eq!(
        figure(&row(&events, "Participants comptés (anonymes)")[1]),
        "30"
    );
    let json = json_of(&coordinator, &app, "/api/v1/reports/activity").await;
    assert_eq!(json["event_headcount"], 30);
    // Contacts month by month: the page, the JSON and the CSV's totals.
    let months = table(body, "tableau-mois");
    let activity_csv = csv_rows(&coordinator, &app, &csv_links(body, "activity")[0]).await;
    let by_month = json["contacts_by_month"].as_array().unwrap();
    assert_eq!(months.len(), by_month.len());
    for (shown, month) in months.iter().zip(by_month) {
        let word = month["month"].as_str().unwrap();
        let first = chrono::NaiveDate::parse_from_str(&format!("{word}-01"), "%Y-%m-%d").unwrap();
        assert!(
            shown[0].ends_with(&first.format(" %Y").to_string()),
            "{shown:?}"
        );
        assert_eq!(shown[1], month["contacts"].to_string(), "{word}");
        let total = activity_csv
            .iter()
            .find(|r| r[0] == word && r[1] == "(toutes)")
            .unwrap_or_else(|| panic!("no total for {word} in {activity_csv:?}"));
        assert_eq!(total[3], month["contacts"].to_string(), "{word}");
    }
    // Coordinators see the queue of unanswered referrals (none overdue on day one).
    assert!(body.contains("id=\"tableau-relances\""));
    assert!(text(body).contains("Aucune orientation en retard de réponse."));
    let queue = csv_rows(&coordinator, &app, "/api/v1/referrals/overdue.csv").await;
    assert_eq!(queue.len(), 1, "the header only: {queue:?}");
    assert!(links(body).contains(&"/api/v1/referrals/overdue.csv".to_owned()));
    // Every chart is drawn on the server, titled, with its figures.
    assert_eq!(body.matches("<svg class=\"chart\"").count(), 6);
    assert!(
        body.contains("<title id=\"graphique-pipeline-titre\">Parcours ouverts par étape</title>")
    );
}

#[tokio::test]
async fn filters_and_presets_stay_in_the_address_and_change_the_figures() {
    let app = app_with(1).await;
    let (cites, _adie, coordinator, adie_org) = dataset(&app).await;
    earlier_quarter(&app, &cites).await;
    let informed =
        |body: &str| row(&table(body, "tableau-indicateurs"), "Personnes informées")[1..].to_vec();

    // The quarter before: G and H; compared with the third quarter before (nobody).
    let before = page(
        &coordinator,
        &app,
        "/tableau-de-bord?periode=trimestre_precedent",
    )
    .await;
    assert_eq!(before.status, 200);
    assert_eq!(informed(&before.body), ["2", "0", "+2"]);
    assert!(text(&before.body).contains("du 1er juillet 2026 au 30 septembre 2026"));
    assert!(
        before
            .body
            .contains("<option value=\"trimestre_precedent\" selected>")
    );
    // The calendar year and the last twelve months hold all five informed people.
    for preset in ["annee", "douze_mois"] {
        let year = page(
            &coordinator,
            &app,
            &format!("/tableau-de-bord?periode={preset}"),
        )
        .await;
        assert_eq!(year.status, 200, "{preset}: {}", text(&year.body));
        assert_eq!(informed(&year.body)[0], "5", "{preset}");
    }
    let twelve = page(&coordinator, &app, "/tableau-de-bord?periode=douze_mois").await;
    assert!(text(&twelve.body).contains("du 3 novembre 2025 au 2 novembre 2026"));
    // Dates, the last day included: 2 November alone; the day before is 1 November.
    let day = page(
        &coordinator,
        &app,
        "/tableau-de-bord?periode=dates&du=2026-11-02&au=2026-11-02",
    )
    .await;
    assert_eq!(day.status, 200, "{}", text(&day.body));
    assert_eq!(informed(&day.body), ["3", "0", "+3"]);
    assert!(
        day.body.contains("value=\"2026-11-02\""),
        "the dates stay in the form"
    );
    assert!(
        csv_links(&day.body, "indicators")[0].contains("from=2026-11-02&to=2026-11-03"),
        "the CSV covers the same days"
    );
    // Profile filters: women (H1, H3 in the quarter; G before); one organisation.
    let women = page(&coordinator, &app, "/tableau-de-bord?gender=femme").await;
    assert_eq!(informed(&women.body), ["2", "1", "+1"]);
    assert!(women.body.contains("<option value=\"femme\" selected>"));
    assert!(text(&women.body).contains("genre : femme"));
    let link = &csv_links(&women.body, "indicators")[0];
    assert!(link.contains("gender=femme"), "{link}");
    let adie = page(
        &coordinator,
        &app,
        &format!("/tableau-de-bord?organisation={adie_org}"),
    )
    .await;
    assert_eq!(informed(&adie.body), ["0", "0", "0"]);
    assert_eq!(
        row(
            &table(&adie.body, "tableau-indicateurs"),
            "Personnes accompagnées"
        )[1],
        "1"
    );
    let young = page(
        &coordinator,
        &app,
        "/tableau-de-bord?age_band=moins_26&situation=rsa",
    )
    .await;
    assert_eq!(informed(&young.body)[0], "1", "H1");
    // The link to the period before keeps the filters.
    assert!(links(&women.body).contains(
        &"/tableau-de-bord?periode=dates&du=2026-07-01&au=2026-09-30&gender=femme".to_owned()
    ));

    // What cannot be read is said on the form, field by field, never a 500.
    for (query, field, words) in [
        ("periode=semaine", "periode", "Période :"),
        ("periode=dates&du=2026-13-01&au=2026-12-31", "du", "Du :"),
        ("periode=dates&du=2026-10-01", "au", "Au :"),
        ("periode=dates&du=2026-12-01&au=2026-10-01", "au", "Au :"),
        ("periode=dates&du=2010-01-01&au=2026-12-31", "du", "Du :"),
        ("gender=robot", "gender", "Genre :"),
        ("age_band=vieux", "age_band", "Âge :"),
        ("qpv=%3Cb%3E", "qpv", "Quartier :"),
        ("organisation=abc", "organisation", "Structure :"),
        ("organisation=999999", "organisation", "Structure :"),
    ] {
        let answer = page(&coordinator, &app, &format!("/tableau-de-bord?{query}")).await;
        assert_eq!(answer.status, 422, "{query}");
        assert!(
            answer.body.contains(&format!("href=\"#champ-{field}\"")),
            "{query}"
        );
        assert!(
            text(&answer.body).contains(words),
            "{query}: {}",
            text(&answer.body)
        );
        assert!(
            answer.body.contains(&format!("id=\"erreur-{field}\"")),
            "{query}"
        );
        assert!(
            !answer.body.contains("tableau-indicateurs"),
            "no figures under a refused filter"
        );
    }
    // A missing first day is said once, in the page's words: not also « Au : doit
    // suivre from » (the first day defaulting to the quarter's).
    let answer = page(
        &coordinator,
        &app,
        "/tableau-de-bord?periode=dates&du=&au=2026-01-15",
    )
    .await;
    assert_eq!(answer.status, 422);
    let shown = text(&answer.body);
    assert!(shown.contains("Il y a 1 erreur"), "{shown}");
    assert!(
        shown.contains("indiquez le premier jour (AAAA-MM-JJ)"),
        "{shown}"
    );
    assert!(!answer.body.contains("id=\"erreur-au\""), "{shown}");
    assert!(!shown.contains("from"), "{shown}");
}

/// Masked at 5 (the default): a small count reads « < 5 » in the page as in the CSV,
/// and is `null` in the JSON; its change is not shown either (2 now, 0 before: « +2 »
/// would give it away), nor a rate computed from it.
#[tokio::test]
async fn a_masked_count_stays_masked_in_page_json_and_csv_even_by_subtraction() {
    let app = app_with(5).await;
    let (cites, _adie, coordinator, adie_org) = dataset(&app).await;
    earlier_quarter(&app, &cites).await;
    let page = page(&coordinator, &app, "/tableau-de-bord").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    let indicators = table(body, "tableau-indicateurs");
    let json = json_of(&coordinator, &app, "/api/v1/reports/indicators").await;
    let csv = csv_rows(&coordinator, &app, &csv_links(body, "indicators")[0]).await;
    for (label, code) in [
        ("Personnes sensibilisées (suivies)", "sensibilises"),
        ("Personnes informées", "informes"),
        ("Entreprises créées", "entreprises_creees"),
    ] {
        let shown = row(&indicators, label);
        assert_eq!(shown[1], "< 5", "{label}");
        assert_eq!(
            shown[3], "—",
            "{label}: no change from or to a masked count"
        );
        let value = json["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .unwrap();
        assert_eq!(value["value"], Value::Null, "{code}");
        assert_eq!(csv_row(&csv, label)[1], "< 5", "{label}");
    }
    let headcount = row(&indicators, "Participants comptés (anonymes)");
    assert_eq!(headcount[1..], ["30", "0", "+30"].map(str::to_owned));
    let hosted = row(&indicators, "Personnes hébergées");
    assert_eq!(
        hosted[1..],
        ["0", "0", "0"].map(str::to_owned),
        "zero is shown"
    );
    // Shares: 3 women of 6 newcomers — the count masked, so no share.
    let shares = table(body, "tableau-parts");
    assert_eq!(
        row(&shares, "Part de femmes")[1..4],
        ["< 5", "6", "< seuil"].map(str::to_owned)
    );
    assert_eq!(csv_row(&csv, "Part de femmes")[2], "< seuil");
    // The pipeline and the flows: every small count masked the same way.
    let pipeline = table(body, "tableau-pipeline");
    let json = json_of(&coordinator, &app, "/api/v1/reports/pipeline").await;
    let csv = csv_rows(&coordinator, &app, &csv_links(body, "pipeline")[0]).await;
    for (i, stage) in json["stages"].as_array().unwrap().iter().enumerate() {
        let masked = stage["active"].is_null();
        assert_eq!(pipeline[i][1] == "< 5", masked);
        assert_eq!(
            csv_row(&csv, stage["stage"].as_str().unwrap())[1] == "< 5",
            masked
        );
    }
    let flows = table(body, "tableau-flux");
    let information = row(&flows, "Information");
    assert_eq!(information[1], "< 5 (—)");
    // A share whose base is masked is not shown: the ADIE's one newcomer, not in a QPV.
    let adie = self::page(
        &coordinator,
        &app,
        &format!("/tableau-de-bord?organisation={adie_org}"),
    )
    .await;
    let qpv = row(&table(&adie.body, "tableau-parts"), "Part de résidents QPV").to_vec();
    assert_eq!(qpv[1..4], ["0", "< 5", "< seuil"].map(str::to_owned));
    let json = json_of(
        &coordinator,
        &app,
        &format!("/api/v1/reports/indicators?organisation={adie_org}"),
    )
    .await;
    assert_eq!(
        json["shares"][1]["share"],
        Value::Null,
        "{}",
        json["shares"][1]
    );
    let csv = csv_rows(&coordinator, &app, &csv_links(&adie.body, "indicators")[0]).await;
    assert_eq!(csv_row(&csv, "Part de résidents QPV")[2], "< seuil");
    assert!(
        body.contains(">&lt; 5</text>"),
        "the charts write masked counts as the tables"
    );
    assert!(
        text(body).contains("Cohorte : 6 personnes"),
        "six is not a small count"
    );
}

/// Nothing on a coordinator's dashboard leads to a person: its links are the
/// dashboard's own, the CSV exports of aggregates, and the pages every user has.
#[tokio::test]
async fn a_coordinators_dashboard_links_to_no_personal_data() {
    let app = app_with(1).await;
    let (_cites, _adie, coordinator, _) = dataset(&app).await;
    let page = page(&coordinator, &app, "/tableau-de-bord").await;
    assert_eq!(page.status, 200);
    for link in links(&page.body) {
        let allowed = link == "/"
            || link.starts_with("/tableau-de-bord")
            || link.starts_with("/api/v1/reports/")
            || link == "/api/v1/referrals/overdue.csv"
            || link.starts_with("/static/")
            || link.starts_with('#')
            || ["/annuaire", "/mot-de-passe", "/api/docs"].contains(&link.as_str());
        assert!(allowed, "a coordinator's dashboard links to {link}");
    }
    assert!(!page.body.contains("/personnes"));
    assert!(!page.body.contains("/orientations/"));
    // Every link followed as the coordinator: no person of the dataset on the other
    // side (their names, their phone), whatever the page or export.
    let people = ["Trois", "Quatre", "Cinq", "0600000000", "06 00 00 00 00"];
    let mut followed = 0;
    for link in links(&page.body) {
        if link.starts_with('#') || link.starts_with("/static/") {
            continue;
        }
        let response = coordinator.get(app.url(&link)).send().await.unwrap();
        assert!(response.status().as_u16() < 500, "{link}");
        let body = response.text().await.unwrap();
        for who in people {
            assert!(!body.contains(who), "{link} shows « {who} »");
        }
        // Short names that are also words: as written beside a first name.
        for (first, last) in [("A", "Un"), ("B", "Deux"), ("F", "Six")] {
            for name in [format!("{first} {last}"), format!("{last} {first}")] {
                assert!(!body.contains(&name), "{link} shows « {name} »");
            }
        }
        followed += 1;
    }
    assert!(followed >= 12, "the page's links: {followed} followed");
    // Aujourd'hui leads coordinators here.
    let home = coordinator
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/tableau-de-bord\""));
}

/// Advisers see their organisation's dashboard, with no organisation to choose; a
/// platform admin has none; another organisation is refused.
#[tokio::test]
async fn advisers_see_their_organisation_and_admins_nothing() {
    let app = app_with(1).await;
    let (cites, _adie, _coordinator, adie_org) = dataset(&app).await;
    let own = page(&cites, &app, "/tableau-de-bord").await;
    assert_eq!(own.status, 200);
    assert!(!own.body.contains("id=\"champ-organisation\""));
    assert!(
        own.body
            .contains("<dt>Périmètre</dt><dd>CitésLab Test</dd>")
    );
    assert_eq!(
        row(
            &table(&own.body, "tableau-indicateurs"),
            "Personnes accompagnées"
        )[1],
        "2",
        "H2 and H3, not the ADIE's H5"
    );
    assert!(
        !own.body.contains("tableau-relances"),
        "the overdue queue is the coordinator's"
    );
    let other = page(
        &cites,
        &app,
        &format!("/tableau-de-bord?organisation={adie_org}"),
    )
    .await;
    assert_eq!(other.status, 403);
    let org = app
        .organisation("Plateforme", OrganisationKind::Autre)
        .await;
    let admin = app.login(&app.user(org, Role::Admin).await).await;
    let refused = page(&admin, &app, "/tableau-de-bord").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("<h1>Accès refusé</h1>"));
    assert!(
        !refused.body.contains("href=\"/tableau-de-bord\""),
        "not in an admin's menu"
    );
}

/// Periods are days in Paris, in the page, the JSON and the CSV: someone registered at
/// 00:30 on 1 October in Paris (22:30 UTC on 30 September) entered in the fourth
/// quarter; a contact at 00:30 on 1 December in Paris is December's.
#[tokio::test]
async fn periods_and_months_are_days_in_paris() {
    let app = app_with(1).await;
    let adviser = app.adviser().await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator = app.user(agglo, Role::Coordinator).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 9, 30, 22, 30, 0).unwrap());
    let cites = app.login(&adviser).await;
    let holder = cites
        .post(app.url("/api/v1/holders"))
        .json(&json!({"first_name": "Nuit", "last_name": "Tardive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(holder.status(), 201);
    let id = holder.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap());
    let cites = app.login(&adviser).await;
    let coordinator = app.login(&coordinator).await;
    let contact = cites
        .post(app.url(&format!("/api/v1/holders/{id}/contacts")))
        .json(&json!({"kind": "entretien"}))
        .send()
        .await
        .unwrap();
    assert_eq!(contact.status(), 201);
    let q4 = json_of(
        &coordinator,
        &app,
        "/api/v1/reports/indicators?from=2026-10-01&to=2027-01-01",
    )
    .await;
    let q3 = json_of(
        &coordinator,
        &app,
        "/api/v1/reports/indicators?from=2026-07-01&to=2026-10-01",
    )
    .await;
    let informed = |r: &Value| {
        r["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "informes")
            .unwrap()["value"]
            .clone()
    };
    assert_eq!((informed(&q4), informed(&q3)), (json!(1), json!(0)));
    let page = page(&coordinator, &app, "/tableau-de-bord?periode=trimestre").await;
    assert_eq!(
        row(
            &table(&page.body, "tableau-indicateurs"),
            "Personnes informées"
        )[1..],
        ["1", "0", "+1"].map(str::to_owned)
    );
    let contacts = table(&page.body, "tableau-contacts");
    assert_eq!(contacts[0][0], "décembre 2026", "{contacts:?}");
    let activity = json_of(
        &coordinator,
        &app,
        "/api/v1/reports/activity?from=2026-11-01&to=2027-01-01",
    )
    .await;
    assert_eq!(activity["contacts"][0]["month"], "2026-12");
    let csv = csv_rows(&coordinator, &app, &csv_links(&page.body, "activity")[0]).await;
    assert_eq!(csv[1][0], "2026-12");
}

/// POSTs JSON, expecting success; the answer's body.
async fn post_ok(client: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> Value {
    let response = client.post(app.url(path)).json(&body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// `n` people of the client's organisation referred to `to`: the referrals' ids.
async fn refer(app: &TestApp, client: &reqwest::Client, to: i64, names: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for name in names {
        let holder = post_ok(
            client,
            app,
            "/api/v1/holders",
            json!({"first_name": name, "last_name": "Orienté"}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        post_ok(
            client,
            app,
            &format!("/api/v1/holders/{holder}/consents"),
            json!({"purpose": "partage_partenaires", "given": true}),
        )
        .await;
        let referral = post_ok(
            client,
            app,
            "/api/v1/referrals",
            json!({"holder_id": holder, "to_organisation_id": to, "need": "Financement"}),
        )
        .await;
        ids.push(referral["id"].as_i64().unwrap());
    }
    ids
}

/// Eight referrals to the ADIE: six from the CitésLab, two from the BGE. The ADIE's
/// eight are shown, the BGE's two masked — and the CitésLab's six too, since 8 − 6
/// would give the two away (secondary suppression), in page, JSON and CSV alike.
/// The ADIE answers the CitésLab's after three days, five accepted and one declined
/// for lack of places: the pair's median delay, and the declines by reason.
#[tokio::test]
async fn a_masked_pair_is_not_given_away_by_its_partners_total() {
    use chrono::Duration;
    let app = app_with(5).await;
    let cites_user = app.adviser().await;
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let adie_user = app.user(adie, Role::Adviser).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator_user = app.user(agglo, Role::Coordinator).await;
    let cites = app.login(&cites_user).await;
    let bge_user = app.user(bge, Role::Adviser).await;
    let bge_client = app.login(&bge_user).await;
    let from_cites = refer(
        &app,
        &cites,
        adie,
        &["Ali", "Bea", "Cyd", "Dan", "Eve", "Fio"],
    )
    .await;
    refer(&app, &bge_client, adie, &["Gus", "Hal"]).await;
    app.clock.advance(Duration::days(3));
    let adie_client = app.login(&adie_user).await;
    for id in &from_cites[..5] {
        post_ok(
            &adie_client,
            &app,
            &format!("/api/v1/referrals/{id}/accept"),
            json!({}),
        )
        .await;
    }
    post_ok(
        &adie_client,
        &app,
        &format!("/api/v1/referrals/{}/decline", from_cites[5]),
        json!({"reason": "capacite"}),
    )
    .await;
    let coordinator = app.login(&coordinator_user).await;

    let json = json_of(&coordinator, &app, "/api/v1/reports/referrals").await;
    let receiver = &json["by_receiver"][0];
    assert_eq!(
        (
            receiver["to_organisation"].as_str(),
            receiver["sent"].as_i64()
        ),
        (Some("ADIE Test"), Some(8))
    );
    let pairs = json["by_pair"].as_array().unwrap();
    assert_eq!(pairs.len(), 2);
    for pair in pairs {
        assert_eq!(pair["sent"], Value::Null, "{pair}");
    }
    let from_cites_json = pairs
        .iter()
        .find(|p| p["from_organisation"] == "CitésLab Test")
        .unwrap();
    assert_eq!(from_cites_json["accepted"], 5);
    assert_eq!(from_cites_json["median_days_to_answer"], 3.0);
    assert_eq!(receiver["median_days_to_answer"], 3.0);
    let reasons = receiver["declined_by_reason"].as_array().unwrap();
    assert_eq!(reasons.len(), 5);
    assert_eq!(
        reasons.iter().find(|r| r["reason"] == "capacite").unwrap()["declined"],
        Value::Null,
        "one decline: masked"
    );
    assert_eq!(
        reasons.iter().find(|r| r["reason"] == "autre").unwrap()["declined"],
        0
    );

    let page = page(&coordinator, &app, "/tableau-de-bord").await;
    assert_eq!(page.status, 200);
    let receivers = table(&page.body, "tableau-orientations");
    assert_eq!(figure(&row(&receivers, "ADIE Test")[1]), "8");
    let shown_pairs = table(&page.body, "tableau-paires");
    for label in ["CitésLab Test → ADIE Test", "BGE Test → ADIE Test"] {
        assert_eq!(row(&shown_pairs, label)[1], "< 5 (—)", "{label}");
    }
    let refusals = table(&page.body, "tableau-refus");
    assert_eq!(
        figure(&row(&refusals, "ADIE Test")[4]),
        "< 5",
        "capacité atteinte"
    );
    let csv = csv_rows(&coordinator, &app, &csv_links(&page.body, "referrals")[0]).await;
    assert_eq!(csv[0][13], "Déclinées : capacité atteinte");
    assert_eq!(csv_row(&csv, "(toutes)")[2], "8");
    assert_eq!(csv_row(&csv, "CitésLab Test")[2], "< 5");
    assert_eq!(
        csv_row(&csv, "CitésLab Test")[9],
        "3,0",
        "the pair's median delay"
    );
    assert_eq!(csv_row(&csv, "BGE Test")[2], "< 5");
    assert_eq!(csv_row(&csv, "(toutes)")[13], "< 5");

    // Contacts in November: six by the CitésLab, two by the BGE. The month's eight
    // are shown; the BGE's two masked, and the CitésLab's six with them.
    let (cites, bge_client) = (app.login(&cites_user).await, app.login(&bge_user).await);
    for (client, times) in [(&cites, 6), (&bge_client, 2)] {
        let holder = post_ok(
            client,
            &app,
            "/api/v1/holders",
            json!({"first_name": "Suivi", "last_name": "Régulier"}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        for _ in 0..times {
            post_ok(
                client,
                &app,
                &format!("/api/v1/holders/{holder}/contacts"),
                json!({"kind": "entretien"}),
            )
            .await;
        }
    }
    let json = json_of(&coordinator, &app, "/api/v1/reports/activity").await;
    let months: Vec<(&str, Value)> = json["contacts_by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["month"].as_str().unwrap(), m["contacts"].clone()))
        .collect();
    assert_eq!(
        months,
        [
            ("2026-10", json!(0)),
            ("2026-11", json!(8)),
            ("2026-12", json!(0))
        ]
    );
    let rows = json["contacts"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["contacts"].is_null()), "{rows:?}");
    let page = self::page(&coordinator, &app, "/tableau-de-bord").await;
    assert_eq!(
        row(&table(&page.body, "tableau-mois"), "novembre 2026")[1],
        "8"
    );
    let contacts = table(&page.body, "tableau-contacts");
    assert!(contacts.iter().all(|r| r[3] == "< 5"), "{contacts:?}");
    let csv = csv_rows(&coordinator, &app, &csv_links(&page.body, "activity")[0]).await;
    let november: Vec<&Vec<String>> = csv.iter().filter(|r| r[0] == "2026-11").collect();
    assert_eq!(november.len(), 3, "{csv:?}");
    for r in november {
        assert_eq!(r[3], if r[1] == "(toutes)" { "8" } else { "< 5" }, "{r:?}");
    }

    // Eight days on, the BGE's two are still unanswered: on the coordinator's queue,
    // the page's and its CSV's, organisations and delays only.
    app.clock.advance(Duration::days(5));
    let coordinator = app.login(&coordinator_user).await;
    let page = self::page(&coordinator, &app, "/tableau-de-bord").await;
    let queue = table(&page.body, "tableau-relances");
    assert_eq!(queue.len(), 2, "{queue:?}");
    assert_eq!(
        queue[0][..2],
        ["BGE Test".to_owned(), "ADIE Test".to_owned()]
    );
    assert_eq!(queue[0][3], "8");
    let csv = csv_rows(&coordinator, &app, "/api/v1/referrals/overdue.csv").await;
    assert_eq!(csv.len(), 3);
    assert_eq!(
        csv[1][..4],
        ["BGE Test", "ADIE Test", "2026-11-02", "8"].map(str::to_owned)
    );
}

/// A partner that received referrals in the period before only keeps its rows: zero
/// now, and the change from what it received then — by receiver and by pair.
#[tokio::test]
async fn partners_of_the_period_before_only_keep_their_rows() {
    let app = app_with(1).await;
    let cites_user = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator_user = app.user(agglo, Role::Coordinator).await;
    let now = app.clock.now();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 8, 10, 9, 0, 0).unwrap());
    let cites = app.login(&cites_user).await;
    refer(&app, &cites, adie, &["Ali", "Bea"]).await;
    app.clock.set(now);
    let cites = app.login(&cites_user).await;
    refer(&app, &cites, bge, &["Cyd"]).await;
    let coordinator = app.login(&coordinator_user).await;

    let page = page(&coordinator, &app, "/tableau-de-bord").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let receivers = table(&page.body, "tableau-orientations");
    assert_eq!(receivers.len(), 2, "{receivers:?}");
    assert_eq!(row(&receivers, "BGE Test")[1], "1 (+1)");
    assert_eq!(row(&receivers, "ADIE Test")[1], "0 (−2)", "before only");
    let pairs = table(&page.body, "tableau-paires");
    assert_eq!(row(&pairs, "CitésLab Test → ADIE Test")[1], "0 (−2)");
    assert_eq!(row(&pairs, "CitésLab Test → BGE Test")[1], "1 (+1)");
    let refusals = table(&page.body, "tableau-refus");
    assert_eq!(row(&refusals, "ADIE Test")[1], "0 (0)");
    // The JSON of the period has the period's receivers only; the period before's
    // has the ADIE's two.
    let json = json_of(&coordinator, &app, "/api/v1/reports/referrals").await;
    assert_eq!(json["by_receiver"].as_array().unwrap().len(), 1, "{json}");
    let before = json_of(
        &coordinator,
        &app,
        "/api/v1/reports/referrals?from=2026-07-01&to=2026-10-01",
    )
    .await;
    assert_eq!(before["by_receiver"][0]["to_organisation"], "ADIE Test");
    assert_eq!(before["by_receiver"][0]["sent"], 2);
}

/// Eight pathways closed at information: six abandoned, two without news. The
/// stage's dropouts (8, in the CSV) less its abandons would give the two away, and so
/// would the abandons of all stages less the other stages' (zero): the six are masked
/// with the two, in the JSON's exits per stage and per outcome, in the CSV and on the
/// page. No total shown has exactly one masked part.
#[tokio::test]
async fn exits_and_dropouts_give_no_masked_count_away() {
    let app = app_with(5).await;
    let cites_user = app.adviser().await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator_user = app.user(agglo, Role::Coordinator).await;
    let cites = app.login(&cites_user).await;
    for (i, outcome) in std::iter::repeat_n("abandon", 6)
        .chain(std::iter::repeat_n("sans_nouvelles", 2))
        .enumerate()
    {
        let holder = post_ok(
            &cites,
            &app,
            "/api/v1/holders",
            json!({"first_name": format!("P{}", char::from(b'a' + i as u8)), "last_name": "Sortie"}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        post_ok(
            &cites,
            &app,
            &format!("/api/v1/holders/{holder}/close"),
            json!({"outcome": outcome}),
        )
        .await;
    }
    let coordinator = app.login(&coordinator_user).await;
    let json = json_of(&coordinator, &app, "/api/v1/reports/flows").await;
    let stages = json["stages"].as_array().unwrap();
    let information = stages.iter().find(|s| s["stage"] == "information").unwrap();
    // The JSON has no dropouts per stage; the CSV and the page do.
    assert!(information.get("dropouts").is_none(), "{information}");
    let page = page(&coordinator, &app, "/tableau-de-bord").await;
    let csv = csv_rows(&coordinator, &app, &csv_links(&page.body, "flows")[0]).await;
    let exits_of = |stage: &Value, outcome: &str| {
        stage["exits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["outcome"] == outcome)
            .unwrap()["exits"]
            .clone()
    };
    assert_eq!(exits_of(information, "abandon"), Value::Null);
    assert_eq!(exits_of(information, "sans_nouvelles"), Value::Null);
    // No sum shown beside exactly one masked part, in any of the report's sums.
    let dropouts = ["abandon", "sans_nouvelles"];
    for stage in stages {
        let masked = dropouts
            .iter()
            .filter(|o| exits_of(stage, o).is_null())
            .count();
        let dropouts_shown = csv_row(&csv, stage["stage"].as_str().unwrap())[5] != "< 5";
        assert!(!dropouts_shown || masked != 1, "dropouts of {stage}");
    }
    for exit in json["exits"].as_array().unwrap() {
        let outcome = exit["outcome"].as_str().unwrap();
        let masked = stages
            .iter()
            .filter(|s| exits_of(s, outcome).is_null())
            .count();
        assert!(exit["exits"].is_null() || masked != 1, "{exit}");
    }
    // The CSV and the page write the same cells.
    assert_eq!(csv_row(&csv, "information")[5], "8");
    assert_eq!(csv_row(&csv, "sorties : abandon")[1], "< 5");
    assert_eq!(csv_row(&csv, "sorties : sans_nouvelles")[1], "< 5");
    let exits = table(&page.body, "tableau-sorties");
    let abandon = row(&exits, "Abandon");
    assert_eq!(figure(&abandon[1]), "< 5");
    assert_eq!(abandon[3], "< 5", "from information");
}
