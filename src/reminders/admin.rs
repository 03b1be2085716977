//! The reminder queues as admins see them: what is pending, dead, done or cancelled (references
//! and message keys only), and another round of attempts for a dead item.

use crate::cases::{CaseError, Context};
use crate::domain::ScheduledId;
use crate::domain::ScheduledStatus;
use crate::store::Conn as PgConnection;
use crate::store::scheduled;

fn admin_only(ctx: &Context<'_>) -> Result<(), CaseError> {
    if ctx.caller.role.is_admin() {
        Ok(())
    } else {
        Err(CaseError::Forbidden(crate::domain::Denied::ReminderQueues))
    }
}

/// Gives a dead reminder or timer another round of attempts, for admins; false if it was not dead.
pub fn retry_scheduled(conn: &mut PgConnection, ctx: &Context<'_>, id: ScheduledId) -> Result<bool, CaseError> {
    admin_only(ctx)?;
    crate::store::transaction(conn, |conn| {
        let revived = scheduled::revive(conn, id)?;
        if revived {
            let entry = crate::store::admin_log::NewEntry {
                actor: Some(ctx.caller.user_id),
                act: crate::domain::AdminAct::ReminderRetried,
                subject: None,
                delegation: None,
                detail: serde_json::json!({ "scheduled": id }),
            };
            crate::store::admin_log::append(conn, &entry, ctx.now)?;
        }
        Ok(revived)
    })
}

/// Reminders and timers in a state (`pending`, `dead`, `done`, `cancelled`), for admins:
/// references and message keys only.
pub fn scheduled(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    state: &str,
) -> Result<Vec<scheduled::ScheduledSummary>, CaseError> {
    admin_only(ctx)?;
    let status: ScheduledStatus = state.parse().map_err(|e: crate::domain::NotInVocabulary| {
        CaseError::invalid("state", crate::cases::Problem::NotInVocabulary(e))
    })?;
    Ok(scheduled::scheduled_in(conn, status, 1000)?)
}
