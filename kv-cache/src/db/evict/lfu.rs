//! The LFU counter: a Morris counter that grows logarithmically with the
//! hits and halves its meaning with time. Redis: `LFULogIncr`,
//! `LFUDecrAndReturn`, `LFUGetTimeInMinutes` and `LFUTimeElapsed` in
//! `src/evict.c`.
//!
//! Under an LFU policy the key's 24 header bits (the LRU clock otherwise,
//! see [`crate::db::clock`]) hold, as Redis's `robj.lru` does:
//!
//! ```text
//!      16 bits                   8 bits
//!  +------------------------+-----------+
//!  | last decrement time    |  counter  |   time: minutes, mod 65536
//!  +------------------------+-----------+
//! ```
//!
//! - A new key starts at [`INIT_VAL`] (5), so it is not evicted before it
//!   had a chance to be read again.
//! - A hit first applies the decay (one off per `lfu-decay-time` minutes
//!   since the stored time), then increments with probability
//!   `1 / ((counter - 5) * lfu-log-factor + 1)`.
//!
//! Worked example with the defaults (factor 10, decay 1 minute): a key at
//! 5 climbs to 6 on its next hit for sure, to 7 with p = 1/11, to 8 with
//! p = 1/21; about 100 hits bring it to 10, 1,000 to 18, 100,000 to ~142,
//! a million to 255 (the ceiling). Left alone for 10 minutes, a key at 18
//! reads as 8.

/// A new key's counter (Redis `LFU_INIT_VAL`).
pub const INIT_VAL: u8 = 5;

/// Minutes on 16 bits at `now_ms` (Redis `LFUGetTimeInMinutes`).
#[inline]
pub fn minutes(now_ms: i64) -> u32 {
    ((now_ms / 60_000) & 0xFFFF) as u32
}

/// Minutes from `then` to `now` on the 16-bit clock, across one wrap
/// (Redis `LFUTimeElapsed`, which counts a wrap as 65535 minutes).
#[inline]
pub fn elapsed(now: u32, then: u32) -> u32 {
    if now >= then {
        now - then
    } else {
        65535 - then + now
    }
}

/// The 24 header bits for `counter` stamped at minute `now`.
#[inline]
pub fn pack(now: u32, counter: u8) -> u32 {
    ((now & 0xFFFF) << 8) | u32::from(counter)
}

// ANCHOR: morris
/// The counter of the header `meta` after the decay owed at minute `now`
/// (Redis `LFUDecrAndReturn`); `decay_time` 0 never decays.
#[inline]
pub fn decayed(meta: u32, now: u32, decay_time: u32) -> u8 {
    let counter = (meta & 0xFF) as u8;
    if decay_time == 0 {
        return counter;
    }
    let periods = elapsed(now, meta >> 8) / decay_time;
    counter.saturating_sub(periods.min(255) as u8)
}

/// The counter after one hit, `r` a uniform draw in `[0, 1)` (Redis
/// `LFULogIncr`).
#[inline]
pub fn log_incr(counter: u8, log_factor: u32, r: f64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if r < p { counter + 1 } else { counter }
}
// ANCHOR_END: morris

/// The header after one hit at minute `now` (Redis `updateLFU`).
#[inline]
pub fn hit(meta: u32, now: u32, log_factor: u32, decay_time: u32, r: f64) -> u32 {
    pack(now, log_incr(decayed(meta, now, decay_time), log_factor, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded uniform draw, so the test is the same every run.
    fn draws(mut s: u64) -> impl FnMut() -> f64 {
        move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn after_hits(n: u32, factor: u32) -> u8 {
        let mut r = draws(0x5eed);
        let mut meta = pack(0, INIT_VAL);
        for _ in 0..n {
            meta = hit(meta, 0, factor, 1, r());
        }
        (meta & 0xFF) as u8
    }

    #[test]
    fn the_counter_grows_as_redis_documents_it() {
        // redis.conf's table for lfu-log-factor: (factor, hits, counter).
        for (factor, hits, want) in [
            (10, 100, 10),
            (10, 1_000, 18),
            (10, 100_000, 142),
            (1, 100, 18),
            (1, 1_000, 49),
            (100, 100_000, 49),
        ] {
            let got = after_hits(hits, factor);
            let slack = (f64::from(want) * 0.15).max(2.0);
            assert!(
                (f64::from(got) - f64::from(want)).abs() <= slack,
                "factor {factor}, {hits} hits: {got}, Redis documents {want}"
            );
        }
        assert_eq!(after_hits(1_000_000, 10), 255);
        assert_eq!(after_hits(300, 0), 255, "factor 0 counts every hit");
        // The first hit of a new key always counts: p = 1 at INIT_VAL.
        assert_eq!(log_incr(INIT_VAL, 10, 0.999), INIT_VAL + 1);
        assert_eq!(log_incr(255, 0, 0.0), 255);
    }

    #[test]
    fn the_counter_decays_one_per_period_and_wraps_the_minute_clock() {
        let meta = pack(100, 18);
        assert_eq!(decayed(meta, 100, 1), 18);
        assert_eq!(decayed(meta, 110, 1), 8, "ten minutes, one each");
        assert_eq!(decayed(meta, 110, 5), 16, "two periods of five minutes");
        assert_eq!(decayed(meta, 200, 1), 0, "never below zero");
        assert_eq!(decayed(meta, 200, 0), 18, "decay time 0: no decay");
        // Across the 16-bit wrap, as Redis counts it.
        assert_eq!(elapsed(3, 65534), 4);
        assert_eq!(decayed(pack(65530, 10), 2, 1), 3);
        assert_eq!(minutes(60_000 * 65_537), 1);
    }
}
