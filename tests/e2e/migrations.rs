//! Upgrades keep what the database already holds meaningful.

use crate::support::{TestDb, t0};
use chrono::Duration;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_migrations::{Migrator, MigratorTrait};
use parcours_persistence::entities::{holders, pathway_events, users};
use parcours_persistence::{ConnectionTrait, DbBackend, Statement, organisations, territories};
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};

/// A history written before the reports migration: entry, move, closing, reopening,
/// move. After the upgrade, each move and closing knows when the stay it ended began.
#[tokio::test]
async fn the_reports_upgrade_dates_the_stays_already_recorded() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    let conn = db.conn();
    Migrator::up(conn, Some(4)).await.unwrap();
    let territory = territories::upsert(
        conn,
        &territories::TerritoryInput {
            code: "T",
            name: "Territoire",
            communes: vec![],
        },
        t0(),
    )
    .await
    .unwrap();
    let org = organisations::upsert(
        conn,
        &organisations::OrganisationInput {
            name: "CitésLab",
            kind: OrganisationKind::Citeslab,
            territory_id: territory,
            notification_email: None,
        },
        t0(),
    )
    .await
    .unwrap();
    // Only the columns of that version's schema: the entity has grown since.
    let user_id = users::Entity::insert(users::ActiveModel {
        organisation_id: Set(org),
        email: Set("a@example.test".into()),
        display_name: Set("A".into()),
        role: Set(Role::Adviser.as_str().into()),
        password_hash: Set("!".into()),
        failed_logins: Set(0),
        password_changed_at: Set(t0()),
        created_at: Set(t0()),
        updated_at: Set(t0()),
        ..Default::default()
    })
    .exec(conn)
    .await
    .unwrap()
    .last_insert_id;
    let holder = holders::Entity::insert(holders::ActiveModel {
        referent_organisation_id: Set(org),
        first_name: Set("Awa".into()),
        last_name: Set("Diallo".into()),
        sort_key: Set("diallo awa".into()),
        first_name_key: Set("awa diallo".into()),
        qpv_status: Set("unknown".into()),
        qpv_status_source: Set("non_renseigne".into()),
        stage: Set("accompagnement".into()),
        stage_entered_at: Set(t0()),
        version: Set(1),
        created_by: Set(user_id),
        created_at: Set(t0()),
        updated_at: Set(t0()),
        ..Default::default()
    })
    .exec(conn)
    .await
    .unwrap()
    .last_insert_id;
    let day = |n: i64| t0() + Duration::days(n);
    let history = [
        ("entree", None, "information", 0),
        ("changement", Some("information"), "accompagnement", 10),
        ("cloture", Some("accompagnement"), "accompagnement", 40),
        ("reouverture", None, "accompagnement", 50),
        ("changement", Some("accompagnement"), "hebergement", 65),
    ];
    let backend = db.backend();
    let insert = match backend {
        DbBackend::Postgres => {
            "INSERT INTO pathway_events (holder_id, organisation_id, user_id, kind, from_stage, to_stage, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        }
        _ => {
            "INSERT INTO pathway_events (holder_id, organisation_id, user_id, kind, from_stage, to_stage, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        }
    };
    for (kind, from, to, at) in history {
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            insert,
            [
                holder.into(),
                org.into(),
                user_id.into(),
                kind.into(),
                from.map(str::to_owned).into(),
                to.into(),
                day(at).into(),
            ],
        ))
        .await
        .unwrap();
    }

    Migrator::up(conn, None).await.unwrap();
    let rows: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> = pathway_events::Entity::find()
        .order_by_asc(pathway_events::Column::Id)
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.stay_started_at))
        .collect();
    assert_eq!(
        rows,
        [
            ("entree".into(), None),
            ("changement".into(), Some(day(0))),
            ("cloture".into(), Some(day(10))),
            ("reouverture".into(), None),
            ("changement".into(), Some(day(50))),
        ]
    );
}
