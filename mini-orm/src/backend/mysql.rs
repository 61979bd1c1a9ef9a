//! MySQL and MariaDB through the `mysql` crate (synchronous, like the rest
//! of mini-orm's API): the driver's own statement cache, binding
//! [`ValueRef`]s as protocol values, reading binary-protocol rows back as
//! [`ValueRef`]s, and MySQL error numbers → typed [`Error`]s.
//!
//! Three protocol facts shape this file:
//!
//! - `UPDATE` reports rows *changed*, not rows matched, unless the client
//!   sets `CLIENT_FOUND_ROWS`; without it, saving an unchanged record would
//!   look like "no such row". The flag is set at connect.
//! - The binary protocol sends TEXT and BLOB alike as bytes; the column's
//!   character set (63 = binary) tells which. DECIMAL (what `SUM` returns)
//!   also arrives as text, and DATETIME as a struct; both are converted in
//!   the row before it is handed on, so the row can lend them as values.
//! - A server error after a `KILL`, a dropped socket or a protocol error
//!   leaves the connection unusable; [`Backend::is_broken`] says so and the
//!   pool throws such a connection away.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use ::mysql::consts::{CapabilityFlags, ColumnType};
use ::mysql::prelude::Queryable;
use ::mysql::{Conn, Opts, OptsBuilder};

use super::{Backend, Params, STATEMENT_CACHE_CAPACITY};
use crate::dialect::{Dialect, Mysql};
use crate::error::{Error, Result};
use crate::row::{RawRow, Row, mismatch, text};
use crate::value::ValueRef;

/// How long connecting may take before it fails (the driver waits for the
/// operating system's TCP timeout otherwise, minutes on Linux).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle time before TCP keepalive probes start, in milliseconds. A server
/// that vanished without closing the socket (host down, network cut) is
/// then noticed by the operating system's probes instead of a read that
/// never returns; no read timeout is set, because a slow query is not a
/// dead server.
const KEEPALIVE_MS: u32 = 60_000;

/// The character set number MySQL gives binary strings (BLOB, VARBINARY).
const BINARY_CHARSET: u16 = 63;

/// One MySQL/MariaDB connection.
pub(crate) struct MysqlConn {
    /// The driver connection; it owns the prepared-statement cache.
    /// `RefCell` because [`Backend`] methods take `&self`.
    conn: RefCell<Conn>,
    /// Set when the driver reported an error that leaves the connection
    /// unusable (I/O, protocol, the server killing it).
    broken: Cell<bool>,
}

impl MysqlConn {
    /// Connects to `url` (`mysql://user:pass@host:port/db`, no TLS).
    pub(crate) fn connect(url: &str) -> Result<MysqlConn> {
        let opts =
            Opts::from_url(url).map_err(|e| Error::driver("mysql", format!("bad URL: {e}"), e))?;
        // The URL's own settings (`?stmt_cache_size=`,
        // `tcp_connect_timeout_ms=`, `tcp_keepalive_time_ms=`) win; these
        // are the defaults. A cache size equal to the driver's default
        // cannot be told from "not set" and is raised.
        let cache = match opts.get_stmt_cache_size() {
            ::mysql::DEFAULT_STMT_CACHE_SIZE => STATEMENT_CACHE_CAPACITY,
            set => set,
        };
        let connect_timeout = opts.get_tcp_connect_timeout().or(Some(CONNECT_TIMEOUT));
        let keepalive = opts.get_tcp_keepalive_time_ms().or(Some(KEEPALIVE_MS));
        let opts = OptsBuilder::from_opts(opts)
            .stmt_cache_size(cache)
            .tcp_connect_timeout(connect_timeout)
            .tcp_keepalive_time_ms(keepalive)
            .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS);
        let conn = Conn::new(opts)?;
        Ok(MysqlConn {
            conn: RefCell::new(conn),
            broken: Cell::new(false),
        })
    }

    /// Maps a driver error, noting first whether it broke the connection.
    fn fail(&self, e: ::mysql::Error) -> Error {
        if breaks_connection(&e) {
            self.broken.set(true);
        }
        e.into()
    }
}

