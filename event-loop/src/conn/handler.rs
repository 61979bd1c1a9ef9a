//! What the loop does when a buffered connection is ready, and the
//! callbacks it makes.
//!
//! The readiness rules, in one place:
//!
//! - Registered once for `READABLE | WRITABLE`, edge-triggered, and never
//!   re-registered: no `epoll_ctl` per request (libevent's `bufferevent`
//!   adds/deletes `EV_WRITE` as output comes and goes; tokio registers both
//!   once, as we do).
//! - Read until a short read, `WouldBlock`, EOF, the high-watermark, or the
//!   per-turn budget. A short read proves the socket's receive queue was
//!   empty at that instant, and any byte arriving later raises a new edge,
//!   so the extra `read` that would return `EAGAIN` is skipped (tokio does
//!   the same). When the peer's FIN was reported (`READ_CLOSED`) we read on
//!   to the 0 that confirms it. Stopping for the budget or the watermark
//!   leaves data behind with no edge to come, so the loop re-activates the
//!   connection itself (libevent `event_active`).
//! - Write with one `writev` when the callback returns, or, deferred, in
//!   the pending pass after the before-sleep hooks. A short write means the
//!   send buffer is full, and a writable edge will follow. At most the
//!   write budget goes out per turn; output left over that the socket may
//!   take has no edge to come, so the connection queues itself for the
//!   next pass (as a budget-stopped read re-activates itself).

use std::io;
use std::net::Shutdown;
use std::time::Duration;

use mio::Interest;

use super::transfer::{FlushStop, ReadStop, flush, read_input};
use super::{BufferedConn, Stream};
use crate::error::Result;
use crate::event_loop::EventLoop;
use crate::io::IoHandler;
use crate::io::table::SlotRef;
use crate::ready::{IoId, Ready};
use crate::timer::TimerId;

/// Callbacks of a buffered connection: libevent's `bufferevent_setcb`
/// triple (`readcb`, `writecb`, `eventcb`), split by event kind.
///
/// A closure `FnMut(&mut EventLoop<S>, &mut S, &mut BufferedConn)`
/// implements it as the read callback alone.
pub trait ConnHandler<S>: 'static {
    /// Input is waiting (libevent `readcb`): called after each read event
    /// that leaves `conn.input()` non-empty. Consume what you handle from
    /// `conn.input_mut()`; leave a partial frame for next time.
    fn on_read(&mut self, ev: &mut EventLoop<S>, state: &mut S, conn: &mut BufferedConn);

    /// A flush brought the output down to the write low-watermark (libevent
    /// `writecb`): the place to produce more output for a large transfer.
    fn on_write(&mut self, ev: &mut EventLoop<S>, state: &mut S, conn: &mut BufferedConn) {
        let _ = (ev, state, conn);
    }

    /// The peer closed its write side (libevent `BEV_EVENT_EOF`). All its
    /// data has been passed to `on_read` first. The default closes after
    /// flushing pending output; keep the connection to answer a half-close.
    fn on_eof(&mut self, ev: &mut EventLoop<S>, state: &mut S, conn: &mut BufferedConn) {
        let _ = (ev, state);
        conn.close_after_flush();
    }

    /// A read or write failed (libevent `BEV_EVENT_ERROR`; e.g. the peer
    /// reset). The connection is closed right after.
    fn on_error(
        &mut self,
        ev: &mut EventLoop<S>,
        state: &mut S,
        conn: &mut BufferedConn,
        err: &io::Error,
    ) {
        let _ = (ev, state, conn, err);
    }

    /// No input arrived within the read timeout (libevent
    /// `BEV_EVENT_TIMEOUT | BEV_EVENT_READING`). The default closes the
    /// connection; leave it open and the idle clock starts over.
    fn on_timeout(&mut self, ev: &mut EventLoop<S>, state: &mut S, conn: &mut BufferedConn) {
        let _ = (ev, state);
        conn.close();
    }

    /// The connection is gone (any reason); called exactly once, last.
    fn on_close(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId) {
        let _ = (ev, state, id);
    }
}

impl<S, F> ConnHandler<S> for F
where
    F: FnMut(&mut EventLoop<S>, &mut S, &mut BufferedConn) + 'static,
{
    fn on_read(&mut self, ev: &mut EventLoop<S>, state: &mut S, conn: &mut BufferedConn) {
        self(ev, state, conn)
    }
}

/// A connection and its handler, as stored in the loop's slab.
struct ConnIo<H> {
    /// Buffers and socket.
    conn: BufferedConn,
    /// User callbacks.
    handler: H,
    /// `on_close` ran; nothing else may happen.
    closed: bool,
}

