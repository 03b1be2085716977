//! Workflow versions: every definition ever loaded, so a running procedure keeps the version
//! it started on.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};

use super::StoreError;
use super::schema::workflow_versions;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = workflow_versions)]
pub struct NewWorkflowVersion {
    pub name: String,
    pub version: String,
    pub definition: serde_json::Value,
}

/// Records the given versions; those already known are left as they are.
pub fn record(conn: &mut PgConnection, versions: &[NewWorkflowVersion]) -> Result<usize, StoreError> {
    let inserted = diesel::insert_into(workflow_versions::table)
        .values(versions)
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(inserted)
}

/// The stored definition of one version.
pub fn definition(conn: &mut PgConnection, name: &str, version: &str) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(workflow_versions::table
        .find((name, version))
        .select(workflow_versions::definition)
        .first(conn)
        .optional()?)
}

/// Every recorded definition, for the procedures still on older versions.
pub fn all(conn: &mut PgConnection) -> Result<Vec<serde_json::Value>, StoreError> {
    Ok(workflow_versions::table
        .select(workflow_versions::definition)
        .load(conn)?)
}

/// A recorded version and how many procedures run on it.
#[derive(Debug, Clone, QueryableByName)]
pub struct VersionUse {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub version: String,
    #[diesel(sql_type = Timestamptz)]
    pub recorded_at: DateTime<Utc>,
    /// Procedures on this version that have not reached a terminal state.
    #[diesel(sql_type = BigInt)]
    pub running: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Every recorded version, by name and then newest first, with its procedures counted.
pub fn list(conn: &mut PgConnection) -> Result<Vec<VersionUse>, StoreError> {
    // A procedure is running while its state is not terminal in its own version's definition.
    Ok(diesel::sql_query(
        "SELECT v.name, v.version, v.recorded_at,
                count(p.id) FILTER (WHERE NOT coalesce((v.definition -> 'states' -> p.state ->> 'terminal')::boolean, false)) AS running,
                count(p.id) AS total
         FROM workflow_versions v
         LEFT JOIN procedures p ON p.workflow = v.name AND p.workflow_version = v.version
         GROUP BY v.name, v.version, v.recorded_at
         ORDER BY v.name, v.recorded_at DESC, v.version",
    )
    .load(conn)?)
}
