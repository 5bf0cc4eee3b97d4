//! Pathway history queries: who entered a stage, or left with an outcome, in a period.
//! Each is one range scan on an index that starts with the stage or the outcome.

use crate::Result;
use crate::entities::pathway_events;
use chrono::{DateTime, Utc};
use parcours_domain::pathway::{PathwayEventKind, Stage};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};

/// Entries into `stage` (a first entry or a move) in `[from, to)`.
fn entered_select(
    stage: Stage,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Select<pathway_events::Entity> {
    pathway_events::Entity::find()
        .filter(pathway_events::Column::ToStage.eq(stage.as_str()))
        .filter(pathway_events::Column::Kind.is_in([
            PathwayEventKind::Entry.as_str(),
            PathwayEventKind::Move.as_str(),
        ]))
        .filter(pathway_events::Column::OccurredAt.gte(from))
        .filter(pathway_events::Column::OccurredAt.lt(to))
        .order_by_asc(pathway_events::Column::OccurredAt)
}

/// (holder, when) for every entry into `stage` in `[from, to)`, oldest first.
pub async fn entered(
    conn: &impl ConnectionTrait,
    stage: Stage,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>)>> {
    Ok(entered_select(stage, from, to)
        .select_only()
        .column(pathway_events::Column::HolderId)
        .column(pathway_events::Column::OccurredAt)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The SQL of [`entered`], for checking its plan.
pub fn entered_sql(
    backend: sea_orm::DbBackend,
    stage: Stage,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> String {
    entered_select(stage, from, to).build(backend).to_string()
}
