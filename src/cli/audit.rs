//! `vigil audit`: the events' hash chains, checked and digested.

use clap::Subcommand;

use super::with_database;
use vigil::config::Config;
use vigil::store;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every case's event chain; print each broken link; exit 1 if any.
    Verify,
    /// Print one hash over every chain head; keep it outside the database and compare later.
    Digest,
}

pub fn run(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify => verify(config),
        AuditCommand::Digest => with_database(config, |db| {
            let (digest, chains) = db.run_blocking(store::audit::digest)?;
            println!("{digest}  ({chains} case chains)");
            Ok(())
        }),
    }
}

fn verify(config: &Config) -> anyhow::Result<()> {
    let (broken, checked) = with_database(config, |db| Ok(db.run_blocking(store::audit::verify)?))?;
    for link in &broken {
        println!("{} event {}: {}", link.reference, link.seq, link.problem);
    }
    anyhow::ensure!(
        broken.is_empty(),
        "{} broken link(s) in the audit trail ({checked} events checked)",
        broken.len()
    );
    println!("{checked} events checked, every chain intact");
    Ok(())
}
