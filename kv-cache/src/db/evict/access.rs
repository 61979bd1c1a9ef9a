//! What a key's access leaves behind: the 24 header bits every read and
//! write restamps, and, under `allkeys-tinylfu`, one count per read (hit
//! or miss) in the frequency sketch — reads are the requests a cache
//! serves; the write that follows a miss is the same request. Redis: the `LOOKUP_NOTOUCH` test and the LRU/LFU
//! update in `lookupKey` (`src/db.c`), `updateLFU` (`src/evict.c`).
//!
//! The same bits mean the LRU clock ([`crate::db::clock`]) or the LFU
//! counter and its time ([`super::lfu`]), by the policy in force. As in
//! Redis, switching policy converts nothing: the bits are read the new way
//! (so `OBJECT FREQ` right after a switch reads whatever the clock left)
//! and become right as keys are used.

use super::lfu;
use super::sketch::Sketch;
use crate::db::clock;
use crate::db::dict::splitmix64;

/// The access bookkeeping of the keyspace.
#[derive(Debug, Clone)]
pub struct Access {
    /// Keys hold the LFU layout (an LFU policy is in force).
    pub lfu: bool,
    /// `lfu-log-factor`.
    pub log_factor: u32,
    /// `lfu-decay-time`, minutes.
    pub decay_time: u32,
    /// The frequency sketch, while `allkeys-tinylfu` is in force.
    pub sketch: Option<Box<Sketch>>,
    /// State of the generator behind the LFU counter's coin.
    rng: u64,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            lfu: false,
            log_factor: 10,
            decay_time: 1,
            sketch: None,
            rng: 0x853c_49e6_748f_ea9b,
        }
    }
}

impl Access {
    /// The header of a key found by a read lookup, whose header was
    /// `old`, at `now_ms`; the read is counted in the sketch.
    #[inline(always)]
    pub fn read(&mut self, key: &[u8], old: u32, now_ms: i64) -> u32 {
        self.requested(key);
        self.hit(old, now_ms)
    }

    /// The header of a key found by a write lookup, whose header was
    /// `old`, at `now_ms`.
    #[inline(always)]
    pub fn hit(&mut self, old: u32, now_ms: i64) -> u32 {
        if !self.lfu {
            return clock::lru_clock(now_ms);
        }
        let r = self.coin();
        let now = lfu::minutes(now_ms);
        lfu::hit(old, now, self.log_factor, self.decay_time, r)
    }

    /// The header of a key just created (Redis `createObject`: the clock,
    /// or `LFU_INIT_VAL` stamped now).
    #[inline(always)]
    pub fn created(&mut self, now_ms: i64) -> u32 {
        if self.lfu {
            lfu::pack(lfu::minutes(now_ms), lfu::INIT_VAL)
        } else {
            clock::lru_clock(now_ms)
        }
    }

    /// A read of `key`, found or not: one count in the sketch, so that a
    /// key asked for often is admitted when it is written back.
    #[inline(always)]
    pub fn requested(&mut self, key: &[u8]) {
        if let Some(s) = self.sketch.as_mut() {
            s.add(key);
        }
    }

    /// The estimated recent requests of `key` (0 without a sketch).
    pub fn estimate(&self, key: &[u8]) -> u8 {
        self.sketch.as_ref().map_or(0, |s| s.estimate(key))
    }

    /// A uniform draw in `[0, 1)` (splitmix64; Redis uses `rand()`).
    fn coin(&mut self) -> f64 {
        (splitmix64(&mut self.rng) >> 11) as f64 / (1u64 << 53) as f64
    }
}
