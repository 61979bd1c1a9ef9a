//! A small fixed-size connection pool for multi-threaded use (r2d2's
//! `Pool::get` in miniature), for every backend. A [`Db`] is one
//! connection and not `Sync`; the pool hands each thread its own,
//! returning it on drop. Connections are opened lazily up to `max_size`;
//! `get` waits up to `timeout` for one to come back, then fails with
//! [`Error::PoolTimeout`].
//!
//! A connection comes back to the idle list only when it is fit to lend
//! again: one dropped mid-transaction (a panic unwound past it), or one
//! whose server connection is gone ([`Db::is_broken`]: killed, restarted,
//! socket closed), is closed instead and its slot freed, so the next `get`
//! opens a fresh one — r2d2's `has_broken` check on return. Checking on
//! return costs nothing (a flag the backend set when the error happened);
//! r2d2's other check, a test query on every checkout, was rejected as a
//! round trip per `get`.
//!
//! SQLite allows one writer at a time per database file; the connections
//! wait for each other via `busy_timeout` (set by [`Db::open`]). A pool
//! over `:memory:` makes no sense (each connection would be its own
//! database), so [`Pool::new`] takes a file path.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::error::{Error, Result};

/// Opens one new connection for the pool.
type Connector = Box<dyn Fn() -> Result<Db> + Send + Sync>;

/// A pool of connections to one database.
pub struct Pool {
    /// What the connections open: a file path or a URL (for `Debug`).
    target: String,
    /// Opens a connection.
    connect: Connector,
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
            .field("target", &self.target)
            .field("max_size", &self.max_size)
            .finish()
    }
}

impl Pool {
    /// A pool of at most `max_size` (≥ 1) connections to the SQLite file
    /// at `path`, waiting at most 30 s (r2d2's default) for a free one.
    pub fn new(path: impl Into<PathBuf>, max_size: usize) -> Pool {
        let path: PathBuf = path.into();
        let target = path.display().to_string();
        Pool::with_connector(target, max_size, move || Db::open(&path))
    }

    /// A pool of at most `max_size` connections to `url`, any URL
    /// [`Db::connect`] takes (`postgres://...`, `mysql://...`). Nothing is
    /// opened until the first [`get`](Pool::get).
    pub fn connect(url: &str, max_size: usize) -> Pool {
        let owned = url.to_owned();
        // The password stays out of `Debug` output.
        let target = match (url.split_once("://"), url.rfind('@')) {
            (Some((scheme, _)), Some(at)) => format!("{scheme}://…{}", &url[at..]),
            _ => url.to_owned(),
        };
        Pool::with_connector(target, max_size, move || Db::connect(&owned))
    }

    /// A pool whose connections `connect` opens (a connection set up in a
    /// way the URL cannot say); `target` names it in `Debug` output.
    pub fn with_connector(
        target: impl Into<String>,
        max_size: usize,
        connect: impl Fn() -> Result<Db> + Send + Sync + 'static,
    ) -> Pool {
        Pool {
            target: target.into(),
            connect: Box::new(connect),
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
                return match (self.connect)() {
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
            // Left mid-transaction (a panic unwound past it), or its server
            // connection is gone: close it rather than hand it to the next
            // user, and free its slot for a new one.
            let discard = db.in_transaction() || db.is_broken();
            let mut state = self.pool.lock();
            let closing = if discard {
                state.open -= 1;
                Some(db)
            } else {
                state.idle.push(db);
                None
            };
            drop(state);
            // Closed outside the lock (a network backend says goodbye to
            // the server).
            drop(closing);
            self.pool.returned.notify_one();
        }
    }
}
