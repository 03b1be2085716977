//! Statements kept prepared on their connection.
//!
//! diesel keeps a SELECT built with its query builder as a named prepared statement on the
//! connection, parsed and analysed once. It does not keep raw SQL (`sql_query`), `UPDATE`s, or
//! `INSERT`s of rows with optional columns: those it sends as unnamed statements, which
//! PostgreSQL parses, analyses and plans again on every call. On the hot paths (a transition, a
//! read, a reminder batch) that work was about as much PostgreSQL CPU as the statements
//! themselves (BENCHMARKS.md, "prepared statements").
//!
//! [`Prepared`] wraps such a statement so that diesel keeps it too, keyed by its SQL text and
//! the types of its binds, never by its Rust type: two calls share one prepared statement only
//! if they send the same text. Wrap only statements whose text has a bounded number of shapes
//! (fixed SQL; an `UPDATE` whose changeset skips some `None` fields has at most one text per
//! combination); never text built from values, nor a multi-row `INSERT`, whose text grows with
//! its number of rows.
//!
//! A wrapped statement runs through diesel's loading path, the one that keeps the wrapper (its
//! `execute` path hands the statement on by reference, and a reference forwards only the SQL,
//! not the wrapper's permission to cache). So an `UPDATE` or `INSERT` must say `RETURNING`
//! (without it, it is not a query and does not compile), and `execute` counts the rows the
//! statement returned: for `UPDATE … RETURNING` the rows it changed; for raw SQL without
//! `RETURNING`, zero.

use diesel::connection::{DefaultLoadingMode, LoadConnection};
use diesel::expression::QueryMetadata;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::{Connection, PgConnection, QueryResult, RunQueryDsl};

/// A statement diesel keeps prepared on its connection: see the module's documentation.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(Q);

/// Wraps `statement` to be kept prepared on its connection.
pub fn prepared<Q>(statement: Q) -> Prepared<Q> {
    Prepared(statement)
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    /// Safe whatever the statement: the cache key is the SQL text (see [`QueryId`] below), so
    /// a statement whose text varies gets one prepared statement per text.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: diesel then keys its cache by the SQL text and the bind types.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> RunQueryDsl<PgConnection> for Prepared<Q>
where
    Q: Query + QueryFragment<Pg>,
    Pg: QueryMetadata<Q::SqlType>,
{
    /// Runs the statement through the loading path and counts the rows it returned (see the
    /// module's documentation).
    fn execute(self, conn: &mut PgConnection) -> QueryResult<usize>
    where
        PgConnection: Connection,
        Self: ExecuteDsl<PgConnection>,
    {
        let mut rows = <PgConnection as LoadConnection<DefaultLoadingMode>>::load(conn, self)?;
        rows.try_fold(0usize, |count, row| row.map(|_| count + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::query_builder::QueryFragment;

    #[test]
    fn raw_sql_and_updates_become_cacheable_and_keep_their_text() {
        let raw = diesel::sql_query("SELECT 1 WHERE $1").bind::<diesel::sql_types::Bool, _>(true);
        assert!(!raw.is_safe_to_cache_prepared(&Pg).unwrap());
        let wrapped = prepared(raw.clone());
        assert!(QueryFragment::<Pg>::is_safe_to_cache_prepared(&wrapped, &Pg).unwrap());
        assert_eq!(
            diesel::debug_query::<Pg, _>(&wrapped).to_string(),
            diesel::debug_query::<Pg, _>(&raw).to_string()
        );
        const { assert!(!<Prepared<()> as QueryId>::HAS_STATIC_QUERY_ID) };
    }
}
