//! The audit trail's words: what a user did with a holder's personal data.

use crate::string_enum;

string_enum! {
    /// What an audit entry records. Reads and changes alike: the référent organisation
    /// sees who reached the file, and why.
    pub enum AuditAction {
        HolderCreate => "holder.create",
        HolderRead => "holder.read",
        HolderUpdate => "holder.update",
        HolderStage => "holder.stage",
        HolderClose => "holder.close",
        HolderReopen => "holder.reopen",
        HolderList => "holder.list",
        ProjectCreate => "project.create",
        ProjectUpdate => "project.update",
        ContactCreate => "contact.create",
        ContactList => "contact.list",
        ConsentRecord => "consent.record",
        ConsentRead => "consent.read",
        TimelineRead => "timeline.read",
        FollowUpsRead => "followups.read",
        SuggestionsRead => "suggestions.read",
        ReferralCreate => "referral.create",
        ReferralRead => "referral.read",
        HostingCreate => "hosting.create",
        HostingRead => "hosting.read",
        HostingEnd => "hosting.end",
        HostingRenew => "hosting.renew",
        EventAttendeeAdd => "event.attendee.add",
        EventAttendeeRead => "event.attendee.read",
        RetentionKeep => "retention.keep",
        RetentionDueRead => "retention.due.read",
        HolderErase => "holder.erase",
        AccessLogRead => "access_log.read",
        HolderExport => "holder.export",
        HolderMerge => "holder.merge",
        DuplicatesRead => "holder.duplicates.read",
    }
}
