//! Opening a case with its first procedure, and starting another procedure on a case.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::calendar::calendar;
use super::scope::case_in_scope;
use super::validate::Checks;
use super::{CaseError, Context, answer, issue, now_micros, seal_data, to_object};
use crate::crypto::keyring;
use crate::domain::ActorKind;
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::ScheduledKind;
use crate::domain::Sensitive;
use crate::domain::{CaseId, ProcedureId, ScheduledId, UserId};
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseLink};
use crate::store::events::{Chain, ChainHead, NewEvent};
use crate::store::{keys, procedures, scheduled};
use crate::workflow::engine::{self, Due, DueKind, Start};

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OpenCase, example = json!({
    "country": "KE", "themes": ["MEDIA"], "risk": "high",
    "confidential": {"defender_name": "A. Defender", "organisation": "Media rights group"},
    "procedure": {"workflow": "demarche"}
}))]
pub struct OpenCaseRequest {
    /// Default: the caller's delegation.
    pub delegation: Option<DelegationCode>,
    #[schema(value_type = crate::domain::CountryCode)]
    pub country: String,
    #[schema(value_type = Vec<crate::domain::ThemeCode>, min_items = 1)]
    pub themes: Vec<String>,
    #[schema(value_type = crate::domain::Risk)]
    pub risk: String,
    /// Default: the caller.
    pub owner: Option<UserId>,
    /// Everything about the person; sealed. `defender_name` is required.
    #[schema(value_type = super::NewConfidential)]
    pub confidential: Sensitive<Map<String, Value>>,
    pub procedure: OpenProcedureRequest,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OpenProcedure)]
pub struct OpenProcedureRequest {
    #[schema(value_type = super::WorkflowName)]
    pub workflow: String,
    /// The fields of the workflow's initial state, by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Sensitive<Map<String, Value>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Opened {
    pub id: CaseId,
    pub reference: Reference,
    pub version: i64,
    pub procedure_id: ProcedureId,
    /// Other cases of the same defender name that the caller may see.
    pub possible_duplicates: Vec<CaseLink>,
}

pub(super) fn scheduled_rows(
    delegation: &DelegationCode,
    case_id: CaseId,
    procedure_id: ProcedureId,
    state: &str,
    due: &[Due],
    now: DateTime<Utc>,
) -> Vec<scheduled::NewScheduled> {
    due.iter()
        .map(|item| {
            let (kind, position, message, recipients, action, repeat) = match &item.kind {
                DueKind::Reminder {
                    index,
                    message,
                    to,
                    repeat,
                } => (
                    ScheduledKind::Reminder,
                    *index,
                    Some(message.clone()),
                    to.iter().cloned().map(Some).collect(),
                    None,
                    repeat.clone(),
                ),
                DueKind::Timer { index, action } => (
                    ScheduledKind::Timer,
                    *index,
                    None,
                    Vec::new(),
                    Some(action.clone()),
                    None,
                ),
            };
            scheduled::NewScheduled {
                delegation: delegation.to_owned(),
                id: ScheduledId::random(),
                case_id,
                procedure_id,
                state: state.to_owned(),
                kind,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                message,
                recipients,
                action,
                repeat,
                due_at: item.at,
                overdue_from: item.overdue_from,
                created_at: now,
            }
        })
        .collect()
}

/// Inserts a started procedure with its event and scheduled work.
#[expect(clippy::too_many_arguments, reason = "one transaction's worth of context")]
pub(super) fn insert_started(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
    recipient: &str,
    start: &Start,
    started_by: Option<ProcedureId>,
    actor: Option<UserId>,
    at: DateTime<Utc>,
    chain: &mut Chain,
) -> Result<ProcedureId, CaseError> {
    let id = ProcedureId::random();
    let sealed = seal_data(recipient, &start.sealed)?;
    procedures::insert_procedure(
        conn,
        &procedures::NewProcedure {
            delegation: delegation.to_owned(),
            id,
            case_id,
            workflow: start.workflow.clone(),
            workflow_version: start.version.clone(),
            state: start.state.clone(),
            queue: start.queue.clone(),
            plain_data: to_object(start.plain.clone()),
            sealed_data: sealed.clone(),
            started_by,
            created_at: at,
            updated_at: at,
        },
    )?;
    let mut plain = start.plain.clone();
    plain.insert("workflow".into(), Value::String(start.workflow.clone()));
    plain.insert("workflow_version".into(), Value::String(start.version.clone()));
    chain.push(NewEvent {
        procedure_id: Some(id),
        action: "start_procedure".into(),
        from_state: None,
        to_state: Some(start.state.clone()),
        actor_id: actor,
        actor_kind: if actor.is_some() {
            ActorKind::User
        } else {
            ActorKind::System
        },
        at,
        plain: to_object(plain),
        sealed,
    });
    scheduled::schedule(
        conn,
        &scheduled_rows(delegation, case_id, id, &start.state, &start.schedule, at),
    )?;
    Ok(id)
}

