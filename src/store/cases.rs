//! Case rows: opening, locking, reading and listing cases, their metadata changes, the next due
//! time and steps that the case list filters by, and the defender's other cases by blind index.
//!
//! Every change to a case locks the case row first (`lock_case`), so its events get
//! consecutive sequence numbers and an unbroken hash chain. The caller wraps a change in
//! [`super::transaction`], so a state change, its event and its scheduled work land together.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::events::{Chain, ChainHead};
use super::keys::CaseKeyRow;
use super::prepared::prepared;
use super::scheduled::ScheduledRow;
use super::schema::{case_keys, cases, procedures};
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::Risk;
use crate::domain::{CaseId, ProcedureId, UserId};

/// The other live cases of case row `c`'s delegation with its blind index, as a JSON array of
/// `CaseLink`s: the one definition of "the same defender", for a case read and for a case just
/// opened.
macro_rules! same_defender_of_c {
    () => {
        "coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.id, 'reference', o.reference) ORDER BY o.reference)
                   FROM cases o
                   WHERE o.delegation = c.delegation AND o.id <> c.id
                     AND (o.blind_index = c.blind_index OR o.blind_index_joined = c.blind_index_joined)
                     AND o.erased_at IS NULL),
                  '[]')"
    };
}

/// Another case, by id and by the reference people know it by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CaseLink {
    pub id: CaseId,
    pub reference: Reference,
}

fn case_links(json: serde_json::Value) -> Result<Vec<CaseLink>, StoreError> {
    serde_json::from_value(json).map_err(|e| StoreError::Decode(format!("a case's possible duplicates: {e}")))
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCase {
    pub delegation: DelegationCode,
    pub id: CaseId,
    pub reference: Reference,
    pub country: String,
    pub themes: Vec<Option<String>>,
    pub risk: Risk,
    pub owner_id: UserId,
    pub sealed: Vec<u8>,
    pub blind_index: Option<Vec<u8>>,
    pub blind_index_joined: Option<Vec<u8>>,
    pub blind_index_version: i16,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub delegation: DelegationCode,
    pub id: CaseId,
    pub reference: Reference,
    pub country: String,
    pub themes: Vec<Option<String>>,
    pub risk: Risk,
    pub owner_id: UserId,
    pub version: i64,
    pub sealed: Vec<u8>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
    pub event_seq: i64,
    pub event_head: Vec<u8>,
}

impl CaseRow {
    /// Where the case's event chain ends, as its row says.
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.event_seq,
            hash: self.event_head.clone(),
        }
    }
}

/// The next human reference, e.g. `VG-2026-00042`.
pub fn next_reference(conn: &mut PgConnection, year: i32) -> Result<Reference, StoreError> {
    let number: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "nextval('case_reference_seq')",
    ))
    .get_result(conn)?;
    Ok(Reference::new(format!("VG-{year}-{number:05}")))
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

/// A case by id, whatever its delegation.
pub fn case_by_id(conn: &mut PgConnection, id: CaseId) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(cases::id.eq(id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn case_by_reference(conn: &mut PgConnection, reference: &Reference) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(cases::reference.eq(reference))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// What a transition reads first, in one statement: the case of the procedure, its row locked
/// for the rest of the transaction (so the chain head and version on it are current), with the
/// case's key and the calendar its deadlines are computed on.
#[derive(Debug, Clone, QueryableByName)]
pub struct LockedCase {
    #[diesel(embed)]
    pub case: CaseRow,
    /// None once the case is erased (its key row is gone).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub key_recipient: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bytea>)]
    pub key_wrapped: Option<Vec<u8>>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delegation_time_zone: String,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::SmallInt>>)]
    pub weekend_days: Vec<Option<i16>>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Date>)]
    pub holidays: Vec<chrono::NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub owner_time_zone: Option<String>,
}

