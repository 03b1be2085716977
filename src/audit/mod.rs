//! Tamper evidence that needs no trust in the database.
//!
//! Every case's events form a hash chain (`store::events`); that alone is checked against the
//! database's own word. A signed checkpoint adds what someone who can write the database
//! cannot forge: a commitment, signed with a key the database never holds, to every chain's
//! head (a Merkle root), to the access log so far and to the administrative log's head, chained to the checkpoint before it and
//! appended to a file outside the database. `vigil audit verify` checks the chains, the
//! procedures against their events, the file, and the database against the file; `vigil audit
//! prove` shows one case's head included in the latest checkpoint, checkable offline.
//!
//! The projection check covers each procedure's state, version and plain fields and the case
//! row's plain fields, owner and version; with the identity (`--sealed`, `sealed.rs`), also
//! the case's confidential object and each procedure's sealed fields.

pub mod checkpoint;
pub mod file;
mod sealed;
mod verify;

use chrono::{DateTime, Utc};

use crate::crypto::{PublicKey, SigningKey, hex};
use crate::store::{Conn as PgConnection, StoreError, checkpoints};
pub use checkpoint::{Checkpoint, LineError, SignedLine};
pub use file::CheckpointFile;
pub use sealed::{SealedReport, verify_sealed};
pub use verify::{Problem, Proof, Report, check_proof, prove, verify};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the checkpoint file {path}: {source}")]
    File {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file and the database disagree: nothing is signed until someone looks.
    #[error("refusing to sign: {0} (run `vigil audit verify`)")]
    Disagreement(String),
    #[error("no case has the reference given")]
    UnknownCase,
    #[error("no checkpoint has been signed yet")]
    NoCheckpoint,
}

/// Why a line does not follow the one before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("{0}")]
    Line(#[from] LineError),
    #[error("is checkpoint {found} where checkpoint {expected} belongs")]
    OutOfOrder { expected: i64, found: i64 },
    #[error("does not follow the checkpoint before it")]
    Unlinked,
}

/// Reads `text` as the checkpoint after `previous` (None: the first), signed under `key`.
pub fn follow(previous: Option<&SignedLine>, text: &str, key: &PublicKey) -> Result<SignedLine, LinkError> {
    let line = SignedLine::parse(text, key)?;
    let (expected, prev) = match previous {
        None => (1, checkpoint::no_previous()),
        Some(before) => (before.checkpoint.seq + 1, before.hash()),
    };
    if line.checkpoint.seq != expected {
        return Err(LinkError::OutOfOrder {
            expected,
            found: line.checkpoint.seq,
        });
    }
    if line.checkpoint.prev != prev {
        return Err(LinkError::Unlinked);
    }
    Ok(line)
}

/// The process that signs checkpoints: its key, its file, and how often.
#[derive(Debug)]
pub struct Signer {
    pub key: SigningKey,
    pub file: CheckpointFile,
    /// None: only after erasures and when asked.
    pub interval: Option<std::time::Duration>,
}

/// A checkpoint just signed.
#[derive(Debug, Clone)]
pub struct Signed {
    pub checkpoint: Checkpoint,
    /// Its line, as appended to the file.
    pub line: String,
    /// Leaves recorded because their case changed since the checkpoint before.
    pub changed: usize,
}

impl Signer {
    fn file_error(&self) -> impl FnOnce(std::io::Error) -> AuditError + '_ {
        |source| AuditError::File {
            path: self.file.path().to_owned(),
            source,
        }
    }

    /// The file's last line, its signature checked (the whole file's links are `verify`'s
    /// to check: reading only its end keeps a checkpoint's cost flat as the file grows).
    fn own_last(&self) -> Result<Option<SignedLine>, AuditError> {
        let last = self.file.last_line().map_err(self.file_error())?;
        let Some(text) = last else { return Ok(None) };
        let text =
            text.map_err(|()| AuditError::Disagreement("the checkpoint file ends in the middle of a line".into()))?;
        SignedLine::parse(&text, &self.key.public())
            .map(Some)
            .map_err(|e| AuditError::Disagreement(format!("the last line of the checkpoint file {e}")))
    }

    /// Appends to this process's file the checkpoints other processes signed, each checked to
    /// follow the one before under this key. Returns how many were appended.
    pub fn catch_up(&self, conn: &mut PgConnection) -> Result<usize, AuditError> {
        let mut last = self.own_last()?;
        let after = last.as_ref().map_or(0, |line| line.checkpoint.seq);
        let newer = checkpoints::lines_after(conn, after)?;
        if newer.is_empty()
            && let Some((seq, _)) = checkpoints::last_line(conn)?
            && seq < after
        {
            return Err(AuditError::Disagreement(format!(
                "the checkpoint file reaches checkpoint {after} and the database only {seq}"
            )));
        }
        let mut appended = Vec::new();
        for (seq, text) in &newer {
            let line = follow(last.as_ref(), text, &self.key.public())
                .map_err(|e| AuditError::Disagreement(format!("checkpoint {seq} in the database {e}")))?;
            appended.push(text.as_str());
            last = Some(line);
        }
        self.file.append(&appended).map_err(self.file_error())?;
        Ok(appended.len())
    }

    /// Signs a checkpoint now, unless another process is signing one: records the changed
    /// leaves and the line in the database, then appends it to the file.
    pub fn checkpoint(&self, conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Option<Signed>, AuditError> {
        self.catch_up(conn)?;
        let upto = checkpoints::access_boundary(conn)?;
        let public = self.key.public();
        let signed = checkpoints::as_signer(conn, |conn| -> Result<_, AuditError> {
            let last = match checkpoints::last_line(conn)? {
                None => None,
                Some((seq, text)) => Some(
                    SignedLine::parse(&text, &public)
                        .map_err(|e| AuditError::Disagreement(format!("checkpoint {seq} in the database {e}")))?,
                ),
            };
            let (seq, prev, after) = match &last {
                None => (1, checkpoint::no_previous(), 0),
                Some(line) => (line.checkpoint.seq + 1, line.hash(), line.checkpoint.access_upto),
            };
            let upto = upto.max(after);
            let access = checkpoints::access_segment(conn, after, upto)?;
            let changed = checkpoints::record_changed_leaves(conn, seq)?;
            let (admin_seq, admin_head) = crate::store::admin_log::head(conn)?;
            let leaves = checkpoints::current_leaves(conn)?;
            let tree = checkpoint::Tree::of(&leaves);
            let body = Checkpoint {
                format: checkpoint::FORMAT,
                seq,
                at: now,
                prev,
                cases: tree.len(),
                root: tree.root(),
                access_upto: upto,
                access_rows: access.rows,
                access_hash: hex::encode(&access.hash),
                admin_seq,
                admin_head: hex::encode(&admin_head),
                key: public.to_string(),
            };
            let line = SignedLine::sign(body, &self.key);
            checkpoints::insert_checkpoint(conn, seq, now, line.text())?;
            Ok(Signed {
                line: line.text().to_owned(),
                checkpoint: line.checkpoint,
                changed,
            })
        })?;
        if signed.is_some() {
            self.catch_up(conn)?;
        }
        Ok(signed)
    }

    /// Signs a checkpoint if one is due (see [`checkpoints::due`]); always brings the file up
    /// to the database first.
    pub fn checkpoint_if_due(&self, conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Option<Signed>, AuditError> {
        if !checkpoints::due(conn, self.interval, now)? {
            self.catch_up(conn)?;
            return Ok(None);
        }
        self.checkpoint(conn, now)
    }
}
