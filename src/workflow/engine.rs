//! The engine: a pure function from (definition, procedure, actor, request, time, calendar) to
//! a transition plan or a typed refusal. It reads no clock and writes nothing; the store
//! carries a plan out in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::model::{ActionDef, FieldDef, FieldType, Target};
use super::validate::{Timing, sources};
use super::{Calendar, Direction, Registry, Workflow};
use crate::domain::{Role, ScheduledKind, Sensitive};

/// Field values by name, in clear: the caller opens sealed values before and seals them after.
pub type Data = BTreeMap<String, Value>;

/// Where a procedure stands.
#[derive(Debug, Clone, Copy)]
pub struct Procedure<'a> {
    pub state: &'a str,
    /// Every field recorded on the procedure so far (a later value replaces an earlier one).
    pub data: &'a Data,
}

/// Who asks.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    pub roles: Vec<Role>,
}

impl Actor {
    /// Vigil itself, taking a timer's action.
    pub fn system() -> Self {
        Self {
            user: "system".to_owned(),
            roles: vec![Role::System],
        }
    }
}

/// What is asked: an action and the data it carries, as the client sent it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub action: &'a str,
    pub data: &'a serde_json::Map<String, Value>,
}

/// Why a request is refused. Nothing here holds a field's value, so a refusal may be shown,
/// logged or returned as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the procedure is closed (in terminal state `{state}`)")]
    ProcedureClosed { state: String },
    /// The name asked for is not repeated: it came from the request.
    #[error("this workflow has no such action (a procedure's actions are listed with it)")]
    UnknownAction { action: String },
    #[error("action `{action}` cannot be taken in state `{state}`")]
    NotFromState { action: String, state: String },
    #[error("action `{action}` is for {}", roles_list(.allowed))]
    RoleNotPermitted { action: String, allowed: Vec<Role> },
    #[error("action `{action}` starts workflow `{workflow}`, which is not loaded")]
    UnknownWorkflow { action: String, workflow: String },
    #[error("the data of action `{action}` is not valid: {}", fields_list(.problems))]
    InvalidData {
        action: String,
        problems: Vec<FieldProblem>,
    },
}

