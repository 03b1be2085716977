//! The access log: who read, exported or failed to reach which case (never what was read).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::access_log;
use crate::domain::AccessKind;
use crate::domain::DelegationCode;
use crate::domain::{CaseId, UserId};

/// One line of the access log: who read, exported or failed to reach which case. The insert
/// holds the checkpoints' access lock shared until the transaction ends (see
/// [`super::checkpoints`]), in the same statement.
pub fn log_access(
    conn: &mut PgConnection,
    user_id: Option<UserId>,
    delegation: Option<&DelegationCode>,
    case_id: Option<CaseId>,
    what: AccessKind,
    request_id: Option<&str>,
) -> Result<(), StoreError> {
    use diesel::sql_types::{BigInt, Nullable, Text, Uuid};
    super::prepared::prepared(
        diesel::sql_query(
            "WITH boundary AS (SELECT pg_advisory_xact_lock_shared($6))
             INSERT INTO access_log (user_id, delegation, case_id, what, request_id)
             SELECT $1, $2, $3, $4, $5 FROM boundary RETURNING id",
        )
        .bind::<Nullable<Uuid>, _>(user_id)
        .bind::<Nullable<Text>, _>(delegation)
        .bind::<Nullable<Uuid>, _>(case_id)
        .bind::<Text, _>(what)
        .bind::<Nullable<Text>, _>(request_id)
        .bind::<BigInt, _>(super::checkpoints::ACCESS_LOCK),
    )
    .execute(conn)?;
    Ok(())
}

/// One line of the access log for each of `cases` (of `delegation`), in one statement: what a
/// list or a search records for the cases it shows. Holds the checkpoints' access lock as
/// [`log_access`] does.
pub fn log_accesses(
    conn: &mut PgConnection,
    user_id: UserId,
    cases: &[(DelegationCode, CaseId)],
    what: AccessKind,
    request_id: Option<&str>,
) -> Result<(), StoreError> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Uuid};
    if cases.is_empty() {
        return Ok(());
    }
    let (delegations, ids): (Vec<&DelegationCode>, Vec<CaseId>) = cases.iter().map(|(d, id)| (d, *id)).unzip();
    super::prepared::prepared(
        diesel::sql_query(
            "WITH boundary AS (SELECT pg_advisory_xact_lock_shared($6))
             INSERT INTO access_log (user_id, delegation, case_id, what, request_id)
             SELECT $1, shown.delegation, shown.case_id, $4, $5
             FROM boundary, unnest($2::text[], $3::uuid[]) WITH ORDINALITY AS shown(delegation, case_id, n)
             ORDER BY shown.n
             RETURNING id",
        )
        .bind::<Uuid, _>(user_id)
        .bind::<Array<Text>, _>(delegations)
        .bind::<Array<Uuid>, _>(ids)
        .bind::<Text, _>(what)
        .bind::<Nullable<Text>, _>(request_id)
        .bind::<BigInt, _>(super::checkpoints::ACCESS_LOCK),
    )
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = access_log)]
pub struct AccessRow {
    /// The line's number: the cursor of the next page (`before`).
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub what: AccessKind,
    pub request_id: Option<String>,
}

/// A page of a case's access log, newest first: the lines before `before` (from the newest
/// when None), at most `limit`.
pub fn access_log_page(
    conn: &mut PgConnection,
    case_id: CaseId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AccessRow>, StoreError> {
    Ok(access_log::table
        .filter(access_log::case_id.eq(case_id))
        .filter(access_log::id.lt(before.unwrap_or(i64::MAX)))
        .order(access_log::id.desc())
        .limit(limit)
        .select(AccessRow::as_select())
        .load(conn)?)
}
