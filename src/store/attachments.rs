//! Attachments: a case's files, their ciphertext in chunks (migration 000028). What a file is
//! (its name, hash, size and media type) is in its custody event, sealed; these rows say only
//! where its bytes are.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::{attachment_chunks, attachments};
use crate::domain::{AttachmentId, CaseId, DelegationCode, ProcedureId, UserId};

/// The largest ciphertext chunk a row holds.
pub const CHUNK_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub delegation: DelegationCode,
    pub id: AttachmentId,
    pub case_id: CaseId,
    pub procedure_id: Option<ProcedureId>,
    /// The custody event's place in the case's chain.
    pub event_seq: i64,
    pub uploaded_by: UserId,
    pub created_at: DateTime<Utc>,
    pub stored_bytes: i64,
    pub chunks: i32,
}

/// Stores one chunk of an attachment's ciphertext (the `seq`-th, from 0).
pub fn insert_chunk(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    attachment: AttachmentId,
    seq: i32,
    bytes: &[u8],
) -> Result<(), StoreError> {
    diesel::insert_into(attachment_chunks::table)
        .values((
            attachment_chunks::delegation.eq(delegation),
            attachment_chunks::attachment_id.eq(attachment),
            attachment_chunks::seq.eq(seq),
            attachment_chunks::bytes.eq(bytes),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_attachment(conn: &mut PgConnection, row: &AttachmentRow) -> Result<(), StoreError> {
    diesel::insert_into(attachments::table).values(row).execute(conn)?;
    Ok(())
}

/// The ciphertext bytes a case's attachments take: what its quota counts.
pub fn stored_bytes_of_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case: CaseId,
) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    Ok(diesel::sql_query(
        "SELECT coalesce(sum(stored_bytes), 0)::bigint AS total FROM attachments WHERE delegation = $1 AND case_id = $2",
    )
    .bind::<diesel::sql_types::Text, _>(delegation)
    .bind::<diesel::sql_types::Uuid, _>(case)
    .get_result::<Total>(conn)?
    .total)
}

/// A case's attachments, oldest first.
pub fn attachments_of_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case: CaseId,
) -> Result<Vec<AttachmentRow>, StoreError> {
    Ok(attachments::table
        .filter(
            attachments::delegation
                .eq(delegation)
                .and(attachments::case_id.eq(case)),
        )
        .order((attachments::created_at, attachments::id))
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// One attachment of a case.
pub fn attachment(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case: CaseId,
    id: AttachmentId,
) -> Result<Option<AttachmentRow>, StoreError> {
    Ok(attachments::table
        .filter(
            attachments::delegation
                .eq(delegation)
                .and(attachments::id.eq(id))
                .and(attachments::case_id.eq(case)),
        )
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Up to `limit` chunks of an attachment from the `from`-th on, in order, with their places.
pub fn chunks(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: AttachmentId,
    from: i32,
    limit: i64,
) -> Result<Vec<(i32, Vec<u8>)>, StoreError> {
    Ok(attachment_chunks::table
        .filter(
            attachment_chunks::delegation
                .eq(delegation)
                .and(attachment_chunks::attachment_id.eq(id))
                .and(attachment_chunks::seq.ge(from)),
        )
        .order(attachment_chunks::seq)
        .limit(limit)
        .select((attachment_chunks::seq, attachment_chunks::bytes))
        .load(conn)?)
}

/// Deletes a case's attachments and their bytes (erasure).
pub fn delete_of_case(conn: &mut PgConnection, delegation: &DelegationCode, case: CaseId) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        attachments::table.filter(
            attachments::delegation
                .eq(delegation)
                .and(attachments::case_id.eq(case)),
        ),
    )
    .execute(conn)?)
}