fn roles_list(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

fn fields_list(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| {
            if p.field.is_empty() {
                p.kind.to_string()
            } else {
                format!("{}: {}", p.field, p.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One field at fault, for problem+json's list of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Empty for fields the action does not take: their names are the client's, not repeated.
    pub field: String,
    pub kind: FieldProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblemKind {
    #[error("is required")]
    Missing,
    #[error("holds a field this action does not take (its fields are listed with it)")]
    Unknown,
    /// The reason never quotes the value.
    #[error("{0}")]
    Invalid(Invalid),
}

/// Why a value does not fit its field: what the field expects, never what was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("must not be empty")]
    Empty,
    /// PostgreSQL keeps no NUL in text: refused here, not a 500 there.
    #[error("must not contain a NUL character")]
    Nul,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must be one line")]
    NotOneLine,
    #[error("must be between {} and {}", bound(*.min), bound(*.max))]
    OutOfRange { min: Option<i64>, max: Option<i64> },
    #[error("must be one of {}", .values.join(", "))]
    NotChoice { values: Vec<String> },
    #[error("must be a list of distinct values from {}", .values.join(", "))]
    NotChoices { values: Vec<String> },
    /// Not a value of the field's type at all (a number for a date, an empty user id).
    #[error("must be {}", describe(*.0))]
    NotA(FieldType),
}

fn bound(limit: Option<i64>) -> String {
    limit.map_or("any".into(), |m| m.to_string())
}

/// Something to do later, as a transition schedules it on entering a state.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub kind: DueKind,
    /// The moment a late reminder stood for (it had passed when the reminder was scheduled,
    /// which goes out at `at` instead): what it asks is overdue from then.
    pub overdue_from: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DueKind {
    Reminder {
        /// Its position among the state's reminders, stable within a workflow version.
        index: usize,
        message: String,
        to: Vec<String>,
        /// The cron schedule of a repeating reminder, for its next occurrence.
        repeat: Option<String>,
    },
    Timer {
        index: usize,
        action: String,
    },
}

/// A procedure another procedure's action starts on the same case.
#[derive(Debug, Clone)]
pub struct Start {
    pub workflow: String,
    pub version: String,
    pub state: String,
    pub queue: Option<String>,
    pub plain: Data,
    pub sealed: Sensitive<Data>,
    pub schedule: Vec<Due>,
}

/// What a transition changes, for the store to write in one transaction.
#[derive(Debug, Clone)]
pub struct Plan {
    pub action: String,
    pub from: String,
    pub to: String,
    pub queue: Option<String>,
    /// The event's plain fields.
    pub plain: Data,
    /// The event's confidential fields, to be sealed.
    pub sealed: Sensitive<Data>,
    /// The procedure's data once the action is taken (what it had, with the action's fields
    /// over it), split as a new procedure's is: in clear what an action declares plain, sealed
    /// the rest.
    pub procedure_plain: Data,
    pub procedure_sealed: Sensitive<Data>,
    /// Leaving the state (or re-entering it) cancels what it scheduled.
    pub cancel_scheduled: bool,
    pub schedule: Vec<Due>,
    pub starts: Vec<Start>,
}

/// Decides a request. `now` is when it is taken; `calendar` is the case's delegation's.
pub fn plan(
    registry: &Registry,
    workflow: &Workflow,
    procedure: Procedure<'_>,
    actor: &Actor,
    request: Request<'_>,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<Plan, Refusal> {
    let def = &workflow.definition;
    if workflow.is_terminal(procedure.state) {
        return Err(Refusal::ProcedureClosed {
            state: procedure.state.to_owned(),
        });
    }
    let action = def.actions.get(request.action).ok_or_else(|| Refusal::UnknownAction {
        action: request.action.to_owned(),
    })?;
    if !sources(def, action).contains(&procedure.state) {
        return Err(Refusal::NotFromState {
            action: request.action.to_owned(),
            state: procedure.state.to_owned(),
        });
    }
    if !actor.roles.iter().any(|role| action.roles.contains(role)) {
        return Err(Refusal::RoleNotPermitted {
            action: request.action.to_owned(),
            allowed: action.roles.clone(),
        });
    }
    let given = check_fields(request.action, &action.fields, true, request.data)?;
    let to = target(action, procedure.state, &given);
    let entered = action.to.is_some();
    let mut merged = procedure.data.clone();
    merged.extend(given.clone());
    let (plain, sealed) = split(&action.fields, given.clone());
    let mut schedule = if entered {
        schedule_on_entering(workflow, &to, &merged, now, calendar)
    } else {
        Vec::new()
    };
    if !action.notify.is_empty() {
        let after = workflow.definition.states.get(&to).map_or(0, |s| s.reminders.len() + 1);
        schedule.push(handoff(now, after, &action.notify));
    }
    let starts = match &action.starts {
        None => Vec::new(),
        Some(name) => {
            let started = registry.get(name).ok_or_else(|| Refusal::UnknownWorkflow {
                action: request.action.to_owned(),
                workflow: name.clone(),
            })?;
            let carried: Data = given
                .iter()
                .filter(|(k, _)| action.carry.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let (plain, sealed) = split(&action.fields, carried.clone());
            let state = started.initial_state().to_owned();
            vec![Start {
                workflow: started.name().to_owned(),
                version: started.version.clone(),
                schedule: schedule_on_entering(started, &state, &carried, now, calendar),
                queue: started.queue(&state).map(str::to_owned),
                state,
                plain,
                sealed,
            }]
        }
    };
    let (procedure_plain, procedure_sealed) = split(workflow.fields(), merged);
    Ok(Plan {
        action: request.action.to_owned(),
        from: procedure.state.to_owned(),
        queue: workflow.queue(&to).map(str::to_owned),
        to,
        plain,
        sealed,
        procedure_plain,
        procedure_sealed,
        cancel_scheduled: entered,
        schedule,
        starts,
    })
}

/// The message key of a hand-off: the email telling `to` that a procedure awaits them.
pub const HANDOFF_MESSAGE: &str = "handoff";

/// A hand-off to `to`, due at once: a reminder the dispatcher sends like any other (one email
/// per person, by reference only, digest preference respected), cancelled like one if the
/// procedure moves on before it is sent. Its position follows the state's reminders.
fn handoff(now: DateTime<Utc>, position: usize, to: &[String]) -> Due {
    Due {
        at: now,
        kind: DueKind::Reminder {
            index: position,
            message: HANDOFF_MESSAGE.to_owned(),
            to: to.to_vec(),
            repeat: None,
        },
        overdue_from: None,
    }
}

/// What a new procedure schedules in its initial state.
pub fn schedule_initial(workflow: &Workflow, data: &Data, now: DateTime<Utc>, calendar: &Calendar) -> Vec<Due> {
    schedule_on_entering(workflow, workflow.initial_state(), data, now, calendar)
}

fn target(action: &ActionDef, from: &str, data: &Data) -> String {
    match &action.to {
        None => from.to_owned(),
        Some(Target::State(state)) => state.clone(),
        Some(Target::Branch(branch)) => {
            // Validation proved the branch field is a required enum or bool covering every value.
            let value = match data.get(&branch.field) {
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            branch.cases.get(&value).cloned().unwrap_or_else(|| from.to_owned())
        }
    }
}

type Fields = crate::workflow::model::Declared<FieldDef>;

/// Plain fields in clear, confidential ones (and any not declared) to be sealed.
fn split(fields: &Fields, data: Data) -> (Data, Sensitive<Data>) {
    let (sealed, plain): (Data, Data) = data
        .into_iter()
        .partition(|(name, _)| fields.get(name).is_none_or(|f| f.confidential));
    (plain, Sensitive::new(sealed))
}

/// Checks every field; returns the normalised values of those given. With `enforce_required`
/// off, every field is optional (a procedure's first data).
fn check_fields(
    action_name: &str,
    fields: &Fields,
    enforce_required: bool,
    data: &serde_json::Map<String, Value>,
) -> Result<Data, Refusal> {
    let mut problems = Vec::new();
    let mut clean = Data::new();
    // A field the action does not take is the client's name: reported once, without it.
    if data.keys().any(|name| !fields.contains_key(name)) {
        problems.push(FieldProblem {
            field: String::new(),
            kind: FieldProblemKind::Unknown,
        });
    }
    for (name, field) in fields {
        match data.get(name) {
            None | Some(Value::Null) => {
                if field.required && enforce_required {
                    problems.push(FieldProblem {
                        field: name.clone(),
                        kind: FieldProblemKind::Missing,
                    });
                }
            }
            Some(value) => match check_value(field, value) {
                Ok(value) => {
                    clean.insert(name.clone(), value);
                }
                Err(reason) => problems.push(FieldProblem {
                    field: name.clone(),
                    kind: FieldProblemKind::Invalid(reason),
                }),
            },
        }
    }
    if problems.is_empty() {
        Ok(clean)
    } else {
        Err(Refusal::InvalidData {
            action: action_name.to_owned(),
            problems,
        })
    }
}

/// Opens a procedure of `workflow` in its initial state with `data`: any field the workflow's
/// actions declare, none required.
pub fn open(
    workflow: &Workflow,
    data: &serde_json::Map<String, Value>,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<Start, Refusal> {
    let fields = workflow.fields();
    let given = check_fields("open", fields, false, data)?;
    let state = workflow.initial_state().to_owned();
    let (plain, sealed) = split(fields, given.clone());
    Ok(Start {
        workflow: workflow.name().to_owned(),
        version: workflow.version.clone(),
        schedule: schedule_on_entering(workflow, &state, &given, now, calendar),
        queue: workflow.queue(&state).map(str::to_owned),
        state,
        plain,
        sealed,
    })
}

/// The longest text a field takes: a narrative, a report.
pub const MAX_TEXT_CHARS: usize = 100_000;

fn check_value(field: &FieldDef, value: &Value) -> Result<Value, Invalid> {
    match (field.kind, value) {
        (FieldType::Text, Value::String(text)) => {
            if text.trim().is_empty() {
                Err(Invalid::Empty)
            } else if text.contains('\0') {
                Err(Invalid::Nul)
            } else if text.chars().count() > MAX_TEXT_CHARS {
                Err(Invalid::TooLong { max: MAX_TEXT_CHARS })
            } else if field.lines == Some(1) && text.contains(['\n', '\r']) {
                Err(Invalid::NotOneLine)
            } else {
                Ok(value.clone())
            }
        }
        (FieldType::User, Value::String(user))
            if !user.trim().is_empty() && user.len() <= 200 && !user.contains('\0') =>
        {
            Ok(value.clone())
        }
        (FieldType::Date, Value::String(text)) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|date| Value::String(date.format("%Y-%m-%d").to_string()))
            .map_err(|_| Invalid::NotA(FieldType::Date)),
        (FieldType::Datetime, Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|at| Value::String(at.with_timezone(&Utc).to_rfc3339()))
            .map_err(|_| Invalid::NotA(FieldType::Datetime)),
        (FieldType::Bool, Value::Bool(_)) => Ok(value.clone()),
        (FieldType::Enum, Value::String(choice)) if field.values.contains(choice) => Ok(value.clone()),
        (FieldType::Enum, _) => Err(Invalid::NotChoice {
            values: field.values.clone(),
        }),
        (FieldType::Integer, Value::Number(number)) => {
            let n = number.as_i64().ok_or(Invalid::NotA(FieldType::Integer))?;
            if field.min.is_some_and(|min| n < min) || field.max.is_some_and(|max| n > max) {
                Err(Invalid::OutOfRange {
                    min: field.min,
                    max: field.max,
                })
            } else {
                Ok(value.clone())
            }
        }
        (FieldType::List, Value::Array(items)) => {
            let mut seen = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(choice) if field.values.iter().any(|v| v == choice) && !seen.contains(&choice) => {
                        seen.push(choice)
                    }
                    _ => {
                        return Err(Invalid::NotChoices {
                            values: field.values.clone(),
                        });
                    }
                }
            }
            Ok(value.clone())
        }
        (kind, _) => Err(Invalid::NotA(kind)),
    }
}

fn describe(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Text => "a string",
        FieldType::Date => "a date written YYYY-MM-DD",
        FieldType::Datetime => "a date and time in RFC 3339, such as 2026-12-01T09:30:00+01:00",
        FieldType::Bool => "a boolean",
        FieldType::Enum => "a string",
        FieldType::Integer => "a whole number",
        FieldType::List => "a list",
        FieldType::User => "a user id",
    }
}

/// Whom a procedure of `workflow` in `state` with the plain fields `plain` waits for: the
/// state's `notify` when its `notify_when` holds (none otherwise).
pub fn waits_for<'w>(workflow: &'w Workflow, state: &str, plain: &Data) -> &'w [String] {
    match workflow.definition.states.get(state) {
        Some(def) if condition_holds(&def.notify_when, plain) => &def.notify,
        _ => &[],
    }
}

fn condition_holds(when: &BTreeMap<String, String>, data: &Data) -> bool {
    when.iter().all(|(field, expected)| match data.get(field) {
        Some(Value::String(value)) => value == expected,
        Some(Value::Bool(value)) => value.to_string() == *expected,
        _ => false,
    })
}

/// The instant a date or datetime field stands for: a date alone means 09:00 local time.
fn field_instant(data: &Data, field: &str, calendar: &Calendar) -> Option<DateTime<Utc>> {
    let text = data.get(field)?.as_str()?;
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|date| calendar.day_start(date))
}

