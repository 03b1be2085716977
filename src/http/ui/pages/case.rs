//! A case: its data, procedures, timeline and the actions the reader may take.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::case_form::CONFIDENTIAL;
use super::{Named, Nav, Pick, Titles, parse_id, shown, theme_label};
use crate::cases::attachments::AttachmentView;
use crate::cases::{self, CaseError, CaseView, EventView};
use crate::domain::Sensitive;
use crate::domain::{ActorKind, AttachmentId, CaseId, ProcedureId, ScheduledKind, UserId};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::forms::{self, Control, ControlIssue, Submitted};
use crate::http::ui::kept::{KeptForm, session_or_keep};
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page, see_other};
use crate::workflow::engine::{FieldProblemKind, Refusal};
use crate::workflow::model::{Declared, FieldType, Target};
use crate::workflow::{Workflow, graph};

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
    /// Shown unfolded: the one that was just refused, else the usual next step.
    pub open: bool,
    /// The step usually taken next (shown first).
    pub usual: bool,
}

pub struct ProcedureBlock {
    pub id: ProcedureId,
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
    /// "Reminder: Decision due", "Timer: Escalate automatically".
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
    /// The risk's badge in the page's language ("high risk"; `risk` is its code, for the
    /// badge's class).
    risk_label: String,
    nav: Nav,
    id: CaseId,
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
    /// The form the notice is about (refused, or kept across signing in again), by its id.
    notice_form: Option<String>,
    /// What was typed into a refused or kept form that the page no longer offers (the step moved
    /// on meanwhile), shown so that it is not lost: each field's name and value.
    unplaced: Vec<Entry>,
    /// What the action just taken was, said once the page is back (focus is moved to it).
    done: Option<String>,
    /// Other cases of the same defender's name, by reference, with their page's address.
    duplicates: Vec<(String, String)>,
    /// The case's evidence files; None when the caller reaches only its closed reviews.
    attachments: Option<Vec<FileLine>>,
    /// The file just attached, said once the page is back (focus is moved to it).
    attached: Option<String>,
    /// Why the last file was not attached.
    attach_problem: Option<String>,
    /// The largest file taken, for the form's hint.
    max_file: String,
}

pub struct FileLine {
    pub url: String,
    pub name: String,
    pub size: String,
    pub media_type: String,
    pub procedure: Option<String>,
    pub when: String,
    pub by: String,
    pub sha256: String,
}

/// What the case page says on top of the case: an action refused, an action or a file just
/// done, or why a file was not attached.
#[derive(Default)]
pub(super) struct Said {
    refused: Option<Refused>,
    done: Option<(ProcedureId, String)>,
    attached: Option<AttachmentId>,
    attach_problem: Option<String>,
}

impl Said {
    /// Why a file was not attached (said beside the form, never what was sent).
    pub(super) fn not_attached(problem: String) -> Self {
        Self {
            attach_problem: Some(problem),
            ..Self::default()
        }
    }
}

/// `?done=ACTION&p=PROCEDURE`: the action just taken, for the confirmation; `?attached=ID`:
/// the file just attached.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    p: Option<String>,
    attached: Option<String>,
}

/// A refused action, to show again with what was typed.
struct Refused {
    procedure: ProcedureId,
    action: String,
    form: Submitted,
    issues: Vec<ControlIssue>,
    message: Option<String>,
}

/// The case page with a kept form of procedure `procedure`'s action `action` unfolded, what
/// was typed in it and `message` above (`crate::http::ui::kept`); the case is the form's own.
pub(super) async fn kept_action(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    (procedure, action): (ProcedureId, String),
    typed: Submitted,
    message: String,
) -> Result<HttpResponse, WebError> {
    let Ok(case_id) = typed.text("case").parse() else {
        return Ok(see_other("/ui/"));
    };
    let said = Said {
        refused: Some(Refused {
            procedure,
            action,
            form: typed,
            issues: Vec::new(),
            message: Some(message),
        }),
        ..Said::default()
    };
    case_page(state, session, req, case_id, said, StatusCode::OK).await
}

/// Whether the page offers the form `refused` was sent from.
fn offered(procedures: &[cases::ProcedureView], refused: &Refused) -> bool {
    procedures
        .iter()
        .any(|p| p.id == refused.procedure && p.actions.iter().any(|a| a.id == refused.action))
}

