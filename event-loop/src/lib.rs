//! A reactor in the lineage of libevent's `event_base` and Redis's
//! `aeEventLoop`, built on mio's `Poll`.
//!
//! mio is the portable selector (epoll, kqueue); everything above it is
//! here: a slab of I/O events with callbacks, a hierarchical timer wheel,
//! signals as events, before/after-sleep hooks, priorities, a cross-thread
//! handle, and buffered connections (libevent's `bufferevent`). Callbacks
//! get the loop and a user state `S` as two `&mut`s, so no `Rc<RefCell>`
//! and no `unsafe`: while a callback runs it is taken out of its slot, and
//! put back after unless it was removed meanwhile (ids carry a generation,
//! so a stale id never reaches a reused slot).
//!
//! # Layout
//!
//! In the order one turn uses them:
//!
//! - [`event_loop`]: [`EventLoop`] and one turn of the loop (its module doc
//!   gives the ordering: hooks → pending pass → poll → I/O → timers).
//! - [`hooks`]: before-sleep / after-sleep hooks (Redis `beforeSleep`).
//! - `clock`: the time cached once per turn (libevent `tv_cache`).
//! - [`ready`]: readiness flags (`EV_READ`/`AE_READABLE`), event ids.
//! - [`io`]: registering mio sources with callbacks (closures, or
//!   `register_fn` with an inline argument); its `table` is the slab and
//!   the lists of events waiting to run, its `dispatch` runs them.
//! - [`conn`]: [`BufferedConn`] (libevent `bufferevent`), its handler, its
//!   block-list [`OutputBuffer`], deferred writes and
//!   the per-turn read/write budgets.
//! - [`listener`]: accepting TCP connections (libevent `evconnlistener`).
//! - [`remote`]: [`LoopHandle`], to run closures on the loop from other
//!   threads and stop it.
//! - [`signal`]: Unix signals delivered as loop events (libevent `evsig`).
//! - [`timer`]: one-shot and repeating timers on a [`TimerWheel`]
//!   (closures, or `timer_fn` with an inline argument: no allocation).
//! - [`guide`]: a tutorial, doc-tested.
//! - [`error`]: the crate's [`Error`].
//!
//! # Example
//!
//! An echo server (see `examples/line-echo.rs` for the full one):
//!
//! ```no_run
//! use event_loop::{EventLoop, BufferedConn};
//! use mio::net::TcpListener;
//!
//! # fn main() -> Result<(), event_loop::Error> {
//! let mut ev: EventLoop<()> = EventLoop::new()?;
//! let listener = TcpListener::bind("127.0.0.1:7000".parse().unwrap())?;
//! ev.listen(listener, |ev, _state, stream, _addr| {
//!     // The handler runs with each chunk of new input.
//!     let echo = |_ev: &mut EventLoop<()>, _s: &mut (), conn: &mut BufferedConn| {
//!         let (input, output) = conn.buffers();
//!         output.push_slice(input);
//!         input.clear();
//!     };
//!     let _ = ev.add_conn(stream, echo);
//! })?;
//! ev.run(&mut ())?;
//! # Ok(()) }
//! ```
//!
//! Timers, and stopping from a callback:
//!
//! ```
//! use std::time::Duration;
//! use event_loop::EventLoop;
//!
//! let mut ev: EventLoop<Vec<&str>> = EventLoop::new().unwrap();
//! ev.timer(Duration::from_millis(2), |ev, log, _| {
//!     log.push("second");
//!     ev.stop();
//! });
//! ev.timer(Duration::from_millis(1), |_, log, _| log.push("first"));
//! let mut log = Vec::new();
//! ev.run(&mut log).unwrap();
//! assert_eq!(log, ["first", "second"]);
//! ```

mod clock;
pub mod conn;
pub mod error;
pub mod event_loop;
pub mod guide;
pub mod hooks;
pub mod io;
pub mod listener;
pub mod ready;
pub mod remote;
pub mod signal;
pub mod timer;

pub use conn::{BufferedConn, ConnHandler, OutputBuffer, Stream};
pub use error::{Error, Result};
pub use event_loop::{Builder, EventLoop};
pub use hooks::HookId;
pub use io::IoFn;
pub use mio::Interest;
pub use ready::{IoEvent, IoId, Ready};
pub use remote::LoopHandle;
pub use timer::{TimerFn, TimerId, TimerWheel};
