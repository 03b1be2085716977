//! A delegation's public holidays, on `/ui/holidays`: its staff read their own; the
//! administrators read every delegation's and change them, with an iCalendar file or a date at
//! a time (the same `cases::holidays` operations as `vigil delegations holidays`).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::forms::Submitted;
use super::pages::{Nav, Pick};
use super::session::Session;
use super::{WebError, page, see_other};
use crate::cases::CaseError;
use crate::cases::holidays::{self, HolidayChange};
use crate::domain::DelegationCode;
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::error::ApiError;
use crate::store::holidays::HolidayRow;

/// The largest iCalendar file taken, in bytes.
const MAX_ICS_BYTES: usize = 1024 * 1024;

pub struct HolidayLine {
    pub day: String,
    /// The date as a person reads it: "Friday 25 December 2026".
    pub date: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "holidays.html", config = "src/http/ui/askama.toml")]
struct HolidaysPage {
    nav: Nav,
    /// The delegations an administrator may pick; none for a delegation's staff.
    delegations: Vec<Pick>,
    delegation: Option<String>,
    delegation_name: String,
    lines: Vec<HolidayLine>,
    may_change: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HolidaysQuery {
    #[serde(default)]
    delegation: String,
    /// What the change just made did (the page says it once).
    added: Option<usize>,
    renamed: Option<usize>,
    removed: Option<usize>,
    moved: Option<usize>,
}

/// `GET /ui/holidays[?delegation=CODE]`: a delegation's holidays, by date.
pub async fn holidays_page(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<HolidaysQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let query = query.into_inner();
    let notice = match (query.added, query.renamed, query.removed) {
        (Some(added), Some(renamed), Some(removed)) => {
            let saved = session.tr.with(
                "holidays-saved",
                &[
                    ("added", added.into()),
                    ("renamed", renamed.into()),
                    ("removed", removed.into()),
                ],
            );
            Some(match query.moved {
                Some(moved) if moved > 0 => {
                    format!(
                        "{saved} {}",
                        session.tr.with("holidays-moved", &[("moved", moved.into())])
                    )
                }
                _ => saved,
            })
        }
        _ => None,
    };
    show(&state, &session, &req, &query.delegation, StatusCode::OK, notice, None).await
}

/// The page for `asked` (else the caller's own delegation, else the first there is).
async fn show(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    asked: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let admin = session.caller.role.is_admin();
    if !admin && !session.caller.role.is_delegation_staff() {
        return Err(ApiError::Forbidden(crate::domain::Denied::ReadsHolidays).into());
    }
    let names = state.db.run(crate::store::users::delegation_names).await?;
    let chosen = if admin {
        Some(asked)
            .filter(|a| names.contains_key(*a))
            .map(str::to_owned)
            .or_else(|| names.keys().next().cloned())
    } else {
        session.caller.delegation.as_ref().map(|d| d.as_str().to_owned())
    };
    let lines = match &chosen {
        Some(code) => {
            let code = DelegationCode::new(code.clone());
            run(state, session.caller.clone(), req, None, move |conn, ctx| {
                holidays::holidays(conn, ctx, &code)
            })
            .await?
        }
        None => Vec::new(),
    };
    let delegations = if admin {
        super::pages::picks(
            names
                .iter()
                .map(|(code, name)| (code.as_str(), format!("{name} ({code})"))),
            &[chosen.as_deref().unwrap_or_default()],
        )
    } else {
        Vec::new()
    };
    let delegation_name = chosen.as_ref().and_then(|c| names.get(c).cloned()).unwrap_or_default();
    page(
        status,
        &HolidaysPage {
            nav: Nav::load(state, session, req).await?,
            delegations,
            delegation_name,
            delegation: chosen,
            lines: lines.into_iter().map(|h| line(h, session.tr)).collect(),
            may_change: admin,
            notice,
            error,
        },
    )
}

fn line(holiday: HolidayRow, tr: crate::http::ui::i18n::Tr) -> HolidayLine {
    HolidayLine {
        day: holiday.day.to_string(),
        date: tr.long_day(holiday.day),
        name: holiday.name,
    }
}

/// What a refused change says on the page: each problem, never what was sent.
fn said(e: &CaseError, tr: crate::http::ui::i18n::Tr) -> Option<String> {
    match e {
        CaseError::NotFound => Some(tr.t("holidays-no-delegation")),
        // Not theirs to change is the error page's (403), not the form's.
        CaseError::Invalid(_) => super::forms::refusal_said(e, tr),
        _ => None,
    }
}

/// Runs `change` on `code`'s holidays for an administrator and comes back to the page, saying
/// what it did or why it could not.
async fn change(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    code: String,
    change: Result<HolidayChange, CaseError>,
) -> Result<HttpResponse, WebError> {
    let outcome = match change {
        Ok(change) => {
            let delegation = DelegationCode::new(code.clone());
            run(state, session.caller.clone(), req, None, move |conn, ctx| {
                holidays::change_holidays(conn, ctx, &delegation, change)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(done) => Ok(see_other(&format!(
            "/ui/holidays?delegation={}&added={}&renamed={}&removed={}&moved={}",
            url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>(),
            done.added,
            done.renamed,
            done.removed,
            done.moved
        ))),
        Err(e) => match said(&e, session.tr) {
            Some(why) => {
                show(
                    state,
                    session,
                    req,
                    &code,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(why),
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

/// `POST /ui/holidays/{code}`: a date made a holiday (`day`, `name`).
pub async fn add(
    state: web::Data<AppState>,
    session: Session,
    code: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let entered = holidays::entered(form.text("day"), form.text("name")).map(|holiday| HolidayChange::Put {
        holidays: vec![holiday],
        source: "form",
    });
    change(&state, &session, &req, code.into_inner(), entered).await
}

/// `POST /ui/holidays/{code}/remove`: a date (`day`) no longer a holiday.
pub async fn remove(
    state: web::Data<AppState>,
    session: Session,
    code: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let day = holidays::parse_day(form.text("day")).map(HolidayChange::Remove);
    change(&state, &session, &req, code.into_inner(), day).await
}

/// `POST /ui/holidays/{code}/import`: an iCalendar file's holidays, a `multipart/form-data`
/// form of the session's token and then the file (at most 1 MiB).
pub async fn import(
    state: web::Data<AppState>,
    session: Session,
    code: web::Path<String>,
    req: HttpRequest,
    mut form: Multipart,
) -> Result<HttpResponse, WebError> {
    let mut checked = false;
    let mut file = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(super::pages::unreadable)?;
        match field.name() {
            Some("csrf") => {
                let token = super::pages::small_text(&mut field).await?;
                session.check_token(Some(&token))?;
                checked = true;
            }
            _ if !checked => return Err(WebError::Csrf),
            Some("file") => {
                let bytes = field
                    .bytes(MAX_ICS_BYTES)
                    .await
                    .map_err(|_| ApiError::BadRequest("the file is larger than 1 MiB".into()))?
                    .map_err(super::pages::unreadable)?;
                file = Some(bytes);
            }
            _ => {}
        }
    }
    let parsed = match file {
        None => Err(CaseError::invalid("file", crate::cases::Problem::Missing)),
        Some(bytes) => match std::str::from_utf8(&bytes) {
            Err(_) => Err(CaseError::invalid("file", crate::cases::Problem::NotText)),
            Ok(text) => {
                let (from, until) = holidays::import_window(chrono::Utc::now().date_naive());
                holidays::from_ics(text, from, until).map(|found| HolidayChange::Put {
                    holidays: found,
                    source: "ics",
                })
            }
        },
    };
    change(&state, &session, &req, code.into_inner(), parsed).await
}
