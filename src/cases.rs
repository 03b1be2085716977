//! Cases and procedures: opening a case with its first procedure, reading it, and taking a
//! transition. This is where the pure engine, the keys and the store meet; each change is
//! one database transaction, so a state change, its event and its scheduled work land
//! together or not at all (ARCHITECTURE.md, invariant 7).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::crypto::{self, CryptoError, keyring};
use crate::domain::{Principal, Role, Sensitive, is_country, is_theme};
use crate::startup::Keys;
use crate::store::cases::{self as rows, CaseRow, NewEvent, ProcedureRow};
use crate::store::{Conn as PgConnection, StoreError, users};
use crate::workflow::engine::{self, Actor, Data, Due, DueKind, Procedure, Refusal, Request, Start};
use crate::workflow::{Calendar, Registry, Workflow};

/// What every case operation needs besides the connection: who asks, when, and with what keys.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub registry: &'a Registry,
    pub keys: &'a Keys,
    pub caller: &'a Principal,
    pub now: DateTime<Utc>,
    /// The request's id, for the access log.
    pub request_id: Option<&'a str>,
    /// Where a change records its response for retries with the same `Idempotency-Key`.
    pub idempotency: Option<&'a Idempotency>,
    /// The scheduled timer a system transition carries out, marked done in the same transaction.
    pub completes: Option<&'a rows::DueItem>,
}

/// An `Idempotency-Key` and the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    /// SHA-256 over the method, path and canonical JSON body.
    pub request_hash: [u8; 32],
    /// The status a success answers with.
    pub status: u16,
}

/// A change's answer: recorded for retries of the same `Idempotency-Key`, in the change's own
/// transaction, then returned.
fn answer<T: Serialize>(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    location: Option<String>,
    value: T,
) -> Result<T, CaseError> {
    if let Some(idempotency) = ctx.idempotency {
        idempotency.record(conn, ctx.caller, location, &value)?;
    }
    Ok(value)
}

impl Idempotency {
    /// Records `response` in the change's transaction. A twin that got there first makes this
    /// a unique violation: the change rolls back and the caller answers with the twin's response.
    fn record<T: Serialize>(
        &self,
        conn: &mut PgConnection,
        caller: &Principal,
        location: Option<String>,
        response: &T,
    ) -> Result<(), CaseError> {
        let stored = crate::store::idempotency::StoredResponse {
            user_id: caller.user_id,
            key: self.key.clone(),
            request_hash: self.request_hash.to_vec(),
            status: i16::try_from(self.status).unwrap_or(200),
            location,
            response: serde_json::to_value(response).map_err(|e| CaseError::Inconsistent(e.to_string()))?,
        };
        crate::store::idempotency::record(conn, &stored).map_err(|e| {
            if e.is_unique_violation() {
                CaseError::Replayed
            } else {
                CaseError::Store(e)
            }
        })
    }
}

/// The field through which an action (the shared `reassign`) hands a case to a new owner.
pub const NEW_OWNER: &str = "new_owner";

pub const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("the request is not valid")]
    Invalid(Vec<FieldIssue>),
    #[error("{0}")]
    Forbidden(String),
    #[error("no such case or procedure")]
    NotFound,
    #[error("the procedure changed since it was read: its version is now {current_version}")]
    Stale { current_version: i64 },
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("{0}")]
    Inconsistent(String),
    /// The case was erased: only its tombstone remains.
    #[error("this case was erased")]
    Erased,
    /// A request with the same `Idempotency-Key` completed first; answer with its response.
    #[error("a request with this Idempotency-Key completed first")]
    Replayed,
}

/// One field at fault, named by its JSON path; the problem never quotes the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldIssue {
    pub field: String,
    pub problem: String,
}

