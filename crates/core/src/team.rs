//! An organisation's accounts, as its admins run them: who is there and in what state,
//! inviting someone, sending an invitation again, disabling and enabling. A platform
//! admin may do the same for any organisation; an org admin for their own only (another
//! organisation's account is not known to exist); other roles not at all.

use crate::account_links::{Purpose, issue};
use crate::{Actor, Core, Error, Refusal, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::users::{DisplayName, Email, Role};
use parcours_persistence::users::{self, NO_PASSWORD_YET, User};
use parcours_persistence::{account_tokens, commit, organisations};

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Invited, no password chosen yet; the latest link's expiry, if any is left.
    Invited {
        expires_at: Option<DateTime<Utc>>,
    },
    Disabled,
}

/// One account of the organisation.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: User,
    pub status: Status,
}

/// Whether `actor` runs the accounts of `organisation_id`.
fn may_manage(actor: &Actor, organisation_id: i64) -> Result<()> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::OrgAdmin if actor.organisation_id == organisation_id => Ok(()),
        Role::OrgAdmin => Err(Error::NotFound),
        _ => Err(Error::Forbidden(Refusal::Role)),
    }
}

/// The roles `actor` may give.
pub fn grantable_roles(actor: &Actor) -> &'static [Role] {
    match actor.role {
        Role::Admin => &[
            Role::Adviser,
            Role::OrgAdmin,
            Role::Coordinator,
            Role::Admin,
        ],
        _ => &[Role::Adviser, Role::OrgAdmin],
    }
}

/// Every account of the organisation, with its status.
pub async fn members(core: &Core, actor: &Actor, organisation_id: i64) -> Result<Vec<Member>> {
    may_manage(actor, organisation_id)?;
    let conn = core.db.conn();
    let accounts = users::all_of_organisation(conn, organisation_id).await?;
    let ids: Vec<i64> = accounts.iter().map(|u| u.id).collect();
    let links = account_tokens::latest_of(conn, &ids, Purpose::Invitation.as_str()).await?;
    Ok(accounts
        .into_iter()
        .map(|user| {
            let status = if user.disabled_at.is_some() {
                Status::Disabled
            } else if !user.has_password() {
                Status::Invited {
                    expires_at: links.get(&user.id).map(|l| l.expires_at),
                }
            } else {
                Status::Active
            };
            Member { user, status }
        })
        .collect())
}

/// An invitation, as typed.
#[derive(Clone, Debug, Default)]
pub struct Invitation {
    pub name: String,
    pub email: String,
    pub role: String,
}

/// Opens an account that waits for its person to choose a password, and sends them the
/// link. Errors name the fields `name`, `email`, `role`; an address already used is an
/// error on `email`.
pub async fn invite(
    core: &Core,
    actor: &Actor,
    organisation_id: i64,
    invitation: Invitation,
    now: DateTime<Utc>,
) -> Result<User> {
    may_manage(actor, organisation_id)?;
    let mut errors = ValidationErrors::new();
    let name = errors.check("name", DisplayName::parse(&invitation.name));
    let email = errors.check("email", Email::parse(&invitation.email));
    let role = match invitation.role.trim().parse::<Role>() {
        Ok(role) if grantable_roles(actor).contains(&role) => Some(role),
        _ => {
            errors.add("role", "choisissez un rôle dans la liste");
            None
        }
    };
    errors.into_result()?;
    let (Some(name), Some(email), Some(role)) = (name, email, role) else {
        return Err(Error::Internal(anyhow::anyhow!(
            "validated invitation incomplete"
        )));
    };
    let txn = core.db.begin_write().await?;
    organisations::get(&txn, organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    if users::find_by_email(&txn, &email).await?.is_some() {
        return Err(Error::invalid(
            "email",
            "un compte existe déjà avec cette adresse",
        ));
    }
    let user = users::create(
        &txn,
        &users::NewUser {
            organisation_id,
            email: &email,
            display_name: &name,
            role,
            password_hash: NO_PASSWORD_YET,
        },
        now,
    )
    .await?;
    issue(&txn, core, &user, Purpose::Invitation, now).await?;
    commit(txn).await?;
    tracing::info!(
        actor_id = actor.user_id,
        user_id = user.id,
        organisation_id,
        role = role.as_str(),
        "account invited"
    );
    Ok(user)
}

/// The account `user_id`, if `actor` runs its organisation.
async fn managed(core: &Core, actor: &Actor, user_id: i64) -> Result<User> {
    let user = users::get(core.db.conn(), user_id)
        .await?
        .ok_or(Error::NotFound)?;
    may_manage(actor, user.organisation_id)?;
    Ok(user)
}

fn email_of(user: &User) -> Result<Email> {
    Email::parse(&user.email).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
}

/// Sends a fresh invitation link; the earlier one stops working.
pub async fn resend(core: &Core, actor: &Actor, user_id: i64, now: DateTime<Utc>) -> Result<User> {
    let user = managed(core, actor, user_id).await?;
    if user.has_password() || user.disabled_at.is_some() {
        return Err(Error::Conflict(
            "ce compte n'attend pas d'invitation : il est actif ou désactivé".into(),
        ));
    }
    let txn = core.db.begin_write().await?;
    issue(&txn, core, &user, Purpose::Invitation, now).await?;
    commit(txn).await?;
    tracing::info!(actor_id = actor.user_id, user_id, "invitation sent again");
    Ok(user)
}

/// Disables an account: its sessions and links end at once. Not one's own.
pub async fn disable(core: &Core, actor: &Actor, user_id: i64, now: DateTime<Utc>) -> Result<User> {
    let user = managed(core, actor, user_id).await?;
    if user.id == actor.user_id {
        return Err(Error::Conflict(
            "vous ne pouvez pas désactiver votre propre compte".into(),
        ));
    }
    let txn = core.db.begin_write().await?;
    // Ends its sessions and links too.
    let user = users::disable(&txn, &email_of(&user)?, now).await?;
    commit(txn).await?;
    tracing::info!(
        actor_id = actor.user_id,
        user_id,
        "account disabled; sessions closed"
    );
    Ok(user)
}

/// Enables a disabled account again.
pub async fn enable(core: &Core, actor: &Actor, user_id: i64, now: DateTime<Utc>) -> Result<User> {
    let user = managed(core, actor, user_id).await?;
    let txn = core.db.begin_write().await?;
    let user = users::enable(&txn, &email_of(&user)?, now).await?;
    commit(txn).await?;
    tracing::info!(actor_id = actor.user_id, user_id, "account enabled");
    Ok(user)
}
