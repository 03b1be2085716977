//! The pages: my cases, a case with its procedures and the actions the user may take, opening
//! a case, the EUSR review queue, and the workflow gallery. Every handler calls the same
//! operation of `crate::cases` as the API, through `http::cases::run`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::forms::{self, Control, ControlIssue, Submitted};
use super::session::Session;
use super::{WebError, page, see_other};
use crate::cases::{self, CaseError, CaseView, EventView, ListQuery, OpenCaseRequest, OpenProcedureRequest};
use crate::domain::{Role, Sensitive, THEMES};
use crate::http::AppState;
use crate::http::cases::run;
use crate::workflow::engine::Refusal;
use crate::workflow::model::{FieldType, Target};
use crate::workflow::{Registry, Workflow, graph};

/// The header of every signed-in page.
pub struct Nav {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub can_open: bool,
    pub reviewer: bool,
    pub admin: bool,
}

impl Nav {
    pub(super) fn of(session: &Session) -> Self {
        let role = session.caller.role;
        Self {
            name: session.caller.display_name.clone(),
            role: match role {
                Role::FocalPoint => "focal point",
                Role::HeadOfDelegation => "head of delegation",
                Role::EusrReviewer => "EUSR office",
                Role::Admin => "administrator",
                Role::System => "system",
            },
            csrf: session.csrf.clone(),
            can_open: opens_cases(role),
            reviewer: role == Role::EusrReviewer,
            admin: role == Role::Admin,
        }
    }
}

fn opens_cases(role: Role) -> bool {
    matches!(role, Role::FocalPoint | Role::HeadOfDelegation)
}

/// The id in a path or a form; one that is no UUID names nothing.
pub(super) fn parse_id(raw: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(raw).map_err(|_| WebError::Api(crate::http::error::ApiError::NotFound))
}

/// An instant on the page's wall clock: "3 Dec 2026 09:30 CET".
pub(super) fn local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%-d %b %Y %H:%M %Z").to_string()
}

fn theme_label(code: &str) -> &'static str {
    match code {
        "WHRD" => "Women human rights defenders",
        "ENV_LAND" => "Environment and land",
        "INDIGENOUS" => "Indigenous peoples",
        "MEDIA" => "Journalists and media",
        "LGBTI" => "LGBTI persons",
        "LABOUR" => "Labour and trade unions",
        "LAWYERS" => "Lawyers and judges",
        "CHILD" => "Child rights",
        "MINORITY_FORB" => "Minorities, freedom of religion or belief",
        "DISABILITY" => "Persons with disabilities",
        "ESCR" => "Economic, social and cultural rights",
        "ANTI_CORRUPTION" => "Anti-corruption",
        "DEMOCRACY" => "Democracy and elections",
        "DIGITAL" => "Digital rights",
        "TORTURE_DP" => "Torture and deprivation of liberty",
        "MIGRANTS" => "Migrants and refugees",
        _ => "Other",
    }
}

fn workflow_title(registry: &Registry, name: &str) -> String {
    registry
        .get(name)
        .map_or_else(|| forms::humanize(name), |w| w.definition.title.clone())
}

fn state_title(workflow: Option<&Workflow>, state: &str) -> String {
    workflow
        .and_then(|w| w.definition.states.get(state))
        .map_or_else(|| forms::humanize(state), |s| s.title.clone())
}

