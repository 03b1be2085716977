//! Sending due reminders: claimed in batches with a lease (any number of workers), one email per
//! recipient, then done; a repeating reminder schedules its next occurrence after now, so a
//! series missed during downtime sends one catch-up, not a flood. Failures back off
//! exponentially with jitter; after the last attempt the reminder is dead.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::domain::ScheduledKind;
use crate::domain::{DelegationCode, ScheduledId, UserId};
use crate::mail::Mailer;
use crate::mail::message::{self, Reader, Reminder};
use crate::store::digests::DigestEntry;
use crate::store::scheduled;
use crate::store::{Db, StoreError, digests, users};
use crate::workflow::{Registry, Repeat};

pub const LEASE: Duration = Duration::from_secs(120);
pub const BATCH: i64 = 200;
/// Outcomes are written to the database this many at a time at most …
const RECORD_EVERY: usize = 50;
/// … and at the latest this long after the first of them came in.
const RECORD_WITHIN: Duration = Duration::from_millis(100);
/// After this many attempts a reminder is dead.
pub const MAX_ATTEMPTS: i32 = 8;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// 1, 2, 4 … minutes, capped at 6 hours, with up to a quarter of jitter.
fn backoff(attempts: i32) -> chrono::Duration {
    // `attempts` counts the claim of the attempt that failed: the first failure waits 1 minute.
    let minutes = 1i64 << (attempts - 1).clamp(0, 9);
    let base = chrono::Duration::minutes(minutes.min(360));
    let jitter = uuid::Uuid::new_v4().as_u128() % 1000;
    base + base * i32::try_from(jitter).unwrap_or(0) / 4000
}

/// Sends every reminder due at `now`, as a pipeline of three stages that overlap, so the
/// database and the mail server are both kept busy:
/// - claim: a batch at a time, its cases and recipients looked up in one round trip; items no
///   longer worth sending are done at once;
/// - send: as many messages at once as the outbox has connections;
/// - record: outcomes written as they come in, up to [`RECORD_EVERY`] of them or what came
///   within [`RECORD_WITHIN`] in one transaction, so a worker that dies leaves little to be
///   sent again.
///
/// A letter whose lease is half gone before its turn (a server that hangs) is not sent by this
/// worker: it counts as a failed attempt, so no other worker takes it over while it is sent.
pub async fn send_due(db: &Db, registry: &Registry, mailer: &Mailer, now: DateTime<Utc>) -> Result<Pass, StoreError> {
    let (letters_tx, mut letters_rx) = tokio::sync::mpsc::channel::<Letter>(BATCH as usize);
    let (outcomes_tx, mut outcomes_rx) = tokio::sync::mpsc::channel::<Outcome>(BATCH as usize);

    let claim = async move {
        let mut skipped_total = 0;
        loop {
            let due = db
                .run(move |conn| scheduled::claim_due(conn, ScheduledKind::Reminder, now, LEASE, BATCH))
                .await?;
            if due.is_empty() {
                return Ok::<_, StoreError>(skipped_total);
            }
            let (letters, skipped) = prepare(db, registry, mailer, due).await?;
            skipped_total += skipped.len();
            crate::metrics::count(crate::metrics::Counter::RemindersSkipped, skipped.len());
            let outcomes = Outcomes {
                skipped,
                ..Outcomes::default()
            };
            record(db, outcomes, now).await?;
            for letter in letters {
                if letters_tx.send(letter).await.is_err() {
                    return Ok(skipped_total); // The recording stage failed; its error is returned.
                }
            }
        }
    };

    let send = async move {
        let letters = futures_util::stream::poll_fn(move |cx| letters_rx.poll_recv(cx));
        let mut sent = letters
            .map(|letter| async move {
                // Who takes a daily digest gets an entry in it instead of an email now.
                let digest = letter
                    .to
                    .iter()
                    .filter(|to| to.digest)
                    .map(|to| letter.digest_entry(to.id))
                    .collect();
                let mut failures = Vec::new();
                if letter.claimed.elapsed() > LEASE / 2 {
                    failures.push("not sent: the lease was running out".to_owned());
                    return Outcome {
                        item: letter.item,
                        owner_id: letter.owner_id,
                        failures,
                        digest,
                    };
                }
                for to in letter.to.iter().filter(|to| !to.digest) {
                    let reader = Reader::new(
                        to.language.as_deref(),
                        to.time_zone.as_deref(),
                        letter.reminder.time_zone,
                    );
                    let recipient = to.id.to_string();
                    let sent = message::send(
                        &mailer.outbox,
                        &mailer.from,
                        (&to.email, &recipient),
                        &letter.reminder,
                        reader,
                        &mailer.catalog,
                    );
                    if let Err(e) = sent.await {
                        failures.push(e.to_string());
                    }
                }
                Outcome {
                    item: letter.item,
                    owner_id: letter.owner_id,
                    failures,
                    digest,
                }
            })
            .buffer_unordered(mailer.outbox.concurrency());
        while let Some(outcome) = sent.next().await {
            if outcomes_tx.send(outcome).await.is_err() {
                break;
            }
        }
        Ok::<_, StoreError>(())
    };

    let record_all = async move {
        let mut pass = Pass::default();
        let mut chunk = Vec::with_capacity(RECORD_EVERY);
        while let Some(first) = outcomes_rx.recv().await {
            // Gather what comes within RECORD_WITHIN, up to RECORD_EVERY, into one transaction.
            chunk.push(first);
            let deadline = tokio::time::Instant::now() + RECORD_WITHIN;
            while chunk.len() < RECORD_EVERY {
                match tokio::time::timeout_at(deadline, outcomes_rx.recv()).await {
                    Ok(Some(outcome)) => chunk.push(outcome),
                    Ok(None) | Err(_) => break,
                }
            }
            let digest: Vec<DigestEntry> = chunk.iter_mut().flat_map(|o| std::mem::take(&mut o.digest)).collect();
            let (done, failed): (Vec<_>, Vec<_>) = chunk.drain(..).partition(|o| o.failures.is_empty());
            for outcome in &failed {
                let (item, failures) = (&outcome.item, &outcome.failures);
                tracing::warn!(scheduled.id = %item.id, attempts = item.attempts, error = %failures.join("; "), "reminder not sent");
            }
            pass.sent += done.len();
            pass.failed += failed.len();
            use crate::metrics::{Counter, count};
            count(Counter::RemindersSent, done.len());
            count(Counter::RemindersFailed, failed.len());
            let dead = failed.iter().filter(|o| o.item.attempts >= MAX_ATTEMPTS).count();
            count(Counter::RemindersDead, dead);
            let outcomes = Outcomes {
                sent: done.into_iter().map(|o| (o.item, o.owner_id)).collect(),
                failed: failed.into_iter().map(|o| (o.item, o.failures)).collect(),
                digest,
                ..Outcomes::default()
            };
            record(db, outcomes, now).await?;
        }
        Ok::<_, StoreError>(pass)
    };

    let (skipped, (), mut pass) = tokio::try_join!(claim, send, record_all)?;
    pass.skipped = skipped;
    Ok(pass)
}

