//! `/api/v1/cases/{id}/attachments`: evidence files, sealed while they stream in
//! (`cases::attachments`), streamed back opened and checked, never rendered by Vigil's origin.

use actix_web::http::header::{self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Serialize;

use super::auth::Caller;
use super::cases::{checked_then_streamed, parse_id, run};
use super::error::ApiError;
use super::{AppState, deadline};
use crate::cases::CaseError;
use crate::cases::attachments::{self, AttachmentView, Limits, Uploaded};
use crate::domain::{AttachmentId, CaseId, ProcedureId};

/// What uploads may take, and how many run at once: each holds a database connection for as
/// long as its body takes to arrive, so they get a share of the pool, not all of it.
pub struct Uploads {
    pub limits: Limits,
    at_once: tokio::sync::Semaphore,
}

impl Uploads {
    /// Uploads under `limits`, at most `at_once` of them together (at least one).
    pub fn new(limits: Limits, at_once: usize) -> Self {
        Self {
            limits,
            at_once: tokio::sync::Semaphore::new(at_once.max(1)),
        }
    }

    /// Half the pool's connections, the rest for everything else.
    pub fn sharing(limits: Limits, pool_size: u32) -> Self {
        Self::new(limits, usize::try_from(pool_size / 2).unwrap_or(1))
    }
}

/// The headers every download carries: a file, never a page; nothing of it runs or is kept.
const DOWNLOAD_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "default-src 'none'; sandbox"),
    ("cache-control", "no-store"),
    ("cross-origin-resource-policy", "same-origin"),
];

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The procedure the file belongs to, if it belongs to one.
    pub procedure: Option<String>,
}

/// The file's name, from `Content-Disposition` (`attachment; filename*=UTF-8''…` or
/// `filename="…"`): a header, never the address, which proxies log.
fn file_name(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = || ApiError::from(CaseError::invalid("filename", crate::cases::Problem::NoFileName));
    let disposition = req
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|value| ContentDisposition::from_raw(value).ok())
        .ok_or_else(missing)?;
    let extended = disposition.parameters.iter().find_map(|p| match p {
        DispositionParam::FilenameExt(value) => String::from_utf8(value.value.clone()).ok(),
        _ => None,
    });
    extended
        .or_else(|| disposition.get_filename().map(str::to_owned))
        .ok_or_else(missing)
}

/// The size the client announced, if it did.
fn declared_size(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A piece of an upload's body on its way to the blocking work, or how it ended.
enum Piece {
    Bytes(web::Bytes),
    Failed(std::io::Error),
    /// The whole body arrived.
    End,
}

/// Attaches a file to a case.
///
/// The body is the file's bytes (any media type: Vigil detects it from the bytes), named by
/// `Content-Disposition: attachment; filename*=UTF-8''…`. It is sealed to the case's key as it
/// arrives and stored with its custody event (SHA-256, size, type, uploader, time) in one
/// transaction: over the size limit or the case's quota is 413 and nothing is kept, nor is
/// anything kept of a body cut off midway.
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "attachments", operation_id = "upload_attachment",
    params(("id" = crate::domain::CaseId, Path, description = "The case"), UploadQuery,
        ("Content-Disposition" = String, Header, description = "attachment; filename*=UTF-8''<the file's name>")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses((status = 201, description = "Stored, with its custody record", body = Uploaded,
            headers(("Location" = String, description = "Where to download it"))),
        (status = 403, description = "Only the case's delegation attaches files"),
        (status = 404, description = "No such case in your scope"),
        (status = 410, description = "The case was erased"),
        (status = 413, description = "Over VIGIL_MAX_ATTACHMENT or the case's VIGIL_ATTACHMENT_QUOTA"),
        (status = 422, description = "No file name, a name with a path or control characters, or an empty file"),
        (status = 503, description = "Too many uploads at once; try again shortly")))]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id: CaseId = parse_id(&id)?;
    let procedure: Option<ProcedureId> = match &query.procedure {
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| ApiError::from(CaseError::invalid("procedure", crate::cases::Problem::NotProcedureId)))?,
        ),
        None => None,
    };
    let name = file_name(&req)?;
    let file = attachments::Arriving {
        case: id,
        procedure,
        name,
        declared: declared_size(&req),
    };
    let uploaded = receive(state.into_inner(), caller, &req, file, payload, deadline::timed_out).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/cases/{id}/attachments/{}", uploaded.id),
        ))
        .json(uploaded))
}

