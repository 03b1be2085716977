//! Checking a workflow file: everything that can be wrong with it is reported at once, each
//! problem with its file, its line where one can be found, and a plain sentence.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::str::FromStr;

/// The field the reports read as a procedure's outcome (`reports`, dimension `outcome`): a
/// plain enum wherever an action declares it.
pub const REPORTED_OUTCOME: &str = "outcome";

use super::calendar::Duration;
use super::model::{ANY_STATE, ActionDef, Definition, FieldDef, FieldType, ReminderDef, Target};
use super::repeat::Repeat;
use crate::domain::Role;

/// One thing wrong with a workflow file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Finds lines in a file's text, for problems found after parsing.
pub(super) struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl<'a> Locator<'a> {
    pub(super) fn new(file: &'a str, text: &'a str) -> Self {
        Self { file, text }
    }

    /// The line of the `occurrence`-th (from 0) line that holds `needle`, trimmed.
    fn line_of(&self, needle: &str, occurrence: usize) -> Option<usize> {
        self.text
            .lines()
            .enumerate()
            .filter(|(_, line)| line.trim_start().starts_with(needle))
            .nth(occurrence)
            .map(|(index, _)| index + 1)
    }

    /// The line of the first `needle` that can be found, in order.
    fn first_of(&self, needles: &[String]) -> Option<usize> {
        needles.iter().find_map(|needle| self.line_of(needle, 0))
    }

    pub(super) fn problem(&self, line: Option<usize>, message: String) -> Problem {
        Problem {
            file: self.file.to_owned(),
            line,
            message,
        }
    }

    pub(super) fn at_offset(&self, offset: usize, message: String) -> Problem {
        let line = self.text.get(..offset).map(|before| before.matches('\n').count() + 1);
        self.problem(line, message)
    }

    fn state(&self, state: &str) -> Option<usize> {
        self.first_of(&[format!("[states.{state}]"), format!("[states.{state}.")])
    }

    fn action(&self, action: &str) -> Option<usize> {
        self.first_of(&[format!("[actions.{action}]"), format!("[actions.{action}.")])
    }

    fn field(&self, action: &str, field: &str) -> Option<usize> {
        let start = self.action(action)?;
        let needles = [
            format!("[actions.{action}.fields.{field}]"),
            format!("fields.{field} ="),
            format!("{field} = {{"),
        ];
        self.text
            .lines()
            .enumerate()
            .skip(start - 1)
            .find(|(_, line)| needles.iter().any(|n| line.trim_start().starts_with(n.as_str())))
            .map(|(index, _)| index + 1)
            .or(Some(start))
    }

    fn reminder(&self, state: &str, index: usize) -> Option<usize> {
        self.line_of(&format!("[[states.{state}.reminders]]"), index)
            .or_else(|| self.state(state))
    }

    fn timer(&self, state: &str, index: usize) -> Option<usize> {
        self.line_of(&format!("[[states.{state}.timers]]"), index)
            .or_else(|| self.state(state))
    }
}

fn is_identifier(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && text.len() <= 64
}

fn is_message_key(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(is_identifier)
}

/// Who a reminder may be sent to.
pub const RECIPIENTS: [&str; 4] = ["owner", "eusr_reviewers", "focal_point", "head_of_delegation"];

/// The states an action may be taken in.
pub(super) fn sources<'d>(def: &'d Definition, action: &'d ActionDef) -> Vec<&'d str> {
    if action.from.iter().any(|state| state == ANY_STATE) {
        def.states
            .iter()
            .filter(|(_, state)| !state.terminal)
            .map(|(name, _)| name.as_str())
            .collect()
    } else {
        action.from.iter().map(String::as_str).collect()
    }
}

/// The states an action may lead to from `from`.
pub(super) fn targets<'d>(action: &'d ActionDef, from: &'d str) -> Vec<&'d str> {
    match &action.to {
        None => vec![from],
        Some(Target::State(state)) => vec![state.as_str()],
        Some(Target::Branch(branch)) => branch.cases.values().map(String::as_str).collect(),
    }
}

