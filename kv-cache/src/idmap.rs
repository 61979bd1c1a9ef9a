//! Maps keyed by client id. Ids are small increasing integers handed out by
//! the server, never chosen by clients, so SipHash's flooding resistance
//! buys nothing; one multiplication spreads them over the table's buckets.
//! Used by the registries the machinery keeps per client (blocked clients,
//! subscribers, watchers, the outbox).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for `u64` client ids (Fibonacci hashing).
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Only reached for non-u64 keys, which these maps never use; fold
        // the bytes in anyway so the hasher stays correct.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A `HashMap` keyed by client id.
pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// A `HashSet` of client ids.
pub type IdSet = HashSet<u64, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_spread_and_round_trip() {
        let mut m: IdMap<u64> = IdMap::default();
        for i in 1..=1000u64 {
            m.insert(i, i * 2);
        }
        assert_eq!(m.len(), 1000);
        assert!((1..=1000u64).all(|i| m.get(&i) == Some(&(i * 2))));
        let mut h = IdHasher::default();
        h.write_u64(1);
        let mut g = IdHasher::default();
        g.write_u64(2);
        assert_ne!(h.finish() >> 57, g.finish() >> 57, "top bits differ");
    }
}
