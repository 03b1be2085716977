//! Reading a case: the case with its opened data and the actions the caller may take, its
//! timeline, and its access log. Every read is on the access log before any plaintext leaves.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::scope::{Reach, case_in_scope, is_review, open_key, reach, record_access, settle};
use super::validate::{self, Paged};
use super::{CaseError, Context, workflow_of};
use crate::crypto::{self, keyring};
use crate::domain::AccessKind;
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::ScheduledKind;
use crate::domain::{ActorKind, CaseId, ProcedureId, Risk, UserId};
use crate::domain::{Role, Sensitive};
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseRow};
use crate::store::cases::{CaseLink, CaseToRead};
use crate::store::procedures;
use crate::store::procedures::ProcedureRow;
use crate::store::scheduled::ScheduledRow;
use crate::store::{access_log, events, users};
use crate::workflow::{Registry, Workflow};

/// An action the caller may take now, with the fields it takes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionView {
    pub id: String,
    pub title: String,
    /// What the action takes in `data`, by field name, in the order the workflow declares them.
    #[schema(value_type = std::collections::BTreeMap<String, crate::workflow::model::FieldDef>)]
    pub fields: crate::workflow::model::Declared<crate::workflow::model::FieldDef>,
    /// The step usually taken next here (the state's `next_step`); it comes first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub usual: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProcedureView {
    pub id: ProcedureId,
    pub case_id: CaseId,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub queue: Option<String>,
    pub version: i64,
    /// The procedure's plain fields and its opened confidential ones.
    #[schema(value_type = Object)]
    pub data: Sensitive<Value>,
    pub actions: Vec<ActionView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DueView {
    pub procedure_id: ProcedureId,
    pub kind: ScheduledKind,
    pub what: Option<String>,
    /// When it runs (a reminder is sent).
    pub due_at: DateTime<Utc>,
    /// For a reminder scheduled after its moment had passed (it goes out late, at `due_at`):
    /// the moment it stood for, from which what it asks is overdue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue_from: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: CaseId,
    pub reference: Reference,
    pub version: i64,
    pub delegation: DelegationCode,
    #[schema(value_type = crate::domain::CountryCode)]
    pub country: String,
    #[schema(value_type = Vec<crate::domain::ThemeCode>)]
    pub themes: Vec<String>,
    pub risk: Risk,
    pub owner: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub next_due_at: Option<DateTime<Utc>>,
    /// Everything about the person, opened for you.
    #[schema(value_type = Object)]
    pub confidential: Sensitive<Value>,
    pub procedures: Vec<ProcedureView>,
    pub upcoming: Vec<DueView>,
    /// Other cases of the same defender in the delegation, for the delegation's own staff.
    pub possible_duplicates: Vec<CaseLink>,
}

/// The actions of `workflow` that `role` may take in `state`: the usual next step first, then
/// the others in the order the workflow declares them.
pub fn available_actions(workflow: &Workflow, state: &str, role: Role) -> Vec<ActionView> {
    if workflow.is_terminal(state) {
        return Vec::new();
    }
    let usual = workflow
        .definition
        .states
        .get(state)
        .and_then(|s| s.next_step.as_deref());
    let mut actions: Vec<ActionView> = workflow
        .definition
        .actions
        .iter()
        .filter(|(_, action)| action.roles.contains(&role))
        .filter(|(_, action)| action.from.iter().any(|from| from == "*" || from == state))
        .map(|(id, action)| ActionView {
            id: id.clone(),
            title: action.title.clone(),
            fields: action.fields.clone(),
            usual: usual == Some(id.as_str()),
        })
        .collect();
    // A stable sort: the usual step first, the rest as declared.
    actions.sort_by_key(|a| !a.usual);
    actions
}

/// Reads a case in the caller's scope, decrypting its confidential data; the read is recorded
/// in the access log first, and an out-of-scope attempt is recorded as denied. Three statements:
/// the case with its key, possible duplicates and pending items; its procedures; the access line.
pub fn read_case(conn: &mut PgConnection, ctx: &Context<'_>, id: CaseId) -> Result<CaseView, CaseError> {
    let (read, procedures, case_key) = read_in_scope(conn, ctx, id)?;
    view_in_scope(conn, ctx, read, procedures, &case_key)
}

/// One procedure, as its case's read shows it (the EUSR office sees its reviews only): the
/// read of the case is recorded in its access log first, and a procedure the caller may not see
/// is the same 404 as one that does not exist, recorded as denied.
pub fn read_procedure(conn: &mut PgConnection, ctx: &Context<'_>, id: ProcedureId) -> Result<ProcedureView, CaseError> {
    let procedure = procedures::procedure_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    let (read, procedures, case_key) = read_in_scope(conn, ctx, procedure.case_id)?;
    if reach(ctx.registry, ctx.caller, &procedures) == Reach::ReviewsOnly && !is_review(&procedure) {
        record_access(conn, ctx, &read.case, AccessKind::Denied)?;
        return Err(CaseError::NotFound);
    }
    // The case's other procedures decide what the caller may see of this one (an open review
    // opens the whole case to the EUSR office).
    let view = view_in_scope(conn, ctx, read, procedures, &case_key)?;
    view.procedures
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(CaseError::NotFound)
}

