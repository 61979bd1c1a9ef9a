//! The one error type of the crate, with typed variants for the failures an
//! application wants to match on (constraint violations, not-found, a column
//! of the wrong type) instead of parsing driver messages.
//!
//! This module knows no driver: each backend maps its driver's errors
//! *into* these variants (`backend/sqlite.rs` by SQLite's extended result
//! codes, `backend/postgres.rs` by SQLSTATE through
//! [`Error::from_sqlstate`], `backend/mysql.rs` by MySQL's error numbers), and whatever has no typed variant becomes
//! [`Error::Driver`], the driver's error kept as its source.

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
    /// The database broke a deadlock by rolling this transaction back
    /// (MySQL/MariaDB error 1213, PostgreSQL SQLSTATE 40P01). Nothing of
    /// the transaction remains; running it again from the start is the
    /// remedy, which is why it is its own variant.
    #[error("deadlock: {message}")]
    Deadlock {
        /// The database's message.
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
    /// [`Db::connect`](crate::Db::connect) got a URL whose scheme no
    /// enabled backend speaks.
    #[error(
        "unsupported database URL scheme {scheme:?} (expected postgres://, mysql://, mariadb:// or sqlite://, with the backend's feature enabled)"
    )]
    UnsupportedUrl {
        /// The scheme found.
        scheme: String,
    },
    /// The pool had no free connection within its timeout.
    #[error("connection pool timed out after {0:?}")]
    PoolTimeout(std::time::Duration),
    /// Any other error from the database driver (syntax error, I/O, busy,
    /// connection lost ...). One variant for every backend, so adding a
    /// backend adds no variant; `source` downcasts to the driver's error
    /// type (`rusqlite::Error`, `postgres::Error`, `mysql::Error`) for code
    /// that needs it.
    #[error("{backend}: {message}")]
    Driver {
        /// Which backend: `sqlite`, `postgres`, `mysql`.
        backend: &'static str,
        /// The driver's (or server's) message.
        message: String,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// A hook refusal, for use inside [`Hooks`](crate::Hooks) methods.
    pub fn hook(hook: &'static str, reason: impl Into<String>) -> Error {
        Error::Hook {
            hook,
            reason: reason.into(),
        }
    }

    /// An [`Error::Driver`] (for the backends' `From` impls).
    pub(crate) fn driver(
        backend: &'static str,
        message: String,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Driver {
            backend,
            message,
            source: Box::new(source),
        }
    }

    /// Classifies a SQLSTATE code (class 23, integrity constraint
    /// violation, with PostgreSQL's subclasses); `None` for codes that
    /// have no typed variant.
    pub fn from_sqlstate(code: &str, message: String) -> Option<Error> {
        Some(match code {
            "23505" => Error::UniqueViolation { message },
            "23503" => Error::ForeignKeyViolation { message },
            "23502" => Error::NotNullViolation { message },
            "23514" => Error::CheckViolation { message },
            "40P01" => Error::Deadlock { message },
            _ => return None,
        })
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
        assert!(matches!(
            Error::from_sqlstate("40P01", "x".into()),
            Some(Error::Deadlock { .. })
        ));
        assert!(Error::from_sqlstate("42601", "x".into()).is_none());
    }
}
