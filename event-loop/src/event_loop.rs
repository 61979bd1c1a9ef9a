//! The loop itself: one iteration is hooks, poll, I/O, timers.
//!
//! Mirrors libevent's `event_base_loop` (`event.c`) and Redis's `aeMain` /
//! `aeProcessEvents` (`ae.c`). One turn of [`EventLoop::run_once`]:
//!
//! ```text
//!   before-sleep hooks  (Redis beforeSleep: flush replies, ...)
//!   flush dirty connections (output written outside their own callbacks)
//!   timeout = 0 if work is queued, else until the next timer (or forever)
//!   poll(timeout)       (epoll_wait through mio: the only blocking call)
//!   cache the clock     (one Instant::now per turn, like libevent's tv_cache)
//!   after-sleep hooks
//!   I/O callbacks       (this turn's readiness + activated events,
//!                        lowest priority number first)
//!   cross-thread closures, then signal callbacks
//!   timer callbacks     (every timer due by the cached clock, in order)
//! ```

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Token, Waker};

use crate::error::Result;
use crate::hooks::Callbacks;
use crate::io::IoSlot;
use crate::ready::{IoId, Ready};
use crate::remote::{RemoteFn, Shared};
use crate::signal::Signals;
use crate::timer::{TimerCallback, TimerEntry, TimerWheel};

/// Token of the cross-thread waker.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);
/// Token of the signal self-pipe.
pub(crate) const SIGNAL_TOKEN: Token = Token(usize::MAX - 1);
/// Default capacity of the mio event buffer (events taken per poll).
const DEFAULT_EVENTS: usize = 1024;
/// Size of the shared read scratch buffer.
pub(crate) const SCRATCH: usize = 64 * 1024;

/// A reactor: register I/O sources, timers, signals and hooks with
/// callbacks, then [`run`](Self::run) it.
///
/// Mirrors libevent's `struct event_base` and Redis's `aeEventLoop`. `S` is
/// the user state handed to every callback next to the loop itself, so a
/// callback can both change state and (de)register events without shared
/// ownership: callbacks have the shape
/// `FnMut(&mut EventLoop<S>, &mut S, ...)`. While a callback runs it is
/// taken out of its slot, and put back afterwards unless it was removed.
pub struct EventLoop<S> {
    /// The OS selector (epoll on Linux).
    pub(crate) poll: Poll,
    /// Reused buffer of readiness events from the last poll.
    pub(crate) events: Events,
    /// Slab of I/O registrations, indexed by `IoId::index`.
    pub(crate) io: Vec<IoSlot<S>>,
    /// Head of the free-slot chain in `io` (`u32::MAX` = none).
    pub(crate) io_free: u32,
    /// Live registrations.
    pub(crate) io_len: usize,
    /// This turn's dispatch list, reused across turns.
    pub(crate) ready: Vec<(IoId, Ready)>,
    /// Events made active by hand for the next turn (libevent `event_active`).
    pub(crate) activated: Vec<(IoId, Ready)>,
    /// One queue per priority level beyond the first, reused across turns.
    pub(crate) prio_queues: Vec<Vec<(IoId, Ready)>>,
    /// Number of priority levels (libevent `event_base_priority_init`).
    pub(crate) priorities: u8,
    /// Connections written to or closed outside their own callbacks,
    /// settled (flushed/closed) before the loop sleeps.
    pub(crate) dirty: Vec<IoId>,
    /// Shared read buffer for buffered connections.
    pub(crate) scratch: Vec<u8>,
    /// All timers.
    pub(crate) timers: TimerWheel<TimerEntry<S>>,
    /// Time zero of the timer wheel.
    pub(crate) start: Instant,
    /// The clock cached at the last wake-up.
    pub(crate) now: Instant,
    /// `now - start`, cached with `now`.
    pub(crate) since_start: Duration,
    /// `now` in wheel milliseconds since `start` (rounded down).
    pub(crate) now_ms: u64,
    /// Before-sleep and after-sleep hooks.
    pub(crate) hooks: Callbacks<S>,
    /// Signal handling, created on the first `signal` call.
    pub(crate) signals: Option<Signals<S>>,
    /// State shared with `LoopHandle`s.
    pub(crate) remote: Arc<Shared<S>>,
    /// Spare queue swapped with the remote queue when draining it.
    pub(crate) remote_spare: Vec<RemoteFn<S>>,
    /// Set by `stop`; `run` returns at the end of the turn.
    pub(crate) stopped: bool,
    /// Turns completed.
    pub(crate) iterations: u64,
}

