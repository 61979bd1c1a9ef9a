//! Bytes for connections other than the one whose command is running: a
//! message `PUBLISH` sends to subscribers, the reply of a blocked client
//! that another client's push woke up, a timeout's null. Redis writes them
//! straight into the other client's buffer (`addReply` on another
//! `client *`); here the state layer does not own the connections, so
//! they wait in the outbox until the network layer moves them to each
//! connection's pending writes, right after the batch of commands that
//! produced them (see `server::Runtime::deliver`).
//!
//! The outbox also lists the clients that were unblocked, so the network
//! layer can resume reading their pipelined input.

use crate::idmap::IdMap;
use crate::pubsub::Sink;

/// Pending output per client id, and the clients to resume.
#[derive(Debug, Default)]
pub struct Outbox {
    /// Output by client id.
    bufs: IdMap<Vec<u8>>,
    /// Ids with output, in the order they first got some this batch.
    order: Vec<u64>,
    /// Clients unblocked since the last drain, to resume.
    unblocked: Vec<u64>,
}

impl Outbox {
    /// Whether there is nothing to hand over.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty() && self.unblocked.is_empty()
    }

    /// The output buffer of client `id`, to append to.
    pub fn buf(&mut self, id: u64) -> &mut Vec<u8> {
        let order = &mut self.order;
        self.bufs.entry(id).or_insert_with(|| {
            order.push(id);
            Vec::new()
        })
    }

    /// Records that client `id` was unblocked and its input may resume.
    pub fn resume(&mut self, id: u64) {
        self.unblocked.push(id);
    }

    /// Takes every client's output, in the order they first got some.
    pub fn drain(&mut self) -> Vec<(u64, Vec<u8>)> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .filter_map(|id| self.bufs.remove(&id).map(|b| (id, b)))
            .collect()
    }

    /// Takes the list of unblocked clients.
    pub fn take_resumed(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.unblocked)
    }

    /// Drops whatever was waiting for a client that is gone.
    pub fn forget(&mut self, id: u64) {
        if !self.is_empty() {
            self.bufs.remove(&id);
            self.unblocked.retain(|&c| c != id);
        }
    }
}

/// Where Pub/Sub messages go while a command runs: the running client's
/// own reply buffer (its messages go before its reply, as Redis writes
/// them), every other client's outbox buffer.
#[derive(Debug)]
pub struct Deliver<'a> {
    /// The other clients' buffers.
    pub outbox: &'a mut Outbox,
    /// The running client's id (0: none, as in the cron).
    pub me: u64,
    /// The running client's reply buffer.
    pub own: &'a mut Vec<u8>,
}

impl Sink for Deliver<'_> {
    fn buf(&mut self, id: u64) -> &mut Vec<u8> {
        if id == self.me {
            self.own
        } else {
            self.outbox.buf(id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_grouped_per_client() {
        let mut o = Outbox::default();
        assert!(o.is_empty());
        o.buf(3).extend_from_slice(b"a");
        o.buf(5).extend_from_slice(b"b");
        o.buf(3).extend_from_slice(b"c");
        o.resume(5);
        o.forget(5);
        assert_eq!(o.drain(), vec![(3, b"ac".to_vec())]);
        assert!(o.take_resumed().is_empty());
        assert!(o.is_empty());
    }
}
