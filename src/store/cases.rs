//! Cases, their keys, procedures, hash-chained events, scheduled work and the access log.
//!
//! Every change to a case locks the case row first (`lock_case`), so its events get
//! consecutive sequence numbers and an unbroken hash chain. The caller wraps a change in
//! [`transaction`], so a state change, its event and its scheduled work land together.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::StoreError;
use super::prepared::prepared;
use super::schema::{access_log, case_events, case_keys, cases, procedures, scheduled};

/// Runs `work` in one database transaction: all of it lands, or none. `work` may fail with
/// its caller's own error type, which rolls the transaction back as any error does.
pub fn transaction<T, E: From<StoreError>>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, E>,
) -> Result<T, E> {
    enum Failure<E> {
        Database(diesel::result::Error),
        Work(E),
    }
    impl<E> From<diesel::result::Error> for Failure<E> {
        fn from(e: diesel::result::Error) -> Self {
            Self::Database(e)
        }
    }
    conn.transaction::<T, Failure<E>, _>(|conn| work(conn).map_err(Failure::Work))
        .map_err(|failure| match failure {
            Failure::Database(e) => E::from(StoreError::Query(e)),
            Failure::Work(e) => e,
        })
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCase {
    pub delegation: String,
    pub id: Uuid,
    pub reference: String,
    pub country: String,
    pub themes: Vec<Option<String>>,
    pub risk: String,
    pub owner_id: Uuid,
    pub sealed: Vec<u8>,
    pub blind_index: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub delegation: String,
    pub id: Uuid,
    pub reference: String,
    pub country: String,
    pub themes: Vec<Option<String>>,
    pub risk: String,
    pub owner_id: Uuid,
    pub version: i64,
    pub sealed: Vec<u8>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = case_keys)]
pub struct CaseKeyRow {
    pub delegation: String,
    pub case_id: Uuid,
    pub recipient: String,
    pub wrapped: Vec<u8>,
    pub wrapped_for: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = procedures)]
pub struct NewProcedure {
    pub delegation: String,
    pub id: Uuid,
    pub case_id: Uuid,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub queue: Option<String>,
    pub plain_data: serde_json::Value,
    pub sealed_data: Option<Vec<u8>>,
    pub started_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = procedures)]
pub struct ProcedureRow {
    pub delegation: String,
    pub id: Uuid,
    pub case_id: Uuid,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub queue: Option<String>,
    pub version: i64,
    pub plain_data: serde_json::Value,
    pub sealed_data: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What changes on a procedure in a transition.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = procedures)]
pub struct ProcedureChanges {
    pub state: String,
    pub queue: Option<Option<String>>,
    pub version: i64,
    pub plain_data: serde_json::Value,
    pub sealed_data: Option<Vec<u8>>,
    pub updated_at: DateTime<Utc>,
}

/// An event to append to a case's chain.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub procedure_id: Option<Uuid>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<Uuid>,
    /// `user` or `system`.
    pub actor_kind: &'static str,
    pub at: DateTime<Utc>,
    pub plain: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = scheduled)]
pub struct NewScheduled {
    pub delegation: String,
    pub id: Uuid,
    pub case_id: Uuid,
    pub procedure_id: Uuid,
    pub state: String,
    pub kind: String,
    pub position: i32,
    pub message: Option<String>,
    pub recipients: Vec<Option<String>>,
    pub action: Option<String>,
    pub repeat: Option<String>,
    pub due_at: DateTime<Utc>,
}

/// The next human reference, e.g. `VG-2026-00042`.
pub fn next_reference(conn: &mut PgConnection, year: i32) -> Result<String, StoreError> {
    let number: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "nextval('case_reference_seq')",
    ))
    .get_result(conn)?;
    Ok(format!("VG-{year}-{number:05}"))
}

pub fn insert_case(conn: &mut PgConnection, case: &NewCase, key: &CaseKeyRow) -> Result<(), StoreError> {
    prepared(diesel::insert_into(cases::table).values(case).returning(cases::id)).execute(conn)?;
    prepared(
        diesel::insert_into(case_keys::table)
            .values(key)
            .returning(case_keys::case_id),
    )
    .execute(conn)?;
    Ok(())
}

pub fn insert_procedure(conn: &mut PgConnection, procedure: &NewProcedure) -> Result<(), StoreError> {
    prepared(
        diesel::insert_into(procedures::table)
            .values(procedure)
            .returning(procedures::id),
    )
    .execute(conn)?;
    Ok(())
}

