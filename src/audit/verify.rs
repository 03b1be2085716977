//! `vigil audit verify` and `vigil audit prove`: what the database holds, checked against the
//! checkpoint file and its signatures rather than against the database's own word.

use serde::{Deserialize, Serialize};

use super::checkpoint::{self, Tree};
use super::{AuditError, LineFile, SignedLine};
use crate::crypto::{PublicKey, hex};
use crate::store::Conn as PgConnection;
use crate::store::audit::{self as chains, Committed};
use crate::store::checkpoints::{self, Leaf};

/// One thing found wrong: where (a case reference, the access log, the checkpoint file or the
/// database's checkpoints), the first broken point there, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: String,
    pub point: String,
    pub problem: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.place, self.point, self.problem)
    }
}

/// What `verify` checked and found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub events: usize,
    pub checkpoints: usize,
    pub cases_committed: u64,
    pub access_rows: u64,
    pub admin_entries: usize,
    /// Each checkpoint signed by a restore, and the checkpoint the database was restored to.
    pub restores: Vec<(i64, i64)>,
    /// Erasures the erasure ledger's file holds (counted by `vigil audit verify`).
    pub erasures: usize,
}

fn problem(place: &str, point: String, text: impl Into<String>) -> Problem {
    Problem {
        place: place.to_owned(),
        point,
        problem: text.into(),
    }
}

const FILE: &str = "checkpoint file";
const DATABASE: &str = "database checkpoints";
const ACCESS: &str = "access log";
const ADMIN: &str = "administrative log";

/// The file's lines up to the first that is not signed by `key` or does not follow the one
/// before; that one is reported.
fn trusted_lines(file: &LineFile, key: &PublicKey, report: &mut Report) -> Result<Vec<SignedLine>, AuditError> {
    let read = file.read().map_err(|source| AuditError::File {
        path: file.path().to_owned(),
        source,
    })?;
    let (lines, broken) = super::signed::chain(&read.lines, key);
    if let Some((number, e)) = broken {
        report
            .problems
            .push(problem(FILE, format!("line {number}"), e.to_string()));
        return Ok(lines);
    }
    if read.cut_short {
        report.problems.push(problem(
            FILE,
            format!("line {}", read.lines.len() + 1),
            "is cut short: the file was truncated",
        ));
    }
    Ok(lines)
}

/// Checks everything: the file and its signatures, the database's copy of it, the access log
/// against each checkpoint, the latest checkpoint's leaves against its root, and every case's
/// chain and projection against those leaves.
pub fn verify(conn: &mut PgConnection, file: &LineFile, key: &PublicKey) -> Result<Report, AuditError> {
    let mut report = Report::default();
    let lines = trusted_lines(file, key, &mut report)?;
    report.checkpoints = lines.len();

    let stored = checkpoints::lines_after(conn, 0)?;
    for (seq, text) in &stored {
        match usize::try_from(*seq - 1).ok().and_then(|i| lines.get(i)) {
            Some(line) if line.text() == text => {}
            Some(_) => report.problems.push(problem(
                DATABASE,
                format!("checkpoint {seq}"),
                "differs from the checkpoint file's",
            )),
            None => {
                report.problems.push(problem(
                    FILE,
                    format!("after checkpoint {}", lines.len()),
                    format!(
                        "ends there and the database holds checkpoints up to {}: the file lost lines",
                        stored.last().map_or(*seq, |(last, _)| *last)
                    ),
                ));
                break;
            }
        }
    }
    if stored.len() < lines.len() {
        report.problems.push(problem(
            DATABASE,
            format!("checkpoint {}", stored.len() + 1),
            format!("is missing (the file has {})", lines.len()),
        ));
    }

    // Checkpoints a restore left behind: signed over a database that is gone, not checked.
    let mut lost = std::collections::BTreeSet::new();
    for line in &lines {
        if let Some(kept) = line.entry.restored_from {
            report.restores.push((line.entry.seq, kept));
            lost.extend(kept + 1..line.entry.seq);
        }
    }
    let mut after = 0;
    for line in lines.iter().filter(|line| !lost.contains(&line.entry.seq)) {
        let signed = &line.entry;
        let segment = checkpoints::access_segment(conn, after, signed.access_upto)?;
        report.access_rows += segment.rows;
        if segment.rows != signed.access_rows || hex::encode(&segment.hash) != signed.access_hash {
            report.problems.push(problem(
                ACCESS,
                format!("rows {} to {}", after + 1, signed.access_upto),
                format!(
                    "{} rows found where checkpoint {} signed {}{}",
                    segment.rows,
                    signed.seq,
                    signed.access_rows,
                    if segment.rows == signed.access_rows {
                        ", and some were changed"
                    } else {
                        ": rows were deleted or added"
                    }
                ),
            ));
        }
        after = signed.access_upto;
    }

    let committed = match lines.last() {
        None => Committed::default(),
        Some(latest) => {
            let signed = &latest.entry;
            let leaves = checkpoints::leaves_at(conn, signed.seq)?;
            let tree = Tree::of(&leaves);
            report.cases_committed = signed.cases;
            if tree.len() != signed.cases || tree.root() != signed.root {
                report.problems.push(problem(
                    DATABASE,
                    format!("checkpoint {}", signed.seq),
                    format!(
                        "the {} case heads recorded for it do not give its signed root over {} cases: the recorded heads were changed",
                        tree.len(),
                        signed.cases
                    ),
                ));
            }
            Committed {
                checkpoint: signed.seq,
                leaves,
            }
        }
    };
    let (broken, admin_hashes) = crate::store::admin_log::verify(conn)?;
    if let Some(broken) = broken {
        report
            .problems
            .push(problem(ADMIN, format!("entry {}", broken.seq), broken.problem));
    }
    if let Some(latest) = lines.last().map(|line| &line.entry).filter(|c| c.admin_seq > 0) {
        let kept = usize::try_from(latest.admin_seq - 1)
            .ok()
            .and_then(|i| admin_hashes.get(i));
        match kept {
            None => report.problems.push(problem(
                ADMIN,
                format!("entry {}", latest.admin_seq),
                format!(
                    "checkpoint {} committed the log to this entry, and it is gone",
                    latest.seq
                ),
            )),
            Some(hash) if hex::encode(hash) != latest.admin_head => report.problems.push(problem(
                ADMIN,
                format!("entry {}", latest.admin_seq),
                format!(
                    "is not the entry checkpoint {} committed the log to: the log was rewritten",
                    latest.seq
                ),
            )),
            Some(_) => {}
        }
    }
    report.admin_entries = admin_hashes.len();
    let walked = chains::verify(conn, &committed)?;
    report.events = walked.events;
    for link in walked.broken {
        report
            .problems
            .push(problem(&link.reference, format!("event {}", link.seq), link.problem));
    }
    for leaf in walked.missing {
        report.problems.push(problem(
            &leaf.reference,
            format!("event {}", leaf.event_seq),
            format!(
                "checkpoint {} committed this case and it is gone from the database",
                committed.checkpoint
            ),
        ));
    }
    Ok(report)
}

