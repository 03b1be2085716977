//! The erasure ledger: one signed line per erased case, in a file outside the database (beside
//! the checkpoint file, signed with the same key) and copied in the database.
//!
//! Crypto-shredding deletes a case's key row; restoring a backup taken before the erasure
//! brings the row back. The ledger is what survives the restore: at every start, after every
//! restore and on every background pass, [`Ledger::reconcile`] brings file and database to the
//! same lines, and the application layer shreds again each case a line names that has its key
//! back (`cases::apply_erasure_ledger`). Someone who can write the database cannot remove a line
//! (the file keeps it) nor add one (it would need the signing key).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::signed::{Entry, Signed, chain};
use super::{AuditError, LineFile};
use crate::crypto::{PublicKey, SigningKey};
use crate::domain::{CaseId, DelegationCode, ErasureReason};
use crate::store::{Conn as PgConnection, erasure};

/// The format of the ledger lines written now.
pub const FORMAT: u32 = 1;

/// One erased case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erasure {
    pub format: u32,
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// SHA-256 (hex) of the line before this one, as written; 64 zeros for the first.
    pub prev: String,
    pub delegation: DelegationCode,
    pub case_id: CaseId,
    pub reason: ErasureReason,
    /// The public key that signed it (hex): informative only, checks use the key they are given.
    pub key: String,
}

impl Entry for Erasure {
    const FIELD: &'static str = "erasure";

    fn seq(&self) -> i64 {
        self.seq
    }

    fn prev(&self) -> &str {
        &self.prev
    }
}

/// A ledger line: an erasure with its signature.
pub type LedgerLine = Signed<Erasure>;

/// The ledger of this process: the key that signs its lines and the file it appends them to
/// (under the file's lock, so processes sharing it take turns).
#[derive(Debug)]
pub struct Ledger {
    key: SigningKey,
    file: LineFile,
}

/// What [`Ledger::reconcile`] did and found.
#[derive(Debug, Clone, Default)]
pub struct Reconciled {
    /// Every erasure the ledger holds, oldest first.
    pub erasures: Vec<Erasure>,
    /// Lines only the database had, now appended to the file.
    pub to_file: usize,
    /// Lines only the file had (a restored backup older than them), now back in the database.
    pub to_database: usize,
}

impl Ledger {
    pub fn new(key: SigningKey, file: LineFile) -> Self {
        Self { key, file }
    }

    pub fn file(&self) -> &LineFile {
        &self.file
    }

    fn file_error(&self) -> impl FnOnce(std::io::Error) -> AuditError + '_ {
        |source| AuditError::File {
            path: self.file.path().to_owned(),
            source,
        }
    }

    fn disagreement(&self, what: String) -> AuditError {
        disagreement(&self.file, what)
    }

    /// Appends the erasure of a case to the database's copy of the ledger, in the caller's
    /// transaction (the one that shreds the case); the caller appends the line to the file
    /// once that transaction has committed ([`Ledger::write`]).
    pub fn append(
        &self,
        conn: &mut PgConnection,
        delegation: &DelegationCode,
        case_id: CaseId,
        reason: ErasureReason,
        at: DateTime<Utc>,
    ) -> Result<LedgerLine, AuditError> {
        erasure::lock_ledger(conn)?;
        let last = match erasure::last_ledger_line(conn)? {
            None => None,
            Some((seq, text)) => Some(
                LedgerLine::parse(&text, &self.key.public())
                    .map_err(|e| self.disagreement(format!("line {seq} in the database {e}")))?,
            ),
        };
        let (seq, prev) = LedgerLine::next(last.as_ref());
        let line = LedgerLine::sign(
            Erasure {
                format: FORMAT,
                seq,
                at,
                prev,
                delegation: delegation.clone(),
                case_id,
                reason,
                key: self.key.public().to_string(),
            },
            &self.key,
        );
        erasure::insert_ledger_line(conn, seq, delegation, case_id, at, line.text())?;
        Ok(line)
    }

    /// Appends a committed line to the file; a failure leaves it for the next [`Ledger::reconcile`].
    pub fn write(&self, line: &LedgerLine) -> Result<(), AuditError> {
        self.file
            .exclusive(|| self.write_holding(line))
            .map_err(self.file_error())?
    }

    fn write_holding(&self, line: &LedgerLine) -> Result<(), AuditError> {
        let last = self.file.last_line().map_err(self.file_error())?;
        if let Some(Ok(text)) = &last
            && let Ok(last) = LedgerLine::parse(text, &self.key.public())
            && last.entry.seq >= line.entry.seq
        {
            // A reconciliation got there first.
            return Ok(());
        }
        self.file.append(&[line.text()]).map_err(self.file_error())
    }

    /// Whether the file and the database hold the same number of lines and end at the same
    /// one, and no case the database's ledger names has its key back or is no tombstone: what
    /// a background pass checks before reconciling (cheap: the file's lines counted, not
    /// verified; two last lines; one join), so that a key row put back by someone who can write
    /// the database is shredded again within a pass.
    pub fn in_step(&self, conn: &mut PgConnection) -> Result<bool, AuditError> {
        let read = self.file.read().map_err(self.file_error())?;
        let (count, last) = erasure::ledger_extent(conn)?;
        let same_end = match (read.lines.last(), last) {
            (None, None) => true,
            (Some(text), Some(line)) => *text == line,
            _ => false,
        };
        let same_length = u64::try_from(read.lines.len()).unwrap_or(u64::MAX) == count && !read.cut_short;
        Ok(same_end && same_length && erasure::ledgered_unshredded(conn)? == 0)
    }

    /// Brings the file and the database to the same lines, in the caller's transaction (which
    /// should also shred what the returned erasures name): lines only the database has go to
    /// the file (a replica's file catching up), lines only the file has go back into the
    /// database (a restored backup older than them). Every line is checked against the signing
    /// key first; when the two disagree on a line both have, nothing is changed and the error
    /// says where.
    pub fn reconcile(&self, conn: &mut PgConnection) -> Result<Reconciled, AuditError> {
        erasure::lock_ledger(conn)?;
        self.file
            .exclusive(|| self.reconcile_holding(conn))
            .map_err(self.file_error())?
    }

    fn reconcile_holding(&self, conn: &mut PgConnection) -> Result<Reconciled, AuditError> {
        let key = self.key.public();
        let file = trusted_file(&self.file, &key)?;
        let database = trusted_database(conn, &self.file, &key)?;
        if let Some(at) = first_difference(&file, &database) {
            return Err(disagreement(
                &self.file,
                format!(
                    "line {at} differs between the file and the database (two ledgers were written after a restore: run `vigil audit verify`)"
                ),
            ));
        }
        let mut reconciled = Reconciled::default();
        if database.len() > file.len() {
            let newer: Vec<&str> = database[file.len()..].iter().map(LedgerLine::text).collect();
            self.file.append(&newer).map_err(self.file_error())?;
            reconciled.to_file = newer.len();
        }
        for line in file.iter().skip(database.len()) {
            let erasure = &line.entry;
            erasure::insert_ledger_line(
                conn,
                erasure.seq,
                &erasure.delegation,
                erasure.case_id,
                erasure.at,
                line.text(),
            )?;
            reconciled.to_database += 1;
        }
        let longer = if file.len() > database.len() { file } else { database };
        reconciled.erasures = longer.into_iter().map(|line| line.entry).collect();
        Ok(reconciled)
    }
}

