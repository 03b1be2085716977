//! Tests of the workflow module as a whole: validation rules, the engine's rules, the shipped
//! definitions, and properties over random walks.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc, Weekday};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::engine::{Actor, Data, DueKind, FieldProblemKind, Procedure, Refusal, Request, plan};
use super::model::FieldType;
use super::*;
use crate::domain::Role;

const SHIPPED: [(&str, &str); 5] = [
    ("demarche", include_str!("../../workflows/demarche.toml")),
    ("eusr_review", include_str!("../../workflows/eusr_review.toml")),
    (
        "protection_referral",
        include_str!("../../workflows/protection_referral.toml"),
    ),
    (
        "raise_in_dialogue",
        include_str!("../../workflows/raise_in_dialogue.toml"),
    ),
    (
        "trial_observation",
        include_str!("../../workflows/trial_observation.toml"),
    ),
];

fn source(stem: &str, text: &str) -> Source {
    Source {
        file: format!("{stem}.toml"),
        stem: stem.to_owned(),
        text: text.to_owned(),
    }
}

fn shipped() -> Registry {
    let sources: Vec<Source> = SHIPPED.iter().map(|(stem, text)| source(stem, text)).collect();
    Registry::load(&sources).unwrap()
}

/// A small valid workflow; tests break it in one place each.
const TINY: &str = r#"
name = "tiny"
title = "Tiny"

[states.open]
title = "Open"
initial = true

[[states.open.reminders]]
after = "2d"
to = ["owner"]
message = "tiny.nudge"

[states.waiting]
title = "Waiting"

[[states.waiting.reminders]]
before = "3d"
field = "due_on"
to = ["owner"]
message = "tiny.due_soon"

[[states.waiting.reminders]]
after = "1d"
to = ["head_of_delegation"]
message = "tiny.urgent"
when = { urgency = "urgent" }

[[states.waiting.timers]]
after = "5wd"
action = "expire"

[states.done]
title = "Done"
terminal = true

[actions.wait]
title = "Wait"
from = ["open"]
to = "waiting"
roles = ["focal_point"]
fields.due_on = { type = "date" }
fields.urgency = { type = "enum", values = ["urgent", "standard"], confidential = false }
fields.note = { type = "text", required = false }

[actions.decide]
title = "Decide"
from = ["waiting"]
roles = ["head_of_delegation"]
fields.ok = { type = "bool", confidential = false }
to = { field = "ok", cases = { true = "done", false = "open" } }

[actions.expire]
title = "Expire"
from = ["waiting"]
to = "done"
roles = ["system"]

[actions.add_note]
title = "Note"
roles = ["focal_point"]
fields.note = { type = "text", required = false }

[actions.escalate]
title = "Escalate"
roles = ["focal_point"]
starts = "tiny"
carry = ["reason"]
fields.reason = { type = "text" }
"#;