impl<S: 'static, H: ConnHandler<S>> IoHandler<S> for ConnIo<H> {
    fn ready(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId, ready: Ready) {
        if self.closed {
            return;
        }
        if ready.is_error() {
            // EPOLLERR: fetch the error (SO_ERROR). If it was already
            // consumed, carry on: the read below reports what is left.
            match self.conn.stream.take_error() {
                Ok(Some(err)) | Err(err) => return self.fail(ev, state, id, err),
                Ok(None) => {}
            }
        }
        if ready.contains(Ready::TIMEOUT) {
            self.check_idle(ev, state);
        }
        if ready.is_writable() || ready.is_write_closed() {
            self.conn.write_blocked = false;
        }
        if ready.is_readable() || ready.is_read_closed() || ready.is_error() {
            let before = self.conn.input.len();
            let result = read_input(&mut self.conn, &mut ev.scratch, ready.is_read_closed());
            if self.conn.input.len() != before {
                self.conn.last_read_ms = ev.clock.now_ms();
            }
            match result {
                Ok(ReadStop::Drained) => {}
                Ok(ReadStop::MoreLeft) => {
                    if !self.conn.read_paused {
                        ev.activate(id, Ready::READABLE);
                    }
                }
                Err(err) => return self.fail(ev, state, id, err),
            }
            if !self.conn.input.is_empty() && !self.conn.close_now {
                self.handler.on_read(ev, state, &mut self.conn);
            }
            if self.conn.eof && !self.conn.eof_reported && !self.conn.close_now {
                self.conn.eof_reported = true;
                self.handler.on_eof(ev, state, &mut self.conn);
            }
        }
        self.settle(ev, state, id, ready.contains(Ready::FLUSH));
    }

    fn source(&mut self) -> Option<&mut dyn mio::event::Source> {
        Some(&mut self.conn.stream)
    }

    fn conn(&mut self) -> Option<&mut BufferedConn> {
        Some(&mut self.conn)
    }

    fn conn_ref(&self) -> Option<&BufferedConn> {
        Some(&self.conn)
    }
}

impl<H> ConnIo<H> {
    /// After callbacks: write (or, deferred, queue for the pending pass),
    /// honour close/half-close requests, resume reading below the
    /// watermark. `pass` is true in the pending pass before the loop
    /// sleeps, when even a deferring connection writes.
    fn settle<S: 'static>(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId, pass: bool)
    where
        H: ConnHandler<S>,
    {
        if self.conn.close_now {
            return self.close(ev, state, id);
        }
        let writable = !self.conn.write_blocked && !self.conn.write_shut;
        if writable && !self.conn.output.is_empty() {
            if self.conn.deferred_write && !pass {
                // Redis's CLIENT_PENDING_WRITE: written once, after the
                // before-sleep hooks, with whatever else this turn adds.
                ev.io.mark_pending(id);
            } else {
                self.write(ev, state, id);
                if self.closed {
                    return;
                }
            }
        }
        if self.conn.output.is_empty() {
            if self.conn.close_after_flush {
                return self.close(ev, state, id);
            }
            if self.conn.shutdown_after_flush && !self.conn.write_shut {
                self.conn.write_shut = true;
                if let Err(err) = self.conn.stream.shutdown(Shutdown::Write)
                    && err.kind() != io::ErrorKind::NotConnected
                {
                    return self.fail(ev, state, id, err);
                }
            }
        }
        self.arm_timer(ev);
        let below = self.conn.read_high == 0 || self.conn.input.len() < self.conn.read_high;
        if self.conn.read_paused && below && self.conn.read_enabled {
            self.conn.read_paused = false;
            ev.activate(id, Ready::READABLE);
        }
    }

    /// Write what the budget allows; call `on_write` when that brings the
    /// output down to the low-watermark. Output left that the socket may
    /// take (budget spent, or `on_write` added more) is queued for the next
    /// pass; the loop does not sleep meanwhile.
    fn write<S: 'static>(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId)
    where
        H: ConnHandler<S>,
    {
        let before = self.conn.output.len();
        match flush(&mut self.conn, ev.iterations()) {
            Ok(FlushStop::Drained | FlushStop::Blocked) => {}
            Ok(FlushStop::Budget) => {
                ev.io.mark_pending(id);
            }
            Err(err) => return self.fail(ev, state, id, err),
        }
        let after = self.conn.output.len();
        if before > self.conn.write_low && after <= self.conn.write_low {
            self.handler.on_write(ev, state, &mut self.conn);
            if self.conn.close_now {
                return self.close(ev, state, id);
            }
            if !self.conn.output.is_empty() && !self.conn.write_blocked {
                ev.io.mark_pending(id);
            }
        }
    }

