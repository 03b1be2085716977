//! The administrators' page: users and their tokens, grant requests (a new user, another role,
//! enabling again: decided by a second person on the approvals page), reminders and timers that
//! gave up, and erasure requests. Tokens and disabling run the same `commands` as `vigil users …`
//! and `vigil tokens …`; grants, erasure and retries the same `cases` operations as the API.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::forms::Submitted;
use super::pages::{Nav, Pick, parse_id};
use super::session::Session;
use super::{WebError, page, see_other};
use crate::cases::{self, CaseError, EraseRequest, GrantAsk, TokenLink};
use crate::commands;
use crate::domain::{Approver, DelegationCode, ErasureReason, Role};
use crate::domain::{ScheduledId, UserId};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::error::ApiError;
use crate::http::grants::{email_token_link, no_mail, tell};
use crate::store::users;

fn admin_only(session: &Session) -> Result<(), WebError> {
    if session.caller.role.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(crate::domain::Denied::AdminPage).into())
    }
}

/// The form of an administrator's change: refused for anyone else, or without the session's token.
fn admin_form(session: &Session, body: &[u8]) -> Result<Submitted, WebError> {
    admin_only(session)?;
    let form = Submitted::parse(body);
    session.check(&form)?;
    Ok(form)
}

pub struct UserLine {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub delegation: String,
    pub disabled: bool,
}

pub struct DeadLine {
    pub id: ScheduledId,
    pub reference: String,
    pub what: String,
    pub due: String,
    pub attempts: i32,
}

#[derive(Template)]
#[template(path = "admin.html", config = "src/http/ui/askama.toml")]
struct AdminPage {
    nav: Nav,
    users: Vec<UserLine>,
    dead: Vec<DeadLine>,
    /// How many grants and erasures wait for a decision (on the approvals page).
    waiting: i64,
    roles: Vec<Pick>,
    reasons: Vec<Pick>,
    notice: Option<String>,
    error: Option<String>,
    /// The address a one-time link to a new token was just emailed to.
    sent: Option<String>,
    /// What the add-user form held when it was refused.
    form: Submitted,
}

#[derive(Debug, Default, Deserialize)]
pub struct AdminQuery {
    #[serde(default)]
    done: String,
}

/// The catalog key of the words for each `?done=` code a change redirects with (fixed texts:
/// nothing from the address is shown back).
fn notice_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "disabled" => "admin-done-disabled",
        "revoked" => "admin-done-revoked",
        "retried" => "admin-done-retried",
        "requested" => "admin-done-requested",
        "asked_head" => "admin-done-asked_head",
        "asked_admin" => "admin-done-asked_admin",
        _ => return None,
    })
}

/// What the page shows besides its lists.
#[derive(Default)]
struct Shown {
    notice: Option<&'static str>,
    error: Option<String>,
    sent: Option<String>,
    form: Submitted,
}

async fn admin_page(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, WebError> {
    let Shown {
        notice,
        error,
        sent,
        form,
    } = shown;
    let words = session.tr.mail(state);
    let (users, dead, waiting) = run(state, session.caller.clone(), req, None, |conn, ctx| {
        let users = users::list_users(conn)?;
        let dead = crate::reminders::admin::scheduled(conn, ctx, "dead")?;
        let waiting = cases::pending_erasures(conn, ctx)?.len() + cases::pending_grants(conn, ctx)?.len();
        Ok((users, dead, waiting))
    })
    .await?;
    let zone = session.zone;
    let when = |at: chrono::DateTime<Utc>| session.tr.time(at, zone);
    let template = AdminPage {
        nav: Nav::load(state, session, req).await?,
        dead: dead
            .into_iter()
            .map(|d| DeadLine {
                id: d.id,
                reference: d.reference.into_string(),
                what: format!(
                    "{} {}",
                    session.tr.t(&format!("kind-{}", d.kind.as_str())),
                    d.message.or(d.action).unwrap_or_default()
                ),
                due: when(d.due_at),
                attempts: d.attempts,
            })
            .collect(),
        waiting: i64::try_from(waiting).unwrap_or(i64::MAX),
        users: users
            .iter()
            .map(|u| UserLine {
                id: u.id,
                email: u.email.clone(),
                name: u.display_name.clone(),
                role: cases::role_text(u.role).words(words),
                delegation: u
                    .delegation
                    .clone()
                    .map(DelegationCode::into_string)
                    .unwrap_or_default(),
                disabled: u.disabled_at.is_some(),
            })
            .collect(),
        roles: [
            Role::FocalPoint,
            Role::HeadOfDelegation,
            Role::EusrReviewer,
            Role::Admin,
        ]
        .into_iter()
        .map(|r| Pick {
            selected: form.get("role") == Some(r.as_str()),
            value: r.as_str().to_owned(),
            label: cases::role_text(r).words(words),
        })
        .collect(),
        reasons: ErasureReason::ALL
            .iter()
            .map(|r| Pick {
                selected: false,
                value: r.as_str().to_owned(),
                label: cases::reason_text(*r).words(words),
            })
            .collect(),
        notice: notice.map(|key| session.tr.t(key)),
        error,
        sent,
        form,
    };
    page(status, &template)
}

/// `GET /ui/admin`.
pub async fn admin(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<AdminQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let shown = Shown {
        notice: notice_of(&query.done),
        ..Shown::default()
    };
    admin_page(&state, &session, &req, StatusCode::OK, shown).await
}

/// Runs one of the `commands` (blocking, as the command line runs them) off the server's threads.
async fn command<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&crate::store::Db) -> anyhow::Result<T> + Send + 'static,
) -> Result<anyhow::Result<T>, WebError> {
    let db = state.db.clone();
    web::block(move || work(&db))
        .await
        .map_err(|e| WebError::Api(ApiError::Internal(Box::new(e))))
}

