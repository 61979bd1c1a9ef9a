//! The outgoing queue of one connection, bounded in bytes.
//!
//! Before this bound, replies waited in an unbounded channel: a client that
//! sent calls and never read the replies grew the server by ~150 MB/s. Now
//! every queued frame counts its encoded size, and two rules keep the total
//! near `limit`:
//!
//! - a handler's reply (`send`) waits while `limit` bytes or more are queued;
//! - the connection's reader waits for the same room before it reads the
//!   next frame, so frames it answers itself (pongs, refusals) are produced
//!   at most one per frame read, and a client whose replies are not drained
//!   is simply not read any more: TCP's window then stops it (backpressure).
//!
//! So the queue holds at most `limit` plus one frame per waiting sender —
//! which is bounded too, since a call keeps its concurrency slot (carried
//! in its reply's [`Outgoing`]) until the reply is *written*.
//!
//! Rejected: a bounded `mpsc` channel (bounds frames, not bytes, so a few
//! 16 MiB replies still pass) and a semaphore of bytes (a frame bigger than
//! the whole budget would wait forever, and the reader's own frames, sent
//! from sync code, could not take permits).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc};

use crate::frame::Frame;

/// The writer is gone (socket failed or connection closed): nothing queued will be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// A frame on its way out, with what writing it gives back.
pub(crate) struct Outgoing {
    /// The frame.
    pub(crate) frame: Frame,
    /// Its encoded size, as counted in the queue's level.
    pub(crate) size: usize,
    /// A call's concurrency slot, held until its reply is written.
    pub(crate) slot: Option<OwnedSemaphorePermit>,
}

/// The level of the queue, shared by senders and the writer.
struct Level {
    /// Bytes queued and not yet written. A std Mutex: no await while held.
    queued: Mutex<usize>,
    /// Senders wait while `queued >= limit`.
    limit: usize,
    /// Woken when the writer has written a batch (or stopped).
    drained: Notify,
    /// Set when the writer stops; senders then fail at once.
    closed: AtomicBool,
}

impl Level {
    fn queued(&self) -> MutexGuard<'_, usize> {
        self.queued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending side; cheap to share (`Arc` it).
pub(crate) struct Outbox {
    tx: mpsc::UnboundedSender<Outgoing>,
    level: Arc<Level>,
}

/// The writer's side.
pub(crate) struct OutboxRx {
    rx: mpsc::UnboundedReceiver<Outgoing>,
    level: Arc<Level>,
}

/// A queue that asks senders to wait once `limit` bytes are queued.
pub(crate) fn outbox(limit: usize) -> (Outbox, OutboxRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let level = Arc::new(Level {
        queued: Mutex::new(0),
        limit: limit.max(1),
        drained: Notify::new(),
        closed: AtomicBool::new(false),
    });
    let rx = OutboxRx {
        rx,
        level: level.clone(),
    };
    (Outbox { tx, level }, rx)
}

impl Outbox {
    /// Queues `frame` now, over the limit if need be. For frames that must
    /// not wait: those the reader sends after [`Outbox::room`] (one per frame
    /// read), and small ones sent from sync code (cancel, credit).
    pub(crate) fn push(&self, frame: Frame) {
        let mut queued = self.level.queued();
        self.enqueue(&mut queued, frame, None);
    }

    /// Waits until fewer than `limit` bytes are queued; `true` if it had
    /// to wait (the peer was not reading).
    pub(crate) async fn room(&self) -> Result<bool, Closed> {
        self.when_room(|_| ()).await
    }

