//! The workflow gallery: each workflow drawn, with its states and actions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::Nav;
use crate::http::AppState;
use crate::http::ui::forms::{self};
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page};
use crate::workflow::model::{FieldType, Target};
use crate::workflow::{Workflow, graph};

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
    // This page is not translated yet: the workflow's own (English) titles.
    let title_of = |s: &str| {
        def.states
            .get(s)
            .map_or_else(|| forms::humanize(s), |state| state.title.clone())
    };
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
pub async fn workflows(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::OK,
        &WorkflowsPage {
            nav: Nav::load(&state, &session, &req).await?,
            workflows: state.workflows.iter().map(|w| workflow_block(w)).collect(),
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
            workflows: vec![workflow_block(workflow)],
            one: true,
        },
    )
}