/// Locks the case of `procedure` (only the case row: `FOR UPDATE OF c`; the key, delegation and
/// owner rows are read as they stand, and a key re-wrapped meanwhile opens the same case key).
pub fn lock_case_of_procedure(
    conn: &mut PgConnection,
    procedure: ProcedureId,
) -> Result<Option<LockedCase>, StoreError> {
    Ok(prepared(
        diesel::sql_query(concat!(
            "SELECT c.*, k.recipient AS key_recipient, k.wrapped AS key_wrapped,
                    d.time_zone AS delegation_time_zone, d.weekend_days, u.time_zone AS owner_time_zone, ",
            super::holidays::holidays_of_sql!("c.delegation"),
            " AS holidays
             FROM cases c
             JOIN delegations d ON d.code = c.delegation
             LEFT JOIN case_keys k ON k.delegation = c.delegation AND k.case_id = c.id
             LEFT JOIN users u ON u.id = c.owner_id
             WHERE c.id = (SELECT case_id FROM procedures WHERE id = $1)
             FOR UPDATE OF c"
        ))
        .bind::<diesel::sql_types::Uuid, _>(procedure),
    )
    .get_result(conn)
    .optional()?)
}

/// What a case read needs of the case, in one statement: its row, its wrapped key, the
/// references of the other live cases of its delegation with the same blind index (the same
/// defender's name, as far as normalisation goes, found without decrypting anything), and its
/// pending scheduled items, soonest first.
#[derive(Debug, Clone, QueryableByName)]
pub struct CaseToRead {
    #[diesel(embed)]
    pub case: CaseRow,
    /// None once the case is erased.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bytea>)]
    pub key_wrapped: Option<Vec<u8>>,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    duplicates: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    upcoming: serde_json::Value,
}

impl CaseToRead {
    /// The other live cases of the delegation with this case's blind index, by reference.
    pub fn duplicates(&self) -> Result<Vec<CaseLink>, StoreError> {
        case_links(self.duplicates.clone())
    }

    /// The case's pending scheduled items, soonest first.
    pub fn upcoming(&self) -> Result<Vec<ScheduledRow>, StoreError> {
        serde_json::from_value(self.upcoming.clone())
            .map_err(|e| StoreError::Decode(format!("a case's pending items: {e}")))
    }
}

pub fn case_to_read(conn: &mut PgConnection, id: CaseId) -> Result<Option<CaseToRead>, StoreError> {
    Ok(prepared(
        diesel::sql_query(concat!(
            "SELECT c.*, k.wrapped AS key_wrapped, ",
            same_defender_of_c!(),
            " AS duplicates,
                    coalesce((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'procedure_id', s.procedure_id,
                                                                  'kind', s.kind, 'message', s.message,
                                                                  'action', s.action, 'due_at', s.due_at,
                                                                  'overdue_from', s.overdue_from)
                                               ORDER BY s.due_at, s.id)
                              FROM scheduled s
                              WHERE s.delegation = c.delegation AND s.case_id = c.id AND s.status = 'pending'),
                             '[]') AS upcoming
             FROM cases c
             LEFT JOIN case_keys k ON k.delegation = c.delegation AND k.case_id = c.id
             WHERE c.id = $1"
        ))
        .bind::<diesel::sql_types::Uuid, _>(id),
    )
    .get_result(conn)
    .optional()?)
}

/// Locks a case row for the rest of the transaction and returns it.
pub fn lock_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: CaseId,
) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .find((delegation, id))
        .select(CaseRow::as_select())
        .for_update()
        .first(conn)
        .optional()?)
}

