//! The random numbers behind SPOP, SRANDMEMBER and HRANDFIELD: a
//! per-thread xorshift64* generator seeded from the process's random
//! state. Redis draws from `random()`; any uniform source will do, since
//! which members come out is not part of the contract — only how many,
//! and whether they repeat.

use std::cell::Cell;
use std::hash::BuildHasher;

thread_local! {
    static STATE: Cell<u64> = Cell::new(
        std::collections::hash_map::RandomState::new().hash_one(0x7365_7473u64) | 1,
    );
}

/// The next 64 random bits.
#[inline]
pub fn next_u64() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A uniform index in `0..n`; `n` must not be 0.
#[inline]
pub fn below(n: usize) -> usize {
    // Multiply-shift (Lemire): unbiased enough for n far below 2^64.
    ((next_u64() as u128 * n as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_covers_the_range_and_stays_in_it() {
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[below(7)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 700), "{seen:?}");
    }
}
