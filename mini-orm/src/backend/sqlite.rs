//! SQLite through rusqlite (the bundled amalgamation): opening with the
//! pragmas an ORM wants, statements through rusqlite's per-connection LRU
//! (`prepare_cached`), values bound as borrowed bytes, rows read by index,
//! and extended result codes mapped to typed [`Error`]s.
//!
//! SQLite reports a constraint failure as `SQLITE_CONSTRAINT` plus an
//! *extended* code (`SQLITE_CONSTRAINT_UNIQUE`, `_FOREIGNKEY`, `_NOTNULL`,
//! `_CHECK`, `_PRIMARYKEY`) and a message such as
//! `UNIQUE constraint failed: users.email`; the `From<rusqlite::Error>` impl
//! below maps the extended code to a variant and keeps the message.

use std::path::Path;
use std::time::Duration;

use rusqlite::ffi;
use rusqlite::types::{ToSql, ToSqlOutput};

use super::{Backend, Params, STATEMENT_CACHE_CAPACITY};
use crate::dialect::{Dialect, Sqlite};
use crate::error::{Error, Result};
use crate::row::{RawRow, Row, text};
use crate::value::{Value, ValueRef};

/// How long a statement waits for another connection's write lock before
/// failing with `SQLITE_BUSY` (the pool's connections share one file).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One SQLite connection.
pub(crate) struct SqliteConn {
    /// The rusqlite connection; it owns the prepared-statement cache.
    conn: rusqlite::Connection,
}

impl SqliteConn {
    /// Opens (creating if needed) the database file at `path`.
    pub(crate) fn open(path: impl AsRef<Path>) -> Result<SqliteConn> {
        SqliteConn::init(rusqlite::Connection::open(path)?)
    }

    /// Opens a private in-memory database.
    pub(crate) fn open_in_memory() -> Result<SqliteConn> {
        SqliteConn::init(rusqlite::Connection::open_in_memory()?)
    }

    fn init(conn: rusqlite::Connection) -> Result<SqliteConn> {
        // SQLite ships with foreign keys off for backward compatibility; an
        // ORM with belongs-to associations wants them enforced.
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        Ok(SqliteConn { conn })
    }

    /// The rusqlite connection, for [`Db::connection`](crate::Db::connection).
    pub(crate) fn connection(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

impl Backend for SqliteConn {
    fn dialect(&self) -> &'static dyn Dialect {
        &Sqlite
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))?)
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn query(
        &self,
        sql: &str,
        params: Params<'_>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            if !each(&Row::new(row))? {
                break;
            }
        }
        Ok(())
    }

    fn last_insert_id(&self) -> Option<i64> {
        Some(self.conn.last_insert_rowid())
    }
}

impl RawRow for rusqlite::Row<'_> {
    #[inline]
    fn value(&self, idx: usize) -> Result<ValueRef<'_>> {
        use rusqlite::types::ValueRef as R;
        Ok(match self.get_ref(idx)? {
            R::Null => ValueRef::Null,
            R::Integer(i) => ValueRef::Integer(i),
            R::Real(f) => ValueRef::Real(f),
            // SQLite stores whatever bytes it was given as TEXT.
            R::Text(t) => text(self, idx, t)?,
            R::Blob(b) => ValueRef::Blob(b),
        })
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.as_ref().column_name(idx).ok()
    }
}

// Binding: both value types hand SQLite borrowed bytes, so binding a text
// field is a pointer and a length, never a copy.
impl ToSql for ValueRef<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(to_sqlite(*self)))
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(to_sqlite(self.as_ref())))
    }
}

fn to_sqlite(v: ValueRef<'_>) -> rusqlite::types::ValueRef<'_> {
    use rusqlite::types::ValueRef as R;
    match v {
        ValueRef::Null => R::Null,
        ValueRef::Integer(i) => R::Integer(i),
        ValueRef::Real(f) => R::Real(f),
        ValueRef::Text(s) => R::Text(s.as_bytes()),
        ValueRef::Blob(b) => R::Blob(b),
    }
}

/// Classifies a rusqlite error by SQLite's extended result code.
impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Error {
        if let rusqlite::Error::SqliteFailure(e, msg) = &err
            && e.code == ffi::ErrorCode::ConstraintViolation
        {
            let message = msg.clone().unwrap_or_else(|| e.to_string());
            match e.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return Error::UniqueViolation { message };
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                    return Error::ForeignKeyViolation { message };
                }
                ffi::SQLITE_CONSTRAINT_NOTNULL => return Error::NotNullViolation { message },
                ffi::SQLITE_CONSTRAINT_CHECK => return Error::CheckViolation { message },
                _ => {}
            }
        }
        Error::driver("sqlite", err.to_string(), err)
    }
}
