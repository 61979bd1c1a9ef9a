//! A database handle: one connection behind the `Backend` trait (SQLite,
//! PostgreSQL with the `postgres` feature, MySQL/MariaDB with the `mysql`
//! feature), its rendered-SQL cache, and the raw SQL escape hatch.
//! GeeORM's `Engine` + `Session` in one type.
//!
//! # Why statements are cached
//!
//! Preparing a statement (parsing SQL, planning) costs more than running a
//! small one. Every query here goes through the backend's per-connection
//! statement cache (rusqlite's LRU `prepare_cached`, keyed by the SQL
//! text): the ORM renders the same text for the same query shape, so the
//! second run of a shape skips the parser and planner and only binds and
//! steps — the same work a hand-written, prepared rusqlite loop does.
//! `SqlCache` (in `sql_cache.rs`) skips the rendering too.

use std::cell::Cell;
use std::path::Path;

pub use crate::backend::STATEMENT_CACHE_CAPACITY;
use crate::backend::sqlite::SqliteConn;
use crate::backend::{Backend, BindValue};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::row::{FromRow, Row};
use crate::sql_cache::SqlCache;
use crate::value::Value;

/// A connection to one database, with mini-orm's operations on it.
pub struct Db {
    /// The driver connection (owns the prepared-statement cache).
    backend: Box<dyn Backend>,
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
        Ok(Db::new(Box::new(SqliteConn::open(path)?)))
    }

    /// Opens a private in-memory SQLite database.
    pub fn open_in_memory() -> Result<Db> {
        Ok(Db::new(Box::new(SqliteConn::open_in_memory()?)))
    }

    /// Connects to PostgreSQL (`postgres://user:pass@host:port/db`, no TLS).
    #[cfg(feature = "postgres")]
    pub fn connect_postgres(url: &str) -> Result<Db> {
        let conn = crate::backend::postgres::PgConn::connect(url)?;
        Ok(Db::new(Box::new(conn)))
    }

    /// Connects to MySQL or MariaDB (`mysql://user:pass@host:port/db`, no
    /// TLS). The session keeps the server's defaults: its `sql_mode` and
    /// InnoDB's REPEATABLE READ isolation.
    #[cfg(feature = "mysql")]
    pub fn connect_mysql(url: &str) -> Result<Db> {
        let conn = crate::backend::mysql::MysqlConn::connect(url)?;
        Ok(Db::new(Box::new(conn)))
    }

    /// Opens whatever `url` names, by its scheme: `postgres://` or
    /// `postgresql://`, `mysql://` or `mariadb://`, `sqlite::memory:`, or
    /// `sqlite://PATH` (and a plain path) for a SQLite file.
    pub fn connect(url: &str) -> Result<Db> {
        let scheme = url.split_once("://").map(|(s, _)| s);
        match scheme {
            #[cfg(feature = "postgres")]
            Some("postgres" | "postgresql") => Db::connect_postgres(url),
            #[cfg(feature = "mysql")]
            Some("mysql") => Db::connect_mysql(url),
            // The driver parses only its own scheme.
            #[cfg(feature = "mysql")]
            Some("mariadb") => Db::connect_mysql(&format!("mysql{}", &url["mariadb".len()..])),
            Some("sqlite") => Db::open(&url["sqlite://".len()..]),
            None if url == "sqlite::memory:" => Db::open_in_memory(),
            None => Db::open(url),
            Some(other) => Err(Error::UnsupportedUrl {
                scheme: other.to_owned(),
            }),
        }
    }

    fn new(backend: Box<dyn Backend>) -> Db {
        Db {
            max_params: Cell::new(backend.dialect().max_params()),
            backend,
            depth: Cell::new(0),
            statements: Cell::new(0),
            sql: SqlCache::default(),
        }
    }

    /// The SQL dialect of this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.backend.dialect()
    }

    /// Whether this is a SQLite connection.
    pub fn is_sqlite(&self) -> bool {
        self.dialect().name() == "sqlite"
    }

    /// Whether the connection is gone (the server closed or killed it):
    /// every statement would fail, and [`Pool`](crate::Pool) replaces it.
    pub fn is_broken(&self) -> bool {
        self.backend.is_broken()
    }

    /// The underlying rusqlite connection (SQLite only), for what mini-orm
    /// does not cover.
    pub fn connection(&self) -> Option<&rusqlite::Connection> {
        let any: &dyn std::any::Any = &*self.backend;
        any.downcast_ref::<SqliteConn>().map(SqliteConn::connection)
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

    fn count_statement(&self) {
        self.statements.set(self.statements.get() + 1);
    }

    /// Raw SQL with bound parameters: runs one statement, returns rows changed.
    /// Placeholders are the dialect's (`?` on SQLite, `$1` on PostgreSQL).
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        self.exec(sql, params)
    }

    /// Runs several `;`-separated statements with no parameters (schema scripts).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        tracing::debug!(sql, "batch");
        self.count_statement();
        self.backend.execute_batch(sql)
    }

    /// Raw SQL with bound parameters, each row read as a `T` (a model or a
    /// tuple of fields): `db.query_as::<(i64, String)>("SELECT ...", &[...])`.
    pub fn query_as<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Vec<T>> {
        self.load(sql, params)
    }

    /// Runs transaction control `op` (`begin`, `commit`, `rollback`) on
    /// the backend, counted as one statement like `execute_batch`.
    pub(crate) fn tx_control(&self, op: impl FnOnce(&dyn Backend) -> Result<()>) -> Result<()> {
        self.count_statement();
        op(&*self.backend)
    }

    /// The key the last INSERT assigned, when the backend reports it.
    pub(crate) fn last_insert_id(&self) -> Option<i64> {
        self.backend.last_insert_id()
    }

    pub(crate) fn exec<B: BindValue>(&self, sql: &str, params: &[B]) -> Result<usize> {
        tracing::trace!(sql, "execute");
        self.count_statement();
        self.backend.execute(sql, B::params(params))
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
        self.count_statement();
        self.backend.query(sql, B::params(params), each)
    }

    /// Every row, each read as a `T`.
    pub(crate) fn load<T: FromRow, B: BindValue>(&self, sql: &str, params: &[B]) -> Result<Vec<T>> {
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
