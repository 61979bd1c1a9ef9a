//! Moving bytes between a connection's socket and its buffers: the read
//! loop and the flush, each bounded per turn.

use std::io::{self, Read};

use super::BufferedConn;

/// Why reading stopped.
pub(super) enum ReadStop {
    /// Drained (short read or `WouldBlock`), or not reading at all.
    Drained,
    /// Data may be left in the socket (budget or watermark).
    MoreLeft,
}

/// Read into `conn.input` through the shared scratch buffer.
///
/// Why a scratch buffer: safe Rust can only `read` into initialized memory,
/// and zeroing 64 KiB of spare capacity per read costs more than copying
/// the few bytes a request usually has. Input grows by what arrived, not by
/// a fixed 16 KiB per client (Redis preallocates `querybuf`).
pub(super) fn read_input(
    conn: &mut BufferedConn,
    scratch: &mut [u8],
    peer_closed: bool,
) -> io::Result<ReadStop> {
    let mut budget = conn.read_budget;
    loop {
        if !conn.read_enabled || conn.eof || conn.close_now || conn.close_after_flush {
            return Ok(ReadStop::Drained);
        }
        if conn.read_high > 0 && conn.input.len() >= conn.read_high {
            conn.read_paused = true;
            return Ok(ReadStop::MoreLeft);
        }
        if budget == 0 {
            return Ok(ReadStop::MoreLeft);
        }
        let mut want = scratch.len().min(budget);
        if conn.read_high > 0 {
            want = want.min(conn.read_high - conn.input.len());
        }
        match conn.stream.read(&mut scratch[..want]) {
            Ok(0) => {
                conn.eof = true;
                return Ok(ReadStop::Drained);
            }
            Ok(n) => {
                conn.input.extend_from_slice(&scratch[..n]);
                budget -= n;
                if n < want && !peer_closed {
                    return Ok(ReadStop::Drained);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(ReadStop::Drained),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// How a flush ended.
pub(super) enum FlushStop {
    /// Everything pending was written.
    Drained,
    /// The socket is full (`write_blocked` is set): a writable edge follows.
    Blocked,
    /// The per-turn write budget is spent, with output left that the
    /// socket may still take: no edge will come for it, so the caller
    /// queues the connection for the next pass.
    Budget,
}

/// Write pending output until it is gone, the socket is full, or the
/// connection's write budget for turn `turn` is spent (one budget per turn,
/// however many times the connection is settled in it: by its callback, a
/// writable edge, the pending pass).
///
/// Why a budget (Redis `NET_MAX_WRITES_PER_EVENT`, 64 KiB): a peer that
/// reads as fast as we write would otherwise keep one connection's backlog
/// flowing for as long as it lasts, and every other connection waits.
pub(super) fn flush(conn: &mut BufferedConn, turn: u64) -> io::Result<FlushStop> {
    if conn.write_turn != turn {
        conn.write_turn = turn;
        conn.write_left = conn.write_budget;
    }
    while !conn.output.is_empty() {
        if conn.write_left == 0 {
            return Ok(FlushStop::Budget);
        }
        match conn.output.write_at_most(&mut conn.stream, conn.write_left) {
            Ok((written, true)) => conn.write_left -= written,
            Ok((written, false)) => {
                conn.write_left -= written;
                conn.write_blocked = true;
                return Ok(FlushStop::Blocked);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                conn.write_blocked = true;
                return Ok(FlushStop::Blocked);
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(FlushStop::Drained)
}