/// What became of one letter.
struct Outcome {
    item: scheduled::DueItem,
    /// The case's owner when the reminder was claimed (whose time zone a repeat follows).
    owner_id: UserId,
    /// Why it could not be sent to someone; empty when it went to all.
    failures: Vec<String>,
    /// Entries for the recipients who take a daily digest.
    digest: Vec<DigestEntry>,
}

#[derive(Default)]
struct Outcomes {
    /// What went out, with each case's owner.
    sent: Vec<(scheduled::DueItem, UserId)>,
    failed: Vec<(scheduled::DueItem, Vec<String>)>,
    /// Claimed but no longer worth sending: the case erased, the procedure moved on or gone.
    skipped: Vec<scheduled::DueItem>,
    digest: Vec<DigestEntry>,
}

/// Records outcomes in one transaction: digest entries are added, what was sent or skipped
/// is done, and a repeating reminder that was sent gets its next occurrence; what failed
/// waits for its backoff or, after the last attempt, is dead.
async fn record(db: &Db, outcomes: Outcomes, now: DateTime<Utc>) -> Result<(), StoreError> {
    let Outcomes {
        sent,
        failed,
        skipped,
        digest,
    } = outcomes;
    if sent.is_empty() && failed.is_empty() && skipped.is_empty() {
        return Ok(());
    }
    db.run(move |conn| {
        crate::store::transaction(conn, |conn| {
            let touched: Vec<&scheduled::DueItem> = sent
                .iter()
                .map(|(item, _)| item)
                .chain(&skipped)
                .chain(failed.iter().map(|(item, _)| item))
                .collect();
            scheduled::lock_cases_of(conn, &touched)?;
            digests::add(conn, &digest)?;
            for (item, owner) in &sent {
                schedule_next(conn, item, *owner, now)?;
            }
            let finished: Vec<&scheduled::DueItem> = sent.iter().map(|(item, _)| item).chain(&skipped).collect();
            scheduled::complete_all(conn, &finished)?;
            for (item, _) in &failed {
                if item.attempts >= MAX_ATTEMPTS {
                    scheduled::mark_dead(conn, &item.delegation, item.id)?;
                } else {
                    scheduled::retry_later(conn, &item.delegation, item.id, now + backoff(item.attempts))?;
                }
            }
            Ok::<_, StoreError>(())
        })
    })
    .await
}

impl Letter {
    fn digest_entry(&self, user_id: UserId) -> DigestEntry {
        DigestEntry {
            user_id,
            scheduled_id: self.item.id,
            case_id: self.item.case_id,
            reference: self.reminder.reference.clone(),
            workflow_title: self.reminder.workflow_title.clone(),
            step_title: self.reminder.step_title.clone(),
            message: self.reminder.message.clone(),
            due_at: self.item.due_at,
            workflow: self.reminder.workflow.clone(),
            step: self.reminder.step.clone(),
        }
    }
}

