//! Buffered connections: a stream plus input and output buffers, driven by
//! the loop.
//!
//! [`BufferedConn`] mirrors libevent's `bufferevent` (`bufferevent_sock.c`)
//! over two `evbuffer`s, and the per-client `querybuf` / reply buffer of a
//! Redis `client`. The loop reads for it, calls the [`ConnHandler`] with
//! the new input, writes the output back with `writev`, and closes it when
//! asked, on error, or after the last byte is flushed.

mod handler;
mod output;
mod stream;
mod transfer;

use std::time::Duration;

use bytes::{Bytes, BytesMut};

pub use handler::ConnHandler;
pub use output::{Append, BLOCK_SIZE, OutputBuffer};
pub use stream::Stream;

use crate::ready::IoId;
use crate::timer::TimerId;

/// Default read high-watermark: stop reading (backpressure) when this much
/// input is unconsumed. Redis's `client-query-buffer-limit` is 1 GiB and
/// libevent's default is unlimited; ours is bounded so one client cannot
/// take all memory.
pub const DEFAULT_READ_HIGH_WATERMARK: usize = 64 * 1024 * 1024;
/// Default cap on bytes read for one connection in one turn, so a fast
/// sender cannot starve the others (Redis reads 16 KiB per event,
/// `PROTO_IOBUF_LEN`; libevent `bufferevent` reads up to 16 KiB too).
/// One read into the 64 KiB scratch buffer: the handler then has at most
/// 64 KiB of requests to work through before the next connection's turn
/// (it was 256 KiB, four reads, which let a pipelining client hold the
/// loop for thousands of commands per turn).
pub const DEFAULT_READ_BUDGET: usize = 64 * 1024;
/// Default cap on bytes written for one connection in one turn (Redis
/// `NET_MAX_WRITES_PER_EVENT`, 64 KiB). What is left waits for the next
/// turn's pending pass, so one connection with a large backlog and a fast
/// reader cannot keep the loop writing to it alone.
pub const DEFAULT_WRITE_BUDGET: usize = 64 * 1024;

/// A connection with buffers, owned by the loop (libevent `bufferevent`).
///
/// Handlers get `&mut BufferedConn`: read from [`input_mut`](Self::input_mut)
/// (consume what you parsed with `bytes::Buf::advance` or `split_to`), answer
/// with [`write`](Self::write) / [`write_bytes`](Self::write_bytes). Output is
/// flushed when the callback returns, with one `writev` (or, with
/// [`set_deferred_write`](Self::set_deferred_write), in the pass after the
/// before-sleep hooks); what the socket does not take waits for the next
/// writable edge.
#[derive(Debug)]
pub struct BufferedConn {
    /// Id of the connection's event.
    pub(crate) id: IoId,
    /// The socket.
    pub(crate) stream: Stream,
    /// Bytes read and not yet consumed (libevent `bufferevent_get_input`,
    /// Redis `querybuf`).
    pub(crate) input: BytesMut,
    /// Bytes waiting to be written (libevent `bufferevent_get_output`).
    pub(crate) output: OutputBuffer,
    /// Stop reading while `input` holds at least this much (libevent read
    /// high-watermark; 0 = unlimited).
    pub(crate) read_high: usize,
    /// Call `on_write` when a flush brings `output` to this size or below
    /// (libevent write low-watermark; default 0 = fully flushed).
    pub(crate) write_low: usize,
    /// Most bytes read for this connection per turn.
    pub(crate) read_budget: usize,
    /// Most bytes written for this connection per turn.
    pub(crate) write_budget: usize,
    /// Bytes still allowed in turn `write_turn`.
    pub(crate) write_left: usize,
    /// The loop turn `write_left` counts for.
    pub(crate) write_turn: u64,
    /// Write only in the pending pass before the loop sleeps, not when a
    /// callback returns (Redis `handleClientsWithPendingWrites`).
    pub(crate) deferred_write: bool,
    /// Reading enabled by the user (libevent `bufferevent_enable(EV_READ)`).
    pub(crate) read_enabled: bool,
    /// Reading is paused by the high-watermark.
    pub(crate) read_paused: bool,
    /// The peer sent EOF (read returned 0).
    pub(crate) eof: bool,
    /// `on_eof` has been called.
    pub(crate) eof_reported: bool,
    /// The last write did not take everything: wait for a writable edge.
    pub(crate) write_blocked: bool,
    /// Shut our write side once output is flushed (half-close).
    pub(crate) shutdown_after_flush: bool,
    /// Our write side is shut.
    pub(crate) write_shut: bool,
    /// Close once output is flushed (Redis `CLIENT_CLOSE_AFTER_REPLY`).
    pub(crate) close_after_flush: bool,
    /// Close now, dropping pending output (Redis `CLIENT_CLOSE_ASAP`).
    pub(crate) close_now: bool,
    /// Idle limit: no input for this long calls `on_timeout` (libevent
    /// `bufferevent_set_timeouts` read timeout, Redis `timeout`).
    pub(crate) read_timeout: Option<Duration>,
    /// Loop time (ms) of the last read that returned data.
    pub(crate) last_read_ms: u64,
    /// The timer watching `read_timeout`, when armed.
    pub(crate) timer: Option<TimerId>,
}