/// A case read and the latest `latest` events of its timeline read at once (the case page): the
/// scope is decided and the key opened once, and each read has its line in the access log, as
/// when made apart.
pub fn read_case_with_timeline(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    latest: i64,
) -> Result<(CaseView, Vec<EventView>), CaseError> {
    let (read, procedures, case_key) = read_in_scope(conn, ctx, id)?;
    let case = read.case.clone();
    let page = TimelinePage {
        after: Some(case.event_seq - latest).filter(|after| *after > 0),
        limit: latest,
    };
    let view = view_in_scope(conn, ctx, read, procedures.clone(), &case_key)?;
    let events = timeline_in_scope(conn, ctx, &case, &procedures, &case_key, page)?;
    Ok((view, events.items))
}

/// The case, its procedures and its opened key, if the caller may see them.
fn read_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
) -> Result<(CaseToRead, Vec<ProcedureRow>, crypto::CaseKey), CaseError> {
    let read = rows::case_to_read(conn, id)?.ok_or(CaseError::NotFound)?;
    let procedures = procedures::procedures_of(conn, &read.case.delegation, read.case.id)?;
    settle(conn, ctx, &read.case, &procedures)?;
    let wrapped = read.key_wrapped.as_deref().ok_or(CaseError::NotFound)?;
    let case_key = ctx.keys.keyring.open_case_key(wrapped)?;
    Ok((read, procedures, case_key))
}

/// The case as the caller may see it, once its scope is decided; the read is logged first.
fn view_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    read: CaseToRead,
    mut procedures: Vec<ProcedureRow>,
    case_key: &crypto::CaseKey,
) -> Result<CaseView, CaseError> {
    let reach = reach(ctx.registry, ctx.caller, &procedures);
    if reach == Reach::ReviewsOnly {
        procedures.retain(is_review);
    }
    // The read is on record before any plaintext leaves.
    record_access(conn, ctx, &read.case, AccessKind::Read)?;
    let upcoming = read.upcoming()?;
    let own_delegation = ctx.caller.delegation.as_ref() == Some(&read.case.delegation);
    let duplicates = if own_delegation { read.duplicates()? } else { Vec::new() };
    let reviewed = (reach == Reach::ReviewsOnly).then(|| read.case.clone());
    let mut view = view_of(ctx.registry, ctx.caller.role, read.case, procedures, upcoming, case_key)?;
    view.possible_duplicates = duplicates;
    if let Some(case) = reviewed {
        view.confidential = Sensitive::new(Value::Null);
        let reviews: Vec<ProcedureId> = view.procedures.iter().map(|p| p.id).collect();
        view.upcoming.retain(|due| reviews.contains(&due.procedure_id));
        // Each review's data: only what the office's own reviewers wrote, event by event.
        let events = events_of(conn, &case, case_key)?;
        let events = reviewers_own(conn, events)?;
        for procedure in &mut view.procedures {
            let mut data = serde_json::Map::new();
            for event in events.iter().filter(|e| e.procedure_id == Some(procedure.id)) {
                if let Value::Object(fields) = event.data.expose() {
                    data.extend(fields.clone());
                }
            }
            procedure.data = Sensitive::new(Value::Object(data));
        }
    }
    Ok(view)
}

/// What the EUSR office keeps of a case once its reviews are closed: every review event's
/// metadata, and the data of those its own reviewers wrote. The delegation's words (the
/// escalation's reason, the information it provided) name the defender in practice.
fn reviewers_own(conn: &mut PgConnection, mut events: Vec<EventView>) -> Result<Vec<EventView>, CaseError> {
    let actors: Vec<UserId> = events.iter().filter_map(|e| e.actor_id).collect();
    let reviewers = users::eusr_among(conn, &actors)?;
    for event in &mut events {
        if !event.actor_id.is_some_and(|actor| reviewers.contains(&actor)) {
            event.data = Sensitive::new(Value::Object(serde_json::Map::new()));
        }
    }
    Ok(events)
}

