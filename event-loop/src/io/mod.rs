//! I/O registrations: the slab of events and how one is dispatched.
//!
//! Mirrors libevent's `event_assign`/`event_add`/`event_del` and Redis's
//! `aeCreateFileEvent`/`aeDeleteFileEvent`. Two ways to register:
//!
//! - [`EventLoop::register`]: the caller keeps the source (as with mio and
//!   libevent, where the fd is the caller's); the callback usually finds it
//!   in the user state `S`.
//! - [`EventLoop::register_owned`]: the loop keeps the source and passes it
//!   to the callback; removing the event drops (closes) it.
//!
//! Readiness is edge-triggered (mio registers with `EPOLLET`): a callback
//! must consume readiness until the call would block, or until a short
//! read/write, which on Linux stream sockets proves the kernel buffer was
//! empty/full at that instant; any later arrival raises a new edge. See the
//! `guide` module.
//!
//! # Layout
//!
//! - this file: the handler trait and the public registration API.
//! - `table`: the slab of registrations and the lists of events waiting
//!   to run (`IoTable`); books only, no calls.
//! - `dispatch`: running one event's callback, one turn's list, and the
//!   pending pass before the loop sleeps.

pub(crate) mod dispatch;
pub(crate) mod table;

use mio::Interest;
use mio::event::Source;

use crate::conn::BufferedConn;
use crate::error::{Error, Result};
use crate::event_loop::EventLoop;
use crate::ready::{IoEvent, IoId, Ready};

use table::SlotRef;

/// What a slot holds: the callback (and maybe the source) of one event.
pub(crate) trait IoHandler<S>: 'static {
    /// Handle readiness (or, with `Ready::EMPTY`, settle pending work).
    fn ready(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId, ready: Ready);
    /// The source, when the loop owns it.
    fn source(&mut self) -> Option<&mut dyn Source> {
        None
    }
    /// The buffered connection, when this is one.
    fn conn(&mut self) -> Option<&mut BufferedConn> {
        None
    }
    /// The buffered connection, when this is one, to look at.
    fn conn_ref(&self) -> Option<&BufferedConn> {
        None
    }
}

/// A plain-function I/O callback with its argument, stored inline in the
/// slot: the shape of libevent's `event_new(base, fd, what, cb, arg)`.
pub type IoFn<S> = fn(&mut EventLoop<S>, &mut S, IoEvent, u64);

/// A plain callback over a caller-held source.
struct Borrowed<F>(F);

impl<S: 'static, F> IoHandler<S> for Borrowed<F>
where
    F: FnMut(&mut EventLoop<S>, &mut S, IoEvent) + 'static,
{
    fn ready(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId, ready: Ready) {
        (self.0)(ev, state, IoEvent { id, ready })
    }
}

/// A callback together with the source it watches.
struct Owned<T, F> {
    /// The watched source.
    source: T,
    /// The user callback.
    callback: F,
}

impl<S: 'static, T, F> IoHandler<S> for Owned<T, F>
where
    T: Source + 'static,
    F: FnMut(&mut EventLoop<S>, &mut S, &mut T, IoEvent) + 'static,
{
    fn ready(&mut self, ev: &mut EventLoop<S>, state: &mut S, id: IoId, ready: Ready) {
        (self.callback)(ev, state, &mut self.source, IoEvent { id, ready })
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(&mut self.source)
    }
}