/// A case's chain head shown included in a signed checkpoint: checkable with the public key
/// alone ([`check_proof`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    pub reference: String,
    pub case_id: crate::domain::CaseId,
    pub event_seq: i64,
    pub event_head: String,
    pub index: u64,
    pub path: String,
    /// The checkpoint line, exactly as in the checkpoint file.
    pub checkpoint: String,
}

/// The inclusion proof of the case `reference` in the latest checkpoint of `file`.
pub fn prove(conn: &mut PgConnection, file: &LineFile, key: &PublicKey, reference: &str) -> Result<Proof, AuditError> {
    let mut report = Report::default();
    let lines = trusted_lines(file, key, &mut report)?;
    let latest = lines.last().ok_or(AuditError::NoCheckpoint)?;
    let leaves = checkpoints::leaves_at(conn, latest.entry.seq)?;
    let index = leaves
        .iter()
        .position(|leaf| leaf.reference == reference)
        .ok_or(AuditError::UnknownCase)?;
    let tree = Tree::of(&leaves);
    let leaf = &leaves[index];
    Ok(Proof {
        reference: leaf.reference.clone(),
        case_id: leaf.case_id,
        event_seq: leaf.event_seq,
        event_head: hex::encode(&leaf.event_head),
        index: index as u64,
        path: tree.proof(index),
        checkpoint: latest.text().to_owned(),
    })
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the checkpoint in the proof {0}")]
    Checkpoint(#[from] super::LineError),
    #[error("the case's head is not included in the checkpoint's tree")]
    NotIncluded,
    #[error("the proof's chain head is not 64 hex digits")]
    Malformed,
}

/// Checks a proof with the public key alone: the checkpoint's signature, then the path from the
/// case's leaf to the signed root. Returns the checkpoint it holds in.
pub fn check_proof(proof: &Proof, key: &PublicKey) -> Result<checkpoint::Checkpoint, ProofError> {
    let line = SignedLine::parse(&proof.checkpoint, key)?;
    let head = hex::decode::<32>(&proof.event_head).ok_or(ProofError::Malformed)?;
    let leaf = Leaf {
        case_id: proof.case_id,
        reference: proof.reference.clone(),
        event_seq: proof.event_seq,
        event_head: head.to_vec(),
    };
    let signed = line.entry;
    if !checkpoint::includes(&signed.root, signed.cases, &leaf, proof.index, &proof.path) {
        return Err(ProofError::NotIncluded);
    }
    Ok(signed)
}
