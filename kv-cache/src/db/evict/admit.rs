//! `allkeys-tinylfu`, kv-cache's own policy: a TinyLFU admission filter in
//! front of Redis's sampled LRU. Not in Redis; off unless selected.
//!
//! Why: LRU and LFU as Redis approximates them both keep every new key at
//! first. A scan — a batch job reading a million keys once — then pushes
//! out hot keys (LRU), or the scanned keys all start at `LFU_INIT_VAL`,
//! above long-cached keys whose counters decayed (LFU). TinyLFU asks one
//! question before a new key may displace an old one: *was it requested
//! more often lately than the key it would replace?* The answer comes
//! from a [`Sketch`](super::sketch::Sketch) that counts requests of every
//! key, cached or not (every read, hit or miss).
//!
//! ```text
//!   SET new key ──► window (FIFO of keys created while memory is full,
//!                   ~1% of the keys; while it is not, keys just enter)
//!                      │ when the window is over its share, its oldest key
//!                      ▼ is the candidate
//!   eviction:  candidate ─┐
//!              victim ────┴─► estimate(candidate) > estimate(victim) ?
//!                             yes: evict the victim, the candidate stays
//!                             no:  evict the candidate (not admitted)
//! ```
//!
//! The victim comes from Redis's sampling and pool, ranked by the sketch
//! (least requested lately first, the idlest among equals) rather than by
//! idle time alone: an LRU victim is cold by construction, so a scanned
//! key with two requests would beat it and scans would still get in.
//!
//! The window is W-TinyLFU's (Einziger et al.; Caffeine): a new key gets a
//! short stay in which it can be hit before it must win a duel, so bursts
//! of recency are not refused outright. Compared with Redis's policies on
//! skewed traffic with scans: a scanned key has an estimate of 1 or 2 and
//! loses to any warm victim, so scans pass through a window of ~1% of the
//! cache instead of through all of it. Costs: one sketch update per read
//! (four counters), `4 × width` bytes of sketch (one byte per
//! counter, width the keys rounded up to a power of two, at most 4 MB),
//! and the window's key names.

use std::collections::VecDeque;

/// The window's hard bound in keys.
pub const WINDOW_MAX: usize = 4096;

/// The admission window: new keys, oldest first.
#[derive(Debug, Default)]
pub struct Window {
    keys: VecDeque<(usize, Box<[u8]>)>,
}

impl Window {
    /// Notes a key just created. Past [`WINDOW_MAX`] the oldest is
    /// admitted without a duel (nothing was evicted for a long while).
    pub fn push(&mut self, db: usize, key: &[u8]) {
        if self.keys.len() >= WINDOW_MAX {
            self.keys.pop_front();
        }
        self.keys.push_back((db, key.into()));
    }

    /// The oldest new key, if the window holds more than its share of
    /// `total_keys` (1%, at least one).
    pub fn candidate(&mut self, total_keys: usize) -> Option<(usize, Box<[u8]>)> {
        let share = (total_keys / 100).clamp(1, WINDOW_MAX);
        if self.keys.len() > share {
            self.keys.pop_front()
        } else {
            None
        }
    }

    /// Keys in the window.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Forgets every key (the databases were flushed).
    pub fn clear(&mut self) {
        self.keys.clear();
    }
}

/// The duel: whether the candidate is admitted (the victim goes) given
/// both estimates. Ties refuse the newcomer, as TinyLFU does: a key must
/// be *more* popular than what it replaces.
#[inline]
// ANCHOR: duel
pub fn admitted(candidate: u8, victim: u8) -> bool {
    candidate > victim
}
// ANCHOR_END: duel

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_keeps_its_share_and_its_bound() {
        let mut w = Window::default();
        for i in 0..5 {
            w.push(0, format!("k{i}").as_bytes());
        }
        // 1% of 300 keys is 3: two candidates come out, oldest first.
        assert_eq!(w.candidate(300).map(|c| c.1), Some(b"k0"[..].into()));
        assert_eq!(w.candidate(300).map(|c| c.1), Some(b"k1"[..].into()));
        assert_eq!(w.candidate(300), None);
        assert_eq!(w.len(), 3);
        for i in 0..2 * WINDOW_MAX {
            w.push(1, format!("x{i}").as_bytes());
        }
        assert_eq!(w.len(), WINDOW_MAX);
        w.clear();
        assert!(w.is_empty());
        assert!(admitted(3, 2) && !admitted(2, 2));
    }
}
