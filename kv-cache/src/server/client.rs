//! One client connection: read → parse → execute → reply. Redis:
//! `readQueryFromClient` → `processInputBuffer` → `processCommand`, with the
//! replies gathered in the client's buffer and written once per turn.
//!
//! ```text
//!  socket ──read──► conn.input ──RequestParser──► Argv (slices of input)
//!                                                    │
//!                              execute (table → handler → Keyspace)
//!                                                    │
//!  socket ◄─one writev─ conn.output (16 KiB blocks) ◄─ replies, encoded in place
//!          (the loop's pending pass, before it sleeps)
//! ```
//!
//! Every complete request in the input is executed before anything is
//! written, so a pipelined batch of N commands costs one `read` and one
//! `writev`. The connection defers its writes: the event loop writes every
//! connection that has output in one pass just before it sleeps, as Redis
//! does in `beforeSleep` (`handleClientsWithPendingWrites`), at most 64 KiB
//! per connection per turn, so one client with a huge backlog cannot hold
//! the others up.
//!
//! A command that blocks stops the batch: the rest of the input waits in
//! the connection's buffer (still read, so a disconnection is noticed)
//! until the client is unblocked and the loop activates it again.

use std::time::Instant;

use bytes::Buf;
use event_loop::conn::DEFAULT_READ_BUDGET;
use event_loop::{BufferedConn, ConnHandler, EventLoop, IoId};

use super::Runtime;
use crate::config::BufferLimit;
use crate::exec::execute_timed;
use crate::protocol::bigarg;
use crate::protocol::request::Parsed;
use crate::protocol::{Reply, RequestParser};
use crate::state::{ReplyMode, S_BLOCKED, S_PAUSED, S_PUBSUB, Server, Session};

/// A connection's handler: which client it is, and the parser's progress
/// through the bytes read so far. Everything else about the client is its
/// record, a [`Session`] in [`Server::clients`], taken out for the batch.
#[derive(Debug)]
pub struct Client {
    /// The client id: the key of its record.
    id: u64,
    /// Incremental parser over `conn.input`.
    parser: RequestParser,
    /// Input bytes already counted in `net_input_bytes`.
    counted_input: usize,
    /// Length of the request `CLIENT PAUSE` holds at the front of the
    /// input (Redis has parsed it out of `qbuf` by then).
    held: usize,
}

impl Client {
    /// A handler for client `id`'s new connection.
    pub fn new(id: u64, max_bulk_len: usize) -> Client {
        Client {
            id,
            parser: RequestParser::new(max_bulk_len),
            counted_input: 0,
            held: 0,
        }
    }

    // ANCHOR: process_input
    /// Executes every complete request in `input`; returns the bytes used.
    fn process_input(
        &mut self,
        srv: &mut Server,
        session: &mut Session,
        out: &mut Vec<u8>,
        input: &[u8],
        mut clock: Instant,
    ) -> usize {
        if session.flags & S_BLOCKED != 0 {
            if srv.blocked.contains(session.id) {
                return 0;
            }
            // Unblocked (served, timed out, CLIENT UNBLOCK): resume.
            session.flags &= !S_BLOCKED;
        }
        if session.flags & S_PAUSED != 0 {
            if srv.pause.holds(session.id) {
                return 0;
            }
            // The pause ended: the held command, still first in the
            // input, runs now (or waits again for a newer pause).
            session.flags &= !S_PAUSED;
            session.argv_mem = 0;
        }
        let mut used = 0;
        while !session.close_after_reply && session.flags & (S_BLOCKED | S_PAUSED) == 0 {
            // Per request: an `AUTH` earlier in the batch lifts it.
            let must_auth = srv.config.requirepass.is_some() && !session.authenticated;
            self.parser.set_unauthenticated(must_auth);
            match self.parser.parse(&input[used..]) {
                Ok(Parsed::Request(n)) => {
                    let argv = self.parser.argv(&input[used..]);
                    execute_timed(srv, session, &argv, out, &mut clock);
                    // A command held by CLIENT PAUSE stays in the input.
                    if session.flags & S_PAUSED == 0 {
                        self.parser.release();
                        used += n;
                    } else {
                        self.held = n;
                    }
                }
                Ok(Parsed::Skip(n)) => used += n,
                Ok(Parsed::Incomplete) => break,
                Err(e) => {
                    // Reply, then close, as Redis's `setProtocolError`.
                    tracing::debug!(client = session.id, error = %e, "protocol error");
                    // Silenced like any reply by CLIENT REPLY OFF or SKIP.
                    // Redis then never closes the connection (it closes
                    // after a reply that does not come); we still do.
                    if matches!(session.reply, ReplyMode::On | ReplyMode::SkipNext) {
                        Reply::new(out, session.resp).error(&format!("ERR {e}"));
                    }
                    srv.stats.total_error_replies += 1;
                    session.close_after_reply = true;
                    used = input.len();
                }
            }
        }
        used
    }
    // ANCHOR_END: process_input
}

