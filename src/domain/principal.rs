//! Who is acting: an authenticated user, or Vigil itself.

use super::DelegationCode;
use super::Role;
use super::UserId;

/// The user a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
    /// Focal points' and heads of delegation's own delegation; none for the EUSR office and admins.
    pub delegation: Option<DelegationCode>,
    pub display_name: String,
}