/// Builder for an [`EventLoop`] with non-default settings.
#[derive(Debug, Clone)]
pub struct Builder {
    /// Capacity of the poll event buffer.
    events: usize,
    /// Number of priority levels.
    priorities: u8,
    /// Timer slab capacity to reserve up front.
    timers: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            events: DEFAULT_EVENTS,
            priorities: 1,
            timers: 0,
        }
    }
}

impl Builder {
    /// How many readiness events one poll can return (mio `Events`
    /// capacity; Redis sizes this by `maxclients`). Default 1024.
    pub fn events_capacity(mut self, n: usize) -> Self {
        self.events = n.max(1);
        self
    }

    /// Number of priority levels, at least 1 (libevent
    /// `event_base_priority_init`). New events get the middle level,
    /// `levels / 2`, as in libevent.
    pub fn priorities(mut self, levels: u8) -> Self {
        self.priorities = levels.max(1);
        self
    }

    /// Reserve room for this many timers up front.
    pub fn timer_capacity(mut self, n: usize) -> Self {
        self.timers = n;
        self
    }

    /// Create the loop.
    pub fn build<S: 'static>(self) -> Result<EventLoop<S>> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER_TOKEN)?;
        let now = Instant::now();
        let mut timers = TimerWheel::new();
        timers.reserve(self.timers);
        Ok(EventLoop {
            poll,
            events: Events::with_capacity(self.events),
            io: Vec::new(),
            io_free: u32::MAX,
            io_len: 0,
            ready: Vec::with_capacity(self.events),
            activated: Vec::new(),
            prio_queues: (1..self.priorities).map(|_| Vec::new()).collect(),
            priorities: self.priorities,
            dirty: Vec::new(),
            scratch: vec![0; SCRATCH],
            timers,
            start: now,
            now,
            since_start: Duration::ZERO,
            now_ms: 0,
            hooks: Callbacks::default(),
            signals: None,
            remote: Arc::new(Shared::new(waker)),
            remote_spare: Vec::new(),
            stopped: false,
            iterations: 0,
        })
    }
}

