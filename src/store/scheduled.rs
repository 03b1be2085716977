//! Scheduled work: reminders and timers, scheduled and cancelled with the transitions that cause
//! them, claimed by any number of workers with `FOR UPDATE SKIP LOCKED` and a lease, and the
//! queue gauges the metrics report.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::prepared::prepared;
use super::schema::scheduled;
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::{CaseId, ProcedureId, ScheduledId, UserId};
use crate::domain::{ScheduledKind, ScheduledStatus};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = scheduled)]
pub struct NewScheduled {
    pub delegation: DelegationCode,
    pub id: ScheduledId,
    pub case_id: CaseId,
    pub procedure_id: ProcedureId,
    pub state: String,
    pub kind: ScheduledKind,
    pub position: i32,
    pub message: Option<String>,
    pub recipients: Vec<Option<String>>,
    pub action: Option<String>,
    pub repeat: Option<String>,
    pub due_at: DateTime<Utc>,
    /// The moment a late reminder stood for: overdue from then (see `workflow::engine::Due`).
    pub overdue_from: Option<DateTime<Utc>>,
    /// When it was scheduled: when its procedure entered the state, which its due time counts
    /// from (a change of holidays recounts it, see `cases::holidays`).
    pub created_at: DateTime<Utc>,
}

pub fn schedule(conn: &mut PgConnection, items: &[NewScheduled]) -> Result<(), StoreError> {
    if !items.is_empty() {
        diesel::insert_into(scheduled::table).values(items).execute(conn)?;
    }
    Ok(())
}

/// Cancels what a procedure's `state` scheduled and has not run yet.
pub fn cancel_scheduled(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    procedure_id: ProcedureId,
    state: &str,
) -> Result<usize, StoreError> {
    Ok(prepared(
        diesel::update(
            scheduled::table.filter(
                scheduled::delegation
                    .eq(delegation)
                    .and(scheduled::procedure_id.eq(procedure_id))
                    .and(scheduled::state.eq(state))
                    .and(scheduled::status.eq("pending")),
            ),
        )
        .set(scheduled::status.eq("cancelled"))
        .returning(scheduled::id),
    )
    .execute(conn)?)
}

/// Pending scheduled items of a case, soonest first.
#[derive(Debug, Clone, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = scheduled)]
pub struct ScheduledRow {
    pub id: ScheduledId,
    pub procedure_id: ProcedureId,
    pub kind: ScheduledKind,
    pub message: Option<String>,
    pub action: Option<String>,
    pub due_at: DateTime<Utc>,
    /// The moment a late reminder stood for (it goes out at `due_at`): overdue from then.
    #[serde(default)]
    pub overdue_from: Option<DateTime<Utc>>,
}

pub fn pending_of_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
) -> Result<Vec<ScheduledRow>, StoreError> {
    Ok(scheduled::table
        .filter(
            scheduled::delegation
                .eq(delegation)
                .and(scheduled::case_id.eq(case_id))
                .and(scheduled::status.eq("pending")),
        )
        .order(scheduled::due_at)
        .select(ScheduledRow::as_select())
        .load(conn)?)
}

/// A scheduled item (a timer or a reminder occurrence) claimed for carrying out.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueItem {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delegation: DelegationCode,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: ScheduledId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub case_id: CaseId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub procedure_id: ProcedureId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub position: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub message: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::Text>>)]
    pub recipients: Vec<Option<String>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub action: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub repeat: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
}

/// The claim: `$1` now, `$2` the lease's end, `$3` the batch size, `$4` the kind. Public so
/// that `vigil-bench reminders` runs the very same statement under pgbench.
pub const CLAIM_DUE_SQL: &str = "UPDATE scheduled s SET lease_until = $2, attempts = s.attempts + 1
         FROM (SELECT delegation, id FROM scheduled
               WHERE kind = $4 AND status = 'pending' AND due_at <= $1
                 AND (lease_until IS NULL OR lease_until < $1)
               ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
         WHERE s.delegation = due.delegation AND s.id = due.id
         RETURNING s.delegation, s.id, s.case_id, s.procedure_id, s.state, s.position, s.message, s.recipients,
                   s.action, s.repeat, s.due_at, s.attempts";

/// Marks claimed items done: `$1` their delegations, `$2` their ids.
pub const COMPLETE_ALL_SQL: &str = "UPDATE scheduled s SET status = 'done', lease_until = NULL
         FROM unnest($1::text[], $2::uuid[]) AS claimed(delegation, id)
         WHERE s.delegation = claimed.delegation AND s.id = claimed.id";

/// Locks the cases of `items`, in the order of their delegations and ids, before anything of
/// theirs is changed: a transition locks its case before its scheduled rows, so whoever
/// changes scheduled rows of several cases takes their cases first, or the two could each hold
/// what the other waits for.
pub fn lock_cases_of(conn: &mut PgConnection, items: &[&DueItem]) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let delegations: Vec<&str> = items.iter().map(|i| i.delegation.as_str()).collect();
    let case_ids: Vec<CaseId> = items.iter().map(|i| i.case_id).collect();
    prepared(
        diesel::sql_query(
            "SELECT c.id FROM cases c
             JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[])) AS touched(delegation, id)
               ON c.delegation = touched.delegation AND c.id = touched.id
             ORDER BY c.delegation, c.id
             FOR UPDATE OF c",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&delegations)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&case_ids),
    )
    .execute(conn)?;
    Ok(())
}

