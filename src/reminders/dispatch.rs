//! Sending due reminders: claimed in batches with a lease (any number of workers), one email per
//! recipient, then done; a repeating reminder schedules its next occurrence after now, so a
//! series missed during downtime sends one catch-up, not a flood. Failures back off
//! exponentially with jitter; after the last attempt the reminder is dead.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::mail::{self, Outbox, Reminder};
use crate::store::{Db, StoreError, cases as rows, users};
use crate::workflow::{Registry, Repeat};

pub const LEASE: Duration = Duration::from_secs(120);
const BATCH: i64 = 50;
/// After this many attempts a reminder is dead.
pub const MAX_ATTEMPTS: i32 = 8;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// Where reminders go and how they link back.
#[derive(Debug, Clone)]
pub struct Mailer {
    pub outbox: Outbox,
    pub from: String,
    /// `VIGIL_PUBLIC_URL`, ending in `/`.
    pub public_url: String,
}

/// 1, 2, 4 … minutes, capped at 6 hours, with up to a quarter of jitter.
fn backoff(attempts: i32) -> chrono::Duration {
    let minutes = 1i64 << attempts.clamp(0, 9);
    let base = chrono::Duration::minutes(minutes.min(360));
    let jitter = uuid::Uuid::new_v4().as_u128() % 1000;
    base + base * i32::try_from(jitter).unwrap_or(0) / 4000
}

pub fn send_due(db: &Db, registry: &Registry, mailer: &Mailer, now: DateTime<Utc>) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    loop {
        let due = db.run_blocking(|conn| rows::claim_due(conn, "reminder", now, LEASE, BATCH))?;
        if due.is_empty() {
            return Ok(pass);
        }
        for item in due {
            let context = db.run_blocking(|conn| {
                let case = rows::case_by_id(conn, item.case_id)?;
                let procedure = rows::procedure_by_id(conn, item.procedure_id)?;
                Ok((case, procedure))
            })?;
            let (Some(case), Some(procedure)) = context else {
                db.run_blocking(|conn| rows::complete(conn, &item.delegation, item.id))?;
                pass.skipped += 1;
                continue;
            };
            let workflow = registry.version(&procedure.workflow, &procedure.workflow_version);
            if case.erased_at.is_some() || procedure.state != item.state || workflow.is_none() {
                db.run_blocking(|conn| rows::complete(conn, &item.delegation, item.id))?;
                pass.skipped += 1;
                continue;
            }
            let Some(workflow) = workflow else { continue };
            let recipients: Vec<String> = item.recipients.iter().flatten().cloned().collect();
            let emails =
                db.run_blocking(|conn| users::emails_for(conn, &item.delegation, case.owner_id, &recipients))?;
            let definition = &workflow.definition;
            let reminder = Reminder {
                reference: case.reference.clone(),
                workflow_title: definition.title.clone(),
                step_title: definition
                    .states
                    .get(&item.state)
                    .map(|s| s.title.clone())
                    .unwrap_or_default(),
                message: item.message.clone().unwrap_or_default(),
                due_at: item.due_at,
                link: format!("{}cases/{}", mailer.public_url, case.id),
                message_id: format!("<{}@vigil>", item.id),
            };
            let failures: Vec<String> = emails
                .iter()
                .filter_map(|to| {
                    mail::send(&mailer.outbox, &mailer.from, to, &reminder)
                        .err()
                        .map(|e| e.to_string())
                })
                .collect();
            if failures.is_empty() {
                db.run_blocking(|conn| {
                    rows::transaction(conn, |conn| {
                        rows::complete(conn, &item.delegation, item.id)?;
                        schedule_next(conn, &item, now)?;
                        rows::refresh_next_due(conn, &item.delegation, item.case_id)
                    })
                })?;
                tracing::info!(scheduled.id = %item.id, recipients = emails.len(), message = ?item.message, "reminder sent");
                pass.sent += 1;
            } else {
                tracing::warn!(scheduled.id = %item.id, attempts = item.attempts, error = %failures.join("; "), "reminder not sent");
                db.run_blocking(|conn| {
                    if item.attempts >= MAX_ATTEMPTS {
                        rows::mark_dead(conn, &item.delegation, item.id)
                    } else {
                        rows::retry_later(conn, &item.delegation, item.id, now + backoff(item.attempts))
                    }
                })?;
                pass.failed += 1;
            }
        }
    }
}

/// The next occurrence of a repeating reminder: the first after `now`, however many were
/// missed, in the delegation's calendar.
fn schedule_next(conn: &mut crate::store::Conn, item: &rows::DueItem, now: DateTime<Utc>) -> Result<(), StoreError> {
    let Some(repeat) = item.repeat.as_deref().and_then(|source| Repeat::from_str(source).ok()) else {
        return Ok(());
    };
    let calendar = crate::cases::calendar_of(conn, &item.delegation)?.unwrap_or_default();
    let Some(next) = repeat.next_after(&calendar, now) else {
        return Ok(());
    };
    rows::schedule(
        conn,
        &[rows::NewScheduled {
            delegation: item.delegation.clone(),
            id: Uuid::new_v4(),
            case_id: item.case_id,
            procedure_id: item.procedure_id,
            state: item.state.clone(),
            kind: "reminder".into(),
            position: item.position,
            message: item.message.clone(),
            recipients: item.recipients.clone(),
            action: None,
            repeat: item.repeat.clone(),
            due_at: next,
        }],
    )
}