/// A stored value as a person reads it: dates and times on the page's clock, lists joined.
fn shown(value: &Value, zone: Tz) -> String {
    match value {
        Value::String(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) if text.len() > 10 => local(at.with_timezone(&Utc), zone),
            _ => text.clone(),
        },
        Value::Bool(true) => "Yes".into(),
        Value::Bool(false) => "No".into(),
        Value::Array(items) => items.iter().map(|v| shown(v, zone)).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Home and my cases.

pub async fn home(session: Option<Session>) -> HttpResponse {
    let to = match session {
        Some(s) if s.caller.role == Role::EusrReviewer => "/ui/queues/eusr_review",
        Some(s) if s.caller.role == Role::Admin => "/ui/admin",
        Some(_) => "/ui/cases",
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
    pub id: Uuid,
    pub reference: String,
    pub country: String,
    pub risk: String,
    pub themes: String,
    /// Workflow title and state title of each open procedure.
    pub procedures: Vec<(String, String)>,
    pub next_due: Option<String>,
    pub overdue: bool,
    pub opened: String,
}

pub struct Pick {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn risk_picks(chosen: &[&str]) -> Vec<Pick> {
    picks(cases::RISKS.iter().map(|r| (*r, forms::humanize(r))), chosen)
}

fn theme_picks(chosen: &[&str]) -> Vec<Pick> {
    picks(THEMES.iter().map(|t| (*t, theme_label(t).to_owned())), chosen)
}

/// The loaded workflows, by title.
fn workflow_picks(registry: &Registry, chosen: &[&str]) -> Vec<Pick> {
    picks(registry.iter().map(|w| (w.name(), w.definition.title.clone())), chosen)
}

fn picks<'a>(items: impl IntoIterator<Item = (&'a str, String)>, chosen: &[&str]) -> Vec<Pick> {
    items
        .into_iter()
        .map(|(value, label)| Pick {
            selected: chosen.contains(&value),
            value: value.to_owned(),
            label,
        })
        .collect()
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
    next: Option<String>,
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
    let mine = match filters.whose.as_str() {
        "mine" => true,
        "all" => false,
        _ => session.caller.role == Role::FocalPoint,
    };
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
        ..ListQuery::default()
    };
    let page_of = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::list_cases(conn, ctx, list)
    })
    .await?;
    let registry = &state.workflows;
    let lines = page_of
        .items
        .into_iter()
        .map(|case| CaseLine {
            procedures: case
                .procedures
                .iter()
                .filter(|p| registry.get(&p.workflow).is_none_or(|w| !w.is_terminal(&p.state)))
                .map(|p| {
                    (
                        workflow_title(registry, &p.workflow),
                        state_title(registry.get(&p.workflow).map(AsRef::as_ref), &p.state),
                    )
                })
                .collect(),
            next_due: case.next_due_at.map(|at| local(at, session.zone)),
            overdue: case.next_due_at.is_some_and(|at| at < now),
            opened: case
                .created_at
                .with_timezone(&session.zone)
                .format("%-d %b %Y")
                .to_string(),
            themes: case.themes.join(", "),
            id: case.id,
            reference: case.reference,
            country: case.country,
            risk: case.risk,
        })
        .collect();
    let next = page_of.next.map(|cursor| {
        let mut link = format!("/ui/cases?{}", filters.query_string());
        link.push_str("&after=");
        link.push_str(&url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>());
        link
    });
    let whose = picks(
        [("mine", "Mine".to_owned()), ("all", "My delegation's".to_owned())],
        &[if mine { "mine" } else { "all" }],
    );
    let sorts = picks(
        [
            ("newest", "Newest first".to_owned()),
            ("due", "Next due first".to_owned()),
        ],
        &[if filters.sort == "due" { "due" } else { "newest" }],
    );
    let workflows = workflow_picks(registry, &[filters.workflow.as_str()]);
    let mut state_names: Vec<(&str, String)> = Vec::new();
    for workflow in registry.iter() {
        if !filters.workflow.is_empty() && workflow.name() != filters.workflow {
            continue;
        }
        for (name, def) in &workflow.definition.states {
            if !state_names.iter().any(|(n, _)| n == name) {
                state_names.push((name.as_str(), def.title.clone()));
            }
        }
    }
    let states = picks(state_names, &[filters.state.as_str()]);
    let risks = risk_picks(&[filters.risk.as_str()]);
    let themes = theme_picks(&[filters.theme.as_str()]);
    page(
        StatusCode::OK,
        &CasesPage {
            nav: Nav::of(&session),
            filters,
            whose,
            sorts,
            workflows,
            states,
            risks,
            themes,
            lines,
            next,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// A case.

pub struct Entry {
    pub label: String,
    pub value: String,
}

pub struct ActionForm {
    pub id: String,
    pub title: String,
    pub url: String,
    pub controls: Vec<Control>,
    /// Where the action leads when it does not branch.
    pub leads_to: Option<String>,
    /// The workflow it starts, if any.
    pub starts: Option<String>,
    /// Why the last attempt was refused, when it is not one field's fault.
    pub error: Option<String>,
    /// Shown unfolded (the one that was just refused).
    pub open: bool,
}

pub struct ProcedureBlock {
    pub id: Uuid,
    pub workflow: String,
    pub workflow_version: String,
    pub workflow_title: String,
    pub state_title: String,
    pub queue: Option<String>,
    pub terminal: bool,
    pub version: i64,
    pub data: Vec<Entry>,
    pub actions: Vec<ActionForm>,
    /// The state machine, as SVG markup made by `graph::svg` (every text in it escaped).
    pub picture: String,
}

pub struct DueLine {
    pub when: String,
    pub kind: String,
    pub what: String,
    pub procedure: String,
    pub overdue: bool,
}

pub struct EventLine {
    pub when: String,
    pub what: String,
    pub change: Option<String>,
    pub by: String,
    pub data: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "case.html", config = "src/http/ui/askama.toml")]
struct CasePage {
    nav: Nav,
    id: Uuid,
    reference: String,
    country: String,
    risk: String,
    themes: Vec<String>,
    owner: String,
    opened: String,
    updated: String,
    /// None when the caller reaches only the case's closed reviews.
    confidential: Option<Vec<Entry>>,
    procedures: Vec<ProcedureBlock>,
    upcoming: Vec<DueLine>,
    timeline: Vec<EventLine>,
    startable: Vec<Pick>,
    can_change: bool,
    notice: Option<String>,
    duplicates: Vec<String>,
}

/// A refused action, to show again with what was typed.
struct Refused {
    procedure: Uuid,
    action: String,
    form: Submitted,
    issues: Vec<ControlIssue>,
    message: Option<String>,
}

/// `GET /ui/cases/{id}`: the case as the caller may see it. Reading it is two entries in the
/// access log, as over the API: the case, and its timeline.
pub async fn case(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = parse_id(&id)?;
    case_page(&state, &session, &req, id, None, StatusCode::OK).await
}

async fn case_page(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    id: Uuid,
    refused: Option<Refused>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let (view, events, people) = run(state, session.caller.clone(), req, None, move |conn, ctx| {
        let (view, events) = cases::read_case_with_timeline(conn, ctx, id)?;
        let people = cases::colleagues(conn, ctx, &view.delegation)?;
        Ok((view, events, people))
    })
    .await?;
    let people: Vec<(String, String)> = people
        .into_iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name, forms::humanize(&u.role)),
            )
        })
        .collect();
    let notice = refused.as_ref().and_then(|r| r.message.clone());
    let page_of = case_view(state, session, view, events, &people, refused.as_ref(), notice);
    page(status, &page_of)
}

