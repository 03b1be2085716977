//! HTML forms in and out: a submitted `application/x-www-form-urlencoded` body as pairs, a
//! workflow action's fields as form controls, and the controls' strings as the typed JSON the
//! engine checks. The engine keeps the rules (required, ranges, choices); this module only
//! turns what a browser can send into the API's shapes, so a form and an API call meet the
//! same checks and the same messages.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::i18n::Tr;
use super::pages::Named;
use crate::cases::{FieldIssue, Problem};
use crate::workflow::engine::{Invalid, Refusal};
use crate::workflow::model::{Declared, FieldDef, FieldType, Target};

/// The prefix of a workflow field's control name, so no field can shadow `csrf` or `version`.
pub const DATA: &str = "data.";

/// A submitted form: its pairs in order, repeated names kept (checkbox lists).
#[derive(Debug, Default, Clone)]
pub struct Submitted {
    pairs: Vec<(String, String)>,
}

impl Submitted {
    pub fn parse(body: &[u8]) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(body).into_owned().collect(),
        }
    }

    /// A form filled in by Vigil itself (an edit form showing the current values).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    /// Every pair, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = &(String, String)> {
        self.pairs.iter()
    }

    /// The first value of `name`, if it was sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, or "" when absent.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).map(str::trim).unwrap_or_default()
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A problem with one control, in words for the person who filled it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlIssue {
    pub field: String,
    pub problem: String,
}

/// The workflow fields of an action, read from the form into the JSON the engine takes.
/// Empty controls are left out, so the engine says which required ones are missing; values
/// a browser sends as text but the engine wants typed are converted here, and a value that
/// cannot be converted is an issue named by its field, said in `tr`'s language. A
/// `datetime-local` value is a wall-clock time in `zone`.
pub fn action_data(
    fields: &Declared<FieldDef>,
    form: &Submitted,
    zone: Tz,
    tr: Tr,
) -> (Map<String, Value>, Vec<ControlIssue>) {
    let mut data = Map::new();
    let mut issues = Vec::new();
    for (name, field) in fields {
        let control = format!("{DATA}{name}");
        let value = match field.kind {
            FieldType::List => {
                let chosen: Vec<Value> = form
                    .all(&control)
                    .into_iter()
                    .map(|v| Value::String(v.to_owned()))
                    .collect();
                (!chosen.is_empty()).then_some(Ok(Value::Array(chosen)))
            }
            kind => {
                let raw = form.text(&control);
                (!raw.is_empty()).then(|| typed(kind, raw, zone))
            }
        };
        match value {
            Some(Ok(value)) => {
                data.insert(name.clone(), value);
            }
            Some(Err(problem)) => issues.push(ControlIssue {
                field: name.clone(),
                problem: tr.t(problem),
            }),
            None => {}
        }
    }
    (data, issues)
}

/// Why the engine refused a field's value, in the page's language: what the field expects,
/// never what was sent (the choices a form offers are its own, so they are not listed again).
pub(super) fn invalid_in_words(invalid: &Invalid, tr: Tr) -> String {
    let bound = |limit: Option<i64>| limit.map_or_else(|| "…".to_owned(), |n| n.to_string());
    match invalid {
        Invalid::Empty => tr.t("problem-empty"),
        Invalid::Nul => tr.t("problem-nul"),
        Invalid::TooLong { max } => tr.with("problem-too-long", &[("max", (*max).into())]),
        Invalid::NotOneLine => tr.t("problem-one-line"),
        Invalid::OutOfRange { min, max } => tr.with(
            "problem-range",
            &[("min", bound(*min).into()), ("max", bound(*max).into())],
        ),
        Invalid::NotChoice { .. } | Invalid::NotA(FieldType::Enum) => tr.t("problem-choice"),
        Invalid::NotChoices { .. } | Invalid::NotA(FieldType::List) => tr.t("problem-choices"),
        Invalid::NotA(kind) => tr.t(match kind {
            FieldType::Bool => "problem-yes-no",
            FieldType::Integer => "problem-whole-number",
            FieldType::Datetime => "problem-date-time",
            FieldType::Date => "problem-date",
            FieldType::User => "problem-user",
            FieldType::Text | FieldType::Enum | FieldType::List => "problem-text",
        }),
    }
}

