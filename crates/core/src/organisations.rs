//! The partner organisations: a directory every signed-in user may read.

use crate::text::{id, word};
use crate::{Actor, Core, Error, Page, PageRequest, Result};
use parcours_domain::ValidationErrors;
use parcours_domain::organisations::OrganisationKind;
use parcours_persistence::organisations::{self, ListQuery, Organisation};

/// Filters of the directory, as typed.
#[derive(Clone, Debug, Default)]
pub struct ListInput {
    /// A territory id.
    pub territory: Option<String>,
    pub kind: Option<String>,
    pub page: PageRequest,
}

/// Organisations ordered by name, a page at a time.
pub async fn list(core: &Core, _actor: &Actor, input: &ListInput) -> Result<Page<Organisation>> {
    let mut errors = ValidationErrors::new();
    let territory_id = id(&mut errors, "territory", input.territory.as_deref());
    let kind: Option<OrganisationKind> = word(&mut errors, "kind", input.kind.as_deref());
    let (after, limit) = input.page.parse(&mut errors);
    errors.into_result()?;
    let query = ListQuery {
        territory_id,
        kind,
        after,
        limit,
    };
    let (rows, more) = organisations::list(core.db.conn(), &query).await?;
    Ok(Page::of(rows, more, |o| (o.name.clone(), o.id)))
}

/// One organisation.
pub async fn get(core: &Core, _actor: &Actor, id: i64) -> Result<Organisation> {
    organisations::get(core.db.conn(), id)
        .await?
        .ok_or(Error::NotFound)
}

/// The names of organisations, by id, in one query; unknown ids are left out.
pub async fn names(
    core: &Core,
    _actor: &Actor,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    Ok(organisations::names(core.db.conn(), ids).await?)
}

/// The enabled accounts of the actor's own organisation, by name: who may be a
/// référent adviser, or a filter of the caseload.
pub async fn colleagues(
    core: &Core,
    actor: &Actor,
) -> Result<Vec<parcours_persistence::users::User>> {
    Ok(parcours_persistence::users::of_organisation(core.db.conn(), actor.organisation_id).await?)
}