impl<S: 'static> EventLoop<S> {
    /// Watch a source the caller keeps (libevent `event_new` + `event_add`,
    /// Redis `aeCreateFileEvent`). The callback runs on each readiness edge.
    /// Keep the source alive until [`deregister`](Self::deregister).
    pub fn register<T, F>(
        &mut self,
        source: &mut T,
        interest: Interest,
        callback: F,
    ) -> Result<IoId>
    where
        T: Source + ?Sized,
        F: FnMut(&mut EventLoop<S>, &mut S, IoEvent) + 'static,
    {
        let id = self.io.alloc();
        if let Err(err) = self.poll.registry().register(source, id.token(), interest) {
            self.io.remove(id);
            return Err(err.into());
        }
        self.io.set_handler(id, Box::new(Borrowed(callback)));
        Ok(id)
    }

    /// Like [`register`](Self::register), with a plain function and a `u64`
    /// argument stored inline (libevent's `event_new(base, fd, what, cb,
    /// arg)`): no allocation, and no pointer to follow when the event fires.
    /// The argument usually indexes the state, where the source lives.
    pub fn register_fn<T>(
        &mut self,
        source: &mut T,
        interest: Interest,
        callback: IoFn<S>,
        arg: u64,
    ) -> Result<IoId>
    where
        T: Source + ?Sized,
    {
        let id = self.io.alloc();
        if let Err(err) = self.poll.registry().register(source, id.token(), interest) {
            self.io.remove(id);
            return Err(err.into());
        }
        self.io.set_function(id, callback, arg);
        Ok(id)
    }

    /// Watch a source the loop takes over; the callback receives it.
    /// [`remove`](Self::remove) deregisters and drops (closes) it.
    pub fn register_owned<T, F>(
        &mut self,
        source: T,
        interest: Interest,
        callback: F,
    ) -> Result<IoId>
    where
        T: Source + 'static,
        F: FnMut(&mut EventLoop<S>, &mut S, &mut T, IoEvent) + 'static,
    {
        let handler: Box<dyn IoHandler<S>> = Box::new(Owned { source, callback });
        self.register_handler(interest, move |_| handler)
    }

    /// Register a ready-made handler that owns its source (connections,
    /// listeners).
    pub(crate) fn register_handler(
        &mut self,
        interest: Interest,
        make: impl FnOnce(IoId) -> Box<dyn IoHandler<S>>,
    ) -> Result<IoId> {
        let id = self.io.alloc();
        let mut handler = make(id);
        let registered = match handler.source() {
            Some(source) => self.poll.registry().register(source, id.token(), interest),
            None => Ok(()),
        };
        if let Err(err) = registered {
            self.io.remove(id);
            return Err(err.into());
        }
        self.io.set_handler(id, handler);
        Ok(id)
    }

    /// Change the interest of a caller-held source (mio `reregister`).
    pub fn reregister<T>(&mut self, source: &mut T, id: IoId, interest: Interest) -> Result<()>
    where
        T: Source + ?Sized,
    {
        self.io.check(id)?;
        self.poll
            .registry()
            .reregister(source, id.token(), interest)?;
        Ok(())
    }

    /// Change the interest of a loop-owned source. From inside the event's
    /// own callback the source is in the callback's hands: use
    /// [`reregister`](Self::reregister) with it instead.
    pub fn set_interest(&mut self, id: IoId, interest: Interest) -> Result<()> {
        let registry = self.poll.registry();
        match self.io.get_mut(id) {
            None => Err(Error::UnknownEvent(id.to_string())),
            Some(SlotRef::Handler(handler)) => match handler.source() {
                Some(source) => Ok(registry.reregister(source, id.token(), interest)?),
                None => Err(Error::SourceNotOwned(id.to_string())),
            },
            Some(SlotRef::Function) => Err(Error::SourceNotOwned(id.to_string())),
            // Running: the source is inside the callback, which has it.
            Some(SlotRef::Running) => Err(Error::Running(id.to_string())),
        }
    }

    /// Stop watching a caller-held source and drop its callback (libevent
    /// `event_del` + `event_free`).
    pub fn deregister<T>(&mut self, source: &mut T, id: IoId) -> Result<()>
    where
        T: Source + ?Sized,
    {
        self.io.check(id)?;
        self.poll.registry().deregister(source)?;
        self.remove(id)
    }

    /// Remove any event: its callback is dropped, and a loop-owned source is
    /// deregistered and closed. Allowed from any callback, including the
    /// event's own (it is then dropped when it returns). Readiness already
    /// queued for the event in this turn is discarded. For a caller-held
    /// source prefer [`deregister`](Self::deregister), else the OS keeps
    /// reporting it (harmlessly: stale ids are ignored). For a
    /// [`BufferedConn`] prefer `conn_mut(id)` and `close()`, which runs its
    /// `on_close`; `remove` drops it silently.
    pub fn remove(&mut self, id: IoId) -> Result<()> {
        self.io.check(id)?;
        if let Some(mut handler) = self.io.remove(id)
            && let Some(source) = handler.source()
        {
            let _ = self.poll.registry().deregister(source);
        }
        Ok(())
    }

    /// Whether `id` names a live event.
    pub fn contains(&self, id: IoId) -> bool {
        self.io.is_live(id)
    }

    /// Number of live I/O events (including connections and listeners).
    pub fn io_len(&self) -> usize {
        self.io.len()
    }

    /// Make an event active by hand: its callback runs in the next turn with
    /// `ready`, whatever the OS says (libevent `event_active`). The loop
    /// does not sleep while activations are queued.
    pub fn activate(&mut self, id: IoId, ready: Ready) {
        self.io.activate(id, ready);
    }

    /// Set an event's priority: lower numbers run first within a turn
    /// (libevent `event_priority_set`).
    pub fn set_priority(&mut self, id: IoId, priority: u8) -> Result<()> {
        self.io.set_priority(id, priority)
    }
}