fn disagreement(file: &LineFile, what: String) -> AuditError {
    AuditError::Disagreement(format!("the erasure ledger {}: {what}", file.path().display()))
}

/// The file's lines, each signed and following the one before; an error at the first that is
/// not, or when the file ends in the middle of a line.
fn trusted_file(file: &LineFile, key: &PublicKey) -> Result<Vec<LedgerLine>, AuditError> {
    let read = file.read().map_err(|source| AuditError::File {
        path: file.path().to_owned(),
        source,
    })?;
    if read.cut_short {
        return Err(disagreement(
            file,
            format!("line {} is cut short: the file was truncated", read.lines.len() + 1),
        ));
    }
    match chain(&read.lines, key) {
        (lines, None) => Ok(lines),
        (_, Some((number, e))) => Err(disagreement(file, format!("line {number} {e}"))),
    }
}

/// The database's copy of the ledger, each line checked as the file's are.
fn trusted_database(conn: &mut PgConnection, file: &LineFile, key: &PublicKey) -> Result<Vec<LedgerLine>, AuditError> {
    let (seqs, texts): (Vec<i64>, Vec<String>) = erasure::ledger_lines(conn, 0)?.into_iter().unzip();
    match chain(&texts, key) {
        (lines, None) => Ok(lines),
        (_, Some((number, e))) => Err(disagreement(
            file,
            format!("line {} in the database {e}", seqs[number - 1]),
        )),
    }
}

/// The first line (from 1) where two copies of the ledger hold different lines.
fn first_difference(file: &[LedgerLine], database: &[LedgerLine]) -> Option<usize> {
    file.iter()
        .zip(database)
        .position(|(file, database)| file.text() != database.text())
        .map(|at| at + 1)
}

/// What `vigil audit verify` finds wrong with the erasure ledger, changing nothing: a line of
/// the file or of the database not signed by `key` or out of its chain, the two copies
/// differing or one shorter than the other, and a case the ledger names that has its key row
/// back or is no tombstone. Returns how many erasures the file holds, and the problems.
pub fn problems(
    conn: &mut PgConnection,
    file: &LineFile,
    key: &PublicKey,
) -> Result<(usize, Vec<super::Problem>), AuditError> {
    let problem = |point: String, text: String| super::Problem {
        place: "erasure ledger".into(),
        point,
        problem: text,
    };
    let mut found = Vec::new();
    let trusted =
        |result: Result<Vec<LedgerLine>, AuditError>, found: &mut Vec<super::Problem>, which: &str| match result {
            Ok(lines) => lines,
            Err(AuditError::Disagreement(why)) => {
                found.push(problem(which.into(), why));
                Vec::new()
            }
            Err(other) => {
                found.push(problem(which.into(), other.to_string()));
                Vec::new()
            }
        };
    let in_file = trusted(trusted_file(file, key), &mut found, "file");
    let in_database = trusted(trusted_database(conn, file, key), &mut found, "database");
    if found.is_empty() {
        if let Some(at) = first_difference(&in_file, &in_database) {
            found.push(problem(
                format!("line {at}"),
                "differs between the file and the database".into(),
            ));
        } else if in_file.len() != in_database.len() {
            found.push(problem(
                format!("line {}", in_file.len().min(in_database.len()) + 1),
                format!(
                    "the file holds {} lines and the database {}: serve reconciles them at its next start or pass",
                    in_file.len(),
                    in_database.len()
                ),
            ));
        }
    }
    let unshredded = erasure::ledgered_unshredded(conn)?;
    if unshredded > 0 {
        found.push(problem(
            "cases".into(),
            format!("{unshredded} case(s) the ledger names have their key back or are no tombstone"),
        ));
    }
    Ok((in_file.len(), found))
}
