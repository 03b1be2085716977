//! The access log: who read, exported or failed to reach which case (never what was read).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::access_log;
use crate::domain::AccessKind;
use crate::domain::DelegationCode;
use crate::domain::{CaseId, UserId};

/// One line of the access log: who read, exported or failed to reach which case.
pub fn log_access(
    conn: &mut PgConnection,
    user_id: Option<UserId>,
    delegation: Option<&DelegationCode>,
    case_id: Option<CaseId>,
    what: AccessKind,
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

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = access_log)]
pub struct AccessRow {
    pub at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub what: AccessKind,
    pub request_id: Option<String>,
}

/// A case's access log, newest first.
pub fn access_log_of(conn: &mut PgConnection, case_id: CaseId, limit: i64) -> Result<Vec<AccessRow>, StoreError> {
    Ok(access_log::table
        .filter(access_log::case_id.eq(case_id))
        .order((access_log::at.desc(), access_log::id.desc()))
        .limit(limit)
        .select(AccessRow::as_select())
        .load(conn)?)
}