/// `POST /ui/admin/users`: asks for a new user, under the four-eyes rule: once a second person
/// approves, the user exists and is emailed a one-time link to their first token, which no one
/// else ever sees.
pub async fn add_user(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = admin_form(&session, &body)?;
    if state.mailer.is_none() {
        return refused_keeping(&state, &session, &req, no_mail(), form).await;
    }
    let ask = GrantAsk::NewUser {
        email: form.text("email").to_owned(),
        role: form.text("role").to_owned(),
        delegation: Some(form.text("delegation").to_owned()),
        name: Some(form.text("name").to_owned()),
    };
    ask_for_grant(&state, &session, &req, ask, form).await
}

/// `POST /ui/admin/users/{id}/grant`: asks for another role or delegation for a user.
pub async fn change_user(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = admin_form(&session, &body)?;
    let ask = GrantAsk::Change {
        user_id: parse_id(&id)?,
        role: form.text("role").to_owned(),
        delegation: Some(form.text("delegation").to_owned()),
    };
    ask_for_grant(&state, &session, &req, ask, Submitted::default()).await
}

/// `POST /ui/admin/users/{id}/enable`: asks for a disabled user to be enabled again.
pub async fn enable_user(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    admin_form(&session, &body)?;
    let ask = GrantAsk::ReEnable {
        user_id: parse_id(&id)?,
    };
    ask_for_grant(&state, &session, &req, ask, Submitted::default()).await
}

/// Asks for a grant as the API does, tells whoever decides, and says who that is; a refusal
/// shows the page again with `form` kept.
async fn ask_for_grant(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    ask: GrantAsk,
    form: Submitted,
) -> Result<HttpResponse, WebError> {
    let outcome = run(state, session.caller.clone(), req, None, move |conn, ctx| {
        cases::request_grant(conn, ctx, ask)
    })
    .await;
    match outcome {
        Ok(asked) => {
            tell(state, &asked.notice).await;
            Ok(see_other(match asked.approver {
                Approver::HeadOfDelegation => "/ui/admin?done=asked_head",
                Approver::Admin => "/ui/admin?done=asked_admin",
            }))
        }
        Err(CaseError::NotFound) => refused_keeping(state, session, req, session.tr.t("admin-no-user"), form).await,
        Err(e) => match super::forms::refusal_said(&e, session.tr) {
            Some(why) => refused_keeping(state, session, req, why, form).await,
            None => Err(e.into()),
        },
    }
}

/// The page after a token link was made: sent, or why not.
async fn link_sent(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    link: &TokenLink,
) -> Result<HttpResponse, WebError> {
    let shown = match email_token_link(state, link).await {
        Ok(()) => Shown {
            sent: Some(link.email.clone()),
            ..Shown::default()
        },
        Err(error) => Shown {
            error: Some(error),
            ..Shown::default()
        },
    };
    admin_page(state, session, req, StatusCode::OK, shown).await
}

/// The email of the user the form names by id.
async fn email_of(state: &AppState, id: &str) -> Result<String, WebError> {
    let id = parse_id(id)?;
    let user = state.db.run(move |conn| users::user(conn, id)).await?;
    Ok(user.ok_or(ApiError::NotFound)?.email)
}

/// `POST /ui/admin/users/{id}/disable`.
pub async fn disable_user(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    admin_form(&session, &body)?;
    let email = email_of(&state, &id).await?;
    let admin = session.caller.user_id;
    match command(&state, move |db| commands::disable_user(db, &email, Some(admin))).await? {
        Ok(()) => Ok(see_other("/ui/admin?done=disabled")),
        Err(e) => refused(&state, &session, &req, e).await,
    }
}