/// The moment a reminder's timing stands for, in `calendar`, for a procedure that entered its
/// state at `entered` with `data`: None when it counts from a field `data` does not hold.
fn moment(
    timing: &Timing,
    to: &[String],
    data: &Data,
    entered: DateTime<Utc>,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    match timing {
        Timing::AfterEntering(by) => Some(calendar.shift(entered, *by, Direction::Forward)),
        // Relative to a field (a hearing date, sealed): due at 09:00 local on the day it falls
        // on, so that the stored and emailed due time tells at most the field's day.
        Timing::BeforeField { field, by } => field_instant(data, field, calendar)
            .map(|base| calendar.start_of_day_of(calendar.shift(base, *by, Direction::Backward))),
        Timing::AfterField { field, by } => field_instant(data, field, calendar)
            .map(|base| calendar.start_of_day_of(calendar.shift(base, *by, Direction::Forward))),
        Timing::Repeat(repeat) => repeat.next_after(&calendar.for_recipients(to), entered),
    }
}

/// When a reminder standing for `moment` goes out, seen at `now`, and since when it is overdue.
/// A reminder whose moment has passed (a hearing entered five days ahead of its 7-day notice)
/// goes out late rather than never: at once in working hours, else when they start again, in
/// the hours of those it goes to. It counts as overdue from the moment it stood for.
fn delivery(
    moment: DateTime<Utc>,
    to: &[String],
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    if moment > now {
        (moment, None)
    } else {
        (calendar.for_recipients(to).next_working_moment(now), Some(moment))
    }
}

