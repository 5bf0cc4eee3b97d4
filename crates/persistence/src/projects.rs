//! A holder's projects.

use crate::Result;
use crate::entities::projects;
use crate::unique::Unique;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

pub use projects::Model as Project;

#[derive(Clone, Debug, Default)]
pub struct ProjectFields {
    pub idea: String,
    pub sector: Option<String>,
    pub planned_legal_form: Option<String>,
    pub micro_entreprise: bool,
    pub collective: bool,
    pub financing_need_eur: Option<i64>,
    pub siret: Option<String>,
    pub created_on: Option<NaiveDate>,
    pub legal_form: Option<String>,
}

fn apply(active: &mut projects::ActiveModel, fields: ProjectFields) {
    active.idea = Set(fields.idea);
    active.sector = Set(fields.sector);
    active.planned_legal_form = Set(fields.planned_legal_form);
    active.micro_entreprise = Set(fields.micro_entreprise);
    active.collective = Set(fields.collective);
    active.financing_need_eur = Set(fields.financing_need_eur);
    active.siret = Set(fields.siret);
    active.created_on = Set(fields.created_on);
    active.legal_form = Set(fields.legal_form);
}

pub async fn create(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    fields: ProjectFields,
    now: DateTime<Utc>,
) -> Result<Project> {
    let mut active = projects::ActiveModel {
        holder_id: Set(holder_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let id = projects::Entity::insert(active)
        .exec(conn)
        .await?
        .last_insert_id;
    get(conn, id)
        .await?
        .ok_or(crate::PersistenceError::NotFound)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Project>> {
    Ok(projects::Entity::find_by_id(id).unique(conn).await?)
}

pub async fn for_holder(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<Project>> {
    Ok(projects::Entity::find()
        .filter(projects::Column::HolderId.eq(holder_id))
        .order_by_asc(projects::Column::Id)
        .all(conn)
        .await?)
}

/// Replaces the fields if the project is still at `version`; `None` otherwise.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: i64,
    version: i32,
    fields: ProjectFields,
    now: DateTime<Utc>,
) -> Result<Option<Project>> {
    let mut active = projects::ActiveModel {
        version: Set(version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let updated = projects::Entity::update_many()
        .set(active)
        .filter(projects::Column::Id.eq(id))
        .filter(projects::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    get(conn, id).await
}

/// Records the business a project became (closing with `entreprise_creee`).
pub async fn record_creation(
    conn: &impl ConnectionTrait,
    project: &Project,
    siret: &str,
    created_on: NaiveDate,
    legal_form: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut fields = ProjectFields {
        idea: project.idea.clone(),
        sector: project.sector.clone(),
        planned_legal_form: project.planned_legal_form.clone(),
        micro_entreprise: project.micro_entreprise,
        collective: project.collective,
        financing_need_eur: project.financing_need_eur,
        ..ProjectFields::default()
    };
    fields.siret = Some(siret.to_owned());
    fields.created_on = Some(created_on);
    fields.legal_form = Some(legal_form.to_owned());
    update(conn, project.id, project.version, fields, now)
        .await?
        .map(|_| ())
        .ok_or_else(|| crate::PersistenceError::Conflict("project version".into()))
}
