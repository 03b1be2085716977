//! Evidence attached to a case: each file sealed to the case's key as it arrives (age's
//! streaming format, 64 KiB chunks), stored in rows of ciphertext, and recorded by a custody
//! event in the case's hash chain that seals what the file is: its name, SHA-256, size and
//! media type (detected from its bytes). A download opens it as it is read, checks its hash
//! and size against the custody event, and is recorded in the access log; a file whose bytes
//! are not those recorded is an error and an alert, and never reaches its reader whole.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::scope::{Reach, case_in_scope, reach, record_access};
use super::{CaseError, Context, Problem, issue, now_micros};
use crate::crypto::{hex, keyring};
use crate::domain::{AccessKind, ActorKind, AttachmentId, CaseId, ProcedureId, Sensitive, UserId};
use crate::store::attachments::{self as rows, AttachmentRow, CHUNK_BYTES};
use crate::store::cases::{self as case_rows, CaseRow};
use crate::store::events::{self, Chain, NewEvent};
use crate::store::keys;
use crate::store::{Conn as PgConnection, StoreError};

/// The custody event's action.
pub use crate::domain::ATTACH_ACTION;

/// How much of a file's start its media type is detected from.
const SNIFFED_BYTES: usize = 8 * 1024;

/// The longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 255;

/// What an upload may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file, in bytes (`VIGIL_MAX_ATTACHMENT`).
    pub max_bytes: u64,
    /// What one case's attachments may take together, as stored (`VIGIL_ATTACHMENT_QUOTA`).
    pub quota_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            quota_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// What the custody event seals: what the file is.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Custody {
    name: String,
    sha256: String,
    size: u64,
    media_type: String,
}

/// An attachment as its readers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: AttachmentId,
    /// The file's name as it was uploaded.
    #[schema(value_type = String)]
    pub name: Sensitive<String>,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type, detected from its bytes (never the uploader's word for it).
    pub media_type: String,
    /// The SHA-256 of its bytes, recorded when it arrived: the chain of custody.
    pub sha256: String,
    pub procedure: Option<ProcedureId>,
    pub uploaded_by: UserId,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    /// Its custody event's place in the case's timeline.
    pub event_seq: i64,
}

/// Whether `name` is a file name Vigil keeps: not empty, no path, no control characters.
pub fn check_name(name: &str) -> Result<(), CaseError> {
    let problem = if name.trim().is_empty() {
        Some(Problem::Required)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(Problem::TooLong { max: MAX_NAME_CHARS })
    } else if name.contains(['/', '\\']) || name == "." || name == ".." {
        Some(Problem::NotFileName)
    } else if name.chars().any(char::is_control) {
        Some(Problem::ControlCharacters)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(CaseError::Invalid(vec![issue("filename", problem)])),
        None => Ok(()),
    }
}

/// The case, if the caller may attach to it and read its attachments: in scope (else not
/// found), its delegation's staff for a change, the EUSR office while it reviews it.
fn attachable(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    changing: bool,
) -> Result<(CaseRow, Vec<crate::store::procedures::ProcedureRow>), CaseError> {
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    if case.erased_at.is_some() {
        return Err(CaseError::Erased);
    }
    if reach(ctx.registry, ctx.caller, &procedures) == Reach::ReviewsOnly {
        record_access(conn, ctx, &case, AccessKind::Denied)?;
        return Err(CaseError::NotFound);
    }
    if changing && !ctx.caller.role.is_delegation_staff() {
        return Err(CaseError::Forbidden(crate::domain::Denied::AttachesFiles));
    }
    Ok((case, procedures))
}

/// A stored attachment, as its upload answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub id: AttachmentId,
    pub size: u64,
    pub media_type: String,
    pub sha256: String,
    pub event_seq: i64,
    /// The case's version after the custody event.
    pub version: i64,
}

/// What an upload says of its file before its bytes.
#[derive(Debug, Clone)]
pub struct Arriving {
    pub case: CaseId,
    /// The procedure it belongs to, if it belongs to one.
    pub procedure: Option<ProcedureId>,
    pub name: String,
    /// The size the client announced, if it did.
    pub declared: Option<u64>,
}