/// Every field the workflow's actions declare, by name. Conflicting declarations are reported.
pub(super) fn workflow_fields<'d>(
    def: &'d Definition,
    at: &Locator<'_>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<&'d str, &'d FieldDef> {
    let mut fields: BTreeMap<&str, (&str, &FieldDef)> = BTreeMap::new();
    for (action_name, action) in &def.actions {
        for (field_name, field) in &action.fields {
            match fields.get(field_name.as_str()) {
                Some((first, known))
                    if known.kind != field.kind
                        || known.values != field.values
                        || known.confidential != field.confidential =>
                {
                    problems.push(at.problem(
                        at.field(action_name, field_name),
                        format!(
                            "field `{field_name}` of action `{action_name}` differs from its declaration in action `{first}`: a field has one type, one set of values and one confidentiality across the workflow"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    fields.insert(field_name, (action_name, field));
                }
            }
        }
    }
    fields.into_iter().map(|(name, (_, field))| (name, field)).collect()
}

/// Checks one definition on its own; `workflows` names every workflow loaded with it, for `starts`.
pub(super) fn check(def: &Definition, stem: &str, at: &Locator<'_>, workflows: &BTreeSet<String>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem = |line: Option<usize>, message: String| problems.push(at.problem(line, message));

    if def.name != stem {
        problem(
            at.line_of("name", 0),
            format!(
                "the workflow is named `{}` but its file is `{stem}.toml`; they must match",
                def.name
            ),
        );
    }
    for name in def.states.keys().chain(def.actions.keys()) {
        if !is_identifier(name) {
            problem(
                at.state(name).or_else(|| at.action(name)),
                format!("`{name}` is not a plain name: use lowercase letters, digits and underscores"),
            );
        }
    }

    // States.
    let initial: Vec<&String> = def.states.iter().filter(|(_, s)| s.initial).map(|(n, _)| n).collect();
    match initial.as_slice() {
        [] => problem(None, "no state is marked `initial = true`; exactly one must be".into()),
        [only] if def.states[only.as_str()].terminal => {
            problem(at.state(only), format!("the initial state `{only}` is also terminal"))
        }
        [_] => {}
        many => problem(
            at.state(many[1]),
            format!(
                "{} states are marked initial ({}); exactly one must be",
                many.len(),
                join(many.iter().map(|s| s.as_str()))
            ),
        ),
    }
    if !def.states.values().any(|s| s.terminal) {
        problem(
            None,
            "no state is marked `terminal = true`; a procedure must be able to end".into(),
        );
    }
    for (name, state) in &def.states {
        if let Some(queue) = &state.queue
            && !is_identifier(queue)
        {
            problem(
                at.state(name),
                format!("queue `{queue}` of state `{name}` is not a plain name"),
            );
        }
        if state.terminal && !state.timers.is_empty() {
            problem(
                at.timer(name, 0),
                format!("terminal state `{name}` has a timer, which would be an exit from it"),
            );
        }
    }

    // Actions.
    let mut fields_problems = Vec::new();
    let fields = workflow_fields(def, at, &mut fields_problems);
    problems.extend(fields_problems);
    let mut problem = |line: Option<usize>, message: String| problems.push(at.problem(line, message));
    for (name, action) in &def.actions {
        let line = at.action(name);
        if action.roles.is_empty() {
            problem(line, format!("action `{name}` names no role that may take it"));
        }
        if action.from.is_empty() {
            problem(
                line,
                format!("action `{name}` has an empty `from`; leave it out to allow every non-terminal state"),
            );
        }
        if action.from.len() > 1 && action.from.iter().any(|s| s == ANY_STATE) {
            problem(line, format!("action `{name}` mixes `*` with named states in `from`"));
        }
        for from in action.from.iter().filter(|s| *s != ANY_STATE) {
            match def.states.get(from) {
                None => problem(line, format!("action `{name}` starts from unknown state `{from}`")),
                Some(state) if state.terminal => problem(
                    line,
                    format!("action `{name}` leaves terminal state `{from}`; terminal states have no exits"),
                ),
                Some(_) => {}
            }
        }
        match &action.to {
            None => {}
            Some(Target::State(to)) if !def.states.contains_key(to) => {
                problem(line, format!("action `{name}` leads to unknown state `{to}`"));
            }
            Some(Target::State(_)) => {}
            Some(Target::Branch(branch)) => match action.fields.get(&branch.field) {
                None => problem(
                    line,
                    format!(
                        "action `{name}` branches on `{}`, which is not one of its fields",
                        branch.field
                    ),
                ),
                Some(field) if !field.required || !matches!(field.kind, FieldType::Enum | FieldType::Bool) => problem(
                    line,
                    format!(
                        "action `{name}` branches on `{}`, which must be a required enum or bool field",
                        branch.field
                    ),
                ),
                Some(field) => {
                    let expected: BTreeSet<String> = match field.kind {
                        FieldType::Bool => ["true".to_owned(), "false".to_owned()].into(),
                        _ => field.values.iter().cloned().collect(),
                    };
                    let given: BTreeSet<String> = branch.cases.keys().cloned().collect();
                    let missing: Vec<_> = expected.difference(&given).collect();
                    let extra: Vec<_> = given.difference(&expected).collect();
                    if !missing.is_empty() {
                        problem(
                            line,
                            format!(
                                "action `{name}` branches on `{}` but says nothing for {}",
                                branch.field,
                                join(missing.iter().map(|s| s.as_str()))
                            ),
                        );
                    }
                    if !extra.is_empty() {
                        problem(
                            line,
                            format!(
                                "action `{name}` branches on values `{}` cannot take: {}",
                                branch.field,
                                join(extra.iter().map(|s| s.as_str()))
                            ),
                        );
                    }
                    for to in branch.cases.values().filter(|to| !def.states.contains_key(*to)) {
                        problem(line, format!("action `{name}` leads to unknown state `{to}`"));
                    }
                }
            },
        }
        for (field_name, field) in &action.fields {
            let line = at.field(name, field_name);
            if !is_identifier(field_name) {
                problem(
                    line,
                    format!("field `{field_name}` of action `{name}` is not a plain name"),
                );
            }
            check_field(name, field_name, field, &mut |message| problem(line, message));
        }
        if let Some(started) = &action.starts
            && !workflows.contains(started)
        {
            problem(
                line,
                format!("action `{name}` starts workflow `{started}`, which does not exist"),
            );
        }
        if action.starts.is_none() && !action.carry.is_empty() {
            problem(line, format!("action `{name}` carries fields but starts no workflow"));
        }
        for carried in action.carry.iter().filter(|f| !action.fields.contains_key(*f)) {
            problem(
                line,
                format!("action `{name}` carries `{carried}`, which is not one of its fields"),
            );
        }
    }

    // Hand-offs.
    let mut bad_recipients = |line: Option<usize>, what: String, to: &[String]| {
        for recipient in to.iter().filter(|r| !RECIPIENTS.contains(&r.as_str())) {
            problem(
                line,
                format!(
                    "{what} notifies `{recipient}`, which is none of {}",
                    join(RECIPIENTS.iter().copied())
                ),
            );
        }
    };
    for (name, action) in &def.actions {
        bad_recipients(at.action(name), format!("action `{name}`"), &action.notify);
    }
    for (state_name, state) in &def.states {
        bad_recipients(at.state(state_name), format!("state `{state_name}`"), &state.notify);
    }
    for (state_name, state) in &def.states {
        let line = at.state(state_name);
        if state.terminal && !state.notify.is_empty() {
            problem(
                line,
                format!(
                    "state `{state_name}` is terminal: nobody has anything left to do in it, so it notifies no one"
                ),
            );
        }
        if state.notify.is_empty() && !state.notify_when.is_empty() {
            problem(
                line,
                format!("state `{state_name}` has `notify_when` but notifies no one"),
            );
        }
        for message in check_when(&state.notify_when, &fields) {
            problem(line, format!("state `{state_name}`'s `notify_when`: {message}"));
        }
        if let Some(next) = &state.next_step {
            let takes = |a: &ActionDef| !state.terminal && a.from.iter().any(|f| f == ANY_STATE || f == state_name);
            match def.actions.get(next) {
                None => problem(
                    line,
                    format!("state `{state_name}`'s `next_step` is unknown action `{next}`"),
                ),
                Some(action) if !takes(action) => problem(
                    line,
                    format!("state `{state_name}`'s `next_step` `{next}` cannot be taken in it"),
                ),
                Some(_) => {}
            }
        }
    }

    // Reminders and timers.
    for (state_name, state) in &def.states {
        for (index, reminder) in state.reminders.iter().enumerate() {
            let line = at.reminder(state_name, index);
            if let Err(message) = reminder_timing(reminder, &fields) {
                problem(
                    line,
                    format!("reminder {} of state `{state_name}`: {message}", index + 1),
                );
            }
            if !is_message_key(&reminder.message) {
                problem(
                    line,
                    format!(
                        "reminder {} of state `{state_name}`: message key `{}` is not of the form `workflow.what`",
                        index + 1,
                        reminder.message
                    ),
                );
            }
            if reminder.to.is_empty() {
                problem(
                    line,
                    format!("reminder {} of state `{state_name}` has no recipient", index + 1),
                );
            }
            for recipient in reminder.to.iter().filter(|r| !RECIPIENTS.contains(&r.as_str())) {
                problem(
                    line,
                    format!(
                        "reminder {} of state `{state_name}` goes to `{recipient}`, which is none of {}",
                        index + 1,
                        join(RECIPIENTS.iter().copied())
                    ),
                );
            }
            for message in check_when(&reminder.when, &fields) {
                problem(
                    line,
                    format!("reminder {} of state `{state_name}`: {message}", index + 1),
                );
            }
        }
        for (index, timer) in state.timers.iter().enumerate() {
            let line = at.timer(state_name, index);
            if let Err(e) = Duration::from_str(&timer.after) {
                problem(line, format!("timer {} of state `{state_name}`: {e}", index + 1));
            }
            match def.actions.get(&timer.action) {
                None => problem(
                    line,
                    format!(
                        "timer {} of state `{state_name}` takes unknown action `{}`",
                        index + 1,
                        timer.action
                    ),
                ),
                Some(action) => {
                    if !sources(def, action).contains(&state_name.as_str()) {
                        problem(
                            line,
                            format!(
                                "timer {} of state `{state_name}` takes action `{}`, which cannot be taken from `{state_name}`",
                                index + 1,
                                timer.action
                            ),
                        );
                    }
                    if !action.roles.contains(&Role::System) {
                        problem(
                            line,
                            format!(
                                "timer {} of state `{state_name}` takes action `{}`, whose roles do not include `system`",
                                index + 1,
                                timer.action
                            ),
                        );
                    }
                    if action.fields.values().any(|f| f.required) {
                        problem(
                            line,
                            format!(
                                "timer {} of state `{state_name}` takes action `{}`, which requires fields the system cannot give",
                                index + 1,
                                timer.action
                            ),
                        );
                    }
                }
            }
            for message in check_when(&timer.when, &fields) {
                problem(line, format!("timer {} of state `{state_name}`: {message}", index + 1));
            }
        }
    }

    // The graph: every state reachable, and every reachable state able to end.
    if let [initial] = initial.as_slice() {
        let reachable: BTreeSet<&str> = reach(def, [initial.as_str()].into(), false)
            .into_iter()
            .filter(|s| def.states.contains_key(*s))
            .collect();
        for name in def.states.keys().filter(|s| !reachable.contains(s.as_str())) {
            problem(
                at.state(name),
                format!("state `{name}` cannot be reached from the initial state `{initial}`"),
            );
        }
        let terminals: BTreeSet<&str> = def
            .states
            .iter()
            .filter(|(_, s)| s.terminal)
            .map(|(n, _)| n.as_str())
            .collect();
        let can_end = reach(def, terminals, true);
        for name in reachable.iter().filter(|s| !can_end.contains(*s)) {
            problem(at.state(name), format!("state `{name}` has no way to a terminal state"));
        }
    }
    problems
}

/// States reachable from `start` (or, `backwards`, that can reach it).
fn reach<'d>(def: &'d Definition, start: BTreeSet<&'d str>, backwards: bool) -> BTreeSet<&'d str> {
    let mut edges: Vec<(&str, &str)> = Vec::new();
    for action in def.actions.values() {
        for from in sources(def, action) {
            for to in targets(action, from) {
                edges.push(if backwards { (to, from) } else { (from, to) });
            }
        }
    }
    let mut seen = start.clone();
    let mut queue: VecDeque<&str> = start.into_iter().collect();
    while let Some(state) = queue.pop_front() {
        for (_, next) in edges.iter().filter(|(from, _)| *from == state) {
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    seen
}

fn check_field(action: &str, name: &str, field: &FieldDef, problem: &mut impl FnMut(String)) {
    let has_values = matches!(field.kind, FieldType::Enum | FieldType::List);
    if has_values && field.values.is_empty() {
        problem(format!(
            "field `{name}` of action `{action}` is a {} with no `values`",
            field.kind.as_str()
        ));
    }
    if !has_values && !field.values.is_empty() {
        problem(format!(
            "field `{name}` of action `{action}` has `values` but is a {}",
            field.kind.as_str()
        ));
    }
    let mut unique = BTreeSet::new();
    for value in &field.values {
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            problem(format!(
                "value `{value}` of field `{name}` is not a plain code (lowercase letters, digits, underscores)"
            ));
        }
        if !unique.insert(value) {
            problem(format!("value `{value}` of field `{name}` is listed twice"));
        }
    }
    if field.kind != FieldType::Integer && (field.min.is_some() || field.max.is_some()) {
        problem(format!(
            "field `{name}` of action `{action}` has `min` or `max` but is not an integer"
        ));
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        problem(format!("field `{name}` of action `{action}` has `min` above `max`"));
    }
    if name == REPORTED_OUTCOME && (field.confidential || field.kind != FieldType::Enum) {
        problem(format!(
            "field `{name}` of action `{action}` is what the reports count as a procedure's outcome, so it must be a plain enum (`confidential = false`)"
        ));
    }
    if field.lines.is_some() && (field.kind != FieldType::Text || field.lines != Some(1)) {
        problem(format!(
            "field `{name}` of action `{action}` has `lines`, which only a text field takes, as `lines = 1`"
        ));
    }
    if field.kind == FieldType::Text && !field.confidential {
        problem(format!(
            "field `{name}` of action `{action}` is free text kept in clear; text can identify a person, so it must be confidential"
        ));
    }
}

/// How a reminder's due time is found.
#[derive(Debug, Clone)]
pub(super) enum Timing {
    AfterEntering(Duration),
    BeforeField { field: String, by: Duration },
    AfterField { field: String, by: Duration },
    Repeat(Box<Repeat>),
}

pub(super) fn reminder_timing(reminder: &ReminderDef, fields: &BTreeMap<&str, &FieldDef>) -> Result<Timing, String> {
    let duration = |text: &str| Duration::from_str(text).map_err(|e| e.to_string());
    let date_field = |name: &str| match fields.get(name) {
        Some(field) if matches!(field.kind, FieldType::Date | FieldType::Datetime) => Ok(name.to_owned()),
        Some(_) => Err(format!("`{name}` is not a date or datetime field")),
        None => Err(format!("no action of the workflow has a field `{name}`")),
    };
    // Working days from a confidential field could not follow a change of holidays without
    // opening the field (`engine::moved`); calendar days do not depend on them.
    let relative = |name: &str, by: &str| {
        let field = date_field(name)?;
        let by = duration(by)?;
        match fields.get(name) {
            Some(def) if def.confidential && matches!(by, Duration::WorkingDays(_)) => Err(format!(
                "`{name}` is confidential, so count from it in days, weeks or hours, not working days (`{by}`): a change of holidays could not move the reminder without opening the field"
            )),
            _ => Ok((field, by)),
        }
    };
    match (&reminder.cron, &reminder.after, &reminder.before, &reminder.field) {
        (Some(cron), None, None, None) => Repeat::from_str(cron)
            .map(|r| Timing::Repeat(Box::new(r)))
            .map_err(|e| e.to_string()),
        (None, Some(after), None, None) => duration(after).map(Timing::AfterEntering),
        (None, Some(after), None, Some(field)) => {
            let (field, by) = relative(field, after)?;
            Ok(Timing::AfterField { field, by })
        }
        (None, None, Some(before), Some(field)) => {
            let (field, by) = relative(field, before)?;
            Ok(Timing::BeforeField { field, by })
        }
        (None, None, Some(_), None) => Err("`before` needs the date `field` it counts back from".into()),
        _ => Err("give exactly one of `after` (optionally with `field`), `before` with `field`, or `cron`".into()),
    }
}

/// `when` conditions may only test plain enum and bool fields, for values they can take.
fn check_when(when: &BTreeMap<String, String>, fields: &BTreeMap<&str, &FieldDef>) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, value) in when {
        match fields.get(name.as_str()) {
            None => problems.push(format!("`when` tests `{name}`, which no action of the workflow has")),
            Some(field) if field.confidential => problems.push(format!(
                "`when` tests `{name}`, a confidential field; only plain fields can steer reminders"
            )),
            Some(field) => {
                let valid = match field.kind {
                    FieldType::Bool => value == "true" || value == "false",
                    FieldType::Enum => field.values.contains(value),
                    _ => false,
                };
                if !valid {
                    problems.push(format!("`when` expects `{name}` to be `{value}`, which it cannot be"));
                }
            }
        }
    }
    problems
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}
