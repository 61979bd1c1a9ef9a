//! The one error type of the crate, with typed variants for the failures an
//! application wants to match on (constraint violations, not-found, a column
//! of the wrong type) instead of parsing driver messages.
//!
//! SQLite reports a constraint failure as `SQLITE_CONSTRAINT` plus an
//! *extended* code (`SQLITE_CONSTRAINT_UNIQUE`, `_FOREIGNKEY`, `_NOTNULL`,
//! `_CHECK`, `_PRIMARYKEY`) and a message such as
//! `UNIQUE constraint failed: users.email`; [`Error::from_sqlite`] maps the
//! extended code to a variant and keeps the message. PostgreSQL's SQLSTATE
//! classes (`23505`, `23503`, `23502`, `23514`) map to the same variants.

use rusqlite::ffi;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in mini-orm.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A UNIQUE or PRIMARY KEY constraint rejected the row.
    #[error("unique violation: {message}")]
    UniqueViolation {
        /// The database's message (names the table and column).
        message: String,
    },
    /// A FOREIGN KEY constraint rejected the row.
    #[error("foreign key violation: {message}")]
    ForeignKeyViolation {
        /// The database's message.
        message: String,
    },
    /// A NOT NULL column got NULL.
    #[error("not-null violation: {message}")]
    NotNullViolation {
        /// The database's message (names the column).
        message: String,
    },
    /// A CHECK constraint rejected the row.
    #[error("check violation: {message}")]
    CheckViolation {
        /// The database's message (names the constraint).
        message: String,
    },
    /// A lookup by primary key (or `first`/`one`) found no row.
    #[error("not found: no row in {table} matched")]
    NotFound {
        /// The table searched.
        table: &'static str,
    },
    /// A column held a value the Rust field cannot take.
    #[error("type mismatch in column {column}: expected {expected}, found {found}")]
    TypeMismatch {
        /// The column name as the statement returned it.
        column: String,
        /// The Rust-side type expected.
        expected: &'static str,
        /// The SQL storage class found.
        found: &'static str,
    },
    /// A model hook refused the operation; the operation and the
    /// transaction around it are rolled back.
    #[error("hook {hook} aborted the operation: {reason}")]
    Hook {
        /// Which hook (`before_insert`, ...).
        hook: &'static str,
        /// Why, as the hook said.
        reason: String,
    },
    /// A migration failed or the recorded history disagrees with the code.
    #[error("migration {version}: {reason}")]
    Migration {
        /// The migration's version.
        version: i64,
        /// What went wrong.
        reason: String,
    },
    /// The pool had no free connection within its timeout.
    #[error("connection pool timed out after {0:?}")]
    PoolTimeout(std::time::Duration),
    /// Any other error from SQLite (syntax error, I/O, busy ...).
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
    /// Any other error from PostgreSQL (syntax error, connection lost ...).
    #[cfg(feature = "postgres")]
    #[error("postgres: {}", crate::pg::describe(.0))]
    Postgres(postgres::Error),
}

impl Error {
    /// A hook refusal, for use inside [`Hooks`](crate::Hooks) methods.
    pub fn hook(hook: &'static str, reason: impl Into<String>) -> Error {
        Error::Hook {
            hook,
            reason: reason.into(),
        }
    }

    /// Classifies a rusqlite error by SQLite's extended result code.
    pub fn from_sqlite(err: rusqlite::Error) -> Error {
        match &err {
            rusqlite::Error::SqliteFailure(e, msg)
                if e.code == ffi::ErrorCode::ConstraintViolation =>
            {
                let message = msg.clone().unwrap_or_else(|| e.to_string());
                match e.extended_code {
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                        Error::UniqueViolation { message }
                    }
                    ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Error::ForeignKeyViolation { message },
                    ffi::SQLITE_CONSTRAINT_NOTNULL => Error::NotNullViolation { message },
                    ffi::SQLITE_CONSTRAINT_CHECK => Error::CheckViolation { message },
                    _ => Error::Sqlite(err),
                }
            }
            _ => Error::Sqlite(err),
        }
    }

    /// Classifies a PostgreSQL SQLSTATE code (class 23, integrity constraint
    /// violation); `None` for codes that have no typed variant.
    pub fn from_sqlstate(code: &str, message: String) -> Option<Error> {
        Some(match code {
            "23505" => Error::UniqueViolation { message },
            "23503" => Error::ForeignKeyViolation { message },
            "23502" => Error::NotNullViolation { message },
            "23514" => Error::CheckViolation { message },
            _ => return None,
        })
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Error {
        Error::from_sqlite(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstate_codes_map_to_variants() {
        assert!(matches!(
            Error::from_sqlstate("23505", "x".into()),
            Some(Error::UniqueViolation { .. })
        ));
        assert!(matches!(
            Error::from_sqlstate("23503", "x".into()),
            Some(Error::ForeignKeyViolation { .. })
        ));
        assert!(matches!(
            Error::from_sqlstate("23502", "x".into()),
            Some(Error::NotNullViolation { .. })
        ));
        assert!(matches!(
            Error::from_sqlstate("23514", "x".into()),
            Some(Error::CheckViolation { .. })
        ));
        assert!(Error::from_sqlstate("42601", "x".into()).is_none());
    }
}