/// A case by id, whatever its delegation.
pub fn case_by_id(conn: &mut PgConnection, id: Uuid) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(cases::id.eq(id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The case a procedure belongs to, found from the procedure's id in one query (both ids are
/// unique, so the delegation need not be joined on).
pub fn case_of_procedure(conn: &mut PgConnection, procedure: Uuid) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(
            cases::id.eq_any(
                procedures::table
                    .filter(procedures::id.eq(procedure))
                    .select(procedures::case_id),
            ),
        )
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn case_by_reference(conn: &mut PgConnection, reference: &str) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(cases::reference.eq(reference))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Locks a case row for the rest of the transaction and returns it.
pub fn lock_case(conn: &mut PgConnection, delegation: &str, id: Uuid) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .find((delegation, id))
        .select(CaseRow::as_select())
        .for_update()
        .first(conn)
        .optional()?)
}

pub fn case_key(conn: &mut PgConnection, delegation: &str, case_id: Uuid) -> Result<Option<CaseKeyRow>, StoreError> {
    Ok(case_keys::table
        .find((delegation, case_id))
        .select(CaseKeyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn procedures_of(
    conn: &mut PgConnection,
    delegation: &str,
    case_id: Uuid,
) -> Result<Vec<ProcedureRow>, StoreError> {
    Ok(procedures::table
        .filter(
            procedures::delegation
                .eq(delegation)
                .and(procedures::case_id.eq(case_id)),
        )
        .order((procedures::created_at, procedures::id))
        .select(ProcedureRow::as_select())
        .load(conn)?)
}

pub fn procedure_by_id(conn: &mut PgConnection, id: Uuid) -> Result<Option<ProcedureRow>, StoreError> {
    Ok(procedures::table
        .filter(procedures::id.eq(id))
        .select(ProcedureRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_procedure(
    conn: &mut PgConnection,
    delegation: &str,
    id: Uuid,
    changes: &ProcedureChanges,
) -> Result<(), StoreError> {
    prepared(
        diesel::update(procedures::table.find((delegation, id)))
            .set(changes)
            .returning(procedures::id),
    )
    .execute(conn)?;
    Ok(())
}

/// A case's metadata changed (or one of its procedures): bump its version.
pub fn touch_case(conn: &mut PgConnection, delegation: &str, id: Uuid, at: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(prepared(
        diesel::update(cases::table.find((delegation, id)))
            .set((cases::version.eq(cases::version + 1), cases::updated_at.eq(at)))
            .returning(cases::version),
    )
    .get_result(conn)?)
}

diesel::define_sql_function! {
    /// The workflows, steps and queues of a case's procedures, for the list's filters
    /// (migration 000014 defines it and says what the elements are).
    fn case_steps(case_id: diesel::sql_types::Uuid) -> diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::Text>>;
}

/// Bumps a case's version after a change of its procedures and sets its next due time to its
/// earliest pending scheduled item and its steps (for the list's filters) to its procedures',
/// in one statement; returns the new version.
pub fn touch_case_and_next_due(
    conn: &mut PgConnection,
    delegation: &str,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let next_due = scheduled::table
        .filter(
            scheduled::delegation
                .eq(delegation)
                .and(scheduled::case_id.eq(id))
                .and(scheduled::status.eq("pending")),
        )
        .select(diesel::dsl::min(scheduled::due_at))
        .single_value();
    Ok(prepared(
        diesel::update(cases::table.find((delegation, id)))
            .set((
                cases::version.eq(cases::version + 1),
                cases::updated_at.eq(at),
                cases::next_due_at.eq(next_due.assume_not_null().nullable()),
                cases::steps.eq(case_steps(id)),
            ))
            .returning(cases::version),
    )
    .get_result(conn)?)
}

/// The hash of an event: over its plain fields, its ciphertext and the previous hash.
pub fn event_hash(prev: &[u8], case_id: Uuid, seq: i64, event: &NewEvent) -> [u8; 32] {
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"vigil event v1\0");
    field(&mut hasher, prev);
    field(&mut hasher, case_id.as_bytes());
    hasher.update(seq.to_be_bytes());
    field(
        &mut hasher,
        event
            .procedure_id
            .map(|id| id.into_bytes().to_vec())
            .unwrap_or_default()
            .as_slice(),
    );
    field(&mut hasher, event.action.as_bytes());
    field(&mut hasher, event.from_state.as_deref().unwrap_or_default().as_bytes());
    field(&mut hasher, event.to_state.as_deref().unwrap_or_default().as_bytes());
    field(
        &mut hasher,
        event
            .actor_id
            .map(|id| id.into_bytes().to_vec())
            .unwrap_or_default()
            .as_slice(),
    );
    field(&mut hasher, event.actor_kind.as_bytes());
    hasher.update(event.at.timestamp_micros().to_be_bytes());
    field(&mut hasher, event.plain.to_string().as_bytes());
    field(&mut hasher, event.sealed.as_deref().unwrap_or_default());
    hasher.finalize().into()
}

/// Appends an event to a case's chain; the case row must be locked (or just inserted) in this
/// transaction. Returns its sequence number.
pub fn append_event(
    conn: &mut PgConnection,
    delegation: &str,
    case_id: Uuid,
    event: &NewEvent,
) -> Result<i64, StoreError> {
    let last: Option<(i64, Vec<u8>)> = case_events::table
        .filter(
            case_events::delegation
                .eq(delegation)
                .and(case_events::case_id.eq(case_id)),
        )
        .order(case_events::seq.desc())
        .select((case_events::seq, case_events::hash))
        .first(conn)
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, vec![0u8; 32]),
    };
    let hash = event_hash(&prev, case_id, seq, event);
    diesel::insert_into(case_events::table)
        .values((
            case_events::delegation.eq(delegation),
            case_events::case_id.eq(case_id),
            case_events::seq.eq(seq),
            case_events::procedure_id.eq(event.procedure_id),
            case_events::action.eq(&event.action),
            case_events::from_state.eq(&event.from_state),
            case_events::to_state.eq(&event.to_state),
            case_events::actor_id.eq(event.actor_id),
            case_events::actor_kind.eq(event.actor_kind),
            case_events::at.eq(event.at),
            case_events::plain.eq(&event.plain),
            case_events::sealed.eq(&event.sealed),
            case_events::prev_hash.eq(&prev),
            case_events::hash.eq(hash.as_slice()),
        ))
        .execute(conn)?;
    Ok(seq)
}

pub fn schedule(conn: &mut PgConnection, items: &[NewScheduled]) -> Result<(), StoreError> {
    if !items.is_empty() {
        diesel::insert_into(scheduled::table).values(items).execute(conn)?;
    }
    Ok(())
}

/// Cancels what a procedure's `state` scheduled and has not run yet.
pub fn cancel_scheduled(
    conn: &mut PgConnection,
    delegation: &str,
    procedure_id: Uuid,
    state: &str,
) -> Result<usize, StoreError> {
    Ok(prepared(
        diesel::update(
            scheduled::table.filter(
                scheduled::delegation
                    .eq(delegation)
                    .and(scheduled::procedure_id.eq(procedure_id))
                    .and(scheduled::state.eq(state))
                    .and(scheduled::status.eq("pending")),
            ),
        )
        .set(scheduled::status.eq("cancelled"))
        .returning(scheduled::id),
    )
    .execute(conn)?)
}

/// Sets a case's next due time to its earliest pending scheduled item, and its steps (for the
/// list's filters) to its procedures'.
pub fn refresh_next_due(conn: &mut PgConnection, delegation: &str, case_id: Uuid) -> Result<(), StoreError> {
    let next: Option<DateTime<Utc>> = scheduled::table
        .filter(
            scheduled::delegation
                .eq(delegation)
                .and(scheduled::case_id.eq(case_id))
                .and(scheduled::status.eq("pending")),
        )
        .select(diesel::dsl::min(scheduled::due_at))
        .first(conn)?;
    prepared(
        diesel::update(cases::table.find((delegation, case_id)))
            .set((cases::next_due_at.eq(next), cases::steps.eq(case_steps(case_id))))
            .returning(cases::id),
    )
    .execute(conn)?;
    Ok(())
}

/// Pending scheduled items of a case, soonest first.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scheduled)]
pub struct ScheduledRow {
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub kind: String,
    pub message: Option<String>,
    pub action: Option<String>,
    pub due_at: DateTime<Utc>,
}

pub fn pending_of_case(
    conn: &mut PgConnection,
    delegation: &str,
    case_id: Uuid,
) -> Result<Vec<ScheduledRow>, StoreError> {
    Ok(scheduled::table
        .filter(
            scheduled::delegation
                .eq(delegation)
                .and(scheduled::case_id.eq(case_id))
                .and(scheduled::status.eq("pending")),
        )
        .order(scheduled::due_at)
        .select(ScheduledRow::as_select())
        .load(conn)?)
}

/// The references of the other live cases of the same delegation whose blind index equals
/// this case's (the same defender's name, as far as normalisation goes), found without
/// decrypting anything.
pub fn same_defender(conn: &mut PgConnection, delegation: &str, id: Uuid) -> Result<Vec<String>, StoreError> {
    Ok(prepared(
        diesel::sql_query(
            "SELECT other.reference FROM cases me
         JOIN cases other ON other.blind_index = me.blind_index AND other.delegation = me.delegation
         WHERE me.delegation = $1 AND me.id = $2 AND other.id <> me.id AND other.erased_at IS NULL
         ORDER BY other.reference",
        )
        .bind::<diesel::sql_types::Text, _>(delegation)
        .bind::<diesel::sql_types::Uuid, _>(id),
    )
    .load::<Reference>(conn)?
    .into_iter()
    .map(|r| r.reference)
    .collect())
}

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = diesel::sql_types::Text)]
    reference: String,
}