/// Refreshes the next due time of cases: `$1` their delegations, `$2` their ids.
pub const REFRESH_NEXT_DUE_SQL: &str = "UPDATE cases c SET next_due_at = case_next_due(c.delegation, c.id)
         FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[])) AS touched(delegation, id)
         WHERE c.delegation = touched.delegation AND c.id = touched.id";

/// Claims up to `limit` due items of `kind` (`timer` or `reminder`) for `lease`: rows another
/// worker holds (locked, or leased and not expired) are skipped, so any number of workers can
/// run; a crashed worker's lease runs out and another takes the item over.
pub fn claim_due(
    conn: &mut PgConnection,
    kind: ScheduledKind,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: i64,
) -> Result<Vec<DueItem>, StoreError> {
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    Ok(prepared(
        diesel::sql_query(CLAIM_DUE_SQL)
            .bind::<diesel::sql_types::Timestamptz, _>(now)
            .bind::<diesel::sql_types::Timestamptz, _>(lease_until)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .bind::<diesel::sql_types::Text, _>(kind),
    )
    .load(conn)?)
}

/// Leaves a claimed item for a later try, at `retry_at`.
pub fn retry_later(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: ScheduledId,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    prepared(
        diesel::update(scheduled::table.find((delegation, id)))
            .set(scheduled::lease_until.eq(retry_at))
            .returning(scheduled::id),
    )
    .execute(conn)?;
    Ok(())
}

/// Marks a scheduled item done.
pub fn complete(conn: &mut PgConnection, delegation: &DelegationCode, id: ScheduledId) -> Result<(), StoreError> {
    finish(conn, delegation, id, ScheduledStatus::Done)
}

/// Gives up on a scheduled item that cannot be carried out.
pub fn mark_dead(conn: &mut PgConnection, delegation: &DelegationCode, id: ScheduledId) -> Result<(), StoreError> {
    finish(conn, delegation, id, ScheduledStatus::Dead)
}

/// Ends a claimed item in `status`, releasing its lease.
fn finish(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: ScheduledId,
    status: ScheduledStatus,
) -> Result<(), StoreError> {
    prepared(
        diesel::update(scheduled::table.find((delegation, id)))
            .set((
                scheduled::status.eq(status),
                scheduled::lease_until.eq(None::<DateTime<Utc>>),
            ))
            .returning(scheduled::id),
    )
    .execute(conn)?;
    Ok(())
}

/// A scheduled item as operators see it: which case (by reference), what, when, how often tried.
#[derive(Debug, Clone, QueryableByName, serde::Serialize, utoipa::ToSchema)]
pub struct ScheduledSummary {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: ScheduledId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: Reference,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: ScheduledKind,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub message: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub action: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: ScheduledStatus,
}

/// Scheduled items in `status` (`pending`, `dead`, …), soonest first.
pub fn scheduled_in(
    conn: &mut PgConnection,
    status: ScheduledStatus,
    limit: i64,
) -> Result<Vec<ScheduledSummary>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT s.id, c.reference, s.kind, s.message, s.action, s.due_at, s.attempts, s.status
         FROM scheduled s JOIN cases c ON c.delegation = s.delegation AND c.id = s.case_id
         WHERE s.status = $1 ORDER BY s.due_at, s.id LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(status)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?)
}

