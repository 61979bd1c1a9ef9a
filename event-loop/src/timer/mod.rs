//! Timers on the loop: one-shot and repeating, cancel, reschedule.
//!
//! Mirrors libevent's `evtimer_add` / `EV_PERSIST` timeouts and Redis's
//! `aeCreateTimeEvent` / `aeDeleteTimeEvent`. Deadlines are whole
//! milliseconds on the loop's clock, rounded up so a timer never fires
//! early relative to the cached clock it was scheduled from; the storage is
//! the hierarchical wheel in [`wheel`] (O(1) insert and cancel).
//!
//! # Layout
//!
//! - this file: timer ids, callbacks and the public scheduling API.
//! - `fire`: the timer step of a turn (fire what is due, re-arm repeats).
//! - [`wheel`]: the storage, a hierarchical timing wheel.

mod fire;
pub mod wheel;

use std::time::Duration;

pub use wheel::{TimerKey, TimerWheel};

use crate::event_loop::EventLoop;

/// Names one timer; stays valid across the firings of a repeating timer,
/// and becomes stale once a one-shot timer fired or any timer was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(pub(crate) TimerKey);

/// A plain-function timer callback with its argument, stored inline: the
/// shape of libevent's `evtimer_new(base, cb, arg)`.
pub type TimerFn<S> = fn(&mut EventLoop<S>, &mut S, TimerId, u64);

/// A closure timer callback.
type BoxedTimer<S> = Box<dyn FnMut(&mut EventLoop<S>, &mut S, TimerId)>;

/// A timer callback: a boxed closure, or a function and its argument.
enum TimerCallback<S> {
    /// Any closure; one allocation per timer.
    Boxed(BoxedTimer<S>),
    /// A function pointer and a `u64`; no allocation.
    Fn(TimerFn<S>, u64),
}

/// What the wheel stores per timer.
pub(crate) struct TimerEntry<S> {
    /// The callback; while a boxed one runs, a `Fn(noop)` stands in.
    callback: TimerCallback<S>,
    /// Period of a repeating timer in ms; [`ONE_SHOT`] for one-shot.
    interval: u64,
}

/// `TimerEntry::interval` of a one-shot timer.
const ONE_SHOT: u64 = u64::MAX;

/// The stand-in for a boxed callback while it runs.
fn noop<S>(_: &mut EventLoop<S>, _: &mut S, _: TimerId, _: u64) {}

/// Whole milliseconds in `d`, rounded up (u64 arithmetic only: this runs
/// once per timer scheduled, and a u128 division is not cheap).
fn ceil_ms(d: Duration) -> u64 {
    let nanos = d.subsec_nanos();
    let ms = d
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(nanos / 1_000_000));
    ms.saturating_add(u64::from(!nanos.is_multiple_of(1_000_000)))
}

impl<S: 'static> EventLoop<S> {
    /// Run `callback` once, `delay` after the cached clock (libevent
    /// `evtimer_add`, Redis `aeCreateTimeEvent`).
    pub fn timer<F>(&mut self, delay: Duration, callback: F) -> TimerId
    where
        F: FnMut(&mut EventLoop<S>, &mut S, TimerId) + 'static,
    {
        self.add_timer(delay, ONE_SHOT, TimerCallback::Boxed(Box::new(callback)))
    }

    /// Run `callback` every `interval`, first after one interval (libevent
    /// `EV_PERSIST` timeout). Deadlines advance by the interval from the
    /// previous deadline, so a slow turn does not make the period drift.
    pub fn repeat<F>(&mut self, interval: Duration, callback: F) -> TimerId
    where
        F: FnMut(&mut EventLoop<S>, &mut S, TimerId) + 'static,
    {
        let every = ceil_ms(interval).min(ONE_SHOT - 1);
        self.add_timer(interval, every, TimerCallback::Boxed(Box::new(callback)))
    }

    /// Like [`timer`](Self::timer), with a plain function and a `u64`
    /// argument stored inline, as libevent's `evtimer_new(base, cb, arg)`:
    /// no allocation per timer. The argument usually indexes the state.
    pub fn timer_fn(&mut self, delay: Duration, callback: TimerFn<S>, arg: u64) -> TimerId {
        self.add_timer(delay, ONE_SHOT, TimerCallback::Fn(callback, arg))
    }

    /// Like [`repeat`](Self::repeat), with a plain function and a `u64`
    /// argument stored inline.
    pub fn repeat_fn(&mut self, interval: Duration, callback: TimerFn<S>, arg: u64) -> TimerId {
        let every = ceil_ms(interval).min(ONE_SHOT - 1);
        self.add_timer(interval, every, TimerCallback::Fn(callback, arg))
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
        ceil_ms(self.clock.since_start().saturating_add(delay))
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
        assert_eq!(ceil_ms(Duration::new(2, 1)), 2001);
        assert_eq!(ceil_ms(Duration::MAX), u64::MAX);
    }
}

#[cfg(test)]
mod wheel_tests;
