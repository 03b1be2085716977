//! Grants that reach cases, under the four-eyes rule: an administrator asks (a new user, another
//! role or delegation, a disabled user enabled again), and nothing changes until a second
//! person approves: the head of the delegation concerned for its focal points, another
//! administrator for everyone else ([`crate::domain::approver_for`]). The decider is always the
//! signed-in caller, never an id from a form; [`crate::domain::may_decide`] refuses the
//! requester and the person the grant is for, on every path.
//!
//! A new user exists only once approved; their first token then reaches them alone, behind a
//! one-time link emailed to them ([`new_token_link`]). Each request and decision is told to
//! the heads of the delegations concerned (and to the administrators when they decide) by a
//! [`Notice`]: addresses and a sentence of who asked what, nothing of any case.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseError, Context, FieldIssue, MAX_PAGE, Problem, answer, email_of, issue, now_micros};
use crate::crypto::token;
use crate::domain::{AdminAct, Approver, Decision, DelegationCode, GrantKind, GrantRequestId, Role, UserId};
use crate::domain::{Proposal, Sensitive, approver_for, is_email_address, may_decide};
pub use crate::mail::message::{NoticeArg, NoticeText};
use crate::store::Conn as PgConnection;
use crate::store::{admin_log, grants, users};

/// What an administrator asks for, by `kind`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum GrantAsk {
    /// A new user: they exist, and get a one-time link to their first token, once approved.
    NewUser {
        #[schema(format = Email)]
        email: String,
        #[schema(value_type = Role)]
        role: String,
        /// For focal points and heads of delegation.
        #[serde(default)]
        #[schema(value_type = Option<DelegationCode>)]
        delegation: Option<String>,
        /// The name colleagues see (default: the address).
        #[serde(default)]
        name: Option<String>,
    },
    /// Another role, or delegation, for an existing user.
    Change {
        user_id: UserId,
        #[schema(value_type = Role)]
        role: String,
        #[serde(default)]
        #[schema(value_type = Option<DelegationCode>)]
        delegation: Option<String>,
    },
    /// A disabled user enabled again, with the role and delegation they had.
    ReEnable { user_id: UserId },
}

