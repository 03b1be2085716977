//! A case's evidence files from its page: attached with a form (the same way in as the API's
//! upload: sealed as it arrives, its custody recorded), downloaded as a file.

use actix_multipart::{Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;

use super::case::{Said, case_page};
use super::parse_id;
use crate::cases::attachments::Arriving;
use crate::domain::{AttachmentId, CaseId, ProcedureId};
use crate::http::AppState;
use crate::http::attachments::{receive, send};
use crate::http::deadline;
use crate::http::error::{ApiError, FieldWords, Oversize};
use crate::http::ui::forms;
use crate::http::ui::i18n::Tr;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, see_other};

/// The most a form's small fields (its token, the procedure's id) may hold.
const SMALL_FIELD: usize = 1024;

/// `POST /ui/cases/{id}/attachments`: a file from the case page's form, a
/// `multipart/form-data` body of the session's token, the procedure the file belongs to (or
/// none) and the file, in that order. The token is checked before a byte of the file is
/// read; a form whose file comes first is refused. Attached, the case page comes back saying
/// so with the file's SHA-256; refused (too large, over the quota, no file), it comes back
/// saying why, and nothing is kept.
pub async fn attach(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    mut form: Multipart,
) -> Result<HttpResponse, WebError> {
    let case: CaseId = parse_id(&id)?;
    let (mut checked, mut procedure) = (false, None::<ProcedureId>);
    while let Some(field) = form.next().await {
        let mut field = field.map_err(unreadable)?;
        match field.name() {
            Some("csrf") => {
                let token = small_text(&mut field).await?;
                session.check_token(Some(&token))?;
                checked = true;
            }
            _ if !checked => return Err(WebError::Csrf),
            Some("procedure") => {
                let raw = small_text(&mut field).await?;
                procedure = match raw.trim() {
                    "" => None,
                    raw => Some(parse_id(raw)?),
                };
            }
            Some("file") => {
                let name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                let file = Arriving {
                    case,
                    procedure,
                    name,
                    declared: None,
                };
                let timed_out = |e: &MultipartError| matches!(e, MultipartError::Payload(e) if deadline::timed_out(e));
                let state = state.into_inner();
                let received = receive(state.clone(), session.caller.clone(), &req, file, field, timed_out).await;
                return match received {
                    Ok(uploaded) => Ok(see_other(&format!(
                        "/ui/cases/{case}?attached={}#attached",
                        uploaded.id
                    ))),
                    Err(e) if said_on_the_page(&e) => {
                        let said = Said::not_attached(session.tr.arg(
                            "case-not-attached",
                            "why",
                            &not_attached_because(&e, session.tr),
                        ));
                        case_page(&state, &session, &req, case, said, e.status_code()).await
                    }
                    Err(e) => Err(e.into()),
                };
            }
            // Anything else the form did not have: not read.
            _ => {}
        }
    }
    Err(ApiError::BadRequest("the form holds no file".into()).into())
}

/// Whether a refused upload is the file's fault (its size, its name, the case's quota), said
/// on the case page beside the form; anything else (not found, forbidden, the server) is the
/// error page.
fn said_on_the_page(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::TooLarge(_) | ApiError::InvalidFields { .. } | ApiError::Invalid(_) | ApiError::Unavailable(_)
    )
}

/// Why an upload said on the page was refused, in the page's language (what else there is, in
/// the API's words).
fn not_attached_because(e: &ApiError, tr: Tr) -> String {
    match e {
        ApiError::TooLarge(Oversize::File { limit }) => tr.with("case-file-too-large", &[("limit", (*limit).into())]),
        ApiError::TooLarge(Oversize::Quota { quota }) => tr.with("case-files-quota", &[("quota", (*quota).into())]),
        ApiError::Unavailable(_) => tr.t("case-uploads-busy"),
        ApiError::InvalidFields { fields, .. } => fields
            .iter()
            .map(|f| match &f.problem {
                FieldWords::Case(problem) => forms::issues_in_words(
                    &[crate::cases::FieldIssue {
                        field: f.field.clone(),
                        problem: problem.clone(),
                    }],
                    tr,
                ),
                FieldWords::Engine(kind) => kind.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A small field's text, refused when longer than [`SMALL_FIELD`].
pub(in crate::http::ui) async fn small_text(field: &mut actix_multipart::Field) -> Result<String, WebError> {
    let bytes = field
        .bytes(SMALL_FIELD)
        .await
        .map_err(|_| ApiError::BadRequest("a field of the form is too long".into()))?
        .map_err(unreadable)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::BadRequest("a field of the form is not text".into()).into())
}

/// A form that cannot be read as `multipart/form-data` (the message names nothing sent).
pub(in crate::http::ui) fn unreadable(e: MultipartError) -> WebError {
    match e {
        MultipartError::Payload(e) if deadline::timed_out(&e) => ApiError::RequestTimeout.into(),
        _ => ApiError::BadRequest("the form could not be read".into()).into(),
    }
}

/// `GET /ui/cases/{id}/attachments/{aid}`: the file, as the API's download sends it (a file
/// to save, never a page; checked against its custody record; recorded in the access log).
pub async fn download(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let (case, attachment): (CaseId, AttachmentId) = (parse_id(&path.0)?, parse_id(&path.1)?);
    Ok(send(state, session.caller.clone(), &req, case, attachment).await?)
}