/// Applies `client-output-buffer-limit` for `session`'s class (`pubsub`
/// while it has subscriptions, else `normal`): over the hard limit, or over
/// the soft limit for too long, the client must close (Redis
/// `checkClientOutputBufferLimits`). One timer per client, whichever path
/// (its own replies, messages published to it) fills the buffer.
pub(super) fn output_limit_exceeded(srv: &Server, session: &mut Session, pending: usize) -> bool {
    let lim = if session.flags & S_PUBSUB != 0 {
        srv.config.output_limit_pubsub
    } else {
        srv.config.output_limit_normal
    };
    limit_exceeded(lim, pending, &mut session.soft_limit_since)
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
        let id = self.id;
        // The record is out of the map while its commands run.
        let Some(mut session) = rt.srv.take_client(id) else {
            conn.close();
            return;
        };
        // `CONFIG SET proto-max-bulk-len` applies to connected clients too.
        self.parser
            .set_max_bulk_len(rt.srv.config.proto_max_bulk_len.min(usize::MAX as u64) as usize);
        let (input, output) = conn.buffers();
        rt.srv.stats.net_input_bytes += (input.len() - self.counted_input.min(input.len())) as u64;
        bigarg::adopt(&mut self.parser, input);
        // Replies are encoded straight into the connection's output; the
        // loop writes it in its pending pass, before it sleeps.
        // What `CLIENT LIST` shows of this client while its commands run:
        // the whole input read (Redis trims it after the batch), the output
        // earlier turns left unsent.
        session.qbuf = input.len();
        session.omem = output.len();
        let mut out = output.append();
        let before = out.len();
        let used = self.process_input(&mut rt.srv, &mut session, &mut out, &input[..], now);
        let out_bytes = out.len() - before;
        rt.srv.stats.net_output_bytes += out_bytes as u64;
        drop(out);
        input.advance(used);
        // A big bulk gets a buffer of its own, and reads stop at its end.
        let budget = bigarg::prepare(&mut self.parser, conn.input_mut());
        conn.set_read_budget(budget.map_or(DEFAULT_READ_BUDGET, |b| b.min(DEFAULT_READ_BUDGET)));
        self.counted_input = conn.input().len();
        if session.close_after_reply {
            conn.close_after_flush();
        }
        session.last_interaction_ms = rt.srv.ks.now_ms;
        session.qbuf = conn.input().len();
        if session.flags & S_PAUSED != 0 {
            session.qbuf = session.qbuf.saturating_sub(self.held);
        }
        session.qbuf_free = conn.input_mut().capacity() - session.qbuf;
        session.reply_peak = session.reply_peak.max(out_bytes);
        // `client-query-buffer-limit`: a request still incomplete past the
        // limit closes the client (Redis logs and frees it).
        if conn.input().len() as u64 > rt.srv.config.client_query_buffer_limit {
            tracing::warn!(
                client = id,
                "closing client that reached max query buffer length"
            );
            conn.close();
        } else if output_limit_exceeded(&rt.srv, &mut session, conn.output_len()) {
            tracing::warn!(
                client = id,
                "client scheduled to be closed ASAP for overcoming of output buffer limits"
            );
            conn.close();
        }
        rt.srv.put_client(session);
        // Even when closing: this batch may have woken or written to others.
        rt.after_commands(ev, Some(conn));
    }

    fn on_close(&mut self, _ev: &mut EventLoop<Runtime>, rt: &mut Runtime, _id: IoId) {
        rt.srv.disconnect(self.id);
    }
}