fn schedule_on_entering(
    workflow: &Workflow,
    state: &str,
    data: &Data,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Vec<Due> {
    let Some(definition) = workflow.definition.states.get(state) else {
        return Vec::new();
    };
    let mut due = Vec::new();
    let timings = workflow.reminders.get(state).map(Vec::as_slice).unwrap_or_default();
    for (index, (reminder, timing)) in definition.reminders.iter().zip(timings).enumerate() {
        if !condition_holds(&reminder.when, data) {
            continue;
        }
        if let Some(at) = moment(timing, &reminder.to, data, now, calendar) {
            let (at, overdue_from) = delivery(at, &reminder.to, now, calendar);
            let repeat = match timing {
                Timing::Repeat(repeat) => Some(repeat.source().to_owned()),
                _ => None,
            };
            due.push(Due {
                at,
                kind: DueKind::Reminder {
                    index,
                    message: reminder.message.clone(),
                    to: reminder.to.clone(),
                    repeat,
                },
                overdue_from,
            });
        }
    }
    if !definition.notify.is_empty() && condition_holds(&definition.notify_when, data) {
        due.push(handoff(now, definition.reminders.len(), &definition.notify));
    }
    let durations = workflow.timers.get(state).map(Vec::as_slice).unwrap_or_default();
    for (index, (timer, by)) in definition.timers.iter().zip(durations).enumerate() {
        if condition_holds(&timer.when, data) {
            due.push(Due {
                at: calendar.shift(now, *by, Direction::Forward),
                kind: DueKind::Timer {
                    index,
                    action: timer.action.clone(),
                },
                overdue_from: None,
            });
        }
    }
    due.sort_by_key(|d| d.at);
    due
}

/// A one-off reminder or timer waiting to run, as stored, for [`moved`].
#[derive(Debug, Clone, Copy)]
pub struct Waiting<'a> {
    /// The state that scheduled it.
    pub state: &'a str,
    pub kind: ScheduledKind,
    /// Its position among the state's reminders or timers.
    pub position: usize,
    /// When the procedure entered the state and it was scheduled.
    pub entered: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub overdue_from: Option<DateTime<Utc>>,
}

