//! Lists of cases: the case list with its filters and keyset pages, the search, and the review
//! queue. Metadata only, except the defenders' names the delegation's own staff ask for, each
//! opened once its case is on the access log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::Checks;
use super::{CaseError, Context};
use crate::crypto::keyring;
use crate::domain::DelegationCode;
use crate::domain::Reference;
use crate::domain::Role;
use crate::domain::{AccessKind, Sensitive};
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
    /// Each case with its defender's name (`defender_name`), for the delegation's own staff:
    /// opened for the row, and each case shown is a `list` line of its access log.
    pub names: Option<bool>,
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
    /// The defender's name, when the list or search asked for names (`names`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub defender_name: Option<Sensitive<String>>,
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

/// Lists the cases in the caller's scope: metadata, and the defenders' names when asked for.
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
        checks.push("workflow", super::Problem::UnknownWorkflow);
    }
    let risk = checks.risk(query.risk.as_deref());
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        checks.push("limit", super::Problem::PageSize { max: MAX_PAGE });
    }
    let order = match query.sort.as_deref() {
        None | Some("newest") => rows::CaseOrder::Newest,
        Some("due") => rows::CaseOrder::Due,
        Some(_) => {
            checks.push("sort", super::Problem::Sort);
            rows::CaseOrder::Newest
        }
    };
    let after = match query.after.as_deref().map(parse_cursor) {
        Some(Some(cursor)) if matches!(cursor, rows::Cursor::Newest { .. }) == (order == rows::CaseOrder::Newest) => {
            Some(cursor)
        }
        Some(_) => {
            checks.push("after", super::Problem::Cursor);
            None
        }
        None => None,
    };
    checks.finish()?;
    may_see_names(ctx, query.names == Some(true))?;
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
        found_by: None,
        order,
        after,
        // One more than asked tells whether another page follows.
        limit: limit + 1,
    };
    if !in_scope(ctx, &mut filter, query.delegation.as_ref())? {
        return Ok(CasePage {
            items: Vec::new(),
            next: None,
        });
    }
    let mut found = rows::list(conn, &filter)?;
    let more = found.len() > usize::try_from(limit).unwrap_or(0);
    found.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        found.last().map(|case| cursor(order, case))
    } else {
        None
    };
    let names = if query.names == Some(true) {
        // The lines are on record before any name is opened.
        record_shown(conn, ctx, &found, AccessKind::List)?;
        names_of(conn, ctx, &found)?
    } else {
        BTreeMap::new()
    };
    Ok(CasePage {
        items: summaries(conn, found, names)?,
        next,
    })
}

/// Names are for the delegation's own staff, who reach every case of their delegation; the
/// EUSR office reads a case's data on its page, where each read is on record.
fn may_see_names(ctx: &Context<'_>, asked: bool) -> Result<(), CaseError> {
    if asked && !ctx.caller.role.is_delegation_staff() {
        return Err(CaseError::Forbidden(crate::domain::Denied::ListsNames));
    }
    Ok(())
}

/// One `what` line on the access log of each case of `found`, in one statement.
fn record_shown(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    found: &[CaseRow],
    what: AccessKind,
) -> Result<(), CaseError> {
    let shown: Vec<(DelegationCode, CaseId)> = found.iter().map(|case| (case.delegation.clone(), case.id)).collect();
    crate::store::access_log::log_accesses(conn, ctx.caller.user_id, &shown, what, ctx.request_id)?;
    Ok(())
}

/// The defender's name of each case of `found` (of the caller's delegation), opened with the
/// case's key: one statement for the keys. Call once the cases are on their access logs.
fn names_of(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    found: &[CaseRow],
) -> Result<BTreeMap<CaseId, Sensitive<String>>, CaseError> {
    let Some(delegation) = &ctx.caller.delegation else {
        return Ok(BTreeMap::new());
    };
    let ids: Vec<CaseId> = found.iter().map(|case| case.id).collect();
    let keys: BTreeMap<CaseId, Vec<u8>> = crate::store::keys::case_keys_of(conn, delegation, &ids)?
        .into_iter()
        .collect();
    let mut names = BTreeMap::new();
    for case in found {
        let Some(wrapped) = keys.get(&case.id) else { continue };
        let key = ctx.keys.keyring.open_case_key(wrapped)?;
        if let serde_json::Value::Object(mut data) = keyring::open_json(&key, &case.sealed)?.into_inner()
            && let Some(serde_json::Value::String(name)) = data.remove("defender_name")
        {
            names.insert(case.id, Sensitive::new(name));
        }
    }
    Ok(names)
}

