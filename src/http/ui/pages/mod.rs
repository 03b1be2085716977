//! The pages of the web interface, one file for each area, over the same operations as the API.
//! What the areas share is here: the navigation bar, labels for codes, times on the reader's clock.

mod attachments;
mod case;
mod case_form;
mod list;
mod needs;
mod queue;
mod reports;
mod titles;
mod workflows;

pub(super) use titles::{Named, Titles};

pub use attachments::{attach, download};
pub(super) use attachments::{small_text, unreadable};
pub use case::{case, start_procedure, take_action};
#[cfg(test)]
pub(super) use case_form::CONFIDENTIAL;
pub use case_form::{edit_case, new_case, open_case, update_case};
pub use list::{cases, home, search};
pub use needs::needs_me;
pub use queue::{claim, queue};
pub use reports::{annual_csv, annual_page, reports_csv, reports_page};
pub use workflows::{workflow, workflows};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::WebError;
use super::forms::{self};
use super::session::Session;
use crate::domain::{Risk, Role, THEMES};

/// The page a kept form was on, with what was typed in it (`super::kept`): the case page with
/// the action's form unfolded, or the form that opens or edits a case.
pub(super) async fn kept_form(
    state: &crate::http::AppState,
    session: &Session,
    req: &actix_web::HttpRequest,
    form: super::kept::KeptForm,
    typed: forms::Submitted,
) -> Result<actix_web::HttpResponse, WebError> {
    use super::kept::KeptForm;
    match form {
        KeptForm::Action { procedure, action } => {
            case::kept_action(
                state,
                session,
                req,
                (procedure, action),
                typed,
                session.tr.t("case-kept"),
            )
            .await
        }
        KeptForm::OpenCase => {
            case_form::kept_case_form(state, session, req, None, typed, session.tr.t("case-kept")).await
        }
        KeptForm::EditCase(id) => {
            case_form::kept_case_form(state, session, req, Some(id), typed, session.tr.t("case-kept")).await
        }
    }
}

/// The header of every signed-in page.
pub struct Nav {
    pub name: String,
    pub role: String,
    /// The page's words (`crate::http::ui::i18n`).
    pub tr: super::i18n::Tr,
    pub csrf: String,
    pub can_open: bool,
    pub reviewer: bool,
    pub admin: bool,
    /// Whether the administrative log is theirs to read (admins, heads of delegation).
    pub reads_admin_log: bool,
    /// Whether requests under the four-eyes rule wait for them (admins, heads of delegation).
    pub decides: bool,
    /// Whether the reports are theirs (heads of delegation, the EUSR office, headquarters).
    pub reports: bool,
    /// Whether they reach cases at all (not administrators, not headquarters).
    pub sees_cases: bool,
    /// Whether work can wait for them ("Needs me": delegation staff and the EUSR office).
    pub needs: bool,
    /// Beside "Needs me": how many procedures need them now (none when nothing does).
    pub needs_count: Option<Count>,
    /// Beside "Approvals": how many requests they may decide.
    pub decisions_count: Option<Count>,
}

/// A number beside a navigation link: shown as a figure, spoken as a phrase.
pub struct Count {
    pub shown: String,
    pub spoken: String,
}

impl Count {
    fn of(tr: super::i18n::Tr, key: &str, n: usize) -> Option<Self> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        (n > 0).then(|| Self {
            shown: n.to_string(),
            spoken: tr.count(key, n),
        })
    }
}

impl Nav {
    /// The header for `session`'s page, with the numbers beside "Needs me" and "Approvals"
    /// (`cases::counts`: a few plain queries, nothing decrypted) for those who have them.
    pub(super) async fn load(
        state: &crate::http::AppState,
        session: &Session,
        req: &actix_web::HttpRequest,
    ) -> Result<Self, WebError> {
        let mut nav = Self::of(session);
        if nav.needs || nav.decides {
            let counts =
                crate::http::cases::run(state, session.caller.clone(), req, None, crate::cases::counts).await?;
            nav.needs_count = Count::of(nav.tr, "nav-count-needs", counts.needs_me);
            nav.decisions_count = Count::of(nav.tr, "nav-count-decisions", counts.decisions);
        }
        Ok(nav)
    }

