//! The active expire cycle. Redis: `activeExpireCycle` in `src/expire.c`.
//!
//! Lazy expiry (on access) alone would keep keys that are never read again
//! forever. So, `hz` times a second, the server samples keys that have a TTL
//! and deletes those whose deadline passed:
//!
//! ```text
//! for each db (resuming where the last cycle stopped):
//!     repeat:
//!         walk `expires` buckets from the db's cursor until 20 keys are sampled
//!         delete the sampled keys whose deadline <= now
//!     while more than 25% of the sample had expired   (the db is "dirty")
//!       and the cycle's time budget is not spent
//! ```
//!
//! If a quarter of a random sample is expired, probably a quarter of the
//! db's volatile keys are, so it pays to keep going; below that, the memory
//! held by expired keys is bounded at ~25% of the volatile ones. The budget —
//! 25% of one `hz` period, i.e. 25 ms at `hz 10` — keeps a mass expiry from
//! stalling clients. (Redis 6 made the threshold tunable with
//! `active-expire-effort`; at the default effort it accepts 10% stale keys.
//! We keep the classic 25% of Redis ≤ 5.)

use std::time::{Duration, Instant};

use super::Keyspace;

/// Keys sampled per round (Redis `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
pub const KEYS_PER_LOOP: usize = 20;
/// Share of one cron period a cycle may use, percent (Redis `ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`).
pub const SLOW_TIME_PERC: u64 = 25;

/// What one cycle did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CycleReport {
    /// Keys examined.
    pub sampled: usize,
    /// Keys deleted.
    pub expired: usize,
    /// Whether the time budget ran out before the work did.
    pub timed_out: bool,
}

/// The time budget of one cycle at `hz`.
pub fn budget(hz: u32) -> Duration {
    Duration::from_micros(1_000_000 * SLOW_TIME_PERC / hz.max(1) as u64 / 100)
}

impl Keyspace {
    /// Runs one active expire cycle over every database, until `deadline`.
    /// Deadlines are compared with [`Keyspace::now_ms`] (the injected clock);
    /// `deadline` bounds real CPU time.
    pub fn active_expire_cycle(&mut self, deadline: Instant) -> CycleReport {
        let mut report = CycleReport::default();
        let now = self.now_ms;
        let mut rounds = 0u32;
        let mut expired_keys = 0;
        // Deleted keys someone WATCHes or tracks (client-side caching),
        // signalled once the walk is over.
        let watching = !self.watched.is_empty() || self.log_changes;
        let log = self.logging & super::LOG_EXPIRED != 0;
        let mut touched: Vec<(usize, Vec<u8>)> = Vec::new();
        'dbs: for (dbi, db) in self.dbs.iter_mut().enumerate() {
            // ANCHOR: cycle
            loop {
                if db.expires.is_empty() {
                    break;
                }
                // Sample: walk buckets from the cursor; at most 20 buckets
                // per wanted key, so a sparse table cannot make one round long.
                let mut sample: Vec<(Vec<u8>, i64)> = Vec::with_capacity(KEYS_PER_LOOP);
                let mut buckets = 0;
                while sample.len() < KEYS_PER_LOOP && buckets < KEYS_PER_LOOP * 20 {
                    db.expire_cursor = db.expires.scan(db.expire_cursor, |e| {
                        sample.push((e.key().to_vec(), e.value));
                    });
                    buckets += 1;
                    if db.expire_cursor == 0 {
                        break;
                    }
                }
                let mut expired = 0;
                for (key, at) in &sample {
                    if *at <= now {
                        db.expires.remove(key);
                        db.dict.remove(key);
                        expired += 1;
                        if log {
                            self.log.push((super::Happened::Expired, dbi, key.clone()));
                        }
                        if watching {
                            touched.push((dbi, key.clone()));
                        }
                    }
                }
                report.sampled += sample.len();
                report.expired += expired;
                expired_keys += expired as u64;
                rounds += 1;
                // Check the clock every 16 rounds, as Redis does: reading it
                // costs more than a round when keys are short.
                if rounds.is_multiple_of(16) && Instant::now() >= deadline {
                    report.timed_out = true;
                    break 'dbs;
                }
                if sample.is_empty() || expired * 100 / sample.len() <= 25 {
                    break;
                }
            }
            // ANCHOR_END: cycle
        }
        self.stats.expired_keys += expired_keys;
        for (i, key) in touched {
            self.signal_watchers(i, &key);
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Keyspace, Val};

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[test]
    fn cycle_removes_expired_keys_without_access() {
        let mut ks = Keyspace::new(2);
        ks.now_ms = 1_000;
        for i in 0..1000 {
            let k = format!("k{i}");
            ks.set(0, k.as_bytes(), Val::Int(i), false);
            // Half expire at t=1500, half at t=10_000.
            ks.set_expire(
                0,
                k.as_bytes(),
                Some(if i % 2 == 0 { 1_500 } else { 10_000 }),
            );
        }
        ks.set(1, b"persistent", Val::Int(1), false);
        assert_eq!(ks.active_expire_cycle(far()).expired, 0);
        ks.now_ms = 2_000;
        // 50% of each sample is stale: the cycle keeps going until the
        // sampled share drops to 25% or less.
        let mut total = 0;
        for _ in 0..200 {
            total += ks.active_expire_cycle(far()).expired;
        }
        assert_eq!(total, 500);
        assert_eq!(ks.len(0), 500);
        assert_eq!(ks.stats.expired_keys, 500);
        ks.now_ms = 20_000;
        for _ in 0..200 {
            ks.active_expire_cycle(far());
        }
        assert_eq!(ks.len(0), 0);
        assert_eq!(ks.len(1), 1);
    }