/// `POST /ui/admin/users/{id}/token`: another token for the user, by a one-time link emailed
/// to them alone.
pub async fn issue_token(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    admin_form(&session, &body)?;
    let user = parse_id(&id)?;
    let admin = session.caller.user_id;
    match command(&state, move |db| commands::token_link_for(db, user, admin)).await? {
        Ok(link) => {
            tracing::info!(admin.id = %admin, user.id = %link.user_id, "token link asked for from the web interface");
            link_sent(&state, &session, &req, &link).await
        }
        Err(e) => refused(&state, &session, &req, e).await,
    }
}

/// `POST /ui/admin/tokens/revoke`: by the token or its prefix.
pub async fn revoke_token(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = admin_form(&session, &body)?;
    let prefix = form.text("prefix").to_owned();
    let admin = session.caller.user_id;
    match command(&state, move |db| commands::revoke_token(db, &prefix, Some(admin))).await? {
        Ok(()) => Ok(see_other("/ui/admin?done=revoked")),
        Err(e) => refused(&state, &session, &req, e).await,
    }
}

async fn refused(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    error: impl std::fmt::Display,
) -> Result<HttpResponse, WebError> {
    refused_keeping(state, session, req, error.to_string(), Submitted::default()).await
}

/// The page again, `422`, saying why, with what the add-user form held.
async fn refused_keeping(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    error: String,
    form: Submitted,
) -> Result<HttpResponse, WebError> {
    let shown = Shown {
        error: Some(error),
        form,
        ..Shown::default()
    };
    admin_page(state, session, req, StatusCode::UNPROCESSABLE_ENTITY, shown).await
}

/// `POST /ui/admin/reminders/{id}/retry`.
pub async fn retry(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    admin_form(&session, &body)?;
    let id = parse_id(&id)?;
    let revived = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        crate::reminders::admin::retry_scheduled(conn, ctx, id)
    })
    .await?;
    if revived {
        Ok(see_other("/ui/admin?done=retried"))
    } else {
        refused(&state, &session, &req, session.tr.t("admin-not-dead")).await
    }
}

/// `POST /ui/admin/erasures`: the first admin's request, naming the case by reference.
pub async fn request_erasure(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = admin_form(&session, &body)?;
    let reference = form.text("reference").to_owned();
    let request = EraseRequest {
        reason: form.text("reason").to_owned(),
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::request_erasure_by_reference(conn, ctx, &reference, request)
    })
    .await;
    match outcome {
        Ok(asked) => {
            tell(&state, &asked.notice).await;
            Ok(see_other("/ui/admin?done=requested"))
        }
        Err(CaseError::Erased) => refused(&state, &session, &req, session.tr.t("admin-erased-already")).await,
        Err(e) => match super::forms::refusal_said(&e, session.tr) {
            Some(why) => refused(&state, &session, &req, why).await,
            None => Err(e.into()),
        },
    }
}

/// One line of the administrative log, in words.
pub struct LogLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub act: String,
    pub subject: String,
    pub delegation: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_log.html", config = "src/http/ui/askama.toml")]
struct AdminLogPage {
    nav: Nav,
    entries: Vec<LogLine>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    before: Option<i64>,
}

/// Entries on one page of the log.
const LOG_PAGE: i64 = 100;

/// `GET /ui/admin/log`: the administrative log, for admins (all of it) and heads of
/// delegation (their delegation's acts), through the same rule as the API.
pub async fn admin_log(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<LogQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let before = query.before;
    let ((entries, more), people) = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        let cases::Paged { items: entries, more } = cases::admin_log_page(conn, ctx, before, Some(LOG_PAGE))?;
        let mut ids: Vec<UserId> = entries
            .iter()
            .flat_map(|e| [e.actor_id, e.subject_id])
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let people = users::emails_of(conn, &ids)?;
        Ok(((entries, more), people))
    })
    .await?;
    let name = |id: Option<UserId>, none: &str| match id {
        None => none.to_owned(),
        Some(id) => people
            .iter()
            .find(|(known, _)| *known == id)
            .map_or_else(|| id.to_string(), |(_, email)| email.clone()),
    };
    let next = more
        .then(|| entries.last().map(|e| format!("/ui/admin/log?before={}", e.seq)))
        .flatten();
    let zone = session.zone;
    let template = AdminLogPage {
        nav: Nav::load(&state, &session, &req).await?,
        entries: entries
            .iter()
            .map(|e| LogLine {
                seq: e.seq,
                at: session.tr.time(e.at, zone),
                actor: name(e.actor_id, &session.tr.t("log-operator")),
                act: session.tr.t(&format!("act-{}", e.act.as_str())),
                subject: name(e.subject_id, ""),
                delegation: e
                    .delegation
                    .clone()
                    .map(DelegationCode::into_string)
                    .unwrap_or_default(),
                detail: e.detail.to_string(),
            })
            .collect(),
        next,
    };
    page(StatusCode::OK, &template)
}
