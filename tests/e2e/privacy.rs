//! Personal data over its whole life: a file without activity is listed for its
//! référent organisation, then anonymised; « garder » postpones; the reports stay the
//! same; nothing identifying is left in any text column of any table.

use crate::support::{TestApp, TestUser, test_settings};
use chrono::{DateTime, Duration, Months, Utc};
use parcours_core::privacy::{self, KeepInput};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::{ConnectionTrait, DbBackend, Statement};
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

async fn get(client: &reqwest::Client, url: String) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Masking off: a single person's figures are visible, so a change would show.
async fn unmasked_app() -> TestApp {
    let mut settings = test_settings();
    settings.core.small_count_threshold = 1;
    TestApp::start_with(settings).await
}

/// What identifies the person of [`followed_person`], as typed or as stored (the phone
/// is stored as +33…).
const TRACES: [&str; 6] = [
    "Quetzalcoatl",
    "Zéphyrine",
    "87654321",
    "zephyrine.q@exemple.test",
    "Tilleuls",
    "1990-05-17",
];

/// A person followed by the CitésLab with everything a file holds: identity, project,
/// contact with notes and next action, stage moves with a reason, a referral to the
/// ADIE declined with a text, a referral to the BGE waiting (its e-mail unsent), an
/// event attended. Returns the holder's id and the BGE's referral.
async fn followed_person(
    app: &TestApp,
    cites: &reqwest::Client,
    adie: &reqwest::Client,
    bge_org: i64,
    adie_org: i64,
) -> (i64, i64) {
    let id = post(
        cites,
        app.url("/api/v1/holders"),
        json!({
            "first_name": "Zéphyrine", "last_name": "Quetzalcoatl", "gender": "femme",
            "birth_date": "1990-05-17", "phone": "0687654321", "email": "zephyrine.q@exemple.test",
            "address": "12 rue des Tilleuls", "postal_code": "75020", "situation": "rsa",
            "qpv_status": "in_qpv"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        cites,
        app.url(&format!("/api/v1/holders/{id}/projects")),
        json!({
            "idea": "Traiteur de Zéphyrine Quetzalcoatl", "sector": "restauration"
        }),
    )
    .await;
    post(
        cites,
        app.url(&format!("/api/v1/holders/{id}/contacts")),
        json!({
            "kind": "entretien", "topics": ["idee"],
            "notes": "Zéphyrine Quetzalcoatl joignable au 0687654321",
            "next_action": "Rappeler Zéphyrine", "next_action_due": "2026-11-20"
        }),
    )
    .await;
    post(
        cites,
        app.url(&format!("/api/v1/holders/{id}/stage")),
        json!({"to": "accompagnement"}),
    )
    .await;
    post(
        cites,
        app.url(&format!("/api/v1/holders/{id}/stage")),
        json!({
            "to": "information", "reason": "Zéphyrine Quetzalcoatl revoit son projet"
        }),
    )
    .await;
    post(
        cites,
        app.url(&format!("/api/v1/holders/{id}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    let declined = post(
        cites,
        app.url("/api/v1/referrals"),
        json!({
            "holder_id": id, "to_organisation_id": adie_org,
            "need": "Microcrédit pour Zéphyrine Quetzalcoatl",
            "message": "Zéphyrine : 0687654321"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        adie,
        app.url(&format!("/api/v1/referrals/{declined}/decline")),
        json!({
            "reason": "autre", "text": "Zéphyrine Quetzalcoatl déjà suivie ailleurs"
        }),
    )
    .await;
    app.deliver_mail().await;
    let to_bge = post(cites, app.url("/api/v1/referrals"), json!({
        "holder_id": id, "to_organisation_id": bge_org, "need": "Étude de marché pour Quetzalcoatl"
    })).await["id"]
        .as_i64()
        .unwrap();
    let event = post(
        cites,
        app.url("/api/v1/events"),
        json!({
            "kind": "bus", "title": "Bus de l'entrepreneuriat", "held_on": "2026-10-20",
            "headcount": {"total": 30}
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        cites,
        app.url(&format!("/api/v1/events/{event}/attendees")),
        json!({"holder_id": id}),
    )
    .await;
    (id, to_bge)
}

/// The three organisations reach the file of [`followed_person`]: the BGE accepts its
/// referral and reads the file three times; the ADIE, referred to again, reads what
/// the new referral shares.
async fn three_organisations_read(
    app: &TestApp,
    [cites, bge, adie]: [&reqwest::Client; 3],
    (id, to_bge): (i64, i64),
    adie_org: i64,
) {
    post(
        bge,
        app.url(&format!("/api/v1/referrals/{to_bge}/accept")),
        json!({}),
    )
    .await;
    for _ in 0..3 {
        get(bge, app.url(&format!("/api/v1/holders/{id}"))).await;
    }
    let again = post(
        cites,
        app.url("/api/v1/referrals"),
        json!({"holder_id": id, "to_organisation_id": adie_org, "need": "Microcrédit"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    get(adie, app.url(&format!("/api/v1/referrals/{again}"))).await;
}

/// How many rows of each text (or date) column of each table hold `needle`, whatever
/// its case (ASCII letters on SQLite), by `table.column`.
async fn traces_of(app: &TestApp, needle: &str) -> Vec<(String, i64)> {
    let conn = app.db.conn();
    let backend = conn.get_database_backend();
    let catalog = match backend {
        DbBackend::Postgres => "SELECT table_name AS t, column_name AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'date') \
             ORDER BY 1, 2".to_owned(),
        _ => "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND (p.type LIKE '%CHAR%' OR p.type LIKE '%TEXT%' OR p.type LIKE '%CLOB%' OR p.type = '' \
             OR p.type LIKE '%DATE%' OR p.type LIKE '%TIME%') ORDER BY 1, 2".to_owned(),
    };
    let columns = conn
        .query_all_raw(Statement::from_string(backend, catalog))
        .await
        .unwrap();
    assert!(columns.len() > 40, "the catalog lists the text columns");
    let mut found = Vec::new();
    for row in columns {
        let table: String = row.try_get("", "t").unwrap();
        let column: String = row.try_get("", "c").unwrap();
        // Whatever the case: search keys are stored in lower case.
        let like = if backend == DbBackend::Postgres {
            "ILIKE"
        } else {
            "LIKE"
        };
        let sql = format!(
            "SELECT COUNT(*) AS n FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) {like} '%{needle}%'"
        );
        let n: i64 = conn
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        if n > 0 {
            found.push((format!("{table}.{column}"), n));
        }
    }
    found
}

/// Every report of three periods and profiles, as the CitésLab, the ADIE and the
/// territory's coordinator see them.
async fn reports(app: &TestApp, users: &[&TestUser]) -> Vec<Value> {
    let mut all = Vec::new();
    for user in users {
        let client = app.login(user).await;
        for report in ["pipeline", "indicators", "flows", "referrals", "activity"] {
            for period in [
                "from=2026-10-01&to=2027-01-01",
                "from=2026-01-01&to=2028-12-31",
                "from=2026-10-01&to=2027-01-01&age_band=26_44&gender=femme",
            ] {
                all.push(
                    get(
                        &client,
                        app.url(&format!("/api/v1/reports/{report}?{period}")),
                    )
                    .await,
                );
            }
        }
    }
    all
}

fn months(n: u32) -> Months {
    Months::new(n)
}

async fn audit_entries_before(app: &TestApp, at: DateTime<Utc>) -> i64 {
    use parcours_persistence::entities::audit_entries;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    audit_entries::Entity::find()
        .filter(audit_entries::Column::OccurredAt.lt(at))
        .count(app.db.conn())
        .await
        .unwrap() as i64
}

#[tokio::test]
async fn a_quiet_file_is_listed_then_anonymised_and_nothing_identifies_the_person() {
    let app = unmasked_app().await;
    let cites_user = app.adviser().await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let adie_user = app.user(adie_org, Role::Adviser).await;
    let agglo = app
        .organisation("Agglo Test", OrganisationKind::Collectivite)
        .await;
    let coordinator = app.user(agglo, Role::Coordinator).await;
    let cites = app.login(&cites_user).await;
    let adie = app.login(&adie_user).await;
    let (id, _) = followed_person(&app, &cites, &adie, bge_org, adie_org).await;
    // Brought in from the organisation's spreadsheet, with its former tool's reference.
    {
        use parcours_persistence::ConnectionTrait;
        app.db
            .conn()
            .execute_unprepared(&format!(
                "UPDATE holders SET external_ref = 'CITES-QZ-4242' WHERE id = {id}"
            ))
            .await
            .unwrap();
    }
    let start = app.clock.now();
    for trace in TRACES.iter().chain(&["CITES-QZ-4242"]) {
        assert!(
            !traces_of(&app, trace).await.is_empty(),
            "{trace} is stored before"
        );
    }
    let core = &app.state.core;
    let actor = cites_user.actor();

    // 31 days before the retention date: not listed; 29 days before: listed, with its dates.
    let anonymised_on = start.checked_add_months(months(24)).unwrap();
    app.clock.set(anonymised_on - Duration::days(31));
    assert!(
        privacy::due(core, &actor, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    app.clock.set(anonymised_on - Duration::days(29));
    let due = privacy::due(core, &actor, app.clock.now()).await.unwrap();
    assert_eq!(due.iter().map(|d| d.holder.id).collect::<Vec<_>>(), [id]);
    assert_eq!(due[0].last_activity.date_naive(), start.date_naive());
    assert_eq!(
        due[0].anonymised_on.date_naive(),
        anonymised_on.date_naive()
    );
    // Another organisation's list does not show it.
    assert!(
        privacy::due(core, &adie_user.actor(), app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    let everywhere = privacy::due_everywhere(core, app.clock.now())
        .await
        .unwrap();
    assert_eq!(everywhere.len(), 1);
    assert_eq!(everywhere[0].organisation_name, "CitésLab Test");
    // Listed is not yet due; the audit entries of more than a year ago are deleted.
    let a_year_ago = |app: &TestApp| app.clock.now().checked_sub_months(months(12)).unwrap();
    let old_audit = audit_entries_before(&app, a_year_ago(&app)).await;
    assert!(
        old_audit > 10,
        "the file's reads and changes of 2026 are in the audit trail"
    );
    let report = privacy::run(core, app.clock.now()).await.unwrap();
    assert_eq!(report.anonymised, 0);
    assert_eq!(report.audit_deleted as i64, old_audit);
    assert_eq!(audit_entries_before(&app, a_year_ago(&app)).await, 0);

    // Past the date: anonymised by the job, the reports unchanged.
    app.clock.set(anonymised_on + Duration::hours(1));
    let before = reports(&app, &[&cites_user, &adie_user, &coordinator]).await;
    let report = privacy::run(core, app.clock.now()).await.unwrap();
    assert_eq!(report.anonymised, 1);
    assert_eq!(
        report.mail_dropped, 1,
        "the BGE's unsent e-mail about the referral"
    );
    let after = reports(&app, &[&cites_user, &adie_user, &coordinator]).await;
    assert_eq!(before, after, "the reports of any period are the same");
    for trace in TRACES.iter().chain(&["CITES-QZ-4242"]) {
        assert_eq!(
            traces_of(&app, trace).await,
            [],
            "{trace} is left somewhere"
        );
    }

    // The file still counts, under no name; a second run does nothing more.
    let cites = app.login(&cites_user).await;
    let file = get(&cites, app.url(&format!("/api/v1/holders/{id}"))).await;
    assert_eq!(file["first_name"], "Personne");
    assert_eq!(file["birth_date"], "1990-05-01");
    assert_eq!(file["phone"], Value::Null);
    assert_eq!(file["stage"], "information");
    assert_eq!(
        privacy::run(core, app.clock.now()).await.unwrap(),
        privacy::RunReport::default()
    );
    // Nothing left to keep.
    let kept = privacy::keep(
        core,
        &actor,
        id,
        KeepInput {
            reason: "suivi".into(),
        },
        app.clock.now(),
    )
    .await;
    assert!(
        matches!(kept, Err(parcours_core::Error::Conflict(_))),
        "{kept:?}"
    );
}

#[tokio::test]
async fn garder_postpones_the_anonymisation_by_a_whole_period() {
    let app = TestApp::start().await;
    let cites_user = app.adviser().await;
    let other_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let other = app.user(other_org, Role::Adviser).await;
    let cites = app.login(&cites_user).await;
    let id = post(
        &cites,
        app.url("/api/v1/holders"),
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let core = &app.state.core;
    let actor = cites_user.actor();
    let anonymised_on = app.clock.now().checked_add_months(months(24)).unwrap();
    app.clock.set(anonymised_on - Duration::days(10));
    assert_eq!(
        privacy::due(core, &actor, app.clock.now())
            .await
            .unwrap()
            .len(),
        1
    );

    // A reason is required, of 500 characters at most; another organisation's file is not found.
    let keep = |reason: Option<&str>| KeepInput {
        reason: reason.unwrap_or_default().to_owned(),
    };
    let now = app.clock.now();
    match privacy::keep(core, &actor, id, keep(Some("  ")), now).await {
        Err(parcours_core::Error::Invalid(errors)) => assert_eq!(
            errors
                .0
                .iter()
                .map(|e| e.field.as_str())
                .collect::<Vec<_>>(),
            ["reason"]
        ),
        other => panic!("{other:?}"),
    }
    match privacy::keep(core, &actor, id, keep(Some(&"x".repeat(501))), now).await {
        Err(parcours_core::Error::Invalid(errors)) => assert_eq!(
            errors
                .0
                .iter()
                .map(|e| e.field.as_str())
                .collect::<Vec<_>>(),
            ["reason"]
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        privacy::keep(core, &other.actor(), id, keep(Some("suivi")), now).await,
        Err(parcours_core::Error::NotFound)
    ));
    let kept = privacy::keep(
        core,
        &actor,
        id,
        keep(Some("Création prévue au printemps")),
        now,
    )
    .await
    .unwrap();
    assert_eq!(kept.kept_at, now);
    assert!(privacy::due(core, &actor, now).await.unwrap().is_empty());

    // Not anonymised on the old date; listed again a whole period after the « garder ».
    app.clock.set(anonymised_on + Duration::days(1));
    assert_eq!(
        privacy::run(core, app.clock.now())
            .await
            .unwrap()
            .anonymised,
        0
    );
    app.clock
        .set(now.checked_add_months(months(24)).unwrap() - Duration::days(1));
    let due = privacy::due(core, &actor, app.clock.now()).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].last_activity, now);
    app.clock.set(now.checked_add_months(months(24)).unwrap());
    assert_eq!(
        privacy::run(core, app.clock.now())
            .await
            .unwrap()
            .anonymised,
        1
    );
}

/// `parcours privacy due` lists by organisation, numbers and dates without a name;
/// `parcours privacy run` anonymises what is due, and only that.
#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_lists_then_anonymises() {
    let app = TestApp::start().await;
    let cites_user = app.adviser().await;
    // The binary reads the system clock: the files are dated from it.
    let now = Utc::now();
    let register = async |at: DateTime<Utc>, first: &str| {
        app.clock.set(at);
        let cites = app.login(&cites_user).await;
        post(
            &cites,
            app.url("/api/v1/holders"),
            json!({"first_name": first, "last_name": "Quetzalcoatl"}),
        )
        .await["id"]
            .as_i64()
            .unwrap()
    };
    let overdue = register(now.checked_sub_months(months(25)).unwrap(), "Xavière").await;
    let soon = register(
        now.checked_sub_months(months(24)).unwrap() + Duration::days(10),
        "Yolande",
    )
    .await;
    register(now.checked_sub_months(months(6)).unwrap(), "Zoé").await;
    let command = |what: &str| {
        let output = crate::binary::parcours()
            .env("PARCOURS__DATABASE__URL", &app.test_db.url)
            .args(["privacy", what])
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let due = command("due");
    assert!(due.contains("2 dossier(s)"), "{due}");
    assert!(due.contains("CitésLab Test"), "{due}");
    assert!(due.contains(&format!("dossier n° {overdue} :")), "{due}");
    assert!(due.contains(&format!("dossier n° {soon} :")), "{due}");
    assert!(
        !due.contains("Quetzalcoatl") && !due.contains("Xavière"),
        "no name: {due}"
    );
    let run = command("run");
    assert!(run.starts_with("1 dossier(s) anonymisé(s)"), "{run}");
    let due = command("due");
    assert!(
        due.contains("1 dossier(s)") && due.contains(&format!("dossier n° {soon} :")),
        "{due}"
    );
    assert_eq!(traces_of(&app, "Xavière").await, []);
    assert_eq!(
        traces_of(&app, "Yolande").await.len(),
        3,
        "first name, two search keys"
    );
}

/// The warning list on « Aujourd'hui », « Garder ce dossier » on the file (a reason is
/// required; the form comes back with it named), the same through the API; another
/// organisation finds nothing, a coordinator is refused; each « garder » is audited.
#[tokio::test]
async fn the_warning_list_and_garder_on_the_pages_and_the_api() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let cites_user = app.adviser().await;
    let other_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let other_user = app.user(other_org, Role::Adviser).await;
    let coordinator = app.user(other_org, Role::Coordinator).await;
    let cites = app.login(&cites_user).await;
    let new = |first: &str| json!({"first_name": first, "last_name": "Diallo"});
    let awa = post(&cites, app.url("/api/v1/holders"), new("Awa")).await["id"]
        .as_i64()
        .unwrap();
    let binta = post(&cites, app.url("/api/v1/holders"), new("Binta")).await["id"]
        .as_i64()
        .unwrap();
    let start = app.clock.now();
    app.clock
        .set(start.checked_add_months(months(24)).unwrap() - Duration::days(10));

    let browser = Browser::new(&app);
    let today = browser.sign_in(&cites_user).await;
    assert!(
        today.body.contains("Dossiers bientôt anonymisés"),
        "{}",
        today.body
    );
    for id in [awa, binta] {
        assert!(
            today
                .body
                .contains(&format!("/personnes/{id}#conservation")),
            "{}",
            today.body
        );
    }
    let file = browser.get(&format!("/personnes/{awa}")).await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("Garder ce dossier"), "{}", file.body);
    assert!(file.body.contains("anonymisé le"), "{}", file.body);
    // The contact and referral forms remind advisers what not to write.
    let reminder = "ni santé, ni religion, ni opinions, ni infractions";
    assert!(file.body.contains(reminder));
    let api = app.login(&cites_user).await;
    post(
        &api,
        app.url(&format!("/api/v1/holders/{awa}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    let refer = browser.get(&format!("/personnes/{awa}/orienter")).await;
    assert!(refer.body.contains(reminder), "{}", refer.body);
    let csrf = file.csrf();
    let refused = browser
        .post(
            &format!("/personnes/{awa}/garder"),
            &[("_csrf", &csrf), ("reason", "  ")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("<details id=\"garder\" open>"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("aria-describedby=\"erreur-reason\""),
        "{}",
        refused.body
    );
    let kept = browser
        .post(
            &format!("/personnes/{awa}/garder"),
            &[("_csrf", &csrf), ("reason", "Création prévue au printemps")],
        )
        .await;
    assert_eq!(kept.status, 303, "{}", kept.body);
    assert_eq!(kept.location, format!("/personnes/{awa}?fait=garde"));
    let file = browser.get(&kept.location).await;
    assert!(file.body.contains("Dossier gardé"), "{}", file.body);
    assert!(!file.body.contains("Garder ce dossier"), "no longer listed");
    let today = browser.get("/").await;
    assert!(
        !today
            .body
            .contains(&format!("/personnes/{awa}#conservation"))
    );
    assert!(
        today
            .body
            .contains(&format!("/personnes/{binta}#conservation"))
    );
    // Another organisation's file is a 404 page; its list is empty.
    let other = Browser::new(&app);
    let other_today = other.sign_in(&other_user).await;
    assert!(other_today.body.contains("Aucun dossier sans activité"));
    let csrf = other_today.csrf();
    let refused = other
        .post(
            &format!("/personnes/{binta}/garder"),
            &[("_csrf", &csrf), ("reason", "suivi")],
        )
        .await;
    assert_eq!(refused.status, 404);

    // The API: the list, a reason required, another organisation 404, a coordinator 403.
    let cites = app.login(&cites_user).await;
    let due = get(&cites, app.url("/api/v1/retention/due")).await;
    let items = due["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{due}");
    assert_eq!(items[0]["holder_id"], binta);
    assert_eq!(items[0]["first_name"], "Binta");
    let keep = app.url(&format!("/api/v1/holders/{binta}/keep"));
    let missing = cites.post(&keep).json(&json!({})).send().await.unwrap();
    assert_eq!(missing.status(), 422);
    assert_eq!(
        crate::support::fields(&crate::support::problem(missing).await),
        ["reason"]
    );
    let blank = cites
        .post(&keep)
        .json(&json!({"reason": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(blank.status(), 422);
    let other = app.login(&other_user).await;
    let hidden = other
        .post(&keep)
        .json(&json!({"reason": "suivi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
    let coordinator = app.login(&coordinator).await;
    let role = coordinator
        .post(&keep)
        .json(&json!({"reason": "suivi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(role.status(), 403);
    let role = coordinator
        .get(app.url("/api/v1/retention/due"))
        .send()
        .await
        .unwrap();
    assert_eq!(role.status(), 403);
    let created = cites
        .post(&keep)
        .json(&json!({"reason": "Rendez-vous BGE prévu"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["reason"], "Rendez-vous BGE prévu");
    assert!(
        get(&cites, app.url("/api/v1/retention/due")).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Each « garder » and each reading of the list left its entry.
    for id in [awa, binta] {
        let trail = parcours_persistence::audit::for_holder(app.db.conn(), id)
            .await
            .unwrap();
        let actions: Vec<String> = trail.into_iter().map(|e| e.action).collect();
        assert_eq!(
            actions.iter().filter(|a| *a == "retention.keep").count(),
            1,
            "{actions:?}"
        );
        assert!(
            actions.iter().any(|a| a == "retention.due.read"),
            "{actions:?}"
        );
    }
}

/// An org admin erases a file on request: advisers are refused, another organisation
/// finds nothing, a reason is required; the file is anonymised at once, its live
/// referrals withdrawn, each receiver told by an e-mail that names no one; the erasure
/// is audited and cannot be done twice.
#[tokio::test]
async fn an_erasure_withdraws_live_referrals_and_the_receivers_mail_names_no_one() {
    let app = TestApp::start().await;
    let cites_admin = app.adviser().await;
    let cites_org = cites_admin.organisation_id;
    let cites_admin = app.user(cites_org, Role::OrgAdmin).await;
    let cites_adviser = app.user(cites_org, Role::Adviser).await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let bge_admin = app.user(bge_org, Role::OrgAdmin).await;
    let adie_user = app.user(adie_org, Role::Adviser).await;
    let cites = app.login(&cites_adviser).await;
    let adie = app.login(&adie_user).await;
    let (id, _) = followed_person(&app, &cites, &adie, bge_org, adie_org).await;
    // A third referral, accepted: a live one of each kind.
    let caq_org = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let caq = app.login(&app.user(caq_org, Role::Adviser).await).await;
    let accepted = post(
        &cites,
        app.url("/api/v1/referrals"),
        json!({"holder_id": id, "to_organisation_id": caq_org, "need": "Bureau"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        &caq,
        app.url(&format!("/api/v1/referrals/{accepted}/accept")),
        json!({}),
    )
    .await;
    app.deliver_mail().await;
    let mails_before = app.smtp.received().await.len();

    let erase = app.url(&format!("/api/v1/holders/{id}/erase"));
    let reason = json!({"reason": "Demande écrite reçue le 2 novembre"});
    let adviser = cites.post(&erase).json(&reason).send().await.unwrap();
    assert_eq!(adviser.status(), 403, "advisers do not erase");
    let other = app.login(&bge_admin).await;
    assert_eq!(
        other
            .post(&erase)
            .json(&reason)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let admin = app.login(&cites_admin).await;
    let missing = admin
        .post(&erase)
        .json(&json!({"reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    assert_eq!(
        crate::support::fields(&crate::support::problem(missing).await),
        ["reason"]
    );
    let done = admin.post(&erase).json(&reason).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["referrals_withdrawn"], 2, "{done}");

    // The CAQ loses the file; both referrals are withdrawn with the erasure's reason.
    assert_eq!(
        caq.get(app.url(&format!("/api/v1/holders/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let referral = get(&cites, app.url(&format!("/api/v1/referrals/{accepted}"))).await;
    assert_eq!(referral["status"], "withdrawn");
    let last = referral["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["reason"],
        "données effacées à la demande de la personne"
    );
    // Each receiver is told, naming no one.
    assert_eq!(app.deliver_mail().await.sent, 2);
    let mails = app.smtp.received().await;
    let told = &mails[mails_before..];
    assert_eq!(told.len(), 2);
    for mail in told {
        assert_eq!(mail.recipients, ["structure@exemple.test"]);
        for trace in TRACES {
            assert!(!mail.data.contains(trace), "{trace} in {}", mail.data);
        }
    }
    for trace in TRACES {
        assert_eq!(
            traces_of(&app, trace).await,
            [],
            "{trace} is left somewhere"
        );
    }
    let file = get(&admin, app.url(&format!("/api/v1/holders/{id}"))).await;
    assert_eq!(file["first_name"], "Personne");
    let again = admin.post(&erase).json(&reason).send().await.unwrap();
    assert_eq!(again.status(), 409);
    let trail = parcours_persistence::audit::for_holder(app.db.conn(), id)
        .await
        .unwrap();
    let erasures: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "holder.erase")
        .collect();
    assert_eq!(erasures.len(), 1);
    assert_eq!(erasures[0].user_id, cites_admin.id);
}

/// The same on the pages: a confirmation page of its own for org admins, the reason
/// named when missing, then the file says it is anonymised.
#[tokio::test]
async fn erasing_on_the_pages_asks_for_confirmation_and_a_reason() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;
    let api = app.login(&adviser).await;
    let id = post(
        &api,
        app.url("/api/v1/holders"),
        json!({"first_name": "Awa", "last_name": "Quetzalcoatl"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let by_adviser = Browser::new(&app);
    by_adviser.sign_in(&adviser).await;
    let file = by_adviser.get(&format!("/personnes/{id}")).await;
    assert!(
        !file.body.contains("/effacer"),
        "advisers are not offered it"
    );
    assert_eq!(
        by_adviser
            .get(&format!("/personnes/{id}/effacer"))
            .await
            .status,
        403
    );

    let browser = Browser::new(&app);
    browser.sign_in(&admin).await;
    let file = browser.get(&format!("/personnes/{id}")).await;
    assert!(file.body.contains(&format!("/personnes/{id}/effacer")));
    let page = browser.get(&format!("/personnes/{id}/effacer")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Effacer les données de Awa Quetzalcoatl"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let refused = browser
        .post(
            &format!("/personnes/{id}/effacer"),
            &[("_csrf", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("aria-describedby=\"erreur-reason\""),
        "{}",
        refused.body
    );
    let done = browser
        .post(
            &format!("/personnes/{id}/effacer"),
            &[("_csrf", &csrf), ("reason", "Demande orale du 2 novembre")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, format!("/personnes/{id}?fait=efface"));
    let file = browser.get(&done.location).await;
    assert!(
        file.body.contains("Données effacées") && file.body.contains("Dossier anonymisé le"),
        "{}",
        file.body
    );
    assert!(!file.body.contains("Quetzalcoatl"));
    assert_eq!(
        browser
            .get(&format!("/personnes/{id}/effacer"))
            .await
            .status,
        404
    );
}

/// An anonymised file is final: its référent organisation edits nothing, logs no
/// contact and refers no one on it (409, through the API), and its page offers none of
/// those forms; it still reads it.
#[tokio::test]
async fn an_anonymised_file_is_final() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;
    let partner = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let api = app.login(&adviser).await;
    let id = post(
        &api,
        app.url("/api/v1/holders"),
        json!({"first_name": "Awa", "last_name": "Quetzalcoatl"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        &api,
        app.url(&format!("/api/v1/holders/{id}/consents")),
        json!({"purpose": "partage_partenaires", "given": true}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let before = browser.get(&format!("/personnes/{id}")).await;
    for offered in [
        format!("action=\"/personnes/{id}/contacts\""),
        format!("/personnes/{id}/orienter"),
        format!("/personnes/{id}/modifier"),
        format!("action=\"/personnes/{id}/etape\""),
        format!("action=\"/personnes/{id}/consentements\""),
    ] {
        assert!(
            before.body.contains(&offered),
            "{offered} before the erasure"
        );
    }
    post(
        &app.login(&admin).await,
        app.url(&format!("/api/v1/holders/{id}/erase")),
        json!({"reason": "Demande orale du 2 novembre"}),
    )
    .await;

    let file = get(&api, app.url(&format!("/api/v1/holders/{id}"))).await;
    let edit = api
        .patch(app.url(&format!("/api/v1/holders/{id}")))
        .header("if-match", "*")
        .json(&json!({"first_name": "Awa"}))
        .send()
        .await
        .unwrap();
    let contact = api
        .post(app.url(&format!("/api/v1/holders/{id}/contacts")))
        .json(&json!({"kind": "entretien"}))
        .send()
        .await
        .unwrap();
    let referral = api
        .post(app.url("/api/v1/referrals"))
        .json(&json!({
            "holder_id": id, "to_organisation_id": partner, "need": "Microcrédit"
        }))
        .send()
        .await
        .unwrap();
    for (what, answer) in [("edit", edit), ("contact", contact), ("referral", referral)] {
        assert_eq!(answer.status(), 409, "{what}");
        let problem = crate::support::problem(answer).await;
        assert_eq!(
            problem["detail"], "fiche anonymisée : elle ne se modifie plus",
            "{what}: {problem}"
        );
    }
    assert_eq!(
        get(&api, app.url(&format!("/api/v1/holders/{id}"))).await,
        file,
        "nothing changed"
    );

    let page = browser.get(&format!("/personnes/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Dossier anonymisé le"), "{}", page.body);
    for offered in [
        format!("action=\"/personnes/{id}/contacts\""),
        format!("/personnes/{id}/orienter"),
        format!("/personnes/{id}/modifier"),
        format!("action=\"/personnes/{id}/etape\""),
        format!("action=\"/personnes/{id}/consentements\""),
        format!("/personnes/{id}/effacer"),
    ] {
        assert!(
            !page.body.contains(&offered),
            "{offered} offered: {}",
            page.body
        );
    }
    assert!(
        !page.body.contains("Fiche en lecture seule"),
        "the référent is not told a partner's words"
    );
    assert!(page.body.contains(&format!("/personnes/{id}/acces")));
}

/// Withdrawing the consent to be followed closes the pathway and schedules the file's
/// anonymisation at the next run; giving it again before that calls it off.
#[tokio::test]
async fn withdrawing_the_consent_to_be_followed_closes_and_schedules_the_anonymisation() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    let new = |first: &str| json!({"first_name": first, "last_name": "Quetzalcoatl"});
    let leaves = post(&api, app.url("/api/v1/holders"), new("Awa")).await["id"]
        .as_i64()
        .unwrap();
    let stays = post(&api, app.url("/api/v1/holders"), new("Binta")).await["id"]
        .as_i64()
        .unwrap();
    for id in [leaves, stays] {
        let consents = app.url(&format!("/api/v1/holders/{id}/consents"));
        post(
            &api,
            consents.clone(),
            json!({"purpose": "suivi", "given": true}),
        )
        .await;
        post(&api, app.url(&format!("/api/v1/holders/{id}/contacts")), json!({"kind": "telephone", "next_action": "Rappeler", "next_action_due": "2026-11-03"})).await;
        post(&api, consents, json!({"purpose": "suivi", "given": false})).await;
        let file = get(&api, app.url(&format!("/api/v1/holders/{id}"))).await;
        assert_eq!(file["outcome"], "abandon", "{file}");
    }
    app.clock.advance(Duration::days(1));
    let api = app.login(&adviser).await;
    let follow_ups = get(&api, app.url("/api/v1/follow-ups")).await;
    assert!(
        follow_ups["items"].as_array().unwrap().is_empty(),
        "{follow_ups}"
    );
    post(
        &api,
        app.url(&format!("/api/v1/holders/{stays}/consents")),
        json!({"purpose": "suivi", "given": true}),
    )
    .await;
    let report = privacy::run(&app.state.core, app.clock.now())
        .await
        .unwrap();
    assert_eq!(report.anonymised, 1);
    assert_eq!(
        get(&api, app.url(&format!("/api/v1/holders/{leaves}"))).await["first_name"],
        "Personne"
    );
    assert_eq!(
        get(&api, app.url(&format!("/api/v1/holders/{stays}"))).await["first_name"],
        "Binta"
    );
}

/// « Qui a consulté ce dossier »: page after page, the référent organisation reads
/// exactly the audit table's entries for the file, newest first, partners named; a
/// partner reading the file is refused it, anyone else finds nothing.
#[tokio::test]
async fn the_access_log_shown_to_the_referent_matches_the_audit_table() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let cites_user = app.adviser().await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let adie_user = app.user(adie_org, Role::Adviser).await;
    let bge_user = app.user(bge_org, Role::Adviser).await;
    let cites = app.login(&cites_user).await;
    let adie = app.login(&adie_user).await;
    let bge = app.login(&bge_user).await;
    let followed = followed_person(&app, &cites, &adie, bge_org, adie_org).await;
    let id = followed.0;
    three_organisations_read(&app, [&cites, &bge, &adie], followed, adie_org).await;
    let caq_org = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let caq = app.login(&app.user(caq_org, Role::Adviser).await).await;
    for _ in 0..4 {
        get(&cites, app.url(&format!("/api/v1/holders/{id}/timeline"))).await;
    }

    let log = |cursor: Option<String>| {
        let mut url = app.url(&format!("/api/v1/holders/{id}/access-log?limit=7"));
        if let Some(cursor) = cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        url
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = get(&cites, log(cursor)).await;
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let newest = seen[0]["id"].as_i64().unwrap();
    let trail: Vec<_> = parcours_persistence::audit::for_holder(app.db.conn(), id)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .filter(|e| e.id <= newest)
        .collect();
    assert!(trail.len() > 14, "several pages");
    assert_eq!(seen.len(), trail.len());
    let names = [
        (cites_user.organisation_id, "CitésLab Test"),
        (adie_org, "ADIE Test"),
        (bge_org, "BGE Test"),
    ];
    for (shown, entry) in seen.iter().zip(&trail) {
        assert_eq!(shown["id"], entry.id);
        assert_eq!(shown["action"], entry.action.as_str());
        assert_eq!(shown["user_id"], entry.user_id);
        assert_eq!(shown["organisation_id"], entry.organisation_id);
        assert_eq!(
            shown["occurred_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            entry.occurred_at
        );
        let name = names
            .iter()
            .find(|(id, _)| *id == entry.organisation_id)
            .unwrap()
            .1;
        assert_eq!(shown["organisation_name"], name);
        assert_eq!(shown["user_name"], "Personne de Test");
    }
    for org in [cites_user.organisation_id, adie_org, bge_org] {
        assert!(trail.iter().any(|e| e.organisation_id == org), "{org}");
    }
    // Reading the log is recorded too.
    let after = parcours_persistence::audit::for_holder(app.db.conn(), id)
        .await
        .unwrap();
    assert!(
        after
            .iter()
            .any(|e| e.action == "access_log.read" && e.user_id == cites_user.id)
    );

    // A partner reading the file is refused its log; another organisation finds nothing.
    assert_eq!(bge.get(log(None)).send().await.unwrap().status(), 403);
    assert_eq!(adie.get(log(None)).send().await.unwrap().status(), 404);
    assert_eq!(caq.get(log(None)).send().await.unwrap().status(), 404);
    let bad = cites
        .get(app.url(&format!("/api/v1/holders/{id}/access-log?cursor=zz!")))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    // The page: named partners and actions in French, older entries a link away.
    for _ in 0..50 {
        get(&cites, app.url(&format!("/api/v1/holders/{id}"))).await;
    }
    let browser = Browser::new(&app);
    browser.sign_in(&cites_user).await;
    let file = browser.get(&format!("/personnes/{id}")).await;
    assert!(file.body.contains(&format!("/personnes/{id}/acces")));
    let page = browser.get(&format!("/personnes/{id}/acces")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Qui a consulté ce dossier"));
    assert!(page.body.contains("a consulté la fiche"), "{}", page.body);
    let marker = "href=\"/personnes/";
    let next = page.body.split(marker).find_map(|rest| {
        rest.split('"')
            .next()
            .filter(|l| l.contains("acces?suite="))
    });
    let next = format!(
        "/personnes/{}",
        next.expect("a link to older entries").replace("&amp;", "&")
    );
    let older = browser.get(&next).await;
    assert_eq!(older.status, 200);
    assert!(
        older.body.contains("BGE Test") && older.body.contains("ADIE Test"),
        "{}",
        older.body
    );
    let partner = Browser::new(&app);
    partner.sign_in(&bge_user).await;
    assert_eq!(
        partner.get(&format!("/personnes/{id}/acces")).await.status,
        403
    );
    let partner_file = partner.get(&format!("/personnes/{id}")).await;
    assert!(
        !partner_file
            .body
            .contains(&format!("/personnes/{id}/acces"))
    );
}

/// The right of access: the export holds every record of the file — identity,
/// project, contact and its notes, consents with their history, the three referrals
/// with their organisations, the event attended — and the access log with the entries
/// of three organisations, as the audit table has them; the printable page says the
/// same in French. A partner is refused it, anyone else finds nothing.
#[tokio::test]
async fn the_export_holds_every_record_and_the_access_log_of_three_organisations() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let cites_user = app.adviser().await;
    let adie_org = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let caq_org = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let adie_user = app.user(adie_org, Role::Adviser).await;
    let bge_user = app.user(bge_org, Role::Adviser).await;
    let cites = app.login(&cites_user).await;
    let adie = app.login(&adie_user).await;
    let bge = app.login(&bge_user).await;
    let caq = app.login(&app.user(caq_org, Role::Adviser).await).await;
    let followed = followed_person(&app, &cites, &adie, bge_org, adie_org).await;
    let id = followed.0;
    three_organisations_read(&app, [&cites, &bge, &adie], followed, adie_org).await;

    let url = app.url(&format!("/api/v1/holders/{id}/export"));
    let before: Vec<i64> = parcours_persistence::audit::for_holder(app.db.conn(), id)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| e.id)
        .collect();
    let export = get(&cites, url.clone()).await;
    assert_eq!(export["holder"]["first_name"], "Zéphyrine");
    assert_eq!(export["holder"]["phone"], "+33687654321");
    assert_eq!(export["holder"]["address"], "12 rue des Tilleuls");
    assert_eq!(
        export["holder"]["projects"][0]["idea"],
        "Traiteur de Zéphyrine Quetzalcoatl"
    );
    let text = export.to_string();
    assert!(
        text.contains("Zéphyrine Quetzalcoatl joignable au 0687654321"),
        "the contact's notes"
    );
    assert!(text.contains("Rappeler Zéphyrine"), "the next action");
    assert!(
        text.contains("Zéphyrine Quetzalcoatl revoit son projet"),
        "the pathway's reason"
    );
    assert_eq!(export["consents"]["history"].as_array().unwrap().len(), 1);
    let referrals = export["referrals"].as_array().unwrap();
    assert_eq!(referrals.len(), 3);
    assert_eq!(referrals[0]["to_organisation"], "ADIE Test");
    assert_eq!(referrals[0]["from_organisation"], "CitésLab Test");
    assert_eq!(
        referrals[0]["decline_text"],
        "Zéphyrine Quetzalcoatl déjà suivie ailleurs"
    );
    assert_eq!(referrals[0]["message"], "Zéphyrine : 0687654321");
    assert_eq!(referrals[1]["to_organisation"], "BGE Test");
    let history = export["history"].as_array().unwrap();
    for kind in [
        "parcours",
        "contact",
        "consentement",
        "orientation",
        "evenement",
    ] {
        assert!(
            history.iter().any(|h| h["type"] == kind),
            "{kind} in the history"
        );
    }
    let log: Vec<i64> = export["access_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(log, before, "the access log is the audit table's");
    let organisations: std::collections::BTreeSet<&str> = export["access_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["organisation_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        organisations.into_iter().collect::<Vec<_>>(),
        ["ADIE Test", "BGE Test", "CitésLab Test"]
    );
    let trail = parcours_persistence::audit::for_holder(app.db.conn(), id)
        .await
        .unwrap();
    assert_eq!(trail.last().unwrap().action, "holder.export");

    assert_eq!(bge.get(&url).send().await.unwrap().status(), 403);
    assert_eq!(caq.get(&url).send().await.unwrap().status(), 404);

    let browser = Browser::new(&app);
    browser.sign_in(&cites_user).await;
    let file = browser.get(&format!("/personnes/{id}")).await;
    assert!(file.body.contains(&format!("/personnes/{id}/donnees")));
    let page = browser.get(&format!("/personnes/{id}/donnees")).await;
    assert_eq!(page.status, 200);
    for seen in [
        "Données détenues sur Zéphyrine Quetzalcoatl",
        "Zéphyrine Quetzalcoatl joignable au 0687654321",
        "de CitésLab Test vers ADIE Test",
        "Bus de l&#39;entrepreneuriat",
        "BGE Test",
        "a consulté la fiche",
    ] {
        assert!(page.body.contains(seen), "{seen} in {}", page.body);
    }
    let partner = Browser::new(&app);
    partner.sign_in(&bge_user).await;
    assert_eq!(
        partner
            .get(&format!("/personnes/{id}/donnees"))
            .await
            .status,
        403
    );
}

/// Two files of one person, found as possible duplicates, merged by an org admin: each
/// contact of both files is there once, and projects, consents, referrals, the event
/// attended by both (once) and the audit entries follow; the merged id answers 404,
/// pointing the organisation's users to the file kept, and nobody else.
#[tokio::test]
async fn a_merge_keeps_every_contact_of_both_files_once() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let bge_admin = app.user(bge_org, Role::OrgAdmin).await;
    let api = app.login(&adviser).await;
    let holders = app.url("/api/v1/holders");
    let keep = post(
        &api,
        holders.clone(),
        json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-05-17"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let twin = post(&api, holders.clone(), json!({"first_name": "AWA", "last_name": "DIALLO", "birth_date": "1990-05-17", "phone": "0611111111"}))
        .await["id"]
        .as_i64()
        .unwrap();
    // Same last name only: not a candidate (one pair below).
    post(
        &api,
        holders,
        json!({"first_name": "Binta", "last_name": "Diallo"}),
    )
    .await;
    let event = post(
        &api,
        app.url("/api/v1/events"),
        json!({"kind": "bus", "title": "Bus", "held_on": "2026-10-20"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut contacts = Vec::new();
    for id in [keep, twin] {
        for note in ["premier", "second"] {
            let c = post(
                &api,
                app.url(&format!("/api/v1/holders/{id}/contacts")),
                json!({"kind": "entretien", "notes": format!("{note} {id}")}),
            )
            .await;
            contacts.push(c["id"].as_i64().unwrap());
        }
        post(
            &api,
            app.url(&format!("/api/v1/holders/{id}/projects")),
            json!({"idea": format!("Projet {id}")}),
        )
        .await;
        post(
            &api,
            app.url(&format!("/api/v1/holders/{id}/consents")),
            json!({"purpose": "partage_partenaires", "given": true}),
        )
        .await;
        post(
            &api,
            app.url(&format!("/api/v1/events/{event}/attendees")),
            json!({"holder_id": id}),
        )
        .await;
    }
    let referral = post(
        &api,
        app.url("/api/v1/referrals"),
        json!({"holder_id": twin, "to_organisation_id": bge_org, "need": "Étude"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let trail = async |id| {
        parcours_persistence::audit::for_holder(app.db.conn(), id)
            .await
            .unwrap()
            .len()
    };

    // The candidates: org admins only.
    assert_eq!(
        api.get(app.url("/api/v1/duplicates"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let admin_api = app.login(&admin).await;
    let pairs = get(&admin_api, app.url("/api/v1/duplicates")).await;
    let pairs = pairs["items"].as_array().unwrap().clone();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        (
            pairs[0]["first"]["holder_id"].as_i64(),
            pairs[0]["second"]["holder_id"].as_i64()
        ),
        (Some(keep), Some(twin))
    );

    // A file kept that does not exist is the address's 404, whatever the duplicate
    // (locked first when its id is lower, it must not answer the field's 422).
    for duplicate in [0, twin] {
        assert_eq!(
            admin_api
                .post(app.url("/api/v1/holders/9223372036854775806/merge"))
                .json(&json!({ "duplicate_id": duplicate }))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
    }
    let unknown = admin_api
        .post(app.url(&format!("/api/v1/holders/{keep}/merge")))
        .json(&json!({ "duplicate_id": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        422,
        "an unknown duplicate names its field"
    );

    let audited = trail(keep).await + trail(twin).await;
    let merge = app.url(&format!("/api/v1/holders/{keep}/merge"));
    let body = json!({"duplicate_id": twin});
    assert_eq!(
        api.post(&merge).json(&body).send().await.unwrap().status(),
        403,
        "advisers do not merge"
    );
    let bge = app.login(&bge_admin).await;
    assert_eq!(
        bge.post(&merge).json(&body).send().await.unwrap().status(),
        404
    );
    let itself = admin_api
        .post(&merge)
        .json(&json!({"duplicate_id": keep}))
        .send()
        .await
        .unwrap();
    assert_eq!(itself.status(), 422);
    assert_eq!(
        crate::support::fields(&crate::support::problem(itself).await),
        ["duplicate_id"]
    );
    let unknown = admin_api
        .post(&merge)
        .json(&json!({"duplicate_id": 9999}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 422);
    let merged = admin_api.post(&merge).json(&body).send().await.unwrap();
    assert_eq!(merged.status(), 200);
    assert_eq!(trail(twin).await, 0);
    assert_eq!(
        trail(keep).await,
        audited + 2,
        "both files' entries, and the merge on each"
    );

    // Every contact of both, once; the rest follows.
    let listed = get(
        &admin_api,
        app.url(&format!("/api/v1/holders/{keep}/contacts?limit=50")),
    )
    .await;
    let mut ids: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    contacts.sort_unstable();
    assert_eq!(ids, contacts);
    let file = get(&admin_api, app.url(&format!("/api/v1/holders/{keep}"))).await;
    assert_eq!(file["projects"].as_array().unwrap().len(), 2);
    let consents = get(
        &admin_api,
        app.url(&format!("/api/v1/holders/{keep}/consents")),
    )
    .await;
    assert_eq!(consents["history"].as_array().unwrap().len(), 2);
    let referral = get(
        &admin_api,
        app.url(&format!("/api/v1/referrals/{referral}")),
    )
    .await;
    assert_eq!(referral["holder_id"], keep);
    let timeline = get(
        &admin_api,
        app.url(&format!("/api/v1/holders/{keep}/timeline?limit=200")),
    )
    .await;
    let attended = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "evenement")
        .count();
    assert_eq!(attended, 1, "the event both attended, once");
    assert!(
        get(&admin_api, app.url("/api/v1/duplicates")).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The merged id: 404, pointing the organisation's users to the file kept; another
    // organisation learns nothing.
    let gone = admin_api
        .get(app.url(&format!("/api/v1/holders/{twin}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let problem = crate::support::problem(gone).await;
    assert_eq!(problem["merged_into"], keep, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("fiche n° {keep}"))
    );
    let elsewhere = app
        .login(&bge_admin)
        .await
        .get(app.url(&format!("/api/v1/holders/{twin}")))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    let problem = crate::support::problem(elsewhere).await;
    assert!(problem.get("merged_into").is_none(), "{problem}");
    assert!(problem.get("detail").is_none(), "{problem}");
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let gone = browser.get(&format!("/personnes/{twin}")).await;
    assert_eq!(gone.status, 404);
    assert!(
        gone.body.contains(&format!("href=\"/personnes/{keep}\"")),
        "{}",
        gone.body
    );
    let stranger = Browser::new(&app);
    stranger.sign_in(&bge_admin).await;
    let gone = stranger.get(&format!("/personnes/{twin}")).await;
    assert_eq!(gone.status, 404);
    assert!(!gone.body.contains(&format!("/personnes/{keep}")));
}

/// A space with one office of the organisation of `admin` (an org admin of a host).
async fn office_of(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let space = post(
        admin,
        app.url("/api/v1/spaces"),
        json!({"name": "Centre Les Tilleuls"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        admin,
        app.url(&format!("/api/v1/spaces/{space}/units")),
        json!({"kind": "bureau", "label": "Bureau 1", "monthly_rent_eur": 180}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A hosting agreement in force is activity until its end: past the retention date
/// of everything else, the file is neither listed nor anonymised; a whole period after
/// the agreement's end, it is.
#[tokio::test]
async fn a_hosting_agreement_in_force_keeps_the_file_active() {
    let app = TestApp::start().await;
    let caq_org = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let caq_admin = app.user(caq_org, Role::OrgAdmin).await;
    let admin = app.login(&caq_admin).await;
    let start = app.clock.now();
    let id = post(
        &admin,
        app.url("/api/v1/holders"),
        json!({"first_name": "Awa", "last_name": "Quetzalcoatl"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let office = office_of(&app, &admin).await;
    let end = start.date_naive().checked_add_months(months(24)).unwrap();
    post(
        &admin,
        app.url("/api/v1/hosting"),
        json!({
            "unit_id": office, "holder_id": id,
            "start_date": start.date_naive().to_string(), "planned_end": end.to_string()
        }),
    )
    .await;
    let core = &app.state.core;

    app.clock
        .set(start.checked_add_months(months(24)).unwrap() + Duration::days(1));
    assert!(
        privacy::due(core, &caq_admin.actor(), app.clock.now())
            .await
            .unwrap()
            .is_empty(),
        "not listed while the agreement runs"
    );
    assert_eq!(
        privacy::run(core, app.clock.now())
            .await
            .unwrap()
            .anonymised,
        0
    );
    let admin = app.login(&caq_admin).await;
    let file = get(&admin, app.url(&format!("/api/v1/holders/{id}"))).await;
    assert_eq!(file["last_name"], "Quetzalcoatl");

    let after_end = end.and_hms_opt(0, 0, 0).unwrap().and_utc();
    app.clock
        .set(after_end.checked_add_months(months(24)).unwrap() + Duration::days(1));
    assert_eq!(
        privacy::run(core, app.clock.now())
            .await
            .unwrap()
            .anonymised,
        1
    );
    let admin = app.login(&caq_admin).await;
    let file = get(&admin, app.url(&format!("/api/v1/holders/{id}"))).await;
    assert_eq!(file["first_name"], "Personne");
}

/// A hosting agreement is in the person's export, and follows a merge into the file
/// kept.
#[tokio::test]
async fn the_export_holds_hosting_agreements_which_follow_a_merge() {
    let app = TestApp::start().await;
    let caq_org = app.organisation("CAQ Test", OrganisationKind::Caq).await;
    let admin = app.login(&app.user(caq_org, Role::OrgAdmin).await).await;
    let person = json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-05-17"});
    let keep = post(&admin, app.url("/api/v1/holders"), person.clone()).await["id"]
        .as_i64()
        .unwrap();
    let twin = post(&admin, app.url("/api/v1/holders"), person).await["id"]
        .as_i64()
        .unwrap();
    let office = office_of(&app, &admin).await;
    let agreement = post(
        &admin,
        app.url("/api/v1/hosting"),
        json!({
            "unit_id": office, "holder_id": twin,
            "start_date": "2026-11-02", "planned_end": "2027-11-01"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let hosted = async |id: i64| {
        let export = get(&admin, app.url(&format!("/api/v1/holders/{id}/export"))).await;
        export["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "hebergement")
            .map(|e| e["hosting_agreement_id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(hosted(twin).await, [agreement]);
    assert_eq!(hosted(keep).await, Vec::<i64>::new());

    post(
        &admin,
        app.url(&format!("/api/v1/holders/{keep}/merge")),
        json!({"duplicate_id": twin}),
    )
    .await;
    assert_eq!(hosted(keep).await, [agreement]);
}

/// Two files of one person, each referred to the same partner and still waiting: the
/// merge would give the person two live referrals to it, so it is refused (409) until
/// one is settled, and nothing moves.
#[tokio::test]
async fn two_live_referrals_to_one_partner_stop_a_merge() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app
        .login(&app.user(adviser.organisation_id, Role::OrgAdmin).await)
        .await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let person = json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-05-17"});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = post(&admin, app.url("/api/v1/holders"), person.clone()).await["id"]
            .as_i64()
            .unwrap();
        post(
            &admin,
            app.url(&format!("/api/v1/holders/{id}/consents")),
            json!({"purpose": "partage_partenaires", "given": true}),
        )
        .await;
        post(
            &admin,
            app.url("/api/v1/referrals"),
            json!({"holder_id": id, "to_organisation_id": bge_org, "need": "Étude"}),
        )
        .await;
        ids.push(id);
    }
    let merged = admin
        .post(app.url(&format!("/api/v1/holders/{}/merge", ids[0])))
        .json(&json!({"duplicate_id": ids[1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(merged.status(), 409);
    assert_eq!(
        get(&admin, app.url(&format!("/api/v1/holders/{}", ids[1]))).await["first_name"],
        "Awa",
        "the duplicate is still there"
    );
}

/// The merge on pages: org admins list the possible duplicates side by side, choose
/// the file to keep, confirm, and land on it; the other file's address then leads
/// there. Advisers reach none of it; two live referrals to one partner are refused on
/// the confirmation page, and nothing is merged.
#[tokio::test]
async fn org_admins_merge_duplicates_from_the_pages() {
    use crate::pages::Browser;
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let admin = app.user(adviser.organisation_id, Role::OrgAdmin).await;
    let bge_org = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let api = app.login(&adviser).await;
    let holders = app.url("/api/v1/holders");
    let keep = post(
        &api,
        holders.clone(),
        json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-05-17"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let twin = post(
        &api,
        holders.clone(),
        json!({"first_name": "AWA", "last_name": "DIALLO", "birth_date": "1990-05-17", "phone": "0611111111"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let list = "/personnes/doublons";
    let confirm = format!("/personnes/{keep}/fusionner?doublon={twin}");

    let colleague = Browser::new(&app);
    let people = colleague.sign_in(&adviser).await;
    assert!(!people.body.contains(list));
    assert_eq!(colleague.get(list).await.status, 403);
    assert_eq!(colleague.get(&confirm).await.status, 403);

    let browser = Browser::new(&app);
    browser.sign_in(&admin).await;
    assert!(browser.get("/personnes").await.body.contains(list));
    let audited = async |id| {
        parcours_persistence::audit::for_holder(app.db.conn(), id)
            .await
            .unwrap()
            .len()
    };
    let before = (audited(keep).await, audited(twin).await);
    let pairs = browser.get(list).await;
    assert_eq!(pairs.status, 200);
    for link in [
        format!("href=\"/personnes/{keep}/fusionner?doublon={twin}\""),
        format!("href=\"/personnes/{twin}/fusionner?doublon={keep}\""),
    ] {
        assert!(pairs.body.contains(&link), "{link}: {}", pairs.body);
    }
    assert!(
        pairs.body.contains("<dd>+33611111111</dd>"),
        "{}",
        pairs.body
    );
    assert_eq!(
        (audited(keep).await, audited(twin).await),
        (before.0 + 1, before.1 + 1),
        "the list is a read of each person shown"
    );

    // The confirmation names both files; a file twice, or none, is not found.
    let page = browser.get(&confirm).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Fusionner deux fiches de Awa Diallo"));
    assert!(
        page.body
            .contains(&format!("name=\"duplicate_id\" value=\"{twin}\""))
    );
    for wrong in [keep.to_string(), "abc".into(), "".into()] {
        let answer = browser
            .get(&format!("/personnes/{keep}/fusionner?doublon={wrong}"))
            .await;
        assert_eq!(answer.status, 404, "doublon={wrong}");
    }
    let other_org_file = {
        let bge_adviser = app.user(bge_org, Role::Adviser).await;
        let bge = app.login(&bge_adviser).await;
        post(
            &bge,
            holders.clone(),
            json!({"first_name": "Awa", "last_name": "Diallo"}),
        )
        .await["id"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        browser
            .get(&format!(
                "/personnes/{keep}/fusionner?doublon={other_org_file}"
            ))
            .await
            .status,
        404
    );

    // Two live referrals to one partner: refused on the page, nothing merged.
    let mut referrals = Vec::new();
    for id in [keep, twin] {
        post(
            &api,
            app.url(&format!("/api/v1/holders/{id}/consents")),
            json!({"purpose": "partage_partenaires", "given": true}),
        )
        .await;
        referrals.push(
            post(
                &api,
                app.url("/api/v1/referrals"),
                json!({"holder_id": id, "to_organisation_id": bge_org, "need": "Étude"}),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let csrf = page.csrf();
    let form = [
        ("_csrf", csrf.as_str()),
        ("duplicate_id", &twin.to_string()),
    ];
    let path = format!("/personnes/{keep}/fusionner");
    let refused = browser.post(&path, &form).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("href=\"#champ-fusion\""),
        "{}",
        refused.body
    );
    assert!(browser.get(&format!("/personnes/{twin}")).await.status == 200);

    // Once one referral is withdrawn, the merge goes through.
    post(
        &api,
        app.url(&format!("/api/v1/referrals/{}/withdraw", referrals[1])),
        json!({}),
    )
    .await;
    let merged = browser.post(&path, &form).await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    assert_eq!(merged.location, format!("/personnes/{keep}?fait=fusion"));
    let kept = browser.get(&merged.location).await;
    assert!(kept.body.contains("Fiches fusionnées"), "{}", kept.body);
    let gone = browser.get(&format!("/personnes/{twin}")).await;
    assert_eq!(gone.status, 404);
    assert!(gone.body.contains(&format!("href=\"/personnes/{keep}\"")));
    assert!(
        browser
            .get(list)
            .await
            .body
            .contains("Aucun doublon possible")
    );
}
