//! A holder's projects.

use crate::entities::projects;
use crate::unique::Unique;
use crate::words::optional;
use crate::{PersistenceError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::access::Change;
use parcours_domain::contacts::LegalForm;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

const TABLE: &str = "projects";

#[derive(Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub holder_id: i64,
    pub idea: String,
    pub sector: Option<String>,
    pub planned_legal_form: Option<LegalForm>,
    pub micro_entreprise: bool,
    pub collective: bool,
    pub financing_need_eur: Option<i64>,
    pub siret: Option<String>,
    pub created_on: Option<NaiveDate>,
    pub legal_form: Option<LegalForm>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

parcours_domain::redacted_debug!(Project {
    id,
    holder_id,
    version,
    created_on
});

impl Project {
    /// The fields as they stand, to change some of them.
    pub fn fields(&self) -> ProjectFields {
        ProjectFields {
            idea: self.idea.clone(),
            sector: self.sector.clone(),
            planned_legal_form: self.planned_legal_form,
            micro_entreprise: self.micro_entreprise,
            collective: self.collective,
            financing_need_eur: self.financing_need_eur,
            siret: self.siret.clone(),
            created_on: self.created_on,
            legal_form: self.legal_form,
        }
    }
}

impl TryFrom<projects::Model> for Project {
    type Error = PersistenceError;

    fn try_from(m: projects::Model) -> Result<Self> {
        Ok(Self {
            planned_legal_form: optional(
                TABLE,
                "planned_legal_form",
                m.planned_legal_form.as_deref(),
            )?,
            legal_form: optional(TABLE, "legal_form", m.legal_form.as_deref())?,
            id: m.id,
            holder_id: m.holder_id,
            idea: m.idea,
            sector: m.sector,
            micro_entreprise: m.micro_entreprise,
            collective: m.collective,
            financing_need_eur: m.financing_need_eur,
            siret: m.siret,
            created_on: m.created_on,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProjectFields {
    pub idea: String,
    pub sector: Option<String>,
    pub planned_legal_form: Option<LegalForm>,
    pub micro_entreprise: bool,
    pub collective: bool,
    pub financing_need_eur: Option<i64>,
    pub siret: Option<String>,
    pub created_on: Option<NaiveDate>,
    pub legal_form: Option<LegalForm>,
}

parcours_domain::redacted_debug!(ProjectFields {
    planned_legal_form,
    legal_form,
    created_on
});

fn apply(active: &mut projects::ActiveModel, fields: ProjectFields) {
    active.idea = Set(fields.idea);
    active.sector = Set(fields.sector);
    active.planned_legal_form = Set(fields.planned_legal_form.map(|f| f.as_str().to_owned()));
    active.micro_entreprise = Set(fields.micro_entreprise);
    active.collective = Set(fields.collective);
    active.financing_need_eur = Set(fields.financing_need_eur);
    active.siret = Set(fields.siret);
    active.created_on = Set(fields.created_on);
    active.legal_form = Set(fields.legal_form.map(|f| f.as_str().to_owned()));
}

pub async fn create(
    conn: &impl ConnectionTrait,
    change: &Change,
    fields: ProjectFields,
    now: DateTime<Utc>,
) -> Result<Project> {
    let mut active = projects::ActiveModel {
        holder_id: Set(change.holder_id()),
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
    get(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Project>> {
    projects::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Project::try_from)
        .transpose()
}

pub async fn for_holder(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<Project>> {
    projects::Entity::find()
        .filter(projects::Column::HolderId.eq(holder_id))
        .order_by_asc(projects::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Project::try_from)
        .collect()
}

/// The first project of a holder, if any: the one a referral summarises.
pub async fn first_of(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Option<Project>> {
    Ok(for_holder(conn, holder_id).await?.into_iter().next())
}

/// Replaces the fields of one of the holder's projects if it is still at `version`;
/// `None` otherwise.
pub async fn update(
    conn: &impl ConnectionTrait,
    change: &Change,
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
        .filter(projects::Column::HolderId.eq(change.holder_id()))
        .filter(projects::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    get(conn, id).await
}
