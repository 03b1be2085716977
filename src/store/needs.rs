//! What needs someone, from plain columns only: the procedures waiting in states that name who
//! must act, and the reminders of a scope falling due soon or already past. Nothing sealed is
//! read; the caller decides who the scope is.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};

use super::StoreError;
use crate::domain::{CaseId, DelegationCode, Reference, UserId};

/// Whose work a query looks at: cases `owner` owns, and (when `delegation` is set) every case of
/// that delegation for the recipients `roles` (`head_of_delegation`, `focal_point`); with
/// `eusr` every delegation's for `eusr_reviewers`.
#[derive(Debug, Clone)]
pub struct Scope {
    pub owner: UserId,
    pub delegation: Option<DelegationCode>,
    pub roles: Vec<String>,
    pub eusr: bool,
}

/// A procedure waiting in a state, with its case's reference and who it waits for here.
#[derive(Debug, Clone, QueryableByName)]
pub struct WaitingRow {
    #[diesel(sql_type = Text)]
    pub reference: Reference,
    #[diesel(sql_type = SqlUuid)]
    pub case_id: CaseId,
    #[diesel(sql_type = Text)]
    pub workflow: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    /// The procedure's plain fields, for a state's `notify_when`.
    #[diesel(sql_type = Jsonb)]
    pub plain_data: serde_json::Value,
    /// When it entered the state (its last change).
    #[diesel(sql_type = Timestamptz)]
    pub since: DateTime<Utc>,
    /// Whether the scope's person owns the case.
    #[diesel(sql_type = Bool)]
    pub owned: bool,
}

/// The live procedures of the scope whose (workflow, state) is one of `states`, oldest first, at
/// most `limit`.
pub fn waiting(
    conn: &mut PgConnection,
    scope: &Scope,
    states: &[(String, String)],
    limit: i64,
) -> Result<Vec<WaitingRow>, StoreError> {
    let (workflows, names): (Vec<String>, Vec<String>) = states.iter().cloned().unzip();
    Ok(diesel::sql_query(
        "SELECT c.reference, c.id AS case_id, p.workflow, p.state, p.plain_data, p.updated_at AS since,
                c.owner_id = $1 AS owned
         FROM procedures p JOIN cases c ON c.delegation = p.delegation AND c.id = p.case_id
         JOIN unnest($2::text[], $3::text[]) AS w(workflow, state) ON w.workflow = p.workflow AND w.state = p.state
         WHERE c.erased_at IS NULL AND (c.owner_id = $1 OR c.delegation = $4 OR $5)
         ORDER BY p.updated_at LIMIT $6",
    )
    .bind::<SqlUuid, _>(scope.owner)
    .bind::<Array<Text>, _>(workflows)
    .bind::<Array<Text>, _>(names)
    .bind::<Nullable<Text>, _>(scope.delegation.as_ref().map(ToString::to_string))
    .bind::<Bool, _>(scope.eusr)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}

/// The items of a review queue that `reviewer` has taken (a claim made since the procedure's
/// last change) on live cases, the longest held first: `since` is when they took it.
pub fn taken(conn: &mut PgConnection, reviewer: UserId, limit: i64) -> Result<Vec<WaitingRow>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT c.reference, c.id AS case_id, p.workflow, p.state, p.plain_data, p.claimed_at AS since,
                false AS owned
         FROM procedures p JOIN cases c ON c.delegation = p.delegation AND c.id = p.case_id
         WHERE p.claimed_by = $1 AND p.claimed_at >= p.updated_at AND p.queue IS NOT NULL
           AND c.erased_at IS NULL
         ORDER BY p.claimed_at LIMIT $2",
    )
    .bind::<SqlUuid, _>(reviewer)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}

/// A reminder of the scope: due soon, or past and its procedure still where it was.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueRow {
    #[diesel(sql_type = Text)]
    pub reference: Reference,
    #[diesel(sql_type = SqlUuid)]
    pub case_id: CaseId,
    #[diesel(sql_type = Text)]
    pub workflow: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub message: String,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    pub position: i32,
}

/// The reminders to the scope (not hand-offs) due before `until`, oldest first, at most
/// `limit`: pending ones, and sent ones whose procedure is still in the state that scheduled
/// them (what was asked is not done yet: overdue). A repeating reminder counts by its next
/// occurrence only. A late reminder (scheduled after its moment) is due from the moment it
/// stood for, not from when it goes out.
pub fn due(
    conn: &mut PgConnection,
    scope: &Scope,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueRow>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT c.reference, c.id AS case_id, p.workflow, p.state, s.message,
                coalesce(s.overdue_from, s.due_at) AS due_at, s.position
         FROM scheduled s
         JOIN procedures p ON p.delegation = s.delegation AND p.id = s.procedure_id
         JOIN cases c ON c.delegation = s.delegation AND c.id = s.case_id
         WHERE s.kind = 'reminder' AND s.message <> 'handoff' AND coalesce(s.overdue_from, s.due_at) < $2
           AND (s.status = 'pending' OR (s.status = 'done' AND s.repeat IS NULL AND p.state = s.state))
           AND c.erased_at IS NULL
           AND ((c.owner_id = $1 AND 'owner' = ANY(s.recipients))
                OR (c.delegation = $3 AND s.recipients && $4::text[])
                OR ($5 AND 'eusr_reviewers' = ANY(s.recipients)))
         ORDER BY coalesce(s.overdue_from, s.due_at) LIMIT $6",
    )
    .bind::<SqlUuid, _>(scope.owner)
    .bind::<Timestamptz, _>(until)
    .bind::<Nullable<Text>, _>(scope.delegation.as_ref().map(ToString::to_string))
    .bind::<Array<Text>, _>(scope.roles.clone())
    .bind::<Bool, _>(scope.eusr)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}