impl Backend for MysqlConn {
    fn dialect(&self) -> &'static dyn Dialect {
        &Mysql
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<usize> {
        let mut conn = self.conn.borrow_mut();
        let result = conn
            .exec_iter(sql, to_params(params))
            .map_err(|e| self.fail(e))?;
        let n = result.affected_rows();
        // Dropping the result reads the rest of the reply off the wire.
        drop(result);
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        // The text protocol, with the multi-statement capability the driver
        // asks for: `a; b; c` runs in one round trip. The server stops at
        // the first failing statement and sends its error as that
        // statement's result set; the driver's `query_drop` discards it
        // (dropping a result ignores errors), so every set is read here.
        let mut conn = self.conn.borrow_mut();
        let mut result = conn.query_iter(sql).map_err(|e| self.fail(e))?;
        while let Some(set) = result.iter() {
            for row in set {
                row.map_err(|e| self.fail(e))?;
            }
        }
        Ok(())
    }

    fn query(
        &self,
        sql: &str,
        params: Params<'_>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let mut conn = self.conn.borrow_mut();
        let result = conn
            .exec_iter(sql, to_params(params))
            .map_err(|e| self.fail(e))?;
        for row in result {
            let mut row = row.map_err(|e| self.fail(e))?;
            normalize(&mut row);
            // Stopping early drops the iterator, which drains the
            // remaining rows so the connection stays in step.
            if !each(&Row::new(&row))? {
                break;
            }
        }
        Ok(())
    }

    fn last_insert_id(&self) -> Option<i64> {
        // From the last OK packet: LAST_INSERT_ID() without a round trip.
        i64::try_from(self.conn.borrow().last_insert_id()).ok()
    }

    fn is_broken(&self) -> bool {
        self.broken.get()
    }
}

/// The driver's parameters: owned protocol values (the driver serializes
/// from its own `Value`, so text is copied once here).
fn to_params(params: Params<'_>) -> ::mysql::Params {
    let values: Vec<::mysql::Value> = params.iter().map(to_mysql).collect();
    if values.is_empty() {
        ::mysql::Params::Empty
    } else {
        ::mysql::Params::Positional(values)
    }
}

fn to_mysql(v: ValueRef<'_>) -> ::mysql::Value {
    use ::mysql::Value as M;
    match v {
        ValueRef::Null => M::NULL,
        ValueRef::Integer(i) => M::Int(i),
        ValueRef::Real(f) => M::Double(f),
        ValueRef::Text(s) => M::Bytes(s.as_bytes().to_vec()),
        ValueRef::Blob(b) => M::Bytes(b.to_vec()),
    }
}

/// Rewrites the values a [`ValueRef`] cannot borrow as they are: DECIMAL
/// text becomes an integer (when whole) or a float, DATETIME/DATE/TIME
/// become text in the form SQLite's `CURRENT_TIMESTAMP` uses
/// (`2026-12-02 01:26:56`, microseconds appended when present).
fn normalize(row: &mut ::mysql::Row) {
    use ::mysql::Value as M;
    for idx in 0..row.len() {
        let is_decimal = matches!(
            row.columns_ref()[idx].column_type(),
            ColumnType::MYSQL_TYPE_NEWDECIMAL | ColumnType::MYSQL_TYPE_DECIMAL
        );
        let new = match row.as_ref(idx) {
            Some(M::Bytes(b)) if is_decimal => decimal(b),
            Some(&M::Date(y, mo, d, h, mi, s, us)) => {
                let mut t = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
                if us > 0 {
                    t.push_str(&format!(".{us:06}"));
                }
                Some(M::Bytes(t.into_bytes()))
            }
            Some(&M::Time(neg, days, h, mi, s, us)) => {
                let hours = u64::from(days) * 24 + u64::from(h);
                let sign = if neg { "-" } else { "" };
                let mut t = format!("{sign}{hours:02}:{mi:02}:{s:02}");
                if us > 0 {
                    t.push_str(&format!(".{us:06}"));
                }
                Some(M::Bytes(t.into_bytes()))
            }
            _ => None,
        };
        if let Some(v) = new {
            row.place(idx, v);
        }
    }
}

/// A DECIMAL's text as an integer or a float; `None` (left as it came)
/// when it is neither.
fn decimal(text: &[u8]) -> Option<::mysql::Value> {
    let s = std::str::from_utf8(text).ok()?;
    if let Ok(i) = s.parse::<i64>() {
        return Some(::mysql::Value::Int(i));
    }
    // `12.00` is whole: an integer column summed reads back as an integer.
    if let Some((int, frac)) = s.split_once('.')
        && frac.bytes().all(|b| b == b'0')
        && let Ok(i) = int.parse::<i64>()
    {
        return Some(::mysql::Value::Int(i));
    }
    s.parse::<f64>().ok().map(::mysql::Value::Double)
}

