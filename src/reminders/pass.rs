//! One pass of scheduled work, as `serve` runs it in the background and `vigil reminders run`
//! runs it alone: due timers (and old idempotency keys purged), then due reminders, then daily
//! digests, then a signed audit checkpoint when one is due. Each part reports its failure in
//! the log and leaves the others to run.

use std::sync::Arc;
use std::time::Duration;

use super::dispatch;
use super::{digest, timers};
use crate::crypto::Keys;
use crate::mail::Mailer;
use crate::store::{self, Db};
use crate::workflow::Registry;

/// How often a pass runs.
pub const INTERVAL: Duration = Duration::from_secs(15);

/// What a pass needs; cheap to clone.
#[derive(Clone)]
pub struct ScheduledWork {
    pub db: Db,
    pub workflows: Arc<Registry>,
    pub keys: Arc<Keys>,
    pub mailer: Arc<Mailer>,
    /// Signs audit checkpoints when due; None: this process signs none.
    pub signer: Option<Arc<crate::audit::Signer>>,
    /// The erasure ledger, reconciled on every pass when its file and the database end apart
    /// (a database restored under a running process); None: not this process's.
    pub ledger: Option<Arc<crate::audit::ledger::Ledger>>,
    /// Where each checkpoint this process signs is also emailed (`VIGIL_AUDITOR_EMAIL`).
    pub auditor: Option<Auditor>,
}

/// An auditor: their address, and the language of their emails (`VIGIL_AUDITOR_LANGUAGE`; None:
/// English).
#[derive(Debug, Clone)]
pub struct Auditor {
    pub email: String,
    pub language: Option<String>,
}

impl Auditor {
    /// The auditor `config` names, if any.
    pub fn of(config: &crate::config::Config) -> Option<Self> {
        config.auditor_email.clone().map(|email| Self {
            email,
            language: config.auditor_language.clone(),
        })
    }
}

impl ScheduledWork {
    /// Runs one pass at the current time.
    pub async fn run_once(&self) {
        let now = chrono::Utc::now();
        if let Some(ledger) = &self.ledger {
            let (db, ledger) = (self.db.clone(), ledger.clone());
            let applied = tokio::task::spawn_blocking(move || -> Result<_, crate::cases::CaseError> {
                let mut conn = db.get_timeout(Duration::from_secs(5))?;
                if ledger.in_step(&mut conn)? {
                    return Ok(None);
                }
                crate::cases::apply_erasure_ledger(&mut conn, &ledger, now).map(Some)
            })
            .await;
            match applied {
                Ok(Ok(None)) => {}
                Ok(Ok(Some(applied))) => tracing::warn!(
                    shredded = applied.shredded,
                    to_file = applied.to_file,
                    to_database = applied.to_database,
                    "the erasure ledger was reconciled"
                ),
                Ok(Err(e)) => tracing::error!(error = %e, "the erasure ledger could not be reconciled"),
                Err(_) => tracing::warn!("the erasure ledger's reconciliation was cancelled"),
            }
        }
        let timers = {
            let (db, workflows, keys) = (self.db.clone(), self.workflows.clone(), self.keys.clone());
            tokio::task::spawn_blocking(move || {
                let fired = timers::fire_due(&db, &workflows, &keys, now);
                let purged = db.run_blocking(|conn| store::idempotency::purge(conn, now));
                (fired, purged)
            })
            .await
        };
        match timers {
            Ok((Ok(pass), _)) if pass.fired + pass.dropped > 0 => {
                tracing::info!(fired = pass.fired, dropped = pass.dropped, "timers")
            }
            Ok((Err(e), _)) => tracing::warn!(error = %e, "timers could not run"),
            Ok((_, Err(e))) => tracing::warn!(error = %e, "old idempotency keys could not be purged"),
            _ => {}
        }
        match dispatch::send_due(&self.db, &self.workflows, &self.mailer, now).await {
            Ok(pass) if pass.sent + pass.failed > 0 => {
                tracing::info!(
                    sent = pass.sent,
                    failed = pass.failed,
                    skipped = pass.skipped,
                    "reminders"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reminders could not run"),
        }
        match digest::send_due(&self.db, &self.mailer, now).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "digests"),
            Err(e) => tracing::warn!(error = %e, "digests could not run"),
        }
        if let Some(signer) = &self.signer {
            let (db, signer) = (self.db.clone(), signer.clone());
            let signed = tokio::task::spawn_blocking(move || {
                let mut conn = db.get_timeout(Duration::from_secs(5))?;
                signer.checkpoint_if_due(&mut conn, now)
            })
            .await;
            match signed {
                Ok(Ok(Some(signed))) => {
                    tracing::info!(
                        seq = signed.checkpoint.seq,
                        cases = signed.checkpoint.cases,
                        changed = signed.changed,
                        "audit checkpoint signed"
                    );
                    if let Some(auditor) = &self.auditor {
                        let words = self.mailer.catalog.words_for(auditor.language.as_deref());
                        let email = crate::mail::message::checkpoint(signed.checkpoint.seq, &signed.line, words);
                        if let Err(e) =
                            crate::mail::deliver(&self.mailer.outbox, &self.mailer.from, &auditor.email, email).await
                        {
                            tracing::error!(seq = signed.checkpoint.seq, error = %e, "the audit checkpoint could not be emailed to the auditor");
                        }
                    }
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "no audit checkpoint could be signed"),
                Err(_) => tracing::warn!("the audit checkpoint was cancelled"),
            }
        }
    }
}
