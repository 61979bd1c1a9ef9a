//! A count-min sketch with aging: how often a key was asked for lately, in
//! a few bits per key whether it is cached or not. The frequency estimate
//! behind [`super::admit`]. After Einziger, Friedman and Manes, "TinyLFU:
//! A Highly Efficient Cache Admission Policy" (2017), and Caffeine's
//! `FrequencySketch`.
//!
//! ```text
//!   key ──hash──► h1, h2 ──► row r: counter at (h1 + r·h2) mod width
//!   row 0  [ . . 3 . . . . 1 . . ]
//!   row 1  [ . 1 . . . 3 . . . . ]     estimate = min over the rows
//!   row 2  [ . . . 4 . . . . . 3 ]     (collisions only ever add)
//!   row 3  [ 3 . . . . . . . . . ]
//! ```
//!
//! Counters saturate at 15 (four bits' worth, kept in a byte for
//! simplicity). After `10 × width` increments every counter is halved —
//! the aging that lets yesterday's favourites make room: a key's estimate
//! is roughly its share of the recent accesses.

use crate::db::dict::hash_bytes;

/// Rows (independent hash functions).
const DEPTH: usize = 4;
/// A counter's ceiling.
pub const MAX: u8 = 15;
/// Smallest and largest width (counters per row).
pub const MIN_WIDTH: usize = 1 << 10;
/// See [`MIN_WIDTH`]: 4 × 2^20 bytes at most.
pub const MAX_WIDTH: usize = 1 << 20;
/// Hash seed (fixed: estimates need not differ between processes).
const SEED: u64 = 0x0074_696e_796c_6675;

/// The sketch.
#[derive(Debug, Clone)]
pub struct Sketch {
    /// `DEPTH` rows of `width` counters, row after row.
    counters: Vec<u8>,
    /// Counters per row, a power of two.
    width: usize,
    /// Increments since the last halving.
    additions: usize,
}

impl Sketch {
    /// A sketch sized for about `keys` distinct keys.
    pub fn new(keys: usize) -> Sketch {
        let width = keys.clamp(MIN_WIDTH, MAX_WIDTH).next_power_of_two();
        Sketch {
            counters: vec![0; DEPTH * width],
            width,
            additions: 0,
        }
    }

    /// Counters per row.
    pub fn width(&self) -> usize {
        self.width
    }

    #[inline]
    fn slots(&self, key: &[u8]) -> [usize; DEPTH] {
        let h = hash_bytes(SEED, key);
        let (h1, h2) = (h as u32 as usize, ((h >> 32) as usize) | 1);
        let mask = self.width - 1;
        std::array::from_fn(|r| r * self.width + (h1.wrapping_add(r.wrapping_mul(h2)) & mask))
    }

    /// Counts one access of `key`.
    #[inline]
    pub fn add(&mut self, key: &[u8]) {
        for s in self.slots(key) {
            let c = &mut self.counters[s];
            *c = (*c + 1).min(MAX);
        }
        self.additions += 1;
        if self.additions >= 10 * self.width {
            self.halve();
        }
    }

    /// The estimated recent accesses of `key` (never below the truth
    /// since the last halving, unless saturated).
    #[inline]
    pub fn estimate(&self, key: &[u8]) -> u8 {
        self.slots(key)
            .iter()
            .map(|&s| self.counters[s])
            .min()
            .unwrap_or(0)
    }

    /// Ages every counter by half.
    fn halve(&mut self) {
        for c in &mut self.counters {
            *c >>= 1;
        }
        self.additions /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_count_accesses_and_never_undercount() {
        let mut s = Sketch::new(1000);
        for i in 0..500u32 {
            for _ in 0..(i % 7) {
                s.add(format!("key:{i}").as_bytes());
            }
        }
        let mut exact = 0;
        for i in 0..500u32 {
            let e = s.estimate(format!("key:{i}").as_bytes());
            assert!(e >= (i % 7) as u8, "key:{i} estimated {e}");
            exact += usize::from(e == (i % 7) as u8);
        }
        assert!(exact > 450, "collisions are rare at this load: {exact}/500");
        assert_eq!(s.estimate(b"never"), 0);
    }

    #[test]
    fn counters_saturate_and_age_by_half() {
        let mut s = Sketch::new(MIN_WIDTH);
        for _ in 0..100 {
            s.add(b"hot");
        }
        assert_eq!(s.estimate(b"hot"), MAX);
        // The increment that completes the aging window halves everything:
        // the saturated counters of "hot" read 7 right after.
        for i in 0..(10 * s.width() - 101) {
            s.add(format!("{i}").as_bytes());
        }
        assert_eq!(s.estimate(b"hot"), MAX);
        s.add(b"last");
        assert_eq!(s.estimate(b"hot"), MAX / 2);
        assert_eq!(Sketch::new(0).width(), MIN_WIDTH);
        assert_eq!(Sketch::new(usize::MAX).width(), MAX_WIDTH);
        assert_eq!(Sketch::new(3000).width(), 4096);
    }
}
