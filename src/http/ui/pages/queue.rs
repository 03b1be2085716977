//! The review queue of the EUSR office.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Nav, Pick, Section, Titles, picks, risk_picks};
use crate::cases;
use crate::domain::{CaseId, ProcedureId};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page};

pub struct QueueLine {
    pub case_id: CaseId,
    pub procedure_id: ProcedureId,
    pub reference: String,
    pub delegation: String,
    pub country: String,
    pub risk: String,
    /// The risk's name in the page's language.
    pub risk_label: String,
    pub workflow: String,
    pub state: String,
    pub waiting: String,
    /// Whether it waits on the delegation (information asked of it, returned to it).
    pub on_the_delegation: bool,
    /// Who took it and since when ("you", or a colleague of the office by name).
    pub claim: Option<String>,
    /// Whether the reader took it (and may give it back).
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "queue.html", config = "src/http/ui/askama.toml")]
struct QueuePage {
    nav: Nav,
    parts: Vec<Section<QueueLine>>,
    risks: Vec<Pick>,
    delegations: Vec<Pick>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    risk: String,
    #[serde(default)]
    delegation: String,
}

/// Whether a procedure in `state` of `workflow` waits on the delegation rather than on the
/// office: its step hands it to someone of the delegation (`notify`: the owner, a focal point,
/// the head of delegation) and not to the EUSR office.
fn on_the_delegation(registry: &crate::workflow::Registry, workflow: &str, state: &str) -> bool {
    let notify = registry
        .get(workflow)
        .and_then(|w| w.definition.states.get(state))
        .map(|s| s.notify.as_slice())
        .unwrap_or_default();
    !notify.is_empty() && !notify.iter().any(|r| r == "eusr_reviewers")
}

/// `GET /ui/queues/{name}[?risk=…&delegation=…]`: the EUSR office's queue, most urgent and
/// oldest first, in two parts (waiting for the office, waiting on the delegation), delegations
/// by name and times on the reviewer's clock (metadata only; opening a case is a read, on
/// record).
pub async fn queue(
    state: web::Data<AppState>,
    session: Session,
    name: web::Path<String>,
    query: web::Query<QueueQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let name = name.into_inner();
    let query = query.into_inner();
    let (entries, names, office) = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        let entries = cases::review_queue(conn, ctx, &name)?;
        let names = crate::store::users::delegation_names(conn)?;
        let claimers: Vec<_> = entries.iter().filter_map(|e| e.claimed_by).collect();
        let office = cases::office_members_among(conn, &claimers)?;
        Ok((entries, names, office))
    })
    .await?;
    let (me, tr) = (session.caller.user_id, session.tr);
    let since = |key: &str, n: Option<i64>, who: Option<&str>, at| {
        let mut args = vec![("when", tr.time(at, session.zone).into())];
        args.extend(n.map(|n| ("n", n.into())));
        args.extend(who.map(|who| ("who", who.to_owned().into())));
        tr.with(key, &args)
    };
    let claim_of = |entry: &cases::QueueEntry| {
        let (by, at) = entry.claimed_by.zip(entry.claimed_at)?;
        let who = if by == me {
            tr.t("case-owner-you")
        } else {
            office
                .iter()
                .find(|u| u.id == by)
                .map_or_else(|| tr.t("case-owner-colleague"), |u| u.display_name.clone())
        };
        Some(since("queue-claim", None, Some(&who), at))
    };
    let registry = &state.workflows;
    let titles = Titles::new(&state, tr);
    let in_queue: std::collections::BTreeSet<String> = entries.iter().map(|e| e.delegation.to_string()).collect();
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let (theirs, ours): (Vec<QueueLine>, Vec<QueueLine>) = entries
        .into_iter()
        .filter(|e| query.risk.is_empty() || e.risk.as_str() == query.risk)
        .filter(|e| query.delegation.is_empty() || e.delegation.as_str() == query.delegation)
        .map(|e| QueueLine {
            claim: claim_of(&e),
            mine: e.claimed_by == Some(me),
            waiting: match e.waiting_hours {
                h if h < 48 => since("queue-hours", Some(h), None, e.waiting_since),
                h => since("queue-days", Some(h / 24), None, e.waiting_since),
            },
            on_the_delegation: on_the_delegation(registry, &e.workflow, &e.state),
            workflow: titles.workflow(&e.workflow),
            state: titles.named(&e.workflow).state(&e.state),
            case_id: e.case_id,
            procedure_id: e.procedure_id,
            reference: e.reference.into_string(),
            delegation: name_of(e.delegation.as_str()),
            country: e.country,
            risk_label: super::risk_label(tr, e.risk.as_str()),
            risk: e.risk.to_string(),
        })
        .partition(|l| l.on_the_delegation);
    let mut delegations: Vec<(String, String)> = in_queue
        .into_iter()
        .map(|code| {
            let name = name_of(&code);
            (code, name)
        })
        .collect();
    delegations.sort_by(|a, b| a.1.cmp(&b.1));
    page(
        StatusCode::OK,
        &QueuePage {
            nav: Nav::load(&state, &session, &req).await?,
            parts: vec![
                Section {
                    id: "ours",
                    heading: tr.t("queue-ours"),
                    empty: tr.t("queue-ours-none"),
                    lines: ours,
                },
                Section {
                    id: "theirs",
                    heading: tr.t("queue-theirs"),
                    empty: tr.t("queue-theirs-none"),
                    lines: theirs,
                },
            ],
            risks: risk_picks(tr, &[&query.risk]),
            delegations: picks(
                delegations.iter().map(|(code, name)| (code.as_str(), name.clone())),
                &[&query.delegation],
            ),
        },
    )
}

/// `POST /ui/procedures/{id}/claim` (`take=1` takes the item, `take=0` gives it back): the
/// reviewer's claim on an item of the queue, as `PUT`/`DELETE /api/v1/procedures/{id}/claim`;
/// back to the queue at the item's line.
pub async fn claim(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = crate::http::ui::forms::Submitted::parse(&body);
    session.check(&form)?;
    let procedure: ProcedureId = super::parse_id(&id)?;
    let take = form.text("take") != "0";
    run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::claim(conn, ctx, procedure, take)
    })
    .await?;
    Ok(crate::http::ui::see_other(&format!(
        "/ui/queues/eusr_review#q-{procedure}"
    )))
}