fn entries(data: &Value, workflow: Option<&Workflow>, zone: Tz) -> Vec<Entry> {
    let fields = workflow.map(Workflow::fields).unwrap_or_default();
    data.as_object()
        .map(|object| {
            object
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(name, value)| Entry {
                    label: fields
                        .get(name)
                        .and_then(|f| f.title.clone())
                        .unwrap_or_else(|| forms::humanize(name)),
                    value: match fields.get(name) {
                        // A choice reads as its label: `not_needed` → "Not needed".
                        Some(f) if matches!(f.kind, FieldType::Enum | FieldType::List) => match value {
                            Value::String(choice) => forms::humanize(choice),
                            Value::Array(choices) => choices
                                .iter()
                                .filter_map(Value::as_str)
                                .map(forms::humanize)
                                .collect::<Vec<_>>()
                                .join(", "),
                            other => shown(other, zone),
                        },
                        _ => shown(value, zone),
                    },
                })
                .collect()
        })
        .unwrap_or_default()
}

fn case_view(
    state: &AppState,
    session: &Session,
    view: CaseView,
    events: Vec<EventView>,
    people: &[(String, String)],
    refused: Option<&Refused>,
    notice: Option<String>,
) -> CasePage {
    let registry = &state.workflows;
    let zone = session.zone;
    let now = Utc::now();
    let mut procedure_titles: BTreeMap<Uuid, (Option<&Workflow>, String)> = BTreeMap::new();
    let procedures = view
        .procedures
        .iter()
        .map(|p| {
            let workflow = registry.version(&p.workflow, &p.workflow_version).map(AsRef::as_ref);
            procedure_titles.insert(p.id, (workflow, workflow_title(registry, &p.workflow)));
            let title_of = |s: &str| state_title(workflow, s);
            let actions = p
                .actions
                .iter()
                .map(|action| {
                    let def = workflow.and_then(|w| w.definition.actions.get(&action.id));
                    let target = def.and_then(|d| d.to.as_ref());
                    let mine = refused.filter(|r| r.procedure == p.id && r.action == action.id);
                    ActionForm {
                        url: format!("/ui/procedures/{}/actions/{}", p.id, action.id),
                        controls: forms::controls(
                            &action.fields,
                            target,
                            &title_of,
                            mine.map(|r| &r.form),
                            mine.map(|r| r.issues.as_slice()).unwrap_or_default(),
                            people,
                            zone,
                        ),
                        leads_to: match target {
                            Some(Target::State(s)) => Some(title_of(s)),
                            _ => None,
                        },
                        starts: def
                            .and_then(|d| d.starts.as_deref())
                            .map(|w| workflow_title(registry, w)),
                        error: mine.and_then(|r| r.message.clone()),
                        open: mine.is_some(),
                        id: action.id.clone(),
                        title: action.title.clone(),
                    }
                })
                .collect();
            ProcedureBlock {
                id: p.id,
                workflow: p.workflow.clone(),
                workflow_version: p.workflow_version.clone(),
                workflow_title: workflow_title(registry, &p.workflow),
                state_title: title_of(&p.state),
                queue: p.queue.clone(),
                terminal: workflow.is_some_and(|w| w.is_terminal(&p.state)),
                version: p.version,
                data: entries(p.data.expose(), workflow, zone),
                actions,
                picture: workflow.map(|w| graph::svg(w, Some(&p.state))).unwrap_or_default(),
            }
        })
        .collect();
    let upcoming = view
        .upcoming
        .iter()
        .map(|due| DueLine {
            when: local(due.due_at, zone),
            kind: if due.kind == "timer" {
                "Timer".into()
            } else {
                "Reminder".into()
            },
            // `trial.hearing_in_7_days` → "Hearing in 7 days".
            what: due
                .what
                .as_deref()
                .map(|key| forms::humanize(key.rsplit('.').next().unwrap_or(key)))
                .unwrap_or_default(),
            procedure: procedure_titles
                .get(&due.procedure_id)
                .map(|(_, t)| t.clone())
                .unwrap_or_default(),
            overdue: due.due_at < now,
        })
        .collect();
    let timeline = events
        .iter()
        .rev()
        .map(|event| {
            let workflow = event
                .procedure_id
                .and_then(|p| procedure_titles.get(&p))
                .and_then(|(w, _)| *w);
            let action = workflow
                .and_then(|w| w.definition.actions.get(&event.action))
                .map_or_else(|| forms::humanize(&event.action), |a| a.title.clone());
            let change = match (&event.from_state, &event.to_state) {
                (Some(from), Some(to)) if from != to => Some(format!(
                    "{} → {}",
                    state_title(workflow, from),
                    state_title(workflow, to)
                )),
                (None, Some(to)) => Some(format!("→ {}", state_title(workflow, to))),
                _ => None,
            };
            let mut data = event.data.expose().clone();
            if let Value::Object(object) = &mut data {
                object.remove("workflow_version");
            }
            EventLine {
                when: local(event.at, zone),
                what: action,
                change,
                by: match event.actor_id {
                    _ if event.actor_kind == "system" => "Vigil".into(),
                    Some(actor) if actor == session.caller.user_id => "you".into(),
                    Some(_) => "a colleague".into(),
                    None => "Vigil".into(),
                },
                data: entries(&data, workflow, zone),
            }
        })
        .collect();
    let confidential = (!view.confidential.expose().is_null()).then(|| entries(view.confidential.expose(), None, zone));
    CasePage {
        nav: Nav::of(session),
        id: view.id,
        reference: view.reference,
        country: view.country,
        risk: view.risk,
        themes: view.themes.iter().map(|t| theme_label(t).to_owned()).collect(),
        owner: if view.owner == session.caller.user_id {
            "you".into()
        } else {
            let owner = view.owner.to_string();
            people
                .iter()
                .find(|(id, _)| *id == owner)
                .map_or_else(|| "a colleague".into(), |(_, name)| name.clone())
        },
        opened: local(view.created_at, zone),
        updated: local(view.updated_at, zone),
        confidential,
        procedures,
        upcoming,
        timeline,
        startable: workflow_picks(registry, &[]),
        can_change: opens_cases(session.caller.role),
        notice,
        duplicates: view.possible_duplicates,
    }
}

