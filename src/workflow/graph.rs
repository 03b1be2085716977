//! A workflow's state machine as Graphviz DOT or Mermaid, each transition labelled with its
//! action and the roles that may take it; timers are dashed and taken by `system`.

use super::Workflow;
use super::model::Target;
use super::validate::sources;
use crate::domain::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
}

struct Edge {
    from: String,
    to: String,
    action: String,
    /// The branch field and the value of it this arrow stands for.
    branch: Option<(String, String)>,
    /// A timer's delay, as the workflow writes it (`2wd`); the system takes it.
    after: Option<String>,
    roles: Vec<Role>,
}

impl Edge {
    fn timer(&self) -> bool {
        self.after.is_some()
    }

    fn arrow(&self) -> Arrow<'_> {
        Arrow {
            action: &self.action,
            branch: self
                .branch
                .as_ref()
                .map(|(field, value)| (field.as_str(), value.as_str())),
            after: self.after.as_deref(),
            roles: &self.roles,
        }
    }

    fn label(&self) -> String {
        self.arrow().identifiers()
    }
}

/// A transition as the title of its arrow names it.
#[derive(Debug, Clone, Copy)]
pub struct Arrow<'a> {
    pub action: &'a str,
    /// The branch field and its value this transition is taken on.
    pub branch: Option<(&'a str, &'a str)>,
    /// A timer's delay (`2wd`).
    pub after: Option<&'a str>,
    pub roles: &'a [Role],
}

impl Arrow<'_> {
    /// Its label in DOT, Mermaid and the untranslated picture: identifiers, as the workflow
    /// file writes them (`approve [head_of_delegation]`).
    pub fn identifiers(&self) -> String {
        let roles = self.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        match (self.after, self.branch) {
            (Some(after), _) => format!("after {after}: {} [{roles}]", self.action),
            (None, Some((field, value))) => format!("{} ({field}={value}) [{roles}]", self.action),
            (None, None) => format!("{} [{roles}]", self.action),
        }
    }
}

/// How a picture names what it shows, in its reader's language.
pub struct Names<'a> {
    pub state: &'a dyn Fn(&str) -> String,
    pub arrow: &'a dyn Fn(&Arrow<'_>) -> String,
}

