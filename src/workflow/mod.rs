//! Workflows as data: definitions read from TOML, validated, versioned by content, and the
//! pure engine that turns a request into a transition plan or a typed refusal.
//!
//! Nothing here does I/O or reads the clock: callers read the files and pass the time.

mod calendar;
pub mod engine;
pub mod graph;
pub mod model;
mod repeat;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use calendar::{BadDuration, Calendar, Direction, Duration};
pub use engine::HANDOFF_MESSAGE;
pub use model::Definition;
pub use repeat::{BadSchedule, Repeat};
pub use validate::{Problem, RECIPIENTS, REPORTED_OUTCOME};

use validate::{Locator, Timing};

/// A workflow file's name and text, as read by the caller.
#[derive(Debug, Clone)]
pub struct Source {
    /// How problems name the file, e.g. `workflows/demarche.toml`.
    pub file: String,
    /// The file name without `.toml`, which the workflow's `name` must equal.
    pub stem: String,
    pub text: String,
}

/// A validated definition with its version and its parsed schedules.
#[derive(Debug)]
pub struct Workflow {
    pub definition: Definition,
    /// A hash of the definition's content (not of its file's layout or comments).
    pub version: String,
    reminders: BTreeMap<String, Vec<Timing>>,
    timers: BTreeMap<String, Vec<Duration>>,
    /// Every field its actions declare, as [`Workflow::fields`] gives them.
    fields: model::Declared<model::FieldDef>,
}

impl Workflow {
    /// Builds a validated definition's schedules.
    fn compile(definition: Definition, at: &Locator<'_>) -> Self {
        let mut ignored = Vec::new();
        let fields = validate::workflow_fields(&definition, at, &mut ignored);
        let reminders = definition
            .states
            .iter()
            .map(|(name, state)| {
                let timings = state
                    .reminders
                    .iter()
                    .filter_map(|r| validate::reminder_timing(r, &fields).ok())
                    .collect();
                (name.clone(), timings)
            })
            .collect();
        let timers = definition
            .states
            .iter()
            .map(|(name, state)| {
                (
                    name.clone(),
                    state.timers.iter().filter_map(|t| t.after.parse().ok()).collect(),
                )
            })
            .collect();
        let version = version_of(&definition);
        let mut declared = model::Declared::new();
        for action in definition.actions.values() {
            for (name, field) in &action.fields {
                declared.entry(name.clone()).or_insert_with(|| field.clone());
            }
        }
        Self {
            version,
            reminders,
            timers,
            fields: declared,
            definition,
        }
    }

    /// Every field the workflow's actions declare, by name (one declaration per name, as
    /// validation ensures), in the order the workflow first declares them; built once, when
    /// the workflow is loaded.
    pub fn fields(&self) -> &model::Declared<model::FieldDef> {
        &self.fields
    }

    /// The definition as JSON, as the database records it.
    pub fn definition_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.definition).unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        &self.definition.name
    }

    pub fn initial_state(&self) -> &str {
        self.definition
            .states
            .iter()
            .find(|(_, state)| state.initial)
            .map(|(name, _)| name.as_str())
            .unwrap_or_default()
    }

    pub fn is_terminal(&self, state: &str) -> bool {
        self.definition.states.get(state).is_some_and(|s| s.terminal)
    }

    pub fn queue(&self, state: &str) -> Option<&str> {
        self.definition.states.get(state).and_then(|s| s.queue.as_deref())
    }
}

/// The version of a definition: the first 16 hex digits of SHA-256 over its canonical JSON.
pub fn version_of(definition: &Definition) -> String {
    // Serialising plain data with string keys cannot fail.
    let canonical = serde_json::to_vec(definition).unwrap_or_default();
    Sha256::digest(&canonical)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sorts `map` in the order of the names it shares with `model`, the others after (stably).
fn in_order_of<V, W>(map: &mut model::Declared<V>, model: &model::Declared<W>) {
    map.sort_by_cached_key(|name, _| model.get_index_of(name).unwrap_or(usize::MAX));
}

/// Every loaded workflow, by name, and the older versions procedures still run on.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    workflows: BTreeMap<String, Arc<Workflow>>,
    older: BTreeMap<(String, String), Arc<Workflow>>,
}

impl Registry {
    /// Parses and validates every source; all problems of all files, or the registry.
    pub fn load(sources: &[Source]) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut parsed = Vec::new();
        for source in sources {
            let at = Locator::new(&source.file, &source.text);
            match toml::from_str::<Definition>(&source.text) {
                Ok(definition) => parsed.push((source, definition)),
                Err(e) => {
                    let message = e.message().trim_end_matches('\n').to_owned();
                    problems.push(match e.span() {
                        Some(span) => at.at_offset(span.start, message),
                        None => at.problem(None, message),
                    });
                }
            }
        }
        // A file that fails to parse still names a workflow, so `starts` pointing at it is not
        // reported twice.
        let names: BTreeSet<String> = parsed
            .iter()
            .map(|(_, d)| d.name.clone())
            .chain(sources.iter().map(|s| s.stem.clone()))
            .collect();
        let mut workflows = BTreeMap::new();
        for (source, definition) in parsed {
            let at = Locator::new(&source.file, &source.text);
            let found = validate::check(&definition, &source.stem, &at, &names);
            if !found.is_empty() {
                problems.extend(found);
                continue;
            }
            if workflows.contains_key(&definition.name) {
                problems.push(at.problem(None, format!("a second workflow is named `{}`", definition.name)));
                continue;
            }
            let workflow = Workflow::compile(definition, &at);
            workflows.insert(workflow.definition.name.clone(), Arc::new(workflow));
        }
        if problems.is_empty() {
            Ok(Self {
                workflows,
                older: BTreeMap::new(),
            })
        } else {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            Err(problems)
        }
    }

    /// The current version of a workflow: the one new procedures start on.
    pub fn get(&self, name: &str) -> Option<&Arc<Workflow>> {
        self.workflows.get(name)
    }

    /// A given version of a workflow, current or older.
    pub fn version(&self, name: &str, version: &str) -> Option<&Arc<Workflow>> {
        self.workflows
            .get(name)
            .filter(|current| current.version == version)
            .or_else(|| self.older.get(&(name.to_owned(), version.to_owned())))
    }

    /// Adds an older version, as recorded in the database, for the procedures that run on it.
    /// It is validated again; `starts` may name any workflow loaded now. The database keeps no
    /// order, so what the current version also declares comes in its order, the rest after.
    pub fn add_stored(&mut self, mut definition: Definition) -> Result<(), Vec<Problem>> {
        let version = version_of(&definition);
        if self.version(&definition.name, &version).is_some() {
            return Ok(());
        }
        if let Some(current) = self.workflows.get(&definition.name) {
            in_order_of(&mut definition.states, &current.definition.states);
            in_order_of(&mut definition.actions, &current.definition.actions);
            let fields = current.fields();
            for action in definition.actions.values_mut() {
                in_order_of(&mut action.fields, fields);
            }
        }
        let file = format!("stored {}@{version}", definition.name);
        let at = Locator::new(&file, "");
        let names: BTreeSet<String> = self.workflows.keys().cloned().collect();
        let problems = validate::check(&definition, &definition.name.clone(), &at, &names);
        if !problems.is_empty() {
            return Err(problems);
        }
        let workflow = Workflow::compile(definition, &at);
        self.older
            .insert((workflow.name().to_owned(), version), Arc::new(workflow));
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Workflow>> {
        self.workflows.values()
    }

    pub fn len(&self) -> usize {
        self.workflows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.workflows.is_empty()
    }
}

#[cfg(test)]
mod tests;
