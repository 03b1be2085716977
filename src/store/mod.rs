//! Everything that speaks SQL: the r2d2 pool of diesel connections, the migrations runner,
//! the schema, and (as later issues land) the rows and queries of cases, procedures and events.
//!
//! Query functions are plain synchronous `fn(conn: &mut PgConnection, …)`; async callers go
//! through [`Db::run`], which checks a connection out and runs the closure on the blocking pool.

/// What lets a Vigil type stand for one SQL type (`$sql`) in diesel's queries, once the type
/// has its `ToSql<$sql, Pg>` and `FromSql<$sql, Pg>`: bound by value or by reference, nullable or
/// not, and read back as a column. The typed ids (`ids.rs`) and the vocabularies
/// (`vocabulary.rs`) share it.
macro_rules! sql_value {
    ($sql:ty: $($rust:ty),*) => {$(
        impl diesel::serialize::ToSql<diesel::sql_types::Nullable<$sql>, diesel::pg::Pg> for $rust {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <Self as diesel::serialize::ToSql<$sql, diesel::pg::Pg>>::to_sql(self, out)
            }
        }

        impl diesel::deserialize::Queryable<$sql, diesel::pg::Pg> for $rust {
            type Row = Self;

            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl diesel::expression::AsExpression<$sql> for $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<$sql, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a> diesel::expression::AsExpression<$sql> for &'a $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<$sql, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a, 'b> diesel::expression::AsExpression<$sql> for &'a &'b $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<$sql, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl diesel::expression::AsExpression<diesel::sql_types::Nullable<$sql>> for $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<diesel::sql_types::Nullable<$sql>, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a> diesel::expression::AsExpression<diesel::sql_types::Nullable<$sql>> for &'a $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<diesel::sql_types::Nullable<$sql>, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a, 'b> diesel::expression::AsExpression<diesel::sql_types::Nullable<$sql>> for &'a &'b $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<diesel::sql_types::Nullable<$sql>, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
    )*};
}

pub mod access_log;
pub mod admin;
pub mod admin_log;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod checkpoints;
pub mod digests;
pub mod drafts;
pub mod erasure;
pub mod events;
pub mod grants;
pub mod holidays;
pub mod idempotency;
pub mod ids;
pub mod keys;
pub mod migrations;
pub mod needs;
pub mod prepared;
pub mod privileges;
pub mod procedures;
pub mod reports;
pub mod scheduled;
pub mod schema;
pub mod sessions;
pub mod users;
pub mod vocabulary;
pub mod workflows;

use std::time::Duration;

use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::{Connection, PgConnection};

use crate::config::DatabaseUrl;

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

/// A database connection, as the store's functions take it.
pub type Conn = PgConnection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("blocking task was cancelled")]
    Blocking,
    /// A value the database returned is not of the shape Vigil wrote.
    #[error("cannot read what the database returned: {0}")]
    Decode(String),
}

impl StoreError {
    /// The database did not answer: no connection to be had, or the one in use broke (the
    /// server shut down, restarted, or the network dropped). Worth trying again shortly.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Self::Pool(_) | Self::Connect(_) => true,
            Self::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            // The server's own words as it goes away (SQLSTATE class 57 and a dropped socket):
            // diesel gives their message, not their code.
            Self::Query(Error::DatabaseError(_, info)) => {
                let message = info.message();
                [
                    "terminating connection due to administrator command",
                    "the database system is shutting down",
                    "the database system is starting up",
                    "the database system is in recovery mode",
                    "server closed the connection unexpectedly",
                    "no connection to the server",
                    "could not receive data from server",
                ]
                .iter()
                .any(|words| message.contains(words))
            }
            _ => false,
        }
    }

    /// A unique constraint refused the write (a duplicate email, code or key).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Self::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Runs `work` in one database transaction: all of it lands, or none. `work` may fail with
/// its caller's own error type, which rolls the transaction back as any error does.
pub fn transaction<T, E: From<StoreError>>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.transaction::<T, Failure<E>, _>(|conn| work(conn).map_err(Failure::Work))
        .map_err(Failure::into_error)
}

/// As [`transaction`], in one REPEATABLE READ snapshot: every statement sees the database as
/// the first one did.
pub fn snapshot<T, E: From<StoreError>>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.build_transaction()
        .repeatable_read()
        .run::<T, Failure<E>, _>(|conn| work(conn).map_err(Failure::Work))
        .map_err(Failure::into_error)
}

