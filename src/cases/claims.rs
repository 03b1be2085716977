//! The EUSR office's claims on its queue: a reviewer takes an item, so that the office knows
//! who works on it, and gives it back. A claim is an event of the case's chain (`take_review`,
//! `give_back_review`, naming the procedure, nothing sealed: it changes nothing of the
//! procedure, whose version stays) and is kept on the procedure for the queue. It lapses when
//! the procedure changes (a transition), so an item that comes back to the queue is free.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::scope::{lock_procedure_in_scope, record_access};
use super::{CaseError, Context, now_micros};
use crate::domain::{AccessKind, ActorKind, GIVE_BACK_REVIEW_ACTION, ProcedureId, TAKE_REVIEW_ACTION, UserId};
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseRow, Version};
use crate::store::events::{Chain, NewEvent};
use crate::store::procedures;

/// The queue whose items are claimed.
const QUEUE: &str = "eusr_review";

/// Who has taken an item of the EUSR queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Claim {
    pub procedure_id: ProcedureId,
    /// The reviewer who took it; absent when no one has.
    pub claimed_by: Option<UserId>,
    /// Since when.
    pub claimed_at: Option<DateTime<Utc>>,
}

/// Takes (`take`) or gives back procedure `procedure_id` of the EUSR queue for the calling
/// reviewer. Taking what one holds, or giving back what no one holds, changes nothing; taking
/// or giving back what a colleague holds is refused, as is a procedure not in the queue. Out
/// of scope is not found (and recorded in the access log), as everywhere.
pub fn claim(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    procedure_id: ProcedureId,
    take: bool,
) -> Result<Claim, CaseError> {
    if !ctx.caller.role.is_eusr() {
        return Err(CaseError::Forbidden(crate::domain::Denied::TakesQueueItems));
    }
    let outcome = crate::store::transaction(conn, |conn| claim_in(conn, ctx, procedure_id, take))?;
    match outcome {
        Ok(claim) => Ok(claim),
        Err(case) => {
            record_access(conn, ctx, &case, AccessKind::Denied)?;
            Err(CaseError::NotFound)
        }
    }
}

fn claim_in(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    procedure_id: ProcedureId,
    take: bool,
) -> Result<Result<Claim, Box<CaseRow>>, CaseError> {
    let (locked, all) = match lock_procedure_in_scope(conn, ctx.caller, procedure_id)? {
        Ok(found) => found,
        Err(case) => return Ok(Err(case)),
    };
    let case = locked.case;
    let procedure = all.iter().find(|p| p.id == procedure_id).ok_or(CaseError::NotFound)?;
    if procedure.queue.as_deref() != Some(QUEUE) {
        return Err(CaseError::Taken(crate::domain::Denied::NotInQueue));
    }
    let me = ctx.caller.user_id;
    let held = procedures::claim(conn, &case.delegation, procedure_id)?;
    let claim_of = |held: Option<(UserId, DateTime<Utc>)>| Claim {
        procedure_id,
        claimed_by: held.map(|(by, _)| by),
        claimed_at: held.map(|(_, at)| at),
    };
    let at = now_micros(ctx.now);
    let next = match (take, held) {
        (_, Some((by, _))) if by != me => {
            return Err(CaseError::Taken(crate::domain::Denied::TakenByColleague));
        }
        // Nothing to change: taken by me already, or held by no one.
        (true, Some(_)) | (false, None) => return Ok(Ok(claim_of(held))),
        (true, None) => Some((me, at)),
        (false, Some(_)) => None,
    };
    let mut chain = Chain::after(&case.delegation, case.id, case.head());
    chain.push(NewEvent {
        procedure_id: Some(procedure_id),
        action: if take {
            TAKE_REVIEW_ACTION
        } else {
            GIVE_BACK_REVIEW_ACTION
        }
        .into(),
        from_state: None,
        to_state: None,
        actor_id: Some(me),
        actor_kind: ActorKind::User,
        at,
        plain: json!({}),
        sealed: None,
    });
    procedures::set_claim(conn, &case.delegation, procedure_id, next)?;
    rows::commit_change(conn, &chain, at, None, Version::Next)?;
    Ok(Ok(claim_of(next)))
}
