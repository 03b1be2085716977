//! "Needs me": what awaits the caller's action now (procedures in a state whose `notify` names
//! them: an approval for a head of delegation, information asked of a case owner, a new
//! escalation for the EUSR office), the items of the office's queue a reviewer has taken, and
//! the reminders of their scope due in the next 14 days or already past with nothing done. Built from the workflows' declarations, plain columns and
//! the scheduled rows; nothing is decrypted, so nothing is written to the access log.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{CaseError, Context};
use crate::domain::{CaseId, Reference, Role};
use crate::store::Conn as PgConnection;
use crate::store::needs::{self as rows, Scope};
use crate::workflow::engine::{Data, waits_for};

/// How far ahead "due soon" looks.
pub const HORIZON_DAYS: i64 = 14;
/// The most items of each list.
const LIMIT: i64 = 200;

/// A procedure waiting for the caller.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub reference: Reference,
    pub case_id: CaseId,
    pub workflow: String,
    pub state: String,
    pub since: DateTime<Utc>,
}

impl From<rows::WaitingRow> for Waiting {
    fn from(row: rows::WaitingRow) -> Self {
        Self {
            reference: row.reference,
            case_id: row.case_id,
            workflow: row.workflow,
            state: row.state,
            since: row.since,
        }
    }
}

/// A reminder of the caller's scope: what it asks, when, and whether that moment has passed.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub reference: Reference,
    pub case_id: CaseId,
    pub workflow: String,
    pub state: String,
    /// The reminder's message key (its sentence is in the mail catalog).
    pub message: String,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NeedsMe {
    pub waiting: Vec<Waiting>,
    pub due: Vec<DueItem>,
    /// For an EUSR reviewer: the items of the queue they have taken (`since`: when).
    pub taken: Vec<Waiting>,
}

/// The recipients of a workflow's `notify` or `to` that mean the caller, on a case they own
/// (`owned`) and on any case of their scope.
fn means_caller(role: Role, recipient: &str, owned: bool) -> bool {
    match recipient {
        "owner" => owned,
        "eusr_reviewers" => role.is_eusr(),
        other => other == role.as_str(),
    }
}

/// What needs `ctx.caller` now.
pub fn needs_me(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<NeedsMe, CaseError> {
    gather(conn, ctx, Duration::days(HORIZON_DAYS))
}

/// The numbers beside the navigation: how many procedures need the caller now (waiting for them,
/// taken by them or with a reminder past, each counted once; not what is merely due soon), and
/// how many requests under the four-eyes rule they may decide. At most [`LIMIT`] of each list
/// is looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub needs_me: usize,
    pub decisions: usize,
}

/// [`Counts`] for `ctx.caller`.
pub fn counts(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<Counts, CaseError> {
    let now = gather(conn, ctx, Duration::zero())?;
    let procedures: BTreeSet<(CaseId, &str, &str)> = now
        .waiting
        .iter()
        .chain(&now.taken)
        .map(|w| (w.case_id, w.workflow.as_str(), w.state.as_str()))
        .chain(
            now.due
                .iter()
                .map(|d| (d.case_id, d.workflow.as_str(), d.state.as_str())),
        )
        .collect();
    // Each is none, without a query, for those who decide nothing of its kind.
    let decisions = super::grants::decidable(conn, ctx)? + super::erasure::decidable(conn, ctx)?;
    Ok(Counts {
        needs_me: procedures.len(),
        decisions,
    })
}

/// What waits for `ctx.caller`, what they have taken, and the reminders of their scope due
/// within `horizon` (or past).
fn gather(conn: &mut PgConnection, ctx: &Context<'_>, horizon: Duration) -> Result<NeedsMe, CaseError> {
    let caller = ctx.caller;
    let delegated = matches!(caller.role, Role::FocalPoint | Role::HeadOfDelegation);
    if !delegated && !caller.role.is_eusr() {
        return Ok(NeedsMe::default());
    }
    let scope = Scope {
        owner: caller.user_id,
        delegation: caller.delegation.clone().filter(|_| delegated),
        roles: if delegated {
            vec![caller.role.as_str().to_owned()]
        } else {
            Vec::new()
        },
        eusr: caller.role.is_eusr(),
    };
    // The states that may wait for the caller: those whose `notify` names them, as owner or by
    // role.
    let states: Vec<(String, String)> = ctx
        .registry
        .iter()
        .flat_map(|workflow| {
            workflow
                .definition
                .states
                .iter()
                .filter(|(_, state)| state.notify.iter().any(|r| means_caller(caller.role, r, true)))
                .map(|(name, _)| (workflow.name().to_owned(), name.clone()))
        })
        .collect();
    let waiting = rows::waiting(conn, &scope, &states, LIMIT)?
        .into_iter()
        .filter(|row| {
            let Some(workflow) = ctx.registry.get(&row.workflow) else {
                return false;
            };
            let plain: Data = serde_json::from_value(row.plain_data.clone()).unwrap_or_default();
            waits_for(workflow, &row.state, &plain)
                .iter()
                .any(|r| means_caller(caller.role, r, row.owned))
        })
        .map(Waiting::from)
        .collect();
    let due = rows::due(conn, &scope, ctx.now + horizon, LIMIT)?
        .into_iter()
        .map(|row| DueItem {
            overdue: row.due_at <= ctx.now,
            reference: row.reference,
            case_id: row.case_id,
            workflow: row.workflow,
            state: row.state,
            message: row.message,
            due_at: row.due_at,
        })
        .collect();
    let taken = if caller.role.is_eusr() {
        rows::taken(conn, caller.user_id, LIMIT)?
            .into_iter()
            .map(Waiting::from)
            .collect()
    } else {
        Vec::new()
    };
    Ok(NeedsMe { waiting, due, taken })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_mean_the_caller_by_ownership_role_or_office() {
        assert!(means_caller(Role::FocalPoint, "owner", true));
        assert!(!means_caller(Role::FocalPoint, "owner", false));
        assert!(means_caller(Role::HeadOfDelegation, "head_of_delegation", false));
        assert!(!means_caller(Role::FocalPoint, "head_of_delegation", true));
        assert!(means_caller(Role::EusrReviewer, "eusr_reviewers", false));
        assert!(!means_caller(Role::HeadOfDelegation, "eusr_reviewers", false));
    }
}
