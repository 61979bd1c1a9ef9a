//! Running I/O callbacks: one event, one turn's list, and the pass that
//! settles pending events before the loop sleeps.
//!
//! A handler is taken out of its slot while it runs, so it may do anything
//! to the loop, including removing itself; it goes back unless its event
//! was removed meanwhile (Redis's `aeProcessEvents` re-reads
//! `eventLoop->events[fd]` after each callback for the same reason).

use crate::event_loop::EventLoop;
use crate::ready::{IoEvent, IoId, Ready};

use super::table::Taken;

/// One turn's events to dispatch, and the per-priority queues they are
/// sorted into; both reused across turns, so a turn does not allocate.
#[derive(Default)]
pub(crate) struct ReadyList {
    /// The OS's events of this turn, then the activations.
    events: Vec<(IoId, Ready)>,
    /// One queue per priority level beyond the first.
    by_priority: Vec<Vec<(IoId, Ready)>>,
}

impl ReadyList {
    /// Room for `events` per turn, `levels` priority levels.
    pub(crate) fn new(events: usize, levels: u8) -> Self {
        Self {
            events: Vec::with_capacity(events),
            by_priority: (1..levels).map(|_| Vec::new()).collect(),
        }
    }

    /// Add one event.
    pub(crate) fn push(&mut self, id: IoId, ready: Ready) {
        self.events.push((id, ready));
    }

    /// Move `more` to the end.
    pub(crate) fn append(&mut self, more: &mut Vec<(IoId, Ready)>) {
        self.events.append(more);
    }
}

impl<S: 'static> EventLoop<S> {
    // ANCHOR: dispatch
    /// Run one event's callback: take it out, call it, put it back unless
    /// it was removed meanwhile (then deregister its source and drop it).
    pub(crate) fn dispatch(&mut self, state: &mut S, id: IoId, ready: Ready) {
        match self.io.take(id) {
            // Stale (removed earlier in this turn), or already running.
            None => {}
            // Nothing was taken out: removal during the call just frees the
            // slot, and there is no box to put back.
            Some(Taken::Function(function, arg)) => {
                function(self, state, IoEvent { id, ready }, arg)
            }
            Some(Taken::Handler(mut handler)) => {
                handler.ready(self, state, id, ready);
                if let Some(mut removed) = self.io.put_back(id, handler)
                    && let Some(source) = removed.source()
                {
                    let _ = self.poll.registry().deregister(source);
                }
            }
        }
    }
    // ANCHOR_END: dispatch

    /// Dispatch this turn's events (`ready`, with the activations added),
    /// then hand the emptied list back to the table.
    ///
    /// Fairness rule with priorities: every event ready in this turn runs in
    /// this turn, lowest priority number first (libevent runs only the
    /// lowest non-empty queue per turn, which can starve the others; we keep
    /// the ordering and drop the starvation).
    pub(crate) fn dispatch_ready(&mut self, state: &mut S, mut ready: ReadyList) {
        self.io.finish_ready(&mut ready);
        if self.io.levels() > 1 {
            let (events, queues) = (&mut ready.events, &mut ready.by_priority);
            events.retain(|&(id, what)| match self.io.priority(id) {
                0 => true,
                priority => {
                    queues[priority as usize - 1].push((id, what));
                    false
                }
            });
        }
        for &(id, what) in &ready.events {
            self.dispatch(state, id, what);
        }
        for queue in ready.by_priority.iter_mut() {
            for &(id, what) in queue.iter() {
                self.dispatch(state, id, what);
            }
            queue.clear();
        }
        ready.events.clear();
        self.io.restore_ready(ready);
    }

    /// Settle every pending event (connections written to outside their
    /// callbacks, or deferring their writes): each gets one `FLUSH` call, in
    /// the order it was queued. Events queued during the pass wait for the
    /// next one; the loop does not sleep while any wait.
    pub(crate) fn settle_pending(&mut self, state: &mut S) {
        let batch = self.io.take_pending();
        for &id in &batch {
            if self.io.unmark_pending(id) {
                self.dispatch(state, id, Ready::FLUSH);
            }
        }
        self.io.recycle_pending(batch);
    }
}