fn problems(text: &str) -> Vec<String> {
    match Registry::load(&[source("tiny", text)]) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

fn assert_problem(text: &str, fragment: &str) {
    let found = problems(text);
    assert!(
        found.iter().any(|p| p.contains(fragment)),
        "expected a problem with `{fragment}`, got {found:#?}"
    );
}

#[test]
fn the_tiny_workflow_is_valid() {
    assert_eq!(problems(TINY), Vec::<String>::new());
}

#[test]
fn toml_errors_and_unknown_keys_name_their_line() {
    assert_problem(&TINY.replace("title = \"Tiny\"", "title = \"Tiny"), "tiny.toml:3:");
    assert_problem(
        &TINY.replace("initial = true", "initial = true\ncolour = \"red\""),
        "tiny.toml:8: unknown field `colour`",
    );
}

#[test]
fn exactly_one_initial_state_is_required() {
    assert_problem(
        &TINY.replace("initial = true", ""),
        "no state is marked `initial = true`",
    );
    assert_problem(
        &TINY.replace("title = \"Waiting\"", "title = \"Waiting\"\ninitial = true"),
        "2 states are marked initial",
    );
}

#[test]
fn unreachable_states_and_dead_ends_are_refused() {
    let orphan = format!("{TINY}\n[states.orphan]\ntitle = \"Orphan\"\n");
    assert_problem(&orphan, "state `orphan` cannot be reached");
    let dead_end = TINY.replace("to = \"waiting\"", "to = \"limbo\"") + "\n[states.limbo]\ntitle = \"Limbo\"\n";
    let found = problems(&dead_end);
    assert!(
        found
            .iter()
            .any(|p| p.contains("state `limbo` has no way to a terminal state")),
        "{found:#?}"
    );
}

#[test]
fn actions_to_and_from_unknown_states_are_refused() {
    assert_problem(
        &TINY.replace("to = \"waiting\"", "to = \"wating\""),
        "action `wait` leads to unknown state `wating`",
    );
    assert_problem(
        &TINY.replace("from = [\"open\"]", "from = [\"opn\"]"),
        "action `wait` starts from unknown state `opn`",
    );
}

#[test]
fn terminal_states_have_no_exits() {
    assert_problem(
        &TINY.replace("from = [\"open\"]", "from = [\"open\", \"done\"]"),
        "leaves terminal state `done`",
    );
}

#[test]
fn unknown_roles_are_refused() {
    assert_problem(
        &TINY.replace("roles = [\"head_of_delegation\"]", "roles = [\"ambassador\"]"),
        "unknown variant `ambassador`",
    );
}

#[test]
fn branches_must_cover_every_value_of_a_required_enum_or_bool() {
    assert_problem(
        &TINY.replace(
            "cases = { true = \"done\", false = \"open\" }",
            "cases = { true = \"done\" }",
        ),
        "says nothing for `false`",
    );
    assert_problem(
        &TINY.replace(
            "fields.ok = { type = \"bool\", confidential = false }",
            "fields.ok = { type = \"date\", confidential = false }",
        ),
        "must be a required enum or bool field",
    );
    assert_problem(
        &TINY.replace("field = \"ok\"", "field = \"okay\""),
        "branches on `okay`, which is not one of its fields",
    );
}

#[test]
fn fields_are_typed_and_free_text_is_never_plain() {
    assert_problem(
        &TINY.replace(
            "type = \"enum\", values = [\"urgent\", \"standard\"]",
            "type = \"enum\"",
        ),
        "is a enum with no `values`",
    );
    assert_problem(
        &TINY.replace("type = \"date\"", "type = \"colour\""),
        "unknown variant `colour`",
    );
    assert_problem(
        &TINY.replace(
            "fields.reason = { type = \"text\" }",
            "fields.reason = { type = \"text\", confidential = false }",
        ),
        "must be confidential",
    );
    assert_problem(
        &TINY.replace(
            "fields.reason = { type = \"text\" }",
            "fields.outcome = { type = \"enum\", values = [\"released\", \"no_change\"] }",
        ),
        "must be a plain enum",
    );
    assert_problem(
        &TINY.replace(
            "fields.note = { type = \"text\", required = false }\n\n[actions.escalate]",
            "fields.note = { type = \"date\", required = false }\n\n[actions.escalate]",
        ),
        "differs from its declaration",
    );
}

#[test]
fn bad_cron_expressions_and_durations_are_refused() {
    assert_problem(
        &TINY.replace("after = \"2d\"", "cron = \"0 9 * *\""),
        "write five fields",
    );
    assert_problem(
        &TINY.replace("after = \"2d\"", "after = \"2 days\""),
        "is not a duration",
    );
    assert_problem(&TINY.replace("after = \"5wd\"", "after = \"5wk\""), "is not a duration");
}

#[test]
fn reminders_name_real_recipients_date_fields_and_plain_conditions() {
    assert_problem(
        &TINY.replace(
            "to = [\"owner\"]\nmessage = \"tiny.nudge\"",
            "to = [\"ambassador\"]\nmessage = \"tiny.nudge\"",
        ),
        "goes to `ambassador`",
    );
    assert_problem(
        &TINY.replace("field = \"due_on\"", "field = \"urgency\""),
        "is not a date or datetime field",
    );
    assert_problem(
        &TINY.replace("when = { urgency = \"urgent\" }", "when = { due_on = \"urgent\" }"),
        "a confidential field",
    );
    assert_problem(
        &TINY.replace("when = { urgency = \"urgent\" }", "when = { urgency = \"soon\" }"),
        "which it cannot be",
    );
}

#[test]
fn timers_take_system_actions_that_need_no_data() {
    assert_problem(
        &TINY.replace("action = \"expire\"", "action = \"decide\""),
        "whose roles do not include `system`",
    );
    assert_problem(
        &TINY.replace("action = \"expire\"", "action = \"vanish\""),
        "unknown action `vanish`",
    );
}

#[test]
fn starts_must_name_a_loaded_workflow_and_carry_its_own_fields() {
    assert_problem(
        &TINY.replace("starts = \"tiny\"", "starts = \"eusr_review\""),
        "starts workflow `eusr_review`, which does not exist",
    );
    assert_problem(
        &TINY.replace("carry = [\"reason\"]", "carry = [\"motive\"]"),
        "carries `motive`",
    );
}

#[test]
fn the_name_must_match_the_file() {
    assert_problem(
        &TINY.replace("name = \"tiny\"", "name = \"small\""),
        "its file is `tiny.toml`",
    );
}

#[test]
fn versions_follow_content_not_layout() {
    let a = Registry::load(&[source("tiny", TINY)]).unwrap();
    let b = Registry::load(&[source("tiny", &format!("# a comment\n{TINY}\n\n"))]).unwrap();
    let c = Registry::load(&[source(
        "tiny",
        &TINY.replace("title = \"Wait\"", "title = \"Wait for it\""),
    )])
    .unwrap();
    let version = |r: &Registry| r.get("tiny").unwrap().version.clone();
    assert_eq!(version(&a), version(&b));
    assert_ne!(version(&a), version(&c));
}

#[test]
fn states_actions_and_fields_keep_the_order_of_the_file_which_is_no_part_of_the_version() {
    let a = Registry::load(&[source("tiny", TINY)]).unwrap();
    let tiny = a.get("tiny").unwrap();
    fn names<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<String> {
        keys.cloned().collect()
    }
    assert_eq!(names(tiny.definition.states.keys()), ["open", "waiting", "done"]);
    assert_eq!(
        names(tiny.definition.actions.keys()),
        ["wait", "decide", "expire", "add_note", "escalate"]
    );
    assert_eq!(
        names(tiny.definition.actions["wait"].fields.keys()),
        ["due_on", "urgency", "note"]
    );
    assert_eq!(
        names(tiny.fields().keys()),
        ["due_on", "urgency", "note", "ok", "reason"],
        "each field where the workflow first declares it"
    );

    // The note first: another order, the same version.
    let note = "[actions.add_note]\ntitle = \"Note\"\nroles = [\"focal_point\"]\nfields.note = { type = \"text\", required = false }\n";
    assert!(TINY.contains(note));
    let moved = TINY
        .replace(note, "")
        .replace("[actions.wait]", &format!("{note}\n[actions.wait]"));
    let b = Registry::load(&[source("tiny", &moved)]).unwrap();
    assert_eq!(names(b.get("tiny").unwrap().definition.actions.keys())[0], "add_note");
    assert_eq!(b.get("tiny").unwrap().version, tiny.version);
}

#[test]
fn an_older_version_from_the_database_takes_the_current_order() {
    let mut registry = Registry::load(&[source("tiny", TINY)]).unwrap();
    // As the database gives it back: sorted by name, and one action the file no longer has.
    let mut stored: serde_json::Value = registry.get("tiny").unwrap().definition_json();
    stored["actions"]["abandon"] =
        json!({"title": "Abandon", "from": ["open"], "to": "done", "roles": ["focal_point"]});
    let stored: Definition = serde_json::from_value(stored).unwrap();
    assert_eq!(stored.actions.keys().next().map(String::as_str), Some("abandon"));
    let version = version_of(&stored);
    registry.add_stored(stored).unwrap();
    let older = registry.version("tiny", &version).unwrap();
    let actions: Vec<&str> = older.definition.actions.keys().map(String::as_str).collect();
    assert_eq!(actions, ["wait", "decide", "expire", "add_note", "escalate", "abandon"]);
    let fields: Vec<&str> = older.definition.actions["wait"]
        .fields
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["due_on", "urgency", "note"]);
    assert_eq!(older.version, version, "reordering changes no version");
}

