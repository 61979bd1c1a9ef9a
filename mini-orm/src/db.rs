//! A database handle: one SQLite connection, its prepared-statement cache,
//! and the raw SQL escape hatch. GeeORM's `Engine` + `Session` in one type.
//!
//! # Why statements are cached
//!
//! Preparing a statement (parsing SQL, planning) costs more than running a
//! small one. Every query here goes through rusqlite's per-connection LRU
//! cache (`prepare_cached`, keyed by the SQL text): the ORM renders the same
//! text for the same query shape, so the second run of a shape skips the
//! parser and planner and only binds and steps — the same work a
//! hand-written, prepared rusqlite loop does.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rusqlite::ToSql;

use crate::dialect::{Dialect, Sqlite};
use crate::error::Result;
use crate::model::{FromRow, Row};
use crate::value::Value;

/// How many distinct statements each connection keeps prepared.
/// rusqlite's default is 16, which the query shapes of a modest app (each
/// IN-list length is its own shape) overflow; 256 costs a few hundred KB.
pub const STATEMENT_CACHE_CAPACITY: usize = 256;

/// Distinct rendered statements kept in [`Db`]'s SQL text cache before it
/// is cleared (a model inserted in many different batch sizes could
/// otherwise grow it without bound).
const SQL_TEXT_CACHE_LIMIT: usize = 512;

/// The fixed statements of a model, whose text depends only on the model
/// type (and a row count): rendered once per connection, then reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    /// `SELECT <all columns> FROM t`.
    SelectAll,
    /// `SELECT <all columns> FROM t WHERE pk = ?`.
    Find,
    /// A multi-row INSERT of this many rows (auto-increment key excluded).
    Insert(usize),
    /// `UPDATE t SET <non-key columns> WHERE pk = ?`.
    Update,
    /// `DELETE FROM t WHERE pk = ?`.
    Delete,
    /// `INSERT ... ON CONFLICT (pk) DO UPDATE`.
    Upsert,
}

/// A connection to one SQLite database, with mini-orm's operations on it.
pub struct Db {
    /// The SQLite connection (owns the prepared-statement cache).
    conn: rusqlite::Connection,
    /// Open transaction levels: 0 = none, 1 = `BEGIN`, n > 1 = savepoints.
    pub(crate) depth: Cell<u32>,
    /// Parameters allowed per statement (the dialect's limit; lowered in tests
    /// to exercise chunking).
    max_params: Cell<usize>,
    /// Statements run so far (lets tests prove eager loading is not N+1).
    statements: Cell<u64>,
    /// Rendered SQL of each model (`Arc`, not `Rc`: a `Db` must stay `Send` for the pool)'s fixed statements, so the hot paths
    /// (load a table, find by key, insert a batch) skip rendering and go
    /// straight to the prepared-statement cache.
    sql_text: RefCell<HashMap<(TypeId, Shape), Arc<str>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.conn.path())
            .field("depth", &self.depth.get())
            .finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        Db::init(rusqlite::Connection::open(path)?)
    }

    /// Opens a private in-memory database.
    pub fn open_in_memory() -> Result<Db> {
        Db::init(rusqlite::Connection::open_in_memory()?)
    }

    fn init(conn: rusqlite::Connection) -> Result<Db> {
        // SQLite ships with foreign keys off for backward compatibility; an
        // ORM with belongs-to associations wants them enforced.
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        Ok(Db {
            conn,
            depth: Cell::new(0),
            max_params: Cell::new(Sqlite.max_params()),
            statements: Cell::new(0),
            sql_text: RefCell::new(HashMap::new()),
        })
    }

    /// The SQL dialect of this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        &Sqlite
    }

    /// The underlying rusqlite connection, for what mini-orm does not cover.
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.conn
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
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        self.exec(sql, params)
    }

    /// Runs several `;`-separated statements with no parameters (schema scripts).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        tracing::debug!(sql, "batch");
        self.statements.set(self.statements.get() + 1);
        Ok(self.conn.execute_batch(sql)?)
    }

    /// Raw SQL with bound parameters, each row read as a `T` (a model or a
    /// tuple of fields): `db.query_as::<(i64, String)>("SELECT ...", &[...])`.
    pub fn query_as<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Vec<T>> {
        self.load(sql, params)
    }

    /// The SQL text of model `M`'s statement `shape`, rendered by `render`
    /// on first use.
    pub(crate) fn sql_for<M: 'static>(
        &self,
        shape: Shape,
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        let key = (TypeId::of::<M>(), shape);
        if let Some(sql) = self.sql_text.borrow().get(&key) {
            return Arc::clone(sql);
        }
        let sql: Arc<str> = render().into();
        let mut cache = self.sql_text.borrow_mut();
        if cache.len() >= SQL_TEXT_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&sql));
        sql
    }

    pub(crate) fn exec<P: ToSql>(
        &self,
        sql: &str,
        params: impl IntoIterator<Item = P>,
    ) -> Result<usize> {
        tracing::trace!(sql, "execute");
        self.statements.set(self.statements.get() + 1);
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))?)
    }

    pub(crate) fn load<T: FromRow, P: ToSql>(
        &self,
        sql: &str,
        params: impl IntoIterator<Item = P>,
    ) -> Result<Vec<T>> {
        tracing::trace!(sql, "query");
        self.statements.set(self.statements.get() + 1);
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(T::from_row(&Row::new(row), 0)?);
        }
        Ok(out)
    }

    /// The first row, if any (for `count`, `exists`, `RETURNING`).
    pub(crate) fn load_one<T: FromRow, P: ToSql>(
        &self,
        sql: &str,
        params: impl IntoIterator<Item = P>,
    ) -> Result<Option<T>> {
        tracing::trace!(sql, "query one");
        self.statements.set(self.statements.get() + 1);
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        match rows.next()? {
            Some(row) => Ok(Some(T::from_row(&Row::new(row), 0)?)),
            None => Ok(None),
        }
    }
}
