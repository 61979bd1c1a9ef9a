//! Unix signals delivered as loop events.
//!
//! libevent (`signal.c`, "evsig") installs a `sigaction` handler that
//! records the signal and writes a byte to a socketpair whose read end is an
//! ordinary event in the base; Redis just sets a flag in its handler and
//! checks it from `serverCron`. We do what libevent does, on the
//! `signal-hook` crate so that our code holds no `unsafe`:
//!
//! ```text
//!   kernel ─► handler (async-signal-safe, in whatever thread):
//!               flag[sig] = true           signal_hook::flag::register
//!               send(pipe_w, 1 byte)       signal_hook::low_level::pipe::register
//!   loop   ─► pipe_r readable (SIGNAL_TOKEN) ─► drain pipe
//!               for each sig with flag swapped true: run its callbacks
//! ```
//!
//! Rejected: `signalfd` needs the signal blocked in every thread of the
//! process (a test harness's threads are not), or it goes to the default
//! action instead; a plain flag polled by a timer adds latency. Repeated
//! deliveries before the loop runs coalesce into one callback, as standard
//! POSIX signals themselves do.
//!
//! Caveat: installing a handler replaces the signal's default action for the
//! whole process; after the loop is dropped the handler stays installed but
//! does nothing (a `signal-hook` property), so e.g. SIGINT no longer kills.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mio::Interest;
use mio::net::UnixStream;
use signal_hook::SigId;

use crate::error::{Error, Result};
use crate::event_loop::{EventLoop, SIGNAL_TOKEN};
use crate::hooks::{Callbacks, HookId, run_tagged};

/// One caught signal number.
struct Caught {
    /// The signal number.
    signal: i32,
    /// Set by the handler, swapped back by the loop.
    flag: Arc<AtomicBool>,
    /// The two actions installed for it (flag, then pipe write).
    ids: [SigId; 2],
}

/// The loop's signal machinery.
pub(crate) struct Signals<S> {
    /// Read end of the self-pipe, registered with the loop.
    reader: UnixStream,
    /// Write end, cloned into each signal's action.
    writer: std::os::unix::net::UnixStream,
    /// Signals with installed actions.
    caught: Vec<Caught>,
    /// User callbacks, tagged by signal number.
    callbacks: Callbacks<S>,
}

impl<S> Drop for Signals<S> {
    fn drop(&mut self) {
        for caught in &self.caught {
            for id in caught.ids {
                signal_hook::low_level::unregister(id);
            }
        }
    }
}

/// Signal numbers, re-exported for convenience (`SIGINT`, `SIGTERM`, ...).
pub mod consts {
    pub use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
}

impl<S: 'static> EventLoop<S> {
    /// Run `callback` on the loop whenever `signal` arrives (libevent
    /// `evsignal_new`). Several callbacks may watch one signal; they run in
    /// installation order. The callback gets the signal number.
    pub fn signal<F>(&mut self, signal: i32, mut callback: F) -> Result<HookId>
    where
        F: FnMut(&mut EventLoop<S>, &mut S, i32) + 'static,
    {
        if signal_hook::consts::FORBIDDEN.contains(&signal) || signal <= 0 || signal >= 65 {
            return Err(Error::ForbiddenSignal(signal));
        }
        if self.signals.is_none() {
            let (writer, reader) = std::os::unix::net::UnixStream::pair()?;
            reader.set_nonblocking(true)?;
            let mut reader = UnixStream::from_std(reader);
            self.poll
                .registry()
                .register(&mut reader, SIGNAL_TOKEN, Interest::READABLE)?;
            self.signals = Some(Signals {
                reader,
                writer,
                caught: Vec::new(),
                callbacks: Callbacks::default(),
            });
        }
        let Some(signals) = self.signals.as_mut() else {
            return Err(Error::ForbiddenSignal(signal));
        };
        if !signals.caught.iter().any(|c| c.signal == signal) {
            let flag = Arc::new(AtomicBool::new(false));
            // Order matters: the flag is set before the byte is written, so
            // the loop never sees the wake-up without the flag.
            let flag_id = signal_hook::flag::register(signal, Arc::clone(&flag))?;
            let pipe_id = match signals
                .writer
                .try_clone()
                .and_then(|w| signal_hook::low_level::pipe::register(signal, w))
            {
                Ok(id) => id,
                Err(err) => {
                    signal_hook::low_level::unregister(flag_id);
                    return Err(err.into());
                }
            };
            signals.caught.push(Caught {
                signal,
                flag,
                ids: [flag_id, pipe_id],
            });
        }
        Ok(signals
            .callbacks
            .add(signal, Box::new(move |ev, s, sig| callback(ev, s, sig))))
    }

    /// Remove a signal callback; false if it was already removed. The
    /// process-level handler stays installed while the loop lives.
    pub fn remove_signal(&mut self, id: HookId) -> bool {
        self.signals
            .as_mut()
            .is_some_and(|signals| signals.callbacks.remove(id).is_some())
    }

    /// Drain the self-pipe and run the callbacks of every flagged signal.
    pub(crate) fn dispatch_signals(&mut self, state: &mut S) {
        let Some(signals) = self.signals.as_mut() else {
            return;
        };
        let mut sink = [0u8; 64];
        while let Ok(n) = signals.reader.read(&mut sink) {
            if n < sink.len() {
                break;
            }
        }
        let mut fired = [0i32; 8];
        let mut count = 0;
        for caught in &signals.caught {
            if caught.flag.swap(false, Ordering::AcqRel) {
                if count == fired.len() {
                    // More distinct signals than fit: leave the rest flagged
                    // and re-raise the wake-up so the next turn takes them.
                    caught.flag.store(true, Ordering::Release);
                    let _ = std::io::Write::write(&mut &signals.writer, &[1]);
                    continue;
                }
                fired[count] = caught.signal;
                count += 1;
            }
        }
        for &signal in &fired[..count] {
            run_tagged(self, state, signal, signal_callbacks);
        }
    }
}

/// Where the signal callbacks live in the loop.
fn signal_callbacks<S>(ev: &mut EventLoop<S>) -> Option<&mut Callbacks<S>> {
    ev.signals.as_mut().map(|signals| &mut signals.callbacks)
}
