//! The per-key access clock: Redis's 24-bit LRU clock, in seconds, kept
//! in each key's header. Redis: `LRU_CLOCK`, `getLRUClock` and
//! `estimateObjectIdleTime` in `src/evict.c`, `robj.lru` in `src/server.h`.
//!
//! A read or a write of a key stamps it with the clock of the current
//! command (the keyspace's cached time, as Redis stamps `server.lruclock`);
//! `TYPE`, `EXISTS`, `TTL` and `OBJECT` look without stamping (Redis's
//! `LOOKUP_NOTOUCH`). 24 bits of seconds wrap every 194 days; an idle time
//! is computed across one wrap, as Redis does, so it is exact for keys
//! idle less than that. LRU eviction will sample keys by this clock.
//!
//! ```text
//!   clock now  ---------------------+
//!   key stamp  ----------+          |     idle = now - stamp
//!                        v          v
//!   0 .................. s ........ n ...... 2^24-1   (then wraps to 0)
//! ```

use super::sds::META_MAX;

/// The clock's unit in milliseconds (Redis `LRU_CLOCK_RESOLUTION`).
pub const RESOLUTION_MS: i64 = 1000;

/// The largest clock value (Redis `LRU_CLOCK_MAX`).
pub const CLOCK_MAX: u32 = META_MAX;

/// The clock at `now_ms` (Unix milliseconds): seconds, on 24 bits.
#[inline]
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / RESOLUTION_MS) as u64 & u64::from(CLOCK_MAX)) as u32
}

// ANCHOR: idle
/// How long ago, in milliseconds, a key stamped `stamp` was used, with the
/// clock now at `now` (Redis `estimateObjectIdleTime`, including its way of
/// counting across a wrap).
#[inline]
pub fn idle_ms(now: u32, stamp: u32) -> u64 {
    let ticks = if now >= stamp {
        u64::from(now - stamp)
    } else {
        u64::from(now) + u64::from(CLOCK_MAX - stamp)
    };
    ticks * RESOLUTION_MS as u64
}
// ANCHOR_END: idle

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_counts_seconds_and_wraps_on_24_bits() {
        assert_eq!(lru_clock(0), 0);
        assert_eq!(lru_clock(1999), 1);
        assert_eq!(lru_clock(i64::from(CLOCK_MAX) * 1000 + 1000), 0);
        assert_eq!(idle_ms(10, 4), 6000);
        assert_eq!(idle_ms(4, 4), 0);
        // Across the wrap, as Redis computes it.
        assert_eq!(idle_ms(2, CLOCK_MAX - 3), 5000);
    }

    #[test]
    fn reads_and_writes_stamp_a_key_and_peeks_do_not() {
        use crate::db::{Keyspace, Val};
        let mut ks = Keyspace::new(1);
        ks.now_ms = 1_700_000_000_000;
        ks.set(0, b"k", Val::Int(1), false);
        assert_eq!(ks.idle_ms(0, b"k"), Some(0));
        ks.now_ms += 5_000;
        assert_eq!(ks.idle_ms(0, b"k"), Some(5_000));
        // TYPE, OBJECT (peek), EXISTS leave the stamp alone.
        assert!(ks.peek(0, b"k").is_some());
        assert!(ks.exists(0, b"k"));
        assert_eq!(ks.idle_ms(0, b"k"), Some(5_000));
        // A read stamps it.
        assert!(ks.get(0, b"k").is_some());
        assert_eq!(ks.idle_ms(0, b"k"), Some(0));
        ks.now_ms += 3_000;
        // So do a write lookup and an overwrite.
        assert!(ks.get_for_write(0, b"k").is_some());
        assert_eq!(ks.idle_ms(0, b"k"), Some(0));
        ks.now_ms += 3_000;
        ks.set(0, b"k", Val::Int(2), false);
        assert_eq!(ks.idle_ms(0, b"k"), Some(0));
        assert_eq!(ks.idle_ms(0, b"missing"), None);
    }
}
