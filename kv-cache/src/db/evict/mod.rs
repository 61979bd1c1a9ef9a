//! Eviction: keeping the dataset under `maxmemory` by deleting keys, as
//! Redis's `performEvictions` does (`src/evict.c`).
//!
//! ```text
//!  before a command (exec), and from the cron while work is left:
//!   used_memory ≤ maxmemory? ──yes──► Ok
//!        │ no
//!   noeviction? ──yes──► Fail (denyoom commands get -OOM)
//!        │
//!   ┌─► pick a victim by the policy ── none left ──► Fail
//!   │     LRU/LFU/TTL: sample `maxmemory-samples` keys of every database
//!   │                  into the pool, take its best live candidate
//!   │     random:      any key of the next database, round robin
//!   │     tinylfu:     the LRU victim duels the window's oldest new key
//!   │   delete it; log Evicted (→ DEL/UNLINK propagated, `evicted` event,
//!   │   WATCHers signalled); freed += the allocator's difference
//!   └── freed < needed? every 16 keys: past the tenacity time limit?
//!                       yes ──► Running (the cron goes on)
//! ```
//!
//! The keyspace does the work and reports through [`Keyspace::log`] like
//! expiry; the caller supplies the memory figure (the counting allocator
//! in the server, a model in tests) and turns the log into propagation.
//!
//! # Layout
//!
//! - this file: the loop ([`Keyspace::perform_evictions`]), the choice of
//!   a victim, [`Limits`] and [`Outcome`];
//! - [`policy`]: the `maxmemory-policy` values;
//! - [`access`]: what a key access leaves in its header bits (and the sketch);
//! - [`lfu`]: the LFU counter (Morris counter with decay);
//! - [`pool`]: the eviction pool of the best 16 candidates;
//! - [`sketch`]: the count-min sketch with aging;
//! - [`admit`]: `allkeys-tinylfu`'s window and duel.

pub mod access;
pub mod admit;
pub mod lfu;
pub mod policy;
pub mod pool;
pub mod sketch;

use std::time::{Duration, Instant};

pub use access::Access;
pub use policy::{Policy, Rank};

use super::{Db, Happened, Keyspace, LOG_EVICTED, clock};
use admit::{Window, admitted};
use pool::Pool;
use sketch::Sketch;

/// The eviction parameters in force (from the config).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `maxmemory` in bytes (0: no limit).
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub policy: Policy,
    /// `maxmemory-samples`.
    pub samples: usize,
    /// `maxmemory-eviction-tenacity`, 0..=100.
    pub tenacity: u32,
}

/// What one call of [`Keyspace::perform_evictions`] achieved (Redis
/// `EVICT_OK`, `EVICT_RUNNING`, `EVICT_FAIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit).
    Ok,
    /// Over the limit, out of time for this call: call again soon.
    Running,
    /// Over the limit with nothing (allowed) left to evict.
    Fail,
}

