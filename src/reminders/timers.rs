//! Firing due timers: each is the action its state declared, taken by Vigil itself through
//! the same engine and checks as a user's transition, and recorded in the timeline as such.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::cases::{self, CaseError, Context, TransitionRequest};
use crate::crypto::Keys;
use crate::domain::ScheduledKind;
use crate::domain::UserId;
use crate::domain::{Principal, Role, Sensitive};
use crate::store::{Db, StoreError};
use crate::store::{procedures, scheduled};
use crate::workflow::Registry;

/// How long a claimed timer is held before another worker may take it over.
pub const LEASE: Duration = Duration::from_secs(60);
const BATCH: i64 = 50;
/// After this many tries a timer is given up as dead.
pub const MAX_ATTEMPTS: i32 = 5;

fn system() -> Principal {
    Principal {
        user_id: UserId::from_uuid(Uuid::nil()),
        role: Role::System,
        delegation: None,
        display_name: "Vigil".into(),
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub fired: usize,
    /// Timers whose procedure had moved on, or whose action the engine refused.
    pub dropped: usize,
}

/// Fires every timer due at `now`, a batch at a time.
pub fn fire_due(db: &Db, registry: &Registry, keys: &Keys, now: DateTime<Utc>) -> Result<Pass, StoreError> {
    let caller = system();
    let mut pass = Pass::default();
    loop {
        let due = db.run_blocking(|conn| scheduled::claim_due(conn, ScheduledKind::Timer, now, LEASE, BATCH))?;
        if due.is_empty() {
            return Ok(pass);
        }
        for timer in due {
            let outcome = db.run_blocking(|conn| {
                let ctx = Context {
                    registry,
                    keys,
                    caller: &caller,
                    now,
                    request_id: None,
                    idempotency: None,
                    completes: Some(&timer),
                };
                let current = procedures::procedure_by_id(conn, timer.procedure_id)?;
                let Some(procedure) = current.filter(|p| p.state == timer.state) else {
                    // The procedure left the state (the cancellation raced this claim).
                    scheduled::complete(conn, &timer.delegation, timer.id)?;
                    return Ok(None);
                };
                let request = TransitionRequest {
                    action: timer.action.clone().unwrap_or_default(),
                    expected_version: procedure.version,
                    data: Sensitive::new(Default::default()),
                };
                Ok(Some(cases::transition(conn, &ctx, procedure.id, request)))
            })?;
            match outcome {
                None => {
                    pass.dropped += 1;
                    crate::metrics::count(crate::metrics::Counter::TimersDropped, 1);
                }
                Some(Ok(done)) => {
                    tracing::info!(procedure.id = %done.procedure_id, action = ?timer.action, "timer fired");
                    pass.fired += 1;
                    crate::metrics::count(crate::metrics::Counter::TimersFired, 1);
                }
                // Another change won the race: the lease runs out and the next pass tries again.
                Some(Err(CaseError::Stale { .. })) if timer.attempts < MAX_ATTEMPTS => {}
                Some(Err(e)) => {
                    tracing::warn!(scheduled.id = %timer.id, error = %e, "timer dropped");
                    db.run_blocking(|conn| scheduled::mark_dead(conn, &timer.delegation, timer.id))?;
                    pass.dropped += 1;
                    crate::metrics::count(crate::metrics::Counter::TimersDropped, 1);
                }
            }
        }
    }
}