fn edges(workflow: &Workflow) -> Vec<Edge> {
    let def = &workflow.definition;
    let mut edges = Vec::new();
    for (name, action) in &def.actions {
        // Actions that stay in place (notes, reassignment) would loop on every state: left out.
        let Some(to) = &action.to else { continue };
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
                        action: name.clone(),
                        branch: None,
                        after: None,
                        roles: action.roles.clone(),
                    });
                }
                Target::Branch(branch) => {
                    for (value, state) in &branch.cases {
                        edges.push(Edge {
                            from: from.to_owned(),
                            to: state.clone(),
                            action: name.clone(),
                            branch: Some((branch.field.clone(), value.clone())),
                            after: None,
                            roles: action.roles.clone(),
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
                    action: timer.action.clone(),
                    branch: None,
                    after: Some(timer.after.clone()),
                    roles: vec![Role::System],
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
                let style = if edge.timer() { ", style=dashed" } else { "" };
                out.push_str(&format!(
                    "  {} -> {} [label=\"{}\"{style}];\n",
                    edge.from,
                    edge.to,
                    quote(&edge.label())
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
                let label = edge.label().replace(':', " -");
                out.push_str(&format!("  {} --> {} : {label}\n", edge.from, edge.to));
            }
            if let Some(current) = current {
                out.push_str(&format!("  classDef current fill:#ffd54f\n  class {current} current\n"));
            }
        }
    }
    out
}

/// XML text and attribute escaping.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const BOX_W: i64 = 200;
const BOX_H: i64 = 44;
const GAP_X: i64 = 24;
const GAP_Y: i64 = 46;
const MARGIN: i64 = 40;
/// Room beside the rows for the arrows that go round them.
const SIDE: i64 = 120;

/// The state machine as an SVG picture (no script, no style: it is drawn by the classes
/// `state`, `initial`, `terminal`, `current`, `edge`, `timer` and `back`), laid out top
/// to bottom in rows by distance from the initial state. Each arrow's `<title>` names its
/// actions; `current` is marked, and named in the picture's accessible label.
pub fn svg(workflow: &Workflow, current: Option<&str>) -> String {
    let def = &workflow.definition;
    let title = |name: &str| def.states.get(name).map_or(name.to_owned(), |s| s.title.clone());
    let label = match current {
        Some(state) => format!("State machine of {}; current state: {}", def.title, title(state)),
        None => format!("State machine of {}", def.title),
    };
    svg_in(
        workflow,
        current,
        &Names {
            state: &title,
            arrow: &|arrow: &Arrow<'_>| arrow.identifiers(),
        },
        &label,
    )
}

/// The same picture with its states and arrows named by `names` (in the reader's language)
/// and `label` as its accessible label.
pub fn svg_in(workflow: &Workflow, current: Option<&str>, names: &Names<'_>, label: &str) -> String {
    let state_title = names.state;
    let def = &workflow.definition;
    let edges = edges(workflow);
    // Rows: breadth-first distance from the initial state; unreachable states go last.
    let mut row: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut frontier = vec![workflow.initial_state()];
    row.insert(workflow.initial_state(), 0);
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for from in frontier {
            let depth = row[from];
            for edge in edges.iter().filter(|e| e.from == from) {
                if !row.contains_key(edge.to.as_str()) {
                    row.insert(edge.to.as_str(), depth + 1);
                    next.push(edge.to.as_str());
                }
            }
        }
        frontier = next;
    }
    let deepest = row.values().copied().max().unwrap_or(0);
    for name in def.states.keys() {
        row.entry(name.as_str()).or_insert(deepest + 1);
    }
    // Terminal states sit on a row of their own at the bottom.
    let last = row.values().copied().max().unwrap_or(0) + 1;
    for (name, state) in &def.states {
        if state.terminal {
            row.insert(name.as_str(), last);
        }
    }
    let mut rows: Vec<Vec<&str>> = Vec::new();
    for (name, state) in &def.states {
        let _ = state;
        let r = row[name.as_str()];
        if rows.len() <= r {
            rows.resize(r + 1, Vec::new());
        }
        rows[r].push(name.as_str());
    }
    rows.retain(|r| !r.is_empty());
    let widest = rows.iter().map(Vec::len).max().unwrap_or(1) as i64;
    let width = SIDE * 2 + widest * BOX_W + (widest - 1) * GAP_X;
    let height = MARGIN * 2 + rows.len() as i64 * BOX_H + (rows.len() as i64 - 1) * GAP_Y;
    let mut at: std::collections::BTreeMap<&str, (i64, i64, usize)> = std::collections::BTreeMap::new();
    for (r, names) in rows.iter().enumerate() {
        let n = names.len() as i64;
        let row_width = n * BOX_W + (n - 1) * GAP_X;
        let left = (width - row_width) / 2;
        for (i, name) in names.iter().enumerate() {
            let x = left + i as i64 * (BOX_W + GAP_X);
            let y = MARGIN + r as i64 * (BOX_H + GAP_Y);
            at.insert(name, (x, y, r));
        }
    }
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"workflow-graph\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{}\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         class=\"arrowhead\"/></marker></defs>\n",
        xml(label)
    );
    // One arrow per pair of states, titled with every action it stands for.
    let mut pairs: Vec<(&str, &str, Vec<String>, bool)> = Vec::new();
    for edge in &edges {
        let title = (names.arrow)(&edge.arrow());
        match pairs.iter_mut().find(|(f, t, _, _)| *f == edge.from && *t == edge.to) {
            Some(pair) => {
                pair.2.push(title);
                pair.3 &= edge.timer();
            }
            None => pairs.push((&edge.from, &edge.to, vec![title], edge.timer())),
        }
    }
    for (from, to, labels, timer) in pairs {
        let (Some(&(fx, fy, fr)), Some(&(tx, ty, tr))) = (at.get(from), at.get(to)) else {
            continue;
        };
        let mut classes = vec!["edge"];
        if timer {
            classes.push("timer");
        }
        let path = if tr == fr + 1 {
            format!("M{},{} L{},{}", fx + BOX_W / 2, fy + BOX_H, tx + BOX_W / 2, ty)
        } else if tr > fr {
            // Down past other rows: out of the source's left side, round, into the target's left.
            classes.push("long");
            let bulge = ((tr as i64 - fr as i64) * 14 + 20).min(SIDE);
            format!(
                "M{},{} C{},{} {},{} {},{}",
                fx,
                fy + BOX_H / 2,
                fx - bulge,
                fy + BOX_H / 2,
                tx - bulge,
                ty + BOX_H / 2,
                tx,
                ty + BOX_H / 2
            )
        } else {
            // Back or sideways: out of the source's right side, round, into the target's right side.
            classes.push("back");
            let bulge = ((fr as i64 - tr as i64 + 1) * 18 + 20).min(SIDE);
            format!(
                "M{},{} C{},{} {},{} {},{}",
                fx + BOX_W,
                fy + BOX_H / 2 + 6,
                fx + BOX_W + bulge,
                fy + BOX_H / 2,
                tx + BOX_W + bulge,
                ty + BOX_H / 2,
                tx + BOX_W,
                ty + BOX_H / 2 - 6
            )
        };
        out.push_str(&format!(
            "<path class=\"{}\" d=\"{path}\" marker-end=\"url(#arrow)\"><title>{}</title></path>\n",
            classes.join(" "),
            xml(&labels.join("; "))
        ));
    }
    for (name, state) in &def.states {
        let Some(&(x, y, _)) = at.get(name.as_str()) else {
            continue;
        };
        let mut classes = vec!["state"];
        if state.initial {
            classes.push("initial");
        }
        if state.terminal {
            classes.push("terminal");
        }
        if current == Some(name.as_str()) {
            classes.push("current");
        }
        out.push_str(&format!(
            "<g class=\"{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\"/>",
            classes.join(" ")
        ));
        let lines = wrap(&state_title(name), 30);
        let first_y = y + BOX_H / 2 + 4 - (lines.len() as i64 - 1) * 7;
        for (i, line) in lines.iter().enumerate() {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + BOX_W / 2,
                first_y + i as i64 * 14,
                xml(line)
            ));
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// `text` in lines of at most about `width` characters (two at most, the second shortened).
fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.chars().count() <= width {
        return vec![text.to_owned()];
    }
    let mut first = String::new();
    let mut rest = String::new();
    for word in text.split_whitespace() {
        if rest.is_empty() && first.chars().count() + word.chars().count() < width {
            if !first.is_empty() {
                first.push(' ');
            }
            first.push_str(word);
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(word);
        }
    }
    if rest.chars().count() > width {
        rest = rest.chars().take(width - 1).collect::<String>() + "…";
    }
    vec![first, rest]
}