/// Who is to be told of a request or its decision, and what, in one sentence (addresses,
/// roles and references only: no case, no secret), worded in each one's language by the mail
/// layer. The HTTP layer mails it once the change has committed.
#[derive(Debug, Clone)]
pub struct Notice {
    pub to: Vec<grants::Told>,
    pub text: NoticeText,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantAsked {
    pub request_id: GrantRequestId,
    pub kind: GrantKind,
    pub user_id: UserId,
    /// Who may approve it: `head_of_delegation` (of `delegation`) or `admin`.
    pub approver: Approver,
    pub delegation: Option<DelegationCode>,
    #[serde(skip)]
    pub notice: Notice,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantDecided {
    pub request_id: GrantRequestId,
    pub decision: Decision,
    pub user_id: UserId,
    #[serde(skip)]
    pub notice: Notice,
    /// For an approved new user: the one-time link to their first token, for the email to
    /// them alone; never in an answer.
    #[serde(skip)]
    pub token_link: Option<TokenLink>,
}

/// A grant waiting for its second person, as the people who may see it read it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PendingGrant {
    pub id: GrantRequestId,
    pub kind: GrantKind,
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    pub delegation: Option<DelegationCode>,
    pub approver: Approver,
    pub requested_by: UserId,
    pub requested_by_email: String,
    pub requested_at: DateTime<Utc>,
    /// Whether the caller may approve or refuse it.
    pub may_decide: bool,
}

/// A one-time link to a new token, for its owner alone.
#[derive(Debug)]
pub struct TokenLink {
    pub user_id: UserId,
    pub email: String,
    /// The language of the owner's emails (None: English).
    pub language: Option<String>,
    /// The link's secret, for the email to its owner: never shown to the one who asked.
    pub secret: Sensitive<String>,
}

/// How long a token link works, once.
pub const TOKEN_LINK_LIFETIME: Duration = Duration::minutes(15);

/// A new token link for `user_id`, asked for by `issued_by`, recorded (with its
/// administrative-log entry) in the caller's transaction. Only its hash is stored.
pub fn new_token_link(
    conn: &mut PgConnection,
    user_id: UserId,
    (email, language): (&str, Option<&str>),
    delegation: Option<&DelegationCode>,
    issued_by: UserId,
    now: DateTime<Utc>,
) -> Result<TokenLink, CaseError> {
    let secret = token::random_secret()?;
    let link = users::NewTokenLink {
        id_hash: token::hash(&secret).to_vec(),
        user_id,
        issued_by,
        created_at: now,
        expires_at: now + TOKEN_LINK_LIFETIME,
    };
    users::insert_token_link(conn, &link)?;
    log(
        conn,
        issued_by,
        AdminAct::TokenLinkSent,
        user_id,
        delegation,
        serde_json::json!({}),
        now,
    )?;
    Ok(TokenLink {
        user_id,
        email: email.to_owned(),
        language: language.map(str::to_owned),
        secret: Sensitive::new(secret),
    })
}

fn log(
    conn: &mut PgConnection,
    actor: UserId,
    act: AdminAct,
    subject: UserId,
    delegation: Option<&DelegationCode>,
    detail: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), CaseError> {
    let entry = admin_log::NewEntry {
        actor: Some(actor),
        act,
        subject: Some(subject),
        delegation: delegation.cloned(),
        detail,
    };
    admin_log::append(conn, &entry, at)?;
    Ok(())
}

fn admin_only(ctx: &Context<'_>) -> Result<(), CaseError> {
    if ctx.caller.role.is_admin() {
        Ok(())
    } else {
        Err(CaseError::Forbidden(crate::domain::Denied::AsksGrants))
    }
}

/// A role a person may be given, with the delegation it needs (and only then), which exists.
fn placement(
    conn: &mut PgConnection,
    role: &str,
    delegation: Option<&str>,
    issues: &mut Vec<FieldIssue>,
) -> Result<Option<(Role, Option<DelegationCode>)>, CaseError> {
    let role = match role.parse::<Role>() {
        Ok(role) if !role.is_system() => role,
        _ => {
            issues.push(issue("role", Problem::GrantRole));
            return Ok(None);
        }
    };
    let delegation = delegation.map(|d| d.trim().to_uppercase()).filter(|d| !d.is_empty());
    match (role.is_delegation_staff(), delegation) {
        (true, None) => {
            issues.push(issue("delegation", Problem::DelegationNeeded(role)));
            Ok(None)
        }
        (false, Some(_)) => {
            issues.push(issue("delegation", Problem::NoDelegation(role)));
            Ok(None)
        }
        (false, None) => Ok(Some((role, None))),
        (true, Some(code)) => {
            if code.len() > 32 || users::delegation(conn, &code)?.is_none() {
                issues.push(issue("delegation", Problem::NoSuchDelegation));
                return Ok(None);
            }
            Ok(Some((role, Some(DelegationCode::new(code)))))
        }
    }
}

fn invalid_unless_empty(issues: Vec<FieldIssue>) -> Result<(), CaseError> {
    if issues.is_empty() {
        Ok(())
    } else {
        Err(CaseError::Invalid(issues))
    }
}

/// What a request asks for, checked: the subject, their address, and where they are to stand.
struct Asked {
    kind: GrantKind,
    user_id: UserId,
    email: String,
    new_name: Option<String>,
    role: Role,
    delegation: Option<DelegationCode>,
    /// The delegation the subject leaves, for a change that moves them.
    leaves: Option<DelegationCode>,
}

fn checked(conn: &mut PgConnection, ask: GrantAsk) -> Result<Asked, CaseError> {
    let mut issues = Vec::new();
    match ask {
        GrantAsk::NewUser {
            email,
            role,
            delegation,
            name,
        } => {
            let email = email.trim().to_owned();
            if !is_email_address(&email) {
                issues.push(issue("email", Problem::NotEmail));
            } else if users::user_by_email(conn, &email)?.is_some() {
                issues.push(issue("email", Problem::EmailTaken));
            }
            let name = name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| email.clone());
            if name.chars().count() > 200 {
                issues.push(issue("name", Problem::TooLong { max: 200 }));
            }
            let placed = placement(conn, &role, delegation.as_deref(), &mut issues)?;
            invalid_unless_empty(issues)?;
            let (role, delegation) = placed.ok_or_else(|| CaseError::Inconsistent("no placement".into()))?;
            Ok(Asked {
                kind: GrantKind::NewUser,
                user_id: UserId::random(),
                email,
                new_name: Some(name),
                role,
                delegation,
                leaves: None,
            })
        }
        GrantAsk::Change {
            user_id,
            role,
            delegation,
        } => {
            let user = users::user(conn, user_id)?.ok_or(CaseError::NotFound)?;
            let placed = placement(conn, &role, delegation.as_deref(), &mut issues)?;
            if let Some((role, delegation)) = &placed
                && *role == user.role
                && *delegation == user.delegation
            {
                issues.push(issue("role", Problem::SameRole));
            }
            invalid_unless_empty(issues)?;
            let (role, delegation) = placed.ok_or_else(|| CaseError::Inconsistent("no placement".into()))?;
            let leaves = user.delegation.filter(|old| Some(old) != delegation.as_ref());
            Ok(Asked {
                kind: GrantKind::Change,
                user_id,
                email: user.email,
                new_name: None,
                role,
                delegation,
                leaves,
            })
        }
        GrantAsk::ReEnable { user_id } => {
            let user = users::user(conn, user_id)?.ok_or(CaseError::NotFound)?;
            if user.disabled_at.is_none() {
                return Err(CaseError::Invalid(vec![issue("user_id", Problem::NotDisabled)]));
            }
            Ok(Asked {
                kind: GrantKind::ReEnable,
                user_id,
                email: user.email,
                new_name: None,
                role: user.role,
                delegation: user.delegation,
                leaves: None,
            })
        }
    }
}

