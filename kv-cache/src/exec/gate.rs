//! The gate in front of `call` (the handler and its counters) for connections in a special
//! mode, and while `CLIENT PAUSE` holds commands: inside `MULTI` commands are
//! queued, a RESP2 connection with subscriptions may only (un)subscribe,
//! ping, quit or reset, a `MONITOR` connection may not touch the keyspace,
//! and a paused command waits. Redis: the checks near the end of
//! `processCommand` in `src/server.c`, in its order (`no-multi`, the
//! Pub/Sub context, the replica check, the pause, then queueing).
//!
//! Only reached when [`Session::flags`] has one of [`S_GATED`](crate::state::S_GATED)
//! set or a pause is on, so the common path pays nothing here.

use super::{Resolved, reject};
use crate::cmd::{self, Command, F_NO_MULTI, F_READONLY, F_WRITE};
use crate::protocol::{Argv, OwnedArgv};
use crate::state::pause::PauseMode;
use crate::state::{S_MONITOR, S_MULTI, S_PAUSED, S_PUBSUB, Server, Session};

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

/// Commands Redis 7.0 marks `may-replicate` (internal, not in `COMMAND
/// INFO`): a `WRITE` pause holds them like writes, and a monitor may not
/// run them. Those kv-cache serves or may serve.
const MAY_REPLICATE: &[&str] = &["publish", "spublish", "eval", "evalsha", "fcall", "pfcount"];

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
    if session.flags & S_MONITOR != 0 {
        // Redis flags a monitor as a replica, which must not touch data.
        if sub.flags & (F_READONLY | F_WRITE) != 0 || MAY_REPLICATE.contains(&top.name) {
            let msg = "ERR Replica can't interact with the keyspace";
            reject(srv, session, (ti, top, sub), out, msg);
            return false;
        }
    } else if srv.pause.is_on() && paused(srv, session, top, sub) {
        postpone(srv, session, argv);
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

/// Whether the pause in force holds this command: every command under
/// `ALL`; under `WRITE`, writes and `may-replicate` commands, and an `EXEC`
/// whose queue holds one (Redis `is_may_replicate_command`).
fn paused(srv: &Server, session: &Session, top: &Command, sub: &Command) -> bool {
    let writes = |c: &Command, name: &str| c.flags & F_WRITE != 0 || MAY_REPLICATE.contains(&name);
    match srv.pause.mode {
        PauseMode::Off => false,
        PauseMode::All => true,
        PauseMode::Write if top.name == "exec" => queue_has(session, |c| writes(c, c.name)),
        PauseMode::Write => writes(sub, top.name),
    }
}

/// Whether the transaction `session` queues holds a command (or
/// subcommand) for which `f` holds (Redis reads `c->mstate.cmd_flags`).
pub(super) fn queue_has(session: &Session, f: impl Fn(&Command) -> bool) -> bool {
    session.multi.as_ref().is_some_and(|m| {
        m.queue.iter().any(|q| {
            let argv = q.argv();
            cmd::lookup(argv.get(0)).is_some_and(|(_, c)| {
                let c = match argv.iter().nth(1) {
                    Some(name) => cmd::lookup_sub(c, name).unwrap_or(c),
                    None => c,
                };
                f(c)
            })
        })
    })
}

/// Holds the command until the pause ends: its bytes stay in the query
/// buffer (the network layer stops at [`S_PAUSED`] without consuming
/// them) and run again when [`Server::end_pause`] resumes
/// the client. No reply now, as Redis's `BLOCKED_POSTPONE`.
fn postpone(srv: &mut Server, session: &mut Session, argv: &Argv<'_>) {
    session.flags |= S_PAUSED;
    session.argv_mem = argv.iter().map(<[u8]>::len).sum();
    srv.pause.postpone(session.id);
}

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
