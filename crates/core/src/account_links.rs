//! Single-use links sent by e-mail: an invitation (an organisation's admin opens an
//! account; the person chooses their first password within 72 hours) and a password
//! reset (anyone may ask; the link works for an hour). The link's token is random and
//! only its hash is stored; a new link of the same purpose ends the earlier one; using
//! one ends every session and every other link of the account, then signs the person in.

use crate::sessions::{self, Opened, new_token, token_hash};
use crate::{Core, Error, Result, passwords};
use chrono::{DateTime, Duration, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::users::{Email, check_new_password};
use parcours_mail::accounts as mails;
use parcours_persistence::users::{self, User};
use parcours_persistence::{ConnectionTrait, account_tokens, commit, organisations, outbox};
use std::net::IpAddr;

/// What a link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    Reset,
}

impl Purpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Reset => "reset",
        }
    }

    /// How long a link works.
    pub fn validity(self) -> Duration {
        match self {
            Self::Invitation => Duration::hours(72),
            Self::Reset => Duration::hours(1),
        }
    }

    /// The page the link opens, under the public address.
    fn path(self) -> &'static str {
        match self {
            Self::Invitation => "/invitation",
            Self::Reset => "/reinitialisation",
        }
    }
}

/// Reset requests for one account closer than this are answered alike but send nothing:
/// nobody can flood a mailbox through the form.
const RESET_RESEND_AFTER: Duration = Duration::minutes(2);

/// Issues a link for `user` in `conn` (ending the earlier one of the same purpose) and
/// queues its message.
pub(crate) async fn issue(
    conn: &impl ConnectionTrait,
    core: &Core,
    user: &User,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let token = new_token();
    let expires_at = now + purpose.validity();
    let row = account_tokens::replace(
        conn,
        user.id,
        purpose.as_str(),
        &token_hash(&token),
        now,
        expires_at,
    )
    .await?;
    let link = format!(
        "{}{}/{token}",
        core.settings.public_url.trim_end_matches('/'),
        purpose.path()
    );
    let rendered = match purpose {
        Purpose::Invitation => {
            let organisation = organisations::get(conn, user.organisation_id)
                .await?
                .ok_or(Error::NotFound)?;
            mails::invitation(
                &user.display_name,
                &organisation.name,
                &link,
                purpose.validity().num_hours(),
            )
        }
        Purpose::Reset => mails::password_reset(&link, purpose.validity().num_minutes()),
    };
    outbox::enqueue(
        conn,
        outbox::NewMessage {
            kind: format!("account.{}", purpose.as_str()),
            recipient: user.email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: format!(
                "<account-{}-{}-{}@{}>",
                user.id,
                purpose.as_str(),
                row.id,
                core.mailer.message_id_domain()
            ),
        },
        now,
    )
    .await?;
    tracing::info!(
        user_id = user.id,
        purpose = purpose.as_str(),
        "account link issued"
    );
    Ok(expires_at)
}

/// The least time a reset request takes to answer: whether a mail was queued (a few
/// writes) or not (one read), the answer comes after the same delay.
const RESET_ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(250);

