//! The review queue of the EUSR office.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Nav, state_title, workflow_title};
use crate::cases;
use crate::domain::{CaseId, ProcedureId};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page};

pub struct QueueLine {
    pub case_id: CaseId,
    pub procedure_id: ProcedureId,
    pub reference: String,
    pub delegation: String,
    pub country: String,
    pub risk: String,
    pub workflow: String,
    pub state: String,
    pub waiting: String,
}

#[derive(Template)]
#[template(path = "queue.html", config = "src/http/ui/askama.toml")]
struct QueuePage {
    nav: Nav,
    lines: Vec<QueueLine>,
}

/// `GET /ui/queues/{name}`: the EUSR office's queue, most urgent and oldest first (metadata
/// only; opening a case is a read, on record).
pub async fn queue(
    state: web::Data<AppState>,
    session: Session,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let name = name.into_inner();
    let entries = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::review_queue(conn, ctx, &name)
    })
    .await?;
    let registry = &state.workflows;
    let lines = entries
        .into_iter()
        .map(|e| QueueLine {
            waiting: match e.waiting_hours {
                h if h < 48 => format!("{h} h"),
                h => format!("{} days", h / 24),
            },
            workflow: workflow_title(registry, &e.workflow),
            state: state_title(registry.get(&e.workflow).map(AsRef::as_ref), &e.state),
            case_id: e.case_id,
            procedure_id: e.procedure_id,
            reference: e.reference.into_string(),
            delegation: e.delegation.into_string(),
            country: e.country,
            risk: e.risk.to_string(),
        })
        .collect();
    page(
        StatusCode::OK,
        &QueuePage {
            nav: Nav::of(&session),
            lines,
        },
    )
}
