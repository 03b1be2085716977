//! The application layer for cases and procedures: opening, reading, listing, editing,
//! exporting and erasing a case; starting a procedure and taking a transition; the timeline;
//! and the grants that reach cases, under the same four-eyes rule as erasure.
//! This is where the pure engine, the keys and the store meet; each change is one database
//! transaction, so a state change, its event and its scheduled work land together or not at all
//! (ARCHITECTURE.md, invariant 7). It knows no HTTP: statuses and URLs are decided in `http/`.
//!
//! Who may see a case is decided in one place, [`scope`]; what a request may hold, in
//! [`validate`].

mod admin_log;
pub mod attachments;
mod calendar;
mod claims;
mod edit;
mod erasure;
mod export;
mod grants;
pub mod holidays;
mod list;
mod needs;
mod open;
pub mod preferences;
mod problem;
mod read;
mod schema;
mod scope;
mod transition;
mod validate;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::crypto::Keys;
use crate::crypto::{CryptoError, keyring};
use crate::domain::CaseId;
use crate::domain::{Principal, Sensitive};
use crate::store::scheduled;
use crate::store::{Conn as PgConnection, StoreError};
use crate::workflow::Registry;
use crate::workflow::engine::{Data, Refusal};

pub use crate::store::cases::CaseLink;
pub use admin_log::{DEFAULT_LOG_PAGE, MAX_LOG_PAGE, admin_log_page};
pub use calendar::calendar_for_case;
pub use claims::{Claim, claim};
pub use edit::{CasePatch, Patched, patch_case, set_blind_index};
pub use erasure::{
    EraseRequest, Erased, ErasureRequested, LedgerApplied, apply_erasure_ledger, approve_erasure, may_approve_erasure,
    pending_erasures, reason_text, request_erasure, request_erasure_by_reference,
};
pub use export::{Export, export_by_reference, export_case, export_recipient};
pub use grants::{
    GrantAsk, GrantAsked, GrantDecided, Notice, PendingGrant, TOKEN_LINK_LIFETIME, TokenLink, approve_grant,
    approver_text, kind_text, new_token_link, pending_grants, refuse_grant, request_grant, role_text,
};
pub use list::{
    CaseOrder, CasePage, CaseSummary, DEFAULT_PAGE, ListQuery, MAX_PAGE, ProcedureSummary, QueueEntry, SEARCH_LIMIT,
    SearchRequest, list_cases, review_queue, search,
};
pub use needs::{Counts, DueItem, HORIZON_DAYS, NeedsMe, Waiting, counts, needs_me};
pub use open::{
    OpenCaseRequest, OpenProcedureRequest, Opened, StartProcedureRequest, StartedProcedure, open_case, start_procedure,
};
pub use problem::Problem;
pub use read::{
    ActionView, CaseView, DEFAULT_ACCESS_PAGE, DEFAULT_TIMELINE_PAGE, DueView, EventView, MAX_ACCESS_PAGE,
    MAX_TIMELINE_PAGE, ProcedureView, access_log, available_actions, read_case, read_case_with_timeline,
    read_procedure, timeline,
};
pub use schema::{ActionName, ConfidentialChange, NewConfidential, StateName, WorkflowName};
pub use scope::{colleagues, office_members_among, visible};
pub use transition::{NEW_OWNER, StartedView, TransitionRequest, Transitioned, transition};
pub use validate::Paged;

/// What every case operation needs besides the connection: who asks, when, and with what keys.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub registry: &'a Registry,
    pub keys: &'a Keys,
    pub caller: &'a Principal,
    pub now: DateTime<Utc>,
    /// The request's id, for the access log.
    pub request_id: Option<&'a str>,
    /// Where a change records its answer for retries with the same `Idempotency-Key`.
    pub idempotency: Option<&'a dyn Recorder>,
    /// The scheduled timer a system transition carries out, marked done in the same transaction.
    pub completes: Option<&'a scheduled::DueItem>,
}

/// Where a change records its answer for retries, inside the change's own transaction (the
/// HTTP layer's `Idempotency-Key`): the application layer hands over the answer, and knows
/// nothing of keys, statuses or locations.
pub trait Recorder: std::fmt::Debug + Sync {
    /// Records `answer` of a change of the case `case` (whose erasure deletes it; None: a
    /// change of no case, such as a grant); a unique violation means a twin with the same key
    /// committed first.
    fn record(&self, conn: &mut PgConnection, case: Option<CaseId>, answer: &Value) -> Result<(), StoreError>;
}

/// A change's answer: recorded for retries when the request asked for it, in the change's own
/// transaction, then returned.
fn answer<T: Serialize>(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    case: Option<CaseId>,
    value: T,
) -> Result<T, CaseError> {
    if let Some(recorder) = ctx.idempotency {
        let recorded = serde_json::to_value(&value).map_err(|e| CaseError::Inconsistent(e.to_string()))?;
        recorder.record(conn, case, &recorded).map_err(|e| {
            if e.is_unique_violation() {
                CaseError::Replayed
            } else {
                CaseError::Store(e)
            }
        })?;
    }
    Ok(value)
}

