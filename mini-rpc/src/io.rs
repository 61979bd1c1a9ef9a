//! The two halves of a connection that client and server share: a frame
//! reader over the socket's read half, and a writer task that batches
//! queued frames into as few `write` calls as it can.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::frame::{Frame, FrameError};

/// Why a connection's reader stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The socket failed.
    #[error("io: {0}")]
    Io(#[from] io::Error),
    /// The peer sent bytes that are not a valid frame; we close the connection.
    #[error("{0}")]
    Frame(#[from] FrameError),
}

/// Reads whole frames from one socket.
pub(crate) struct FrameReader<R> {
    /// The read half.
    rd: R,
    /// Bytes read but not yet parsed into a frame.
    buf: BytesMut,
    /// Largest frame accepted, length field included.
    max_frame: usize,
}

/// First read size; the buffer grows to fit larger frames when they come.
const READ_BUF: usize = 64 * 1024;

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(crate) fn new(rd: R, max_frame: usize) -> Self {
        FrameReader {
            rd,
            buf: BytesMut::with_capacity(READ_BUF),
            max_frame,
        }
    }

    /// The next frame; `Ok(None)` at a clean end of stream (between frames).
    pub(crate) async fn next(&mut self) -> Result<Option<Frame>, ConnError> {
        loop {
            if let Some(frame) = Frame::decode(&mut self.buf, self.max_frame)? {
                return Ok(Some(frame));
            }
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(READ_BUF);
            }
            if self.rd.read_buf(&mut self.buf).await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof inside a frame").into())
                };
            }
        }
    }
}

/// Largest batch gathered before a write; bounds the writer's buffer.
const WRITE_BATCH: usize = 256 * 1024;

/// Writes every frame sent on `rx` until all senders are gone, then shuts
/// the write half down.
///
/// Why a task with a queue: many calls (client) or handlers (server) reply
/// at once; each only queues its frame, and this loop encodes whatever has
/// queued up into one buffer and writes it with one syscall. Under load
/// that is one `write` per many frames, which is where most of the
/// throughput over one connection comes from. The queue is unbounded
/// because every frame in it belongs to a call that was already admitted
/// (server: at most `max_concurrent_requests` replies plus stream windows;
/// client: one request or cancel per caller), so the limits live there.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::UnboundedReceiver<Frame>,
) -> io::Result<()> {
    let mut buf = BytesMut::with_capacity(WRITE_BATCH);
    // Batches left to write without yielding first; see below.
    let mut skip_yields = 0u32;
    while let Some(frame) = rx.recv().await {
        frame.encode(&mut buf);
        drain(&mut rx, &mut buf);
        if buf.len() < WRITE_BATCH && skip_yields == 0 {
            // The first frame woke us, and tokio runs a task woken by the
            // running task next (its LIFO slot): without this yield every
            // reply would go out in its own `write` while other handlers
            // that are ready are about to queue theirs. One trip to the back
            // of the run queue lets them: on the echo bench at 64 concurrent
            // calls it cut `sendto` calls per call from 2 to well under 1
            // and nearly tripled throughput. When a yield gathers nothing
            // (one call at a time), the next 16 batches skip it, so a lone
            // caller does not pay an extra scheduler pass per frame.
            let before = buf.len();
            tokio::task::yield_now().await;
            drain(&mut rx, &mut buf);
            if buf.len() == before {
                skip_yields = 16;
            }
        } else {
            skip_yields = skip_yields.saturating_sub(1);
        }
        wr.write_all(&buf).await?;
        buf.clear();
    }
    wr.flush().await?;
    wr.shutdown().await
}

/// Encodes every frame already queued, up to the batch limit.
fn drain(rx: &mut mpsc::UnboundedReceiver<Frame>, buf: &mut BytesMut) {
    while buf.len() < WRITE_BATCH {
        match rx.try_recv() {
            Ok(frame) => frame.encode(buf),
            Err(_) => break,
        }
    }
}
