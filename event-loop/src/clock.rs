//! The loop's cached clock (libevent's `tv_cache`, Redis's cached
//! `server.mstime`): read once per wake-up, so every callback of a turn
//! agrees on "now" and none pays for a clock read.
//!
//! Timer deadlines are whole milliseconds since the loop was created; the
//! clock keeps that count next to the `Instant` so the wheel never divides.

use std::time::{Duration, Instant};

/// The time of the current turn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    /// Time zero of the timer wheel: when the loop was built.
    start: Instant,
    /// The clock as read at the last update.
    now: Instant,
    /// `now - start`, cached with `now`.
    since_start: Duration,
    /// `since_start` in whole milliseconds (rounded down).
    now_ms: u64,
}

impl Clock {
    /// A clock whose time zero is now.
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        Self {
            start: now,
            now,
            since_start: Duration::ZERO,
            now_ms: 0,
        }
    }

    /// Read the OS clock.
    pub(crate) fn update(&mut self) {
        self.now = Instant::now();
        self.since_start = self.now.duration_since(self.start);
        self.now_ms =
            self.since_start.as_secs() * 1000 + u64::from(self.since_start.subsec_millis());
    }

    /// The cached time.
    pub(crate) fn now(&self) -> Instant {
        self.now
    }

    /// The cached time since time zero.
    pub(crate) fn since_start(&self) -> Duration {
        self.since_start
    }

    /// The cached time in wheel milliseconds.
    pub(crate) fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The instant of wheel millisecond `ms`.
    pub(crate) fn instant_at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }
}
