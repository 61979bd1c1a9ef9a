//! The replayed cache traces: which key each `GET` of a run asks for.
//!
//! Every trace is sized from the cache it is replayed against. With
//! [`VALUE_SIZE`]-byte values a cached key costs about [`FOOTPRINT`] bytes
//! in redis-server (the value's allocation, the key, its dict entry and
//! object header), so `maxmemory` holds about `capacity = maxmemory /
//! FOOTPRINT` keys; the trace draws from `10 × capacity` distinct keys
//! (`key:0` … `key:<10·capacity − 1>`, hottest first), ten times what fits.
//!
//! A run is `15 × capacity` GETs: the first `5 × capacity` warm the empty
//! cache up and are not counted; the hit ratio is taken over the other
//! `10 × capacity`. Draws come from one seeded generator, so both servers
//! are asked for the same keys in the same order.
//!
//! The three shapes:
//!
//! - `zipf-0.99`: key ranks drawn from Zipf(s = 0.99), YCSB's skew;
//! - `zipf-0.8`: Zipf(0.8), flatter, so fewer hits are possible;
//! - `zipf-0.99+scan`: Zipf(0.99) interrupted by full scans. The trace runs
//!   in cycles of `5 × capacity` GETs; each cycle *starts* with one scan of
//!   `capacity` GETs, asking once, in order, for every key of the coldest
//!   `capacity` ranks (`key:<9·capacity>` … `key:<10·capacity − 1>`), and
//!   goes on with `4 × capacity` Zipf(0.99) draws. A scan is as long as
//!   the cache is big, so a policy that admits every scanned key flushes its
//!   hot set; the counted part holds two scans, each followed by the Zipf
//!   stretch in which the cache recovers.

use std::fmt;

use crate::stress::engine::Rng;
use crate::stress::zipf::Zipf;

/// Bytes of every value the replayer sets on a miss.
pub(crate) const VALUE_SIZE: usize = 1000;
/// Nominal bytes one cached key costs (the value plus about 100 bytes of
/// key, dict entry and object header in redis-server), to size the traces.
pub(crate) const FOOTPRINT: u64 = 1100;
/// Distinct keys per key that fits.
pub(crate) const OVERSUBSCRIBE: u64 = 10;
/// GETs of warm-up, per key that fits.
pub(crate) const WARMUP: u64 = 5;
/// GETs counted, per key that fits.
pub(crate) const COUNTED: u64 = 10;
/// A scan cycle's length, per key that fits (the scan is one of them).
pub(crate) const SCAN_CYCLE: u64 = 5;
/// The generator's seed, the same for every server.
pub(crate) const SEED: u64 = 42;

/// The shape of a trace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Shape {
    /// Zipf draws with this exponent.
    Zipf(f64),
    /// Zipf(0.99) draws with a periodic full scan of the coldest keys.
    ZipfScan,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Zipf(s) => write!(f, "zipf-{s}"),
            Shape::ZipfScan => write!(f, "zipf-0.99+scan"),
        }
    }
}

/// The three shapes, in table order.
pub(crate) const SHAPES: [Shape; 3] = [Shape::Zipf(0.99), Shape::Zipf(0.8), Shape::ZipfScan];

/// How many keys about fit in `maxmemory` bytes.
pub(crate) fn capacity(maxmemory: u64) -> u64 {
    (maxmemory / FOOTPRINT).max(1)
}

/// One trace: a shape sized for a cache.
pub(crate) struct Trace {
    shape: Shape,
    /// Keys that about fit.
    capacity: u64,
    zipf: Zipf,
}

impl Trace {
    /// The trace of `shape` for a cache of `maxmemory` bytes.
    pub(crate) fn new(shape: Shape, maxmemory: u64) -> anyhow::Result<Trace> {
        let capacity = capacity(maxmemory);
        let s = match shape {
            Shape::Zipf(s) => s,
            Shape::ZipfScan => 0.99,
        };
        Ok(Trace {
            shape,
            capacity,
            zipf: Zipf::new(capacity * OVERSUBSCRIBE, s)?,
        })
    }

    /// Keys that about fit.
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Distinct keys the trace draws from.
    pub(crate) fn distinct(&self) -> u64 {
        self.zipf.ranks()
    }

    /// GETs of warm-up (not counted).
    pub(crate) fn warmup(&self) -> u64 {
        WARMUP * self.capacity
    }

    /// GETs counted after the warm-up.
    pub(crate) fn counted(&self) -> u64 {
        COUNTED * self.capacity
    }

    /// The key ranks of the whole run, warm-up first, from the same seed
    /// every time.
    pub(crate) fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        let mut rng = Rng::new(SEED);
        let cycle = SCAN_CYCLE * self.capacity;
        let coldest = self.distinct() - self.capacity;
        (0..self.warmup() + self.counted()).map(move |i| {
            let phase = i % cycle;
            if self.shape == Shape::ZipfScan && phase < self.capacity {
                coldest + phase
            } else {
                self.zipf.sample(&mut rng)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_is_sized_from_the_cache_and_repeats_itself() {
        let t = Trace::new(Shape::Zipf(0.99), 1100 * 100).unwrap();
        assert_eq!((t.capacity(), t.distinct()), (100, 1000));
        let keys: Vec<u64> = t.keys().collect();
        assert_eq!(keys.len() as u64, t.warmup() + t.counted());
        assert_eq!(keys.len(), 1500);
        assert!(keys.iter().all(|&k| k < 1000));
        assert_eq!(keys, t.keys().collect::<Vec<_>>());
        // The hot ranks dominate: rank 0 alone is about 13% of Zipf(0.99) over 1000.
        let zeros = keys.iter().filter(|&&k| k == 0).count();
        assert!((120..280).contains(&zeros), "{zeros}");
    }

    #[test]
    fn scans_walk_the_coldest_keys_at_the_start_of_every_cycle() {
        let t = Trace::new(Shape::ZipfScan, 1100 * 100).unwrap();
        let keys: Vec<u64> = t.keys().collect();
        for cycle in 0..3 {
            let start = cycle * 500;
            let scan: Vec<u64> = (900..1000).collect();
            assert_eq!(keys[start..start + 100], scan[..], "cycle {cycle}");
        }
        // Between scans, Zipf draws: the next key is hot far more often than cold.
        let hot = keys[100..500].iter().filter(|&&k| k < 100).count();
        assert!(hot > 200, "{hot}");
        assert_eq!(Shape::ZipfScan.to_string(), "zipf-0.99+scan");
        assert_eq!(Shape::Zipf(0.8).to_string(), "zipf-0.8");
    }
}