/// `POST /ui/procedures/{id}/actions/{action}`: takes the action with the form's fields. On
/// success the case is shown again (a new request, so a reload repeats nothing); on a refusal
/// the case page comes back with the form unfolded, what was typed kept, and each problem
/// beside its field.
pub async fn take_action(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let (procedure, action) = path.into_inner();
    let procedure = parse_id(&procedure)?;
    let case_id = parse_id(form.text("case"))?;
    let expected_version: i64 = form
        .text("version")
        .parse()
        .map_err(|_| crate::http::error::ApiError::BadRequest("the form lacks the procedure's version".into()))?;
    let fields = state
        .workflows
        .version(form.text("workflow"), form.text("workflow_version"))
        .and_then(|w| w.definition.actions.get(&action))
        .map(|a| a.fields.clone())
        .unwrap_or_default();
    let (data, issues) = forms::action_data(&fields, &form, session.zone);
    let refused = |issues: Vec<ControlIssue>, message: Option<String>| Refused {
        procedure,
        action: action.clone(),
        form: form.clone(),
        issues,
        message,
    };
    if !issues.is_empty() {
        let refusal = refused(issues, Some("Some fields need another look.".into()));
        return case_page(
            &state,
            &session,
            &req,
            case_id,
            Some(refusal),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let request = cases::TransitionRequest {
        action: action.clone(),
        expected_version,
        data: Sensitive::new(data),
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::transition(conn, ctx, procedure, request)
    })
    .await;
    let (status, refusal) = match outcome {
        Ok(done) => {
            let anchor = done.started.first().map_or(procedure, |started| started.id);
            return Ok(see_other(&format!("/ui/cases/{case_id}#p-{anchor}")));
        }
        Err(CaseError::Refused(Refusal::InvalidData { problems, .. })) => {
            let issues = problems
                .into_iter()
                .map(|p| ControlIssue {
                    field: p.field,
                    problem: p.kind.to_string(),
                })
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                refused(issues, Some("Some fields need another look.".into())),
            )
        }
        Err(CaseError::Stale { .. }) => (
            StatusCode::CONFLICT,
            refused(
                Vec::new(),
                Some("Someone changed this procedure since you opened the page. It is shown as it is now; what you typed is kept.".into()),
            ),
        ),
        Err(CaseError::Refused(other)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            refused(Vec::new(), Some(format!("Refused: {other}."))),
        ),
        Err(e) => return Err(e.into()),
    };
    case_page(&state, &session, &req, case_id, Some(refusal), status).await
}

