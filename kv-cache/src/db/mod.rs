//! The keyspace: numbered databases of keys with optional expiry times.
//! Redis: `redisDb` in `src/server.h`, `src/db.c`, `src/expire.c`.
//!
//! Each [`Db`] is two [`Dict`]s, as in Redis: `dict` maps keys to values, and
//! `expires` maps the keys that have a TTL to their deadline (Unix ms). Keeping
//! deadlines apart costs a second entry per volatile key, but lets the active
//! expire cycle sample only keys that *can* expire, and costs nothing for keys
//! without a TTL.
//!
//! Time is the keyspace's cached clock [`Keyspace::now_ms`], set by the
//! server before each command (Redis caches `server.mstime` the same way), so
//! a command sees one instant and tests can move time by hand. Every lookup
//! for reading or writing, and every `set`, stamps the key with that time
//! on Redis's 24-bit LRU clock ([`clock`]), in the key's header; [`Keyspace::peek`]
//! looks without stamping, and [`Keyspace::idle_ms`] reads the stamp.
//!
//! Under an LFU `maxmemory-policy` the same 24 bits hold the LFU counter
//! instead ([`evict::access`]); [`evict`] deletes keys to stay under
//! `maxmemory`, and [`lazyfree`] frees big values on a background thread.
//!
//! Two registries ride along, as in Redis's `redisDb`: the keys `WATCH`ed
//! by transactions ([`watch::Watched`], fed by [`Keyspace::touch`]) and the
//! keys blocked clients wait on ([`WaitedKeys`], fed by key creation in
//! [`Keyspace::set`]). Each costs one emptiness test when unused.
//!
//! The keyspace reports upward only through its fields: [`Keyspace::dirty`]
//! counts changes and [`Keyspace::log`] lists what happened to keys on the
//! way — removed by expiry or eviction, created, missed by a read — for the layers
//! above to turn into `DEL`s to propagate and into keyspace notifications;
//! [`Keyspace::changed_log`] lists the keys changed at all while clients
//! track keys for client-side caching; nothing here imports the layers
//! above (commands, execution, connections).

pub mod clock;
pub mod dict;
pub mod evict;
pub mod expire;
pub mod glob;
pub mod hash;
pub mod intset;
pub mod lazyfree;
pub mod list;
pub mod listpack;
pub mod sds;
pub mod set;
pub mod usage;
pub mod value;
pub mod waited;
pub mod watch;
pub mod zset;

pub use dict::Dict;
pub use sds::Sds;
pub use value::Val;

pub use waited::WaitedKeys;

/// What happened to a key inside the keyspace, as [`Keyspace::log`] records
/// it. Redis sends these as they happen, from inside `db.c`
/// (`deleteExpiredKeyAndPropagate`, `dbAdd`, `lookupKey`); here the layer
/// above collects them, in order, before the next event of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happened {
    /// Removed because its deadline passed (lazily or by the active cycle).
    Expired,
    /// Created (Redis `dbAdd`).
    Created,
    /// Looked up for reading and not found (Redis `lookupKey`'s `keymiss`).
    Missed,
    /// Removed to stay under `maxmemory` ([`evict`]).
    Evicted,
}

/// [`Keyspace::logging`] bit: record [`Happened::Expired`].
pub const LOG_EXPIRED: u8 = 1;
/// [`Keyspace::logging`] bit: record [`Happened::Created`].
pub const LOG_CREATED: u8 = 1 << 1;
/// [`Keyspace::logging`] bit: record [`Happened::Missed`].
pub const LOG_MISSED: u8 = 1 << 2;
/// [`Keyspace::logging`] bit: record [`Happened::Evicted`].
pub const LOG_EVICTED: u8 = 1 << 3;

/// One database (`SELECT n`). Redis: `redisDb`.
#[derive(Debug, Default)]
pub struct Db {
    /// Keys to values.
    pub dict: Dict<Val>,
    /// Keys with a TTL to their deadline in Unix milliseconds.
    pub expires: Dict<i64>,
    /// Where the active expire cycle resumes its walk of `expires` (Redis `expires_cursor`).
    pub expire_cursor: u64,
}