impl From<crate::audit::AuditError> for CaseError {
    fn from(e: crate::audit::AuditError) -> Self {
        match e {
            crate::audit::AuditError::Store(e) => Self::Store(e),
            other => Self::Ledger(other),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("the request is not valid")]
    Invalid(Vec<FieldIssue>),
    #[error("{0}")]
    Forbidden(crate::domain::Denied),
    #[error("no such case or procedure")]
    NotFound,
    #[error("the procedure changed since it was read: its version is now {current_version}")]
    Stale { current_version: i64 },
    /// The case changed since the version the request names (an edit's `If-Match`).
    #[error("the case changed since it was read: its version is now {current_version}")]
    StaleCase { current_version: i64 },
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("{0}")]
    Inconsistent(String),
    /// The erasure ledger could not be written or does not agree with the database.
    #[error(transparent)]
    Ledger(crate::audit::AuditError),
    /// What was being written (an export's stream, a report's CSV) could not be: the reader
    /// went away, or the disk is full.
    #[error("the answer could not be written: {0}")]
    Write(#[from] std::io::Error),
    /// The case was erased: only its tombstone remains.
    #[error("this case was erased")]
    Erased,
    /// A request with the same `Idempotency-Key` completed first; answer with its response.
    #[error("a request with this Idempotency-Key completed first")]
    Replayed,
    /// An upload over the largest file allowed (in bytes).
    #[error("the file is larger than the {limit} bytes allowed")]
    TooLarge { limit: u64 },
    /// An upload past what the case's attachments may take together (in bytes).
    #[error("the case's attachments may take {quota} bytes together; this file would pass that")]
    QuotaExceeded { quota: u64 },
    /// An attachment's bytes or custody record are not what was recorded when it arrived.
    #[error("the attachment failed its custody check")]
    Custody,
    /// A claim on an item of the EUSR queue that cannot be made (another reviewer holds it, or
    /// the item is not in the queue); the reason names no one.
    #[error("{0}")]
    Taken(crate::domain::Denied),
}

/// One field at fault, named by its JSON path; the problem never quotes the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldIssue {
    pub field: String,
    #[schema(value_type = String)]
    pub problem: Problem,
}

impl CaseError {
    /// A refusal of one field, saying what is wrong with it, never what was sent.
    pub fn invalid(field: &str, problem: Problem) -> Self {
        Self::Invalid(vec![issue(field, problem)])
    }
}

fn issue(field: &str, problem: Problem) -> FieldIssue {
    FieldIssue {
        field: field.to_owned(),
        problem,
    }
}

/// The version of its workflow a procedure runs on; one that is not loaded is an inconsistency
/// (every recorded version is loaded at start-up).
fn workflow_of<'r>(
    registry: &'r Registry,
    procedure: &crate::store::procedures::ProcedureRow,
) -> Result<&'r crate::workflow::Workflow, CaseError> {
    registry
        .version(&procedure.workflow, &procedure.workflow_version)
        .map(|workflow| workflow.as_ref())
        .ok_or_else(|| {
            CaseError::Inconsistent(format!(
                "workflow {}@{} is not loaded",
                procedure.workflow, procedure.workflow_version
            ))
        })
}

/// The address of the user `id`, for a notice (the id itself if no such user).
fn email_of(conn: &mut PgConnection, id: crate::domain::UserId) -> Result<String, CaseError> {
    Ok(crate::store::users::user(conn, id)?.map_or_else(|| id.to_string(), |user| user.email))
}

/// Microsecond precision, as PostgreSQL stores it, so event hashes can be recomputed.
fn now_micros(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

fn to_object(data: Data) -> Value {
    Value::Object(data.into_iter().collect())
}

fn seal_data(recipient: &str, data: &Sensitive<Data>) -> Result<Option<Vec<u8>>, CryptoError> {
    if data.expose().is_empty() {
        return Ok(None);
    }
    keyring::seal_json(recipient, &Sensitive::new(to_object(data.expose().clone()))).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_views_never_debug_print_confidential_data() {
        let request: OpenCaseRequest = serde_json::from_value(serde_json::json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Ana Secret"},
            "procedure": {"workflow": "demarche", "data": {"key_messages": "Ana Secret"}}
        }))
        .unwrap();
        assert!(!format!("{request:?}").contains("Ana"), "{request:?}");
        let transition: TransitionRequest = serde_json::from_value(serde_json::json!({
            "action": "add_note", "expected_version": 1, "data": {"note": "Ana Secret"}
        }))
        .unwrap();
        assert!(!format!("{transition:?}").contains("Ana"));
        let patch: CasePatch =
            serde_json::from_value(serde_json::json!({"confidential": {"location": "Ana Secret"}})).unwrap();
        assert!(!format!("{patch:?}").contains("Ana"));
    }
}
