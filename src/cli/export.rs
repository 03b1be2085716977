//! `vigil export`: one case, age-encrypted to a recipient, for an operator at the server.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use super::with_database;
use vigil::config::Config;
use vigil::startup::{KeySource, load_workflows, sync_workflows};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// One case: metadata, confidential data and timeline, as JSON encrypted to RECIPIENT.
    Case {
        /// The case reference, e.g. VG-2026-00042.
        reference: String,
        /// The age recipient (age1…) the bundle is encrypted to.
        #[arg(long)]
        recipient: String,
        /// Write here (mode 0600) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn export_case(config: &Config, reference: &str, recipient: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let mut registry = load_workflows(&config.workflows_dir)?;
    let keys = KeySource::from_config(config)?.load(config)?;
    let sealed = with_database(config, |db| {
        sync_workflows(db, &mut registry)?;
        db.run_blocking(|conn| {
            Ok(vigil::cases::export_by_reference(
                conn,
                &registry,
                &keys,
                reference,
                recipient,
                chrono::Utc::now(),
            ))
        })?
        .map_err(|e| match e {
            vigil::cases::CaseError::NotFound => anyhow::anyhow!("no case {reference}"),
            vigil::cases::CaseError::Erased => {
                anyhow::anyhow!("case {reference} was erased: nothing of it can be opened")
            }
            vigil::cases::CaseError::Invalid(_) => anyhow::anyhow!("`{recipient}` is not an age recipient (age1…)"),
            other => anyhow::Error::new(other),
        })
    })?;
    match out {
        Some(path) => {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(&sealed)?;
            eprintln!(
                "wrote {} ({} bytes, encrypted to {recipient})",
                path.display(),
                sealed.len()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&sealed)?;
        }
    }
    Ok(())
}

pub fn run(config: &Config, command: ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Case {
            reference,
            recipient,
            out,
        } => export_case(config, &reference, &recipient, out.as_deref()),
    }
}
