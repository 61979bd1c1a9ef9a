//! The loop itself: one iteration is hooks, pending writes, poll, I/O,
//! timers.
//!
//! Mirrors libevent's `event_base_loop` (`event.c`) and Redis's `aeMain` /
//! `aeProcessEvents` (`ae.c`). One turn of [`EventLoop::run_once`]:
//!
//! ```text
// ANCHOR: turn
//!   before-sleep hooks  (Redis beforeSleep)
//!   pending pass        every connection queued since the last pass, in
//!                       queue order, each once: deferred writes, output
//!                       written with conn_mut, output the write budget
//!                       left (Redis handleClientsWithPendingWrites)
//!   timeout = 0 if work is queued, else until the next timer (or forever)
//!   poll(timeout)       (epoll_wait through mio: the only blocking call)
//!   cache the clock     (one Instant::now per turn, like libevent's tv_cache)
//!   after-sleep hooks
//!   I/O callbacks       (this turn's readiness + activated events,
//!                        lowest priority number first); a connection
//!                        reads (budgeted), runs on_read, then writes now,
//!                        or, deferring, queues itself for the pass
//!   cross-thread closures, then signal callbacks
//!   timer callbacks     (every timer due by the cached clock, in order)
// ANCHOR_END: turn
//! ```
//!
//! Why the pending pass comes after the hooks: a hook is where an
//! application finishes a turn's work (kv-cache delivers Pub/Sub messages
//! and wakes blocked clients there), and what it writes should leave in the
//! same `writev` as the replies the callbacks queued. Why before the poll:
//! once the loop sleeps, nothing written is sent until it wakes. Why a
//! deferred connection does not write from its callback: the loop usually
//! wakes with many connections readable, and writing each reply at once
//! wakes each client while the others are still being read; writing them
//! all just before sleeping hands the replies out in one burst (the reason
//! Redis writes in `beforeSleep`). Anything queued during the pass (an
//! `on_write` that adds output, a budget-stopped write) waits for the next
//! pass, and the poll does not sleep meanwhile.

use std::time::{Duration, Instant};

use mio::{Events, Poll, Token, Waker};

use crate::clock::Clock;
use crate::error::Result;
use crate::hooks::Callbacks;
use crate::io::table::IoTable;
use crate::ready::{IoId, Ready};
use crate::remote::Remote;
use crate::signal::Signals;
use crate::timer::{TimerEntry, TimerWheel};

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
///
/// The loop is a composition: each field is one component that owns its
/// state behind a small method API in its own module (the I/O table in
/// `io::table`, the clock, the timer wheel, the hooks, the signals, the
/// remote queue). The loop's own code only sequences them.
pub struct EventLoop<S> {
    /// The OS selector (epoll on Linux).
    pub(crate) poll: Poll,
    /// Reused buffer of readiness events from the last poll.
    events: Events,
    /// The I/O registrations and the lists of events waiting to run.
    pub(crate) io: IoTable<S>,
    /// Shared read buffer for buffered connections.
    pub(crate) scratch: Vec<u8>,
    /// All timers.
    pub(crate) timers: TimerWheel<TimerEntry<S>>,
    /// The clock cached at the last wake-up.
    pub(crate) clock: Clock,
    /// Before-sleep and after-sleep hooks.
    pub(crate) hooks: Callbacks<S>,
    /// Signal handling, created on the first `signal` call.
    pub(crate) signals: Option<Signals<S>>,
    /// The queue other threads send closures through, and the stop flag.
    pub(crate) remote: Remote<S>,
    /// New connections defer their writes to the pending pass.
    defer_writes: bool,
    /// Set by `stop`; `run` returns at the end of the turn.
    stopped: bool,
    /// Turns completed.
    iterations: u64,
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
    /// Whether new connections defer their writes.
    deferred_writes: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            events: DEFAULT_EVENTS,
            priorities: 1,
            timers: 0,
            deferred_writes: false,
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

    /// Make every connection added with `add_conn` defer its writes to the
    /// pending pass before the loop sleeps (see
    /// [`BufferedConn::set_deferred_write`](crate::BufferedConn::set_deferred_write)).
    /// Default off: the reply goes out when the callback returns.
    pub fn deferred_writes(mut self, on: bool) -> Self {
        self.deferred_writes = on;
        self
    }

    /// Create the loop.
    pub fn build<S: 'static>(self) -> Result<EventLoop<S>> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER_TOKEN)?;
        let mut timers = TimerWheel::new();
        timers.reserve(self.timers);
        Ok(EventLoop {
            poll,
            events: Events::with_capacity(self.events),
            io: IoTable::new(self.priorities, self.events),
            scratch: vec![0; SCRATCH],
            timers,
            clock: Clock::new(),
            hooks: Callbacks::default(),
            signals: None,
            remote: Remote::new(waker),
            defer_writes: self.deferred_writes,
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
            if self.stopped || self.remote.take_stop() {
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
        if self.io.has_pending() {
            self.settle_pending(state);
        }
        let timeout = self.poll_timeout(timeout);
        if let Err(err) = self.poll.poll(&mut self.events, timeout)
            && err.kind() != std::io::ErrorKind::Interrupted
        {
            return Err(err.into());
        }
        self.clock.update();
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

    /// Whether new connections defer their writes (set by
    /// [`Builder::deferred_writes`]).
    pub(crate) fn defers_writes(&self) -> bool {
        self.defer_writes
    }

    /// Turns completed so far.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The clock as cached at the start of this turn (libevent
    /// `event_base_gettimeofday_cached`). Timer deadlines are computed from
    /// it, so callbacks of one turn agree on "now" and pay no clock read.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Refresh the cached clock (libevent `event_base_update_cache_time`).
    /// Useful after a long callback, before scheduling a timer.
    pub fn update_time(&mut self) {
        self.clock.update();
    }

    /// How long the next poll may sleep.
    fn poll_timeout(&mut self, limit: Option<Duration>) -> Option<Duration> {
        if self.stopped || self.io.has_activated() || self.io.has_pending() {
            return Some(Duration::ZERO);
        }
        let Some(deadline) = self.timers.next_deadline() else {
            return limit;
        };
        let at = self.clock.instant_at(deadline);
        let wait = at.saturating_duration_since(Instant::now());
        Some(limit.map_or(wait, |limit| limit.min(wait)))
    }

    /// Dispatch this turn's readiness and activations, then what the
    /// waker and the signal pipe brought.
    fn dispatch_io(&mut self, state: &mut S) {
        let mut ready = self.io.take_ready();
        let mut woke = false;
        let mut signaled = false;
        for event in self.events.iter() {
            match event.token() {
                WAKER_TOKEN => woke = true,
                SIGNAL_TOKEN => signaled = true,
                token => ready.push(IoId::from_token(token), Ready::from_mio(event)),
            }
        }
        self.dispatch_ready(state, ready);
        if woke {
            self.run_remote(state);
        }
        if signaled {
            self.dispatch_signals(state);
        }
    }
}

impl<S> std::fmt::Debug for EventLoop<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("io_events", &self.io.len())
            .field("timers", &self.timers.len())
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl<S> Drop for EventLoop<S> {
    fn drop(&mut self) {
        self.remote.close();
    }
}
