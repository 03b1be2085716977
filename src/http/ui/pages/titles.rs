//! What the workflows declare (the titles of procedures, steps, actions and fields, and the
//! choices of a field), in the page's language: the text the catalog of emails has for it in
//! that language (`workflows/messages/LANG.ftl`: `wf-demarche`, `wf-demarche-state-draft`,
//! `wf-demarche-action-submit`, `wf-demarche-field-demarche_type`,
//! `wf-demarche-field-demarche_type-letter`), else the workflow's own title, which is English.
//! Workflow names, states, actions, fields and choices are lowercase identifiers, so these ids
//! are one to one with what they name.

use crate::http::AppState;
use crate::http::ui::forms::humanize;
use crate::http::ui::i18n::Tr;
use crate::mail::catalog::Words;
use crate::workflow::graph::Arrow;
use crate::workflow::model::FieldDef;
use crate::workflow::{Duration, Registry, Workflow};

use super::{Pick, picks};

/// The loaded workflows' words in one language.
#[derive(Clone, Copy)]
pub(in crate::http::ui) struct Titles<'a> {
    registry: &'a Registry,
    words: Words<'a>,
    /// The page's own words.
    pub tr: Tr,
}

impl<'a> Titles<'a> {
    pub fn new(state: &'a AppState, tr: Tr) -> Self {
        Self {
            registry: &state.workflows,
            words: tr.mail(state),
            tr,
        }
    }

    /// A procedure's title, by its workflow's name.
    pub fn workflow(&self, name: &str) -> String {
        self.words.or(&format!("wf-{name}"), || {
            self.registry
                .get(name)
                .map_or_else(|| humanize(name), |w| w.definition.title.clone())
        })
    }

    /// The words of one workflow (of the version a procedure runs; None: one no longer
    /// loaded, whose names are read from their identifiers).
    pub fn of(&self, workflow: Option<&'a Workflow>) -> Named<'a> {
        Named {
            words: self.words,
            workflow,
            tr: self.tr,
        }
    }

    /// The words of the workflow called `name`, as loaded now.
    pub fn named(&self, name: &str) -> Named<'a> {
        self.of(self.registry.get(name).map(AsRef::as_ref))
    }

    /// The loaded workflows to choose from, by title.
    pub fn picks(&self, chosen: &[&str]) -> Vec<Pick> {
        picks(
            self.registry.iter().map(|w| (w.name(), self.workflow(w.name()))),
            chosen,
        )
    }
}

/// The words of one workflow in one language.
#[derive(Clone, Copy)]
pub(in crate::http::ui) struct Named<'a> {
    words: Words<'a>,
    workflow: Option<&'a Workflow>,
    /// The page's own words (yes and no).
    pub tr: Tr,
}

impl Named<'static> {
    /// The words of no workflow (each name read from its identifier), in `tr`'s language.
    #[cfg(test)]
    pub fn of_no_workflow(tr: Tr) -> Self {
        static CATALOG: std::sync::LazyLock<crate::mail::catalog::Catalog> =
            std::sync::LazyLock::new(crate::mail::catalog::Catalog::default);
        Named {
            words: CATALOG.words(tr.lang()),
            workflow: None,
            tr,
        }
    }
}

