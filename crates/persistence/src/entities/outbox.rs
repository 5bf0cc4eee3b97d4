use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub message_id: String,
    pub created_at: DateTimeUtc,
    /// Real tries the server answered for this message (delivered or refused); a claim
    /// is not one, and neither is a try that found the server down.
    pub attempts: i32,
    /// When it is due; its lease (`claimed_until`) keeps other workers off meanwhile.
    pub next_attempt_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub failed_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// While set and in the future, a worker is sending it: no other takes it.
    pub claimed_until: Option<DateTimeUtc>,
    /// When an operator requeued it after it was given up.
    pub requeued_at: Option<DateTimeUtc>,
}

/// No recipient or body in logs.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("outbox::Model")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