/// Asks for a password reset link. The answer is the same, in the same time, whether
/// the address has an account or not, is disabled, or still awaits its invitation:
/// only an active account gets mail. Past the per-address limit, requests are refused
/// before anything is looked up.
pub async fn request_reset(
    core: &Core,
    email: &str,
    client: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<()> {
    let email = Email::parse(email).map_err(|e| Error::invalid("email", e.to_string()))?;
    core.reset_gate.admit(client)?;
    let started = tokio::time::Instant::now();
    let result = reset_if_active(core, &email, now).await;
    tokio::time::sleep_until(started + RESET_ANSWER_FLOOR).await;
    result
}

async fn reset_if_active(core: &Core, email: &Email, now: DateTime<Utc>) -> Result<()> {
    let txn = core.db.begin_write().await?;
    let Some(user) = users::find_by_email(&txn, email).await? else {
        return Ok(());
    };
    if user.disabled_at.is_some() || !user.has_password() {
        return Ok(());
    }
    let recent = account_tokens::latest_of(&txn, &[user.id], Purpose::Reset.as_str()).await?;
    if recent
        .get(&user.id)
        .is_some_and(|t| now - t.created_at < RESET_RESEND_AFTER)
    {
        return Ok(());
    }
    issue(&txn, core, &user, Purpose::Reset, now).await?;
    commit(txn).await?;
    Ok(())
}

/// The account behind a link, as its page shows it.
#[derive(Clone)]
pub struct LinkAccount {
    pub display_name: String,
    pub email: String,
    pub organisation_name: String,
    pub expires_at: DateTime<Utc>,
}

parcours_domain::redacted_debug!(LinkAccount { expires_at });

/// What a link is worth now.
#[derive(Clone, Debug)]
pub enum LinkState {
    Valid(LinkAccount),
    /// It was right, but its time has passed.
    Expired,
    /// Unknown, already used, or replaced by a newer one.
    Unknown,
}

/// Looks a link up without using it.
pub async fn check(
    core: &Core,
    purpose: Purpose,
    token: &str,
    now: DateTime<Utc>,
) -> Result<LinkState> {
    if token.is_empty() || token.len() > 100 {
        return Ok(LinkState::Unknown);
    }
    let conn = core.db.conn();
    let Some(row) = account_tokens::find(conn, purpose.as_str(), &token_hash(token)).await? else {
        return Ok(LinkState::Unknown);
    };
    let Some(user) = users::get(conn, row.user_id).await? else {
        return Ok(LinkState::Unknown);
    };
    if user.disabled_at.is_some() {
        return Ok(LinkState::Unknown);
    }
    if row.expires_at <= now {
        return Ok(LinkState::Expired);
    }
    let organisation = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(LinkState::Valid(LinkAccount {
        display_name: user.display_name,
        email: user.email,
        organisation_name: organisation.name,
        expires_at: row.expires_at,
    }))
}

/// A new password, typed twice.
#[derive(Clone, Default)]
pub struct NewPassword {
    pub new: String,
    pub confirmation: String,
}

parcours_domain::redacted_debug!(NewPassword {});

/// Uses a link: sets the password (by the rule of `change_password`), ends every
/// session and link of the account, and opens a session. A link that is unknown, used,
/// expired or of a disabled account is `NotFound`.
pub async fn complete(
    core: &Core,
    purpose: Purpose,
    token: &str,
    password: NewPassword,
    now: DateTime<Utc>,
) -> Result<Opened> {
    let mut errors = ValidationErrors::new();
    if let Err(error) = check_new_password(&password.new) {
        errors.add("new", error.to_string());
    } else if password.new != password.confirmation {
        errors.add(
            "confirmation",
            "les deux saisies du nouveau mot de passe diffèrent",
        );
    }
    errors.into_result()?;
    let Some(row) =
        account_tokens::find(core.db.conn(), purpose.as_str(), &token_hash(token)).await?
    else {
        return Err(Error::NotFound);
    };
    let hash = passwords::hash_blocking(password.new).await?;
    let txn = core.db.begin_write().await?;
    if !account_tokens::consume(&txn, row.id, now).await? {
        return Err(Error::NotFound);
    }
    let user = users::get(&txn, row.user_id)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or(Error::NotFound)?;
    let email = Email::parse(&user.email).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    // Ends every session and link of the account.
    let user = users::set_password(&txn, &email, &hash, now).await?;
    users::record_login(&txn, user.id, now).await?;
    let token = sessions::open_in(&txn, core, user.id, now).await?;
    commit(txn).await?;
    tracing::info!(
        user_id = user.id,
        purpose = purpose.as_str(),
        "account link used; other sessions closed"
    );
    sessions::opened(core, user, token).await
}