/// The words of a grant, "ama@example.org as focal point of EUD_KE", to be worded in the
/// reader's language.
fn grant_words(email: &str, role: Role, delegation: Option<&DelegationCode>) -> NoticeArg {
    let role = role_text(role).into();
    NoticeArg::Words(match delegation {
        Some(delegation) => NoticeText::new(
            "grant-of-delegation",
            vec![
                ("email", text(email)),
                ("role", role),
                ("delegation", text(delegation.as_str())),
            ],
        ),
        None => NoticeText::new("grant-of-nowhere", vec![("email", text(email)), ("role", role)]),
    })
}

/// A role's name, in the catalog of emails (which the pages use for the same words).
pub fn role_text(role: Role) -> NoticeText {
    let id = match role {
        Role::FocalPoint => "role-focal_point",
        Role::HeadOfDelegation => "role-head_of_delegation",
        Role::EusrReviewer => "role-eusr_reviewer",
        Role::Admin => "role-admin",
        Role::HqAnalyst => "role-hq_analyst",
        Role::System => "role-system",
    };
    NoticeText::new(id, vec![])
}

/// What a grant does, in words: "a new user", "a change of role", "re-enabling".
pub fn kind_text(kind: GrantKind) -> NoticeText {
    let id = match kind {
        GrantKind::NewUser => "grant-kind-new_user",
        GrantKind::Change => "grant-kind-change",
        GrantKind::ReEnable => "grant-kind-re_enable",
    };
    NoticeText::new(id, vec![])
}

/// Who decides, in words: "the head of delegation EUD_KE" or "another administrator".
pub fn approver_text(approver: Approver, delegation: Option<&DelegationCode>) -> NoticeText {
    match (approver, delegation) {
        (Approver::HeadOfDelegation, Some(delegation)) => {
            NoticeText::new("approver-head", vec![("delegation", text(delegation.as_str()))])
        }
        _ => NoticeText::new("approver-admin", vec![]),
    }
}

/// An argument shown as it is.
pub(super) fn text(value: &str) -> NoticeArg {
    NoticeArg::Text(value.to_owned())
}

/// Who hears of a grant: the heads of the delegations concerned, and the administrators when
/// one of them decides it.
fn told(
    conn: &mut PgConnection,
    approver: Approver,
    delegations: &[Option<&DelegationCode>],
) -> Result<Vec<grants::Told>, CaseError> {
    let delegations: Vec<DelegationCode> = delegations.iter().flatten().map(|d| (*d).clone()).collect();
    Ok(grants::told_of(conn, &delegations, approver == Approver::Admin)?)
}