/// What was typed into the form `refused` was sent from, by the labels its workflow gives the
/// fields (the form's own hidden fields left out): shown when the page no longer offers it.
fn unplaced(
    registry: &crate::workflow::Registry,
    titles: Titles<'_>,
    procedures: &[cases::ProcedureView],
    refused: &Refused,
) -> Vec<Entry> {
    let workflow = procedures
        .iter()
        .find(|p| p.id == refused.procedure)
        .and_then(|p| registry.version(&p.workflow, &p.workflow_version))
        .map(AsRef::as_ref);
    let names = titles.of(workflow);
    let fields = workflow
        .and_then(|w| w.definition.actions.get(&refused.action))
        .map(|a| a.fields.clone())
        .unwrap_or_default();
    refused
        .form
        .pairs()
        .filter_map(|(name, value)| {
            let field = name.strip_prefix(forms::DATA)?;
            (!value.trim().is_empty()).then(|| Entry {
                label: names.field(field, fields.get(field)),
                value: value.clone(),
            })
        })
        .collect()
}

/// The most events the case page shows: the latest (the API's timeline pages through them all).
const TIMELINE_SHOWN: i64 = 200;

/// `GET /ui/cases/{id}`: the case as the caller may see it. Reading it is three entries in the
/// access log, as over the API: the case, its timeline and its attachments (two when the
/// caller reaches only its closed reviews, which show no files).
pub async fn case(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    query: web::Query<DoneQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = parse_id(&id)?;
    let query = query.into_inner();
    let done = query
        .p
        .as_deref()
        .and_then(|p| p.parse::<ProcedureId>().ok())
        .zip(query.done);
    let said = Said {
        done,
        attached: query.attached.as_deref().and_then(|a| a.parse().ok()),
        ..Said::default()
    };
    case_page(&state, &session, &req, id, said, StatusCode::OK).await
}

pub(super) async fn case_page(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    id: CaseId,
    said: Said,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let (view, events, people, office, files) = run(state, session.caller.clone(), req, None, move |conn, ctx| {
        let (view, events) = cases::read_case_with_timeline(conn, ctx, id, TIMELINE_SHOWN)?;
        // Files only for those who reach the case itself (asking for them otherwise would be
        // recorded as a refused access).
        let files = if view.confidential.expose().is_null() {
            None
        } else {
            Some(cases::attachments::list(conn, ctx, id)?)
        };
        let mut actors: Vec<_> = events.iter().filter_map(|e| e.actor_id).collect();
        actors.extend(files.iter().flatten().map(|f| f.uploaded_by));
        let people = cases::colleagues(conn, ctx, &view.delegation)?;
        let office = cases::office_members_among(conn, &actors)?;
        Ok((view, events, people, office, files))
    })
    .await?;
    let Said {
        refused,
        done,
        attached,
        attach_problem,
    } = said;
    let named = |users: Vec<crate::store::users::UserRow>| -> Vec<(String, String)> {
        users
            .into_iter()
            .map(|u| {
                let role = super::role_word(session.tr, u.role);
                (u.id.to_string(), format!("{} ({role})", u.display_name))
            })
            .collect()
    };
    // Who may own the case (a user field's choices), and everyone the timeline may name: those
    // and the EUSR office's members who acted on it.
    let people = named(people);
    let actors: Vec<(String, String)> = people.iter().cloned().chain(named(office)).collect();
    let notice = refused.as_ref().and_then(|r| r.message.clone());
    let people = People {
        owners: people,
        named: actors,
    };
    // The confirmation names the action by its title, and only an action of one of the case's
    // own procedures: nothing of the address is repeated.
    let done = done.and_then(|(procedure, action)| {
        let p = view.procedures.iter().find(|p| p.id == procedure)?;
        let workflow = state.workflows.get(&p.workflow)?;
        workflow.definition.actions.get(&action)?;
        let title = Titles::new(state, session.tr)
            .of(Some(workflow.as_ref()))
            .action(&action);
        Some(session.tr.arg("case-done", "action", &title))
    });
    let nav = Nav::load(state, session, req).await?;
    let mut page_of = case_view(state, session, nav, view, events, &people, refused.as_ref(), notice);
    page_of.done = done;
    page_of.attached = attached.and_then(|a| {
        let file = files.iter().flatten().find(|f| f.id == a)?;
        Some(session.tr.with(
            "case-attached",
            &[
                ("file", file.name.expose().as_str().into()),
                ("sha256", file.sha256.as_str().into()),
            ],
        ))
    });
    page_of.attach_problem = attach_problem;
    page_of.attachments = files.map(|files| file_lines(&page_of, files, &people, session));
    page(status, &page_of)
}

