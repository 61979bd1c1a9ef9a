//! Timers on the loop: one-shot and repeating, cancel, reschedule.
//!
//! Mirrors libevent's `evtimer_add` / `EV_PERSIST` timeouts and Redis's
//! `aeCreateTimeEvent` / `aeDeleteTimeEvent`. Deadlines are whole
//! milliseconds on the loop's clock, rounded up so a timer never fires
//! early relative to the cached clock it was scheduled from; the storage is
//! the hierarchical wheel in [`wheel`] (O(1) insert and cancel).

pub mod wheel;

use std::time::Duration;

pub use wheel::{TimerKey, TimerWheel};

use crate::event_loop::EventLoop;

/// Names one timer; stays valid across the firings of a repeating timer,
/// and becomes stale once a one-shot timer fired or any timer was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(pub(crate) TimerKey);

/// A timer callback.
pub(crate) type TimerCallback<S> = Box<dyn FnMut(&mut EventLoop<S>, &mut S, TimerId)>;

/// What the wheel stores per timer (24 bytes: the wheel node is 48).
pub(crate) struct TimerEntry<S> {
    /// The callback; a no-op stand-in while it runs (a boxed zero-sized
    /// closure, which does not allocate).
    pub(crate) callback: TimerCallback<S>,
    /// Period of a repeating timer in ms; [`ONE_SHOT`] for one-shot.
    pub(crate) interval: u64,
}

/// `TimerEntry::interval` of a one-shot timer.
pub(crate) const ONE_SHOT: u64 = u64::MAX;

/// The stand-in callback left in a running timer's entry.
pub(crate) fn noop<S>() -> TimerCallback<S> {
    Box::new(|_, _, _| {})
}

/// Whole milliseconds in `d`, rounded up.
fn ceil_ms(d: Duration) -> u64 {
    d.as_nanos().div_ceil(1_000_000).min(u64::MAX as u128) as u64
}

impl<S: 'static> EventLoop<S> {
    /// Run `callback` once, `delay` after the cached clock (libevent
    /// `evtimer_add`, Redis `aeCreateTimeEvent`).
    pub fn timer<F>(&mut self, delay: Duration, callback: F) -> TimerId
    where
        F: FnMut(&mut EventLoop<S>, &mut S, TimerId) + 'static,
    {
        self.add_timer(delay, ONE_SHOT, Box::new(callback))
    }

    /// Run `callback` every `interval`, first after one interval (libevent
    /// `EV_PERSIST` timeout). Deadlines advance by the interval from the
    /// previous deadline, so a slow turn does not make the period drift.
    pub fn repeat<F>(&mut self, interval: Duration, callback: F) -> TimerId
    where
        F: FnMut(&mut EventLoop<S>, &mut S, TimerId) + 'static,
    {
        let every = ceil_ms(interval).min(ONE_SHOT - 1);
        self.add_timer(interval, every, Box::new(callback))
    }

    fn add_timer(&mut self, delay: Duration, interval: u64, callback: TimerCallback<S>) -> TimerId {
        let deadline = self.deadline_after(delay);
        let entry = TimerEntry { callback, interval };
        TimerId(self.timers.insert(deadline, entry))
    }

    /// Cancel a timer (libevent `event_del`, Redis `aeDeleteTimeEvent`);
    /// false if it already fired (one-shot) or was cancelled. Cancelling a
    /// timer from its own callback stops it repeating.
    pub fn cancel_timer(&mut self, id: TimerId) -> bool {
        self.timers.remove(id.0).is_some()
    }

    /// Move a pending timer to `delay` after the cached clock, keeping its
    /// id; false if it is gone. Called from a one-shot timer's own callback
    /// it makes the timer fire again.
    pub fn reschedule(&mut self, id: TimerId, delay: Duration) -> bool {
        let deadline = self.deadline_after(delay);
        self.timers.reset(id.0, deadline)
    }

    /// Whether the timer is still pending (or running).
    pub fn timer_pending(&self, id: TimerId) -> bool {
        self.timers.contains(id.0)
    }

    /// Number of timers pending.
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }

    fn deadline_after(&self, delay: Duration) -> u64 {
        let since_start = self.now.duration_since(self.start);
        ceil_ms(since_start.saturating_add(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_ms_rounds_up() {
        assert_eq!(ceil_ms(Duration::ZERO), 0);
        assert_eq!(ceil_ms(Duration::from_micros(1)), 1);
        assert_eq!(ceil_ms(Duration::from_millis(5)), 5);
        assert_eq!(ceil_ms(Duration::from_micros(5001)), 6);
    }
}

#[cfg(test)]
mod wheel_tests;
