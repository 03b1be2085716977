//! `vigil audit`: the events' hash chains and the signed checkpoints, checked, signed and proven.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;

use super::with_database;
use vigil::audit::{self, LineFile, Proof};
use vigil::config::Config;
use vigil::crypto::PublicKey;
use vigil::startup::KeySource;
use vigil::store;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every case's event chain and procedures, the checkpoint file and its signatures,
    /// the access log and the database against the file; print each problem; exit 1 if any.
    Verify {
        /// The public key to check signatures with (64 hex digits); default: the signing key's.
        #[arg(long, value_parser = super::args::public_key)]
        public_key: Option<PublicKey>,
        /// Also open every live case with the identity (VIGIL_IDENTITY_FILE) and check its
        /// confidential data and its procedures' sealed fields against its events. Each case
        /// opened is recorded in the access log.
        #[arg(long)]
        sealed: bool,
    },
    /// Sign a checkpoint now and append it to the checkpoint file.
    Checkpoint,
    /// Print (JSON) the proof that a case's chain head is in the latest checkpoint.
    Prove {
        /// The case's reference, e.g. VG-2026-00042.
        reference: String,
        #[arg(long, value_parser = super::args::public_key)]
        public_key: Option<PublicKey>,
    },
    /// Check a proof written by `vigil audit prove`, with the public key only (no database).
    CheckProof {
        /// The proof file (`-` for standard input).
        proof: PathBuf,
        #[arg(long, value_parser = super::args::public_key)]
        public_key: PublicKey,
    },
    /// Print the public key of the signing key (for auditors).
    PublicKey,
    /// Print one hash over every chain head; keep it outside the database and compare later.
    Digest,
}

pub fn run(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { public_key, sealed } => verify(config, public_key, sealed),
        AuditCommand::Checkpoint => checkpoint(config),
        AuditCommand::Prove { reference, public_key } => prove(config, &reference, public_key),
        AuditCommand::CheckProof { proof, public_key } => check_proof(&proof, public_key),
        AuditCommand::PublicKey => {
            println!("{}", KeySource::from_config(config)?.signing_key()?.public());
            Ok(())
        }
        AuditCommand::Digest => with_database(config, |db| {
            let (digest, chains) = db.run_blocking(store::audit::digest)?;
            println!("{digest}  ({chains} case chains)");
            Ok(())
        }),
    }
}

fn public_key(config: &Config, given: Option<PublicKey>) -> anyhow::Result<PublicKey> {
    match given {
        Some(key) => Ok(key),
        None => Ok(KeySource::from_config(config)?.signing_key()?.public()),
    }
}

const CHECKOUT: Duration = Duration::from_secs(30);

fn verify(config: &Config, given: Option<PublicKey>, sealed: bool) -> anyhow::Result<()> {
    let key = public_key(config, given)?;
    let keys = if sealed {
        Some(KeySource::from_config(config)?.load(config)?)
    } else {
        None
    };
    let file = LineFile::new(config.checkpoint_file.clone());
    let (mut report, opened) = with_database(config, |db| {
        let mut conn = db.get_timeout(CHECKOUT)?;
        let mut report = audit::verify(&mut conn, &file, &key)?;
        let ledger = LineFile::new(config.erasure_ledger.clone());
        let (erasures, problems) = audit::ledger::problems(&mut conn, &ledger, &key)?;
        report.erasures = erasures;
        report.problems.extend(problems);
        let opened = keys
            .as_ref()
            .map(|keys| audit::verify_sealed(&mut conn, keys))
            .transpose()?;
        Ok((report, opened))
    })?;
    if let Some(opened) = &opened {
        report.problems.extend(opened.problems.iter().cloned());
    }
    for (seq, kept) in &report.restores {
        println!(
            "checkpoint {seq}: the database was restored to a backup holding checkpoints up to {kept}; those between were signed over a state lost with it"
        );
    }
    for problem in &report.problems {
        println!("{problem}");
    }
    anyhow::ensure!(
        report.problems.is_empty(),
        "{} problem(s) in the audit trail ({} events, {} checkpoints checked)",
        report.problems.len(),
        report.events,
        report.checkpoints
    );
    if let Some(opened) = &opened {
        println!(
            "{} cases opened: their confidential data and sealed fields are what their events set",
            opened.cases
        );
    }
    println!(
        "{} events checked, every chain intact; {} checkpoints signed by {key}, the latest over {} cases; {} access-log rows as signed; {} administrative-log entries chained; {} erasures in the ledger, every case shredded",
        report.events,
        report.checkpoints,
        report.cases_committed,
        report.access_rows,
        report.admin_entries,
        report.erasures
    );
    Ok(())
}

fn checkpoint(config: &Config) -> anyhow::Result<()> {
    let signer = vigil::startup::signer(config, &KeySource::from_config(config)?)?;
    let signed = with_database(config, |db| {
        Ok(signer.checkpoint(&mut *db.get_timeout(CHECKOUT)?, chrono::Utc::now())?)
    })?;
    let signed = signed.context("another process is signing a checkpoint now; try again")?;
    println!(
        "checkpoint {} signed over {} cases ({} changed), root {}; appended to {}",
        signed.checkpoint.seq,
        signed.checkpoint.cases,
        signed.changed,
        signed.checkpoint.root,
        config.checkpoint_file.display()
    );
    Ok(())
}

fn prove(config: &Config, reference: &str, given: Option<PublicKey>) -> anyhow::Result<()> {
    let key = public_key(config, given)?;
    let file = LineFile::new(config.checkpoint_file.clone());
    let proof = with_database(config, |db| {
        Ok(audit::prove(&mut *db.get_timeout(CHECKOUT)?, &file, &key, reference)?)
    })?;
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(())
}

fn check_proof(path: &std::path::Path, key: PublicKey) -> anyhow::Result<()> {
    let text = if path == std::path::Path::new("-") {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?
    };
    let proof: Proof = serde_json::from_str(&text).context("the proof is not one `vigil audit prove` writes")?;
    let checkpoint = audit::check_proof(&proof, &key)?;
    println!(
        "{} at event {} is included in checkpoint {} of {} ({} cases), signed by {key}",
        proof.reference, proof.event_seq, checkpoint.seq, checkpoint.at, checkpoint.cases
    );
    Ok(())
}
