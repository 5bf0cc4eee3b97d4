//! The e-mails a change causes, written to the outbox in the change's transaction. They
//! name organisations and link to the referral; the person stays behind a login.

use crate::{Core, Error, Result};
use chrono::{DateTime, Utc};
use parcours_mail::referrals::{self as mails, ReferralMail, Rendered};
use parcours_persistence::organisations::{self, Organisation};
use parcours_persistence::referrals::Referral;
use parcours_persistence::{ConnectionTrait, outbox, users};

/// Writes one message to the outbox; none when there is nobody to write to.
async fn enqueue(
    conn: &impl ConnectionTrait,
    core: &Core,
    kind: &str,
    recipient: Option<String>,
    rendered: Rendered,
    message_key: String,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(recipient) = recipient else {
        tracing::warn!(kind, "no address to notify: message not queued");
        return Ok(());
    };
    outbox::enqueue(
        conn,
        outbox::NewMessage {
            kind: kind.to_owned(),
            recipient,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: format!("<{message_key}@{}>", core.mailer.message_id_domain()),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The key of an e-mail about a referral (`referral-{id}-{suffix}`): the Message-ID's
/// left part, which says what the e-mail is about.
fn referral_key(referral_id: i64, suffix: &str) -> String {
    format!("referral-{referral_id}-{suffix}")
}

/// The beginning of the Message-ID of every e-mail about a referral (see
/// [`referral_key`]): what anonymising a file drops while unsent.
pub(crate) fn referral_mail_prefix(referral_id: i64) -> String {
    format!("<{}", referral_key(referral_id, ""))
}

/// Where a referral is seen in Parcours: its page (the sign-in page first, then back).
pub(crate) fn referral_link(core: &Core, referral_id: i64) -> String {
    format!(
        "{}/orientations/{referral_id}",
        core.settings.public_url.trim_end_matches('/')
    )
}

/// The referral's two organisations.
async fn sides(
    conn: &impl ConnectionTrait,
    referral: &Referral,
) -> Result<(Organisation, Organisation)> {
    let from = organisations::get(conn, referral.from_organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let to = organisations::get(conn, referral.to_organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((from, to))
}

/// The message's common part, then the rendering of its own.
async fn render(
    conn: &impl ConnectionTrait,
    core: &Core,
    referral: &Referral,
    write: impl FnOnce(&ReferralMail<'_>) -> Rendered,
) -> Result<(Organisation, Organisation, Rendered)> {
    let (from, to) = sides(conn, referral).await?;
    let link = referral_link(core, referral.id);
    let rendered = write(&ReferralMail {
        referral_id: referral.id,
        link: &link,
        from_organisation: &from.name,
        to_organisation: &to.name,
    });
    Ok((from, to, rendered))
}

/// The receiving organisation learns of a new referral.
pub(crate) async fn referral_received(
    conn: &impl ConnectionTrait,
    core: &Core,
    referral: &Referral,
    now: DateTime<Utc>,
) -> Result<()> {
    let (_, to, rendered) = render(conn, core, referral, mails::received).await?;
    let key = referral_key(referral.id, "sent");
    enqueue(
        conn,
        core,
        "referral.received",
        to.notification_email,
        rendered,
        key,
        now,
    )
    .await
}

/// The receiving organisation is reminded of an unanswered referral.
pub(crate) async fn referral_reminder(
    conn: &impl ConnectionTrait,
    core: &Core,
    referral: &Referral,
    days: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let (_, to, rendered) =
        render(conn, core, referral, |mail| mails::reminder(mail, days)).await?;
    let key = referral_key(
        referral.id,
        &format!("reminder-{}", referral.reminders_sent + 1),
    );
    enqueue(
        conn,
        core,
        "referral.reminder",
        to.notification_email,
        rendered,
        key,
        now,
    )
    .await
}

/// Who hears of a change: the receiving organisation of a withdrawal; the sending
/// adviser (or, if their account is gone, their organisation) of anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Told {
    Receiver,
    Sender,
}

/// The other side learns of a change. `what` completes "L'orientation … a été …";
/// `detail` adds a line that carries no personal data.
#[expect(clippy::too_many_arguments, reason = "one message, its parts")]
pub(crate) async fn referral_changed(
    conn: &impl ConnectionTrait,
    core: &Core,
    referral: &Referral,
    told: Told,
    key: &str,
    what: &str,
    detail: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (from, to, rendered) = render(conn, core, referral, |mail| {
        mails::changed(mail, what, detail.as_deref())
    })
    .await?;
    let recipient = match told {
        Told::Receiver => to.notification_email,
        Told::Sender => users::get(conn, referral.from_user_id)
            .await?
            .filter(|u| u.disabled_at.is_none())
            .map(|u| u.email)
            .or(from.notification_email),
    };
    enqueue(
        conn,
        core,
        &format!("referral.{key}"),
        recipient,
        rendered,
        referral_key(referral.id, key),
        now,
    )
    .await
}
