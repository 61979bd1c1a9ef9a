//! A small fixed-size connection pool for multi-threaded use (r2d2's
//! `Pool::get` in miniature). A [`Db`] is one SQLite connection and not
//! `Sync`; the pool hands each thread its own, returning it on drop.
//! Connections are opened lazily up to `max_size`; `get` waits up to
//! `timeout` for one to come back, then fails with [`Error::PoolTimeout`].
//!
//! SQLite allows one writer at a time per database file; the connections
//! wait for each other via `busy_timeout` (set by [`Db::open`]). A pool
//! over `:memory:` makes no sense (each connection would be its own
//! database), so the pool takes a file path.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::error::{Error, Result};

/// A pool of connections to one database file.
pub struct Pool {
    /// The database file.
    path: PathBuf,
    /// Most connections ever open at once.
    max_size: usize,
    /// How long `get` waits for a free connection.
    timeout: Duration,
    /// Idle connections and the count of open ones.
    state: Mutex<PoolState>,
    /// Signalled when a connection is returned.
    returned: Condvar,
}

struct PoolState {
    idle: Vec<Db>,
    open: usize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("path", &self.path)
            .field("max_size", &self.max_size)
            .finish()
    }
}

impl Pool {
    /// A pool of at most `max_size` (≥ 1) connections to `path`, waiting
    /// at most 30 s (r2d2's default) for a free one.
    pub fn new(path: impl Into<PathBuf>, max_size: usize) -> Pool {
        Pool {
            path: path.into(),
            max_size: max_size.max(1),
            timeout: Duration::from_secs(30),
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    /// Changes how long [`get`](Pool::get) waits.
    pub fn with_timeout(mut self, timeout: Duration) -> Pool {
        self.timeout = timeout;
        self
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A panic while holding this lock cannot leave the state half
        // updated (each critical section is one push/pop/increment).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection for this thread: an idle one, a new one if fewer than
    /// `max_size` are open, else the next one returned.
    pub fn get(&self) -> Result<PooledDb<'_>> {
        let deadline = Instant::now() + self.timeout;
        let mut state = self.lock();
        loop {
            if let Some(db) = state.idle.pop() {
                return Ok(PooledDb {
                    pool: self,
                    db: Some(db),
                });
            }
            if state.open < self.max_size {
                state.open += 1;
                drop(state);
                return match Db::open(&self.path) {
                    Ok(db) => Ok(PooledDb {
                        pool: self,
                        db: Some(db),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::PoolTimeout(self.timeout));
            }
            state = self
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Connections currently open (idle or lent out).
    pub fn open_connections(&self) -> usize {
        self.lock().open
    }
}

/// A connection lent by a [`Pool`]; dereferences to [`Db`] and goes back to
/// the pool when dropped.
pub struct PooledDb<'a> {
    pool: &'a Pool,
    db: Option<Db>,
}

impl Deref for PooledDb<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        // Always Some until drop.
        self.db
            .as_ref()
            .unwrap_or_else(|| unreachable!("PooledDb used after drop"))
    }
}

impl Drop for PooledDb<'_> {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let mut state = self.pool.lock();
            if db.in_transaction() {
                // Left mid-transaction (a panic unwound past it): discard
                // rather than hand an open transaction to the next user.
                state.open -= 1;
            } else {
                state.idle.push(db);
            }
            drop(state);
            self.pool.returned.notify_one();
        }
    }
}
