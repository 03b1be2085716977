//! Exporting a case: the case, its data and its whole timeline as one file age-encrypted to a
//! recipient the caller names, recorded in the access log.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::read::{CaseView, EventView, events_of, view_of};
use super::scope::{Reach, case_in_scope, reach, record_access};
use super::{CaseError, Context, issue};
use crate::crypto::Keys;
use crate::crypto::{self, keyring};
use crate::domain::AccessKind;
use crate::domain::CaseId;
use crate::domain::Reference;
use crate::domain::{Role, Sensitive};
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseRow};
use crate::store::procedures;
use crate::store::procedures::ProcedureRow;
use crate::store::scheduled;
use crate::store::{access_log, keys};
use crate::workflow::Registry;

/// What an export holds: the case as a reader sees it, and its whole timeline.
#[derive(Debug, Serialize)]
struct Bundle {
    exported_at: DateTime<Utc>,
    case: CaseView,
    timeline: Vec<EventView>,
}

fn bundle(
    conn: &mut PgConnection,
    registry: &Registry,
    keys: &Keys,
    case: CaseRow,
    procedures: Vec<ProcedureRow>,
    now: DateTime<Utc>,
    recipient: &str,
) -> Result<Vec<u8>, CaseError> {
    let key = keys::case_key(conn, &case.delegation, case.id)?.ok_or(CaseError::NotFound)?;
    let case_key = keys.keyring.open_case_key(&key.wrapped)?;
    let timeline = events_of(conn, &case, &case_key)?;
    let upcoming = scheduled::pending_of_case(conn, &case.delegation, case.id)?;
    let case = view_of(registry, Role::System, case, procedures, upcoming, &case_key)?;
    let json = serde_json::to_vec_pretty(&Bundle {
        exported_at: now,
        case,
        timeline,
    })
    .map_err(|e| CaseError::Inconsistent(e.to_string()))?;
    Ok(keyring::seal(recipient, &Sensitive::new(json))?)
}

/// Checks an export recipient before anything is read.
fn export_recipient(recipient: &str) -> Result<(), CaseError> {
    // Exactly one recipient, with nothing around it: what is sealed to is what was checked.
    Some(recipient)
        .filter(|r| !r.is_empty() && !r.contains(|c: char| c.is_whitespace() || c == ','))
        .and_then(|r| crypto::Recipients::parse(r).ok())
        .filter(|r| r.len() == 1)
        .map(drop)
        .ok_or_else(|| CaseError::Invalid(vec![issue("recipient", "must be one age X25519 recipient (age1…)")]))
}

/// `POST /cases/{id}/export`: the case, its data and timeline, age-encrypted to `recipient`;
/// recorded in the access log.
pub fn export_case(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    recipient: &str,
) -> Result<(String, Vec<u8>), CaseError> {
    export_recipient(recipient)?;
    let (case, procedures) = case_in_scope(conn, ctx, id)?;
    if reach(ctx.registry, ctx.caller, &procedures) == Reach::ReviewsOnly {
        record_access(conn, ctx, &case, AccessKind::Denied)?;
        return Err(CaseError::NotFound);
    }
    record_access(conn, ctx, &case, AccessKind::Export)?;
    let reference = case.reference.clone();
    let sealed = bundle(conn, ctx.registry, ctx.keys, case, procedures, ctx.now, recipient)?;
    Ok((reference.into_string(), sealed))
}

/// `vigil export case REF`: the same bundle for an operator at the server, recorded in the access
/// log with no user.
pub fn export_by_reference(
    conn: &mut PgConnection,
    registry: &Registry,
    keys: &Keys,
    reference: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, CaseError> {
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
    bundle(conn, registry, keys, case, procedures, now, recipient)
}