    /// The header without the numbers (see [`role_word`] for how a role is named).
    fn of(session: &Session) -> Self {
        let role = session.caller.role;
        Self {
            name: session.caller.display_name.clone(),
            role: role_word(session.tr, role),
            tr: session.tr,
            csrf: session.csrf.clone(),
            can_open: role.is_delegation_staff(),
            reviewer: role.is_eusr(),
            admin: role.is_admin(),
            reads_admin_log: role.is_admin() || role == Role::HeadOfDelegation,
            decides: role.is_admin() || role == Role::HeadOfDelegation,
            reports: matches!(role, Role::HeadOfDelegation | Role::EusrReviewer | Role::HqAnalyst),
            sees_cases: !role.is_admin() && role != Role::HqAnalyst,
            needs: role.is_delegation_staff() || role.is_eusr(),
            needs_count: None,
            decisions_count: None,
        }
    }
}

/// A titled part of a page listing lines (its `id` names its heading for `aria-labelledby`),
/// with what it says when it has none.
pub struct Section<L> {
    pub id: &'static str,
    pub heading: String,
    pub empty: String,
    pub lines: Vec<L>,
}

/// The id in a path or a form; one that is no UUID names nothing.
pub(super) fn parse_id<Id: std::str::FromStr>(raw: &str) -> Result<Id, WebError> {
    raw.parse()
        .map_err(|_| WebError::Api(crate::http::error::ApiError::NotFound))
}

/// A theme's name in the page's language (an unknown code is "Other").
fn theme_label(tr: super::i18n::Tr, code: &str) -> String {
    if THEMES.contains(&code) {
        tr.t(&format!("theme-{code}"))
    } else {
        tr.t("theme-OTHER")
    }
}

/// A risk's name in the page's language.
fn risk_label(tr: super::i18n::Tr, risk: &str) -> String {
    tr.t(&format!("risk-{risk}"))
}

/// A stored value as a person reads it: dates and times on the page's clock and in its
/// language, lists joined.
fn shown(value: &Value, zone: Tz, tr: super::i18n::Tr) -> String {
    match value {
        Value::String(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) if text.len() > 10 => tr.time(at.with_timezone(&Utc), zone),
            _ => text.clone(),
        },
        Value::Bool(true) => tr.t("yes"),
        Value::Bool(false) => tr.t("no"),
        Value::Array(items) => items.iter().map(|v| shown(v, zone, tr)).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// How a page names `role` beside a person: "focal point", "EUSR office" (any of its members).
pub(in crate::http::ui) fn role_word(tr: super::i18n::Tr, role: Role) -> String {
    tr.t(match role {
        Role::FocalPoint => "role-focal-point",
        Role::HeadOfDelegation => "role-head-of-delegation",
        Role::EusrReviewer => "role-eusr",
        Role::Admin => "role-admin",
        Role::HqAnalyst => "role-hq",
        Role::System => "role-system",
    })
}

pub struct Pick {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn risk_picks(tr: super::i18n::Tr, chosen: &[&str]) -> Vec<Pick> {
    picks(
        Risk::ALL.iter().map(|r| (r.as_str(), risk_label(tr, r.as_str()))),
        chosen,
    )
}

fn theme_picks(tr: super::i18n::Tr, chosen: &[&str]) -> Vec<Pick> {
    picks(THEMES.iter().map(|t| (*t, theme_label(tr, t))), chosen)
}

pub(in crate::http::ui) fn picks<'a>(items: impl IntoIterator<Item = (&'a str, String)>, chosen: &[&str]) -> Vec<Pick> {
    items
        .into_iter()
        .map(|(value, label)| Pick {
            selected: chosen.contains(&value),
            value: value.to_owned(),
            label,
        })
        .collect()
}