/// Narrows `filter` to the caller's scope: their delegation's cases for its staff (false when
/// `asked` names another delegation: nothing to list), the escalated ones for the EUSR office.
fn in_scope(
    ctx: &Context<'_>,
    filter: &mut rows::CaseFilter,
    asked: Option<&DelegationCode>,
) -> Result<bool, CaseError> {
    match ctx.caller.role {
        role if role.is_delegation_staff() => {
            let own = ctx.caller.delegation.clone();
            if asked.is_some() && asked != own.as_ref() {
                return Ok(false);
            }
            filter.delegation = own;
        }
        Role::EusrReviewer => filter.escalated_only = true,
        _ => return Err(CaseError::Forbidden(crate::domain::Denied::SeesNoCases)),
    }
    Ok(true)
}

/// Cases as a list shows them, each with its procedures (and its defender's name from `names`).
fn summaries(
    conn: &mut PgConnection,
    found: Vec<CaseRow>,
    mut names: BTreeMap<CaseId, Sensitive<String>>,
) -> Result<Vec<CaseSummary>, CaseError> {
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
    Ok(found
        .into_iter()
        .map(|case| CaseSummary {
            procedures: procedures.remove(&case.id).unwrap_or_default(),
            defender_name: names.remove(&case.id),
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
        .collect())
}

/// The most cases a search answers; a name that finds more asks for more of it.
pub const SEARCH_LIMIT: i64 = 50;

/// The longest text searched for, in characters.
const SEARCH_MAX_CHARS: usize = 200;

/// A search for a case, by its reference or by the defender's name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// A reference (`VG-2026-00042`) or a defender's name, matched through the blind index:
    /// the same name however it is spelt in case, accents, word order, hyphens or look-alike
    /// letters. Sent in the body, never the address, which proxies log.
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000]*\S[^\u0000]*$")]
    pub q: Sensitive<String>,
    /// Each case found with its defender's name (`defender_name`), for the delegation's own staff.
    #[serde(default)]
    pub names: bool,
}

/// The cases in the caller's scope whose reference is `q` or whose defender's name is `q`
/// (through the blind index, keyed per delegation: one value for each delegation searched),
/// newest first, at most [`SEARCH_LIMIT`]. Each case found is a line of its access log
/// (`search`): finding a case by a name tells that the name is in it; the lines are on record
/// before the names asked for (`names`) are opened.
pub fn search(conn: &mut PgConnection, ctx: &Context<'_>, request: SearchRequest) -> Result<CasePage, CaseError> {
    may_see_names(ctx, request.names)?;
    let text = request.q.expose().trim();
    let problem = if text.is_empty() || text.chars().count() > SEARCH_MAX_CHARS {
        Some(super::Problem::Length { max: SEARCH_MAX_CHARS })
    } else if text.contains('\0') {
        // No reference or name holds one, and PostgreSQL's text cannot.
        Some(super::Problem::Nul)
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(CaseError::invalid("q", problem));
    }
    let mut filter = rows::CaseFilter {
        limit: SEARCH_LIMIT,
        ..rows::CaseFilter::default()
    };
    in_scope(ctx, &mut filter, None)?;
    let delegations: Vec<DelegationCode> = match &filter.delegation {
        Some(own) => vec![own.clone()],
        None => crate::store::users::delegation_names(conn)?
            .into_keys()
            .map(DelegationCode::new)
            .collect(),
    };
    let name = Sensitive::new(text.to_owned());
    let mut found_by = rows::FoundBy {
        reference: Some(Reference::new(text.to_uppercase())),
        ..rows::FoundBy::default()
    };
    for delegation in &delegations {
        if let Some(index) = ctx.keys.index.index(delegation, &name) {
            found_by.parts.push(index.parts.to_vec());
            found_by.joined.push(index.joined.to_vec());
        }
    }
    filter.found_by = Some(found_by);
    let found = rows::list(conn, &filter)?;
    record_shown(conn, ctx, &found, AccessKind::Search)?;
    let names = if request.names {
        names_of(conn, ctx, &found)?
    } else {
        BTreeMap::new()
    };
    Ok(CasePage {
        items: summaries(conn, found, names)?,
        next: None,
    })
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
    /// The reviewer who has taken it (`PUT /api/v1/procedures/{id}/claim`), if one has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<DateTime<Utc>>,
}

/// A review queue for its reviewers: metadata only, most urgent and oldest first.
pub fn review_queue(conn: &mut PgConnection, ctx: &Context<'_>, name: &str) -> Result<Vec<QueueEntry>, CaseError> {
    if name != "eusr_review" {
        return Err(CaseError::NotFound);
    }
    if !ctx.caller.role.is_eusr() {
        return Err(CaseError::Forbidden(crate::domain::Denied::ReviewQueue));
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
            claimed_by: item.claimed_by,
            claimed_at: item.claimed_at,
        })
        .collect())
}
