//! Taking an action on a procedure: the engine plans it, and the procedure's new state, its
//! event, its scheduled work and any procedures it starts land in one transaction.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::calendar::calendar_of_locked;
use super::open::{insert_started, scheduled_rows};
use super::scope::{Reach, actor_id, actor_kind, is_review, lock_procedure_in_scope, owner_fits, reach, record_access};
use super::{CaseError, Context, answer, issue, now_micros, seal_data, to_object, workflow_of};
use crate::crypto::keyring;
use crate::domain::AccessKind;
use crate::domain::Sensitive;
use crate::domain::{ProcedureId, UserId};
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseRow};
use crate::store::events::{Chain, NewEvent};
use crate::store::{procedures, scheduled};
use crate::workflow::engine::{self, Actor, Data, Procedure, Request};

/// The field through which an action (the shared `reassign`) hands a case to a new owner.
pub const NEW_OWNER: &str = "new_owner";

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Transition, example = json!({
    "action": "submit", "expected_version": 1,
    "data": {"demarche_type": "letter", "urgency": "standard", "addressee": "the ministry",
        "key_messages": "release the defender", "public_element_consent": false}
}))]
pub struct TransitionRequest {
    /// One of the actions the procedure's case page lists as available.
    #[schema(value_type = super::ActionName)]
    pub action: String,
    /// The procedure's version you read.
    #[serde(deserialize_with = "super::validate::integer")]
    pub expected_version: i64,
    /// The action's fields, by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Sensitive<Map<String, Value>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Transitioned {
    pub procedure_id: ProcedureId,
    pub from: String,
    pub state: String,
    pub queue: Option<String>,
    pub version: i64,
    /// Procedures the action started on the same case.
    pub started: Vec<StartedView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StartedView {
    pub id: ProcedureId,
    pub workflow: String,
    pub state: String,
}

/// Takes an action on a procedure: one transaction that locks the case row first, reads the
/// case's procedures, decides the scope on what it read, and writes the procedure, then the
/// event with the case row (and whatever the action schedules, cancels or starts). A stale
/// `expected_version` is refused before anything is written; a refusal of scope is written to
/// the access log after the transaction, so that it survives whatever the transaction did.
pub fn transition(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    procedure_id: ProcedureId,
    request: TransitionRequest,
) -> Result<Transitioned, CaseError> {
    let outcome = crate::store::transaction(conn, |conn| transition_in(conn, ctx, procedure_id, &request))?;
    match outcome {
        Outcome::Done(done) => Ok(done),
        Outcome::Denied(case) => {
            record_access(conn, ctx, &case, AccessKind::Denied)?;
            Err(CaseError::NotFound)
        }
    }
}

/// What the transaction of a transition ended with.
enum Outcome {
    Done(Transitioned),
    /// Out of the caller's scope: nothing was written, and the attempt goes to the access log.
    Denied(Box<CaseRow>),
}

fn transition_in(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    procedure_id: ProcedureId,
    request: &TransitionRequest,
) -> Result<Outcome, CaseError> {
    let (registry, keys, caller) = (ctx.registry, ctx.keys, ctx.caller);
    let at = now_micros(ctx.now);
    let (locked, procedures) = match lock_procedure_in_scope(conn, caller, procedure_id)? {
        Ok(found) => found,
        Err(case) => return Ok(Outcome::Denied(case)),
    };
    let case = &locked.case;
    let delegation = &case.delegation;
    let procedure = procedures
        .iter()
        .find(|p| p.id == procedure_id)
        .ok_or(CaseError::NotFound)?;
    if reach(registry, caller, &procedures) == Reach::ReviewsOnly && !is_review(procedure) {
        return Ok(Outcome::Denied(Box::new(locked.case)));
    }
    if procedure.version != request.expected_version {
        return Err(CaseError::Stale {
            current_version: procedure.version,
        });
    }
    let (Some(recipient), Some(wrapped)) = (&locked.key_recipient, &locked.key_wrapped) else {
        return Err(CaseError::NotFound);
    };
    let workflow = workflow_of(registry, procedure)?;
    let mut recorded: Data = procedure
        .plain_data
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    if let Some(sealed) = &procedure.sealed_data {
        let case_key = keys.keyring.open_case_key(wrapped)?;
        if let Value::Object(open) = keyring::open_json(&case_key, sealed)?.into_inner() {
            recorded.extend(open);
        }
    }
    let actor = Actor {
        user: caller.user_id.to_string(),
        roles: vec![caller.role],
    };
    let plan = engine::plan(
        registry,
        workflow,
        Procedure {
            state: &procedure.state,
            data: &recorded,
        },
        &actor,
        Request {
            action: &request.action,
            data: request.data.expose(),
        },
        at,
        &calendar_of_locked(&locked),
    )?;

    let version = procedure.version + 1;
    procedures::update_procedure(
        conn,
        delegation,
        procedure.id,
        &procedures::ProcedureChanges {
            state: plan.to.clone(),
            queue: Some(plan.queue.clone()),
            version,
            plain_data: to_object(plan.procedure_plain.clone()),
            sealed_data: seal_data(recipient, &plan.procedure_sealed)?,
            updated_at: at,
        },
    )?;
    let mut chain = Chain::after(delegation, case.id, case.head());
    chain.push(NewEvent {
        procedure_id: Some(procedure.id),
        action: plan.action.clone(),
        from_state: Some(plan.from.clone()),
        to_state: Some(plan.to.clone()),
        actor_id: actor_id(caller),
        actor_kind: actor_kind(caller),
        at,
        plain: to_object(plan.plain.clone()),
        sealed: seal_data(recipient, &plan.sealed)?,
    });
    if plan.cancel_scheduled {
        scheduled::cancel_scheduled(conn, delegation, procedure.id, &plan.from)?;
        scheduled::schedule(
            conn,
            &scheduled_rows(delegation, case.id, procedure.id, &plan.to, &plan.schedule, at),
        )?;
    }
    let mut started = Vec::new();
    for start in &plan.starts {
        let id = insert_started(
            conn,
            delegation,
            case.id,
            recipient,
            start,
            Some(procedure.id),
            actor_id(caller),
            at,
            &mut chain,
        )?;
        started.push(StartedView {
            id,
            workflow: start.workflow.clone(),
            state: start.state.clone(),
        });
    }
    // An action carrying `new_owner` (the shared `reassign`) hands the case over, within the
    // case's delegation only.
    let new_owner = match plan.plain.get(NEW_OWNER) {
        Some(Value::String(new_owner)) => Some(
            new_owner
                .parse::<UserId>()
                .ok()
                .filter(|owner| owner_fits(conn, *owner, delegation).unwrap_or(false))
                .ok_or_else(|| CaseError::Invalid(vec![issue("data.new_owner", super::Problem::Owner)]))?,
        ),
        _ => None,
    };
    rows::commit_change(conn, &chain, at, new_owner, rows::Version::Next)?;
    if let Some(timer) = ctx.completes {
        scheduled::complete(conn, &timer.delegation, timer.id)?;
    }
    let done = Transitioned {
        procedure_id,
        from: plan.from,
        state: plan.to,
        queue: plan.queue,
        version,
        started,
    };
    answer(conn, ctx, Some(case.id), done).map(Outcome::Done)
}
