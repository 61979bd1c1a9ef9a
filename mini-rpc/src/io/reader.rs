//! Whole frames off a socket, within a time limit per frame and a byte
//! budget shared by every connection of a server.
//!
//! Two limits close the hole a half-sent frame opened (a connection that
//! sent half of a 16 MiB frame was held, with its buffer, forever; 100 such
//! connections held 806 MB):
//!
//! - `frame_timeout`: from a frame's first byte to its last. Counted over
//!   the whole frame, not between reads, so a peer trickling one byte a
//!   second cannot keep a frame open (nginx's `client_body_timeout` is per
//!   read and is defeated that way).
//! - `budget`: before buffering the body of a frame larger than the read
//!   buffer, the reader takes the frame's size from a server-wide semaphore
//!   of bytes and gives it back when the frame is complete. While none is
//!   left it stops reading (TCP then stops the peer), and its frame timeout
//!   keeps running, so a stalled peer cannot hold its share for long.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::ConnError;
use crate::frame::Frame;

/// What a reader may buffer, and for how long.
#[derive(Clone, Debug)]
pub(crate) struct ReadLimits {
    /// Largest frame accepted, length field included.
    pub(crate) max_frame: usize,
    /// Time from a frame's first byte to its last; `None`: no limit.
    pub(crate) frame_timeout: Option<Duration>,
    /// Bytes the bodies of large frames may take, shared by connections.
    pub(crate) budget: Option<Arc<Semaphore>>,
    /// The budget's size (a frame asks for at most this much).
    pub(crate) budget_bytes: usize,
}

impl ReadLimits {
    /// Only the frame size limit (what a client uses).
    pub(crate) fn max_frame(max_frame: usize) -> ReadLimits {
        ReadLimits {
            max_frame,
            frame_timeout: None,
            budget: None,
            budget_bytes: 0,
        }
    }
}

/// Reads whole frames from one socket.
pub(crate) struct FrameReader<R> {
    /// The read half.
    rd: R,
    /// Bytes read but not yet parsed into a frame.
    buf: BytesMut,
    /// The limits.
    limits: ReadLimits,
    /// When the first byte of the frame being read arrived.
    started: Option<Instant>,
    /// The budget share of the large frame being read.
    held: Option<OwnedSemaphorePermit>,
}

/// First read size; the buffer grows to fit larger frames when they come.
/// Frames up to this size need no share of the budget.
const READ_BUF: usize = 64 * 1024;

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(crate) fn new(rd: R, limits: ReadLimits) -> Self {
        FrameReader {
            rd,
            buf: BytesMut::with_capacity(READ_BUF),
            limits,
            started: None,
            held: None,
        }
    }

    /// The next frame; `Ok(None)` at a clean end of stream (between frames).
    ///
    /// Cancel-safe: what was read and the budget share stay in `self`, so a
    /// `select!` that drops this future loses nothing.
    pub(crate) async fn next(&mut self) -> Result<Option<Frame>, ConnError> {
        loop {
            if let Some(frame) = Frame::decode(&mut self.buf, self.limits.max_frame)? {
                self.started = None;
                self.held = None;
                return Ok(Some(frame));
            }
            // ANCHOR: budget
            let deadline = self.deadline();
            if self.held.is_none()
                && let Some(budget) = self.limits.budget.clone()
                && let Some(len) = announced_len(&self.buf).filter(|&n| n > READ_BUF)
            {
                let want = len.min(self.limits.budget_bytes);
                let want = u32::try_from(want).unwrap_or(u32::MAX);
                let share = within(
                    deadline,
                    self.limits.frame_timeout,
                    budget.acquire_many_owned(want),
                );
                self.held = Some(share.await?.map_err(|_| closed_budget())?);
            }
            // ANCHOR_END: budget
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(READ_BUF);
            }
            let read = within(
                deadline,
                self.limits.frame_timeout,
                self.rd.read_buf(&mut self.buf),
            );
            if read.await?? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof inside a frame").into())
                };
            }
        }
    }

    /// Starts the frame timeout over for a frame already begun: for when
    /// this side stopped reading (backpressure), which is not the peer's delay.
    pub(crate) fn restart_frame_clock(&mut self) {
        if self.started.is_some() {
            self.started = Some(Instant::now());
        }
    }

    /// When the frame being read must be complete; `None` between frames
    /// (an idle connection is not timed out here) or without a limit.
    fn deadline(&mut self) -> Option<Instant> {
        let timeout = self.limits.frame_timeout?;
        if self.buf.is_empty() {
            return None;
        }
        let started = *self.started.get_or_insert_with(Instant::now);
        started.checked_add(timeout)
    }
}

/// The total length a frame's head announces, once its 4 bytes are in.
fn announced_len(buf: &BytesMut) -> Option<usize> {
    let head: [u8; 4] = buf.get(..4)?.try_into().ok()?;
    Some((u32::from_be_bytes(head) as usize).saturating_add(4))
}

/// Runs `fut`, failing with `FrameTimeout` if `deadline` passes first.
async fn within<T>(
    deadline: Option<Instant>,
    timeout: Option<Duration>,
    fut: impl Future<Output = T>,
) -> Result<T, ConnError> {
    match (deadline, timeout) {
        (Some(at), Some(limit)) => tokio::time::timeout_at(at, fut)
            .await
            .map_err(|_| ConnError::FrameTimeout(limit)),
        _ => Ok(fut.await),
    }
}

fn closed_budget() -> ConnError {
    io::Error::other("the server's read budget was closed").into()
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    fn limits(timeout: Duration) -> ReadLimits {
        ReadLimits {
            frame_timeout: Some(timeout),
            ..ReadLimits::max_frame(1024)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_frame_must_finish_in_time_unless_we_paused_it() {
        let (mut peer, ours) = tokio::io::duplex(1024);
        let mut reader = FrameReader::new(ours, limits(Duration::from_secs(1)));
        peer.write_all(&[0, 0, 0, 20, 4]).await.unwrap(); // half a frame
        // 0.8 s of reading: not complete, not yet late.
        let early = tokio::time::timeout(Duration::from_millis(800), reader.next()).await;
        assert!(early.is_err(), "still waiting for the rest");
        // We stopped reading (backpressure) for a while: the clock restarts.
        reader.restart_frame_clock();
        let again = tokio::time::timeout(Duration::from_millis(800), reader.next()).await;
        assert!(again.is_err(), "the pause was not the peer's");
        // Past a full timeout since the restart: the frame is late.
        let late = tokio::time::timeout(Duration::from_secs(5), reader.next()).await;
        assert!(matches!(late, Ok(Err(ConnError::FrameTimeout(_)))));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_is_not_timed_out() {
        let (_peer, ours) = tokio::io::duplex(1024);
        let mut reader = FrameReader::new(ours, limits(Duration::from_secs(1)));
        let idle = tokio::time::timeout(Duration::from_secs(60), reader.next()).await;
        assert!(idle.is_err(), "no frame begun, no frame timeout");
    }
}