/// What the cases layer found wrong with a field, in the page's language.
pub(super) fn problem_in_words(problem: &Problem, tr: Tr) -> String {
    tr.with_texts(problem.key(), problem.args())
}

/// Why the engine refused an action, in the page's language and the workflow's words (`names`).
pub(in crate::http::ui) fn refusal_in_words(refusal: &Refusal, names: &Named<'_>) -> String {
    let tr = names.tr;
    match refusal {
        Refusal::ProcedureClosed { state } => tr.arg("refusal-closed", "state", &names.state(state)),
        Refusal::UnknownAction { .. } => tr.t("refusal-unknown-action"),
        Refusal::NotFromState { action, state } => tr.with(
            "refusal-not-from-state",
            &[
                ("action", names.action(action).into()),
                ("state", names.state(state).into()),
            ],
        ),
        Refusal::RoleNotPermitted { action, allowed } => tr.with(
            "refusal-role",
            &[
                ("action", names.action(action).into()),
                (
                    "roles",
                    allowed
                        .iter()
                        .map(|role| super::pages::role_word(tr, *role))
                        .collect::<Vec<_>>()
                        .join(", ")
                        .into(),
                ),
            ],
        ),
        Refusal::UnknownWorkflow { action, .. } => tr.arg("refusal-unknown-workflow", "action", &names.action(action)),
        Refusal::InvalidData { .. } => tr.t("case-look-again"),
    }
}

/// Why someone may not do what they asked, in the page's language.
pub(in crate::http::ui) fn denied_in_words(denied: &crate::domain::Denied, tr: Tr) -> String {
    tr.with_texts(denied.key(), denied.args())
}

/// What a page says of a refusal the person can act on (a field at fault, something not theirs
/// to do), in its language; None for what is the error page's (not found, the server).
pub(in crate::http::ui) fn refusal_said(e: &crate::cases::CaseError, tr: Tr) -> Option<String> {
    use crate::cases::CaseError;
    match e {
        CaseError::Invalid(issues) => Some(issues_in_words(issues, tr)),
        CaseError::Forbidden(denied) | CaseError::Taken(denied) => Some(denied_in_words(denied, tr)),
        _ => None,
    }
}

