//! Lazy free: big values and whole databases freed on a background thread,
//! so that deleting a million-member sorted set does not stall every
//! client. Redis: `src/lazyfree.c` (`dbAsyncDelete`, `emptyDbAsync`,
//! `lazyfreeGetFreeEffort`) and its `BIO_LAZY_FREE` thread (`src/bio.c`).
//!
//! ```text
//!   UNLINK / FLUSHALL ASYNC / lazy eviction / lazy expiry
//!        │ value unlinked from the dict at once (the key is gone now)
//!        ├─ effort ≤ 64 allocations ─► dropped here (cheaper than a hand-off)
//!        └─ effort  > 64 ───────────► channel ─► "lazyfree" thread drops it
//! ```
//!
//! The effort is Redis's: one per allocation the value's destructor walks
//! — list nodes, hashtable entries, skiplist nodes; a listpack or intset
//! is one block. The counting allocator is global, so memory freed on the
//! thread leaves `used_memory` when it is really freed, which is what
//! eviction must see. The thread starts on first use.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};

use super::{Db, Val};

/// Values freeing more allocations than this go to the thread (Redis
/// `LAZYFREE_THRESHOLD`).
pub const THRESHOLD: usize = 64;

/// What the thread frees: a value or a whole database, dropped there.
type Job = Box<dyn Send>;

/// The `lazyfree-lazy-*` switches: which deletions free lazily.
#[derive(Debug, Clone, Copy, Default)]
pub struct Switches {
    /// `lazyfree-lazy-eviction`.
    pub eviction: bool,
    /// `lazyfree-lazy-expire`.
    pub expire: bool,
    /// `lazyfree-lazy-server-del`: values a write replaces.
    pub server_del: bool,
    /// `lazyfree-lazy-user-del`: `DEL` as `UNLINK`.
    pub user_del: bool,
    /// `lazyfree-lazy-user-flush`: `FLUSHALL`/`FLUSHDB` without a mode as `ASYNC`.
    pub user_flush: bool,
}

/// The background freer.
#[derive(Default)]
pub struct LazyFree {
    /// Which deletions free lazily.
    pub on: Switches,
    /// The thread's queue, once started.
    tx: Option<Sender<Job>>,
    /// Jobs handed over and not yet freed (`lazyfree_pending_objects`).
    pending: Arc<AtomicU64>,
    /// Jobs the thread freed (`lazyfreed_objects`).
    freed: Arc<AtomicU64>,
}

/// Allocations freeing `v` walks (Redis `lazyfreeGetFreeEffort`).
pub fn free_effort(v: &Val) -> usize {
    match v {
        Val::List(l) => l.node_count(),
        Val::Set(s) if s.encoding() == "hashtable" => s.len(),
        Val::Hash(h) if h.encoding() == "hashtable" => h.len(),
        Val::ZSet(z) if z.encoding() == "skiplist" => z.len(),
        _ => 1,
    }
}

impl std::fmt::Debug for LazyFree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyFree")
            .field("on", &self.on)
            .field("pending", &self.pending())
            .finish()
    }
}

impl LazyFree {
    /// Frees `v`: on the thread if it is big, here otherwise.
    pub fn free(&mut self, v: Val) {
        if free_effort(&v) > THRESHOLD {
            self.send(Box::new(v));
        }
    }

    /// Frees a whole database on the thread (an empty one here).
    pub fn free_db(&mut self, db: Db) {
        if !db.dict.is_empty() {
            self.send(Box::new(db));
        }
    }

    /// Jobs waiting for the thread.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Jobs the thread finished.
    pub fn freed(&self) -> u64 {
        self.freed.load(Ordering::Relaxed)
    }

    fn send(&mut self, job: Job) {
        let tx = self.tx.get_or_insert_with(|| {
            let (tx, rx) = channel::<Job>();
            let (pending, freed) = (self.pending.clone(), self.freed.clone());
            let spawned = std::thread::Builder::new()
                .name("lazyfree".into())
                .spawn(move || {
                    for job in rx {
                        drop(job);
                        pending.fetch_sub(1, Ordering::Relaxed);
                        freed.fetch_add(1, Ordering::Relaxed);
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "no lazyfree thread: freeing inline");
            }
            tx
        });
        self.pending.fetch_add(1, Ordering::Relaxed);
        // If the thread could not start, the job comes back: free it here.
        if let Err(back) = tx.send(job) {
            self.pending.fetch_sub(1, Ordering::Relaxed);
            drop(back);
        }
    }
}
