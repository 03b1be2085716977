//! The workflow gallery: each workflow drawn, with its states and actions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::Nav;
use super::titles::{Titles, duration_words};
use crate::http::AppState;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page};
use crate::mail::catalog::Words;
use crate::workflow::model::{ANY_STATE, FieldType, Target};
use crate::workflow::{Workflow, graph};

pub struct StateLine {
    pub title: String,
    pub marks: Vec<String>,
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

fn workflow_block(workflow: &Workflow, titles: &Titles<'_>, words: &Words<'_>) -> WorkflowBlock {
    let def = &workflow.definition;
    let tr = titles.tr;
    let names = titles.of(Some(workflow));
    let title = titles.workflow(workflow.name());
    let field = |name: &str| names.field(name, None);
    let recipients = |to: &[String]| {
        to.iter()
            .map(|r| tr.t(&format!("recipient-{r}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    WorkflowBlock {
        name: def.name.clone(),
        picture: graph::svg_in(
            workflow,
            None,
            &graph::Names {
                state: &|s| names.state(s),
                arrow: &|a| names.arrow(a),
            },
            &tr.arg("workflows-graph-label", "workflow", &title),
        ),
        title,
        description: names.description(),
        version: workflow.version.chars().take(12).collect(),
        states: def
            .states
            .iter()
            .map(|(name, s)| StateLine {
                title: names.state(name),
                marks: [
                    s.initial.then_some("workflows-first"),
                    s.terminal.then_some("workflows-final"),
                    s.queue.as_ref().map(|_| "workflows-queued"),
                ]
                .into_iter()
                .flatten()
                .map(|key| tr.t(key))
                .collect(),
                reminders: s
                    .reminders
                    .iter()
                    .map(|r| {
                        let when = match (&r.after, &r.before, &r.field, &r.cron) {
                            (_, _, _, Some(cron)) => tr.arg("workflows-repeating", "cron", cron),
                            (Some(after), _, Some(at), _) => tr.with(
                                "workflows-after-field",
                                &[("by", duration_words(tr, after).into()), ("field", field(at).into())],
                            ),
                            (_, Some(before), Some(at), _) => tr.with(
                                "workflows-before-field",
                                &[("by", duration_words(tr, before).into()), ("field", field(at).into())],
                            ),
                            (Some(after), _, None, _) => {
                                tr.arg("workflows-after-entering", "by", &duration_words(tr, after))
                            }
                            _ => String::new(),
                        };
                        tr.with(
                            "workflows-reminder",
                            &[
                                ("what", words.reminder(&r.message).into()),
                                ("to", recipients(&r.to).into()),
                                ("when", when.into()),
                            ],
                        )
                    })
                    .collect(),
                timers: s
                    .timers
                    .iter()
                    .map(|t| {
                        tr.with(
                            "workflows-timer",
                            &[
                                ("by", duration_words(tr, &t.after).into()),
                                ("action", names.action(&t.action).into()),
                            ],
                        )
                    })
                    .collect(),
            })
            .collect(),
        actions: def
            .actions
            .iter()
            .map(|(name, a)| ActionLine {
                title: names.action(name),
                from: if a.from.iter().any(|f| f == ANY_STATE) {
                    tr.t("workflows-any-open-state")
                } else {
                    a.from.iter().map(|s| names.state(s)).collect::<Vec<_>>().join(", ")
                },
                to: match (&a.to, &a.starts) {
                    (Some(Target::State(s)), _) => names.state(s),
                    (Some(Target::Branch(b)), _) => tr.with(
                        "workflows-branch",
                        &[
                            ("field", field(&b.field).into()),
                            (
                                "cases",
                                b.cases
                                    .iter()
                                    .map(|(v, s)| format!("{} → {}", names.choice(&b.field, v), names.state(s)))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                                    .into(),
                            ),
                        ],
                    ),
                    (None, Some(starts)) => tr.arg("workflows-starts", "workflow", &titles.workflow(starts)),
                    (None, None) => tr.t("workflows-stays"),
                },
                roles: a
                    .roles
                    .iter()
                    .map(|r| super::role_word(tr, *r))
                    .collect::<Vec<_>>()
                    .join(", "),
                fields: a
                    .fields
                    .iter()
                    .map(|(name, f)| {
                        let mut marks = vec![tr.t(&format!("workflows-type-{}", f.kind.as_str()))];
                        if !f.required {
                            marks.push(tr.t("workflows-optional"));
                        }
                        marks.push(tr.t(if f.confidential {
                            "workflows-sealed"
                        } else {
                            "workflows-plain"
                        }));
                        let label = names.field(name, Some(f));
                        if f.kind == FieldType::Enum || f.kind == FieldType::List {
                            let choices: Vec<String> = f.values.iter().map(|v| names.choice(name, v)).collect();
                            return format!("{label} ({}: {})", marks.join(", "), choices.join(", "));
                        }
                        format!("{label} ({})", marks.join(", "))
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `GET /ui/workflows`: every workflow drawn, with its states, actions, roles, reminders and timers.
pub async fn workflows(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::OK,
        &WorkflowsPage {
            nav: Nav::load(&state, &session, &req).await?,
            workflows: {
                let (titles, words) = (Titles::new(&state, session.tr), session.tr.mail(&state));
                state
                    .workflows
                    .iter()
                    .map(|w| workflow_block(w, &titles, &words))
                    .collect()
            },
            one: false,
        },
    )
}

/// `GET /ui/workflows/{name}`: one of them.
pub async fn workflow(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let workflow = state
        .workflows
        .get(&name)
        .ok_or(WebError::Api(crate::http::error::ApiError::NotFound))?;
    page(
        StatusCode::OK,
        &WorkflowsPage {
            nav: Nav::load(&state, &session, &req).await?,
            workflows: vec![workflow_block(
                workflow,
                &Titles::new(&state, session.tr),
                &session.tr.mail(&state),
            )],
            one: true,
        },
    )
}
