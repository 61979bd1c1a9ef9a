//! One client connection: read → parse → execute → reply. Redis:
//! `readQueryFromClient` → `processInputBuffer` → `processCommand`, with the
//! replies gathered in the client's buffer and written once per turn.
//!
//! ```text
//!  socket ──read──► conn.input ──RequestParser──► Argv (slices of input)
//!                                                    │
//!                              execute (table → handler → Keyspace)
//!                                                    │
//!  socket ◄─one writev─ conn.output ◄─before-sleep─ PendingWrites ◄─ replies
//! ```
//!
//! Every complete request in the input is executed before anything is
//! written, so a pipelined batch of N commands costs one `read` and one
//! `writev`; the replies wait in [`super::writes`] until the loop is about
//! to sleep, as Redis's do in `beforeSleep`.
//!
//! A command that blocks stops the batch: the rest of the input waits in
//! the connection's buffer (still read, so a disconnection is noticed)
//! until the client is unblocked and the loop activates it again.

use std::time::Instant;

use bytes::Buf;
use event_loop::{BufferedConn, ConnHandler, EventLoop, IoId};

use super::Runtime;
use crate::config::BufferLimit;
use crate::exec::execute_timed;
use crate::protocol::request::Parsed;
use crate::protocol::{Reply, RequestParser};
use crate::state::{S_BLOCKED, S_PUBSUB, Server, Session};

/// A connection's handler: its protocol session, parser and reply buffer.
/// Mirrors the per-connection half of Redis's `client` struct.
#[derive(Debug)]
pub struct Client {
    /// Protocol state commands see (db, RESP version, auth...).
    pub session: Session,
    /// Incremental parser over `conn.input`.
    parser: RequestParser,
    /// Input bytes already counted in `net_input_bytes`.
    counted_input: usize,
    /// Since when output has been above the soft limit (Redis `obuf_soft_limit_reached_time`).
    soft_limit_since: Option<Instant>,
}

impl Client {
    /// A handler for a new connection.
    pub fn new(session: Session, max_bulk_len: usize) -> Client {
        Client {
            session,
            parser: RequestParser::new(max_bulk_len),
            counted_input: 0,
            soft_limit_since: None,
        }
    }

    // ANCHOR: process_input
    /// Executes every complete request in `input`; returns the bytes used.
    fn process_input(
        &mut self,
        srv: &mut Server,
        out: &mut Vec<u8>,
        input: &[u8],
        mut clock: Instant,
    ) -> usize {
        if self.session.flags & S_BLOCKED != 0 {
            if srv.blocked.contains(self.session.id) {
                return 0;
            }
            // Unblocked (served, timed out, CLIENT UNBLOCK): resume.
            self.session.flags &= !S_BLOCKED;
        }
        let mut used = 0;
        while !self.session.close_after_reply && self.session.flags & S_BLOCKED == 0 {
            match self.parser.parse(&input[used..]) {
                Ok(Parsed::Request(n)) => {
                    let argv = self.parser.argv(&input[used..]);
                    execute_timed(srv, &mut self.session, &argv, out, &mut clock);
                    used += n;
                }
                Ok(Parsed::Skip(n)) => used += n,
                Ok(Parsed::Incomplete) => break,
                Err(e) => {
                    // Reply, then close, as Redis's `setProtocolError`.
                    tracing::debug!(client = self.session.id, error = %e, "protocol error");
                    Reply::new(out, self.session.resp).error(&format!("ERR {e}"));
                    srv.stats.total_error_replies += 1;
                    self.session.close_after_reply = true;
                    used = input.len();
                }
            }
        }
        used
    }
    // ANCHOR_END: process_input

    /// Applies `client-output-buffer-limit` for this client's class
    /// (`pubsub` while it has subscriptions, else `normal`): over the hard
    /// limit, or over the soft limit for too long, the client is closed at
    /// once (Redis `checkClientOutputBufferLimits`, logged the same way).
    fn output_limit_exceeded(&mut self, rt: &Runtime, pending: usize) -> bool {
        let lim = if self.session.flags & S_PUBSUB != 0 {
            rt.srv.config.output_limit_pubsub
        } else {
            rt.srv.config.output_limit_normal
        };
        limit_exceeded(lim, pending, &mut self.soft_limit_since)
    }
}

/// Whether `pending` output bytes break `lim`; `since` tracks when the
/// soft limit was first exceeded (cleared below it).
pub(super) fn limit_exceeded(
    lim: BufferLimit,
    pending: usize,
    since: &mut Option<Instant>,
) -> bool {
    let pending = pending as u64;
    if lim.hard > 0 && pending >= lim.hard {
        return true;
    }
    if lim.soft > 0 && pending >= lim.soft {
        let t = *since.get_or_insert_with(Instant::now);
        return t.elapsed().as_secs() >= lim.soft_seconds;
    }
    *since = None;
    false
}

impl ConnHandler<Runtime> for Client {
    fn on_read(&mut self, ev: &mut EventLoop<Runtime>, rt: &mut Runtime, conn: &mut BufferedConn) {
        let now = Instant::now();
        rt.srv.refresh_clock_at(now);
        // `CONFIG SET proto-max-bulk-len` applies to connected clients too.
        self.parser
            .set_max_bulk_len(rt.srv.config.proto_max_bulk_len.min(usize::MAX as u64) as usize);
        let input_len = conn.input().len();
        rt.srv.stats.net_input_bytes += (input_len - self.counted_input.min(input_len)) as u64;
        let io = conn.id();
        let out = rt.writes.buf(io);
        let used = self.process_input(&mut rt.srv, out, conn.input(), now);
        conn.input_mut().advance(used);
        self.counted_input = conn.input().len();
        // The replies wait in `rt.writes` for the before-sleep flush.
        if rt.writes.pending(io) > 0 || self.session.close_after_reply {
            rt.writes.queue(io, self.session.close_after_reply);
        }
        let id = self.session.id;
        if let Some(info) = rt.srv.clients.get_mut(&id) {
            info.last_interaction_ms = rt.srv.ks.now_ms;
            info.last_cmd = self.session.last_cmd;
            info.qbuf = conn.input().len();
            info.omem = conn.output_len();
        }
        // `client-query-buffer-limit`: a request still incomplete past the
        // limit closes the client (Redis logs and frees it).
        if conn.input().len() as u64 > rt.srv.config.client_query_buffer_limit {
            tracing::warn!(
                client = id,
                "closing client that reached max query buffer length"
            );
            conn.close();
        } else if self.output_limit_exceeded(rt, conn.output_len() + rt.writes.pending(io)) {
            tracing::warn!(
                client = id,
                "client scheduled to be closed ASAP for overcoming of output buffer limits"
            );
            conn.close();
        }
        // Even when closing: this batch may have woken or written to others.
        rt.after_commands(ev);
    }

    fn on_close(&mut self, _ev: &mut EventLoop<Runtime>, rt: &mut Runtime, id: IoId) {
        rt.writes.forget(id);
        rt.srv.disconnect(self.session.id);
        rt.conns.remove(&self.session.id);
        rt.soft_since.remove(&self.session.id);
    }
}