/// One line of the access log: who read, exported or failed to reach which case.
pub fn log_access(
    conn: &mut PgConnection,
    user_id: Option<Uuid>,
    delegation: Option<&str>,
    case_id: Option<Uuid>,
    what: &str,
    request_id: Option<&str>,
) -> Result<(), StoreError> {
    diesel::insert_into(access_log::table)
        .values((
            access_log::user_id.eq(user_id),
            access_log::delegation.eq(delegation),
            access_log::case_id.eq(case_id),
            access_log::what.eq(what),
            access_log::request_id.eq(request_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Filters of the case list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub delegation: Option<String>,
    pub country: Option<String>,
    pub theme: Option<String>,
    pub risk: Option<String>,
    pub owner: Option<Uuid>,
    pub due_before: Option<DateTime<Utc>>,
    /// Cases with a procedure of this workflow / in this state / in this queue.
    pub workflow: Option<String>,
    pub state: Option<String>,
    pub queue: Option<String>,
    /// Only cases with an EUSR review or a procedure in the EUSR queue (the EUSR office's scope).
    pub escalated_only: bool,
    pub order: CaseOrder,
    /// Keyset: cases strictly after this one in the list's order (a cursor of the same order).
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// The order of the case list; ties are broken by id, so pages are stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// Newest first.
    #[default]
    Newest,
    /// The soonest next due item first; cases with nothing due last.
    Due,
}

/// Where the previous page ended, in the terms of its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Newest {
        created_at: DateTime<Utc>,
        id: Uuid,
    },
    Due {
        next_due_at: Option<DateTime<Utc>>,
        id: Uuid,
    },
}

/// A page of cases in `filter.order`, ties broken by id: a stable order for keyset pages.
pub fn list(conn: &mut PgConnection, filter: &CaseFilter) -> Result<Vec<CaseRow>, StoreError> {
    let mut query = cases::table.filter(cases::erased_at.is_null()).into_boxed();
    if let Some(delegation) = &filter.delegation {
        query = query.filter(cases::delegation.eq(delegation.clone()));
    }
    if let Some(country) = &filter.country {
        query = query.filter(cases::country.eq(country.clone()));
    }
    if let Some(theme) = &filter.theme {
        query = query.filter(cases::themes.contains(vec![Some(theme.clone())]));
    }
    if let Some(risk) = &filter.risk {
        query = query.filter(cases::risk.eq(risk.clone()));
    }
    if let Some(owner) = filter.owner {
        query = query.filter(cases::owner_id.eq(owner));
    }
    if let Some(due_before) = filter.due_before {
        query = query.filter(cases::next_due_at.lt(due_before));
    }
    // One element of the case's steps answers the usual filters from the case row; a queue
    // together with a workflow or step (one procedure matching all) asks the procedures.
    let step = match (&filter.workflow, &filter.state, &filter.queue) {
        (Some(workflow), None, None) => Some(format!("w:{workflow}")),
        (None, Some(state), None) => Some(format!("s:{state}")),
        (Some(workflow), Some(state), None) => Some(format!("ws:{workflow}/{state}")),
        (None, None, Some(queue)) => Some(format!("q:{queue}")),
        _ => None,
    };
    if let Some(step) = step {
        query = query.filter(cases::steps.contains(vec![Some(step)]));
    } else if filter.workflow.is_some() || filter.state.is_some() || filter.queue.is_some() {
        let mut procedures_query = procedures::table.select(procedures::case_id).into_boxed();
        if let Some(workflow) = &filter.workflow {
            procedures_query = procedures_query.filter(procedures::workflow.eq(workflow.clone()));
        }
        if let Some(state) = &filter.state {
            procedures_query = procedures_query.filter(procedures::state.eq(state.clone()));
        }
        if let Some(queue) = &filter.queue {
            procedures_query = procedures_query.filter(procedures::queue.eq(queue.clone()));
        }
        query = query.filter(cases::id.eq_any(procedures_query));
    }
    if filter.escalated_only {
        let escalated = procedures::table
            .filter(
                procedures::workflow
                    .eq("eusr_review")
                    .or(procedures::queue.eq("eusr_review")),
            )
            .select(procedures::case_id);
        query = query.filter(cases::id.eq_any(escalated));
    }
    match filter.after {
        Some(Cursor::Newest { created_at, id }) => {
            query = query.filter(
                cases::created_at
                    .lt(created_at)
                    .or(cases::created_at.eq(created_at).and(cases::id.lt(id))),
            );
        }
        // Ascending puts NULLs last: after a due time come later ones, then the cases with none.
        Some(Cursor::Due {
            next_due_at: Some(due),
            id,
        }) => {
            query = query.filter(
                cases::next_due_at
                    .gt(due)
                    .or(cases::next_due_at.eq(due).and(cases::id.gt(id)))
                    .or(cases::next_due_at.is_null()),
            );
        }
        Some(Cursor::Due { next_due_at: None, id }) => {
            query = query.filter(cases::next_due_at.is_null().and(cases::id.gt(id)));
        }
        None => {}
    }
    let query = match filter.order {
        CaseOrder::Newest => query.order((cases::created_at.desc(), cases::id.desc())),
        CaseOrder::Due => query.order((cases::next_due_at.asc(), cases::id.asc())),
    };
    Ok(query.limit(filter.limit).select(CaseRow::as_select()).load(conn)?)
}

/// The procedures of several cases, for a page of the list.
pub fn procedures_of_cases(conn: &mut PgConnection, case_ids: &[Uuid]) -> Result<Vec<ProcedureRow>, StoreError> {
    Ok(procedures::table
        .filter(procedures::case_id.eq_any(case_ids))
        .order((procedures::case_id, procedures::created_at))
        .select(ProcedureRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_events)]
pub struct EventRow {
    pub seq: i64,
    pub procedure_id: Option<Uuid>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    pub at: DateTime<Utc>,
    pub plain: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
}

/// Every event of a case, oldest first.
pub fn events_of(conn: &mut PgConnection, delegation: &str, case_id: Uuid) -> Result<Vec<EventRow>, StoreError> {
    Ok(case_events::table
        .filter(
            case_events::delegation
                .eq(delegation)
                .and(case_events::case_id.eq(case_id)),
        )
        .order(case_events::seq)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// What a PATCH changes on a case row.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub country: Option<String>,
    pub themes: Option<Vec<Option<String>>>,
    pub risk: Option<String>,
    pub owner_id: Option<Uuid>,
    pub sealed: Option<Vec<u8>>,
    pub blind_index: Option<Option<Vec<u8>>>,
}

pub fn update_case(
    conn: &mut PgConnection,
    delegation: &str,
    id: Uuid,
    changes: &CaseChanges,
) -> Result<(), StoreError> {
    diesel::update(cases::table.find((delegation, id)))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// How many case keys are not yet wrapped to exactly `target` (the master recipients).
pub fn count_keys_to_rotate(conn: &mut PgConnection, target: &str) -> Result<i64, StoreError> {
    Ok(case_keys::table
        .filter(case_keys::wrapped_for.ne(target))
        .count()
        .get_result(conn)?)
}

/// Locks up to `limit` case keys not yet wrapped to `target`, skipping keys another rotation
/// holds; call inside a transaction.
pub fn lock_keys_to_rotate(conn: &mut PgConnection, target: &str, limit: i64) -> Result<Vec<CaseKeyRow>, StoreError> {
    Ok(case_keys::table
        .filter(case_keys::wrapped_for.ne(target))
        .order((case_keys::delegation, case_keys::case_id))
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(CaseKeyRow::as_select())
        .load(conn)?)
}

pub fn rewrap_key(
    conn: &mut PgConnection,
    delegation: &str,
    case_id: Uuid,
    wrapped: &[u8],
    wrapped_for: &str,
) -> Result<(), StoreError> {
    diesel::update(case_keys::table.find((delegation, case_id)))
        .set((
            case_keys::wrapped.eq(wrapped),
            case_keys::wrapped_for.eq(wrapped_for),
            case_keys::rotated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = super::schema::erasure_requests)]
pub struct ErasureRequest {
    pub id: Uuid,
    pub delegation: String,
    pub case_id: Uuid,
    pub reason: String,
    pub requested_by: Uuid,
    pub approved_by: Option<Uuid>,
}

pub fn insert_erasure_request(conn: &mut PgConnection, request: &ErasureRequest) -> Result<(), StoreError> {
    diesel::insert_into(super::schema::erasure_requests::table)
        .values(request)
        .execute(conn)?;
    Ok(())
}

/// An erasure waiting for its second admin.
#[derive(Debug, Clone, QueryableByName)]
pub struct PendingErasure {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reason: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub requested_by: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub requested_at: DateTime<Utc>,
}

/// Erasure requests not yet approved, of cases not yet erased, oldest first.
pub fn pending_erasures(conn: &mut PgConnection, limit: i64) -> Result<Vec<PendingErasure>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT e.id, c.reference, e.reason, e.requested_by, e.requested_at
         FROM erasure_requests e JOIN cases c ON c.delegation = e.delegation AND c.id = e.case_id
         WHERE e.approved_by IS NULL AND c.erased_at IS NULL ORDER BY e.requested_at, e.id LIMIT $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}

/// Locks an erasure request for approval.
pub fn lock_erasure_request(conn: &mut PgConnection, id: Uuid) -> Result<Option<ErasureRequest>, StoreError> {
    use super::schema::erasure_requests;
    Ok(erasure_requests::table
        .find(id)
        .for_update()
        .select(ErasureRequest::as_select())
        .first(conn)
        .optional()?)
}

/// Shreds a case: its key row goes (so no ciphertext of it opens, anywhere), sealed columns
/// are emptied, pending work is cancelled, and the row stays as a tombstone.
pub fn erase(
    conn: &mut PgConnection,
    request: &ErasureRequest,
    approver: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    use super::schema::erasure_requests;
    diesel::update(erasure_requests::table.find(request.id))
        .set((
            erasure_requests::approved_by.eq(approver),
            erasure_requests::approved_at.eq(at),
        ))
        .execute(conn)?;
    diesel::delete(case_keys::table.find((&request.delegation, request.case_id))).execute(conn)?;
    diesel::update(cases::table.find((&request.delegation, request.case_id)))
        .set((
            cases::sealed.eq(Vec::<u8>::new()),
            cases::blind_index.eq(None::<Vec<u8>>),
            cases::erased_at.eq(at),
            cases::next_due_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    diesel::update(
        procedures::table.filter(
            procedures::delegation
                .eq(&request.delegation)
                .and(procedures::case_id.eq(request.case_id)),
        ),
    )
    .set((
        procedures::sealed_data.eq(None::<Vec<u8>>),
        procedures::plain_data.eq(serde_json::json!({})),
    ))
    .execute(conn)?;
    diesel::update(
        scheduled::table.filter(
            scheduled::delegation
                .eq(&request.delegation)
                .and(scheduled::case_id.eq(request.case_id))
                .and(scheduled::status.eq("pending")),
        ),
    )
    .set(scheduled::status.eq("cancelled"))
    .execute(conn)?;
    Ok(())
}

/// One procedure waiting in a review queue, with the case metadata a reviewer sorts by.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueItem {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub procedure_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub case_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delegation: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub country: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub risk: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub waiting_since: DateTime<Utc>,
}

/// A queue, most urgent first (critical risk before high …), then oldest first.
pub fn queue(conn: &mut PgConnection, name: &str, limit: i64) -> Result<Vec<QueueItem>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT p.id AS procedure_id, c.id AS case_id, c.reference, c.delegation, c.country::text AS country, c.risk,
                p.workflow, p.state, p.updated_at AS waiting_since
         FROM procedures p JOIN cases c ON c.delegation = p.delegation AND c.id = p.case_id
         WHERE p.queue = $1 AND c.erased_at IS NULL
         ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], c.risk), p.updated_at, p.id
         LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = access_log)]
pub struct AccessRow {
    pub at: DateTime<Utc>,
    pub user_id: Option<Uuid>,
    pub what: String,
    pub request_id: Option<String>,
}

/// A case's access log, newest first.
pub fn access_log_of(conn: &mut PgConnection, case_id: Uuid, limit: i64) -> Result<Vec<AccessRow>, StoreError> {
    Ok(access_log::table
        .filter(access_log::case_id.eq(case_id))
        .order((access_log::at.desc(), access_log::id.desc()))
        .limit(limit)
        .select(AccessRow::as_select())
        .load(conn)?)
}

/// A scheduled item (a timer or a reminder occurrence) claimed for carrying out.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueItem {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delegation: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub case_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub procedure_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub position: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub message: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::Text>>)]
    pub recipients: Vec<Option<String>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub action: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub repeat: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
}

