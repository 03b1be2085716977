//! Roles: what a user may do, and who a reminder goes to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A delegation's human-rights focal point, usually the case owner.
    FocalPoint,
    /// A head of delegation or deputy: approvals.
    HeadOfDelegation,
    /// The EUSR office: the escalation queue.
    EusrReviewer,
    /// Users and keys; may not read case content by default.
    Admin,
    /// Headquarters: the reports' aggregate figures of every delegation, and no case at all
    /// (not its content, not its metadata, not that it exists).
    HqAnalyst,
    /// Vigil itself, for timers.
    System,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::FocalPoint,
        Self::HeadOfDelegation,
        Self::EusrReviewer,
        Self::Admin,
        Self::HqAnalyst,
        Self::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FocalPoint => "focal_point",
            Self::HeadOfDelegation => "head_of_delegation",
            Self::EusrReviewer => "eusr_reviewer",
            Self::Admin => "admin",
            Self::HqAnalyst => "hq_analyst",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// A delegation's own staff, focal points and heads of delegation: each belongs to one
    /// delegation, and opens, edits, owns and runs its cases. Every rule that says so asks here.
    pub fn is_delegation_staff(self) -> bool {
        matches!(self, Self::FocalPoint | Self::HeadOfDelegation)
    }

    /// The roles of the people who run Vigil: users, tokens, keys, erasure and the reminder
    /// queues, and no case content.
    pub fn is_admin(self) -> bool {
        self == Self::Admin
    }

    /// The EUSR office, which reaches the cases escalated to it.
    pub fn is_eusr(self) -> bool {
        self == Self::EusrReviewer
    }

    /// Vigil itself, acting on a timer; every other role is a person's.
    pub fn is_system(self) -> bool {
        self == Self::System
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or(UnknownRole)
    }
}

/// A role name that is none of [`Role::ALL`]; the message lists the ones there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of focal_point, head_of_delegation, eusr_reviewer, admin, hq_analyst")]
pub struct UnknownRole;

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_from_its_name_and_nothing_else_does() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_value(role).unwrap(), serde_json::json!(role.as_str()));
        }
        assert_eq!("Admin".parse::<Role>(), Err(UnknownRole));
    }

    #[test]
    fn only_focal_points_and_heads_are_a_delegation_s_staff() {
        let staff: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_delegation_staff()).collect();
        assert_eq!(staff, [Role::FocalPoint, Role::HeadOfDelegation]);
    }
}