#[test]
fn the_usual_next_step_is_an_action_that_may_be_taken_in_its_state() {
    let with = |step: &str| {
        TINY.replace(
            "title = \"Waiting\"\n",
            &format!("title = \"Waiting\"\nnext_step = \"{step}\"\n"),
        )
    };
    assert_eq!(problems(&with("decide")), Vec::<String>::new());
    assert_eq!(
        problems(&with("add_note")),
        Vec::<String>::new(),
        "an action of every state"
    );
    assert_problem(&with("decline"), "`next_step` is unknown action `decline`");
    assert_problem(&with("wait"), "`next_step` `wait` cannot be taken in it");
    let registry = Registry::load(&[source("tiny", &with("decide"))]).unwrap();
    let tiny = registry.get("tiny").unwrap();
    assert_ne!(
        tiny.version,
        self::tiny().get("tiny").unwrap().version,
        "the usual step is content"
    );
    let offered = crate::cases::available_actions(tiny, "waiting", Role::FocalPoint);
    let ids: Vec<(&str, bool)> = offered.iter().map(|a| (a.id.as_str(), a.usual)).collect();
    assert_eq!(
        ids,
        [("add_note", false), ("escalate", false)],
        "the usual step is not the focal point's"
    );
    let offered = crate::cases::available_actions(tiny, "waiting", Role::HeadOfDelegation);
    assert_eq!(
        offered.iter().map(|a| (a.id.as_str(), a.usual)).collect::<Vec<_>>(),
        [("decide", true)]
    );
}

#[test]
fn the_usual_next_step_comes_first_then_the_declared_order() {
    let text = TINY.replace("title = \"Open\"\n", "title = \"Open\"\nnext_step = \"escalate\"\n");
    let registry = Registry::load(&[source("tiny", &text)]).unwrap();
    let offered = crate::cases::available_actions(registry.get("tiny").unwrap(), "open", Role::FocalPoint);
    let ids: Vec<&str> = offered.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["escalate", "wait", "add_note"]);
}

// The engine.

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn actor(role: Role) -> Actor {
    Actor {
        user: "u1".into(),
        roles: vec![role],
    }
}