/// `POST /ui/cases/{id}/procedures`: starts another workflow on the case.
pub async fn start_procedure(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let case_id = parse_id(&id)?;
    let request = cases::StartProcedureRequest {
        workflow: form.text("workflow").to_owned(),
        data: Sensitive::new(Map::new()),
    };
    let started = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::start_procedure(conn, ctx, case_id, request)
    })
    .await?;
    Ok(see_other(&format!("/ui/cases/{case_id}#p-{}", started.id)))
}

// ---------------------------------------------------------------------------------------------
// Opening a case.

/// The confidential fields the form offers, sealed with the case; only the name is required.
const CONFIDENTIAL: [(&str, &str, bool); 5] = [
    ("defender_name", "Defender's name", true),
    ("organisation", "Organisation", false),
    ("location", "Where they are", false),
    ("contact", "How to reach them safely", false),
    ("narrative", "What happened", false),
];

pub struct Typed {
    pub name: String,
    pub label: String,
    pub required: bool,
    pub long: bool,
    pub value: String,
    pub error: Option<String>,
}

/// The case an edit form changes, and the version it was read at.
pub struct Editing {
    pub id: Uuid,
    pub reference: String,
    pub version: i64,
}

/// The form that opens a case, or edits one (`editing`).
#[derive(Template)]
#[template(path = "case_form.html", config = "src/http/ui/askama.toml")]
struct CaseFormPage {
    nav: Nav,
    editing: Option<Editing>,
    country: String,
    country_error: Option<String>,
    themes: Vec<Pick>,
    themes_error: Option<String>,
    risks: Vec<Pick>,
    risk_error: Option<String>,
    workflows: Vec<Pick>,
    workflow_error: Option<String>,
    confidential: Vec<Typed>,
    error: Option<String>,
}

