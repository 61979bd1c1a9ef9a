//! The I/O table: a slab of registrations, and the loop's lists of events
//! waiting to run (activated by hand, or queued to be settled before the
//! loop sleeps).
//!
//! Mirrors Redis's `eventLoop->events[fd]` array and its `fired` list, and
//! libevent's `event_base` active queues. The table only keeps books: it
//! never calls a callback (that is [`super::dispatch`]) and never touches
//! the selector (that is [`super`]'s registration API).
//!
//! ```text
// ANCHOR: slab
//!  slots:  [ 0: live g3 Handler ][ 1: free g1 ─┐ ][ 2: live g0 Function ] ...
//!                                  free ─► 1 ──┘─► (next free) ...
//!  an IoId is (index, generation); it names slot `index` only while the
//!  slot's generation still equals its own, so a stale id (its event was
//!  removed, the slot maybe reused) is refused, not misdelivered
//!
//!  activated: [(id, READABLE), ...]   run next turn (libevent event_active)
//!  pending:   [id, id, ...]           settled before the next poll, each at
//!                                      most once (flag in the slot, like
//!                                      Redis's CLIENT_PENDING_WRITE)
// ANCHOR_END: slab
//! ```

use crate::error::{Error, Result};
use crate::ready::{IoId, Ready};

use super::dispatch::ReadyList;
use super::{IoFn, IoHandler};

/// Null link in the free-slot chain.
const NO_SLOT: u32 = u32::MAX;

/// What a slot holds.
enum Callback<S> {
    /// Nothing: the slot is free, or its handler is out running.
    Empty,
    /// A boxed handler (closure, owned source, connection, listener).
    Handler(Box<dyn IoHandler<S>>),
    /// A plain function and its argument, stored inline.
    Function(IoFn<S>, u64),
}

/// One slab slot.
struct Slot<S> {
    /// Bumped each time the slot is freed.
    generation: u32,
    /// Whether the slot holds a live event.
    live: bool,
    /// Queued on the pending list (and not yet settled).
    pending: bool,
    /// Priority level, lower runs first.
    priority: u8,
    /// Next free slot when this one is free.
    next_free: u32,
    /// The callback; `Empty` while a handler runs (it is taken out).
    callback: Callback<S>,
}

/// A slot seen from outside the table.
pub(crate) enum SlotRef<'a, S> {
    /// A handler that is in its slot.
    Handler(&'a mut dyn IoHandler<S>),
    /// A plain function (the caller holds the source).
    Function,
    /// The handler is out: its own callback is running.
    Running,
}

/// What [`IoTable::take`] hands the dispatcher.
pub(crate) enum Taken<S> {
    /// A plain function and its argument (copied; nothing to put back).
    Function(IoFn<S>, u64),
    /// The handler, taken out of its slot until [`IoTable::put_back`].
    Handler(Box<dyn IoHandler<S>>),
}

/// The slab of I/O registrations and the lists of events waiting to run.
pub(crate) struct IoTable<S> {
    /// Registrations, indexed by `IoId::index`.
    slots: Vec<Slot<S>>,
    /// Head of the free-slot chain ([`NO_SLOT`] = none).
    free: u32,
    /// Live registrations.
    len: usize,
    /// Number of priority levels (libevent `event_base_priority_init`).
    levels: u8,
    /// Events made active by hand for the next turn (libevent `event_active`).
    activated: Vec<(IoId, Ready)>,
    /// Events to settle before the loop sleeps, in the order they were queued.
    pending: Vec<IoId>,
    /// The pending list's other half: the batch being settled is swapped
    /// out with it, so queueing and settling reuse two buffers.
    pending_spare: Vec<IoId>,
    /// This turn's dispatch list, reused across turns.
    ready: ReadyList,
}

impl<S> IoTable<S> {
    /// An empty table with `levels` priority levels and room for
    /// `events` readiness events per turn.
    pub(crate) fn new(levels: u8, events: usize) -> Self {
        Self {
            slots: Vec::new(),
            free: NO_SLOT,
            len: 0,
            levels,
            activated: Vec::new(),
            pending: Vec::new(),
            pending_spare: Vec::new(),
            ready: ReadyList::new(events, levels),
        }
    }

    /// Live registrations.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of priority levels.
    pub(crate) fn levels(&self) -> u8 {
        self.levels
    }

    /// The live slot `id` names.
    fn slot(&self, id: IoId) -> Option<&Slot<S>> {
        self.slots
            .get(id.index())
            .filter(|slot| slot.live && slot.generation == id.generation())
    }