    /// Waits for room, then queues `frame` with `slot`, which is released
    /// once the frame is written. The check and the count happen under one
    /// lock, so concurrent senders overshoot the limit by one frame at most.
    pub(crate) async fn send(
        &self,
        frame: Frame,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Result<(), Closed> {
        let mut item = Some((frame, slot));
        self.when_room(|queued| {
            if let Some((frame, slot)) = item.take() {
                self.enqueue(queued, frame, slot);
            }
        })
        .await
        .map(drop)
    }

    // ANCHOR: when_room
    /// Runs `then` under the level's lock as soon as fewer than `limit`
    /// bytes are queued; fails once the writer is gone. `Ok(true)` if it
    /// had to wait.
    async fn when_room(&self, mut then: impl FnMut(&mut usize)) -> Result<bool, Closed> {
        let mut waited = false;
        loop {
            let drained = self.level.drained.notified();
            tokio::pin!(drained);
            // Register before checking, so a drain between the check and
            // the await still wakes us.
            drained.as_mut().enable();
            if self.level.closed.load(Ordering::Acquire) {
                return Err(Closed);
            }
            {
                let mut queued = self.level.queued();
                if *queued < self.level.limit {
                    then(&mut queued);
                    return Ok(waited);
                }
            }
            drained.await;
            waited = true;
        }
    }
    // ANCHOR_END: when_room

    fn enqueue(&self, queued: &mut usize, frame: Frame, slot: Option<OwnedSemaphorePermit>) {
        let size = frame.encoded_len();
        // Counted under the lock the writer releases under, so the level
        // never goes below zero. A send to a stopped writer hands the frame
        // back, and dropping it here releases its slot.
        if self.tx.send(Outgoing { frame, size, slot }).is_ok() {
            *queued += size;
        }
    }

    /// Bytes queued and not yet written.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        *self.level.queued()
    }

    /// Whether the writer has stopped.
    #[cfg(test)]
    pub(crate) fn is_closed(&self) -> bool {
        self.level.closed.load(Ordering::Acquire)
    }
}

impl OutboxRx {
    /// The next frame; `None` once every sender is gone.
    pub(crate) async fn recv(&mut self) -> Option<Outgoing> {
        self.rx.recv().await
    }

    /// A frame already queued, without waiting.
    pub(crate) fn try_recv(&mut self) -> Option<Outgoing> {
        self.rx.try_recv().ok()
    }

    /// Called after a write: `bytes` left the queue, and the slots the
    /// written frames held are dropped by the caller.
    pub(crate) fn written(&self, bytes: usize) {
        {
            let mut queued = self.level.queued();
            *queued = queued.saturating_sub(bytes);
        }
        self.level.drained.notify_waiters();
    }
}

impl Drop for OutboxRx {
    /// The writer stopped: wake every waiting sender so it fails instead of
    /// waiting forever. Frames still queued are dropped with the channel,
    /// releasing their memory and slots.
    fn drop(&mut self) {
        self.level.closed.store(true, Ordering::Release);
        self.rx.close();
        while self.rx.try_recv().is_ok() {}
        *self.level.queued() = 0;
        self.level.drained.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn send_waits_at_the_limit_and_resumes_when_written() {
        let (out, mut rx) = outbox(100);
        out.push(Frame::Ping(1)); // 13 bytes
        let big = Frame::StreamMessage {
            id: 1,
            payload: vec![0u8; 200].into(),
        };
        out.send(big.clone(), None).await.unwrap(); // under the limit: queued
        assert_eq!(out.queued(), 13 + 213);
        let blocked = tokio::time::timeout(Duration::from_millis(20), out.send(big.clone(), None));
        assert!(blocked.await.is_err(), "over the limit: waits");
        let first = rx.recv().await.unwrap();
        let second = rx.recv().await.unwrap();
        rx.written(first.size + second.size);
        assert_eq!(out.queued(), 0);
        let resumed = tokio::time::timeout(Duration::from_secs(1), out.send(big, None));
        assert!(resumed.await.is_ok());
    }

    #[tokio::test]
    async fn a_stopped_writer_fails_waiters_and_releases_slots() {
        let (out, rx) = outbox(10);
        let slots = Arc::new(tokio::sync::Semaphore::new(1));
        let slot = slots.clone().try_acquire_owned().unwrap();
        out.send(Frame::Ping(1), Some(slot)).await.unwrap();
        assert_eq!(slots.available_permits(), 0, "held while queued");
        drop(rx);
        assert_eq!(slots.available_permits(), 1, "released with the queue");
        assert_eq!(out.room().await, Err(Closed));
        assert_eq!(out.send(Frame::Ping(2), None).await, Err(Closed));
        assert!(out.is_closed());
    }
}
