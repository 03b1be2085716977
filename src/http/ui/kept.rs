//! Typed work kept across signing in again.
//!
//! A form of the case pages (a procedure's action, opening a case, editing one) that reaches
//! Vigil after its session ended is not lost. When the request still carries the ended
//! session's cookie and the form that session's CSRF token (so it was typed in this browser, in
//! that session, and no other site sent it), what was typed is sealed with age to a fresh
//! one-time key; the ciphertext is kept in the database for that person ([`KEPT_FOR`] at most,
//! one form a person) and the key's secret is given to the browser alone, in an `HttpOnly`
//! cookie; the browser signs in again. Signed in as the same person, it is sent to `/ui/kept`,
//! which takes the kept form out of the database (once), opens it with the cookie's key and
//! shows the page the form was on with what was typed in it, to check and send again: a kept
//! form is never sent by itself. Anyone else signing in on that browser has it thrown away
//! unseen, and signing out drops it. The plaintext is nowhere but in the browser: the database
//! alone cannot open a kept form, nor the cookie alone.

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

use super::forms::Submitted;
use super::session::{self, Session};
use super::{WebError, see_other};
use crate::crypto::{keyring, token};
use crate::domain::{CaseId, FormDraftId, ProcedureId, Sensitive};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::store::{drafts, sessions};

/// The cookie holding a kept form's id and the secret of the key it is sealed to.
pub const COOKIE: &str = "vigil_kept";

/// Where signing in again leads a browser that holds a kept form.
pub const PAGE: &str = "/ui/kept";

/// How long a kept form waits for its person to sign in again.
pub const KEPT_FOR: Duration = session::LIFETIME;

/// A kept form's plaintext is padded to a multiple of this, so its stored size tells little of
/// how much was typed.
const PAD_TO: usize = 1024;

/// Which form was kept, by where it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptForm {
    /// An action of a procedure, on its case's page.
    Action { procedure: ProcedureId, action: String },
    /// The form that opens a case.
    OpenCase,
    /// The form that edits case `id`.
    EditCase(CaseId),
}

impl KeptForm {
    /// Where the form is sent.
    fn path(&self) -> String {
        match self {
            Self::Action { procedure, action } => format!("/ui/procedures/{procedure}/actions/{action}"),
            Self::OpenCase => "/ui/cases".to_owned(),
            Self::EditCase(id) => format!("/ui/cases/{id}/edit"),
        }
    }

    /// The form sent to `path`, if it is one that is kept.
    fn from_path(path: &str) -> Option<Self> {
        let parts: Vec<&str> = path.strip_prefix("/ui/")?.split('/').collect();
        match parts.as_slice() {
            ["procedures", procedure, "actions", action] if !action.is_empty() => Some(Self::Action {
                procedure: procedure.parse().ok()?,
                action: (*action).to_owned(),
            }),
            ["cases"] => Some(Self::OpenCase),
            ["cases", id, "edit"] => Some(Self::EditCase(id.parse().ok()?)),
            _ => None,
        }
    }
}

/// What is sealed: where the form was sent and what was in it (its CSRF token left out).
#[derive(Serialize, Deserialize)]
struct Kept {
    sent_to: String,
    fields: Vec<(String, String)>,
}

/// The session of a form's request. When there is none, the form is kept if it may be (the
/// ended session's cookie and CSRF token came with it) and the browser is sent to sign in
/// again either way.
pub async fn session_or_keep(
    state: &AppState,
    req: &HttpRequest,
    session: Option<Session>,
    form: &Submitted,
    kept: KeptForm,
) -> Result<Session, WebError> {
    if let Some(session) = session {
        return Ok(session);
    }
    let Some(ended) = req.cookie(session::COOKIE).map(|c| token::hash(c.value())) else {
        return Err(WebError::SignIn);
    };
    let presented = form.get("csrf").unwrap_or_default().to_owned();
    // Whose form it is, if it may be kept: asked first, so that nothing is sealed for a request
    // without the ended session's cookie and token.
    let person = state
        .db
        .run(move |conn| {
            Ok(sessions::any(conn, &ended)?
                .filter(|ended| session::same_secret(Some(&presented), &ended.csrf).is_ok())
                .map(|ended| ended.user_id))
        })
        .await?;
    let Some(person) = person else {
        return Err(WebError::SignIn);
    };
    let what = Kept {
        sent_to: kept.path(),
        fields: form.pairs().filter(|(name, _)| name != "csrf").cloned().collect(),
    };
    let plaintext = padded(serde_json::to_vec(&what).map_err(|e| ApiError::Internal(Box::new(e)))?);
    let (secret, recipient) = keyring::one_time_key();
    let sealed = keyring::seal(&recipient, &Sensitive::new(plaintext)).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let id = FormDraftId::random();
    let now = Utc::now();
    let draft = drafts::NewDraft {
        id,
        user_id: person,
        sealed,
        created_at: now,
        expires_at: now + KEPT_FOR,
    };
    state.db.run(move |conn| drafts::keep(conn, &draft)).await?;
    let mut cookie = session::cookie(req, COOKIE, format!("{id}.{}", secret.expose()), "/ui");
    cookie.set_max_age(CookieDuration::seconds(KEPT_FOR.num_seconds()));
    Err(WebError::SignInKept(Box::new(Sensitive::new(cookie))))
}

