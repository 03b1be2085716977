//! The API of the four-eyes rule: grant requests (asked for by an administrator, decided by a
//! second person), the erasures waiting for a second administrator, and the emails that tell
//! the people concerned, sent once a change has committed.

use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::auth::Caller;
use super::cases::{parse_id, run, run_change_keeping};
use super::error::ApiError;
use super::idempotency::{Answer, Idempotent};
use crate::cases::{self, GrantAsk, Notice, TokenLink};
use crate::domain::GrantRequestId;

/// Mails `notice` to each of its addresses, after the change it tells of has committed; a
/// failure is logged (by count, naming nobody) and the change stands: the request is listed
/// for its deciders either way.
pub(super) async fn tell(state: &AppState, notice: &Notice) {
    let Some(mailer) = state.mailer.as_ref() else {
        return;
    };
    let approvals = format!("{}ui/approvals", mailer.public_url);
    let mut failed = 0_usize;
    for to in &notice.to {
        let words = mailer.catalog.words_for(to.language.as_deref());
        let email = crate::mail::message::four_eyes(&notice.text, &approvals, words);
        if crate::mail::deliver(&mailer.outbox, &mailer.from, &to.email, email)
            .await
            .is_err()
        {
            failed += 1;
        }
    }
    if failed > 0 {
        tracing::warn!(failed, of = notice.to.len(), "four-eyes notices not sent");
    }
}

/// Emails `link`'s owner the one-time link to their token; an error names no secret.
pub(super) async fn email_token_link(state: &AppState, link: &TokenLink) -> Result<(), String> {
    let mailer = state.mailer.as_ref().ok_or_else(no_mail)?;
    let url = format!("{}ui/sign-in/token/{}", mailer.public_url, link.secret.expose());
    let words = mailer.catalog.words_for(link.language.as_deref());
    let message = crate::mail::message::token_link(&url, cases::TOKEN_LINK_LIFETIME.num_minutes(), words);
    crate::mail::deliver(&mailer.outbox, &mailer.from, &link.email, message)
        .await
        .map_err(|e| {
            tracing::warn!(user.id = %link.user_id, error = %e, "no token link sent");
            "the link could not be emailed; ask for another token for them later".to_owned()
        })
}

pub(super) fn no_mail() -> String {
    "this server sends no email, so no token can reach its owner from here; use `vigil users add` or `vigil tokens issue` on the server".into()
}

/// Ask for a grant that reaches cases (administrators).
///
/// A new user, another role or delegation, or enabling a disabled user again: `202 Accepted`,
/// since nothing changes until a second person approves it (the head of the delegation for its
/// focal points, another administrator otherwise).
#[utoipa::path(post, path = "/api/v1/grant-requests", tag = "grants", operation_id = "request_grant",
    params(super::api_doc::IdempotencyKey),
    request_body = GrantAsk,
    responses((status = 202, description = "Asked: nothing changes until a second person approves", body = cases::GrantAsked,
            headers(("Location" = String, description = "The request's address"))),
        (status = 403, description = "Only administrators ask for grants"),
        (status = 404, description = "No such user"),
        (status = 422, description = "The grant is not one that can be asked for")))]
pub async fn request_grant(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<GrantAsk>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ask = body.into_inner();
    if matches!(ask, GrantAsk::NewUser { .. }) && state.mailer.is_none() {
        return Err(ApiError::Invalid(no_mail()));
    }
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &ask, ASKED)?;
    let (response, asked) = run_change_keeping(&state, caller, &req, idempotent, ASKED, move |conn, ctx| {
        cases::request_grant(conn, ctx, ask)
    })
    .await?;
    if let Some(asked) = asked {
        tell(&state, &asked.notice).await;
    }
    Ok(response)
}

/// A grant asked for: `202 Accepted` (nothing changes until it is approved), found at its address.
const ASKED: Answer = Answer {
    status: actix_web::http::StatusCode::ACCEPTED,
    locate: |asked| {
        asked["request_id"]
            .as_str()
            .map(|id| format!("/api/v1/grant-requests/{id}"))
    },
};

/// Items waiting for a second person.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Pending<T> {
    items: Vec<T>,
}

