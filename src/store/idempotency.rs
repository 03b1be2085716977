//! Stored responses of POSTs sent with an `Idempotency-Key`.

use diesel::prelude::*;

use super::StoreError;
use super::prepared::prepared;
use super::schema::idempotency_keys;
use crate::domain::{CaseId, UserId};

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub user_id: UserId,
    /// The case the request changed: its erasure deletes the response.
    pub case_id: Option<CaseId>,
    pub key: String,
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub location: Option<String>,
    pub response: serde_json::Value,
}

pub fn find(conn: &mut PgConnection, user_id: UserId, key: &str) -> Result<Option<StoredResponse>, StoreError> {
    Ok(idempotency_keys::table
        .find((user_id, key))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()?)
}

/// Records a response; within the change's own transaction, so both land or neither. A key
/// recorded already (a concurrent twin won) is a unique violation, which rolls the change back.
pub fn record(conn: &mut PgConnection, stored: &StoredResponse) -> Result<(), StoreError> {
    prepared(
        diesel::insert_into(idempotency_keys::table)
            .values(stored)
            .returning(idempotency_keys::key),
    )
    .execute(conn)?;
    Ok(())
}

/// How long a stored response answers retries; older keys may be used afresh.
pub const RETENTION: chrono::Duration = chrono::Duration::hours(24);

/// Forgets responses older than [`RETENTION`] at `now`; returns how many.
pub fn purge(conn: &mut PgConnection, now: chrono::DateTime<chrono::Utc>) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - RETENTION)))
            .execute(conn)?,
    )
}
