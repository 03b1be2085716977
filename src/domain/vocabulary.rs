//! The closed vocabularies of Vigil: each a set of names that the database, the API and the
//! workflow files spell the same way. Parsed once, at the edge; inside, they are types. Their
//! SQL conversions (as `text`) live in `store::vocabulary`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A name that is none of a vocabulary's; the message lists the ones there are, never what was
/// sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be one of {0}")]
pub struct NotInVocabulary(pub &'static str);

macro_rules! vocabulary {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        /// Described as the names it is sent as (which utoipa's derive cannot read through this macro).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!($($doc),*).trim()))
                    .enum_values(Some(Self::ALL.iter().map(|value| value.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Every name, as an error or a form lists them.
            pub const NAMES: &'static str = concat_names!($($text),+);

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = NotInVocabulary;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(NotInVocabulary(Self::NAMES)),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

macro_rules! concat_names {
    ($only:literal) => { $only };
    ($first:literal, $($rest:literal),+) => { concat!($first, ", ", concat_names!($($rest),+)) };
}

vocabulary!(
    /// How much danger the defender is in, as the delegation judges it.
    Risk {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
);

vocabulary!(
    /// Who an event was made by: a person, or Vigil itself (a timer).
    ActorKind {
        User = "user",
        System = "system",
    }
);

vocabulary!(
    /// What a line of the access log records.
    AccessKind {
        /// The case with its opened data.
        Read = "read",
        /// The timeline with its opened data.
        Timeline = "timeline",
        Export = "export",
        /// An attachment's bytes, opened and sent.
        Attachment = "attachment",
        /// The case found by a search (by its reference or its defender's name).
        Search = "search",
        /// The case shown in a list with its defender's name, opened for the row.
        List = "list",
        /// An attempt on a case out of the caller's scope.
        Denied = "denied",
    }
);

vocabulary!(
    /// Where a scheduled item stands.
    ScheduledStatus {
        Pending = "pending",
        Done = "done",
        Cancelled = "cancelled",
        /// Given up after its last attempt; an admin may give it another round.
        Dead = "dead",
    }
);

vocabulary!(
    /// What a scheduled item is.
    ScheduledKind {
        /// An email to people, once or repeating.
        Reminder = "reminder",
        /// An action Vigil takes by itself.
        Timer = "timer",
    }
);

vocabulary!(
    /// Why a case is erased.
    ErasureReason {
        DefenderRequest = "defender_request",
        RetentionExpired = "retention_expired",
        DataProtectionOrder = "data_protection_order",
        OpenedInError = "opened_in_error",
    }
);

vocabulary!(
    /// How an API token reached its owner.
    TokenDelivery {
        /// Printed by `vigil users add` or `vigil tokens issue`, on the operator's command line.
        CommandLine = "command_line",
        /// Shown once to its owner, behind a one-time link emailed to them.
        EmailLink = "email_link",
    }
);

vocabulary!(
    /// An administrative act, as the administrative log records it.
    AdminAct {
        UserAdded = "user_added",
        UserDisabled = "user_disabled",
        /// A one-time link to a new token was emailed to its owner.
        TokenLinkSent = "token_link_sent",
        TokenIssued = "token_issued",
        TokenRevoked = "token_revoked",
        ErasureRequested = "erasure_requested",
        ErasureApproved = "erasure_approved",
        KeysRotated = "keys_rotated",
        IndexRebuilt = "index_rebuilt",
        /// A grant that reaches cases was asked for; nothing changed yet.
        GrantRequested = "grant_requested",
        /// A second person approved a grant, and it took effect.
        GrantApproved = "grant_approved",
        GrantRefused = "grant_refused",
        /// A user's role or delegation changed (directly, by the operator).
        UserChanged = "user_changed",
        /// A disabled user was enabled again (directly, by the operator).
        UserEnabled = "user_enabled",
        DelegationAdded = "delegation_added",
        /// How Vigil writes to a user (time zone, language, digest) changed.
        PreferencesChanged = "preferences_changed",
        /// A reminder or timer that gave up was set to be tried again.
        ReminderRetried = "reminder_retried",
        /// A delegation's public holidays were added to, imported or removed from.
        HolidaysChanged = "holidays_changed",
    }
);

vocabulary!(
    /// What a grant request asks for.
    GrantKind {
        /// A user who does not exist yet, with a role (and delegation).
        NewUser = "new_user",
        /// Another role or delegation for an existing user.
        Change = "change",
        /// A disabled user, enabled again with the role they had.
        ReEnable = "re_enable",
    }
);

vocabulary!(
    /// Who may decide a request under the four-eyes rule.
    Approver {
        /// An active head of the request's delegation (not the requester, not its subject).
        HeadOfDelegation = "head_of_delegation",
        /// An administrator other than the requester and the request's subject.
        Admin = "admin",
    }
);

vocabulary!(
    /// How a request under the four-eyes rule was decided.
    Decision {
        Approved = "approved",
        Refused = "refused",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_and_is_sent_as_itself() {
        for risk in Risk::ALL {
            assert_eq!(risk.as_str().parse::<Risk>(), Ok(*risk));
            assert_eq!(serde_json::to_value(risk).unwrap(), serde_json::json!(risk.as_str()));
        }
        assert_eq!(Risk::NAMES, "low, medium, high, critical");
        assert_eq!(
            "Critical".parse::<Risk>().unwrap_err().to_string(),
            "must be one of low, medium, high, critical"
        );
        assert_eq!(ErasureReason::OpenedInError.as_str(), "opened_in_error");
    }
}

vocabulary!(
    /// The reports, each counting cases from plain metadata and events only.
    ReportName {
        /// Cases opened in the period.
        Cases = "cases",
        /// Cases with a procedure started in the period, by workflow and where it stands.
        Procedures = "procedures",
    }
);

vocabulary!(
    /// What a report can be grouped by and filtered on.
    ReportDimension {
        Delegation = "delegation",
        Country = "country",
        /// The country's region (M49, or the table of `VIGIL_REGIONS_FILE`).
        Region = "region",
        /// A case with several themes counts once under each.
        Theme = "theme",
        Risk = "risk",
        /// The procedures report only.
        Workflow = "workflow",
        /// The state a procedure is in now (the procedures report only).
        State = "state",
        /// The outcome recorded when the procedure was closed, its plain `outcome` field;
        /// `open` until then (the procedures report only).
        Outcome = "outcome",
        /// The month (UTC) the case was opened, or the procedure started.
        Month = "month",
        Year = "year",
    }
);