    /// The live slot `id` names, mutably.
    fn slot_mut(&mut self, id: IoId) -> Option<&mut Slot<S>> {
        self.slots
            .get_mut(id.index())
            .filter(|slot| slot.live && slot.generation == id.generation())
    }

    /// Whether `id` names a live event.
    pub(crate) fn is_live(&self, id: IoId) -> bool {
        self.slot(id).is_some()
    }

    /// `Ok` if `id` names a live event.
    pub(crate) fn check(&self, id: IoId) -> Result<()> {
        match self.slot(id) {
            Some(_) => Ok(()),
            None => Err(Error::UnknownEvent(id.to_string())),
        }
    }

    /// Claim a slot (empty until [`set_handler`](Self::set_handler) or
    /// [`set_function`](Self::set_function)); new events get the middle
    /// priority, `levels / 2`, as in libevent.
    pub(crate) fn alloc(&mut self) -> IoId {
        let priority = self.levels / 2;
        self.len += 1;
        if self.free != NO_SLOT {
            let index = self.free;
            let slot = &mut self.slots[index as usize];
            self.free = slot.next_free;
            slot.live = true;
            slot.priority = priority;
            return IoId::new(index, slot.generation);
        }
        let index = self.slots.len() as u32;
        self.slots.push(Slot {
            generation: 0,
            live: true,
            pending: false,
            priority,
            next_free: NO_SLOT,
            callback: Callback::Empty,
        });
        IoId::new(index, 0)
    }

    /// Put a handler in a freshly allocated slot.
    pub(crate) fn set_handler(&mut self, id: IoId, handler: Box<dyn IoHandler<S>>) {
        if let Some(slot) = self.slot_mut(id) {
            slot.callback = Callback::Handler(handler);
        }
    }

    /// Put a plain function in a freshly allocated slot.
    pub(crate) fn set_function(&mut self, id: IoId, function: IoFn<S>, arg: u64) {
        if let Some(slot) = self.slot_mut(id) {
            slot.callback = Callback::Function(function, arg);
        }
    }

    /// Free the slot; returns its handler if it was in the slot (not out
    /// running), for the caller to deregister and drop. A no-op for a
    /// stale id.
    pub(crate) fn remove(&mut self, id: IoId) -> Option<Box<dyn IoHandler<S>>> {
        let free = self.free;
        let slot = self.slot_mut(id)?;
        slot.live = false;
        slot.pending = false;
        slot.generation = slot.generation.wrapping_add(1);
        slot.next_free = free;
        let callback = std::mem::replace(&mut slot.callback, Callback::Empty);
        self.free = id.index() as u32;
        self.len -= 1;
        match callback {
            Callback::Handler(handler) => Some(handler),
            Callback::Empty | Callback::Function(..) => None,
        }
    }

