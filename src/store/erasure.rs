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

/// Approves `request` and shreds its case (see [`shred`]).
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
    shred(conn, &request.delegation, request.case_id, at)
}

/// Shreds a case: its key row goes (so no ciphertext of it opens, anywhere), sealed columns
/// are emptied, its scheduled work, digest entries and stored idempotent answers are deleted,
/// and the row stays as a tombstone.
pub fn shred(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(case_keys::table.find((delegation, case_id))).execute(conn)?;
    diesel::update(cases::table.find((delegation, case_id)))
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
                .eq(delegation)
                .and(procedures::case_id.eq(case_id)),
        ),
    )
    .set((
        procedures::sealed_data.eq(None::<Vec<u8>>),
        procedures::plain_data.eq(serde_json::json!({})),
    ))
    .execute(conn)?;
    // Its attachments' bytes go, and their rows (the custody events stay in the chain, sealed
    // to a key that is gone).
    super::attachments::delete_of_case(conn, delegation, case_id)?;
    // What the reports count of the case follows its procedures' plain data (migration 000027).
    diesel::sql_query("UPDATE cases SET figures = case_figures(delegation, id) WHERE delegation = $1 AND id = $2")
        .bind::<diesel::sql_types::Text, _>(delegation)
        .bind::<diesel::sql_types::Uuid, _>(case_id)
        .execute(conn)?;
    // Scheduled work and digest entries go, not only the pending ones: their due times were
    // computed from the case's sealed dates (a hearing, a deadline), and would tell them.
    diesel::delete(scheduled::table.filter(scheduled::delegation.eq(delegation).and(scheduled::case_id.eq(case_id))))
        .execute(conn)?;
    diesel::delete(digest_entries::table.filter(digest_entries::case_id.eq(case_id))).execute(conn)?;
    // Stored answers to retried requests go too: what was sent about the case is the case's.
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::case_id.eq(case_id))).execute(conn)?;
    Ok(())
}

/// The advisory lock of whoever appends to the erasure ledger, held to the transaction's end.
const LEDGER_LOCK: i64 = 0x5649_4731_0003;

/// Takes the ledger's lock for this transaction: appends and reconciliations take turns.
pub fn lock_ledger(conn: &mut PgConnection) -> Result<(), StoreError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(LEDGER_LOCK)
        .execute(conn)?;
    Ok(())
}

/// The ledger's lines after sequence number `after`, oldest first.
pub fn ledger_lines(conn: &mut PgConnection, after: i64) -> Result<Vec<(i64, String)>, StoreError> {
    use super::schema::erasure_ledger;
    Ok(erasure_ledger::table
        .filter(erasure_ledger::seq.gt(after))
        .order(erasure_ledger::seq)
        .select((erasure_ledger::seq, erasure_ledger::line))
        .load(conn)?)
}

/// How many lines the ledger holds, and its last line's text.
pub fn ledger_extent(conn: &mut PgConnection) -> Result<(u64, Option<String>), StoreError> {
    use super::schema::erasure_ledger;
    let count: i64 = erasure_ledger::table.count().get_result(conn)?;
    let last = last_ledger_line(conn)?.map(|(_, line)| line);
    Ok((u64::try_from(count).unwrap_or(0), last))
}

/// How many cases the database's ledger names that are not (or no longer) shredded.
pub fn ledgered_unshredded(conn: &mut PgConnection) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    Ok(diesel::sql_query(
        "SELECT count(*) AS count FROM erasure_ledger e JOIN cases c ON c.delegation = e.delegation AND c.id = e.case_id
         WHERE c.erased_at IS NULL
            OR EXISTS (SELECT 1 FROM case_keys k WHERE k.delegation = c.delegation AND k.case_id = c.id)",
    )
    .get_result::<Count>(conn)?
    .count)
}

/// The ledger's last line: its sequence number and text.
pub fn last_ledger_line(conn: &mut PgConnection) -> Result<Option<(i64, String)>, StoreError> {
    use super::schema::erasure_ledger;
    Ok(erasure_ledger::table
        .order(erasure_ledger::seq.desc())
        .select((erasure_ledger::seq, erasure_ledger::line))
        .first(conn)
        .optional()?)
}

pub fn insert_ledger_line(
    conn: &mut PgConnection,
    seq: i64,
    delegation: &DelegationCode,
    case_id: CaseId,
    at: DateTime<Utc>,
    line: &str,
) -> Result<(), StoreError> {
    use super::schema::erasure_ledger;
    diesel::insert_into(erasure_ledger::table)
        .values((
            erasure_ledger::seq.eq(seq),
            erasure_ledger::delegation.eq(delegation),
            erasure_ledger::case_id.eq(case_id),
            erasure_ledger::at.eq(at),
            erasure_ledger::line.eq(line),
        ))
        .execute(conn)?;
    Ok(())
}

/// Of the cases `ids`, those not (or no longer) shredded: not tombstoned, or with a key row
/// (what a restored backup taken before their erasure brings back).
pub fn unshredded(conn: &mut PgConnection, ids: &[CaseId]) -> Result<Vec<(DelegationCode, CaseId)>, StoreError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        delegation: DelegationCode,
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: CaseId,
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT c.delegation, c.id FROM cases c
         WHERE c.id = ANY($1)
           AND (c.erased_at IS NULL
                OR EXISTS (SELECT 1 FROM case_keys k WHERE k.delegation = c.delegation AND k.case_id = c.id))
         ORDER BY c.id",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
    .load(conn)?;
    Ok(rows.into_iter().map(|row| (row.delegation, row.id)).collect())
}