impl RawRow for ::mysql::Row {
    fn value(&self, idx: usize) -> Result<ValueRef<'_>> {
        use ::mysql::Value as M;
        let Some(v) = self.as_ref(idx) else {
            return Err(mismatch(self, "a column", idx, "no such column"));
        };
        Ok(match v {
            M::NULL => ValueRef::Null,
            M::Int(i) => ValueRef::Integer(*i),
            M::UInt(u) => match i64::try_from(*u) {
                Ok(i) => ValueRef::Integer(i),
                Err(_) => return Err(mismatch(self, "i64", idx, "BIGINT UNSIGNED above i64")),
            },
            M::Float(f) => ValueRef::Real(f64::from(*f)),
            M::Double(f) => ValueRef::Real(*f),
            M::Bytes(b) if self.columns_ref()[idx].character_set() == BINARY_CHARSET => {
                ValueRef::Blob(b)
            }
            M::Bytes(b) => text(self, idx, b)?,
            // `normalize` turned these into text already.
            M::Date(..) | M::Time(..) => {
                return Err(mismatch(self, "a supported type", idx, "a date or time"));
            }
        })
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        let col = self.columns_ref().get(idx)?;
        std::str::from_utf8(col.name_ref()).ok()
    }
}

/// Server errors after which the connection is gone: 1927 (MariaDB's
/// "Connection was killed"), 1053 (server shutdown), 2006/2013 (the
/// client codes for "server has gone away" / "lost connection").
const FATAL_SERVER_CODES: [u16; 4] = [1927, 1053, 2006, 2013];

/// Whether `e` leaves the connection unusable.
fn breaks_connection(e: &::mysql::Error) -> bool {
    match e {
        ::mysql::Error::IoError(_)
        | ::mysql::Error::CodecError(_)
        | ::mysql::Error::DriverError(_) => true,
        ::mysql::Error::MySqlError(e) => FATAL_SERVER_CODES.contains(&e.code),
        _ => false,
    }
}

/// Maps a MySQL error number to a typed variant, `None` for the rest.
/// The numbers are the server's (`include/mysqld_error.h`), the same on
/// MySQL and MariaDB except where noted.
fn typed(code: u16, message: String) -> Option<Error> {
    Some(match code {
        // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME.
        1062 | 1586 => Error::UniqueViolation { message },
        // ER_NO_REFERENCED_ROW(_2) on insert/update of a child,
        // ER_ROW_IS_REFERENCED(_2) on delete/update of a parent.
        1216 | 1217 | 1451 | 1452 => Error::ForeignKeyViolation { message },
        // ER_BAD_NULL_ERROR (explicit NULL), ER_NO_DEFAULT_FOR_FIELD
        // (a NOT NULL column left out, strict mode).
        1048 | 1364 => Error::NotNullViolation { message },
        // MariaDB's ER_CONSTRAINT_FAILED, MySQL's ER_CHECK_CONSTRAINT_VIOLATED.
        4025 | 3819 => Error::CheckViolation { message },
        // ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back.
        1213 => Error::Deadlock { message },
        _ => return None,
    })
}

impl From<::mysql::Error> for Error {
    fn from(e: ::mysql::Error) -> Error {
        if let ::mysql::Error::MySqlError(server) = &e {
            if let Some(t) = typed(server.code, server.message.clone()) {
                return t;
            }
            let message = format!(
                "{} (error {}, SQLSTATE {})",
                server.message, server.code, server.state
            );
            return Error::driver("mysql", message, e);
        }
        let message = e.to_string();
        Error::driver("mysql", message, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_as_integers_when_whole() {
        assert_eq!(decimal(b"12"), Some(::mysql::Value::Int(12)));
        assert_eq!(decimal(b"-12.000"), Some(::mysql::Value::Int(-12)));
        assert_eq!(decimal(b"1.5"), Some(::mysql::Value::Double(1.5)));
        assert_eq!(decimal(b"x"), None);
    }

    #[test]
    fn error_numbers_map_to_variants() {
        assert!(matches!(
            typed(1062, "d".into()),
            Some(Error::UniqueViolation { .. })
        ));
        assert!(matches!(
            typed(1452, "f".into()),
            Some(Error::ForeignKeyViolation { .. })
        ));
        assert!(matches!(
            typed(1213, "x".into()),
            Some(Error::Deadlock { .. })
        ));
        assert!(typed(1064, "syntax".into()).is_none());
    }
}