/// The claim: `$1` now, `$2` the lease's end, `$3` the batch size, `$4` the kind. Public so
/// that `vigil bench reminders` runs the very same statement under pgbench.
pub const CLAIM_DUE_SQL: &str = "UPDATE scheduled s SET lease_until = $2, attempts = s.attempts + 1
         FROM (SELECT delegation, id FROM scheduled
               WHERE kind = $4 AND status = 'pending' AND due_at <= $1
                 AND (lease_until IS NULL OR lease_until < $1)
               ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
         WHERE s.delegation = due.delegation AND s.id = due.id
         RETURNING s.delegation, s.id, s.case_id, s.procedure_id, s.state, s.position, s.message, s.recipients,
                   s.action, s.repeat, s.due_at, s.attempts";

/// Marks claimed items done: `$1` their delegations, `$2` their ids.
pub const COMPLETE_ALL_SQL: &str = "UPDATE scheduled s SET status = 'done', lease_until = NULL
         FROM unnest($1::text[], $2::uuid[]) AS claimed(delegation, id)
         WHERE s.delegation = claimed.delegation AND s.id = claimed.id";

/// Refreshes the next due time of cases: `$1` their delegations, `$2` their ids.
pub const REFRESH_NEXT_DUE_SQL: &str = "UPDATE cases c SET next_due_at = (SELECT min(s.due_at) FROM scheduled s
                 WHERE s.delegation = c.delegation AND s.case_id = c.id AND s.status = 'pending')
         FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[])) AS touched(delegation, id)
         WHERE c.delegation = touched.delegation AND c.id = touched.id";

