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
pub mod ledger;
mod sealed;
pub mod signed;
mod verify;

use chrono::{DateTime, Utc};

use crate::crypto::{SigningKey, hex};
use crate::store::{Conn as PgConnection, StoreError, checkpoints};
pub use checkpoint::{Checkpoint, SignedLine};
pub use file::LineFile;
pub use sealed::{SealedReport, verify_sealed};
pub use signed::{LineError, LinkError, follow};
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

/// The process that signs checkpoints: its key, its file, and how often.
#[derive(Debug)]
pub struct Signer {
    pub key: SigningKey,
    pub file: LineFile,
    /// None: only after erasures and when asked.
    pub interval: Option<std::time::Duration>,
}

/// What a checkpoint signed after a restore carries: how many checkpoints the restored
/// database kept, where the access log was signed up to at the last of them, and the lines
/// after it, which the database lost.
struct Restore<'a> {
    kept: i64,
    access_after: i64,
    lost: &'a [SignedLine],
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
        self.file
            .exclusive(|| self.catch_up_holding(conn))
            .map_err(self.file_error())?
    }

    fn catch_up_holding(&self, conn: &mut PgConnection) -> Result<usize, AuditError> {
        let mut last = self.own_last()?;
        let after = last.as_ref().map_or(0, |line| line.entry.seq);
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
        self.sign(conn, now, None)
    }

    /// After `vigil restore`: the database holds the checkpoints of its backup, a prefix of the
    /// file's. The lines the file has beyond it are copied back into the database, and a
    /// checkpoint is signed that says so (`restored_from`), committing to the restored state and
    /// to the access log from where the backup's last checkpoint left it. Returns None when
    /// the database lost no checkpoint (its backup was taken after the latest).
    pub fn after_restore(&self, conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Option<Signed>, AuditError> {
        let public = self.key.public();
        let read = self.file.read().map_err(self.file_error())?;
        let (file, broken) = signed::chain::<Checkpoint>(&read.lines, &public);
        if let Some((number, e)) = broken {
            return Err(AuditError::Disagreement(format!(
                "line {number} of the checkpoint file {e}"
            )));
        }
        let stored = checkpoints::lines_after(conn, 0)?;
        if let Some((seq, _)) = stored
            .iter()
            .zip(&file)
            .map(|((seq, text), line)| (seq, text == line.text()))
            .find(|(_, same)| !same)
        {
            return Err(AuditError::Disagreement(format!(
                "the restored database's checkpoint {seq} is not the checkpoint file's: the backup is not of this deployment, or was changed"
            )));
        }
        if stored.len() > file.len() {
            // The file is behind the backup: it catches up, and nothing was lost.
            self.catch_up(conn)?;
            return Ok(None);
        }
        let kept = stored.len();
        if kept == file.len() {
            return Ok(None);
        }
        let restore = Restore {
            kept: i64::try_from(kept).unwrap_or(i64::MAX),
            access_after: kept.checked_sub(1).map_or(0, |last| file[last].entry.access_upto),
            lost: &file[kept..],
        };
        self.sign(conn, now, Some(restore))
    }

    fn sign(
        &self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
        restore: Option<Restore<'_>>,
    ) -> Result<Option<Signed>, AuditError> {
        let upto = checkpoints::access_boundary(conn)?;
        let public = self.key.public();
        let signed = checkpoints::as_signer(conn, |conn| -> Result<_, AuditError> {
            let stored = |seq: i64, text: &str| {
                SignedLine::parse(text, &public)
                    .map_err(|e| AuditError::Disagreement(format!("checkpoint {seq} in the database {e}")))
            };
            // After a restore, the lines the database lost go back first, in this transaction.
            for line in restore.as_ref().map_or(&[][..], |restore| restore.lost) {
                checkpoints::insert_checkpoint(conn, line.entry.seq, line.entry.at, line.text())?;
            }
            let last = match checkpoints::last_line(conn)? {
                None => None,
                Some((seq, text)) => Some(stored(seq, &text)?),
            };
            let (seq, prev) = SignedLine::next(last.as_ref());
            // The access log is signed on from where the last checkpoint left it; after a
            // restore, from where the backup's last checkpoint did.
            let after = match &restore {
                None => last.as_ref().map_or(0, |line| line.entry.access_upto),
                Some(restore) => restore.access_after,
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
                restored_from: restore.as_ref().map(|restore| restore.kept),
            };
            let line = SignedLine::sign(body, &self.key);
            checkpoints::insert_checkpoint(conn, seq, now, line.text())?;
            Ok(Signed {
                line: line.text().to_owned(),
                checkpoint: line.entry,
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
