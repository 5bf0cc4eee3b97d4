use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub referent_organisation_id: i64,
    pub referent_user_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub sort_key: String,
    pub first_name_key: String,
    pub birth_date: Option<Date>,
    pub gender: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    pub qpv_code: Option<String>,
    pub qpv_status: String,
    pub qpv_status_source: String,
    pub situation: Option<String>,
    pub education_level: Option<String>,
    pub stage: String,
    pub stage_entered_at: DateTimeUtc,
    pub outcome: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The awareness event where the person was first met, if any.
    pub source_event_id: Option<i64>,
    /// The person's reference in the organisation's former tool (an import's « N° dossier »).
    pub external_ref: Option<String>,
    /// When the file was anonymised: its identity and free text are gone.
    pub anonymised_at: Option<DateTimeUtc>,
    /// When the daily job anonymises it whatever its activity (the person withdrew
    /// their consent to be followed).
    pub anonymise_from: Option<DateTimeUtc>,
    /// Erased on request: by whom, and the request's reference.
    pub erased_by: Option<i64>,
    pub erasure_reason: Option<String>,
}

/// Ids and stage only: a holder's identity never reaches logs.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("holders::Model")
            .field("id", &self.id)
            .field("referent_organisation_id", &self.referent_organisation_id)
            .field("stage", &self.stage)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
