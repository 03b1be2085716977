//! Least privilege in PostgreSQL: what the role that serves (and runs the workers) may do.
//!
//! Migrations run as the tables' owner; `serve` can connect as a role that owns nothing, with
//! only the privileges below: it reads every table and appends to every one, changes and
//! deletes rows only where Vigil changes them, and can never change or remove a case event, an
//! access-log line, an administrative-log entry or a checkpoint: not by a statement (no UPDATE,
//! DELETE or TRUNCATE) and not by setting a trigger aside (only an owner can). Run after every
//! migration (`vigil migrate --grant-to ROLE` does), so new tables are covered.

use diesel::prelude::*;

use super::StoreError;

/// The tables whose rows Vigil changes or deletes as it works.
const CHANGED: &[&str] = &[
    "api_tokens",
    "attachment_chunks",
    "attachments",
    "case_keys",
    "cases",
    "delegation_holidays",
    "delegations",
    "digest_entries",
    "erasure_requests",
    "form_drafts",
    "grant_requests",
    "idempotency_keys",
    "procedures",
    "scheduled",
    "sign_in_links",
    "token_links",
    "users",
    "web_sessions",
    "workflow_versions",
];

/// The append-only tables: never an UPDATE, DELETE or TRUNCATE, whoever serves.
pub const APPEND_ONLY: &[&str] = &[
    "access_log",
    "admin_log",
    "case_events",
    "checkpoint_leaves",
    "checkpoints",
    "erasure_ledger",
    "report_runs",
];

/// Whether `role` is a plain PostgreSQL identifier (what this module will quote into SQL).
fn plain_identifier(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 63
        && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && role
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The statements that give `role` what serving needs and nothing more.
pub fn grants_for(role: &str) -> Option<Vec<String>> {
    if !plain_identifier(role) {
        return None;
    }
    let role = format!("\"{role}\"");
    let mut statements = vec![
        format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("REVOKE INSERT ON __diesel_schema_migrations FROM {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}"),
    ];
    statements.push(format!("GRANT UPDATE, DELETE ON {} TO {role}", CHANGED.join(", ")));
    statements.push(format!(
        "REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {} FROM {role}",
        APPEND_ONLY.join(", ")
    ));
    Some(statements)
}

/// Gives `role` (which must exist) the serving privileges, in one transaction; None when
/// `role` is not a plain identifier (lower-case letters, digits and `_`).
pub fn grant_serving(conn: &mut PgConnection, role: &str) -> Result<Option<()>, StoreError> {
    let Some(statements) = grants_for(role) else {
        return Ok(None);
    };
    super::transaction(conn, |conn| {
        // Processes granting at once (replicas starting together) take turns: PostgreSQL
        // refuses concurrent changes of one object's privileges ("tuple concurrently updated").
        diesel::sql_query("SELECT pg_advisory_xact_lock(7361626)").execute(conn)?;
        for statement in &statements {
            diesel::sql_query(statement).execute(conn)?;
        }
        Ok::<_, StoreError>(Some(()))
    })
}

/// [`grant_serving`] on a connection of its own to `url` (the tables' owner's).
pub fn grant_serving_at(url: &crate::config::DatabaseUrl, role: &str) -> Result<Option<()>, StoreError> {
    let mut conn = PgConnection::establish(url.expose())?;
    grant_serving(&mut conn, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_granted_anything() {
        assert!(grants_for("vigil_serve").is_some());
        for bad in [
            "",
            "Vigil",
            "vigil; DROP TABLE cases",
            "x\"y",
            "1vigil",
            &"a".repeat(64),
        ] {
            assert!(grants_for(bad).is_none(), "{bad}");
        }
        let statements = grants_for("vigil_serve").unwrap().join(";\n");
        assert!(
            statements
                .contains("REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON access_log, admin_log, case_events")
        );
        assert!(!statements.contains("GRANT UPDATE, DELETE ON access_log"));
    }
}
