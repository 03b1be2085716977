//! Why someone may not do what they asked, as a type: its English words ([`std::fmt::Display`])
//! are the API's `detail`; the web interface says it in the page's language, from the Fluent
//! text [`Denied::key`] names. Nothing in it comes from the request.

use super::NotYours;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    // Cases.
    #[error("only focal points and heads of delegation open cases")]
    OpensCases,
    #[error("cases can be opened only in your own delegation")]
    OwnDelegationOnly,
    #[error("you belong to no delegation")]
    NoDelegation,
    #[error("only the case's delegation starts procedures on it")]
    StartsProcedures,
    #[error("only the case's delegation edits it")]
    EditsCase,
    #[error("only the case's delegation attaches files to it")]
    AttachesFiles,
    #[error("this role sees no cases")]
    SeesNoCases,
    #[error("defenders' names are listed to the delegation's own staff only")]
    ListsNames,
    #[error("the EUSR review queue is for the EUSR office")]
    ReviewQueue,
    #[error("only the EUSR office takes items of its queue")]
    TakesQueueItems,
    #[error("this procedure is not waiting in the EUSR review queue")]
    NotInQueue,
    #[error("a colleague of the office has taken this item")]
    TakenByColleague,
    // Administration.
    #[error("this page is for administrators")]
    AdminPage,
    #[error("this page is for administrators and heads of delegation")]
    ApprovalsPage,
    #[error("the administrative log is for administrators and heads of delegation")]
    AdminLog,
    #[error("only administrators ask for grants")]
    AsksGrants,
    #[error("waiting grants are for administrators and heads of delegation")]
    SeesGrants,
    #[error("a request for this person is already waiting for a decision")]
    GrantWaiting,
    #[error("this request was decided already")]
    DecidedAlready,
    /// The four-eyes rule: not this person's to decide.
    #[error("{0}")]
    NotYours(NotYours),
    #[error("only admins request and approve erasure")]
    Erasure,
    #[error("an erasure of this case is already waiting for approval")]
    ErasureWaiting,
    #[error("the reminder queues are for admins")]
    ReminderQueues,
    #[error("a delegation's holidays are for its staff and the administrators")]
    ReadsHolidays,
    #[error("a delegation's holidays are set by the administrators")]
    SetsHolidays,
    #[error("that link has expired or was used already; ask your administrator for another")]
    LinkSpent,
    #[error("the metrics are for the metrics token, the configured addresses and administrators")]
    Metrics,
    // Reports.
    #[error("reports are for heads of delegation, the EUSR office and headquarters")]
    Reports,
    #[error("a head of delegation belongs to a delegation")]
    HeadWithoutDelegation,
    #[error("a head of delegation sees their own delegation's figures")]
    OwnFigures,
}

impl Denied {
    /// The Fluent text of the web interface that says it (`denied-…`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::OpensCases => "denied-opens-cases",
            Self::OwnDelegationOnly => "denied-own-delegation-only",
            Self::NoDelegation => "denied-no-delegation",
            Self::StartsProcedures => "denied-starts-procedures",
            Self::EditsCase => "denied-edits-case",
            Self::AttachesFiles => "denied-attaches-files",
            Self::SeesNoCases => "denied-sees-no-cases",
            Self::ListsNames => "denied-lists-names",
            Self::ReviewQueue => "denied-review-queue",
            Self::TakesQueueItems => "denied-takes-queue-items",
            Self::NotInQueue => "denied-not-in-queue",
            Self::TakenByColleague => "denied-taken-by-colleague",
            Self::AdminPage => "denied-admin-page",
            Self::ApprovalsPage => "denied-approvals-page",
            Self::AdminLog => "denied-admin-log",
            Self::AsksGrants => "denied-asks-grants",
            Self::SeesGrants => "denied-sees-grants",
            Self::GrantWaiting => "denied-grant-waiting",
            Self::DecidedAlready => "denied-decided-already",
            Self::NotYours(NotYours::OwnRequest) => "denied-own-request",
            Self::NotYours(NotYours::AboutYou) => "denied-about-you",
            Self::NotYours(NotYours::ForTheHead(_)) => "denied-for-the-head",
            Self::NotYours(NotYours::ForAnAdmin) => "denied-for-an-admin",
            Self::Erasure => "denied-erasure",
            Self::ErasureWaiting => "denied-erasure-waiting",
            Self::ReminderQueues => "denied-reminder-queues",
            Self::ReadsHolidays => "denied-reads-holidays",
            Self::SetsHolidays => "denied-sets-holidays",
            Self::LinkSpent => "denied-link-spent",
            Self::Metrics => "denied-metrics",
            Self::Reports => "denied-reports",
            Self::HeadWithoutDelegation => "denied-head-without-delegation",
            Self::OwnFigures => "denied-own-figures",
        }
    }

    /// The arguments its text takes (a delegation's code).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::NotYours(NotYours::ForTheHead(delegation)) => vec![("delegation", delegation.as_str().to_owned())],
            _ => Vec::new(),
        }
    }

    /// One of each kind, for the tests that every one is said in every language.
    #[cfg(test)]
    pub fn samples() -> Vec<Denied> {
        use Denied::*;
        vec![
            OpensCases,
            OwnDelegationOnly,
            NoDelegation,
            StartsProcedures,
            EditsCase,
            AttachesFiles,
            SeesNoCases,
            ListsNames,
            ReviewQueue,
            TakesQueueItems,
            NotInQueue,
            TakenByColleague,
            AdminPage,
            ApprovalsPage,
            AdminLog,
            AsksGrants,
            SeesGrants,
            GrantWaiting,
            DecidedAlready,
            NotYours(super::NotYours::OwnRequest),
            NotYours(super::NotYours::AboutYou),
            NotYours(super::NotYours::ForTheHead(super::DelegationCode::new("EUD_KE"))),
            NotYours(super::NotYours::ForAnAdmin),
            Erasure,
            ErasureWaiting,
            ReminderQueues,
            ReadsHolidays,
            SetsHolidays,
            LinkSpent,
            Metrics,
            Reports,
            HeadWithoutDelegation,
            OwnFigures,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_a_text_of_its_own() {
        let samples = Denied::samples();
        let mut keys: Vec<&str> = samples.iter().map(Denied::key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), samples.len());
    }
}