/// Opens a case with its first procedure.
pub fn open_case(conn: &mut PgConnection, ctx: &Context<'_>, request: OpenCaseRequest) -> Result<Opened, CaseError> {
    let (registry, keys, caller) = (ctx.registry, ctx.keys, ctx.caller);
    let at = now_micros(ctx.now);
    if !caller.role.is_delegation_staff() {
        return Err(CaseError::Forbidden(crate::domain::Denied::OpensCases));
    }
    let delegation = match (&request.delegation, &caller.delegation) {
        (Some(asked), Some(own)) if asked != own => {
            return Err(CaseError::Forbidden(crate::domain::Denied::OwnDelegationOnly));
        }
        (_, Some(own)) => own.clone(),
        (_, None) => return Err(CaseError::Forbidden(crate::domain::Denied::NoDelegation)),
    };

    let mut checks = Checks::default();
    checks.country(Some(&request.country));
    let themes = checks.themes(&request.themes);
    let risk = checks.risk(Some(&request.risk));
    let defender_name = checks.defender_name(&request.confidential);
    let owner = request.owner.unwrap_or(caller.user_id);
    checks.owner(conn, "owner", Some(owner).filter(|o| *o != caller.user_id), &delegation)?;
    let workflow = registry.get(&request.procedure.workflow);
    if workflow.is_none() {
        checks.push("procedure.workflow", super::Problem::UnknownWorkflow);
    }
    let (Some(workflow), Some(defender_name), Some(risk), true) = (workflow, defender_name, risk, checks.is_clean())
    else {
        return Err(checks.into_error());
    };

    let calendar = calendar(conn, &delegation, owner)?;
    let start = engine::open(workflow, request.procedure.data.expose(), at, &calendar)?;
    let key = keys.keyring.new_case_key()?;
    // A key given no value (`null`) holds nothing, as a `null` in an edit removes its key: what
    // is stored is what the case's events, folded, set (`vigil audit verify --sealed`).
    let mut confidential = request.confidential.into_inner();
    confidential.retain(|_, value| !value.is_null());
    let sealed_case = keyring::seal_json(&key.recipient, &Sensitive::new(Value::Object(confidential)))?;
    let blind_index = keys.index.index(&delegation, &defender_name);
    let id = CaseId::random();

    crate::store::transaction(conn, |conn| {
        let reference = rows::next_reference(conn, at.year())?;
        rows::insert_case(
            conn,
            &rows::NewCase {
                delegation: delegation.clone(),
                id,
                reference: reference.clone(),
                country: request.country.clone(),
                themes: themes.iter().cloned().map(Some).collect(),
                risk,
                owner_id: owner,
                sealed: sealed_case.clone(),
                blind_index: blind_index.map(|index| index.parts.to_vec()),
                blind_index_joined: blind_index.map(|index| index.joined.to_vec()),
                blind_index_version: crate::crypto::BLIND_INDEX_VERSION,
                created_at: at,
                updated_at: at,
            },
            &keys::CaseKeyRow {
                delegation: delegation.clone(),
                case_id: id,
                recipient: key.recipient.clone(),
                wrapped: key.wrapped.clone(),
                wrapped_for: key.wrapped_for.clone(),
            },
        )?;
        let mut chain = Chain::after(&delegation, id, ChainHead::empty());
        chain.push(NewEvent {
            procedure_id: None,
            action: "open_case".into(),
            from_state: None,
            to_state: None,
            actor_id: Some(caller.user_id),
            actor_kind: ActorKind::User,
            at,
            plain: serde_json::json!({
                "country": request.country, "themes": themes, "risk": request.risk, "owner": owner,
            }),
            sealed: Some(sealed_case.clone()),
        });
        let procedure_id = insert_started(
            conn,
            &delegation,
            id,
            &key.recipient,
            &start,
            None,
            Some(caller.user_id),
            at,
            &mut chain,
        )?;
        let version = rows::commit_change(conn, &chain, at, None, rows::Version::Keep)?;
        let possible_duplicates = rows::same_defender(conn, &delegation, id)?;
        let opened = Opened {
            id,
            reference,
            version,
            procedure_id,
            possible_duplicates,
        };
        answer(conn, ctx, Some(id), opened)
    })
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = StartProcedure)]
pub struct StartProcedureRequest {
    #[schema(value_type = super::WorkflowName)]
    pub workflow: String,
    /// The fields of the workflow's initial state, by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Sensitive<Map<String, Value>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StartedProcedure {
    pub id: ProcedureId,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub version: i64,
}

/// Starts another workflow on a case (observe the trial, then a démarche about the verdict).
pub fn start_procedure(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case_id: CaseId,
    request: StartProcedureRequest,
) -> Result<StartedProcedure, CaseError> {
    let at = now_micros(ctx.now);
    let (case, _) = case_in_scope(conn, ctx, case_id)?;
    if !ctx.caller.role.is_delegation_staff() {
        return Err(CaseError::Forbidden(crate::domain::Denied::StartsProcedures));
    }
    let workflow = ctx
        .registry
        .get(&request.workflow)
        .ok_or_else(|| CaseError::Invalid(vec![issue("workflow", super::Problem::UnknownWorkflow)]))?;
    let calendar = calendar(conn, &case.delegation, case.owner_id)?;
    let start = engine::open(workflow, request.data.expose(), at, &calendar)?;
    crate::store::transaction(conn, |conn| {
        let locked = rows::lock_case(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
        let key = keys::case_key(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
        let mut chain = Chain::after(&case.delegation, case.id, locked.head());
        let id = insert_started(
            conn,
            &case.delegation,
            case.id,
            &key.recipient,
            &start,
            None,
            Some(ctx.caller.user_id),
            at,
            &mut chain,
        )?;
        rows::commit_change(conn, &chain, at, None, rows::Version::Next)?;
        let started = StartedProcedure {
            id,
            workflow: start.workflow.clone(),
            workflow_version: start.version.clone(),
            state: start.state.clone(),
            version: 1,
        };
        answer(conn, ctx, Some(case.id), started)
    })
}
