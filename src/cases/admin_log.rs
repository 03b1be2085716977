//! Who reads the administrative log: administrators all of it, a head of delegation the acts
//! concerning their own delegation; nobody else any of it.

use super::validate::Paged;
use super::{CaseError, Context};
use crate::store::Conn as PgConnection;
use crate::store::admin_log::{self, Entry};

/// The largest page of the log.
pub const MAX_LOG_PAGE: i64 = 200;

/// A log page's size when none is asked for.
pub const DEFAULT_LOG_PAGE: i64 = 50;

/// A page of the log as the caller may read it, newest first: the entries before sequence
/// number `before` (from the newest when None), at most `limit` (1 to [`MAX_LOG_PAGE`],
/// [`DEFAULT_LOG_PAGE`] when None).
pub fn admin_log_page(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<Paged<Entry>, CaseError> {
    let limit = super::validate::page(("before", before), limit, DEFAULT_LOG_PAGE, MAX_LOG_PAGE)?;
    let delegation = match (ctx.caller.role.is_admin(), &ctx.caller.delegation) {
        (true, _) => None,
        (false, Some(own)) if ctx.caller.role == crate::domain::Role::HeadOfDelegation => Some(own),
        _ => {
            return Err(CaseError::Forbidden(crate::domain::Denied::AdminLog));
        }
    };
    Ok(Paged::of(admin_log::page(conn, delegation, before, limit + 1)?, limit))
}