fn issue(field: &str, problem: impl Into<String>) -> FieldIssue {
    FieldIssue {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseRequest {
    /// Default: the caller's delegation.
    pub delegation: Option<String>,
    pub country: String,
    pub themes: Vec<String>,
    pub risk: String,
    /// Default: the caller.
    pub owner: Option<Uuid>,
    /// Everything about the person; sealed. `defender_name` is required.
    pub confidential: Sensitive<Map<String, Value>>,
    pub procedure: OpenProcedureRequest,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenProcedureRequest {
    pub workflow: String,
    #[serde(default)]
    pub data: Sensitive<Map<String, Value>>,
}

#[derive(Debug, Serialize)]
pub struct Opened {
    pub id: Uuid,
    pub reference: String,
    pub version: i64,
    pub procedure_id: Uuid,
    /// References of other cases of the same defender name that the caller may see.
    pub possible_duplicates: Vec<String>,
}

/// Whether `caller` may see a case. Cases out of scope are reported as not found.
pub fn visible(caller: &Principal, case: &CaseRow, procedures: &[ProcedureRow]) -> bool {
    match caller.role {
        Role::FocalPoint | Role::HeadOfDelegation => caller.delegation.as_deref() == Some(case.delegation.as_str()),
        Role::EusrReviewer => procedures
            .iter()
            .any(|p| p.workflow == "eusr_review" || p.queue.as_deref() == Some("eusr_review")),
        // Vigil itself, firing a timer the case's own workflow scheduled.
        Role::System => true,
        Role::Admin => false,
    }
}

fn calendar(conn: &mut PgConnection, delegation: &str, owner: Uuid) -> Result<Calendar, CaseError> {
    calendar_for_case(conn, delegation, owner)?
        .ok_or_else(|| CaseError::Inconsistent(format!("delegation {delegation} is missing")))
}

/// The calendar of a case: its delegation's, with its owner's own time zone when they set one
/// (one query for both).
pub fn calendar_for_case(
    conn: &mut PgConnection,
    delegation: &str,
    owner: Uuid,
) -> Result<Option<Calendar>, StoreError> {
    Ok(
        users::delegation_and_owner_zone(conn, delegation, owner)?.map(|(row, owner_zone)| {
            let mut calendar = calendar_from(&row);
            calendar.owner_time_zone = owner_zone.and_then(|zone| zone.parse().ok());
            calendar
        }),
    )
}

/// A delegation's calendar (time zone and weekend), for deadlines and repeating reminders.
pub fn calendar_of(conn: &mut PgConnection, delegation: &str) -> Result<Option<Calendar>, StoreError> {
    Ok(users::delegation(conn, delegation)?.map(|row| calendar_from(&row)))
}

fn calendar_from(row: &users::DelegationRow) -> Calendar {
    let weekend = row
        .weekend_days
        .iter()
        .flatten()
        .filter_map(|day| u8::try_from(*day - 1).ok().and_then(|d| Weekday::try_from(d).ok()))
        .collect();
    Calendar {
        time_zone: row.time_zone.parse().unwrap_or(chrono_tz::UTC),
        weekend,
        owner_time_zone: None,
    }
}

/// Microsecond precision, as PostgreSQL stores it, so event hashes can be recomputed.
fn now_micros(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

fn to_object(data: Data) -> Value {
    Value::Object(data.into_iter().collect())
}

fn seal_data(recipient: &str, data: &Sensitive<Data>) -> Result<Option<Vec<u8>>, CryptoError> {
    if data.expose().is_empty() {
        return Ok(None);
    }
    keyring::seal_json(recipient, &Sensitive::new(to_object(data.expose().clone()))).map(Some)
}

fn scheduled_rows(
    delegation: &str,
    case_id: Uuid,
    procedure_id: Uuid,
    state: &str,
    due: &[Due],
) -> Vec<rows::NewScheduled> {
    due.iter()
        .map(|item| {
            let (kind, position, message, recipients, action, repeat) = match &item.kind {
                DueKind::Reminder {
                    index,
                    message,
                    to,
                    repeat,
                } => (
                    "reminder",
                    *index,
                    Some(message.clone()),
                    to.iter().cloned().map(Some).collect(),
                    None,
                    repeat.clone(),
                ),
                DueKind::Timer { index, action } => ("timer", *index, None, Vec::new(), Some(action.clone()), None),
            };
            rows::NewScheduled {
                delegation: delegation.to_owned(),
                id: Uuid::new_v4(),
                case_id,
                procedure_id,
                state: state.to_owned(),
                kind: kind.to_owned(),
                position: i32::try_from(position).unwrap_or(i32::MAX),
                message,
                recipients,
                action,
                repeat,
                due_at: item.at,
            }
        })
        .collect()
}

/// Inserts a started procedure with its event and scheduled work.
#[expect(clippy::too_many_arguments, reason = "one transaction's worth of context")]
fn insert_started(
    conn: &mut PgConnection,
    delegation: &str,
    case_id: Uuid,
    recipient: &str,
    start: &Start,
    started_by: Option<Uuid>,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<Uuid, CaseError> {
    let id = Uuid::new_v4();
    let sealed = seal_data(recipient, &start.sealed)?;
    rows::insert_procedure(
        conn,
        &rows::NewProcedure {
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
    rows::append_event(
        conn,
        delegation,
        case_id,
        &NewEvent {
            procedure_id: Some(id),
            action: "start_procedure".into(),
            from_state: None,
            to_state: Some(start.state.clone()),
            actor_id: actor,
            actor_kind: if actor.is_some() { "user" } else { "system" },
            at,
            plain: to_object(plain),
            sealed,
        },
    )?;
    rows::schedule(
        conn,
        &scheduled_rows(delegation, case_id, id, &start.state, &start.schedule),
    )?;
    Ok(id)
}

/// Opens a case with its first procedure.
pub fn open_case(conn: &mut PgConnection, ctx: &Context<'_>, request: OpenCaseRequest) -> Result<Opened, CaseError> {
    let (registry, keys, caller) = (ctx.registry, ctx.keys, ctx.caller);
    let at = now_micros(ctx.now);
    if !matches!(caller.role, Role::FocalPoint | Role::HeadOfDelegation) {
        return Err(CaseError::Forbidden(
            "only focal points and heads of delegation open cases".into(),
        ));
    }
    let delegation = match (&request.delegation, &caller.delegation) {
        (Some(asked), Some(own)) if asked != own => {
            return Err(CaseError::Forbidden(
                "cases can be opened only in your own delegation".into(),
            ));
        }
        (_, Some(own)) => own.clone(),
        (_, None) => return Err(CaseError::Forbidden("you belong to no delegation".into())),
    };

    let mut issues = Vec::new();
    if !is_country(&request.country) {
        issues.push(issue("country", "must be an ISO 3166-1 alpha-2 code such as KE"));
    }
    let mut themes: Vec<String> = Vec::new();
    for theme in &request.themes {
        if !is_theme(theme) {
            issues.push(issue(
                "themes",
                format!("`{theme}` is not a theme code (see the theme list)"),
            ));
        } else if !themes.contains(theme) {
            themes.push(theme.clone());
        }
    }
    if request.themes.is_empty() {
        issues.push(issue("themes", "name at least one theme"));
    }
    if !RISKS.contains(&request.risk.as_str()) {
        issues.push(issue("risk", "must be low, medium, high or critical"));
    }
    let defender_name = match request.confidential.expose().get("defender_name") {
        Some(Value::String(name)) if !name.trim().is_empty() => Some(Sensitive::new(name.clone())),
        _ => {
            issues.push(issue(
                "confidential.defender_name",
                "is required and must be a non-empty string",
            ));
            None
        }
    };
    let owner = request.owner.unwrap_or(caller.user_id);
    if owner != caller.user_id && !owner_fits(conn, owner, &delegation)? {
        issues.push(issue(
            "owner",
            "must be an active focal point or head of delegation of the case's delegation",
        ));
    }
    let workflow = registry.get(&request.procedure.workflow);
    if workflow.is_none() {
        issues.push(issue(
            "procedure.workflow",
            "is not a loaded workflow (see GET /api/v1/workflows)",
        ));
    }
    let (Some(workflow), Some(defender_name), true) = (workflow, defender_name, issues.is_empty()) else {
        return Err(CaseError::Invalid(issues));
    };

    let calendar = calendar(conn, &delegation, owner)?;
    let start = engine::open(workflow, request.procedure.data.expose(), at, &calendar)?;
    let key = keys.keyring.new_case_key()?;
    let sealed_case = keyring::seal_json(
        &key.recipient,
        &Sensitive::new(Value::Object(request.confidential.into_inner())),
    )?;
    let blind_index = keys.index.index(&defender_name).map(|index| index.to_vec());
    let id = Uuid::new_v4();

    rows::transaction(conn, |conn| {
        let reference = rows::next_reference(conn, at.year())?;
        rows::insert_case(
            conn,
            &rows::NewCase {
                delegation: delegation.clone(),
                id,
                reference,
                country: request.country.clone(),
                themes: themes.iter().cloned().map(Some).collect(),
                risk: request.risk.clone(),
                owner_id: owner,
                sealed: sealed_case.clone(),
                blind_index: blind_index.clone(),
                created_at: at,
                updated_at: at,
            },
            &rows::CaseKeyRow {
                delegation: delegation.clone(),
                case_id: id,
                recipient: key.recipient.clone(),
                wrapped: key.wrapped.clone(),
                wrapped_for: key.wrapped_for.clone(),
            },
        )?;
        rows::append_event(
            conn,
            &delegation,
            id,
            &NewEvent {
                procedure_id: None,
                action: "open_case".into(),
                from_state: None,
                to_state: None,
                actor_id: Some(caller.user_id),
                actor_kind: "user",
                at,
                plain: serde_json::json!({
                    "country": request.country, "themes": themes, "risk": request.risk, "owner": owner,
                }),
                sealed: Some(sealed_case.clone()),
            },
        )?;
        let procedure_id = insert_started(
            conn,
            &delegation,
            id,
            &key.recipient,
            &start,
            None,
            Some(caller.user_id),
            at,
        )?;
        rows::refresh_next_due(conn, &delegation, id)?;
        let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
        let possible_duplicates = rows::same_defender(conn, &delegation, id)?;
        let opened = Opened {
            id,
            reference: case.reference,
            version: case.version,
            procedure_id,
            possible_duplicates,
        };
        answer(conn, ctx, Some(format!("/api/v1/cases/{id}")), opened)
    })
}

/// An action the caller may take now, with the fields it takes.
#[derive(Debug, Serialize)]
pub struct ActionView {
    pub id: String,
    pub title: String,
    pub fields: BTreeMap<String, crate::workflow::model::FieldDef>,
}

#[derive(Debug, Serialize)]
pub struct ProcedureView {
    pub id: Uuid,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub queue: Option<String>,
    pub version: i64,
    pub data: Sensitive<Value>,
    pub actions: Vec<ActionView>,
}

#[derive(Debug, Serialize)]
pub struct DueView {
    pub procedure_id: Uuid,
    pub kind: String,
    pub what: Option<String>,
    pub due_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub reference: String,
    pub version: i64,
    pub delegation: String,
    pub country: String,
    pub themes: Vec<String>,
    pub risk: String,
    pub owner: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub confidential: Sensitive<Value>,
    pub procedures: Vec<ProcedureView>,
    pub upcoming: Vec<DueView>,
    /// Other cases of the same defender in the delegation, for the delegation's own staff.
    pub possible_duplicates: Vec<String>,
}

/// The actions of `workflow` that `role` may take in `state`.
pub fn available_actions(workflow: &Workflow, state: &str, role: Role) -> Vec<ActionView> {
    if workflow.is_terminal(state) {
        return Vec::new();
    }
    workflow
        .definition
        .actions
        .iter()
        .filter(|(_, action)| action.roles.contains(&role))
        .filter(|(_, action)| action.from.iter().any(|from| from == "*" || from == state))
        .map(|(id, action)| ActionView {
            id: id.clone(),
            title: action.title.clone(),
            fields: action.fields.clone(),
        })
        .collect()
}

/// Reads a case in the caller's scope, decrypting its confidential data; the read is recorded
/// in the access log first, and an out-of-scope attempt is recorded as denied.
pub fn read_case(conn: &mut PgConnection, ctx: &Context<'_>, id: Uuid) -> Result<CaseView, CaseError> {
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    let case_key = open_key(conn, ctx, &case)?;
    view_in_scope(conn, ctx, case, procedures, &case_key)
}

/// A case read and its timeline read at once (the case page): the scope is decided and the
/// key opened once, and each read has its line in the access log, as when made apart.
pub fn read_case_with_timeline(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<(CaseView, Vec<EventView>), CaseError> {
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    let case_key = open_key(conn, ctx, &case)?;
    let view = view_in_scope(conn, ctx, case.clone(), procedures.clone(), &case_key)?;
    let events = timeline_in_scope(conn, ctx, &case, &procedures, &case_key)?;
    Ok((view, events))
}

/// The case as the caller may see it, once its scope is decided; the read is logged first.
fn view_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: CaseRow,
    mut procedures: Vec<ProcedureRow>,
    case_key: &crypto::CaseKey,
) -> Result<CaseView, CaseError> {
    let reach = reach(ctx.registry, ctx.caller, &procedures);
    if reach == Reach::ReviewsOnly {
        procedures.retain(is_review);
    }
    // The read is on record before any plaintext leaves.
    record_access(conn, ctx, &case, "read")?;
    let own_delegation = ctx.caller.delegation.as_deref() == Some(case.delegation.as_str());
    let duplicates = if own_delegation {
        rows::same_defender(conn, &case.delegation, case.id)?
    } else {
        Vec::new()
    };
    let mut view = view_of(conn, ctx.registry, ctx.caller.role, case, procedures, case_key)?;
    view.possible_duplicates = duplicates;
    if reach == Reach::ReviewsOnly {
        view.confidential = Sensitive::new(Value::Null);
        let reviews: Vec<Uuid> = view.procedures.iter().map(|p| p.id).collect();
        view.upcoming.retain(|due| reviews.contains(&due.procedure_id));
    }
    Ok(view)
}

/// How much of a case the caller reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The whole case.
    Full,
    /// Only the EUSR reviews, once every review of the case is closed: "what it decided".
    ReviewsOnly,
}

fn is_review(procedure: &ProcedureRow) -> bool {
    procedure.workflow == "eusr_review"
}

/// The EUSR office reaches the whole case while a review of it is open (or a procedure waits in
/// its queue), and only its own reviews once they are all closed.
fn reach(registry: &Registry, caller: &Principal, procedures: &[ProcedureRow]) -> Reach {
    if caller.role != Role::EusrReviewer {
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
fn case_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<(CaseRow, Vec<ProcedureRow>), CaseError> {
    let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    in_scope(conn, ctx, case)
}

/// As [`case_in_scope`], for a case already read.
fn in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: CaseRow,
) -> Result<(CaseRow, Vec<ProcedureRow>), CaseError> {
    let procedures = rows::procedures_of(conn, &case.delegation, case.id)?;
    if !visible(ctx.caller, &case, &procedures) {
        record_access(conn, ctx, &case, "denied")?;
        return Err(CaseError::NotFound);
    }
    if case.erased_at.is_some() {
        return Err(CaseError::Erased);
    }
    Ok((case, procedures))
}

/// The user behind an event; none for Vigil itself.
fn actor_id(caller: &Principal) -> Option<Uuid> {
    (caller.role != Role::System).then_some(caller.user_id)
}

fn actor_kind(caller: &Principal) -> &'static str {
    if caller.role == Role::System { "system" } else { "user" }
}

/// The people a case of `delegation` may be handed to (active focal points and heads of it),
/// for a caller of that delegation; nobody for anyone else.
pub fn colleagues(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    delegation: &str,
) -> Result<Vec<users::UserRow>, CaseError> {
    if ctx.caller.delegation.as_deref() != Some(delegation) {
        return Ok(Vec::new());
    }
    Ok(users::users_of(conn, delegation)?
        .into_iter()
        .filter(|user| may_own(user, delegation))
        .collect())
}

/// Whether `user` may own a case of `delegation`: an active focal point or head of it.
fn may_own(user: &users::UserRow, delegation: &str) -> bool {
    user.delegation.as_deref() == Some(delegation)
        && user.disabled_at.is_none()
        && matches!(user.role.as_str(), "focal_point" | "head_of_delegation")
}

/// Whether `owner` may own a case of `delegation`: an active focal point or head of it.
fn owner_fits(conn: &mut PgConnection, owner: Uuid, delegation: &str) -> Result<bool, CaseError> {
    Ok(users::user(conn, owner)?.is_some_and(|user| may_own(&user, delegation)))
}

/// One line of the access log for `case`: who, which request, what (never the data).
fn record_access(conn: &mut PgConnection, ctx: &Context<'_>, case: &CaseRow, what: &str) -> Result<(), CaseError> {
    rows::log_access(
        conn,
        Some(ctx.caller.user_id),
        Some(&case.delegation),
        Some(case.id),
        what,
        ctx.request_id,
    )?;
    Ok(())
}

fn open_key(conn: &mut PgConnection, ctx: &Context<'_>, case: &CaseRow) -> Result<crypto::CaseKey, CaseError> {
    let key = rows::case_key(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
    Ok(ctx.keys.keyring.open_case_key(&key.wrapped)?)
}

/// A case with its confidential data and procedures opened; `role` decides the actions offered.
fn view_of(
    conn: &mut PgConnection,
    registry: &Registry,
    role: Role,
    case: CaseRow,
    procedures: Vec<ProcedureRow>,
    case_key: &crypto::CaseKey,
) -> Result<CaseView, CaseError> {
    let confidential = keyring::open_json(case_key, &case.sealed)?.into_inner();
    let mut views = Vec::new();
    for procedure in procedures {
        let workflow = registry
            .version(&procedure.workflow, &procedure.workflow_version)
            .ok_or_else(|| {
                CaseError::Inconsistent(format!(
                    "workflow {}@{} is not loaded",
                    procedure.workflow, procedure.workflow_version
                ))
            })?;
        let mut data = procedure.plain_data.as_object().cloned().unwrap_or_default();
        if let Some(sealed) = &procedure.sealed_data
            && let Value::Object(open) = keyring::open_json(case_key, sealed)?.into_inner()
        {
            data.extend(open);
        }
        views.push(ProcedureView {
            actions: available_actions(workflow, &procedure.state, role),
            id: procedure.id,
            workflow: procedure.workflow,
            workflow_version: procedure.workflow_version,
            state: procedure.state,
            queue: procedure.queue,
            version: procedure.version,
            data: Sensitive::new(Value::Object(data)),
        });
    }
    let upcoming = rows::pending_of_case(conn, &case.delegation, case.id)?
        .into_iter()
        .map(|row| DueView {
            procedure_id: row.procedure_id,
            kind: row.kind,
            what: row.message.or(row.action),
            due_at: row.due_at,
        })
        .collect();
    Ok(CaseView {
        id: case.id,
        reference: case.reference,
        version: case.version,
        delegation: case.delegation,
        country: case.country,
        themes: case.themes.into_iter().flatten().collect(),
        risk: case.risk,
        owner: case.owner_id,
        created_at: case.created_at,
        updated_at: case.updated_at,
        next_due_at: case.next_due_at,
        confidential: Sensitive::new(confidential),
        procedures: views,
        upcoming,
        possible_duplicates: Vec::new(),
    })
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: String,
    pub expected_version: i64,
    #[serde(default)]
    pub data: Sensitive<Map<String, Value>>,
}

#[derive(Debug, Serialize)]
pub struct Transitioned {
    pub procedure_id: Uuid,
    pub from: String,
    pub state: String,
    pub queue: Option<String>,
    pub version: i64,
    /// Procedures the action started on the same case.
    pub started: Vec<StartedView>,
}

#[derive(Debug, Serialize)]
pub struct StartedView {
    pub id: Uuid,
    pub workflow: String,
    pub state: String,
}

/// Takes an action on a procedure. A stale `expected_version` is refused before anything else.
pub fn transition(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    procedure_id: Uuid,
    request: TransitionRequest,
) -> Result<Transitioned, CaseError> {
    let (registry, keys, caller) = (ctx.registry, ctx.keys, ctx.caller);
    let at = now_micros(ctx.now);
    let case = rows::case_of_procedure(conn, procedure_id)?.ok_or(CaseError::NotFound)?;
    let (case, procedures) = in_scope(conn, ctx, case)?;
    let found = procedures
        .iter()
        .find(|p| p.id == procedure_id)
        .ok_or(CaseError::NotFound)?;
    if reach(registry, caller, &procedures) == Reach::ReviewsOnly && !is_review(found) {
        record_access(conn, ctx, &case, "denied")?;
        return Err(CaseError::NotFound);
    }
    let delegation = case.delegation.clone();
    let calendar = calendar(conn, &delegation, case.owner_id)?;
    let actor = Actor {
        user: caller.user_id.to_string(),
        roles: vec![caller.role],
    };
    rows::transaction(conn, |conn| {
        // The case row's lock orders this change against every other change of the case.
        rows::lock_case(conn, &delegation, case.id)?.ok_or(CaseError::NotFound)?;
        let procedure = rows::procedure_by_id(conn, procedure_id)?.ok_or(CaseError::NotFound)?;
        if procedure.version != request.expected_version {
            return Err(CaseError::Stale {
                current_version: procedure.version,
            });
        }
        let workflow = registry
            .version(&procedure.workflow, &procedure.workflow_version)
            .ok_or_else(|| {
                CaseError::Inconsistent(format!(
                    "workflow {}@{} is not loaded",
                    procedure.workflow, procedure.workflow_version
                ))
            })?;
        let key = rows::case_key(conn, &delegation, case.id)?.ok_or(CaseError::NotFound)?;
        let mut recorded: Data = procedure
            .plain_data
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        if let Some(sealed) = &procedure.sealed_data {
            let case_key = keys.keyring.open_case_key(&key.wrapped)?;
            if let Value::Object(open) = keyring::open_json(&case_key, sealed)?.into_inner() {
                recorded.extend(open);
            }
        }
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
            &calendar,
        )?;

        // The procedure's data after the action, split again by the workflow's declarations.
        recorded.extend(plan.plain.clone());
        recorded.extend(plan.sealed.expose().clone());
        let fields = workflow.fields();
        let (plain_all, sealed_all): (Data, Data) = recorded
            .into_iter()
            .partition(|(name, _)| fields.get(name).is_some_and(|f| !f.confidential));
        let version = procedure.version + 1;
        rows::update_procedure(
            conn,
            &delegation,
            procedure.id,
            &rows::ProcedureChanges {
                state: plan.to.clone(),
                queue: Some(plan.queue.clone()),
                version,
                plain_data: to_object(plain_all),
                sealed_data: seal_data(&key.recipient, &Sensitive::new(sealed_all))?,
                updated_at: at,
            },
        )?;
        rows::append_event(
            conn,
            &delegation,
            case.id,
            &NewEvent {
                procedure_id: Some(procedure.id),
                action: plan.action.clone(),
                from_state: Some(plan.from.clone()),
                to_state: Some(plan.to.clone()),
                actor_id: actor_id(caller),
                actor_kind: actor_kind(caller),
                at,
                plain: to_object(plan.plain.clone()),
                sealed: seal_data(&key.recipient, &plan.sealed)?,
            },
        )?;
        if plan.cancel_scheduled {
            rows::cancel_scheduled(conn, &delegation, procedure.id, &plan.from)?;
            rows::schedule(
                conn,
                &scheduled_rows(&delegation, case.id, procedure.id, &plan.to, &plan.schedule),
            )?;
        }
        let mut started = Vec::new();
        for start in &plan.starts {
            let id = insert_started(
                conn,
                &delegation,
                case.id,
                &key.recipient,
                start,
                Some(procedure.id),
                actor_id(caller),
                at,
            )?;
            started.push(StartedView {
                id,
                workflow: start.workflow.clone(),
                state: start.state.clone(),
            });
        }
        // An action carrying `new_owner` (the shared `reassign`) hands the case over, within the
        // case's delegation only.
        if let Some(Value::String(new_owner)) = plan.plain.get(NEW_OWNER) {
            let owner = Uuid::parse_str(new_owner)
                .ok()
                .filter(|owner| owner_fits(conn, *owner, &delegation).unwrap_or(false))
                .ok_or_else(|| {
                    CaseError::Invalid(vec![issue(
                        "data.new_owner",
                        "must be an active focal point or head of delegation of the case's delegation",
                    )])
                })?;
            rows::update_case(
                conn,
                &delegation,
                case.id,
                &rows::CaseChanges {
                    owner_id: Some(owner),
                    ..Default::default()
                },
            )?;
        }
        rows::touch_case_and_next_due(conn, &delegation, case.id, at)?;
        if let Some(timer) = ctx.completes {
            rows::complete(conn, &timer.delegation, timer.id)?;
        }
        let done = Transitioned {
            procedure_id,
            from: plan.from,
            state: plan.to,
            queue: plan.queue,
            version,
            started,
        };
        answer(conn, ctx, None, done)
    })
}

/// `GET /cases` query: filters and keyset pagination.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub delegation: Option<String>,
    pub country: Option<String>,
    pub theme: Option<String>,
    pub risk: Option<String>,
    pub workflow: Option<String>,
    pub state: Option<String>,
    pub queue: Option<String>,
    pub owner: Option<Uuid>,
    pub due_before: Option<DateTime<Utc>>,
    /// `newest` (the default) or `due`: the soonest next due item first.
    pub sort: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    pub limit: Option<i64>,
}

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

#[derive(Debug, Serialize)]
pub struct ProcedureSummary {
    pub id: Uuid,
    pub workflow: String,
    pub state: String,
    pub queue: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CaseSummary {
    pub id: Uuid,
    pub reference: String,
    pub version: i64,
    pub delegation: String,
    pub country: String,
    pub themes: Vec<String>,
    pub risk: String,
    pub owner: Uuid,
    pub next_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub procedures: Vec<ProcedureSummary>,
}

#[derive(Debug, Serialize)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A page's `next`: `N<micros>_<id>` newest first, `D<micros or ->_<id>` by due time.
fn cursor(order: rows::CaseOrder, case: &CaseRow) -> String {
    match order {
        rows::CaseOrder::Newest => format!("N{}_{}", case.created_at.timestamp_micros(), case.id.simple()),
        rows::CaseOrder::Due => {
            let due = case
                .next_due_at
                .map_or_else(|| "-".to_owned(), |at| at.timestamp_micros().to_string());
            format!("D{due}_{}", case.id.simple())
        }
    }
}

fn parse_cursor(text: &str) -> Option<rows::Cursor> {
    let micros = |m: &str| m.parse().ok().and_then(DateTime::from_timestamp_micros);
    let (kind, rest) = text.split_at_checked(1)?;
    let (at, id) = rest.split_once('_')?;
    let id = Uuid::parse_str(id).ok()?;
    match kind {
        "N" => Some(rows::Cursor::Newest {
            created_at: micros(at)?,
            id,
        }),
        "D" if at == "-" => Some(rows::Cursor::Due { next_due_at: None, id }),
        "D" => Some(rows::Cursor::Due {
            next_due_at: Some(micros(at)?),
            id,
        }),
        _ => None,
    }
}

/// Lists the cases in the caller's scope: metadata only, nothing is decrypted.
pub fn list_cases(conn: &mut PgConnection, ctx: &Context<'_>, query: ListQuery) -> Result<CasePage, CaseError> {
    let mut issues = Vec::new();
    if query.country.as_deref().is_some_and(|c| !is_country(c)) {
        issues.push(issue("country", "must be an ISO 3166-1 alpha-2 code"));
    }
    if query.theme.as_deref().is_some_and(|t| !is_theme(t)) {
        issues.push(issue("theme", "is not a theme code"));
    }
    if query.risk.as_deref().is_some_and(|r| !RISKS.contains(&r)) {
        issues.push(issue("risk", "must be low, medium, high or critical"));
    }
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        issues.push(issue("limit", format!("must be from 1 to {MAX_PAGE}")));
    }
    let order = match query.sort.as_deref() {
        None | Some("newest") => rows::CaseOrder::Newest,
        Some("due") => rows::CaseOrder::Due,
        Some(_) => {
            issues.push(issue("sort", "must be newest or due"));
            rows::CaseOrder::Newest
        }
    };
    let after = match query.after.as_deref().map(parse_cursor) {
        Some(Some(cursor)) if matches!(cursor, rows::Cursor::Newest { .. }) == (order == rows::CaseOrder::Newest) => {
            Some(cursor)
        }
        Some(_) => {
            issues.push(issue("after", "is not a cursor from a previous page of this order"));
            None
        }
        None => None,
    };
    if !issues.is_empty() {
        return Err(CaseError::Invalid(issues));
    }
    let mut filter = rows::CaseFilter {
        delegation: query.delegation.clone(),
        country: query.country,
        theme: query.theme,
        risk: query.risk,
        owner: query.owner,
        due_before: query.due_before,
        workflow: query.workflow,
        state: query.state,
        queue: query.queue,
        escalated_only: false,
        order,
        after,
        // One more than asked tells whether another page follows.
        limit: limit + 1,
    };
    match ctx.caller.role {
        Role::FocalPoint | Role::HeadOfDelegation => {
            let own = ctx.caller.delegation.clone();
            if query.delegation.is_some() && query.delegation != own {
                return Ok(CasePage {
                    items: Vec::new(),
                    next: None,
                });
            }
            filter.delegation = own;
        }
        Role::EusrReviewer => filter.escalated_only = true,
        Role::Admin | Role::System => return Err(CaseError::Forbidden("admins do not see cases".into())),
    }
    let mut found = rows::list(conn, &filter)?;
    let more = found.len() > usize::try_from(limit).unwrap_or(0);
    found.truncate(usize::try_from(limit).unwrap_or(0));
    let ids: Vec<Uuid> = found.iter().map(|c| c.id).collect();
    let mut procedures: BTreeMap<Uuid, Vec<ProcedureSummary>> = BTreeMap::new();
    for p in rows::procedures_of_cases(conn, &ids)? {
        procedures.entry(p.case_id).or_default().push(ProcedureSummary {
            id: p.id,
            workflow: p.workflow,
            state: p.state,
            queue: p.queue,
        });
    }
    let next = if more {
        found.last().map(|case| cursor(order, case))
    } else {
        None
    };
    let items = found
        .into_iter()
        .map(|case| CaseSummary {
            procedures: procedures.remove(&case.id).unwrap_or_default(),
            id: case.id,
            reference: case.reference,
            version: case.version,
            delegation: case.delegation,
            country: case.country,
            themes: case.themes.into_iter().flatten().collect(),
            risk: case.risk,
            owner: case.owner_id,
            next_due_at: case.next_due_at,
            created_at: case.created_at,
        })
        .collect();
    Ok(CasePage { items, next })
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartProcedureRequest {
    pub workflow: String,
    #[serde(default)]
    pub data: Sensitive<Map<String, Value>>,
}

#[derive(Debug, Serialize)]
pub struct StartedProcedure {
    pub id: Uuid,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub version: i64,
}

/// Starts another workflow on a case (observe the trial, then a démarche about the verdict).
pub fn start_procedure(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case_id: Uuid,
    request: StartProcedureRequest,
) -> Result<StartedProcedure, CaseError> {
    let at = now_micros(ctx.now);
    let (case, _) = case_in_scope(conn, ctx, case_id)?;
    if !matches!(ctx.caller.role, Role::FocalPoint | Role::HeadOfDelegation) {
        return Err(CaseError::Forbidden(
            "only the case's delegation starts procedures on it".into(),
        ));
    }
    let workflow = ctx.registry.get(&request.workflow).ok_or_else(|| {
        CaseError::Invalid(vec![issue(
            "workflow",
            "is not a loaded workflow (see GET /api/v1/workflows)",
        )])
    })?;
    let calendar = calendar(conn, &case.delegation, case.owner_id)?;
    let start = engine::open(workflow, request.data.expose(), at, &calendar)?;
    rows::transaction(conn, |conn| {
        rows::lock_case(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
        let key = rows::case_key(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
        let id = insert_started(
            conn,
            &case.delegation,
            case.id,
            &key.recipient,
            &start,
            None,
            Some(ctx.caller.user_id),
            at,
        )?;
        rows::touch_case_and_next_due(conn, &case.delegation, case.id, at)?;
        let started = StartedProcedure {
            id,
            workflow: start.workflow.clone(),
            workflow_version: start.version.clone(),
            state: start.state.clone(),
            version: 1,
        };
        answer(conn, ctx, None, started)
    })
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub procedure_id: Option<Uuid>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    /// The event's plain fields and its opened confidential ones.
    pub data: Sensitive<Value>,
}

/// Every event of a case and its procedures, oldest first, opened for the caller; recorded in
/// the access log as a timeline read.
pub fn timeline(conn: &mut PgConnection, ctx: &Context<'_>, id: Uuid) -> Result<Vec<EventView>, CaseError> {
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    let case_key = open_key(conn, ctx, &case)?;
    timeline_in_scope(conn, ctx, &case, &procedures, &case_key)
}

/// The timeline as the caller may see it, once the case's scope is decided; logged first.
fn timeline_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: &CaseRow,
    procedures: &[ProcedureRow],
    case_key: &crypto::CaseKey,
) -> Result<Vec<EventView>, CaseError> {
    let reviews: Option<Vec<Uuid>> = (reach(ctx.registry, ctx.caller, procedures) == Reach::ReviewsOnly)
        .then(|| procedures.iter().filter(|p| is_review(p)).map(|p| p.id).collect());
    record_access(conn, ctx, case, "timeline")?;
    let mut events = events_of(conn, case, case_key)?;
    if let Some(reviews) = reviews {
        events.retain(|event| event.procedure_id.is_some_and(|id| reviews.contains(&id)));
    }
    Ok(events)
}

fn events_of(conn: &mut PgConnection, case: &CaseRow, case_key: &crypto::CaseKey) -> Result<Vec<EventView>, CaseError> {
    rows::events_of(conn, &case.delegation, case.id)?
        .into_iter()
        .map(|event| {
            let mut data = event.plain.as_object().cloned().unwrap_or_default();
            if let Some(sealed) = &event.sealed {
                match keyring::open_json(case_key, sealed)?.into_inner() {
                    Value::Object(open) => data.extend(open),
                    other => {
                        data.insert("confidential".into(), other);
                    }
                }
            }
            Ok(EventView {
                seq: event.seq,
                at: event.at,
                action: event.action,
                procedure_id: event.procedure_id,
                from_state: event.from_state,
                to_state: event.to_state,
                actor_id: event.actor_id,
                actor_kind: event.actor_kind,
                data: Sensitive::new(Value::Object(data)),
            })
        })
        .collect()
}

/// What an export holds: the case as a reader sees it, and its whole timeline.
#[derive(Debug, Serialize)]
struct Bundle {
    exported_at: DateTime<Utc>,
    case: CaseView,
    timeline: Vec<EventView>,
}

fn bundle(
    conn: &mut PgConnection,
    registry: &Registry,
    keys: &Keys,
    case: CaseRow,
    procedures: Vec<ProcedureRow>,
    now: DateTime<Utc>,
    recipient: &str,
) -> Result<Vec<u8>, CaseError> {
    let key = rows::case_key(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
    let case_key = keys.keyring.open_case_key(&key.wrapped)?;
    let timeline = events_of(conn, &case, &case_key)?;
    let case = view_of(conn, registry, Role::System, case, procedures, &case_key)?;
    let json = serde_json::to_vec_pretty(&Bundle {
        exported_at: now,
        case,
        timeline,
    })
    .map_err(|e| CaseError::Inconsistent(e.to_string()))?;
    Ok(keyring::seal(recipient, &Sensitive::new(json))?)
}

/// Checks an export recipient before anything is read.
fn export_recipient(recipient: &str) -> Result<(), CaseError> {
    crypto::Recipients::parse(recipient)
        .ok()
        .filter(|r| r.len() == 1)
        .map(drop)
        .ok_or_else(|| CaseError::Invalid(vec![issue("recipient", "must be one age X25519 recipient (age1…)")]))
}

/// `POST /cases/{id}/export`: the case, its data and timeline, age-encrypted to `recipient`;
/// recorded in the access log.
pub fn export_case(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: Uuid,
    recipient: &str,
) -> Result<(String, Vec<u8>), CaseError> {
    export_recipient(recipient)?;
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    if reach(ctx.registry, ctx.caller, &procedures) == Reach::ReviewsOnly {
        record_access(conn, ctx, &case, "denied")?;
        return Err(CaseError::NotFound);
    }
    record_access(conn, ctx, &case, "export")?;
    let reference = case.reference.clone();
    let sealed = bundle(conn, ctx.registry, ctx.keys, case, procedures, ctx.now, recipient)?;
    Ok((reference, sealed))
}

/// `vigil export case REF`: the same bundle for an operator at the server, recorded in the access
/// log with no user.
pub fn export_by_reference(
    conn: &mut PgConnection,
    registry: &Registry,
    keys: &Keys,
    reference: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, CaseError> {
    export_recipient(recipient)?;
    let case = rows::case_by_reference(conn, reference)?.ok_or(CaseError::NotFound)?;
    if case.erased_at.is_some() {
        return Err(CaseError::Erased);
    }
    let procedures = rows::procedures_of(conn, &case.delegation, case.id)?;
    rows::log_access(conn, None, Some(&case.delegation), Some(case.id), "export", None)?;
    bundle(conn, registry, keys, case, procedures, now, recipient)
}

/// `PATCH /cases/{id}`: metadata, and confidential keys to set (a `null` removes one).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    pub country: Option<String>,
    pub themes: Option<Vec<String>>,
    pub risk: Option<String>,
    pub owner: Option<Uuid>,
    pub confidential: Option<Sensitive<Map<String, Value>>>,
}

#[derive(Debug, Serialize)]
pub struct Patched {
    pub id: Uuid,
    pub version: i64,
}

/// Changes a case, if `expected_version` is still its version.
pub fn patch_case(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: Uuid,
    expected_version: i64,
    patch: CasePatch,
) -> Result<Patched, CaseError> {
    let at = now_micros(ctx.now);
    let (case, _) = case_in_scope(conn, ctx, id)?;
    if !matches!(ctx.caller.role, Role::FocalPoint | Role::HeadOfDelegation) {
        return Err(CaseError::Forbidden("only the case's delegation edits it".into()));
    }
    let mut issues = Vec::new();
    if patch.country.as_deref().is_some_and(|c| !is_country(c)) {
        issues.push(issue("country", "must be an ISO 3166-1 alpha-2 code such as KE"));
    }
    if let Some(themes) = &patch.themes {
        if themes.is_empty() {
            issues.push(issue("themes", "name at least one theme"));
        }
        for theme in themes.iter().filter(|t| !is_theme(t)) {
            issues.push(issue("themes", format!("`{theme}` is not a theme code")));
        }
    }
    if patch.risk.as_deref().is_some_and(|r| !RISKS.contains(&r)) {
        issues.push(issue("risk", "must be low, medium, high or critical"));
    }
    if let Some(owner) = patch.owner
        && !owner_fits(conn, owner, &case.delegation)?
    {
        issues.push(issue(
            "owner",
            "must be an active focal point or head of delegation of the case's delegation",
        ));
    }
    match patch
        .confidential
        .as_ref()
        .and_then(|c| c.expose().get("defender_name"))
    {
        Some(Value::Null) => issues.push(issue("confidential.defender_name", "cannot be removed")),
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        Some(_) => issues.push(issue("confidential.defender_name", "must be a non-empty string")),
        None => {}
    }
    if !issues.is_empty() {
        return Err(CaseError::Invalid(issues));
    }
    rows::transaction(conn, |conn| {
        let locked = rows::lock_case(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
        if locked.version != expected_version {
            return Err(CaseError::Stale {
                current_version: locked.version,
            });
        }
        let key = rows::case_key(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
        let mut changes = rows::CaseChanges {
            country: patch.country.clone(),
            themes: patch.themes.as_ref().map(|t| t.iter().cloned().map(Some).collect()),
            risk: patch.risk.clone(),
            owner_id: patch.owner,
            ..Default::default()
        };
        let mut sealed_patch = None;
        if let Some(confidential) = &patch.confidential {
            let case_key = ctx.keys.keyring.open_case_key(&key.wrapped)?;
            let mut current = match keyring::open_json(&case_key, &locked.sealed)?.into_inner() {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            for (name, value) in confidential.expose() {
                if value.is_null() {
                    current.remove(name);
                } else {
                    current.insert(name.clone(), value.clone());
                }
            }
            if let Some(Value::String(name)) = current.get("defender_name") {
                changes.blind_index = Some(ctx.keys.index.index(&Sensitive::new(name.clone())).map(|i| i.to_vec()));
            }
            changes.sealed = Some(keyring::seal_json(
                &key.recipient,
                &Sensitive::new(Value::Object(current)),
            )?);
            sealed_patch = Some(keyring::seal_json(
                &key.recipient,
                &Sensitive::new(Value::Object(confidential.expose().clone())),
            )?);
        }
        rows::update_case(conn, &case.delegation, id, &changes)?;
        let plain = serde_json::json!({
            "country": patch.country, "themes": patch.themes, "risk": patch.risk, "owner": patch.owner,
        });
        let plain: Map<String, Value> = plain
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        rows::append_event(
            conn,
            &case.delegation,
            id,
            &NewEvent {
                procedure_id: None,
                action: "update_case".into(),
                from_state: None,
                to_state: None,
                actor_id: Some(ctx.caller.user_id),
                actor_kind: "user",
                at,
                plain: Value::Object(plain),
                sealed: sealed_patch,
            },
        )?;
        let version = rows::touch_case(conn, &case.delegation, id, at)?;
        let patched = Patched { id, version };
        answer(conn, ctx, None, patched)
    })
}

pub const ERASURE_REASONS: [&str; 4] = [
    "defender_request",
    "retention_expired",
    "data_protection_order",
    "opened_in_error",
];

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// A code: `defender_request`, `retention_expired`, `data_protection_order` or `opened_in_error`.
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct ErasureRequested {
    pub request_id: Uuid,
    pub case_id: Uuid,
    pub reference: String,
}

#[derive(Debug, Serialize)]
pub struct Erased {
    pub case_id: Uuid,
    pub erased_at: DateTime<Utc>,
}

fn admin_only(ctx: &Context<'_>) -> Result<(), CaseError> {
    if ctx.caller.role == Role::Admin {
        Ok(())
    } else {
        Err(CaseError::Forbidden("only admins request and approve erasure".into()))
    }
}

/// The erasures waiting for a second admin, for admins.
pub fn pending_erasures(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<Vec<rows::PendingErasure>, CaseError> {
    admin_only(ctx)?;
    Ok(rows::pending_erasures(conn, MAX_PAGE)?)
}

/// As [`request_erasure`], naming the case by its reference (admins see no case to pick from).
pub fn request_erasure_by_reference(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    reference: &str,
    request: EraseRequest,
) -> Result<ErasureRequested, CaseError> {
    admin_only(ctx)?;
    let case = rows::case_by_reference(conn, reference.trim())?.ok_or_else(|| {
        CaseError::Invalid(vec![issue(
            "reference",
            "names no case (references look like VG-2026-00042)",
        )])
    })?;
    request_erasure(conn, ctx, case.id, request)
}

/// Gives a dead reminder or timer another round of attempts, for admins; false if it was not dead.
pub fn retry_scheduled(conn: &mut PgConnection, ctx: &Context<'_>, id: Uuid) -> Result<bool, CaseError> {
    if ctx.caller.role != Role::Admin {
        return Err(CaseError::Forbidden("the reminder queues are for admins".into()));
    }
    Ok(rows::revive(conn, id)?)
}

/// The first of the two admins asks for a case to be erased; nothing changes yet.
pub fn request_erasure(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: Uuid,
    request: EraseRequest,
) -> Result<ErasureRequested, CaseError> {
    admin_only(ctx)?;
    if !ERASURE_REASONS.contains(&request.reason.as_str()) {
        return Err(CaseError::Invalid(vec![issue(
            "reason",
            format!("must be one of {}", ERASURE_REASONS.join(", ")),
        )]));
    }
    let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    if case.erased_at.is_some() {
        return Err(CaseError::Erased);
    }
    let request_id = Uuid::new_v4();
    rows::transaction(conn, |conn| {
        rows::insert_erasure_request(
            conn,
            &rows::ErasureRequest {
                id: request_id,
                delegation: case.delegation.clone(),
                case_id: id,
                reason: request.reason.clone(),
                requested_by: ctx.caller.user_id,
                approved_by: None,
            },
        )
        .map_err(|e| {
            if e.is_unique_violation() {
                CaseError::Forbidden("an erasure of this case is already waiting for approval".into())
            } else {
                CaseError::Store(e)
            }
        })?;
        let done = ErasureRequested {
            request_id,
            case_id: id,
            reference: case.reference.clone(),
        };
        answer(conn, ctx, None, done)
    })
}

/// A second admin approves: the case key is deleted and the case becomes a tombstone.
pub fn approve_erasure(conn: &mut PgConnection, ctx: &Context<'_>, request_id: Uuid) -> Result<Erased, CaseError> {
    admin_only(ctx)?;
    let at = now_micros(ctx.now);
    rows::transaction(conn, |conn| {
        let request = rows::lock_erasure_request(conn, request_id)?.ok_or(CaseError::NotFound)?;
        if request.approved_by.is_some() {
            return Err(CaseError::Erased);
        }
        if request.requested_by == ctx.caller.user_id {
            return Err(CaseError::Forbidden(
                "another admin must approve the erasure you requested".into(),
            ));
        }
        rows::lock_case(conn, &request.delegation, request.case_id)?.ok_or(CaseError::NotFound)?;
        let key = rows::case_key(conn, &request.delegation, request.case_id)?;
        rows::erase(conn, &request, ctx.caller.user_id, at)?;
        // This process forgets the unwrapped key at once (other replicas' copies expire within
        // a minute, and without the key row nothing can ask for them).
        if let Some(key) = &key {
            ctx.keys.keyring.forget_case_key(&key.wrapped);
        }
        rows::append_event(
            conn,
            &request.delegation,
            request.case_id,
            &NewEvent {
                procedure_id: None,
                action: "erase_case".into(),
                from_state: None,
                to_state: None,
                actor_id: Some(ctx.caller.user_id),
                actor_kind: "user",
                at,
                plain: serde_json::json!({ "reason": request.reason, "requested_by": request.requested_by }),
                sealed: None,
            },
        )?;
        rows::touch_case(conn, &request.delegation, request.case_id, at)?;
        let done = Erased {
            case_id: request.case_id,
            erased_at: at,
        };
        answer(conn, ctx, None, done)
    })
}

#[derive(Debug, Serialize)]
pub struct QueueEntry {
    pub procedure_id: Uuid,
    pub case_id: Uuid,
    pub reference: String,
    pub delegation: String,
    pub country: String,
    pub risk: String,
    pub workflow: String,
    pub state: String,
    pub waiting_since: DateTime<Utc>,
    pub waiting_hours: i64,
}

/// A review queue for its reviewers: metadata only, most urgent and oldest first.
pub fn review_queue(conn: &mut PgConnection, ctx: &Context<'_>, name: &str) -> Result<Vec<QueueEntry>, CaseError> {
    if name != "eusr_review" {
        return Err(CaseError::NotFound);
    }
    if ctx.caller.role != Role::EusrReviewer {
        return Err(CaseError::Forbidden(
            "the EUSR review queue is for the EUSR office".into(),
        ));
    }
    Ok(rows::queue(conn, name, MAX_PAGE)?
        .into_iter()
        .map(|item| QueueEntry {
            waiting_hours: (ctx.now - item.waiting_since).num_hours(),
            procedure_id: item.procedure_id,
            case_id: item.case_id,
            reference: item.reference,
            delegation: item.delegation,
            country: item.country,
            risk: item.risk,
            workflow: item.workflow,
            state: item.state,
            waiting_since: item.waiting_since,
        })
        .collect())
}

/// A case's access log, for its owner, the head of its delegation and admins.
pub fn access_log(conn: &mut PgConnection, ctx: &Context<'_>, id: Uuid) -> Result<Vec<rows::AccessRow>, CaseError> {
    let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    let own_delegation = ctx.caller.delegation.as_deref() == Some(case.delegation.as_str());
    let allowed = match ctx.caller.role {
        Role::Admin => true,
        Role::HeadOfDelegation => own_delegation,
        Role::FocalPoint => own_delegation && case.owner_id == ctx.caller.user_id,
        Role::EusrReviewer | Role::System => false,
    };
    if !allowed {
        record_access(conn, ctx, &case, "denied")?;
        return Err(CaseError::NotFound);
    }
    Ok(rows::access_log_of(conn, id, 1000)?)
}

/// Reminders and timers in a state (`pending`, `dead`, `done`, `cancelled`), for admins:
/// references and message keys only.
pub fn scheduled(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    state: &str,
) -> Result<Vec<rows::ScheduledSummary>, CaseError> {
    if ctx.caller.role != Role::Admin {
        return Err(CaseError::Forbidden("the reminder queues are for admins".into()));
    }
    if !["pending", "dead", "done", "cancelled"].contains(&state) {
        return Err(CaseError::Invalid(vec![issue(
            "state",
            "must be pending, dead, done or cancelled",
        )]));
    }
    Ok(rows::scheduled_in(conn, state, 1000)?)
}

/// The gauges `GET /metrics` reports, for admins (the monitoring's token).
pub fn metrics(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<crate::metrics::Gauges, CaseError> {
    if ctx.caller.role != Role::Admin {
        return Err(CaseError::Forbidden("the metrics are for admins".into()));
    }
    Ok(rows::queue_gauges(conn, ctx.now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_views_never_debug_print_confidential_data() {
        let request: OpenCaseRequest = serde_json::from_value(serde_json::json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Ana Secret"},
            "procedure": {"workflow": "demarche", "data": {"key_messages": "Ana Secret"}}
        }))
        .unwrap();
        assert!(!format!("{request:?}").contains("Ana"), "{request:?}");
        let transition: TransitionRequest = serde_json::from_value(serde_json::json!({
            "action": "add_note", "expected_version": 1, "data": {"note": "Ana Secret"}
        }))
        .unwrap();
        assert!(!format!("{transition:?}").contains("Ana"));
        let patch: CasePatch =
            serde_json::from_value(serde_json::json!({"confidential": {"location": "Ana Secret"}})).unwrap();
        assert!(!format!("{patch:?}").contains("Ana"));
    }
}