/// A procedure's or an event's data, in the order the workflow declares its fields (any it
/// does not declare after them), each under the workflow's label for it.
fn entries(data: &Value, workflow: Option<&Workflow>, names: Named<'_>, zone: Tz) -> Vec<Entry> {
    let none = Declared::new();
    let fields = workflow.map_or(&none, Workflow::fields);
    let tr = names.tr;
    in_order(data, |name| fields.get_index_of(name))
        .map(|(name, value)| {
            let field = fields.get(name);
            Entry {
                label: names.field(name, field),
                value: match field {
                    // A choice reads as its label: `not_needed` → "Not needed".
                    Some(f) if matches!(f.kind, FieldType::Enum | FieldType::List) => match value {
                        Value::String(choice) => names.choice(name, choice),
                        Value::Array(choices) => choices
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|choice| names.choice(name, choice))
                            .collect::<Vec<_>>()
                            .join(", "),
                        other => shown(other, zone, tr),
                    },
                    _ => shown(value, zone, tr),
                },
            }
        })
        .collect()
}

/// The given (non-null) values of a data object, ordered by `position` of their names (any
/// without one after the others, as they come).
fn in_order(data: &Value, position: impl Fn(&str) -> Option<usize>) -> impl Iterator<Item = (&String, &Value)> {
    let mut given: Vec<(&String, &Value)> = data
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !v.is_null())
        .collect();
    given.sort_by_key(|(name, _)| position(name).unwrap_or(usize::MAX));
    given.into_iter()
}

/// The case's own sealed data, in the order and with the labels of the case's form (anything
/// else the API was given after it).
fn case_entries(data: &Value, zone: Tz, tr: crate::http::ui::i18n::Tr) -> Vec<Entry> {
    let form = |name: &str| CONFIDENTIAL.iter().position(|(n, _, _)| *n == name);
    in_order(data, form)
        .map(|(name, value)| Entry {
            label: form(name).map_or_else(|| forms::humanize(name), |i| tr.t(CONFIDENTIAL[i].1)),
            value: shown(value, zone, tr),
        })
        .collect()
}

/// The people a case page names, by id: who may own the case (a user field's choices), and
/// everyone its timeline may name (those, and the EUSR office's members who acted on it).
struct People {
    owners: Vec<(String, String)>,
    named: Vec<(String, String)>,
}

impl People {
    /// How the page names `user`: "you", their name and role, or "a colleague" when the reader
    /// may not know who.
    fn name_of(&self, user: UserId, session: &Session) -> String {
        if user == session.caller.user_id {
            return session.tr.t("case-owner-you");
        }
        let user = user.to_string();
        self.named
            .iter()
            .find(|(id, _)| *id == user)
            .map_or_else(|| session.tr.t("case-owner-colleague"), |(_, name)| name.clone())
    }
}