fn data(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// A procedure's data as the engine keeps it.
fn recorded(value: Value) -> Data {
    data(value).into_iter().collect()
}

fn tiny() -> Registry {
    Registry::load(&[source("tiny", TINY)]).unwrap()
}

fn decide(
    registry: &Registry,
    workflow: &str,
    state: &str,
    recorded: &Data,
    role: Role,
    action: &str,
    given: Value,
) -> Result<engine::Plan, Refusal> {
    let workflow = registry.get(workflow).unwrap();
    let given = data(given);
    plan(
        registry,
        workflow,
        Procedure { state, data: recorded },
        &actor(role),
        Request { action, data: &given },
        utc("2026-11-26T10:00:00Z"),
        &Calendar::default(),
    )
}

#[test]
fn a_transition_moves_on_splits_sealed_from_plain_and_schedules_the_new_state() {
    let registry = tiny();
    let plan = decide(
        &registry,
        "tiny",
        "open",
        &Data::new(),
        Role::FocalPoint,
        "wait",
        json!({
            "due_on": "2026-12-10", "urgency": "urgent", "note": "met the lawyer"
        }),
    )
    .unwrap();
    assert_eq!((plan.from.as_str(), plan.to.as_str()), ("open", "waiting"));
    assert_eq!(plan.plain.keys().collect::<Vec<_>>(), ["urgency"]);
    assert_eq!(plan.sealed.expose().keys().collect::<Vec<_>>(), ["due_on", "note"]);
    assert!(plan.cancel_scheduled);
    let due: Vec<(String, DateTime<Utc>)> = plan
        .schedule
        .iter()
        .map(|d| match &d.kind {
            DueKind::Reminder { message, .. } => (message.clone(), d.at),
            DueKind::Timer { action, .. } => (action.clone(), d.at),
        })
        .collect();
    assert_eq!(
        due,
        [
            ("tiny.urgent".to_owned(), utc("2026-11-27T10:00:00Z")),
            ("expire".to_owned(), utc("2026-12-03T10:00:00Z")),
            // Three days before a date field is 09:00 (local) three days before.
            ("tiny.due_soon".to_owned(), utc("2026-12-07T09:00:00Z")),
        ]
    );
}

/// The hand-offs a plan schedules: (due, recipients).
fn handoffs(plan: &engine::Plan) -> Vec<(DateTime<Utc>, Vec<String>)> {
    plan.schedule
        .iter()
        .filter_map(|d| match &d.kind {
            DueKind::Reminder { message, to, .. } if message == engine::HANDOFF_MESSAGE => Some((d.at, to.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn entering_a_state_that_names_who_must_act_hands_off_to_them_at_once() {
    let registry = shipped();
    let now = utc("2026-11-26T10:00:00Z");
    // A démarche submitted: the head of delegation is told now, not in a working day.
    let submitted = decide(
        &registry,
        "demarche",
        "draft",
        &Data::new(),
        Role::FocalPoint,
        "submit",
        json!({"demarche_type": "letter", "urgency": "standard", "public_element_consent": false,
               "addressee": "The ministry", "key_messages": "Release"}),
    )
    .unwrap();
    assert_eq!(handoffs(&submitted), [(now, vec!["head_of_delegation".to_owned()])]);
    // An escalation starts a review that tells the EUSR office.
    let escalated = decide(
        &registry,
        "demarche",
        "draft",
        &Data::new(),
        Role::FocalPoint,
        "escalate_to_eusr",
        json!({"reason": "No answer"}),
    )
    .unwrap();
    assert_eq!(handoffs(&escalated), []);
    assert_eq!(
        handoffs(&engine::Plan {
            schedule: escalated.starts[0].schedule.clone(),
            ..escalated.clone()
        }),
        [(now, vec!["eusr_reviewers".to_owned()])]
    );
    // A reassignment tells the (new) owner, without moving.
    let reassigned = decide(
        &registry,
        "demarche",
        "draft",
        &Data::new(),
        Role::FocalPoint,
        "reassign",
        json!({"new_owner": "6f1c2b1e-8a59-4f55-9d3c-0d7a3c1d2e4f"}),
    )
    .unwrap();
    assert_eq!(handoffs(&reassigned), [(now, vec!["owner".to_owned()])]);
    assert!(!reassigned.cancel_scheduled, "its own state's reminders stay");
}

#[test]
fn a_hand_off_with_a_condition_is_sent_only_when_the_plain_fields_meet_it() {
    let registry = shipped();
    let prepare = |needs_endorsement: bool| {
        decide(
            &registry,
            "protection_referral",
            "needs_assessment",
            &Data::new(),
            Role::FocalPoint,
            "prepare_referral",
            json!({"channel": "emergency_grant", "activities": ["legal_support"], "urgency": "ordinary",
                   "consent_to_share": true, "needs_endorsement": needs_endorsement, "risk_description": "Threats"}),
        )
        .unwrap()
    };
    assert_eq!(handoffs(&prepare(true)).len(), 1);
    assert_eq!(handoffs(&prepare(false)), []);
}

#[test]
fn hand_offs_name_real_recipients_and_never_a_terminal_state() {
    assert_problem(
        &TINY.replace(
            "title = \"Waiting\"\n",
            "title = \"Waiting\"\nnotify = [\"everyone\"]\n",
        ),
        "state `waiting` notifies `everyone`, which is none of",
    );
    assert_problem(
        &TINY.replace("terminal = true\n", "terminal = true\nnotify = [\"owner\"]\n"),
        "state `done` is terminal",
    );
    assert_problem(
        &TINY.replace(
            "title = \"Waiting\"\n",
            "title = \"Waiting\"\nnotify_when = { urgency = \"urgent\" }\n",
        ),
        "has `notify_when` but notifies no one",
    );
    assert_problem(
        &TINY.replace(
            "title = \"Waiting\"\n",
            "title = \"Waiting\"\nnotify = [\"owner\"]\nnotify_when = { note = \"x\" }\n",
        ),
        "a confidential field",
    );
    assert_problem(
        &TINY.replace("title = \"Note\"\n", "title = \"Note\"\nnotify = [\"boss\"]\n"),
        "action `add_note` notifies `boss`",
    );
    assert_eq!(
        problems(&TINY.replace("title = \"Waiting\"\n", "title = \"Waiting\"\nnotify = [\"owner\"]\n")),
        Vec::<String>::new()
    );
}

#[test]
fn conditions_on_plain_fields_choose_the_reminders() {
    let registry = tiny();
    let plan = decide(
        &registry,
        "tiny",
        "open",
        &Data::new(),
        Role::FocalPoint,
        "wait",
        json!({
            "due_on": "2026-12-10", "urgency": "standard"
        }),
    )
    .unwrap();
    assert!(
        !plan
            .schedule
            .iter()
            .any(|d| matches!(&d.kind, DueKind::Reminder { message, .. } if message == "tiny.urgent"))
    );
}

#[test]
fn a_reminder_whose_moment_has_passed_goes_out_at_once_in_working_hours() {
    let registry = tiny();
    let plan = decide(
        &registry,
        "tiny",
        "open",
        &Data::new(),
        Role::FocalPoint,
        "wait",
        json!({
            "due_on": "2026-11-27", "urgency": "standard"
        }),
    )
    .unwrap();
    // Three days before the 27th was the 24th: due now (a Thursday, 10:00, working hours).
    let late: Vec<_> = plan
        .schedule
        .iter()
        .filter(|d| matches!(&d.kind, DueKind::Reminder { message, .. } if message == "tiny.due_soon"))
        .collect();
    assert_eq!(late.len(), 1, "{:?}", plan.schedule);
    assert_eq!(late[0].at, utc("2026-11-26T10:00:00Z"));
    // Overdue from the moment it stood for: 09:00 on the 24th.
    assert_eq!(late[0].overdue_from, Some(utc("2026-11-24T09:00:00Z")));
}

#[test]
fn working_days_from_a_confidential_field_are_refused() {
    assert_problem(
        &TINY.replace("before = \"3d\"", "before = \"3wd\""),
        "`due_on` is confidential, so count from it in days",
    );
    let plain = TINY.replace(
        "fields.due_on = { type = \"date\" }",
        "fields.due_on = { type = \"date\", confidential = false }",
    );
    assert_eq!(
        problems(&plain.replace("before = \"3d\"", "before = \"3wd\"")),
        Vec::<String>::new()
    );
}

/// TINY with `due_on` plain and its reminder two working days before it.
fn tiny_in_working_days() -> Registry {
    let text = TINY
        .replace(
            "fields.due_on = { type = \"date\" }",
            "fields.due_on = { type = \"date\", confidential = false }",
        )
        .replace("before = \"3d\"", "before = \"2wd\"");
    Registry::load(&[source("tiny", &text)]).unwrap()
}

fn with_holidays(days: &[&str]) -> Calendar {
    Calendar {
        holidays: days.iter().map(|d| d.parse().unwrap()).collect(),
        ..Calendar::default()
    }
}

fn waiting(
    kind: crate::domain::ScheduledKind,
    entered: &str,
    due_at: &str,
    overdue_from: Option<&str>,
) -> engine::Waiting<'static> {
    engine::Waiting {
        state: "waiting",
        kind,
        position: 0,
        entered: utc(entered),
        due_at: utc(due_at),
        overdue_from: overdue_from.map(utc),
    }
}

#[test]
fn a_change_of_holidays_moves_what_counts_working_days_by_as_much_as_it_moves_them() {
    use crate::domain::ScheduledKind::{Reminder, Timer};
    let registry = tiny_in_working_days();
    let workflow = registry.get("tiny").unwrap();
    let (before, after) = (Calendar::default(), with_holidays(&["2026-12-01", "2026-12-08"]));
    let now = utc("2026-11-26T12:00:00Z");
    let moved = |item: &engine::Waiting<'_>, due_on: &str| {
        engine::moved(
            workflow,
            item,
            &recorded(json!({"due_on": due_on})),
            &before,
            &after,
            now,
        )
    };
    // Five working days after Thursday 26 November, 10:00: Thursday 3 December, then Friday
    // once Tuesday 1 December is a holiday.
    let timer = waiting(Timer, "2026-11-26T10:00:00Z", "2026-12-03T10:00:00Z", None);
    assert_eq!(moved(&timer, "2026-12-10"), Some((utc("2026-12-04T10:00:00Z"), None)));
    // Two working days before Thursday 10 December: Tuesday 8th, then Monday 7th.
    let reminder = waiting(Reminder, "2026-11-26T10:00:00Z", "2026-12-08T09:00:00Z", None);
    assert_eq!(
        moved(&reminder, "2026-12-10"),
        Some((utc("2026-12-07T09:00:00Z"), None))
    );
    // What the change does not reach stays.
    let far = waiting(Reminder, "2026-11-26T10:00:00Z", "2026-12-15T09:00:00Z", None);
    assert_eq!(moved(&far, "2026-12-17"), None);
    assert_eq!(
        engine::moved(workflow, &timer, &Data::new(), &before, &before, now),
        None
    );
}

#[test]
fn a_reminder_a_change_of_holidays_makes_late_goes_out_at_once_and_one_late_already_stays_late() {
    use crate::domain::ScheduledKind::Reminder;
    let registry = tiny_in_working_days();
    let workflow = registry.get("tiny").unwrap();
    let before = Calendar::default();
    let due_on = |day: &str| recorded(json!({"due_on": day}));
    // Two working days before Tuesday 1 December: Friday 27 November, 09:00; with Friday a
    // holiday, Thursday 26th, 09:00, already past at noon: due at once, overdue from then.
    let soon = waiting(Reminder, "2026-11-26T10:00:00Z", "2026-11-27T09:00:00Z", None);
    let now = utc("2026-11-26T12:00:00Z");
    assert_eq!(
        engine::moved(
            workflow,
            &soon,
            &due_on("2026-12-01"),
            &before,
            &with_holidays(&["2026-11-27"]),
            now
        ),
        Some((now, Some(utc("2026-11-26T09:00:00Z"))))
    );
    // Entered on Friday evening two working days before Monday 30th: late, for Monday 09:00.
    // On Saturday, Monday becomes a holiday: it waits for Tuesday, overdue from the same moment.
    let late = waiting(
        Reminder,
        "2026-11-27T18:00:00Z",
        "2026-11-30T09:00:00Z",
        Some("2026-11-26T09:00:00Z"),
    );
    let saturday = utc("2026-11-28T12:00:00Z");
    assert_eq!(
        engine::moved(
            workflow,
            &late,
            &due_on("2026-11-30"),
            &before,
            &with_holidays(&["2026-11-30"]),
            saturday
        ),
        Some((utc("2026-12-01T09:00:00Z"), Some(utc("2026-11-26T09:00:00Z"))))
    );
    // A reminder counted in calendar days from a confidential field keeps its moment; only its
    // late delivery follows the holidays.
    let registry = tiny();
    let sealed = registry.get("tiny").unwrap();
    assert_eq!(
        engine::moved(
            sealed,
            &late,
            &Data::new(),
            &before,
            &with_holidays(&["2026-11-30"]),
            saturday
        ),
        Some((utc("2026-12-01T09:00:00Z"), Some(utc("2026-11-26T09:00:00Z"))))
    );
    let on_time = waiting(Reminder, "2026-11-26T10:00:00Z", "2026-12-07T09:00:00Z", None);
    assert_eq!(
        engine::moved(
            sealed,
            &on_time,
            &Data::new(),
            &before,
            &with_holidays(&["2026-12-07"]),
            now
        ),
        None
    );
}

#[test]
fn a_branch_follows_the_field_value() {
    let registry = tiny();
    let yes = decide(
        &registry,
        "tiny",
        "waiting",
        &Data::new(),
        Role::HeadOfDelegation,
        "decide",
        json!({"ok": true}),
    )
    .unwrap();
    let no = decide(
        &registry,
        "tiny",
        "waiting",
        &Data::new(),
        Role::HeadOfDelegation,
        "decide",
        json!({"ok": false}),
    )
    .unwrap();
    assert_eq!((yes.to.as_str(), no.to.as_str()), ("done", "open"));
}

#[test]
fn an_action_without_a_target_stays_and_schedules_nothing() {
    let registry = tiny();
    let plan = decide(
        &registry,
        "tiny",
        "waiting",
        &Data::new(),
        Role::FocalPoint,
        "add_note",
        json!({"note": "x"}),
    )
    .unwrap();
    assert_eq!(plan.to, "waiting");
    assert!(!plan.cancel_scheduled && plan.schedule.is_empty());
}

#[test]
fn a_plan_carries_the_procedure_s_data_after_the_action_split_by_the_workflow_s_declarations() {
    let registry = tiny();
    // Recorded before: a plain urgency and a sealed note; and a field no action declares.
    let before = recorded(json!({"urgency": "urgent", "note": "first", "stray": 1}));
    let plan = decide(
        &registry,
        "tiny",
        "waiting",
        &before,
        Role::FocalPoint,
        "add_note",
        json!({"note": "second"}),
    )
    .unwrap();
    assert_eq!(plan.procedure_plain, recorded(json!({"urgency": "urgent"})));
    assert_eq!(
        plan.procedure_sealed.expose(),
        &recorded(json!({"note": "second", "stray": 1}))
    );
    // The event carries only what the action gave.
    assert!(plan.plain.is_empty());
    assert_eq!(plan.sealed.expose(), &recorded(json!({"note": "second"})));
}

#[test]
fn starting_a_procedure_carries_fields_and_schedules_its_initial_state() {
    let registry = tiny();
    let plan = decide(
        &registry,
        "tiny",
        "waiting",
        &Data::new(),
        Role::FocalPoint,
        "escalate",
        json!({"reason": "arrested"}),
    )
    .unwrap();
    let [start] = plan.starts.as_slice() else {
        panic!("{:?}", plan.starts)
    };
    assert_eq!((start.workflow.as_str(), start.state.as_str()), ("tiny", "open"));
    assert_eq!(start.sealed.expose().get("reason"), Some(&json!("arrested")));
    assert_eq!(start.schedule.len(), 1);
}

#[test]
fn refusals_are_typed() {
    let registry = tiny();
    let refuse = |state: &str, role: Role, action: &str, given: Value| {
        decide(&registry, "tiny", state, &Data::new(), role, action, given).unwrap_err()
    };
    assert!(matches!(
        refuse("done", Role::FocalPoint, "add_note", json!({})),
        Refusal::ProcedureClosed { .. }
    ));
    assert!(matches!(
        refuse("open", Role::FocalPoint, "fly", json!({})),
        Refusal::UnknownAction { .. }
    ));
    assert!(matches!(
        refuse("open", Role::HeadOfDelegation, "decide", json!({"ok": true})),
        Refusal::NotFromState { .. }
    ));
    assert!(matches!(
        refuse("waiting", Role::FocalPoint, "decide", json!({"ok": true})),
        Refusal::RoleNotPermitted { .. }
    ));
    assert!(matches!(
        refuse("waiting", Role::Admin, "expire", json!({})),
        Refusal::RoleNotPermitted { .. }
    ));
    let Refusal::InvalidData { problems, .. } = refuse(
        "open",
        Role::FocalPoint,
        "wait",
        json!({
            "due_on": "10/12/2026", "urgency": "whenever", "colour": "red"
        }),
    ) else {
        panic!("expected invalid data")
    };
    let kinds: BTreeMap<&str, &FieldProblemKind> = problems.iter().map(|p| (p.field.as_str(), &p.kind)).collect();
    assert_eq!(kinds[""], &FieldProblemKind::Unknown);
    assert!(!kinds.contains_key("colour"), "an unknown field is named: {problems:?}");
    assert!(matches!(kinds["due_on"], FieldProblemKind::Invalid(_)));
    assert!(matches!(kinds["urgency"], FieldProblemKind::Invalid(_)));
    let Refusal::InvalidData { problems, .. } = refuse("open", Role::FocalPoint, "wait", json!({"urgency": "urgent"}))
    else {
        panic!("expected missing data")
    };
    assert_eq!(problems[0].kind, FieldProblemKind::Missing);
}

#[test]
fn a_refusal_never_repeats_what_was_sent() {
    let registry = tiny();
    let secret = "Defender Name 42";
    let refusal = decide(
        &registry,
        "tiny",
        "open",
        &Data::new(),
        Role::FocalPoint,
        "wait",
        json!({
            "due_on": secret, "urgency": secret, "note": 42, secret: secret
        }),
    )
    .unwrap_err();
    // The unknown field's name is the client's own key; values never appear.
    let text = refusal.to_string().replace(&format!("{secret}: is not a field"), "");
    assert!(!text.contains(secret), "{text}");
}

#[test]
fn timers_act_as_the_system() {
    let registry = tiny();
    let workflow = registry.get("tiny").unwrap();
    let empty = serde_json::Map::new();
    let plan = plan(
        &registry,
        workflow,
        Procedure {
            state: "waiting",
            data: &Data::new(),
        },
        &Actor::system(),
        Request {
            action: "expire",
            data: &empty,
        },
        utc("2026-12-03T10:00:00Z"),
        &Calendar::default(),
    )
    .unwrap();
    assert_eq!(plan.to, "done");
}

#[test]
fn a_trial_observation_runs_from_hearing_to_verdict_with_reminders_before_the_hearing() {
    let registry = shipped();
    let mut recorded = Data::new();
    let mut state = "identified".to_owned();
    let steps: [(Role, &str, Value); 8] = [
        (
            Role::FocalPoint,
            "request_observation",
            json!({
                "court": "Court of Appeal", "case_number": "12/2026", "charges": "x",
                "hearing_date": "2026-12-15T09:30:00+01:00", "proposed_observers": "EUD, FR, DE"
            }),
        ),
        (
            Role::HeadOfDelegation,
            "approve",
            json!({"observers": "EUD political officer"}),
        ),
        (
            Role::FocalPoint,
            "notify_authorities",
            json!({"note_verbale_date": "2026-11-27", "addressee": "court"}),
        ),
        (Role::FocalPoint, "confirm_access", json!({"access_granted": "yes"})),
        (
            Role::FocalPoint,
            "record_attendance",
            json!({"attended": true, "observers_present": "2"}),
        ),
        (
            Role::FocalPoint,
            "submit_report",
            json!({
                "report": "r", "public_hearing": true, "access_to_counsel": false, "interpretation": "not_needed",
                "equality_of_arms": false, "presumption_of_innocence": false, "ill_treatment_alleged": false
            }),
        ),
        (
            Role::FocalPoint,
            "record_verdict",
            json!({"verdict": "convicted", "sentence_years": 6, "death_penalty": false}),
        ),
        (
            Role::FocalPoint,
            "decide_follow_up",
            json!({"follow_up": ["demarche", "appeal_observation"]}),
        ),
    ];
    for (role, action, given) in steps {
        let plan = decide(&registry, "trial_observation", &state, &recorded, role, action, given).unwrap();
        if state == "authorities_notified" {
            let messages: Vec<&str> = plan
                .schedule
                .iter()
                .filter_map(|d| match &d.kind {
                    DueKind::Reminder { message, .. } => Some(message.as_str()),
                    DueKind::Timer { .. } => None,
                })
                .collect();
            assert_eq!(
                messages,
                [
                    "trial.hearing_in_7_days",
                    "trial.confirm_logistics",
                    "trial.hearing_tomorrow",
                    "trial.record_attendance"
                ]
            );
            // Relative to the sealed hearing (09:30 on the 15th): 09:00 on their days, never
            // a time that gives the hearing's away.
            let before: Vec<DateTime<Utc>> = plan
                .schedule
                .iter()
                .filter(
                    |d| matches!(&d.kind, DueKind::Reminder { message, .. } if message != "trial.record_attendance"),
                )
                .map(|d| d.at)
                .collect();
            assert_eq!(
                before,
                [
                    utc("2026-12-08T09:00:00Z"),
                    utc("2026-12-12T09:00:00Z"),
                    utc("2026-12-14T09:00:00Z")
                ]
            );
        }
        recorded.extend(plan.plain.clone());
        recorded.extend(plan.sealed.expose().clone());
        state = plan.to;
    }
    assert_eq!(state, "follow_up");
}

#[test]
fn every_shipped_workflow_has_the_shared_actions() {
    let registry = shipped();
    assert_eq!(registry.len(), 5);
    for workflow in registry.iter() {
        let actions = &workflow.definition.actions;
        for shared in ["add_note", "reassign", "escalate_to_eusr", "record_feedback", "close"] {
            assert!(actions.contains_key(shared), "{} lacks {shared}", workflow.name());
        }
        assert_eq!(actions["escalate_to_eusr"].starts.as_deref(), Some("eusr_review"));
        assert_eq!(actions["escalate_to_eusr"].carry, ["reason"]);
        assert_eq!(actions["close"].fields["outcome"].kind, FieldType::Enum);
        assert!(!actions["close"].fields["outcome"].confidential);
    }
    let review = registry.get("eusr_review").unwrap();
    assert_eq!(review.queue(review.initial_state()), Some("eusr_review"));
}

#[test]
fn graphs_draw_every_state_and_mark_the_current_one() {
    let registry = shipped();
    let workflow = registry.get("trial_observation").unwrap();
    let dot = graph::render(workflow, graph::Format::Dot, Some("attended"));
    for state in workflow.definition.states.keys() {
        assert!(dot.contains(&format!("  {state} [")), "{state}");
    }
    assert!(dot.contains("confirm_access (access_granted=no) [focal_point]"));
    assert!(dot.contains("attended [label=\"Hearing attended\", style=\"rounded,filled\""));
    let mermaid = graph::render(workflow, graph::Format::Mermaid, Some("attended"));
    assert!(mermaid.starts_with("stateDiagram-v2\n"));
    assert!(mermaid.contains("[*] --> identified"));
    assert!(mermaid.contains("class attended current"));
}

#[test]
fn the_svg_picture_draws_every_state_once_marks_the_current_one_and_escapes_titles() {
    let registry = shipped();
    for workflow in registry.iter() {
        let picture = graph::svg(workflow, Some(workflow.initial_state()));
        assert!(picture.starts_with("<svg "), "{}", workflow.name());
        assert_eq!(
            picture.matches("<g class=\"state").count(),
            workflow.definition.states.len(),
            "{}",
            workflow.name()
        );
        assert_eq!(picture.matches(" current\"").count(), 1, "{}", workflow.name());
        assert!(!picture.contains("<script"));
    }
    let trial = registry.get("trial_observation").unwrap();
    let picture = graph::svg(trial, Some("attended"));
    assert!(picture.contains("current state: Hearing attended"));
    // An adjourned hearing goes back up: drawn as a back arrow, titled with its action.
    assert!(picture.contains("class=\"edge back\""));
    assert!(picture.contains("record_adjournment [focal_point]"));
    // "Approved, authorities to be notified" is long: wrapped onto two lines.
    assert!(picture.contains(">Approved, authorities to be</text>"));
    let sources: Vec<Source> = SHIPPED
        .iter()
        .map(|(stem, text)| source(stem, &text.replace("\"Hearing attended\"", "\"<b>&'</b>\"")))
        .collect();
    let hostile = Registry::load(&sources).unwrap();
    let picture = graph::svg(hostile.get("trial_observation").unwrap(), None);
    assert!(picture.contains("&lt;b&gt;&amp;&#39;&lt;/b&gt;"));
    assert!(!picture.contains("<b>"));
    // In another language: the states and arrows as the caller names them, its label, all
    // escaped.
    let picture = graph::svg_in(
        trial,
        Some("attended"),
        &graph::Names {
            state: &|s| format!("« {s} <i>"),
            arrow: &|a| format!("« {} » <{}>", a.action, a.after.unwrap_or("now")),
        },
        "Machine à états & co",
    );
    assert!(picture.contains(">« attended &lt;i&gt;</text>"), "{picture}");
    assert!(picture.contains("<title>« submit_report » &lt;now&gt;"), "{picture}");
    assert!(picture.contains("aria-label=\"Machine à états &amp; co\""), "{picture}");
    assert!(!picture.contains("Hearing attended"));
}

// Properties.

/// A value valid for a field, chosen by `seed`.
fn valid_value(kind: FieldType, values: &[String], min: Option<i64>, seed: u32) -> Value {
    let pick = |seed: u32| values[seed as usize % values.len()].clone();
    match kind {
        FieldType::Text => json!(format!("text {seed}")),
        FieldType::User => json!(format!("user-{seed}")),
        FieldType::Date => json!(format!("2027-0{}-1{}", 1 + seed % 9, seed % 10)),
        FieldType::Datetime => json!(format!("2027-0{}-1{}T10:00:00Z", 1 + seed % 9, seed % 10)),
        FieldType::Bool => json!(seed.is_multiple_of(2)),
        FieldType::Enum => json!(pick(seed)),
        FieldType::Integer => json!(min.unwrap_or(0)),
        FieldType::List => json!([pick(seed)]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Random walks over each shipped workflow: random actions by random roles with valid or
    /// broken data. A refusal changes nothing; a plan names known states, schedules only the
    /// future, and splits every field into sealed or plain as declared.
    #[test]
    fn random_walks_keep_every_rule(seed in any::<u64>(), steps in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<bool>()), 1..60)) {
        let registry = shipped();
        let names: Vec<String> = registry.iter().map(|w| w.name().to_owned()).collect();
        let workflow = registry.get(&names[seed as usize % names.len()]).unwrap();
        let def = &workflow.definition;
        let actions: Vec<&String> = def.actions.keys().collect();
        let mut state = workflow.initial_state().to_owned();
        let mut recorded = Data::new();
        let mut now = utc("2026-11-26T10:00:00Z");
        for (pick, value_seed, break_data) in steps {
            let action_name = actions[pick as usize % actions.len()];
            let action = &def.actions[action_name];
            // Mostly a role the action allows, so walks go deep; sometimes any role.
            let role = if pick % 4 == 0 {
                Role::ALL[(pick / 7) as usize % Role::ALL.len()]
            } else {
                action.roles[(pick / 7) as usize % action.roles.len()]
            };
            let mut given = serde_json::Map::new();
            for (name, field) in &action.fields {
                given.insert(name.clone(), valid_value(field.kind, &field.values, field.min, value_seed));
            }
            if break_data && !given.is_empty() {
                let first = given.keys().next().unwrap().clone();
                given.insert(first, json!({"not": "valid"}));
            }
            let before = (state.clone(), recorded.clone());
            let result = plan(&registry, workflow, Procedure { state: &state, data: &recorded }, &actor(role), Request { action: action_name, data: &given }, now, &Calendar::default());
            match result {
                Err(_) => prop_assert_eq!(&before, &(state.clone(), recorded.clone())),
                Ok(plan) => {
                    prop_assert!(!break_data || action.fields.is_empty());
                    prop_assert!(def.states.contains_key(&plan.to));
                    prop_assert_eq!(&plan.from, &state);
                    // Nothing is due in the past: a hand-off is due now, a late reminder at the
                    // next working moment, everything else later.
                    let earliest = Calendar::default().next_working_moment(now);
                    let handoff = |d: &engine::Due| matches!(&d.kind, DueKind::Reminder { message, .. } if message == engine::HANDOFF_MESSAGE);
                    prop_assert!(plan.schedule.iter().all(|d| d.at > now || d.at == earliest || (handoff(d) && d.at == now)));
                    for (name, field) in &action.fields {
                        let sealed = plan.sealed.expose().contains_key(name);
                        let plain = plan.plain.contains_key(name);
                        prop_assert!(sealed != plain);
                        prop_assert_eq!(sealed, field.confidential);
                    }
                    recorded.extend(plan.plain.clone());
                    recorded.extend(plan.sealed.expose().clone());
                    state = plan.to;
                }
            }
            now += ChronoDuration::hours(i64::from(value_seed % 200));
        }
    }

    #[test]
    fn working_days_and_durations_never_go_backwards(
        start in 1_600_000_000i64..2_000_000_000,
        amount in 1u32..400,
        unit in 0usize..4,
        zone in 0usize..4,
        weekend_mask in 0u8..127,
    ) {
        let zones = [chrono_tz::UTC, chrono_tz::Europe::Brussels, chrono_tz::America::Santiago, chrono_tz::Asia::Kathmandu];
        let weekend = (0..7).filter(|d| weekend_mask & (1 << d) != 0).map(|d| Weekday::try_from(d as u8).unwrap()).collect();
        let calendar = Calendar { time_zone: zones[zone], weekend, holidays: Default::default(), owner_time_zone: None };
        let instant = Utc.timestamp_opt(start, 0).unwrap();
        let duration = [Duration::Hours(amount), Duration::Days(amount), Duration::Weeks(amount.min(100)), Duration::WorkingDays(amount)][unit];
        prop_assert!(calendar.shift(instant, duration, Direction::Forward) > instant);
        prop_assert!(calendar.shift(instant, duration, Direction::Backward) < instant);
    }

    #[test]
    fn repeating_schedules_never_go_backwards(
        start in 1_600_000_000i64..2_000_000_000,
        minute in 0u32..60,
        hour in 0u32..24,
        zone in 0usize..4,
    ) {
        let zones = [chrono_tz::UTC, chrono_tz::Europe::Brussels, chrono_tz::America::Santiago, chrono_tz::Australia::Lord_Howe];
        let calendar = Calendar { time_zone: zones[zone], weekend: vec![], holidays: Default::default(), owner_time_zone: None };
        let repeat: Repeat = format!("{minute} {hour} * * *").parse().unwrap();
        let mut at = Utc.timestamp_opt(start, 0).unwrap();
        for _ in 0..5 {
            let next = repeat.next_after(&calendar, at).unwrap();
            prop_assert!(next > at);
            prop_assert!(next - at <= ChronoDuration::hours(26));
            at = next;
        }
    }
}

#[test]
fn older_versions_stay_reachable_beside_the_current_one() {
    let mut registry = tiny();
    let current = registry.get("tiny").unwrap().version.clone();
    let older_text = TINY.replace("title = \"Wait\"", "title = \"Wait (old wording)\"");
    let older: Definition = toml::from_str(&older_text).unwrap();
    let older_version = version_of(&older);
    registry.add_stored(older).unwrap();
    assert_eq!(registry.get("tiny").unwrap().version, current);
    assert_eq!(registry.version("tiny", &current).unwrap().version, current);
    assert_eq!(
        registry.version("tiny", &older_version).unwrap().definition.actions["wait"].title,
        "Wait (old wording)"
    );
    assert!(registry.version("tiny", "0000000000000000").is_none());
    let broken: Definition = toml::from_str(&TINY.replace("to = \"waiting\"", "to = \"nowhere\"")).unwrap();
    assert!(registry.add_stored(broken).is_err());
}

#[test]
fn a_one_line_text_field_refuses_a_line_break_and_only_text_takes_lines() {
    let one_line = TINY.replace(
        "fields.reason = { type = \"text\" }",
        "fields.reason = { type = \"text\", lines = 1 }",
    );
    let registry = Registry::load(&[source("tiny", &one_line)]).unwrap();
    let escalate = |reason: &str| {
        decide(
            &registry,
            "tiny",
            "open",
            &Data::new(),
            Role::FocalPoint,
            "escalate",
            json!({ "reason": reason }),
        )
    };
    assert!(escalate("KE/2026/114").is_ok());
    let refused = escalate("KE/2026/114\nand more").unwrap_err().to_string();
    assert!(refused.contains("reason: must be one line"), "{refused}");
    assert!(!refused.contains("and more"), "the value is never repeated: {refused}");
    assert_problem(
        &TINY.replace(
            "fields.ok = { type = \"bool\", confidential = false }",
            "fields.ok = { type = \"bool\", confidential = false, lines = 1 }",
        ),
        "only a text field takes",
    );
}
