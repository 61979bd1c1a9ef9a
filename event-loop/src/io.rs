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

use mio::Interest;
use mio::event::Source;

use crate::conn::BufferedConn;
use crate::error::{Error, Result};
use crate::event_loop::EventLoop;
use crate::ready::{IoEvent, IoId, Ready};

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
}

/// A plain-function I/O callback with its argument, stored inline in the
/// slot: the shape of libevent's `event_new(base, fd, what, cb, arg)`.
pub type IoFn<S> = fn(&mut EventLoop<S>, &mut S, IoEvent, u64);

/// One slab slot.
pub(crate) struct IoSlot<S> {
    /// Bumped each time the slot is freed.
    pub(crate) generation: u32,
    /// Whether the slot holds a live event.
    pub(crate) live: bool,
    /// The handler; `None` while it runs (it is taken out) or when free.
    pub(crate) handler: Option<Box<dyn IoHandler<S>>>,
    /// Or a plain function and its argument (then `handler` is `None`).
    pub(crate) function: Option<(IoFn<S>, u64)>,
    /// Priority level, lower runs first.
    pub(crate) priority: u8,
    /// Next free slot when this one is free.
    pub(crate) next_free: u32,
}

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
        let id = self.alloc_slot();
        if let Err(err) = self.poll.registry().register(source, id.token(), interest) {
            self.free_slot(id);
            return Err(err.into());
        }
        self.io[id.index as usize].handler = Some(Box::new(Borrowed(callback)));
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
        let id = self.alloc_slot();
        if let Err(err) = self.poll.registry().register(source, id.token(), interest) {
            self.free_slot(id);
            return Err(err.into());
        }
        self.io[id.index as usize].function = Some((callback, arg));
        Ok(id)
    }

    /// Watch a source the loop takes over; the callback receives it.
    /// [`remove`](Self::remove) deregisters and drops (closes) it.
    pub fn register_owned<T, F>(
        &mut self,
        mut source: T,
        interest: Interest,
        callback: F,
    ) -> Result<IoId>
    where
        T: Source + 'static,
        F: FnMut(&mut EventLoop<S>, &mut S, &mut T, IoEvent) + 'static,
    {
        let id = self.alloc_slot();
        if let Err(err) = self
            .poll
            .registry()
            .register(&mut source, id.token(), interest)
        {
            self.free_slot(id);
            return Err(err.into());
        }
        self.io[id.index as usize].handler = Some(Box::new(Owned { source, callback }));
        Ok(id)
    }

    /// Register a ready-made handler that owns its source (connections,
    /// listeners).
    pub(crate) fn register_handler(
        &mut self,
        interest: Interest,
        make: impl FnOnce(IoId) -> Box<dyn IoHandler<S>>,
    ) -> Result<IoId> {
        let id = self.alloc_slot();
        let mut handler = make(id);
        let registered = match handler.source() {
            Some(source) => self.poll.registry().register(source, id.token(), interest),
            None => Ok(()),
        };
        if let Err(err) = registered {
            self.free_slot(id);
            return Err(err.into());
        }
        self.io[id.index as usize].handler = Some(handler);
        Ok(id)
    }

    /// Change the interest of a caller-held source (mio `reregister`).
    pub fn reregister<T>(&mut self, source: &mut T, id: IoId, interest: Interest) -> Result<()>
    where
        T: Source + ?Sized,
    {
        self.check(id)?;
        self.poll
            .registry()
            .reregister(source, id.token(), interest)?;
        Ok(())
    }

    /// Change the interest of a loop-owned source. From inside the event's
    /// own callback the source is in the callback's hands: use
    /// [`reregister`](Self::reregister) with it instead.
    pub fn set_interest(&mut self, id: IoId, interest: Interest) -> Result<()> {
        self.check(id)?;
        let registry = self.poll.registry();
        let slot = &mut self.io[id.index as usize];
        if slot.function.is_some() {
            return Err(Error::SourceNotOwned(id.to_string()));
        }
        match slot.handler.as_mut() {
            Some(handler) => match handler.source() {
                Some(source) => Ok(registry.reregister(source, id.token(), interest)?),
                None => Err(Error::SourceNotOwned(id.to_string())),
            },
            // Running: the source is inside the callback, which has it.
            None => Err(Error::Running(id.to_string())),
        }
    }

    /// Stop watching a caller-held source and drop its callback (libevent
    /// `event_del` + `event_free`).
    pub fn deregister<T>(&mut self, source: &mut T, id: IoId) -> Result<()>
    where
        T: Source + ?Sized,
    {
        self.check(id)?;
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
        self.check(id)?;
        let handler = self.io[id.index as usize].handler.take();
        self.free_slot(id);
        if let Some(mut handler) = handler
            && let Some(source) = handler.source()
        {
            let _ = self.poll.registry().deregister(source);
        }
        Ok(())
    }

    /// Whether `id` names a live event.
    pub fn contains(&self, id: IoId) -> bool {
        self.check(id).is_ok()
    }

    /// Number of live I/O events (including connections and listeners).
    pub fn io_len(&self) -> usize {
        self.io_len
    }

    /// Make an event active by hand: its callback runs in the next turn with
    /// `ready`, whatever the OS says (libevent `event_active`). The loop
    /// does not sleep while activations are queued.
    pub fn activate(&mut self, id: IoId, ready: Ready) {
        self.activated.push((id, ready));
    }

    /// Set an event's priority: lower numbers run first within a turn
    /// (libevent `event_priority_set`).
    pub fn set_priority(&mut self, id: IoId, priority: u8) -> Result<()> {
        self.check(id)?;
        if priority >= self.priorities {
            return Err(Error::Priority {
                priority,
                levels: self.priorities,
            });
        }
        self.io[id.index as usize].priority = priority;
        Ok(())
    }

    pub(crate) fn priority_of(&self, id: IoId) -> u8 {
        match self.io.get(id.index as usize) {
            Some(slot) if slot.generation == id.generation => slot.priority,
            _ => 0,
        }
    }

    pub(crate) fn check(&self, id: IoId) -> Result<()> {
        match self.io.get(id.index as usize) {
            Some(slot) if slot.live && slot.generation == id.generation => Ok(()),
            _ => Err(Error::UnknownEvent(id.to_string())),
        }
    }

    // ANCHOR: dispatch
    /// Run one event's handler: take it out, call it, put it back unless
    /// it was removed meanwhile (then deregister its source and drop it).
    pub(crate) fn dispatch(&mut self, state: &mut S, id: IoId, ready: Ready) {
        let Some(slot) = self.io.get_mut(id.index as usize) else {
            return;
        };
        if slot.generation != id.generation {
            return; // stale: removed earlier in this turn
        }
        if let Some((function, arg)) = slot.function {
            // Nothing to take out: removal during the call just frees the
            // slot, and there is no box to put back.
            return function(self, state, IoEvent { id, ready }, arg);
        }
        let Some(mut handler) = slot.handler.take() else {
            return; // free, or already running (an activation of itself)
        };
        handler.ready(self, state, id, ready);
        let slot = &mut self.io[id.index as usize];
        if slot.live && slot.generation == id.generation {
            slot.handler = Some(handler);
        } else if let Some(source) = handler.source() {
            let _ = self.poll.registry().deregister(source);
        }
    }
    // ANCHOR_END: dispatch

    fn alloc_slot(&mut self) -> IoId {
        let default_priority = self.priorities / 2;
        self.io_len += 1;
        if self.io_free != u32::MAX {
            let index = self.io_free;
            let slot = &mut self.io[index as usize];
            self.io_free = slot.next_free;
            slot.live = true;
            slot.priority = default_priority;
            return IoId {
                index,
                generation: slot.generation,
            };
        }
        let index = self.io.len() as u32;
        self.io.push(IoSlot {
            generation: 0,
            live: true,
            handler: None,
            function: None,
            priority: default_priority,
            next_free: u32::MAX,
        });
        IoId {
            index,
            generation: 0,
        }
    }

    /// Mark a slot free (its handler, if any, must already be taken).
    pub(crate) fn free_slot(&mut self, id: IoId) {
        let slot = &mut self.io[id.index as usize];
        if !slot.live || slot.generation != id.generation {
            return;
        }
        slot.live = false;
        slot.function = None;
        slot.generation = slot.generation.wrapping_add(1);
        slot.next_free = self.io_free;
        self.io_free = id.index;
        self.io_len -= 1;
    }
}