/// Grants waiting for a second person.
///
/// All of them for administrators, their delegation's for a head of delegation.
#[utoipa::path(get, path = "/api/v1/grant-requests", tag = "grants", operation_id = "pending_grants",
    responses((status = 200, description = "Grants waiting for a second person", body = Pending<cases::PendingGrant>),
        (status = 403, description = "For administrators and heads of delegation")))]
pub async fn pending_grants(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let items = run(&state, caller, &req, None, cases::pending_grants).await?;
    Ok(HttpResponse::Ok().json(Pending { items }))
}

/// Approve a grant, as the signed-in caller; it takes effect at once.
///
/// Never its requester, never the person it is for. An approved new user is emailed a one-time
/// link to their first token.
#[utoipa::path(post, path = "/api/v1/grant-requests/{id}/approve", tag = "grants", operation_id = "approve_grant",
    params(("id" = GrantRequestId, Path, description = "The grant request"), super::api_doc::IdempotencyKey),
    responses((status = 200, description = "Approved: the grant takes effect at once", body = cases::GrantDecided),
        (status = 403, description = "Never its requester, never the person it is for; only its approver"),
        (status = 404, description = "No such request waiting"),
        (status = 422, description = "The grant can no longer take effect")))]
pub async fn approve_grant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    decide_grant(&state, caller, &id, &req, true).await
}

/// Refuse a grant, as the signed-in caller (the same people as may approve it); nothing changes.
#[utoipa::path(post, path = "/api/v1/grant-requests/{id}/refuse", tag = "grants", operation_id = "refuse_grant",
    params(("id" = GrantRequestId, Path, description = "The grant request"), super::api_doc::IdempotencyKey),
    responses((status = 200, description = "Refused: nothing changes", body = cases::GrantDecided),
        (status = 403, description = "The same people as may approve it"),
        (status = 404, description = "No such request waiting")))]
pub async fn refuse_grant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    decide_grant(&state, caller, &id, &req, false).await
}

async fn decide_grant(
    state: &AppState,
    caller: Caller,
    id: &str,
    req: &HttpRequest,
    approve: bool,
) -> Result<HttpResponse, ApiError> {
    let id: GrantRequestId = parse_id(id)?;
    let idempotent = Idempotent::of(state, req, caller.user_id, &serde_json::json!({}), Answer::OK)?;
    let (response, decided) = run_change_keeping(state, caller, req, idempotent, Answer::OK, move |conn, ctx| {
        if approve {
            cases::approve_grant(conn, ctx, id)
        } else {
            cases::refuse_grant(conn, ctx, id)
        }
    })
    .await?;
    if let Some(decided) = decided {
        tell(state, &decided.notice).await;
        // A link that cannot be emailed now is logged (naming no secret); the user gets
        // another from an administrator's "Issue a token".
        if let Some(link) = &decided.token_link {
            let _ = email_token_link(state, link).await;
        }
    }
    Ok(response)
}

/// An erasure waiting for its second administrator.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PendingErasure {
    id: crate::domain::ErasureRequestId,
    reference: crate::domain::Reference,
    reason: crate::domain::ErasureReason,
    requested_by: crate::domain::UserId,
    requested_at: chrono::DateTime<chrono::Utc>,
    /// Whether the caller may approve it.
    may_decide: bool,
}

/// Erasures waiting for a second administrator (for administrators).
#[utoipa::path(get, path = "/api/v1/erasure-requests", tag = "erasure", operation_id = "pending_erasures",
    responses((status = 200, description = "Erasures waiting for a second administrator", body = Pending<PendingErasure>),
        (status = 403, description = "For administrators")))]
pub async fn pending_erasures(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let items = run(&state, caller, &req, None, |conn, ctx| {
        Ok(cases::pending_erasures(conn, ctx)?
            .into_iter()
            .map(|e| PendingErasure {
                may_decide: cases::may_approve_erasure(ctx.caller, e.requested_by).is_ok(),
                id: e.id,
                reference: e.reference,
                reason: e.reason,
                requested_by: e.requested_by,
                requested_at: e.requested_at,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Pending { items }))
}
