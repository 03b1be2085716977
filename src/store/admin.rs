//! Server-level statements: creating and dropping databases, for the embedded cluster and the
//! test harness. Database names are checked to be plain identifiers before they reach SQL.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::StoreError;

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// A name that can stand unquoted in SQL: lowercase letters, digits and underscores.
fn checked_name(name: &str) -> Result<&str, StoreError> {
    let plain = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Ok(name)
    } else {
        Err(StoreError::Query(diesel::result::Error::QueryBuilderError(
            format!("`{name}` is not a plain database name").into(),
        )))
    }
}

pub fn database_exists(conn: &mut PgConnection, name: &str) -> Result<bool, StoreError> {
    let row: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result(conn)?;
    Ok(row.exists)
}

/// Connects to `server_url` (a maintenance database) and creates `name` if it is missing.
pub fn ensure_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    let mut conn = PgConnection::establish(server_url)?;
    if !database_exists(&mut conn, name)? {
        create_database(&mut conn, name)?;
    }
    Ok(())
}

/// Connects to `server_url` (as a superuser) and creates `role`, able to log in and owning
/// nothing, if it is missing: the embedded cluster's serving role.
pub fn ensure_login_role(server_url: &str, role: &str) -> Result<(), StoreError> {
    let mut conn = PgConnection::establish(server_url)?;
    let row: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists")
        .bind::<Text, _>(role)
        .get_result(&mut conn)?;
    if !row.exists {
        let created = conn.batch_execute(&format!(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
            checked_name(role)?
        ));
        // Two processes starting the cluster together: the other one made it first.
        match created {
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
            Err(e) if e.to_string().contains("already exists") => {}
            other => other?,
        }
    }
    Ok(())
}

/// Connects to `server_url` and drops `name` if it exists, then creates it empty.
pub fn recreate_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    let mut conn = PgConnection::establish(server_url)?;
    drop_database(&mut conn, name)?;
    create_database(&mut conn, name)
}

/// Connects to `server_url` and drops `name`.
pub fn drop_database_at(server_url: &str, name: &str) -> Result<(), StoreError> {
    drop_database(&mut PgConnection::establish(server_url)?, name)
}

/// Creates `name` as a copy of `template` (which nobody may be connected to).
pub fn create_database_from(conn: &mut PgConnection, name: &str, template: &str) -> Result<(), StoreError> {
    conn.batch_execute(&format!(
        "CREATE DATABASE {} TEMPLATE {}",
        checked_name(name)?,
        checked_name(template)?
    ))?;
    Ok(())
}

pub fn create_database(conn: &mut PgConnection, name: &str) -> Result<(), StoreError> {
    conn.batch_execute(&format!("CREATE DATABASE {}", checked_name(name)?))?;
    Ok(())
}

/// Renames a database nobody is connected to.
pub fn rename_database(conn: &mut PgConnection, from: &str, to: &str) -> Result<(), StoreError> {
    conn.batch_execute(&format!(
        "ALTER DATABASE {} RENAME TO {}",
        checked_name(from)?,
        checked_name(to)?
    ))?;
    Ok(())
}

/// Drops `name`, closing any connection still open to it.
pub fn drop_database(conn: &mut PgConnection, name: &str) -> Result<(), StoreError> {
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", checked_name(name)?))?;
    Ok(())
}

/// Serialises work across processes sharing a server (e.g. creating a test template once).
pub fn with_advisory_lock<T>(
    conn: &mut PgConnection,
    key: i64,
    work: impl FnOnce(&mut PgConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.batch_execute(&format!("SELECT pg_advisory_lock({key})"))?;
    let result = work(conn);
    let unlocked = conn.batch_execute(&format!("SELECT pg_advisory_unlock({key})"));
    let value = result?;
    unlocked?;
    Ok(value)
}

/// How many other sessions are connected to the database `url` names (a restore wants none).
pub fn other_sessions_at(url: &crate::config::DatabaseUrl) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let mut conn = PgConnection::establish(url.expose())?;
    Ok(diesel::sql_query(
        "SELECT count(*) AS count FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .get_result::<Count>(&mut conn)?
    .count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_reach_sql() {
        assert!(checked_name("vigil_test_0a1b").is_ok());
        for bad in ["", "Vigil", "x; DROP DATABASE y", "a-b", "1abc", &"x".repeat(64)] {
            assert!(checked_name(bad).is_err(), "{bad}");
        }
    }
}