/// Claims up to `limit` due items of `kind` (`timer` or `reminder`) for `lease`: rows another
/// worker holds (locked, or leased and not expired) are skipped, so any number of workers can
/// run; a crashed worker's lease runs out and another takes the item over.
pub fn claim_due(
    conn: &mut PgConnection,
    kind: &str,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: i64,
) -> Result<Vec<DueItem>, StoreError> {
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    Ok(prepared(
        diesel::sql_query(CLAIM_DUE_SQL)
            .bind::<diesel::sql_types::Timestamptz, _>(now)
            .bind::<diesel::sql_types::Timestamptz, _>(lease_until)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .bind::<diesel::sql_types::Text, _>(kind),
    )
    .load(conn)?)
}

/// Leaves a claimed item for a later try, at `retry_at`.
pub fn retry_later(
    conn: &mut PgConnection,
    delegation: &str,
    id: Uuid,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    prepared(
        diesel::update(scheduled::table.find((delegation, id)))
            .set(scheduled::lease_until.eq(retry_at))
            .returning(scheduled::id),
    )
    .execute(conn)?;
    Ok(())
}

/// Marks a scheduled item done.
pub fn complete(conn: &mut PgConnection, delegation: &str, id: Uuid) -> Result<(), StoreError> {
    finish(conn, delegation, id, "done")
}

