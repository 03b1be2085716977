//! Lists of cases: the case list with its filters and keyset pages, and the review queue.
//! Metadata only: nothing is decrypted.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::Checks;
use super::{CaseError, Context};
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::Role;
use crate::domain::{CaseId, ProcedureId, Risk, UserId};
use crate::store::Conn as PgConnection;
use crate::store::cases::{self as rows, CaseRow};
use crate::store::procedures;

/// `GET /cases` query: filters and keyset pagination.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Cases of this delegation (within your scope).
    pub delegation: Option<DelegationCode>,
    #[param(value_type = Option<crate::domain::CountryCode>)]
    pub country: Option<String>,
    /// Cases with this theme among theirs.
    #[param(value_type = Option<crate::domain::ThemeCode>)]
    pub theme: Option<String>,
    #[param(value_type = Option<Risk>)]
    pub risk: Option<String>,
    /// Cases with a procedure of this workflow.
    #[param(value_type = Option<super::WorkflowName>)]
    pub workflow: Option<String>,
    /// Cases with a procedure in this state.
    pub state: Option<String>,
    /// Cases with a procedure waiting in this queue.
    pub queue: Option<String>,
    /// Cases owned by this user.
    pub owner: Option<UserId>,
    /// Cases with something due before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// `newest` (the default) or `due`: the soonest next due item first, cases with nothing due last.
    #[param(value_type = Option<CaseOrder>)]
    pub sort: Option<String>,
    /// The `next` cursor of the previous page (of the same sort).
    #[param(pattern = r"^(N-?[0-9]{1,16}|D(-|-?[0-9]{1,16}))_[0-9a-f]{32}$")]
    pub after: Option<String>,
    /// How many cases (1 to 200; 50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The order of a case list.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // described, never built: the query keeps the text it checks