/// Seals and stores `file` as its bytes arrive from `body`, under the uploads' limits and
/// their share of the pool: the one way in for the API's upload and the web interface's
/// form. A body cut off midway is 400 (408 when `timed_out` says its deadline passed), and
/// nothing of it is kept.
pub(crate) async fn receive<E>(
    state: std::sync::Arc<AppState>,
    caller: Caller,
    req: &HttpRequest,
    file: attachments::Arriving,
    mut body: impl futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    timed_out: impl Fn(&E) -> bool,
) -> Result<Uploaded, ApiError> {
    attachments::check_name(&file.name)?;
    let limits = state.uploads.limits;
    if file.declared.is_some_and(|size| size > limits.max_bytes) {
        return Err(CaseError::TooLarge {
            limit: limits.max_bytes,
        }
        .into());
    }
    let _permit = state
        .uploads
        .at_once
        .try_acquire()
        .map_err(|_| ApiError::Unavailable("too many uploads at once; try again shortly".into()))?;
    let (pieces, mut arriving) = tokio::sync::mpsc::channel::<Piece>(4);
    let (work_state, work_req, case) = (state.clone(), req.clone(), file.case);
    let work = actix_web::rt::spawn(async move {
        run(&work_state, caller, &work_req, None, move |conn, ctx| {
            // The body as the blocking work reads it: it ends when the handler says so; a
            // handler gone (the client went away) is an error, never a short file.
            let mut ended = false;
            let body = std::iter::from_fn(move || {
                if ended {
                    return None;
                }
                match arriving.blocking_recv() {
                    Some(Piece::Bytes(bytes)) => Some(Ok(bytes)),
                    Some(Piece::Failed(e)) => Some(Err(e)),
                    Some(Piece::End) => {
                        ended = true;
                        None
                    }
                    // The handler went away before the end (its connection closed).
                    None => {
                        ended = true;
                        Some(Err(std::io::Error::other("the upload was abandoned")))
                    }
                }
            });
            attachments::upload(conn, ctx, file, limits, body)
        })
        .await
    });
    let (mut cut_off, mut was_timed_out) = (false, false);
    let mut whole = true;
    while let Some(chunk) = body.next().await {
        let piece = match chunk {
            Ok(bytes) => Piece::Bytes(bytes),
            Err(e) => {
                cut_off = true;
                was_timed_out = timed_out(&e);
                Piece::Failed(std::io::Error::other("the body was cut off"))
            }
        };
        let failed = matches!(piece, Piece::Failed(_));
        // A refusal midway (too large, over the quota) drops the receiving end: stop reading.
        if pieces.send(piece).await.is_err() || failed {
            whole = false;
            break;
        }
    }
    // Only a body read to its end is one: without this, the work takes it as abandoned.
    if whole {
        let _ = pieces.send(Piece::End).await;
    }
    drop(pieces);
    let uploaded = match work.await {
        Ok(result) => result,
        Err(_) => return Err(ApiError::Internal("the upload stopped".into())),
    };
    match uploaded {
        Ok(uploaded) => {
            tracing::info!(case.id = %case, attachment.id = %uploaded.id, "attachment stored");
            Ok(uploaded)
        }
        // The client's doing, not Vigil's: nothing was kept, and nothing to log as a fault.
        Err(CaseError::Write(_)) if was_timed_out => Err(ApiError::RequestTimeout),
        Err(CaseError::Write(_)) if cut_off => Err(ApiError::BadRequest("the body did not arrive whole".into())),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentView>,
}

/// A case's attachments with their custody records (names opened for you; recorded in the
/// case's access log as a read).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments", tag = "attachments", operation_id = "list_attachments",
    params(("id" = crate::domain::CaseId, Path, description = "The case")),
    responses((status = 200, description = "Oldest first", body = AttachmentList),
        (status = 404, description = "No such case in your scope"),
        (status = 410, description = "The case was erased")))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id: CaseId = parse_id(&id)?;
    let items = run(&state, caller, &req, None, move |conn, ctx| {
        attachments::list(conn, ctx, id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AttachmentList { items }))
}

/// Downloads an attachment.
///
/// Always as a file to save (`Content-Disposition: attachment`, `application/octet-stream`,
/// `nosniff`, a CSP that allows nothing): nothing uploaded is rendered by Vigil's origin. It is
/// opened as it is sent and checked against its custody record; a file whose bytes are not
/// those recorded is cut off before its end (the length announced is not reached) and logged
/// as an alert. Recorded in the case's access log.
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{aid}", tag = "attachments", operation_id = "download_attachment",
    params(("id" = crate::domain::CaseId, Path, description = "The case"),
        ("aid" = crate::domain::AttachmentId, Path, description = "The attachment")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Content-Disposition" = String, description = "attachment, with the file's name"),
                ("X-Vigil-SHA256" = String, description = "The SHA-256 recorded when it arrived"))),
        (status = 404, description = "No such case or attachment in your scope"),
        (status = 410, description = "The case was erased")))]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment): (CaseId, AttachmentId) = (parse_id(&path.0)?, parse_id(&path.1)?);
    send(state, caller, &req, id, attachment).await
}

/// Attachment `attachment` of case `id` as a download for `caller` (see [`download`]): the
/// API's and the web interface's.
pub(crate) async fn send(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    id: CaseId,
    attachment: AttachmentId,
) -> Result<HttpResponse, ApiError> {
    // The checks, the access log and the custody record come first; then the file is opened
    // and sent as it is read, on the same connection.
    let (view, body) = checked_then_streamed(
        state,
        caller,
        req,
        "download",
        move |conn, ctx| attachments::download(conn, ctx, id, attachment),
        |download| download.view.clone(),
        |download, conn, _, sender| download.write_to(conn, sender).map(drop),
    )
    .await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type("application/octet-stream")
        .insert_header((header::CONTENT_DISPOSITION, disposition(view.name.expose())))
        .insert_header(("x-vigil-sha256", view.sha256.clone()))
        .no_chunking(view.size);
    for (name, value) in DOWNLOAD_HEADERS {
        response.insert_header((name, value));
    }
    Ok(response.streaming(body))
}

/// `attachment`, with the name in UTF-8 (RFC 6266) and an ASCII stand-in for old clients.
fn disposition(name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}