impl<S: 'static> EventLoop<S> {
    /// A loop with default settings (see [`Builder`]).
    pub fn new() -> Result<Self> {
        Builder::default().build()
    }

    /// A builder for non-default settings. Spell it
    /// `EventLoop::<S>::builder()`, or use `Builder::default()` and let the
    /// state type be inferred at `build`.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Run until [`stop`](Self::stop) is called (from a callback, or through
    /// a [`LoopHandle`](crate::LoopHandle)). Like Redis `aeMain`, and unlike
    /// libevent's `event_base_dispatch`, the loop does not exit by itself
    /// when no events are left.
    pub fn run(&mut self, state: &mut S) -> Result<()> {
        self.stopped = false;
        loop {
            self.run_once(state, None)?;
            // A plain load first: the swap (a locked instruction) only
            // when another thread actually asked.
            let remote_stop = self.remote.stop.load(Ordering::Relaxed)
                && self.remote.stop.swap(false, Ordering::AcqRel);
            if self.stopped || remote_stop {
                self.stopped = false;
                return Ok(());
            }
        }
    }

    // ANCHOR: run_once
    /// Run one turn, sleeping at most `timeout` (`None`: until something
    /// happens; `Some(Duration::ZERO)`: never sleep, libevent's
    /// `EVLOOP_NONBLOCK`).
    pub fn run_once(&mut self, state: &mut S, timeout: Option<Duration>) -> Result<()> {
        if !self.hooks.is_empty() {
            self.run_hooks(state, crate::hooks::BEFORE_SLEEP);
        }
        if !self.dirty.is_empty() {
            self.settle_dirty(state);
        }
        let timeout = self.poll_timeout(timeout);
        if let Err(err) = self.poll.poll(&mut self.events, timeout)
            && err.kind() != std::io::ErrorKind::Interrupted
        {
            return Err(err.into());
        }
        self.update_time();
        if !self.hooks.is_empty() {
            self.run_hooks(state, crate::hooks::AFTER_SLEEP);
        }
        self.dispatch_io(state);
        if !self.timers.is_empty() {
            self.fire_timers(state);
        }
        self.iterations += 1;
        Ok(())
    }
    // ANCHOR_END: run_once

    /// Ask [`run`](Self::run) to return after the current turn (Redis
    /// `aeStop`, libevent `event_base_loopbreak`).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Turns completed so far.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The clock as cached at the start of this turn (libevent
    /// `event_base_gettimeofday_cached`). Timer deadlines are computed from
    /// it, so callbacks of one turn agree on "now" and pay no clock read.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Refresh the cached clock (libevent `event_base_update_cache_time`).
    /// Useful after a long callback, before scheduling a timer.
    pub fn update_time(&mut self) {
        self.now = Instant::now();
        self.since_start = self.now.duration_since(self.start);
        self.now_ms =
            self.since_start.as_secs() * 1000 + u64::from(self.since_start.subsec_millis());
    }

    /// How long the next poll may sleep.
    fn poll_timeout(&mut self, limit: Option<Duration>) -> Option<Duration> {
        if self.stopped || !self.activated.is_empty() || !self.dirty.is_empty() {
            return Some(Duration::ZERO);
        }
        let Some(deadline) = self.timers.next_deadline() else {
            return limit;
        };
        let at = self.start + Duration::from_millis(deadline);
        let wait = at.saturating_duration_since(Instant::now());
        Some(limit.map_or(wait, |limit| limit.min(wait)))
    }

    /// Dispatch this turn's readiness and activations.
    fn dispatch_io(&mut self, state: &mut S) {
        let mut ready = std::mem::take(&mut self.ready);
        let mut woke = false;
        let mut signaled = false;
        for event in self.events.iter() {
            match event.token() {
                WAKER_TOKEN => woke = true,
                SIGNAL_TOKEN => signaled = true,
                token => ready.push((IoId::from_token(token), Ready::from_mio(event))),
            }
        }
        ready.append(&mut self.activated);
        if self.priorities > 1 {
            self.dispatch_by_priority(state, &mut ready);
        } else {
            for &(id, what) in &ready {
                self.dispatch(state, id, what);
            }
        }
        ready.clear();
        self.ready = ready;
        if woke {
            self.run_remote(state);
        }
        if signaled {
            self.dispatch_signals(state);
        }
    }

    /// Fairness rule with priorities: every event ready in this turn runs in
    /// this turn, lowest priority number first (libevent runs only the
    /// lowest non-empty queue per turn, which can starve the others; we keep
    /// the ordering and drop the starvation).
    fn dispatch_by_priority(&mut self, state: &mut S, ready: &mut Vec<(IoId, Ready)>) {
        let mut queues = std::mem::take(&mut self.prio_queues);
        ready.retain(|&(id, what)| {
            let priority = self.priority_of(id);
            if priority == 0 {
                return true;
            }
            queues[priority as usize - 1].push((id, what));
            false
        });
        for &(id, what) in ready.iter() {
            self.dispatch(state, id, what);
        }
        for queue in queues.iter_mut() {
            for &(id, what) in queue.iter() {
                self.dispatch(state, id, what);
            }
            queue.clear();
        }
        self.prio_queues = queues;
    }

    /// Advance the wheel to the cached clock and fire what is due, in
    /// deadline order. A repeating timer is re-armed from its previous
    /// deadline (no drift), or from now if it fell behind.
    fn fire_timers(&mut self, state: &mut S) {
        self.timers.advance(self.now_ms);
        while let Some(key) = self.timers.pop_expired() {
            let Some(entry) = self.timers.get_mut(key) else {
                continue;
            };
            let interval = entry.interval;
            let id = crate::timer::TimerId(key);
            let boxed = match entry.callback {
                TimerCallback::Fn(function, arg) => {
                    function(self, state, id, arg);
                    None
                }
                TimerCallback::Boxed(_) => {
                    let stand_in = TimerCallback::Fn(crate::timer::noop, 0);
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
            if !rescheduled && interval == crate::timer::ONE_SHOT {
                self.timers.remove(key);
                continue;
            }
            if let (Some(callback), Some(entry)) = (boxed, self.timers.get_mut(key)) {
                entry.callback = TimerCallback::Boxed(callback);
            }
            if !rescheduled {
                let previous = self.timers.deadline(key).unwrap_or(self.now_ms);
                let mut next = previous.saturating_add(interval);
                if next <= self.now_ms {
                    next = self.now_ms.saturating_add(interval);
                }
                self.timers.reset(key, next);
            }
        }
    }

    /// Drain the cross-thread queue.
    fn run_remote(&mut self, state: &mut S) {
        let mut batch = std::mem::take(&mut self.remote_spare);
        {
            let mut queue = self.remote.queue.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *queue, &mut batch);
        }
        for job in batch.drain(..) {
            job(self, state);
        }
        self.remote_spare = batch;
    }
}

impl<S> std::fmt::Debug for EventLoop<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("io_events", &self.io_len)
            .field("timers", &self.timers.len())
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl<S> Drop for EventLoop<S> {
    fn drop(&mut self) {
        self.remote.closed.store(true, Ordering::Release);
    }
}
