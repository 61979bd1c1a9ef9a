//! The eviction pool: the best candidates seen so far, across samples and
//! databases. Redis: `evictionPoolEntry`, `evictionPoolAlloc` and
//! `evictionPoolPopulate` in `src/evict.c`.
//!
//! Sampling 5 keys and evicting the idlest of them approximates LRU badly:
//! the idlest of a small sample is often fairly fresh. The pool keeps the
//! [`POOL_SIZE`] best candidates of *every* sample since the last eviction,
//! sorted by score, so each eviction picks the best of many samples, and a
//! key once seen idle stays a candidate until something idler displaces it.
//!
//! ```text
//!   score:  low ─────────────────────────────────────► high (evict first)
//!   slot:   [0] [1] [2] ... [13] [14] [15]
//!                                        ^ pop_best takes from here
//!   insert: find the first slot with a higher score; if the pool is full,
//!   shift the worse ones left (dropping slot 0), else shift right.
//! ```
//!
//! A candidate is a key *name*: when it is popped the key may be gone or
//! changed (a ghost); the loop then looks it up and moves on.

/// Candidates kept (Redis `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

/// One candidate.
#[derive(Debug, Clone, Default)]
struct Candidate {
    /// Higher is evicted first: idle ms (LRU), `255 - counter` (LFU),
    /// `u64::MAX - deadline` (TTL).
    score: u64,
    /// Its database.
    db: usize,
    /// Its name. The buffer is reused when the slot is overwritten (Redis
    /// keeps a cached sds per slot for the same reason).
    key: Vec<u8>,
}

/// The pool: slots `0..len` hold candidates in ascending score.
#[derive(Debug, Default)]
pub struct Pool {
    slots: Vec<Candidate>,
    len: usize,
}

impl Pool {
    // ANCHOR: offer
    /// Offers a sampled key. It enters if the pool has room or if it beats
    /// the worst candidate; a key already in the pool is not added twice.
    pub fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        if self.slots.is_empty() {
            self.slots.resize_with(POOL_SIZE, Candidate::default);
        }
        let live = &self.slots[..self.len];
        if live.iter().any(|c| c.db == db && c.key == key) {
            return;
        }
        let mut k = live.iter().take_while(|c| c.score < score).count();
        if self.len == POOL_SIZE {
            if k == 0 {
                // Worse than every candidate of a full pool.
                return;
            }
            // Drop the worst (slot 0) and shift the rest left.
            k -= 1;
            self.slots[..=k].rotate_left(1);
        } else {
            self.slots[k..=self.len].rotate_right(1);
            self.len += 1;
        }
        let slot = &mut self.slots[k];
        slot.score = score;
        slot.db = db;
        slot.key.clear();
        slot.key.extend_from_slice(key);
    }
    // ANCHOR_END: offer

    /// Takes the best candidate out into `key` and returns its database
    /// and score.
    pub fn pop_best(&mut self, key: &mut Vec<u8>) -> Option<(usize, u64)> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        let c = &mut self.slots[self.len];
        std::mem::swap(key, &mut c.key);
        Some((c.db, c.score))
    }

    /// Candidates held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every candidate (a flush made them all ghosts).
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(p: &mut Pool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut k = Vec::new();
        while p.pop_best(&mut k).is_some() {
            out.push(k.clone());
        }
        out
    }

    #[test]
    fn the_pool_keeps_the_best_candidates_in_order() {
        let mut p = Pool::default();
        // 100 keys offered in a scrambled order: the 16 highest scores stay.
        for i in 0..100u64 {
            let s = (i * 37) % 100;
            p.offer(s, 0, format!("k{s}").as_bytes());
        }
        assert_eq!(p.len(), POOL_SIZE);
        let want: Vec<Vec<u8>> = (84..100)
            .rev()
            .map(|s| format!("k{s}").into_bytes())
            .collect();
        assert_eq!(drain(&mut p), want);
    }

    #[test]
    fn a_worse_key_does_not_enter_a_full_pool_and_duplicates_are_ignored() {
        let mut p = Pool::default();
        for s in 10..26 {
            p.offer(s, 1, format!("k{s}").as_bytes());
        }
        p.offer(5, 1, b"low");
        p.offer(25, 1, b"k25");
        assert_eq!(p.len(), POOL_SIZE);
        let all = drain(&mut p);
        assert!(!all.contains(&b"low".to_vec()));
        assert_eq!(all.first().map(Vec::as_slice), Some(&b"k25"[..]));
        // The same name in another database is another key.
        p.offer(1, 0, b"x");
        p.offer(1, 1, b"x");
        assert_eq!(p.len(), 2);
        let mut k = Vec::new();
        assert!(p.pop_best(&mut k).is_some());
        p.clear();
        assert!(p.is_empty() && p.pop_best(&mut k).is_none());
    }
}
