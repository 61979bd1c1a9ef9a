//! The gate in front of `call` (the handler and its counters) for connections in a special
//! mode: inside `MULTI` commands are queued, and a RESP2 connection with
//! subscriptions may only (un)subscribe, ping, quit or reset. Redis: the
//! checks near the end of `processCommand` in `src/server.c`, in its order
//! (`no-multi`, the Pub/Sub context, then queueing).
//!
//! Only reached when [`Session::flags`] has one of [`S_GATED`](crate::state::S_GATED)
//! set, so the common path pays nothing here.

use super::{Resolved, reject};
use crate::cmd::F_NO_MULTI;
use crate::protocol::{Argv, OwnedArgv};
use crate::state::{S_MULTI, S_PUBSUB, Server, Session};

/// Commands a subscribed RESP2 connection may run.
const SUBSCRIBED_OK: &[&str] = &[
    "ping",
    "subscribe",
    "unsubscribe",
    "psubscribe",
    "punsubscribe",
    "ssubscribe",
    "sunsubscribe",
    "quit",
    "reset",
];

/// Commands that run at once inside `MULTI` instead of being queued.
const RUN_IN_MULTI: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

/// Decides whether the command runs now. Returns `false` when it was
/// rejected or queued (the reply is written either way).
// ANCHOR: admit
pub(super) fn admit(
    srv: &mut Server,
    session: &mut Session,
    (ti, top, sub): Resolved,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
) -> bool {
    let in_multi = session.flags & S_MULTI != 0;
    if in_multi && sub.flags & F_NO_MULTI != 0 {
        reject(
            srv,
            session,
            (ti, top, sub),
            out,
            "ERR Command not allowed inside a transaction",
        );
        return false;
    }
    if session.flags & S_PUBSUB != 0 && session.resp == 2 && !SUBSCRIBED_OK.contains(&top.name) {
        let name = if std::ptr::eq(top, sub) {
            top.name.to_string()
        } else {
            format!("{}|{}", top.name, sub.name)
        };
        let msg = format!(
            "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        );
        reject(srv, session, (ti, top, sub), out, &msg);
        return false;
    }
    if in_multi && !RUN_IN_MULTI.contains(&top.name) {
        queue(srv, session, argv);
        out.extend_from_slice(b"+QUEUED\r\n");
        return false;
    }
    true
}
// ANCHOR_END: admit

/// Appends the command to the transaction (Redis `queueMultiCommand`).
/// A transaction that will fail anyway stores nothing more: the replies
/// are the same and memory is saved, as in Redis.
fn queue(srv: &mut Server, session: &mut Session, argv: &Argv<'_>) {
    let id = session.id;
    let Some(m) = session.multi.as_mut() else {
        return;
    };
    if m.aborted || srv.ks.watched.is_dirty(id) {
        return;
    }
    m.queue.push(OwnedArgv::new(argv));
}