/// An administrator asks for a grant; nothing changes until a second person approves it.
pub fn request_grant(conn: &mut PgConnection, ctx: &Context<'_>, ask: GrantAsk) -> Result<GrantAsked, CaseError> {
    admin_only(ctx)?;
    let at = now_micros(ctx.now);
    crate::store::transaction(conn, |conn| {
        let asked = checked(conn, ask)?;
        let has_head = match &asked.delegation {
            Some(delegation) => grants::has_another_head(conn, delegation, asked.user_id)?,
            None => false,
        };
        let approver = approver_for(asked.role, has_head);
        let request = grants::GrantRequest {
            id: GrantRequestId::random(),
            kind: asked.kind,
            user_id: asked.user_id,
            email: asked.new_name.as_ref().map(|_| asked.email.clone()),
            display_name: asked.new_name.clone(),
            role: asked.role,
            delegation: asked.delegation.clone(),
            approver,
            requested_by: ctx.caller.user_id,
            requested_at: at,
        };
        grants::insert(conn, &request).map_err(|e| {
            if e.is_unique_violation() {
                CaseError::Forbidden(crate::domain::Denied::GrantWaiting)
            } else {
                CaseError::Store(e)
            }
        })?;
        let detail = serde_json::json!({
            "request": request.id, "kind": request.kind, "email": asked.email,
            "role": request.role, "approver": approver,
        });
        log(
            conn,
            ctx.caller.user_id,
            AdminAct::GrantRequested,
            request.user_id,
            request.delegation.as_ref(),
            detail,
            at,
        )?;
        let requester = email_of(conn, ctx.caller.user_id)?;
        let grant = grant_words(&asked.email, asked.role, asked.delegation.as_ref());
        let notice = Notice {
            to: told(conn, approver, &[asked.delegation.as_ref(), asked.leaves.as_ref()])?,
            text: NoticeText::new(
                "grant-requested",
                vec![
                    ("requester", text(&requester)),
                    ("kind", kind_text(asked.kind).into()),
                    ("grant", grant),
                    ("approver", approver_text(approver, asked.delegation.as_ref()).into()),
                ],
            ),
        };
        let asked = GrantAsked {
            request_id: request.id,
            kind: request.kind,
            user_id: request.user_id,
            approver,
            delegation: request.delegation,
            notice,
        };
        answer(conn, ctx, None, asked)
    })
}

/// The second person approves: the grant takes effect now, in the same transaction.
pub fn approve_grant(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: GrantRequestId,
) -> Result<GrantDecided, CaseError> {
    decide(conn, ctx, id, Decision::Approved)
}

/// The second person refuses: nothing changes, and the request is closed.
pub fn refuse_grant(conn: &mut PgConnection, ctx: &Context<'_>, id: GrantRequestId) -> Result<GrantDecided, CaseError> {
    decide(conn, ctx, id, Decision::Refused)
}

fn proposal(request: &grants::GrantRequest) -> Proposal<'_> {
    Proposal {
        approver: request.approver,
        delegation: request.delegation.as_ref(),
        requested_by: request.requested_by,
        subject: Some(request.user_id),
    }
}

