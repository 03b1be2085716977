//! A workflow's state machine as Graphviz DOT or Mermaid, each transition labelled with its
//! action and the roles that may take it; timers are dashed and taken by `system`.

use super::Workflow;
use super::model::Target;
use super::validate::sources;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
}

struct Edge {
    from: String,
    to: String,
    label: String,
    timer: bool,
}

fn edges(workflow: &Workflow) -> Vec<Edge> {
    let def = &workflow.definition;
    let mut edges = Vec::new();
    for (name, action) in &def.actions {
        // Actions that stay in place (notes, reassignment) would loop on every state: left out.
        let Some(to) = &action.to else { continue };
        let roles = action.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        let from_states = sources(def, action);
        let wildcard = action.from.iter().any(|s| s == super::model::ANY_STATE);
        for from in from_states {
            match to {
                Target::State(state) => {
                    // "From any state" actions are drawn once per state except into themselves.
                    if wildcard && state == from {
                        continue;
                    }
                    edges.push(Edge {
                        from: from.to_owned(),
                        to: state.clone(),
                        label: format!("{name} [{roles}]"),
                        timer: false,
                    });
                }
                Target::Branch(branch) => {
                    for (value, state) in &branch.cases {
                        edges.push(Edge {
                            from: from.to_owned(),
                            to: state.clone(),
                            label: format!("{name} ({}={value}) [{roles}]", branch.field),
                            timer: false,
                        });
                    }
                }
            }
        }
    }
    for (state_name, state) in &def.states {
        for timer in &state.timers {
            if let Some(Target::State(to)) = def.actions.get(&timer.action).and_then(|a| a.to.as_ref()) {
                edges.push(Edge {
                    from: state_name.clone(),
                    to: to.clone(),
                    label: format!("after {}: {} [system]", timer.after, timer.action),
                    timer: true,
                });
            }
        }
    }
    edges
}

fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The graph, with `current` (if any) marked.
pub fn render(workflow: &Workflow, format: Format, current: Option<&str>) -> String {
    let def = &workflow.definition;
    let mut out = String::new();
    match format {
        Format::Dot => {
            out.push_str(&format!(
                "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
                quote(&def.name)
            ));
            for (name, state) in &def.states {
                let mut attributes = vec![format!("label=\"{}\"", quote(&state.title))];
                if state.initial {
                    attributes.push("penwidth=2".into());
                }
                if state.terminal {
                    attributes.push("peripheries=2".into());
                }
                if let Some(queue) = &state.queue {
                    attributes.push(format!("xlabel=\"queue: {}\"", quote(queue)));
                }
                if current == Some(name.as_str()) {
                    attributes.push("style=\"rounded,filled\", fillcolor=\"#ffd54f\"".into());
                }
                out.push_str(&format!("  {name} [{}];\n", attributes.join(", ")));
            }
            for edge in edges(workflow) {
                let style = if edge.timer { ", style=dashed" } else { "" };
                out.push_str(&format!(
                    "  {} -> {} [label=\"{}\"{style}];\n",
                    edge.from,
                    edge.to,
                    quote(&edge.label)
                ));
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("stateDiagram-v2\n");
            for (name, state) in &def.states {
                out.push_str(&format!("  {name} : {}\n", state.title.replace(':', " -")));
                if state.initial {
                    out.push_str(&format!("  [*] --> {name}\n"));
                }
                if state.terminal {
                    out.push_str(&format!("  {name} --> [*]\n"));
                }
            }
            for edge in edges(workflow) {
                let label = edge.label.replace(':', " -");
                out.push_str(&format!("  {} --> {} : {label}\n", edge.from, edge.to));
            }
            if let Some(current) = current {
                out.push_str(&format!("  classDef current fill:#ffd54f\n  class {current} current\n"));
            }
        }
    }
    out
}