/// What a lookup found, for the `keyspace_hits`/`keyspace_misses` counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Keys removed because their TTL passed (lazily or by the cycle).
    pub expired_keys: u64,
    /// Read lookups that found the key.
    pub keyspace_hits: u64,
    /// Read lookups that did not.
    pub keyspace_misses: u64,
    /// Keys evicted to stay under `maxmemory`.
    pub evicted_keys: u64,
}

/// All databases plus the cached clock.
#[derive(Debug)]
pub struct Keyspace {
    /// The databases, `databases` of them (16 by default).
    pub dbs: Vec<Db>,
    /// The current time in Unix milliseconds, as of the current command.
    pub now_ms: i64,
    /// Counters for `INFO stats`.
    pub stats: Stats,
    /// Keys watched by `WATCH` (Redis `db->watched_keys`).
    pub watched: watch::Watched,
    /// Keys blocked clients wait on, and those that became ready (Redis
    /// `db->blocking_keys`, `server.ready_keys`).
    pub waited: WaitedKeys,
    /// Changes made so far (Redis `server.dirty`): moved by every
    /// [`Keyspace::touch`]; a command that moved it changed the dataset.
    pub dirty: u64,
    /// What happened to keys (expired, created, missed) and was not yet
    /// collected by the layer above, in order, with the database. Only
    /// the kinds whose `LOG_*` bit is in [`Keyspace::logging`] are kept.
    pub log: Vec<(Happened, usize, Vec<u8>)>,
    /// `LOG_*` bits: what someone above consumes (expired keys for
    /// propagation and notifications, the others for notifications). Zero
    /// when nobody does: then recording costs one test.
    pub logging: u8,
    /// Keys changed (written, deleted, expired) since the layer above last
    /// took them, recorded only while `log_changes`: client-side caching
    /// turns them into invalidations (Redis calls `trackingInvalidateKey`
    /// from `signalModifiedKey`).
    pub changed_log: Vec<Vec<u8>>,
    /// A database was flushed since the layer above last looked (Redis
    /// `trackingInvalidateKeysOnFlush`); set only while `log_changes`.
    pub flushed: bool,
    /// Whether to fill `changed_log` and `flushed`: on while some client
    /// tracks keys, so that nobody else pays more than this test.
    pub log_changes: bool,
    /// Whether the cron runs the active expire cycle (`DEBUG
    /// SET-ACTIVE-EXPIRE`); lazy expiry always runs.
    pub active_expire: bool,
    /// `CLIENT PAUSE` is on: the dataset stays as it is, so a key past its
    /// deadline reads as missing but is not deleted (Redis's
    /// `expireIfNeeded` while clients are paused).
    pub expire_paused: bool,
    /// What an access leaves in a key's header (LRU clock or LFU counter)
    /// and the frequency sketch of `allkeys-tinylfu`.
    pub access: evict::Access,
    /// The eviction pool and admission window, kept between evictions.
    pub evictor: evict::Evictor,
    /// The background freer and the `lazyfree-lazy-*` switches.
    pub lazy: lazyfree::LazyFree,
}

impl Keyspace {
    /// `n` empty databases.
    pub fn new(n: usize) -> Keyspace {
        Keyspace {
            dbs: (0..n).map(|_| Db::default()).collect(),
            now_ms: 0,
            stats: Stats::default(),
            watched: watch::Watched::default(),
            waited: WaitedKeys::default(),
            dirty: 0,
            log: Vec::new(),
            logging: 0,
            changed_log: Vec::new(),
            flushed: false,
            log_changes: false,
            active_expire: true,
            expire_paused: false,
            access: evict::Access::default(),
            evictor: evict::Evictor::default(),
            lazy: lazyfree::LazyFree::default(),
        }
    }