    #[test]
    fn lazy_expiry_on_access() {
        let mut ks = Keyspace::new(1);
        ks.now_ms = 100;
        ks.set(0, b"a", Val::Int(1), false);
        ks.set_expire(0, b"a", Some(150));
        assert!(ks.get(0, b"a").is_some());
        ks.now_ms = 150;
        assert!(ks.get(0, b"a").is_none());
        assert_eq!(ks.len(0), 0);
    }

    #[test]
    fn the_log_keeps_what_happened_in_order() {
        use crate::db::{Happened, LOG_CREATED, LOG_EXPIRED, LOG_MISSED};
        let mut ks = Keyspace::new(2);
        ks.now_ms = 100;
        ks.set(0, b"untold", Val::Int(1), false);
        assert!(
            ks.log.is_empty(),
            "nothing is logged while nobody consumes it"
        );
        ks.logging = LOG_EXPIRED | LOG_CREATED | LOG_MISSED;
        ks.set_expire(0, b"untold", Some(150));
        ks.set(1, b"b", Val::Int(1), false);
        ks.set_expire(1, b"b", Some(150));
        ks.now_ms = 200;
        // A write on a dead key: its expiry, then the new key.
        ks.set(0, b"untold", Val::Int(2), false);
        assert!(ks.get(0, b"missing").is_none());
        ks.active_expire_cycle(far());
        let seen: Vec<(Happened, usize, &[u8])> = ks
            .log
            .iter()
            .map(|(h, d, k)| (*h, *d, k.as_slice()))
            .collect();
        assert_eq!(
            seen,
            [
                (Happened::Created, 1, &b"b"[..]),
                (Happened::Expired, 0, b"untold"),
                (Happened::Created, 0, b"untold"),
                (Happened::Missed, 0, b"missing"),
                (Happened::Expired, 1, b"b"),
            ]
        );
    }

    #[test]
    fn budget_is_a_quarter_of_the_period() {
        assert_eq!(budget(10), Duration::from_millis(25));
        assert_eq!(budget(100), Duration::from_micros(2_500));
    }
}