/// A case with its confidential data and procedures opened; `role` decides the actions offered.
pub(super) fn view_of(
    registry: &Registry,
    role: Role,
    case: CaseRow,
    procedures: Vec<ProcedureRow>,
    upcoming: Vec<ScheduledRow>,
    case_key: &crypto::CaseKey,
) -> Result<CaseView, CaseError> {
    let confidential = keyring::open_json(case_key, &case.sealed)?.into_inner();
    let mut views = Vec::new();
    for procedure in procedures {
        let workflow = workflow_of(registry, &procedure)?;
        let mut data = procedure.plain_data.as_object().cloned().unwrap_or_default();
        if let Some(sealed) = &procedure.sealed_data
            && let Value::Object(open) = keyring::open_json(case_key, sealed)?.into_inner()
        {
            data.extend(open);
        }
        views.push(ProcedureView {
            actions: available_actions(workflow, &procedure.state, role),
            id: procedure.id,
            case_id: procedure.case_id,
            workflow: procedure.workflow,
            workflow_version: procedure.workflow_version,
            state: procedure.state,
            queue: procedure.queue,
            version: procedure.version,
            data: Sensitive::new(Value::Object(data)),
        });
    }
    let upcoming = upcoming
        .into_iter()
        .map(|row| DueView {
            procedure_id: row.procedure_id,
            kind: row.kind,
            what: row.message.or(row.action),
            due_at: row.due_at,
            overdue_from: row.overdue_from,
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub procedure_id: Option<ProcedureId>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<UserId>,
    pub actor_kind: ActorKind,
    /// The event's plain fields and its opened confidential ones.
    #[schema(value_type = Object)]
    pub data: Sensitive<Value>,
}

/// The most events one page of a timeline holds.
pub const MAX_TIMELINE_PAGE: i64 = 500;

/// A timeline page's size when none is asked for.
pub const DEFAULT_TIMELINE_PAGE: i64 = 100;

/// Which page of a timeline to read: the events after sequence number `after` (from the first
/// when None), at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TimelinePage {
    after: Option<i64>,
    limit: i64,
}

/// A page of the events of a case and its procedures, oldest first, opened for the caller: those
/// after sequence number `after` (from the first when None), at most `limit` (1 to
/// [`MAX_TIMELINE_PAGE`], [`DEFAULT_TIMELINE_PAGE`] when None); recorded in the access log as a
/// timeline read.
pub fn timeline(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    after: Option<i64>,
    limit: Option<i64>,
) -> Result<Paged<EventView>, CaseError> {
    let limit = validate::page(("after", after), limit, DEFAULT_TIMELINE_PAGE, MAX_TIMELINE_PAGE)?;
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    let case_key = open_key(conn, ctx, &case)?;
    let page = TimelinePage { after, limit };
    timeline_in_scope(conn, ctx, &case, &procedures, &case_key, page)
}

/// The page of the timeline the caller may see, once the case's scope is decided; logged first.
/// A reviewer's pages hold only the reviews' events, so a page is full whoever reads it.
fn timeline_in_scope(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: &CaseRow,
    procedures: &[ProcedureRow],
    case_key: &crypto::CaseKey,
    page: TimelinePage,
) -> Result<Paged<EventView>, CaseError> {
    let reviews: Option<Vec<ProcedureId>> = (reach(ctx.registry, ctx.caller, procedures) == Reach::ReviewsOnly)
        .then(|| procedures.iter().filter(|p| is_review(p)).map(|p| p.id).collect());
    record_access(conn, ctx, case, AccessKind::Timeline)?;
    let rows = events::events_page(
        conn,
        &case.delegation,
        case.id,
        page.after,
        page.limit + 1,
        reviews.as_deref(),
    )?;
    let Paged { items, more } = Paged::of(rows, page.limit);
    let mut events = opened(items, case_key)?;
    if reviews.is_some() {
        events = reviewers_own(conn, events)?;
    }
    Ok(Paged { items: events, more })
}

/// Every event of a case, oldest first, opened.
pub(super) fn events_of(
    conn: &mut PgConnection,
    case: &CaseRow,
    case_key: &crypto::CaseKey,
) -> Result<Vec<EventView>, CaseError> {
    opened(events::events_of(conn, &case.delegation, case.id)?, case_key)
}

/// Events as they are read: their plain data and their sealed data, opened with `case_key`.
pub(super) fn opened(rows: Vec<events::EventRow>, case_key: &crypto::CaseKey) -> Result<Vec<EventView>, CaseError> {
    rows.into_iter()
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

/// The most lines one page of an access log holds.
pub const MAX_ACCESS_PAGE: i64 = 500;

/// An access log page's size when none is asked for.
pub const DEFAULT_ACCESS_PAGE: i64 = 100;

/// A page of a case's access log, newest first (the lines before `before`, at most `limit`, 1
/// to [`MAX_ACCESS_PAGE`], [`DEFAULT_ACCESS_PAGE`] when None), for its owner, the head of its
/// delegation and admins.
pub fn access_log(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<Paged<access_log::AccessRow>, CaseError> {
    let limit = validate::page(("before", before), limit, DEFAULT_ACCESS_PAGE, MAX_ACCESS_PAGE)?;
    let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    let own_delegation = ctx.caller.delegation.as_ref() == Some(&case.delegation);
    let allowed = match ctx.caller.role {
        Role::Admin => true,
        Role::HeadOfDelegation => own_delegation,
        Role::FocalPoint => own_delegation && case.owner_id == ctx.caller.user_id,
        Role::EusrReviewer | Role::HqAnalyst | Role::System => false,
    };
    if !allowed {
        record_access(conn, ctx, &case, AccessKind::Denied)?;
        return Err(CaseError::NotFound);
    }
    let fetched = access_log::access_log_page(conn, id, before, limit + 1)?;
    Ok(Paged::of(fetched, limit))
}