    /// Deletes `key` from db `i` if its deadline passed; returns whether it
    /// did — or, while [`Keyspace::expire_paused`], whether it would have
    /// (the key then stays, logically missing). Redis: `expireIfNeeded`.
    #[inline]
    // ANCHOR: lazy
    pub fn expire_if_needed(&mut self, i: usize, key: &[u8]) -> bool {
        let db = &mut self.dbs[i];
        if db.expires.is_empty() {
            return false;
        }
        match db.expires.get(key) {
            Some(e) if e.value <= self.now_ms && self.expire_paused => true,
            Some(e) if e.value <= self.now_ms => {
                db.expires.remove(key);
                if let Some((_, v)) = db.dict.remove(key)
                    && self.lazy.on.expire
                {
                    self.lazy.free(v);
                }
                self.stats.expired_keys += 1;
                self.record(LOG_EXPIRED, Happened::Expired, i, key);
                // Redis signals the deletion (WATCHers of the key see it).
                self.signal_watchers(i, key);
                true
            }
            _ => false,
        }
    }
    // ANCHOR_END: lazy

    /// Chooses what [`Keyspace::log`] records: expired keys when they are
    /// propagated or notified, created keys and read misses when those
    /// classes are notified (`notify_flags`: the [`crate::notify`] bits).
    pub fn set_logging(&mut self, notify_flags: u32, propagating: bool) {
        use crate::notify::{EVICTED, EXPIRED, KEY_MISS, NEW, wanted};
        let mut bits = 0;
        if propagating || wanted(notify_flags, EXPIRED) {
            bits |= LOG_EXPIRED;
        }
        if wanted(notify_flags, NEW) {
            bits |= LOG_CREATED;
        }
        if wanted(notify_flags, KEY_MISS) {
            bits |= LOG_MISSED;
        }
        if propagating || wanted(notify_flags, EVICTED) {
            bits |= LOG_EVICTED;
        }
        self.logging = bits;
    }

    /// Appends to [`Keyspace::log`] if someone consumes `bit`'s kind.
    #[inline(always)]
    fn record(&mut self, bit: u8, what: Happened, i: usize, key: &[u8]) {
        if self.logging & bit != 0 {
            self.log.push((what, i, key.to_vec()));
        }
    }

    /// Records a read of `key` that found nothing, for a lookup that does
    /// not go through [`Keyspace::get`] (Redis: `keymiss` from `lookupKey`).
    #[inline]
    pub fn missed(&mut self, i: usize, key: &[u8]) {
        self.access.requested(key);
        self.record(LOG_MISSED, Happened::Missed, i, key);
    }

    /// The value of `key` for reading, after lazy expiry (`lookupKeyRead`).
    #[inline]
    pub fn get(&mut self, i: usize, key: &[u8]) -> Option<&mut Val> {
        let dead = self.expire_if_needed(i, key) && self.expire_paused;
        // A second lookup, but only while misses are notified: recording
        // in the `None` arm below would keep the dict borrowed.
        if self.logging & LOG_MISSED != 0 && (dead || self.dbs[i].dict.get(key).is_none()) {
            self.missed(i, key);
        }
        match self.dbs[i].dict.get_mut(key).filter(|_| !dead) {
            Some(e) => {
                self.stats.keyspace_hits += 1;
                let meta = self.access.read(key, e.key().meta(), self.now_ms);
                e.set_key_meta(meta);
                Some(&mut e.value)
            }
            None => {
                self.stats.keyspace_misses += 1;
                if self.logging & LOG_MISSED == 0 {
                    self.access.requested(key);
                }
                None
            }
        }
    }

    /// The value of `key` for writing, after lazy expiry (`lookupKeyWrite`);
    /// does not count hits or misses.
    #[inline]
    pub fn get_for_write(&mut self, i: usize, key: &[u8]) -> Option<&mut Val> {
        let dead = self.expire_if_needed(i, key) && self.expire_paused;
        let e = self.dbs[i].dict.get_mut(key).filter(|_| !dead)?;
        let meta = self.access.hit(e.key().meta(), self.now_ms);
        e.set_key_meta(meta);
        Some(&mut e.value)
    }

