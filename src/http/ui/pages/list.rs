//! Home and my cases: the case list with its filters.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{Nav, Pick, Titles, picks, risk_picks, theme_label, theme_picks};
use crate::cases::{self, ListQuery};
use crate::domain::CaseId;
use crate::domain::Role;
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page, see_other};

pub async fn home(session: Option<Session>) -> HttpResponse {
    let to = match session {
        Some(s) if s.caller.role.is_admin() => "/ui/admin",
        Some(s) if s.caller.role == crate::domain::Role::HqAnalyst => "/ui/reports",
        // Focal points, heads of delegation and the EUSR office start with what needs them.
        Some(_) => "/ui/needs-me",
        None => "/ui/sign-in",
    };
    see_other(to)
}

#[derive(Debug, Default, Deserialize)]
pub struct CasesQuery {
    #[serde(default)]
    whose: String,
    #[serde(default)]
    workflow: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    after: String,
}

impl CasesQuery {
    /// Whether the list is the reader's own cases: asked for, or by default for a focal point.
    fn mine(&self, role: Role) -> bool {
        match self.whose.as_str() {
            "mine" => true,
            "all" => false,
            _ => role == Role::FocalPoint,
        }
    }

    /// The filters as a query string (without the cursor), for the next page's link.
    fn query_string(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("whose", &self.whose),
                ("workflow", &self.workflow),
                ("state", &self.state),
                ("risk", &self.risk),
                ("country", &self.country),
                ("theme", &self.theme),
                ("overdue", &self.overdue),
                ("sort", &self.sort),
            ])
            .finish()
    }
}

pub struct CaseLine {
    pub id: CaseId,
    pub reference: String,
    /// The defender's name, for the delegation's own staff (each row shown is on its case's
    /// access log).
    pub name: Option<String>,
    pub country: String,
    pub risk: String,
    pub risk_label: String,
    pub themes: String,
    /// Workflow title and state title of each open procedure.
    pub procedures: Vec<(String, String)>,
    pub next_due: Option<String>,
    /// "since …" of an overdue case's next due item.
    pub since: String,
    pub overdue: bool,
    pub opened: String,
}

#[derive(Template)]
#[template(path = "cases.html", config = "src/http/ui/askama.toml")]
struct CasesPage {
    nav: Nav,
    filters: CasesQuery,
    whose: Vec<Pick>,
    sorts: Vec<Pick>,
    workflows: Vec<Pick>,
    states: Vec<Pick>,
    risks: Vec<Pick>,
    themes: Vec<Pick>,
    lines: Vec<CaseLine>,
    /// Whether the lines name their defenders (the delegation's own staff).
    names: bool,
    next: Option<String>,
    /// What a search found, said (the page then lists those cases, not the filters').
    found: Option<String>,
}

/// `GET /ui/cases`: the caller's cases (a focal point's own by default; the delegation's on
/// request), newest first or next due first, 50 a page, with filters; overdue items stand out.
pub async fn cases(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<CasesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let filters = query.into_inner();
    let now = Utc::now();
    let mine = filters.mine(session.caller.role);
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let list = ListQuery {
        country: some(&filters.country.to_uppercase()),
        theme: some(&filters.theme),
        risk: some(&filters.risk),
        workflow: some(&filters.workflow),
        state: some(&filters.state),
        owner: mine.then_some(session.caller.user_id),
        due_before: (filters.overdue == "1").then_some(now),
        sort: some(&filters.sort),
        after: some(&filters.after),
        names: Some(session.caller.role.is_delegation_staff()),
        ..ListQuery::default()
    };
    let page_of = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::list_cases(conn, ctx, list)
    })
    .await?;
    cases_page(
        &state,
        Nav::load(&state, &session, &req).await?,
        &session,
        filters,
        page_of,
        None,
    )
}

