//! Who reaches a case, decided in one place for every operation: the delegation's own staff
//! reach its cases, the EUSR office the cases escalated to it (and, once every review is closed,
//! only what it decided), Vigil itself the cases whose timers it fires, admins none. A case out
//! of scope is answered as not found, and the attempt is written to the access log.

use super::{CaseError, Context};
use crate::crypto;
use crate::domain::DelegationCode;
use crate::domain::{AccessKind, ProcedureId};
use crate::domain::{ActorKind, CaseId, UserId};
use crate::domain::{Principal, Role};
use crate::store::cases::{self as rows, CaseRow};
use crate::store::procedures;
use crate::store::procedures::ProcedureRow;
use crate::store::{Conn as PgConnection, users};
use crate::store::{access_log, keys};
use crate::workflow::Registry;

/// Whether `caller` may see a case. Cases out of scope are reported as not found.
pub fn visible(caller: &Principal, case: &CaseRow, procedures: &[ProcedureRow]) -> bool {
    match caller.role {
        Role::FocalPoint | Role::HeadOfDelegation => caller.delegation.as_ref() == Some(&case.delegation),
        Role::EusrReviewer => procedures
            .iter()
            .any(|p| p.workflow == "eusr_review" || p.queue.as_deref() == Some("eusr_review")),
        // Vigil itself, firing a timer the case's own workflow scheduled.
        Role::System => true,
        Role::Admin | Role::HqAnalyst => false,
    }
}

/// How much of a case the caller reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// The whole case.
    Full,
    /// Only the EUSR reviews, once every review of the case is closed: "what it decided".
    ReviewsOnly,
}

pub(super) fn is_review(procedure: &ProcedureRow) -> bool {
    procedure.workflow == "eusr_review"
}

/// The EUSR office reaches the whole case while a review of it is open (or a procedure waits in
/// its queue), and only its own reviews once they are all closed.
pub(super) fn reach(registry: &Registry, caller: &Principal, procedures: &[ProcedureRow]) -> Reach {
    if !caller.role.is_eusr() {
        return Reach::Full;
    }
    let open = procedures.iter().any(|p| {
        p.queue.as_deref() == Some("eusr_review")
            || (is_review(p)
                && registry
                    .version(&p.workflow, &p.workflow_version)
                    .is_some_and(|w| !w.is_terminal(&p.state)))
    });
    if open { Reach::Full } else { Reach::ReviewsOnly }
}

/// Loads a case and its procedures if the caller may see them; otherwise records the attempt
/// and answers not found, as for a case that does not exist.
pub(super) fn case_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
) -> Result<(CaseRow, Vec<ProcedureRow>), CaseError> {
    let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    let procedures = procedures::procedures_of(conn, &case.delegation, case.id)?;
    settle(conn, ctx, &case, &procedures)?;
    Ok((case, procedures))
}

/// Where a case stands for a caller, decided on rows already read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Visible,
    /// Out of scope: answered as not found, and written to the access log.
    Denied,
    /// In scope, but erased: only its tombstone remains.
    Erased,
}

pub(super) fn scope_of(caller: &Principal, case: &CaseRow, procedures: &[ProcedureRow]) -> Scope {
    if !visible(caller, case, procedures) {
        Scope::Denied
    } else if case.erased_at.is_some() {
        Scope::Erased
    } else {
        Scope::Visible
    }
}

/// A case locked for a change with its procedures, or (`Err`) the case the caller may not see.
pub(super) type LockedInScope = Result<(rows::LockedCase, Vec<ProcedureRow>), Box<CaseRow>>;

/// The case of procedure `id` locked for a change (its row's lock orders the change against
/// every other of the case), with the case's procedures, when the caller may see them; when
/// they may not, `Err` with the case, for the caller to record the attempt in the access log
/// once the transaction is over (so that the record survives it).
pub(super) fn lock_procedure_in_scope(
    conn: &mut PgConnection,
    caller: &Principal,
    id: ProcedureId,
) -> Result<LockedInScope, CaseError> {
    let locked = rows::lock_case_of_procedure(conn, id)?.ok_or(CaseError::NotFound)?;
    let procedures = procedures::procedures_of(conn, &locked.case.delegation, locked.case.id)?;
    Ok(match scope_of(caller, &locked.case, &procedures) {
        Scope::Denied => Err(Box::new(locked.case)),
        Scope::Erased => return Err(CaseError::Erased),
        Scope::Visible => Ok((locked, procedures)),
    })
}

/// [`scope_of`] as an answer: a denied attempt is written to the access log first.
pub(super) fn settle(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: &CaseRow,
    procedures: &[ProcedureRow],
) -> Result<(), CaseError> {
    match scope_of(ctx.caller, case, procedures) {
        Scope::Visible => Ok(()),
        Scope::Erased => Err(CaseError::Erased),
        Scope::Denied => {
            record_access(conn, ctx, case, AccessKind::Denied)?;
            Err(CaseError::NotFound)
        }
    }
}

/// The user behind an event; none for Vigil itself.
pub(super) fn actor_id(caller: &Principal) -> Option<UserId> {
    (!caller.role.is_system()).then_some(caller.user_id)
}

pub(super) fn actor_kind(caller: &Principal) -> ActorKind {
    if caller.role.is_system() {
        ActorKind::System
    } else {
        ActorKind::User
    }
}

/// The people a case of `delegation` may be handed to (active focal points and heads of it),
/// for a caller of that delegation; nobody for anyone else.
pub fn colleagues(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    delegation: &DelegationCode,
) -> Result<Vec<users::UserRow>, CaseError> {
    if ctx.caller.delegation.as_ref() != Some(delegation) {
        return Ok(Vec::new());
    }
    Ok(users::users_of(conn, delegation)?
        .into_iter()
        .filter(|user| may_own(user, delegation))
        .collect())
}

/// The members of the EUSR office among `actors` (who acted on a case): named to every reader of
/// the case, as the reader's own colleagues ([`colleagues`]) are; anyone else stays unnamed.
pub fn office_members_among(conn: &mut PgConnection, actors: &[UserId]) -> Result<Vec<users::UserRow>, CaseError> {
    Ok(users::eusr_users_among(conn, actors)?)
}

/// Whether `user` may own a case of `delegation`: an active focal point or head of it.
fn may_own(user: &users::UserRow, delegation: &DelegationCode) -> bool {
    user.delegation.as_ref() == Some(delegation) && user.disabled_at.is_none() && user.role.is_delegation_staff()
}

/// Whether `owner` may own a case of `delegation`: an active focal point or head of it.
pub(super) fn owner_fits(
    conn: &mut PgConnection,
    owner: UserId,
    delegation: &DelegationCode,
) -> Result<bool, CaseError> {
    Ok(users::user(conn, owner)?.is_some_and(|user| may_own(&user, delegation)))
}

/// One line of the access log for `case`: who, which request, what (never the data).
pub(super) fn record_access(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: &CaseRow,
    what: AccessKind,
) -> Result<(), CaseError> {
    access_log::log_access(
        conn,
        Some(ctx.caller.user_id),
        Some(&case.delegation),
        Some(case.id),
        what,
        ctx.request_id,
    )?;
    Ok(())
}

pub(super) fn open_key(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: &CaseRow,
) -> Result<crypto::CaseKey, CaseError> {
    let key = keys::case_key(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
    Ok(ctx.keys.keyring.open_case_key(&key.wrapped)?)
}