fn decide(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: GrantRequestId,
    decision: Decision,
) -> Result<GrantDecided, CaseError> {
    let at = now_micros(ctx.now);
    crate::store::transaction(conn, |conn| {
        let (request, decided) = grants::lock(conn, id)?.ok_or(CaseError::NotFound)?;
        if decided.is_some() {
            return Err(CaseError::Forbidden(crate::domain::Denied::DecidedAlready));
        }
        may_decide(ctx.caller, &proposal(&request))
            .map_err(|e| CaseError::Forbidden(crate::domain::Denied::NotYours(e)))?;
        let mut token_link = None;
        let mut leaves = None;
        let email = match (&request.email, &request.display_name) {
            (Some(email), _) => email.clone(),
            _ => email_of(conn, request.user_id)?,
        };
        if decision == Decision::Approved {
            match request.kind {
                GrantKind::NewUser => {
                    if users::user_by_email(conn, &email)?.is_some() {
                        return Err(CaseError::Invalid(vec![issue("email", Problem::EmailTaken)]));
                    }
                    let user = users::NewUser {
                        id: request.user_id,
                        email: email.clone(),
                        display_name: request.display_name.clone().unwrap_or_else(|| email.clone()),
                        role: request.role,
                        delegation: request.delegation.clone(),
                        time_zone: None,
                        // The browser's on the web until they choose one; emails in English.
                        language: None,
                        digest: false,
                    };
                    users::insert_user(conn, &user)?;
                }
                GrantKind::Change => {
                    leaves = users::user(conn, request.user_id)?
                        .and_then(|user| user.delegation)
                        .filter(|old| Some(old) != request.delegation.as_ref());
                    users::set_role(conn, request.user_id, request.role, request.delegation.as_ref())?;
                }
                GrantKind::ReEnable => {
                    users::enable_user(conn, request.user_id)?;
                }
            }
        }
        if !grants::decide(conn, id, ctx.caller.user_id, decision, at)? {
            return Err(CaseError::Forbidden(crate::domain::Denied::DecidedAlready));
        }
        let act = match decision {
            Decision::Approved => AdminAct::GrantApproved,
            Decision::Refused => AdminAct::GrantRefused,
        };
        let detail = serde_json::json!({
            "request": request.id, "kind": request.kind, "role": request.role,
            "requested_by": request.requested_by,
        });
        log(
            conn,
            ctx.caller.user_id,
            act,
            request.user_id,
            request.delegation.as_ref(),
            detail,
            at,
        )?;
        if decision == Decision::Approved && request.kind == GrantKind::NewUser {
            let link = new_token_link(
                conn,
                request.user_id,
                (&email, None),
                request.delegation.as_ref(),
                ctx.caller.user_id,
                at,
            )?;
            token_link = Some(link);
        }
        let decider = email_of(conn, ctx.caller.user_id)?;
        let grant = grant_words(&email, request.role, request.delegation.as_ref());
        let id = match decision {
            Decision::Approved => "grant-approved",
            Decision::Refused => "grant-refused",
        };
        let mut to = told(conn, request.approver, &[request.delegation.as_ref(), leaves.as_ref()])?;
        // The person the grant is for hears of it by their own link or their next sign-in.
        to.retain(|told| !told.email.eq_ignore_ascii_case(&email));
        let notice = Notice {
            to,
            text: NoticeText::new(
                id,
                vec![
                    ("decider", text(&decider)),
                    ("kind", kind_text(request.kind).into()),
                    ("grant", grant),
                ],
            ),
        };
        let decided = GrantDecided {
            request_id: request.id,
            decision,
            user_id: request.user_id,
            notice,
            token_link,
        };
        answer(conn, ctx, None, decided)
    })
}

/// Whose waiting grants the caller sees: all (`Some(None)`) for administrators, their
/// delegation's for a head of delegation, none for anyone else.
fn grants_in_sight<'c>(ctx: &Context<'c>) -> Option<Option<&'c DelegationCode>> {
    match (ctx.caller.role, &ctx.caller.delegation) {
        (Role::Admin, _) => Some(None),
        (Role::HeadOfDelegation, Some(own)) => Some(Some(own)),
        _ => None,
    }
}

/// How many waiting grants the caller may decide (a head of delegation: their delegation's; an
/// administrator: all), at most [`MAX_PAGE`] looked at.
pub(super) fn decidable(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<usize, CaseError> {
    let Some(delegation) = grants_in_sight(ctx) else {
        return Ok(0);
    };
    Ok(grants::pending(conn, delegation, MAX_PAGE)?
        .iter()
        .filter(|request| may_decide(ctx.caller, &proposal(request)).is_ok())
        .count())
}

/// The grants waiting for a decision that the caller may see: every one for administrators,
/// their delegation's for a head of delegation; each says whether the caller may decide it.
pub fn pending_grants(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<Vec<PendingGrant>, CaseError> {
    let delegation = grants_in_sight(ctx).ok_or_else(|| CaseError::Forbidden(crate::domain::Denied::SeesGrants))?;
    let requests = grants::pending(conn, delegation, MAX_PAGE)?;
    let mut ids: Vec<UserId> = requests.iter().flat_map(|r| [r.user_id, r.requested_by]).collect();
    ids.sort_unstable();
    ids.dedup();
    let emails = users::emails_of(conn, &ids)?;
    let email_of = |id: UserId| {
        emails
            .iter()
            .find(|(known, _)| *known == id)
            .map_or_else(|| id.to_string(), |(_, email)| email.clone())
    };
    Ok(requests
        .into_iter()
        .map(|request| PendingGrant {
            may_decide: may_decide(ctx.caller, &proposal(&request)).is_ok(),
            id: request.id,
            kind: request.kind,
            user_id: request.user_id,
            email: request.email.clone().unwrap_or_else(|| email_of(request.user_id)),
            role: request.role,
            delegation: request.delegation,
            approver: request.approver,
            requested_by: request.requested_by,
            requested_by_email: email_of(request.requested_by),
            requested_at: request.requested_at,
        })
        .collect())
}
