//! The approvals page: what waits for a second person under the four-eyes rule (grants for
//! administrators and heads of delegation, erasures for administrators), with the buttons of
//! those who may decide. The decider is the signed-in person; the same `cases` operations as
//! the API decide, so the rule is the same on both paths.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::forms::Submitted;
use super::pages::{Nav, parse_id};
use super::session::Session;
use super::{WebError, page, see_other};
use crate::cases;
use crate::domain::{DelegationCode, ErasureRequestId, GrantRequestId, Role, UserId};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::error::ApiError;
use crate::http::grants::{email_token_link, tell};
use crate::store::users;

pub struct GrantLine {
    pub id: GrantRequestId,
    pub email: String,
    pub kind: String,
    pub role: String,
    pub delegation: String,
    pub requested_by: String,
    pub requested_at: String,
    pub approver: String,
    pub may_decide: bool,
}

pub struct ErasureLine {
    pub id: ErasureRequestId,
    pub reference: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub may_decide: bool,
}

#[derive(Template)]
#[template(path = "approvals.html", config = "src/http/ui/askama.toml")]
struct ApprovalsPage {
    nav: Nav,
    grants: Vec<GrantLine>,
    erasures: Vec<ErasureLine>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ApprovalsQuery {
    #[serde(default)]
    done: String,
}

/// The catalog key of the words for each `?done=` code (fixed texts: nothing from the address
/// is shown back).
fn notice_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "approved" => "approvals-done-approved",
        "invited" => "approvals-done-invited",
        "refused" => "approvals-done-refused",
        "erased" => "approvals-done-erased",
        _ => return None,
    })
}

fn for_deciders(session: &Session) -> Result<(), WebError> {
    if session.caller.role.is_admin() || session.caller.role == Role::HeadOfDelegation {
        Ok(())
    } else {
        Err(ApiError::Forbidden(crate::domain::Denied::ApprovalsPage).into())
    }
}

async fn approvals_page(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let admin = session.caller.role.is_admin();
    let (grants, erasures, people) = run(state, session.caller.clone(), req, None, move |conn, ctx| {
        let grants = cases::pending_grants(conn, ctx)?;
        let erasures = if admin {
            cases::pending_erasures(conn, ctx)?
        } else {
            Vec::new()
        };
        let ids: Vec<UserId> = erasures.iter().map(|e| e.requested_by).collect();
        let people = users::emails_of(conn, &ids)?;
        Ok((grants, erasures, people))
    })
    .await?;
    let zone = session.zone;
    let when = |at: chrono::DateTime<Utc>| session.tr.time(at, zone);
    let (tr, words) = (session.tr, session.tr.mail(state));
    let template = ApprovalsPage {
        nav: Nav::load(state, session, req).await?,
        grants: grants
            .into_iter()
            .map(|g| GrantLine {
                id: g.id,
                email: g.email,
                kind: cases::kind_text(g.kind).words(words),
                role: cases::role_text(g.role).words(words),
                delegation: g
                    .delegation
                    .clone()
                    .map(DelegationCode::into_string)
                    .unwrap_or_default(),
                requested_by: g.requested_by_email,
                requested_at: when(g.requested_at),
                approver: cases::approver_text(g.approver, g.delegation.as_ref()).words(words),
                may_decide: g.may_decide,
            })
            .collect(),
        erasures: erasures
            .into_iter()
            .map(|e| ErasureLine {
                id: e.id,
                reference: e.reference.into_string(),
                reason: cases::reason_text(e.reason).words(words),
                requested_by: people
                    .iter()
                    .find(|(id, _)| *id == e.requested_by)
                    .map_or_else(|| e.requested_by.to_string(), |(_, email)| email.clone()),
                requested_at: when(e.requested_at),
                may_decide: cases::may_approve_erasure(&session.caller, e.requested_by).is_ok(),
            })
            .collect(),
        notice: notice.map(|key| tr.t(key)),
        error,
    };
    page(status, &template)
}

/// `GET /ui/approvals`.
pub async fn approvals(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<ApprovalsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    for_deciders(&session)?;
    approvals_page(&state, &session, &req, StatusCode::OK, notice_of(&query.done), None).await
}

/// The page again, `422`, saying why a decision was refused.
async fn refused(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    why: String,
) -> Result<HttpResponse, WebError> {
    approvals_page(state, session, req, StatusCode::UNPROCESSABLE_ENTITY, None, Some(why)).await
}

/// `POST /ui/approvals/grants/{id}/approve` and `/refuse`: the signed-in person decides.
pub async fn decide_grant(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    for_deciders(&session)?;
    session.check(&Submitted::parse(&body))?;
    let (id, verb) = path.into_inner();
    let id: GrantRequestId = parse_id(&id)?;
    let approve = match verb.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(ApiError::NotFound.into()),
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        if approve {
            cases::approve_grant(conn, ctx, id)
        } else {
            cases::refuse_grant(conn, ctx, id)
        }
    })
    .await;
    match outcome {
        Ok(decided) => {
            tell(&state, &decided.notice).await;
            let done = match &decided.token_link {
                Some(link) => match email_token_link(&state, link).await {
                    Ok(()) => "/ui/approvals?done=invited",
                    Err(why) => {
                        return refused(
                            &state,
                            &session,
                            &req,
                            session.tr.arg("approvals-approved-but", "why", &why),
                        )
                        .await;
                    }
                },
                None if approve => "/ui/approvals?done=approved",
                None => "/ui/approvals?done=refused",
            };
            Ok(see_other(done))
        }
        Err(e) => match super::forms::refusal_said(&e, session.tr) {
            Some(why) => refused(&state, &session, &req, why).await,
            None => Err(e.into()),
        },
    }
}

/// `POST /ui/admin/erasures/{id}/approve`: the second admin's approval; the case is shredded.
pub async fn approve_erasure(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    for_deciders(&session)?;
    session.check(&Submitted::parse(&body))?;
    let id = parse_id(&id)?;
    let ledger = state.ledger.clone();
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::approve_erasure(conn, ctx, &ledger, id)
    })
    .await;
    match outcome {
        Ok(done) => {
            crate::http::cases::erased(&state, &done).await;
            Ok(see_other("/ui/approvals?done=erased"))
        }
        Err(e) => match super::forms::refusal_said(&e, session.tr) {
            Some(why) => refused(&state, &session, &req, why).await,
            None => Err(e.into()),
        },
    }
}
