//! Procedures: the workflows running on a case, their state, queue and data, and the review
//! queues.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::prepared::prepared;
use super::schema::procedures;
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::Risk;
use crate::domain::{CaseId, ProcedureId, UserId};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = procedures)]
pub struct NewProcedure {
    pub delegation: DelegationCode,
    pub id: ProcedureId,
    pub case_id: CaseId,
    pub workflow: String,
    pub workflow_version: String,
    pub state: String,
    pub queue: Option<String>,
    pub plain_data: serde_json::Value,
    pub sealed_data: Option<Vec<u8>>,
    pub started_by: Option<ProcedureId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = procedures)]
pub struct ProcedureRow {
    pub delegation: DelegationCode,
    pub id: ProcedureId,
    pub case_id: CaseId,
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

pub fn insert_procedure(conn: &mut PgConnection, procedure: &NewProcedure) -> Result<(), StoreError> {
    prepared(
        diesel::insert_into(procedures::table)
            .values(procedure)
            .returning(procedures::id),
    )
    .execute(conn)?;
    Ok(())
}

pub fn procedures_of(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
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

pub fn procedure_by_id(conn: &mut PgConnection, id: ProcedureId) -> Result<Option<ProcedureRow>, StoreError> {
    Ok(procedures::table
        .filter(procedures::id.eq(id))
        .select(ProcedureRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_procedure(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: ProcedureId,
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

/// The procedures of several cases, for a page of the list.
pub fn procedures_of_cases(conn: &mut PgConnection, case_ids: &[CaseId]) -> Result<Vec<ProcedureRow>, StoreError> {
    Ok(procedures::table
        .filter(procedures::case_id.eq_any(case_ids))
        .order((procedures::case_id, procedures::created_at))
        .select(ProcedureRow::as_select())
        .load(conn)?)
}

/// One procedure waiting in a review queue, with the case metadata a reviewer sorts by.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueItem {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub procedure_id: ProcedureId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub case_id: CaseId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: Reference,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delegation: DelegationCode,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub country: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub risk: Risk,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub waiting_since: DateTime<Utc>,
    /// The reviewer who took it, and since when (a claim that has not lapsed).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub claimed_by: Option<UserId>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub claimed_at: Option<DateTime<Utc>>,
}

/// Who has taken procedure `id`, and since when: a claim made since its last change (one made
/// before has lapsed).
pub fn claim(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: ProcedureId,
) -> Result<Option<(UserId, DateTime<Utc>)>, StoreError> {
    /// Who took it, when, and when the procedure last changed.
    type Row = (Option<UserId>, Option<DateTime<Utc>>, DateTime<Utc>);
    let row: Option<Row> = procedures::table
        .find((delegation, id))
        .select((procedures::claimed_by, procedures::claimed_at, procedures::updated_at))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((Some(by), Some(at), changed)) if at >= changed => Some((by, at)),
        _ => None,
    })
}

/// Records that `by` took procedure `id` at that time, or (None) that no one has it.
pub fn set_claim(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: ProcedureId,
    by: Option<(UserId, DateTime<Utc>)>,
) -> Result<(), StoreError> {
    diesel::update(procedures::table.find((delegation, id)))
        .set((
            procedures::claimed_by.eq(by.map(|(user, _)| user)),
            procedures::claimed_at.eq(by.map(|(_, at)| at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A queue, most urgent first (critical risk before high …), then oldest first.
pub fn queue(conn: &mut PgConnection, name: &str, limit: i64) -> Result<Vec<QueueItem>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT p.id AS procedure_id, c.id AS case_id, c.reference, c.delegation, c.country::text AS country, c.risk,
                p.workflow, p.state, p.updated_at AS waiting_since,
                CASE WHEN p.claimed_at >= p.updated_at THEN p.claimed_by END AS claimed_by,
                CASE WHEN p.claimed_at >= p.updated_at THEN p.claimed_at END AS claimed_at
         FROM procedures p JOIN cases c ON c.delegation = p.delegation AND c.id = p.case_id
         WHERE p.queue = $1 AND c.erased_at IS NULL
         ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], c.risk), p.updated_at, p.id
         LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}
