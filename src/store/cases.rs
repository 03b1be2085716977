//! Case rows: opening, locking, reading and listing cases, their metadata changes, the next due
//! time and steps that the case list filters by, and the defender's other cases by blind index.
//!
//! Every change to a case locks the case row first (`lock_case`), so its events get
//! consecutive sequence numbers and an unbroken hash chain. The caller wraps a change in
//! [`super::transaction`], so a state change, its event and its scheduled work land together.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::StoreError;
use super::keys::CaseKeyRow;
use super::prepared::prepared;
use super::schema::{case_keys, cases, procedures, scheduled};

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
