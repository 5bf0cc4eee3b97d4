//! What an adviser needs to write a referral: the person, whether they agreed to be
//! shared, the territory's partners with the suggested services first, and the
//! referrals already under way — read from one snapshot, audited once.

use crate::access::{read_file_as, sharing_consent};
use crate::services::{Listed, Suggestion, parse_needs, rank, territory_offer};
use crate::{Actor, Core, Result};
use chrono::{DateTime, Utc};
use parcours_domain::audit::AuditAction;
use parcours_domain::referrals::ReferralStatus;
use parcours_domain::services::Need;
use parcours_persistence::organisations::{self, ListQuery, Organisation};
use parcours_persistence::services::Service;
use parcours_persistence::{projects, referrals};

/// A partner of the territory and its active services.
#[derive(Clone, Debug)]
pub struct Partner {
    pub organisation: Organisation,
    pub services: Vec<Service>,
}

/// Everything the « Orienter » page shows before the adviser sends.
#[derive(Clone)]
pub struct Draft {
    pub holder_id: i64,
    pub holder_name: String,
    /// Only the référent organisation refers.
    pub may_refer: bool,
    /// The `partage_partenaires` consent is in force: without it nothing can be sent.
    pub sharing_consent: bool,
    /// The needs the suggestions were ranked for.
    pub needs: Vec<Need>,
    /// The best services for this person first, each with why.
    pub suggestions: Vec<Suggestion>,
    /// Every other organisation of the territory, by name, with its services.
    pub partners: Vec<Partner>,
    /// Organisations this person is already referred to and waiting or followed by.
    pub under_way: Vec<(i64, ReferralStatus)>,
    /// The partner's answer is expected by then if the referral is sent now.
    pub answer_by: DateTime<Utc>,
}

parcours_domain::redacted_debug!(Draft {
    holder_id,
    may_refer,
    sharing_consent
});

/// Reads the draft of a referral of `holder_id`, ranked for `needs` (comma-separated
/// words, as the suggestions take them).
pub async fn draft(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    needs: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Draft> {
    let needs = parse_needs(needs)?;
    let (holder, project, offer, organisations, consent, live, may_refer) = read_file_as(
        core,
        actor,
        holder_id,
        AuditAction::SuggestionsRead,
        now,
        async |txn, holder, _, access| {
            let project = projects::first_of(txn, holder.id).await?;
            let offer = territory_offer(txn, actor.territory_id).await?;
            let (organisations, _) = organisations::list(
                txn,
                &ListQuery {
                    territory_id: Some(actor.territory_id),
                    kind: None,
                    after: None,
                    limit: 500,
                },
            )
            .await?;
            let consent = sharing_consent(txn, holder.id).await?;
            let mut live = Vec::new();
            for referral in referrals::live_of_holder(txn, holder.id).await? {
                let status = core.settings.referral_deadlines.effective_status(
                    referral.status,
                    referral.sent_at,
                    now,
                );
                if status != ReferralStatus::Expired {
                    live.push((referral.to_organisation_id, status));
                }
            }
            // An anonymised file is final: nothing is referred any more.
            let may_refer = access.change().is_some() && holder.anonymised_at.is_none();
            Ok((
                holder,
                project,
                offer,
                organisations,
                consent,
                live,
                may_refer,
            ))
        },
    )
    .await?;
    let partners = partners(actor, organisations, &offer);
    let suggestions = rank(actor, &holder, project.as_ref(), offer, needs.clone(), now);
    Ok(Draft {
        holder_id: holder.id,
        holder_name: holder.full_name(),
        may_refer,
        sharing_consent: consent,
        needs,
        suggestions,
        partners,
        under_way: live,
        answer_by: core.settings.referral_deadlines.answer_by(now),
    })
}

/// The organisations of the territory other than the actor's, each with its services.
fn partners(actor: &Actor, organisations: Vec<Organisation>, offer: &[Listed]) -> Vec<Partner> {
    organisations
        .into_iter()
        .filter(|o| o.id != actor.organisation_id)
        .map(|organisation| Partner {
            services: offer
                .iter()
                .filter(|(s, _)| s.organisation_id == organisation.id)
                .map(|(s, _)| s.clone())
                .collect(),
            organisation,
        })
        .collect()
}
