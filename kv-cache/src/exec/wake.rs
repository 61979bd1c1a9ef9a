//! Waking blocked clients: serving the keys that became ready, timeouts,
//! and `CLIENT UNBLOCK`. Redis: `handleClientsBlockedOnKeys`,
//! `handleBlockedClientsTimeout`, `unblockClient` and
//! `replyToBlockedClientTimedOut` in `src/blocked.c`.
//!
//! ```text
//!  LPUSH k x ──► Keyspace::set creates k ──► WaitedKeys::signal(k) ──► ready list
//!                                                                        │
//!  after the command (execute_timed): serve_ready                         │
//!    for each ready key, for each waiter in FIFO order ◄─────────────────┘
//!      re-run its command with its session copy (S_RETRY)
//!        replied      → out of every queue, reply to its outbox, resume its input
//!        blocked again → stays where it was in every queue
//!    a retry that creates keys (BLMOVE) readies them: loop until none is left
//! ```

use std::time::Instant;

use super::{call_stored, propagate, stat_for};
use crate::cmd;
use crate::protocol::Reply;
use crate::state::blocked::{BlockedClient, OnTimeout, Unblock};
use crate::state::{S_BLOCKED, S_RETRY, Server};

/// Serves the clients blocked on keys that became ready, until no key is
/// ready. Each waiter's command runs again, whole, on its own record.
// ANCHOR: serve_ready
pub(crate) fn serve_ready(srv: &mut Server, clock: &mut Instant) {
    while let Some((db, key)) = srv.ks.waited.pop_ready() {
        for id in srv.ks.waited.waiters(db, &key) {
            // Consumed by earlier waiters (or deleted again before we got
            // here): nobody else can be served from it.
            if !srv.ks.exists(db, &key) {
                break;
            }
            let Some(rec) = srv.blocked.take_for_retry(id) else {
                continue;
            };
            // The retry runs on the client's own record, out of the map
            // while it runs, as its own commands would.
            let Some(mut client) = srv.take_client(id) else {
                srv.blocked.put_back(id, rec);
                continue;
            };
            client.flags = (client.flags & !S_BLOCKED) | S_RETRY;
            let mut out = Vec::new();
            call_stored(srv, &mut client, &rec.argv.argv(), &mut out, clock);
            client.flags &= !S_RETRY;
            let still_blocked = client.flags & S_BLOCKED != 0;
            if !still_blocked && super::quiet::drops_blocked_reply(&mut client) {
                out.clear();
            }
            srv.put_client(client);
            // Each served client is an execution unit of its own (Redis
            // calls `afterCommand` per receiver).
            if srv.prop.listening() != 0 {
                propagate::end_unit(srv, true);
            }
            if still_blocked {
                srv.blocked.put_back(id, rec);
            } else {
                srv.blocked.finish(&mut srv.ks.waited, id, &rec);
                srv.outbox.buf(id).extend_from_slice(&out);
                srv.outbox.resume(id);
            }
        }
        // A key found expired above was deleted outside any retry: its
        // `DEL` is a unit of its own (Redis's edge case in
        // `handleClientsBlockedOnKeys`), and its `expired` event is sent.
        propagate::drain_expired(srv);
        if srv.prop.listening() != 0 {
            propagate::end_unit(srv, true);
        }
    }
}
// ANCHOR_END: serve_ready

impl Server {
    /// Parks client `id` (see [`crate::cmd::Ctx::block`]).
    pub fn block_client(&mut self, id: u64, rec: BlockedClient) {
        self.blocked.insert(&mut self.ks.waited, id, rec);
    }

    /// Replies the timeout null to every blocked client whose deadline
    /// passed ([`crate::state::Server::refresh_clock`] first); returns how
    /// many there were.
    pub fn expire_blocked(&mut self) -> usize {
        let ids = self.blocked.timed_out(self.ks.now_ms);
        for &id in &ids {
            self.unblock(id, Unblock::Timeout);
        }
        ids.len()
    }

    /// Ends client `id`'s block with `how`'s reply; `false` if it was not
    /// blocked. Its reply waits in the outbox and its input resumes.
    pub fn unblock(&mut self, id: u64, how: Unblock) -> bool {
        let Some(rec) = self.blocked.remove(&mut self.ks.waited, id) else {
            return false;
        };
        let (resp, quiet) = match self.clients.get_mut(&id) {
            Some(c) => {
                c.flags &= !S_BLOCKED;
                (c.resp, super::quiet::drops_blocked_reply(c))
            }
            None => (2, false),
        };
        let mut scratch = Vec::new();
        let buf = if quiet {
            &mut scratch
        } else {
            self.outbox.buf(id)
        };
        let mut reply = Reply::new(buf, resp);
        match (how, rec.on_timeout) {
            (Unblock::Error, _) => reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK"),
            (Unblock::Timeout, OnTimeout::NullArray) => reply.null_array(),
            (Unblock::Timeout, OnTimeout::NullBulk) => reply.null(),
        }
        self.outbox.resume(id);
        // The blocked command counts now, as Redis's `updateStatsOnUnblock`.
        if let Some((ti, top)) = cmd::lookup(rec.argv.argv().get(0)) {
            let failed = how == Unblock::Error;
            let tracking = self.config.latency_tracking;
            self.stats.total_commands_processed += 1;
            let st = stat_for(self, ti, top, None);
            st.calls += 1;
            // Its run took no time to speak of: the wait is not latency.
            if tracking {
                st.latency.record(0);
            }
            if failed {
                st.failed_calls += 1;
                self.stats.total_error_replies += 1;
            }
        }
        true
    }
}