/// `POST /ui/cases/search`: the cases found by the search box (a reference or a defender's
/// name: a form's body, never the address), listed as "My cases" lists them; each case found
/// is a line of its access log. The text searched for is not shown again.
pub async fn search(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = crate::http::ui::forms::Submitted::parse(&body);
    session.check(&form)?;
    let request = cases::SearchRequest {
        q: crate::domain::Sensitive::new(form.text("q").to_owned()),
        names: session.caller.role.is_delegation_staff(),
    };
    let found = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::search(conn, ctx, request)
    })
    .await?;
    let count = found.items.len();
    let nav = Nav::load(&state, &session, &req).await?;
    cases_page(&state, nav, &session, CasesQuery::default(), found, Some(count))
}

/// The case list page: `page_of`'s cases under the filters' form (and the search box).
fn cases_page(
    state: &AppState,
    nav: Nav,
    session: &Session,
    filters: CasesQuery,
    page_of: cases::CasePage,
    found: Option<usize>,
) -> Result<HttpResponse, WebError> {
    let tr = session.tr;
    let found = found.map(|n| tr.count("list-found", i64::try_from(n).unwrap_or(i64::MAX)));
    let now = Utc::now();
    let mine = filters.mine(session.caller.role);
    let registry = &state.workflows;
    let titles = Titles::new(state, tr);
    let lines = page_of
        .items
        .into_iter()
        .map(|case| CaseLine {
            procedures: case
                .procedures
                .iter()
                .filter(|p| registry.get(&p.workflow).is_none_or(|w| !w.is_terminal(&p.state)))
                .map(|p| (titles.workflow(&p.workflow), titles.named(&p.workflow).state(&p.state)))
                .collect(),
            next_due: case.next_due_at.map(|at| tr.time(at, session.zone)),
            since: case.next_due_at.map_or_else(String::new, |at| {
                tr.with("since", &[("when", tr.time(at, session.zone).into())])
            }),
            overdue: case.next_due_at.is_some_and(|at| at < now),
            opened: tr.date(case.created_at, session.zone),
            themes: case
                .themes
                .iter()
                .map(|t| theme_label(tr, t))
                .collect::<Vec<_>>()
                .join(", "),
            name: case.defender_name.map(crate::domain::Sensitive::into_inner),
            id: case.id,
            reference: case.reference.into_string(),
            country: case.country,
            risk_label: super::risk_label(tr, case.risk.as_str()),
            risk: case.risk.to_string(),
        })
        .collect();
    let next = page_of.next.map(|cursor| {
        let mut link = format!("/ui/cases?{}", filters.query_string());
        link.push_str("&after=");
        link.push_str(&url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>());
        link
    });
    let whose = picks(
        [("mine", tr.t("list-whose-mine")), ("all", tr.t("list-whose-all"))],
        &[if mine { "mine" } else { "all" }],
    );
    let sorts = picks(
        [("newest", tr.t("list-newest")), ("due", tr.t("list-next-due"))],
        &[if filters.sort == "due" { "due" } else { "newest" }],
    );
    let workflows = titles.picks(&[filters.workflow.as_str()]);
    let mut state_names: Vec<(&str, String)> = Vec::new();
    for workflow in registry.iter() {
        if !filters.workflow.is_empty() && workflow.name() != filters.workflow {
            continue;
        }
        let names = titles.of(Some(workflow));
        for name in workflow.definition.states.keys() {
            if !state_names.iter().any(|(n, _)| n == name) {
                state_names.push((name.as_str(), names.state(name)));
            }
        }
    }
    let states = picks(state_names, &[filters.state.as_str()]);
    let risks = risk_picks(tr, &[filters.risk.as_str()]);
    let themes = theme_picks(tr, &[filters.theme.as_str()]);
    page(
        StatusCode::OK,
        &CasesPage {
            nav,
            filters,
            whose,
            sorts,
            workflows,
            states,
            risks,
            themes,
            lines,
            names: session.caller.role.is_delegation_staff(),
            next,
            found,
        },
    )
}