impl BufferedConn {
    pub(crate) fn new(id: IoId, stream: Stream, deferred_write: bool) -> Self {
        Self {
            id,
            stream,
            input: BytesMut::new(),
            output: OutputBuffer::default(),
            read_high: DEFAULT_READ_HIGH_WATERMARK,
            write_low: 0,
            read_budget: DEFAULT_READ_BUDGET,
            write_budget: DEFAULT_WRITE_BUDGET,
            write_left: 0,
            write_turn: u64::MAX,
            deferred_write,
            read_enabled: true,
            read_paused: false,
            eof: false,
            eof_reported: false,
            write_blocked: false,
            shutdown_after_flush: false,
            write_shut: false,
            close_after_flush: false,
            close_now: false,
            read_timeout: None,
            last_read_ms: 0,
            timer: None,
        }
    }

    /// This connection's id.
    pub fn id(&self) -> IoId {
        self.id
    }

    /// The underlying stream (for `peer_addr`, `set_nodelay`, ...).
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Unconsumed input.
    pub fn input(&self) -> &[u8] {
        &self.input
    }

    /// Unconsumed input, to parse and consume from.
    pub fn input_mut(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    /// Input and output together, to parse requests and queue replies
    /// without splitting the input off (no allocation, no extra copy).
    pub fn buffers(&mut self) -> (&mut BytesMut, &mut OutputBuffer) {
        (&mut self.input, &mut self.output)
    }

    /// The output, to queue replies into (for instance through
    /// [`OutputBuffer::append`], straight from an encoder).
    pub fn output_mut(&mut self) -> &mut OutputBuffer {
        &mut self.output
    }

    /// Queue a copy of `data` for writing.
    pub fn write(&mut self, data: &[u8]) {
        self.output.push_slice(data);
    }

    /// Queue `data` for writing without copying (large values).
    pub fn write_bytes(&mut self, data: Bytes) {
        self.output.push_bytes(data);
    }

    /// Bytes waiting to be written.
    pub fn output_len(&self) -> usize {
        self.output.len()
    }

    /// Set the read high-watermark (0 = unlimited): while this much input is
    /// unconsumed the loop stops reading, so TCP flow control pushes back
    /// on the sender (libevent `bufferevent_setwatermark(EV_READ)`).
    pub fn set_read_high_watermark(&mut self, bytes: usize) {
        self.read_high = bytes;
    }

    /// Set the write low-watermark for `on_write` (libevent
    /// `bufferevent_setwatermark(EV_WRITE)`).
    pub fn set_write_low_watermark(&mut self, bytes: usize) {
        self.write_low = bytes;
    }

    /// Most bytes read for this connection in one turn (fairness budget;
    /// default [`DEFAULT_READ_BUDGET`]).
    pub fn set_read_budget(&mut self, bytes: usize) {
        self.read_budget = bytes.max(1);
    }

    /// Most bytes written for this connection in one turn (fairness
    /// budget; default [`DEFAULT_WRITE_BUDGET`]; `usize::MAX` for none).
    /// Redis lifts its cap for replicas and while over `maxmemory`, to
    /// drain memory faster; an owner does the same by raising this. Takes
    /// effect from the next turn.
    pub fn set_write_budget(&mut self, bytes: usize) {
        self.write_budget = bytes.max(1);
    }

    /// Defer writes: when a callback returns, the output is not written but
    /// the connection is queued (once) for the pending pass that runs after
    /// the before-sleep hooks, just before the loop polls; there it is
    /// written with everything else queued for it in this turn (Redis's
    /// `CLIENT_PENDING_WRITE` and `handleClientsWithPendingWrites`). Close-
    /// after-flush, half-close, watermarks and the write budget work as
    /// without it, in that pass. The loop-wide default is
    /// [`Builder::deferred_writes`](crate::Builder::deferred_writes).
    pub fn set_deferred_write(&mut self, on: bool) {
        self.deferred_write = on;
    }

    /// Whether writes are deferred to the pending pass.
    pub fn is_deferred_write(&self) -> bool {
        self.deferred_write
    }

    /// Enable or disable reading (libevent `bufferevent_enable` /
    /// `bufferevent_disable` of `EV_READ`).
    pub fn set_read_enabled(&mut self, on: bool) {
        if on && !self.read_enabled {
            // Data may have arrived while disabled, and its edge is spent:
            // treat it like a watermark pause so the loop resumes reading.
            self.read_paused = true;
        }
        self.read_enabled = on;
    }

    /// Whether the peer has sent EOF.
    pub fn is_eof(&self) -> bool {
        self.eof
    }

    /// Whether a close is pending (after flush, or now).
    pub fn is_closing(&self) -> bool {
        self.close_now || self.close_after_flush
    }

    /// Half-close: shut our write side once pending output is flushed; the
    /// read side stays open.
    pub fn shutdown_write(&mut self) {
        self.shutdown_after_flush = true;
    }

    /// Close once all pending output is written (Redis
    /// `CLIENT_CLOSE_AFTER_REPLY`); no more input is read.
    pub fn close_after_flush(&mut self) {
        self.close_after_flush = true;
    }

    /// Call [`ConnHandler::on_timeout`] (default: close) when no input has
    /// arrived for `timeout`; `None` turns it off (libevent
    /// `bufferevent_set_timeouts` for reading, Redis's `timeout` setting).
    /// Checked lazily, as Redis's `clientsCron` does: reads only record
    /// the time, and one timer per connection re-arms itself.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        self.read_timeout = timeout;
    }

    /// Close at the end of this callback, dropping pending output.
    pub fn close(&mut self) {
        self.close_now = true;
    }
}
