//! The queries that must not slow down as data grows are served by their indexes: the
//! database's own plan says so, on SQLite and on PostgreSQL.

use crate::support::TestApp;
use chrono::NaiveDate;
use parcours_persistence::holders::{self, HolderQuery};
use parcours_persistence::reports::{self, AgeBand, Scope};
use parcours_persistence::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

/// The plan's text, one line per step.
async fn plan(app: &TestApp, sql: &str) -> String {
    plan_of(
        app,
        Statement::from_string(app.db.backend(), sql.to_owned()),
    )
    .await
}

/// The plan of a statement with its bound values.
async fn plan_of(app: &TestApp, statement: Statement) -> String {
    let conn = app.db.conn();
    let explained = |prefix: &str| Statement {
        sql: format!("{prefix} {}", statement.sql),
        ..statement.clone()
    };
    match app.db.backend() {
        DbBackend::Sqlite => {
            let rows = conn
                .query_all_raw(explained("EXPLAIN QUERY PLAN"))
                .await
                .unwrap();
            rows.iter()
                .map(|r| r.try_get::<String>("", "detail").unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        }
        _ => {
            // Tiny test tables make a sequential scan cheapest; ask what the planner
            // does when the table is large, i.e. when scans cost what they do at scale.
            let txn = conn.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            let rows = txn.query_all_raw(explained("EXPLAIN")).await.unwrap();
            let text = rows
                .iter()
                .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            txn.commit().await.unwrap();
            text
        }
    }
}

fn assert_index_order(plan: &str, index: &str) {
    assert!(plan.contains(index), "{index} not used:\n{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "sorts in memory:\n{plan}");
    assert!(
        !plan.lines().any(|l| l
            .trim_start()
            .trim_start_matches("->")
            .trim_start()
            .starts_with("Sort")),
        "sorts:\n{plan}"
    );
}

#[tokio::test]
async fn holder_pages_follow_the_index_at_any_depth() {
    let app = TestApp::start().await;
    let backend = app.db.backend();
    let first_page = HolderQuery {
        organisation_id: 1,
        limit: 50,
        ..HolderQuery::default()
    };
    assert_index_order(
        &plan(&app, &holders::list_sql(backend, &first_page)).await,
        "idx_holders_org_sort",
    );
    let deep_page = HolderQuery {
        after: Some(("martin awa".into(), 123_456)),
        ..first_page.clone()
    };
    let deep = plan(&app, &holders::list_sql(backend, &deep_page)).await;
    assert_index_order(&deep, "idx_holders_org_sort");
    // The page starts at the cursor in the index, not after filtering earlier rows.
    assert!(
        deep.lines()
            .any(|l| (l.contains("Index Cond") || l.contains("USING INDEX"))
                && l.contains("sort_key")),
        "the cursor does not bound the index range:\n{deep}"
    );
    let by_stage = HolderQuery {
        stage: Some(parcours_domain::pathway::Stage::Accompagnement),
        ..deep_page
    };
    assert_index_order(
        &plan(&app, &holders::list_sql(backend, &by_stage)).await,
        "idx_holders_org_stage",
    );
    // « Sans contact depuis 60 jours »: the list's order from its index, contacts
    // reached through an index (SQLite probes idx_contacts_holder_at per candidate;
    // PostgreSQL picks its anti-join by its statistics), never scanned whole.
    let quiet = HolderQuery {
        no_contact_since: Some(chrono::Utc::now()),
        ..first_page
    };
    let quiet = plan(&app, &holders::list_sql(backend, &quiet)).await;
    assert_index_order(&quiet, "idx_holders_org_sort");
    assert!(quiet.contains("idx_contacts_"), "{quiet}");
    assert!(
        !quiet.contains("Seq Scan on contacts") && !quiet.contains("SCAN contacts"),
        "{quiet}"
    );
}

/// Every report query reaches the big tables through an index — what the scope's
/// organisations recorded, by organisation and date; a holder's history, by holder —
/// and never reads a whole table, with or without profile filters.
#[tokio::test]
async fn report_queries_read_only_their_scope_through_indexes() {
    let app = TestApp::start().await;
    let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let plain = Scope {
        organisation_ids: vec![1, 2, 3],
        from: day("2026-10-01"),
        to: day("2027-01-01"),
        qpv_code: None,
        gender: None,
        age_band: None,
        situation: None,
    };
    let filtered = Scope {
        gender: Some(parcours_domain::holders::Gender::Femme),
        age_band: Some(AgeBand::Under26),
        ..plain.clone()
    };
    let big_tables = [
        "holders",
        "pathway_events",
        "contacts",
        "referrals",
        "hosting_agreements",
        "event_attendees",
        "events",
    ];
    for scope in [plain, filtered] {
        for (name, statement) in reports::statements(app.db.backend(), &scope) {
            let plan = plan_of(&app, statement).await;
            for line in plan.lines() {
                let step = line.trim_start().trim_start_matches("->").trim_start();
                // SQLite: `SCAN alias` without an index is a whole table (or index).
                let sqlite_scan = step.starts_with("SCAN ")
                    && ["h", "e", "c", "r", "a", "ev"]
                        .iter()
                        .any(|alias| step.split_whitespace().nth(1) == Some(alias));
                let postgres_scan = big_tables
                    .iter()
                    .any(|t| step.starts_with(&format!("Seq Scan on {t} ")));
                assert!(
                    !sqlite_scan && !postgres_scan,
                    "{name} reads a whole table:\n{plan}"
                );
            }
        }
    }
}