/// Gives a dead item another round of attempts; returns whether it was dead.
pub fn revive(conn: &mut PgConnection, id: ScheduledId) -> Result<bool, StoreError> {
    Ok(
        diesel::update(scheduled::table.filter(scheduled::id.eq(id).and(scheduled::status.eq("dead"))))
            .set((
                scheduled::status.eq("pending"),
                scheduled::attempts.eq(0),
                scheduled::lease_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?
            > 0,
    )
}

/// What sending a reminder needs to know of its case and procedure.
#[derive(Debug, Clone, QueryableByName)]
pub struct ReminderContext {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: ScheduledId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: Reference,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub owner_id: UserId,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub erased: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub procedure_state: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow_version: String,
    /// The delegation's time zone.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub time_zone: String,
}

/// The case and procedure of each claimed item, in one query; an item whose case or procedure
/// is gone has no row.
///
/// Cases and procedures are joined by their ids alone (each unique, and a scheduled item's case
/// and procedure are of its delegation by foreign key). Joined by delegation too, the planner
/// could pair every procedure of the delegation with every claimed item before it looked at a
/// single id, and once the statistics leaned that way it did: a batch of 200 in one delegation
/// of 1,000 procedures built a 200,000-row hash (150–700 ms instead of 3 ms; `vigil-bench
/// reminders` halved from its second run on, seen with auto_explain).
pub fn reminder_contexts(conn: &mut PgConnection, items: &[DueItem]) -> Result<Vec<ReminderContext>, StoreError> {
    let delegations: Vec<&str> = items.iter().map(|i| i.delegation.as_str()).collect();
    let ids: Vec<ScheduledId> = items.iter().map(|i| i.id).collect();
    Ok(prepared(
        diesel::sql_query(
            "SELECT s.id, c.reference, c.owner_id, c.erased_at IS NOT NULL AS erased,
                p.state AS procedure_state, p.workflow, p.workflow_version, d.time_zone
         FROM unnest($1::text[], $2::uuid[]) AS claimed(delegation, id)
         JOIN scheduled s ON s.delegation = claimed.delegation AND s.id = claimed.id
         JOIN cases c ON c.id = s.case_id
         JOIN procedures p ON p.id = s.procedure_id
         JOIN delegations d ON d.code = s.delegation",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(delegations)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids),
    )
    .load(conn)?)
}

/// Marks claimed items done, in one statement, and refreshes the next due time of their cases.
pub fn complete_all(conn: &mut PgConnection, items: &[&DueItem]) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let delegations: Vec<&str> = items.iter().map(|i| i.delegation.as_str()).collect();
    let ids: Vec<ScheduledId> = items.iter().map(|i| i.id).collect();
    prepared(
        diesel::sql_query(COMPLETE_ALL_SQL)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&delegations)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&ids),
    )
    .execute(conn)?;
    let case_ids: Vec<CaseId> = items.iter().map(|i| i.case_id).collect();
    prepared(
        diesel::sql_query(REFRESH_NEXT_DUE_SQL)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&delegations)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&case_ids),
    )
    .execute(conn)?;
    Ok(())
}

/// A pending one-off reminder or timer of a delegation, with what recounting its due time
/// needs: its procedure's workflow and plain fields, and its case owner's time zone.
#[derive(Debug, Clone, QueryableByName)]
pub struct Movable {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: ScheduledId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub case_id: CaseId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: ScheduledKind,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub position: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub overdue_from: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub workflow_version: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub plain_data: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub owner_time_zone: Option<String>,
}

/// The pending one-off reminders and timers of `delegation`, locked, except those a worker is
/// sending at `now` (under lease): what a change of its holidays may move.
///
/// Their cases are locked first, one by one in the order of their ids, as a transition locks
/// its case before its scheduled rows: a transition of one of them waits for the change (or the
/// change for it), and neither can hold what the other waits for.
pub fn movable(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    now: DateTime<Utc>,
) -> Result<Vec<Movable>, StoreError> {
    prepared(
        diesel::sql_query(
            "SELECT c.id FROM cases c
             WHERE c.delegation = $1 AND EXISTS (
                 SELECT 1 FROM scheduled s
                 WHERE s.delegation = c.delegation AND s.case_id = c.id AND s.status = 'pending'
                   AND s.repeat IS NULL)
             ORDER BY c.id
             FOR UPDATE OF c",
        )
        .bind::<diesel::sql_types::Text, _>(delegation),
    )
    .execute(conn)?;
    Ok(prepared(
        diesel::sql_query(
            "SELECT s.id, s.case_id, s.kind, s.state, s.position, s.created_at, s.due_at, s.overdue_from,
                    p.workflow, p.workflow_version, p.plain_data, u.time_zone AS owner_time_zone
             FROM scheduled s
             JOIN procedures p ON p.delegation = s.delegation AND p.id = s.procedure_id
             JOIN cases c ON c.delegation = s.delegation AND c.id = s.case_id
             LEFT JOIN users u ON u.id = c.owner_id
             WHERE s.delegation = $1 AND s.status = 'pending' AND s.repeat IS NULL
               AND (s.lease_until IS NULL OR s.lease_until <= $2)
             FOR UPDATE OF s",
        )
        .bind::<diesel::sql_types::Text, _>(delegation)
        .bind::<diesel::sql_types::Timestamptz, _>(now),
    )
    .load(conn)?)
}

