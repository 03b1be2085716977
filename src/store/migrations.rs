//! The migrations runner: diesel migrations embedded in the binary from `migrations/`.
//!
//! Runs hold a PostgreSQL advisory lock, so replicas starting together apply each migration once.

use diesel::{Connection, PgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::StoreError;
use super::admin::with_advisory_lock;
use crate::config::DatabaseUrl;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// An arbitrary constant naming Vigil's migration lock among the server's advisory locks.
const MIGRATION_LOCK: i64 = 0x5649_4749_4c00_0001;

fn migration_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// Applies every pending migration; returns the versions applied, oldest first.
pub fn run_pending(conn: &mut PgConnection) -> Result<Vec<String>, StoreError> {
    with_advisory_lock(conn, MIGRATION_LOCK, |conn| {
        let applied = conn.run_pending_migrations(MIGRATIONS).map_err(migration_error)?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
}

/// Connects to `url` and applies every pending migration there.
pub fn run_pending_at(url: &DatabaseUrl) -> Result<Vec<String>, StoreError> {
    let mut conn = PgConnection::establish(url.expose())?;
    run_pending(&mut conn)
}

/// Reverts every applied migration, newest first; returns the versions reverted.
pub fn revert_all(conn: &mut PgConnection) -> Result<Vec<String>, StoreError> {
    with_advisory_lock(conn, MIGRATION_LOCK, |conn| {
        let reverted = conn.revert_all_migrations(MIGRATIONS).map_err(migration_error)?;
        Ok(reverted.iter().map(ToString::to_string).collect())
    })
}

/// Reverts the newest applied migration; returns its version.
pub fn revert_last(conn: &mut PgConnection) -> Result<String, StoreError> {
    with_advisory_lock(conn, MIGRATION_LOCK, |conn| {
        let reverted = conn.revert_last_migration(MIGRATIONS).map_err(migration_error)?;
        Ok(reverted.to_string())
    })
}

/// The versions of the migrations not applied yet.
/// Reads the applied versions without diesel's harness, which first makes sure its table
/// exists (a CREATE the serving role, owning nothing, may not run); no table: none applied.
pub fn pending(conn: &mut PgConnection) -> Result<Vec<String>, StoreError> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Present {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        present: bool,
    }
    let table: Present = diesel::sql_query("SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL AS present")
        .get_result(conn)?;
    let applied: Vec<String> = if table.present {
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Applied>(conn)?
            .into_iter()
            .map(|a| a.version)
            .collect()
    } else {
        Vec::new()
    };
    Ok(versions()?.into_iter().filter(|v| !applied.contains(v)).collect())
}

/// The versions of every migration this binary carries, oldest first.
pub fn versions() -> Result<Vec<String>, StoreError> {
    let mut versions: Vec<String> = diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(migration_error)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    versions.sort();
    Ok(versions)
}
