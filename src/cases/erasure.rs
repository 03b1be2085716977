//! Erasure by crypto-shredding, under the four-eyes rule of grants ([`crate::domain::may_decide`]):
//! one admin requests it, another approves, and the case's key row goes with the approval,
//! leaving a tombstone. Request and approval are told to the case delegation's heads and to the
//! administrators, by reference only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::grants::{NoticeText, text};
use super::{CaseError, Context, MAX_PAGE, Notice, Problem, answer, email_of, issue, now_micros};
use crate::audit::ledger::{Ledger, LedgerLine};
use crate::domain::ErasureReason;
use crate::domain::Reference;
use crate::domain::{ActorKind, AdminAct, Approver, Proposal, may_decide};
use crate::domain::{CaseId, ErasureRequestId};
use crate::store::Conn as PgConnection;
use crate::store::cases as rows;
use crate::store::events::{Chain, NewEvent};
use crate::store::{admin_log, erasure, grants, keys};

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// A code: `defender_request`, `retention_expired`, `data_protection_order` or `opened_in_error`.
    #[schema(value_type = crate::domain::ErasureReason)]
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErasureRequested {
    pub request_id: ErasureRequestId,
    pub case_id: CaseId,
    pub reference: Reference,
    #[serde(skip)]
    pub notice: Notice,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erased {
    pub case_id: CaseId,
    pub erased_at: DateTime<Utc>,
    #[serde(skip)]
    pub notice: Notice,
    /// The erasure's line of the ledger, committed with it: for the caller to write to the
    /// ledger file ([`Ledger::write`]) once the transaction has committed.
    #[serde(skip)]
    pub ledger_line: Option<LedgerLine>,
}

/// Who hears of an erasure asked for or done: the heads of the case's delegation and the
/// administrators; by reference, which names nobody.
fn notice(
    conn: &mut PgConnection,
    delegation: &crate::domain::DelegationCode,
    text: NoticeText,
) -> Result<Notice, CaseError> {
    Ok(Notice {
        to: grants::told_of(conn, std::slice::from_ref(delegation), true)?,
        text,
    })
}

/// Why a case is erased, in words: "at the defender's request" …
pub fn reason_text(reason: ErasureReason) -> NoticeText {
    let id = match reason {
        ErasureReason::DefenderRequest => "erasure-reason-defender_request",
        ErasureReason::RetentionExpired => "erasure-reason-retention_expired",
        ErasureReason::DataProtectionOrder => "erasure-reason-data_protection_order",
        ErasureReason::OpenedInError => "erasure-reason-opened_in_error",
    };
    NoticeText::new(id, vec![])
}

fn admin_only(ctx: &Context<'_>) -> Result<(), CaseError> {
    if ctx.caller.role.is_admin() {
        Ok(())
    } else {
        Err(CaseError::Forbidden(crate::domain::Denied::Erasure))
    }
}

/// Whether `caller` may approve an erasure `requested_by` asked for: the four-eyes rule, with a
/// second administrator as the approver.
pub fn may_approve_erasure(
    caller: &crate::domain::Principal,
    requested_by: crate::domain::UserId,
) -> Result<(), crate::domain::NotYours> {
    let proposal = Proposal {
        approver: Approver::Admin,
        delegation: None,
        requested_by,
        subject: None,
    };
    may_decide(caller, &proposal)
}

/// The erasures waiting for a second admin, for admins.
pub fn pending_erasures(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<Vec<erasure::PendingErasure>, CaseError> {
    admin_only(ctx)?;
    Ok(erasure::pending_erasures(conn, MAX_PAGE)?)
}

/// How many waiting erasures the caller may approve (none unless an administrator, never their
/// own request), at most [`MAX_PAGE`] looked at.
pub(super) fn decidable(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<usize, CaseError> {
    if !ctx.caller.role.is_admin() {
        return Ok(0);
    }
    Ok(erasure::pending_erasures(conn, MAX_PAGE)?
        .iter()
        .filter(|pending| may_approve_erasure(ctx.caller, pending.requested_by).is_ok())
        .count())
}

/// As [`request_erasure`], naming the case by its reference (admins see no case to pick from).
pub fn request_erasure_by_reference(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    reference: &str,
    request: EraseRequest,
) -> Result<ErasureRequested, CaseError> {
    admin_only(ctx)?;
    let case = rows::case_by_reference(conn, &Reference::new(reference.trim()))?
        .ok_or_else(|| CaseError::Invalid(vec![issue("reference", Problem::NoSuchReference)]))?;
    request_erasure(conn, ctx, case.id, request)
}

/// The first of the two admins asks for a case to be erased; nothing changes yet.
pub fn request_erasure(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    request: EraseRequest,
) -> Result<ErasureRequested, CaseError> {
    admin_only(ctx)?;
    let reason: ErasureReason = request.reason.parse().map_err(|e: crate::domain::NotInVocabulary| {
        CaseError::Invalid(vec![issue("reason", Problem::NotInVocabulary(e))])
    })?;
    let case = rows::case_by_id(conn, id)?.ok_or(CaseError::NotFound)?;
    if case.erased_at.is_some() {
        return Err(CaseError::Erased);
    }
    let request_id = ErasureRequestId::random();
    crate::store::transaction(conn, |conn| {
        erasure::insert_erasure_request(
            conn,
            &erasure::ErasureRequest {
                id: request_id,
                delegation: case.delegation.clone(),
                case_id: id,
                reason,
                requested_by: ctx.caller.user_id,
                approved_by: None,
            },
        )
        .map_err(|e| {
            if e.is_unique_violation() {
                CaseError::Forbidden(crate::domain::Denied::ErasureWaiting)
            } else {
                CaseError::Store(e)
            }
        })?;
        admin_log::append(
            conn,
            &admin_log::NewEntry {
                actor: Some(ctx.caller.user_id),
                act: AdminAct::ErasureRequested,
                subject: None,
                delegation: Some(case.delegation.clone()),
                detail: serde_json::json!({ "reference": case.reference, "reason": reason }),
            },
            ctx.now,
        )?;
        let requester = email_of(conn, ctx.caller.user_id)?;
        let notice = notice(
            conn,
            &case.delegation,
            NoticeText::new(
                "erasure-requested",
                vec![
                    ("requester", text(&requester)),
                    ("reference", text(case.reference.as_str())),
                    ("delegation", text(case.delegation.as_str())),
                    ("reason", reason_text(reason).into()),
                ],
            ),
        )?;
        let done = ErasureRequested {
            request_id,
            case_id: id,
            reference: case.reference.clone(),
            notice,
        };
        answer(conn, ctx, Some(id), done)
    })
}

/// A second admin approves: the case key is deleted, the case becomes a tombstone, and the
/// erasure is signed into the ledger (its database copy here; the caller writes the file).
pub fn approve_erasure(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    ledger: &Ledger,
    request_id: ErasureRequestId,
) -> Result<Erased, CaseError> {
    admin_only(ctx)?;
    let at = now_micros(ctx.now);
    crate::store::transaction(conn, |conn| {
        let request = erasure::lock_erasure_request(conn, request_id)?.ok_or(CaseError::NotFound)?;
        if request.approved_by.is_some() {
            return Err(CaseError::Erased);
        }
        may_approve_erasure(ctx.caller, request.requested_by)
            .map_err(|e| CaseError::Forbidden(crate::domain::Denied::NotYours(e)))?;
        let locked = rows::lock_case(conn, &request.delegation, request.case_id)?.ok_or(CaseError::NotFound)?;
        let key = keys::case_key(conn, &request.delegation, request.case_id)?;
        erasure::erase(conn, &request, ctx.caller.user_id, at)?;
        let ledger_line = ledger.append(conn, &request.delegation, request.case_id, request.reason, at)?;
        // This process forgets the unwrapped key at once (other replicas' copies expire within
        // a minute, and without the key row nothing can ask for them).
        if let Some(key) = &key {
            ctx.keys.keyring.forget_case_key(&key.wrapped);
        }
        let mut chain = Chain::after(&request.delegation, request.case_id, locked.head());
        chain.push(NewEvent {
            procedure_id: None,
            action: "erase_case".into(),
            from_state: None,
            to_state: None,
            actor_id: Some(ctx.caller.user_id),
            actor_kind: ActorKind::User,
            at,
            plain: serde_json::json!({ "reason": request.reason, "requested_by": request.requested_by }),
            sealed: None,
        });
        rows::commit_change(conn, &chain, at, None, rows::Version::Next)?;
        admin_log::append(
            conn,
            &admin_log::NewEntry {
                actor: Some(ctx.caller.user_id),
                act: AdminAct::ErasureApproved,
                subject: Some(request.requested_by),
                delegation: Some(request.delegation.clone()),
                detail: serde_json::json!({ "reference": locked.reference, "reason": request.reason }),
            },
            at,
        )?;
        let approver = email_of(conn, ctx.caller.user_id)?;
        let notice = notice(
            conn,
            &request.delegation,
            NoticeText::new(
                "erasure-done",
                vec![
                    ("approver", text(&approver)),
                    ("reference", text(locked.reference.as_str())),
                    ("delegation", text(request.delegation.as_str())),
                ],
            ),
        )?;
        let done = Erased {
            case_id: request.case_id,
            erased_at: at,
            notice,
            ledger_line: Some(ledger_line),
        };
        answer(conn, ctx, Some(request.case_id), done)
    })
}

/// What [`apply_erasure_ledger`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerApplied {
    /// Erasures the ledger holds.
    pub erasures: usize,
    /// Lines only the database had, now in the file.
    pub to_file: usize,
    /// Lines only the file had, now back in the database.
    pub to_database: usize,
    /// Cases the ledger names that had their key back (a restored backup), shredded again.
    pub shredded: usize,
}

/// Makes every erasure in the ledger true again, in one transaction: file and database are
/// brought to the same lines, and each case a line names that has its key row back, or is no
/// tombstone, is shredded again (with an `erase_case` event by Vigil naming the ledger line).
/// Run at every start and after every restore, before anything is served.
pub fn apply_erasure_ledger(
    conn: &mut PgConnection,
    ledger: &Ledger,
    now: DateTime<Utc>,
) -> Result<LedgerApplied, CaseError> {
    let at = now_micros(now);
    crate::store::transaction(conn, |conn| {
        let reconciled = ledger.reconcile(conn)?;
        let ids: Vec<CaseId> = reconciled.erasures.iter().map(|e| e.case_id).collect();
        let unshredded = erasure::unshredded(conn, &ids)?;
        for (delegation, case_id) in &unshredded {
            let Some(line) = reconciled.erasures.iter().find(|e| e.case_id == *case_id) else {
                continue;
            };
            let locked = rows::lock_case(conn, delegation, *case_id)?.ok_or(CaseError::NotFound)?;
            erasure::shred(conn, delegation, *case_id, line.at)?;
            let mut chain = Chain::after(delegation, *case_id, locked.head());
            chain.push(NewEvent {
                procedure_id: None,
                action: "erase_case".into(),
                from_state: None,
                to_state: None,
                actor_id: None,
                actor_kind: ActorKind::System,
                at,
                plain: serde_json::json!({ "reason": line.reason, "ledger_seq": line.seq }),
                sealed: None,
            });
            rows::commit_change(conn, &chain, at, None, rows::Version::Next)?;
        }
        Ok(LedgerApplied {
            erasures: reconciled.erasures.len(),
            to_file: reconciled.to_file,
            to_database: reconciled.to_database,
            shredded: unshredded.len(),
        })
    })
}