/// A new due time (and since when overdue) for a scheduled item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub id: ScheduledId,
    pub case_id: CaseId,
    pub due_at: DateTime<Utc>,
    pub overdue_from: Option<DateTime<Utc>>,
}

/// Gives items of `delegation` their new due times in one statement, and their cases their
/// next due time in another.
pub fn move_due(conn: &mut PgConnection, delegation: &DelegationCode, moved: &[Moved]) -> Result<(), StoreError> {
    use diesel::sql_types::{Array, Nullable, Text, Timestamptz, Uuid};
    if moved.is_empty() {
        return Ok(());
    }
    let ids: Vec<ScheduledId> = moved.iter().map(|m| m.id).collect();
    let due: Vec<DateTime<Utc>> = moved.iter().map(|m| m.due_at).collect();
    let overdue: Vec<Option<DateTime<Utc>>> = moved.iter().map(|m| m.overdue_from).collect();
    prepared(
        diesel::sql_query(
            "UPDATE scheduled s SET due_at = m.due_at, overdue_from = m.overdue_from
             FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) AS m(id, due_at, overdue_from)
             WHERE s.delegation = $1 AND s.id = m.id",
        )
        .bind::<Text, _>(delegation)
        .bind::<Array<Uuid>, _>(&ids)
        .bind::<Array<Timestamptz>, _>(&due)
        .bind::<Array<Nullable<Timestamptz>>, _>(&overdue),
    )
    .execute(conn)?;
    let delegations = vec![delegation.clone(); moved.len()];
    let case_ids: Vec<CaseId> = moved.iter().map(|m| m.case_id).collect();
    prepared(
        diesel::sql_query(REFRESH_NEXT_DUE_SQL)
            .bind::<Array<Text>, _>(&delegations)
            .bind::<Array<Uuid>, _>(&case_ids),
    )
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, QueryableByName)]
struct QueueRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pending: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    due: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    dead: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    oldest_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// The scheduled queue of one kind (`reminder` or `timer`) as the database has it now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    pub kind: String,
    pub pending: i64,
    /// Pending and due: the backlog.
    pub due: i64,
    pub dead: i64,
    /// How long the oldest due item has waited, in seconds (0 with none).
    pub oldest_due_seconds: f64,
}

/// The gauges `GET /metrics` reads at a scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    pub queues: Vec<Queue>,
    pub digest_entries_waiting: i64,
}

/// The scheduled queues (timers and reminders, each listed even when empty) and the digest
/// entries waiting, as the metrics report them.
pub fn queue_gauges(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Gauges, StoreError> {
    let rows: Vec<QueueRow> = diesel::sql_query(
        "SELECT k.kind,
                (SELECT count(*) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'pending') AS pending,
                (SELECT count(*) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'pending' AND s.due_at <= $1) AS due,
                (SELECT count(*) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'dead') AS dead,
                (SELECT min(due_at) FROM scheduled s WHERE s.kind = k.kind AND s.status = 'pending' AND s.due_at <= $1) AS oldest_due
         FROM (VALUES ('reminder'), ('timer')) AS k(kind)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .load(conn)?;
    let waiting: Count =
        diesel::sql_query("SELECT count(*) AS count FROM digest_entries WHERE sent_at IS NULL").get_result(conn)?;
    Ok(Gauges {
        queues: rows
            .into_iter()
            .map(|row| Queue {
                kind: row.kind,
                pending: row.pending,
                due: row.due,
                dead: row.dead,
                oldest_due_seconds: row
                    .oldest_due
                    .map_or(0.0, |at| (now - at).num_milliseconds().max(0) as f64 / 1000.0),
            })
            .collect(),
        digest_entries_waiting: waiting.count,
    })
}