/// `POST /cases/{id}/attachments`: seals `body` to the case as it is read, stores it and
/// records its custody event, all in one transaction: a body that fails midway (the client
/// went away), is larger than allowed or would pass the case's quota leaves nothing.
/// An announced size over the limit is refused before anything is read.
pub fn upload<B: AsRef<[u8]>>(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    file: Arriving,
    limits: Limits,
    body: impl Iterator<Item = io::Result<B>>,
) -> Result<Uploaded, CaseError> {
    let Arriving {
        case: id,
        procedure,
        name,
        declared,
    } = file;
    check_name(&name)?;
    match declared {
        Some(0) => return Err(empty()),
        Some(size) if size > limits.max_bytes => {
            return Err(CaseError::TooLarge {
                limit: limits.max_bytes,
            });
        }
        _ => {}
    }
    let (case, procedures) = attachable(conn, ctx, id, true)?;
    if procedure.is_some_and(|p| !procedures.iter().any(|known| known.id == p)) {
        return Err(CaseError::Invalid(vec![issue("procedure", Problem::NotCaseProcedure)]));
    }
    let at = now_micros(ctx.now);
    crate::store::transaction(conn, |conn| {
        let locked = case_rows::lock_case(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
        let used = u64::try_from(rows::stored_bytes_of_case(conn, &case.delegation, id)?).unwrap_or(u64::MAX);
        let room = limits.quota_bytes.saturating_sub(used);
        let key = keys::case_key(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
        let attachment = AttachmentId::random();
        let store = ChunkRows {
            conn: &mut *conn,
            delegation: &case.delegation,
            attachment,
            pending: Vec::with_capacity(CHUNK_BYTES),
            stored: 0,
            chunks: 0,
            hash: Sha256::new(),
        };
        let mut sealing = keyring::sealing_writer(&key.recipient, store)?;
        let (mut size, mut hash, mut head) = (0u64, Sha256::new(), Vec::new());
        for piece in body {
            let piece = piece?;
            let piece = piece.as_ref();
            size += piece.len() as u64;
            if size > limits.max_bytes {
                return Err(CaseError::TooLarge {
                    limit: limits.max_bytes,
                });
            }
            if size > room {
                return Err(CaseError::QuotaExceeded {
                    quota: limits.quota_bytes,
                });
            }
            hash.update(piece);
            if head.len() < SNIFFED_BYTES {
                head.extend_from_slice(&piece[..piece.len().min(SNIFFED_BYTES - head.len())]);
            }
            sealing.write_all(piece)?;
        }
        if size == 0 {
            return Err(empty());
        }
        // A body shorter than it said it was did not arrive whole.
        if declared.is_some_and(|declared| declared != size) {
            return Err(CaseError::Write(io::Error::other(
                "the body is not the length it announced",
            )));
        }
        let (stored, chunks, ciphertext_hash) = sealing.finish()?.close()?;
        // What age adds (its header, 16 bytes a chunk) counts too.
        if stored > room {
            return Err(CaseError::QuotaExceeded {
                quota: limits.quota_bytes,
            });
        }
        let custody = Custody {
            name,
            sha256: hex::encode(&hash.finalize()),
            size,
            media_type: media_type(&head).to_owned(),
        };
        let sealed = keyring::seal_json(
            &key.recipient,
            &Sensitive::new(serde_json::to_value(&custody).map_err(|e| CaseError::Inconsistent(e.to_string()))?),
        )?;
        let mut chain = Chain::after(&case.delegation, id, locked.head());
        let event_seq = chain.push(NewEvent {
            procedure_id: procedure,
            action: ATTACH_ACTION.into(),
            from_state: None,
            to_state: None,
            actor_id: Some(ctx.caller.user_id),
            actor_kind: ActorKind::User,
            at,
            // What a reader of the database may see anyway (the stored size), and the hash of
            // the ciphertext, which tells nothing of the file (age seals each file with a key
            // of its own) and lets the stored bytes be checked against the chain without a key.
            plain: json!({"attachment": attachment, "stored_bytes": stored, "ciphertext_sha256": ciphertext_hash}),
            sealed: Some(sealed),
        });
        rows::insert_attachment(
            conn,
            &AttachmentRow {
                delegation: case.delegation.clone(),
                id: attachment,
                case_id: id,
                procedure_id: procedure,
                event_seq,
                uploaded_by: ctx.caller.user_id,
                created_at: at,
                stored_bytes: i64::try_from(stored).unwrap_or(i64::MAX),
                chunks,
            },
        )?;
        let version = case_rows::commit_change(conn, &chain, at, None, case_rows::Version::Next)?;
        Ok(Uploaded {
            id: attachment,
            size,
            media_type: custody.media_type,
            sha256: custody.sha256,
            event_seq,
            version,
        })
    })
}

fn empty() -> CaseError {
    CaseError::Invalid(vec![issue("body", Problem::EmptyFile)])
}

/// The media type of a file that starts with `head`, from its bytes alone.
fn media_type(head: &[u8]) -> &'static str {
    match infer::get(head) {
        Some(kind) => kind.mime_type(),
        None if std::str::from_utf8(head).is_ok() => "text/plain",
        // A multi-byte character may be cut at the end of what was sniffed.
        None if std::str::from_utf8(&head[..head.len().saturating_sub(3)]).is_ok() => "text/plain",
        None => "application/octet-stream",
    }
}

/// Where the sealed bytes go: rows of at most [`CHUNK_BYTES`], hashed as they pass.
struct ChunkRows<'a> {
    conn: &'a mut PgConnection,
    delegation: &'a crate::domain::DelegationCode,
    attachment: AttachmentId,
    pending: Vec<u8>,
    stored: u64,
    chunks: i32,
    hash: Sha256,
}