/// Ends a change of a case, in one statement: appends the change's events (`chain`, pushed
/// onto the head of the case row this transaction locked or inserted), bumps the case's version,
/// hands it to `new_owner` if there is one, and refreshes what the case row keeps of its
/// procedures and scheduled work (its next due time and its steps, for the list's filters) and
/// its chain head. Runs after the change's other statements, whose writes it sees. Returns the
/// case's new version.
pub fn commit_change(
    conn: &mut PgConnection,
    chain: &Chain,
    at: DateTime<Utc>,
    new_owner: Option<UserId>,
    version: Version,
) -> Result<i64, StoreError> {
    use diesel::sql_types::{Array, BigInt, Bytea, Jsonb, Nullable, Text, Timestamptz};
    let events = chain.pending();
    let head = chain.head();
    Ok(prepared(
        diesel::sql_query(COMMIT_CHANGE_SQL)
            .bind::<Text, _>(chain.delegation())
            .bind::<diesel::sql_types::Uuid, _>(chain.case_id())
            .bind::<Array<BigInt>, _>(events.iter().map(|e| e.seq).collect::<Vec<_>>())
            .bind::<Array<Nullable<diesel::sql_types::Uuid>>, _>(
                events.iter().map(|e| e.event.procedure_id).collect::<Vec<_>>(),
            )
            .bind::<Array<Text>, _>(events.iter().map(|e| e.event.action.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(events.iter().map(|e| e.event.from_state.as_deref()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(events.iter().map(|e| e.event.to_state.as_deref()).collect::<Vec<_>>())
            .bind::<Array<Nullable<diesel::sql_types::Uuid>>, _>(
                events.iter().map(|e| e.event.actor_id).collect::<Vec<_>>(),
            )
            .bind::<Array<Text>, _>(events.iter().map(|e| e.event.actor_kind).collect::<Vec<_>>())
            .bind::<Array<Timestamptz>, _>(events.iter().map(|e| e.event.at).collect::<Vec<_>>())
            .bind::<Array<Jsonb>, _>(events.iter().map(|e| &e.event.plain).collect::<Vec<_>>())
            .bind::<Array<Nullable<Bytea>>, _>(events.iter().map(|e| e.event.sealed.as_deref()).collect::<Vec<_>>())
            .bind::<Array<Bytea>, _>(events.iter().map(|e| e.prev_hash.as_slice()).collect::<Vec<_>>())
            .bind::<Array<Bytea>, _>(events.iter().map(|e| e.hash.as_slice()).collect::<Vec<_>>())
            .bind::<Timestamptz, _>(at)
            .bind::<Nullable<diesel::sql_types::Uuid>, _>(new_owner)
            .bind::<BigInt, _>(head.seq)
            .bind::<Bytea, _>(head.hash.as_slice())
            .bind::<BigInt, _>(match version {
                Version::Keep => 0,
                Version::Next => 1,
            }),
    )
    .get_result::<NewVersion>(conn)?
    .version)
}

/// What a change does to the case's version: a case just opened keeps its first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Keep,
    Next,
}

/// See [`commit_change`]. The events' insert is a data-modifying `WITH`, which runs whether or
/// not the update names it; the update's own reads (the next due time, the steps, the figures) see the
/// change's earlier statements, not this one's insert, and need nothing of it.
const COMMIT_CHANGE_SQL: &str = "WITH appended AS (
        INSERT INTO case_events (delegation, case_id, seq, procedure_id, action, from_state, to_state, actor_id,
                                 actor_kind, at, plain, sealed, prev_hash, hash)
        SELECT $1, $2, e.seq, e.procedure_id, e.action, e.from_state, e.to_state, e.actor_id, e.actor_kind, e.at,
               e.plain, e.sealed, e.prev_hash, e.hash
        FROM unnest($3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::text[],
                    $10::timestamptz[], $11::jsonb[], $12::bytea[], $13::bytea[], $14::bytea[])
             AS e(seq, procedure_id, action, from_state, to_state, actor_id, actor_kind, at, plain, sealed,
                  prev_hash, hash)
        RETURNING seq)
    UPDATE cases SET version = version + $19, updated_at = $15, owner_id = coalesce($16, owner_id),
           next_due_at = case_next_due(delegation, id), steps = case_steps(id),
           figures = case_figures(delegation, id), event_seq = $17, event_head = $18
    WHERE delegation = $1 AND id = $2
    RETURNING version";

#[derive(QueryableByName)]
struct NewVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
}

/// The other live cases of the same delegation whose blind index equals this case's (the same
/// defender's name, as far as normalisation goes), found without decrypting anything.
pub fn same_defender(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: CaseId,
) -> Result<Vec<CaseLink>, StoreError> {
    case_links(
        prepared(
            diesel::sql_query(concat!(
                "SELECT ",
                same_defender_of_c!(),
                " AS duplicates FROM cases c WHERE c.delegation = $1 AND c.id = $2"
            ))
            .bind::<diesel::sql_types::Text, _>(delegation)
            .bind::<diesel::sql_types::Uuid, _>(id),
        )
        .get_result::<Duplicates>(conn)?
        .duplicates,
    )
}

#[derive(QueryableByName)]
struct Duplicates {
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    duplicates: serde_json::Value,
}

/// Filters of the case list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub delegation: Option<DelegationCode>,
    pub country: Option<String>,
    pub theme: Option<String>,
    pub risk: Option<Risk>,
    pub owner: Option<UserId>,
    pub due_before: Option<DateTime<Utc>>,
    /// Cases with a procedure of this workflow / in this state / in this queue.
    pub workflow: Option<String>,
    pub state: Option<String>,
    pub queue: Option<String>,
    /// Only cases with an EUSR review or a procedure in the EUSR queue (the EUSR office's scope).
    pub escalated_only: bool,
    /// Only the cases a search found: by reference, or by a blind index of the defender's name.
    pub found_by: Option<FoundBy>,
    pub order: CaseOrder,
    /// Keyset: cases strictly after this one in the list's order (a cursor of the same order).
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// What a search matches a case by: its reference, or one of the blind index values of the
/// name searched for (one for each delegation searched, the index being keyed per delegation).
#[derive(Debug, Clone, Default)]
pub struct FoundBy {
    pub reference: Option<Reference>,
    pub parts: Vec<Vec<u8>>,
    pub joined: Vec<Vec<u8>>,
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
        id: CaseId,
    },
    Due {
        next_due_at: Option<DateTime<Utc>>,
        id: CaseId,
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
        query = query.filter(cases::risk.eq(*risk));
    }
    if let Some(owner) = filter.owner {
        query = query.filter(cases::owner_id.eq(owner));
    }
    if let Some(due_before) = filter.due_before {
        query = query.filter(cases::next_due_at.lt(due_before));
    }
    if let Some(found) = &filter.found_by {
        let reference = found.reference.clone().map(Reference::into_string).unwrap_or_default();
        query = query.filter(
            cases::reference
                .eq(reference)
                .or(cases::blind_index.eq_any(found.parts.clone()).assume_not_null())
                .or(cases::blind_index_joined.eq_any(found.joined.clone()).assume_not_null()),
        );
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

/// What a PATCH changes on a case row.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub country: Option<String>,
    pub themes: Option<Vec<Option<String>>>,
    pub risk: Option<Risk>,
    pub owner_id: Option<UserId>,
    pub sealed: Option<Vec<u8>>,
    pub blind_index: Option<Option<Vec<u8>>>,
    pub blind_index_joined: Option<Option<Vec<u8>>>,
    pub blind_index_version: Option<i16>,
}

pub fn update_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: CaseId,
    changes: &CaseChanges,
) -> Result<(), StoreError> {
    diesel::update(cases::table.find((delegation, id)))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// A live case whose blind index is older than the version written now: what rewriting it needs.
#[derive(Debug, Clone, QueryableByName)]
pub struct ToReindex {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delegation: DelegationCode,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: CaseId,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    pub sealed: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bytea>)]
    pub key_wrapped: Option<Vec<u8>>,
}

/// How many live cases have a blind index older than `version`.
pub fn count_to_reindex(conn: &mut PgConnection, version: i16) -> Result<i64, StoreError> {
    Ok(cases::table
        .filter(cases::blind_index_version.lt(version).and(cases::erased_at.is_null()))
        .count()
        .get_result(conn)?)
}

/// Locks up to `limit` live cases with a blind index older than `version`, skipping cases
/// another transaction holds (a change, or another reindexer).
pub fn lock_to_reindex(conn: &mut PgConnection, version: i16, limit: i64) -> Result<Vec<ToReindex>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT c.delegation, c.id, c.sealed, k.wrapped AS key_wrapped FROM cases c
         LEFT JOIN case_keys k ON k.delegation = c.delegation AND k.case_id = c.id
         WHERE c.blind_index_version < $1 AND c.erased_at IS NULL
         ORDER BY c.id LIMIT $2 FOR UPDATE OF c SKIP LOCKED",
    )
    .bind::<diesel::sql_types::SmallInt, _>(version)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}
