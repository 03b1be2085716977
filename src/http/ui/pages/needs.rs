//! The "Needs me" page: the home of focal points, heads of delegation and the EUSR office.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Nav, Section};
use crate::cases::{self, HORIZON_DAYS};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page};

/// A line of the page: the case, its procedure and step, what is asked and when.
pub struct Line {
    pub reference: String,
    pub link: String,
    pub procedure: String,
    pub step: String,
    pub what: String,
    pub when: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "needs_me.html", config = "src/http/ui/askama.toml")]
struct NeedsMePage {
    nav: Nav,
    sections: Vec<Section<Line>>,
    horizon: i64,
}

/// `GET /ui/needs-me`.
pub async fn needs_me(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let needs = run(&state, session.caller.clone(), &req, None, cases::needs_me).await?;
    let (zone, tr) = (session.zone, session.tr);
    let titles = super::Titles::new(&state, tr);
    let since = |at| tr.with("since", &[("when", tr.time(at, zone).into())]);
    let line =
        |reference: &crate::domain::Reference, case_id: crate::domain::CaseId, workflow: &str, step: &str| Line {
            reference: reference.to_string(),
            link: format!("/ui/cases/{case_id}"),
            procedure: titles.workflow(workflow),
            step: titles.named(workflow).state(step),
            what: String::new(),
            when: String::new(),
            overdue: false,
        };
    let waiting = needs
        .waiting
        .iter()
        .map(|w| Line {
            what: tr.t("needs-awaits"),
            when: since(w.since),
            ..line(&w.reference, w.case_id, &w.workflow, &w.state)
        })
        .collect();
    let taken: Vec<Line> = needs
        .taken
        .iter()
        .map(|t| Line {
            what: tr.t("needs-taken"),
            when: since(t.since),
            ..line(&t.reference, t.case_id, &t.workflow, &t.state)
        })
        .collect();
    // The sentence is the reminder's, in the page's language where the mail catalog has it.
    let (overdue, soon): (Vec<Line>, Vec<Line>) = needs
        .due
        .iter()
        .map(|d| Line {
            what: tr.mail(&state).reminder(&d.message),
            when: tr.time(d.due_at, zone),
            overdue: d.overdue,
            ..line(&d.reference, d.case_id, &d.workflow, &d.state)
        })
        .partition(|l| l.overdue);
    let mut sections = vec![Section {
        id: "waiting",
        heading: tr.t("needs-waiting"),
        empty: tr.t("needs-waiting-none"),
        lines: waiting,
    }];
    if session.caller.role.is_eusr() {
        sections.push(Section {
            id: "taken",
            heading: tr.t("needs-taken"),
            empty: tr.t("needs-taken-none"),
            lines: taken,
        });
    }
    sections.extend([
        Section {
            id: "overdue",
            heading: tr.t("needs-overdue"),
            empty: tr.t("needs-overdue-none"),
            lines: overdue,
        },
        Section {
            id: "soon",
            heading: tr.t("needs-soon"),
            empty: tr.t("needs-soon-none"),
            lines: soon,
        },
    ]);
    page(
        StatusCode::OK,
        &NeedsMePage {
            nav: Nav::load(&state, &session, &req).await?,
            sections,
            horizon: HORIZON_DAYS,
        },
    )
}