    /// The value of `key` after lazy expiry, without counting a hit or a
    /// miss and without stamping its access clock (Redis's
    /// `LOOKUP_NOTOUCH`, for `TYPE` and `OBJECT`).
    pub fn peek(&mut self, i: usize, key: &[u8]) -> Option<&mut Val> {
        let dead = self.expire_if_needed(i, key) && self.expire_paused;
        self.dbs[i]
            .dict
            .get_mut(key)
            .filter(|_| !dead)
            .map(|e| &mut e.value)
    }

    /// Milliseconds since `key` was last read or written (after lazy
    /// expiry), at the clock's one-second resolution (`OBJECT IDLETIME`).
    pub fn idle_ms(&mut self, i: usize, key: &[u8]) -> Option<u64> {
        self.expire_if_needed(i, key);
        let stamp = self.dbs[i].dict.get(key)?.key().meta();
        Some(clock::idle_ms(clock::lru_clock(self.now_ms), stamp))
    }

    /// The LFU counter of `key` after the decay owed now (after lazy
    /// expiry), without counting an access (`OBJECT FREQ`, Redis
    /// `LFUDecrAndReturn`). Meaningful under an LFU policy only.
    pub fn freq(&mut self, i: usize, key: &[u8]) -> Option<u8> {
        self.expire_if_needed(i, key);
        let meta = self.dbs[i].dict.get(key)?.key().meta();
        let now = evict::lfu::minutes(self.now_ms);
        Some(evict::lfu::decayed(meta, now, self.access.decay_time))
    }

    /// Whether `key` exists (after lazy expiry), without touching counters.
    pub fn exists(&mut self, i: usize, key: &[u8]) -> bool {
        let dead = self.expire_if_needed(i, key) && self.expire_paused;
        !dead && self.dbs[i].dict.get(key).is_some()
    }

    /// Sets `key` to `val`. The TTL is removed unless `keep_ttl` (`setKey`).
    /// Creating a key wakes the clients blocked on it (Redis `dbAdd` →
    /// `signalKeyAsReady`).
    #[inline]
    pub fn set(&mut self, i: usize, key: &[u8], val: Val, keep_ttl: bool) {
        // A dead key is deleted first, as Redis's `lookupKeyWrite` does:
        // the deletion is an event of its own (a `DEL` to replay).
        if !self.dbs[i].expires.is_empty() {
            self.expire_if_needed(i, key);
        }
        let db = &mut self.dbs[i];
        match db.dict.get_mut(key) {
            Some(e) => {
                // An overwrite keeps the key's history, as Redis's
                // `dbSetValue` keeps the old object's LFU bits; its write
                // lookup counted as an access.
                let meta = self.access.hit(e.key().meta(), self.now_ms);
                e.set_key_meta(meta);
                let old = std::mem::replace(&mut e.value, val);
                if self.lazy.on.server_del {
                    self.lazy.free(old);
                }
            }
            None => {
                let meta = self.access.created(self.now_ms);
                db.dict.insert_new(Sds::new(key), val).set_key_meta(meta);
                if self.evictor.pressure && self.access.sketch.is_some() {
                    self.evictor.window.push(i, key);
                }
                if !self.waited.is_empty() {
                    self.waited.signal(i, key);
                }
                self.record(LOG_CREATED, Happened::Created, i, key);
            }
        }
        let db = &mut self.dbs[i];
        if !db.expires.is_empty() {
            if !keep_ttl {
                db.expires.remove(key);
            } else if db.expires.get(key).is_some_and(|e| e.value <= self.now_ms) {
                // The old value was already dead: the new one is a new key
                // and cannot inherit its passed deadline (Redis expires the
                // old key on lookup before writing).
                db.expires.remove(key);
            }
        }
        self.touch(i, key);
    }

    /// Sets or clears the deadline of an existing key.
    pub fn set_expire(&mut self, i: usize, key: &[u8], at_ms: Option<i64>) {
        let db = &mut self.dbs[i];
        match at_ms {
            Some(at) => {
                db.expires.insert(key, at);
            }
            None => {
                db.expires.remove(key);
            }
        }
    }

