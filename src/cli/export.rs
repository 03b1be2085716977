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
        #[arg(long, value_parser = super::args::recipient)]
        recipient: String,
        /// Write here (mode 0600) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn export_case(config: &Config, reference: &str, recipient: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let mut registry = load_workflows(&config.workflows_dir)?;
    let keys = KeySource::from_config(config)?.load(config)?;
    with_database(config, |db| {
        sync_workflows(db, &mut registry)?;
        db.run_blocking(|conn| Ok(write_export(conn, &registry, &keys, reference, recipient, out)))?
    })
}

/// Checks and records the export, then writes it as it is sealed: to `out` (created only now
/// the case is known, and removed when the export fails), or to standard output.
fn write_export(
    conn: &mut vigil::store::Conn,
    registry: &vigil::workflow::Registry,
    keys: &vigil::crypto::Keys,
    reference: &str,
    recipient: &str,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let explain = |e: vigil::cases::CaseError| match e {
        vigil::cases::CaseError::NotFound => anyhow::anyhow!("no case {reference}"),
        vigil::cases::CaseError::Erased => {
            anyhow::anyhow!("case {reference} was erased: nothing of it can be opened")
        }
        vigil::cases::CaseError::Invalid(_) => anyhow::anyhow!("`{recipient}` is not an age recipient (age1…)"),
        other => anyhow::Error::new(other),
    };
    let export = vigil::cases::export_by_reference(conn, reference, recipient, chrono::Utc::now()).map_err(explain)?;
    let Some(path) = out else {
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut stdout = export.write_to(conn, registry, keys, stdout).map_err(explain)?;
        std::io::Write::flush(&mut stdout)?;
        return Ok(());
    };
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let file = match export.write_to(conn, registry, keys, std::io::BufWriter::new(file)) {
        Ok(file) => file.into_inner().map_err(|e| e.into_error())?,
        Err(e) => {
            // Nothing half-written is left where a whole export is expected.
            let _ = std::fs::remove_file(path);
            return Err(explain(e));
        }
    };
    file.sync_all()?;
    let size = file.metadata()?.len();
    eprintln!("wrote {} ({size} bytes, encrypted to {recipient})", path.display());
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
