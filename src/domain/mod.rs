//! Pure domain types: no I/O, no clock, no database. Time is always an argument.

mod country;
mod ids;
mod principal;
mod role;
mod sensitive;
mod vocabulary;

pub use country::{THEMES, is_country, is_theme};
pub use ids::{CaseId, DelegationCode, ErasureRequestId, ProcedureId, Reference, ScheduledId, UserId};
pub use principal::Principal;
pub use role::Role;
pub use sensitive::Sensitive;
pub use vocabulary::{
    AccessKind, ActorKind, AdminAct, ErasureReason, NotInVocabulary, Risk, ScheduledKind, ScheduledStatus,
    TokenDelivery,
};
