//! Grant requests under the four-eyes rule: asked for, listed, locked for a decision, decided.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::{grant_requests, users};
use crate::domain::{Approver, Decision, DelegationCode, GrantKind, GrantRequestId, Role, UserId};

/// A grant as asked for.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = grant_requests)]
pub struct GrantRequest {
    pub id: GrantRequestId,
    pub kind: GrantKind,
    pub user_id: UserId,
    /// A new user's address and name; None for an existing user.
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub delegation: Option<DelegationCode>,
    pub approver: Approver,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, request: &GrantRequest) -> Result<(), StoreError> {
    diesel::insert_into(grant_requests::table)
        .values(request)
        .execute(conn)?;
    Ok(())
}

/// A grant request, locked for its decision, with the decision it has had (if any).
pub fn lock(
    conn: &mut PgConnection,
    id: GrantRequestId,
) -> Result<Option<(GrantRequest, Option<Decision>)>, StoreError> {
    Ok(grant_requests::table
        .find(id)
        .for_update()
        .select((GrantRequest::as_select(), grant_requests::decision))
        .first(conn)
        .optional()?)
}

/// Records the decision of `by` on an undecided request; returns whether it was undecided.
pub fn decide(
    conn: &mut PgConnection,
    id: GrantRequestId,
    by: UserId,
    decision: Decision,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        grant_requests::table
            .find(id)
            .filter(grant_requests::decided_at.is_null()),
    )
    .set((
        grant_requests::decided_by.eq(by),
        grant_requests::decided_at.eq(at),
        grant_requests::decision.eq(decision),
    ))
    .execute(conn)?
        == 1)
}

/// Undecided requests, oldest first: all of them (None), or those of one delegation.
pub fn pending(
    conn: &mut PgConnection,
    delegation: Option<&DelegationCode>,
    limit: i64,
) -> Result<Vec<GrantRequest>, StoreError> {
    let mut query = grant_requests::table
        .filter(grant_requests::decided_at.is_null())
        .order((grant_requests::requested_at, grant_requests::id))
        .limit(limit)
        .select(GrantRequest::as_select())
        .into_boxed();
    if let Some(delegation) = delegation {
        query = query.filter(grant_requests::delegation.eq(delegation));
    }
    Ok(query.load(conn)?)
}

/// Whether `delegation` has an active head of delegation other than `except`.
pub fn has_another_head(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    except: UserId,
) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table.filter(
            users::role
                .eq(Role::HeadOfDelegation)
                .and(users::delegation.eq(delegation))
                .and(users::disabled_at.is_null())
                .and(users::id.ne(except)),
        ),
    ))
    .get_result(conn)?)
}

/// Someone told of a request: their address, and the language of their emails.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Told {
    pub email: String,
    /// None: English.
    pub language: Option<String>,
}

/// The addresses of the active heads of `delegations` and, with `admins`, of every active
/// administrator: who hears of a request under the four-eyes rule and of its decision.
pub fn told_of(conn: &mut PgConnection, delegations: &[DelegationCode], admins: bool) -> Result<Vec<Told>, StoreError> {
    let heads = users::role
        .eq(Role::HeadOfDelegation)
        .and(users::delegation.eq_any(delegations.to_vec()).assume_not_null());
    let mut query = users::table
        .filter(users::disabled_at.is_null())
        .select((users::email, users::language))
        .order(users::email)
        .into_boxed();
    query = if admins {
        query.filter(heads.or(users::role.eq(Role::Admin)))
    } else {
        query.filter(heads)
    };
    Ok(query.load(conn)?)
}