/// `json` padded with spaces to a multiple of [`PAD_TO`] bytes: JSON ends where its value does,
/// so the padding reads as nothing.
fn padded(mut json: Vec<u8>) -> Vec<u8> {
    json.resize(json.len().div_ceil(PAD_TO).max(1) * PAD_TO, b' ');
    json
}

/// Whether the browser holds a kept form (the sign-in page says so).
pub fn holds_kept(req: &HttpRequest) -> bool {
    req.cookie(COOKIE).is_some()
}

/// The cookie that removes the browser's kept form.
pub fn removal(req: &HttpRequest) -> Cookie<'static> {
    let mut spent = session::cookie(req, COOKIE, String::new(), "/ui");
    spent.make_removal();
    spent
}

/// `GET /ui/kept`, where signing in again leads when the browser holds a kept form: the page
/// the form was on, with what was typed in it, for its own person; the case list for anyone
/// else, the kept form thrown away.
pub async fn kept_page(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let found = req.cookie(COOKIE).and_then(|c| {
        let (id, secret) = c.value().split_once('.')?;
        Some((id.parse::<FormDraftId>().ok()?, Sensitive::new(secret.to_owned())))
    });
    let user = session.caller.user_id;
    let opened = match found {
        None => None,
        Some((id, secret)) => state
            .db
            .run(move |conn| drafts::take(conn, id, user, Utc::now()))
            .await?
            .and_then(|sealed| keyring::open_with_secret(secret.expose(), &sealed).ok())
            .and_then(|plaintext| serde_json::from_slice::<Kept>(plaintext.expose()).ok())
            .and_then(|kept| Some((KeptForm::from_path(&kept.sent_to)?, Submitted::from_pairs(kept.fields)))),
    };
    let mut response = match opened {
        Some((form, typed)) => super::pages::kept_form(&state, &session, &req, form, typed).await?,
        None => see_other("/ui/"),
    };
    response
        .add_cookie(&removal(&req))
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_kept_is_padded_to_whole_kibibytes_and_reads_back_the_same() {
        for typed in ["", "a short note", &"x".repeat(900), &"y".repeat(5000)] {
            let kept = Kept {
                sent_to: "/ui/cases".into(),
                fields: vec![("data.note".into(), typed.to_owned())],
            };
            let plain = serde_json::to_vec(&kept).unwrap();
            let padding = padded(plain.clone());
            assert_eq!(padding.len() % PAD_TO, 0);
            assert!(padding.len() >= plain.len() && padding.len() < plain.len() + PAD_TO);
            let back: Kept = serde_json::from_slice(&padding).unwrap();
            assert_eq!(back.fields, kept.fields);
        }
    }

    #[test]
    fn a_kept_form_is_named_by_where_it_was_sent_and_nothing_else_is_kept() {
        let procedure = ProcedureId::random();
        let case = CaseId::random();
        for form in [
            KeptForm::Action {
                procedure,
                action: "add_note".into(),
            },
            KeptForm::OpenCase,
            KeptForm::EditCase(case),
        ] {
            assert_eq!(KeptForm::from_path(&form.path()), Some(form));
        }
        for other in [
            "/ui/cases/search",
            "/ui/admin/users",
            "/ui/procedures/not-an-id/actions/add_note",
            "/ui/procedures/{procedure}/claim",
            "/elsewhere/cases",
            "/ui/cases/../admin",
        ] {
            assert_eq!(KeptForm::from_path(other), None, "{other}");
        }
    }
}