fn case_form(
    state: &AppState,
    session: &Session,
    editing: Option<Editing>,
    form: &Submitted,
    issues: &[cases::FieldIssue],
    error: Option<String>,
) -> CaseFormPage {
    let problem = |field: &str| {
        let found: Vec<&str> = issues
            .iter()
            .filter(|i| i.field == field)
            .map(|i| i.problem.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join("; "))
    };
    CaseFormPage {
        nav: Nav::of(session),
        editing,
        country: form.text("country").to_owned(),
        country_error: problem("country"),
        themes: theme_picks(&form.all("themes")),
        themes_error: problem("themes"),
        risks: risk_picks(&[form.get("risk").unwrap_or("medium")]),
        risk_error: problem("risk"),
        workflows: workflow_picks(&state.workflows, &[form.text("workflow")]),
        workflow_error: problem("procedure.workflow"),
        confidential: CONFIDENTIAL
            .iter()
            .map(|(name, label, required)| Typed {
                name: (*name).to_owned(),
                label: (*label).to_owned(),
                required: *required,
                long: *name == "narrative",
                value: form.get(name).unwrap_or_default().to_owned(),
                error: problem(&format!("confidential.{name}")),
            })
            .collect(),
        error,
    }
}

/// `GET /ui/cases/new`.
pub async fn new_case(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::OK,
        &case_form(&state, &session, None, &Submitted::default(), &[], None),
    )
}

/// `POST /ui/cases`: opens the case with its first procedure; on a refusal the form comes back
/// filled in, each problem beside its field.
pub async fn open_case(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let confidential: Map<String, Value> = CONFIDENTIAL
        .iter()
        .filter_map(|(name, _, _)| {
            let value = form.text(name);
            (!value.is_empty()).then(|| ((*name).to_owned(), Value::String(value.to_owned())))
        })
        .collect();
    let request = OpenCaseRequest {
        delegation: None,
        country: form.text("country").to_uppercase(),
        themes: form.all("themes").into_iter().map(str::to_owned).collect(),
        risk: form.text("risk").to_owned(),
        owner: None,
        confidential: Sensitive::new(confidential),
        procedure: OpenProcedureRequest {
            workflow: form.text("workflow").to_owned(),
            data: Sensitive::new(Map::new()),
        },
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::open_case(conn, ctx, request)
    })
    .await;
    match outcome {
        Ok(opened) => {
            tracing::info!(case.id = %opened.id, case.reference = %opened.reference, "case opened");
            Ok(see_other(&format!("/ui/cases/{}", opened.id)))
        }
        Err(CaseError::Invalid(issues)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &case_form(
                &state,
                &session,
                None,
                &form,
                &issues,
                Some("Some fields need another look.".into()),
            ),
        ),
        Err(CaseError::Refused(refusal)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &case_form(&state, &session, None, &form, &[], Some(format!("Refused: {refusal}."))),
        ),
        Err(CaseError::Forbidden(why)) => page(
            StatusCode::FORBIDDEN,
            &case_form(&state, &session, None, &form, &[], Some(why)),
        ),
        Err(e) => Err(e.into()),
    }
}

