//! `vigil workflows`: definitions checked, their recorded versions listed, and drawn.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use super::with_database;
use vigil::config::Config;
use vigil::startup::load_workflows;
use vigil::store;
use vigil::workflow::{Registry, graph};

#[derive(Debug, Subcommand)]
pub enum WorkflowsCommand {
    /// Validate every definition; print one line per workflow, or every problem.
    Check {
        /// The directory to check (default: VIGIL_WORKFLOWS_DIR).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// List the recorded versions of each workflow and how many procedures run on each.
    List,
    /// Print a workflow's state machine.
    Graph {
        name: String,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

pub fn run(config: &Config, command: WorkflowsCommand) -> anyhow::Result<()> {
    match command {
        WorkflowsCommand::Check { dir } => {
            let dir = dir.unwrap_or_else(|| config.workflows_dir.clone());
            let registry = load_workflows(&dir)?;
            let catalog = vigil::mail::catalog::Catalog::load(&dir.join("messages"))?;
            let keys = message_keys(&registry);
            let missing = catalog.missing_in_english(keys.iter().map(String::as_str));
            anyhow::ensure!(
                missing.is_empty(),
                "{}: no English text for {}",
                dir.join("messages/en.ftl").display(),
                missing.join(", ")
            );
            for workflow in registry.iter() {
                let definition = &workflow.definition;
                println!(
                    "{}: ok, version {}, {} states, {} actions",
                    workflow.name(),
                    workflow.version,
                    definition.states.len(),
                    definition.actions.len()
                );
            }
            let languages: Vec<&str> = catalog.languages().collect();
            println!(
                "messages: ok, {} keys in English; languages {}",
                keys.len(),
                languages.join(", ")
            );
            Ok(())
        }
        WorkflowsCommand::List => {
            let registry = load_workflows(&config.workflows_dir)?;
            for line in with_database(config, |db| list_versions(db, &registry))? {
                println!("{line}");
            }
            Ok(())
        }
        WorkflowsCommand::Graph { name, format } => {
            let registry = load_workflows(&config.workflows_dir)?;
            let workflow = registry.get(&name).with_context(|| {
                let known: Vec<&str> = registry.iter().map(|w| w.name()).collect();
                format!("no workflow `{name}`; known: {}", known.join(", "))
            })?;
            let format = match format {
                GraphFormat::Dot => graph::Format::Dot,
                GraphFormat::Mermaid => graph::Format::Mermaid,
            };
            print!("{}", graph::render(workflow, format, None));
            Ok(())
        }
    }
}

/// One line per recorded version (and per current version not recorded yet).
fn list_versions(db: &store::Db, registry: &Registry) -> anyhow::Result<Vec<String>> {
    let recorded = db.run_blocking(store::workflows::list)?;
    let mut lines = Vec::new();
    for workflow in registry.iter() {
        let current_recorded = recorded
            .iter()
            .any(|r| r.name == workflow.name() && r.version == workflow.version);
        if !current_recorded {
            lines.push(format!(
                "{:<20} {}  current (not recorded yet: `vigil serve` records it)  0 procedures",
                workflow.name(),
                workflow.version
            ));
        }
    }
    for row in recorded {
        let current = registry.get(&row.name).is_some_and(|w| w.version == row.version);
        lines.push(format!(
            "{:<20} {}  {:<7}  recorded {}  {} running, {} in all",
            row.name,
            row.version,
            if current { "current" } else { "older" },
            row.recorded_at.format("%Y-%m-%d %H:%M UTC"),
            row.running,
            row.total
        ));
    }
    lines.sort();
    Ok(lines)
}

/// Every reminder message key the workflows use.
fn message_keys(registry: &Registry) -> std::collections::BTreeSet<String> {
    registry
        .iter()
        .flat_map(|w| w.definition.states.values())
        .flat_map(|state| state.reminders.iter().map(|r| r.message.clone()))
        .chain(std::iter::once(vigil::workflow::HANDOFF_MESSAGE.to_owned()))
        .collect()
}
