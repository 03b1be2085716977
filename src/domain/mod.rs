//! Pure domain types: no I/O, no clock, no database. Time is always an argument.

mod country;
mod denied;
mod four_eyes;
mod ids;
mod principal;
mod role;
mod sensitive;
mod vocabulary;

pub use country::{CountryCode, THEMES, ThemeCode, is_country, is_theme};
pub use denied::Denied;
pub use four_eyes::{NotYours, Proposal, approver_for, may_decide};
pub use ids::{
    AttachmentId, CaseId, DelegationCode, ErasureRequestId, FormDraftId, GrantRequestId, ProcedureId, Reference,
    ScheduledId, UserId,
};
pub use principal::{Principal, is_email_address};
pub use role::Role;
pub use sensitive::Sensitive;

/// The action of a file's custody event (`cases::attachments`): it records a file attached to
/// the case or to one of its procedures, and changes nothing of their data, state or version.
pub const ATTACH_ACTION: &str = "attach_file";

/// The actions of a reviewer taking an item of the EUSR queue and giving it back
/// (`cases::claims`): they record who works on a procedure and change nothing of it.
pub const TAKE_REVIEW_ACTION: &str = "take_review";
pub const GIVE_BACK_REVIEW_ACTION: &str = "give_back_review";

/// Whether an event's `action` records something about a case or a procedure without
/// changing its data, state or version: a file's custody, a claim on a review.
pub fn changes_nothing(action: &str) -> bool {
    [ATTACH_ACTION, TAKE_REVIEW_ACTION, GIVE_BACK_REVIEW_ACTION].contains(&action)
}
pub use vocabulary::{
    AccessKind, ActorKind, AdminAct, Approver, Decision, ErasureReason, GrantKind, NotInVocabulary, ReportDimension,
    ReportName, Risk, ScheduledKind, ScheduledStatus, TokenDelivery,
};