/// When `waiting` runs once the calendar changes from `before` to `after` (a delegation's
/// holidays changed), and since when it is then overdue; None when nothing changes.
///
/// Its moment moves by as much as the change moves the moment its timing stands for, counted
/// from when the procedure entered the state and from its plain fields `plain`. A moment
/// counted from a confidential field is not recomputed: `vigil workflows check` allows only
/// calendar days from one, which holidays do not move. A reminder is then late (overdue) or
/// not by the same rule as when it was scheduled, seen at `now`. Hand-offs (due at once) and
/// repeating reminders (cron schedules know no holidays) are never moved.
pub fn moved(
    workflow: &Workflow,
    waiting: &Waiting<'_>,
    plain: &Data,
    before: &Calendar,
    after: &Calendar,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let definition = workflow.definition.states.get(waiting.state)?;
    let entered = waiting.entered;
    let moved = match waiting.kind {
        ScheduledKind::Timer => {
            let by = *workflow.timers.get(waiting.state)?.get(waiting.position)?;
            let shift = after.shift(entered, by, Direction::Forward) - before.shift(entered, by, Direction::Forward);
            (waiting.due_at + shift, None)
        }
        ScheduledKind::Reminder => {
            let timing = workflow.reminders.get(waiting.state)?.get(waiting.position)?;
            if matches!(timing, Timing::Repeat(_)) {
                return None;
            }
            let to = &definition.reminders.get(waiting.position)?.to;
            let shift = match (
                moment(timing, to, plain, entered, after),
                moment(timing, to, plain, entered, before),
            ) {
                (Some(after), Some(before)) => after - before,
                _ => chrono::Duration::zero(),
            };
            let stood_for = waiting.overdue_from.unwrap_or(waiting.due_at) + shift;
            // A reminder late already goes out in the working hours after it was scheduled
            // (of the new calendar); one the change makes late, in those after the change.
            match delivery(stood_for, to, now, after) {
                (_, Some(overdue)) if waiting.overdue_from.is_some() => {
                    (after.for_recipients(to).next_working_moment(entered), Some(overdue))
                }
                delivered => delivered,
            }
        }
    };
    (moved != (waiting.due_at, waiting.overdue_from)).then_some(moved)
}