/// How long one call may evict, from `maxmemory-eviction-tenacity`
/// (Redis `evictionTimeLimitUs`): 50 µs per step up to 10 (the default,
/// 500 µs), then 15% more per step (~2 minutes at 99), no limit at 100.
pub fn time_limit(tenacity: u32) -> Option<Duration> {
    let us = match tenacity {
        0..=10 => 50 * u64::from(tenacity),
        11..=99 => (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64,
        _ => return None,
    };
    Some(Duration::from_micros(us))
}

/// Sampling rounds one pick may take before giving up.
const MAX_ROUNDS: usize = 1000;

/// The eviction state kept between calls.
#[derive(Debug, Default)]
pub struct Evictor {
    /// The best candidates so far.
    pool: Pool,
    /// The next database a random policy picks from (Redis's static `next_db`).
    next_db: usize,
    /// New keys waiting for their duel (`allkeys-tinylfu`).
    pub window: Window,
    /// The last call found memory at (or within 1/32 of) the limit: keys
    /// created now must win a duel to stay; while it is false they are
    /// admitted freely.
    pub pressure: bool,
    /// The victim's name.
    key: Vec<u8>,
}

impl Evictor {
    /// Forgets candidates and window keys (after a flush or a swap).
    pub fn clear(&mut self) {
        self.pool.clear();
        self.window.clear();
    }
}

impl Keyspace {
    // ANCHOR: perform
    /// Evicts keys until `used` reads at most `lim.maxmemory`, or the
    /// time limit passes, or nothing can go. Redis: `performEvictions`.
    /// `used` is the memory figure; it gets the keyspace so that a model
    /// (in tests) can compute one from it.
    pub fn perform_evictions(
        &mut self,
        lim: &Limits,
        used: &mut dyn FnMut(&Keyspace) -> usize,
    ) -> Outcome {
        let over = |u: usize| lim.maxmemory != 0 && u as u64 > lim.maxmemory;
        let now = used(self);
        // Within 1/32 of the limit counts as full: one eviction frees more
        // than one write adds, so "over" alone would flicker between writes.
        let near = lim.maxmemory - lim.maxmemory / 32;
        self.evictor.pressure = lim.maxmemory != 0 && now as u64 > near;
        if !over(now) {
            return Outcome::Ok;
        }
        let Some(rank) = lim.policy.rank() else {
            return Outcome::Fail;
        };
        let to_free = (now as u64 - lim.maxmemory) as i64;
        let (started, limit) = (Instant::now(), time_limit(lim.tenacity));
        let (mut freed, mut keys) = (0i64, 0u64);
        while freed < to_free {
            let Some(db) = self.pick_victim(lim, rank) else {
                return self.wait_for_lazyfree(limit, &mut |ks| over(used(ks)));
            };
            let before = used(self) as i64;
            self.evict_picked(db);
            freed += before - used(self) as i64;
            keys += 1;
            if keys.is_multiple_of(16) {
                // Lazily freed memory leaves later: stop once it has.
                if self.lazy.on.eviction && !over(used(self)) {
                    break;
                }
                if limit.is_some_and(|l| started.elapsed() > l) {
                    return Outcome::Running;
                }
            }
        }
        Outcome::Ok
    }
    // ANCHOR_END: perform

    /// Nothing left to evict: if the lazyfree thread is still freeing,
    /// give it up to the time limit (Redis does the same short wait).
    fn wait_for_lazyfree(
        &mut self,
        limit: Option<Duration>,
        over: &mut dyn FnMut(&Keyspace) -> bool,
    ) -> Outcome {
        let deadline = Instant::now() + limit.unwrap_or(Duration::from_millis(1));
        while self.lazy.pending() > 0 && Instant::now() < deadline {
            if !over(self) {
                return Outcome::Ok;
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        if over(self) {
            Outcome::Fail
        } else {
            Outcome::Ok
        }
    }

    /// Chooses the next key to evict into `self.evictor.key`; returns its
    /// database, or `None` when no key may go.
    fn pick_victim(&mut self, lim: &Limits, rank: Rank) -> Option<usize> {
        let volatile = lim.policy.volatile();
        if rank == Rank::Random {
            return self.pick_random(volatile);
        }
        if lim.policy != Policy::AllkeysTinyLfu {
            return self
                .pick_pooled(rank, volatile, lim.samples)
                .map(|(db, _)| db);
        }
        let total: usize = self.dbs.iter().map(|d| d.dict.len()).sum();
        self.size_sketch(total);
        let victim = self.pick_pooled(rank, volatile, lim.samples);
        // A candidate that was deleted meanwhile is skipped.
        while let Some((cdb, cand)) = self.evictor.window.candidate(total) {
            if self.dbs[cdb].dict.get(&cand).is_none() {
                continue;
            }
            let Some((vdb, score)) = victim else {
                self.evictor.key = cand.into_vec();
                return Some(cdb);
            };
            if (vdb, &self.evictor.key[..]) == (cdb, &cand[..]) {
                return Some(vdb);
            }
            let (c, v) = (
                self.access.estimate(&cand),
                self.access.estimate(&self.evictor.key),
            );
            if admitted(c, v) {
                return Some(vdb);
            }
            // The newcomer loses; the victim stays a candidate for later.
            self.evictor.pool.offer(score, vdb, &self.evictor.key);
            self.evictor.key = cand.into_vec();
            return Some(cdb);
        }
        victim.map(|(db, _)| db)
    }

    /// Any key of the next non-empty database (Redis's random policies).
    fn pick_random(&mut self, volatile: bool) -> Option<usize> {
        let n = self.dbs.len();
        for _ in 0..n {
            let i = self.evictor.next_db % n;
            self.evictor.next_db = self.evictor.next_db.wrapping_add(1);
            let db = &mut self.dbs[i];
            let found = if volatile {
                db.expires.random_entry().map(|e| e.key())
            } else {
                db.dict.random_entry().map(|e| e.key())
            };
            if let Some(k) = found {
                self.evictor.key.clear();
                self.evictor.key.extend_from_slice(k);
                return Some(i);
            }
        }
        None
    }

    /// The best live candidate of the pool after sampling every database
    /// (Redis `evictionPoolPopulate` over all dbs, then the pool's best
    /// entry that still exists); its database and score.
    fn pick_pooled(&mut self, rank: Rank, volatile: bool, samples: usize) -> Option<(usize, u64)> {
        // Rounds are cheap and one almost always finds a key; the bound
        // only keeps an inconsistent keyspace from spinning forever.
        for _ in 0..MAX_ROUNDS {
            let mut total = 0;
            for i in 0..self.dbs.len() {
                total += self.populate(i, rank, volatile, samples);
            }
            if total == 0 {
                return None;
            }
            while let Some((db, score)) = self.evictor.pool.pop_best(&mut self.evictor.key) {
                let d = &self.dbs[db];
                let live = if volatile {
                    d.expires.get(&self.evictor.key).is_some()
                } else {
                    d.dict.get(&self.evictor.key).is_some()
                };
                if live {
                    return Some((db, score));
                }
            }
            // Every candidate was a ghost: sample again.
        }
        None
    }

    /// Offers `samples` keys of database `i` to the pool; returns how many
    /// keys could have been sampled there.
    fn populate(&mut self, i: usize, rank: Rank, volatile: bool, samples: usize) -> usize {
        let lru_now = clock::lru_clock(self.now_ms);
        let lfu_now = lfu::minutes(self.now_ms);
        let decay = self.access.decay_time;
        let sketch = self.access.sketch.as_deref();
        let pool = &mut self.evictor.pool;
        let Db { dict, expires, .. } = &mut self.dbs[i];
        let score = |key: &[u8], meta: u32| match (rank, sketch) {
            (Rank::Lfu, _) => 255 - u64::from(lfu::decayed(meta, lfu_now, decay)),
            // allkeys-tinylfu: the least requested lately first (by the
            // sketch), the idlest among equals.
            (_, Some(s)) => {
                let idle = clock::idle_ms(lru_now, meta).min((1 << 40) - 1);
                (u64::from(sketch::MAX - s.estimate(key)) << 40) | idle
            }
            _ => clock::idle_ms(lru_now, meta),
        };
        if !volatile {
            dict.sample(samples, |e| {
                pool.offer(score(e.key(), e.key().meta()), i, e.key())
            });
            return dict.len();
        }
        expires.sample(samples, |e| {
            let s = match rank {
                // Nearest deadline first.
                Rank::Ttl => u64::MAX - e.value.max(0) as u64,
                _ => match dict.get(e.key()) {
                    Some(v) => score(e.key(), v.key().meta()),
                    None => return,
                },
            };
            pool.offer(s, i, e.key());
        });
        expires.len()
    }

    /// Deletes the picked key (`self.evictor.key` in `db`) as an eviction:
    /// counted, logged for propagation and the `evicted` event, WATCHers
    /// signalled, its value freed (lazily if `lazyfree-lazy-eviction`).
    fn evict_picked(&mut self, db: usize) {
        let key = std::mem::take(&mut self.evictor.key);
        if let Some((_, v)) = self.dbs[db].dict.remove(&key) {
            if !self.dbs[db].expires.is_empty() {
                self.dbs[db].expires.remove(&key);
            }
            self.stats.evicted_keys += 1;
            self.record(LOG_EVICTED, Happened::Evicted, db, &key);
            self.signal_watchers(db, &key);
            if self.lazy.on.eviction {
                self.lazy.free(v);
            }
        }
        self.evictor.key = key;
    }

    /// Keeps the sketch about as wide as the keyspace is large (rebuilt
    /// empty on growth, which happens a logarithmic number of times).
    fn size_sketch(&mut self, total: usize) {
        match &self.access.sketch {
            Some(s) if total <= 2 * s.width() || s.width() >= sketch::MAX_WIDTH => {}
            _ => self.access.sketch = Some(Box::new(Sketch::new(total))),
        }
    }
}

#[cfg(test)]
mod tests;
