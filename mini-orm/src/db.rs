//! A database handle: one connection (SQLite, or PostgreSQL with the
//! `postgres` feature), its prepared-statement cache, and the raw SQL escape
//! hatch. GeeORM's `Engine` + `Session` in one type.
//!
//! # Why statements are cached
//!
//! Preparing a statement (parsing SQL, planning) costs more than running a
//! small one. Every query here goes through rusqlite's per-connection LRU
//! cache (`prepare_cached`, keyed by the SQL text): the ORM renders the same
//! text for the same query shape, so the second run of a shape skips the
//! parser and planner and only binds and steps — the same work a
//! hand-written, prepared rusqlite loop does. `SqlCache` (in
//! `sql_cache.rs`) skips the rendering too.

use std::cell::Cell;
use std::path::Path;

use crate::dialect::{Dialect, Sqlite};
use crate::error::Result;
use crate::model::{FromRow, Row};
use crate::sql_cache::SqlCache;
use crate::value::{Value, ValueRef};

/// How many distinct statements each connection keeps prepared.
/// rusqlite's default is 16, which the query shapes of a modest app (each
/// IN-list length is its own shape) overflow; 256 costs a few hundred KB.
pub const STATEMENT_CACHE_CAPACITY: usize = 256;

/// A connection to one database, with mini-orm's operations on it.
pub struct Db {
    /// The driver connection (owns the prepared-statement cache).
    conn: Conn,
    /// Open transaction levels: 0 = none, 1 = `BEGIN`, n > 1 = savepoints.
    pub(crate) depth: Cell<u32>,
    /// Parameters allowed per statement (the dialect's limit; lowered in tests
    /// to exercise chunking).
    max_params: Cell<usize>,
    /// Statements run so far (lets tests prove eager loading is not N+1).
    statements: Cell<u64>,
    /// Rendered SQL of repeated statements.
    pub(crate) sql: SqlCache,
}

/// The driver behind a [`Db`].
enum Conn {
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    // Boxed: the client is several times larger than a SQLite handle.
    Postgres(Box<crate::pg::PgConn>),
}

/// Something bindable as a statement parameter.
pub(crate) trait BindValue {
    fn value_ref(&self) -> ValueRef<'_>;
}
impl BindValue for Value {
    fn value_ref(&self) -> ValueRef<'_> {
        self.as_ref()
    }
}
impl BindValue for ValueRef<'_> {
    fn value_ref(&self) -> ValueRef<'_> {
        *self
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dialect", &self.dialect().name())
            .field("depth", &self.depth.get())
            .finish()
    }
}

impl Db {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        Db::init(rusqlite::Connection::open(path)?)
    }

    /// Opens a private in-memory SQLite database.
    pub fn open_in_memory() -> Result<Db> {
        Db::init(rusqlite::Connection::open_in_memory()?)
    }

    /// Connects to PostgreSQL (`postgres://user:pass@host:port/db`, no TLS).
    #[cfg(feature = "postgres")]
    pub fn connect_postgres(url: &str) -> Result<Db> {
        let conn = crate::pg::PgConn::connect(url)?;
        Ok(Db::with_conn(
            Conn::Postgres(Box::new(conn)),
            crate::dialect::Postgres.max_params(),
        ))
    }

    fn init(conn: rusqlite::Connection) -> Result<Db> {
        // SQLite ships with foreign keys off for backward compatibility; an
        // ORM with belongs-to associations wants them enforced.
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        Ok(Db::with_conn(Conn::Sqlite(conn), Sqlite.max_params()))
    }

    fn with_conn(conn: Conn, max_params: usize) -> Db {
        Db {
            conn,
            depth: Cell::new(0),
            max_params: Cell::new(max_params),
            statements: Cell::new(0),
            sql: SqlCache::default(),
        }
    }

    /// The SQL dialect of this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        match &self.conn {
            Conn::Sqlite(_) => &Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => &crate::dialect::Postgres,
        }
    }

    /// Whether this is a SQLite connection.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.conn, Conn::Sqlite(_))
    }

    /// The underlying rusqlite connection (SQLite only), for what mini-orm
    /// does not cover.
    pub fn connection(&self) -> Option<&rusqlite::Connection> {
        match &self.conn {
            Conn::Sqlite(c) => Some(c),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => None,
        }
    }

    /// Parameters per statement before multi-row inserts are split.
    pub fn max_params(&self) -> usize {
        self.max_params.get()
    }

    /// Lowers (or restores) the per-statement parameter limit; at least 1.
    pub fn set_max_params(&self, n: usize) {
        self.max_params.set(n.clamp(1, self.dialect().max_params()));
    }

    /// How many statements this handle has run (batches count once).
    pub fn statements_run(&self) -> u64 {
        self.statements.get()
    }

    /// Raw SQL with bound parameters: runs one statement, returns rows changed.
    /// Placeholders are the dialect's (`?` on SQLite, `$1` on PostgreSQL).
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        self.exec(sql, params)
    }

    /// Runs several `;`-separated statements with no parameters (schema scripts).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        tracing::debug!(sql, "batch");
        self.statements.set(self.statements.get() + 1);
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.batch_execute(sql),
        }
    }

    /// Raw SQL with bound parameters, each row read as a `T` (a model or a
    /// tuple of fields): `db.query_as::<(i64, String)>("SELECT ...", &[...])`.
    pub fn query_as<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Vec<T>> {
        self.load(sql, params)
    }

    pub(crate) fn exec<B: BindValue>(&self, sql: &str, params: &[B]) -> Result<usize> {
        tracing::trace!(sql, "execute");
        self.statements.set(self.statements.get() + 1);
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(
                    params.iter().map(BindValue::value_ref),
                ))?)
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.execute(sql, params),
        }
    }

    /// Runs a query, handing each row to `each` (so the caller decides
    /// whether to collect all rows or stop at the first).
    fn query_rows<B: BindValue>(
        &self,
        sql: &str,
        params: &[B],
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        tracing::trace!(sql, "query");
        self.statements.set(self.statements.get() + 1);
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(
                    params.iter().map(BindValue::value_ref),
                ))?;
                while let Some(row) = rows.next()? {
                    if !each(&Row::sqlite(row))? {
                        break;
                    }
                }
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => {
                for row in c.query(sql, params)? {
                    if !each(&Row::postgres(&row))? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    #[allow(irrefutable_let_patterns)] // irrefutable when built without `postgres`
    pub(crate) fn load<T: FromRow, B: BindValue>(&self, sql: &str, params: &[B]) -> Result<Vec<T>> {
        // SQLite's path is written out (not through `query_rows`) because it
        // is the hot loop of every benchmark: no closure per row.
        if let Conn::Sqlite(c) = &self.conn {
            tracing::trace!(sql, "query");
            self.statements.set(self.statements.get() + 1);
            let mut stmt = c.prepare_cached(sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(
                params.iter().map(BindValue::value_ref),
            ))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(T::from_row(&Row::sqlite(row), 0)?);
            }
            return Ok(out);
        }
        let mut out = Vec::new();
        self.query_rows(sql, params, &mut |row| {
            out.push(T::from_row(row, 0)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row, if any (for `count`, `exists`, `RETURNING`).
    pub(crate) fn load_one<T: FromRow, B: BindValue>(
        &self,
        sql: &str,
        params: &[B],
    ) -> Result<Option<T>> {
        let mut first = None;
        self.query_rows(sql, params, &mut |row| {
            first = Some(T::from_row(row, 0)?);
            Ok(false)
        })?;
        Ok(first)
    }
}