/// Gives up on a scheduled item that cannot be carried out.
pub fn mark_dead(conn: &mut PgConnection, delegation: &str, id: Uuid) -> Result<(), StoreError> {
    finish(conn, delegation, id, "dead")
}

/// Ends a claimed item in `status`, releasing its lease.
fn finish(conn: &mut PgConnection, delegation: &str, id: Uuid, status: &str) -> Result<(), StoreError> {
    prepared(
        diesel::update(scheduled::table.find((delegation, id)))
            .set((
                scheduled::status.eq(status),
                scheduled::lease_until.eq(None::<DateTime<Utc>>),
            ))
            .returning(scheduled::id),
    )
    .execute(conn)?;
    Ok(())
}

/// A scheduled item as operators see it: which case (by reference), what, when, how often tried.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct ScheduledSummary {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub message: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub action: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
}

/// Scheduled items in `status` (`pending`, `dead`, …), soonest first.
pub fn scheduled_in(conn: &mut PgConnection, status: &str, limit: i64) -> Result<Vec<ScheduledSummary>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT s.id, c.reference, s.kind, s.message, s.action, s.due_at, s.attempts, s.status
         FROM scheduled s JOIN cases c ON c.delegation = s.delegation AND c.id = s.case_id
         WHERE s.status = $1 ORDER BY s.due_at, s.id LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(status)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}

