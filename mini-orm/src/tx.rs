//! Closure-based transactions: `db.transaction(|db| { ...; Ok(x) })` commits
//! when the closure returns `Ok`, rolls back on `Err` and on panic (a drop
//! guard runs during unwinding). Nesting uses savepoints, so an inner
//! failure undoes only the inner work — Diesel's `Connection::transaction`
//! and GORM's nested `Transaction` behave the same way.
//!
//! ```text
//! depth 0 ──transaction──► BEGIN            depth 1
//!             └─transaction──► SAVEPOINT sp2   depth 2
//!                 Ok  ► RELEASE SAVEPOINT sp2
//!                 Err ► ROLLBACK TO SAVEPOINT sp2; RELEASE SAVEPOINT sp2
//!   Ok ► COMMIT   Err/panic ► ROLLBACK
//! ```
//!
//! The statements are the backend's (`Backend::begin`, `commit`,
//! `rollback`); the diagram shows the defaults, which SQLite, PostgreSQL
//! and MySQL all accept.

use crate::db::Db;
use crate::error::Error;

impl Db {
    // ANCHOR: transaction
    /// Runs `f` in a transaction (or a savepoint, when one is already open).
    /// Commits on `Ok`; rolls back on `Err` and on panic, then re-raises it.
    pub fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Db) -> Result<T, E>,
        E: From<Error>,
    {
        let level = self.depth.get() + 1;
        self.tx_control(|b| b.begin(level)).map_err(E::from)?;
        self.depth.set(level);
        let mut guard = Guard {
            db: self,
            level,
            armed: true,
        };
        let result = f(self);
        guard.armed = false;
        drop(guard);
        match result {
            Ok(v) => {
                let done = self.tx_control(|b| b.commit(level));
                self.depth.set(level - 1);
                if let Err(e) = done {
                    // A failed COMMIT (e.g. a deferred foreign key) leaves
                    // the transaction open; end it so the handle stays usable.
                    rollback(self, level);
                    return Err(E::from(e));
                }
                Ok(v)
            }
            Err(e) => {
                rollback(self, level);
                self.depth.set(level - 1);
                Err(e)
            }
        }
    }

    // ANCHOR_END: transaction

    /// Whether a transaction is open on this handle.
    pub fn in_transaction(&self) -> bool {
        self.depth.get() > 0
    }
}

/// Rolls back level `level`; errors are ignored because there is nothing
/// left to undo when the rollback itself fails (SQLite already rolled back
/// on errors such as SQLITE_FULL).
fn rollback(db: &Db, level: u32) {
    if let Err(e) = db.tx_control(|b| b.rollback(level)) {
        tracing::warn!(error = %e, level, "rollback failed");
    }
}

/// Rolls back if the closure unwinds instead of returning.
struct Guard<'a> {
    db: &'a Db,
    level: u32,
    armed: bool,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.armed {
            rollback(self.db, self.level);
            self.db.depth.set(self.level - 1);
        }
    }
}
