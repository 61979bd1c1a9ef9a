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
//! hand-written, prepared rusqlite loop does.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::Arc;

use crate::dialect::{Dialect, Sqlite};
use crate::error::Result;
use crate::model::{FromRow, Row};
use crate::value::{Value, ValueRef};

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
    /// A one-row INSERT ending in `RETURNING pk` (dialects without a
    /// last-insert-id call).
    InsertReturning,
    /// `UPDATE t SET <non-key columns> WHERE pk = ?`.
    Update,
    /// `DELETE FROM t WHERE pk = ?`.
    Delete,
    /// `INSERT ... ON CONFLICT (pk) DO UPDATE`.
    Upsert,
}

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
    /// Rendered SQL of each model's fixed statements, so the hot paths (load
    /// a table, find by key, insert a batch) skip rendering and go straight
    /// to the prepared-statement cache. `Arc`, not `Rc`: a `Db` must stay
    /// `Send` for the pool.
    sql_text: RefCell<HashMap<(TypeId, Shape), Arc<str>>>,
    /// Rendered SQL of filtered queries, keyed by their structure (see
    /// `Query::shape_tail`): kinds, operators, list lengths and the
    /// identities of the static table/column names — never values.
    shapes: RefCell<HashMap<Vec<usize>, Arc<str>, BuildHasherDefault<ShapeHasher>>>,
    /// Scratch buffer the shape key is built in (no allocation per query).
    shape_key: RefCell<Vec<usize>>,
}

/// A multiply-rotate hasher for shape keys (FxHash's recipe). SipHash, the
/// std default, resists hash flooding by untrusted keys; shape keys come
/// from the program's own query structures, so speed wins here.
#[derive(Default)]
pub(crate) struct ShapeHasher(u64);

impl Hasher for ShapeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
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
            sql_text: RefCell::new(HashMap::new()),
            shapes: RefCell::new(HashMap::default()),
            shape_key: RefCell::new(Vec::with_capacity(64)),
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

    /// The SQL text for a query whose structure `build` writes into a key,
    /// rendered by `render` the first time that structure is seen.
    pub(crate) fn sql_for_shape(
        &self,
        build: impl FnOnce(&mut Vec<usize>),
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        let mut key = self.shape_key.borrow_mut();
        key.clear();
        build(&mut key);
        if let Some(sql) = self.shapes.borrow().get(key.as_slice()) {
            return Arc::clone(sql);
        }
        let sql: Arc<str> = render().into();
        let mut cache = self.shapes.borrow_mut();
        if cache.len() >= SQL_TEXT_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key.clone(), Arc::clone(&sql));
        sql
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