/// Gives a dead item another round of attempts; returns whether it was dead.
pub fn revive(conn: &mut PgConnection, id: Uuid) -> Result<bool, StoreError> {
    Ok(
        diesel::update(scheduled::table.filter(scheduled::id.eq(id).and(scheduled::status.eq("dead"))))
            .set((
                scheduled::status.eq("pending"),
                scheduled::attempts.eq(0),
                scheduled::lease_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?
            > 0,
    )
}

/// What sending a reminder needs to know of its case and procedure.
#[derive(Debug, Clone, QueryableByName)]
pub struct ReminderContext {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub owner_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub erased: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub procedure_state: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow_version: String,
    /// The delegation's time zone.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub time_zone: String,
}

/// The case and procedure of each claimed item, in one query; an item whose case or procedure
/// is gone has no row.
///
/// Cases and procedures are joined by their ids alone (each unique, and a scheduled item's case
/// and procedure are of its delegation by foreign key). Joined by delegation too, the planner
/// could pair every procedure of the delegation with every claimed item before it looked at a
/// single id, and once the statistics leaned that way it did: a batch of 200 in one delegation
/// of 1,000 procedures built a 200,000-row hash (150–700 ms instead of 3 ms; `vigil bench
/// reminders` halved from its second run on, seen with auto_explain).
pub fn reminder_contexts(conn: &mut PgConnection, items: &[DueItem]) -> Result<Vec<ReminderContext>, StoreError> {
    let delegations: Vec<&str> = items.iter().map(|i| i.delegation.as_str()).collect();
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    Ok(prepared(
        diesel::sql_query(
            "SELECT s.id, c.reference, c.owner_id, c.erased_at IS NOT NULL AS erased,
                p.state AS procedure_state, p.workflow, p.workflow_version, d.time_zone
         FROM unnest($1::text[], $2::uuid[]) AS claimed(delegation, id)
         JOIN scheduled s ON s.delegation = claimed.delegation AND s.id = claimed.id
         JOIN cases c ON c.id = s.case_id
         JOIN procedures p ON p.id = s.procedure_id
         JOIN delegations d ON d.code = s.delegation",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(delegations)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids),
    )
    .load(conn)?)
}

/// Marks claimed items done, in one statement, and refreshes the next due time of their cases.
pub fn complete_all(conn: &mut PgConnection, items: &[&DueItem]) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let delegations: Vec<&str> = items.iter().map(|i| i.delegation.as_str()).collect();
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    prepared(
        diesel::sql_query(COMPLETE_ALL_SQL)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&delegations)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&ids),
    )
    .execute(conn)?;
    let case_ids: Vec<Uuid> = items.iter().map(|i| i.case_id).collect();
    prepared(
        diesel::sql_query(REFRESH_NEXT_DUE_SQL)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&delegations)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&case_ids),
    )
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, QueryableByName)]
struct QueueRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pending: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    due: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    dead: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    oldest_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// The scheduled queues (timers and reminders, each listed even when empty) and the digest
/// entries waiting, as the metrics report them.
pub fn queue_gauges(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<crate::metrics::Gauges, StoreError> {
    let rows: Vec<QueueRow> = diesel::sql_query(
        "SELECT k.kind,
                (SELECT count(*) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'pending') AS pending,
                (SELECT count(*) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'pending' AND s.due_at <= $1) AS due,
                (SELECT count(*) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'dead') AS dead,
                (SELECT min(due_at) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'pending' AND s.due_at <= $1) AS oldest_due
         FROM (VALUES ('reminder'), ('timer')) AS k(kind)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .load(conn)?;
    let waiting: Count =
        diesel::sql_query("SELECT count(*) AS count FROM digest_entries WHERE sent_at IS NULL").get_result(conn)?;
    Ok(crate::metrics::Gauges {
        queues: rows
            .into_iter()
            .map(|row| crate::metrics::Queue {
                kind: row.kind,
                pending: row.pending,
                due: row.due,
                dead: row.dead,
                oldest_due_seconds: row
                    .oldest_due
                    .map_or(0.0, |at| (now - at).num_milliseconds().max(0) as f64 / 1000.0),
            })
            .collect(),
        digest_entries_waiting: waiting.count,
    })
}
