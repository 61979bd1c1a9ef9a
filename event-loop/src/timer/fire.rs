//! Firing due timers: the timer step of a loop turn.
//!
//! Redis's `processTimeEvents` walks its whole unsorted list each turn;
//! libevent pops its min-heap. We pop the wheel, which hands back due
//! timers in deadline order (see [`super::wheel`]).

use crate::event_loop::EventLoop;

use super::{ONE_SHOT, TimerCallback, TimerId, noop};

impl<S: 'static> EventLoop<S> {
    /// Advance the wheel to the cached clock and fire what is due, in
    /// deadline order. A repeating timer is re-armed from its previous
    /// deadline (no drift), or from now if it fell behind.
    pub(crate) fn fire_timers(&mut self, state: &mut S) {
        let now_ms = self.clock.now_ms();
        self.timers.advance(now_ms);
        while let Some(key) = self.timers.pop_expired() {
            let Some(entry) = self.timers.get_mut(key) else {
                continue;
            };
            let interval = entry.interval;
            let id = TimerId(key);
            let boxed = match entry.callback {
                TimerCallback::Fn(function, arg) => {
                    function(self, state, id, arg);
                    None
                }
                TimerCallback::Boxed(_) => {
                    let stand_in = TimerCallback::Fn(noop, 0);
                    let TimerCallback::Boxed(mut callback) =
                        std::mem::replace(&mut entry.callback, stand_in)
                    else {
                        continue;
                    };
                    callback(self, state, id);
                    Some(callback)
                }
            };
            if !self.timers.contains(key) {
                continue; // cancelled inside its own callback
            }
            let rescheduled = !self.timers.is_detached(key);
            if !rescheduled && interval == ONE_SHOT {
                self.timers.remove(key);
                continue;
            }
            if let (Some(callback), Some(entry)) = (boxed, self.timers.get_mut(key)) {
                entry.callback = TimerCallback::Boxed(callback);
            }
            if !rescheduled {
                let previous = self.timers.deadline(key).unwrap_or(now_ms);
                let mut next = previous.saturating_add(interval);
                if next <= now_ms {
                    next = now_ms.saturating_add(interval);
                }
                self.timers.reset(key, next);
            }
        }
    }
}
