//! Exporting a case: the case, its data and its whole timeline as one file age-encrypted to a
//! recipient the caller names, recorded in the access log.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::read::{opened, view_of};
use super::scope::{Reach, case_in_scope, reach, record_access};
use super::{CaseError, Context, issue};
use crate::crypto::Keys;
use crate::crypto::{self, keyring};
use crate::domain::AccessKind;
use crate::domain::CaseId;
use crate::domain::Reference;
use crate::domain::Role;
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseRow};
use crate::store::procedures;
use crate::store::procedures::ProcedureRow;
use crate::store::scheduled;
use crate::store::{access_log, events, keys};
use crate::workflow::Registry;

/// How many events are read and written at a time: memory follows this, not the timeline.
const EVENTS_AT_ONCE: i64 = 200;

/// An export whose reader was checked and recorded in the access log: what is left is to write
/// it. The bundle is one JSON object, `{"exported_at", "case", "timeline": [events, oldest
/// first], "attachments": [custody records, each with the file's bytes in "base64"]}`, sealed
/// to the recipient as it is written, the timeline read a page at a time and each file opened,
/// checked against its custody record and encoded as it goes.
pub struct Export {
    /// The case's reference, which names the file.
    pub reference: String,
    case: CaseRow,
    procedures: Vec<ProcedureRow>,
    recipient: String,
    now: DateTime<Utc>,
}

impl Export {
    fn new(case: CaseRow, procedures: Vec<ProcedureRow>, recipient: &str, now: DateTime<Utc>) -> Self {
        Self {
            reference: case.reference.clone().into_string(),
            case,
            procedures,
            recipient: recipient.to_owned(),
            now,
        }
    }

    /// Writes the sealed bundle to `out` as it is read, and gives `out` back once the last
    /// chunk is written. An error midway leaves `out` with a stream that `age -d` refuses as
    /// truncated, never with a bundle that looks whole.
    pub fn write_to<W: Write>(
        self,
        conn: &mut PgConnection,
        registry: &Registry,
        keys: &Keys,
        out: W,
    ) -> Result<W, CaseError> {
        let wrapped = keys::case_key(conn, &self.case.delegation, self.case.id)?.ok_or(CaseError::NotFound)?;
        let case_key = keys.keyring.open_case_key(&wrapped.wrapped)?;
        let upcoming = scheduled::pending_of_case(conn, &self.case.delegation, self.case.id)?;
        let (delegation, id) = (self.case.delegation.clone(), self.case.id);
        let view = view_of(registry, Role::System, self.case, self.procedures, upcoming, &case_key)?;
        let mut sealed = keyring::sealing_writer(&self.recipient, out)?;
        write!(sealed, "{{\"exported_at\":")?;
        serde_json::to_writer(&mut sealed, &self.now).map_err(json_error)?;
        write!(sealed, ",\"case\":")?;
        serde_json::to_writer(&mut sealed, &view).map_err(json_error)?;
        write!(sealed, ",\"timeline\":[")?;
        let (mut after, mut first) = (None, true);
        loop {
            let rows = events::events_page(conn, &delegation, id, after, EVENTS_AT_ONCE, None)?;
            let Some(last) = rows.last().map(|row| row.seq) else {
                break;
            };
            for event in opened(rows, &case_key)? {
                if !first {
                    write!(sealed, ",")?;
                }
                first = false;
                serde_json::to_writer(&mut sealed, &event).map_err(json_error)?;
            }
            after = Some(last);
        }
        write!(sealed, "],\"attachments\":[")?;
        for (n, attachment) in super::attachments::for_export(conn, keys, &delegation, id)?
            .into_iter()
            .enumerate()
        {
            // The custody record, then the bytes, in one object: `{…,"base64":"…"}`.
            let record = serde_json::to_string(&attachment.view).map_err(json_error)?;
            let open = record
                .strip_suffix('}')
                .ok_or_else(|| CaseError::Inconsistent("a custody record".into()))?;
            write!(sealed, "{}{open},\"base64\":\"", if n > 0 { "," } else { "" })?;
            let mut encoder =
                base64::write::EncoderWriter::new(&mut sealed, &base64::engine::general_purpose::STANDARD);
            attachment.write_to(conn, &mut encoder)?;
            encoder.finish()?;
            drop(encoder);
            write!(sealed, "\"}}")?;
        }
        writeln!(sealed, "]}}")?;
        Ok(sealed.finish()?)
    }
}

/// The bundle's parts (plain structs and JSON values) always serialise: serde_json fails here
/// only when its writer does.
fn json_error(e: serde_json::Error) -> CaseError {
    CaseError::Write(e.into())
}

/// Whether `recipient` is exactly one age X25519 recipient, what an export is sealed to:
/// checked before anything is read.
pub fn export_recipient(recipient: &str) -> Result<(), CaseError> {
    // Exactly one recipient, with nothing around it: what is sealed to is what was checked.
    Some(recipient)
        .filter(|r| !r.is_empty() && !r.contains(|c: char| c.is_whitespace() || c == ','))
        .and_then(|r| crypto::Recipients::parse(r).ok())
        .filter(|r| r.len() == 1)
        .map(drop)
        .ok_or_else(|| CaseError::Invalid(vec![issue("recipient", super::Problem::Recipient)]))
}

/// `POST /cases/{id}/export`: checks `recipient` and the caller's scope, and records the export
/// in the access log; [`Export::write_to`] then writes the case, its data and timeline,
/// age-encrypted to `recipient`.
pub fn export_case(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    recipient: &str,
) -> Result<Export, CaseError> {
    export_recipient(recipient)?;
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    if reach(ctx.registry, ctx.caller, &procedures) == Reach::ReviewsOnly {
        record_access(conn, ctx, &case, AccessKind::Denied)?;
        return Err(CaseError::NotFound);
    }
    record_access(conn, ctx, &case, AccessKind::Export)?;
    Ok(Export::new(case, procedures, recipient, ctx.now))
}

/// `vigil export case REF`: the same export for an operator at the server, recorded in the
/// access log with no user.
pub fn export_by_reference(
    conn: &mut PgConnection,
    reference: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<Export, CaseError> {
    export_recipient(recipient)?;
    let case = rows::case_by_reference(conn, &Reference::new(reference))?.ok_or(CaseError::NotFound)?;
    if case.erased_at.is_some() {
        return Err(CaseError::Erased);
    }
    let procedures = procedures::procedures_of(conn, &case.delegation, case.id)?;
    access_log::log_access(
        conn,
        None,
        Some(&case.delegation),
        Some(case.id),
        AccessKind::Export,
        None,
    )?;
    Ok(Export::new(case, procedures, recipient, now))
}
