//! The shape of a workflow file (`workflows/*.toml`), as serde reads it. Unknown keys are
//! refused everywhere, so a typo is an error rather than a silently ignored setting.
//! `workflows/README.md` documents the format for people.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::domain::Role;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Must equal the file's name without `.toml`.
    pub name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(serialize_with = "sorted")]
    pub states: Declared<StateDef>,
    #[serde(serialize_with = "sorted")]
    pub actions: Declared<ActionDef>,
}

/// States, actions and fields in the order the file declares them: the order people see
/// them in (the main step before "Add a note"). The order is presentation, not behaviour, so
/// they serialise sorted by name: the version hash (and the stored definition) is the same
/// whatever the order of the file, and a reordered file is not a new version.
pub type Declared<V> = IndexMap<String, V>;

fn sorted<V: Serialize, S: Serializer>(map: &Declared<V>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter().collect::<BTreeMap<_, _>>())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDef {
    pub title: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initial: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub terminal: bool,
    /// A review queue a procedure in this state appears in, such as `eusr_review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reminders: Vec<ReminderDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timers: Vec<TimerDef>,
    /// Who must act once a procedure enters this state (recipients as for reminders): they
    /// are emailed at once, a hand-off, not a nag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    /// Only when the procedure's plain fields have these values (as a reminder's `when`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notify_when: BTreeMap<String, String>,
    /// The action usually taken next in this state: the web interface shows it first and open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    pub title: String,
    /// The states the action may be taken in; `["*"]` (the default) is every non-terminal state.
    #[serde(default = "any_state")]
    pub from: Vec<String>,
    /// Where the action leads; absent, the procedure stays where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Target>,
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub fields: Declared<FieldDef>,
    /// Another workflow this action starts on the same case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts: Option<String>,
    /// Fields of this action copied into the started procedure's data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carry: Vec<String>,
    /// Who is emailed at once when the action is taken (the shared `reassign`: the new owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
}

pub const ANY_STATE: &str = "*";

fn any_state() -> Vec<String> {
    vec![ANY_STATE.to_owned()]
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// A fixed target state, or one chosen by the value of an enum or bool field of the action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    State(String),
    Branch(Branch),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub field: String,
    /// Field value (an enum value, or `true` / `false`) to state.
    pub cases: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The allowed values of an `enum` or `list` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Sealed with age (the default); `false` keeps it as plain metadata, which only fields
    /// that identify no one may be.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub confidential: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
    /// For a text field: `1` shows it as one line (a case number, a court's name) rather than a
    /// box for paragraphs, and refuses a line break in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Date,
    Datetime,
    Bool,
    Enum,
    Integer,
    /// A list of values from `values`.
    List,
    /// A Vigil user id (staff, never a defender), as for reassigning a case.
    User,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Bool => "bool",
            Self::Enum => "enum",
            Self::Integer => "integer",
            Self::List => "list",
            Self::User => "user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderDef {
    /// The message template's key, e.g. `trial.hearing_soon`.
    pub message: String,
    /// `owner`, `eusr_reviewers`, or a role of the case's delegation.
    pub to: Vec<String>,
    /// After entering the state, or after the date in `field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Before the date in `field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Repeats on this five-field cron schedule while the procedure stays in the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// Only when the procedure's plain fields have these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub when: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimerDef {
    pub after: String,
    /// The action the system takes when the timer fires.
    pub action: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub when: BTreeMap<String, String>,
}
