//! The database drivers, behind one trait: [`Backend`] is everything the
//! rest of the crate asks of a connection, and each file here implements it
//! for one driver. Nothing outside this module names a driver type except
//! the constructors ([`Db::open`](crate::Db::open),
//! [`Db::connect`](crate::Db::connect)) and the escape hatch
//! [`Db::connection`](crate::Db::connection).
//!
//! # Layout
//!
//! - `mod.rs`: the [`Backend`] contract, [`Params`], the shared limits.
//! - [`sqlite`]: rusqlite (bundled SQLite): binding, rows, extended result
//!   codes → typed errors.
//! - [`postgres`] (feature `postgres`): the blocking `postgres` client, its
//!   statement cache, binding to server-inferred types, SQLSTATE → typed
//!   errors.
//! - [`mysql`] (feature `mysql`): the `mysql` crate for MySQL and MariaDB:
//!   binary-protocol rows, `CLIENT_FOUND_ROWS`, error numbers → typed
//!   errors, connection-breaking errors noted for the pool.
//!
//! Dependencies point down only: a backend uses [`crate::error`],
//! [`crate::value`], [`crate::row`] and [`crate::dialect`]; nothing here
//! imports [`Db`](crate::Db) or anything above it. Each backend turns its
//! driver's errors *into* [`Error`](crate::Error) (a `From` impl in its own
//! file), so the error module never learns about drivers.

use std::any::Any;

use crate::dialect::Dialect;
use crate::error::Result;
use crate::row::Row;
use crate::value::{Value, ValueRef};

pub(crate) mod sqlite;

#[cfg(feature = "postgres")]
pub(crate) mod postgres;

#[cfg(feature = "mysql")]
pub(crate) mod mysql;

/// How many distinct statements each connection keeps prepared.
/// rusqlite's default is 16, which the query shapes of a modest app (each
/// IN-list length is its own shape) overflow; 256 costs a few hundred KB.
pub const STATEMENT_CACHE_CAPACITY: usize = 256;

