//! The writer task: encodes whatever has queued up into one buffer and
//! writes it with one syscall.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;

use super::outbox::{OutboxRx, Outgoing};

/// Largest batch gathered before a write; bounds the writer's buffer.
const WRITE_BATCH: usize = 256 * 1024;

/// One batch being gathered: the encoded bytes, their count in the queue,
/// and the slots to release once they are written.
struct Batch {
    buf: BytesMut,
    counted: usize,
    slots: Vec<OwnedSemaphorePermit>,
}

impl Batch {
    fn add(&mut self, out: Outgoing) {
        out.frame.encode(&mut self.buf);
        self.counted += out.size;
        self.slots.extend(out.slot);
    }

    /// Encodes every frame already queued, up to the batch limit.
    fn drain(&mut self, rx: &mut OutboxRx) {
        while self.buf.len() < WRITE_BATCH {
            match rx.try_recv() {
                Some(out) => self.add(out),
                None => break,
            }
        }
    }
}

/// Writes every frame queued on `rx` until all senders are gone, then shuts
/// the write half down.
///
/// Why a task with a queue: many calls (client) or handlers (server) reply
/// at once; each only queues its frame, and this loop encodes whatever has
/// queued up into one buffer and writes it with one syscall. Under load
/// that is one `write` per many frames, which is where most of the
/// throughput over one connection comes from. The queue is bounded in
/// bytes (see `outbox`): a frame's bytes and its call's concurrency slot
/// are given back only after the `write` that carried it returned.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: OutboxRx,
) -> io::Result<()> {
    let mut batch = Batch {
        buf: BytesMut::with_capacity(WRITE_BATCH),
        counted: 0,
        slots: Vec::new(),
    };
    // Batches left to write without yielding first; see below.
    let mut skip_yields = 0u32;
    while let Some(first) = rx.recv().await {
        batch.add(first);
        batch.drain(&mut rx);
        if batch.buf.len() < WRITE_BATCH && skip_yields == 0 {
            // The first frame woke us, and tokio runs a task woken by the
            // running task next (its LIFO slot): without this yield every
            // reply would go out in its own `write` while other handlers
            // that are ready are about to queue theirs. One trip to the back
            // of the run queue lets them: on the echo bench at 64 concurrent
            // calls it cut `sendto` calls per call from 2 to well under 1
            // and nearly tripled throughput. When a yield gathers nothing
            // (one call at a time), the next 16 batches skip it, so a lone
            // caller does not pay an extra scheduler pass per frame.
            let before = batch.buf.len();
            tokio::task::yield_now().await;
            batch.drain(&mut rx);
            if batch.buf.len() == before {
                skip_yields = 16;
            }
        } else {
            skip_yields = skip_yields.saturating_sub(1);
        }
        wr.write_all(&batch.buf).await?;
        rx.written(batch.counted);
        batch.slots.clear();
        batch.counted = 0;
        batch.buf.clear();
        // A batch that grew past its usual size for one big frame gives
        // the memory back instead of keeping it for the connection's life.
        if batch.buf.capacity() > 4 * WRITE_BATCH {
            batch.buf = BytesMut::with_capacity(WRITE_BATCH);
        }
    }
    wr.flush().await?;
    wr.shutdown().await
}
