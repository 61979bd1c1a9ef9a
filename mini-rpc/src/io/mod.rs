//! The parts of a connection that client and server share: a frame reader
//! over the socket's read half, a byte-bounded queue of frames to send, and
//! the writer task that drains that queue in batches.
//!
//! # Layout
//!
//! - `reader`: [`FrameReader`], whole frames off the socket, with a time
//!   limit per frame and a byte budget shared by every connection of a server.
//! - `outbox`: [`Outbox`], the queue of frames waiting to be written, bounded
//!   in bytes; what a frame holds (a call's concurrency slot) is released
//!   when it is written, not when it is queued.
//! - `writer`: [`write_loop`], the task that turns queued frames into few
//!   `write` calls.
//!
//! ```text
//!  socket ─► FrameReader ─► (waits for room in the outbox before each frame)
//!  handlers ─ send (waits for room) ─┐
//!  reader   ─ push (counted)  ───────┴─► Outbox ─► write_loop ─► socket
//!                                          ▲            │ written: bytes and slots released
//!                                          └────────────┘
//! ```

mod outbox;
mod reader;
mod writer;

use std::io;
use std::time::Duration;

pub(crate) use self::outbox::{Outbox, outbox};
pub(crate) use self::reader::{FrameReader, ReadLimits};
pub(crate) use self::writer::write_loop;
use crate::frame::FrameError;

/// Why a connection's reader stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The socket failed.
    #[error("io: {0}")]
    Io(#[from] io::Error),
    /// The peer sent bytes that are not a valid frame; we close the connection.
    #[error("{0}")]
    Frame(#[from] FrameError),
    /// A frame was started but not finished in time (a stalled or
    /// deliberately slow peer); we close the connection.
    #[error("frame not completed within {0:?} of its first byte")]
    FrameTimeout(Duration),
    /// The connection's writer stopped (the socket failed for writing), so
    /// nothing read could be answered.
    #[error("the connection's writer stopped")]
    WriterGone,
}
