//! Erasure requests and the crypto-shredding of a case once a second admin approves.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::{case_keys, cases, digest_entries, idempotency_keys, procedures, scheduled};
use crate::domain::DelegationCode;
use crate::domain::ErasureReason;
use crate::domain::Reference;
use crate::domain::{CaseId, ErasureRequestId, UserId};

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = super::schema::erasure_requests)]
pub struct ErasureRequest {
    pub id: ErasureRequestId,
    pub delegation: DelegationCode,
    pub case_id: CaseId,
    pub reason: ErasureReason,
    pub requested_by: UserId,
    pub approved_by: Option<UserId>,
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
    pub id: ErasureRequestId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: Reference,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reason: ErasureReason,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub requested_by: UserId,
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
pub fn lock_erasure_request(
    conn: &mut PgConnection,
    id: ErasureRequestId,
) -> Result<Option<ErasureRequest>, StoreError> {
    use super::schema::erasure_requests;
    Ok(erasure_requests::table
        .find(id)
        .for_update()
        .select(ErasureRequest::as_select())
        .first(conn)
        .optional()?)
}

/// Shreds a case: its key row goes (so no ciphertext of it opens, anywhere), sealed columns
/// are emptied, its scheduled work, digest entries and stored idempotent answers are deleted,
/// and the row stays as a tombstone.
pub fn erase(
    conn: &mut PgConnection,
    request: &ErasureRequest,
    approver: UserId,
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
            cases::blind_index_joined.eq(None::<Vec<u8>>),
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
    // Scheduled work and digest entries go, not only the pending ones: their due times were
    // computed from the case's sealed dates (a hearing, a deadline), and would tell them.
    diesel::delete(
        scheduled::table.filter(
            scheduled::delegation
                .eq(&request.delegation)
                .and(scheduled::case_id.eq(request.case_id)),
        ),
    )
    .execute(conn)?;
    diesel::delete(digest_entries::table.filter(digest_entries::case_id.eq(request.case_id))).execute(conn)?;
    // Stored answers to retried requests go too: what was sent about the case is the case's.
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::case_id.eq(request.case_id))).execute(conn)?;
    Ok(())
}