    /// The read timer fired: time out if the connection really was idle
    /// that long, else re-arm for the rest of the period.
    fn check_idle<S: 'static>(&mut self, ev: &mut EventLoop<S>, state: &mut S)
    where
        H: ConnHandler<S>,
    {
        let (Some(timer), Some(limit)) = (self.conn.timer, self.conn.read_timeout) else {
            return;
        };
        let idle = Duration::from_millis(ev.clock.now_ms().saturating_sub(self.conn.last_read_ms));
        if idle >= limit {
            self.handler.on_timeout(ev, state, &mut self.conn);
            self.conn.last_read_ms = ev.clock.now_ms();
            ev.reschedule(timer, limit);
        } else {
            ev.reschedule(timer, limit - idle);
        }
    }

    /// Start, stop or keep the read timer to match `read_timeout`.
    fn arm_timer<S: 'static>(&mut self, ev: &mut EventLoop<S>) {
        match (self.conn.read_timeout, self.conn.timer) {
            (Some(limit), None) => {
                self.conn.last_read_ms = ev.clock.now_ms();
                let arg = self.conn.id.token().0 as u64;
                self.conn.timer = Some(ev.timer_fn(limit, read_timer_fired::<S>, arg));
            }
            (None, Some(timer)) => {
                ev.cancel_timer(timer);
                self.conn.timer = None;
            }
            _ => {}
        }
    }

    fn fail<S: 'static>(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId, err: io::Error)
    where
        H: ConnHandler<S>,
    {
        tracing::debug!(?id, %err, "connection error");
        self.handler.on_error(ev, state, &mut self.conn, &err);
        self.close(ev, state, id);
    }

    fn close<S: 'static>(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId)
    where
        H: ConnHandler<S>,
    {
        if self.closed {
            return;
        }
        self.closed = true;
        self.conn.output.clear();
        if let Some(timer) = self.conn.timer.take() {
            ev.cancel_timer(timer);
        }
        self.handler.on_close(ev, state, id);
        // We are running (taken out of the slot): freeing the slot makes the
        // dispatcher deregister and drop us when we return.
        ev.io.remove(id);
    }
}

/// The read timer's callback: hand the connection a `TIMEOUT` readiness.
fn read_timer_fired<S: 'static>(ev: &mut EventLoop<S>, state: &mut S, _: TimerId, arg: u64) {
    let id = IoId::from_token(mio::Token(arg as usize));
    ev.dispatch(state, id, Ready::TIMEOUT);
}

impl<S: 'static> EventLoop<S> {
    /// Hand a connected stream to the loop as a [`BufferedConn`] with
    /// `handler` (libevent `bufferevent_socket_new` + `bufferevent_setcb`
    /// + `bufferevent_enable`). Returns its id.
    pub fn add_conn<H>(&mut self, stream: impl Into<Stream>, handler: H) -> Result<IoId>
    where
        H: ConnHandler<S>,
    {
        let stream = stream.into();
        let deferred = self.defers_writes();
        let interest = Interest::READABLE | Interest::WRITABLE;
        self.register_handler(interest, move |id| {
            Box::new(ConnIo {
                conn: BufferedConn::new(id, stream, deferred),
                handler,
                closed: false,
            })
        })
    }

    /// A connection other than the one whose callback is running: to write
    /// to it (a Pub/Sub message, a reply to a woken blocked client), change
    /// its watermarks, or close it. The connection is queued (once) for the
    /// pending pass, so changes are applied (flushed, closed) after the
    /// before-sleep hooks and before the loop next sleeps, in the order
    /// connections were queued. `None` if `id` is not a live connection, or
    /// is the connection whose callback is running (that one is the `conn`
    /// argument: write to it there).
    pub fn conn_mut(&mut self, id: IoId) -> Option<&mut BufferedConn> {
        self.io.handler(id)?.conn_ref()?;
        self.io.mark_pending(id);
        match self.io.get_mut(id)? {
            SlotRef::Handler(handler) => handler.conn(),
            SlotRef::Function | SlotRef::Running => None,
        }
    }

    /// A connection other than the one whose callback is running, to look
    /// at (its output length, its peer): unlike
    /// [`conn_mut`](Self::conn_mut) it does not queue the connection to be
    /// settled.
    pub fn conn(&self, id: IoId) -> Option<&BufferedConn> {
        self.io.handler(id)?.conn_ref()
    }
}