/// The case's files as its page lists them, oldest first.
fn file_lines(page: &CasePage, files: Vec<AttachmentView>, people: &People, session: &Session) -> Vec<FileLine> {
    files
        .into_iter()
        .map(|file| FileLine {
            url: format!("/ui/cases/{}/attachments/{}", page.id, file.id),
            name: file.name.into_inner(),
            size: bytesize::ByteSize(file.size).to_string(),
            media_type: file.media_type,
            procedure: file.procedure.and_then(|p| {
                let block = page.procedures.iter().find(|b| b.id == p)?;
                Some(block.workflow_title.clone())
            }),
            when: session.tr.time(file.uploaded_at, session.zone),
            by: people.name_of(file.uploaded_by, session),
            sha256: file.sha256,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn case_view(
    state: &AppState,
    session: &Session,
    nav: Nav,
    view: CaseView,
    events: Vec<EventView>,
    people: &People,
    refused: Option<&Refused>,
    notice: Option<String>,
) -> CasePage {
    let registry = &state.workflows;
    let titles = Titles::new(state, session.tr);
    let zone = session.zone;
    let now = Utc::now();
    let mut procedure_titles: BTreeMap<ProcedureId, (Option<&Workflow>, String)> = BTreeMap::new();
    let procedures = view
        .procedures
        .iter()
        .map(|p| {
            let workflow = registry.version(&p.workflow, &p.workflow_version).map(AsRef::as_ref);
            procedure_titles.insert(p.id, (workflow, titles.workflow(&p.workflow)));
            let names = titles.of(workflow);
            let title_of = |s: &str| names.state(s);
            let refused_here = refused.is_some_and(|r| r.procedure == p.id);
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
                            names,
                            mine.map(|r| &r.form),
                            mine.map(|r| r.issues.as_slice()).unwrap_or_default(),
                            &people.owners,
                            zone,
                        ),
                        leads_to: match target {
                            Some(Target::State(s)) => Some(title_of(s)),
                            _ => None,
                        },
                        starts: def.and_then(|d| d.starts.as_deref()).map(|w| titles.workflow(w)),
                        error: mine.and_then(|r| r.message.clone()),
                        open: mine.is_some() || (action.usual && !refused_here),
                        usual: action.usual,
                        id: action.id.clone(),
                        title: names.action(&action.id),
                    }
                })
                .collect();
            ProcedureBlock {
                id: p.id,
                workflow: p.workflow.clone(),
                workflow_version: p.workflow_version.clone(),
                workflow_title: titles.workflow(&p.workflow),
                state_title: title_of(&p.state),
                queue: p.queue.clone(),
                terminal: workflow.is_some_and(|w| w.is_terminal(&p.state)),
                version: p.version,
                data: entries(p.data.expose(), workflow, names, zone),
                actions,
                picture: workflow
                    .map(|w| {
                        let label = session.tr.with(
                            "case-graph-label",
                            &[
                                ("workflow", titles.workflow(&p.workflow).into()),
                                ("state", names.state(&p.state).into()),
                            ],
                        );
                        graph::svg_in(
                            w,
                            Some(&p.state),
                            &graph::Names {
                                state: &|s| names.state(s),
                                arrow: &|a| names.arrow(a),
                            },
                            &label,
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let words = session.tr.mail(state);
    let upcoming = view
        .upcoming
        .iter()
        .map(|due| {
            let (workflow, procedure) = procedure_titles
                .get(&due.procedure_id)
                .map(|(w, t)| (*w, t.clone()))
                .unwrap_or_default();
            // A reminder by its message (`trial.hearing_in_7_days`: "Hearing in 7 days"), a
            // timer by the action it takes, each in the page's language.
            let what = due.what.as_deref().unwrap_or_default();
            let (kind, what) = if due.kind == ScheduledKind::Timer {
                ("case-timer", titles.of(workflow).action(what))
            } else {
                ("case-reminder", words.reminder(what))
            };
            DueLine {
                when: session.tr.time(due.due_at, zone),
                what: session.tr.with(
                    "case-due-what",
                    &[("kind", session.tr.t(kind).into()), ("what", what.into())],
                ),
                procedure,
                overdue: due.overdue_from.unwrap_or(due.due_at) < now,
            }
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
            let names = titles.of(workflow);
            let action = names.action(&event.action);
            let change = match (&event.from_state, &event.to_state) {
                (Some(from), Some(to)) if from != to => Some(format!("{} → {}", names.state(from), names.state(to))),
                (None, Some(to)) => Some(format!("→ {}", names.state(to))),
                _ => None,
            };
            let mut data = event.data.expose().clone();
            if let Value::Object(object) = &mut data {
                object.remove("workflow_version");
            }
            EventLine {
                when: session.tr.time(event.at, zone),
                what: action,
                change,
                by: match event.actor_id {
                    _ if event.actor_kind == ActorKind::System => session.tr.t("case-vigil"),
                    Some(actor) => people.name_of(actor, session),
                    None => session.tr.t("case-vigil"),
                },
                data: entries(&data, workflow, names, zone),
            }
        })
        .collect();
    let confidential =
        (!view.confidential.expose().is_null()).then(|| case_entries(view.confidential.expose(), zone, session.tr));
    CasePage {
        nav,
        id: view.id,
        reference: view.reference.into_string(),
        country: view.country,
        risk_label: session.tr.t(&format!("case-risk-{}", view.risk.as_str())),
        risk: view.risk.to_string(),
        themes: view.themes.iter().map(|t| theme_label(session.tr, t)).collect(),
        owner: if view.owner == session.caller.user_id {
            session.tr.t("case-owner-you")
        } else {
            let owner = view.owner.to_string();
            people
                .owners
                .iter()
                .find(|(id, _)| *id == owner)
                .map_or_else(|| session.tr.t("case-owner-colleague"), |(_, name)| name.clone())
        },
        opened: session.tr.time(view.created_at, zone),
        updated: session.tr.time(view.updated_at, zone),
        confidential,
        procedures,
        upcoming,
        timeline,
        startable: titles.picks(&[]),
        can_change: session.caller.role.is_delegation_staff(),
        notice_form: refused
            .filter(|r| offered(&view.procedures, r))
            .map(|r| format!("a-{}-{}", r.procedure, r.action)),
        unplaced: refused
            .filter(|r| !offered(&view.procedures, r))
            .map(|r| unplaced(registry, titles, &view.procedures, r))
            .unwrap_or_default(),
        notice,
        done: None,
        attachments: None,
        attached: None,
        attach_problem: None,
        max_file: bytesize::ByteSize(state.uploads.limits.max_bytes).to_string(),
        duplicates: view
            .possible_duplicates
            .into_iter()
            .map(|other| (other.reference.into_string(), format!("/ui/cases/{}", other.id)))
            .collect(),
    }
}

/// `POST /ui/procedures/{id}/actions/{action}`: takes the action with the form's fields. On
/// success the case is shown again (a new request, so a reload repeats nothing); on a refusal
/// the case page comes back with the form unfolded, what was typed kept, and each problem
/// beside its field.
pub async fn take_action(
    state: web::Data<AppState>,
    session: Option<Session>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    let (procedure, action) = path.into_inner();
    let procedure = parse_id(&procedure)?;
    let kept = KeptForm::Action {
        procedure,
        action: action.clone(),
    };
    let session = session_or_keep(&state, &req, session, &form, kept).await?;
    session.check(&form)?;
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
    let (data, issues) = forms::action_data(&fields, &form, session.zone, session.tr);
    let refused = |issues: Vec<ControlIssue>, message: Option<String>| Refused {
        procedure,
        action: action.clone(),
        form: form.clone(),
        issues,
        message,
    };
    if !issues.is_empty() {
        let refusal = refused(issues, Some(session.tr.t("case-look-again")));
        let said = Said {
            refused: Some(refusal),
            ..Said::default()
        };
        return case_page(&state, &session, &req, case_id, said, StatusCode::UNPROCESSABLE_ENTITY).await;
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
    let titles = super::Titles::new(&state, session.tr);
    let names_of_action = titles.of(state
        .workflows
        .version(form.text("workflow"), form.text("workflow_version"))
        .map(AsRef::as_ref));
    let (status, refusal) = match outcome {
        Ok(_) => {
            // Back to the case, saying what was done, focus on that (`#done`).
            return Ok(see_other(&format!(
                "/ui/cases/{case_id}?done={action}&p={procedure}#done"
            )));
        }
        Err(CaseError::Refused(Refusal::InvalidData { problems, .. })) => {
            let issues = problems
                .into_iter()
                .map(|p| ControlIssue {
                    field: p.field,
                    problem: match p.kind {
                        FieldProblemKind::Missing => session.tr.t("problem-missing"),
                        FieldProblemKind::Unknown => session.tr.t("problem-unknown"),
                        FieldProblemKind::Invalid(reason) => super::super::forms::invalid_in_words(&reason, session.tr),
                    },
                })
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                refused(issues, Some(session.tr.t("case-look-again"))),
            )
        }
        Err(CaseError::Stale { .. }) => (
            StatusCode::CONFLICT,
            refused(Vec::new(), Some(session.tr.t("case-changed-meanwhile"))),
        ),
        Err(CaseError::Refused(other)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            refused(
                Vec::new(),
                Some(session.tr.arg(
                    "case-refused",
                    "why",
                    &forms::refusal_in_words(&other, &names_of_action),
                )),
            ),
        ),
        Err(e) => return Err(e.into()),
    };
    let said = Said {
        refused: Some(refusal),
        ..Said::default()
    };
    case_page(&state, &session, &req, case_id, said, status).await
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
