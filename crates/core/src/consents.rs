//! Consents: recorded by the référent organisation, kept as a history. Withdrawing the
//! consent to share with partners ends their access at once; withdrawing the consent to
//! be followed closes the pathway and schedules the file's anonymisation.

use crate::access::{read_file, write_file};
use crate::{Actor, Core, Error, Result, referrals};
use chrono::{DateTime, Utc};
use parcours_domain::access::Change;
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::ConsentPurpose;
use parcours_domain::pathway::Outcome;
use parcours_persistence::consents;
use parcours_persistence::holders::Holder;
use parcours_persistence::{DatabaseTransaction, privacy};
use serde::Deserialize;

/// A consent given, refused or withdrawn.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `suivi`, `partage_partenaires` or `contact_email`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::contacts::ConsentPurpose))]
    pub purpose: String,
    /// `true` to record consent, `false` to record a refusal or a withdrawal.
    pub given: bool,
}

pub use parcours_persistence::consents::ConsentState;

/// Records a consent statement, with who recorded it. A withdrawn `partage_partenaires`
/// ends the holder's live referrals in the same transaction.
pub async fn record(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    input: ConsentInput,
    now: DateTime<Utc>,
) -> Result<ConsentState> {
    let purpose: ConsentPurpose = input
        .purpose
        .parse()
        .map_err(|e| Error::invalid("purpose", format!("{e}")))?;
    write_file(
        core,
        actor,
        holder_id,
        AuditAction::ConsentRecord,
        now,
        async |txn, holder, change: Change| {
            consents::record(txn, &change, purpose, input.given, actor.user_id, now).await?;
            if purpose == ConsentPurpose::PartagePartenaires && !input.given {
                referrals::end_for_consent(txn, core, actor, holder.id, now).await?;
            }
            if purpose == ConsentPurpose::Suivi {
                follow_up_consent(txn, core, actor, &holder, &change, input.given, now).await?;
            }
            Ok(consents::state(txn, holder.id).await?)
        },
    )
    .await
}

/// The consent to be followed: withdrawn, the pathway closes (« abandon », the reason
/// saying why), nothing stays pending, partners lose access, and the daily job
/// anonymises the file at its next run; given again before that, the anonymisation is
/// called off.
async fn follow_up_consent(
    txn: &DatabaseTransaction,
    core: &Core,
    actor: &Actor,
    holder: &Holder,
    change: &Change,
    given: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    if given {
        privacy::schedule(txn, change, None).await?;
        return Ok(());
    }
    if holder.anonymised_at.is_some() {
        return Ok(());
    }
    if holder.closed_at.is_none() {
        let input = crate::holders::CloseInput {
            outcome: Outcome::Abandon.as_str().to_owned(),
            reason: Some(FOLLOW_UP_WITHDRAWN.to_owned()),
            ..Default::default()
        };
        crate::holders::close_in(txn, actor, holder, change, &input, now, now).await?;
    }
    referrals::end_for_consent(txn, core, actor, holder.id, now).await?;
    privacy::schedule(txn, change, Some(now)).await?;
    Ok(())
}

/// The reason of the closing when the person withdraws their consent to be followed.
const FOLLOW_UP_WITHDRAWN: &str = "consentement au suivi retiré";

/// A holder's consents, in force and their history.
pub async fn read(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<ConsentState> {
    read_file(
        core,
        actor,
        holder_id,
        AuditAction::ConsentRead,
        now,
        async |txn, holder, _| Ok(consents::state(txn, holder.id).await?),
    )
    .await
}