pub enum CaseOrder {
    Newest,
    Due,
}

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProcedureSummary {
    pub id: ProcedureId,
    pub workflow: String,
    pub state: String,
    pub queue: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: CaseId,
    pub reference: Reference,
    pub version: i64,
    pub delegation: DelegationCode,
    #[schema(value_type = crate::domain::CountryCode)]
    pub country: String,
    #[schema(value_type = Vec<crate::domain::ThemeCode>)]
    pub themes: Vec<String>,
    pub risk: Risk,
    pub owner: UserId,
    pub next_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub procedures: Vec<ProcedureSummary>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A page's `next`: `N<micros>_<id>` newest first, `D<micros or ->_<id>` by due time.
fn cursor(order: rows::CaseOrder, case: &CaseRow) -> String {
    match order {
        rows::CaseOrder::Newest => format!("N{}_{}", case.created_at.timestamp_micros(), case.id.as_uuid().simple()),
        rows::CaseOrder::Due => {
            let due = case
                .next_due_at
                .map_or_else(|| "-".to_owned(), |at| at.timestamp_micros().to_string());
            format!("D{due}_{}", case.id.as_uuid().simple())
        }
    }
}

fn parse_cursor(text: &str) -> Option<rows::Cursor> {
    let micros = |m: &str| m.parse().ok().and_then(DateTime::from_timestamp_micros);
    let (kind, rest) = text.split_at_checked(1)?;
    let (at, id) = rest.split_once('_')?;
    let id = id.parse().ok()?;
    match kind {
        "N" => Some(rows::Cursor::Newest {
            created_at: micros(at)?,
            id,
        }),
        "D" if at == "-" => Some(rows::Cursor::Due { next_due_at: None, id }),
        "D" => Some(rows::Cursor::Due {
            next_due_at: Some(micros(at)?),
            id,
        }),
        _ => None,
    }
}

/// Lists the cases in the caller's scope: metadata only, nothing is decrypted.
pub fn list_cases(conn: &mut PgConnection, ctx: &Context<'_>, query: ListQuery) -> Result<CasePage, CaseError> {
    let mut checks = Checks::default();
    checks.country(query.country.as_deref());
    checks.theme(query.theme.as_deref());
    checks.name("delegation", query.delegation.as_ref().map(|code| code.as_str()));
    for (field, name) in [
        ("workflow", &query.workflow),
        ("state", &query.state),
        ("queue", &query.queue),
    ] {
        checks.name(field, name.as_deref());
    }
    if let Some(workflow) = &query.workflow
        && !workflow.contains('\0')
        && ctx.registry.get(workflow).is_none()
    {
        checks.push("workflow", "is not a loaded workflow (see GET /api/v1/workflows)");
    }
    let risk = checks.risk(query.risk.as_deref());
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        checks.push("limit", format!("must be from 1 to {MAX_PAGE}"));
    }
    let order = match query.sort.as_deref() {
        None | Some("newest") => rows::CaseOrder::Newest,
        Some("due") => rows::CaseOrder::Due,
        Some(_) => {
            checks.push("sort", "must be newest or due");
            rows::CaseOrder::Newest
        }
    };
    let after = match query.after.as_deref().map(parse_cursor) {
        Some(Some(cursor)) if matches!(cursor, rows::Cursor::Newest { .. }) == (order == rows::CaseOrder::Newest) => {
            Some(cursor)
        }
        Some(_) => {
            checks.push("after", "is not a cursor from a previous page of this order");
            None
        }
        None => None,
    };
    checks.finish()?;
    let mut filter = rows::CaseFilter {
        delegation: query.delegation.clone(),
        country: query.country,
        theme: query.theme,
        risk,
        owner: query.owner,
        due_before: query.due_before,
        workflow: query.workflow,
        state: query.state,
        queue: query.queue,
        escalated_only: false,
        order,
        after,
        // One more than asked tells whether another page follows.
        limit: limit + 1,
    };
    match ctx.caller.role {
        role if role.is_delegation_staff() => {
            let own = ctx.caller.delegation.clone();
            if query.delegation.is_some() && query.delegation != own {
                return Ok(CasePage {
                    items: Vec::new(),
                    next: None,
                });
            }
            filter.delegation = own;
        }
        Role::EusrReviewer => filter.escalated_only = true,
        _ => return Err(CaseError::Forbidden("this role sees no cases".into())),
    }
    let mut found = rows::list(conn, &filter)?;
    let more = found.len() > usize::try_from(limit).unwrap_or(0);
    found.truncate(usize::try_from(limit).unwrap_or(0));
    let ids: Vec<CaseId> = found.iter().map(|c| c.id).collect();
    let mut procedures: BTreeMap<CaseId, Vec<ProcedureSummary>> = BTreeMap::new();
    for p in procedures::procedures_of_cases(conn, &ids)? {
        procedures.entry(p.case_id).or_default().push(ProcedureSummary {
            id: p.id,
            workflow: p.workflow,
            state: p.state,
            queue: p.queue,
        });
    }
    let next = if more {
        found.last().map(|case| cursor(order, case))
    } else {
        None
    };
    let items = found
        .into_iter()
        .map(|case| CaseSummary {
            procedures: procedures.remove(&case.id).unwrap_or_default(),
            id: case.id,
            reference: case.reference,
            version: case.version,
            delegation: case.delegation,
            country: case.country,
            themes: case.themes.into_iter().flatten().collect(),
            risk: case.risk,
            owner: case.owner_id,
            next_due_at: case.next_due_at,
            created_at: case.created_at,
        })
        .collect();
    Ok(CasePage { items, next })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    pub procedure_id: ProcedureId,
    pub case_id: CaseId,
    pub reference: Reference,
    pub delegation: DelegationCode,
    #[schema(value_type = crate::domain::CountryCode)]
    pub country: String,
    pub risk: Risk,
    pub workflow: String,
    pub state: String,
    pub waiting_since: DateTime<Utc>,
    pub waiting_hours: i64,
}

/// A review queue for its reviewers: metadata only, most urgent and oldest first.
pub fn review_queue(conn: &mut PgConnection, ctx: &Context<'_>, name: &str) -> Result<Vec<QueueEntry>, CaseError> {
    if name != "eusr_review" {
        return Err(CaseError::NotFound);
    }
    if !ctx.caller.role.is_eusr() {
        return Err(CaseError::Forbidden(
            "the EUSR review queue is for the EUSR office".into(),
        ));
    }
    Ok(procedures::queue(conn, name, MAX_PAGE)?
        .into_iter()
        .map(|item| QueueEntry {
            waiting_hours: (ctx.now - item.waiting_since).num_hours(),
            procedure_id: item.procedure_id,
            case_id: item.case_id,
            reference: item.reference,
            delegation: item.delegation,
            country: item.country,
            risk: item.risk,
            workflow: item.workflow,
            state: item.state,
            waiting_since: item.waiting_since,
        })
        .collect())
}
