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

/// Whether `text` is shaped like an email address a user may have: something, `@`, a domain
/// with a dot, no white space, at most 254 characters. (Delivery is the real test.)
pub fn is_email_address(text: &str) -> bool {
    text.len() <= 254
        && text
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !text.contains(char::is_whitespace)
}
