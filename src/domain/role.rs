//! Roles: what a user may do, and who a reminder goes to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// Vigil itself, for timers.
    System,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::FocalPoint,
        Self::HeadOfDelegation,
        Self::EusrReviewer,
        Self::Admin,
        Self::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FocalPoint => "focal_point",
            Self::HeadOfDelegation => "head_of_delegation",
            Self::EusrReviewer => "eusr_reviewer",
            Self::Admin => "admin",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