impl ChunkRows<'_> {
    fn store_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        rows::insert_chunk(self.conn, self.delegation, self.attachment, self.chunks, &self.pending)
            .map_err(io::Error::other)?;
        self.hash.update(&self.pending);
        self.chunks += 1;
        self.pending.clear();
        Ok(())
    }

    /// Stores what is left; gives the bytes stored, the chunks and the ciphertext's SHA-256.
    fn close(mut self) -> io::Result<(u64, i32, String)> {
        self.store_pending()?;
        Ok((self.stored, self.chunks, hex::encode(&self.hash.finalize())))
    }
}

impl Write for ChunkRows<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stored += buf.len() as u64;
        let mut rest = buf;
        while !rest.is_empty() {
            let take = rest.len().min(CHUNK_BYTES - self.pending.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == CHUNK_BYTES {
                self.store_pending()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The custody records of a case's attachments, opened: `GET /cases/{id}/attachments`,
/// recorded in the access log as a read.
pub fn list(conn: &mut PgConnection, ctx: &Context<'_>, id: CaseId) -> Result<Vec<AttachmentView>, CaseError> {
    let (case, _) = attachable(conn, ctx, id, false)?;
    let attachments = rows::attachments_of_case(conn, &case.delegation, id)?;
    record_access(conn, ctx, &case, AccessKind::Read)?;
    if attachments.is_empty() {
        return Ok(Vec::new());
    }
    let key = keys::case_key(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
    let case_key = ctx.keys.keyring.open_case_key(&key.wrapped)?;
    attachments
        .into_iter()
        .map(|row| {
            let custody = custody_of(conn, &row, &case_key)?;
            Ok(view(row, custody))
        })
        .collect()
}

fn view(row: AttachmentRow, custody: Custody) -> AttachmentView {
    AttachmentView {
        id: row.id,
        name: Sensitive::new(custody.name),
        size: custody.size,
        media_type: custody.media_type,
        sha256: custody.sha256,
        procedure: row.procedure_id,
        uploaded_by: row.uploaded_by,
        uploaded_at: row.created_at,
        event_seq: row.event_seq,
    }
}

/// What the custody event of `row` says the file is.
fn custody_of(conn: &mut PgConnection, row: &AttachmentRow, case_key: &keyring::CaseKey) -> Result<Custody, CaseError> {
    let event = events::events_page(conn, &row.delegation, row.case_id, Some(row.event_seq - 1), 1, None)?
        .into_iter()
        .next()
        .filter(|e| e.seq == row.event_seq && e.action == ATTACH_ACTION)
        .ok_or_else(|| custody_broken(row, "its custody event is missing"))?;
    if event.plain.get("attachment") != Some(&json!(row.id)) {
        return Err(custody_broken(row, "its custody event names another attachment"));
    }
    let sealed = event
        .sealed
        .as_deref()
        .ok_or_else(|| custody_broken(row, "its custody event holds nothing sealed"))?;
    serde_json::from_value(keyring::open_json(case_key, sealed)?.into_inner())
        .map_err(|_| custody_broken(row, "its custody record cannot be read"))
}

/// A custody check that failed: logged as an alert (ids only), an error to the caller.
fn custody_broken(row: &AttachmentRow, why: &str) -> CaseError {
    tracing::error!(
        alert = "custody",
        case.id = %row.case_id,
        attachment.id = %row.id,
        "an attachment failed its custody check: {why}"
    );
    CaseError::Custody
}

/// A download whose reader was checked and recorded in the access log: what is left is to
/// write it ([`Download::write_to`]).
pub struct Download {
    pub view: AttachmentView,
    row: AttachmentRow,
    case_key: keyring::CaseKey,
}

/// `GET /cases/{id}/attachments/{aid}`: checks the caller's scope, records the read in the
/// access log and opens the custody record.
pub fn download(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    attachment: AttachmentId,
) -> Result<Download, CaseError> {
    let (case, _) = attachable(conn, ctx, id, false)?;
    let row = rows::attachment(conn, &case.delegation, id, attachment)?.ok_or(CaseError::NotFound)?;
    record_access(conn, ctx, &case, AccessKind::Attachment)?;
    let key = keys::case_key(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
    let case_key = ctx.keys.keyring.open_case_key(&key.wrapped)?;
    let custody = custody_of(conn, &row, &case_key)?;
    Ok(Download {
        view: view(row.clone(), custody),
        row,
        case_key,
    })
}

/// A case's attachments, each ready to be opened into an export (whose reader the export
/// checked and recorded in the access log), oldest first.
pub(super) fn for_export(
    conn: &mut PgConnection,
    keys: &crate::crypto::Keys,
    delegation: &crate::domain::DelegationCode,
    id: CaseId,
) -> Result<Vec<Download>, CaseError> {
    let attachments = rows::attachments_of_case(conn, delegation, id)?;
    if attachments.is_empty() {
        return Ok(Vec::new());
    }
    let wrapped = keys::case_key(conn, delegation, id)?
        .ok_or(CaseError::NotFound)?
        .wrapped;
    attachments
        .into_iter()
        .map(|row| {
            let case_key = keys.keyring.open_case_key(&wrapped)?;
            let custody = custody_of(conn, &row, &case_key)?;
            Ok(Download {
                view: view(row.clone(), custody),
                row,
                case_key,
            })
        })
        .collect()
}

/// How many ciphertext rows are read at a time.
const CHUNKS_AT_ONCE: i64 = 4;

impl Download {
    /// Writes the file to `out` as it is opened, checking it against its custody record: its
    /// last piece is held back until the whole file's SHA-256 and size are those recorded, so
    /// a file that fails the check never reaches its reader whole (the answer is cut off, and
    /// the failure logged as an alert).
    pub fn write_to<W: Write>(self, conn: &mut PgConnection, out: W) -> Result<W, CaseError> {
        let Self { view, row, case_key } = self;
        // A store error while reading is the database failing, not the file: kept here to
        // tell the two apart, whatever age makes of the read error it passes on.
        let mut failed = None;
        let stored = StoredBytes {
            conn,
            row: &row,
            next: 0,
            buffer: Vec::new(),
            at: 0,
            failed: &mut failed,
        };
        let mut opened = match keyring::opening_reader(&case_key, stored) {
            Ok(opened) => opened,
            Err(_) => return Err(unreadable(&row, failed, "it cannot be opened")),
        };
        let mut held = HoldBack { out, held: Vec::new() };
        let (mut hash, mut size) = (Sha256::new(), 0u64);
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = match opened.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => {
                    drop(opened);
                    return Err(unreadable(&row, failed, "its stored bytes do not open"));
                }
            };
            hash.update(&buffer[..n]);
            size += n as u64;
            held.write_all(&buffer[..n])?;
        }
        if size != view.size || hex::encode(&hash.finalize()) != view.sha256 {
            return Err(custody_broken(&row, "its bytes are not those recorded when it arrived"));
        }
        Ok(held.release()?)
    }
}

/// Why a stored file could not be read: the store's own error if reading it failed (the
/// database is down or broken: unavailable, not an alert), else a broken custody.
fn unreadable(row: &AttachmentRow, failed: Option<StoreError>, why: &str) -> CaseError {
    match failed {
        Some(e) => CaseError::Store(e),
        None => custody_broken(row, why),
    }
}

/// The stored ciphertext of an attachment, read a few rows at a time, in order; a missing
/// row is a read error. A store error is kept in `failed` (and is a read error too).
struct StoredBytes<'a> {
    conn: &'a mut PgConnection,
    row: &'a AttachmentRow,
    next: i32,
    buffer: Vec<u8>,
    at: usize,
    failed: &'a mut Option<StoreError>,
}

impl Read for StoredBytes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.buffer.len() {
            if self.next >= self.row.chunks {
                return Ok(0);
            }
            let chunks = match rows::chunks(self.conn, &self.row.delegation, self.row.id, self.next, CHUNKS_AT_ONCE) {
                Ok(chunks) => chunks,
                Err(e) => {
                    *self.failed = Some(e);
                    return Err(io::Error::other("the store could not be read"));
                }
            };
            self.buffer.clear();
            self.at = 0;
            for (seq, bytes) in chunks {
                if seq != self.next {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "a chunk is missing"));
                }
                self.buffer.extend_from_slice(&bytes);
                self.next += 1;
            }
            if self.buffer.is_empty() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "a chunk is missing"));
            }
        }
        let n = buf.len().min(self.buffer.len() - self.at);
        buf[..n].copy_from_slice(&self.buffer[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A writer that passes everything on but what was written last, until it is released.
struct HoldBack<W: Write> {
    out: W,
    held: Vec<u8>,
}

impl<W: Write> Write for HoldBack<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.held.is_empty() {
            self.out.write_all(&self.held)?;
        }
        self.held.clear();
        self.held.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> HoldBack<W> {
    fn release(mut self) -> io::Result<W> {
        self.out.write_all(&self.held)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_a_name_without_a_path_or_control_characters() {
        for good in ["report.pdf", "Décision du mécanisme.docx", "photo 1.jpg", "..hidden"] {
            assert!(check_name(good).is_ok(), "{good:?} refused");
        }
        for bad in [
            "",
            "  ",
            "../etc/passwd",
            "a/b",
            "a\\b",
            "line\nbreak",
            "tab\t",
            ".",
            "..",
        ] {
            assert!(matches!(check_name(bad), Err(CaseError::Invalid(_))), "{bad:?} kept");
        }
        assert!(check_name(&"x".repeat(256)).is_err());
    }

    #[test]
    fn the_media_type_comes_from_the_bytes() {
        assert_eq!(media_type(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(media_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), "image/jpeg");
        assert_eq!(
            media_type(b"<!DOCTYPE html><html><script>alert(1)</script>"),
            "text/html"
        );
        assert_eq!(media_type("plain words, é".as_bytes()), "text/plain");
        assert_eq!(media_type(&[0, 159, 146, 150, 0, 1]), "application/octet-stream");
    }

    #[test]
    fn held_back_writes_reach_the_reader_only_when_released() {
        let mut held = HoldBack {
            out: Vec::new(),
            held: Vec::new(),
        };
        held.write_all(b"one").unwrap();
        held.write_all(b"two").unwrap();
        assert_eq!(held.out, b"one");
        assert_eq!(held.release().unwrap(), b"onetwo");
    }
}