/// `GET /ui/cases/{id}/edit`: the case's metadata and confidential data in a form. Showing the
/// data is a read, on record like any other.
pub async fn edit_case(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = parse_id(&id)?;
    let view = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::read_case(conn, ctx, id)
    })
    .await?;
    let mut pairs = vec![
        ("country".to_owned(), view.country.clone()),
        ("risk".to_owned(), view.risk.clone()),
    ];
    pairs.extend(view.themes.iter().map(|t| ("themes".to_owned(), t.clone())));
    if let Value::Object(confidential) = view.confidential.expose() {
        for (name, _, _) in CONFIDENTIAL {
            if let Some(Value::String(value)) = confidential.get(name) {
                pairs.push((name.to_owned(), value.clone()));
            }
        }
    }
    let editing = Editing {
        id,
        reference: view.reference,
        version: view.version,
    };
    page(
        StatusCode::OK,
        &case_form(
            &state,
            &session,
            Some(editing),
            &Submitted::from_pairs(pairs),
            &[],
            None,
        ),
    )
}

/// `POST /ui/cases/{id}/edit`: changes the case if nobody changed it since the form was shown.
/// Confidential fields left empty are removed (the defender's name cannot be); keys the form
/// does not show, set through the API, are kept.
pub async fn update_case(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let id = parse_id(&id)?;
    let version: i64 = form
        .text("version")
        .parse()
        .map_err(|_| crate::http::error::ApiError::BadRequest("the form lacks the case's version".into()))?;
    let confidential: Map<String, Value> = CONFIDENTIAL
        .iter()
        .map(|(name, _, _)| {
            let value = form.text(name);
            let value = if value.is_empty() && *name != "defender_name" {
                Value::Null
            } else {
                Value::String(value.to_owned())
            };
            ((*name).to_owned(), value)
        })
        .collect();
    let patch = cases::CasePatch {
        country: Some(form.text("country").to_uppercase()),
        themes: Some(form.all("themes").into_iter().map(str::to_owned).collect()),
        risk: Some(form.text("risk").to_owned()),
        owner: None,
        confidential: Some(Sensitive::new(confidential)),
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::patch_case(conn, ctx, id, version, patch)
    })
    .await;
    let reference = form.text("reference").to_owned();
    let again = |version: i64| Editing {
        id,
        reference: reference.clone(),
        version,
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/ui/cases/{id}"))),
        Err(CaseError::Invalid(issues)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &case_form(
                &state,
                &session,
                Some(again(version)),
                &form,
                &issues,
                Some("Some fields need another look.".into()),
            ),
        ),
        Err(CaseError::Stale { current_version }) => page(
            StatusCode::CONFLICT,
            &case_form(
                &state,
                &session,
                Some(again(current_version)),
                &form,
                &[],
                Some(
                    "Someone changed this case since you opened the form. Your entries are kept; \
                     saving again replaces their changes with yours, so compare with the case first."
                        .into(),
                ),
            ),
        ),
        Err(CaseError::Forbidden(why)) => page(
            StatusCode::FORBIDDEN,
            &case_form(&state, &session, Some(again(version)), &form, &[], Some(why)),
        ),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The review queue.

pub struct QueueLine {
    pub case_id: Uuid,
    pub procedure_id: Uuid,
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
            reference: e.reference,
            delegation: e.delegation,
            country: e.country,
            risk: e.risk,
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

// ---------------------------------------------------------------------------------------------
// The workflow gallery.

pub struct StateLine {
    pub title: String,
    pub marks: Vec<&'static str>,
    pub reminders: Vec<String>,
    pub timers: Vec<String>,
}

pub struct ActionLine {
    pub title: String,
    pub from: String,
    pub to: String,
    pub roles: String,
    pub fields: Vec<String>,
}

pub struct WorkflowBlock {
    pub name: String,
    pub title: String,
    pub description: String,
    pub version: String,
    pub picture: String,
    pub states: Vec<StateLine>,
    pub actions: Vec<ActionLine>,
}

#[derive(Template)]
#[template(path = "workflows.html", config = "src/http/ui/askama.toml")]
struct WorkflowsPage {
    nav: Nav,
    workflows: Vec<WorkflowBlock>,
    one: bool,
}

fn workflow_block(workflow: &Workflow) -> WorkflowBlock {
    let def = &workflow.definition;
    let title_of = |s: &str| state_title(Some(workflow), s);
    WorkflowBlock {
        name: def.name.clone(),
        title: def.title.clone(),
        description: def.description.clone(),
        version: workflow.version.chars().take(12).collect(),
        picture: graph::svg(workflow, None),
        states: def
            .states
            .values()
            .map(|s| StateLine {
                title: s.title.clone(),
                marks: [
                    s.initial.then_some("first"),
                    s.terminal.then_some("final"),
                    s.queue.as_ref().map(|_| "in the EUSR review queue"),
                ]
                .into_iter()
                .flatten()
                .collect(),
                reminders: s
                    .reminders
                    .iter()
                    .map(|r| {
                        let when = match (&r.after, &r.before, &r.field, &r.cron) {
                            (_, _, _, Some(cron)) => format!("repeating ({cron})"),
                            (Some(after), _, Some(field), _) => format!("{after} after {}", forms::humanize(field)),
                            (_, Some(before), Some(field), _) => format!("{before} before {}", forms::humanize(field)),
                            (Some(after), _, None, _) => format!("{after} after entering"),
                            _ => String::new(),
                        };
                        format!("{} — to {} — {when}", forms::humanize(&r.message), r.to.join(", "))
                    })
                    .collect(),
                timers: s
                    .timers
                    .iter()
                    .map(|t| format!("after {}: {}", t.after, forms::humanize(&t.action)))
                    .collect(),
            })
            .collect(),
        actions: def
            .actions
            .values()
            .map(|a| ActionLine {
                title: a.title.clone(),
                from: if a.from.iter().any(|f| f == "*") {
                    "any open state".into()
                } else {
                    a.from.iter().map(|s| title_of(s)).collect::<Vec<_>>().join(", ")
                },
                to: match (&a.to, &a.starts) {
                    (Some(Target::State(s)), _) => title_of(s),
                    (Some(Target::Branch(b)), _) => format!(
                        "by {}: {}",
                        forms::humanize(&b.field),
                        b.cases
                            .iter()
                            .map(|(v, s)| format!("{v} → {}", title_of(s)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (None, Some(starts)) => format!("stays; starts {}", forms::humanize(starts)),
                    (None, None) => "stays".into(),
                },
                roles: a.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                fields: a
                    .fields
                    .iter()
                    .map(|(name, f)| {
                        let mut marks = vec![f.kind.as_str()];
                        if !f.required {
                            marks.push("optional");
                        }
                        marks.push(if f.confidential { "sealed" } else { "plain" });
                        if f.kind == FieldType::Enum || f.kind == FieldType::List {
                            return format!(
                                "{} ({}: {})",
                                forms::humanize(name),
                                marks.join(", "),
                                f.values.join(", ")
                            );
                        }
                        format!("{} ({})", forms::humanize(name), marks.join(", "))
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `GET /ui/workflows`: every workflow drawn, with its states, actions, roles, reminders and timers.
pub async fn workflows(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::OK,
        &WorkflowsPage {
            nav: Nav::of(&session),
            workflows: state.workflows.iter().map(|w| workflow_block(w)).collect(),
            one: false,
        },
    )
}

/// `GET /ui/workflows/{name}`: one of them.
pub async fn workflow(
    state: web::Data<AppState>,
    session: Session,
    name: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let workflow = state
        .workflows
        .get(&name)
        .ok_or(WebError::Api(crate::http::error::ApiError::NotFound))?;
    page(
        StatusCode::OK,
        &WorkflowsPage {
            nav: Nav::of(&session),
            workflows: vec![workflow_block(workflow)],
            one: true,
        },
    )
}