    /// The deadline of `key`, if it has one (call after lazy expiry).
    pub fn expire_of(&self, i: usize, key: &[u8]) -> Option<i64> {
        let db = &self.dbs[i];
        if db.expires.is_empty() {
            None
        } else {
            db.expires.get(key).map(|e| e.value)
        }
    }

    /// Removes `key` (after lazy expiry); returns its value and deadline.
    pub fn remove(&mut self, i: usize, key: &[u8]) -> Option<(Val, Option<i64>)> {
        self.expire_if_needed(i, key);
        let db = &mut self.dbs[i];
        let (_, v) = db.dict.remove(key)?;
        let at = if db.expires.is_empty() {
            None
        } else {
            db.expires.remove(key).map(|(_, t)| t)
        };
        self.touch(i, key);
        Some((v, at))
    }

    /// Deletes `key` as it is, even if its deadline passed (Redis
    /// `dbDelete`, which a STORE command's empty result calls without a
    /// lookup first); returns whether it was there.
    pub fn delete(&mut self, i: usize, key: &[u8]) -> bool {
        let db = &mut self.dbs[i];
        if db.dict.remove(key).is_none() {
            return false;
        }
        if !db.expires.is_empty() {
            db.expires.remove(key);
        }
        self.touch(i, key);
        true
    }

    /// Empties database `i`; watchers of keys it held fail their `EXEC`
    /// (Redis `signalFlushedDb`).
    pub fn flush(&mut self, i: usize) {
        self.flush_with(i, false);
    }

    /// [`Keyspace::flush`], the old contents freed on the lazyfree thread
    /// if `lazily` (`FLUSHDB ASYNC`; Redis `emptyDbAsync`).
    pub fn flush_with(&mut self, i: usize, lazily: bool) {
        self.dirty = self.dirty.wrapping_add(1);
        self.flushed |= self.log_changes;
        self.touch_all_watched(i, None);
        self.evictor.clear();
        let old = std::mem::take(&mut self.dbs[i]);
        if lazily {
            self.lazy.free_db(old);
        }
    }

    /// Swaps the contents of databases `a` and `b` (`SWAPDB`). Watchers and
    /// blocked clients stay with their database number: watched keys that
    /// change are touched, and keys blocked clients wait on that the swap
    /// brings in become ready (Redis `dbSwapDatabases`).
    pub fn swap_dbs(&mut self, a: usize, b: usize) {
        self.dirty = self.dirty.wrapping_add(1);
        if a == b {
            return;
        }
        self.touch_all_watched(a, Some(b));
        self.touch_all_watched(b, Some(a));
        self.dbs.swap(a, b);
        self.evictor.clear();
        if !self.waited.is_empty() {
            for db in [a, b] {
                for key in self.waited.keys_in(db) {
                    // Present, even if its TTL passed, as Redis's
                    // `scanDatabaseForReadyKeys` looks: a dead key is
                    // expired (and notified) when waiters are served.
                    if self.dbs[db].dict.get(&key).is_some() {
                        self.waited.signal(db, &key);
                    }
                }
            }
        }
    }

    /// Keys in database `i` (expired ones not yet collected included, as Redis's DBSIZE).
    pub fn len(&self, i: usize) -> usize {
        self.dbs[i].dict.len()
    }

    /// Cron housekeeping for each database: shrink sparse tables and spend
    /// up to 1 ms per database moving buckets of a running rehash
    /// (Redis `databasesCron` with `activerehashing yes`).
    pub fn cron_rehash(&mut self) {
        for db in &mut self.dbs {
            db.dict.shrink_if_needed();
            db.expires.shrink_if_needed();
            if db.dict.is_rehashing() {
                db.dict.rehash_for(std::time::Duration::from_millis(1));
            } else if db.expires.is_rehashing() {
                db.expires.rehash_for(std::time::Duration::from_millis(1));
            }
        }
    }
}