    /// The live slot `id` names, as the registration API needs it.
    pub(crate) fn get_mut(&mut self, id: IoId) -> Option<SlotRef<'_, S>> {
        Some(match &mut self.slot_mut(id)?.callback {
            Callback::Handler(handler) => SlotRef::Handler(handler.as_mut()),
            Callback::Function(..) => SlotRef::Function,
            Callback::Empty => SlotRef::Running,
        })
    }

    /// The handler in the live slot `id` names, if it is in its slot.
    pub(crate) fn handler(&self, id: IoId) -> Option<&dyn IoHandler<S>> {
        match &self.slot(id)?.callback {
            Callback::Handler(handler) => Some(handler.as_ref()),
            Callback::Empty | Callback::Function(..) => None,
        }
    }

    /// Take the callback out to run it; `None` if `id` is stale, or its
    /// handler is already out (an activation of a running event).
    pub(crate) fn take(&mut self, id: IoId) -> Option<Taken<S>> {
        let slot = self.slot_mut(id)?;
        // A function is copied out and stays: no write to the slot on the
        // hot path of `register_fn` events.
        if let Callback::Function(function, arg) = slot.callback {
            return Some(Taken::Function(function, arg));
        }
        match std::mem::replace(&mut slot.callback, Callback::Empty) {
            Callback::Handler(handler) => Some(Taken::Handler(handler)),
            Callback::Empty | Callback::Function(..) => None,
        }
    }

    /// Return a handler after it ran. If its event was removed meanwhile the
    /// handler comes back, for the caller to deregister and drop.
    pub(crate) fn put_back(
        &mut self,
        id: IoId,
        handler: Box<dyn IoHandler<S>>,
    ) -> Option<Box<dyn IoHandler<S>>> {
        match self.slot_mut(id) {
            Some(slot) => {
                slot.callback = Callback::Handler(handler);
                None
            }
            None => Some(handler),
        }
    }

    /// The priority of `id` (0 if stale: it will not run anyway).
    pub(crate) fn priority(&self, id: IoId) -> u8 {
        self.slot(id).map_or(0, |slot| slot.priority)
    }

    /// Set the priority of `id`.
    pub(crate) fn set_priority(&mut self, id: IoId, priority: u8) -> Result<()> {
        let levels = self.levels;
        if priority >= levels {
            self.check(id)?;
            return Err(Error::Priority { priority, levels });
        }
        let slot = self
            .slot_mut(id)
            .ok_or_else(|| Error::UnknownEvent(id.to_string()))?;
        slot.priority = priority;
        Ok(())
    }

    /// Queue `id` to run next turn with `ready`.
    pub(crate) fn activate(&mut self, id: IoId, ready: Ready) {
        self.activated.push((id, ready));
    }

    /// Whether activations wait for the next turn.
    pub(crate) fn has_activated(&self) -> bool {
        !self.activated.is_empty()
    }

    /// Queue `id` to be settled before the loop sleeps, unless it already
    /// is; false if `id` is stale.
    pub(crate) fn mark_pending(&mut self, id: IoId) -> bool {
        let Some(slot) = self.slot_mut(id) else {
            return false;
        };
        if !slot.pending {
            slot.pending = true;
            self.pending.push(id);
        }
        true
    }

    /// Whether events wait to be settled.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Take the pending list to settle it; an empty one takes its place,
    /// so events queued while settling wait for the next pass.
    pub(crate) fn take_pending(&mut self) -> Vec<IoId> {
        let spare = std::mem::take(&mut self.pending_spare);
        std::mem::replace(&mut self.pending, spare)
    }

    /// Hand back a settled batch, to be reused.
    pub(crate) fn recycle_pending(&mut self, mut batch: Vec<IoId>) {
        batch.clear();
        self.pending_spare = batch;
    }

    /// `id` is about to be settled: it may be queued again from now on.
    /// False if it is stale (or was settled already this pass).
    pub(crate) fn unmark_pending(&mut self, id: IoId) -> bool {
        match self.slot_mut(id) {
            Some(slot) if slot.pending => {
                slot.pending = false;
                true
            }
            _ => false,
        }
    }

    /// Take this turn's dispatch list, with the activations appended by
    /// [`finish_ready`](Self::finish_ready).
    pub(crate) fn take_ready(&mut self) -> ReadyList {
        std::mem::take(&mut self.ready)
    }

    /// Move the activations into `ready`: they run after the OS's events.
    pub(crate) fn finish_ready(&mut self, ready: &mut ReadyList) {
        ready.append(&mut self.activated);
    }

    /// Return the (cleared) dispatch list for the next turn.
    pub(crate) fn restore_ready(&mut self, ready: ReadyList) {
        self.ready = ready;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(_: &mut crate::EventLoop<()>, _: &mut (), _: crate::IoEvent, _: u64) {}

    #[test]
    fn a_freed_slot_is_reused_with_a_new_generation() {
        let mut table: IoTable<()> = IoTable::new(1, 8);
        let a = table.alloc();
        table.set_function(a, noop, 7);
        assert!(table.is_live(a));
        assert!(table.remove(a).is_none());
        assert!(!table.is_live(a));
        let b = table.alloc();
        assert_eq!(b.index(), a.index());
        assert_ne!(b.generation(), a.generation());
        assert!(table.take(a).is_none(), "a stale id reaches nothing");
        assert!(matches!(table.take(b), None | Some(Taken::Function(..))));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn pending_queues_each_event_once_until_unmarked() {
        let mut table: IoTable<()> = IoTable::new(1, 8);
        let a = table.alloc();
        assert!(table.mark_pending(a));
        assert!(table.mark_pending(a));
        let batch = table.take_pending();
        assert_eq!(batch, [a]);
        table.recycle_pending(batch);
        assert!(!table.has_pending());
        assert!(table.unmark_pending(a));
        assert!(!table.unmark_pending(a), "settled once per pass");
        assert!(table.mark_pending(a));
        assert!(table.has_pending());
        table.remove(a);
        assert!(!table.mark_pending(a), "stale ids are not queued");
    }
}
