//! The queries that must not slow down as data grows are served by their indexes: the
//! database's own plan says so, on SQLite and on PostgreSQL.

use crate::support::{TestApp, t0};
use chrono::Duration;
use parcours_domain::pathway::Stage;
use parcours_persistence::holders::{self, HolderQuery};
use parcours_persistence::{ConnectionTrait, DbBackend, TransactionTrait, pathway};

/// The plan's text, one line per step.
async fn plan(app: &TestApp, sql: &str) -> String {
    let conn = app.db.conn();
    match app.db.backend() {
        DbBackend::Sqlite => {
            let rows = conn
                .query_all_raw(parcours_persistence::Statement::from_string(
                    DbBackend::Sqlite,
                    format!("EXPLAIN QUERY PLAN {sql}"),
                ))
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
            let rows = txn
                .query_all_raw(parcours_persistence::Statement::from_string(
                    DbBackend::Postgres,
                    format!("EXPLAIN {sql}"),
                ))
                .await
                .unwrap();
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
        stage: Some("accompagnement".into()),
        ..deep_page
    };
    assert_index_order(
        &plan(&app, &holders::list_sql(backend, &by_stage)).await,
        "idx_holders_org_stage",
    );
}

#[tokio::test]
async fn who_entered_a_stage_in_a_period_is_one_range_scan() {
    let app = TestApp::start().await;
    let sql = pathway::entered_sql(
        app.db.backend(),
        Stage::Accompagnement,
        t0(),
        t0() + Duration::days(90),
    );
    let plan = plan(&app, &sql).await;
    assert!(plan.contains("idx_pathway_kind_stage_at"), "{plan}");
}
