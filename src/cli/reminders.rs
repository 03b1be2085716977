//! `vigil reminders`: the scheduled queues, and the worker that sends due reminders and fires
//! due timers beside or instead of `serve`.

use std::sync::Arc;

use clap::Subcommand;

use super::with_database;
use vigil::config::Config;
use vigil::domain::ScheduledStatus;
use vigil::reminders::pass::{self, ScheduledWork};
use vigil::startup::{self, Database, KeySource, load_workflows, sync_workflows};
use vigil::store;

#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// List pending reminders and timers, or with --dead those given up.
    List {
        #[arg(long)]
        dead: bool,
    },
    /// Give a dead reminder or timer another round of attempts.
    Retry { id: vigil::domain::ScheduledId },
    /// Send due reminders and fire due timers until SIGTERM or SIGINT (a worker beside `serve`).
    Run,
}

pub fn run(config: &Config, command: RemindersCommand) -> anyhow::Result<()> {
    match command {
        RemindersCommand::Run => run_worker(config),
        RemindersCommand::List { dead } => with_database(config, |db| {
            let status = if dead {
                ScheduledStatus::Dead
            } else {
                ScheduledStatus::Pending
            };
            for item in db.run_blocking(|conn| store::scheduled::scheduled_in(conn, status, 1000))? {
                println!(
                    "{}  {}  {:<8} {:<40} due {}  attempts {}",
                    item.id,
                    item.reference,
                    item.kind,
                    item.message.or(item.action).unwrap_or_default(),
                    item.due_at.format("%Y-%m-%d %H:%M UTC"),
                    item.attempts
                );
            }
            Ok(())
        }),
        RemindersCommand::Retry { id } => with_database(config, |db| {
            anyhow::ensure!(
                vigil::commands::retry_scheduled(db, id)?,
                "no dead reminder or timer {id}"
            );
            println!("{id} will be tried again");
            Ok(())
        }),
    }
}

/// `vigil reminders run`: the scheduled work alone, beside or instead of `serve`, until
/// SIGTERM or SIGINT.
fn run_worker(config: &Config) -> anyhow::Result<()> {
    let mut registry = load_workflows(&config.workflows_dir)?;
    let key_source = KeySource::from_config(config)?;
    let keys = key_source.load(config)?;
    let signer = startup::signer(config, &key_source)?;
    let mailer = startup::mailer(config)?;
    let database = Database::open(config)?;
    let result = (|| {
        database.migrate()?;
        let db = database.pool(config.db_pool_size.min(4))?;
        let ledger = Arc::new(startup::ledger(config, &key_source)?);
        startup::apply_erasure_ledger(&db, &ledger)?;
        sync_workflows(&db, &mut registry)?;
        let work = ScheduledWork {
            db,
            workflows: Arc::new(registry),
            keys: Arc::new(keys),
            mailer: Arc::new(mailer),
            signer: Some(Arc::new(signer)),
            ledger: Some(ledger),
            auditor: vigil::reminders::pass::Auditor::of(config),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (mut term, mut int) = (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?);
            tracing::info!("vigil reminders worker running");
            loop {
                work.run_once().await;
                tokio::select! {
                    _ = tokio::time::sleep(pass::INTERVAL) => {}
                    _ = term.recv() => break,
                    _ = int.recv() => break,
                }
            }
            tracing::info!("vigil reminders worker stopped");
            Ok::<_, anyhow::Error>(())
        })
    })();
    let closed = database.close();
    result?;
    closed
}
