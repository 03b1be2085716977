//! The projection check of sealed data: each live case's confidential object, and each of its
//! procedures' sealed fields, must be what its events' sealed data makes them. The events'
//! ciphertexts are covered by their hashes (and so by the chain and the checkpoints); the rows
//! beside them are not, and anyone who can write the database can seal new data to a case's
//! recipient, which is stored in clear. Opening needs the case keys, so this runs with the
//! identity (`vigil audit verify --sealed`); every case it opens is recorded in the access log
//! first, as a read by no user. Values are compared, never shown: a problem names the case and
//! the procedure, not a field or what it holds.

use serde_json::{Map, Value};

use super::AuditError;
use super::verify::Problem;
use crate::crypto::{Keys, keyring};
use crate::domain::{AccessKind, Sensitive};
use crate::store::Conn as PgConnection;
use crate::store::access_log;
use crate::store::audit::{SealedCase, changes_data, live_cases, sealed_case};
use crate::store::events::EventRow;

/// What the sealed check read, and found.
#[derive(Debug, Clone, Default)]
pub struct SealedReport {
    pub cases: usize,
    pub problems: Vec<Problem>,
}

/// Why the access log says a case was opened.
pub const PURPOSE: &str = "vigil audit verify --sealed";

/// Checks every live case's sealed data against its events, with `keys`.
pub fn verify_sealed(conn: &mut PgConnection, keys: &Keys) -> Result<SealedReport, AuditError> {
    let mut report = SealedReport::default();
    for (delegation, id) in live_cases(conn)? {
        let Some(case) = sealed_case(conn, &delegation, id)? else {
            continue; // Erased since the list was read.
        };
        access_log::log_access(conn, None, Some(&delegation), Some(id), AccessKind::Read, Some(PURPOSE))?;
        report.cases += 1;
        report.problems.extend(check_case(&case, keys));
    }
    Ok(report)
}

fn problem(case: &SealedCase, point: &str, text: &str) -> Problem {
    Problem {
        place: case.reference.clone(),
        point: point.to_owned(),
        problem: text.to_owned(),
    }
}

/// The object `bytes` opens to under `key`; an opened non-object counts as an empty one.
fn opened(key: &keyring::CaseKey, bytes: &[u8]) -> Option<Sensitive<Map<String, Value>>> {
    match keyring::open_json(key, bytes).ok()?.into_inner() {
        Value::Object(map) => Some(Sensitive::new(map)),
        _ => Some(Sensitive::new(Map::new())),
    }
}

/// What a run of events' sealed data makes: each event's object laid over the ones before it,
/// a `null` removing its field (as an edit of the confidential object does). None: one of
/// them does not open.
fn folded<'a>(key: &keyring::CaseKey, events: impl Iterator<Item = &'a EventRow>) -> Option<Map<String, Value>> {
    let mut fields = Map::new();
    for event in events {
        let Some(sealed) = &event.sealed else { continue };
        for (name, value) in opened(key, sealed)?.into_inner() {
            if value.is_null() {
                fields.remove(&name);
            } else {
                fields.insert(name, value);
            }
        }
    }
    Some(fields)
}

fn check_case(case: &SealedCase, keys: &Keys) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(wrapped) = &case.wrapped else {
        problems.push(problem(case, "key", "the case is not erased, and its key row is gone"));
        return problems;
    };
    let Ok(key) = keys.keyring.open_case_key(wrapped) else {
        problems.push(problem(
            case,
            "key",
            "the case's key does not open with the identity given",
        ));
        return problems;
    };
    let case_level = case
        .events
        .iter()
        .filter(|e| e.procedure_id.is_none() && changes_data(e));
    match (folded(&key, case_level), opened(&key, &case.sealed)) {
        (Some(from_events), Some(stored)) if from_events == *stored.expose() => {}
        (None, _) => problems.push(problem(
            case,
            "events",
            "an event's sealed data does not open with the case's key",
        )),
        (_, None) => problems.push(problem(case, "confidential data", "does not open with the case's key")),
        _ => problems.push(problem(case, "confidential data", "is not what its events set")),
    }
    for (procedure, sealed) in &case.procedures {
        let own = case
            .events
            .iter()
            .filter(|e| e.procedure_id == Some(*procedure) && changes_data(e));
        let stored = match sealed {
            Some(bytes) => opened(&key, bytes),
            None => Some(Sensitive::new(Map::new())),
        };
        let point = format!("procedure {procedure}");
        match (folded(&key, own), stored) {
            (Some(from_events), Some(stored)) if from_events == *stored.expose() => {}
            (None, _) => problems.push(problem(
                case,
                &point,
                "an event's sealed data does not open with the case's key",
            )),
            (_, None) => problems.push(problem(
                case,
                &point,
                "its sealed data does not open with the case's key",
            )),
            _ => problems.push(problem(case, &point, "its sealed data is not what its events set")),
        }
    }
    problems
}