impl Named<'_> {
    /// The text of `what` (`state-draft` …) of this workflow in the page's language, else
    /// `declared`.
    fn text(
        &self,
        what: std::fmt::Arguments<'_>,
        declared: impl FnOnce(&Workflow) -> Option<String>,
    ) -> Option<String> {
        let workflow = self.workflow?;
        Some(self.words.or(&format!("wf-{}-{what}", workflow.name()), || {
            declared(workflow).unwrap_or_default()
        }))
        .filter(|text| !text.is_empty())
    }

    /// A step's title.
    pub fn state(&self, state: &str) -> String {
        self.text(format_args!("state-{state}"), |w| {
            w.definition.states.get(state).map(|s| s.title.clone())
        })
        .unwrap_or_else(|| humanize(state))
    }

    /// An action's title.
    pub fn action(&self, action: &str) -> String {
        self.text(format_args!("action-{action}"), |w| {
            w.definition.actions.get(action).map(|a| a.title.clone())
        })
        .unwrap_or_else(|| humanize(action))
    }

    /// A field's label (`field` its declaration, where the caller has it).
    pub fn field(&self, name: &str, field: Option<&FieldDef>) -> String {
        self.text(format_args!("field-{name}"), |w| {
            field.or_else(|| w.fields().get(name)).and_then(|f| f.title.clone())
        })
        .unwrap_or_else(|| humanize(name))
    }

    /// The workflow's description (empty when it has none).
    pub fn description(&self) -> String {
        self.text(format_args!("description"), |w| Some(w.definition.description.clone()))
            .unwrap_or_default()
    }

    /// The names a picture of this workflow gives its states and arrows.
    pub fn arrow(&self, arrow: &Arrow<'_>) -> String {
        let tr = self.tr;
        let action = self.action(arrow.action);
        let roles = || {
            arrow
                .roles
                .iter()
                .map(|role| super::role_word(tr, *role))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (arrow.after, arrow.branch) {
            (Some(after), _) => tr.with(
                "graph-arrow-timer",
                &[("action", action.into()), ("after", duration_words(tr, after).into())],
            ),
            (None, Some((field, value))) => tr.with(
                "graph-arrow-branch",
                &[
                    ("action", action.into()),
                    ("field", self.field(field, None).into()),
                    ("choice", self.choice(field, value).into()),
                    ("roles", roles().into()),
                ],
            ),
            (None, None) => tr.with("graph-arrow", &[("action", action.into()), ("roles", roles().into())]),
        }
    }

    /// One of a field's choices.
    pub fn choice(&self, field: &str, value: &str) -> String {
        self.text(format_args!("field-{field}-{value}"), |_| None)
            .unwrap_or_else(|| humanize(value))
    }
}

/// A duration as a workflow writes it (`5wd`) in words ("5 working days"); as written when it
/// is not one (a validated workflow has none such).
pub(in crate::http::ui) fn duration_words(tr: Tr, written: &str) -> String {
    let (key, n) = match written.parse::<Duration>() {
        Ok(Duration::Hours(n)) => ("duration-hours", n),
        Ok(Duration::Days(n)) => ("duration-days", n),
        Ok(Duration::Weeks(n)) => ("duration-weeks", n),
        Ok(Duration::WorkingDays(n)) => ("duration-working-days", n),
        Err(_) => return written.to_owned(),
    };
    tr.count(key, i64::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the shipped workflows declare, as the catalog's ids name it.
    fn declared_ids() -> Vec<String> {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/workflows"));
        let sources: Vec<crate::workflow::Source> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| crate::workflow::Source {
                file: p.display().to_string(),
                stem: p.file_stem().unwrap().to_string_lossy().into_owned(),
                text: std::fs::read_to_string(&p).unwrap(),
            })
            .collect();
        let registry = Registry::load(&sources).unwrap();
        let mut ids = Vec::new();
        for workflow in registry.iter() {
            let (name, def) = (workflow.name(), &workflow.definition);
            ids.push(format!("wf-{name}"));
            if !def.description.is_empty() {
                ids.push(format!("wf-{name}-description"));
            }
            ids.extend(def.states.keys().map(|s| format!("wf-{name}-state-{s}")));
            ids.extend(def.actions.keys().map(|a| format!("wf-{name}-action-{a}")));
            ids.extend(workflow.fields().keys().map(|f| format!("wf-{name}-field-{f}")));
            for (field, def) in workflow.fields() {
                ids.extend(def.values.iter().map(|v| format!("wf-{name}-field-{field}-{v}")));
            }
        }
        ids
    }

    #[test]
    fn french_and_spanish_name_every_step_action_and_field_of_the_shipped_workflows_and_nothing_else() {
        let declared = declared_ids();
        assert!(declared.len() > 200, "{}", declared.len());
        for (tag, ftl) in [
            ("fr", include_str!("../../../../workflows/messages/fr.ftl")),
            ("es", include_str!("../../../../workflows/messages/es.ftl")),
        ] {
            let written: Vec<&str> = ftl
                .lines()
                .filter(|l| l.starts_with("wf-"))
                .filter_map(|l| l.split_once(" =").map(|(id, _)| id))
                .collect();
            let stale: Vec<&&str> = written.iter().filter(|id| !declared.iter().any(|d| d == *id)).collect();
            assert!(stale.is_empty(), "{tag}.ftl names what no workflow declares: {stale:?}");
            let missing: Vec<&String> = declared.iter().filter(|id| !written.contains(&id.as_str())).collect();
            assert!(missing.is_empty(), "{tag}.ftl lacks {missing:?}");
        }
    }
}