/// A claimed reminder with its message and recipients.
struct Letter {
    item: scheduled::DueItem,
    owner_id: UserId,
    /// When its batch was claimed: the lease runs from here.
    claimed: std::time::Instant,
    reminder: Reminder,
    to: Vec<users::Recipient>,
}

/// Who a reminder goes to depends on its delegation, its case's owner and its recipient list.
type RecipientsKey = (DelegationCode, UserId, Vec<Option<String>>);

/// Turns a claimed batch into letters, and the items that are no longer worth sending (their
/// case erased, their procedure moved on or gone) into `skipped`.
async fn prepare(
    db: &Db,
    registry: &Registry,
    mailer: &Mailer,
    due: Vec<scheduled::DueItem>,
) -> Result<(Vec<Letter>, Vec<scheduled::DueItem>), StoreError> {
    let (due, contexts, recipients) = db
        .run(move |conn| {
            let contexts: HashMap<ScheduledId, scheduled::ReminderContext> = scheduled::reminder_contexts(conn, &due)?
                .into_iter()
                .map(|c| (c.id, c))
                .collect();
            let mut recipients: HashMap<RecipientsKey, Vec<users::Recipient>> = HashMap::new();
            for item in &due {
                let Some(context) = contexts.get(&item.id) else {
                    continue;
                };
                let key = (item.delegation.clone(), context.owner_id, item.recipients.clone());
                if let std::collections::hash_map::Entry::Vacant(entry) = recipients.entry(key) {
                    let roles: Vec<String> = item.recipients.iter().flatten().cloned().collect();
                    entry.insert(users::recipients_for(conn, &item.delegation, context.owner_id, &roles)?);
                }
            }
            Ok((due, contexts, recipients))
        })
        .await?;
    let claimed = std::time::Instant::now();
    let (mut letters, mut skipped) = (Vec::with_capacity(due.len()), Vec::new());
    for item in due {
        let context = contexts.get(&item.id);
        let workflow = context.and_then(|c| registry.version(&c.workflow, &c.workflow_version));
        let (Some(context), Some(workflow)) = (context, workflow) else {
            skipped.push(item);
            continue;
        };
        if context.erased || context.procedure_state != item.state {
            skipped.push(item);
            continue;
        }
        let definition = &workflow.definition;
        let reminder = Reminder {
            reference: context.reference.to_string(),
            workflow: context.workflow.clone(),
            step: item.state.clone(),
            workflow_title: definition.title.clone(),
            step_title: definition
                .states
                .get(&item.state)
                .map(|s| s.title.clone())
                .unwrap_or_default(),
            message: item.message.clone().unwrap_or_default(),
            due_at: item.due_at,
            time_zone: context.time_zone.parse().unwrap_or(chrono_tz::UTC),
            link: format!("{}cases/{}", mailer.public_url, item.case_id),
            occurrence: item.id.to_string(),
        };
        let to = recipients
            .get(&(item.delegation.clone(), context.owner_id, item.recipients.clone()))
            .cloned()
            .unwrap_or_default();
        letters.push(Letter {
            item,
            owner_id: context.owner_id,
            claimed,
            reminder,
            to,
        });
    }
    Ok((letters, skipped))
}

/// The next occurrence of a repeating reminder: the first after `now`, however many were
/// missed, in the case's calendar (its owner's time zone for a reminder to the owner alone).
fn schedule_next(
    conn: &mut crate::store::Conn,
    item: &scheduled::DueItem,
    owner: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(repeat) = item.repeat.as_deref().and_then(|source| Repeat::from_str(source).ok()) else {
        return Ok(());
    };
    let calendar = crate::cases::calendar_for_case(conn, &item.delegation, owner)?.unwrap_or_default();
    let to: Vec<String> = item.recipients.iter().flatten().cloned().collect();
    let Some(next) = repeat.next_after(&calendar.for_recipients(&to), now) else {
        return Ok(());
    };
    scheduled::schedule(
        conn,
        &[scheduled::NewScheduled {
            delegation: item.delegation.clone(),
            id: ScheduledId::random(),
            case_id: item.case_id,
            procedure_id: item.procedure_id,
            state: item.state.clone(),
            kind: ScheduledKind::Reminder,
            position: item.position,
            message: item.message.clone(),
            recipients: item.recipients.clone(),
            action: None,
            repeat: item.repeat.clone(),
            due_at: next,
            overdue_from: None,
            created_at: now,
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_retry_waits_a_minute_then_twice_as_long_each_time_up_to_six_hours() {
        for (attempts, minutes) in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 360), (30, 360)] {
            let waited = backoff(attempts);
            let base = chrono::Duration::minutes(minutes);
            assert!(
                waited >= base && waited <= base + base / 4,
                "attempt {attempts}: {waited}"
            );
        }
    }
}