/// Problems of a request's fields in words, each after the field's name: "Email is not an
/// email address; Role must be one of …" (a field the catalog does not name, by its identifier).
pub(super) fn issues_in_words(issues: &[FieldIssue], tr: Tr) -> String {
    issues
        .iter()
        .map(|issue| {
            let label = tr
                .try_t(&format!("issue-field-{}", issue.field.replace('.', "-")))
                .unwrap_or_else(|| humanize(&issue.field));
            format!("{label} {}", problem_in_words(&issue.problem, tr))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `raw` as the JSON value of a field of `kind`, else the catalog key of the problem.
fn typed(kind: FieldType, raw: &str, zone: Tz) -> Result<Value, &'static str> {
    match kind {
        FieldType::Bool => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("problem-yes-no"),
        },
        FieldType::Integer => raw.parse::<i64>().map(Value::from).map_err(|_| "problem-whole-number"),
        FieldType::Datetime => local_datetime(raw, zone)
            .map(|at| Value::String(at.to_rfc3339()))
            .ok_or("problem-date-time"),
        FieldType::Text | FieldType::Date | FieldType::Enum | FieldType::User | FieldType::List => {
            Ok(Value::String(raw.to_owned()))
        }
    }
}

/// A `datetime-local` value (`2026-12-01T09:30`, seconds optional) as an instant, read on the
/// wall clock of `zone`. A time the clocks skip is refused; a repeated one is the earlier.
pub fn local_datetime(raw: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// One control of an action's form, as a template draws it.
#[derive(Debug, Clone)]
pub struct Control {
    /// The control's `name` (with [`DATA`]) and `id`.
    pub name: String,
    pub label: String,
    /// `textarea`, `date`, `datetime-local`, `number`, `select`, `radio`, `checkbox` or `text`.
    pub widget: &'static str,
    pub required: bool,
    /// Sealed with age when stored.
    pub confidential: bool,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub options: Vec<Choice>,
    /// What the user typed last (kept after an error), or "".
    pub value: String,
    pub error: Option<String>,
    pub hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
    /// The title of the state this choice leads to, when the action branches on this field.
    pub leads_to: Option<String>,
}

/// "hearing_date" → "Hearing date".
pub fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The controls of an action's fields, filled from `form` (what was sent, after an error) and
/// marked with `issues`, in the words of `names` (its workflow's, in the page's language).
/// `branch` is the action's target when it branches on a field, whose choices say the state
/// they lead to. A user field offers `people`
/// (id and name), when there are any; a date-and-time field says it is read in `zone`.
pub fn controls(
    fields: &Declared<FieldDef>,
    branch: Option<&Target>,
    names: Named<'_>,
    form: Option<&Submitted>,
    issues: &[ControlIssue],
    people: &[(String, String)],
    zone: Tz,
) -> Vec<Control> {
    fields
        .iter()
        .map(|(name, field)| {
            let control = format!("{DATA}{name}");
            let sent = form.map(|f| f.all(&control)).unwrap_or_default();
            let leads_to = |value: &str| match branch {
                Some(Target::Branch(b)) if b.field == *name => b.cases.get(value).map(|state| names.state(state)),
                _ => None,
            };
            let choice = |value: &str, label: String| Choice {
                checked: sent.contains(&value),
                leads_to: leads_to(value),
                value: value.to_owned(),
                label,
            };
            let (widget, options) = match field.kind {
                FieldType::Text if field.lines == Some(1) => ("text", Vec::new()),
                FieldType::Text => ("textarea", Vec::new()),
                FieldType::Date => ("date", Vec::new()),
                FieldType::Datetime => ("datetime-local", Vec::new()),
                FieldType::Integer => ("number", Vec::new()),
                FieldType::User if !people.is_empty() => (
                    "select",
                    people.iter().map(|(id, name)| choice(id, name.clone())).collect(),
                ),
                FieldType::User => ("text", Vec::new()),
                FieldType::Bool => (
                    "radio",
                    vec![choice("true", names.tr.t("yes")), choice("false", names.tr.t("no"))],
                ),
                FieldType::Enum => {
                    let options = field.values.iter().map(|v| choice(v, names.choice(name, v))).collect();
                    // A branch reads best as radios, each saying where it leads.
                    let widget = if matches!(branch, Some(Target::Branch(b)) if b.field == *name) {
                        "radio"
                    } else {
                        "select"
                    };
                    (widget, options)
                }
                FieldType::List => (
                    "checkbox",
                    field.values.iter().map(|v| choice(v, names.choice(name, v))).collect(),
                ),
            };
            Control {
                label: names.field(name, Some(field)),
                widget,
                required: field.required,
                confidential: field.confidential,
                min: field.min,
                max: field.max,
                options,
                value: sent.first().map(|v| (*v).to_owned()).unwrap_or_default(),
                error: issues.iter().find(|i| i.field == *name).map(|i| i.problem.clone()),
                hint: match field.kind {
                    FieldType::User if people.is_empty() => {
                        Some("The user id of a focal point or head of this delegation".into())
                    }
                    FieldType::Datetime => Some(format!("Your time: {}", zone.name())),
                    _ => None,
                },
                name: control,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ui::i18n::Lang;
    use crate::workflow::model::Branch;

    #[test]
    fn every_problem_the_engine_finds_is_said_in_every_language() {
        let values = vec!["letter".to_owned()];
        let mut problems = vec![
            Invalid::Empty,
            Invalid::Nul,
            Invalid::TooLong { max: 10 },
            Invalid::NotOneLine,
            Invalid::OutOfRange {
                min: Some(1),
                max: None,
            },
            Invalid::NotChoice { values: values.clone() },
            Invalid::NotChoices { values },
        ];
        problems.extend(
            [
                FieldType::Text,
                FieldType::Date,
                FieldType::Datetime,
                FieldType::Bool,
                FieldType::Enum,
                FieldType::Integer,
                FieldType::List,
                FieldType::User,
            ]
            .map(Invalid::NotA),
        );
        for lang in Lang::ALL {
            for problem in &problems {
                let said = invalid_in_words(problem, Tr(lang));
                assert!(
                    !said.contains("problem-") && !said.contains("letter"),
                    "{lang:?} {problem:?}: {said}"
                );
            }
        }
        assert_eq!(
            invalid_in_words(&Invalid::TooLong { max: 10 }, Tr(Lang::Fr)),
            "doit compter au plus 10 caractères"
        );
    }

    #[test]
    fn every_refusal_is_said_in_every_language() {
        for lang in Lang::ALL {
            for denied in crate::domain::Denied::samples() {
                let said = denied_in_words(&denied, Tr(lang));
                assert!(
                    !said.contains("denied-") && said.ends_with('.'),
                    "{lang:?} {denied:?}: {said}"
                );
            }
        }
        let head = crate::domain::Denied::NotYours(crate::domain::NotYours::ForTheHead(
            crate::domain::DelegationCode::new("EUD_KE"),
        ));
        assert_eq!(
            denied_in_words(&head, Tr(Lang::Es)),
            "Le corresponde decidir al jefe de la delegación EUD_KE."
        );
    }

    #[test]
    fn every_problem_the_cases_layer_finds_is_said_in_every_language_after_its_field() {
        for lang in Lang::ALL {
            for problem in crate::cases::Problem::samples() {
                let said = problem_in_words(&problem, Tr(lang));
                assert!(
                    !said.contains("issue-") && !said.is_empty(),
                    "{lang:?} {problem:?}: {said}"
                );
            }
        }
        let issues = [
            FieldIssue {
                field: "email".into(),
                problem: Problem::NotEmail,
            },
            FieldIssue {
                field: "name".into(),
                problem: Problem::TooLong { max: 200 },
            },
            FieldIssue {
                field: "odd.one".into(),
                problem: Problem::Required,
            },
        ];
        assert_eq!(
            issues_in_words(&issues, Tr(Lang::Fr)),
            "Adresse électronique n'est pas une adresse valide; Le nom doit compter au plus 200 caractères; Odd.one doit être indiqué"
        );
    }

    fn field(kind: FieldType) -> FieldDef {
        FieldDef {
            kind,
            title: None,
            values: vec!["yes".into(), "no".into()],
            min: None,
            max: None,
            confidential: true,
            required: true,
            lines: None,
        }
    }

    fn fields(list: &[(&str, FieldType)]) -> Declared<FieldDef> {
        list.iter().map(|(n, k)| ((*n).to_owned(), field(*k))).collect()
    }

    #[test]
    fn controls_become_the_types_the_engine_takes() {
        let fields = fields(&[
            ("note", FieldType::Text),
            ("attended", FieldType::Bool),
            ("years", FieldType::Integer),
            ("follow_up", FieldType::List),
            ("hearing", FieldType::Datetime),
            ("on", FieldType::Date),
        ]);
        let form = Submitted::parse(
            b"csrf=x&data.note=+hello+&data.attended=false&data.years=12&data.follow_up=yes&data.follow_up=no\
              &data.hearing=2026-07-01T09%3A30&data.on=2026-07-02",
        );
        let (data, issues) = action_data(&fields, &form, chrono_tz::Europe::Brussels, Tr(Lang::En));
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(data["note"], "hello");
        assert_eq!(data["attended"], false);
        assert_eq!(data["years"], 12);
        assert_eq!(data["follow_up"], serde_json::json!(["yes", "no"]));
        // 09:30 in Brussels in summer is 07:30 UTC.
        assert_eq!(data["hearing"], "2026-07-01T07:30:00+00:00");
        assert_eq!(data["on"], "2026-07-02");
        assert!(!data.contains_key("csrf"));
    }

    #[test]
    fn empty_controls_are_left_for_the_engine_to_call_missing() {
        let fields = fields(&[("note", FieldType::Text), ("follow_up", FieldType::List)]);
        let (data, issues) = action_data(
            &fields,
            &Submitted::parse(b"data.note=++"),
            chrono_tz::UTC,
            Tr(Lang::En),
        );
        assert!(data.is_empty());
        assert!(issues.is_empty());
    }

    #[test]
    fn values_that_cannot_be_typed_are_issues_that_do_not_quote_them() {
        let fields = fields(&[
            ("years", FieldType::Integer),
            ("hearing", FieldType::Datetime),
            ("attended", FieldType::Bool),
        ]);
        let form = Submitted::parse(b"data.years=twelve&data.hearing=soon&data.attended=maybe");
        let (data, issues) = action_data(&fields, &form, chrono_tz::UTC, Tr(Lang::Fr));
        assert!(data.is_empty());
        assert_eq!(issues[0].problem, "doit être un nombre entier");
        let named: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            named,
            ["years", "hearing", "attended"],
            "in the order the fields are declared"
        );
        assert!(
            issues
                .iter()
                .all(|i| !i.problem.contains("twelve") && !i.problem.contains("soon"))
        );
    }

    #[test]
    fn a_wall_clock_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_earlier() {
        let zone = chrono_tz::Europe::Brussels;
        assert_eq!(local_datetime("2026-03-29T02:30", zone), None);
        let repeated = local_datetime("2026-10-25T02:30", zone).map(|at| at.to_rfc3339());
        assert_eq!(repeated.as_deref(), Some("2026-10-25T00:30:00+00:00"));
        assert!(local_datetime("2026-10-25T02:30:15", zone).is_some());
    }

    #[test]
    fn controls_keep_what_was_typed_and_say_where_a_branch_leads() {
        let fields = fields(&[("access", FieldType::Enum), ("note", FieldType::Text)]);
        let branch = Target::Branch(Branch {
            field: "access".into(),
            cases: [("yes".to_owned(), "scheduled".to_owned())].into(),
        });
        let form = Submitted::parse(b"data.access=no&data.note=kept");
        let issues = [ControlIssue {
            field: "note".into(),
            problem: "is required".into(),
        }];
        let names = Named::of_no_workflow(Tr(Lang::Fr));
        let controls = controls(&fields, Some(&branch), names, Some(&form), &issues, &[], chrono_tz::UTC);
        assert_eq!(controls[0].widget, "radio");
        assert_eq!(controls[0].options[0].leads_to.as_deref(), Some("Scheduled"));
        assert!(controls[0].options[1].checked);
        assert_eq!(controls[1].value, "kept");
        assert_eq!(controls[1].error.as_deref(), Some("is required"));
        assert_eq!(controls[1].label, "Note");
    }

    #[test]
    fn a_user_field_offers_the_people_given_and_keeps_the_one_chosen() {
        let fields = fields(&[("new_owner", FieldType::User)]);
        let people = [
            ("u1".to_owned(), "Ana (focal point)".to_owned()),
            ("u2".to_owned(), "Ben".to_owned()),
        ];
        let form = Submitted::parse(b"data.new_owner=u2");
        let names = Named::of_no_workflow(Tr(Lang::En));
        let offered = controls(&fields, None, names, Some(&form), &[], &people, chrono_tz::UTC);
        assert_eq!(offered[0].widget, "select");
        assert_eq!(offered[0].options.len(), 2);
        assert!(offered[0].options[1].checked && !offered[0].options[0].checked);
        assert!(offered[0].hint.is_none());
        let typed = controls(&fields, None, names, None, &[], &[], chrono_tz::UTC);
        assert_eq!(typed[0].widget, "text");
    }
}
