//! The four-eyes rule: who may decide a request that takes two people (a grant that reaches
//! cases, the erasure of a case). One rule for both, pure, so that every path to a decision
//! (the API, the web interface) asks the same question and gets the same answer.

use super::{Approver, DelegationCode, Principal, Role, UserId};

/// A request, as far as who may decide it goes.
#[derive(Debug, Clone, Copy)]
pub struct Proposal<'a> {
    pub approver: Approver,
    /// The delegation whose head decides, for [`Approver::HeadOfDelegation`].
    pub delegation: Option<&'a DelegationCode>,
    pub requested_by: UserId,
    /// The person it is about, who may not decide it either (None: a case's erasure).
    pub subject: Option<UserId>,
}

/// Who decides a grant of `role`: a delegation's focal points are the head of delegation's to
/// approve, while the delegation has an active head other than the person the grant is for;
/// everyone else (heads of delegation, the EUSR office, administrators, and the focal points of
/// a delegation with no head yet) is a second administrator's.
pub fn approver_for(role: Role, delegation_has_another_head: bool) -> Approver {
    match role {
        Role::FocalPoint if delegation_has_another_head => Approver::HeadOfDelegation,
        _ => Approver::Admin,
    }
}

/// Why someone may not decide a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotYours {
    #[error("you asked for this yourself: another person must decide it")]
    OwnRequest,
    #[error("this is about you: another person must decide it")]
    AboutYou,
    #[error("this is for the head of delegation {0} to decide")]
    ForTheHead(DelegationCode),
    #[error("this is for another administrator to decide")]
    ForAnAdmin,
}

/// Whether `decider` (the signed-in person, never an id from a form) may approve or refuse
/// `proposal`: never its requester, never the person it is about, and only someone of the
/// approving kind.
pub fn may_decide(decider: &Principal, proposal: &Proposal<'_>) -> Result<(), NotYours> {
    if decider.user_id == proposal.requested_by {
        return Err(NotYours::OwnRequest);
    }
    if proposal.subject == Some(decider.user_id) {
        return Err(NotYours::AboutYou);
    }
    match (proposal.approver, proposal.delegation) {
        (Approver::Admin, _) if decider.role.is_admin() => Ok(()),
        (Approver::Admin, _) => Err(NotYours::ForAnAdmin),
        (Approver::HeadOfDelegation, Some(delegation))
            if decider.role == Role::HeadOfDelegation && decider.delegation.as_ref() == Some(delegation) =>
        {
            Ok(())
        }
        (Approver::HeadOfDelegation, Some(delegation)) => Err(NotYours::ForTheHead(delegation.clone())),
        // A head's request with no delegation cannot be stored (a CHECK forbids it); nobody decides it.
        (Approver::HeadOfDelegation, None) => Err(NotYours::ForAnAdmin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(role: Role, delegation: Option<&str>) -> Principal {
        Principal {
            user_id: UserId::random(),
            role,
            delegation: delegation.map(DelegationCode::new),
            display_name: "someone".into(),
        }
    }

    #[test]
    fn focal_points_are_for_their_head_unless_the_delegation_has_none() {
        assert_eq!(approver_for(Role::FocalPoint, true), Approver::HeadOfDelegation);
        assert_eq!(approver_for(Role::FocalPoint, false), Approver::Admin);
        for role in [Role::HeadOfDelegation, Role::EusrReviewer, Role::Admin] {
            assert_eq!(approver_for(role, true), Approver::Admin, "{role}");
        }
    }

    #[test]
    fn nobody_decides_their_own_request_or_their_own_grant() {
        let admin = person(Role::Admin, None);
        let other_admin = person(Role::Admin, None);
        let proposal = Proposal {
            approver: Approver::Admin,
            delegation: None,
            requested_by: admin.user_id,
            subject: Some(other_admin.user_id),
        };
        assert_eq!(may_decide(&admin, &proposal), Err(NotYours::OwnRequest));
        assert_eq!(may_decide(&other_admin, &proposal), Err(NotYours::AboutYou));
        let third = person(Role::Admin, None);
        assert_eq!(may_decide(&third, &proposal), Ok(()));
    }

    #[test]
    fn only_the_head_of_the_delegation_concerned_decides_its_focal_points() {
        let ke = DelegationCode::new("EUD_KE");
        let admin = person(Role::Admin, None);
        let proposal = Proposal {
            approver: Approver::HeadOfDelegation,
            delegation: Some(&ke),
            requested_by: admin.user_id,
            subject: Some(UserId::random()),
        };
        assert_eq!(
            may_decide(&person(Role::HeadOfDelegation, Some("EUD_KE")), &proposal),
            Ok(())
        );
        let refused = NotYours::ForTheHead(ke.clone());
        assert_eq!(
            may_decide(&person(Role::HeadOfDelegation, Some("EUD_UG")), &proposal),
            Err(refused.clone())
        );
        assert_eq!(
            may_decide(&person(Role::FocalPoint, Some("EUD_KE")), &proposal),
            Err(refused.clone())
        );
        assert_eq!(may_decide(&person(Role::Admin, None), &proposal), Err(refused));
        let for_admins = Proposal {
            approver: Approver::Admin,
            ..proposal
        };
        assert_eq!(
            may_decide(&person(Role::HeadOfDelegation, Some("EUD_KE")), &for_admins),
            Err(NotYours::ForAnAdmin)
        );
    }
}
