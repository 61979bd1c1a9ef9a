//! PostgreSQL through the `postgres` crate (the blocking client over
//! tokio-postgres): a statement cache, binding of [`ValueRef`]s to whatever
//! type the server inferred for each `$n`, reading columns back as
//! [`ValueRef`]s, and SQLSTATE → typed [`Error`] mapping.

use std::cell::RefCell;
use std::collections::HashMap;

use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use ::postgres::{Client, NoTls, Statement};
use bytes::BytesMut;

use super::{Backend, Params, STATEMENT_CACHE_CAPACITY};
use crate::dialect::{Dialect, Postgres};
use crate::error::{Error, Result};
use crate::row::{RawRow, Row, mismatch};
use crate::value::ValueRef;

/// One PostgreSQL connection and its prepared statements.
pub(crate) struct PgConn {
    /// The client; `RefCell` because [`Backend`] methods take `&self`.
    client: RefCell<Client>,
    /// Prepared statements by SQL text; cleared when full (a simple bound:
    /// an LRU would keep hot ones, but a full cache means the shapes are
    /// churning anyway).
    statements: RefCell<HashMap<String, Statement>>,
}

impl PgConn {
    /// Connects to `url` (`postgres://user:pass@host:port/db`, no TLS).
    pub(crate) fn connect(url: &str) -> Result<PgConn> {
        let client = Client::connect(url, NoTls)?;
        Ok(PgConn {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        })
    }

    fn prepare(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client.borrow_mut().prepare(sql)?;
        let mut cache = self.statements.borrow_mut();
        if cache.len() >= STATEMENT_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

impl Backend for PgConn {
    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<usize> {
        let stmt = self.prepare(sql)?;
        let values: Vec<ValueRef<'_>> = params.iter().collect();
        let n = self.client.borrow_mut().execute(&stmt, &as_sql(&values))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        // A script may be DDL that changes what cached statements return
        // (PostgreSQL then refuses them: "cached plan must not change result
        // type"), so forget them — except for transaction control, which
        // runs on every `transaction()` and changes no schema.
        if !is_transaction_control(sql) {
            self.statements.borrow_mut().clear();
        }
        Ok(self.client.borrow_mut().batch_execute(sql)?)
    }

    fn query(
        &self,
        sql: &str,
        params: Params<'_>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let stmt = self.prepare(sql)?;
        let values: Vec<ValueRef<'_>> = params.iter().collect();
        // The client buffers the whole result before returning it; rows
        // are handed on from that buffer.
        let rows = self.client.borrow_mut().query(&stmt, &as_sql(&values))?;
        for row in &rows {
            if !each(&Row::new(row))? {
                break;
            }
        }
        Ok(())
    }

    fn last_insert_id(&self) -> Option<i64> {
        // No such call on the wire protocol: inserts use RETURNING.
        None
    }

    fn is_broken(&self) -> bool {
        // The client notices a closed socket (a terminated backend, a
        // server restart) and stays closed.
        self.client.borrow().is_closed()
    }
}

/// The driver's parameter slice over `values`.
fn as_sql<'a>(values: &'a [ValueRef<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn is_transaction_control(sql: &str) -> bool {
    let head = sql
        .trim_start()
        .split_ascii_whitespace()
        .next()
        .unwrap_or("");
    ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|k| head.eq_ignore_ascii_case(k))
}

/// Maps a driver error: integrity violations by SQLSTATE, the rest to
/// [`Error::Driver`] with the server's message.
impl From<::postgres::Error> for Error {
    fn from(e: ::postgres::Error) -> Error {
        if let Some(db) = e.as_db_error() {
            let message = match db.detail() {
                Some(detail) => format!("{} ({detail})", db.message()),
                None => db.message().to_owned(),
            };
            if let Some(typed) = Error::from_sqlstate(db.code().code(), message) {
                return typed;
            }
        }
        let message = describe(&e);
        Error::driver("postgres", message, e)
    }
}

/// The server's message when there is one (the driver's own `Display`
/// says only "db error").
fn describe(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

// The server infers each parameter's type from the statement; an integer
// bound where it expects INT4 is narrowed (with a range check), where it
// expects BOOL becomes a boolean, and so on — what SQLite's dynamic typing
// does for free.
impl ToSql for ValueRef<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match *self {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => {
                if *ty == Type::INT8 {
                    i.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(i)?.to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (i != 0).to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (i as f64).to_sql(ty, out)
                } else {
                    Err(format!("cannot bind an integer to a {ty} parameter").into())
                }
            }
            ValueRef::Real(f) => {
                if *ty == Type::FLOAT4 {
                    (f as f32).to_sql(ty, out)
                } else {
                    f.to_sql(ty, out)
                }
            }
            ValueRef::Text(s) => s.to_sql(ty, out),
            ValueRef::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl RawRow for ::postgres::Row {
    fn value(&self, idx: usize) -> Result<ValueRef<'_>> {
        value_at(self, idx).map_err(|found| mismatch(self, "a supported type", idx, found))
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.columns().get(idx).map(|c| c.name())
    }
}

/// Column `idx` of `row` as a [`ValueRef`]; `Err` names what was found when
/// the column's type has no mapping.
fn value_at(row: &::postgres::Row, idx: usize) -> std::result::Result<ValueRef<'_>, &'static str> {
    let ty = row.columns().get(idx).ok_or("no such column")?.type_();
    let bad = |_| "a value the driver could not decode";
    Ok(if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, ValueRef::Integer)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, |v| ValueRef::Integer(v.into()))
    } else if *ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, |v| ValueRef::Integer(v.into()))
    } else if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, |v| ValueRef::Integer(v.into()))
    } else if *ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, ValueRef::Real)
    } else if *ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, |v| ValueRef::Real(v.into()))
    } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::BPCHAR || *ty == Type::NAME
    {
        row.try_get::<_, Option<&str>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, ValueRef::Text)
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<&[u8]>>(idx)
            .map_err(bad)?
            .map_or(ValueRef::Null, ValueRef::Blob)
    } else {
        return Err("a PostgreSQL type mini-orm does not map");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_control_keeps_the_statement_cache() {
        assert!(is_transaction_control("BEGIN"));
        assert!(is_transaction_control("  savepoint sp2"));
        assert!(is_transaction_control("ROLLBACK TO sp2; RELEASE sp2"));
        assert!(!is_transaction_control("ALTER TABLE t ADD COLUMN x TEXT"));
        assert!(!is_transaction_control(""));
    }
}