/// Why a transaction ended: the database, or the work's own error.
enum Failure<E> {
    Database(diesel::result::Error),
    Work(E),
}

impl<E> From<diesel::result::Error> for Failure<E> {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e)
    }
}

impl<E: From<StoreError>> Failure<E> {
    fn into_error(self) -> E {
        match self {
            Self::Database(e) => E::from(StoreError::Query(e)),
            Self::Work(e) => e,
        }
    }
}

/// How long a checkout waits for a connection by default (`VIGIL_DB_WAIT`).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// The database as the rest of Vigil sees it: a pool, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Builds the pool without connecting: a server that is down makes requests fail (and
    /// `/readyz` say so) rather than the process.
    pub fn connect_lazily(url: &DatabaseUrl, max_size: u32) -> Result<Self, StoreError> {
        Self::connect_waiting(url, max_size, DEFAULT_WAIT)
    }

    /// As [`Db::connect_lazily`], a checkout waiting at most `wait` for a working connection.
    pub fn connect_waiting(url: &DatabaseUrl, max_size: u32, wait: Duration) -> Result<Self, StoreError> {
        Ok(Self {
            pool: Self::builder(max_size, wait).build_unchecked(ConnectionManager::new(url.expose())),
        })
    }

    /// As [`Db::connect_waiting`], telling `watch` of every checkout and of every wait that
    /// timed out (what the metrics count).
    pub fn connect_observed(
        url: &DatabaseUrl,
        max_size: u32,
        wait: Duration,
        watch: PoolWatch,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            pool: Self::builder(max_size, wait)
                .event_handler(Box::new(watch))
                .build_unchecked(ConnectionManager::new(url.expose())),
        })
    }

    fn builder(max_size: u32, wait: Duration) -> diesel::r2d2::Builder<ConnectionManager<PgConnection>> {
        Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .connection_timeout(wait)
            .test_on_check_out(false)
    }

    /// The pool's connections now: open, idle, and the most it opens.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            open: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Checks a connection out, waiting at most `timeout`.
    pub fn get_timeout(
        &self,
        timeout: Duration,
    ) -> Result<PooledConnection<ConnectionManager<PgConnection>>, StoreError> {
        Ok(self.pool.get_timeout(timeout)?)
    }

    /// Runs database work on this thread, for commands that have no async runtime.
    pub fn run_blocking<T>(
        &self,
        work: impl FnOnce(&mut PgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        work(&mut conn)
    }

    /// Runs blocking database work off the async executor.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut PgConnection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (pool, span) = (self.pool.clone(), tracing::Span::current());
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?; // Checkout can block too, so it stays inside.
            work(&mut conn)
        })
        .await
        .map_err(|_| StoreError::Blocking)?
    }

    /// Ready means: a connection answers and no migration is pending.
    pub async fn readiness(&self) -> Readiness {
        let pool = self.pool.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let mut conn = match pool.get_timeout(Duration::from_secs(2)) {
                Ok(conn) => conn,
                Err(e) => return Readiness::DatabaseUnavailable(e.to_string()),
            };
            match migrations::pending(&mut conn) {
                Ok(pending) if pending.is_empty() => Readiness::Ready,
                Ok(pending) => Readiness::MigrationsPending(pending),
                Err(e) => Readiness::DatabaseUnavailable(e.to_string()),
            }
        })
        .await;
        checked.unwrap_or_else(|_| Readiness::DatabaseUnavailable("check was cancelled".into()))
    }
}

/// What is told of the pool's checkouts: how long each waited, and each wait that timed out.
#[derive(Debug, Clone, Copy)]
pub struct PoolWatch {
    pub checked_out: fn(Duration),
    pub timed_out: fn(),
}

impl diesel::r2d2::HandleEvent for PoolWatch {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        (self.checked_out)(event.duration());
    }

    fn handle_timeout(&self, _: diesel::r2d2::event::TimeoutEvent) {
        (self.timed_out)();
    }
}

/// The pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// What `/readyz` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// The reason is for the log, not for the client.
    DatabaseUnavailable(String),
    /// The versions of the migrations not yet applied.
    MigrationsPending(Vec<String>),
}
