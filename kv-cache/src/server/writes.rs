//! Replies waiting for the before-sleep flush. Redis: `c->buf` plus the
//! `clients_pending_write` list, written by `handleClientsWithPendingWrites`
//! in `beforeSleep`.
//!
//! Why not write as soon as a client's commands ran? Because the loop
//! usually wakes up with many clients readable at once. Writing each reply
//! immediately wakes the client process once per reply while we are still
//! reading the others; writing all of them after the reads, just before the
//! loop sleeps, hands the clients their replies in one burst. With 50
//! clients on two cores this is visible in redis-benchmark's numbers.

use event_loop::{EventLoop, IoId};

use super::Runtime;

/// Output buffers kept between turns are trimmed back to this capacity, so
/// one large reply does not pin memory for the connection's whole life.
const KEEP_CAPACITY: usize = 64 * 1024;

/// One connection's pending output.
#[derive(Debug, Default)]
struct Slot {
    /// The connection this slot belongs to (slots are indexed by the loop's
    /// slab index, which is reused; the id's generation tells owners apart).
    owner: Option<IoId>,
    /// Reply bytes produced this turn (Redis `c->buf`).
    buf: Vec<u8>,
    /// Close once this output is written (`QUIT`, protocol error, `SHUTDOWN`).
    close_after: bool,
    /// Already on the pending list this turn.
    queued: bool,
}

/// Pending replies of every connection, flushed in the before-sleep hook.
#[derive(Debug, Default)]
pub struct PendingWrites {
    /// By connection slab index.
    slots: Vec<Slot>,
    /// Connections with something to write or to close, in arrival order.
    queue: Vec<IoId>,
}

impl PendingWrites {
    /// The reply buffer of connection `id`, claiming its slot.
    pub fn buf(&mut self, id: IoId) -> &mut Vec<u8> {
        let i = id.index();
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, Slot::default);
        }
        let slot = &mut self.slots[i];
        if slot.owner != Some(id) {
            *slot = Slot {
                owner: Some(id),
                ..Slot::default()
            };
        }
        &mut slot.buf
    }

    /// Queues connection `id` for the flush (once per turn); `close` asks for
    /// a close after its output is written.
    pub fn queue(&mut self, id: IoId, close: bool) {
        let Some(slot) = self
            .slots
            .get_mut(id.index())
            .filter(|s| s.owner == Some(id))
        else {
            return;
        };
        slot.close_after |= close;
        if !slot.queued {
            slot.queued = true;
            self.queue.push(id);
        }
    }

    /// Bytes pending for `id` (for the output-buffer limit).
    pub fn pending(&self, id: IoId) -> usize {
        self.slots
            .get(id.index())
            .filter(|s| s.owner == Some(id))
            .map_or(0, |s| s.buf.len())
    }

    /// Forgets a closed connection's slot.
    pub fn forget(&mut self, id: IoId) {
        if let Some(slot) = self
            .slots
            .get_mut(id.index())
            .filter(|s| s.owner == Some(id))
        {
            *slot = Slot::default();
        }
    }
}

/// The before-sleep hook: hands every pending reply to its connection; the
/// loop writes them (one `writev` each) right after the hooks run.
pub(crate) fn flush(ev: &mut EventLoop<Runtime>, rt: &mut Runtime) {
    let writes = &mut rt.writes;
    for id in std::mem::take(&mut writes.queue) {
        let Some(slot) = writes
            .slots
            .get_mut(id.index())
            .filter(|s| s.owner == Some(id))
        else {
            continue;
        };
        slot.queued = false;
        if let Some(conn) = ev.conn_mut(id) {
            if !slot.buf.is_empty() {
                rt.srv.stats.net_output_bytes += slot.buf.len() as u64;
                conn.write(&slot.buf);
            }
            if slot.close_after {
                conn.close_after_flush();
            }
        }
        slot.buf.clear();
        if slot.buf.capacity() > KEEP_CAPACITY {
            slot.buf.shrink_to(KEEP_CAPACITY);
        }
    }
}
