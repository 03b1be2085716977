//! Case keys: each case's own key, wrapped to the master recipients, and their rotation.

use diesel::prelude::*;

use super::StoreError;
use super::schema::case_keys;
use crate::domain::CaseId;
use crate::domain::DelegationCode;

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = case_keys)]
pub struct CaseKeyRow {
    pub delegation: DelegationCode,
    pub case_id: CaseId,
    pub recipient: String,
    pub wrapped: Vec<u8>,
    pub wrapped_for: String,
}

pub fn case_key(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
) -> Result<Option<CaseKeyRow>, StoreError> {
    Ok(case_keys::table
        .find((delegation, case_id))
        .select(CaseKeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// The wrapped keys of cases `ids` of `delegation`, by case, in one statement (a list that
/// opens each row's defender's name); an erased case has none.
pub fn case_keys_of(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    ids: &[CaseId],
) -> Result<Vec<(CaseId, Vec<u8>)>, StoreError> {
    Ok(case_keys::table
        .filter(case_keys::delegation.eq(delegation))
        .filter(case_keys::case_id.eq_any(ids))
        .select((case_keys::case_id, case_keys::wrapped))
        .load(conn)?)
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
    delegation: &DelegationCode,
    case_id: CaseId,
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