/// One open connection, as [`Db`](crate::Db) uses it — Diesel's
/// `Connection` trait (Diesel's `Backend` is what [`Dialect`] is here).
///
/// # Why a trait
///
/// With an enum of drivers, every method of `Db` matched on it and every
/// new driver meant new arms across `db`, `model` and `error`. Behind a
/// trait object, `Db` holds a `Box<dyn Backend>` and is written once; a
/// driver is one file. The price is an indirect call per statement, per
/// row and per value read, each beside a driver call that costs far more
/// (an FFI step, a socket round trip): counted with callgrind on 10k-row
/// loads, finds by key, filtered queries and single inserts, the
/// instructions stayed within 1% of the enum version. A generic
/// `Db<B: Backend>` was rejected: it would put a type parameter on every
/// signature that takes a `Db`, hooks included. SQL *rendering* stays in
/// [`Dialect`], not here, so the builder can render for a database it is
/// not connected to (the golden tests do).
///
// ANCHOR: backend_trait
/// # What a new backend provides
///
/// A backend is one file here (plus its Cargo feature, its `mod` line
/// above and a URL scheme in `Db::connect`) with — `mysql.rs` being the
/// latest example:
///
/// 1. a connection type implementing `Backend`: [`dialect`](Backend::dialect)
///    (a new [`Dialect`] when the SQL differs: `?` placeholders, backtick
///    quoting, `AUTO_INCREMENT`), [`execute`](Backend::execute),
///    [`execute_batch`](Backend::execute_batch), [`query`](Backend::query),
///    and how inserted keys come back
///    ([`last_insert_id`](Backend::last_insert_id) — MySQL has
///    `LAST_INSERT_ID()` and no `RETURNING`);
/// 2. prepared statements cached per connection by SQL text, at most
///    [`STATEMENT_CACHE_CAPACITY`] of them — the ORM renders the same text
///    for the same query shape and relies on this cache for its speed;
/// 3. its row type made a [`RawRow`](crate::row::RawRow) (a value by index,
///    a column name by index);
/// 4. binding of [`ValueRef`] to the driver's parameter type;
/// 5. `impl From<DriverError> for Error`: integrity violations to the typed
///    variants ([`Error::from_sqlstate`](crate::Error::from_sqlstate) covers
///    SQLSTATE class 23), the rest to [`Error::Driver`](crate::Error::Driver);
/// 6. the transaction methods, when its SQL differs from the defaults
///    (the standard `SAVEPOINT` / `RELEASE SAVEPOINT` / `ROLLBACK TO
///    SAVEPOINT` forms, which all three databases take);
/// 7. [`is_broken`](Backend::is_broken), when an error can leave the
///    connection unusable, so the pool replaces it.
///
/// The integration tests run against every backend through
/// `tests/common` (`backend_tests!`), so a new one gets the whole suite.
pub(crate) trait Backend: Any + Send {
    /// The SQL this database speaks.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs one statement with bound parameters; returns rows changed.
    fn execute(&self, sql: &str, params: Params<'_>) -> Result<usize>;

    /// Runs a `;`-separated script with no parameters (schema, pragmas,
    /// transaction control).
    fn execute_batch(&self, sql: &str) -> Result<()>;

    /// Runs a query, handing each row to `each` until it returns
    /// `Ok(false)` or the rows run out.
    fn query(
        &self,
        sql: &str,
        params: Params<'_>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()>;

    /// The key the last INSERT on this connection assigned, for drivers
    /// that report one (SQLite's `sqlite3_last_insert_rowid`); `None` when
    /// the driver cannot, and inserts then read the key back with
    /// `RETURNING`. Asked before the insert too, to choose the statement.
    fn last_insert_id(&self) -> Option<i64>;

    /// Whether the connection is gone (killed, socket closed, protocol out
    /// of step): every later statement would fail, so a pool must not lend
    /// it again. SQLite's connections never break this way.
    fn is_broken(&self) -> bool {
        false
    }

    /// Opens transaction level `level`: 1 is `BEGIN`, deeper levels are
    /// savepoints (`SAVEPOINT sp2`, ...).
    fn begin(&self, level: u32) -> Result<()> {
        if level == 1 {
            self.execute_batch("BEGIN")
        } else {
            self.execute_batch(&format!("SAVEPOINT sp{level}"))
        }
    }

    /// Ends level `level` keeping its work.
    fn commit(&self, level: u32) -> Result<()> {
        if level == 1 {
            self.execute_batch("COMMIT")
        } else {
            self.execute_batch(&format!("RELEASE SAVEPOINT sp{level}"))
        }
    }

    /// Ends level `level` undoing its work (a savepoint is rolled back to,
    /// then released, so the enclosing level carries on).
    fn rollback(&self, level: u32) -> Result<()> {
        if level == 1 {
            self.execute_batch("ROLLBACK")
        } else {
            self.execute_batch(&format!(
                "ROLLBACK TO SAVEPOINT sp{level}; RELEASE SAVEPOINT sp{level}"
            ))
        }
    }
}
// ANCHOR_END: backend_trait

/// The parameters of one statement, borrowed as the caller holds them:
/// owned [`Value`]s (filters, raw SQL) or [`ValueRef`]s taken straight from
/// a record's fields. An enum rather than a generic so that
/// [`Backend`] stays object-safe; either way nothing is copied.
#[derive(Clone, Copy)]
pub(crate) enum Params<'a> {
    /// Owned values.
    Values(&'a [Value]),
    /// Borrowed values.
    Refs(&'a [ValueRef<'a>]),
}

impl<'a> Params<'a> {
    /// Each parameter, in binding order.
    pub(crate) fn iter(self) -> impl Iterator<Item = ValueRef<'a>> {
        // One of the two halves is empty: a chain walks both kinds without
        // boxing or a match per element.
        let (values, refs): (&[Value], &[ValueRef<'a>]) = match self {
            Params::Values(v) => (v, &[]),
            Params::Refs(r) => (&[], r),
        };
        values.iter().map(Value::as_ref).chain(refs.iter().copied())
    }
}

/// A parameter type the upper layers bind from: lets `Db`'s internal
/// methods take `&[Value]` or `&[ValueRef]` alike.
pub(crate) trait BindValue: Sized {
    /// The slice as [`Params`].
    fn params(all: &[Self]) -> Params<'_>;
}

impl BindValue for Value {
    fn params(all: &[Value]) -> Params<'_> {
        Params::Values(all)
    }
}

impl BindValue for ValueRef<'_> {
    fn params(all: &[Self]) -> Params<'_> {
        Params::Refs(all)
    }
}
